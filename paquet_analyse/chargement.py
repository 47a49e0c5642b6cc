"""Lecture d'un jeu de données : `jeu.yml`, puis les fichiers qu'il nomme.

Formats : CSV (UTF-8, UTF-8 avec BOM, UTF-16 « Texte Unicode » d'Excel,
Windows-1252/Latin-1 ; séparateurs `,` `;` tabulation `|` ; virgule
décimale), XLSX, SPSS `.sav`, Stata `.dta` (les étiquettes de valeurs passent
par la `correspondance`).

Le chargement ne modifie jamais les fichiers bruts. Il produit :

- `Jeu.brut[table]` : le texte normalisé (colonnes et codes renommés selon la
  correspondance, valeurs manquantes déclarées mises à NA), indexé par le
  numéro de ligne du fichier (la ligne où commence l'enregistrement, même
  après une valeur sur plusieurs lignes ou une ligne vide ; la ligne Excel ;
  le numéro d'observation SPSS/Stata) ; c'est ce que la validation examine ;
- `Jeu.instances`, `Jeu.participants`, `Jeu.territoires` : les tableaux typés
  (catégories du dictionnaire, entiers nullables, booléens) ; une valeur
  invalide y devient NA, et la validation la signale.

Ce que la lecture décide, et dit (`Jeu.problemes`) :

- encodage : déclaré (`encodage`), sinon UTF-8 (avec ou sans BOM), UTF-16 si
  le fichier commence par sa marque, sinon Windows-1252. Un fichier surtout en
  UTF-8 avec quelques octets Windows-1252 (fichier retouché à la main) est lu,
  mais chaque ligne touchée est une erreur `encodage_mixte` ;
- séparateur : déclaré (`separateur`) et vérifié (un séparateur déclaré absent
  des lignes alors qu'un autre y est est une erreur de lecture), sinon celui
  qui découpe les premières lignes de la façon la plus régulière ;
- ligne d'en-tête : déclarée (`ligne_entete`, numéro de ligne du fichier),
  sinon la ligne, parmi les dix premières non vides, qui contient le plus de
  noms du dictionnaire ou de la correspondance (une ligne de titre au-dessus
  de l'en-tête est ainsi écartée, et signalée en information) ;
- Excel : feuille déclarée (`feuille` : nom, ou numéro à partir de 1), sinon
  la première (signalé s'il y en a plusieurs) ; les formules sont lues par
  leur valeur calculée, enregistrée par le tableur ; une formule sans valeur
  calculée (classeur produit par un programme, jamais ouvert) est une erreur ;
  une date reste une date (« 2005-03-01 ») et la validation la refuse là où
  un nombre est attendu ;
- lignes plus longues que l'en-tête (séparateur dans une valeur sans
  guillemets) : écartées, chacune signalée en erreur ; lignes plus courtes :
  champs manquants lus comme vides (Excel omet parfois les séparateurs de fin).

Un fichier illisible (vide, binaire, séparateur ou encodage déclarés faux,
feuille absente, guillemet jamais refermé…) lève `ErreurLecture`, dont
`problemes` liste chaque problème de chaque fichier, avec sa correction.

Exemple
-------
>>> from paquet_analyse import chargement, chemins
>>> jeu = chargement.charger_jeu(chemins.jeu_defaut())
>>> jeu.simule
True
"""

from __future__ import annotations

import codecs
import contextvars
import csv
import io
import re
import unicodedata
import warnings
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
import yaml

from . import chemins, dictionnaire
from .erreurs import ErreurDonnees, ErreurJeu, ErreurLecture, Probleme

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
SEPARATEURS = (",", ";", "\t", "|")
NOMS_SEPARATEURS = {",": "virgule", ";": "point-virgule", "\t": "tabulation", "|": "barre verticale"}
LIGNES_EXAMINEES_ENTETE = 10

VRAI = {"oui", "o", "1", "vrai", "v", "true", "t", "yes", "y", "1.0"}
FAUX = {"non", "n", "0", "faux", "f", "false", "no", "0.0"}


@dataclass
class Jeu:
    """Un jeu de données chargé."""

    dossier: Path
    descripteur: dict
    fichiers: dict[str, Path]
    brut: dict[str, pd.DataFrame]
    instances: pd.DataFrame
    participants: pd.DataFrame
    territoires: pd.DataFrame | None
    problemes: list[Probleme] = field(default_factory=list)

    @property
    def nom(self) -> str:
        return self.dossier.name

    @property
    def titre(self) -> str:
        return str(self.descripteur.get("titre", self.nom))

    @property
    def simule(self) -> bool:
        return bool(self.descripteur.get("simule", False))

    @property
    def annee_enquete(self) -> int:
        return int(self.descripteur["annee_enquete"])

    def liste_territoires(self) -> list[str]:
        """Territoires présents dans les instances, triés."""
        return sorted(self.instances["territoire"].dropna().unique().tolist())

    def fichier_affiche(self, table: str) -> str:
        return chemins.relatif(self.fichiers[table])


# --------------------------------------------------------------------------
# Normalisation de texte


