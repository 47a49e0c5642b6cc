"""Validation d'un jeu : schémas pandera construits à partir du dictionnaire.

La validation porte sur les tableaux TYPÉS du `Jeu` (le texte n'est pas
relu) : bornes, valeurs obligatoires, colonnes obligatoires, unicité des
identifiants. Les valeurs qui ne se typent pas (code inconnu, texte là où un
nombre est attendu, « #N/A », date au lieu d'un nombre…) ont été signalées
par le typage lui-même (`chargement.typage`) et arrivent dans `Jeu.problemes`,
que le rapport reprend. La validation est paresseuse (`lazy=True`) : TOUS les
problèmes sortent d'un coup, chacun avec fichier, ligne, colonne, valeur
(brute, telle que lue), règle et correction, en français. S'y ajoutent :

- les contrôles entre tables (participant qui pointe vers une instance
  inconnue, territoire absent de `territoires.csv`) ;
- les valeurs qui contiennent un courriel ou un numéro de téléphone (refusées,
  masquées dans le rapport) ;
- une 2e ligne d'en-tête prise pour des données (export SurveyMonkey) ;
- en information : un territoire d'une seule instance (aucun test possible en
  son sein).

Les lignes écartées par les exclusions de `jeu.yml` (soumissions d'essai,
doublons, réponses incomplètes…) sont au rapport, une information
`ligne_exclue` chacune avec son motif (`RapportValidation.lignes_exclues`).

Trois gravités : « erreur » (le jeu est refusé), « avertissement » (une
correspondance de jeu.yml ne s'applique pas : colonne facultative absente,
étiquette jamais vue ; le jeu reste valide) et « information ». Un territoire
inconnu n'est suggéré que si le libellé le nomme sans ambiguïté
(`territoires.territoire_propose`).

Exemple
-------
>>> from paquet_analyse import chargement, chemins, validation
>>> rapport = validation.valider_jeu(chargement.charger_jeu(chemins.jeu_defaut()))
>>> rapport.valide
True
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from . import chemins, dictionnaire, ecriture
from .chargement import REGLE_EXCLUSION, REGLES_DE_VALEUR, Jeu, identifiants
from .identifiants_directs import valeurs_identifiantes
from .erreurs import ErreurValidation, Probleme
from .territoires import liste_connus, territoire_propose

COLONNES_RAPPORT = ["gravite", "fichier", "ligne", "colonne", "valeur", "regle", "message", "correction"]
COLONNES_EXCLUSIONS = ["fichier", "ligne", "identifiant", "motif"]


# --------------------------------------------------------------------------
# Schémas (sur les tableaux typés)


def _controles(var: dictionnaire.Variable, annee_enquete: int | None) -> list[pa.Check]:
    """Contrôles pandera d'une variable, sur sa colonne typée (le type lui-même est vérifié au typage)."""
    bas, haut, exclu = var.min, var.borne_max(annee_enquete), var.min_exclu
    if var.type not in ("entier", "reel") or (bas is None and haut is None and exclu is None):
        return []

    def dans_bornes(s, bas=bas, haut=haut, exclu=exclu):
        x = pd.to_numeric(s, errors="coerce").astype("Float64")  # NA : valeur manquante ou refusée au typage
        dedans = pd.Series(True, index=s.index)
        if bas is not None:
            dedans &= (x >= bas).fillna(True).astype(bool)
        if haut is not None:
            dedans &= (x <= haut).fillna(True).astype(bool)
        if exclu is not None:
            dedans &= (x > exclu).fillna(True).astype(bool)
        return dedans
    return [pa.Check(dans_bornes, name="hors_bornes")]


def schema(table: str, *, annee_enquete: int | None = None) -> pa.DataFrameSchema:
    """Schéma pandera d'une table typée, construit à partir du dictionnaire."""
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


def _bornes(var: dictionnaire.Variable, annee_enquete: int | None) -> str:
    morceaux = []
    if var.min is not None:
        morceaux.append(f"≥ {var.min}")
    if var.min_exclu is not None:
        morceaux.append(f"> {var.min_exclu}")
    if var.borne_max(annee_enquete) is not None:
        morceaux.append(f"≤ {var.borne_max(annee_enquete)}")
    return " et ".join(morceaux)


