"""Reconnaître les exports des questionnaires et en tirer un `jeu.yml` complet.

Un seul travail : examiner les fichiers d'un dossier d'exports (KoboToolbox /
ODK en CSV ou XLSX, LimeSurvey en CSV ou XLSX, SPSS `.sav` de l'un ou de
l'autre), décider lequel est la table des instances, lequel celle des
participants (et le fichier des territoires s'il y en a un), et écrire le
descripteur qui les fait lire : fichiers et options (encodage, séparateur),
`correspondance` des en-têtes préfixés par leurs groupes
(`identification/id_instance`, `questions-forme`), des codes LimeSurvey
(`idInstance`, `accord[c1Compromis]`, réponses `A1`, `A2`… : voir
`questionnaire.codes_limesurvey`) et des réponses données en libellés que le
chargement ne reconnaîtrait pas seul (« Autre (précisez) », code de territoire
du formulaire). Ce qui n'a pas pu être placé est rendu en phrases françaises.

Les règles d'exclusion qui vont de soi pour l'outil sont déclarées, et dites
(`Reconnaissance.remarques`) : soumissions non approuvées (colonne
`_validation_status` de KoboToolbox, `ReviewState` d'ODK Central), réponses
incomplètes (`submitdate` de LimeSurvey), doublons d'envoi (même `_uuid`
dans KoboToolbox : la soumission la plus récente est gardée). Un fichier sans
aucune ligne de données n'est jamais préféré à un fichier rempli.

Un `jeu.yml` écrit avant la collecte (titre, année, fichier des territoires,
exclusions…, sans fichiers de réponses) est complété : ses clés sont
gardées. Rien d'autre n'est jamais écrit (`ecriture.ecrire_descripteur_jeu`) :
les exports restent tels quels.

Exemple
-------
>>> from paquet_analyse import jeu_depuis_export
>>> jeu_depuis_export.variable_de_colonne("identification/id_instance", "instances")
'id_instance'
>>> jeu_depuis_export.variable_de_colonne("accord[c1Compromis]", "participants")
'c1_compromis'
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from . import chemins, dictionnaire, ecriture, questionnaire
from .chargement import EXTENSIONS, EXTENSIONS_TEXTE, lire_tableau, normaliser_nom
from .chargement.correspondance import FAUX, VRAI, variables_a_correspondance
from .chargement.detection import choisir_separateur
from .chargement.entetes import (COLONNES_FIN_LIMESURVEY, COLONNES_STATUT, candidats_nom, outil_de_metadonnee,
                                 parent_de_choix, premiere_presente)
from .documents_yaml import lire_yaml
from .erreurs import ErreurDonnees, ErreurJeu, ErreurLecture

VALEURS_MANQUANTES = [""]
COLONNES_DATE = ("submitdate", "submission_time", "submissiondate", "end", "datestamp", "date_soumission")
MARQUES_KOBO = ("_uuid", "_submission_time", "_index", "meta/instanceID")
MARQUES_ODK = ("SubmissionDate", "KEY", "meta-instanceID", "ReviewState")
MARQUES_LIMESURVEY = ("submitdate", "lastpage", "startlanguage")
# Clés d'un jeu.yml écrit avant la collecte que la reconnaissance garde telles quelles.
CLES_GARDEES = ("titre", "region", "annee_enquete", "source", "simule", "notes", "effets_plantes", "simulation")


@dataclass
class Fichier:
    """Un export lu : chemin relatif au dossier, options de lecture, en-têtes et texte des cellules."""

    relatif: str
    options: dict
    tableau: pd.DataFrame

    @property
    def entetes(self) -> list[str]:
        return [str(c) for c in self.tableau.columns]

    @property
    def vide(self) -> bool:
        return self.tableau.empty


@dataclass
class Reconnaissance:
    """Ce que `reconnaitre` a compris d'un dossier d'exports."""

    dossier: Path
    descripteur: dict
    tables: dict[str, str]  # table -> fichier
    non_places: list[str] = field(default_factory=list)
    remarques: list[str] = field(default_factory=list)  # exclusions déclarées, fichiers vides écartés…

    def yaml(self) -> str:
        """Le texte de `jeu.yml` (en-tête de commentaire, puis le descripteur)."""
        entete = ("# Descripteur écrit par `python -m paquet_analyse jeu-depuis-export` à partir des exports\n"
                  "# des questionnaires. À relire : titre, région, année de l'enquête, source, exclusions.\n"
                  "# Les exports ne se retouchent jamais : une ligne à écarter se déclare sous « exclusions »\n"
                  "# (voir README, « Apporter une nouvelle région »).\n")
        return entete + yaml.safe_dump(self.descripteur, allow_unicode=True, sort_keys=False, width=100)


# --------------------------------------------------------------------------
# Colonnes


@lru_cache(maxsize=None)
def _libelles(table: str) -> dict[str, str]:
    """Libellé normalisé d'une question -> variable (en-têtes exportés « en libellés »)."""
    if table not in questionnaire.TABLES:
        return {normaliser_nom(v.libelle): n for n, v in dictionnaire.variables(table).items()}
    return {normaliser_nom(q.libelle): q.nom for q in questionnaire.questions(table) if q.analysee}