def normaliser_nom(texte: Any) -> str:
    """Minuscules, sans accents, ponctuation remplacée par `_`."""
    ascii_ = unicodedata.normalize("NFKD", str(texte)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_.lower()).strip("_")


def _en_texte(valeur: Any) -> Any:
    """Une cellule lue (nombre, date, texte) rendue en texte ; NA reste NA."""
    if type(valeur) is str:  # cas de loin le plus fréquent
        return valeur.replace("\u00a0", " ").strip()
    if valeur is None or valeur is pd.NA or valeur is pd.NaT:
        return pd.NA
    if isinstance(valeur, float):
        if np.isnan(valeur):
            return pd.NA
        return str(int(valeur)) if valeur.is_integer() else repr(valeur)
    if isinstance(valeur, (bool, np.bool_)):
        return "vrai" if valeur else "faux"
    if isinstance(valeur, (int, np.integer)):
        return str(int(valeur))
    if isinstance(valeur, np.floating):
        return _en_texte(float(valeur))
    if isinstance(valeur, pd.Timestamp) or hasattr(valeur, "isoformat"):
        return valeur.isoformat()[:10] if hasattr(valeur, "hour") else valeur.isoformat()
    return str(valeur).replace("\u00a0", " ").strip()


def _par_valeur_distincte(serie: pd.Series, fonction) -> pd.Series:
    """Applique `fonction` une fois par valeur distincte (gros fichiers : peu de
    valeurs distinctes par colonne). Réservé au texte : `factorize` confondrait
    1, 1.0 et True venus d'un tableur."""
    codes, distinctes = pd.factorize(serie.to_numpy(dtype=object), use_na_sentinel=True)
    images = np.array([fonction(v) for v in distinctes] + [pd.NA], dtype=object)
    return pd.Series(images[codes], index=serie.index, dtype=object)


def _colonne_en_texte(serie: pd.Series, *, tout_texte: bool) -> pd.Series:
    if tout_texte:
        return _par_valeur_distincte(serie, _en_texte)
    return serie.astype(object).map(_en_texte)


# --------------------------------------------------------------------------
# Descripteur


class _ChargeurYamlStrict(yaml.SafeLoader):
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
    "en double": None,  # message déjà en français (_ChargeurYamlStrict)
    "cannot start any token": "caractère interdit en début de valeur (une tabulation ? des espaces seulement)",
    "mapping values are not allowed": "deux-points mal placé (une valeur qui contient « : » s'entoure de guillemets)",
    "could not find expected ':'": "deux-points manquant après une clé",
    "expected <block end>": "indentation incohérente",
    "found undefined alias": "alias (*nom) sans ancre (&nom) correspondante",
    "while scanning a quoted scalar": "guillemet jamais refermé",
}


def _lire_yaml(chemin: Path) -> Any:
    affiche = chemins.relatif(chemin)
    try:
        return yaml.load(chemin.read_text(encoding="utf-8-sig"), Loader=_ChargeurYamlStrict)
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
    desc = _lire_yaml(chemin)
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


def _spec_fichier(desc: dict, table: str) -> dict:
    spec = desc["fichiers"][table]
    return dict(spec) if isinstance(spec, dict) else {"chemin": spec}


# --------------------------------------------------------------------------
# Lecture brute : problèmes fatals


@dataclass
class _Lecture:
    """Ce que la lecture d'un fichier produit : le tableau en texte (colonnes =
    étiquettes d'en-tête, éventuellement en double ; index = lignes du
    fichier), la 1re ligne de données, et les problèmes non fatals."""

    tableau: pd.DataFrame
    premiere: int
    problemes: list[Probleme]


def _fatal(fichier: str, regle: str, message: str, correction: str, *, ligne=None, colonne=None,
           valeur=None) -> ErreurLecture:
    probleme = Probleme(fichier, ligne, colonne, valeur, regle, message, correction)
    return ErreurLecture(probleme.en_texte(), [probleme])


def message_lecture(problemes: list[Probleme]) -> str:
    """Texte français d'une `ErreurLecture` : une puce par problème."""
    return ("Fichier(s) illisible(s), à corriger avant toute validation :\n"
            + "\n".join(f"  - {p.en_texte()}" for p in problemes))


# --------------------------------------------------------------------------
# Lecture brute : encodage


# Séquences UTF-8 du texte français courant (lettres accentuées, œ, guillemets,
# apostrophe courbe, tirets, points de suspension, euro) : quasi absentes d'un
# texte Windows-1252 (il y faudrait « Ã » ou « Â » suivis d'un symbole).
MOTIF_UTF8_FRANCAIS = re.compile(rb"[\xc2\xc3][\x80-\xbf]|\xc5[\x92\x93\xa0\xa1\xb8\xbd\xbe]"
                                 rb"|\xe2\x80[\x90-\xbf]|\xe2\x82\xac")
_REPARATIONS: contextvars.ContextVar[list | None] = contextvars.ContextVar("reparations", default=None)


def _repli_latin1(exc: UnicodeDecodeError):
    """Octets non définis en Windows-1252 (0x81, 0x8D…) : lus en Latin-1."""
    return exc.object[exc.start:exc.end].decode("latin-1"), exc.end


