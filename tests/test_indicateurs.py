"""Indicateurs dérivés et portrait."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import petites_tables, ecrire_jeu, preparer_mini
from paquet_analyse.donnees import restreindre
from paquet_analyse import analyses, chargement, derivees, dictionnaire, diffusion, indicateurs, portraits
from paquet_analyse.erreurs import ErreurDonnees


@pytest.mark.parametrize("k,n,bas,haut", [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605),
                                          (0, 20, 0.0000, 0.1611), (1, 29, 0.0061, 0.1718)])
def test_wilson_newcombe_1998(k, n, bas, haut):
    """Newcombe R.G. (1998), « Two-sided confidence intervals for the single proportion:
    comparison of seven methods », Statistics in Medicine 17:857-872, tableau II,
    méthode 3 (score de Wilson sans correction), exemples (a) à (d)."""
    p, b, h = indicateurs.proportion_wilson(k, n)
    assert p == pytest.approx(k / n)
    assert (round(b, 4), round(h, 4)) == (bas, haut)


@pytest.fixture
def mini(tmp_path):
    return chargement.charger_jeu(ecrire_jeu(tmp_path / "m", petites_tables()))


def test_derivees_instances(mini):
    d = derivees.derivees_instances(mini.instances, annee_charniere=2000)
    assert d["logique_initiateur"].tolist() == ["descendante", "ascendante", "descendante", "ascendante"]
    assert d["initie_cisss_ville_fondation"].tolist() == [True, False, True, False]
    assert d["thematique_ejf"].tolist() == [True, False, True, False]
    assert d["depuis_charniere"].tolist()[:3] == [False, True, True] and pd.isna(d["depuis_charniere"].iloc[3])
    assert d["periode_creation"].tolist()[:3] == ["avant_charniere", "depuis_charniere", "depuis_charniere"]
    assert d["deficit_participation"].tolist() == [True, False, True, False]
    assert d["deficit_evaluation"].tolist() == [True, False, False, False]
    assert d["gestion_programmes"].tolist() == [True, False, True, False]


def test_logique_autre_et_manquante():
    inst = pd.DataFrame({"annee_creation": pd.array([2001, 2001, 2001], dtype="Int64"),
                         "initiateur": pd.Categorical(["autre", None, "public_autre"]),
                         "thematique": pd.Categorical(["aines", "aines", "aines"]),
                         "citoyens_membres": pd.array([True, None, False], dtype="boolean"),
                         "evaluation_collective": pd.array([True, True, True], dtype="boolean")})
    d = derivees.derivees_instances(inst, annee_charniere=2000)
    assert d["logique_initiateur"].tolist()[0] == "autre" and pd.isna(d["logique_initiateur"].iloc[1])
    assert d["logique_initiateur"].iloc[2] == "descendante"
    assert pd.isna(d["descendante"].iloc[0]) and pd.isna(d["deficit_participation"].iloc[1])


def test_derivees_participants(mini):
    inst = derivees.derivees_instances(mini.instances, annee_charniere=2000)
    d = derivees.derivees_participants(inst, mini.participants, seuil_sur_sollicitation=3)
    assert d["deficit_delegation"].tolist() == [True, False, True, False, True]
    assert d["deficit_redevabilite"].tolist() == [True, False, True, True, False]
    assert d["suivi_informel"].tolist() == [True, False, False, True, False]
    assert d["mandat_auto_defini"].tolist() == [True, False, True, True, True]
    assert d["sur_sollicitation"].tolist() == [True, False, False, True, False]
    assert d["logique_initiateur"].tolist() == ["descendante", "descendante", "ascendante", "descendante", "ascendante"]
    assert d["territoire"].tolist()[3] == "D'Autray"


def test_indice_conditions_bornes_et_minimum():
    cols = list(derivees.CONDITIONS)
    tab = pd.DataFrame([[1] * 8, [4] * 8, [2, 3] * 4, [4] * 5 + [None] * 3], columns=cols).astype("Int64")
    indice = derivees.indice_conditions(tab, minimum=dictionnaire.minimum_conditions_repondues())
    assert dictionnaire.minimum_conditions_repondues() == 6
    assert indice.tolist()[:3] == [0.0, 100.0, 50.0]
    assert pd.isna(indice.iloc[3])  # 5 réponses sur 8 < minimum de 6
    assert derivees.indice_conditions(tab, minimum=5).iloc[3] == 100.0


def test_deficit_democratique_composite():
    tab = pd.DataFrame({"a": pd.array([True, False, False, None, None], dtype="boolean"),
                        "b": pd.array([False, False, True, False, None], dtype="boolean")})
    un = derivees.deficit_democratique(tab, composantes=["a", "b"], minimum=1)
    assert un.tolist()[:3] == [True, False, True] and pd.isna(un.iloc[3]) and pd.isna(un.iloc[4])
    deux = derivees.deficit_democratique(tab, composantes=["a", "b"], minimum=2)
    assert deux.tolist()[:4] == [False, False, False, False] and pd.isna(deux.iloc[4])
    with pytest.raises(ErreurDonnees, match="composante"):
        derivees.deficit_democratique(tab, composantes=["a", "z"], minimum=1)


def test_derivees_participants_exige_les_instances_derivees(mini):
    """Pas de redérivation silencieuse avec une année charnière par défaut."""
    with pytest.raises(ErreurDonnees, match="derivees_instances"):
        derivees.derivees_participants(mini.instances, mini.participants, seuil_sur_sollicitation=3)


def test_regle_logique_du_dictionnaire_seule_source():
    """Chaque code d'initiateur a une logique, et seulement des logiques connues."""
    regle = dictionnaire.logique_initiateur()
    assert set(regle) == set(dictionnaire.codes("initiateur"))
    assert set(regle.values()) <= set(dictionnaire.codes("logique_initiateur"))
    assert dictionnaire.initiateurs_de_logique("descendante") == ("cisss", "municipal", "fondation", "public_autre")
    from paquet_analyse import reseau, simulation

    assert reseau.LOGIQUE_PAR_INITIATEUR == regle
    assert set(simulation.DESCENDANTS) == set(dictionnaire.initiateurs_de_logique("descendante"))


