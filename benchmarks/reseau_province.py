"""Banc d'essai du carnet réseau (``06_reseau_concertations``) sur le jeu « province ».

Génère (graine fixe de ``benchmarks/province.py``, dans un dossier
temporaire, rien dans ``resultats/``) le jeu SIMULÉ de 100 territoires x 60
instances (6 000 instances, environ 50 000 participants), le prépare en
mémoire, puis refait dans un sous-processus, dans l'ordre du carnet, les
calculs du carnet 06 :

1. ``analyses.mesures_reseau`` ;
2. ``analyses.organisations_sollicitees`` ;
3. ``analyses.connexion_logique`` (test de permutation, 9 999 tirages x 3) ;
4. ``diffusion.figures_reseau``, chaque figure enregistrée en PNG par
   ``ecriture.ecrire_figure`` (dans le dossier temporaire) ;

et, à part, ``indicateurs.portrait`` de l'ensemble du jeu (ligne
``densite_liens``, qui vient de ``reseau.nb_liens_instances``).

Pour chaque étape : durée (horloge murale) et pic de mémoire résidente du
sous-processus atteint à la fin de l'étape (``ru_maxrss``, cumulatif : c'est
le pic du carnet jusque-là). La charge de la machine (``os.getloadavg``) est
imprimée avant et après chaque version mesurée.

Avec ``--reference <commit>``, le même passage est fait aussi avec le code de
ce commit (extrait par ``git archive``), sur le même jeu, juste avant : les
deux colonnes sont prises côte à côte. Les tableaux et les octets des figures
des deux versions sont comparés (« identiques » ou la liste des écarts).

Usage (depuis la racine du projet) ::

    .venv/bin/python benchmarks/reseau_province.py
    .venv/bin/python benchmarks/reseau_province.py --reference 90c1c36
    .venv/bin/python benchmarks/reseau_province.py --territoires 20   # aperçu

Ce script n'est pas un test de la suite ; ses chiffres sont consignés dans
``benchmarks/README.md`` (section « Noyaux chauds, jeu province »).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from paquet_analyse import diffusion, ecriture

ICI = Path(__file__).resolve().parent
RACINE = ICI.parent
ETAPES = ("mesures_reseau", "organisations_sollicitees", "connexion_logique", "figures_reseau",
          "portrait_ensemble")


def _charge() -> str:
    return "charge moyenne (1, 5, 15 min) : " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def enfant(dossier_jeu: Path, sortie: Path, etapes: list[str]) -> None:
    """Dans le sous-processus : préparer puis refaire les calculs du carnet 06."""
    import resource

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from paquet_analyse import analyses, indicateurs, preparation, sorties

    def pic() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def rapporter(nom, debut):
        print(json.dumps({"etape": nom, "duree": time.perf_counter() - debut, "pic": pic()}), flush=True)

    debut = time.perf_counter()
    donnees = preparation.preparer(dossier_jeu).donnees
    rapporter("preparation (hors carnet)", debut)
    resultats = {}
    for etape in etapes:
        debut = time.perf_counter()
        if etape == "figures_reseau":
            empreintes = {}
            for nom, figure in diffusion.figures_reseau(donnees):
                chemin = ecriture.ecrire_figure(figure.figure, sortie / "figures" / f"{nom}.png")
                plt.close(figure.figure)
                empreintes[nom] = hashlib.sha256(chemin.read_bytes()).hexdigest()
            resultats[etape] = empreintes
        elif etape == "portrait_ensemble":
            resultats[etape] = indicateurs.portrait(donnees.instances, donnees.participants, annee_charniere=donnees.plan.seuils["annee_charniere"])
        else:
            resultats[etape] = getattr(analyses, etape)(donnees)
        rapporter(etape, debut)
    with open(sortie / "resultats.pkl", "wb") as f:
        pickle.dump(resultats, f)


def mesurer_version(code: Path, dossier_jeu: Path, sortie: Path, etapes: list[str]) -> list[dict]:
    sortie.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(code), "PAQUET_ANALYSE_RACINE": str(code),
           "MPLBACKEND": "Agg"}
    print(f"[{code}] {_charge()}", flush=True)
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--enfant", str(dossier_jeu),
                           "--sortie", str(sortie), "--etapes", ",".join(etapes)],
                          env=env, cwd=code, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"échec du sous-processus ({code}) :\n{proc.stderr[-3000:]}")
    print(f"[{code}] {_charge()}", flush=True)
    return [json.loads(l) for l in proc.stdout.splitlines() if l.startswith("{")]


def comparer(a: Path, b: Path) -> list[str]:
    """Écarts entre les résultats (tableaux, octets des figures) de deux passages."""
    import pandas as pd

    with open(a / "resultats.pkl", "rb") as f:
        ra = pickle.load(f)
    with open(b / "resultats.pkl", "rb") as f:
        rb = pickle.load(f)
    ecarts = []
    for etape in ra:
        x, y = ra[etape], rb.get(etape)
        if isinstance(x, pd.DataFrame):
            try:
                pd.testing.assert_frame_equal(x, y, check_exact=True)
            except AssertionError as err:
                ecarts.append(f"{etape} : {str(err).splitlines()[0]}")
        elif x != y:
            ecarts.append(f"{etape} : {sum(x.get(k) != y.get(k) for k in set(x) | set(y))} figure(s) différente(s)")
    return ecarts


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--territoires", type=int, default=100)
    parseur.add_argument("--instances", type=int, default=60, help="instances par territoire")
    parseur.add_argument("--reference", help="commit dont le code est mesuré aussi, côte à côte")
    parseur.add_argument("--etapes", default=",".join(ETAPES))
    parseur.add_argument("--enfant", type=Path, help=argparse.SUPPRESS)
    parseur.add_argument("--sortie", type=Path, help=argparse.SUPPRESS)
    args = parseur.parse_args()
    etapes = args.etapes.split(",")
    if args.enfant:
        enfant(args.enfant, args.sortie, etapes)
        return
    sys.path.insert(0, str(ICI))
    import pipeline
    import province

    with tempfile.TemporaryDirectory(prefix="banc_reseau_") as tmp:
        tmp = Path(tmp)
        dossier_jeu = tmp / "donnees_brutes" / "province"
        tailles = province.generer(dossier_jeu, args.territoires, args.instances)
        print(f"jeu : {tailles} ; {os.cpu_count()} cœur(s)", flush=True)
        versions = {}
        if args.reference:
            code = pipeline.extraire_commit(args.reference, tmp / "reference")
            versions[f"réf. {args.reference}"] = (mesurer_version(code, dossier_jeu, tmp / "sortie_ref", etapes),
                                                 tmp / "sortie_ref")
        versions["actuel"] = (mesurer_version(RACINE, dossier_jeu, tmp / "sortie", etapes), tmp / "sortie")
        entete = f"{'étape':<34}" + "".join(f"{nom + ' (s)':>20}{'pic (Mio)':>11}" for nom in versions)
        print(entete)
        lignes = [m["etape"] for m in next(iter(versions.values()))[0]]
        for i, etape in enumerate(lignes):
            print(f"{etape:<34}" + "".join(f"{m[i]['duree']:>20.1f}{m[i]['pic']:>11.0f}"
                                           for m, _ in versions.values()))
        for nom, (m, _) in versions.items():
            total = sum(x["duree"] for x in m if x["etape"] in ETAPES)
            print(f"{nom} : calculs du carnet 06 (étapes 1 à 4) + portrait : {total:.1f} s")
        if args.reference:
            (_, a), (_, b) = versions.values()
            ecarts = comparer(a, b)
            print("Sorties des deux versions : " + ("identiques (tableaux exacts, octets des figures)"
                                                     if not ecarts else "; ".join(ecarts)))


if __name__ == "__main__":
    main()
