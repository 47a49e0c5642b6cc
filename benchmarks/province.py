"""Banc d'essai « province » : le flux complet sur 100 territoires simulés.

Génère avec le simulateur du paquet (graine fixe) un jeu SIMULÉ de 100
territoires de 60 instances chacun (6 000 instances, environ 50 000
participants), les profils des six MRC de Lanaudière repris à tour de rôle.
Tout est écrit dans une copie temporaire du projet (rien dans le vrai
`resultats/`, rien de versionné), puis mesure avec `benchmarks/pipeline.py` :

1. flux complet depuis zéro (`python -m paquet_analyse executer`) ;
2. relance sans aucun changement ;
3. relance après modification d'une ligne d'un seul territoire (doit refaire
   ses deux carnets, la validation et les carnets de région, rien d'autre).

Temps écoulé et pic de mémoire de l'arbre de processus (psutil, toutes les
0,1 s).

Usage : .venv/bin/python benchmarks/province.py [--territoires 100] [--instances 60] [--coeurs 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pipeline  # noqa: E402

from paquet_analyse import simulation  # noqa: E402

GRAINE = 20260511


def profils(nb_territoires: int, nb_instances: int) -> tuple:
    return tuple(dataclasses.replace(simulation.TERRITOIRES[i % len(simulation.TERRITOIRES)],
                                     nom=f"Territoire {i + 1:03d}", code_geo=f"{i + 1:03d}",
                                     nb_instances=nb_instances)
                 for i in range(nb_territoires))


def generer(dossier: Path, nb_territoires: int, nb_instances: int) -> dict:
    simulation.simuler(dossier, graine=GRAINE, profils=profils(nb_territoires, nb_instances))
    return {nom: sum(1 for _ in open(dossier / nom, encoding="utf-8-sig")) - 1
            for nom in ("instances.csv", "participants.csv", "territoires.csv")}


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--territoires", type=int, default=100)
    parseur.add_argument("--instances", type=int, default=60, help="instances par territoire")
    parseur.add_argument("--coeurs", type=int, default=2)
    args = parseur.parse_args()
    with tempfile.TemporaryDirectory(prefix="banc_province_") as tmp:
        racine = Path(tmp) / "projet"
        racine.mkdir()
        pipeline.copier_projet(racine)
        debut = time.perf_counter()
        tailles = generer(racine / "donnees_brutes" / "province", args.territoires, args.instances)
        print(f"génération : {time.perf_counter() - debut:.1f} s ; lignes : {tailles}", flush=True)
        env = {**os.environ, "PAQUET_ANALYSE_RACINE": str(racine), "PYTHONPATH": str(racine)}
        executer = [sys.executable, "-m", "paquet_analyse", "executer", "donnees_brutes/province",
                    "--coeurs", str(args.coeurs)]
        complet = pipeline.mesurer(executer, env=env, cwd=racine)
        assert complet[2] == 0, complet[3][-3000:]
        nb = len(list((racine / "resultats" / "province" / "carnets").rglob("*.ipynb")))
        avancement = [l for l in complet[3].splitlines() if l.startswith("Avancement")]
        rien = pipeline.mesurer(executer, env=env, cwd=racine)
        assert rien[2] == 0, rien[3][-3000:]
        modifier(racine / "donnees_brutes" / "province" / "instances.csv", "Territoire 042")
        un = pipeline.mesurer(executer, env=env, cwd=racine)
        assert un[2] == 0, un[3][-3000:]
        refaits = sorted(set(re.findall(r"resultats/province/carnets/(\S+?\.ipynb)", un[3])))
    print(f"Carnets exécutés par le flux complet : {nb} ; {os.cpu_count()} cœur(s)")
    print(f"{'mesure':<48}{'durée (s)':>12}{'pic (Mio)':>12}")
    for nom, m in [("flux complet depuis zéro", complet), ("relance sans changement", rien),
                   ("relance après changement de Territoire 042", un)]:
        print(f"{nom:<48}{m[0]:>12.1f}{m[1]:>12.0f}")
    replis = sum("Noyau chaud" in l for l in complet[3].splitlines())
    print(f"Carnets du flux complet lancés hors du serveur de noyaux chauds (repli) : {replis}")
    print("Dernières lignes d'avancement du flux complet :")
    for ligne in avancement[-2:]:
        print(f"  {ligne}")
    print(f"Carnets refaits après changement de Territoire 042 ({len(refaits)}) :")
    for nom in refaits:
        print(f"  {nom}")


def modifier(chemin: Path, territoire: str) -> None:
    lignes = chemin.read_text(encoding="utf-8").splitlines()
    i = next(k for k, ligne in enumerate(lignes) if f",{territoire}," in ligne)
    debut, dernier = lignes[i].rsplit(",", 1)
    lignes[i] = f"{debut},{int(dernier) + 1}"
    chemin.write_text("\n".join(lignes) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