def _portrait(donnees, territoire=None):
    return portraits.portrait_brut(donnees, territoire)


def test_portrait_les_moulins_reproduit_la_presentation(donnees_defaut):
    """Bourque (2010), diapositive « MRC Les Moulins » : 70 %, 75 %, 50 %, 44 %,
    « presque totalité » (au moins 90 %), 60 % ; chacun à un point près."""
    p = _portrait(donnees_defaut, "Les Moulins").set_index("indicateur")["proportion"]
    for nom, cible in [("creees_depuis_charniere", 0.70), ("initiees_cisss_ville_fondation", 0.75),
                       ("thematique_ejf", 0.50), ("auto_delegation", 0.44), ("suivi_informel", 0.60)]:
        assert abs(p[nom] - cible) <= 0.01, nom
    assert p["mandat_auto_defini"] >= 0.90
    # « Peu de liens inter-concertations » : Les Moulins est le moins relié des six.
    densites = {t: _portrait(donnees_defaut, t).set_index("indicateur").loc["densite_liens", "proportion"]
                for t in donnees_defaut.jeu.liste_territoires()}
    assert min(densites, key=densites.get) == "Les Moulins"


def test_portrait_colonnes_et_intervalles(donnees_defaut):
    p = _portrait(donnees_defaut)
    assert p.columns.tolist() == indicateurs.COLONNES_PORTRAIT
    parts = p[p["unite"] == "proportion"].dropna(subset=["ic_bas"])
    assert ((parts["ic_bas"] <= parts["proportion"]) & (parts["proportion"] <= parts["ic_haut"])).all()
    taux = p.set_index("indicateur").loc["concertations_par_10000"]
    assert taux["denominateur"] == 521_960  # somme des populations 2021 des six MRC
    assert taux["proportion"] == pytest.approx(taux["effectif"] / 521_960 * 10_000)


def test_portrait_territoire_inconnu_suggere(donnees_defaut):
    with pytest.raises(ErreurDonnees, match="Vouliez-vous dire « Joliette »"):
        diffusion.portrait(donnees_defaut, "Joliete")


