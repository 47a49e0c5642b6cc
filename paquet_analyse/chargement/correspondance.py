"""Correspondance : colonnes brutes -> variables du dictionnaire, puis étiquettes -> codes.

Une colonne est reconnue par son nom normalisé (`normaliser_nom`) ou par
`correspondance.colonnes` de `jeu.yml` ; une colonne d'identifiant direct
(nom, courriel, téléphone…) est refusée ; une colonne inconnue est écartée
(information). Les valeurs manquantes déclarées deviennent NA, et les
étiquettes (libellés du dictionnaire, oui/non, `correspondance.codes`)
deviennent des codes. Une décision par valeur distincte.
"""

from __future__ import annotations

import pandas as pd

from .. import dictionnaire
from ..erreurs import Probleme
from .commun import en_texte, normaliser_nom, par_valeur_distincte

VRAI = {"oui", "o", "1", "vrai", "v", "true", "t", "yes", "y", "1.0"}
FAUX = {"non", "n", "0", "faux", "f", "false", "no", "0.0"}


JETONS_IDENTIFIANTS = {"courriel", "email", "telephone", "phone", "prenom", "cellulaire", "adresse",
                       "address", "naissance"}


def est_identifiant_direct(nom_colonne: str) -> bool:
    """Vrai si la colonne ressemble à un identifiant direct de personne.

    >>> est_identifiant_direct("Courriel du répondant"), est_identifiant_direct("secteur")
    (True, False)
    """
    norme = normaliser_nom(nom_colonne)
    return norme in dictionnaire.identifiants_directs() or bool(JETONS_IDENTIFIANTS & set(norme.split("_")))


def noms_attendus(table: str, correspondance: dict | None = None) -> set[str]:
    """Noms normalisés qu'un en-tête de cette table peut contenir (dictionnaire et correspondance)."""
    explicites = ((correspondance or {}).get("colonnes") or {}).get(table) or {}
    return set(dictionnaire.variables(table)) | {normaliser_nom(k) for k in explicites}


def _cible_colonne(brute: str, table: str, explicites: dict, fichier: str) -> tuple[str | None, Probleme | None]:
    """Variable visée par une colonne brute, ou le problème qui l'écarte."""
    variables = dictionnaire.variables(table)
    norme = normaliser_nom(brute)
    declaree = explicites.get(norme)
    cible = declaree or (norme if norme in variables else None)
    if est_identifiant_direct(brute) and (cible is None or table == "participants"):
        return None, Probleme(fichier, None, brute, None, "identifiant_direct",
                              "colonne d'identifiant direct de personne (nom, courriel, téléphone, adresse…) : "
                              "refusée" + (", même déclarée dans la correspondance." if cible else "."),
                              "Retirer cette colonne de l'export ; ne garder que des codes pseudonymes.")
    if cible is None:
        return None, Probleme(fichier, None, brute, None, "colonne_ignoree",
                              "colonne absente du dictionnaire : écartée (texte libre non déclaré).",
                              "Si elle correspond à une variable, la déclarer dans correspondance.colonnes de jeu.yml.",
                              gravite="information")
    if cible not in variables:
        return None, Probleme(fichier, None, brute, cible, "correspondance_inconnue",
                              f"jeu.yml fait correspondre cette colonne à « {cible} », variable inconnue de la "
                              f"table {table}.", f"Choisir parmi : {', '.join(variables)}.")
    return cible, None


def renommer_colonnes(tableau: pd.DataFrame, table: str, correspondance: dict,
                       fichier: str) -> tuple[pd.DataFrame, list[Probleme], dict[str, str]]:
    """Colonnes brutes -> variables ; renvoie (tableau renommé, problèmes, étiquette brute -> variable)."""
    variables = dictionnaire.variables(table)
    explicites = {normaliser_nom(k): v for k, v in ((correspondance.get("colonnes") or {}).get(table) or {}).items()}
    problemes, cibles, positions, ignorees = [], {}, [], set()
    for position, brute in enumerate(tableau.columns):
        cible, probleme = _cible_colonne(brute, table, explicites, fichier)
        if probleme is not None:
            if probleme.regle != "colonne_ignoree" or brute not in ignorees:
                problemes.append(probleme)
            ignorees.add(brute)
            continue
        if cible in cibles:
            double = (f"la colonne « {brute} » apparaît plusieurs fois dans l'en-tête" if cibles[cible] == brute
                      else f"les colonnes « {cibles[cible]} » et « {brute} » correspondent toutes deux à « {cible} »")
            problemes.append(Probleme(fichier, None, brute, None, "colonne_en_double", f"{double} : la première est lue.",
                                      "N'en garder qu'une dans l'export (ou renommer l'autre), ou corriger "
                                      "correspondance.colonnes dans jeu.yml."))
            continue
        cibles[cible] = brute
        positions.append(position)
    renomme = tableau.iloc[:, positions].copy()
    renomme.columns = list(cibles)
    for nom, var in variables.items():
        if nom not in renomme.columns and not var.requis:
            renomme[nom] = pd.Series(pd.NA, index=renomme.index, dtype=object)
    return renomme, problemes, {b: c for c, b in cibles.items()}


def _table_codes(variable: dictionnaire.Variable, explicites: dict) -> dict[str, str]:
    """Texte normalisé -> code, pour une variable codée ou booléenne."""
    table = {}
    if variable.type == "booleen":
        table.update({v: "vrai" for v in VRAI} | {f: "faux" for f in FAUX})
    for code, lib in variable.codes.items():
        table[normaliser_nom(code)] = str(code)
        table[normaliser_nom(lib)] = str(code)
    for brut, code in explicites.items():
        table[normaliser_nom(brut)] = en_texte(code) if not isinstance(code, bool) else ("vrai" if code else "faux")
    return table


def normaliser_valeurs(tableau: pd.DataFrame, table: str, desc: dict) -> pd.DataFrame:
    """Valeurs manquantes déclarées -> NA ; étiquettes -> codes. Une décision par valeur distincte."""
    manquantes = {str(en_texte(v)) for v in (desc.get("valeurs_manquantes") or []) if v is not None} | {""}
    codes_explicites = (desc.get("correspondance") or {}).get("codes") or {}
    colonnes = {}
    for nom in tableau.columns:
        var = dictionnaire.variables(table).get(nom)
        codee = var is not None and (var.est_code or var.type == "booleen")
        correspond = _table_codes(var, codes_explicites.get(nom) or {}) if codee else {}

        def normaliser(valeur, correspond=correspond, codee=codee):
            if valeur in manquantes:
                return pd.NA
            return correspond.get(normaliser_nom(valeur), valeur) if codee else valeur
        colonnes[nom] = par_valeur_distincte(tableau[nom], normaliser)
    return pd.DataFrame(colonnes, index=tableau.index, columns=tableau.columns)
