"""Tests de paquet_analyse.associations.

Chaque fonction statistique est comparée à des valeurs *publiées* (sortie
documentée de R, manuel SAS, manuel de référence), à la précision publiée ;
la source et l'appel d'origine figurent dans la docstring de chaque test.
Tout avertissement non attendu fait échouer les tests (``filterwarnings``) :
aucun avertissement de bibliothèque ne doit s'échapper du paquet.
"""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from paquet_analyse import associations as A
from paquet_analyse.associations import (
    score_2x2,
    COLONNES_TEST,
    ajuster_p,
    association,
    exact_fisher,
    khi2_independance,
    mantel_haenszel,
    residus_ajustes,
    tableau_croise,
)
from paquet_analyse.erreurs import (
    AvertissementDonnees,
    AvertissementEffectifs,
    ErreurDonnees,
    ErreurEffectifs,
)

pytestmark = pytest.mark.filterwarnings("error")


def depuis_table(table, lignes, colonnes, nom_ligne="l", nom_colonne="c", **fixes):
    """Données individuelles (une ligne par unité) à partir d'un tableau d'effectifs."""
    table = np.asarray(table)
    enregistrements = []
    for i, modalite_l in enumerate(lignes):
        for j, modalite_c in enumerate(colonnes):
            enregistrements += [
                {nom_ligne: modalite_l, nom_colonne: modalite_c, **fixes}
            ] * int(table[i, j])
    return pd.DataFrame(enregistrements)


def depuis_strates(tables, strates, lignes, colonnes):
    """Données individuelles pour des tableaux 2 × 2 stratifiés."""
    return pd.concat(
        [depuis_table(t, lignes, colonnes, strate=s) for t, s in zip(tables, strates)],
        ignore_index=True,
    )


def valeur(resultat, colonne):
    """Valeur scalaire d'un tableau de résultat d'une ligne."""
    return resultat.loc[0, colonne]


# ---------------------------------------------------------------------------
# Khi-deux : valeurs publiées
# ---------------------------------------------------------------------------


def test_khi2_parti_genre_r_agresti():
    """Parti × genre, Agresti (2007, *An Introduction to Categorical Data
    Analysis*, 2e éd., tableau 2.5, p. 39), exemple de ``?chisq.test`` (R) :

        M <- as.table(rbind(c(762, 327, 468), c(484, 239, 477)))
        dimnames(M) <- list(gender = c("F", "M"),
                            party = c("Democrat","Independent", "Republican"))
        (Xsq <- chisq.test(M))
        # X-squared = 30.07, df = 2, p-value = 2.954e-07
    """
    d = depuis_table(
        [[762, 327, 468], [484, 239, 477]], ["F", "M"],
        ["Democrat", "Independent", "Republican"], "genre", "parti",
    )
    r = khi2_independance(d, "genre", "parti")
    assert list(r.columns) == COLONNES_TEST
    assert valeur(r, "statistique") == pytest.approx(30.07, abs=0.005)
    assert valeur(r, "ddl") == 2
    assert valeur(r, "p_valeur") == pytest.approx(2.954e-07, abs=5e-11)
    assert valeur(r, "effectif") == 2757
    assert valeur(r, "manquants") == 0
    assert valeur(r, "methode") == "khi-deux de Pearson"  # pas de Yates hors 2 × 2


def test_residus_ajustes_parti_genre():
    """Résidus standardisés du même tableau : Agresti (2007, tableau 2.10,
    p. 39) publie 4.50, 0.70, -5.32 / -4.50, -0.70, 5.32 ; R (``Xsq$stdres``
    de l'exemple ``?chisq.test``) affiche :

        Xsq$stdres
        #       party
        # gender   Democrat Independent Republican
        #      F  4.5020535   0.6994517 -5.3159455
        #      M -4.5020535  -0.6994517  5.3159455
    """
    d = depuis_table(
        [[762, 327, 468], [484, 239, 477]], ["F", "M"],
        ["Democrat", "Independent", "Republican"], "genre", "parti",
    )
    res = residus_ajustes(d, "genre", "parti")
    attendu = np.array([[4.5020535, 0.6994517, -5.3159455],
                        [-4.5020535, -0.6994517, 5.3159455]])
    np.testing.assert_allclose(res.to_numpy(), attendu, atol=5e-8)
    np.testing.assert_allclose(res.to_numpy().round(2), attendu.round(2))
    assert list(res.index) == ["F", "M"]
    assert list(res.columns) == ["Democrat", "Independent", "Republican"]


def test_khi2_yates_exemple_r():
    """Correction de Yates, exemple de ``?chisq.test`` (R) :

        x <- matrix(c(12, 5, 7, 7), ncol = 2)
        chisq.test(x)$p.value           # 0.4233
    """
    d = depuis_table([[12, 7], [5, 7]], ["a", "b"], ["u", "v"])
    r = khi2_independance(d, "l", "c")
    assert valeur(r, "p_valeur") == pytest.approx(0.4233, abs=5e-5)
    assert valeur(r, "methode") == "khi-deux de Pearson, correction de Yates"
    sans = khi2_independance(d, "l", "c", correction=False)
    assert valeur(sans, "p_valeur") < valeur(r, "p_valeur")


def test_khi2_fumeurs_prop_test_r():
    """Quatre groupes de patients, proportion de fumeurs (Fleiss 1981, p. 139),
    exemple de ``?prop.test`` (R) ; pour plus de deux groupes prop.test est
    le khi-deux de Pearson sans correction :

        smokers  <- c( 83, 90, 129, 70 )
        patients <- c( 86, 93, 136, 82 )
        prop.test(smokers, patients)
        # X-squared = 12.6, df = 3, p-value = 0.005585
    """
    fumeurs = np.array([83, 90, 129, 70])
    patients = np.array([86, 93, 136, 82])
    table = np.column_stack([fumeurs, patients - fumeurs])
    d = depuis_table(table, [1, 2, 3, 4], ["fumeur", "non_fumeur"])
    r = khi2_independance(d, "l", "c")
    assert valeur(r, "statistique") == pytest.approx(12.6, abs=0.05)
    assert valeur(r, "ddl") == 3
    assert valeur(r, "p_valeur") == pytest.approx(0.005585, abs=5e-7)


