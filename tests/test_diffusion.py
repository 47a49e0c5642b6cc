"""Tests de paquet_analyse.diffusion : ce que la publication d'un jeu diffuse, et ce qui n'en sort jamais."""

from __future__ import annotations

import shutil
import subprocess

from paquet_analyse import chemins

RACINE = chemins.racine()


def _git(depot, *args) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(depot), *args], capture_output=True, text=True, check=True)


def test_les_microdonnees_d_une_region_reelle_n_entrent_pas_dans_git(tmp_path):
    """Une nouvelle région dans un clone : `git add -A` ne prend ni ses fichiers bruts, ni son jeu préparé,
    ni ses calculs intermédiaires ; il prend ce qu'elle publie (tableaux, rapports, index)."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", "--shared", str(RACINE), str(clone)], check=True)
    shutil.copy2(RACINE / ".gitignore", clone / ".gitignore")  # les règles de la copie de travail
    _git(clone, "rm", "--quiet", "--cached", "-r", "--ignore-unmatch", "resultats/lanaudiere/calculs")
    fichiers = {
        "donnees_brutes/ma_region/jeu.yml": "titre: x\n",
        "donnees_brutes/ma_region/reponses.csv": "id_repondant,id_instance\nR1,I1\n",
        "donnees_brutes/ma_region/sous/export.xlsx": "octets",
        "resultats/ma_region/donnees/participants.parquet": "microdonnées",
        "resultats/ma_region/donnees/validation_problemes.csv": "valeur brute citée",
        "resultats/ma_region/calculs/synthese_region.parquet": "non protégé",
        "resultats/ma_region/tableaux/synthese_hypotheses.csv": "protégé",
        "resultats/ma_region/rapports/04_comparaison_territoires.html": "<html></html>",
        "resultats/ma_region/index.html": "<html></html>",
        "resultats/lanaudiere/calculs/synthese_region.parquet": "non protégé, même pour le jeu simulé",
    }
    for nom, texte in fichiers.items():
        (clone / nom).parent.mkdir(parents=True, exist_ok=True)
        (clone / nom).write_text(texte, encoding="utf-8")
    _git(clone, "add", "-A")
    indexes = set(_git(clone, "diff", "--cached", "--name-only", "--diff-filter=A").stdout.split())
    assert indexes == {"resultats/ma_region/tableaux/synthese_hypotheses.csv",
                       "resultats/ma_region/rapports/04_comparaison_territoires.html",
                       "resultats/ma_region/index.html"}
    # le jeu simulé par défaut reste versionné (nbval réexécute ses carnets sur un clone neuf)
    suivis = _git(clone, "ls-files", "donnees_brutes/lanaudiere", "resultats/lanaudiere/donnees").stdout.split()
    assert "donnees_brutes/lanaudiere/jeu.yml" in suivis and "resultats/lanaudiere/donnees/jeu.json" in suivis
