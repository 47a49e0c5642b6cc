"""Tests de paquet_analyse.modeles (régression logistique GLM et GEE).

Les coefficients et erreurs types sont comparés à des valeurs publiées
(R/MASS, Dobson ; R survey pour les poids de sondage ; R clubSandwich pour le
sandwich de Mancl et DeRouen) ; tout avertissement non attendu fait échouer les tests.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from paquet_analyse.associations import exact_fisher, khi2_independance, mantel_haenszel
from paquet_analyse.erreurs import (
    AvertissementDonnees,
    AvertissementEffectifs,
    AvertissementSeparation,
    ErreurDonnees,
    ErreurEffectifs,
)
from paquet_analyse.modeles import (
    COLONNES_LINEAIRE,
    COLONNES_MODELE,
    regression_lineaire,
    regression_logistique,
    wald_termes,
)

pytestmark = pytest.mark.filterwarnings("error")


def depuis_groupes(groupes, noms, succes, totaux, reponse="mort"):
    """Données individuelles 0/1 à partir de données binomiales groupées."""
    lignes = []
    for valeurs, k, n in zip(groupes, succes, totaux):
        base = dict(zip(noms, valeurs))
        lignes += [{**base, reponse: 1}] * k + [{**base, reponse: 0}] * (n - k)
    return pd.DataFrame(lignes)


def terme(tableau, nom):
    """Ligne d'un terme du tableau rangé."""
    return tableau.set_index("terme").loc[nom]


def test_budworm_mass_venables_ripley():
    """Tordeuse du tabac (budworm), Venables et Ripley (2002, *Modern Applied
    Statistics with S*, 4e éd., §7.2), exemple de ``?predict.glm`` (R) :

        ldose <- rep(0:5, 2)
        numdead <- c(1, 4, 9, 13, 18, 20, 0, 2, 6, 10, 12, 16)
        sex <- factor(rep(c("M", "F"), c(6, 6)))
        SF <- cbind(numdead, numalive = 20-numdead)
        budworm.lg <- glm(SF ~ sex*ldose, family = binomial)
        summary(budworm.lg)
        #             Estimate Std. Error
        # (Intercept)  -2.9935     0.5527
        # sexM          0.1750     0.7783
        # ldose         0.9060     0.1671
        # sexM:ldose    0.3529     0.2700

    Les données groupées sont dépliées en 240 individus : mêmes estimations.
    """
    groupes = list(zip(["M"] * 6 + ["F"] * 6, list(range(6)) * 2))
    morts = [1, 4, 9, 13, 18, 20, 0, 2, 6, 10, 12, 16]
    d = depuis_groupes(groupes, ["sexe", "ldose"], morts, [20] * 12)
    r = regression_logistique(d, "mort ~ sexe * ldose")
    assert list(r.columns) == COLONNES_MODELE
    attendu = {
        "Intercept": (-2.9935, 0.5527), "sexe[T.M]": (0.1750, 0.7783),
        "ldose": (0.9060, 0.1671), "sexe[T.M]:ldose": (0.3529, 0.2700),
    }
    assert r["terme"].tolist() == list(attendu)
    for nom, (coef, se) in attendu.items():
        assert terme(r, nom)["coefficient"] == pytest.approx(coef, abs=5e-5)
        assert terme(r, nom)["erreur_type"] == pytest.approx(se, abs=5e-5)
    assert (r["effectif"] == 240).all() and (r["manquants"] == 0).all()
    assert not r["separation"].any()
    assert r["methode"].str.startswith("régression logistique (GLM binomial").all()
    ldose = terme(r, "ldose")
    assert ldose["rapport_cotes"] == pytest.approx(np.exp(ldose["coefficient"]))
    assert ldose["ic_bas"] == pytest.approx(np.exp(0.906036 - 1.959964 * 0.167102), rel=1e-5)


def test_coleopteres_bliss_dobson():
    """Mortalité de coléoptères au disulfure de carbone (Bliss 1935), modèle
    logistique de Dobson (2002, *An Introduction to Generalized Linear
    Models*, 2e éd., §7.3.1, tableau 7.3) : b1 = -60.72 (e.t. 5.18),
    b2 = 34.27 (e.t. 2.91). En R :

        dose <- c(1.6907, 1.7242, 1.7552, 1.7842, 1.8113, 1.8369, 1.8610, 1.8839)
        n <- c(59, 60, 62, 56, 63, 59, 62, 60)
        y <- c(6, 13, 18, 28, 52, 53, 61, 60)
        glm(cbind(y, n - y) ~ dose, family = binomial)
    """
    dose = [1.6907, 1.7242, 1.7552, 1.7842, 1.8113, 1.8369, 1.8610, 1.8839]
    totaux = [59, 60, 62, 56, 63, 59, 62, 60]
    tues = [6, 13, 18, 28, 52, 53, 61, 60]
    d = depuis_groupes([(x,) for x in dose], ["dose"], tues, totaux)
    r = regression_logistique(d, "mort ~ dose")
    assert terme(r, "Intercept")["coefficient"] == pytest.approx(-60.72, abs=0.005)
    assert terme(r, "Intercept")["erreur_type"] == pytest.approx(5.18, abs=0.005)
    assert terme(r, "dose")["coefficient"] == pytest.approx(34.27, abs=0.005)
    assert terme(r, "dose")["erreur_type"] == pytest.approx(2.91, abs=0.005)
    assert terme(r, "dose")["effectif"] == 481


def test_gee_grappes_singletons_egale_glm_robuste():
    """Avec des grappes d'une seule observation, la GEE au sandwich ordinaire
    (``sandwich="liang_zeger"``) redonne les coefficients du GLM et l'erreur
    type sandwich HC0 (cohérence interne)."""
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    groupes = list(zip(["M"] * 6 + ["F"] * 6, list(range(6)) * 2))
    morts = [1, 4, 9, 13, 18, 20, 0, 2, 6, 10, 12, 16]
    d = depuis_groupes(groupes, ["sexe", "ldose"], morts, [20] * 12)
    d["id"] = np.arange(len(d))
    gee = regression_logistique(d, "mort ~ sexe + ldose", grappes="id", sandwich="liang_zeger")
    glm = smf.glm("mort ~ sexe + ldose", d, family=sm.families.Binomial()).fit(cov_type="HC0")
    np.testing.assert_allclose(gee["coefficient"], glm.params, rtol=1e-6)
    np.testing.assert_allclose(gee["erreur_type"], glm.bse, rtol=1e-4)
    assert (gee["nb_grappes"] == 240).all()
    assert gee["methode"].str.contains("GEE binomiale").all()
    assert gee["methode"].str.contains("échangeable").all()