def test_khi2_sas_fatcomp():
    """SAS/STAT, PROC FREQ, exemple « Analysis of a 2x2 Contingency Table »
    (données FatComp, régime riche en gras × maladie coronarienne) :

        proc freq data=FatComp order=data;
           tables Exposure*Response / chisq relrisk;
           weight Count;
        run;
        * Chi-Square 4.9597 (Prob 0.0259) ;
        * Continuity Adj. Chi-Square 3.1879 (Prob 0.0742) ;
        * Odds Ratio (Case-Control) 8.2500, 95% CL 1.1535 59.0029 ;

    Le tableau SAS (ordre des données) est [[11, 4], [2, 6]] (exposés en
    premier) ; ici l'ordre est croissant (0 puis 1), ce qui inverse lignes
    et colonnes et laisse le rapport de cotes inchangé.
    """
    d = depuis_table([[6, 2], [4, 11]], [0, 1], [0, 1], "exposition", "reponse")
    with pytest.warns(AvertissementEffectifs):  # attendu minimal 3.48 (SAS le signale aussi)
        sans = khi2_independance(d, "exposition", "reponse", correction=False)
    assert valeur(sans, "statistique") == pytest.approx(4.9597, abs=5e-5)
    assert valeur(sans, "p_valeur") == pytest.approx(0.0259, abs=5e-5)
    with pytest.warns(AvertissementEffectifs):
        avec = khi2_independance(d, "exposition", "reponse")
    assert valeur(avec, "statistique") == pytest.approx(3.1879, abs=5e-5)
    assert valeur(avec, "p_valeur") == pytest.approx(0.0742, abs=5e-5)
    assert valeur(avec, "rapport_cotes") == pytest.approx(8.25)
    assert valeur(avec, "ic_bas") == pytest.approx(1.1535, abs=5e-5)
    assert valeur(avec, "ic_haut") == pytest.approx(59.0029, abs=5e-5)


# ---------------------------------------------------------------------------
# Test exact de Fisher : valeurs publiées
# ---------------------------------------------------------------------------

# R estime le rapport de cotes conditionnel et ses bornes par uniroot() avec
# la tolérance par défaut (.Machine$double.eps^0.25 ≈ 1.22e-4, absolue) :
# les chiffres imprimés par R ne sont justes qu'à cette tolérance près.
TOLERANCE_UNIROOT = 1.3e-4


def test_fisher_the_tasting():
    """La dégustation de thé (Fisher ; Agresti 2002, p. 91), exemple de
    ``?fisher.test`` (R) ; sortie de R (stats-Ex.Rout.save) :

        TeaTasting <- matrix(c(3, 1, 1, 3), nrow = 2,
            dimnames = list(Guess = c("Milk", "Tea"), Truth = c("Milk", "Tea")))
        fisher.test(TeaTasting, alternative = "greater")
        # p-value = 0.2429
        # 95 percent confidence interval: 0.3135693       Inf
        # odds ratio 6.408309
    """
    d = depuis_table([[3, 1], [1, 3]], ["Milk", "Tea"], ["Milk", "Tea"], "devine", "verite")
    r = exact_fisher(d, "devine", "verite", alternative="greater")
    assert valeur(r, "p_valeur") == pytest.approx(0.2429, abs=5e-5)
    assert valeur(r, "rapport_cotes") == pytest.approx(6.408309, abs=TOLERANCE_UNIROOT)
    assert valeur(r, "ic_bas") == pytest.approx(0.3135693, abs=TOLERANCE_UNIROOT)
    assert valeur(r, "ic_haut") == np.inf
    assert valeur(r, "alternative") == "greater"
    assert np.isnan(valeur(r, "statistique"))


def test_fisher_convictions():
    """Condamnations de jumeaux (Fisher 1962, 1970), exemple de
    ``?fisher.test`` (R) ; sorties de R :

        Convictions <- matrix(c(2, 10, 15, 3), nrow = 2,
            dimnames = list(c("Dizygotic", "Monozygotic"),
                            c("Convicted", "Not convicted")))
        fisher.test(Convictions, alternative = "less")
        # p-value = 0.0004652 ; 95 percent CI: 0.0000000 0.2849601
        # odds ratio 0.04693661
        fisher.test(Convictions)
        # p-value = 0.0005367 ; 95 percent CI: 0.003325764 0.363182271
    """
    d = depuis_table(
        [[2, 15], [10, 3]], ["Dizygotic", "Monozygotic"],
        ["Convicted", "Not convicted"], "jumeaux", "condamnation",
    )
    moins = exact_fisher(d, "jumeaux", "condamnation", alternative="less")
    assert valeur(moins, "p_valeur") == pytest.approx(0.0004652, abs=5e-8)
    assert valeur(moins, "rapport_cotes") == pytest.approx(0.04693661, abs=TOLERANCE_UNIROOT)
    assert valeur(moins, "ic_bas") == 0.0
    assert valeur(moins, "ic_haut") == pytest.approx(0.2849601, abs=TOLERANCE_UNIROOT)
    bilat = exact_fisher(d, "jumeaux", "condamnation")
    assert valeur(bilat, "p_valeur") == pytest.approx(0.0005367, abs=5e-8)
    assert valeur(bilat, "ic_bas") == pytest.approx(0.003325764, abs=TOLERANCE_UNIROOT)
    assert valeur(bilat, "ic_haut") == pytest.approx(0.363182271, abs=TOLERANCE_UNIROOT)
    assert valeur(bilat, "methode") == "exact de Fisher (loi hypergéométrique)"


def test_fisher_rxc_satisfaction_au_travail():
    """Satisfaction au travail × revenu, tableau 4 × 4 d'Agresti (2002, p. 57),
    exemple de ``?fisher.test`` (R) :

        Job <- matrix(c(1,2,1,0, 3,3,6,1, 10,10,14,9, 6,7,12,11), 4, 4,
            dimnames = list(income = c("< 15k", "15-25k", "25-40k", "> 40k"),
                satisfaction = c("VeryD", "LittleD", "ModerateS", "VeryS")))
        fisher.test(Job) # 0.7827

    Catégories ordonnées (pandas.Categorical) : l'ordre doit être respecté.
    """
    job = np.array([[1, 3, 10, 6], [2, 3, 10, 7], [1, 6, 14, 12], [0, 1, 9, 11]])
    revenus = ["< 15k", "15-25k", "25-40k", "> 40k"]
    satisf = ["VeryD", "LittleD", "ModerateS", "VeryS"]
    d = depuis_table(job, revenus, satisf, "revenu", "satisfaction")
    d["revenu"] = pd.Categorical(d["revenu"], categories=revenus, ordered=True)
    d["satisfaction"] = pd.Categorical(d["satisfaction"], categories=satisf)
    r = exact_fisher(d, "revenu", "satisfaction")
    assert valeur(r, "p_valeur") == pytest.approx(0.7827, abs=5e-5)
    assert valeur(r, "erreur_mc") == 0.0
    assert "énumération complète" in valeur(r, "methode")
    assert np.isnan(valeur(r, "rapport_cotes"))
    assert list(tableau_croise(d, "revenu", "satisfaction").index) == revenus


