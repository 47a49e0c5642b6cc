"""Reconnaître les exports des questionnaires et en tirer un `jeu.yml` complet.

Un seul travail : examiner les fichiers d'un dossier d'exports (KoboToolbox /
ODK en CSV ou XLSX, LimeSurvey en CSV ou XLSX, SPSS `.sav` de l'un ou de
l'autre), décider lequel est la table des instances, lequel celle des
participants (et le fichier des territoires s'il y en a un), et écrire le
descripteur qui les fait lire : fichiers et options (encodage, séparateur),
`correspondance` des en-têtes préfixés (`identification/id_instance`) ou
suffixés (`accord[c1_compromis]`) et des réponses données en libellés que le
chargement ne reconnaîtrait pas seul (« Autre (précisez) », code de territoire
du formulaire). Ce qui n'a pas pu être placé est rendu en phrases françaises.

Rien n'est jamais écrit, sauf `jeu.yml` (par `sorties.ecrire_descripteur_jeu`) :
les exports restent tels quels.

Exemple
-------
>>> from paquet_analyse import jeu_depuis_export
>>> jeu_depuis_export.variable_de_colonne("identification/id_instance", "instances")
'id_instance'
>>> jeu_depuis_export.variable_de_colonne("accord[c1_compromis]", "participants")
'c1_compromis'
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from . import chemins, dictionnaire, questionnaire, sorties
from .chargement import EXTENSIONS, EXTENSIONS_TEXTE, lire_tableau, normaliser_nom
from .chargement.correspondance import FAUX, VRAI, variables_a_correspondance
from .chargement.detection import choisir_separateur
from .chargement.entetes import candidats_nom
from .erreurs import ErreurDonnees, ErreurLecture

VALEURS_MANQUANTES = [""]
COLONNES_DATE = ("submitdate", "submission_time", "end", "datestamp", "date_soumission")
MARQUES_KOBO = ("_uuid", "_submission_time", "_index", "meta/instanceID")
MARQUES_LIMESURVEY = ("submitdate", "lastpage", "startlanguage")


@dataclass
class Fichier:
    """Un export lu : chemin relatif au dossier, options de lecture, en-têtes et texte des cellules."""

    relatif: str
    options: dict
    tableau: pd.DataFrame

    @property
    def entetes(self) -> list[str]:
        return [str(c) for c in self.tableau.columns]


@dataclass
class Reconnaissance:
    """Ce que `reconnaitre` a compris d'un dossier d'exports."""

    dossier: Path
    descripteur: dict
    tables: dict[str, str]  # table -> fichier
    non_places: list[str] = field(default_factory=list)

    def yaml(self) -> str:
        """Le texte de `jeu.yml` (en-tête de commentaire, puis le descripteur)."""
        entete = ("# Descripteur écrit par `python -m paquet_analyse jeu-depuis-export` à partir des exports\n"
                  "# des questionnaires. À relire : titre, région, année de l'enquête, source.\n")
        return entete + yaml.safe_dump(self.descripteur, allow_unicode=True, sort_keys=False, width=100)


# --------------------------------------------------------------------------
# Colonnes


def _libelles(table: str) -> dict[str, str]:
    """Libellé normalisé d'une question -> variable (en-têtes exportés « en libellés »)."""
    if table not in questionnaire.TABLES:
        return {normaliser_nom(v.libelle): n for n, v in dictionnaire.variables(table).items()}
    return {normaliser_nom(q.libelle): q.nom for q in questionnaire.questions(table) if q.analysee}


def variable_de_colonne(entete: str, table: str) -> str | None:
    """La variable du dictionnaire que nomme un en-tête d'export, ou None.

    Reconnaît le nom lui-même (majuscules et accents ignorés), un préfixe de groupe
    (`groupe/variable`), un suffixe de sous-question (`question[variable]`), un code
    sans soulignés (`c1compromis`) et le libellé de la question.
    """
    variables = dictionnaire.variables(table)
    sans_souligne = {n.replace("_", ""): n for n in variables}
    libelles = _libelles(table)
    for candidat in candidats_nom(entete):
        norme = normaliser_nom(candidat)
        if norme in variables:
            return norme
        if norme.replace("_", "") in sans_souligne:
            return sans_souligne[norme.replace("_", "")]
        if norme in libelles:
            return libelles[norme]
    return None


def _colonnes(fichier: Fichier, table: str) -> tuple[dict[str, str], list[str]]:
    """(en-tête -> variable, en-têtes non placés) ; la première colonne d'une variable l'emporte."""
    placees, autres, vues = {}, [], set()
    for entete in fichier.entetes:
        variable = variable_de_colonne(entete, table)
        if variable is None or variable in vues:
            autres.append(entete)
            continue
        vues.add(variable)
        placees[entete] = variable
    return placees, autres


# --------------------------------------------------------------------------
# Lecture des fichiers


def _encodage(octets: bytes) -> str:
    """Encodage d'un export texte : UTF-16 (BOM), UTF-8 avec BOM, UTF-8, sinon Windows-1252."""
    if octets.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if octets.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        octets.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def _attendues() -> set[str]:
    return {n for t in dictionnaire.TABLES for n in dictionnaire.variables(t)}


