"""Noms de territoires : comparaison prudente d'un libellé brut aux noms officiels.

Une suggestion de territoire ne doit jamais proposer un AUTRE territoire que
celui que le libellé nomme : « Ville de Gatineau » ne doit pas devenir
« La Vallée-de-la-Gatineau » (ce serait fondre une ville dans une autre MRC).
Un nom n'est donc proposé que si le libellé plié (accents, casse,
apostrophes, préfixes « Ville de », « MRC de/des/du/d' » et article initial
retirés) :

1. est égal au nom officiel plié d'un seul territoire ;
2. ou contient, en mots entiers, un seul nom officiel (une occurrence
   incluse dans une occurrence plus longue ne compte pas : « Vallée de la
   Gatineau, secteur nord » nomme La Vallée-de-la-Gatineau, pas Gatineau) ;
3. ou n'en diffère que par une faute de frappe : au plus deux modifications
   et un ratio de ressemblance d'au moins 0,9, pour un seul nom.

Sinon, aucune suggestion : le message liste les territoires connus.

Exemples
--------
>>> noms = ["Gatineau", "La Vallée-de-la-Gatineau", "Les Collines-de-l'Outaouais", "Pontiac", "Papineau"]
>>> territoire_propose("Ville de Gatineau", noms)
'Gatineau'
>>> territoire_propose("MRC des Collines-de-l’Outaouais", noms)
"Les Collines-de-l'Outaouais"
>>> territoire_propose("Ville de Gatineau", ["La Vallée-de-la-Gatineau", "Pontiac"]) is None
True
>>> territoire_propose("Joliete", ["Joliette", "Montcalm"])
'Joliette'
"""

from __future__ import annotations

import difflib
import re

from .chargement.commun import plier_ascii
from .erreurs import ErreurDonnees

PREFIXES = {"ville", "municipalite", "mrc", "agglomeration", "territoire"}
LIAISONS = {"de", "des", "du", "d"}
ARTICLES = {"le", "la", "les", "l"}
DISTANCE_MAX = 2
RATIO_MIN = 0.9


def plier_territoire(nom: str) -> tuple[str, ...]:
    """Mots du nom plié : sans accents ni casse, sans préfixe administratif ni article initial.

    >>> plier_territoire("MRC de La Vallée-de-la-Gatineau")
    ('vallee', 'de', 'la', 'gatineau')
    >>> plier_territoire("Ville de Gatineau")
    ('gatineau',)
    """
    mots = re.sub(r"[^a-z0-9]+", " ", plier_ascii(nom).lower()).split()
    if len(mots) > 1 and mots[0] in PREFIXES:
        mots = mots[1:]
        if len(mots) > 1 and mots[0] in LIAISONS:
            mots = mots[1:]
    if len(mots) > 1 and mots[0] in ARTICLES:
        mots = mots[1:]
    return tuple(mots)


def distance_edition(a: str, b: str) -> int:
    """Distance de Levenshtein (insertions, suppressions, substitutions).

    >>> distance_edition("joliete", "joliette")
    1
    """
    precedente = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        courante = [i]
        for j, cb in enumerate(b, start=1):
            courante.append(min(precedente[j] + 1, courante[j - 1] + 1, precedente[j - 1] + (ca != cb)))
        precedente = courante
    return precedente[-1]


def _contenus(forme: tuple[str, ...], formes: dict[str, tuple[str, ...]]) -> set[str]:
    """Noms dont la forme pliée figure en mots entiers dans `forme`, sauf ceux inclus dans une plus longue."""
    occurrences = [(i, i + len(f), nom) for nom, f in formes.items() if f
                   for i in range(len(forme) - len(f) + 1) if forme[i:i + len(f)] == f]
    return {nom for debut, fin, nom in occurrences
            if not any(d <= debut and fin <= f and (d, f) != (debut, fin) for d, f, _ in occurrences)}


def territoire_propose(valeur: str, connus) -> str | None:
    """Le seul territoire connu que `valeur` nomme sans ambiguïté, sinon None."""
    forme = plier_territoire(valeur)
    formes = {str(nom): plier_territoire(str(nom)) for nom in connus}
    if not forme:
        return None
    for trouves in ([n for n, f in formes.items() if f == forme], sorted(_contenus(forme, formes))):
        if trouves:
            return trouves[0] if len(trouves) == 1 else None
    texte = " ".join(forme)
    proches = [n for n, f in formes.items()
               if distance_edition(texte, " ".join(f)) <= DISTANCE_MAX
               and difflib.SequenceMatcher(None, texte, " ".join(f)).ratio() >= RATIO_MIN]
    return proches[0] if len(proches) == 1 else None


def liste_connus(connus, *, maximum: int = 30) -> str:
    """Les territoires connus, triés, en une phrase (tronquée au-delà de `maximum`)."""
    noms = sorted(str(n) for n in connus)
    texte = ", ".join(f"« {n} »" for n in noms[:maximum])
    return texte + (f" et {len(noms) - maximum} autre(s)" if len(noms) > maximum else "")


def verifier_territoire(territoire: str, connus: list[str]) -> None:
    """Message clair (avec une suggestion proche) si `territoire` n'est pas dans `connus`."""
    if territoire not in connus:
        proche = territoire_propose(territoire, connus)  # jamais un autre territoire que celui nommé
        conseil = f" Vouliez-vous dire « {proche} » ?" if proche else ""
        raise ErreurDonnees(f"Territoire inconnu : « {territoire} ».{conseil} "
                            f"Territoires du jeu : {', '.join(connus)}.")