def test_fisher_rxc_mehta_patel():
    """6e exemple de Mehta et Patel (1983, *JASA* 78, 427-434), tableau 5 × 7,
    exemple de ``?fisher.test`` (R) :

        MP6 <- rbind(c(1,2,2,1,1,0,1), c(2,0,0,2,3,0,0), c(0,1,1,1,2,7,3),
                     c(1,1,2,0,0,0,1), c(0,1,1,1,1,0,0))
        fisher.test(MP6)
        # p-value = 0.03929
    """
    mp6 = np.array([[1, 2, 2, 1, 1, 0, 1], [2, 0, 0, 2, 3, 0, 0], [0, 1, 1, 1, 2, 7, 3],
                    [1, 1, 2, 0, 0, 0, 1], [0, 1, 1, 1, 1, 0, 0]])
    d = depuis_table(mp6, range(5), range(7))
    r = exact_fisher(d, "l", "c")
    assert valeur(r, "p_valeur") == pytest.approx(0.03929, abs=5e-6)


def test_fisher_rxc_monte_carlo_si_trop_grand(monkeypatch):
    """Au-delà de la limite d'énumération : p de Monte-Carlo reproductible,
    avec son erreur type, compatible avec la valeur exacte publiée (0.7827,
    ``fisher.test(Job)`` de R ; R ajoute : ``fisher.test(Job,
    simulate.p.value = TRUE, B = 1e5) # also close to 0.78``).
    """
    job = np.array([[1, 3, 10, 6], [2, 3, 10, 7], [1, 6, 14, 12], [0, 1, 9, 11]])
    d = depuis_table(job, range(4), range(4))
    monkeypatch.setattr(A, "LIMITE_EXACTE", 1000)
    r1 = exact_fisher(d, "l", "c", graine=3, simulations=20_000)
    r2 = exact_fisher(d, "l", "c", graine=3, simulations=20_000)
    assert "Monte-Carlo" in valeur(r1, "methode")
    assert valeur(r1, "p_valeur") == valeur(r2, "p_valeur")
    erreur = valeur(r1, "erreur_mc")
    assert erreur == pytest.approx(np.sqrt(0.7827 * 0.2173 / 20_000), rel=0.05)
    assert abs(valeur(r1, "p_valeur") - 0.7827) < 4 * erreur
    defaut = exact_fisher(d, "l", "c", simulations=2_000)
    assert f"graine {A.GRAINE_DEFAUT}" in valeur(defaut, "methode")


def test_enumeration_exacte_egale_scipy_en_2x2():
    """L'énumération r × c redonne la p bilatérale de scipy sur des 2 × 2."""
    for table in ([[3, 1], [1, 3]], [[2, 15], [10, 3]], [[11, 4], [2, 6]], [[0, 5], [6, 1]]):
        p = A._EnumerationExacte(table).p_valeur()
        assert p == pytest.approx(A.stats.fisher_exact(table).pvalue, rel=1e-9)


# ---------------------------------------------------------------------------
# association() : règle des effectifs attendus
# ---------------------------------------------------------------------------


def test_association_choisit_fisher_si_attendu_petit():
    """Attendu minimal < 5 : test exact, la méthode le dit (TeaTasting, p = 0.4857
    bilatérale : ``fisher.test(TeaTasting)`` de R, p-value = 0.4857)."""
    d = depuis_table([[3, 1], [1, 3]], ["Milk", "Tea"], ["Milk", "Tea"])
    r = association(d, "l", "c")
    assert valeur(r, "test") == "fisher_exact"
    assert valeur(r, "p_valeur") == pytest.approx(0.4857, abs=5e-5)
    assert "effectif attendu minimal 2.00 < 5" in valeur(r, "methode")


def test_association_choisit_khi2_sinon():
    """Attendus tous >= 5 : khi-deux (parti × genre, X² = 30.07, R ?chisq.test)."""
    d = depuis_table([[762, 327, 468], [484, 239, 477]], ["F", "M"], ["D", "I", "R"])
    r = association(d, "l", "c")
    assert valeur(r, "test") == "khi2"
    assert valeur(r, "statistique") == pytest.approx(30.07, abs=0.005)
    assert "effectifs attendus tous >= 5" in valeur(r, "methode")
    with pytest.raises(ErreurDonnees, match="bilatéral"):
        association(d, "l", "c", alternative="greater")


# ---------------------------------------------------------------------------
# Mantel-Haenszel : valeurs publiées
# ---------------------------------------------------------------------------

LAPINS = [  # Rabbits de ?mantelhaen.test : Delay (None, 1.5h) × Response (Cured, Died)
    [[0, 6], [0, 5]], [[3, 3], [0, 6]], [[6, 0], [2, 4]], [[5, 1], [6, 0]], [[2, 0], [5, 0]],
]