def donnees_grappes(graine=1, nb_instances=120, effet_instance=1.0):
    """Participants (5 à 15 par instance), exposition au niveau de l'instance."""
    rng = np.random.default_rng(graine)
    tailles = rng.integers(5, 16, nb_instances)
    instance = np.repeat(np.arange(nb_instances), tailles)
    expose = np.repeat(rng.random(nb_instances) < 0.5, tailles)
    alea = np.repeat(rng.normal(0, effet_instance, nb_instances), tailles)
    logit = -0.3 + 0.8 * expose + alea
    issue = rng.random(len(instance)) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame({"id_instance": instance.astype(str), "expose": expose,
                         "issue": issue})


def test_gee_erreurs_types_plus_grandes_que_naives():
    """Exposition au niveau de l'instance et corrélation intra-instance :
    l'erreur type robuste de la GEE dépasse celle, naïve, du GLM."""
    d = donnees_grappes()
    naif = regression_logistique(d, "issue ~ expose")
    gee = regression_logistique(d, "issue ~ expose", grappes="id_instance")
    assert gee.loc[0, "nb_grappes"] == 120
    assert np.isnan(naif.loc[0, "nb_grappes"])
    se_gee = terme(gee, "expose[T.True]")["erreur_type"]
    assert se_gee > 1.3 * terme(naif, "expose[T.True]")["erreur_type"]


def test_peu_de_grappes_signale():
    d = donnees_grappes(nb_instances=12)
    with pytest.warns(AvertissementEffectifs, match="12 grappes"):
        regression_logistique(d, "issue ~ expose", grappes="id_instance")


def test_sens_du_rapport_de_cotes_concorde_avec_les_tableaux():
    """Réponse booléenne, prédicteur booléen : le rapport de cotes du modèle
    sans covariable est le rapport empirique du tableau 2 × 2 (khi2), celui
    de Mantel-Haenszel sur deux strates identiques, et va dans le même sens
    que l'EMV conditionnel de Fisher."""
    table = [[20, 10], [10, 20]]  # lignes expose False, True ; colonnes issue False, True
    lignes = []
    for s in ("s1", "s2"):
        for i, e in enumerate([False, True]):
            for j, y in enumerate([False, True]):
                lignes += [{"expose": e, "issue": y, "strate": s}] * table[i][j]
    d = pd.DataFrame(lignes)
    r = regression_logistique(d, "issue ~ expose")
    rc_modele = terme(r, "expose[T.True]")["rapport_cotes"]
    assert rc_modele == pytest.approx(4.0)
    rc_tableau = khi2_independance(d, "expose", "issue").loc[0, "rapport_cotes"]
    assert rc_tableau == pytest.approx(rc_modele)
    rc_mh = mantel_haenszel(d, "expose", "issue", "strate").rapport_cotes
    assert rc_mh == pytest.approx(rc_modele)
    assert exact_fisher(d, "expose", "issue").loc[0, "rapport_cotes"] > 1


def test_separation_complete_signalee_sans_avertissement_parasite():
    """Séparation complète : AvertissementSeparation du paquet (aucun
    avertissement de statsmodels ne s'échappe), rapports de cotes à NaN."""
    d = pd.DataFrame({"x": np.arange(20.0), "y": np.arange(20) > 9})
    with pytest.warns(AvertissementSeparation, match="PerfectSeparationWarning"):
        r = regression_logistique(d, "y ~ x")
    assert r["separation"].all()
    assert r["rapport_cotes"].isna().all() and r["p_valeur"].isna().all()
    # estimations non rapportées (jamais un coefficient démesuré), note en français
    assert r["coefficient"].isna().all()
    assert r["note"].str.startswith("séparation").all()


def test_quasi_separation_sur_une_modalite():
    """Une modalité où la réponse est constante : seul ce terme est signalé."""
    rng = np.random.default_rng(0)
    d = pd.DataFrame({"x": rng.normal(size=200), "g": rng.choice(["a", "b", "c"], 200)})
    d["y"] = (rng.random(200) < 1 / (1 + np.exp(-d["x"]))).astype(int)
    d.loc[d["g"] == "c", "y"] = 0
    with pytest.warns(AvertissementSeparation, match=r"g\[T\.c\]"):
        r = regression_logistique(d, "y ~ x + g")
    assert r.set_index("terme")["separation"].to_dict() == {
        "Intercept": False, "g[T.b]": False, "g[T.c]": True, "x": False,
    }
    assert np.isnan(terme(r, "g[T.c]")["rapport_cotes"])
    assert terme(r, "x")["rapport_cotes"] > 1


def test_manquants_comptes_et_signales():
    d = donnees_grappes(nb_instances=40)
    d["issue"] = d["issue"].astype(object)
    d.loc[[0, 5], "issue"] = None
    d["expose"] = d["expose"].astype(object)
    d.loc[7, "expose"] = None
    with pytest.warns(AvertissementDonnees, match="3 ligne"):
        r = regression_logistique(d, "issue ~ expose", grappes="id_instance")
    assert (r["manquants"] == 3).all()
    assert (r["effectif"] == len(d) - 3).all()


