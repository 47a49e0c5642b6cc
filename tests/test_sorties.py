"""Écritures atomiques, déterministes, jamais sous donnees_brutes/."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from paquet_analyse import chemins, sorties  # noqa: E402
from paquet_analyse.erreurs import ErreurDonnees  # noqa: E402


def test_csv_neutralise_les_formules(tmp_path):
    tab = pd.DataFrame({"texte": ["=SOMME(A1)", "+1", "-2", "@x", "normal"], "nombre": [-1.5, 2, 3, 4, 5]})
    contenu = sorties.ecrire_csv(tab, tmp_path / "t.csv").read_text(encoding="utf-8")
    assert contenu.splitlines() == ["texte,nombre", "'=SOMME(A1),-1.5", "'+1,2", "'-2,3", "'@x,4", "normal,5"]


def test_ecriture_atomique_preserve_l_ancien_fichier(tmp_path, monkeypatch):
    cible = tmp_path / "r.txt"
    sorties.ecrire_texte("ancien", cible)

    def panne(*a, **k):
        raise OSError("disque plein")
    monkeypatch.setattr(os, "replace", panne)
    with pytest.raises(OSError):
        sorties.ecrire_texte("nouveau", cible)
    assert cible.read_text() == "ancien"
    assert [p.name for p in tmp_path.iterdir()] == ["r.txt"]  # aucun temporaire laissé


def test_refuse_d_ecrire_sous_donnees_brutes():
    with pytest.raises(ErreurDonnees, match="jamais modifiées"):
        sorties.ecrire_texte("x", chemins.jeu_defaut() / "intrus.txt")
    assert not (chemins.jeu_defaut() / "intrus.txt").exists()


def test_figure_png_octets_identiques(tmp_path):
    def dessiner():
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.bar(["Aînés", "Enfance-jeunesse-famille"], [1, 2])
        ax.set_title("Déficit démocratique")
        return fig
    a = sorties.ecrire_figure(dessiner(), tmp_path / "a.png").read_bytes()
    b = sorties.ecrire_figure(dessiner(), tmp_path / "b.png").read_bytes()
    plt.close("all")
    assert a == b and a.startswith(b"\x89PNG")


def test_empreinte_sha256(tmp_path):
    (tmp_path / "f").write_bytes(b"abc")
    # SHA-256("abc") : FIPS 180-2, annexe B.1.
    assert sorties.empreinte(tmp_path / "f") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


@pytest.mark.parametrize("nom,attendu", [("L'Assomption", "l_assomption"), ("D'Autray", "d_autray"),
                                         ("Les Moulins", "les_moulins"), ("Montréal-Nord", "montreal_nord")])
def test_noms_de_dossier_surs(nom, attendu):
    assert chemins.nom_sur(nom) == attendu