def test_mantel_haenszel_lapins_r():
    """Pénicilline et lapins (Mantel 1963 ; Agresti 1990, p. 231-237),
    exemple de ``?mantelhaen.test`` (R) ; sortie de R :

        Rabbits <- array(c(0, 0, 6, 5,  3, 0, 3, 6,  6, 2, 0, 4,
                           5, 6, 1, 0,  2, 5, 0, 0), dim = c(2, 2, 5), ...)
        mantelhaen.test(Rabbits)
        # Mantel-Haenszel X-squared = 3.9286, df = 1, p-value = 0.04747
        # 95 percent confidence interval: 1.026713 47.725133
        # common odds ratio 7

    Deux strates ont une marge nulle : avertissement (exclues de Breslow-Day).
    """
    niveaux = ["1/8", "1/4", "1/2", "1", "4"]
    d = depuis_strates(LAPINS, niveaux, ["None", "1.5h"], ["Cured", "Died"])
    d["strate"] = pd.Categorical(d["strate"], categories=niveaux)
    d["l"] = pd.Categorical(d["l"], categories=["None", "1.5h"])
    d["c"] = pd.Categorical(d["c"], categories=["Cured", "Died"])
    with pytest.warns(AvertissementEffectifs, match="Breslow-Day"):
        res = mantel_haenszel(d, "l", "c", "strate")
    assert res.statistique == pytest.approx(3.9286, abs=5e-5)
    assert res.p_valeur == pytest.approx(0.04747, abs=5e-6)
    assert res.rapport_cotes == pytest.approx(7.0)
    assert res.ic_bas == pytest.approx(1.026713, abs=5e-7)
    assert res.ic_haut == pytest.approx(47.725133, abs=5e-7)
    assert res.nb_strates == 5
    assert res.strates["informative"].tolist() == [False, True, True, True, False]


def test_mantel_haenszel_migraine_sas():
    """SAS/STAT, PROC FREQ, exemple « Cochran-Mantel-Haenszel Statistics »
    (données Migraine, traitement × réponse stratifié par genre) :

        proc freq data=Migraine;
           tables Gender*Treatment*Response / cmh;
           weight Count;
        run;
        * CMH (toutes alternatives) : DF 1, Value 8.3052, Prob 0.0040 ;
        * Common Odds Ratio, Mantel-Haenszel : 3.3132, 95% CL 1.4456 7.5934 ;
        * Breslow-Day Test : Chi-Square 1.4929, DF 1, Pr > ChiSq 0.2218 ;

    SAS ne corrige pas la statistique CMH (``correction=False``).
    """
    tables = [[[16, 11], [5, 20]], [[12, 16], [7, 19]]]
    d = depuis_strates(tables, ["female", "male"], ["Active", "Placebo"], ["Better", "Same"])
    res = mantel_haenszel(d, "l", "c", "strate", correction=False)
    assert res.statistique == pytest.approx(8.3052, abs=5e-5)
    assert res.p_valeur == pytest.approx(0.0040, abs=5e-5)
    assert res.rapport_cotes == pytest.approx(3.3132, abs=5e-5)
    assert res.ic_bas == pytest.approx(1.4456, abs=5e-5)
    assert res.ic_haut == pytest.approx(7.5934, abs=5e-5)
    assert res.breslow_day == pytest.approx(1.4929, abs=5e-5)
    assert res.ddl_breslow_day == 1
    assert res.p_breslow_day == pytest.approx(0.2218, abs=5e-5)
    tab = res.tableau()
    assert list(tab.columns) == COLONNES_TEST
    assert tab["test"].tolist() == [
        "cmh_non_corrige", "cmh_corrige", "wald_mh", "breslow_day", "breslow_day_tarone",
    ]


def test_mantel_haenszel_ucb_admissions_r():
    """Admissions à Berkeley (``UCBAdmissions``), exemple de
    ``?mantelhaen.test`` (R) ; sortie de R :

        mantelhaen.test(UCBAdmissions)
        # Mantel-Haenszel X-squared = 1.4269, df = 1, p-value = 0.2323
        # 95 percent confidence interval: 0.7719074 1.0603298
        # common odds ratio 0.9046968

    Admit (Admitted, Rejected) × Gender (Male, Female) × Dept (A-F). Ici
    ``admis`` est booléen (False, True) et le genre trié (Female, Male) :
    les deux axes sont inversés, le rapport de cotes est donc le même.
    """
    ucb = {  # (admis H, admis F, refusés H, refusés F)
        "A": (512, 89, 313, 19), "B": (353, 17, 207, 8), "C": (120, 202, 205, 391),
        "D": (138, 131, 279, 244), "E": (53, 94, 138, 299), "F": (22, 24, 351, 317),
    }
    tables = [[[rh, rf], [ah, af]] for ah, af, rh, rf in ucb.values()]
    d = depuis_strates(tables, list(ucb), [False, True], ["Male", "Female"])
    d["c"] = d["c"].astype("category")  # catégories triées : Female, Male
    res = mantel_haenszel(d, "l", "c", "strate")
    assert res.modalites_colonne == ("Female", "Male")
    assert res.statistique == pytest.approx(1.4269, abs=5e-5)
    assert res.p_valeur == pytest.approx(0.2323, abs=5e-5)
    assert res.rapport_cotes == pytest.approx(0.9046968, abs=5e-8)
    assert res.ic_bas == pytest.approx(0.7719074, abs=5e-8)
    assert res.ic_haut == pytest.approx(1.0603298, abs=5e-8)


def test_breslow_day_tarone_desctools():
    """Breslow-Day avec et sans correction de Tarone, sortie de R reprise dans
    la suite de tests de statsmodels (``stats/tests/test_contingency_tables.py``,
    ``TestStratified2``) :

        library(DescTools)
        data = array(c(20, 14, 10, 24,  15, 12, 3, 15,  3, 2, 3, 2,
                       12, 3, 7, 5,  1, 0, 3, 2), dim=c(2, 2, 5))
        mantelhaen.test(data)      # X-squared = 11.8852, p-value = 0.0005658
                                   # CI 1.781135 7.240633, common OR 3.5912
        BreslowDayTest(data, correct=FALSE)  # X-squared = 1.8438, p = 0.7645
        BreslowDayTest(data, correct=TRUE)   # X-squared = 1.8436, p = 0.7645
    """
    brut = [20, 14, 10, 24, 15, 12, 3, 15, 3, 2, 3, 2, 12, 3, 7, 5, 1, 0, 3, 2]
    tables = [np.array(brut[4 * k:4 * k + 4]).reshape(2, 2, order="F") for k in range(5)]
    d = depuis_strates(tables, list("abcde"), ["x1", "x2"], ["y1", "y2"])
    res = mantel_haenszel(d, "l", "c", "strate")
    assert res.statistique == pytest.approx(11.8852, abs=5e-5)
    assert res.p_valeur == pytest.approx(0.0005658, abs=5e-8)
    assert res.rapport_cotes == pytest.approx(3.5912, abs=5e-5)
    assert res.ic_bas == pytest.approx(1.781135, abs=5e-7)
    assert res.ic_haut == pytest.approx(7.240633, abs=5e-7)
    assert res.breslow_day == pytest.approx(1.8438, abs=5e-5)
    assert res.p_breslow_day == pytest.approx(0.7645, abs=5e-5)
    assert res.tarone == pytest.approx(1.8436, abs=5e-5)
    assert res.p_tarone == pytest.approx(0.7645, abs=5e-5)
    assert res.ddl_breslow_day == 4


