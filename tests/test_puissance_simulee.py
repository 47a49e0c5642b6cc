"""Tests de paquet_analyse.puissance_simulee (puissance par simulation d'un plan d'enquête, tests publiés)
et de paquet_analyse.planification (le plan du jeu donné, carnet 07)."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
import yaml

from paquet_analyse import chemins, planification, plan as plan_
from paquet_analyse.erreurs import ErreurDonnees, ErreurPlan
from paquet_analyse.figures import courbes_puissance as figure_puissance
from paquet_analyse.interpretation import phrase_taille
from paquet_analyse.puissance_simulee import (
    PLAN_PAR_DEFAUT,
    Scenario,
    Territoire,
    courbe_puissance,
    generer_replique,
    puissance,
    taille_requise,
)


def test_identique_quel_que_soit_le_nombre_de_processus():
    s = Scenario(nb_instances=20)
    un = puissance(s, "mantel_haenszel", replicats=24, processus=1, graine=7)
    deux = puissance(s, "mantel_haenszel", replicats=24, processus=2, graine=7)
    pd.testing.assert_series_equal(un, deux)
    assert puissance(s, "mantel_haenszel", replicats=24, processus=1, graine=8)["graine"] == 8


def test_erreur_de_type_i_sous_h0_et_erreur_monte_carlo():
    """RC = 1 partout : la « puissance » du Wald de Mantel-Haenszel (le test publié) est son erreur de
    type I, 0,05 à 3 erreurs types Monte-Carlo près ; erreur type sqrt(P (1 - P) / R)."""
    s = Scenario(nb_instances=30, rapport_cotes=1.0)
    r = puissance(s, "mantel_haenszel", replicats=300, processus=2)
    assert r["erreur_mc"] == pytest.approx(np.sqrt(r["puissance"] * (1 - r["puissance"]) / 300))
    assert abs(r["puissance"] - 0.05) < 3 * np.sqrt(0.05 * 0.95 / 300)


def test_puissance_croit_avec_la_taille_et_taille_requise():
    s = Scenario(rapport_cotes=3.0)
    courbe = courbe_puissance(s, "mantel_haenszel", [10, 40], replicats=60, processus=2)
    assert courbe["puissance"].iloc[1] > courbe["puissance"].iloc[0]
    assert courbe["puissance"].iloc[1] > 0.8
    assert taille_requise(courbe) == 40
    assert "40 concertations par territoire" in phrase_taille(courbe)
    assert taille_requise(courbe, cible=1.01) is None
    assert "aucune taille" in phrase_taille(courbe, cible=1.01)
    fig = figure_puissance(courbe)
    assert "SIMULÉES" in fig.axes[0].get_title()


def test_generateur_respecte_le_plan():
    rng = np.random.default_rng(1)
    s = Scenario(territoires=(Territoire("A", 12, 0.5, 0.4, (5,)), Territoire("B", 24, 0.7, 0.3, (3, 4))))
    inst = generer_replique(s, rng)
    assert len(inst) == 36 and inst.groupby("territoire").size().to_dict() == {"A": 12, "B": 24}
    part = generer_replique(s, rng, participants=True)
    tailles = part.groupby("id_instance").size()
    assert tailles[tailles.index.str.startswith("A-")].eq(5).all()
    assert tailles[tailles.index.str.startswith("B-")].isin([3, 4]).all()
    assert Scenario(territoires=s.territoires, nb_instances=36).effectifs() == [24, 48]  # moyenne 36, proportions gardées


def test_marges_et_correlation_simulees():
    """Le générateur donne les marges du plan (part exposée, part avec l'issue) et, au niveau des
    participants, la corrélation intra-instance demandée (estimée par analyse de variance)."""
    from paquet_analyse.puissance import cci_anova

    rng = np.random.default_rng(3)
    t = Territoire("A", 4000, 0.7, 0.4, (8,), 0.45)
    inst = generer_replique(Scenario(territoires=(t,), rapport_cotes=2.0), rng)
    assert inst["exposee"].mean() == pytest.approx(0.7, abs=0.02) and inst["issue"].mean() == pytest.approx(0.4, abs=0.02)
    part = generer_replique(Scenario(territoires=(Territoire("A", 1500, 0.5, 0.4, (8,), 0.45),), cci=0.2,
                                     rapport_cotes=1.0), rng, participants=True)
    assert cci_anova(part["issue"].astype(float), part["id_instance"], part["exposee"]) == pytest.approx(0.2, abs=0.03)


def test_entrees_invalides():
    with pytest.raises(ErreurDonnees, match="cci"):
        Scenario(cci=1.2)
    with pytest.raises(ErreurDonnees, match="part_exposees"):
        Territoire("Laval", 20, 1.0, 0.5)
    with pytest.raises(ErreurDonnees, match="test"):
        puissance(Scenario(), "anova", replicats=5, processus=1)


# ---------------------------------------------------------------------------
# planification : le plan du jeu donné


def test_conception_tiree_des_donnees_du_jeu(donnees_defaut, monkeypatch):
    """Jeu préparé : ses territoires, leurs effectifs, leurs marges et la corrélation estimée ; pas le plan par
    défaut (les effectifs du générateur diffèrent de ceux du jeu préparé)."""
    monkeypatch.setattr(planification.preparation, "lire", lambda jeu: donnees_defaut)
    c = planification.conception("lanaudiere")
    assert c.source == "donnees"
    inst = donnees_defaut.instances.dropna(subset=["descendante", "deficit_participation"])
    attendus = inst.groupby("territoire", observed=True).size().to_dict()
    assert {t.nom: t.nb_instances for t in c.scenario.territoires} == attendus
    joliette = next(t for t in c.scenario.territoires if t.nom == "Joliette")
    j = inst[inst["territoire"] == "Joliette"]
    assert joliette.part_exposees == pytest.approx(j["descendante"].astype(bool).mean())
    assert joliette.part_issue == pytest.approx(j["deficit_participation"].astype(bool).mean())
    assert 0 < c.scenario.cci < 0.5 and "données préparées" in c.phrase()
    assert c.grille()[0] < round(c.moyenne_instances()) < c.grille()[-1]


def test_conception_avant_la_collecte_plan_declare_sinon_defaut(tmp_path):
    texte = (chemins.racine() / "carnets" / "plan_analyse.yml").read_text(encoding="utf-8")
    brut = yaml.safe_load(texte)
    sans = tmp_path / "sans.yml"
    sans.write_text(yaml.safe_dump(brut, allow_unicode=True), encoding="utf-8")
    c = planification.conception("region_sans_donnees", plan_chemin=sans)
    assert c.source == "defaut" and c.scenario.territoires == PLAN_PAR_DEFAUT
    assert "PAR DÉFAUT" in c.phrase() and "enquete_prevue" in c.phrase()
    brut["enquete_prevue"] = {"territoires": {"Gatineau": 80, "Pontiac": 25, "Papineau": 30}, "cci": 0.1}
    avec = tmp_path / "avec.yml"
    avec.write_text(yaml.safe_dump(brut, allow_unicode=True, sort_keys=False), encoding="utf-8")
    c = planification.conception("region_sans_donnees", plan_chemin=avec)
    assert c.source == "plan" and [t.nom for t in c.scenario.territoires] == ["Gatineau", "Pontiac", "Papineau"]
    assert [t.nb_instances for t in c.scenario.territoires] == [80, 25, 30] and c.scenario.cci == 0.1
    assert "Lanaudière" not in c.phrase() and "Gatineau (80)" in c.phrase()
    courbe = planification.courbe(dataclasses.replace(c, seuils={**c.seuils, "replicats_puissance": 10}),
                                  "mantel_haenszel", processus=1)
    assert courbe["nb_instances"].tolist() == pytest.approx(sorted(courbe["nb_instances"]))


def test_enquete_prevue_mal_formee_refusee_en_francais(tmp_path):
    brut = yaml.safe_load((chemins.racine() / "carnets" / "plan_analyse.yml").read_text(encoding="utf-8"))
    brut["enquete_prevue"] = {"territoires": {"Gatineau": 1}, "part_issue": 1.5, "cci": -0.1, "autre": 2}
    chemin = tmp_path / "plan.yml"
    chemin.write_text(yaml.safe_dump(brut, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ErreurPlan) as erreur:
        plan_.charger_plan(chemin)
    message = str(erreur.value)
    for attendu in ("enquete_prevue.territoires", "Gatineau", "enquete_prevue.part_issue",
                    "enquete_prevue.cci", "enquete_prevue.autre : clé inconnue"):
        assert attendu in message
