"""Banc d'essai du flux : temps et mémoire de `make resultats`, et deux planchers.

Mesures, dans une copie temporaire du projet (rien n'est écrit dans le vrai
dossier `resultats/`) :

1. flux complet depuis zéro sur le jeu par défaut ;
2. relance sans aucun changement (doit être quasi nulle) ;
3. relance après modification des données d'un seul territoire (ne doit
   refaire que ses carnets et ceux de la région) ;
4. plancher « vide » : autant d'exécutions papermill d'un carnet vide, deux à
   la fois (comme `--coeurs 2`) ;
5. plancher « imports » : idem avec un carnet qui importe seulement pandas,
   seaborn et statsmodels.

Mémoire : pic de la somme des RSS de l'arbre de processus (échantillonné
toutes les 0,1 s avec psutil).

Avec `--reference COMMIT`, les mesures 1 à 3 sont faites aussi sur le code
de ce commit (extrait par `git archive` dans un dossier temporaire), dans la
même exécution, en alternant : les deux colonnes se comparent sur une machine
dans le même état.

Usage : .venv/bin/python benchmarks/pipeline.py [--reference COMMIT]
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import papermill
import psutil

RACINE = Path(__file__).resolve().parents[1]
JEU = "donnees_brutes/lanaudiere"


def mesurer(commande, *, env=None, cwd=None):
    """Durée (s), pic mémoire de l'arbre (Mio) et code de sortie d'une commande."""
    debut = time.perf_counter()
    proc = subprocess.Popen(commande, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    pic, parent = 0, psutil.Process(proc.pid)
    sortie = []
    lecteur = threading.Thread(target=lambda: sortie.extend(proc.stdout), daemon=True)
    lecteur.start()
    while proc.poll() is None:
        try:
            rss = sum(p.memory_info().rss for p in [parent, *parent.children(recursive=True)])
            pic = max(pic, rss)
        except psutil.Error:
            pass
        time.sleep(0.1)
    lecteur.join()
    return time.perf_counter() - debut, pic / 2**20, proc.returncode, "".join(sortie)


def copier_projet(cible: Path, source: Path = RACINE) -> None:
    for nom in ("pyproject.toml", "Snakefile"):
        shutil.copy2(source / nom, cible / nom)
    for nom in ("carnets", "paquet_analyse", "donnees_brutes"):
        shutil.copytree(source / nom, cible / nom, ignore=shutil.ignore_patterns("__pycache__"))


def extraire_commit(commit: str, cible: Path) -> Path:
    """Le code d'un commit (sans historique), pour le mesurer à côté du code actuel."""
    cible.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", commit], cwd=RACINE, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(cible)], input=archive, check=True)
    return cible


def mesurer_flux(source: Path, tmp: Path) -> dict:
    """Flux complet, relance sans changement, relance après changement d'un territoire."""
    racine = tmp / "projet"
    racine.mkdir()
    copier_projet(racine, source)
    # le code mesuré est celui de la copie, y compris dans les noyaux des carnets
    env = {**os.environ, "PAQUET_ANALYSE_RACINE": str(racine), "PYTHONPATH": str(racine)}
    executer = [sys.executable, "-m", "paquet_analyse", "executer", JEU, "--coeurs", "2"]
    complet = mesurer(executer, env=env, cwd=racine)
    assert complet[2] == 0, complet[3][-3000:]
    nb_carnets = len(list((racine / "resultats" / "lanaudiere" / "carnets").rglob("*.ipynb")))
    rien = mesurer(executer, env=env, cwd=racine)
    modifier_un_territoire(racine)
    un = mesurer(executer, env=env, cwd=racine)
    refaits = sorted(set(re.findall(r"resultats/lanaudiere/carnets/(\S+?\.ipynb)", un[3])))
    return {"complet": complet[:2], "rien": rien[:2], "un": un[:2], "nb_carnets": nb_carnets, "refaits": refaits}


def modifier_un_territoire(racine: Path, territoire: str = "D'Autray") -> None:
    chemin = racine / JEU / "instances.csv"
    lignes = chemin.read_text(encoding="utf-8").splitlines()
    i = next(k for k, ligne in enumerate(lignes) if f",{territoire}," in ligne)
    debut, dernier = lignes[i].rsplit(",", 1)
    lignes[i] = f"{debut},{int(dernier) + 1}"
    chemin.write_text("\n".join(lignes) + "\n", encoding="utf-8")


def plancher(source: str, n: int, dossier: Path) -> tuple[float, float]:
    """n exécutions papermill d'un carnet d'une cellule, deux à la fois, dans un processus fils."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source)]
    modele = dossier / f"plancher_{abs(hash(source))}.ipynb"
    nbformat.write(nb, modele)
    script = (
        "import papermill, sys\n"
        "from concurrent.futures import ThreadPoolExecutor\n"
        f"def un(i): papermill.execute_notebook({str(modele)!r}, None, kernel_name='python3', progress_bar=False)\n"
        f"list(ThreadPoolExecutor(2).map(un, range({n})))\n"
    )
    duree, pic, code, sortie = mesurer([sys.executable, "-c", script])
    assert code == 0, sortie[-2000:]
    return duree, pic


def main() -> None:
    import argparse

    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--reference", default=None, help="commit à mesurer à côté du code actuel")
    args = parseur.parse_args()
    with tempfile.TemporaryDirectory(prefix="banc_flux_") as tmp:
        tmp = Path(tmp)
        reference = None
        if args.reference:
            source_ref = extraire_commit(args.reference, tmp / "reference_source")
            (tmp / "ref").mkdir()
            reference = mesurer_flux(source_ref, tmp / "ref")
        (tmp / "actuel").mkdir()
        actuel = mesurer_flux(RACINE, tmp / "actuel")
        nb_carnets = actuel["nb_carnets"]
        vide = plancher("pass", nb_carnets, tmp)
        imports = plancher("import pandas, seaborn, statsmodels.api", nb_carnets, tmp)

    print(f"Carnets exécutés par le flux complet : {nb_carnets}")
    colonnes = [("actuel", actuel)] + ([(f"réf. {args.reference[:7]}", reference)] if reference else [])
    print(f"{'mesure':<52}" + "".join(f"{n + ' (s)':>16}{'pic (Mio)':>11}" for n, _ in colonnes))
    for nom, cle in [("flux complet depuis zéro", "complet"), ("relance sans changement", "rien"),
                     ("relance après changement d'un territoire", "un")]:
        print(f"{nom:<52}" + "".join(f"{m[cle][0]:>16.1f}{m[cle][1]:>11.0f}" for _, m in colonnes))
    for nom, (d, m) in [(f"plancher : {nb_carnets} carnets vides", vide),
                        (f"plancher : {nb_carnets} carnets pandas+seaborn+statsmodels", imports)]:
        print(f"{nom:<52}{d:>16.1f}{m:>11.0f}")
    print(f"Rapport flux complet / plancher imports : {actuel['complet'][0] / imports[0]:.2f}")
    if reference:
        print(f"Rapport flux complet actuel / référence : {actuel['complet'][0] / reference['complet'][0]:.2f}")
    print("Carnets refaits après changement de D'Autray :")
    for nom in actuel["refaits"]:
        print(f"  {nom}")


if __name__ == "__main__":
    main()
