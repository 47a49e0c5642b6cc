"""Banc d'essai « 17 régions » : `comparer-regions` sur un résumé par région administrative du Québec.

Les 17 résumés sont SYNTHÉTIQUES : aucun flux n'est exécuté. Chacun est
construit par `resume_region.construire` (le code du flux) à partir du
tableau publié versionné du jeu par défaut
(`resultats/lanaudiere/tableaux/synthese_hypotheses.csv`, son manifeste et
son plan), dont les estimations et intervalles sont décalés d'une quantité
tirée par région (graine fixe : log du rapport de cotes + N(0 ; 0,3), écart
de moyennes + N(0 ; 3)), sous le nom d'une des 17 régions, déclarés simulés.
Chaque résumé est écrit avec un manifeste qui le hache, comme le ferait le
dossier `resultats/<jeu>/` d'une équipe. Tout se passe dans une copie
temporaire du projet (rien dans le vrai `resultats/`).

Mesure (temps écoulé, pic de mémoire de l'arbre de processus) :
`python -m paquet_analyse comparer-regions <17 dossiers> --nom quebec`, deux
fois (la seconde refait tout : vérification, carnet, rapport).

Usage : .venv/bin/python benchmarks/comparaison_regions.py [--regions 17]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pipeline  # noqa: E402

from paquet_analyse import chemins, plan as plan_, resume_region  # noqa: E402

GRAINE = 20260601
REGIONS = ("Bas-Saint-Laurent", "Saguenay–Lac-Saint-Jean", "Capitale-Nationale", "Mauricie", "Estrie", "Montréal",
           "Outaouais", "Abitibi-Témiscamingue", "Côte-Nord", "Nord-du-Québec", "Gaspésie–Îles-de-la-Madeleine",
           "Chaudière-Appalaches", "Laval", "Lanaudière", "Laurentides", "Montérégie", "Centre-du-Québec")
SOURCE = pipeline.RACINE / "resultats" / "lanaudiere"


def publie_decale(publie: pd.DataFrame, rng: np.random.Generator) -> bytes:
    """Le tableau publié, estimations et IC décalés d'une quantité propre à la région (mêmes largeurs)."""
    t = publie.copy()
    rc, diff = t["mesure"] == "rapport_cotes", t["mesure"] == "difference"
    facteur = np.exp(rng.normal(0, 0.3, len(t)))
    decalage = rng.normal(0, 3.0, len(t))
    for c in ("estimation", "ic_bas", "ic_haut"):
        t.loc[rc, c] = t.loc[rc, c] * facteur[rc]
        t.loc[diff, c] = t.loc[diff, c] + decalage[diff]
    tampon = io.StringIO()
    t.to_csv(tampon, index=False, lineterminator="\n", float_format="%.10g")
    return tampon.getvalue().encode("utf-8")


def ecrire_resumes(dossier: Path, nb: int) -> list[Path]:
    publie = pd.read_csv(SOURCE / "tableaux" / "synthese_hypotheses.csv")
    manifeste = json.loads((SOURCE / "manifeste.json").read_text(encoding="utf-8"))
    plan = plan_.charger_plan(SOURCE / "donnees" / "plan_analyse.yml")
    rng = np.random.default_rng(GRAINE)
    dossiers = []
    for i in range(nb):
        region = REGIONS[i % len(REGIONS)] + (f" {i // len(REGIONS) + 1}" if i >= len(REGIONS) else "")
        jeu = chemins.nom_sur(region)
        fichiers = resume_region.construire(publie_decale(publie, rng), manifeste, plan=plan, nom_jeu=jeu,
                                            descripteur_jeu={"region": region, "titre": f"{region} (SIMULÉ)",
                                                             "annee_enquete": 2025, "simule": True})
        resultats = dossier / jeu
        for nom, octets in fichiers.items():
            (resultats / resume_region.DOSSIER).mkdir(parents=True, exist_ok=True)
            (resultats / resume_region.DOSSIER / nom).write_bytes(octets)
        (resultats / "manifeste.json").write_text(json.dumps({**manifeste, "resume_region_sha256": {
            f"{resume_region.DOSSIER}/{n}": hashlib.sha256(o).hexdigest() for n, o in fichiers.items()}}),
            encoding="utf-8")
        dossiers.append(resultats)
    return dossiers


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--regions", type=int, default=len(REGIONS))
    args = parseur.parse_args()
    with tempfile.TemporaryDirectory(prefix="banc_regions_") as tmp:
        racine = Path(tmp) / "projet"
        racine.mkdir()
        pipeline.copier_projet(racine)
        debut = time.perf_counter()
        dossiers = ecrire_resumes(Path(tmp) / "recus", args.regions)
        print(f"{args.regions} résumés synthétiques écrits en {time.perf_counter() - debut:.1f} s", flush=True)
        env = {**os.environ, "PAQUET_ANALYSE_RACINE": str(racine), "PYTHONPATH": str(racine)}
        commande = [sys.executable, "-m", "paquet_analyse", "comparer-regions", *map(str, dossiers), "--nom", "quebec"]
        mesures = []
        for _ in range(2):
            duree, pic, code, sortie = pipeline.mesurer(commande, env=env, cwd=racine)
            assert code == 0, sortie[-3000:]
            mesures.append((duree, pic))
        comparaison = racine / "resultats" / "comparaisons" / "quebec"
        synthese = pd.read_csv(comparaison / "tableaux" / "meta_analyses.csv")
        figures = len(list((comparaison / "figures").glob("*.png")))
    print(f"{os.cpu_count()} cœur(s) ; {len(synthese)} hypothèses méta-analysées ({int(synthese['k'].min())} à "
          f"{int(synthese['k'].max())} régions chacune), {figures} graphiques en forêt")
    print(f"{'mesure':<44}{'durée (s)':>12}{'pic (Mio)':>12}")
    for nom, (duree, pic) in zip(("comparer-regions, première fois", "comparer-regions, seconde fois"), mesures):
        print(f"{nom:<44}{duree:>12.1f}{pic:>12.0f}")


if __name__ == "__main__":
    main()
