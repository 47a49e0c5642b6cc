"""Le descripteur `jeu.yml` : lecture et contrôle (tous les problèmes à la fois).

Un descripteur nomme les fichiers du jeu (`fichiers`, avec leurs options de
lecture : `feuille`, `separateur`, `encodage`, `lignes_a_sauter`,
`ligne_entete`), la `correspondance` des colonnes et des codes bruts vers le
dictionnaire, et les `valeurs_manquantes` déclarées. Un descripteur absent,
illisible ou incohérent lève `ErreurJeu`, une puce par problème.

Il peut aussi déclarer des `exclusions` : lignes à laisser hors de
l'analyse, nommées une à une avec leur motif, ou par règle (soumission non
approuvée dans KoboToolbox ou rejetée dans ODK Central, réponse incomplète
de LimeSurvey, période de soumission, doublons) ; les fichiers bruts ne sont
jamais retouchés (`chargement.exclusions`).

Le schéma est un modèle pydantic (`Descripteur`, `OptionsFichier`,
`Correspondance`, `Exclusions`) ; ses validateurs disent chaque problème en français, et
`lire_descripteur` les rapporte tous à la fois. La lecture YAML est celle,
stricte, de `documents_yaml` (clé en double refusée).
"""

from __future__ import annotations

import codecs
import datetime
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator,
                      model_validator)

from .. import chemins, dictionnaire
from ..documents_yaml import ErreurChamp, erreurs_pydantic, lire_yaml, refus
from ..erreurs import ErreurJeu
from .correspondance import variables_a_correspondance

CLES_DESCRIPTEUR = {
    "titre": True, "region": True, "annee_enquete": True, "source": True,
    "simule": True, "fichiers": True, "correspondance": False,
    "valeurs_manquantes": False, "effets_plantes": False, "notes": False,
    "simulation": False, "exclusions": False,
}
OPTIONS_FICHIER = {"chemin", "feuille", "separateur", "encodage", "lignes_a_sauter", "ligne_entete"}
EXTENSIONS_TEXTE = {".csv", ".txt", ".tsv"}
EXTENSIONS_EXCEL = {".xlsx", ".xlsm"}
EXTENSIONS = EXTENSIONS_TEXTE | EXTENSIONS_EXCEL | {".sav", ".dta"}


def _table_connue(table: str) -> str:
    if table not in dictionnaire.TABLES:
        raise refus(f"table inconnue « {table} » (permises : {', '.join(dictionnaire.TABLES)})")
    return table


def _variable_codee(nom: str) -> str:
    codees = {n for t in dictionnaire.TABLES for n in variables_a_correspondance(t)}  # dont territoire
    if nom not in codees:
        raise refus(f"« {nom} » n'est pas une variable codée du dictionnaire "
                    f"(variables à correspondance : {', '.join(sorted(codees))})")
    return nom


Table = Annotated[str, AfterValidator(_table_connue)]
VariableCodee = Annotated[str, AfterValidator(_variable_codee)]