def _repli_cp1252(exc: UnicodeDecodeError):
    """Octets invalides en UTF-8 : lus en Windows-1252, et notés."""
    lu = exc.object[exc.start:exc.end].decode("cp1252", errors="paquet_analyse_latin1")
    notes = _REPARATIONS.get()
    if notes is not None:
        notes.append((exc.start, lu))
    return lu, exc.end


codecs.register_error("paquet_analyse_latin1", _repli_latin1)
codecs.register_error("paquet_analyse_cp1252", _repli_cp1252)


def _numeroteur_lignes(octets: bytes):
    """Fonction : position d'un octet -> numéro de ligne (1 = première)."""
    fins = [m.start() for m in re.finditer(rb"\r\n?|\n", octets)]
    return lambda position: bisect_right(fins, position - 1) + 1


def _decoder(octets: bytes, encodage: str | None, fichier: str) -> tuple[str, list[tuple[int, str]]]:
    """Texte, et les octets Windows-1252 trouvés dans un fichier UTF-8 : (ligne, texte lu)."""
    if encodage:
        _refuser_utf8_declare_autrement(octets, encodage, fichier)
        try:
            return octets.decode(encodage).removeprefix("\ufeff"), []
        except UnicodeDecodeError as exc:
            raise _erreur_encodage(octets, exc, encodage, fichier) from None
    if octets.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return octets.decode("utf-16").removeprefix("\ufeff"), []
        except UnicodeDecodeError as exc:
            raise _erreur_encodage(octets, exc, "utf-16", fichier) from None
    octets = octets.removeprefix(codecs.BOM_UTF8)
    try:
        return octets.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    if not MOTIF_UTF8_FRANCAIS.search(octets):  # Windows-1252 d'un bout à l'autre
        return octets.decode("cp1252", errors="paquet_analyse_latin1"), []
    jeton = _REPARATIONS.set([])
    try:
        texte = octets.decode("utf-8", errors="paquet_analyse_cp1252")
        notes = _REPARATIONS.get()
    finally:
        _REPARATIONS.reset(jeton)
    ligne = _numeroteur_lignes(octets)
    return texte, [(ligne(position), lu) for position, lu in notes]


def _ligne_autour(octets: bytes, position: int, encodage: str) -> str:
    """La ligne qui contient l'octet `position`, décodée sans échec (80 caractères au plus)."""
    debut = max(octets.rfind(b"\n", 0, position), octets.rfind(b"\r", 0, position)) + 1
    fin = min((i for i in (octets.find(b"\n", position), octets.find(b"\r", position)) if i >= 0),
              default=len(octets))
    return octets[debut:fin].decode(encodage, errors="replace").strip()[:80]


def _refuser_utf8_declare_autrement(octets: bytes, encodage: str, fichier: str) -> None:
    """Un fichier UTF-8 accentué déclaré en Windows-1252 ou Latin-1 serait lu « Ã© » sans erreur."""
    if codecs.lookup(encodage).name not in ("cp1252", "iso8859-1", "iso8859-15", "mac-roman", "cp850"):
        return
    accent = MOTIF_UTF8_FRANCAIS.search(octets)
    if accent is None:
        return
    try:
        octets.decode("utf-8")
    except UnicodeDecodeError:
        return
    raise _fatal(fichier, "encodage_incoherent",
                 f"jeu.yml déclare l'encodage « {encodage} », mais le fichier est en UTF-8 : les accents "
                 f"seraient lus de travers (« {accent.group().decode('utf-8')} » lu "
                 f"« {accent.group().decode(encodage, errors='replace')} »).",
                 "Déclarer encodage: utf-8 pour ce fichier dans jeu.yml, ou retirer l'option (détection "
                 "automatique).", ligne=_numeroteur_lignes(octets)(accent.start()),
                 valeur=_ligne_autour(octets, accent.start(), "utf-8"))


def _erreur_encodage(octets: bytes, exc: UnicodeDecodeError, encodage: str, fichier: str) -> ErreurLecture:
    ligne = _numeroteur_lignes(octets)(exc.start)
    extrait = _ligne_autour(octets, exc.start, encodage)
    try:
        octets.decode("utf-8")
        probable = "utf-8"
    except UnicodeDecodeError:
        probable = "cp1252"
    return _fatal(fichier, "encodage_invalide",
                  f"l'octet 0x{octets[exc.start]:02X} est invalide pour l'encodage déclaré « {encodage} ».",
                  f"Corriger l'option encodage de ce fichier dans jeu.yml (il semble être en {probable}), "
                  "ou la retirer pour laisser la détection automatique.",
                  ligne=ligne, valeur=extrait)