def test_breslow_day_rapport_commun_exactement_un():
    """Rapport commun = 1 exactement : statsmodels diviserait par 1 - rapport ;
    la limite (espérance sous indépendance) est utilisée et égale la valeur
    obtenue pour un rapport infiniment proche de 1."""
    tables = [[[2, 1], [1, 2]], [[1, 2], [2, 1]]]
    d = depuis_strates(tables, ["s1", "s2"], ["a", "b"], ["u", "v"])
    res = mantel_haenszel(d, "l", "c", "strate")
    assert res.rapport_cotes == pytest.approx(1.0)
    # chaque strate : n11 = 2 (ou 1), espérance 1.5, variance 1 / (4 / 1.5) = 0.375
    assert res.breslow_day == pytest.approx(2 * 0.25 / 0.375)
    assert np.isfinite(res.tarone) and np.isfinite(res.p_breslow_day)


def test_mantel_haenszel_objet_fige_et_html():
    tables = [[[16, 11], [5, 20]], [[12, 16], [7, 19]]]
    d = depuis_strates(tables, ["female", "male"], [True, False], [True, False])
    res = mantel_haenszel(d, "l", "c", "strate")
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.rapport_cotes = 1.0
    page = res._repr_html_()
    assert "<table" in page and "Breslow-Day" in page and "Strates" in page
    assert res._repr_html_() == page  # déterministe
    assert res.strates["strate"].tolist() == ["female", "male"]
    assert res.strates.loc[0, "rapport_cotes"] == pytest.approx(16 * 20 / (11 * 5))
    assert "rapport_cotes=" in repr(res)


# ---------------------------------------------------------------------------
# Comparaisons multiples : valeurs publiées
# ---------------------------------------------------------------------------

P_BH_1995 = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344,
             0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000]


def test_ajuster_p_benjamini_hochberg_1995():
    """Benjamini et Hochberg (1995, *JRSS B* 57, 289-300, section 4) : 15 p
    d'un essai de thrombolyse (Neuhaus et al., 1992) ; au seuil 0.05 la
    procédure FDR rejette 4 hypothèses, l'approche de Bonferroni 3.
    En R : ``sum(p.adjust(p, "BH") <= 0.05)``.
    """
    assert (ajuster_p(P_BH_1995, methode="fdr_bh") <= 0.05).sum() == 4
    assert (ajuster_p(P_BH_1995, methode="bonferroni") <= 0.05).sum() == 3
    bh = ajuster_p(P_BH_1995)
    # définition de p.adjust(method = "BH") : min_{j >= i} m p_(j) / j
    m = len(P_BH_1995)
    attendu = np.minimum.accumulate((np.array(P_BH_1995) * m / np.arange(1, m + 1))[::-1])[::-1]
    np.testing.assert_allclose(bh, np.minimum(attendu, 1))


def test_ajuster_p_nan_conserves_et_series():
    p = pd.Series([0.01, np.nan, 0.04, 0.03], index=list("abcd"), name="p_valeur")
    holm = ajuster_p(p, methode="holm")
    assert isinstance(holm, pd.Series) and list(holm.index) == list("abcd")
    assert np.isnan(holm["b"])
    # 3 p présentes : Holm = 3 × 0.01, puis max(2 × 0.03, ...) = 0.06
    np.testing.assert_allclose(holm[["a", "c", "d"]], [0.03, 0.06, 0.06])
    assert np.isnan(ajuster_p([np.nan, np.nan])).all()


def test_ajuster_p_erreurs():
    with pytest.raises(ErreurDonnees, match="inconnue"):
        ajuster_p([0.1], methode="BH")
    with pytest.raises(ErreurDonnees, match="entre 0 et 1"):
        ajuster_p([0.1, 1.5])
    with pytest.raises(ErreurDonnees, match="nombres"):
        ajuster_p(["a", "b"])


# ---------------------------------------------------------------------------
# Entrées : manquants, modalités, erreurs et avertissements
# ---------------------------------------------------------------------------


def test_manquants_comptes_et_signales():
    d = depuis_table([[10, 5], [5, 10]], [True, False], [True, False]).astype(object)
    d.loc[[0, 1], "l"] = None
    d.loc[[2, 20], "c"] = np.nan
    with pytest.warns(AvertissementDonnees, match="4 ligne"):
        r = khi2_independance(d, "l", "c")
    assert valeur(r, "manquants") == 4
    assert valeur(r, "effectif") == 26
    with pytest.warns(AvertissementDonnees):
        t = tableau_croise(d, "l", "c")
    assert t.attrs == {"effectif": 26, "manquants": 4}
    assert int(t.to_numpy().sum()) == 26


def test_avertissement_effectif_attendu_inferieur_a_5():
    d = depuis_table([[3, 1], [1, 3]], ["a", "b"], ["u", "v"])
    with pytest.warns(AvertissementEffectifs, match="exact_fisher"):
        r = khi2_independance(d, "l", "c")
    assert valeur(r, "attendu_min") == pytest.approx(2.0)


def test_une_seule_modalite_refusee():
    d = depuis_table([[3, 4]], ["seul"], ["u", "v"])
    with pytest.raises(ErreurEffectifs, match="qu'une modalité"):
        khi2_independance(d, "l", "c")
    with pytest.raises(ErreurEffectifs, match="qu'une modalité"):
        exact_fisher(d, "l", "c")


def test_aucune_observation_complete_refusee():
    d = pd.DataFrame({"l": [None, None], "c": ["u", None]})
    with pytest.warns(AvertissementDonnees):
        with pytest.raises(ErreurEffectifs, match="Aucune observation"):
            association(d, "l", "c")


