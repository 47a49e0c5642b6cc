"""Tests de paquet_analyse.puissance_simulee (puissance par simulation, pour planifier une enquête)."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from paquet_analyse.erreurs import ErreurDonnees
from paquet_analyse.figures import courbes_puissance as figure_puissance
from paquet_analyse.interpretation import phrase_taille
from paquet_analyse.puissance_simulee import (
    Scenario,
    courbe_puissance,
    generer_replique,
    puissance,
    taille_requise,
)


def test_identique_quel_que_soit_le_nombre_de_processus():
    s = Scenario(nb_instances=20)
    un = puissance(s, "cmh", replicats=24, processus=1, graine=7)
    deux = puissance(s, "cmh", replicats=24, processus=2, graine=7)
    pd.testing.assert_series_equal(un, deux)
    assert puissance(s, "cmh", replicats=24, processus=1, graine=8)["graine"] == 8


def test_erreur_de_type_i_sous_h0_et_erreur_monte_carlo():
    """RC = 1 partout : la « puissance » du CMH sans correction est son erreur
    de type I, 0,05 à 3 erreurs types Monte-Carlo près ; erreur type
    sqrt(P (1 - P) / R)."""
    s = Scenario(nb_instances=30, rapport_cotes=1.0, rapport_cotes_ecart=1.0)
    r = puissance(s, "cmh", replicats=300, processus=2)
    assert r["erreur_mc"] == pytest.approx(np.sqrt(r["puissance"] * (1 - r["puissance"]) / 300))
    assert abs(r["puissance"] - 0.05) < 3 * np.sqrt(0.05 * 0.95 / 300)


def test_puissance_croit_avec_la_taille_et_taille_requise():
    s = Scenario(rapport_cotes=3.0)
    courbe = courbe_puissance(s, "cmh", [10, 40], replicats=60, processus=2)
    assert courbe["puissance"].iloc[1] > courbe["puissance"].iloc[0]
    assert courbe["puissance"].iloc[1] > 0.8
    assert taille_requise(courbe) == 40
    assert "40 tables par MRC" in phrase_taille(courbe)
    assert taille_requise(courbe, cible=1.01) is None
    assert "aucune taille" in phrase_taille(courbe, cible=1.01)
    fig = figure_puissance(courbe)
    assert "SIMULÉES" in fig.axes[0].get_title()


def test_generateur_respecte_le_plan():
    rng = np.random.default_rng(1)
    s = Scenario(nb_instances=12, participants=5, territoires=("Les Moulins", "Joliette"))
    inst = generer_replique(s, rng)
    assert len(inst) == 24 and set(inst["territoire"]) == {"Les Moulins", "Joliette"}
    part = generer_replique(s, rng, participants=True)
    assert len(part) == 24 * 5 and part.groupby("id_instance").size().eq(5).all()


def test_entrees_invalides():
    with pytest.raises(ErreurDonnees, match="cci"):
        Scenario(cci=1.2)
    with pytest.raises(ErreurDonnees, match="inconnu"):
        Scenario(territoires=("Laval",))
    with pytest.raises(ErreurDonnees, match="test"):
        puissance(Scenario(), "anova", replicats=5, processus=1)


# ---------------------------------------------------------------------------
# Puissance analytique (à côté de chaque « aucune preuve »)
# ---------------------------------------------------------------------------