def _refuser_binaire(texte: str, fichier: str) -> None:
    """Un fichier texte ne contient pas d'octet nul : sinon c'est un binaire mal nommé."""
    position = texte.find("\x00")
    if position < 0:
        return
    debut = texte[:4]
    if debut.startswith("PK"):
        nature = "un classeur Excel (.xlsx) ou une archive zip renommés en texte"
    elif debut.startswith("\u00d0\u00cf\u0011\u00e0") or debut.startswith("ÐÏ"):
        nature = "un ancien classeur Excel (.xls)"
    elif debut.startswith("$FL"):
        nature = "un fichier SPSS (.sav)"
    else:
        nature = "un fichier binaire"
    raise _fatal(fichier, "fichier_binaire", f"le fichier contient des octets nuls : c'est {nature}, pas du texte CSV.",
                 "Exporter de nouveau en CSV (ou nommer le fichier avec sa vraie extension).",
                 ligne=texte.count("\n", 0, position) + 1)


# --------------------------------------------------------------------------
# Lecture brute : CSV


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


def _choisir_separateur(texte: str, declare: str | None, defaut: str | None, fichier: str) -> str:
    qualites = {s: _regularite(_comptes_champs(texte, s)) for s in SEPARATEURS}
    meilleur = max(SEPARATEURS, key=lambda s: qualites[s])
    if declare:
        if _regularite(_comptes_champs(texte, declare))[1] >= 2 or qualites[meilleur][1] < 2:
            return declare
        raise _fatal(
            fichier, "separateur_incorrect",
            f"jeu.yml déclare le séparateur « {declare} » ({NOMS_SEPARATEURS.get(declare, 'caractère')}), "
            f"mais les lignes n'en contiennent pas ; elles sont découpées en {qualites[meilleur][1]} "
            f"colonnes par « {meilleur} » ({NOMS_SEPARATEURS[meilleur]}).",
            f"Corriger l'option separateur de ce fichier dans jeu.yml (« {meilleur} »), ou la retirer "
            "pour laisser la détection automatique.", ligne=1, valeur=texte.split("\n", 1)[0][:80])
    if defaut and qualites[defaut][1] >= 2:
        return defaut
    return meilleur if qualites[meilleur][1] >= 2 else ","


def _grille_csv(texte: str, sep: str, fichier: str) -> pd.DataFrame:
    """Tous les enregistrements (en-tête compris), index = ligne où chacun commence.

    Voie rapide : l'analyseur C de pandas, quand chaque enregistrement tient
    sur une ligne. Sinon (valeur sur plusieurs lignes, ligne trop longue) : le
    module csv, qui donne la ligne de chaque enregistrement.
    """
    nb_lignes = texte.count("\n") + (not texte.endswith("\n"))
    try:
        grille = pd.read_csv(io.StringIO(texte), sep=sep, header=None, dtype=str, keep_default_na=False,
                             skip_blank_lines=False, engine="c")
        if len(grille) == nb_lignes:
            grille.index = pd.RangeIndex(1, nb_lignes + 1)
            return grille
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        pass
    return _grille_csv_lente(texte, sep, fichier)


ERREURS_CSV = {
    "unexpected end of data": "guillemet ouvert jamais refermé",
    "expected after": "caractère collé à un guillemet fermant",
    "field larger than field limit": "champ démesuré (guillemet jamais refermé ?)",
}


def _grille_csv_lente(texte: str, sep: str, fichier: str) -> pd.DataFrame:
    lecteur = csv.reader(io.StringIO(texte, newline=""), delimiter=sep, strict=True)
    enregistrements, debuts, fin = [], [], 0
    try:
        for champs in lecteur:
            debuts.append(fin + 1)
            enregistrements.append(champs)
            fin = lecteur.line_num
    except csv.Error as exc:
        cause = next((fr for en, fr in ERREURS_CSV.items() if en in str(exc)), "structure CSV invalide")
        extrait = texte.split("\n")[fin][:80] if fin < texte.count("\n") + 1 else ""
        raise _fatal(fichier, "csv_mal_forme", f"{cause} dans l'enregistrement qui commence à cette ligne.",
                     "Vérifier les guillemets de cette ligne (une valeur qui contient le séparateur, un "
                     "guillemet ou un saut de ligne s'entoure de guillemets, et un guillemet s'y double : "
                     "\"\"), ou exporter de nouveau le fichier.", ligne=fin + 1, valeur=extrait) from None
    grille = pd.DataFrame(enregistrements, dtype=object)
    grille.index = pd.Index(debuts)
    return grille


def _lire_texte(chemin: Path, fichier: str, *, separateur, encodage) -> tuple[pd.DataFrame, list]:
    texte, reparations = _decoder(chemin.read_bytes(), encodage, fichier)
    _refuser_binaire(texte, fichier)
    texte = texte.replace("\r\n", "\n").replace("\r", "\n")
    if not texte.strip():
        raise _fatal(fichier, "fichier_vide", "le fichier ne contient que des blancs.",
                     "Exporter de nouveau le tableau avec sa ligne d'en-tête.")
    defaut = "\t" if chemin.suffix.lower() == ".tsv" else None
    sep = _choisir_separateur(texte, separateur, defaut, fichier)
    return _grille_csv(texte, sep, fichier), reparations


# --------------------------------------------------------------------------
# Lecture brute : Excel