def _traduire(cas: pd.Series, table: str, fichier: str, brut: pd.DataFrame,
              annee: int | None) -> Probleme:
    regle, colonne, valeur = cas["check"], cas["column"], cas["failure_case"]
    ligne = None if pd.isna(cas["index"]) else int(brut.index[int(cas["index"])])
    if ligne is not None and colonne in brut.columns:
        valeur = brut.at[ligne, colonne]  # la valeur telle que lue (texte normalisé), pas sa forme typée
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
                        "Chaque identifiant doit être unique. Sans retoucher l'export : garder une seule soumission "
                        f"par une règle de doublons dans jeu.yml (exclusions: {{doublons: {{colonne: {colonne}, "
                        "garder: derniere}}}}), ou écarter la ligne en trop par son identifiant de soumission "
                        "(exclusions.lignes : colonne _uuid, KEY ou id, valeur et motif) ; sinon corriger le code "
                        "dans l'outil de collecte et exporter de nouveau.")
    if regle == "hors_bornes":
        return Probleme(fichier, ligne, colonne, valeur, regle,
                        f"valeur hors des bornes permises ({_bornes(var, annee)}).",
                        "Corriger la saisie, ou laisser vide si la valeur est inconnue.")
    return Probleme(fichier, ligne, colonne, valeur, str(regle), "valeur refusée par le schéma.",
                    "Corriger la valeur selon le livre de codes.")


