"""Méta-analyse entre régions (`meta_analyse`) : comparée à R metafor, et ses cas limites."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.meta_analysis import combine_effects

from paquet_analyse import chemins, meta_analyse
from paquet_analyse.erreurs import ErreurDonnees, ErreurEffectifs

REFERENCE = chemins.racine() / "tests" / "donnees" / "reference"
TOLERANCE = 1e-6  # relative
CHAMPS = ("estimation", "erreur_type", "ic_bas", "ic_haut", "statistique", "p_valeur", "tau2", "i2", "h2", "q",
          "p_q", "pi_bas", "pi_haut", "fixe_estimation", "fixe_erreur_type", "fixe_ic_bas", "fixe_ic_haut",
          "fixe_p_valeur")


def _reference() -> dict:
    return json.loads((REFERENCE / "metafor_meta_analyse.json").read_text(encoding="utf-8"))


def _comparer(resultat, attendu: dict) -> None:
    """Chaque valeur à 1e-6 près en relatif. Exception : un τ² (et son I²) pratiquement nul, au bord du
    domaine (moins de 1e-8 fois la variance typique d'une région, ou 1e-8 %), où l'arrêt des itérations
    des deux programmes laisse des restes de l'ordre de 1e-13 : il est comparé en absolu à cette échelle."""
    assert resultat.k == attendu["k"] and resultat.ddl == attendu["ddl"] == resultat.k - 1
    echelles = {"tau2": float(np.mean(attendu["vi"])), "i2": 100.0}
    for champ in CHAMPS:
        obtenu, voulu = getattr(resultat, champ), attendu[champ]
        if champ in echelles and abs(voulu) < 1e-8 * echelles[champ]:
            assert abs(obtenu) < 1e-8 * echelles[champ], (champ, obtenu, voulu)
        elif voulu == 0:
            assert abs(obtenu) < 1e-10, (champ, obtenu)
        else:
            assert obtenu == pytest.approx(voulu, rel=TOLERANCE, abs=0), champ
    np.testing.assert_allclose(resultat.poids, attendu["poids"], rtol=TOLERANCE)


@pytest.mark.parametrize("jeu", ["bcg", "bcg_deux", "homogene"])
def test_concorde_avec_metafor_exemples_publies(jeu):
    """Référence : R 4.2.2, metafor 3.8.1, ``rma(yi, vi, method = "REML", test = "knha")`` et ``predict()``
    (intervalle de prédiction), ``rma(yi, vi, method = "FE")`` (effet fixe), sur le jeu ``dat.bcg`` livré
    avec metafor (13 essais du BCG, Colditz et al. 1994 ; log du risque relatif par
    ``escalc(measure = "RR")``, l'exemple de la documentation de ``rma``), ses deux premiers essais (k = 2),
    et trois régions construites dont le τ² du REML vaut 0. Valeurs écrites par
    ``tests/donnees/reference/metafor_meta_analyse.R`` dans ``metafor_meta_analyse.json``."""
    attendu = _reference()["jeux"][jeu]
    _comparer(meta_analyse.combiner(attendu["yi"], attendu["vi"]), attendu)


def test_bcg_valeurs_de_la_documentation_de_metafor():
    """Les nombres imprimés dans la documentation de metafor pour ``rma(yi, vi, data = dat, test = "knha")``
    sur dat.bcg (arrondis tels qu'affichés) : τ² = 0,3132, I² = 92,22 %, H² = 12,86, Q = 152,2330,
    estimation -0,7145, erreur type 0,1808, IC de -1,1084 à -0,3206."""
    j = _reference()["jeux"]["bcg"]
    r = meta_analyse.combiner(j["yi"], j["vi"])
    assert (round(r.tau2, 4), round(r.i2, 2), round(r.h2, 2), round(r.q, 4)) == (0.3132, 92.22, 12.86, 152.2330)
    assert (round(r.estimation, 4), round(r.erreur_type, 4)) == (-0.7145, 0.1808)
    assert (round(r.ic_bas, 4), round(r.ic_haut, 4)) == (-1.1084, -0.3206)


def test_concorde_avec_metafor_sur_les_resumes_du_projet():
    """Référence : mêmes appels metafor (voir ci-dessus) sur les résumés publiés des quatre régions
    SIMULÉES de la démonstration (``resumes_regions_projet.csv``, écrit par ``resumes_regions_projet.py``),
    une méta-analyse par hypothèse combinable (log du RC, ou écart de moyennes)."""
    entrees = pd.read_csv(REFERENCE / "resumes_regions_projet.csv")
    jeux = _reference()["jeux"]
    hypotheses = sorted(entrees["hypothese"].unique())
    assert len(hypotheses) >= 10 and "H1a" in hypotheses
    for h in hypotheses:
        bloc = entrees[entrees["hypothese"] == h]
        attendu = jeux[f"projet_{h}"]
        assert attendu["regions"] == bloc["region"].tolist()
        _comparer(meta_analyse.combiner(bloc["estimation_echelle"], bloc["erreur_type"] ** 2), attendu)


def test_hartung_knapp_comme_statsmodels_a_tau2_egal():
    """Le facteur de Hartung-Knapp écrit ici est celui de statsmodels (`var_hksj_re`) quand son τ² est le
    même : avec Paule-Mandel, statsmodels itère jusqu'à Q(τ²) = k - 1, donc on lui impose le τ² du REML
    par son point de départ, sans itération (maxiter = 0)."""
    j = _reference()["jeux"]["bcg"]
    r = meta_analyse.combiner(j["yi"], j["vi"])
    sm = combine_effects(np.asarray(j["yi"]), np.asarray(j["vi"]), method_re="iterated", tau2_start=r.tau2,
                         maxiter=0)
    assert sm.tau2 == r.tau2
    assert r.estimation == pytest.approx(sm.mean_effect_re, rel=1e-12)
    assert r.erreur_type == pytest.approx(np.sqrt(sm.var_hksj_re), rel=1e-12)


def test_tau2_nul_quand_les_regions_s_accordent():
    """Trois estimations identiques : aucune variance entre régions, I² = 0, effets aléatoires = effet fixe."""
    r = meta_analyse.combiner([0.5, 0.5, 0.5], [0.04, 0.09, 0.16])
    assert r.tau2 == 0 and r.i2 == 0 and r.h2 == 1
    assert r.estimation == pytest.approx(0.5) and r.fixe_estimation == pytest.approx(0.5)
    assert r.q == pytest.approx(0)


def test_tau2_reml_variances_egales_formule_fermee():
    """Variances égales v : le REML donne τ² = s² - v (s² : variance d'échantillon des estimations), tronqué à 0."""
    y = np.array([0.1, 0.9, 1.7, 0.4])
    tau2, _ = meta_analyse.tau2_reml(y, [0.05] * 4)
    assert tau2 == pytest.approx(np.var(y, ddof=1) - 0.05, rel=1e-10)
    assert meta_analyse.tau2_reml(y, [1.0] * 4)[0] == 0.0


def test_ordre_des_regions_sans_effet():
    j = _reference()["jeux"]["bcg"]
    ordre = np.random.default_rng(3).permutation(len(j["yi"]))
    a = meta_analyse.combiner(j["yi"], j["vi"])
    b = meta_analyse.combiner(np.asarray(j["yi"])[ordre], np.asarray(j["vi"])[ordre])
    for champ in CHAMPS:
        assert getattr(a, champ) == pytest.approx(getattr(b, champ), rel=1e-9), champ


def test_tableau_colonnes_fixes():
    r = meta_analyse.combiner([0.2, 0.8, 1.1], [0.1, 0.2, 0.1])
    t = r.tableau()
    assert list(t.columns) == meta_analyse.COLONNES_META and len(t) == 1
    assert t.loc[0, "k"] == 3 and t.loc[0, "ic_bas"] < t.loc[0, "estimation"] < t.loc[0, "ic_haut"]
    assert t.loc[0, "pi_bas"] <= t.loc[0, "ic_bas"] and t.loc[0, "pi_haut"] >= t.loc[0, "ic_haut"]


def test_une_seule_region_refusee():
    with pytest.raises(ErreurEffectifs, match="au moins deux"):
        meta_analyse.combiner([0.3], [0.1])


@pytest.mark.parametrize("y, v, message", [
    ([0.3, np.inf], [0.1, 0.1], "non finie"),
    ([0.3, 0.2], [0.1, 0.0], "variance"),
    ([0.3, 0.2], [0.1, -1], "variance"),
    ([0.3, 0.2, 0.1], [0.1, 0.2], "variance"),
])
def test_entrees_invalides_refusees_en_francais(y, v, message):
    with pytest.raises(ErreurDonnees, match=message):
        meta_analyse.combiner(y, v)
