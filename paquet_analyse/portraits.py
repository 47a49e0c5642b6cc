"""Portraits des territoires (la diapositive « MRC Les Moulins » de 2010, pour chaque territoire) : le calcul.

Ce module calcule les portraits NON protégés, pour calculer, jamais pour
diffuser : la couche de publication (`diffusion.portraits`) les protège
ensemble, et tout portrait publié en est tiré. Ils sont calculés une fois,
à l'étape de préparation du flux, et repris tant que les tables et le code
n'ont pas changé (`portraits_bruts`).
"""

from __future__ import annotations

import hashlib

import pandas as pd

from . import ecriture, indicateurs, provenance
from .donnees import ENSEMBLE, Donnees, restreindre
from .erreurs import ErreurDonnees

def portrait_brut(donnees: Donnees, territoire: str | None = None) -> pd.DataFrame:
    """Le portrait d'un territoire (ou de l'ensemble) AVANT protection : pour calculer, jamais
    pour diffuser (`portrait` le protège)."""
    d = restreindre(donnees, territoire) if territoire else donnees
    noms = [territoire] if territoire else donnees.jeu.liste_territoires()
    return indicateurs.portrait(d.instances, d.participants, annee_charniere=donnees.plan.seuils["annee_charniere"],
                                population=indicateurs.population(donnees.jeu.territoires, noms))




#: Nom des portraits calculés une fois à la préparation (`donnees/portraits.parquet`, `Donnees.calculs_prepares`).
CALCUL = "portraits"


def empreinte_tables(donnees: Donnees) -> str:
    """Empreinte des tables analysées : instances et participants (toutes leurs colonnes), populations et
    liste des territoires, variables facultatives absentes, types des colonnes. Dit si un calcul fait une
    fois (portraits, synthèse) vaut encore pour elles."""
    h = hashlib.sha256("\x1f".join(donnees.jeu.liste_territoires()).encode("utf-8"))
    h.update(repr(tuple(donnees.jeu.variables_absentes)).encode("utf-8"))
    for tableau in (donnees.instances, donnees.participants, donnees.jeu.territoires):
        if tableau is not None:
            h.update("\x1f".join(f"{c}:{t}" for c, t in tableau.dtypes.items()).encode("utf-8"))
            h.update(pd.util.hash_pandas_object(tableau, index=False).to_numpy().tobytes())
    return h.hexdigest()


def empreinte_portraits(donnees: Donnees) -> str:
    """Ce dont les portraits dépendent : les tables (`empreinte_tables`) et le code du paquet."""
    return ecriture.hacher(empreinte_tables(donnees), provenance.empreinte_code())


def calculer_portraits_bruts(donnees: Donnees) -> pd.DataFrame:
    """Portraits NON protégés de chaque territoire puis de l'ensemble, empilés (colonne `territoire`
    en tête, « Ensemble » en dernier), toujours recalculés ; pour calculer, jamais pour diffuser."""
    if donnees.territoire is not None:
        raise ErreurDonnees(
            f"Portraits demandés sur des données restreintes au territoire « {donnees.territoire} » : les parts "
            "de tous les territoires sont protégées ensemble (une part supprimée ne doit pas se recalculer par "
            "différence avec l'ensemble). Passer le jeu entier, preparation.lire(jeu), et le nom du territoire.")
    morceaux = [portrait_brut(donnees, t).assign(territoire=t) for t in donnees.jeu.liste_territoires()]
    morceaux.append(portrait_brut(donnees, None).assign(territoire=ENSEMBLE))
    return pd.concat(morceaux, ignore_index=True)[["territoire", *indicateurs.COLONNES_PORTRAIT]]


def portraits_bruts(donnees: Donnees) -> pd.DataFrame:
    """`calculer_portraits_bruts`, repris de la préparation quand les tables n'ont pas changé depuis.

    Le flux calcule les portraits une seule fois (`preparation`) ; chaque carnet
    les relit au lieu de refaire territoires + 1 calculs (intervalles de plan
    de sondage, liens du réseau). Une variante des données (tables remplacées
    ou modifiées en place) ou un code modifié depuis la préparation donnent une
    autre empreinte (`empreinte_portraits`) : les portraits sont recalculés.
    """
    if CALCUL in donnees.calculs_prepares and donnees.territoire is None:
        empreinte, tableau = donnees.calculs_prepares[CALCUL]
        if empreinte == empreinte_portraits(donnees):
            return tableau.copy()
    return calculer_portraits_bruts(donnees)
