"""Le descripteur `jeu.yml` : lecture et contrôle (tous les problèmes à la fois).

Un descripteur nomme les fichiers du jeu (`fichiers`, avec leurs options de
lecture : `feuille`, `separateur`, `encodage`, `lignes_a_sauter`,
`ligne_entete`), la `correspondance` des colonnes et des codes bruts vers le
dictionnaire, et les `valeurs_manquantes` déclarées. Un descripteur absent,
illisible ou incohérent lève `ErreurJeu`, une puce par problème.
"""

from __future__ import annotations

import codecs
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from .. import chemins, dictionnaire
from ..erreurs import ErreurJeu

CLES_DESCRIPTEUR = {
    "titre": True, "region": True, "annee_enquete": True, "source": True,
    "simule": True, "fichiers": True, "correspondance": False,
    "valeurs_manquantes": False, "effets_plantes": False, "notes": False,
    "simulation": False,
}
OPTIONS_FICHIER = {"chemin", "feuille", "separateur", "encodage", "lignes_a_sauter", "ligne_entete"}
EXTENSIONS_TEXTE = {".csv", ".txt", ".tsv"}
EXTENSIONS_EXCEL = {".xlsx", ".xlsm"}
EXTENSIONS = EXTENSIONS_TEXTE | EXTENSIONS_EXCEL | {".sav", ".dta"}


class ChargeurYamlStrict(yaml.SafeLoader):
    """Chargeur YAML qui refuse les clés en double (PyYAML garde la dernière en silence)."""

    def construct_mapping(self, node, deep=False):
        vues = set()
        for noeud_cle, _ in node.value:
            if noeud_cle.tag == "tag:yaml.org,2002:merge":
                continue
            cle = self.construct_object(noeud_cle, deep=deep)
            if cle in vues:
                raise yaml.constructor.ConstructorError(
                    None, None, f"clé « {cle} » en double", noeud_cle.start_mark)
            vues.add(cle)
        return super().construct_mapping(node, deep=deep)


ERREURS_YAML = {
    "en double": None,  # message déjà en français (ChargeurYamlStrict)
    "cannot start any token": "caractère interdit en début de valeur (une tabulation ? des espaces seulement)",
    "mapping values are not allowed": "deux-points mal placé (une valeur qui contient « : » s'entoure de guillemets)",
    "could not find expected ':'": "deux-points manquant après une clé",
    "expected <block end>": "indentation incohérente",
    "found undefined alias": "alias (*nom) sans ancre (&nom) correspondante",
    "while scanning a quoted scalar": "guillemet jamais refermé",
}


def lire_yaml(chemin: Path) -> Any:
    affiche = chemins.relatif(chemin)
    try:
        return yaml.load(chemin.read_text(encoding="utf-8-sig"), Loader=ChargeurYamlStrict)
    except UnicodeDecodeError:
        raise ErreurJeu(f"{affiche} : le fichier n'est pas en UTF-8. L'enregistrer en UTF-8 "
                        "(la plupart des éditeurs le proposent dans « Enregistrer sous »).") from None
    except yaml.YAMLError as exc:
        marque = getattr(exc, "problem_mark", None)
        ou = f" à la ligne {marque.line + 1}, colonne {marque.column + 1}" if marque else ""
        brut = f"{getattr(exc, 'context', '') or ''} {getattr(exc, 'problem', '') or ''}"
        cause = next((fr or str(exc.problem) for en, fr in ERREURS_YAML.items() if en in brut),
                     "syntaxe invalide")
        raise ErreurJeu(f"{affiche} : YAML illisible{ou} : {cause}. Vérifier l'indentation (des espaces, "
                        "jamais de tabulations), les deux-points et les guillemets.") from None


