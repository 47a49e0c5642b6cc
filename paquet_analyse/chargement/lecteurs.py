"""Lecteurs par format : CSV (et TXT, TSV), Excel (XLSX, XLSM), SPSS (.sav), Stata (.dta).

Chaque lecteur rend une grille de texte (`Lecture`) indexée par le numéro de
ligne du fichier (la ligne où commence l'enregistrement, même après une valeur
sur plusieurs lignes ou une ligne vide ; la ligne Excel ; le numéro
d'observation SPSS/Stata).

- CSV : voie rapide par l'analyseur C de pandas, sinon le module csv (valeurs
  sur plusieurs lignes, lignes trop longues) ; un guillemet jamais refermé
  lève `ErreurLecture` ;
- Excel : feuille déclarée (`feuille` : nom, ou numéro à partir de 1), sinon
  la première (signalé s'il y en a plusieurs) ; les formules sont lues par
  leur valeur calculée, enregistrée par le tableur ; une formule sans valeur
  calculée (classeur produit par un programme, jamais ouvert) est une erreur ;
  une date reste une date (« 2005-03-01 ») et le typage la refuse là où un
  nombre est attendu ;
- SPSS et Stata : les étiquettes de valeurs sont lues (elles passent ensuite
  par la `correspondance`).
"""

from __future__ import annotations

import csv
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import chemins
from ..erreurs import Probleme
from .commun import colonne_en_texte, erreur_fatale, normaliser_nom
from .decodage import decoder, problemes_encodage, refuser_binaire
from .descripteur import EXTENSIONS, EXTENSIONS_EXCEL, EXTENSIONS_TEXTE
from .detection import choisir_separateur, mettre_en_forme


@dataclass
class Lecture:
    """Ce que la lecture d'un fichier produit : le tableau en texte (colonnes =
    étiquettes d'en-tête, éventuellement en double ; index = lignes du
    fichier), la 1re ligne de données, et les problèmes non fatals."""

    tableau: pd.DataFrame
    premiere: int
    problemes: list[Probleme]


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
        raise erreur_fatale(fichier, "csv_mal_forme", f"{cause} dans l'enregistrement qui commence à cette ligne.",
                     "Vérifier les guillemets de cette ligne (une valeur qui contient le séparateur, un "
                     "guillemet ou un saut de ligne s'entoure de guillemets, et un guillemet s'y double : "
                     "\"\"), ou exporter de nouveau le fichier.", ligne=fin + 1, valeur=extrait) from None
    grille = pd.DataFrame(enregistrements, dtype=object)
    grille.index = pd.Index(debuts)
    return grille


def _lire_texte(chemin: Path, fichier: str, *, separateur, encodage) -> tuple[pd.DataFrame, list]:
    texte, reparations = decoder(chemin.read_bytes(), encodage, fichier)
    refuser_binaire(texte, fichier)
    texte = texte.replace("\r\n", "\n").replace("\r", "\n")
    if not texte.strip():
        raise erreur_fatale(fichier, "fichier_vide", "le fichier ne contient que des blancs.",
                     "Exporter de nouveau le tableau avec sa ligne d'en-tête.")
    defaut = "\t" if chemin.suffix.lower() == ".tsv" else None
    sep = choisir_separateur(texte, separateur, defaut, fichier)
    return _grille_csv(texte, sep, fichier), reparations


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
        raise erreur_fatale(fichier, "feuille_absente", f"le classeur n'a que {len(noms)} feuille(s) ({disponibles}).",
                     "Corriger l'option feuille dans jeu.yml (un nom, ou un numéro à partir de 1).",
                     valeur=str(feuille))
    if feuille in noms:
        return feuille, []
    proches = [n for n in noms if normaliser_nom(n) == normaliser_nom(feuille)]
    conseil = f"Écrire exactement « {proches[0]} »" if proches else "Choisir une des feuilles disponibles"
    raise erreur_fatale(fichier, "feuille_absente", f"aucune feuille de ce nom ; feuilles disponibles : {disponibles}.",
                 f"{conseil} dans l'option feuille de ce fichier (jeu.yml).", valeur=str(feuille))


def _ouvrir_classeur(chemin: Path, fichier: str, *, valeurs: bool):
    import openpyxl  # import paresseux

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # mises en forme non prises en charge
            return openpyxl.load_workbook(chemin, read_only=True, data_only=valeurs)
    except Exception as exc:  # noqa: BLE001 - tout échec du lecteur devient un message
        raise erreur_fatale(fichier, "excel_illisible",
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
        raise erreur_fatale(fichier, "fichier_vide", f"la feuille « {nom} » est vide (autres feuilles : {autres}).",
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
        raise erreur_fatale(fichier, "fichier_illisible",
                     f"fichier {chemin.suffix} illisible ({type(exc).__name__}) : abîmé ou d'un autre format.",
                     "L'exporter de nouveau depuis SPSS ou Stata (ou en CSV).") from None
    tableau.columns = [str(c).strip() for c in tableau.columns]
    tableau.index = pd.RangeIndex(1, len(tableau) + 1, name="ligne")
    return tableau


def lire(chemin: Path, *, feuille=None, separateur=None, encodage=None, lignes_a_sauter: int = 0,
          ligne_entete=None, attendues: set[str] | None = None) -> Lecture:
    """Lit un fichier brut en texte ; lève `ErreurLecture` s'il est illisible."""
    fichier = chemins.relatif(chemin)
    suffixe = chemin.suffix.lower()
    if chemin.stat().st_size == 0:
        raise erreur_fatale(fichier, "fichier_vide", "le fichier est vide.",
                     "Exporter de nouveau le tableau avec sa ligne d'en-tête.")
    if suffixe in (".sav", ".dta"):
        tableau = _lire_etiquete(chemin, fichier)
        return Lecture(tableau.apply(lambda c: colonne_en_texte(c, tout_texte=False)), 1, [])
    if suffixe not in EXTENSIONS_TEXTE | EXTENSIONS_EXCEL:
        raise erreur_fatale(fichier, "format_inconnu", f"format « {suffixe} » non pris en charge.",
                     f"Exporter en {', '.join(sorted(EXTENSIONS))}.")
    texte = suffixe in EXTENSIONS_TEXTE
    reparations, formules, problemes = [], {}, []
    if texte:
        brute, reparations = _lire_texte(chemin, fichier, separateur=separateur, encodage=encodage)
    else:
        brute, problemes, formules = _lire_excel(chemin, fichier, feuille=feuille)
    grille = brute.apply(lambda c: colonne_en_texte(c, tout_texte=texte))
    forme = mettre_en_forme(grille, fichier, lignes_a_sauter=int(lignes_a_sauter or 0),
                             ligne_entete=ligne_entete, attendues=attendues or set(), texte=texte)
    problemes += forme.problemes
    if reparations:
        problemes += problemes_encodage(reparations, forme.tableau, forme.entete,
                                         list(forme.etiquettes.values()), fichier)
    if formules:
        problemes += _problemes_formules(formules, brute, forme.etiquettes, forme.premiere, fichier)
    return Lecture(forme.tableau.astype(object), forme.premiere, problemes)


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
    lecture = lire(Path(chemin), feuille=feuille, separateur=separateur, encodage=encodage,
                    lignes_a_sauter=lignes_a_sauter, ligne_entete=ligne_entete, attendues=colonnes_attendues)
    lecture.tableau.attrs["problemes"] = lecture.problemes
    return lecture.tableau, lecture.premiere
