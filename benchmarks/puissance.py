"""Puissance des tests publiés, par simulation du plan par défaut (paquet_analyse.puissance_simulee).

Question : combien d'instances (tables) enquêter par territoire, sur le plan par
défaut (six MRC du jeu simulé de Lanaudière), pour détecter RC = 2 (H1a dans un
territoire, score ou Blaker ; RC commun, Wald de Mantel-Haenszel ; participants,
GEE de Mancl-DeRouen) et l'écart d'un territoire (Breslow-Day de Tarone, RC = 3
dans un territoire tiré au hasard, 1 ailleurs), avec 80 % de puissance ? Chaque
puissance est donnée avec son erreur type Monte-Carlo. Pour le plan d'un autre
jeu : le carnet 07 (module planification).

Usage (depuis la racine du dépôt) ::

    .venv/bin/python benchmarks/puissance.py --replicats 400 --processus 2
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from paquet_analyse.interpretation import phrase_taille
from paquet_analyse.puissance_simulee import Scenario, courbe_puissance

PLANS = {
    "mantel_haenszel": (Scenario(rapport_cotes=2.0), [10, 20, 30, 40, 50, 60, 80]),
    "association": (Scenario(rapport_cotes=2.0), [40, 80, 120, 160, 200, 240]),
    "breslow_day": (Scenario(rapport_cotes=1.0, ecart=True, rapport_cotes_ecart=3.0), [40, 80, 120, 160, 200, 240]),
    "gee": (Scenario(rapport_cotes=2.0, cci=0.15), [4, 6, 8, 10, 15]),
}


def principal(arguments=None):
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--replicats", type=int, default=400)
    parseur.add_argument("--processus", type=int, default=2)
    parseur.add_argument("--graine", type=int, default=2010)
    parseur.add_argument("--tests", nargs="*", default=list(PLANS))
    args = parseur.parse_args(arguments)
    debut = time.perf_counter()
    courbes = []
    for test in args.tests:
        scenario, grille = PLANS[test]
        courbe = courbe_puissance(scenario, test, grille, replicats=args.replicats,
                                  graine=args.graine, processus=args.processus)
        courbes.append(courbe)
        print(phrase_taille(courbe))
    tableau = pd.concat(courbes, ignore_index=True)
    colonnes = ["test", "nb_instances", "rapport_cotes", "rapport_cotes_ecart", "puissance",
                "erreur_mc", "echecs"]
    print(tableau[colonnes].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"Durée : {time.perf_counter() - debut:.0f} s ({args.processus} processus, "
          f"{args.replicats} répliques par point, graine {args.graine})")
    return tableau


if __name__ == "__main__":
    principal()
