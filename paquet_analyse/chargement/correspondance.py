"""Correspondance : colonnes brutes -> variables du dictionnaire, puis étiquettes -> codes.

Une colonne est reconnue par son nom normalisé (`normaliser_nom`) ou par
`correspondance.colonnes` de `jeu.yml` ; une colonne d'identifiant direct
(nom, courriel, téléphone…) est refusée ; une colonne inconnue est écartée
(information). Les valeurs manquantes déclarées deviennent NA, et les
étiquettes (libellés du dictionnaire, oui/non, `correspondance.codes`)
deviennent des codes ; `correspondance.codes.territoire` fait correspondre
les libellés bruts de territoire (table des instances) à leurs noms. Une
décision par valeur distincte.

La correspondance est confrontée aux fichiers : une colonne déclarée absente
de l'en-tête est une erreur pour une variable obligatoire et un
avertissement sinon (les en-têtes réels les plus proches sont nommés) ; une
étiquette déclarée jamais vue dans les données est un avertissement ; une
cible qui n'est pas un code permis (ou, pour un booléen, ni oui ni non) est
une erreur.
"""

from __future__ import annotations

import difflib

import pandas as pd

from .. import dictionnaire
from ..erreurs import Probleme
from .commun import en_texte, normaliser_nom, par_valeur_distincte
from .entetes import outil_de_metadonnee

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
    outil = outil_de_metadonnee(brute) if cible is None else None
    if outil is not None:
        return None, Probleme(fichier, None, brute, None, "colonne_ignoree",
                              f"colonne de métadonnées de {outil} : écartée de l'analyse (elle ne sert qu'aux "
                              "exclusions déclarées dans jeu.yml).",
                              "Rien à faire ; pour écarter des lignes d'après elle (soumission d'essai, doublon, "
                              "réponse incomplète), voir la clé exclusions de jeu.yml.", gravite="information")
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
    problemes += _colonnes_declarees_absentes(tableau, table, correspondance, set(cibles), fichier)
    renomme = tableau.iloc[:, positions].copy()
    renomme.columns = list(cibles)
    for nom, var in variables.items():
        if nom not in renomme.columns and not var.requis:
            renomme[nom] = pd.Series(pd.NA, index=renomme.index, dtype=object)
    return renomme, problemes, {b: c for c, b in cibles.items()}


def valeur_booleenne(valeur) -> str | None:
    """« vrai », « faux », ou None : oui/non, vrai/faux, o/n, 1/0, true/false, yes/no, toute casse.

    >>> [valeur_booleenne(v) for v in ("Oui", "N", 0, True, "peut-être")]
    ['vrai', 'faux', 'faux', 'vrai', None]
    """
    if isinstance(valeur, bool):
        return "vrai" if valeur else "faux"
    norme = normaliser_nom(en_texte(valeur))
    return "vrai" if norme in VRAI_NORMES else "faux" if norme in FAUX_NORMES else None


VRAI_NORMES = {normaliser_nom(v) for v in VRAI}
FAUX_NORMES = {normaliser_nom(v) for v in FAUX}


def cible_declaree(variable: dictionnaire.Variable, cible) -> str:
    """La cible d'une étiquette déclarée, dans la forme du texte normalisé (« vrai »/« faux » pour un booléen)."""
    if variable.type == "booleen":
        return valeur_booleenne(cible) or en_texte(cible)
    return en_texte(cible)


def variables_a_correspondance(table: str) -> dict[str, dictionnaire.Variable]:
    """Variables de la table dont les étiquettes brutes peuvent se déclarer dans correspondance.codes."""
    return {n: v for n, v in dictionnaire.variables(table).items()
            if v.est_code or v.type == "booleen" or (table == "instances" and n == "territoire")}


def _colonnes_declarees_absentes(tableau: pd.DataFrame, table: str, correspondance: dict, trouvees: set[str],
                                 fichier: str) -> list[Probleme]:
    """Colonnes de correspondance.colonnes absentes de l'en-tête : erreur si la variable est obligatoire
    et reste introuvable, avertissement sinon ; avec les en-têtes réels les plus proches."""
    declarees = ((correspondance.get("colonnes") or {}).get(table)) or {}
    entetes = {normaliser_nom(c): str(c) for c in tableau.columns}
    variables = dictionnaire.variables(table)
    problemes = []
    for brute, cible in declarees.items():
        if normaliser_nom(brute) in entetes:
            continue
        var = variables.get(str(cible))
        grave = var is None or (var.requis and var.nom not in trouvees)
        proches = difflib.get_close_matches(normaliser_nom(brute), list(entetes), n=3, cutoff=0.0)
        suite = ("la variable reste sans colonne" if var is None or var.nom not in trouvees
                 else "la variable a été trouvée sous son propre nom")
        problemes.append(Probleme(
            fichier, None, str(brute), str(cible), "colonne_declaree_absente",
            f"correspondance.colonnes.{table} de jeu.yml déclare la colonne « {brute} » (→ {cible}), absente de "
            f"l'en-tête de ce fichier : {suite}"
            + (" (variable obligatoire)." if grave and var is not None else "."),
            "Recopier exactement l'en-tête de l'export dans jeu.yml ; en-têtes réels les plus proches : "
            + ", ".join(f"« {entetes[p]} »" for p in proches) + ".",
            gravite="erreur" if grave else "avertissement"))
    return problemes


