# Configuration du serveur Jupyter lancé par `make lab`
# (jupyter lab --config=jupyter/jupyter_server_config.py).
#
# Les modèles de `carnets/` sont versionnés SANS sorties : les sorties vivent
# dans resultats/<jeu>/carnets/, produites par le flux. Enregistrer un modèle
# depuis JupyterLab en retire donc les sorties et les compteurs d'exécution ;
# les autres carnets (copies de travail, carnets exécutés) sont laissés tels quels.

from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
MODELES = RACINE / "carnets"


def retirer_sorties_des_modeles(model, path, contents_manager, **kwargs):
    """Crochet d'avant-enregistrement : vide sorties et compteurs des carnets sous carnets/."""
    if model.get("type") != "notebook" or not model.get("content"):
        return
    fichier = (Path(contents_manager.root_dir) / path.strip("/")).resolve()
    if MODELES not in fichier.parents:
        return
    for cellule in model["content"].get("cells", []):
        if cellule.get("cell_type") == "code":
            cellule["outputs"] = []
            cellule["execution_count"] = None


c.FileContentsManager.pre_save_hook = retirer_sorties_des_modeles  # noqa: F821 (c : objet de configuration Jupyter)