@lru_cache(maxsize=None)
def _codes_limesurvey(table: str) -> dict[str, str]:
    """En-tête normalisé d'un export LimeSurvey de ce questionnaire -> variable."""
    if table not in questionnaire.TABLES:
        return {}
    colonnes = questionnaire.codes_limesurvey(table)["colonnes"]
    return {normaliser_nom(entete): nom for entete, nom in colonnes.items() if nom in dictionnaire.variables(table)}


def variable_de_colonne(entete: str, table: str) -> str | None:
    """La variable du dictionnaire que nomme un en-tête d'export, ou None.

    Reconnaît le nom lui-même (majuscules et accents ignorés), un préfixe de groupes
    (`groupe/variable`, `groupe-variable`, `groupe.variable`), un suffixe de sous-question
    (`question[variable]`), un code LimeSurvey du questionnaire (`anneeCreation`,
    `accord[c3IntegrationConcert]`) et le libellé de la question. Une colonne de métadonnées
    de l'outil n'est jamais une variable.
    """
    if outil_de_metadonnee(entete) is not None:
        return None
    variables = dictionnaire.variables(table)
    sans_souligne = {n.replace("_", ""): n for n in variables}
    libelles, codes_ls = _libelles(table), _codes_limesurvey(table)
    if normaliser_nom(entete) in codes_ls:
        return codes_ls[normaliser_nom(entete)]
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
        variable = None if parent_de_choix(entete, fichier.entetes) else variable_de_colonne(entete, table)
        if variable is None or variable in vues:
            autres.append(entete)
            continue
        vues.add(variable)
        placees[entete] = variable
    return placees, autres


def _pourquoi_non_place(entete: str, fichier: Fichier) -> str:
    outil = outil_de_metadonnee(entete)
    if outil is not None:
        return f"métadonnée de {outil}, écartée de l'analyse (elle sert seulement aux exclusions)"
    parent = parent_de_choix(entete, fichier.entetes)
    if parent is not None:
        return f"colonne d'un choix de la question à choix multiples « {parent} », écartée"
    return "texte libre ou question hors du dictionnaire, écartée au chargement"


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


@lru_cache(maxsize=1)
def _attendues() -> frozenset[str]:
    """Noms qu'une ligne d'en-tête d'export peut contenir : variables, libellés des questions, codes LimeSurvey."""
    noms = {n for t in dictionnaire.TABLES for n in dictionnaire.variables(t)}
    noms |= {n for t in dictionnaire.TABLES for n in _libelles(t)}
    noms |= {n for t in dictionnaire.TABLES for n in _codes_limesurvey(t)}
    return frozenset(noms)


def _lire(chemin: Path, dossier: Path, options: dict | None = None) -> Fichier:
    relatif = chemin.relative_to(dossier).as_posix()
    options = dict(options or {})
    if chemin.suffix.lower() in EXTENSIONS_TEXTE and not options:
        octets = chemin.read_bytes()
        options["encodage"] = _encodage(octets)
        texte = octets.decode(options["encodage"], errors="replace").replace("\r\n", "\n")
        defaut = "\t" if chemin.suffix.lower() == ".tsv" else None
        options["separateur"] = choisir_separateur(texte, None, defaut, relatif)
    tableau, _ = lire_tableau(chemin, colonnes_attendues=set(_attendues()), **options)
    return Fichier(relatif, options, tableau)


