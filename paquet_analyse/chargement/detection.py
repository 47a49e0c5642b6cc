"""Détection de la forme d'un tableau : séparateur, ligne d'en-tête, lignes à écarter.

- séparateur : déclaré (`separateur`) et vérifié (un séparateur déclaré absent
  des lignes alors qu'un autre y est est une erreur de lecture), sinon celui
  qui découpe les premières lignes de la façon la plus régulière ;
- ligne d'en-tête : déclarée (`ligne_entete`, numéro de ligne du fichier),
  sinon la ligne, parmi les dix premières non vides, qui contient le plus de
  noms reconnus : noms du dictionnaire ou de la correspondance, y compris
  préfixés par un groupe (`questions/forme`, Kobo/ODK) ou en sous-question
  (`accord[c1_compromis]`, LimeSurvey), et colonnes de métadonnées des outils
  (`_uuid`, `submitdate`…, `entetes`). Une ligne de données dont une réponse
  vaut un nom de variable (`forme` = « thematique ») ne l'emporte donc pas
  sur l'en-tête ; une ligne de titre au-dessus de l'en-tête est écartée, et
  signalée en information ;
- lignes plus longues que l'en-tête (séparateur dans une valeur sans
  guillemets) : écartées, chacune signalée en erreur ; lignes plus courtes :
  champs manquants lus comme vides (Excel omet parfois les séparateurs de fin) ;
- colonnes remplies mais sans nom : écartées (information).
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..erreurs import Probleme
from .commun import en_texte, erreur_fatale
from .entetes import reconnu

SEPARATEURS = (",", ";", "\t", "|")
NOMS_SEPARATEURS = {",": "virgule", ";": "point-virgule", "\t": "tabulation", "|": "barre verticale"}
LIGNES_EXAMINEES_ENTETE = 10


def _comptes_champs(texte: str, sep: str) -> list[int]:
    """Nombre de champs des premiers enregistrements non vides, pour un séparateur."""
    lignes = texte[:65536].split("\n")
    if len(texte) > 65536:
        lignes = lignes[:-1]  # ligne coupée par l'échantillon
    comptes = []
    try:
        for champs in csv.reader(lignes[:60], delimiter=sep):
            if any(c.strip() for c in champs):
                comptes.append(len(champs))
    except csv.Error:
        pass
    return comptes[:40]


def _regularite(comptes: list[int]) -> tuple[float, int]:
    """(part des lignes au nombre de champs le plus fréquent, ce nombre) ; (0, 0) si < 2 champs."""
    if not comptes:
        return (0.0, 0)
    mode, effectif = max(Counter(comptes).items(), key=lambda ce: (ce[1], ce[0]))
    return (effectif / len(comptes), mode) if mode >= 2 else (0.0, 0)


def choisir_separateur(texte: str, declare: str | None, defaut: str | None, fichier: str) -> str:
    qualites = {s: _regularite(_comptes_champs(texte, s)) for s in SEPARATEURS}
    meilleur = max(SEPARATEURS, key=lambda s: qualites[s])
    if declare:
        if _regularite(_comptes_champs(texte, declare))[1] >= 2 or qualites[meilleur][1] < 2:
            return declare
        raise erreur_fatale(
            fichier, "separateur_incorrect",
            f"jeu.yml déclare le séparateur « {declare} » ({NOMS_SEPARATEURS.get(declare, 'caractère')}), "
            f"mais les lignes n'en contiennent pas ; elles sont découpées en {qualites[meilleur][1]} "
            f"colonnes par « {meilleur} » ({NOMS_SEPARATEURS[meilleur]}).",
            f"Corriger l'option separateur de ce fichier dans jeu.yml (« {meilleur} »), ou la retirer "
            "pour laisser la détection automatique.", ligne=1, valeur=texte.split("\n", 1)[0][:80])
    if defaut and qualites[defaut][1] >= 2:
        return defaut
    return meilleur if qualites[meilleur][1] >= 2 else ","


def _vide(grille: pd.DataFrame) -> pd.DataFrame:
    """Cellules vides d'une grille déjà rendue en texte (NA ou texte vide)."""
    return grille.isna() | grille.eq("")