class OptionsFichier(BaseModel):
    """Un fichier du jeu et ses options de lecture (toutes facultatives sauf `chemin`)."""

    model_config = ConfigDict(extra="forbid")

    chemin: Any = Field(None, validate_default=True)
    feuille: Any = None
    separateur: Any = None
    encodage: Any = None
    lignes_a_sauter: Any = None
    ligne_entete: Any = None

    @field_validator("chemin")
    @classmethod
    def _chemin(cls, relatif: Any, info: ValidationInfo) -> Any:
        relatif = str(relatif or "")
        dossier = Path((info.context or {}).get("dossier", "."))
        cible = dossier / relatif
        if not relatif or PurePosixPath(relatif).is_absolute() or ".." in PurePosixPath(relatif).parts:
            raise refus(f"« {relatif} » doit être un chemin relatif au dossier du jeu "
                        "(les fichiers bruts restent dans donnees_brutes/<jeu>/)")
        if not cible.is_file():
            raise refus(f"« {relatif} » introuvable dans {chemins.relatif(dossier)}")
        if cible.suffix.lower() not in EXTENSIONS:
            conseil = " ; l'enregistrer en .xlsx ou en .csv" if cible.suffix.lower() == ".xls" else ""
            raise refus(f"format « {cible.suffix} » non pris en charge "
                        f"(formats : {', '.join(sorted(EXTENSIONS))}){conseil}")
        return relatif

    @field_validator("separateur")
    @classmethod
    def _separateur(cls, sep: Any) -> Any:
        if sep is not None and (not isinstance(sep, str) or len(sep) != 1 or sep in "\"\r\n"):
            raise refus(f"« separateur » doit être un seul caractère, par ex. \";\" ou \"\\t\" (reçu « {sep} »)")
        return sep

    @field_validator("encodage")
    @classmethod
    def _encodage(cls, enc: Any) -> Any:
        if enc is not None:
            try:
                codecs.lookup(str(enc))
            except LookupError:
                raise refus(f"encodage inconnu « {enc} » (par ex. utf-8, utf-8-sig, cp1252, latin-1)") from None
        return enc

    @field_validator("lignes_a_sauter", "ligne_entete")
    @classmethod
    def _entier(cls, valeur: Any, info: ValidationInfo) -> Any:
        minimum = 0 if info.field_name == "lignes_a_sauter" else 1
        if valeur is not None and (isinstance(valeur, bool) or not isinstance(valeur, int) or valeur < minimum):
            raise refus(f"« {info.field_name} » doit être un entier ≥ {minimum} (reçu « {valeur} »)")
        return valeur

    @field_validator("feuille")
    @classmethod
    def _feuille(cls, feuille: Any) -> Any:
        if feuille is not None and (isinstance(feuille, bool) or not isinstance(feuille, (str, int))
                                    or (isinstance(feuille, int) and feuille < 1)):
            raise refus(f"« feuille » doit être un nom de feuille ou un numéro à partir de 1 (reçu « {feuille} »)")
        return feuille


class Correspondance(BaseModel):
    """Colonnes brutes -> variables (par table), et étiquettes brutes -> codes (par variable codée)."""

    model_config = ConfigDict(extra="forbid")

    colonnes: dict[Table, dict[Any, Any]] | None = None
    codes: dict[VariableCodee, dict[Any, Any]] | None = None


def _date(valeur: Any, cle: str) -> Any:
    if valeur is None or isinstance(valeur, datetime.date):
        return valeur
    try:
        return datetime.date.fromisoformat(str(valeur))
    except ValueError:
        raise refus(f"« {cle} » doit être une date AAAA-MM-JJ, par ex. 2025-03-01 (reçu « {valeur} »)") from None


def _texte_requis(valeur: Any, cle: str, exemple: str) -> str:
    if valeur is None or isinstance(valeur, (list, dict, bool)) or not str(valeur).strip():
        raise refus(f"« {cle} » doit être un texte non vide, par ex. {exemple}")
    return str(valeur).strip()


class LigneExclue(BaseModel):
    """Une ligne à laisser hors de l'analyse, avec son motif : par sa valeur dans une colonne (par
    défaut l'identifiant de la table), ou par son numéro de ligne dans le fichier."""

    model_config = ConfigDict(extra="forbid")

    table: Table
    motif: Any = Field(None, validate_default=True)
    valeur: Any = None
    colonne: Any = None
    ligne: Any = None

    @field_validator("motif")
    @classmethod
    def _motif(cls, motif: Any) -> str:
        return _texte_requis(motif, "motif", "« soumission d'essai de l'équipe »")

    @field_validator("ligne")
    @classmethod
    def _ligne(cls, ligne: Any) -> Any:
        if ligne is not None and (isinstance(ligne, bool) or not isinstance(ligne, int) or ligne < 1):
            raise refus(f"« ligne » doit être un numéro de ligne du fichier, entier ≥ 1 (reçu « {ligne} »)")
        return ligne

    @field_validator("colonne")
    @classmethod
    def _colonne(cls, colonne: Any) -> Any:
        return None if colonne is None else _texte_requis(colonne, "colonne", "_uuid")

    @model_validator(mode="after")
    def _une_designation(self) -> "LigneExclue":
        if (self.valeur is None) == (self.ligne is None):
            raise refus("chaque ligne exclue se désigne par « valeur » (identifiant, ou valeur de « colonne ») "
                        "ou par « ligne » (numéro de ligne du fichier), l'un ou l'autre")
        return self