def test_modalite_vide_refusee_et_categories_non_observees_ignorees():
    d = depuis_table([[5, 6], [7, 8]], ["a", "b"], ["u", "v"])
    d["l"] = pd.Categorical(d["l"], categories=["a", "z", "b"])  # « z » jamais observée
    t = tableau_croise(d, "l", "c")
    assert list(t.index) == ["a", "b"]
    d["poids"] = np.where(d["l"] == "a", 0.0, 1.0)
    with pytest.raises(ErreurEffectifs, match="vide"):
        A._verifier_table(A._table(d, "l", "c", "poids"), "l", "c")


def test_tableau_croise_pondere():
    d = depuis_table([[1, 2], [3, 4]], ["a", "b"], ["u", "v"])
    d["poids"] = 0.5
    t = tableau_croise(d, "l", "c", poids="poids")
    np.testing.assert_allclose(t.to_numpy(), [[0.5, 1.0], [1.5, 2.0]])
    d.loc[0, "poids"] = -1
    with pytest.raises(ErreurDonnees, match="négatives"):
        tableau_croise(d, "l", "c", poids="poids")


def test_strates_insuffisantes_et_variables_non_binaires():
    d = depuis_strates([[[5, 6], [7, 8]]], ["seule"], ["a", "b"], ["u", "v"])
    with pytest.raises(ErreurEffectifs, match="au moins deux strates"):
        mantel_haenszel(d, "l", "c", "strate")
    d = depuis_strates([[[5, 6, 1], [7, 8, 2]]] * 2, ["s1", "s2"], ["a", "b"], ["u", "v", "w"])
    with pytest.raises(ErreurEffectifs, match="binaires"):
        mantel_haenszel(d, "l", "c", "strate")


def test_colonnes_et_options_invalides():
    d = depuis_table([[3, 1], [1, 3]], ["a", "b"], ["u", "v"])
    with pytest.raises(ErreurDonnees, match="absente"):
        khi2_independance(d, "l", "inexistante")
    with pytest.raises(ErreurDonnees, match="DataFrame"):
        khi2_independance(d.to_numpy(), "l", "c")
    with pytest.raises(ErreurDonnees, match="deux fois"):
        khi2_independance(d, "l", "l")
    with pytest.raises(ErreurDonnees, match="alternative"):
        exact_fisher(d, "l", "c", alternative="bilateral")
    d3 = depuis_table([[3, 1, 2], [1, 3, 2]], ["a", "b"], ["u", "v", "w"])
    with pytest.raises(ErreurDonnees, match="2 × 2"):
        exact_fisher(d3, "l", "c", alternative="less")


def test_sens_du_rapport_de_cotes_booleen_et_categoriel():
    """Booléens : cotes de c = True chez l = True contre l = False, dans
    exact_fisher, khi2 (Woolf) et mantel_haenszel ; catégories inversées :
    rapport inverse."""
    tables = [[[20, 10], [10, 20]]] * 2  # lignes l = False, True ; colonnes c = False, True
    d = depuis_strates(tables, ["s1", "s2"], [False, True], [False, True])
    assert valeur(khi2_independance(d, "l", "c"), "rapport_cotes") == pytest.approx(4.0)
    assert valeur(exact_fisher(d, "l", "c"), "rapport_cotes") > 1
    assert mantel_haenszel(d, "l", "c", "strate").rapport_cotes == pytest.approx(4.0)
    d["l"] = pd.Categorical(d["l"], categories=[True, False])
    assert valeur(khi2_independance(d, "l", "c"), "rapport_cotes") == pytest.approx(0.25)


# ---------------------------------------------------------------------------
# Tests exacts dont l'IC inverse le même test (Fay 2009)
# ---------------------------------------------------------------------------

#: Tableau de la vignette d'exact2x2 (Fay 2009) : groupe A 6 événements sur
#: 18, groupe B 12 sur 17.
TABLEAU_FAY = [[6, 12], [12, 5]]

#: exact2x2 cherche ses bornes à 1e-5 près (``tol``) puis les arrondit à
#: 4 décimales (``round(CINT, floor(-log10(tol)) - 1)``, R/exact2x2CI.R) ;
#: la borne exacte peut donc s'écarter de la valeur imprimée de 1e-4.
TOLERANCE_EXACT2X2 = 1e-4


def test_fisher_ic_qui_inverse_le_test_vignette_exact2x2():
    """Vignette « exact2x2: Exact Conditional Tests and Matching Confidence
    Intervals for 2 by 2 Tables » (M. P. Fay, paquet R exact2x2 1.7.0,
    inst/doc/exact2x2.pdf, section 1) ; sorties de R :

        x <- matrix(c(6, 12, 12, 5), 2, 2)
        fisher.test(x)
        # p-value = 0.04371 ; 95 percent CI: 0.03888003 1.05649145
        # odds ratio 0.2189021
        exact2x2(x, tsmethod = "minlike")
        # p-value = 0.04371 ; 95 percent CI: 0.0435 0.9170
        exact2x2(x, tsmethod = "blaker")
        # p-value = 0.04371 ; 95 percent CI: 0.0423 0.9170

    La p de ``fisher.test`` est < 0,05 mais son IC (central) contient 1 ;
    les IC « minlike » et de Blaker excluent 1, comme leur p.
    """
    d = depuis_table(TABLEAU_FAY, ["A", "B"], ["Event", "No Event"], "groupe", "evenement")
    d["evenement"] = pd.Categorical(d["evenement"], categories=["Event", "No Event"])
    central = exact_fisher(d, "groupe", "evenement")
    assert valeur(central, "p_valeur") == pytest.approx(0.04371, abs=5e-6)
    assert valeur(central, "ic_haut") == pytest.approx(1.05649145, abs=TOLERANCE_UNIROOT)
    minlike = exact_fisher(d, "groupe", "evenement", methode_ic="minlike")
    assert valeur(minlike, "p_valeur") == pytest.approx(0.04371, abs=5e-6)
    assert valeur(minlike, "ic_bas") == pytest.approx(0.0435, abs=TOLERANCE_EXACT2X2)
    assert valeur(minlike, "ic_haut") == pytest.approx(0.9170, abs=TOLERANCE_EXACT2X2)
    blaker = exact_fisher(d, "groupe", "evenement", methode_ic="blaker")
    assert valeur(blaker, "p_valeur") == pytest.approx(0.04371, abs=5e-6)
    assert valeur(blaker, "ic_bas") == pytest.approx(0.0423, abs=TOLERANCE_EXACT2X2)
    assert valeur(blaker, "ic_haut") == pytest.approx(0.9170, abs=TOLERANCE_EXACT2X2)
    assert valeur(blaker, "rapport_cotes") == pytest.approx(0.2189021, abs=TOLERANCE_UNIROOT)
    assert valeur(blaker, "estimateur") == "RC conditionnel (EMV, Fisher)"
    assert "Blaker" in valeur(blaker, "methode")
    for r in (minlike, blaker):  # l'IC concorde avec la p : les deux excluent 1
        assert valeur(r, "ic_haut") < 1 and valeur(r, "p_valeur") < 0.05


