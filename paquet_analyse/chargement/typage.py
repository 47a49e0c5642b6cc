"""Typage des colonnes normalisées selon le dictionnaire, et ses problèmes, en un seul passage.

Catégories du dictionnaire pour les codes, entiers nullables (`Int64`), réels
(`Float64`), booléens nullables, texte (`string`). Chaque conversion est faite
une fois par valeur distincte (rapide sur de gros fichiers).

Une valeur non manquante qui ne se type pas (code inconnu, texte là où un
nombre est attendu, nombre non entier, réponse oui/non illisible, ordinal hors
de ses codes) devient NA dans le tableau typé ET produit un `Probleme` qui
nomme le fichier, la ligne, la colonne et la valeur brute, avec sa correction :
aucune valeur ne disparaît en silence. Règles : `code_inconnu`,
`booleen_invalide`, `type_entier`, `type_reel`, et des messages dédiés aux
erreurs de formule du tableur (`erreur_formule`, « #N/A ») et aux dates
saisies là où un nombre est attendu (`date_au_lieu_d_un_nombre`).

Exemple
-------
>>> from paquet_analyse import dictionnaire
>>> brut = pd.DataFrame({"nb_membres": ["12", "douze", None]}, index=[2, 3, 4])
>>> typee, problemes = typer_table(brut, "instances", fichier="instances.csv")
>>> typee["nb_membres"].tolist()
[12, <NA>, <NA>]
>>> [(p.ligne, p.colonne, p.valeur, p.regle) for p in problemes]
[(3, 'nb_membres', 'douze', 'type_entier')]
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from .. import dictionnaire
from ..erreurs import Probleme
from .commun import normaliser_nom, par_valeur_distincte

# Règle d'une valeur qui ne se type pas, par type du dictionnaire.
REGLES_DE_TYPE = {"code": "code_inconnu", "ordinal": "code_inconnu", "booleen": "booleen_invalide",
                  "entier": "type_entier", "reel": "type_reel"}
# Règles que le typage produit (la validation les reconnaît, par ex. pour une 2e ligne d'en-tête).
REGLES_DE_VALEUR = frozenset(REGLES_DE_TYPE.values()) | {"date_au_lieu_d_un_nombre", "erreur_formule"}
MOTIF_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T[\d:.]+)?$")
MOTIF_ERREUR_TABLEUR = re.compile(r"^#(N/A|NUL!|NULL!|DIV/0!|VALEUR!|VALUE!|REF!|NOM\?|NAME\?|NOMBRE!|NUM!|"
                                  r"CALC!|SPILL!|PROPAGATION!|GETTING_DATA)$", re.IGNORECASE)


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
    """Convertit une colonne normalisée dans le type du dictionnaire ; invalide -> NA.

    Seule la conversion : `typer_colonne` y ajoute un problème par valeur refusée.
    """
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


def valeurs_refusees(brut: pd.Series, typee) -> np.ndarray:
    """Masque des cellules non manquantes dans le texte normalisé et NA une fois typées."""
    return brut.notna().to_numpy() & np.asarray(pd.isna(typee))


def typer_colonne(brut: pd.Series, variable: dictionnaire.Variable, *, fichier: str,
                  lue: pd.Series | None = None, explicites: dict | None = None) -> tuple[pd.Series, list[Probleme]]:
    """Type une colonne normalisée ; renvoie (colonne typée, un problème par valeur refusée).

    `brut` est indexé par le numéro de ligne du fichier ; la colonne typée
    garde cet index. `lue` : la colonne telle que lue (avant la
    correspondance), pour citer la valeur brute ; `explicites` : les
    étiquettes déclarées dans correspondance.codes pour cette variable. Le
    message de chaque valeur refusée distincte n'est construit qu'une fois.
    """
    typee = pd.Series(typer(brut, variable), index=brut.index)
    refusees = valeurs_refusees(brut, typee)
    if not refusees.any():
        return typee, []
    modeles: dict[tuple[str, str], Probleme] = {}
    problemes = []
    lignes = brut.index[refusees]
    valeurs = brut.to_numpy(dtype=object)[refusees]
    brutes = lue.loc[lignes].to_numpy(dtype=object) if lue is not None else valeurs
    for ligne, valeur, brute in zip(lignes, valeurs, brutes):
        cle = (str(brute), str(valeur))
        if cle not in modeles:
            modeles[cle] = probleme_de_valeur(cle[1], variable, fichier=fichier, brute=cle[0],
                                              explicites=explicites)
        problemes.append(dataclasses.replace(modeles[cle], ligne=int(ligne)))
    return typee, problemes


def typer_table(brut: pd.DataFrame, table: str, *, fichier: str, lues: dict[str, pd.Series] | None = None,
                codes: dict | None = None) -> tuple[pd.DataFrame, list[Probleme]]:
    """Type une table normalisée (index : lignes du fichier) ; renvoie (table typée, problèmes).

    La table typée a un index positionnel (0, 1, …), dans l'ordre des lignes
    de `brut` ; les problèmes portent les numéros de ligne du fichier.
    `lues` : colonnes telles que lues, avant la correspondance (par variable) ;
    `codes` : correspondance.codes de jeu.yml. Un problème cite ainsi la
    valeur brute et la correspondance appliquée.
    """
    colonnes, problemes = {}, []
    for nom, var in dictionnaire.variables(table).items():
        if nom in brut.columns:
            colonnes[nom], probs = typer_colonne(brut[nom], var, fichier=fichier, lue=(lues or {}).get(nom),
                                                 explicites=(codes or {}).get(nom))
            problemes += probs
    typee = pd.DataFrame(colonnes, index=brut.index)
    return typee.reset_index(drop=True), problemes


# --------------------------------------------------------------------------
# Messages des valeurs refusées


def _correspondance_appliquee(brute: str, valeur: str, explicites: dict | None) -> str:
    """« valeur brute « X » (correspondance : …) » : ce qui a été lu, et l'étiquette déclarée qui s'est appliquée."""
    declaree = next((c for b, c in (explicites or {}).items() if normaliser_nom(b) == normaliser_nom(brute)), None)
    if declaree is not None:
        quoi = f"« {brute} » → « {declaree} » déclarée dans jeu.yml"
    elif brute != valeur:
        quoi = f"libellé lu comme « {valeur} »"
    else:
        quoi = "aucune"
    return f"valeur brute « {brute} » (correspondance : {quoi})"


def probleme_de_valeur(valeur: str, variable: dictionnaire.Variable, *, fichier: str,
                       ligne: int | None = None, brute: str | None = None,
                       explicites: dict | None = None) -> Probleme:
    """Le problème d'une valeur non manquante que le typage refuse (message, correction).

    `valeur` : le texte normalisé (après la correspondance) ; `brute` : la
    valeur telle que lue dans le fichier (défaut : `valeur`), citée dans le
    problème, avec la correspondance qui s'est appliquée.
    """
    regle = REGLES_DE_TYPE[variable.type]
    colonne = variable.nom
    brute = valeur if brute is None else brute
    dedie = _probleme_de_forme(regle, fichier, ligne, colonne, brute, variable)
    if dedie is not None:
        return dedie
    lu = _correspondance_appliquee(brute, valeur, explicites)
    if regle == "code_inconnu":
        return Probleme(fichier, ligne, colonne, brute, regle, f"code inconnu pour « {variable.libelle} » ; {lu}.",
                        _suggestion(valeur, variable))
    if regle == "booleen_invalide":
        return Probleme(fichier, ligne, colonne, brute, regle, f"réponse oui/non attendue ; {lu}.",
                        "Écrire oui ou non (ou o/n, 1/0, vrai/faux, true/false, yes/no), ou déclarer l'étiquette "
                        f"dans correspondance.codes.{colonne} de jeu.yml (par ex. « {brute} »: non).")
    attendu = "un nombre entier" if regle == "type_entier" else "un nombre"
    return Probleme(fichier, ligne, colonne, brute, regle, f"{attendu} est attendu ({variable.libelle}).",
                    f"Écrire {attendu} en chiffres (par ex. 3 ; pas « deux » ni « 3 ou 4 »), "
                    "ou laisser vide si la réponse manque.")


def _probleme_de_forme(regle: str, fichier: str, ligne, colonne: str, valeur: str,
                       var: dictionnaire.Variable) -> Probleme | None:
    """Erreur de formule du tableur, ou date là où un nombre est attendu : messages dédiés."""
    if MOTIF_ERREUR_TABLEUR.match(valeur):
        return Probleme(fichier, ligne, colonne, valeur, "erreur_formule",
                        f"la cellule contient une erreur de formule du tableur ({var.libelle}).",
                        "Corriger la formule dans le classeur, ou remplacer la cellule par sa valeur "
                        "(ou la laisser vide si la réponse manque).")
    if regle in ("type_entier", "type_reel", "code_inconnu") and var.est_numerique and MOTIF_DATE.match(valeur):
        return Probleme(fichier, ligne, colonne, valeur, "date_au_lieu_d_un_nombre",
                        f"une date est saisie là où un nombre est attendu ({var.libelle}).",
                        f"Écrire seulement le nombre (pour une année : {valeur[:4]}). Si vous aviez tapé un "
                        "nombre et que le tableur affiche une date, la cellule est au format « Date » : la "
                        "remettre au format « Nombre » ou « Standard ».")
    return None


def _suggestion(valeur: str, var: dictionnaire.Variable) -> str:
    return _suggestion_memo(valeur, var.table, var.nom)


@lru_cache(maxsize=4096)
def _suggestion_memo(valeur: str, table: str, nom: str) -> str:
    """Suggestion calculée une fois par valeur fautive (gros fichiers : mêmes fautes répétées)."""
    var = dictionnaire.variable(nom, table)
    candidats = {normaliser_nom(c): str(c) for c in var.codes}
    candidats |= {normaliser_nom(lib): str(c) for c, lib in var.codes.items()}
    proches = difflib.get_close_matches(normaliser_nom(valeur), list(candidats), n=1, cutoff=0.5)
    permis = ", ".join(str(c) for c in var.codes)
    if proches:
        return (f"Remplacer par « {candidats[proches[0]]} » (code valide le plus proche), ou déclarer "
                f"cette étiquette dans correspondance.codes.{var.nom} de jeu.yml. Codes permis : {permis}.")
    return f"Utiliser un des codes permis ({permis}) ou déclarer l'étiquette dans correspondance.codes.{var.nom} de jeu.yml."
