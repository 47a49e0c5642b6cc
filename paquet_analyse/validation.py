"""Validation d'un jeu : schémas pandera construits à partir du dictionnaire.

La validation est paresseuse (`lazy=True`) : TOUS les problèmes sortent d'un
coup, chacun avec fichier, ligne, colonne, valeur, règle et correction, en
français. Les contrôles entre tables (participant qui pointe vers une instance
inconnue, territoire absent de `territoires.csv`) s'y ajoutent.

Exemple
-------
>>> from paquet_analyse import chargement, chemins, validation
>>> rapport = validation.valider_jeu(chargement.charger_jeu(chemins.jeu_defaut()))
>>> rapport.valide
True
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from . import dictionnaire, sorties
from .chargement import Jeu, nombre, normaliser_nom
from .erreurs import ErreurValidation, Probleme

COLONNES_RAPPORT = ["gravite", "fichier", "ligne", "colonne", "valeur", "regle", "message", "correction"]


# --------------------------------------------------------------------------
# Schémas


def _controles(var: dictionnaire.Variable, annee_enquete: int | None) -> list[pa.Check]:
    """Contrôles pandera d'une variable, sur le texte normalisé."""
    if var.type == "code":
        codes = [str(c) for c in var.codes]
        return [pa.Check(lambda s, codes=codes: s.isin(codes), name="code_inconnu")]
    if var.type == "booleen":
        return [pa.Check(lambda s: s.isin(["vrai", "faux"]), name="booleen_invalide")]
    if var.type in ("identifiant", "texte"):
        return []
    controles = []
    if var.type == "ordinal":
        codes = [float(c) for c in var.codes]
        controles.append(pa.Check(lambda s, codes=codes: nombre(s).isin(codes), name="code_inconnu"))
    elif var.type == "entier":
        controles.append(pa.Check(lambda s: _est_entier(nombre(s)), name="type_entier"))
    else:
        controles.append(pa.Check(lambda s: nombre(s).notna(), name="type_reel"))
    bas, haut, exclu = var.min, var.borne_max(annee_enquete), var.min_exclu
    if var.type != "ordinal" and (bas is not None or haut is not None or exclu is not None):
        def dans_bornes(s, bas=bas, haut=haut, exclu=exclu):
            x = nombre(s)
            ok = x.isna()  # les valeurs non numériques sont signalées par le contrôle de type
            dedans = pd.Series(True, index=s.index)
            if bas is not None:
                dedans &= x >= bas
            if haut is not None:
                dedans &= x <= haut
            if exclu is not None:
                dedans &= x > exclu
            return ok | dedans
        controles.append(pa.Check(dans_bornes, name="hors_bornes"))
    return controles


def _est_entier(x: pd.Series) -> pd.Series:
    return x.notna() & np.isclose(x.fillna(0.5), np.round(x.fillna(0.5)))


def schema(table: str, *, annee_enquete: int | None = None) -> pa.DataFrameSchema:
    """Schéma pandera d'une table, construit à partir du dictionnaire."""
    colonnes = {
        nom: pa.Column(
            None,
            checks=_controles(var, annee_enquete),
            nullable=var.manquant_permis,
            unique=var.type == "identifiant",
            required=var.requis,
        )
        for nom, var in dictionnaire.variables(table).items()
    }
    return pa.DataFrameSchema(colonnes, strict=False, name=table)


# --------------------------------------------------------------------------
# Traduction des échecs pandera en problèmes français


def _suggestion(valeur: str, var: dictionnaire.Variable) -> str:
    candidats = {normaliser_nom(c): str(c) for c in var.codes}
    candidats |= {normaliser_nom(lib): str(c) for c, lib in var.codes.items()}
    proches = difflib.get_close_matches(normaliser_nom(valeur), list(candidats), n=1, cutoff=0.5)
    permis = ", ".join(str(c) for c in var.codes)
    if proches:
        return (f"Remplacer par « {candidats[proches[0]]} » (code valide le plus proche), ou déclarer "
                f"cette étiquette dans correspondance.codes.{var.nom} de jeu.yml. Codes permis : {permis}.")
    return f"Utiliser un des codes permis ({permis}) ou déclarer l'étiquette dans correspondance.codes.{var.nom} de jeu.yml."