def test_portrait_refuse_des_tables_non_derivees(jeu_defaut):
    with pytest.raises(ErreurDonnees, match="jeu préparé"):
        indicateurs.portrait(jeu_defaut.instances, jeu_defaut.participants, annee_charniere=2000)


def test_portrait_denominateur_exclut_les_manquants(tmp_path):
    p = _portrait(preparer_mini(ecrire_jeu(tmp_path / "m", petites_tables()))).set_index("indicateur")
    assert (p.loc["creees_depuis_charniere", "effectif"], p.loc["creees_depuis_charniere", "denominateur"]) == (2, 3)
    assert np.isnan(p.loc["densite_liens", "ic_bas"])


# --------------------------------------------------------------------------
# Parts de participants : intervalle de plan de sondage (grappes, poids)

API = Path(__file__).parent / "donnees" / "reference" / "apiclus1.csv"


def test_proportion_grappes_svymean_apiclus1():
    """T. Lumley, vignette « A survey analysis example » du paquet R survey (4.5,
    inst/doc/survey.pdf, p. 3) :

    dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
    svymean(make.formula(vars), dclus1, na.rm = TRUE)
                     mean     SE
    sch.wideYes  0.872611 0.0247

    (`na.rm = TRUE` sur ces variables : seule `avg.ed` a des manquants, d'où les 157
    écoles où elle est renseignée.) Le plan publié a une correction de population
    finie (15 districts sur 757) ; notre estimateur est « avec remise » : son erreur type
    × sqrt(1 - 15/757) doit redonner 0,0247. L'erreur type de la proportion est celle du
    logit multipliée par p(1 - p) (méthode delta, exacte pour le modèle à constante seule).

    L'intervalle de `svyciprop(~I(sch.wide == "Yes"), dclus1, method = "logit")` n'est
    publié nulle part où nous l'avons cherché (exemples de man/svyciprop.Rd sans sortie) :
    il est vérifié ici par un calcul indépendant (linéarisation du ratio en numpy,
    quantile de Student à G - 1 = 14 ddl, comme `confint(..., ddf = degf(design))`).
    """
    from scipy import stats

    d = pd.read_csv(API).dropna(subset=["avg.ed"])
    d["oui"] = d["sch.wide"] == "Yes"
    r = indicateurs.proportion_grappes(d, "oui", grappes="dnum", poids="pw").iloc[0]
    p = r["proportion"]
    assert round(p, 6) == 0.872611 and (r["effectif"], r["denominateur"], r["nb_grappes"]) == (137, 157, 15)
    se_p = r["erreur_type_logit"] * p * (1 - p)
    assert round(se_p * np.sqrt(1 - 15 / 757), 4) == 0.0247
    # calcul indépendant : z_g = Σ_g w (y - p) / Σ w, V = G/(G-1) Σ z_g²
    w, y = d["pw"].to_numpy(), d["oui"].to_numpy(float)
    z = pd.Series(w * (y - p) / w.sum()).groupby(d["dnum"].to_numpy()).sum()
    se_logit = np.sqrt(15 / 14 * (z ** 2).sum()) / (p * (1 - p))
    q = stats.t.ppf(0.975, 14)
    logit = np.log(p / (1 - p))
    attendu = 1 / (1 + np.exp(-(logit + np.array([-1, 1]) * q * se_logit)))
    assert [r["ic_bas"], r["ic_haut"]] == pytest.approx(attendu, rel=1e-9)
    assert r["ddl"] == 14 and "svyciprop" in r["methode"]


def test_proportion_grappes_singletons_sans_poids():
    """Chaque ligne est sa propre grappe, sans poids : la variance de linéarisation vaut
    n/(n - 1) · p(1 - p)/n (Cochran, Sampling Techniques, 3e éd., 1977, éq. 3.5 avec le
    facteur n/(n-1) de l'estimateur « avec remise »), d'où l'erreur type du logit
    sqrt(1 / ((n - 1) p (1 - p)))."""
    y = np.r_[np.ones(30), np.zeros(70)]
    d = pd.DataFrame({"y": y, "g": np.arange(100)})
    r = indicateurs.proportion_grappes(d, "y", grappes="g").iloc[0]
    assert r["proportion"] == 0.3 and r["ddl"] == 99
    assert r["erreur_type_logit"] == pytest.approx(np.sqrt(1 / (99 * 0.3 * 0.7)), rel=1e-9)