def _fichiers(dossier: Path, declares: dict[str, dict]) -> tuple[list[Fichier], list[str]]:
    """Les exports lisibles du dossier (options déclarées dans un jeu.yml d'avant la collecte gardées)."""
    lus, illisibles = [], []
    for chemin in sorted(dossier.rglob("*")):
        if (not chemin.is_file() or chemin.name == "jeu.yml" or chemin.name.startswith(".")
                or chemin.suffix.lower() not in EXTENSIONS):
            continue
        relatif = chemin.relative_to(dossier).as_posix()
        options = {k: v for k, v in declares.get(relatif, {}).items() if k != "chemin"}
        try:
            lus.append(_lire(chemin, dossier, options))
        except ErreurLecture as exc:
            illisibles.append(f"{relatif} : illisible ({exc.problemes[0].message})" if exc.problemes
                              else f"{chemin.name} : illisible")
    return lus, illisibles


# --------------------------------------------------------------------------
# Quelle table dans quel fichier


def _propres(table: str) -> set[str]:
    """Variables propres à une table (absentes des deux autres)."""
    autres = {n for t in dictionnaire.TABLES if t != table for n in dictionnaire.variables(t)}
    return set(dictionnaire.variables(table)) - autres


def _score(fichier: Fichier, table: str) -> float:
    """Variables propres à la table (et un peu toutes ses variables), si la clé y est ; 0 pour un fichier
    qui a les variables propres d'une autre table et aucune de celle-ci (un export d'instances a une colonne
    « territoire » mais n'est pas le fichier des territoires)."""
    trouvees = set(_colonnes(fichier, table)[0].values())
    if dictionnaire.cle(table) not in trouvees:
        return 0.0
    propres = len(trouvees & _propres(table))
    if not propres and any(len({variable_de_colonne(e, autre) for e in fichier.entetes} & _propres(autre)) >= 2
                           for autre in dictionnaire.TABLES if autre != table):
        return 0.0
    return propres + 0.1 * len(trouvees)


def attribuer(fichiers: list[Fichier], *, imposes: dict[str, Fichier] | None = None) -> dict[str, Fichier]:
    """Table -> fichier : les meilleurs appariements d'abord (variables propres à la table, clé présente).

    Un fichier sans aucune ligne de données ne passe qu'après tous les fichiers remplis (un fichier
    vide posé d'avance ne l'emporte jamais sur le vrai export). `imposes` : tables déjà attribuées
    (fichier des territoires déclaré dans jeu.yml).
    """
    choix = dict(imposes or {})
    pris = {id(f) for f in choix.values()}
    paires = sorted(((f.vide, -_score(f, t), i, dictionnaire.TABLES.index(t), t)
                     for i, f in enumerate(fichiers) for t in dictionnaire.TABLES), key=lambda p: p[:4])
    for _, moins_score, i, _, table in paires:
        if moins_score < 0 and table not in choix and id(fichiers[i]) not in pris:
            choix[table] = fichiers[i]
            pris.add(id(fichiers[i]))
    return choix


# --------------------------------------------------------------------------
# Codes : réponses en libellés, ou en codes de réponse LimeSurvey


def _connus(variable: dictionnaire.Variable) -> set[str]:
    """Valeurs (normalisées) que le chargement reconnaît seul pour une variable codée."""
    connus = {normaliser_nom(c) for c in variable.codes} | {normaliser_nom(l) for l in variable.codes.values()}
    if variable.type == "booleen":
        connus |= {normaliser_nom(v) for v in VRAI | FAUX}
    return connus


