"""Les résultats versionnés du jeu par défaut : à jour et sans petite cellule publiée.

(Leur réexécution complète, cellule par cellule, est faite par nbval dans
`make test` et `make verifier`.)
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from paquet_analyse import chemins, confidentialite, ecriture, execution, plan, provenance, sorties

SORTIE = chemins.dossier_resultats("lanaudiere")
SEUIL = plan.charger_plan().seuils["confidentialite"]

pytestmark = pytest.mark.skipif(not (SORTIE / "manifeste.json").exists(),
                                reason="résultats du jeu par défaut absents (make resultats)")


def test_manifeste_correspond_aux_donnees_et_au_plan():
    manifeste = json.loads((SORTIE / "manifeste.json").read_text(encoding="utf-8"))
    assert manifeste["fichiers_bruts_sha256"] == provenance.empreintes_brutes(chemins.jeu_defaut()), \
        "données brutes modifiées depuis les résultats : relancer make resultats"
    assert manifeste["plan_sha256"] == ecriture.empreinte(chemins.plan_analyse()), \
        "plan d'analyse modifié depuis les résultats : relancer make resultats"


def test_tous_les_carnets_et_rapports_presents():
    manifeste = json.loads((SORTIE / "manifeste.json").read_text(encoding="utf-8"))
    territoires = manifeste["parametres"]["territoires"]
    assert sorted(territoires.values()) == ["D'Autray", "Joliette", "L'Assomption", "Les Moulins", "Matawinie",
                                            "Montcalm"]
    for sur in territoires:
        for carnet in manifeste["parametres"]["carnets_par_territoire"]:
            assert (SORTIE / "carnets" / "territoires" / sur / f"{carnet}.ipynb").is_file()
            assert (SORTIE / "rapports" / "territoires" / sur / f"{carnet}.html").is_file()
    for carnet in manifeste["parametres"]["carnets_region"]:
        assert (SORTIE / "carnets" / f"{carnet}.ipynb").is_file()
        assert (SORTIE / "rapports" / f"{carnet}.html").is_file()


# Cases de tableaux publiés (numérateur et complément d'une part), par tableau. Les effectifs des tests, les
# réponses manquantes et les sièges sans organisation sont des marges, publiées exactement (README,
# « Confidentialité ») : ils ne sont pas des cases à protéger.
COMPTES = {
    "portrait": (["effectif"], "denominateur"),
    "portraits_territoires": (["effectif"], "denominateur"),
}


@pytest.mark.parametrize("chemin", sorted((SORTIE / "tableaux").glob("*.csv")), ids=lambda p: p.name)
def test_aucune_petite_cellule_publiee(chemin):
    tableau = pd.read_csv(chemin)
    cle = next((k for k in sorted(COMPTES, key=len, reverse=True) if chemin.stem.startswith(k)), None)
    if cle is None:
        return
    colonnes, denominateur = COMPTES[cle]
    if "indicateur" in tableau.columns:
        tableau = tableau[~tableau["indicateur"].isin(confidentialite.INDICATEURS_EXEMPTES)]
    confidentialite.verifier_aucune_petite_cellule(tableau, colonnes, seuil=SEUIL, denominateur=denominateur)
