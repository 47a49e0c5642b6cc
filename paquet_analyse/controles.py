"""Contrôles communs des entrées des fonctions statistiques : colonnes présentes, lignes incomplètes.

Couche des statistiques, au plus bas : `associations`, `modeles`, `fiabilite`
et `reseau` s'en servent, avec les mêmes messages français.
"""

from __future__ import annotations

import warnings

import pandas as pd

from .erreurs import AvertissementDonnees, ErreurDonnees

MAX_LISTES = 20


def lister(valeurs) -> str:
    """Liste lisible (et tronquée) de valeurs, pour les messages d'erreur."""
    valeurs = [str(v) for v in valeurs]
    texte = ", ".join(valeurs[:MAX_LISTES])
    if len(valeurs) > MAX_LISTES:
        texte += f", … ({len(valeurs)} au total)"
    return texte


def verifier_colonnes(donnees, colonnes):
    """Vérifie que ``donnees`` est un DataFrame contenant ``colonnes``."""
    if not isinstance(donnees, pd.DataFrame):
        raise ErreurDonnees(
            "Les données doivent être un pandas.DataFrame "
            f"(reçu : {type(donnees).__name__})."
        )
    absentes = [c for c in colonnes if c not in donnees.columns]
    if absentes:
        disponibles = ", ".join(map(str, donnees.columns))
        raise ErreurDonnees(
            f"Colonne(s) absente(s) des données : {', '.join(map(str, absentes))}. "
            f"Colonnes disponibles : {disponibles}."
        )
    if len(set(colonnes)) != len(colonnes):
        raise ErreurDonnees(
            f"La même colonne est donnée deux fois ({', '.join(colonnes)}) : "
            "choisissez deux variables différentes."
        )


def retirer_manquants(donnees, colonnes):
    """Écarte les lignes incomplètes ; renvoie (données complètes, nb écartées).

    Les lignes écartées sont signalées par un :class:`AvertissementDonnees`
    qui donne le nombre de manquants par colonne.
    """
    manque = donnees[list(colonnes)].isna()
    masque = manque.any(axis=1)
    nb = int(masque.sum())
    if nb:
        detail = ", ".join(
            f"« {c} » : {int(manque[c].sum())}" for c in colonnes if manque[c].any()
        )
        warnings.warn(
            AvertissementDonnees(
                f"{nb} ligne(s) sur {len(donnees)} écartée(s) pour valeur manquante "
                f"({detail}) ; l'effectif analysé est {len(donnees) - nb}."
            ),
            stacklevel=3,
        )
    return donnees.loc[~masque], nb


def verifier_dataframe(table, nom_table: str) -> None:
    """Lève ``ErreurDonnees`` si ``table`` n'est pas un ``pandas.DataFrame``."""
    if not isinstance(table, pd.DataFrame):
        raise ErreurDonnees(
            f"La table « {nom_table} » doit être un pandas.DataFrame "
            f"(reçu : {type(table).__name__}). Passez la table chargée, par "
            f"exemple jeu.{nom_table}."
        )


def verifier_table(table, colonnes, nom_table: str) -> None:
    """Lève ``ErreurDonnees`` en nommant chaque colonne absente de ``table``."""
    verifier_dataframe(table, nom_table)
    absentes = [c for c in colonnes if c not in table.columns]
    if absentes:
        raise ErreurDonnees(
            f"La table « {nom_table} » n'a pas la ou les colonnes requises : "
            f"{lister(absentes)}. Ajoutez-les ou corrigez la correspondance "
            "des colonnes dans jeu.yml."
        )
