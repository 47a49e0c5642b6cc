"""Typage des colonnes normalisées selon le dictionnaire (`dictionnaire.yml`).

Catégories du dictionnaire pour les codes, entiers nullables (`Int64`), réels
(`Float64`), booléens nullables, texte (`string`). Chaque conversion est faite
une fois par valeur distincte (rapide sur de gros fichiers).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from .. import dictionnaire
from .commun import par_valeur_distincte

def _nombre_texte(valeur: Any) -> float:
    """Un texte en nombre : chiffres ASCII seulement (« ١٢ », « ² » ou « inf » sont refusés)."""
    texte = re.sub(r"[\s\u00a0\u202f]", "", str(valeur))
    texte = re.sub(r"^([-+]?[0-9]*),([0-9]+)$", r"\1.\2", texte)
    if not re.fullmatch(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?", texte):
        return np.nan
    nombre_ = float(texte)
    return nombre_ if np.isfinite(nombre_) else np.nan


def nombre(serie: pd.Series) -> pd.Series:
    """Texte -> nombre (virgule décimale, espaces de milliers) ; invalide -> NaN.

    Calculé une fois par valeur distincte (rapide sur de gros fichiers).

    >>> nombre(pd.Series(["2,5", "1 234", "deux", None])).tolist()
    [2.5, 1234.0, nan, nan]
    """
    codes, distinctes = pd.factorize(serie.to_numpy(dtype=object), use_na_sentinel=True)
    images = np.array([_nombre_texte(v) for v in distinctes] + [np.nan], dtype=float)
    return pd.Series(images[codes], index=serie.index, dtype=float)


def typer(serie: pd.Series, variable: dictionnaire.Variable) -> pd.Series:
    """Convertit une colonne normalisée dans le type du dictionnaire ; invalide -> NA."""
    if variable.type in ("identifiant", "texte"):
        return serie.astype("string")
    if variable.type == "code":  # une valeur hors des catégories devient NA
        return pd.Categorical(serie.to_numpy(dtype=object), categories=[str(c) for c in variable.codes])
    if variable.type == "booleen":
        return par_valeur_distincte(serie, {"vrai": True, "faux": False}.get).astype("boolean")
    valeurs = nombre(serie)
    if variable.type == "reel":
        return valeurs.astype("Float64")
    entiers = valeurs.where(np.isclose(valeurs, np.round(valeurs)) & (valeurs.abs() < 2**53))
    if variable.type == "ordinal":
        entiers = entiers.where(entiers.isin([float(c) for c in variable.codes]))
    return entiers.round().astype("Int64")


def typer_table(brut: pd.DataFrame, table: str) -> pd.DataFrame:
    colonnes = {}
    for nom, var in dictionnaire.variables(table).items():
        if nom in brut.columns:
            colonnes[nom] = pd.Series(typer(brut[nom], var), index=brut.index)
    typee = pd.DataFrame(colonnes, index=brut.index)
    return typee.reset_index(drop=True)