def _inverses(table: str, territoires: list[str] | None) -> dict[str, dict[str, str]]:
    """Par variable : valeur d'export normalisée (libellé du formulaire, code de réponse LimeSurvey) -> code."""
    formulaire = questionnaire.libelles_choix(table, territoires=territoires)
    reponses = (questionnaire.codes_limesurvey(table, territoires=territoires)["reponses"]
                if table in questionnaire.TABLES else {})
    inverses: dict[str, dict[str, str]] = {}
    for nom in set(formulaire) | set(reponses):
        inverse = {normaliser_nom(lib): code for lib, code in formulaire.get(nom, {}).items()}
        inverse.update({normaliser_nom(ls): code for ls, code in reponses.get(nom, {}).items()})
        inverses[nom] = inverse
    return inverses


def _codes(tableau: pd.DataFrame, table: str, colonnes: dict[str, str], territoires: list[str] | None,
           fichier: str) -> tuple[dict[str, dict[str, str]], list[str]]:
    """correspondance.codes pour les réponses que le chargement ne reconnaîtrait pas, et les valeurs inconnues."""
    inverses = _inverses(table, territoires)
    a_correspondre = variables_a_correspondance(table)
    codes, inconnues = {}, []
    for entete, nom in colonnes.items():
        if nom not in a_correspondre:
            continue
        valeurs = sorted({str(v) for v in tableau[entete].dropna() if str(v) not in VALEURS_MANQUANTES})
        inverse = inverses.get(nom, {})
        if nom == "territoire":
            if not territoires:
                continue
            officiels = {normaliser_nom(t): t for t in territoires}
            connus = set(territoires)
            # code du formulaire (« la_matapedia ») ou réponse LimeSurvey (« A3 ») -> nom officiel
            inverse = {n: officiels[normaliser_nom(code)] for n, code in inverse.items()
                       if normaliser_nom(code) in officiels}
        else:
            officiels, connus = {}, _connus(a_correspondre[nom])
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
        return "KoboToolbox (XLSForm)"
    if any(m in entetes for m in MARQUES_ODK):
        return "ODK Central (XLSForm)"
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


def _territoires(fichier: Fichier | None, declarees: dict | None) -> list[str] | None:
    """Noms officiels des territoires (fichier des territoires), dans l'ordre des formulaires."""
    if fichier is None:
        return None
    explicites = {str(b): str(v) for b, v in (declarees or {}).items()}
    colonne = next((e for e in fichier.entetes if explicites.get(e) == "territoire"), None)
    if colonne is None:
        colonne = next((e for e, v in _colonnes(fichier, "territoires")[0].items() if v == "territoire"), None)
    if colonne is None:
        return None
    return questionnaire.ordonner_territoires(str(v) for v in fichier.tableau[colonne].dropna().unique())


def _exclusions(tables: dict[str, Fichier]) -> tuple[dict, list[str]]:
    """Les règles d'exclusion que les colonnes de l'outil appellent, et leur annonce en français."""
    exclusions, remarques = {}, []
    utilises = [f for t, f in tables.items() if t != "territoires"]
    statut = next((c for f in utilises if (c := premiere_presente(COLONNES_STATUT, f.entetes))), None)
    if statut:
        exclusions["non_approuvees"] = True
        remarques.append(f"exclusions.non_approuvees : les soumissions « non approuvées » ({statut}) sont "
                         "écartées, chacune listée au rapport de validation.")
    fin = next((c for f in utilises if (c := premiere_presente(COLONNES_FIN_LIMESURVEY, f.entetes))), None)
    if fin:
        exclusions["incompletes"] = True
        remarques.append(f"exclusions.incompletes : les réponses incomplètes ({fin} vide) sont écartées, chacune "
                         "listée au rapport de validation.")
    if any("_uuid" in f.entetes for f in utilises):
        exclusions["doublons"] = [{"colonne": "_uuid", "garder": "derniere"}]
        remarques.append("exclusions.doublons : une soumission envoyée plusieurs fois (même _uuid) n'est gardée "
                         "qu'une fois, la plus récente ; les autres sont listées au rapport de validation.")
    return exclusions, remarques