def _lire(chemin: Path, dossier: Path) -> Fichier:
    relatif = chemin.relative_to(dossier).as_posix()
    options = {}
    if chemin.suffix.lower() in EXTENSIONS_TEXTE:
        octets = chemin.read_bytes()
        options["encodage"] = _encodage(octets)
        texte = octets.decode(options["encodage"], errors="replace").replace("\r\n", "\n")
        defaut = "\t" if chemin.suffix.lower() == ".tsv" else None
        options["separateur"] = choisir_separateur(texte, None, defaut, relatif)
    tableau, _ = lire_tableau(chemin, colonnes_attendues=_attendues(), **options)
    return Fichier(relatif, options, tableau)


def _fichiers(dossier: Path) -> tuple[list[Fichier], list[str]]:
    lus, illisibles = [], []
    for chemin in sorted(dossier.rglob("*")):
        if (not chemin.is_file() or chemin.name == "jeu.yml" or chemin.name.startswith(".")
                or chemin.suffix.lower() not in EXTENSIONS):
            continue
        try:
            lus.append(_lire(chemin, dossier))
        except ErreurLecture as exc:
            illisibles.append(f"{chemin.relative_to(dossier).as_posix()} : illisible ({exc.problemes[0].message})"
                              if exc.problemes else f"{chemin.name} : illisible")
    return lus, illisibles


# --------------------------------------------------------------------------
# Quelle table dans quel fichier


def _propres(table: str) -> set[str]:
    """Variables propres à une table (absentes des deux autres)."""
    autres = {n for t in dictionnaire.TABLES if t != table for n in dictionnaire.variables(t)}
    return set(dictionnaire.variables(table)) - autres


def _score(fichier: Fichier, table: str) -> float:
    trouvees = set(_colonnes(fichier, table)[0].values())
    cle_ok = dictionnaire.cle(table) in trouvees
    return (len(trouvees & _propres(table)) + 0.1 * len(trouvees)) if cle_ok else 0.0


def attribuer(fichiers: list[Fichier]) -> dict[str, Fichier]:
    """Table -> fichier : les meilleurs appariements d'abord (variables propres à la table, clé présente)."""
    paires = sorted(((_score(f, t), i, t) for i, f in enumerate(fichiers) for t in dictionnaire.TABLES),
                    key=lambda p: (-p[0], p[1], dictionnaire.TABLES.index(p[2])))
    choix, pris = {}, set()
    for score, i, table in paires:
        if score > 0 and table not in choix and i not in pris:
            choix[table] = fichiers[i]
            pris.add(i)
    return choix


# --------------------------------------------------------------------------
# Codes : réponses en libellés


def _connus(variable: dictionnaire.Variable) -> set[str]:
    """Valeurs (normalisées) que le chargement reconnaît seul pour une variable codée."""
    connus = {normaliser_nom(c) for c in variable.codes} | {normaliser_nom(l) for l in variable.codes.values()}
    if variable.type == "booleen":
        connus |= {normaliser_nom(v) for v in VRAI | FAUX}
    return connus


def _codes(tableau: pd.DataFrame, table: str, colonnes: dict[str, str], territoires: list[str] | None,
           fichier: str) -> tuple[dict[str, dict[str, str]], list[str]]:
    """correspondance.codes pour les réponses que le chargement ne reconnaîtrait pas, et les valeurs inconnues."""
    formulaire = questionnaire.libelles_choix(table, territoires=territoires)
    a_correspondre = variables_a_correspondance(table)
    codes, inconnues = {}, []
    for entete, nom in colonnes.items():
        if nom not in a_correspondre:
            continue
        valeurs = sorted({str(v) for v in tableau[entete].dropna() if str(v) not in VALEURS_MANQUANTES})
        if nom == "territoire":
            if not territoires:
                continue
            officiels = {normaliser_nom(t): t for t in territoires}
            connus, inverse = set(territoires), {}
        else:
            officiels, connus = {}, _connus(a_correspondre[nom])
            inverse = {normaliser_nom(lib): code for lib, code in formulaire.get(nom, {}).items()}
        for valeur in valeurs:
            norme = normaliser_nom(valeur)
            if valeur in connus or (nom != "territoire" and norme in connus):
                continue
            cible = officiels.get(norme) or inverse.get(norme)
            if cible is None:
                inconnues.append(f"{fichier}, colonne « {entete} » ({nom}) : valeur « {valeur} » non reconnue ; "
                                 f"la déclarer dans correspondance.codes.{nom} de jeu.yml.")
                continue
            codes.setdefault(nom, {})[valeur] = cible
    return codes, inconnues


# --------------------------------------------------------------------------
# Le descripteur


def _outil(fichiers: list[Fichier]) -> str:
    entetes = {e for f in fichiers for e in f.entetes}
    if any(m in entetes for m in MARQUES_KOBO) or any("/" in e for e in entetes):
        return "KoboToolbox / ODK (XLSForm)"
    if any(m in entetes for m in MARQUES_LIMESURVEY) or any(re.search(r"\[.+\]$", e) for e in entetes):
        return "LimeSurvey"
    return "outil de saisie non reconnu"