def test_fisher_mi_p_fagerland_2015():
    """Fagerland, Lydersen et Laake (2015), *Stat Methods Med Res* 24:224-254,
    tableau 6 : IC mi-p de Cornfield (conditionnel) du rapport de cotes pour
    7/34 contre 1/34 ; repris dans les tests du paquet R exact2x2
    (tests/testthat/test_midpConditional.R) :

        exact2x2(matrix(c(34 - 1, 1, 34 - 7, 7), 2, 2),
                 tsmethod = "central", midp = TRUE, conf.int = TRUE)
        # conf.int arrondi : 1.19  200
    """
    d = depuis_table([[33, 27], [1, 7]], ["a", "b"], ["non", "oui"], "g", "e")
    r = exact_fisher(d, "g", "e", methode_ic="mi_p")
    assert round(valeur(r, "ic_bas"), 2) == 1.19
    assert round(valeur(r, "ic_haut")) == 200
    # la mi-p est sous la p de Fisher (moins conservatrice) et < 0,05 avec un IC sans 1
    assert valeur(r, "p_valeur") < valeur(exact_fisher(d, "g", "e"), "p_valeur")
    assert valeur(r, "p_valeur") < 0.05 < 1 < valeur(r, "ic_bas")


def test_fisher_blaker_bornes_aux_extremites_du_support():
    """Case nulle : borne basse 0 ou haute infinie, comme exact2x2
    (``if (x == lo) CINT[1] <- 0`` ; ``if (x == hi) CINT[2] <- Inf``)."""
    d = depuis_table([[0, 10], [6, 4]], ["a", "b"], ["x", "y"], "g", "e")
    r = exact_fisher(d, "g", "e", methode_ic="blaker")
    assert valeur(r, "ic_bas") == 0.0 and 0 < valeur(r, "ic_haut") < 1
    d = depuis_table([[10, 0], [4, 6]], ["a", "b"], ["x", "y"], "g", "e")
    r = exact_fisher(d, "g", "e", methode_ic="blaker")
    assert valeur(r, "ic_haut") == np.inf and valeur(r, "ic_bas") > 1


def test_fisher_methode_ic_refusee_si_inconnue_ou_unilaterale():
    d = depuis_table(TABLEAU_FAY, ["A", "B"], ["Event", "No Event"], "groupe", "evenement")
    with pytest.raises(ErreurDonnees, match="methode_ic"):
        exact_fisher(d, "groupe", "evenement", methode_ic="wald")
    with pytest.raises(ErreurDonnees, match="bilatéral"):
        exact_fisher(d, "groupe", "evenement", methode_ic="blaker", alternative="less")


# ---------------------------------------------------------------------------
# Correction de continuité du CMH et estimateurs nommés
# ---------------------------------------------------------------------------


def test_cmh_correction_seulement_si_ecart_au_moins_un_demi():
    """``mantelhaen.test(x, correct = TRUE)`` de R ne retranche 0,5 que si
    ``|Σ (O - E)| >= 0.5`` (src/library/stats/R/mantelhaen.test.R :
    ``YATES <- if(correct && (abs(DELTA) >= .5)) .5 else 0``).

    La règle est vérifiée sur l'écart calculé à la main, dans les deux cas :
    écart < 0,5, statistique corrigée = non corrigée (la p corrigée n'est
    jamais plus petite) ; écart >= 0,5, ``(|écart| - 0,5)² / V``. Les valeurs
    publiées de R (exemple des lapins, UCBAdmissions) sont vérifiées plus haut.
    """
    # Écart 0,25 < 0,5 : aucune correction (statsmodels aurait donné (0,25)² / V).
    tables = [[[3, 1], [1, 3]], [[1, 3], [3, 1]], [[2, 1], [1, 1]]]
    d = depuis_strates(tables, ["s1", "s2", "s3"], ["e0", "e1"], ["i0", "i1"])
    res = mantel_haenszel(d, "l", "c", "strate")
    cube = np.stack([np.asarray(t, dtype=float) for t in tables], axis=2)
    lig, col, n = cube.sum(axis=1), cube.sum(axis=0), cube.sum(axis=(0, 1))
    ecart = np.sum(cube[0, 0] - lig[0] * col[0] / n)
    v = np.sum(lig[0] * lig[1] * col[0] * col[1] / (n ** 2 * (n - 1)))
    assert abs(ecart) < 0.5
    assert res.cmh_corrige == pytest.approx(ecart ** 2 / v)
    assert res.cmh_corrige == pytest.approx(res.cmh_non_corrige)
    assert res.p_cmh_corrige >= res.p_cmh_non_corrige
    # Écart >= 0,5 : correction habituelle (exemple des lapins, déjà vérifié
    # contre R ci-dessus) ; ici, vérification de la formule.
    tables = [[[5, 1], [1, 5]], [[4, 2], [2, 4]]]
    d = depuis_strates(tables, ["s1", "s2"], ["e0", "e1"], ["i0", "i1"])
    res = mantel_haenszel(d, "l", "c", "strate")
    cube = np.stack([np.asarray(t, dtype=float) for t in tables], axis=2)
    lig, col, n = cube.sum(axis=1), cube.sum(axis=0), cube.sum(axis=(0, 1))
    ecart = np.sum(cube[0, 0] - lig[0] * col[0] / n)
    v = np.sum(lig[0] * lig[1] * col[0] * col[1] / (n ** 2 * (n - 1)))
    assert res.cmh_corrige == pytest.approx((abs(ecart) - 0.5) ** 2 / v)
    assert res.p_cmh_corrige > res.p_cmh_non_corrige


