"""Affichage des tableaux dans les carnets (`carnet.montrer`)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from paquet_analyse import carnet, confidentialite


def test_tableau_large_sans_avertissement_et_cases_supprimees_marquees():
    """Un tableau d'une colonne par territoire (100 MRC et plus, jeu d'une province) : aucun avertissement
    de pandas dans le rapport du lecteur, valeurs à la française, cases supprimées marquées « x »."""
    territoires = [f"Territoire {i:03d}" for i in range(1, 121)]
    valeurs = pd.DataFrame(np.full((2, 120), 0.25), columns=territoires, index=pd.Index(["a", "b"], name="ligne"))
    masque = pd.DataFrame(False, index=valeurs.index, columns=territoires)
    masque.iloc[1, 7] = True
    protege = confidentialite.TableauProtege(valeurs=valeurs, masque=masque, primaires=masque, seuil=5, note="note")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        affiche = carnet.montrer(protege)
        html = affiche._repr_html_()
    assert list(affiche.cases.columns) == territoires
    assert affiche.cases.iloc[0, 0] == "0,25" and affiche.cases.iloc[1, 7] == "x" and affiche.cases.iloc[1, 6] == "0,25"
    assert html.count("<th>Territoire") == 120