def _choisir_feuille(noms: list[str], feuille, fichier: str) -> tuple[str, list[Probleme]]:
    disponibles = ", ".join(f"« {n} »" for n in noms)
    if feuille is None:
        infos = []
        if len(noms) > 1:
            infos.append(Probleme(fichier, None, None, noms[0], "feuille_choisie",
                                  f"le classeur a {len(noms)} feuilles ({disponibles}) : la première a été lue.",
                                  "Pour en lire une autre, déclarer son nom dans l'option feuille de ce fichier "
                                  "(jeu.yml).", gravite="information"))
        return noms[0], infos
    if isinstance(feuille, int):
        if 1 <= feuille <= len(noms):
            return noms[feuille - 1], []
        raise _fatal(fichier, "feuille_absente", f"le classeur n'a que {len(noms)} feuille(s) ({disponibles}).",
                     "Corriger l'option feuille dans jeu.yml (un nom, ou un numéro à partir de 1).",
                     valeur=str(feuille))
    if feuille in noms:
        return feuille, []
    proches = [n for n in noms if normaliser_nom(n) == normaliser_nom(feuille)]
    conseil = f"Écrire exactement « {proches[0]} »" if proches else "Choisir une des feuilles disponibles"
    raise _fatal(fichier, "feuille_absente", f"aucune feuille de ce nom ; feuilles disponibles : {disponibles}.",
                 f"{conseil} dans l'option feuille de ce fichier (jeu.yml).", valeur=str(feuille))


def _ouvrir_classeur(chemin: Path, fichier: str, *, valeurs: bool):
    import openpyxl  # import paresseux

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # mises en forme non prises en charge
            return openpyxl.load_workbook(chemin, read_only=True, data_only=valeurs)
    except Exception as exc:  # noqa: BLE001 - tout échec du lecteur devient un message
        raise _fatal(fichier, "excel_illisible",
                     f"classeur Excel illisible ({type(exc).__name__}) : fichier abîmé, protégé par "
                     "mot de passe, ou qui n'est pas un vrai .xlsx.",
                     "L'ouvrir dans Excel ou LibreOffice et l'enregistrer de nouveau au format .xlsx "
                     "(ou l'exporter en CSV).") from None


def _lignes_feuille(classeur, nom: str, *, cellules: bool):
    feuille = classeur[nom]
    feuille.reset_dimensions()  # certains logiciels écrivent de fausses dimensions
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return list(feuille.iter_rows(values_only=not cellules))


def _lire_excel(chemin: Path, fichier: str, *, feuille) -> tuple[pd.DataFrame, list[Probleme], dict]:
    """Grille des valeurs (formules : valeur calculée), infos, et formules par (ligne, position)."""
    classeur = _ouvrir_classeur(chemin, fichier, valeurs=True)
    try:
        noms = list(classeur.sheetnames)
        nom, infos = _choisir_feuille(noms, feuille, fichier)
        valeurs = [list(r) for r in _lignes_feuille(classeur, nom, cellules=False)]
    finally:
        classeur.close()
    classeur = _ouvrir_classeur(chemin, fichier, valeurs=False)
    try:
        formules = {(i, j): str(getattr(c.value, "text", c.value))
                    for i, rangee in enumerate(_lignes_feuille(classeur, nom, cellules=True), start=1)
                    for j, c in enumerate(rangee) if getattr(c, "data_type", None) == "f"}
    finally:
        classeur.close()
    if not any(any(v is not None for v in r) for r in valeurs):
        autres = ", ".join(f"« {n} »" for n in noms if n != nom) or "aucune"
        raise _fatal(fichier, "fichier_vide", f"la feuille « {nom} » est vide (autres feuilles : {autres}).",
                     "Déclarer la feuille qui contient les données dans l'option feuille de ce fichier (jeu.yml).",
                     valeur=nom)
    grille = pd.DataFrame(valeurs, dtype=object)
    grille.index = pd.RangeIndex(1, len(grille) + 1)
    return grille, infos, formules


def _problemes_formules(formules: dict, valeurs: pd.DataFrame, etiquettes: dict[int, str],
                        premiere: int, fichier: str) -> list[Probleme]:
    """Formules des cellules de données : erreur si aucune valeur calculée, sinon une information."""
    problemes, calculees = [], []
    for (ligne, position), formule in sorted(formules.items()):
        if ligne < premiere or position not in etiquettes:
            continue
        valeur = valeurs.at[ligne, position] if ligne in valeurs.index else None
        if valeur is None or (isinstance(valeur, float) and np.isnan(valeur)):
            problemes.append(Probleme(
                fichier, ligne, etiquettes[position], formule, "formule_sans_valeur",
                "formule sans valeur calculée enregistrée (classeur produit par un programme, jamais "
                "recalculé) : la cellule serait lue vide.",
                "Ouvrir le classeur dans Excel ou LibreOffice et l'enregistrer (les formules sont alors "
                "calculées), ou remplacer les formules par leurs valeurs (Collage spécial > Valeurs)."))
        else:
            calculees.append((ligne, etiquettes[position], formule))
    if calculees:
        ligne, colonne, formule = calculees[0]
        problemes.append(Probleme(
            fichier, None, None, None, "formules_lues",
            f"{len(calculees)} cellule(s) de données contiennent une formule (par ex. ligne {ligne}, colonne "
            f"« {colonne} » : {formule}) ; leur valeur calculée, enregistrée par le tableur, a été lue.",
            "Rien à faire si ces valeurs sont à jour ; sinon ouvrir le classeur, le recalculer et l'enregistrer.",
            gravite="information"))
    return problemes


