"""Résumé publiable des résultats d'une région : un paquet de données ouvert (Frictionless Data Package).

Pour comparer des régions sans faire circuler de microdonnées, chaque exécution
du flux écrit, à côté de `manifeste.json`, le dossier
`resultats/<jeu>/resume_region/` :

- `hypotheses.csv` : une ligne par hypothèse de portée région, tirée
  **seulement** du tableau déjà publié `tableaux/synthese_hypotheses.csv`
  (protégé : statistiques retenues laissées vides, précision fixe) ;
  s'y ajoutent l'estimation sur l'échelle de la méta-analyse (log du rapport
  de cotes, ou différence) et son erreur type, **déduites de l'estimation et
  de l'IC publiés** (voir :func:`deriver`), et la raison pour laquelle une
  ligne ne se combine pas (`combinable`, `motif`) ;
- `datapackage.json` : le descripteur (spécification « Data Package » de
  Frictionless) : schéma du tableau (types, valeurs permises tirées de
  `dictionnaire.yml`, description française de chaque colonne), SHA-256 et
  taille de `hypotheses.csv`, et un bloc `resume_region` : région, année,
  données simulées ou non, définitions des hypothèses et des variables
  dérivées du plan appliqué, version et empreinte du dictionnaire, règles de
  diffusion, et la provenance du manifeste (empreintes des fichiers bruts, des
  données préparées et du plan, versions des paquets, commit des sources).

Un partenaire le lit sans ce paquet : un CSV UTF-8 et un JSON documenté
(`frictionless validate datapackage.json`, ou `read.csv` / `pandas.read_csv`).
Rien d'autre que ce qui est déjà publié n'y entre : pas d'effectif de
case, pas de statistique supprimée, aucune microdonnée.

Couche « publication » (comme `sorties` et `confidentialite`) : lit ce que
le flux a publié, écrit par `sorties`.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from . import chemins, dictionnaire, ecriture, etat_preparation
from . import plan as plan_
from .erreurs import ErreurDonnees, Probleme
from .texte import manquant

VERSION_FORMAT = 1
DOSSIER = "resume_region"
FICHIER_DESCRIPTEUR = "datapackage.json"
FICHIER_HYPOTHESES = "hypotheses.csv"
FICHIER_SYNTHESE = "synthese_hypotheses.csv"  # sous tableaux/ : le tableau publié dont le résumé est tiré
CLE = "resume_region"  # bloc propre au projet dans datapackage.json
NIVEAU_IC = 0.95
Z_IC = float(stats.norm.isf((1 - NIVEAU_IC) / 2))
#: Tolérance relative des valeurs déduites relues (le CSV les écrit à 10 chiffres significatifs).
TOLERANCE_RELUE = 1e-8

#: Colonnes du tableau publié `synthese_hypotheses.csv` dont le résumé a besoin.
COLONNES_SYNTHESE = ("id", "famille", "question", "niveau", "exposition", "issue", "test", "estimateur",
                     "effectif", "nb_grappes", "mesure", "estimation", "ic_bas", "ic_haut", "statistique", "ddl",
                     "p_valeur", "famille_ajustement", "p_ajustee", "statut", "note", "case_sous_le_seuil")

#: Colonnes de `hypotheses.csv`, dans cet ordre.
COLONNES = ["id", "famille", "question", "niveau", "exposition", "libelle_exposition", "issue", "libelle_issue",
            "test", "estimateur", "mesure", "echelle", "effectif", "nb_grappes", "estimation", "ic_bas", "ic_haut",
            "statistique", "ddl", "p_valeur", "famille_ajustement", "p_ajustee", "estimation_echelle", "erreur_type",
            "quantile_ic", "methode_erreur_type", "statut", "combinable", "motif", "estimation_publiee",
            "effectif_publie", "case_sous_le_seuil", "note"]

#: Champs d'une hypothèse du plan qui la définissent (deux régions ne se combinent que s'ils sont égaux).
CHAMPS_DEFINITION = ("niveau", "exposition", "issue", "methode", "grappes", "covariables", "strate")
#: Seuils du plan qui définissent des variables (les autres ne changent pas ce qui est estimé).
SEUILS_DEFINITION = ("annee_charniere", "sur_sollicitation")


# --------------------------------------------------------------------------
# Du tableau publié aux lignes du résumé


def _quantile(test: str, ddl) -> float | None:
    """Quantile à 97,5 % de la loi qu'inverse l'IC publié : Student à `ddl` ddl, sinon normale."""
    if test == "t de Student":
        return None if manquant(ddl) or float(ddl) <= 0 else float(stats.t.isf((1 - NIVEAU_IC) / 2, float(ddl)))
    return Z_IC


def _derivee(ligne: dict, seuil: int) -> dict:
    """Échelle, estimation sur cette échelle, erreur type et motif d'une ligne publiée."""
    mesure, statut = ligne["mesure"], ligne["statut"]
    vide = {"echelle": None, "estimation_echelle": np.nan, "erreur_type": np.nan, "quantile_ic": np.nan,
            "methode_erreur_type": "", "combinable": False}
    if statut != "ok":
        quoi = "non estimable" if statut == "non_estimable" else "non disponible"
        return {**vide, "motif": f"{quoi} dans cette région" + (f" : {ligne['note']}" if ligne["note"] else "")}
    if mesure == "homogeneite":
        return {**vide, "motif": "test d'homogénéité entre territoires : aucune estimation à combiner"}
    if mesure not in ("rapport_cotes", "difference"):
        return {**vide, "motif": f"mesure « {mesure} » : pas d'estimation combinable"}
    echelle = "log" if mesure == "rapport_cotes" else "identite"
    vide["echelle"] = echelle
    est, bas, haut = ligne["estimation"], ligne["ic_bas"], ligne["ic_haut"]
    if manquant(est):
        if bool(ligne["case_sous_le_seuil"]) or bool(ligne.get("retenu", False)):
            motif = (f"non publié : une case du tableau croisé compte moins de {seuil}, ou la statistique la "
                     "protège (règle de confidentialité de la diffusion)")
        else:
            motif = "non publié : estimation retenue par les règles de diffusion de la région"
        return {**vide, "motif": motif}
    if not math.isfinite(est) or (echelle == "log" and est <= 0):
        return {**vide, "motif": "estimation nulle ou infinie (case nulle ou séparation) : non combinable"}
    if manquant(bas) or manquant(haut):
        return {**vide, "motif": "intervalle de confiance non publié : erreur type impossible à déduire"}
    if echelle == "log" and not (0 < bas <= haut < math.inf):
        return {**vide, "motif": "intervalle nul ou infini (case nulle) : non estimable sur l'échelle log"}
    q = _quantile(ligne["test"], ligne["ddl"])
    if q is None:
        return {**vide, "motif": "ddl non publiés : erreur type impossible à déduire de l'IC de Student"}
    transformer = math.log if echelle == "log" else float
    erreur_type = (transformer(haut) - transformer(bas)) / (2 * q)
    if not erreur_type > 0:
        return {**vide, "motif": "intervalle de largeur nulle : erreur type nulle, non combinable"}
    loi = f"Student à {int(float(ligne['ddl']))} ddl" if ligne["test"] == "t de Student" else "normale"
    formule = ("(ln ic_haut - ln ic_bas)" if echelle == "log" else "(ic_haut - ic_bas)") + " / (2 q)"
    return {"echelle": echelle, "estimation_echelle": transformer(est), "erreur_type": erreur_type,
            "quantile_ic": q, "combinable": True, "motif": "",
            "methode_erreur_type": f"{formule}, q = quantile à 97,5 % de la loi {loi} (IC à 95 % publié)"}