def _existant(dossier: Path) -> tuple[dict | None, bool]:
    """Le jeu.yml déjà là (None s'il manque ou ne se lit pas), et s'il date d'avant la collecte (aucun
    fichier d'instances ni de participants existant) : ses clés sont gardées dans les deux cas."""
    chemin = dossier / "jeu.yml"
    if not chemin.is_file():
        return None, False
    try:
        desc = lire_yaml(chemin, erreur=ErreurJeu)
    except ErreurJeu:
        return None, False
    if not isinstance(desc, dict):
        return None, False
    fichiers = desc.get("fichiers") if isinstance(desc.get("fichiers"), dict) else {}
    for table in ("instances", "participants"):
        spec = fichiers.get(table)
        relatif = (spec.get("chemin") if isinstance(spec, dict) else spec) if spec else None
        if relatif and _rempli(dossier / str(relatif)):
            return desc, False
    return desc, True


def _rempli(chemin: Path) -> bool:
    """Vrai si le fichier existe et a au moins une ligne de données (un fichier posé d'avance n'en a pas)."""
    if not chemin.is_file() or chemin.suffix.lower() not in EXTENSIONS:
        return False
    try:
        return not lire_tableau(chemin, colonnes_attendues=set(_attendues()))[0].empty
    except (ErreurLecture, OSError):
        return False