# --------------------------------------------------------------------------
# Lecture brute : SPSS et Stata


def _lire_etiquete(chemin: Path, fichier: str) -> pd.DataFrame:
    import pyreadstat  # import paresseux : lent, et seulement pour ces formats

    lecteur = pyreadstat.read_sav if chemin.suffix.lower() == ".sav" else pyreadstat.read_dta
    try:
        tableau, _ = lecteur(str(chemin), apply_value_formats=True, formats_as_category=False)
    except Exception as exc:  # noqa: BLE001 - tout échec du lecteur devient un message
        raise _fatal(fichier, "fichier_illisible",
                     f"fichier {chemin.suffix} illisible ({type(exc).__name__}) : abîmé ou d'un autre format.",
                     "L'exporter de nouveau depuis SPSS ou Stata (ou en CSV).") from None
    tableau.columns = [str(c).strip() for c in tableau.columns]
    tableau.index = pd.RangeIndex(1, len(tableau) + 1, name="ligne")
    return tableau


# --------------------------------------------------------------------------
# Lecture brute : en-tête et lignes


def _vide(grille: pd.DataFrame) -> pd.DataFrame:
    """Cellules vides d'une grille déjà rendue en texte (NA ou texte vide)."""
    return grille.isna() | grille.eq("")


def _choisir_entete(grille: pd.DataFrame, lignes_non_vides: pd.Index, *, ligne_entete, attendues,
                    fichier: str) -> tuple[int, list[Probleme]]:
    if ligne_entete is not None:
        if ligne_entete not in lignes_non_vides:
            raise _fatal(fichier, "ligne_entete_vide",
                         f"la ligne d'en-tête déclarée ({ligne_entete}) est vide ou au-delà de la fin du fichier.",
                         "Corriger l'option ligne_entete de ce fichier dans jeu.yml, ou la retirer pour laisser "
                         "la détection automatique.", ligne=ligne_entete)
        return int(ligne_entete), []
    candidates = list(lignes_non_vides[:LIGNES_EXAMINEES_ENTETE])
    if not attendues:
        return int(candidates[0]), []
    scores = {ligne: sum(normaliser_nom(_en_texte(v)) in attendues for v in grille.loc[ligne] if pd.notna(v))
              for ligne in candidates}
    choisie = max(candidates, key=lambda ligne: (scores[ligne], -ligne))
    if scores[choisie] <= scores[candidates[0]]:
        return int(candidates[0]), []
    ecartees = [str(int(ligne)) for ligne in candidates if ligne < choisie]
    return int(choisie), [Probleme(
        fichier, int(choisie), None, None, "entete_detectee",
        f"la ligne d'en-tête est la ligne {choisie} ({scores[choisie]} noms du dictionnaire reconnus) ; "
        f"ligne(s) {', '.join(ecartees)} au-dessus (titre, en-tête fusionné…) écartée(s).",
        f"Rien à faire si c'est juste ; pour le rendre explicite, déclarer ligne_entete: {choisie} pour ce "
        "fichier dans jeu.yml.", gravite="information")]


def _etiquettes(valeurs) -> list[str]:
    return [("" if pd.isna(v) else str(_en_texte(v))) for v in valeurs]


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


