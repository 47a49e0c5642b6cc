"""Les variables facultatives sont facultatives partout.

Pour chaque variable facultative du livre de codes (instances et
participants), on la retire d'un petit jeu simulé, on le prépare, puis on
exécute le code de TOUS les carnets (chaque territoire, toute la région)
dans un seul processus Python, sans noyau Jupyter : aucun ne doit échouer, et
les sections qui ont besoin de la variable disent « Non disponible » en la
nommant. (Le flux complet, avec Snakemake et papermill, tourne une fois par
jeu de test dans `test_flux.py` : ici, on couvre les variantes en mémoire.)
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from paquet_analyse import chemins, dictionnaire, execution, flux, simulation

RACINE = chemins.racine()
PROFILS = (dataclasses.replace(simulation.TERRITOIRES[1], nb_instances=16),
           dataclasses.replace(simulation.TERRITOIRES[3], nb_instances=14))

# Exécuté dans un sous-processus dont la racine est une copie du projet :
# prépare le jeu, puis exécute chaque cellule de code de chaque carnet avec ses
# paramètres, évalue la dernière expression comme Jupyter l'afficherait, et
# écrit en JSON le texte affiché par carnet.
EXECUTEUR = r"""
import ast, json, sys
import matplotlib
matplotlib.use("Agg")
import nbformat
from paquet_analyse import chemins, execution, flux, preparation

import traceback
modeles = {c.nom: nbformat.read(chemins.carnets() / f"{c.nom}.ipynb", as_version=4) for c in execution.CARNETS}
resultat = {}
for jeu in sys.argv[1:]:
    try:
        meta = flux.preparer(jeu)
        territoires = [v["nom"] for v in meta["territoires"].values()]
        travaux = [("01_validation_donnees", {"jeu": jeu})]
        travaux += [(n, {"jeu": jeu, "territoire": t}) for n in [c.nom for c in execution.carnets("territoire")] for t in territoires]
        travaux += [(n, {"jeu": jeu}) for n in [c.nom for c in execution.carnets("region")]]
        sortie = {}
        for nom, parametres in travaux:
            espace, textes = {}, []
            for cellule in modeles[nom].cells:
                if cellule.cell_type != "code":
                    continue
                if "parameters" in cellule.metadata.get("tags", []):
                    exec(cellule.source, espace)
                    espace.update(parametres)
                    continue
                arbre = ast.parse(cellule.source)
                dernier = arbre.body.pop() if arbre.body and isinstance(arbre.body[-1], ast.Expr) else None
                exec(compile(arbre, nom, "exec"), espace)
                if dernier is not None:
                    valeur = eval(compile(ast.Expression(dernier.value), nom, "eval"), espace)
                    for methode in ("_repr_markdown_", "_repr_html_", "_repr_png_"):
                        if hasattr(valeur, methode):
                            getattr(valeur, methode)()
                    textes.append(repr(valeur))
            sortie[f"{nom} {parametres.get('territoire', '')}".strip()] = "\n".join(textes)
        resultat[jeu] = sortie
    except Exception:
        resultat[jeu] = {"erreur": traceback.format_exc()}
print(json.dumps(resultat, ensure_ascii=False))
"""

FACULTATIVES = [(t, n) for t in ("instances", "participants") for n in dictionnaire.facultatives(t)]


def _retirer_colonne(chemin: Path, variable: str) -> None:
    """Retire une colonne d'un CSV en gardant son séparateur et son encodage (BOM compris)."""
    octets = chemin.read_bytes()
    encodage = "utf-8-sig" if octets.startswith(b"\xef\xbb\xbf") else "utf-8"
    entete = octets.decode(encodage).splitlines()[0]
    separateur = ";" if entete.count(";") > entete.count(",") else ","
    brut = pd.read_csv(chemin, dtype=str, keep_default_na=False, sep=separateur, encoding=encodage)
    assert variable in brut.columns, f"{variable} absente du jeu simulé : le test ne la retirerait pas"
    brut.drop(columns=variable).to_csv(chemin, index=False, sep=separateur, encoding=encodage)


@pytest.fixture(scope="module")
def resultats_sans(tmp_path_factory):
    """Un seul processus : un jeu par variable retirée, préparé puis analysé par tous les carnets."""
    racine = tmp_path_factory.mktemp("projet")
    shutil.copy2(RACINE / "pyproject.toml", racine / "pyproject.toml")
    for nom in ("carnets", "paquet_analyse"):
        shutil.copytree(RACINE / nom, racine / nom, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    from conftest import reduire_puissance

    reduire_puissance(racine, replicats=2)
    modele = racine / "donnees_brutes" / "modele"
    simulation.simuler(modele, profils=PROFILS)
    jeux = []
    for table, variable in FACULTATIVES:
        if variable == "poids":  # le simulateur ne produit pas de poids : le jeu modèle en est déjà privé
            continue
        dossier = racine / "donnees_brutes" / f"sans_{variable}"
        shutil.copytree(modele, dossier)
        _retirer_colonne(dossier / f"{table}.csv", variable)
        jeux.append(f"donnees_brutes/sans_{variable}")
    r = subprocess.run([sys.executable, "-c", EXECUTEUR, *jeux], cwd=racine, capture_output=True, text=True,
                       env={**os.environ, "PAQUET_ANALYSE_RACINE": str(racine), "PYTHONPATH": str(racine),
                            "MPLBACKEND": "Agg"})
    assert r.returncode == 0, r.stderr[-4000:]
    return {Path(j).name.removeprefix("sans_"): textes
            for j, textes in json.loads(r.stdout.strip().splitlines()[-1]).items()}


@pytest.mark.lent
@pytest.mark.parametrize("table,variable", [f for f in FACULTATIVES if f[1] != "poids"],
                         ids=[n for _, n in FACULTATIVES if n != "poids"])
def test_chaque_carnet_va_au_bout_sans_la_variable(resultats_sans, table, variable):
    textes = resultats_sans[variable]
    assert "erreur" not in textes, textes.get("erreur")
    assert len(textes) == 1 + 2 * len([c.nom for c in execution.carnets("territoire")]) + len([c.nom for c in execution.carnets("region")])
    tout = "\n".join(textes.values())
    # ce dont une section de carnet a besoin : l'indice des conditions (H6, carnet 05), la fonction
    # dominante (H2c, H3), le modèle (croisements) et les organisations (réseau, densité des liens)
    besoins = {*dictionnaire.sources_brutes("indice_conditions"), *dictionnaire.sources_brutes("gestion_programmes"),
               "modele", "id_organisation"}
    if variable in besoins:
        assert f"ce jeu ne contient pas « {variable} »" in tout, variable
    annonce = textes["01_validation_donnees"].split("Variables facultatives absentes de ce jeu (ou sans aucune valeur) :")
    assert len(annonce) == 2 and f"« {variable} »" in annonce[1].split(".")[0]
