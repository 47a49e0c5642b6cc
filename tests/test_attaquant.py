"""L'attaquant (tests/attaquant.py) trouve chaque sorte de fuite quand on la lui donne, et ne
trouve rien dans ce que le projet publie."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats.contingency import odds_ratio

import attaquant
from paquet_analyse import analyses, chemins, diffusion, hypotheses, plan

SEUIL = plan.charger_plan().seuils["confidentialite"]


def _woolf(a, b, c, d, decimales=4):
    rc = a * d / (b * c)
    et = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    z = attaquant.Z
    return tuple(round(v, decimales) for v in (rc, rc * math.exp(-z * et), rc * math.exp(z * et)))


def test_reconstruit_un_2x2_a_partir_du_rc_de_l_echantillon():
    """La fuite signalée : la strate Les Moulins {9, 1, 18, 30} retrouvée depuis n, RC et IC de Woolf."""
    rc, bas, haut = _woolf(9, 1, 18, 30)
    candidats = attaquant.candidats_woolf(58, rc, bas, haut, decimales=4)
    assert [9, 1, 18, 30] in candidats.tolist()
    assert attaquant.fuite_2x2(candidats, SEUIL) is not None


def test_reconstruit_un_2x2_a_partir_de_l_emv_conditionnel():
    """Même attaque sur le RC conditionnel de Fisher (celui de `fisher.test`), calculé ici par scipy."""
    tableau = [[7, 2], [6, 15]]
    rc = odds_ratio(tableau, kind="conditional")
    ic = rc.confidence_interval()
    candidats = attaquant.candidats_conditionnels(30, round(rc.statistic, 4), ic.low, ic.high, decimales=4)
    assert [7, 2, 6, 15] in candidats.tolist()
    assert attaquant.fuite_2x2(candidats, SEUIL) is not None


def test_pas_de_fuite_sans_petite_case():
    rc, bas, haut = _woolf(12, 8, 9, 21)
    assert attaquant.fuite_2x2(attaquant.candidats_woolf(50, rc, bas, haut, decimales=4), SEUIL) is None


def test_resout_les_cases_supprimees_par_les_residus():
    """Tous les résidus publiés (même ceux des lignes à case supprimée) : les cases reviennent."""
    from paquet_analyse import associations

    t = pd.DataFrame({"a": [2, 14, 11], "b": [9, 3, 12], "c": [10, 12, 4]}, index=["x", "y", "z"])
    longue = t.stack().rename("n").reset_index().loc[lambda d: d.index.repeat(d["n"])]
    residus = associations.residus_ajustes(longue.rename(columns={"level_0": "l", "level_1": "c"}), "l", "c")
    masque = (t < SEUIL).to_numpy()
    fuites = attaquant.attaque_residus(t, masque, residus.round(1), total=int(t.to_numpy().sum()), seuil=SEUIL)
    assert fuites and all("retrouvée" in f for f in fuites)


def test_trouve_comptes_et_differences(tmp_path):
    (tmp_path / "tableaux").mkdir()
    pd.DataFrame({"id": ["H1a", "H2a"], "territoire": ["Joliette"] * 2, "niveau": ["instances"] * 2,
                  "effectif": [54, 56], "manquants": [2, 0]}).to_csv(tmp_path / "tableaux" / "h.csv", index=False)
    fuites = attaquant.attaque_comptes(tmp_path, SEUIL)
    assert any("manquants = 2" in f for f in fuites) and any("différence 2" in f for f in fuites)


def test_l_ancienne_publication_fuyait(tmp_path, donnees_defaut):
    """Les résultats par territoire tels que le projet les publiait avant la protection des
    statistiques dérivées (tableau brut de `tester_hypotheses`) : l'attaquant y retrouve des cases."""
    (tmp_path / "tableaux").mkdir()
    (tmp_path / "carnets").mkdir()
    brut = hypotheses.tester_hypotheses(donnees_defaut, portee="territoire", territoire="Les Moulins")
    brut.to_csv(tmp_path / "tableaux" / "hypotheses_les_moulins.csv", index=False)
    fuites = attaquant.attaque_rapports_de_cotes(tmp_path, SEUIL)
    assert any("[9, 1, 18, 30]" in f or "retrouvé" in f for f in fuites)
    protege = diffusion.proteger(brut, donnees_defaut).valeurs
    protege.to_csv(tmp_path / "tableaux" / "hypotheses_les_moulins.csv", index=False)
    assert attaquant.attaque_rapports_de_cotes(tmp_path, SEUIL) == []
    assert attaquant.attaque_comptes(tmp_path, SEUIL) == []


@pytest.mark.lent
def test_rien_dans_les_resultats_versionnes():
    """Tout ce qui est publié pour le jeu par défaut (CSV et sorties des carnets) : aucune fuite."""
    dossier = chemins.dossier_resultats("lanaudiere")
    assert attaquant.attaque_rapports_de_cotes(dossier, SEUIL) == []
    assert attaquant.attaque_comptes(dossier, SEUIL) == []
    assert attaquant.attaque_portraits(dossier, SEUIL) == []