def deriver(publie: pd.DataFrame, *, seuil: int, source: str = FICHIER_SYNTHESE) -> pd.DataFrame:
    """Les lignes du résumé (colonnes :data:`COLONNES`), tirées du tableau publié des hypothèses de la région.

    Estimation et erreur type sur l'échelle de la méta-analyse, déduites de
    ce qui est publié : log du rapport de cotes, ou différence de moyennes ;
    erreur type = largeur de l'IC à 95 % sur cette échelle / (2 q), q le
    quantile à 97,5 % de la loi qu'inverse l'IC (normale pour un IC de Wald :
    Mantel-Haenszel avec la variance de Robins-Breslow-Greenland, GEE ;
    Student à `ddl` ddl pour un « t de Student »). Une estimation vide
    (supprimée ou retenue par la diffusion), non estimable, ou un test
    d'homogénéité ne se combinent pas : `combinable` faux et `motif` le dit.
    """
    absentes = [c for c in COLONNES_SYNTHESE if c not in publie.columns]
    if absentes:
        raise ErreurDonnees(f"{source} : colonne(s) absente(s) : {', '.join(absentes)}. Le résumé de la région se "
                            "tire du tableau publié par le carnet 04 ; relancer le flux sur ce jeu.")
    lignes = []
    for brut in publie[list(COLONNES_SYNTHESE)].to_dict("records"):
        ligne = dict(brut)
        for c in ("famille", "question", "test", "estimateur", "famille_ajustement", "note"):
            ligne[c] = "" if manquant(brut[c]) else str(brut[c])
        ligne["case_sous_le_seuil"] = str(brut["case_sous_le_seuil"]).strip().lower() == "true"
        for c in ("estimation", "ic_bas", "ic_haut", "statistique", "ddl", "p_valeur", "p_ajustee", "effectif",
                  "nb_grappes"):
            ligne[c] = np.nan if manquant(brut[c]) else float(brut[c])
        ligne.update(_derivee(ligne, seuil))
        ligne["estimation_publiee"] = not manquant(brut["estimation"])
        ligne["effectif_publie"] = not manquant(brut["effectif"])
        ligne["libelle_exposition"] = dictionnaire.libelle(ligne["exposition"])
        ligne["libelle_issue"] = dictionnaire.libelle(ligne["issue"])
        lignes.append(ligne)
    tableau = pd.DataFrame(lignes, columns=COLONNES)
    for c in ("effectif", "nb_grappes"):
        tableau[c] = tableau[c].astype("Int64")
    return tableau