def _mettre_en_forme(grille: pd.DataFrame, fichier: str, *, lignes_a_sauter: int, ligne_entete,
                     attendues: set[str], texte: bool) -> _MiseEnForme:
    """Choisit l'en-tête ; écarte lignes vides, lignes sautées, lignes trop longues et colonnes sans nom."""
    vides = _vide(grille)
    non_vides = grille.index[~vides.all(axis=1)]
    if not len(non_vides):
        raise _fatal(fichier, "fichier_vide", "le fichier ne contient aucune ligne remplie.",
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


def _problemes_encodage(reparations, tableau: pd.DataFrame, entete_ligne: int, etiquettes: list,
                        fichier: str) -> list[Probleme]:
    """Une erreur par ligne touchée par des octets Windows-1252, avec la colonne et la valeur lue."""
    problemes, vues = [], set()
    for ligne, lu in reparations:
        debuts = tableau.index[tableau.index <= ligne]
        colonne, valeur, ou = None, lu, ligne
        if ligne == entete_ligne:
            colonne = next((e for e in etiquettes if lu in e), None)
        elif len(debuts):
            ou = int(debuts[-1])
            rangee = tableau.loc[ou]
            colonne = next((c for c, v in rangee.items() if isinstance(v, str) and lu in v), None)
            valeur = rangee[colonne] if colonne is not None else lu
        if (ou, colonne) in vues:
            continue
        vues.add((ou, colonne))
        problemes.append(Probleme(
            fichier, ou, colonne, str(valeur)[:80], "encodage_mixte",
            f"fichier en UTF-8 qui contient aussi des caractères en Windows-1252 (« {lu} » lu ainsi) : "
            "fichier retouché à la main ou assemblé de deux exports ?",
            "Vérifier la valeur lue, puis enregistrer le fichier entier dans un seul encodage (UTF-8) ou "
            "l'exporter de nouveau ; si le fichier est en fait entièrement en Windows-1252, déclarer "
            "encodage: cp1252 pour ce fichier dans jeu.yml."))
    return problemes


# --------------------------------------------------------------------------
# Lecture brute : point d'entrée


def _lire(chemin: Path, *, feuille=None, separateur=None, encodage=None, lignes_a_sauter: int = 0,
          ligne_entete=None, attendues: set[str] | None = None) -> _Lecture:
    """Lit un fichier brut en texte ; lève `ErreurLecture` s'il est illisible."""
    fichier = chemins.relatif(chemin)
    suffixe = chemin.suffix.lower()
    if chemin.stat().st_size == 0:
        raise _fatal(fichier, "fichier_vide", "le fichier est vide.",
                     "Exporter de nouveau le tableau avec sa ligne d'en-tête.")
    if suffixe in (".sav", ".dta"):
        tableau = _lire_etiquete(chemin, fichier)
        return _Lecture(tableau.apply(lambda c: _colonne_en_texte(c, tout_texte=False)), 1, [])
    if suffixe not in EXTENSIONS_TEXTE | EXTENSIONS_EXCEL:
        raise _fatal(fichier, "format_inconnu", f"format « {suffixe} » non pris en charge.",
                     f"Exporter en {', '.join(sorted(EXTENSIONS))}.")
    texte = suffixe in EXTENSIONS_TEXTE
    reparations, formules, problemes = [], {}, []
    if texte:
        brute, reparations = _lire_texte(chemin, fichier, separateur=separateur, encodage=encodage)
    else:
        brute, problemes, formules = _lire_excel(chemin, fichier, feuille=feuille)
    grille = brute.apply(lambda c: _colonne_en_texte(c, tout_texte=texte))
    forme = _mettre_en_forme(grille, fichier, lignes_a_sauter=int(lignes_a_sauter or 0),
                             ligne_entete=ligne_entete, attendues=attendues or set(), texte=texte)
    problemes += forme.problemes
    if reparations:
        problemes += _problemes_encodage(reparations, forme.tableau, forme.entete,
                                         list(forme.etiquettes.values()), fichier)
    if formules:
        problemes += _problemes_formules(formules, brute, forme.etiquettes, forme.premiere, fichier)
    return _Lecture(forme.tableau.astype(object), forme.premiere, problemes)


def lire_tableau(chemin: Path, *, feuille=None, separateur=None, encodage=None,
                 lignes_a_sauter: int = 0, ligne_entete: int | None = None,
                 colonnes_attendues: set[str] | None = None) -> tuple[pd.DataFrame, int]:
    """Lit un fichier brut en texte ; renvoie (tableau, numéro de la 1re ligne de données).

    Paramètres
    ----------
    chemin : fichier CSV/TXT/TSV, XLSX/XLSM, SAV ou DTA.
    feuille : feuille Excel (nom, ou numéro à partir de 1) ; défaut : la première.
    separateur, encodage : ceux du fichier texte ; défaut : détectés.
    lignes_a_sauter : lignes à écarter juste sous l'en-tête (2e ligne d'en-tête).
    ligne_entete : numéro de la ligne d'en-tête ; défaut : détectée à l'aide de
        `colonnes_attendues` (noms normalisés par `normaliser_nom`), sinon la
        première ligne non vide.

    Renvoie
    -------
    (tableau, premiere) : le tableau en texte (NA pour une cellule vide),
    indexé par le numéro de ligne du fichier ; les problèmes non fatals sont
    dans `tableau.attrs["problemes"]`. Lève `ErreurLecture` si le fichier est
    illisible.
    """
    lecture = _lire(Path(chemin), feuille=feuille, separateur=separateur, encodage=encodage,
                    lignes_a_sauter=lignes_a_sauter, ligne_entete=ligne_entete, attendues=colonnes_attendues)
    lecture.tableau.attrs["problemes"] = lecture.problemes
    return lecture.tableau, lecture.premiere


# --------------------------------------------------------------------------
# Correspondance : noms de colonnes, puis codes


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


def _renommer_colonnes(tableau: pd.DataFrame, table: str, correspondance: dict,
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
        table[normaliser_nom(brut)] = _en_texte(code) if not isinstance(code, bool) else ("vrai" if code else "faux")
    return table


def _normaliser_valeurs(tableau: pd.DataFrame, table: str, desc: dict) -> pd.DataFrame:
    """Valeurs manquantes déclarées -> NA ; étiquettes -> codes. Une décision par valeur distincte."""
    manquantes = {str(_en_texte(v)) for v in (desc.get("valeurs_manquantes") or []) if v is not None} | {""}
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
        colonnes[nom] = _par_valeur_distincte(tableau[nom], normaliser)
    return pd.DataFrame(colonnes, index=tableau.index, columns=tableau.columns)


# --------------------------------------------------------------------------
# Typage


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
    """Convertit une colonne normalisée dans le type du dictionnaire ; invalide -> NA."""
    if variable.type in ("identifiant", "texte"):
        return serie.astype("string")
    if variable.type == "code":  # une valeur hors des catégories devient NA
        return pd.Categorical(serie.to_numpy(dtype=object), categories=[str(c) for c in variable.codes])
    if variable.type == "booleen":
        return _par_valeur_distincte(serie, {"vrai": True, "faux": False}.get).astype("boolean")
    valeurs = nombre(serie)
    if variable.type == "reel":
        return valeurs.astype("Float64")
    entiers = valeurs.where(np.isclose(valeurs, np.round(valeurs)) & (valeurs.abs() < 2**53))
    if variable.type == "ordinal":
        entiers = entiers.where(entiers.isin([float(c) for c in variable.codes]))
    return entiers.round().astype("Int64")


def _typer_table(brut: pd.DataFrame, table: str) -> pd.DataFrame:
    colonnes = {}
    for nom, var in dictionnaire.variables(table).items():
        if nom in brut.columns:
            colonnes[nom] = pd.Series(typer(brut[nom], var), index=brut.index)
    typee = pd.DataFrame(colonnes, index=brut.index)
    return typee.reset_index(drop=True)


# --------------------------------------------------------------------------
# Point d'entrée


def _lire_table(dossier: Path, desc: dict, table: str) -> tuple[Path, _Lecture]:
    spec = _spec_fichier(desc, table)
    cible = dossier / str(spec.pop("chemin"))
    attendues = noms_attendus(table, desc.get("correspondance"))
    return cible, _lire(cible, attendues=attendues, **spec)


def _preparer_table(lecture: _Lecture, table: str, desc: dict, fichier: str) -> tuple[pd.DataFrame, list]:
    """Renomme et normalise une table lue ; problèmes de lecture rattachés aux variables."""
    problemes = []
    if lecture.tableau.empty:
        problemes.append(Probleme(fichier, None, None, None, "fichier_sans_donnees",
                                  "le fichier ne contient aucune ligne de données (en-tête seul).",
                                  "Exporter de nouveau avec les réponses."))
    renomme, probs, noms = _renommer_colonnes(lecture.tableau, table, desc.get("correspondance") or {}, fichier)
    for p in lecture.problemes:
        if p.regle in ("formule_sans_valeur", "encodage_mixte") and p.colonne is not None:
            if p.colonne in noms:
                p = Probleme(**(p.en_dict() | {"colonne": noms[p.colonne]}))
            elif p.regle == "formule_sans_valeur":
                continue  # colonne écartée : sa formule ne compte pas
            else:
                p = Probleme(**(p.en_dict() | {"gravite": "information"}))
        problemes.append(p)
    return _normaliser_valeurs(renomme, table, desc), problemes + probs


def charger_jeu(chemin: str | Path) -> Jeu:
    """Charge le jeu décrit par `<chemin>/jeu.yml`.

    Paramètres
    ----------
    chemin : dossier du jeu (contenant `jeu.yml`).

    Renvoie
    -------
    Jeu : tableaux typés, texte normalisé (`brut`) et problèmes de lecture.
    Un descripteur incohérent lève `ErreurJeu` ; un fichier illisible lève
    `ErreurLecture` (tous les fichiers illisibles à la fois). Un problème de
    contenu (code inconnu, doublon…) n'arrête pas le chargement :
    `valider_jeu` les rapporte tous.
    """
    dossier = Path(chemin)
    desc = lire_descripteur(dossier)
    fichiers, lectures, fatals = {}, {}, []
    for table in dictionnaire.TABLES:
        if table in desc["fichiers"]:
            try:
                fichiers[table], lectures[table] = _lire_table(dossier, desc, table)
            except ErreurLecture as exc:
                fatals += exc.problemes
            except OSError as exc:
                fatals.append(Probleme(chemins.relatif(dossier / str(_spec_fichier(desc, table)["chemin"])),
                                       None, None, None, "fichier_inaccessible",
                                       f"lecture impossible ({exc.strerror or type(exc).__name__}).",
                                       "Vérifier les droits de lecture du fichier, ou qu'il n'est pas ouvert "
                                       "et verrouillé par un autre programme."))
    if fatals:
        raise ErreurLecture(message_lecture(fatals), fatals)
    bruts, problemes = {}, []
    for table, lecture in lectures.items():
        bruts[table], probs = _preparer_table(lecture, table, desc, chemins.relatif(fichiers[table]))
        problemes += probs
    typees = {t: _typer_table(b, t) for t, b in bruts.items()}
    return Jeu(dossier=dossier, descripteur=desc, fichiers=fichiers, brut=bruts,
               instances=typees["instances"], participants=typees["participants"],
               territoires=typees.get("territoires"), problemes=problemes)