def _table_codes(variable: dictionnaire.Variable, explicites: dict) -> dict[str, str]:
    """Texte normalisé -> code (ou nom de territoire), pour une variable à correspondance."""
    table = {}
    if variable.type == "booleen":
        table.update({v: "vrai" for v in VRAI_NORMES} | {f: "faux" for f in FAUX_NORMES})
    for code, lib in variable.codes.items():
        table[normaliser_nom(code)] = str(code)
        table[normaliser_nom(lib)] = str(code)
    for brut, code in explicites.items():
        table[normaliser_nom(brut)] = cible_declaree(variable, code)
    return table


def _cibles_refusees(variable: dictionnaire.Variable, explicites: dict, fichier: str) -> list[Probleme]:
    """Cibles déclarées qui ne sont ni un code permis ni, pour un booléen, oui/non."""
    problemes = []
    permis = [str(c) for c in variable.codes]
    for brut, cible in explicites.items():
        if variable.type == "booleen" and valeur_booleenne(cible) is None:
            attendu = "oui ou non (ou vrai/faux, o/n, 1/0, true/false, yes/no)"
        elif variable.est_code and cible_declaree(variable, cible) not in permis:
            attendu = f"un des codes permis ({', '.join(permis)})"
        else:
            continue
        problemes.append(Probleme(
            fichier, None, variable.nom, en_texte(cible), "correspondance_cible_invalide",
            f"correspondance.codes.{variable.nom} de jeu.yml fait correspondre « {brut} » à « {en_texte(cible)} », "
            "qui n'est pas une valeur permise.", f"Écrire comme cible de « {brut} » {attendu}."))
    return problemes


def _etiquette_non_vue(brut, nom: str, vues: dict[str, str], fichier: str) -> Probleme:
    """Avertissement : une étiquette déclarée n'apparaît dans aucune ligne ; les valeurs lues les plus proches."""
    proches = difflib.get_close_matches(normaliser_nom(brut), list(vues), n=3, cutoff=0.6)
    indice = ("valeurs lues les plus proches : " + ", ".join(f"« {vues[p]} »" for p in proches) + " ; "
              if proches else "")
    return Probleme(fichier, None, nom, str(brut), "etiquette_non_vue",
                    f"l'étiquette « {brut} », déclarée dans correspondance.codes.{nom} de jeu.yml, n'apparaît "
                    "dans aucune ligne de ce fichier.",
                    f"Vérifier son orthographe dans l'export (espaces, accents, apostrophes) ; {indice}la retirer "
                    "de jeu.yml si elle ne sert plus.", gravite="avertissement")


def normaliser_valeurs(tableau: pd.DataFrame, table: str, desc: dict, *,
                       fichier: str) -> tuple[pd.DataFrame, dict[str, pd.Series], list[Probleme]]:
    """Valeurs manquantes déclarées -> NA ; étiquettes -> codes. Une décision par valeur distincte.

    Renvoie (tableau normalisé, colonnes brutes des variables à correspondance déclarée, problèmes de
    la correspondance : cible invalide, étiquette déclarée jamais vue). Les colonnes brutes servent à
    citer la valeur telle que lue dans les messages d'erreur.
    """
    manquantes = {str(en_texte(v)) for v in (desc.get("valeurs_manquantes") or []) if v is not None} | {""}
    codes_explicites = (desc.get("correspondance") or {}).get("codes") or {}
    a_correspondance = variables_a_correspondance(table)
    colonnes, lues, problemes = {}, {}, []
    for nom in tableau.columns:
        var = a_correspondance.get(nom)
        explicites = (codes_explicites.get(nom) or {}) if var is not None else {}
        if var is None:
            correspond = {}
        elif var.type in ("code", "ordinal", "booleen"):
            correspond = _table_codes(var, explicites)
        else:  # territoire : seuls les libellés déclarés changent
            correspond = {normaliser_nom(b): en_texte(c) for b, c in explicites.items()}
        vues: dict[str, str] = {}  # texte normalisé -> valeur telle que lue

        def normaliser(valeur, correspond=correspond, vues=vues):
            if valeur in manquantes:
                return pd.NA
            vues.setdefault(normaliser_nom(valeur), str(valeur))
            return correspond.get(normaliser_nom(valeur), valeur)
        colonnes[nom] = par_valeur_distincte(tableau[nom], normaliser)
        if explicites:
            lues[nom] = tableau[nom]
            problemes += _cibles_refusees(var, explicites, fichier)
            problemes += [_etiquette_non_vue(brut, nom, vues, fichier)
                          for brut in explicites if normaliser_nom(brut) not in vues]
    normalise = pd.DataFrame(colonnes, index=tableau.index, columns=tableau.columns)
    return normalise, lues, problemes
