"""Chemins standard du projet : aucun autre module ne construit de chemin.

La racine est le dossier qui contient à la fois `pyproject.toml` et
`paquet_analyse/`. La variable d'environnement `PAQUET_ANALYSE_RACINE` permet de
la fixer (utile pour les tests qui travaillent dans une copie).
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import cache
from pathlib import Path

PAQUET = Path(__file__).resolve().parent
DICTIONNAIRE = PAQUET / "dictionnaire.yml"


def racine() -> Path:
    """Racine du projet (dossier contenant `pyproject.toml` et `paquet_analyse/`).

    `PAQUET_ANALYSE_RACINE` est relue à chaque appel : une racine imposée après un premier appel (un test
    qui travaille dans une copie) n'écrit jamais dans le projet. Seule la recherche depuis le dossier
    courant est gardée en cache.
    """
    imposee = os.environ.get("PAQUET_ANALYSE_RACINE")
    if imposee:
        return Path(imposee).resolve()
    return _racine_trouvee()


def vider_cache_racine() -> None:
    """Oublie la racine trouvée (un noyau fourché la recalcule depuis son dossier)."""
    _racine_trouvee.cache_clear()


@cache
def _racine_trouvee() -> Path:
    for dossier in (Path.cwd(), *Path.cwd().parents, PAQUET.parent):
        if (dossier / "pyproject.toml").is_file() and (dossier / "paquet_analyse").is_dir():
            return dossier
    return PAQUET.parent


def donnees_brutes() -> Path:
    return racine() / "donnees_brutes"


def resultats() -> Path:
    return racine() / "resultats"


def carnets() -> Path:
    return racine() / "carnets"


def plan_analyse() -> Path:
    return carnets() / "plan_analyse.yml"


def jeu_defaut() -> Path:
    """Jeu de données par défaut (simulé) : Lanaudière."""
    return donnees_brutes() / "lanaudiere"


def dossier_resultats(nom_jeu: str) -> Path:
    return resultats() / nom_jeu


def dossier_resume_region(nom_jeu: str) -> Path:
    """Résumé publiable des résultats d'une région (paquet de données ouvert) : `resultats/<jeu>/resume_region/`."""
    return dossier_resultats(nom_jeu) / "resume_region"


def dossier_comparaisons() -> Path:
    """Comparaisons entre régions (`comparer-regions`) : `resultats/comparaisons/`."""
    return resultats() / "comparaisons"


def dossier_comparaison(nom: str) -> Path:
    """Une comparaison entre régions : `resultats/comparaisons/<nom>/`."""
    return dossier_comparaisons() / nom


def dossier_questionnaires(nom_jeu: str | None = None) -> Path:
    """Questionnaires générés (`questionnaire`) : resultats/questionnaires/, ou un sous-dossier par jeu."""
    base = resultats() / "questionnaires"
    return base / nom_jeu if nom_jeu else base


def dossier_jeu(jeu: str | Path) -> Path:
    """Dossier des données brutes d'un jeu : chemin absolu, chemin relatif à la
    racine du projet, ou simple nom de jeu (cherché sous `donnees_brutes/`).

    Seul endroit où le chemin d'un jeu est résolu.
    """
    chemin = Path(jeu)
    if chemin.is_absolute():
        return chemin
    if len(chemin.parts) == 1 and not (racine() / chemin).is_dir():
        return donnees_brutes() / chemin
    return racine() / chemin


def jeu_affiche(dossier: Path) -> str:
    """Comment un jeu est nommé dans les sorties : chemin relatif à la racine, ou, pour un jeu
    rangé hors du projet, son nom suivi de « (hors du projet) » (jamais de chemin absolu)."""
    try:
        return Path(dossier).resolve().relative_to(racine()).as_posix()
    except ValueError:
        return f"{Path(dossier).name} (hors du projet)"


def dossier_prepare(nom_jeu: str) -> Path:
    """Données préparées d'un jeu : `resultats/<jeu>/donnees/`."""
    return dossier_resultats(nom_jeu) / "donnees"


def dossier_calculs(nom_jeu: str) -> Path:
    """Calculs faits une fois par le flux pour plusieurs carnets : `resultats/<jeu>/calculs/`."""
    return dossier_resultats(nom_jeu) / "calculs"


def nom_sur(texte: str) -> str:
    """Nom de dossier sûr : sans accents, apostrophes ni espaces.

    Les apostrophes et tirets typographiques séparent les mots comme leurs
    équivalents droits, et œ, æ, ß sont écrits en toutes lettres.

    >>> nom_sur("L'Assomption")
    'l_assomption'
    >>> nom_sur("D'Autray")
    'd_autray'
    >>> nom_sur("MRC des Collines-de-l’Outaouais")
    'mrc_des_collines_de_l_outaouais'
    >>> nom_sur("Cœur-du-Québec")
    'coeur_du_quebec'
    """
    pliage = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})
    decompose = unicodedata.normalize("NFKD", str(texte).translate(pliage))
    sans_accents = "".join(c for c in decompose if not unicodedata.combining(c))
    # « replace » : un signe sans équivalent ASCII (’, –, «…) devient « ? », donc un séparateur
    ascii_ = sans_accents.encode("ascii", "replace").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_.lower()).strip("_") or "sans_nom"


def relatif(chemin: Path | str) -> str:
    """Chemin affiché relativement à la racine (jamais de chemin absolu en sortie)."""
    donne = Path(chemin)
    try:
        return donne.resolve().relative_to(racine()).as_posix()
    except ValueError:
        return donne.as_posix()
