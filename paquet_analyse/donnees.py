"""Un jeu préparé en mémoire (`Donnees`), et ce qu'on fait quand il lui manque une variable facultative.

Couche des données : `preparation.lire` rend un `Donnees` ; les analyses,
les portraits, la protection et les carnets le reçoivent. Rien ici ne
relit les fichiers bruts ni ne redérive une variable.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from . import dictionnaire, territoires
from .chargement.jeu import LectureDescripteur
from .plan import Plan


#: Nom réservé à la ligne de tout le jeu dans les tableaux empilés par territoire (portraits, effectifs).
ENSEMBLE = "Ensemble"


@dataclass(frozen=True)
class JeuPrepare(LectureDescripteur):
    """Ce que l'analyse sait d'un jeu préparé (sans accès aux fichiers bruts)."""

    nom: str
    dossier: str                  # dossier des données brutes, relatif à la racine (affichage)
    descripteur: dict
    territoires: pd.DataFrame | None
    noms_territoires: tuple[str, ...]
    empreintes_brutes: dict = field(default_factory=dict)
    variables_absentes: tuple[str, ...] = ()  # variables facultatives que l'export ne contient pas

    def liste_territoires(self) -> list[str]:
        """Territoires présents dans les instances, triés."""
        return list(self.noms_territoires)


@dataclass(frozen=True)
class Donnees:
    """Un jeu préparé (`preparation`) : instances et participants avec leurs variables dérivées."""

    jeu: JeuPrepare
    plan: Plan
    instances: pd.DataFrame
    participants: pd.DataFrame
    territoire: str | None = None
    #: Calculs faits une fois à l'étape de préparation du flux et relus avec les tables (`preparation.lire`) :
    #: nom -> (empreinte de ce dont ils dépendent, tableau), par ex. « portraits ». Chaque module qui s'en sert
    #: ne les reprend que si l'empreinte vaut encore (une variante des données les fait recalculer).
    calculs_prepares: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def simule(self) -> bool:
        return self.jeu.simule


# --------------------------------------------------------------------------
# Variables facultatives absentes d'un jeu


class NonDisponible:
    """Ce qu'une analyse rend quand le jeu n'a pas une variable facultative dont elle a besoin.

    S'affiche comme une note française ; l'utiliser plus loin (attribut,
    appel, publication, phrases) rend la même note, sans erreur : le carnet
    va jusqu'au bout et le flux se termine avec tous les autres résultats.
    """

    def __init__(self, message: str):
        self.message = message

    def _repr_markdown_(self) -> str:
        return f"> **Non disponible** : {self.message}"

    def __repr__(self) -> str:
        return f"Non disponible : {self.message}"

    def __getattr__(self, nom: str):
        if nom.startswith("_"):
            raise AttributeError(nom)
        return self

    def __call__(self, *args, **options):
        return self

    def __iter__(self):
        return iter(())


def variables_absentes(donnees: Donnees, *variables: str) -> list[str]:
    """Variables brutes facultatives, nécessaires à `variables` (brutes ou dérivées), absentes du jeu."""
    absentes = set(donnees.jeu.variables_absentes)
    return sorted({s for v in variables for s in dictionnaire.sources_brutes(v) if s in absentes})


def non_disponible(donnees: Donnees, *variables: str) -> NonDisponible | None:
    """Une `NonDisponible` qui nomme les variables absentes, ou None si l'analyse est possible."""
    absentes = variables_absentes(donnees, *variables)
    if not absentes:
        return None
    noms = ", ".join(f"« {v} »" for v in absentes)
    pluriel = "s" if len(absentes) > 1 else ""
    return NonDisponible(f"ce jeu ne contient pas {noms} (variable{pluriel} facultative{pluriel} du livre de codes, "
                         "absente de l'export ou sans aucune valeur) ; cette analyse est sautée, les autres sont faites.")


def colonne_poids(donnees: Donnees) -> str | None:
    """« poids » si le jeu a des poids de sondage pour les participants (variable facultative), sinon None."""
    p = donnees.participants
    if "poids" in donnees.jeu.variables_absentes or "poids" not in p.columns or p["poids"].isna().all():
        return None
    return "poids"


NOTE_NON_PONDERE = ("non pondéré : les poids de sondage « poids » ne s'appliquent pas à cette analyse "
                    "(elle décrit les répondants ou le réseau tels quels)")


def restreindre(donnees: Donnees, territoire: str) -> Donnees:
    """Les mêmes données, limitées à un territoire (message clair s'il est inconnu)."""
    territoires.verifier_territoire(territoire, donnees.jeu.liste_territoires())
    inst = donnees.instances[donnees.instances["territoire"] == territoire]
    ids = set(inst["id_instance"])
    return replace(donnees, instances=inst,
                   participants=donnees.participants[donnees.participants["id_instance"].isin(ids)],
                   territoire=territoire)
