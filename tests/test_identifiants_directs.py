"""Tests de paquet_analyse.identifiants_directs : les identifiants directs refusés dès la lecture."""

import pandas as pd

from paquet_analyse.identifiants_directs import colonnes_identifiantes, valeurs_identifiantes


def test_colonnes_identifiantes():
    colonnes = ["id_repondant", "Courriel", "Nom", "Prénom", "secteur", "Téléphone (cell.)", "adresse",
                "date de naissance", "nb_membres"]
    assert colonnes_identifiantes(colonnes) == ["Courriel", "Nom", "Prénom", "Téléphone (cell.)", "adresse",
                                                "date de naissance"]


def test_valeurs_identifiantes():
    serie = pd.Series(["ORG-64-001", "marie.tremblay@exemple.qc.ca", "450-555-0123", "+1 (514) 555 0199",
                       "INST-0001", None, "1234567", "11456789012", "2022-03-01", "ORG-450-555-1234",
                       "tél. : 819.555.0101"])
    assert valeurs_identifiantes(serie).tolist() == [None, "courriel", "telephone", "telephone", None, None, None,
                                                     None, None, None, "telephone"]