# --------------------------------------------------------------------------
# Schéma (Table Schema) tiré du dictionnaire


def _champ(nom: str, type_: str, titre: str, description: str, **contraintes) -> dict:
    champ = {"name": nom, "type": type_, "title": titre, "description": description}
    if type_ == "boolean":
        champ.update(trueValues=["True"], falseValues=["False"])
    if contraintes:
        champ["constraints"] = contraintes
    return champ


def schema_hypotheses() -> dict:
    """Le schéma (Frictionless Table Schema) de `hypotheses.csv` ; valeurs permises tirées du dictionnaire."""
    variables = list(dictionnaire.noms_variables())
    niveaux = {t: dictionnaire.libelle_table(t) for t in ("instances", "participants")}
    v = dictionnaire.version()
    p01 = {"minimum": 0, "maximum": 1}
    champs = [
        _champ("id", "string", "Hypothèse", "Identifiant de l'hypothèse dans le plan d'analyse (plan_analyse.yml) ; "
               "sa définition est dans datapackage.json, resume_region.plan.hypotheses.", required=True, unique=True),
        _champ("famille", "string", "Famille", "Famille d'hypothèses du plan (H1, H2…).", required=True),
        _champ("question", "string", "Question", "La question de recherche, en français.", required=True),
        _champ("niveau", "string", "Unité d'analyse",
               "Table analysée : " + " ; ".join(f"{k} = {l}" for k, l in niveaux.items()) + ".",
               required=True, enum=list(niveaux)),
        _champ("exposition", "string", "Exposition", f"Variable d'exposition : nom dans le dictionnaire des données "
               f"(version {v}) ; son libellé est dans libelle_exposition.", required=True, enum=variables),
        _champ("libelle_exposition", "string", "Libellé de l'exposition", "Libellé français tiré du dictionnaire."),
        _champ("issue", "string", "Issue", f"Variable d'issue : nom dans le dictionnaire des données (version {v}) ; "
               "son libellé est dans libelle_issue.", required=True, enum=variables),
        _champ("libelle_issue", "string", "Libellé de l'issue", "Libellé français tiré du dictionnaire."),
        _champ("test", "string", "Test", "Test dont vient la p publiée, celui qu'inverse l'IC publié."),
        _champ("estimateur", "string", "Estimateur", "Quelle estimation est publiée (par ex. RC commun de "
               "Mantel-Haenszel stratifié par territoire, RC ajusté d'un modèle marginal GEE)."),
        _champ("mesure", "string", "Mesure", "rapport_cotes (rapport de cotes), difference (écart de moyennes, en "
               "points de l'indice 0-100) ou homogeneite (test d'homogénéité entre territoires, sans estimation).",
               required=True, enum=["rapport_cotes", "difference", "homogeneite"]),
        _champ("echelle", "string", "Échelle de la méta-analyse", "log : log népérien du rapport de cotes ; "
               "identite : la différence elle-même ; vide : rien à combiner.", enum=["log", "identite"]),
        _champ("effectif", "integer", "Effectif", "Unités analysées, exact, tel que publié ; vide si "
               "supprimé (de 1 au seuil de confidentialité moins 1).", minimum=0),
        _champ("nb_grappes", "integer", "Grappes", "Nombre de concertations (grappes) des modèles au niveau des "
               "participants, tel que publié.", minimum=0),
        _champ("estimation", "number", "Estimation publiée", "Rapport de cotes ou différence, tel que publié dans "
               "tableaux/synthese_hypotheses.csv ; vide si supprimé ou non publié."),
        _champ("ic_bas", "number", "IC à 95 % (bas)", "Borne basse de l'intervalle de confiance à 95 % publié."),
        _champ("ic_haut", "number", "IC à 95 % (haut)", "Borne haute de l'intervalle de confiance à 95 % publié."),
        _champ("statistique", "number", "Statistique", "Statistique du test (khi-deux de Wald, ou t de Student)."),
        _champ("ddl", "number", "ddl", "Degrés de liberté de la statistique.", minimum=0),
        _champ("p_valeur", "number", "p", "p du test, celui qu'inverse l'IC publié.", **p01),
        _champ("famille_ajustement", "string", "Famille d'ajustement", "Famille de tests où la p est ajustée."),
        _champ("p_ajustee", "number", "p ajustée", "p ajustée pour comparaisons multiples dans sa famille "
               "(méthode seuils.ajustement du plan).", **p01),
        _champ("estimation_echelle", "number", "Estimation (échelle de la méta-analyse)",
               "DÉDUITE de l'estimation publiée : ln(estimation) pour un rapport de cotes, l'estimation elle-même "
               "pour une différence."),
        _champ("erreur_type", "number", "Erreur type (déduite)", "DÉDUITE de l'IC à 95 % publié : largeur de l'IC "
               "sur l'échelle de la méta-analyse / (2 quantile_ic) ; exacte pour un IC de Wald (normal ou de "
               "Student), au nombre de chiffres publiés près.", minimum=0),
        _champ("quantile_ic", "number", "Quantile de l'IC", "Quantile à 97,5 % de la loi qu'inverse l'IC publié "
               "(1,959964 pour la loi normale, Student à ddl ddl sinon).", minimum=0),
        _champ("methode_erreur_type", "string", "Calcul de l'erreur type", "Formule appliquée, en clair."),
        _champ("statut", "string", "Statut", "ok (estimé), non_estimable ou non_disponible (variable facultative "
               "absente du jeu).", required=True, enum=["ok", "non_estimable", "non_disponible"]),
        _champ("combinable", "boolean", "Combinable", "Vrai si estimation_echelle et erreur_type sont là et "
               "peuvent entrer dans une méta-analyse entre régions.", required=True),
        _champ("motif", "string", "Motif", "Pourquoi la ligne ne se combine pas (vide si combinable)."),
        _champ("estimation_publiee", "boolean", "Estimation publiée", "Faux si l'estimation publiée est vide "
               "(supprimée ou retenue par les règles de diffusion).", required=True),
        _champ("effectif_publie", "boolean", "Effectif publié", "Faux si l'effectif publié est vide (supprimé).",
               required=True),
        _champ("case_sous_le_seuil", "boolean", "Petite case", "Vrai si le tableau exposition × issue a une case "
               "sous le seuil de confidentialité : rapport de cotes, IC, p et statistique sont alors supprimés.",
               required=True),
        _champ("note", "string", "Note", "Note publiée avec le test (avertissements d'effectifs, séparation…)."),
    ]
    assert [c["name"] for c in champs] == COLONNES
    return {"fields": champs, "primaryKey": ["id"], "missingValues": [""]}