def _choisir_entete(grille: pd.DataFrame, lignes_non_vides: pd.Index, *, ligne_entete, attendues,
                    fichier: str) -> tuple[int, list[Probleme]]:
    if ligne_entete is not None:
        if ligne_entete not in lignes_non_vides:
            raise erreur_fatale(fichier, "ligne_entete_vide",
                         f"la ligne d'en-tête déclarée ({ligne_entete}) est vide ou au-delà de la fin du fichier.",
                         "Corriger l'option ligne_entete de ce fichier dans jeu.yml, ou la retirer pour laisser "
                         "la détection automatique.", ligne=ligne_entete)
        return int(ligne_entete), []
    candidates = list(lignes_non_vides[:LIGNES_EXAMINEES_ENTETE])
    if not attendues:
        return int(candidates[0]), []
    scores = {ligne: sum(reconnu(en_texte(v), attendues) for v in grille.loc[ligne] if pd.notna(v) and v != "")
              for ligne in candidates}
    choisie = max(candidates, key=lambda ligne: (scores[ligne], -ligne))
    if scores[choisie] <= scores[candidates[0]]:
        return int(candidates[0]), []
    ecartees = [str(int(ligne)) for ligne in candidates if ligne < choisie]
    return int(choisie), [Probleme(
        fichier, int(choisie), None, None, "entete_detectee",
        f"la ligne d'en-tête est la ligne {choisie} ({scores[choisie]} noms de colonnes reconnus) ; "
        f"ligne(s) {', '.join(ecartees)} au-dessus (titre, en-tête fusionné…) écartée(s).",
        f"Rien à faire si c'est juste ; pour le rendre explicite, déclarer ligne_entete: {choisie} pour ce "
        "fichier dans jeu.yml.", gravite="information")]


def _etiquettes(valeurs) -> list[str]:
    return [("" if pd.isna(v) else str(en_texte(v))) for v in valeurs]


def _lignes_trop_longues(donnees: pd.DataFrame, vides: pd.DataFrame, largeur: int,
                         fichier: str) -> tuple[pd.Index, list[Probleme]]:
    """Enregistrements CSV qui ont des valeurs au-delà de la dernière colonne de l'en-tête."""
    if donnees.shape[1] <= largeur:
        return pd.Index([]), []
    debordent = ~vides.iloc[:, largeur:].all(axis=1)
    problemes = []
    for ligne in donnees.index[debordent]:
        rempli = ~vides.loc[ligne]
        nb = int(np.flatnonzero(rempli.to_numpy())[-1]) + 1
        extrait = "|".join(str(v) for v in donnees.loc[ligne].iloc[:nb] if pd.notna(v))[:80]
        problemes.append(Probleme(
            fichier, int(ligne), None, extrait, "ligne_trop_longue",
            f"la ligne a {nb} champs alors que l'en-tête en a {largeur} : une valeur contient sans doute "
            "le séparateur (virgule décimale dans un fichier séparé par des virgules ?). Ligne écartée.",
            "Entourer de guillemets les valeurs qui contiennent le séparateur, ou exporter de nouveau avec "
            "le point-virgule comme séparateur."))
    return donnees.index[debordent], problemes


@dataclass
class _MiseEnForme:
    tableau: pd.DataFrame
    entete: int  # ligne de l'en-tête
    premiere: int  # 1re ligne de données
    etiquettes: dict[int, str]  # position de colonne -> étiquette, colonnes gardées
    problemes: list[Probleme]


def mettre_en_forme(grille: pd.DataFrame, fichier: str, *, lignes_a_sauter: int, ligne_entete,
                     attendues: set[str], texte: bool) -> _MiseEnForme:
    """Choisit l'en-tête ; écarte lignes vides, lignes sautées, lignes trop longues et colonnes sans nom."""
    vides = _vide(grille)
    non_vides = grille.index[~vides.all(axis=1)]
    if not len(non_vides):
        raise erreur_fatale(fichier, "fichier_vide", "le fichier ne contient aucune ligne remplie.",
                     "Exporter de nouveau le tableau avec sa ligne d'en-tête.")
    entete, problemes = _choisir_entete(grille, non_vides, ligne_entete=ligne_entete, attendues=attendues,
                                        fichier=fichier)
    etiquettes = _etiquettes(grille.loc[entete])
    largeur = max((i + 1 for i, e in enumerate(etiquettes) if e), default=0)
    apres = grille.index[grille.index > entete]
    sautees, gardees = apres[:lignes_a_sauter], apres[lignes_a_sauter:]
    gardees = gardees[~vides.loc[gardees].all(axis=1).to_numpy()]
    if texte:
        ecartees, probs = _lignes_trop_longues(grille.loc[gardees], vides.loc[gardees], largeur, fichier)
        gardees, problemes = gardees.difference(ecartees, sort=False), problemes + probs
    positions = {}
    for position, etiquette in enumerate(etiquettes):
        if etiquette:
            positions[position] = etiquette
        elif not vides.loc[gardees].iloc[:, position].all():
            problemes.append(Probleme(fichier, entete, f"(sans nom, colonne n° {position + 1})", None,
                                      "colonne_sans_nom", "colonne remplie mais sans nom dans l'en-tête : écartée.",
                                      "Si elle correspond à une variable, lui donner un nom dans l'en-tête.",
                                      gravite="information"))
    tableau = grille.loc[gardees].iloc[:, list(positions)]
    tableau.columns = list(positions.values())
    tableau.index = pd.Index(np.asarray(gardees, dtype=np.int64), name="ligne")
    premiere = int(sautees[-1]) + 1 if len(sautees) else entete + 1
    return _MiseEnForme(tableau, entete, premiere, positions, problemes)