def lire_descripteur(dossier: Path) -> dict:
    """Lit et contrôle `jeu.yml` ; tous les problèmes du descripteur à la fois.

    Lève `ErreurJeu` (message français, une puce par problème) si le
    descripteur est absent, illisible, ou incohérent : clé inconnue ou
    manquante, clé en double, fichier introuvable, option de fichier inconnue
    ou mal typée, correspondance mal formée.
    """
    chemin = dossier / "jeu.yml"
    if not dossier.is_dir():
        raise ErreurJeu(f"Le dossier de jeu « {chemins.relatif(dossier)} » n'existe pas.")
    if not chemin.is_file():
        raise ErreurJeu(
            f"{chemins.relatif(chemin)} : fichier absent. Chaque jeu se décrit dans un "
            "jeu.yml (voir donnees_brutes/lanaudiere/jeu.yml pour un modèle)."
        )
    desc = lire_yaml(chemin)
    if not isinstance(desc, dict):
        raise ErreurJeu(f"{chemins.relatif(chemin)} : le descripteur doit être un dictionnaire de clés "
                        "(titre, region, annee_enquete, source, simule, fichiers…).")
    erreurs = [f"clé inconnue « {c} » (clés permises : {', '.join(CLES_DESCRIPTEUR)})"
               for c in desc if c not in CLES_DESCRIPTEUR]
    erreurs += [f"clé obligatoire « {c} » absente" for c, oblig in CLES_DESCRIPTEUR.items()
                if oblig and c not in desc]
    erreurs += _erreurs_fichiers(desc.get("fichiers"), dossier)
    erreurs += _erreurs_valeurs_manquantes(desc.get("valeurs_manquantes"))
    erreurs += _erreurs_correspondance(desc.get("correspondance"))
    annee = desc.get("annee_enquete")
    if "annee_enquete" in desc and (isinstance(annee, bool) or not isinstance(annee, int)
                                    or not 1950 <= annee <= 2100):
        erreurs.append(f"« annee_enquete » doit être une année entière, par ex. 2024 (reçu « {annee} »)")
    if "simule" in desc and not isinstance(desc["simule"], bool):
        erreurs.append(f"« simule » doit valoir true ou false (reçu « {desc['simule']} »)")
    if erreurs:
        raise ErreurJeu(f"{chemins.relatif(chemin)} : {len(erreurs)} problème(s) à corriger :\n"
                        + "\n".join(f"  - {e} ;" for e in erreurs))
    return desc


def _erreurs_fichiers(fichiers: Any, dossier: Path) -> list[str]:
    if not isinstance(fichiers, dict) or not {"instances", "participants"} <= set(fichiers):
        return ["« fichiers » doit nommer au moins « instances » et « participants »"]
    erreurs = []
    for table, spec in fichiers.items():
        if table not in dictionnaire.TABLES:
            erreurs.append(f"fichiers : table inconnue « {table} » (permises : {', '.join(dictionnaire.TABLES)})")
            continue
        spec = spec if isinstance(spec, dict) else {"chemin": spec}
        inconnues = set(spec) - OPTIONS_FICHIER
        if inconnues:
            erreurs.append(f"fichiers.{table} : option(s) inconnue(s) {sorted(inconnues)} "
                           f"(permises : {sorted(OPTIONS_FICHIER)})")
        erreurs += [f"fichiers.{table} : {e}" for e in _erreurs_options(spec)]
        relatif = str(spec.get("chemin", "") or "")
        cible = dossier / relatif
        if not relatif or PurePosixPath(relatif).is_absolute() or ".." in PurePosixPath(relatif).parts:
            erreurs.append(f"fichiers.{table} : « {relatif} » doit être un chemin relatif au dossier du jeu "
                           "(les fichiers bruts restent dans donnees_brutes/<jeu>/)")
        elif not cible.is_file():
            erreurs.append(f"fichiers.{table} : « {relatif} » introuvable dans {chemins.relatif(dossier)}")
        elif cible.suffix.lower() not in EXTENSIONS:
            conseil = " ; l'enregistrer en .xlsx ou en .csv" if cible.suffix.lower() == ".xls" else ""
            erreurs.append(f"fichiers.{table} : format « {cible.suffix} » non pris en charge "
                           f"(formats : {', '.join(sorted(EXTENSIONS))}){conseil}")
    return erreurs