class Periode(BaseModel):
    """Période de soumission gardée (bornes comprises) ; les soumissions hors période sont exclues."""

    model_config = ConfigDict(extra="forbid")

    debut: Any = None
    fin: Any = None
    colonne: Any = None  # défaut : la date de soumission de l'outil (_submission_time, SubmissionDate, submitdate)

    @field_validator("debut", "fin")
    @classmethod
    def _bornes(cls, valeur: Any, info: ValidationInfo) -> Any:
        return _date(valeur, info.field_name)

    @model_validator(mode="after")
    def _bornes_coherentes(self) -> "Periode":
        if self.debut is None and self.fin is None:
            raise refus("« periode » doit donner « debut », « fin » ou les deux (dates AAAA-MM-JJ)")
        if self.debut is not None and self.fin is not None and self.debut > self.fin:
            raise refus(f"« periode » : le début ({self.debut}) est après la fin ({self.fin})")
        return self


class Doublons(BaseModel):
    """Politique des doublons d'une colonne : garder la dernière (ou la première) soumission, lister les autres."""

    model_config = ConfigDict(extra="forbid")

    colonne: Any = Field(None, validate_default=True)
    garder: Literal["derniere", "premiere"] = "derniere"
    date: Any = None  # colonne qui ordonne les soumissions ; défaut : la date de soumission de l'outil
    table: Table | None = None

    @field_validator("colonne")
    @classmethod
    def _colonne(cls, colonne: Any) -> str:
        return _texte_requis(colonne, "colonne", "_uuid")


class Exclusions(BaseModel):
    """Les lignes laissées hors de l'analyse (fichiers bruts intacts) : une à une, ou par règle."""

    model_config = ConfigDict(extra="forbid")

    lignes: list[LigneExclue] = []
    non_approuvees: bool = False
    incompletes: bool = False
    periode: Periode | None = None
    doublons: list[Doublons] = []

    @field_validator("doublons", mode="before")
    @classmethod
    def _doublons(cls, doublons: Any) -> Any:
        return [doublons] if isinstance(doublons, dict) else (doublons or [])

    @field_validator("lignes", mode="before")
    @classmethod
    def _lignes(cls, lignes: Any) -> Any:
        return lignes or []


class Descripteur(BaseModel):
    """Le schéma de `jeu.yml`."""

    model_config = ConfigDict(extra="forbid")

    titre: Any
    region: Any
    annee_enquete: Any
    source: Any
    simule: Any
    fichiers: dict[Table, OptionsFichier]
    correspondance: Correspondance | None = None
    valeurs_manquantes: Any = None
    effets_plantes: Any = None
    notes: Any = None
    simulation: Any = None
    exclusions: Exclusions | None = None

    @field_validator("fichiers", mode="before")
    @classmethod
    def _fichiers(cls, fichiers: Any) -> Any:
        if not isinstance(fichiers, dict) or not {"instances", "participants"} <= set(fichiers):
            raise refus("« fichiers » doit nommer au moins « instances » et « participants »")
        return {t: spec if isinstance(spec, dict) else {"chemin": spec} for t, spec in fichiers.items()}

    @field_validator("correspondance", mode="before")
    @classmethod
    def _correspondance(cls, corr: Any) -> Any:
        if corr is not None and (not isinstance(corr, dict) or set(corr) - {"colonnes", "codes"}):
            raise refus("« correspondance » ne peut contenir que « colonnes » (par table) et « codes » "
                        "(par variable)")
        return {c: v for c, v in corr.items() if v is not None} if corr else None

    @field_validator("valeurs_manquantes")
    @classmethod
    def _valeurs_manquantes(cls, valeurs: Any) -> Any:
        if valeurs is not None and (not isinstance(valeurs, list)
                                    or any(isinstance(v, (list, dict)) for v in valeurs)):
            raise refus(f"« valeurs_manquantes » doit être une liste, par ex. [\"\", \"NSP\", \"-99\"] "
                        f"(reçu « {valeurs} »)")
        return valeurs

    @field_validator("annee_enquete")
    @classmethod
    def _annee(cls, annee: Any) -> Any:
        if isinstance(annee, bool) or not isinstance(annee, int) or not 1950 <= annee <= 2100:
            raise refus(f"« annee_enquete » doit être une année entière, par ex. 2024 (reçu « {annee} »)")
        return annee

    @field_validator("simule")
    @classmethod
    def _simule(cls, simule: Any) -> Any:
        if not isinstance(simule, bool):
            raise refus(f"« simule » doit valoir true ou false (reçu « {simule} »)")
        return simule


