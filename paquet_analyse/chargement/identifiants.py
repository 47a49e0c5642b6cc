"""Identifiants saisis à la main : « bsl-003 » ou « BSL - 153 » pour « BSL-003 », « BSL-153 ».

Un identifiant d'instance cité par un participant et absent du fichier des
instances est ramené au code connu qui ne s'en distingue que par la casse,
les espaces (autour des tirets, en double, aux bouts) ou un tiret
typographique, **seulement s'il n'y en a qu'un** ; chaque ligne ainsi lue est
un avertissement du rapport. Deux codes connus qui ne se distinguent que de
cette façon ne sont jamais fusionnés : un avertissement le dit, et une
référence qui pourrait désigner l'un ou l'autre reste inconnue (erreur
`instance_inconnue` de la validation, qui nomme les deux).

Exemple
-------
>>> cle_identifiant(" bsl - 153 ") == cle_identifiant("BSL-153")
True
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

import pandas as pd

from ..erreurs import Probleme
from .commun import PLIAGE_TYPOGRAPHIQUE, par_valeur_distincte


def cle_identifiant(valeur) -> str:
    """Forme de comparaison d'un identifiant : sans casse, espaces réduits, aucun autour des tirets."""
    texte = str(valeur).translate(PLIAGE_TYPOGRAPHIQUE).strip()
    texte = re.sub(r"\s*-\s*", "-", texte)
    return re.sub(r"\s+", " ", texte).casefold()


def par_cle(codes: Iterable) -> dict[str, list[str]]:
    """Clé de comparaison -> codes connus qui la partagent (dans l'ordre de première apparition)."""
    groupes: dict[str, list[str]] = defaultdict(list)
    for code in dict.fromkeys(str(c) for c in codes if pd.notna(c)):
        groupes[cle_identifiant(code)].append(code)
    return dict(groupes)


def codes_voisins(codes: pd.Series, *, fichier: str, colonne: str) -> list[Probleme]:
    """Avertissement : deux codes distincts d'un même fichier qui ne diffèrent que par la casse ou les espaces."""
    problemes = []
    for groupe in par_cle(codes.dropna()).values():
        if len(groupe) > 1:
            lignes = [int(codes.index[(codes == g).to_numpy()][0]) for g in groupe]
            problemes.append(Probleme(
                fichier, lignes[1], colonne, " | ".join(groupe), "identifiants_voisins",
                f"codes qui ne diffèrent que par la casse ou les espaces ({', '.join(f'« {g} »' for g in groupe)}) : "
                "ils restent distincts (jamais fusionnés), et une référence écrite autrement n'est rapprochée "
                "d'aucun des deux.",
                "Vérifier qu'il s'agit bien de deux instances ; sinon corriger le code dans l'outil de collecte "
                "et exporter de nouveau, ou écarter la ligne en trop (exclusions.lignes de jeu.yml).",
                gravite="avertissement"))
    return problemes


def normaliser_references(references: pd.Series, codes: Iterable, *, fichier: str, colonne: str,
                          fichier_codes: str) -> tuple[pd.Series, list[Probleme]]:
    """Références (par ex. `id_instance` des participants) ramenées aux codes connus quand une seule
    correspondance existe ; renvoie (références, un avertissement par ligne ramenée)."""
    connus = par_cle(codes)
    exacts = {c for groupe in connus.values() for c in groupe}

    def image(valeur):
        if valeur in exacts:
            return valeur
        candidats = connus.get(cle_identifiant(valeur), [])
        return candidats[0] if len(candidats) == 1 else valeur

    ramenees = par_valeur_distincte(references, image)
    changees = references.notna() & (ramenees != references).fillna(False).astype(bool)
    problemes = [Probleme(
        fichier, int(ligne), colonne, str(references.at[ligne]), "identifiant_normalise",
        f"« {references.at[ligne]} » lu comme « {ramenees.at[ligne]} », seul code de {fichier_codes} qui n'en "
        "diffère que par la casse ou les espaces autour des tirets.",
        "Rien à faire si c'est juste (le fichier brut n'est pas modifié) ; sinon corriger la saisie dans l'outil "
        "de collecte et exporter de nouveau.", gravite="avertissement")
        for ligne in references.index[changees.to_numpy()]]
    return ramenees, problemes


def candidats(valeur, codes: Iterable) -> list[str]:
    """Les codes connus qui ne diffèrent de `valeur` que par la casse ou les espaces."""
    return par_cle(codes).get(cle_identifiant(valeur), [])
