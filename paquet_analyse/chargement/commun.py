"""Briques communes de la lecture : texte des cellules, noms normalisés, erreurs fatales.

Une cellule lue (nombre, date, texte d'un tableur ou d'un CSV) est rendue en
texte par `en_texte` ; les noms de colonnes et les étiquettes se comparent
après `normaliser_nom` (minuscules, sans accents). Un fichier illisible lève
`ErreurLecture` (`erreur_fatale`), dont le texte est `message_lecture`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

from ..erreurs import ErreurLecture, Probleme


# Lettres et signes typographiques qui n'ont pas de décomposition ASCII : sans ce
# pliage, « l’Outaouais » (apostrophe courbe) deviendrait « loutaouais » et ne
# rejoindrait plus « l'Outaouais ».
PLIAGE_TYPOGRAPHIQUE = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "´": "'", "`": "'", "′": "'",
                                      "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-",
                                      "œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def plier_ascii(texte: Any) -> str:
    """Texte en ASCII : accents retirés, apostrophes et tirets typographiques pliés.

    >>> plier_ascii("MRC des Collines-de-l’Outaouais — cœur")
    "MRC des Collines-de-l'Outaouais - coeur"
    """
    plie = unicodedata.normalize("NFKD", str(texte).translate(PLIAGE_TYPOGRAPHIQUE))
    return plie.encode("ascii", "ignore").decode()


def normaliser_nom(texte: Any) -> str:
    """Minuscules, sans accents, ponctuation (apostrophes courbes comprises) remplacée par `_`.

    >>> normaliser_nom("Collines-de-l’Outaouais") == normaliser_nom("Collines-de-l'Outaouais")
    True
    """
    return re.sub(r"[^a-z0-9]+", "_", plier_ascii(texte).lower()).strip("_")


def en_texte(valeur: Any) -> Any:
    """Une cellule lue (nombre, date, texte) rendue en texte ; NA reste NA."""
    if type(valeur) is str:  # cas de loin le plus fréquent
        return valeur.replace("\u00a0", " ").strip()
    if valeur is None or valeur is pd.NA or valeur is pd.NaT:
        return pd.NA
    if isinstance(valeur, float):
        if np.isnan(valeur):
            return pd.NA
        return str(int(valeur)) if valeur.is_integer() else repr(valeur)
    if isinstance(valeur, (bool, np.bool_)):
        return "vrai" if valeur else "faux"
    if isinstance(valeur, (int, np.integer)):
        return str(int(valeur))
    if isinstance(valeur, np.floating):
        return en_texte(float(valeur))
    if isinstance(valeur, pd.Timestamp) or hasattr(valeur, "isoformat"):
        return valeur.isoformat()[:10] if hasattr(valeur, "hour") else valeur.isoformat()
    return str(valeur).replace("\u00a0", " ").strip()


def par_valeur_distincte(serie: pd.Series, fonction) -> pd.Series:
    """Applique `fonction` une fois par valeur distincte (gros fichiers : peu de
    valeurs distinctes par colonne). Réservé au texte : `factorize` confondrait
    1, 1.0 et True venus d'un tableur."""
    codes, distinctes = pd.factorize(serie.to_numpy(dtype=object), use_na_sentinel=True)
    images = np.array([fonction(v) for v in distinctes] + [pd.NA], dtype=object)
    return pd.Series(images[codes], index=serie.index, dtype=object)


def colonne_en_texte(serie: pd.Series, *, tout_texte: bool) -> pd.Series:
    if tout_texte:
        return par_valeur_distincte(serie, en_texte)
    return serie.astype(object).map(en_texte)


def erreur_fatale(fichier: str, regle: str, message: str, correction: str, *, ligne=None, colonne=None,
           valeur=None) -> ErreurLecture:
    probleme = Probleme(fichier, ligne, colonne, valeur, regle, message, correction)
    return ErreurLecture(probleme.en_texte(), [probleme])


def message_lecture(problemes: list[Probleme]) -> str:
    """Texte français d'une `ErreurLecture` : une puce par problème."""
    return ("Fichier(s) illisible(s), à corriger avant toute validation :\n"
            + "\n".join(f"  - {p.en_texte()}" for p in problemes))