def reconnaitre(dossier: str | Path, *, titre: str | None = None, region: str | None = None,
                annee_enquete: int | None = None, simule: bool = False,
                base: dict | None = None) -> Reconnaissance:
    """Examine les exports d'un dossier et construit le descripteur `jeu.yml` (sans rien écrire).

    `base` : un jeu.yml écrit avant la collecte, dont les clés (titre, année, exclusions, fichier
    des territoires et ses options…) sont gardées ; les options données ici l'emportent.
    Lève `ErreurDonnees` si les instances ou les participants restent introuvables, ou
    si l'année de l'enquête n'est ni donnée ni lisible dans les dates de soumission.
    """
    dossier = Path(dossier)
    if not dossier.is_dir():
        raise ErreurDonnees(f"Le dossier d'exports « {chemins.relatif(dossier)} » n'existe pas.")
    base = base or {}
    specs_base = {t: (s if isinstance(s, dict) else {"chemin": s})
                  for t, s in (base.get("fichiers") or {}).items() if s}
    declares = {str(s["chemin"]): s for s in specs_base.values() if s.get("chemin")}
    fichiers, non_places = _fichiers(dossier, declares)
    remarques = []
    terr_base = specs_base.get("territoires", {}).get("chemin")
    imposes = {"territoires": f for f in fichiers if f.relatif == terr_base} if terr_base else {}
    tables = attribuer(fichiers, imposes=imposes)
    manquantes = [t for t in ("instances", "participants") if t not in tables]
    if manquantes:
        raise ErreurDonnees(
            f"{chemins.relatif(dossier)} : aucun fichier ne ressemble à la table {' ni à la table '.join(manquantes)} "
            f"(fichiers lus : {', '.join(f.relatif for f in fichiers) or 'aucun'}). Il faut au moins la colonne "
            + " et la colonne ".join(f"« {dictionnaire.cle(t)} »" for t in manquantes)
            + " (questionnaires générés par `python -m paquet_analyse questionnaire`).")
    annee = annee_enquete or base.get("annee_enquete") or _annee(fichiers)
    if annee is None:
        raise ErreurDonnees("Année de l'enquête introuvable dans les exports (aucune date de soumission) : "
                            "la donner avec --annee, par ex. --annee 2025.")
    corr_base = base.get("correspondance") or {}
    colonnes_base = (corr_base.get("colonnes") or {}) if isinstance(corr_base, dict) else {}
    territoires = _territoires(tables.get("territoires"), colonnes_base.get("territoires"))
    descripteur_fichiers, colonnes_corr, codes_corr = {}, {}, {}
    for table, fichier in tables.items():
        declare = specs_base.get(table)
        descripteur_fichiers[table] = (dict(declare) if declare and declare.get("chemin") == fichier.relatif
                                       else {"chemin": fichier.relatif, **fichier.options})
        if fichier.vide:
            remarques.append(f"{fichier.relatif} ({table}) : aucune ligne de données ; exporter de nouveau avec "
                             "les réponses.")
        if table == "territoires" and colonnes_base.get("territoires"):
            colonnes_corr["territoires"] = dict(colonnes_base["territoires"])
            continue
        placees, autres = _colonnes(fichier, table)
        renommees = {e: v for e, v in placees.items() if normaliser_nom(e) != v}
        if renommees:
            colonnes_corr[table] = renommees
        non_places += [f"{fichier.relatif} ({table}) : colonne « {e} » non placée ({_pourquoi_non_place(e, fichier)})."
                       for e in autres]
        if table != "territoires":
            codes, inconnues = _codes(fichier.tableau, table, placees, territoires, fichier.relatif)
            for nom, table_codes in codes.items():
                codes_corr.setdefault(nom, {}).update(table_codes)
            non_places += inconnues
    utilises = {f.relatif for f in tables.values()}
    for f in fichiers:
        if f.relatif not in utilises:
            quoi = ("fichier sans aucune ligne de données, écarté (un fichier rempli lui est préféré)" if f.vide
                    else "fichier non placé (ni instances, ni participants, ni territoires)")
            non_places.append(f"{f.relatif} : {quoi}.")
    outil = _outil(list(tables.values()))
    exclusions, annonces = _exclusions(tables)
    declarees = base.get("exclusions") if isinstance(base.get("exclusions"), dict) else {}
    if declarees:  # celles du jeu.yml existant l'emportent ; les règles de l'outil complètent les clés absentes
        annonces = [a for a in annonces if a.split(" ", 1)[0].removeprefix("exclusions.") not in declarees]
        exclusions = {**declarees, **{k: v for k, v in exclusions.items() if k not in declarees}}
    remarques += annonces
    valeurs = {
        "titre": f"Concertations : {dossier.name} (exports de questionnaires)",
        "region": dossier.name,
        "annee_enquete": int(annee),
        "source": f"Exports des questionnaires générés par paquet_analyse, collectés avec {outil}.",
    }
    valeurs.update({k: base[k] for k in CLES_GARDEES if k in base})
    valeurs.update({k: v for k, v in (("titre", titre), ("region", region), ("annee_enquete", annee_enquete))
                    if v is not None})
    valeurs["simule"] = bool(simule or valeurs.get("simule"))
    valeurs["fichiers"] = {t: descripteur_fichiers[t] for t in dictionnaire.TABLES if t in descripteur_fichiers}
    valeurs["valeurs_manquantes"] = list(base.get("valeurs_manquantes") or VALEURS_MANQUANTES)
    codes_corr = {**((corr_base.get("codes") or {}) if isinstance(corr_base, dict) else {}), **codes_corr}
    valeurs["correspondance"] = {k: v for k, v in (("colonnes", colonnes_corr), ("codes", codes_corr)) if v}
    valeurs["exclusions"] = exclusions
    ordre = ("titre", "region", "annee_enquete", "source", "simule", "notes", "effets_plantes", "simulation",
             "fichiers", "valeurs_manquantes", "correspondance", "exclusions")
    toujours = ("simule", "valeurs_manquantes")
    descripteur = {k: valeurs[k] for k in ordre if k in valeurs and (valeurs[k] or k in toujours)}
    return Reconnaissance(dossier=dossier, descripteur=descripteur,
                          tables={t: f.relatif for t, f in tables.items()}, non_places=non_places,
                          remarques=remarques)


def jeu_depuis_export(dossier: str | Path, *, ecraser: bool = False, **options) -> tuple[Reconnaissance, str]:
    """Reconnaît les exports de `dossier` et y écrit `jeu.yml` ; renvoie (reconnaissance, état d'écriture).

    Options : celles de `reconnaitre` (titre, region, annee_enquete, simule). Les clés d'un `jeu.yml`
    existant (titre, année, exclusions, fichier des territoires…) sont gardées. Écrit avant la collecte
    (sans fichiers de réponses), il est complété (état « complété ») ; un autre `jeu.yml` différent
    n'est remplacé qu'avec `ecraser=True`.
    """
    dossier = Path(dossier)
    base, avant_collecte = _existant(dossier) if dossier.is_dir() else (None, False)
    reconnaissance = reconnaitre(dossier, base=base, **options)
    etat = ecriture.ecrire_descripteur_jeu(reconnaissance.yaml(), reconnaissance.dossier,
                                          ecraser=ecraser or avant_collecte)
    return reconnaissance, ("complété" if avant_collecte and etat == "remplacé" else etat)