def test_chaque_tableau_nomme_son_estimateur():
    """Colonne ``estimateur`` : quel rapport de cotes est publié ; la
    statistique et les ddl restent remplis pour les tests qui en ont."""
    d = depuis_table([[20, 10], [10, 20]], ["a", "b"], ["x", "y"])
    k = khi2_independance(d, "l", "c")
    assert list(k.columns) == COLONNES_TEST
    assert valeur(k, "estimateur").startswith("RC de l'échantillon")
    assert valeur(k, "statistique") > 0 and valeur(k, "ddl") == 1
    f = exact_fisher(d, "l", "c")
    assert valeur(f, "estimateur") == "RC conditionnel (EMV, Fisher)"
    res = mantel_haenszel(depuis_strates(LAPINS[1:4], ["1/4", "1/2", "1"], ["None", "1.5h"],
                                         ["Cured", "Died"]), "l", "c", "strate")
    tab = res.tableau()
    assert tab["estimateur"].iloc[:3].str.startswith("RC commun de Mantel-Haenszel").all()
    assert (tab["estimateur"].iloc[3:] == "").all()
    assert tab["statistique"].notna().all() and tab["ddl"].notna().all()
    assert res.strates["estimateur"].str.startswith("RC de l'échantillon").all()


# --------------------------------------------------------------------------
# Tests et intervalles accordés (la p vient du test que l'IC inverse)


def _depuis_cases(a, b, c, d):
    """2 × 2 [[a, b], [c, d]] : lignes exposition False/True, colonnes issue False/True."""
    return depuis_table([[a, b], [c, d]], [False, True], [False, True])


def test_score_2x2_ic_miettinen_nurminen_fagerland():
    """IC du score de Miettinen-Nurminen du rapport de cotes : Fagerland, Lydersen et Laake
    (2017), *Statistical Analysis of Contingency Tables*, chapitre 4, exemple de Lampasona et
    al. (2013) ; sortie du paquet R contingencytables (tests/testthat/test-ch4.R) ::

        MiettinenNurminen_asymptotic_score_CI_OR_2x2(matrix(c(9, 4, 4, 10), nrow=2, byrow=TRUE))
        # estimate = 5.6250 (95% CI 1.0934 to 28.9419)

    Dans ce paquet la 1re ligne est l'exposé et la 1re colonne l'issue : [[9, 4], [4, 10]]
    s'écrit ici [[10, 4], [4, 9]] (modalités False puis True).
    """
    r = score_2x2(_depuis_cases(10, 4, 4, 9), "l", "c")
    assert valeur(r, "rapport_cotes") == pytest.approx(5.625, abs=5e-5)
    assert valeur(r, "ic_bas") == pytest.approx(1.0934, abs=5e-5)
    assert valeur(r, "ic_haut") == pytest.approx(28.9419, abs=5e-5)


def test_score_2x2_khi2_n_moins_1_et_accord_avec_l_ic():
    """Sous H0 la statistique du score de Miettinen-Nurminen est le khi-deux de Pearson × (N - 1) / N
    (« N - 1 chi-squared test », Campbell 2007, Statistics in Medicine 26:3661) ; le khi-deux de
    Pearson du tableau [[3, 1], [1, 3]] vaut 2,000 (Fagerland et al. 2017, même fichier de tests :
    « Pearson chi-squared test: P = 0.15730, T = 2.000 »). Et l'IC exclut 1 exactement quand p < 0,05.
    """
    r = score_2x2(_depuis_cases(3, 1, 1, 3), "l", "c")
    assert valeur(r, "statistique") == pytest.approx(2.000 * 7 / 8, abs=1e-9)
    assert valeur(r, "ddl") == 1
    for a, b, c, d in [(20, 12, 11, 19), (20, 12, 12, 19), (30, 30, 18, 40), (15, 25, 25, 15), (9, 9, 8, 10)]:
        r = score_2x2(_depuis_cases(a, b, c, d), "l", "c")
        exclut = valeur(r, "ic_bas") > 1 or valeur(r, "ic_haut") < 1
        assert exclut == (valeur(r, "p_valeur") < 0.05), (a, b, c, d)


def test_association_accordee_choisit_score_blaker_ou_exact():
    """methode_ic="blaker" : effectifs attendus >= 5 -> score ; une case nulle -> exact de Blaker ;
    un attendu < 5 -> exact de Blaker (p et IC de exact2x2, vignette : voir exact_fisher)."""
    grand = association(_depuis_cases(20, 12, 11, 19), "l", "c", methode_ic="blaker")
    assert valeur(grand, "test") == "score_miettinen_nurminen"
    nul = association(_depuis_cases(0, 30, 20, 30), "l", "c", methode_ic="blaker")
    assert valeur(nul, "test") == "fisher_exact" and "case nulle" in valeur(nul, "methode")
    assert "Blaker" in valeur(nul, "methode")
    defaut = association(_depuis_cases(20, 12, 11, 19), "l", "c")
    assert valeur(defaut, "test") == "khi2"


def test_mantel_haenszel_wald_inverse_l_ic_rbg():
    """Le test de Wald du RC de Mantel-Haenszel est celui que l'IC de Robins-Breslow-Greenland
    inverse : avec l'IC publié par R pour ``UCBAdmissions`` (0,7719074 ; 1,0603298 ; RC commun
    0,9046968, voir ci-dessus), l'erreur type du log est (log 1,0603298 - log 0,7719074) / (2 × 1,959964),
    d'où z = log 0,9046968 / ET et p = 2 Φ(-|z|)."""
    from scipy import stats as st

    ucb = {  # (admis H, admis F, refusés H, refusés F), comme le test précédent
        "A": (512, 89, 313, 19), "B": (353, 17, 207, 8), "C": (120, 202, 205, 391),
        "D": (138, 131, 279, 244), "E": (53, 94, 138, 299), "F": (22, 24, 351, 317),
    }
    tables = [[[rh, rf], [ah, af]] for ah, af, rh, rf in ucb.values()]
    d = depuis_strates(tables, list(ucb), [False, True], ["Male", "Female"])
    d["c"] = d["c"].astype("category")
    res = mantel_haenszel(d, "l", "c", "strate")
    et = (np.log(1.0603298) - np.log(0.7719074)) / (2 * st.norm.ppf(0.975))
    z = np.log(0.9046968) / et
    assert res.wald == pytest.approx(z ** 2, rel=1e-5)
    assert res.p_wald == pytest.approx(2 * st.norm.sf(abs(z)), rel=1e-4)