@pytest.mark.parametrize("y,g,raison", [
    ([0, 0, 0, 0, 0, 0], [1, 1, 2, 2, 3, 3], "proportion de 0 ou de 1"),
    ([1, 1, 1, 1, 1, 1], [1, 1, 2, 2, 3, 3], "proportion de 0 ou de 1"),
    ([0, 1, 0, 1], [1, 1, 1, 1], "moins de 3 grappes"),
    ([0, 1, 1, 0], [1, 1, 2, 2], "moins de 3 grappes"),
    ([0, 1, 0, 1, 1, 0], [1, 1, 2, 2, 3, 3], "variance de plan nulle"),
])
def test_proportion_grappes_cas_degeneres(y, g, raison):
    """Repli documenté : Wilson sur une observation par grappe, jamais de largeur nulle."""
    d = pd.DataFrame({"y": y, "g": g})
    r = indicateurs.proportion_grappes(d, "y", grappes="g").iloc[0]
    assert raison in r["methode"] and "Wilson" in r["methode"]
    assert r["ic_bas"] <= r["proportion"] <= r["ic_haut"] and r["ic_haut"] - r["ic_bas"] > 0.1
    nb = d["g"].nunique()
    from statsmodels.stats.proportion import proportion_confint

    bas, haut = proportion_confint(r["proportion"] * nb, nb, alpha=0.05, method="wilson")
    assert (r["ic_bas"], r["ic_haut"]) == pytest.approx((bas, haut), abs=1e-12)


def test_proportion_grappes_vide():
    d = pd.DataFrame({"y": pd.array([None, None], dtype="boolean"), "g": [1, 2]})
    r = indicateurs.proportion_grappes(d, "y", grappes="g").iloc[0]
    assert np.isnan(r["proportion"]) and np.isnan(r["ic_bas"]) and r["denominateur"] == 0


def test_portrait_parts_de_participants_grappees(donnees_defaut):
    """Les parts de participants ont l'intervalle de plan (plus large que Wilson), les parts
    d'instances gardent Wilson ; colonnes inchangées."""
    p = portraits.portrait_brut(donnees_defaut, "Les Moulins").set_index("indicateur")
    assert list(p.reset_index().columns) == indicateurs.COLONNES_PORTRAIT
    for nom in ("auto_delegation", "mandat_auto_defini", "suivi_informel"):
        r = p.loc[nom]
        _, bas, haut = indicateurs.proportion_wilson(int(r["effectif"]), int(r["denominateur"]))
        assert r["proportion"] == pytest.approx(r["effectif"] / r["denominateur"])
        assert r["ic_bas"] < r["proportion"] < r["ic_haut"] and r["ic_bas"] != pytest.approx(bas)
        if nom != "mandat_auto_defini":  # part de 95 % peu corrélée dans les instances : effet de plan ~ 1
            assert r["ic_haut"] - r["ic_bas"] > 1.2 * (haut - bas)
    r = p.loc["creees_depuis_charniere"]
    assert (r["ic_bas"], r["ic_haut"]) == pytest.approx(indicateurs.proportion_wilson(42, 60)[1:])


def test_portrait_pondere(donnees_defaut):
    """Avec une colonne `poids`, la part est pondérée ; effectif et dénominateur restent des comptes."""
    d = restreindre(donnees_defaut, "Joliette")
    part = d.participants.copy()
    part["poids"] = np.where(part["deficit_delegation"].fillna(False).astype(bool), 2.0, 1.0)
    p = indicateurs.portrait(d.instances, part, annee_charniere=2000).set_index("indicateur").loc["auto_delegation"]
    k, n = int(p["effectif"]), int(p["denominateur"])
    assert p["proportion"] == pytest.approx(2 * k / (2 * k + (n - k)))
    assert p["ic_bas"] < p["proportion"] < p["ic_haut"]
