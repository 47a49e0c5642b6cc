"""Écrit resumes_regions_projet.csv : les entrées de méta-analyse lues dans les résumés du projet.

Les quatre régions SIMULÉES de la démonstration (`regions_simulees.DEMONSTRATION` :
trois avec le lien de H1a, une sans) sont préparées et analysées en mémoire
comme le flux le fait (`tests/resumes_simules.py`), leurs résumés construits
(`resume_region.construire`) et vérifiés, puis, pour chaque hypothèse
combinable, l'estimation sur l'échelle de la méta-analyse et son erreur type
sont recopiées telles que les résumés les publient (10 chiffres significatifs).
`metafor_meta_analyse.R` les méta-analyse avec metafor ;
`tests/test_meta_analyse.py` compare `meta_analyse.combiner` à ses sorties, et
`tests/test_comparaison_regions.py` vérifie que ces entrées sont bien celles des
résumés produits par le code actuel.

Exécution, depuis la racine du projet :
    .venv/bin/python tests/donnees/reference/resumes_regions_projet.py
    cd tests/donnees/reference && Rscript metafor_meta_analyse.R
"""

from __future__ import annotations

import sys
from pathlib import Path

ICI = Path(__file__).resolve().parent
sys.path.insert(0, str(ICI.parents[1]))  # tests/ : resumes_simules

import pandas as pd  # noqa: E402

import resumes_simules  # noqa: E402
from paquet_analyse import regions_simulees, resume_region  # noqa: E402

FICHIER = ICI / "resumes_regions_projet.csv"


def entrees() -> pd.DataFrame:
    """hypothese, region, estimation_echelle, erreur_type de chaque ligne combinable des résumés de la démonstration."""
    morceaux = []
    for region in regions_simulees.DEMONSTRATION:
        lu, problemes = resume_region.verifier(resumes_simules.resume(region), source=region.jeu)
        if problemes:
            raise SystemExit("\n".join(p.en_texte() for p in problemes))
        h = lu.hypotheses[lu.hypotheses["combinable"]]
        morceaux.append(pd.DataFrame({"hypothese": h["id"], "region": lu.region,
                                      "estimation_echelle": h["estimation_echelle"], "erreur_type": h["erreur_type"]}))
    return pd.concat(morceaux, ignore_index=True).sort_values(["hypothese", "region"], kind="stable")


if __name__ == "__main__":
    entrees().to_csv(FICHIER, index=False, lineterminator="\n", float_format="%.10g")
    print(f"Écrit : {FICHIER.name}")