def _erreurs_options(spec: dict) -> list[str]:
    erreurs = []
    sep = spec.get("separateur")
    if sep is not None and (not isinstance(sep, str) or len(sep) != 1 or sep in "\"\r\n"):
        erreurs.append(f"« separateur » doit être un seul caractère, par ex. \";\" ou \"\\t\" (reçu « {sep} »)")
    enc = spec.get("encodage")
    if enc is not None:
        try:
            codecs.lookup(str(enc))
        except LookupError:
            erreurs.append(f"encodage inconnu « {enc} » (par ex. utf-8, utf-8-sig, cp1252, latin-1)")
    for option, minimum in (("lignes_a_sauter", 0), ("ligne_entete", 1)):
        valeur = spec.get(option)
        if valeur is not None and (isinstance(valeur, bool) or not isinstance(valeur, int) or valeur < minimum):
            erreurs.append(f"« {option} » doit être un entier ≥ {minimum} (reçu « {valeur} »)")
    feuille = spec.get("feuille")
    if feuille is not None and (isinstance(feuille, bool) or not isinstance(feuille, (str, int))
                                or (isinstance(feuille, int) and feuille < 1)):
        erreurs.append(f"« feuille » doit être un nom de feuille ou un numéro à partir de 1 (reçu « {feuille} »)")
    return erreurs


def _erreurs_valeurs_manquantes(valeurs: Any) -> list[str]:
    if valeurs is None:
        return []
    if not isinstance(valeurs, list) or any(isinstance(v, (list, dict)) for v in valeurs):
        return [f"« valeurs_manquantes » doit être une liste, par ex. [\"\", \"NSP\", \"-99\"] (reçu « {valeurs} »)"]
    return []


def _erreurs_correspondance(corr: Any) -> list[str]:
    if corr is None:
        return []
    if not isinstance(corr, dict) or set(corr) - {"colonnes", "codes"}:
        return ["« correspondance » ne peut contenir que « colonnes » (par table) et « codes » (par variable)"]
    erreurs = []
    colonnes = corr.get("colonnes") or {}
    if not isinstance(colonnes, dict):
        erreurs.append("correspondance.colonnes doit associer à chaque table un dictionnaire "
                       "« colonne brute: variable »")
        colonnes = {}
    for table, paires in colonnes.items():
        if table not in dictionnaire.TABLES:
            erreurs.append(f"correspondance.colonnes : table inconnue « {table} » "
                           f"(permises : {', '.join(dictionnaire.TABLES)})")
        elif not isinstance(paires, dict):
            erreurs.append(f"correspondance.colonnes.{table} doit être un dictionnaire « colonne brute: variable »")
    codes = corr.get("codes") or {}
    if not isinstance(codes, dict):
        return erreurs + ["correspondance.codes doit associer à chaque variable un dictionnaire « étiquette: code »"]
    codees = {n for t in dictionnaire.TABLES for n, v in dictionnaire.variables(t).items()
              if v.est_code or v.type == "booleen"}
    for nom, paires in codes.items():
        if nom not in codees:
            erreurs.append(f"correspondance.codes : « {nom} » n'est pas une variable codée du dictionnaire "
                           f"(variables codées : {', '.join(sorted(codees))})")
        elif not isinstance(paires, dict):
            erreurs.append(f"correspondance.codes.{nom} doit être un dictionnaire « étiquette brute: code »")
    return erreurs


def spec_fichier(desc: dict, table: str) -> dict:
    spec = desc["fichiers"][table]
    return dict(spec) if isinstance(spec, dict) else {"chemin": spec}