def _annee(fichiers: list[Fichier]) -> int | None:
    """L'année la plus récente des dates de soumission des exports, s'il y en a."""
    annees = []
    for f in fichiers:
        for entete in f.entetes:
            if normaliser_nom(entete) in COLONNES_DATE:
                dates = pd.to_datetime(f.tableau[entete].dropna().astype(str).str[:10], errors="coerce")
                annees += [int(a) for a in dates.dt.year.dropna()]
    return max(annees) if annees else None


def _territoires(fichier: Fichier | None) -> list[str] | None:
    if fichier is None:
        return None
    colonne = next(e for e, v in _colonnes(fichier, "territoires")[0].items() if v == "territoire")
    return sorted(str(v) for v in fichier.tableau[colonne].dropna().unique())


def reconnaitre(dossier: str | Path, *, titre: str | None = None, region: str | None = None,
                annee_enquete: int | None = None, simule: bool = False) -> Reconnaissance:
    """Examine les exports d'un dossier et construit le descripteur `jeu.yml` (sans rien écrire).

    Lève `ErreurDonnees` si les instances ou les participants restent introuvables, ou
    si l'année de l'enquête n'est ni donnée ni lisible dans les dates de soumission.
    """
    dossier = Path(dossier)
    if not dossier.is_dir():
        raise ErreurDonnees(f"Le dossier d'exports « {chemins.relatif(dossier)} » n'existe pas.")
    fichiers, non_places = _fichiers(dossier)
    tables = attribuer(fichiers)
    manquantes = [t for t in ("instances", "participants") if t not in tables]
    if manquantes:
        raise ErreurDonnees(
            f"{chemins.relatif(dossier)} : aucun fichier ne ressemble à la table {' ni à la table '.join(manquantes)} "
            f"(fichiers lus : {', '.join(f.relatif for f in fichiers) or 'aucun'}). Il faut au moins la colonne "
            + " et la colonne ".join(f"« {dictionnaire.cle(t)} »" for t in manquantes)
            + " (questionnaires générés par `python -m paquet_analyse questionnaire`).")
    annee = annee_enquete or _annee(fichiers)
    if annee is None:
        raise ErreurDonnees("Année de l'enquête introuvable dans les exports (aucune date de soumission) : "
                            "la donner avec --annee, par ex. --annee 2025.")
    territoires = _territoires(tables.get("territoires"))
    descripteur_fichiers, colonnes_corr, codes_corr = {}, {}, {}
    for table, fichier in tables.items():
        descripteur_fichiers[table] = {"chemin": fichier.relatif, **fichier.options}
        placees, autres = _colonnes(fichier, table)
        renommees = {e: v for e, v in placees.items() if normaliser_nom(e) != v}
        if renommees:
            colonnes_corr[table] = renommees
        non_places += [f"{fichier.relatif} ({table}) : colonne « {e} » non placée (métadonnée de l'outil ou texte "
                       "libre) : elle sera écartée au chargement." for e in autres]
        if table != "territoires":
            codes, inconnues = _codes(fichier.tableau, table, placees, territoires, fichier.relatif)
            for nom, table_codes in codes.items():
                codes_corr.setdefault(nom, {}).update(table_codes)
            non_places += inconnues
    utilises = {f.relatif for f in tables.values()}
    non_places += [f"{f.relatif} : fichier non placé (ni instances, ni participants, ni territoires)."
                   for f in fichiers if f.relatif not in utilises]
    outil = _outil(list(tables.values()))
    descripteur = {
        "titre": titre or f"Concertations : {dossier.name} (exports de questionnaires)",
        "region": region or dossier.name,
        "annee_enquete": int(annee),
        "source": f"Exports des questionnaires générés par paquet_analyse ({outil}).",
        "simule": bool(simule),
        "fichiers": descripteur_fichiers,
        "valeurs_manquantes": list(VALEURS_MANQUANTES),
    }
    correspondance = {k: v for k, v in (("colonnes", colonnes_corr), ("codes", codes_corr)) if v}
    if correspondance:
        descripteur["correspondance"] = correspondance
    return Reconnaissance(dossier=dossier, descripteur=descripteur,
                          tables={t: f.relatif for t, f in tables.items()}, non_places=non_places)


def jeu_depuis_export(dossier: str | Path, *, ecraser: bool = False, **options) -> tuple[Reconnaissance, str]:
    """Reconnaît les exports de `dossier` et y écrit `jeu.yml` ; renvoie (reconnaissance, état d'écriture).

    Options : celles de `reconnaitre` (titre, region, annee_enquete, simule). Un `jeu.yml`
    existant différent n'est remplacé qu'avec `ecraser=True`.
    """
    reconnaissance = reconnaitre(dossier, **options)
    etat = sorties.ecrire_descripteur_jeu(reconnaissance.yaml(), reconnaissance.dossier, ecraser=ecraser)
    return reconnaissance, etat
