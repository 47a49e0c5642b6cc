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

Usage : .venv/bin/python benchmarks/pipeline.py
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


def copier_projet(cible: Path) -> None:
    for nom in ("pyproject.toml", "Snakefile"):
        shutil.copy2(RACINE / nom, cible / nom)
    for nom in ("carnets", "paquet_analyse", "donnees_brutes"):
        shutil.copytree(RACINE / nom, cible / nom, ignore=shutil.ignore_patterns("__pycache__"))


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
    with tempfile.TemporaryDirectory(prefix="banc_flux_") as tmp:
        racine = Path(tmp)
        copier_projet(racine)
        env = {**os.environ, "PAQUET_ANALYSE_RACINE": str(racine)}
        executer = [sys.executable, "-m", "paquet_analyse", "executer", JEU, "--coeurs", "2"]

        complet = mesurer(executer, env=env, cwd=racine)
        assert complet[2] == 0, complet[3][-3000:]
        nb_carnets = len(list((racine / "resultats" / "lanaudiere" / "carnets").rglob("*.ipynb")))
        rien = mesurer(executer, env=env, cwd=racine)
        modifier_un_territoire(racine)
        un = mesurer(executer, env=env, cwd=racine)
        refaits = sorted(set(re.findall(r"resultats/lanaudiere/carnets/(\S+?\.ipynb)", un[3])))

        vide = plancher("pass", nb_carnets, racine)
        imports = plancher("import pandas, seaborn, statsmodels.api", nb_carnets, racine)

    print(f"Carnets exécutés par le flux complet : {nb_carnets}")
    print(f"{'mesure':<52}{'durée (s)':>10}{'pic mémoire (Mio)':>20}")
    for nom, (d, m) in [("flux complet depuis zéro", complet[:2]), ("relance sans changement", rien[:2]),
                        ("relance après changement d'un territoire", un[:2]),
                        (f"plancher : {nb_carnets} carnets vides", vide),
                        (f"plancher : {nb_carnets} carnets pandas+seaborn+statsmodels", imports)]:
        print(f"{nom:<52}{d:>10.1f}{m:>20.0f}")
    print(f"Rapport flux complet / plancher imports : {complet[0] / imports[0]:.2f} (cible <= 1,5)")
    print("Carnets refaits après changement de D'Autray :")
    for nom in refaits:
        print(f"  {nom}")


if __name__ == "__main__":
    main()
