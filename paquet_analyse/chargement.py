"""Lecture d'un jeu de données : `jeu.yml`, puis les fichiers qu'il nomme.

Formats : CSV (UTF-8, UTF-8 avec BOM, Windows-1252/Latin-1 ; séparateurs
`,` `;` tabulation ; virgule décimale), XLSX, SPSS `.sav`, Stata `.dta`
(les étiquettes de valeurs passent par la `correspondance`).

Le chargement ne modifie jamais les fichiers bruts. Il produit :

- `Jeu.brut[table]` : le texte normalisé (colonnes et codes renommés selon la
  correspondance, valeurs manquantes déclarées mises à NA), indexé par le
  numéro de ligne du fichier ; c'est ce que la validation examine ;
- `Jeu.instances`, `Jeu.participants`, `Jeu.territoires` : les tableaux typés
  (catégories du dictionnaire, entiers nullables, booléens) ; une valeur
  invalide y devient NA, et la validation la signale.

Exemple
-------
>>> from paquet_analyse import chargement, chemins
>>> jeu = chargement.charger_jeu(chemins.jeu_defaut())
>>> jeu.simule
True
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from . import chemins, dictionnaire
from .erreurs import ErreurDonnees, ErreurJeu, Probleme

CLES_DESCRIPTEUR = {
    "titre": True, "region": True, "annee_enquete": True, "source": True,
    "simule": True, "fichiers": True, "correspondance": False,
    "valeurs_manquantes": False, "effets_plantes": False, "notes": False,
    "simulation": False,
}
OPTIONS_FICHIER = {"chemin", "feuille", "separateur", "encodage", "lignes_a_sauter"}
EXTENSIONS_TEXTE = {".csv", ".txt", ".tsv"}
EXTENSIONS = EXTENSIONS_TEXTE | {".xlsx", ".xlsm", ".sav", ".dta"}

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


# --------------------------------------------------------------------------
# Descripteur


def lire_descripteur(dossier: Path) -> dict:
    """Lit et contrôle `jeu.yml` ; tous les problèmes du descripteur à la fois."""
    chemin = dossier / "jeu.yml"
    if not dossier.is_dir():
        raise ErreurJeu(f"Le dossier de jeu « {chemins.relatif(dossier)} » n'existe pas.")
    if not chemin.is_file():
        raise ErreurJeu(
            f"{chemins.relatif(chemin)} : fichier absent. Chaque jeu se décrit dans un "
            "jeu.yml (voir donnees_brutes/lanaudiere/jeu.yml pour un modèle)."
        )
    try:
        desc = yaml.safe_load(chemin.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ErreurJeu(f"{chemins.relatif(chemin)} : YAML illisible ({exc}).") from None
    if not isinstance(desc, dict):
        raise ErreurJeu(f"{chemins.relatif(chemin)} : le descripteur doit être un dictionnaire de clés.")
    erreurs = [f"clé inconnue « {c} » (clés permises : {', '.join(CLES_DESCRIPTEUR)})"
               for c in desc if c not in CLES_DESCRIPTEUR]
    erreurs += [f"clé obligatoire « {c} » absente" for c, oblig in CLES_DESCRIPTEUR.items()
                if oblig and c not in desc]
    fichiers = desc.get("fichiers") or {}
    if not isinstance(fichiers, dict) or not {"instances", "participants"} <= set(fichiers):
        erreurs.append("« fichiers » doit nommer au moins « instances » et « participants »")
        fichiers = {}
    for table, spec in fichiers.items():
        if table not in dictionnaire.TABLES:
            erreurs.append(f"fichiers : table inconnue « {table} » (permises : {', '.join(dictionnaire.TABLES)})")
            continue
        spec = spec if isinstance(spec, dict) else {"chemin": spec}
        inconnues = set(spec) - OPTIONS_FICHIER
        if inconnues:
            erreurs.append(f"fichiers.{table} : option(s) inconnue(s) {sorted(inconnues)} "
                           f"(permises : {sorted(OPTIONS_FICHIER)})")
        cible = dossier / str(spec.get("chemin", ""))
        if not cible.is_file():
            erreurs.append(f"fichiers.{table} : « {spec.get('chemin')} » introuvable dans {chemins.relatif(dossier)}")
        elif cible.suffix.lower() not in EXTENSIONS:
            erreurs.append(f"fichiers.{table} : format « {cible.suffix} » non pris en charge "
                           f"(formats : {', '.join(sorted(EXTENSIONS))})")
    if "annee_enquete" in desc and not isinstance(desc["annee_enquete"], int):
        erreurs.append(f"« annee_enquete » doit être une année entière (reçu « {desc['annee_enquete']} »)")
    if "simule" in desc and not isinstance(desc["simule"], bool):
        erreurs.append("« simule » doit valoir true ou false")
    if erreurs:
        raise ErreurJeu(f"{chemins.relatif(chemin)} : " + " ; ".join(erreurs) + ".")
    return desc


def _spec_fichier(desc: dict, table: str) -> dict:
    spec = desc["fichiers"][table]
    return dict(spec) if isinstance(spec, dict) else {"chemin": spec}


# --------------------------------------------------------------------------
# Lecture brute des fichiers


def _decoder(octets: bytes, encodage: str | None) -> str:
    if encodage:
        return octets.decode(encodage)
    if octets.startswith(b"\xef\xbb\xbf"):
        return octets.decode("utf-8-sig")
    try:
        return octets.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return octets.decode("cp1252")
    except UnicodeDecodeError:  # octets non définis en Windows-1252
        return octets.decode("latin-1")


def _separateur(texte: str) -> str:
    echantillon = "\n".join(texte.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(echantillon, delimiters=",;\t|").delimiter
    except csv.Error:
        entete = texte.splitlines()[0] if texte else ""
        return max(",;\t|", key=entete.count)


def lire_tableau(chemin: Path, *, feuille=None, separateur=None, encodage=None,
                 lignes_a_sauter: int = 0) -> tuple[pd.DataFrame, int]:
    """Lit un fichier brut en texte ; renvoie (tableau, numéro de la 1re ligne de données)."""
    affiche = chemins.relatif(chemin)
    suffixe = chemin.suffix.lower()
    if chemin.stat().st_size == 0:
        raise ErreurDonnees(f"{affiche} : le fichier est vide. Exporter de nouveau le tableau avec sa ligne d'en-tête.")
    sauter = list(range(1, 1 + int(lignes_a_sauter)))
    if suffixe in EXTENSIONS_TEXTE:
        texte = _decoder(chemin.read_bytes(), encodage)
        sep = separateur or ("\t" if suffixe == ".tsv" else _separateur(texte))
        tableau = pd.read_csv(io.StringIO(texte), sep=sep, dtype=str, keep_default_na=False,
                              skiprows=sauter, skip_blank_lines=True)
    elif suffixe in (".xlsx", ".xlsm"):
        tableau = pd.read_excel(chemin, sheet_name=feuille if feuille is not None else 0,
                                dtype=object, skiprows=sauter, engine="openpyxl")
    elif suffixe in (".sav", ".dta"):
        import pyreadstat  # import paresseux : lent, et seulement pour ces formats

        lecteur = pyreadstat.read_sav if suffixe == ".sav" else pyreadstat.read_dta
        tableau, _ = lecteur(str(chemin), apply_value_formats=True, formats_as_category=False)
    else:
        raise ErreurDonnees(f"{affiche} : format « {suffixe} » non pris en charge.")
    tableau.columns = [str(c).strip() for c in tableau.columns]
    premiere = 1 if suffixe in (".sav", ".dta") else 2 + len(sauter)
    tableau.index = pd.RangeIndex(premiere, premiere + len(tableau), name="ligne")
    return tableau.map(_en_texte).astype(object), premiere


# --------------------------------------------------------------------------
# Correspondance : noms de colonnes, puis codes


JETONS_IDENTIFIANTS = {"courriel", "email", "telephone", "phone", "prenom", "cellulaire"}


def est_identifiant_direct(nom_colonne: str) -> bool:
    """Vrai si la colonne ressemble à un identifiant direct de personne."""
    norme = normaliser_nom(nom_colonne)
    return norme in dictionnaire.identifiants_directs() or bool(JETONS_IDENTIFIANTS & set(norme.split("_")))


def _renommer_colonnes(tableau: pd.DataFrame, table: str, correspondance: dict,
                       fichier: str) -> tuple[pd.DataFrame, list[Probleme]]:
    variables = dictionnaire.variables(table)
    explicites = {normaliser_nom(k): v for k, v in (correspondance.get("colonnes", {}).get(table) or {}).items()}
    problemes, cibles, garder = [], {}, []
    for brute in tableau.columns:
        double = re.fullmatch(r"(.+)\.(\d+)", brute)
        if double and double.group(1) in tableau.columns:
            problemes.append(Probleme(fichier, None, brute, None, "colonne_en_double",
                                      f"la colonne « {double.group(1)} » apparaît plusieurs fois dans l'en-tête.",
                                      "Garder une seule colonne de ce nom (ou renommer l'autre)."))
            continue
        norme = normaliser_nom(brute)
        cible = explicites.get(norme) or (norme if norme in variables else None)
        if cible is None:
            if est_identifiant_direct(brute):
                problemes.append(Probleme(fichier, None, brute, None, "identifiant_direct",
                                          "colonne d'identifiant direct de personne (nom, courriel, téléphone, adresse…) : refusée.",
                                          "Retirer cette colonne de l'export ; ne garder que des codes pseudonymes."))
            else:
                problemes.append(Probleme(fichier, None, brute, None, "colonne_ignoree",
                                          "colonne absente du dictionnaire : écartée (texte libre non déclaré).",
                                          "Si elle correspond à une variable, la déclarer dans correspondance.colonnes de jeu.yml.",
                                          gravite="information"))
            continue
        if cible not in variables:
            problemes.append(Probleme(fichier, None, brute, cible, "correspondance_inconnue",
                                      f"jeu.yml fait correspondre cette colonne à « {cible} », variable inconnue de la table {table}.",
                                      f"Choisir parmi : {', '.join(variables)}."))
            continue
        if cible in cibles:
            problemes.append(Probleme(fichier, None, brute, cible, "colonne_en_double",
                                      f"les colonnes « {cibles[cible]} » et « {brute} » correspondent toutes deux à « {cible} ».",
                                      "N'en garder qu'une, ou corriger correspondance.colonnes dans jeu.yml."))
            continue
        cibles[cible] = brute
        garder.append(brute)
    renomme = tableau[garder].rename(columns={b: c for c, b in cibles.items()})
    for nom, var in variables.items():
        if nom not in renomme.columns and not var.requis:
            renomme[nom] = pd.Series(pd.NA, index=renomme.index, dtype=object)
    return renomme, problemes


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
    manquantes = {str(v).strip() for v in (desc.get("valeurs_manquantes") or [])} | {""}
    codes_explicites = (desc.get("correspondance") or {}).get("codes") or {}
    sortie = tableau.copy()
    for nom, var in dictionnaire.variables(table).items():
        if nom not in sortie.columns:
            continue
        serie = sortie[nom].astype(object)
        serie = serie.where(~serie.isin(manquantes), pd.NA)
        if var.est_code or var.type == "booleen":
            correspond = _table_codes(var, codes_explicites.get(nom) or {})
            # une correspondance par valeur distincte, pas par cellule (gros fichiers)
            distinctes = {v: correspond.get(normaliser_nom(v), v) for v in serie.dropna().unique()}
            serie = serie.map(distinctes, na_action="ignore")
        sortie[nom] = serie
    return sortie


# --------------------------------------------------------------------------
# Typage


def nombre(serie: pd.Series) -> pd.Series:
    """Texte -> nombre (virgule décimale, espaces de milliers) ; invalide -> NaN."""
    texte = serie.astype("string").str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    texte = texte.str.replace(r"^([-+]?\d*),(\d+)$", r"\1.\2", regex=True)
    return pd.to_numeric(texte, errors="coerce")


def typer(serie: pd.Series, variable: dictionnaire.Variable) -> pd.Series:
    """Convertit une colonne normalisée dans le type du dictionnaire ; invalide -> NA."""
    if variable.type in ("identifiant", "texte"):
        return serie.astype("string")
    if variable.type == "code":
        codes = [str(c) for c in variable.codes]
        return pd.Categorical(serie.where(serie.isin(codes)), categories=codes)
    if variable.type == "booleen":
        return serie.map({"vrai": True, "faux": False}).astype("boolean")
    valeurs = nombre(serie)
    if variable.type == "reel":
        return valeurs.astype("Float64")
    entiers = valeurs.where(np.isclose(valeurs, np.round(valeurs)))
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


def charger_jeu(chemin: str | Path) -> Jeu:
    """Charge le jeu décrit par `<chemin>/jeu.yml`.

    Paramètres
    ----------
    chemin : dossier du jeu (contenant `jeu.yml`).

    Renvoie
    -------
    Jeu : tableaux typés, texte normalisé (`brut`) et problèmes de lecture.
    Un fichier illisible lève `ErreurDonnees` ; un problème de contenu
    (code inconnu, doublon…) n'arrête pas le chargement : `valider_jeu` les
    rapporte tous.
    """
    dossier = Path(chemin)
    desc = lire_descripteur(dossier)
    correspondance = desc.get("correspondance") or {}
    fichiers, bruts, problemes = {}, {}, []
    for table in dictionnaire.TABLES:
        if table not in desc["fichiers"]:
            continue
        spec = _spec_fichier(desc, table)
        cible = dossier / spec.pop("chemin")
        fichiers[table] = cible
        affiche = chemins.relatif(cible)
        try:
            tableau, _ = lire_tableau(cible, **spec)
        except ErreurDonnees:
            raise
        except (ValueError, UnicodeDecodeError, OSError, KeyError, pd.errors.ParserError) as exc:
            raise ErreurDonnees(f"{affiche} : lecture impossible ({exc}). Vérifier le format, "
                                "l'encodage et le séparateur, ou les déclarer dans jeu.yml "
                                "(fichiers.<table>.encodage / separateur / feuille).") from None
        if tableau.empty:
            problemes.append(Probleme(affiche, None, None, None, "fichier_sans_donnees",
                                      "le fichier ne contient aucune ligne de données (en-tête seul).",
                                      "Exporter de nouveau avec les réponses."))
        renomme, probs = _renommer_colonnes(tableau, table, correspondance, affiche)
        problemes += probs
        bruts[table] = _normaliser_valeurs(renomme, table, desc)
    typees = {t: _typer_table(b, t) for t, b in bruts.items()}
    return Jeu(dossier=dossier, descripteur=desc, fichiers=fichiers, brut=bruts,
               instances=typees["instances"], participants=typees["participants"],
               territoires=typees.get("territoires"), problemes=problemes)