def _bornes(var: dictionnaire.Variable, annee_enquete: int | None) -> str:
    morceaux = []
    if var.min is not None:
        morceaux.append(f"≥ {var.min}")
    if var.min_exclu is not None:
        morceaux.append(f"> {var.min_exclu}")
    if var.borne_max(annee_enquete) is not None:
        morceaux.append(f"≤ {var.borne_max(annee_enquete)}")
    return " et ".join(morceaux)


def _traduire(cas: pd.Series, table: str, fichier: str, lignes: np.ndarray,
              annee: int | None) -> Probleme:
    regle, colonne, valeur = cas["check"], cas["column"], cas["failure_case"]
    ligne = None if pd.isna(cas["index"]) else int(lignes[int(cas["index"])])
    valeur = None if pd.isna(valeur) else str(valeur)
    if regle == "column_in_dataframe":
        var = dictionnaire.variable(valeur, table)
        return Probleme(fichier, None, valeur, None, "colonne_manquante",
                        f"colonne obligatoire absente ({var.libelle}).",
                        f"Ajouter la colonne « {valeur} », ou déclarer le nom de la colonne brute "
                        f"dans correspondance.colonnes.{table} de jeu.yml.")
    var = dictionnaire.variable(colonne, table)
    if regle == "not_nullable":
        return Probleme(fichier, ligne, colonne, None, "valeur_manquante",
                        f"valeur obligatoire manquante ({var.libelle}).", "Remplir cette cellule.")
    if regle == "field_uniqueness":
        return Probleme(fichier, ligne, colonne, valeur, "identifiant_en_double",
                        "identifiant présent sur plusieurs lignes.",
                        "Chaque identifiant doit être unique : corriger ou supprimer le doublon.")
    if regle == "code_inconnu":
        return Probleme(fichier, ligne, colonne, valeur, regle, f"code inconnu pour « {var.libelle} ».",
                        _suggestion(valeur or "", var))
    if regle == "booleen_invalide":
        return Probleme(fichier, ligne, colonne, valeur, regle, "réponse oui/non attendue.",
                        "Écrire oui ou non (ou 1/0, vrai/faux), ou déclarer l'étiquette dans "
                        f"correspondance.codes.{colonne} de jeu.yml.")
    if regle in ("type_entier", "type_reel"):
        attendu = "un nombre entier" if regle == "type_entier" else "un nombre"
        return Probleme(fichier, ligne, colonne, valeur, regle, f"{attendu} est attendu ({var.libelle}).",
                        f"Écrire {attendu} en chiffres (par ex. 3 ; pas « deux » ni « 3 ou 4 »), "
                        "ou laisser vide si la réponse manque.")
    if regle == "hors_bornes":
        return Probleme(fichier, ligne, colonne, valeur, regle,
                        f"valeur hors des bornes permises ({_bornes(var, annee)}).",
                        "Corriger la saisie, ou laisser vide si la valeur est inconnue.")
    return Probleme(fichier, ligne, colonne, valeur, str(regle), "valeur refusée par le schéma.",
                    "Corriger la valeur selon le livre de codes.")


