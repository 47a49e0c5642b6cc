"""Les identifiants directs n'entrent pas dans le pipeline : colonnes et valeurs refusées dès la lecture.

Les colonnes dont le nom évoque un identifiant direct (nom, courriel,
téléphone, adresse…) sont refusées au chargement ; les valeurs qui
ressemblent à un courriel ou à un numéro de téléphone sont refusées par la
validation, même dans une colonne permise (`id_organisation`…).

Colonnes de texte libre : le chargement écarte (et signale) toute colonne
absente du dictionnaire ; il n'existe pas de mécanisme pour *déclarer* une
variable de texte libre, donc aucun texte libre n'entre dans les analyses.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .chargement import est_identifiant_direct


def colonnes_identifiantes(colonnes) -> list[str]:
    """Colonnes dont le nom évoque un identifiant direct (nom, courriel, téléphone, adresse…).

    >>> colonnes_identifiantes(["id_repondant", "Courriel", "Nom", "secteur", "Téléphone (cell.)"])
    ['Courriel', 'Nom', 'Téléphone (cell.)']
    """
    return [c for c in colonnes if est_identifiant_direct(str(c))]


MOTIF_COURRIEL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
# Numéro nord-américain *mis en forme* (séparateurs ou parenthèses) : une suite de chiffres nue
# est trop ambiguë (les identifiants de répondants SurveyMonkey ont 11 chiffres).
MOTIF_TELEPHONE = re.compile(r"(?<![\d-])(?:\+?1[\s.-])?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\d-])")


def _nature_identifiante(valeur) -> str | None:
    if not isinstance(valeur, str):
        return None
    if MOTIF_COURRIEL.search(valeur):
        return "courriel"
    if MOTIF_TELEPHONE.search(valeur):
        return "telephone"
    return None


def valeurs_identifiantes(serie: pd.Series) -> pd.Series:
    """Pour chaque valeur : « courriel », « telephone » ou None (calculé par valeur distincte).

    >>> valeurs_identifiantes(pd.Series(["ORG-12", "a.b@exemple.ca", "(450) 555-1234", None,
    ...                                  "11456789012"])).tolist()
    [None, 'courriel', 'telephone', None, None]
    """
    codes, distinctes = pd.factorize(serie.to_numpy(dtype=object), use_na_sentinel=True)
    natures = np.array([_nature_identifiante(v) for v in distinctes] + [None], dtype=object)
    return pd.Series(natures[codes], index=serie.index, dtype=object)