INDICES_DICTIONNAIRES = {("correspondance", "colonnes"): "« colonne brute: variable »",
                         ("correspondance", "codes"): "« étiquette brute: code »"}


def _en_francais(erreurs: list[ErreurChamp]) -> list[str]:
    """Les erreurs du modèle en phrases : « lieu : problème » (options inconnues regroupées par fichier)."""
    phrases, inconnues = [], {}
    for e in erreurs:
        lieu = ".".join(str(c) for c in e.parent)
        if e.genre == "extra_forbidden" and e.parent[:1] == ("fichiers",):
            inconnues.setdefault(lieu, []).append(e.cle)
            continue
        if e.genre == "extra_forbidden" and not e.parent:
            phrases.append(f"clé inconnue « {e.cle} » (clés permises : {', '.join(CLES_DESCRIPTEUR)})")
        elif e.genre == "extra_forbidden" and e.parent[:1] == ("exclusions",):
            modele = {1: Exclusions, 3: LigneExclue}.get(len(e.parent))
            if e.parent[1:2] in (("periode",),):
                modele = Periode
            elif e.parent[1:2] == ("doublons",):
                modele = Doublons
            permises = f" (permises : {', '.join(modele.model_fields)})" if modele else ""
            phrases.append(f"{lieu} : clé inconnue « {e.cle} »{permises}")
        elif e.genre == "missing" and not e.parent:
            phrases.append(f"clé obligatoire « {e.cle} » absente")
        elif e.genre in ("dict_type", "model_type") and e.lieu[:1] == ("correspondance",):
            indice = INDICES_DICTIONNAIRES.get(e.lieu[:2], "")
            phrases.append(f"{'.'.join(str(c) for c in e.lieu)} doit être un dictionnaire {indice}".rstrip())
        else:
            phrases.append(f"{lieu} : {e.message}" if lieu else e.message)
    for lieu, cles in inconnues.items():
        phrases.append(f"{lieu} : option(s) inconnue(s) {sorted(map(str, cles))} "
                       f"(permises : {sorted(OPTIONS_FICHIER)})")
    return phrases


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
    desc = lire_yaml(chemin, erreur=ErreurJeu)
    if not isinstance(desc, dict):
        raise ErreurJeu(f"{chemins.relatif(chemin)} : le descripteur doit être un dictionnaire de clés "
                        "(titre, region, annee_enquete, source, simule, fichiers…).")
    try:
        Descripteur.model_validate(desc, context={"dossier": dossier})
    except ValidationError as exc:
        erreurs = _en_francais(erreurs_pydantic(exc))
        raise ErreurJeu(f"{chemins.relatif(chemin)} : {len(erreurs)} problème(s) à corriger :\n"
                        + "\n".join(f"  - {e} ;" for e in erreurs))
    return _dates_en_texte(desc)


def _dates_en_texte(objet: Any) -> Any:
    """Les dates que YAML a lues (`debut: 2025-03-01`) redevenues du texte AAAA-MM-JJ : le descripteur est
    recopié tel quel dans jeu.json et dans le manifeste (JSON)."""
    if isinstance(objet, dict):
        return {k: _dates_en_texte(v) for k, v in objet.items()}
    if isinstance(objet, list):
        return [_dates_en_texte(v) for v in objet]
    if isinstance(objet, datetime.date):
        return objet.isoformat()
    return objet


def exclusions_declarees(desc: dict) -> Exclusions:
    """Les exclusions de `jeu.yml` (modèle validé ; vide si la clé est absente)."""
    return Exclusions.model_validate(desc.get("exclusions") or {})


def spec_fichier(desc: dict, table: str) -> dict:
    spec = desc["fichiers"][table]
    return dict(spec) if isinstance(spec, dict) else {"chemin": spec}