def _valider_table(jeu: Jeu, table: str) -> list[Probleme]:
    brut = jeu.brut[table]
    lignes = np.asarray(brut.index)
    # Index positionnel : pandera 0.35 confond étiquettes et positions quand
    # l'index est entier et ne commence pas à 0 ; on revient aux lignes ensuite.
    donnees = brut.reset_index(drop=True)
    try:
        schema(table, annee_enquete=jeu.descripteur.get("annee_enquete")).validate(donnees, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fichier = jeu.fichier_affiche(table)
        annee = jeu.descripteur.get("annee_enquete")
        return [_traduire(cas, table, fichier, lignes, annee) for _, cas in exc.failure_cases.iterrows()]
    return []


# --------------------------------------------------------------------------
# Contrôles entre tables


def _references(jeu: Jeu) -> list[Probleme]:
    problemes = []
    inst, part = jeu.brut["instances"], jeu.brut["participants"]
    if "id_instance" in inst.columns and "id_instance" in part.columns:
        connues = set(inst["id_instance"].dropna())
        orphelins = part["id_instance"].notna() & ~part["id_instance"].isin(connues)
        fichier = jeu.fichier_affiche("participants")
        for ligne, valeur in part.loc[orphelins, "id_instance"].items():
            problemes.append(Probleme(fichier, int(ligne), "id_instance", str(valeur), "instance_inconnue",
                                      "ce participant pointe vers une instance absente du fichier des instances.",
                                      f"Corriger l'identifiant, ou ajouter l'instance dans {jeu.fichier_affiche('instances')}."))
    terr = jeu.brut.get("territoires")
    if terr is not None and "territoire" in terr.columns and "territoire" in inst.columns:
        connus = set(terr["territoire"].dropna())
        absents = inst["territoire"].notna() & ~inst["territoire"].isin(connus)
        fichier = jeu.fichier_affiche("instances")
        for ligne, valeur in inst.loc[absents, "territoire"].items():
            proche = difflib.get_close_matches(str(valeur), sorted(connus), n=1, cutoff=0.6)
            conseil = f"Remplacer par « {proche[0]} »" if proche else "Corriger le nom"
            problemes.append(Probleme(fichier, int(ligne), "territoire", str(valeur), "territoire_inconnu",
                                      f"territoire absent de {jeu.fichier_affiche('territoires')}.",
                                      f"{conseil}, ou ajouter ce territoire à {jeu.fichier_affiche('territoires')}."))
    return problemes


# --------------------------------------------------------------------------
# Rapport


@dataclass(frozen=True)
class RapportValidation:
    """Tous les problèmes d'un jeu ; `valide` est vrai s'il n'y a aucune erreur."""

    jeu: str
    problemes: tuple[Probleme, ...]

    @property
    def erreurs(self) -> list[Probleme]:
        return [p for p in self.problemes if p.gravite == "erreur"]

    @property
    def valide(self) -> bool:
        return not self.erreurs

    def tableau(self) -> pd.DataFrame:
        """Un problème par ligne, colonnes fixes (`COLONNES_RAPPORT`)."""
        lignes = [p.en_dict() for p in self.problemes]
        tableau = pd.DataFrame(lignes, columns=COLONNES_RAPPORT)
        tableau["ligne"] = tableau["ligne"].astype("Int64")
        return tableau

    def resume(self, *, max_par_genre: int = 5) -> str:
        """Texte français : bilan, puis un problème par ligne (au plus
        `max_par_genre` par fichier, colonne et règle ; le CSV les a tous)."""
        infos = len(self.problemes) - len(self.erreurs)
        if self.valide:
            tete = f"Jeu « {self.jeu} » : valide (aucune erreur"
            return tete + (f" ; {infos} information(s))." if infos else ").")
        lignes = [f"Jeu « {self.jeu} » : {len(self.erreurs)} erreur(s) à corriger"
                  + (f" et {infos} information(s)" if infos else "") + " :"]
        vus: dict[tuple, int] = {}
        for p in self.erreurs:
            groupe = (p.fichier, p.colonne, p.regle)
            vus[groupe] = vus.get(groupe, 0) + 1
            if vus[groupe] <= max_par_genre:
                lignes.append(f"  - {p.en_texte()}")
        for (fichier, colonne, regle), n in vus.items():
            if n > max_par_genre:
                lignes.append(f"  … et {n - max_par_genre} autre(s) [{regle}] dans {fichier}, "
                              f"colonne « {colonne} » (voir le CSV).")
        return "\n".join(lignes)

    def ecrire_csv(self, chemin: str | Path) -> Path:
        """Écrit tous les problèmes en CSV (UTF-8), atomiquement."""
        return sorties.ecrire_csv(self.tableau(), chemin)

    def lever_si_erreurs(self) -> None:
        if not self.valide:
            raise ErreurValidation(self.resume(), problemes=self.tableau())

    def _repr_html_(self) -> str:
        return f"<p>{self.resume().splitlines()[0]}</p>" + self.tableau().to_html(index=False)


def valider_jeu(jeu: Jeu) -> RapportValidation:
    """Valide un jeu chargé : dictionnaire, identifiants, références entre tables.

    Renvoie un `RapportValidation` (jamais d'exception pour un problème de
    données) ; `rapport.lever_si_erreurs()` lève `ErreurValidation`.
    """
    problemes = list(jeu.problemes)
    for table in jeu.brut:
        problemes += _valider_table(jeu, table)
    problemes += _references(jeu)
    ordre = {t: i for i, t in enumerate(jeu.fichiers)}
    cle = {chemin: ordre[t] for t, chemin in ((t, jeu.fichier_affiche(t)) for t in jeu.fichiers)}
    problemes.sort(key=lambda p: (p.gravite != "erreur", cle.get(p.fichier, 99),
                                  -1 if p.ligne is None else p.ligne, p.colonne or "", p.regle))
    return RapportValidation(jeu=jeu.nom, problemes=tuple(problemes))