def test_reponse_invalide_ou_constante():
    d = pd.DataFrame({"y": [0, 1, 2, 1], "x": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(ErreurDonnees, match="0/1"):
        regression_logistique(d, "y ~ x")
    d["y"] = ["oui", "non", "oui", "non"]
    with pytest.raises(ErreurDonnees, match="booléenne"):
        regression_logistique(d, "y ~ x")
    d["y"] = True
    with pytest.raises(ErreurEffectifs, match="constante"):
        regression_logistique(d, "y ~ x")


def test_formule_et_colonnes_invalides():
    d = pd.DataFrame({"y": [0, 1, 0, 1], "x": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(ErreurDonnees, match="Formule invalide"):
        regression_logistique(d, "y x")
    with pytest.raises(ErreurDonnees, match="absente"):
        regression_logistique(d, "y ~ x + z")
    with pytest.raises(ErreurDonnees, match="réponse « w »"):
        regression_logistique(d, "w ~ x")
    with pytest.raises(ErreurDonnees, match="absente"):
        regression_logistique(d, "y ~ x", grappes="inconnue")
    with pytest.raises(ErreurDonnees, match="niveau"):
        regression_logistique(d, "y ~ x", niveau=95)


# ---------------------------------------------------------------------------
# Régression linéaire
# ---------------------------------------------------------------------------


def test_lineaire_poids_des_plantes_r_lm():
    """Poids de plantes, Dobson (1990, p. 9), exemple de ``?lm`` (R) :

        ctl <- c(4.17,5.58,5.18,6.11,4.50,4.61,5.17,4.53,5.33,5.14)
        trt <- c(4.81,4.17,4.41,3.59,5.87,3.83,6.03,4.89,4.32,4.69)
        group <- gl(2, 10, 20, labels = c("Ctl","Trt"))
        weight <- c(ctl, trt)
        summary(lm.D9 <- lm(weight ~ group))
        #             Estimate Std. Error t value Pr(>|t|)
        # (Intercept)   5.0320     0.2202  22.850 9.55e-15 ***
        # groupTrt     -0.3710     0.3114  -1.191    0.249
    """
    ctl = [4.17, 5.58, 5.18, 6.11, 4.50, 4.61, 5.17, 4.53, 5.33, 5.14]
    trt = [4.81, 4.17, 4.41, 3.59, 5.87, 3.83, 6.03, 4.89, 4.32, 4.69]
    d = pd.DataFrame({"weight": ctl + trt, "group": ["Ctl"] * 10 + ["Trt"] * 10})
    r = regression_lineaire(d, "weight ~ group")
    assert list(r.columns) == COLONNES_LINEAIRE
    inter, trt_ = terme(r, "Intercept"), terme(r, "group[T.Trt]")
    assert inter["coefficient"] == pytest.approx(5.0320, abs=5e-5)
    assert inter["erreur_type"] == pytest.approx(0.2202, abs=5e-5)
    assert inter["statistique"] == pytest.approx(22.850, abs=5e-4)
    assert inter["p_valeur"] == pytest.approx(9.55e-15, abs=5e-18)
    assert trt_["coefficient"] == pytest.approx(-0.3710, abs=5e-5)
    assert trt_["erreur_type"] == pytest.approx(0.3114, abs=5e-5)
    assert trt_["statistique"] == pytest.approx(-1.191, abs=5e-4)
    assert trt_["p_valeur"] == pytest.approx(0.249, abs=5e-4)
    assert trt_["ic_bas"] < trt_["coefficient"] < trt_["ic_haut"]
    assert r["methode"].str.contains("moindres carrés").all()
    assert not r["separation"].any()


def test_lineaire_moyenne_grappee():
    """``y ~ 1`` avec grappes : moyenne exacte, erreur type CR2, IC de Student
    à ses ddl de Satterthwaite (au plus G - 1), plus large que sans grappes ;
    l'ancien calcul (CR1) garde G - 1 ddl."""
    from scipy import stats

    d = donnees_grappes(nb_instances=60)
    d["score"] = d["issue"].astype(float) * 10 + d["id_instance"].astype(int) % 7
    sans = regression_lineaire(d, "score ~ 1")
    avec = regression_lineaire(d, "score ~ 1", grappes="id_instance")
    assert avec.loc[0, "coefficient"] == pytest.approx(d["score"].mean())
    assert avec.loc[0, "nb_grappes"] == 60
    assert 1 < avec.loc[0, "ddl"] <= 59
    demi = stats.t.ppf(0.975, avec.loc[0, "ddl"]) * avec.loc[0, "erreur_type"]
    assert avec.loc[0, "ic_haut"] == pytest.approx(avec.loc[0, "coefficient"] + demi)
    assert "robustes aux grappes" in avec.loc[0, "methode"]
    cr1 = regression_lineaire(d, "score ~ 1", grappes="id_instance", sandwich="cr1")
    demi = stats.t.ppf(0.975, 59) * cr1.loc[0, "erreur_type"]
    assert cr1.loc[0, "ic_haut"] == pytest.approx(cr1.loc[0, "coefficient"] + demi)
    largeur = avec.loc[0, "ic_haut"] - avec.loc[0, "ic_bas"]
    assert largeur > sans.loc[0, "ic_haut"] - sans.loc[0, "ic_bas"]
    d["texte"] = "a"
    with pytest.raises(ErreurDonnees, match="numérique"):
        regression_lineaire(d, "texte ~ 1")


# ---------------------------------------------------------------------------
# Ajustements dégénérés : refusés ou signalés
# ---------------------------------------------------------------------------


def _mancl_derouen(resultat, modele):
    """Sandwich de Mancl et DeRouen (2001, *Biometrics* 57:126-134, éq. 5),
    écrit directement d'après l'article (référence indépendante de statsmodels) :

        V = B⁻¹ [Σ_i D_i' V_i⁻¹ (I - H_i)⁻¹ r_i r_i' (I - H_i')⁻¹ V_i⁻¹ D_i] B⁻¹,
        B = Σ_i D_i' V_i⁻¹ D_i,  H_i = D_i B⁻¹ D_i' V_i⁻¹,

    pour une logistique à corrélation de travail échangeable (ρ estimé) ;
    l'échelle φ s'annule. C'est l'estimateur ``GEE.var.md`` de geesmv (R) et
    ``vcov(..., type = "bias-corrected")`` de glmtoolbox::glmgee.
    """
    beta = np.asarray(resultat.params)
    rho = float(modele.cov_struct.dep_params)
    b = 0.0
    blocs = []
    for x, y in zip(modele.exog_li, modele.endog_li):
        mu = 1 / (1 + np.exp(-x @ beta))
        a = np.sqrt(mu * (1 - mu))
        r_trav = np.full((len(y), len(y)), rho) + (1 - rho) * np.eye(len(y))
        v = np.outer(a, a) * r_trav
        d = (mu * (1 - mu))[:, None] * x
        vinv = np.linalg.inv(v)
        b = b + d.T @ vinv @ d
        blocs.append((d, vinv, y - mu))
    binv = np.linalg.inv(b)
    viande = 0.0
    for d, vinv, r in blocs:
        h = d @ binv @ d.T @ vinv
        u = d.T @ vinv @ np.linalg.solve(np.eye(len(r)) - h, r)
        viande = viande + np.outer(u, u)
    return binv @ viande @ binv


def test_peu_de_grappes_sandwich_mancl_derouen():
    """Moins de 10 grappes : erreurs types de Mancl et DeRouen (2001),
    statsmodels ``GEE.fit(cov_type="bias_reduced")``, comparées à la formule
    de l'article recalculée ici (:func:`_mancl_derouen`), et plus grandes
    que le sandwich de Liang et Zeger. C'est le cas utilisé par le projet
    (logistique, corrélation de travail échangeable, ρ estimé), pour lequel
    aucun paquet R disponible (Debian : sandwich, clubSandwich, geepack, gee)
    ne fournit l'estimateur (``geesmv::GEE.var.md`` n'est pas empaqueté) : la
    référence est ici la formule publiée. Les valeurs de R (clubSandwich CR3)
    sont comparées à statsmodels dans :func:`test_mancl_derouen_reference_r`
    (corrélation indépendante, et échangeable à ρ fixé en gaussien)."""
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    d = donnees_grappes(graine=4, nb_instances=8)
    with pytest.warns(AvertissementEffectifs, match="8 grappes"):
        r = regression_logistique(d, "issue ~ expose", grappes="id_instance")
    assert "Mancl et DeRouen" in r.loc[0, "methode"] and "G - 1 = 7 ddl" in r.loc[0, "methode"]
    modele = smf.gee("issue ~ expose", groups="id_instance", data=d.assign(issue=d["issue"] * 1.0),
                     family=sm.families.Binomial(), cov_struct=sm.cov_struct.Exchangeable())
    robuste = modele.fit()
    se_md = np.sqrt(np.diag(_mancl_derouen(robuste, modele)))
    np.testing.assert_allclose(r["erreur_type"], se_md, rtol=1e-3)
    assert (r["erreur_type"].to_numpy() > robuste.bse.to_numpy()).all()
    grand = donnees_grappes(graine=4, nb_instances=40)
    r40 = regression_logistique(grand, "issue ~ expose", grappes="id_instance", sandwich="liang_zeger")
    assert "Mancl" not in r40.loc[0, "methode"]  # l'ancien calcul, gardé pour les bancs d'essai
    defaut = regression_logistique(grand, "issue ~ expose", grappes="id_instance")
    assert "Mancl et DeRouen" in defaut.loc[0, "methode"] and (defaut["ddl"] == 39).all()


REFERENCE = Path(__file__).parent / "donnees" / "reference"

#: datasets::UCBAdmissions de R (admissions à Berkeley, 1973) : par département,
#: (admis, refusés) des hommes puis des femmes.
UCB_ADMISSIONS = {"A": ((512, 313), (89, 19)), "B": ((353, 207), (17, 8)),
                  "C": ((120, 205), (202, 391)), "D": ((138, 279), (131, 244)),
                  "E": ((53, 138), (94, 299)), "F": ((22, 351), (24, 317))}


def candidats_ucb() -> pd.DataFrame:
    """Un candidat par ligne (4526) : département, genre, admis (1,0 ou 0,0), comme R ``UCBAdmissions``."""
    lignes = []
    for dept, comptes in UCB_ADMISSIONS.items():
        for genre, (admis, refuses) in zip(["Male", "Female"], comptes):
            lignes += [{"dept": dept, "genre": genre, "admis": 1.0}] * admis
            lignes += [{"dept": dept, "genre": genre, "admis": 0.0}] * refuses
    return pd.DataFrame(lignes)


def test_mancl_derouen_reference_r():
    """Sandwich de Mancl et DeRouen (2001, *Biometrics* 57:126-134) de
    statsmodels (``GEE.fit(cov_type="bias_reduced")``) comparé à une
    implémentation R indépendante : ``clubSandwich::vcovCR(type = "CR3")``
    (version 0.5.8 ; Bell et McCaffrey 2002, *Survey Methodology* 28:169-181),
    qui pour des poids de travail W_g vaut M [Σ_g X_g' W_g (I - H_gg)⁻¹ e_g
    e_g' (I - H_gg)⁻ᵀ W_g X_g] M, M = (X'WX)⁻¹, H_gg = X_g M X_g' W_g : l'estimateur
    de l'article, sans facteur G/(G - 1). ``sandwich::vcovCL(type = "HC3")``
    (3.0.2, ``cadjust = TRUE`` par défaut) donne la même matrice ; avec
    ``cadjust = FALSE`` elle vaut (G - 1)/G fois celle-ci (ne correspond pas).

    Nombres imprimés par ``tests/donnees/reference/mancl_derouen.R`` (R 4.2.2,
    sortie recopiée à la fin du script), sur des données livrées avec R :

    - logistique, 6 grappes : ``glm(admis ~ Gender, family = binomial,
      control = glm.control(epsilon = 1e-14))`` sur ``UCBAdmissions`` détaillé
      par candidat (4526), ``vcovCR(logit, cluster = ind$Dept, type = "CR3")`` ;
      GEE binomiale à corrélation de travail indépendante ;
    - linéaire, 8 grappes : ``lm(weight ~ Time)`` sur les poussins 1 à 8 de
      ``ChickWeight`` (``poussins.csv``), ``vcovCR(lin, cluster = pou$poussin,
      type = "CR3")`` ; GEE gaussienne indépendante (l'échelle s'annule) ;
    - même modèle, corrélation de travail échangeable de paramètre fixé à 0,3 :
      ``nlme::gls(weight ~ Time, correlation = corCompSymm(value = 0.3, form =
      ~ 1 | poussin, fixed = TRUE), method = "REML")`` et ``vcovCR(ech, type =
      "CR3")`` ; GEE gaussienne ``Exchangeable`` dont ρ n'est pas réestimé.

    Les deux implémentations concordent à ~1e-13 près. :func:`regression_logistique`
    utilise une corrélation échangeable à ρ estimé, non disponible en R (ni
    sandwich ni clubSandwich ne traitent les GEE) : ce cas est couvert par
    :func:`test_peu_de_grappes_sandwich_mancl_derouen` (formule de l'article) ;
    le troisième cas vérifie ici contre R le calcul de statsmodels avec une
    corrélation de travail non diagonale. :func:`regression_lineaire` n'utilise
    pas ce sandwich (moindres carrés, CR1). Le sandwich ordinaire (CR0, égal à
    ``cov_type="robust"``) est lui aussi comparé, pour que le test échoue si
    statsmodels calculait autre chose que CR3."""
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    class EchangeableFixe(sm.cov_struct.Exchangeable):
        """Corrélation échangeable de paramètre fixé (pas de réestimation)."""

        def __init__(self, rho):
            super().__init__()
            self.dep_params = self.rho = rho

        def update(self, params):
            self.dep_params = self.rho

    def ajuster(formule, donnees, grappes, famille, structure, cov_type):
        modele = smf.gee(formule, groups=grappes, data=donnees, family=famille,
                         cov_struct=structure)
        return modele.fit(cov_type=cov_type)

    ucb = candidats_ucb()
    assert len(ucb) == 4526
    formule = "admis ~ C(genre, Treatment('Male'))"
    poussins = pd.read_csv(REFERENCE / "poussins.csv")
    assert len(poussins) == 95 and poussins["poussin"].nunique() == 8

    cas = [  # (données, formule, grappes, famille, structure, coefficients, CR3, CR0) de R
        (ucb, formule, "dept", sm.families.Binomial(), sm.cov_struct.Independence(),
         [-0.220134018863790, -0.610352376146408],
         [0.460852470754588, 0.303168421677668], [0.357156150776630, 0.212930694921239]),
        (poussins, "weight ~ Time", "poussin", sm.families.Gaussian(), sm.cov_struct.Independence(),
         [26.1575258720191, 8.3476485317996],
         [4.724642474287931, 0.960821544336638], [4.137386185434718, 0.841333792430671]),
        (poussins, "weight ~ Time", "poussin", sm.families.Gaussian(), EchangeableFixe(0.3),
         [26.37512504856250, 8.31345437548563],
         [4.761923815096427, 0.966348409483395], [4.173098756332555, 0.846639683259702]),
    ]
    for donnees, formule_cas, grappes, famille, structure, coef_r, cr3_r, cr0_r in cas:
        md = ajuster(formule_cas, donnees, grappes, famille, structure, "bias_reduced")
        np.testing.assert_allclose(md.params, coef_r, rtol=1e-8)
        np.testing.assert_allclose(md.bse, cr3_r, rtol=1e-7)
        robuste = ajuster(formule_cas, donnees, grappes, famille, structure, "robust")
        np.testing.assert_allclose(robuste.bse, cr0_r, rtol=1e-7)
        assert (np.abs(robuste.bse.to_numpy() / cr3_r - 1) > 0.1).all()

    # Le projet passe bien par ce sandwich pour ces 6 départements.
    with pytest.warns(AvertissementEffectifs, match="6 grappes"):
        r = regression_logistique(ucb.assign(femme=ucb["genre"] == "Female"), "admis ~ femme",
                                  grappes="dept")
    assert "Mancl et DeRouen" in r.loc[0, "methode"]


def test_moins_de_trois_grappes_aucune_inference():
    d = donnees_grappes(graine=2, nb_instances=2)
    with pytest.warns(AvertissementEffectifs, match="2 grappes"):
        r = regression_logistique(d, "issue ~ expose", grappes="id_instance")
    assert r[["erreur_type", "p_valeur", "ic_bas", "ic_haut"]].isna().all().all()
    assert np.isfinite(r["rapport_cotes"]).all()  # estimation ponctuelle seule
    assert r["note"].str.contains("moins de 3 grappes").all()
    assert "aucune erreur type" in r.loc[0, "methode"]


def test_gee_separation_signalee_jamais_de_rc_demesure():
    """Séparation en GEE : avant correction, la GEE (sandwich) rendait un
    RC de l'ordre de 1e19 avec une p de 1e-223 et ``separation=False``."""
    rng = np.random.default_rng(5)
    grappes = np.repeat(np.arange(40), 6)
    x = rng.normal(size=240)
    e = rng.random(240) < 0.5
    d = pd.DataFrame({"g": grappes, "x": x, "e": e, "y": (x + 0.5 * e > 0).astype(int)})
    with pytest.warns(AvertissementSeparation):
        r = regression_logistique(d, "y ~ x + e", grappes="g")
    assert r.set_index("terme").loc["x", "separation"]
    rc = r["rapport_cotes"].dropna()
    assert (rc < 1e6).all()
    assert r.loc[r["separation"], ["coefficient", "p_valeur"]].isna().all().all()
    # case vide exposition × issue : exposés tous « oui »
    d2 = donnees_grappes(graine=3, nb_instances=60)
    d2.loc[d2["expose"], "issue"] = True
    with pytest.warns(AvertissementSeparation, match=r"expose\[T\.True\]"):
        r2 = regression_logistique(d2, "issue ~ expose", grappes="id_instance")
    assert bool(terme(r2, "expose[T.True]")["separation"])
    assert np.isnan(terme(r2, "expose[T.True]")["rapport_cotes"])


def test_modalite_categorielle_vide_retiree():
    """Catégorie sans observation : plus de terme au RC 1,000 [1 ; 1]."""
    rng = np.random.default_rng(6)
    d = pd.DataFrame({"y": rng.random(120) < 0.5,
                      "c": pd.Categorical(rng.choice(["a", "b"], 120), categories=["a", "b", "z"])})
    with pytest.warns(AvertissementDonnees, match="« c ».*z"):
        r = regression_logistique(d, "y ~ c")
    assert r["terme"].tolist() == ["Intercept", "c[T.b]"]
    assert (r["ic_haut"] > r["ic_bas"]).all()


def test_predicteur_infini_refuse_en_francais():
    d = donnees_grappes(nb_instances=30)
    d["taille"] = 1.0
    d.loc[4, "taille"] = np.inf
    with pytest.raises(ErreurDonnees, match="« taille ».*non finie"):
        regression_logistique(d, "issue ~ expose + taille", grappes="id_instance")
    with pytest.raises(ErreurDonnees, match="« taille »"):
        regression_logistique(d, "issue ~ taille")


# --------------------------------------------------------------------------
# Poids de sondage : estimateur de plan (comme R survey::svyglm)

API = Path(__file__).parent / "donnees" / "reference" / "apiclus1.csv"
#: Le plan publié (dclus1) a une correction de population finie : 15 districts sur 757,
#: variance multipliée par (1 - 15/757) en grappes à un degré. Notre estimateur est « avec
#: remise » (svydesign(id = ~dnum, weights = ~pw, data = apiclus1), sans fpc) : ses erreurs
#: types multipliées par sqrt(1 - 15/757) doivent redonner les erreurs types publiées.
FPC_API = np.sqrt(1 - 15 / 757)


def calme(fonction, *args, **options):
    """Appel sur apiclus1 : 15 grappes < MIN_GRAPPES, l'AvertissementEffectifs attendu est ignoré."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AvertissementEffectifs)
        return fonction(*args, **options)


@pytest.fixture(scope="module")
def apiclus1():
    d = pd.read_csv(API)
    d["sch_wide"] = d["sch.wide"] == "Yes"
    return d


def test_svyglm_logistique_apiclus1(apiclus1):
    """T. Lumley, vignette « A survey analysis example » du paquet R survey (4.5,
    inst/doc/survey.pdf, p. 4-5) :

    dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
    summary(svyglm(I(sch.wide=="Yes")~ell+meals, design=dclus1, family=quasibinomial()))
                 Estimate Std. Error t value Pr(>|t|)
    (Intercept)  1.899557   0.509915   3.725  0.00290
    ell          0.039925   0.012443   3.209  0.00751
    meals       -0.019115   0.008825  -2.166  0.05117

    Les p publiés sont ceux d'une loi de Student à G - p = 15 - 3 = 12 ddl.
    """
    from scipy import stats

    r = calme(regression_logistique, apiclus1, "sch_wide ~ ell + meals", grappes="dnum", poids="pw")
    assert r["coefficient"].tolist() == pytest.approx([1.899557, 0.039925, -0.019115], abs=5e-7)
    assert (r["erreur_type"] * FPC_API).tolist() == pytest.approx([0.509915, 0.012443, 0.008825], abs=5e-7)
    assert (r["statistique"] / FPC_API).round(3).tolist() == [3.725, 3.209, -2.166]
    assert 2 * stats.t.sf(3.725, 12) == pytest.approx(0.00290, abs=5e-6)  # ddl publiés : 12
    assert r["p_valeur"].tolist() == pytest.approx(2 * stats.t.sf(np.abs(r["statistique"]), 12), rel=1e-9)
    assert "G - p = 12 ddl" in r["methode"].iloc[0] and "svyglm" in r["methode"].iloc[0]
    assert r["rapport_cotes"].iloc[1] == pytest.approx(np.exp(0.039925), rel=1e-5)


def test_svyglm_lineaire_et_svymean_apiclus1(apiclus1):
    """Même vignette (p. 2 et 4) :

    svymean(~api00, dclus1)  ->  mean 644.17, SE 23.542
    summary(svyglm(api00~ell+meals, design=dclus1))
                 Estimate Std. Error
    (Intercept) 817.1823    18.6709
    ell          -0.5088     0.3259
    meals        -3.1456     0.3018
    """
    r = calme(regression_lineaire, apiclus1, "api00 ~ ell + meals", grappes="dnum", poids="pw")
    assert r["coefficient"].round(4).tolist() == [817.1823, -0.5088, -3.1456]
    assert (r["erreur_type"] * FPC_API).round(4).tolist() == [18.6709, 0.3259, 0.3018]
    m = calme(regression_lineaire, apiclus1, "api00 ~ 1", grappes="dnum", poids="pw").iloc[0]
    assert round(m["coefficient"], 2) == 644.17
    assert round(m["erreur_type"] * FPC_API, 3) == 23.542


def test_poids_invalides_ou_manquants(apiclus1):
    d = apiclus1.copy()
    d.loc[3, "pw"] = 0.0
    with pytest.raises(ErreurDonnees, match="strictement positif"):
        calme(regression_logistique, d, "sch_wide ~ ell", grappes="dnum", poids="pw")
    d.loc[3, "pw"] = np.nan
    with pytest.warns(AvertissementDonnees):
        r = calme(regression_logistique, d, "sch_wide ~ ell", grappes="dnum", poids="pw")
    assert int(r["manquants"].iloc[0]) == 1 and int(r["effectif"].iloc[0]) == len(d) - 1


def test_poids_sans_inference_avec_trop_peu_de_grappes(apiclus1):
    deux = apiclus1[apiclus1["dnum"].isin(apiclus1["dnum"].unique()[:2])]
    with pytest.warns(AvertissementEffectifs):
        r = regression_lineaire(deux, "api00 ~ 1", grappes="dnum", poids="pw")
    assert r[["erreur_type", "p_valeur", "ic_bas", "ic_haut"]].isna().all().all()
    assert np.isfinite(r["coefficient"]).all()


def test_wald_un_terme_egale_le_test_du_coefficient_au_sandwich_corrige(apiclus1):
    """Pour un seul coefficient, le F de Wald à (1 ; G - p) ddl est le carré du t de ce
    coefficient, et le khi-deux de Wald de la GEE le carré de son z, les deux avec le
    sandwich corrigé de Mancl et DeRouen que `wald_termes` utilise toujours (voir
    test_plan_biais_reduit_reference_r) : plus petits que ceux du sandwich ordinaire
    (`regression_logistique`, 15 grappes), qui rendait le test conjoint libéral."""
    import statsmodels.api as sm
    import statsmodels.formula.api as smf
    from scipy import stats

    from paquet_analyse.modeles import ajuster_plan

    plan = calme(wald_termes, apiclus1, "sch_wide ~ ell + meals", "ell", grappes="dnum", poids="pw").iloc[0]
    _, corrige, _ = ajuster_plan("sch_wide ~ ell + meals", apiclus1.assign(sch_wide=apiclus1["sch_wide"] * 1.0),
                                  "dnum", "pw", biais_reduit=True)
    t = corrige.params["ell"] / corrige.bse["ell"]
    assert plan["test"] == "wald_plan_f" and (plan["ddl"], plan["ddl_denominateur"]) == (1, 12)
    assert plan["statistique"] == pytest.approx(t ** 2, rel=1e-9)
    assert plan["p_valeur"] == pytest.approx(2 * stats.t.sf(abs(t), 12), rel=1e-9)
    assert "Mancl et DeRouen" in plan["methode"]
    ordinaire = calme(regression_logistique, apiclus1, "sch_wide ~ ell + meals", grappes="dnum", poids="pw").iloc[1]
    assert plan["statistique"] < 0.95 * ordinaire["statistique"] ** 2

    gee = calme(wald_termes, apiclus1, "sch_wide ~ ell + meals", "ell", grappes="dnum").iloc[0]
    modele = smf.gee("sch_wide ~ ell + meals", groups="dnum", data=apiclus1.assign(sch_wide=apiclus1["sch_wide"] * 1.0),
                     family=sm.families.Binomial(), cov_struct=sm.cov_struct.Exchangeable())
    z = calme(modele.fit, cov_type="bias_reduced").tvalues["ell"]
    assert gee["test"] == "wald_gee" and gee["statistique"] == pytest.approx(z ** 2, rel=1e-6)
    assert gee["p_valeur"] == pytest.approx(stats.chi2.sf(z ** 2, 1), rel=1e-5)
    assert "Mancl et DeRouen" in gee["methode"]
    zo = calme(regression_logistique, apiclus1, "sch_wide ~ ell + meals", grappes="dnum",
               sandwich="liang_zeger").iloc[1]["statistique"]
    assert gee["statistique"] < 0.95 * zo ** 2
    # le modèle publié (sandwich corrigé, t à G - 1 ddl) a le même sandwich : son t² est ce khi-deux
    t = calme(regression_logistique, apiclus1, "sch_wide ~ ell + meals", grappes="dnum").iloc[1]
    assert t["statistique"] ** 2 == pytest.approx(gee["statistique"], rel=1e-6) and t["ddl"] == 14


def test_plan_biais_reduit_reference_r():
    """Variance de plan de sondage corrigée de Mancl et DeRouen (2001), écrite dans
    `modeles._covariance_biais_reduit_plan` (statsmodels ne l'offre pas pour un GLM
    pondéré), comparée à ``clubSandwich::vcovCR(type = "CR3")`` (0.5.8, R 4.2.2) sur une
    logistique pondérée : ``glm(admis ~ Gender, family = quasibinomial, weights = w)``,
    candidats de ``UCBAdmissions``, w = 1 + 0,5 (femme) + 0,25 (admis), 6 grappes
    (départements). Nombres imprimés par ``tests/donnees/reference/mancl_derouen.R``,
    section 4. Avec des poids tous égaux à 1, elle redonne le CR3 non pondéré (section 1)."""
    from paquet_analyse.modeles import ajuster_plan

    ucb = candidats_ucb()
    ucb["w"] = 1 + 0.5 * (ucb["genre"] == "Female") + 0.25 * ucb["admis"]
    formule = "admis ~ C(genre, Treatment('Male'))"
    _, r, _ = ajuster_plan(formule, ucb, "dept", "w", biais_reduit=True)
    np.testing.assert_allclose(r.params, [0.0030095324504235, -0.6793452476333994], rtol=1e-8)
    cr3 = np.array([[0.214956679079604, -0.1026144080430602], [-0.102614408043060, 0.0941613566998034]])
    np.testing.assert_allclose(np.asarray(r.cov_params()), cr3, rtol=1e-7)
    _, ordinaire, _ = ajuster_plan(formule, ucb, "dept", "w")
    assert not np.allclose(np.asarray(ordinaire.cov_params()), cr3, rtol=0.05)
    _, un, _ = ajuster_plan(formule, ucb.assign(w=1.0), "dept", "w", biais_reduit=True)
    np.testing.assert_allclose(un.bse, [0.460852470754588, 0.303168421677668], rtol=1e-7)


def test_wald_stype_plusieurs_degres(apiclus1):
    plan = calme(wald_termes, apiclus1, "sch_wide ~ C(stype)", "stype", grappes="dnum", poids="pw").iloc[0]
    assert (plan["ddl"], plan["ddl_denominateur"], plan["nb_grappes"]) == (2, 12, 15)
    assert 0 < plan["p_valeur"] < 1 and "regTermTest" in plan["methode"]


def test_wald_cas_degeneres():
    rng = np.random.default_rng(1)
    g = np.repeat(np.arange(40), 5)
    d = pd.DataFrame({"g": g, "t": np.array(list("abcd"))[g % 4], "y": rng.random(200) < 0.4})
    d.loc[d["t"] == "d", "y"] = False  # séparation : réponse constante dans « d »
    r = wald_termes(d, "y ~ C(t)", "t", grappes="g").iloc[0]
    assert r["termes_exclus"] == "d" and "séparation" in r["note"] and r["ddl"] == 2
    assert 0 <= r["p_valeur"] <= 1
    seul = d[d["t"].isin(["a", "d"])]
    r = wald_termes(seul, "y ~ C(t)", "t", grappes="g").iloc[0]
    assert np.isnan(r["p_valeur"]) and "moins de deux modalités" in r["note"]
    deux = d[d["g"] < 2].assign(y=[True, False] * 5)
    with pytest.warns(AvertissementEffectifs):
        r = wald_termes(deux, "y ~ C(t)", "t", grappes="g").iloc[0]
    assert np.isnan(r["p_valeur"]) and "trop peu de grappes" in r["note"]


def test_valeurs_initiales_gee_egales_a_celles_de_statsmodels():
    """Sur un grand plan (province : beaucoup de participants, un effet par territoire), la GEE part
    de valeurs initiales calculées par `modeles._valeurs_initiales_gee` (IRLS sur les équations
    normales) au lieu du GLM de statsmodels (SVD, lent) : ce doivent être les mêmes, et la GEE doit
    arriver au même résultat. Sur un petit plan, rien ne change (None : départ de statsmodels)."""
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    from paquet_analyse.modeles import TAILLE_VALEURS_INITIALES, _valeurs_initiales_gee

    rng = np.random.default_rng(5)
    tailles = rng.integers(4, 10, 1500)
    g = np.repeat(np.arange(1500), tailles)
    d = pd.DataFrame({"g": g, "t": np.repeat(rng.integers(0, 60, 1500), tailles).astype(str),
                      "x": rng.random(len(g)) < 0.5})
    d["y"] = (rng.random(len(g)) < np.where(d["x"], 0.45, 0.3)) * 1.0
    modele = smf.gee("y ~ x + C(t)", groups="g", data=d, family=sm.families.Binomial(),
                     cov_struct=sm.cov_struct.Exchangeable())
    assert modele.exog.size >= TAILLE_VALEURS_INITIALES
    depart = _valeurs_initiales_gee(modele)
    np.testing.assert_allclose(depart, modele._starting_params(), rtol=1e-8, atol=1e-10)
    r = regression_logistique(d, "y ~ x + C(t)", grappes="g")
    reference = calme(modele.fit, cov_type="bias_reduced")
    np.testing.assert_allclose(r["erreur_type"], reference.bse, rtol=1e-6)
    petit = smf.gee("y ~ x", groups="g", data=d.head(200), family=sm.families.Binomial(),
                    cov_struct=sm.cov_struct.Exchangeable())
    assert _valeurs_initiales_gee(petit) is None


@pytest.mark.parametrize("lineaire", [False, True])
def test_constante_seule_sans_patsy_meme_ajustement(apiclus1, monkeypatch, lineaire):
    """« y ~ 1 » est ajusté sans patsy (`modeles._glm_constante`) : coefficient, covariance de plan et
    ddl identiques au bit près à ceux de la formule passée par patsy, pondérés ou non."""
    import numpy as np

    from paquet_analyse import modeles

    d = apiclus1.assign(un=1.0, y=(apiclus1["api00"] if lineaire else apiclus1["sch_wide"]).astype(float))
    for poids in ("pw", "un"):
        _, rapide, _ = modeles.ajuster_plan("y ~ 1", d, "dnum", poids, lineaire=lineaire)
        with monkeypatch.context() as m:
            m.setattr(modeles, "_glm_constante", lambda *a: None)
            _, patsy_, _ = modeles.ajuster_plan("y ~ 1", d, "dnum", poids, lineaire=lineaire)
        assert list(rapide.params.index) == list(patsy_.params.index) == ["Intercept"]
        assert np.array_equal(np.asarray(rapide.params), np.asarray(patsy_.params))
        assert np.array_equal(np.asarray(rapide.bse), np.asarray(patsy_.bse))
        assert rapide.ddl == patsy_.ddl and rapide.nobs == patsy_.nobs
    assert modeles._glm_constante("y ~ x", d, None, None) is None
    assert modeles._glm_constante("y ~ 1", d.assign(y=np.where(d.index == 0, np.nan, d["y"])), None, None) is None


def test_cr2_satterthwaite_et_t_g_moins_1_reference_r():
    """Tests à grappes des participants (politique du projet), comparés à R clubSandwich 0.5.8
    (``tests/donnees/reference/cr2_satterthwaite.R``, sortie recopiée à la fin du script) :

    - moindres carrés, ``coef_test(lm, vcov = "CR2", cluster = ..., test = "Satterthwaite")`` et
      ``conf_int(...)`` : ``lm(weight ~ regime2 + Time)`` sur les 30 poussins des régimes 1 et 2 de
      ``datasets::ChickWeight`` (``poussins_regimes.csv`` ; le régime est constant dans la grappe,
      comme l'exposition d'une concertation), puis ``lm(weight ~ Time)`` sur les poussins 1 à 8 ;
    - logistique, ``coef_test(glm, vcov = "CR3", cluster = ind$Dept, test = "naive-t")`` et
      ``conf_int`` : ``glm(admis ~ Gender, binomial)`` sur ``UCBAdmissions`` détaillé par candidat, le
      sandwich de Mancl et DeRouen et la loi de Student à G - 1 = 5 ddl de
      ``regression_logistique(..., correlation="independance")``.

    Erreur type, t, ddl (de Satterthwaite, un par coefficient), p et IC concordent à ~1e-12 près."""
    regimes = pd.read_csv(REFERENCE / "poussins_regimes.csv")
    assert len(regimes) == 340 and regimes["poussin"].nunique() == 30
    r = regression_lineaire(regimes.assign(regime2=regimes["regime2"].astype(float)),
                            "weight ~ regime2 + Time", grappes="poussin")
    attendu = [  # estimation, erreur type, t, ddl, p, IC
        (24.34755285258651, 5.193429434909693, 4.68814550341722, 26.9450089819631, 7.07355747217339e-05,
         13.69049817390253, 35.0046075312705),
        (16.72294704664528, 11.310596611947775, 1.47852033101245, 18.7172457309187, 1.55900712361835e-01,
         -6.97463202171991, 40.4205261150105),
        (7.46987787182611, 0.672672026581551, 11.10478446649142, 27.9718223918322, 9.18361941598740e-12,
         6.09190915217382, 8.8478465914784),
    ]
    colonnes = ["coefficient", "erreur_type", "statistique", "ddl", "p_valeur", "ic_bas", "ic_haut"]
    np.testing.assert_allclose(r[colonnes].to_numpy(dtype=float), attendu, rtol=1e-9)
    assert "CR2" in r.loc[0, "methode"] and "Satterthwaite" in r.loc[0, "methode"]
    poussins = pd.read_csv(REFERENCE / "poussins.csv")
    with pytest.warns(AvertissementEffectifs, match="8 grappes"):
        r8 = regression_lineaire(poussins, "weight ~ Time", grappes="poussin")
    np.testing.assert_allclose(
        r8[["erreur_type", "ddl", "p_valeur", "ic_bas", "ic_haut"]].to_numpy(dtype=float),
        [(4.420919538562273, 6.9980001660008, 5.90064778329698e-04, 15.70310668467318, 36.6119450593650),
         (0.899044750556629, 6.9679292767235, 3.58252644214596e-05, 6.21976036312394, 10.4755367004753)],
        rtol=1e-9)
    # l'ancien calcul (CR1, G - 1 ddl) reste disponible pour les bancs d'essai, et diffère
    cr1 = regression_lineaire(regimes, "weight ~ regime2 + Time", grappes="poussin", sandwich="cr1")
    assert (cr1["ddl"] == 29).all() and abs(cr1.loc[1, "erreur_type"] / 11.310596611947775 - 1) > 0.02

    ucb = candidats_ucb()
    with pytest.warns(AvertissementEffectifs, match="6 grappes"):
        logit = regression_logistique(ucb.assign(femme=ucb["genre"] == "Female"), "admis ~ femme",
                                      grappes="dept", correlation="independance")
    attendu = [(-0.220134018863790, 0.460852470754588, -0.477667003723227, 5, 0.653038261175642,
                -1.40479300909365, 0.964524971366070),
               (-0.610352376146408, 0.303168421677668, -2.013245221150837, 5, 0.100230347678878,
                -1.38967161404955, 0.168966861756737)]
    obtenu = logit[colonnes].to_numpy(dtype=float)
    obtenu[:, 5:] = np.log(obtenu[:, 5:])  # IC publié sur l'échelle des rapports de cotes
    np.testing.assert_allclose(obtenu, attendu, rtol=1e-7)
    assert "indépendante" in logit.loc[0, "methode"] and "G - 1 = 5 ddl" in logit.loc[0, "methode"]