# --------------------------------------------------------------------------
# Écriture


def _csv(tableau: pd.DataFrame) -> bytes:
    tampon = io.StringIO()
    ecriture.neutraliser_formules(tableau).to_csv(tampon, index=False, lineterminator="\n", float_format="%.10g")
    return tampon.getvalue().encode("utf-8")


def _definitions(plan) -> dict:
    return {h.id: {"famille": h.famille, "question": h.question, "niveau": h.niveau, "exposition": h.exposition,
                   "issue": h.issue, "methode": h.methode, "grappes": h.grappes, "covariables": list(h.covariables),
                   "strate": h.strate, "portee": list(h.portee)} for h in plan.hypotheses}


def lire_synthese(octets: bytes, *, source: str = FICHIER_SYNTHESE) -> pd.DataFrame:
    """Le tableau publié des hypothèses de la région (cellule vide = valeur supprimée ou sans objet)."""
    try:
        return pd.read_csv(io.BytesIO(octets), dtype={"note": str, "famille": str, "id": str})
    except (ValueError, UnicodeDecodeError) as exc:
        raise ErreurDonnees(f"{source} : illisible comme CSV ({exc}). Relancer le flux sur ce jeu.") from None


def construire(synthese: bytes, manifeste: dict, *, plan, descripteur_jeu: dict, nom_jeu: str) -> dict[str, bytes]:
    """Les octets des deux fichiers du résumé (`datapackage.json`, `hypotheses.csv`).

    `synthese` : les octets du tableau publié `tableaux/synthese_hypotheses.csv` ;
    `manifeste` : le contenu du manifeste de l'exécution ; `plan` : le plan
    appliqué (`plan.Plan`, celui dont le manifeste donne l'empreinte) ;
    `descripteur_jeu` : le contenu de `jeu.yml` (région, titre, année,
    simulé). Rien d'autre n'entre dans le résumé.
    """
    seuil = int(plan.seuils["confidentialite"])
    hypotheses = deriver(lire_synthese(synthese), seuil=seuil)
    csv = _csv(hypotheses)
    simule = bool(descripteur_jeu.get("simule"))
    region = str(descripteur_jeu.get("region") or nom_jeu)
    mention = " (données SIMULÉES)" if simule else ""
    provenance = {c: manifeste[c] for c in ("jeu", "fichiers_bruts_sha256", "donnees_preparees_sha256",
                                            "plan_sha256", "sources", "versions") if c in manifeste}
    bloc = {
        "version_format": VERSION_FORMAT,
        "jeu": nom_jeu,
        "region": region,
        "titre": str(descripteur_jeu.get("titre") or region),
        "annee_enquete": descripteur_jeu.get("annee_enquete"),
        "simule": simule,
        "nb_territoires": len((manifeste.get("parametres") or {}).get("territoires") or {}),
        "plan": {"sha256": manifeste.get("plan_sha256"), "seuils": dict(plan.seuils),
                 "derivees": json.loads(json.dumps(plan.derivees)), "hypotheses": _definitions(plan)},
        "dictionnaire": {"version": dictionnaire.version(), "sha256": ecriture.empreinte(chemins.DICTIONNAIRE)},
        "variables": {n: dictionnaire.libelle(n) for n in sorted(set(hypotheses["exposition"]) | set(hypotheses["issue"]))},
        "diffusion": {"seuil_confidentialite": seuil, "niveau_intervalles": NIVEAU_IC,
                      "regles": ("Tiré seulement du tableau publié tableaux/synthese_hypotheses.csv : effectifs "
                                 "exacts ; estimation, IC, p et statistique retenus (vides) quand une case du tableau "
                                 "exposition × issue est sous le seuil ou qu'une strate en protège une autre ; "
                                 "statistiques regroupées sur les strates de la colonne « strates » ; précision fixe "
                                 "(rapports de cotes à 3 chiffres significatifs, p à 2) ; toute valeur vide dans la "
                                 "publication reste vide ici.")},
        "synthese_publiee_sha256": hashlib.sha256(synthese).hexdigest(),
        "provenance": provenance,
    }
    descripteur = {
        "profile": "tabular-data-package",
        "name": "resume-region-" + chemins.nom_sur(nom_jeu).replace("_", "-"),
        "title": f"Résumé publiable des résultats de la région : {region}{mention}",
        "description": (
            f"Résultats de portée région de l'analyse des concertations ({region}{mention}), une ligne par hypothèse "
            "du plan d'analyse, tels que publiés (tableaux/synthese_hypotheses.csv, protégé par les règles de "
            "diffusion) ; s'y ajoutent l'estimation sur l'échelle de la méta-analyse et son erreur type, DÉDUITES "
            "de l'estimation et de l'IC à 95 % publiés (colonnes estimation_echelle et erreur_type), pour comparer "
            "les régions sans faire circuler de microdonnées. Le bloc resume_region donne la définition de chaque "
            "hypothèse, la version du dictionnaire des données et la provenance (manifeste de l'exécution). "
            "Lecture sans le paquet : hypotheses.csv est un CSV UTF-8 (virgule, point décimal, cellule vide = "
            "valeur absente) ; ce descripteur suit la spécification Data Package de Frictionless "
            "(frictionless validate datapackage.json vérifie schéma, taille et SHA-256)."),
        "version": str(VERSION_FORMAT),
        "resources": [{
            "profile": "tabular-data-resource",
            "name": "hypotheses",
            "path": FICHIER_HYPOTHESES,
            "title": "Hypothèses de portée région, telles que publiées",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "bytes": len(csv), "hash": f"sha256:{hashlib.sha256(csv).hexdigest()}",
            "schema": schema_hypotheses(),
        }],
        CLE: bloc,
    }
    return {FICHIER_DESCRIPTEUR: (json.dumps(descripteur, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
            .encode("utf-8"), FICHIER_HYPOTHESES: csv}


def ecrire_resume(nom_jeu: str, manifeste: dict) -> dict[str, str]:
    """Écrit `resultats/<jeu>/resume_region/` pour une exécution du flux ; rend les SHA-256 de ses fichiers
    (chemins relatifs au dossier de résultats du jeu), que le manifeste reprend.

    Lit le tableau publié `tableaux/synthese_hypotheses.csv`, le descripteur du jeu (région, titre, année,
    simulé) et le plan appliqué (`donnees/plan_analyse.yml`, dont `manifeste["plan_sha256"]` est
    l'empreinte) ; `manifeste` est le contenu du manifeste que le flux écrit ensuite.
    """

    resultats = chemins.dossier_resultats(nom_jeu)
    synthese = resultats / "tableaux" / FICHIER_SYNTHESE
    if not synthese.is_file():
        raise ErreurDonnees(f"{chemins.relatif(synthese)} absent : le résumé de la région se tire de ce tableau "
                            "publié par le carnet 04. Relancer le flux sur ce jeu.")
    meta = etat_preparation.lire_meta(nom_jeu)
    plan_chemin = chemins.dossier_prepare(nom_jeu) / etat_preparation.FICHIER_PLAN
    if meta is None or not plan_chemin.is_file():
        raise ErreurDonnees(f"Le jeu « {nom_jeu} » n'est pas préparé : relancer le flux sur ce jeu.")
    if ecriture.empreinte(plan_chemin) != manifeste.get("plan_sha256"):
        raise ErreurDonnees(f"{chemins.relatif(plan_chemin)} n'est pas le plan dont le manifeste donne l'empreinte : "
                            "relancer le flux sur ce jeu.")
    fichiers = construire(synthese.read_bytes(), manifeste, plan=plan_.charger_plan(plan_chemin),
                          descripteur_jeu=meta["descripteur"], nom_jeu=nom_jeu)
    cible = chemins.dossier_resume_region(nom_jeu)
    for nom in (FICHIER_HYPOTHESES, FICHIER_DESCRIPTEUR):  # le descripteur, qui hache le CSV, en dernier
        ecriture.ecrire_octets(fichiers[nom], cible / nom)
    return {f"{DOSSIER}/{nom}": hashlib.sha256(octets).hexdigest() for nom, octets in sorted(fichiers.items())}


def ecrire_depuis_resultats(nom_jeu: str) -> dict[str, str]:
    """Écrit le résumé d'un jeu déjà exécuté, avec le manifeste publié (`resultats/<jeu>/manifeste.json`).

    Le manifeste n'est pas réécrit : il ne hache donc pas ce résumé (le flux,
    lui, écrit le résumé puis le manifeste qui le hache).
    """
    chemin = chemins.dossier_resultats(nom_jeu) / "manifeste.json"
    if not chemin.is_file():
        raise ErreurDonnees(f"{chemins.relatif(chemin)} absent : exécuter d'abord le flux sur ce jeu.")
    return ecrire_resume(nom_jeu, json.loads(chemin.read_text(encoding="utf-8")))


# --------------------------------------------------------------------------
# Lecture et vérification d'un résumé reçu


@dataclass(frozen=True)
class ResumeRegion:
    """Un résumé de région lu et vérifié (intégrité, schéma, valeurs déduites)."""

    source: str                  # nom de l'entrée telle que reçue (dossier ou archive, sans chemin)
    descripteur: dict            # datapackage.json
    hypotheses: pd.DataFrame     # hypotheses.csv
    empreintes: dict             # SHA-256 de datapackage.json et de hypotheses.csv
    manifeste: dict | None = field(default=None, repr=False)  # manifeste reçu avec le résumé, s'il y en a un
    fichiers: dict = field(default_factory=dict, repr=False)  # octets reçus de ses deux fichiers

    @property
    def bloc(self) -> dict:
        return self.descripteur[CLE]

    @property
    def region(self) -> str:
        return str(self.bloc["region"])

    @property
    def annee_enquete(self):
        return self.bloc.get("annee_enquete")

    @property
    def simule(self) -> bool:
        return bool(self.bloc["simule"])

    @property
    def jeu(self) -> str:
        return str(self.bloc["jeu"])

    @property
    def verifie_par_manifeste(self) -> bool:
        """Vrai si le manifeste reçu avec le résumé en donne les empreintes, et qu'elles concordent."""
        return bool(self.manifeste and self.manifeste.get("resume_region_sha256"))

    def definition(self, id_: str) -> dict:
        return self.bloc["plan"]["hypotheses"].get(id_, {})


def _probleme(source: str, fichier: str, regle: str, message: str, correction: str, *, ligne=None, colonne=None,
              valeur=None) -> Probleme:
    return Probleme(fichier=f"{source}/{fichier}", ligne=ligne, colonne=colonne,
                    valeur=None if valeur is None else str(valeur), regle=regle, message=message,
                    correction=correction)


REDEMANDER = ("Redemander le résumé à l'équipe qui l'a produit (dossier resultats/<jeu>/resume_region/ tel quel, "
              "ou son archive), sans le retoucher.")


def _erreurs_frictionless(dossier: Path) -> list[tuple]:
    """(type, note, ligne, colonne, cellule) de chaque erreur que frictionless trouve dans le paquet."""
    import frictionless

    rapport = frictionless.validate(str(dossier / FICHIER_DESCRIPTEUR))
    erreurs = list(rapport.errors) + [e for tache in rapport.tasks for e in tache.errors]
    return [(e.type, e.note, getattr(e, "row_number", None), getattr(e, "field_name", None), getattr(e, "cell", None))
            for e in erreurs]


def _en_francais(source: str, erreur: tuple) -> Probleme:
    type_, note, ligne, colonne, cellule = erreur
    if type_ == "hash-count":
        return _probleme(source, FICHIER_HYPOTHESES, "empreinte",
                         "le fichier a été modifié depuis sa publication : son SHA-256 n'est pas celui que déclare "
                         f"{FICHIER_DESCRIPTEUR} ({note}).", REDEMANDER)
    if type_ == "byte-count":
        return _probleme(source, FICHIER_HYPOTHESES, "taille",
                         f"la taille du fichier n'est pas celle que déclare {FICHIER_DESCRIPTEUR} ({note}) : il a "
                         "été modifié ou tronqué.", REDEMANDER)
    if type_ in ("type-error", "constraint-error", "missing-cell", "extra-cell", "primary-key", "unique-error"):
        quoi = {"type-error": "valeur du mauvais type", "constraint-error": "valeur hors de ce que permet le schéma",
                "missing-cell": "cellule manquante", "extra-cell": "cellule en trop",
                "primary-key": "identifiant d'hypothèse en double", "unique-error": "valeur en double"}[type_]
        return _probleme(source, FICHIER_HYPOTHESES, f"schema:{type_}", f"{quoi} ({note}).", REDEMANDER,
                         ligne=ligne, colonne=colonne, valeur=cellule)
    fichier = FICHIER_HYPOTHESES if type_.endswith(("-label", "-row", "-header")) else FICHIER_DESCRIPTEUR
    return _probleme(source, fichier, f"frictionless:{type_}", f"le paquet ne respecte pas la spécification Data "
                     f"Package ({note}).", REDEMANDER)


def _relire(octets: bytes) -> pd.DataFrame:
    texte = {c: str for c in ("id", "famille", "question", "niveau", "exposition", "libelle_exposition", "issue",
                              "libelle_issue", "test", "estimateur", "mesure", "echelle", "famille_ajustement",
                              "methode_erreur_type", "statut", "motif", "note")}
    tableau = pd.read_csv(io.BytesIO(octets), dtype=texte, keep_default_na=False, na_values={
        c: [""] for c in COLONNES if c not in texte})
    for c in ("combinable", "estimation_publiee", "effectif_publie", "case_sous_le_seuil"):
        tableau[c] = tableau[c].astype(str) == "True"
    return tableau


def _proche(a: float, b: float) -> bool:
    if manquant(a) or manquant(b):
        return manquant(a) and manquant(b)
    return math.isclose(a, b, rel_tol=TOLERANCE_RELUE)


def _incoherences(source: str, tableau: pd.DataFrame, seuil: int) -> list[Probleme]:
    """Les valeurs déduites (échelle, estimation, erreur type, combinable) se recalculent-elles des valeurs
    publiées de la même ligne ? Une retouche d'une estimation sans son IC, ou l'inverse, est trouvée ici."""
    problemes = []
    for i, ligne in enumerate(tableau.to_dict("records")):
        attendu = _derivee(ligne, seuil)
        for c in ("estimation_echelle", "erreur_type"):
            if not _proche(float(ligne[c]), float(attendu[c])):
                problemes.append(_probleme(
                    source, FICHIER_HYPOTHESES, "valeur_deduite",
                    f"hypothèse {ligne['id']} : « {c} » ne se recalcule pas de l'estimation et de l'IC publiés "
                    f"de la même ligne (attendu {attendu[c]:.10g}) : une valeur a été retouchée.", REDEMANDER,
                    ligne=i + 2, colonne=c, valeur=f"{float(ligne[c]):.10g}"))
        if bool(ligne["combinable"]) != bool(attendu["combinable"]):
            problemes.append(_probleme(source, FICHIER_HYPOTHESES, "valeur_deduite",
                                       f"hypothèse {ligne['id']} : « combinable » ne correspond pas aux valeurs "
                                       "publiées de la ligne.", REDEMANDER, ligne=i + 2, colonne="combinable",
                                       valeur=ligne["combinable"]))
    return problemes


#: Ce que la comparaison lit du bloc `resume_region` (chemins de clés).
CLES_BLOC = (("jeu",), ("region",), ("simule",), ("plan", "sha256"), ("plan", "seuils"), ("plan", "derivees"),
             ("plan", "hypotheses"), ("dictionnaire", "version"), ("dictionnaire", "sha256"),
             ("diffusion", "seuil_confidentialite"))


def _a_la_cle(bloc: dict, chemin: tuple) -> bool:
    for cle in chemin:
        if not isinstance(bloc, dict) or cle not in bloc:
            return False
        bloc = bloc[cle]
    return True


def verifier(fichiers: dict[str, bytes], *, source: str,
             manifeste: dict | None = None) -> tuple[ResumeRegion | None, list[Probleme]]:
    """Vérifie un résumé reçu (octets de ses fichiers) : rend le résumé lu, ou None, et TOUS ses problèmes.

    1. `datapackage.json` se lit, a le bloc `resume_region` de ce format et décrit `hypotheses.csv` ;
    2. frictionless valide le paquet : SHA-256 et taille de `hypotheses.csv` (une retouche est trouvée),
       types et valeurs permises par le schéma ;
    3. les valeurs déduites se recalculent des valeurs publiées de chaque ligne ;
    4. si le manifeste de l'exécution est joint, il hache bien ces deux fichiers.
    """
    import tempfile

    empreintes = {n: hashlib.sha256(o).hexdigest() for n, o in fichiers.items()}
    if FICHIER_DESCRIPTEUR not in fichiers:
        return None, [_probleme(source, FICHIER_DESCRIPTEUR, "absent", "aucun descripteur datapackage.json.",
                                REDEMANDER)]
    try:
        descripteur = json.loads(fichiers[FICHIER_DESCRIPTEUR].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, [_probleme(source, FICHIER_DESCRIPTEUR, "illisible", f"JSON illisible ({exc}).", REDEMANDER)]
    bloc = descripteur.get(CLE) if isinstance(descripteur, dict) else None
    if not isinstance(bloc, dict):
        return None, [_probleme(source, FICHIER_DESCRIPTEUR, "format", f"pas de bloc « {CLE} » : ce paquet n'est pas "
                                "un résumé de région de ce projet.", "Donner le dossier resultats/<jeu>/resume_region/ "
                                "écrit par le flux (ou son archive).")]
    if bloc.get("version_format") != VERSION_FORMAT:
        return None, [_probleme(source, FICHIER_DESCRIPTEUR, "version_format",
                                f"format de résumé version {bloc.get('version_format')!r}, ce paquet lit la version "
                                f"{VERSION_FORMAT}.", "Produire les deux résumés avec la même version du paquet "
                                "d'analyse (relancer le flux), ou mettre le paquet à jour.")]
    manquantes = [".".join(c) for c in CLES_BLOC if not _a_la_cle(bloc, c)]
    if manquantes:
        return None, [_probleme(source, FICHIER_DESCRIPTEUR, "format", f"bloc « {CLE} » incomplet : "
                                f"{', '.join(manquantes)} absent(s).", REDEMANDER)]
    if FICHIER_HYPOTHESES not in fichiers:
        return None, [_probleme(source, FICHIER_HYPOTHESES, "absent", "fichier absent du résumé.", REDEMANDER)]
    with tempfile.TemporaryDirectory(prefix="resume_") as temporaire:
        for nom in (FICHIER_DESCRIPTEUR, FICHIER_HYPOTHESES):
            (Path(temporaire) / nom).write_bytes(fichiers[nom])
        problemes = [_en_francais(source, e) for e in _erreurs_frictionless(Path(temporaire))]
    if problemes:
        return None, problemes
    tableau = _relire(fichiers[FICHIER_HYPOTHESES])
    problemes = _incoherences(source, tableau, int(bloc["diffusion"]["seuil_confidentialite"]))
    definies = bloc.get("plan", {}).get("hypotheses", {})
    for id_ in tableau["id"]:
        if id_ not in definies:
            problemes.append(_probleme(source, FICHIER_DESCRIPTEUR, "definition",
                                       f"hypothèse {id_} sans définition dans resume_region.plan.hypotheses.",
                                       REDEMANDER))
    attendues = (manifeste or {}).get("resume_region_sha256") or {}
    for nom in (FICHIER_DESCRIPTEUR, FICHIER_HYPOTHESES):
        cle = f"{DOSSIER}/{nom}"
        if cle in attendues and attendues[cle] != empreintes[nom]:
            problemes.append(_probleme(source, nom, "manifeste",
                                       f"le manifeste joint donne un autre SHA-256 pour ce fichier ({attendues[cle][:12]}… "
                                       f"au lieu de {empreintes[nom][:12]}…) : le résumé a été modifié après "
                                       "l'exécution.", REDEMANDER))
    if problemes:
        return None, problemes
    return ResumeRegion(source=source, descripteur=descripteur, hypotheses=tableau,
                        empreintes={n: empreintes[n] for n in (FICHIER_DESCRIPTEUR, FICHIER_HYPOTHESES)},
                        manifeste=manifeste,
                        fichiers={n: fichiers[n] for n in (FICHIER_DESCRIPTEUR, FICHIER_HYPOTHESES)}), []
