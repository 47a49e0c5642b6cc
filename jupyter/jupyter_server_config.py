# Configuration du serveur Jupyter lancé par `make lab`
# (jupyter lab --config=jupyter/jupyter_server_config.py $(LAB_OPTIONS)).
#
# Les modèles de `carnets/` sont versionnés SANS sorties : les sorties vivent
# dans resultats/<jeu>/carnets/, produites par le flux. Enregistrer un modèle
# depuis JupyterLab en retire donc les sorties et les compteurs d'exécution, et
# ramène ses métadonnées à celles de git (noyau python3, langage sans numéro de
# version, aucune trace d'exécution) : `git diff` ne montre que ce qui a été
# écrit. Les autres carnets (copies de travail, carnets exécutés) sont laissés
# tels quels.
#
# En root (conteneur, image de type Binder), JupyterLab refuse de démarrer sans
# --allow-root : il est permis ici d'office, et seulement en root.

import os
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
MODELES = RACINE / "carnets"

NOYAU = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
# Métadonnées de cellule que JupyterLab ajoute ou change à l'usage (horodatages, repli, défilement).
METADONNEES_VOLATILES = ("execution", "collapsed", "scrolled", "trusted")


def normaliser_modele(contenu: dict) -> None:
    """Un modèle tel que git le garde : sans sorties ni compteurs, noyau python3, `language_info` réduit à
    son nom, sans métadonnées d'exécution ni de widgets."""
    metadonnees = contenu.setdefault("metadata", {})
    langage = (metadonnees.get("language_info") or {}).get("name", "python")
    for cle in ("language_info", "kernelspec", "widgets"):
        metadonnees.pop(cle, None)
    metadonnees["kernelspec"] = dict(NOYAU)
    metadonnees["language_info"] = {"name": langage}
    for cellule in contenu.get("cells", []):
        for cle in METADONNEES_VOLATILES:
            cellule.get("metadata", {}).pop(cle, None)
        if cellule.get("cell_type") == "code":
            cellule["outputs"] = []
            cellule["execution_count"] = None


def retirer_sorties_des_modeles(model, path, contents_manager, **kwargs):
    """Crochet d'avant-enregistrement : normalise les carnets sous carnets/ (`normaliser_modele`)."""
    if model.get("type") != "notebook" or not model.get("content"):
        return
    fichier = (Path(contents_manager.root_dir) / path.strip("/")).resolve()
    if MODELES not in fichier.parents:
        return
    normaliser_modele(model["content"])


c.FileContentsManager.pre_save_hook = retirer_sorties_des_modeles  # noqa: F821 (c : objet de configuration Jupyter)
if os.geteuid() == 0:
    c.ServerApp.allow_root = True  # noqa: F821