def _valider_table(jeu: Jeu, table: str, refusees: set[tuple[str, int, str]]) -> list[Probleme]:
    """Problèmes du schéma d'une table typée ; `refusees` : cellules (fichier, ligne, colonne) déjà
    signalées au typage, dont le NA n'est pas une valeur manquante de plus."""
    brut, typee = jeu.brut[table], getattr(jeu, table)
    annee = jeu.descripteur.get("annee_enquete")
    # Index positionnel (celui des tableaux typés) : pandera 0.35 confond étiquettes et positions quand
    # l'index est entier et ne commence pas à 0 ; on revient aux lignes du fichier ensuite.
    try:
        schema(table, annee_enquete=annee).validate(typee, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fichier = jeu.fichier_affiche(table)
        problemes = [_traduire(cas, table, fichier, brut, annee) for _, cas in exc.failure_cases.iterrows()]
        return [p for p in problemes
                if not (p.regle == "valeur_manquante" and (p.fichier, p.ligne, p.colonne) in refusees)]
    return []


def _typee(jeu: Jeu, table: str) -> pd.DataFrame | None:
    """Tableau typé d'une table, indexé par les numéros de ligne du fichier (ceux de `brut`)."""
    typee = getattr(jeu, table, None)
    return None if typee is None else typee.set_axis(jeu.brut[table].index)


# --------------------------------------------------------------------------
# Contrôles entre tables


def _references(jeu: Jeu) -> list[Probleme]:
    problemes = []
    inst, part = _typee(jeu, "instances"), _typee(jeu, "participants")
    if "id_instance" in inst.columns and "id_instance" in part.columns:
        ordre = inst["id_instance"].dropna().tolist()  # ordre du fichier : messages reproductibles
        connues = set(ordre)
        orphelins = part["id_instance"].notna() & ~part["id_instance"].isin(connues)
        fichier = jeu.fichier_affiche("participants")
        for ligne, valeur in part.loc[orphelins, "id_instance"].items():
            voisins = identifiants.candidats(valeur, ordre)
            message = "ce participant pointe vers une instance absente du fichier des instances"
            if len(voisins) > 1:
                message += (" ; il pourrait désigner " + " ou ".join(f"« {v} »" for v in voisins)
                            + ", codes distincts qui ne sont jamais fusionnés")
            problemes.append(Probleme(fichier, int(ligne), "id_instance", str(valeur), "instance_inconnue",
                                      message + ".",
                                      f"Corriger l'identifiant dans l'outil de collecte et exporter de nouveau, "
                                      f"ajouter l'instance dans {jeu.fichier_affiche('instances')}, ou écarter "
                                      "ce participant (exclusions.lignes de jeu.yml, avec son motif)."))
    terr = _typee(jeu, "territoires") if "territoires" in jeu.brut else None
    if terr is not None and "territoire" in terr.columns and "territoire" in inst.columns:
        connus = sorted(set(terr["territoire"].dropna()))
        problemes += _cibles_territoire(jeu, connus)
        absents = inst["territoire"].notna() & ~inst["territoire"].isin(connus)
        lus = jeu.lu.get("instances", {}).get("territoire")
        modeles: dict[tuple, Probleme] = {}
        for ligne, valeur in inst.loc[absents, "territoire"].items():
            brute = str(lus.at[ligne]) if lus is not None and pd.notna(lus.at[ligne]) else str(valeur)
            if (brute, valeur) not in modeles:
                modeles[(brute, valeur)] = _territoire_inconnu(jeu, brute, str(valeur), connus)
            problemes.append(replace(modeles[(brute, valeur)], ligne=int(ligne)))
    return problemes


def _territoire_inconnu(jeu: Jeu, brute: str, nom: str, connus: list[str]) -> Probleme:
    """Un territoire des instances absent du fichier des territoires ; suggestion prudente
    (`territoires.territoire_propose` : jamais un autre territoire que celui nommé)."""
    fichier_terr = jeu.fichier_affiche("territoires")
    cle = "correspondance.codes.territoire de jeu.yml"
    appliquee = f"correspondance : « {brute} » → « {nom} »" if brute != nom else "correspondance : aucune"
    propose = territoire_propose(brute, connus) or territoire_propose(nom, connus)
    if propose:
        conseil = (f"Ce libellé désigne sans doute « {propose} » : déclarer « {brute} »: {propose} dans {cle}, "
                   f"ou corriger le nom")
    else:
        conseil = (f"Aucun territoire connu ne correspond sans ambiguïté ; territoires de {fichier_terr} : "
                   f"{liste_connus(connus)}. Déclarer le nom exact dans {cle}, ou corriger le nom")
    return Probleme(jeu.fichier_affiche("instances"), None, "territoire", brute, "territoire_inconnu",
                    f"territoire absent de {fichier_terr} (valeur brute « {brute} », {appliquee}).",
                    f"{conseil}, ou ajouter ce territoire à {fichier_terr}.")


def _cibles_territoire(jeu: Jeu, connus: list[str]) -> list[Probleme]:
    """Noms donnés par correspondance.codes.territoire et absents du fichier des territoires."""
    declares = ((jeu.descripteur.get("correspondance") or {}).get("codes") or {}).get("territoire") or {}
    problemes = []
    for brute, nom in declares.items():
        if str(nom) in connus:
            continue
        propose = territoire_propose(str(nom), connus)
        conseil = (f"Écrire « {propose} »" if propose
                   else f"Choisir un nom du fichier des territoires ({liste_connus(connus)})")
        problemes.append(Probleme(
            chemins.relatif(jeu.dossier / "jeu.yml"), None, "territoire", str(nom), "correspondance_territoire_inconnu",
            f"correspondance.codes.territoire fait correspondre « {brute} » à « {nom} », absent de "
            f"{jeu.fichier_affiche('territoires')}.", f"{conseil} comme cible de « {brute} » dans jeu.yml."))
    return problemes


# --------------------------------------------------------------------------
# Contrôles de plausibilité et de confidentialité


def _valeurs_identifiantes(jeu: Jeu) -> list[Probleme]:
    """Courriels et numéros de téléphone dans les colonnes de texte : refusés, et masqués dans le rapport."""
    problemes = []
    for table in jeu.brut:
        typee, fichier = _typee(jeu, table), jeu.fichier_affiche(table)
        for nom, var in dictionnaire.variables(table).items():
            if var.type not in ("identifiant", "texte") or nom not in typee.columns:
                continue
            natures = valeurs_identifiantes(typee[nom])
            for ligne, nature in natures.dropna().items():
                quoi = "une adresse courriel" if nature == "courriel" else "un numéro de téléphone"
                problemes.append(Probleme(
                    fichier, int(ligne), nom, f"({nature} masqué)", "valeur_identifiante",
                    f"la valeur contient {quoi} : identifiant direct refusé (non recopié ici).",
                    "Remplacer par un code pseudonyme dans l'export (jamais de nom, courriel ni téléphone)."))
    return problemes


def _territoires_une_instance(jeu: Jeu) -> list[Probleme]:
    """Information : un territoire d'une seule instance ne permet aucun test en son sein."""
    inst = _typee(jeu, "instances")
    if "territoire" not in inst.columns:
        return []
    comptes = inst["territoire"].value_counts()
    fichier = jeu.fichier_affiche("instances")
    problemes = []
    for territoire in sorted(comptes.index[comptes == 1]):
        ligne = int(inst.index[(inst["territoire"] == territoire).to_numpy()][0])
        problemes.append(Probleme(
            fichier, ligne, "territoire", str(territoire), "territoire_une_instance",
            "ce territoire n'a qu'une instance : aucune comparaison ni aucun test d'association ne sera "
            "possible à l'intérieur de ce territoire (il compte dans les analyses d'ensemble).",
            "Rien à corriger si c'est exact ; sinon vérifier l'orthographe du territoire.",
            gravite="information"))
    return problemes


def _ligne_entete_en_trop(jeu: Jeu, table: str, problemes: list[Probleme]) -> list[Probleme]:
    """Première ligne de données dont toutes les valeurs codées ou numériques sont refusées, alors que
    les 50 suivantes sont presque toutes correctes : sans doute une 2e ligne d'en-tête (export
    SurveyMonkey : « Response », « Open-Ended Response »…)."""
    brut = jeu.brut[table]
    noms = [n for n, v in dictionnaire.variables(table).items()
            if v.type not in ("identifiant", "texte") and n in brut.columns]
    if len(brut) < 2 or not noms:
        return []
    lignes = brut.index.to_numpy()
    premiere, suite = int(lignes[0]), set(lignes[1:51].tolist())
    fautes = [p for p in problemes if p.regle in REGLES_DE_VALEUR]
    refusees = {p.colonne for p in fautes if p.ligne == premiere}
    remplies = [n for n in noms if pd.notna(brut[n].iloc[0])]
    remplies_suite = int(brut[noms].iloc[1:51].notna().to_numpy().sum())
    fautes_suite = sum(p.ligne in suite for p in fautes)
    if len(remplies) < 2 or len(refusees) < len(remplies) or fautes_suite > 0.2 * max(remplies_suite, 1):
        return []
    exemples = list(dict.fromkeys(str(brut[n].iloc[0]) for n in remplies))
    return [Probleme(
        jeu.fichier_affiche(table), premiere, None, " | ".join(exemples[:4])[:80], "ligne_entete_en_trop",
        "cette ligne ne contient aucune réponse valide alors que les suivantes sont correctes : sans doute "
        "une 2e ligne d'en-tête (export SurveyMonkey ou LimeSurvey). Ses erreurs sont aussi listées.",
        f"Déclarer lignes_a_sauter: 1 pour ce fichier dans jeu.yml (fichiers.{table}: "
        "{chemin: …, lignes_a_sauter: 1}).")]


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
    def avertissements(self) -> list[Probleme]:
        """Ce qui ne bloque pas mais ne s'applique pas comme déclaré (correspondance) : à vérifier."""
        return [p for p in self.problemes if p.gravite == "avertissement"]

    @property
    def informations(self) -> list[Probleme]:
        return [p for p in self.problemes if p.gravite not in ("erreur", "avertissement")]

    @property
    def exclusions(self) -> list[Probleme]:
        """Les lignes laissées hors de l'analyse par les exclusions de jeu.yml (une information chacune)."""
        return [p for p in self.problemes if p.regle == REGLE_EXCLUSION]

    def lignes_exclues(self) -> pd.DataFrame:
        """Une ligne exclue par rangée : fichier, ligne, identifiant, motif (colonnes fixes)."""
        lignes = [{"fichier": p.fichier, "ligne": p.ligne, "identifiant": p.valeur,
                   "motif": p.message.removeprefix("ligne exclue de l'analyse : ").rstrip(".")}
                  for p in self.exclusions]
        tableau = pd.DataFrame(lignes, columns=COLONNES_EXCLUSIONS)
        tableau["ligne"] = tableau["ligne"].astype("Int64")
        return tableau

    @property
    def valide(self) -> bool:
        """Vrai s'il n'y a aucune erreur (les avertissements et informations ne bloquent pas)."""
        return not self.erreurs

    def tableau(self) -> pd.DataFrame:
        """Un problème par ligne, colonnes fixes (`COLONNES_RAPPORT`)."""
        lignes = [p.en_dict() for p in self.problemes]
        tableau = pd.DataFrame(lignes, columns=COLONNES_RAPPORT)
        tableau["ligne"] = tableau["ligne"].astype("Int64")
        return tableau

    def _bilan_non_bloquant(self) -> str:
        """« 2 avertissement(s) et 3 information(s) », ou texte vide."""
        morceaux = [f"{len(self.avertissements)} avertissement(s)"] if self.avertissements else []
        morceaux += [f"{len(self.informations)} information(s)"] if self.informations else []
        return " et ".join(morceaux)

    def resume(self, *, max_par_genre: int = 5) -> str:
        """Texte français : bilan, puis un problème par ligne (erreurs, puis avertissements ; au plus
        `max_par_genre` par fichier, colonne et règle ; le CSV les a tous, informations comprises)."""
        non_bloquant = self._bilan_non_bloquant()
        if self.valide:
            tete = f"Jeu « {self.jeu} » : valide (aucune erreur" + (f" ; {non_bloquant})" if non_bloquant else ")")
            tete += " :" if self.avertissements else "."
        else:
            tete = (f"Jeu « {self.jeu} » : {len(self.erreurs)} erreur(s) à corriger"
                    + (f" ; {non_bloquant}" if non_bloquant else "") + " :")
        lignes = [tete]
        vus: dict[tuple, int] = {}
        for p in self.erreurs + self.avertissements:
            groupe = (p.fichier, p.colonne, p.regle)
            vus[groupe] = vus.get(groupe, 0) + 1
            if vus[groupe] <= max_par_genre:
                marque = "" if p.gravite == "erreur" else "(avertissement) "
                lignes.append(f"  - {marque}{p.en_texte()}")
        for (fichier, colonne, regle), n in vus.items():
            if n > max_par_genre:
                lignes.append(f"  … et {n - max_par_genre} autre(s) [{regle}] dans {fichier}, "
                              f"colonne « {colonne} » (voir le CSV).")
        return "\n".join(lignes)

    def ecrire_csv(self, chemin: str | Path) -> Path:
        """Écrit tous les problèmes en CSV (UTF-8), atomiquement."""
        return ecriture.ecrire_csv(self.tableau(), chemin)

    def lever_si_erreurs(self) -> None:
        if not self.valide:
            raise ErreurValidation(self.resume(), problemes=self.tableau())

    def _repr_html_(self) -> str:
        return f"<p>{self.resume().splitlines()[0]}</p>" + self.tableau().to_html(index=False)


def valider_jeu(jeu: Jeu) -> RapportValidation:
    """Valide un jeu chargé : dictionnaire, identifiants, références entre tables.

    Paramètres
    ----------
    jeu : Jeu
        Sortie de `chargement.charger_jeu` ; ses tableaux typés sont examinés,
        et ses problèmes de lecture et de typage sont repris.

    Renvoie
    -------
    RapportValidation
        Tous les problèmes, erreurs d'abord, puis avertissements, puis
        informations ; chaque groupe par fichier et par ligne.
        Jamais d'exception pour un problème de données ;
        `rapport.lever_si_erreurs()` lève `ErreurValidation`.
    """
    problemes = list(jeu.problemes)  # lecture et typage (valeurs refusées), déjà faits au chargement
    refusees = {(p.fichier, p.ligne, p.colonne) for p in jeu.problemes if p.regle in REGLES_DE_VALEUR}
    for table in jeu.brut:
        fichier = jeu.fichier_affiche(table)
        de_valeur = [p for p in jeu.problemes if p.fichier == fichier and p.regle in REGLES_DE_VALEUR]
        problemes += _ligne_entete_en_trop(jeu, table, de_valeur) + _valider_table(jeu, table, refusees)
    problemes += _references(jeu) + _valeurs_identifiantes(jeu) + _territoires_une_instance(jeu)
    ordre = {t: i for i, t in enumerate(jeu.fichiers)}
    cle = {chemin: ordre[t] for t, chemin in ((t, jeu.fichier_affiche(t)) for t in jeu.fichiers)}
    rang = {"erreur": 0, "avertissement": 1}
    problemes.sort(key=lambda p: (rang.get(p.gravite, 2), cle.get(p.fichier, 99),
                                  -1 if p.ligne is None else p.ligne, p.colonne or "", p.regle))
    return RapportValidation(jeu=jeu.nom, problemes=tuple(problemes))
