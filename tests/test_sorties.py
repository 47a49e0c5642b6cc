"""Écritures atomiques, déterministes, jamais sous donnees_brutes/."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from paquet_analyse import chemins, ecriture, sorties  # noqa: E402
from paquet_analyse.erreurs import ErreurDonnees  # noqa: E402


def test_csv_neutralise_les_formules(tmp_path):
    tab = pd.DataFrame({"texte": ["=SOMME(A1)", "+1", "-2", "@x", "normal"], "nombre": [-1.5, 2, 3, 4, 5]})
    contenu = ecriture.ecrire_csv(tab, tmp_path / "t.csv").read_text(encoding="utf-8")
    assert contenu.splitlines() == ["texte,nombre", "'=SOMME(A1),-1.5", "'+1,2", "'-2,3", "'@x,4", "normal,5"]


def test_ecriture_atomique_preserve_l_ancien_fichier(tmp_path, monkeypatch):
    cible = tmp_path / "r.txt"
    ecriture.ecrire_texte("ancien", cible)

    def panne(*a, **k):
        raise OSError("disque plein")
    monkeypatch.setattr(os, "replace", panne)
    with pytest.raises(OSError):
        ecriture.ecrire_texte("nouveau", cible)
    assert cible.read_text() == "ancien"
    assert [p.name for p in tmp_path.iterdir()] == ["r.txt"]  # aucun temporaire laissé


def test_refuse_d_ecrire_sous_donnees_brutes():
    with pytest.raises(ErreurDonnees, match="jamais modifiées"):
        ecriture.ecrire_texte("x", chemins.jeu_defaut() / "intrus.txt")
    assert not (chemins.jeu_defaut() / "intrus.txt").exists()


def test_figure_png_octets_identiques(tmp_path):
    def dessiner():
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.bar(["Aînés", "Enfance-jeunesse-famille"], [1, 2])
        ax.set_title("Déficit démocratique")
        return fig
    a = ecriture.ecrire_figure(dessiner(), tmp_path / "a.png").read_bytes()
    b = ecriture.ecrire_figure(dessiner(), tmp_path / "b.png").read_bytes()
    plt.close("all")
    assert a == b and a.startswith(b"\x89PNG")


def test_empreinte_sha256(tmp_path):
    (tmp_path / "f").write_bytes(b"abc")
    # SHA-256("abc") : FIPS 180-2, annexe B.1.
    assert ecriture.empreinte(tmp_path / "f") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


@pytest.mark.parametrize("nom,attendu", [("L'Assomption", "l_assomption"), ("D'Autray", "d_autray"),
                                         ("Les Moulins", "les_moulins"), ("Montréal-Nord", "montreal_nord")])
def test_noms_de_dossier_surs(nom, attendu):
    assert chemins.nom_sur(nom) == attendu


# --------------------------------------------------------------------------
# La frontière de publication : seuls des tableaux et figures protégés sortent


def _protege():
    from paquet_analyse import confidentialite

    return confidentialite.supprimer_petites_cellules(
        pd.DataFrame({"oui": [12, 3], "non": [9, 30]}, index=["A", "B"]), seuil=5)


def test_publier_refuse_un_tableau_non_protege(tmp_path):
    from paquet_analyse.erreurs import ErreurConfidentialite

    brut = pd.DataFrame({"oui": [12, 3], "non": [9, 30]})
    with pytest.raises(ErreurConfidentialite, match="DataFrame n'est pas protégé"):
        sorties.publier(brut, tmp_path / "t.csv")
    fig, _ = plt.subplots()
    with pytest.raises(ErreurConfidentialite, match="Figure n'est pas protégé"):
        sorties.publier(fig, tmp_path / "f.png")
    plt.close(fig)
    assert not list(tmp_path.iterdir())


def test_ecriture_directe_sous_tableaux_ou_figures_refusee():
    """Même en contournant publier, rien n'est écrit sous resultats/<jeu>/tableaux|figures."""
    from paquet_analyse.erreurs import ErreurConfidentialite

    brut = pd.DataFrame({"n": [1, 2]})
    for dossier, ecrire in (("tableaux", lambda c: ecriture.ecrire_csv(brut, c)),
                            ("figures", lambda c: ecriture.ecrire_octets(b"\x89PNG", c))):
        cible = chemins.resultats() / "jeu_essai_publication" / dossier / "x.csv"
        with pytest.raises(ErreurConfidentialite, match="sorties.publier"):
            ecrire(cible)
        assert not cible.exists()
    assert not (chemins.resultats() / "jeu_essai_publication").exists() or not any(
        (chemins.resultats() / "jeu_essai_publication").rglob("*.*"))


def test_publier_ecrit_les_valeurs_protegees_et_imprime_la_note(tmp_path):
    import io

    p = _protege()
    contenu = sorties.publier(p, tmp_path / "t.csv").read_text(encoding="utf-8")
    assert contenu.splitlines()[0] == "oui,non" and "3" not in contenu  # la cellule 3 est supprimée
    flux = io.StringIO()
    assert sorties.publier(p, flux) is None
    texte = flux.getvalue()
    tableau = texte.split("«")[0]
    assert tableau.split() == ["oui", "non", "A", "x", "x", "B", "x", "x"]  # étiquettes gardées, 3 supprimé
    assert texte.rstrip().endswith(p.note)
    with pytest.raises(Exception, match="s'écrit en .csv"):
        sorties.publier(p, tmp_path / "t.png")


def test_figure_protegee_exige_sa_source_ou_son_motif():
    from paquet_analyse import confidentialite
    from paquet_analyse.erreurs import ErreurConfidentialite

    fig, _ = plt.subplots()
    with pytest.raises(ErreurConfidentialite, match="tableaux protégés"):
        confidentialite.FigureProtegee(fig)
    with pytest.raises(ErreurConfidentialite, match="TableauProtege"):
        confidentialite.FigureProtegee(fig, sources=(pd.DataFrame({"n": [1]}),))
    assert confidentialite.FigureProtegee(fig, sources=(_protege(),)).figure is fig
    plt.close(fig)


def test_la_cli_imprime_par_la_frontiere(monkeypatch, capsys):
    """Le verbe portrait n'imprime rien qui ne soit passé par sorties.publier."""
    from paquet_analyse import cli

    appels = []
    vraie = sorties.publier

    def espion(objet, destination, **options):
        appels.append(type(objet).__name__)
        return vraie(objet, destination, **options)

    monkeypatch.setattr(sorties, "publier", espion)
    assert cli.main(["portrait", str(chemins.jeu_defaut()), "--tous"]) == 0
    assert appels == ["TableauProtege"] * 7  # six territoires et l'ensemble
    monkeypatch.setattr(sorties, "publier", lambda *a, **k: None)
    capsys.readouterr()
    cli.main(["portrait", str(chemins.jeu_defaut())])
    assert "Concertations" not in capsys.readouterr().out  # sans la frontière, aucun tableau n'est imprimé
