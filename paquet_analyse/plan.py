"""Le plan d'analyse (`carnets/plan_analyse.yml`) : lecture et contrôle.

Un plan mal formé est refusé avec TOUS ses problèmes à la fois, en français
(`ErreurPlan`).

Exemple
-------
>>> from paquet_analyse import plan
>>> p = plan.charger_plan()
>>> p.seuils["sur_sollicitation"]
4
>>> [h.id for h in p.hypotheses_de_portee("territoire")][:3]
['H1a', 'H1b', 'H1c']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import chemins
from .erreurs import ErreurPlan

NIVEAUX = ("instances", "participants")
METHODES = ("association", "logistique", "lineaire", "mantel_haenszel")
PORTEES = ("territoire", "region")
AJUSTEMENTS = ("fdr_bh", "holm", "bonferroni")

# Variables que le plan peut nommer, par niveau (voir indicateurs.py).
BOOLEENS_INSTANCES = (
    "descendante", "initie_cisss_ville_fondation", "thematique_ejf", "depuis_2000", "gestion_programmes",
    "deficit_participation", "deficit_evaluation", "deficit_democratique", "citoyens_membres",
    "evaluation_collective", "financement_programme", "soutien_professionnel",
)
BOOLEENS_PARTICIPANTS = BOOLEENS_INSTANCES + (
    "deficit_delegation", "deficit_redevabilite", "mandat_auto_defini", "suivi_informel", "sur_sollicitation",
)
CONTINUES_PARTICIPANTS = ("indice_conditions",)
CATEGORIELLES = ("secteur", "territoire", "initiateur", "thematique", "logique_initiateur")
SEUILS_REQUIS = {"sur_sollicitation": int, "confidentialite": int, "annee_charniere": int, "alpha": float}
CLES_HYPOTHESE = {"id", "famille", "question", "niveau", "exposition", "issue", "methode", "grappes",
                  "covariables", "strate", "portee"}


@dataclass(frozen=True)
class Hypothese:
    """Une hypothèse du plan (un test : une exposition, une issue)."""

    id: str
    famille: str
    question: str
    niveau: str
    exposition: str
    issue: str
    methode: str
    portee: tuple[str, ...]
    grappes: str | None = None
    covariables: tuple[str, ...] = ()
    strate: str | None = None

    def formule(self, *termes_supplementaires: str) -> str:
        """Formule statsmodels : issue ~ exposition + covariables (+ termes)."""
        return f"{self.issue} ~ " + " + ".join([self.exposition, *self.covariables, *termes_supplementaires])


@dataclass(frozen=True)
class Plan:
    seuils: dict
    derivees: dict
    hypotheses: tuple[Hypothese, ...] = field(default_factory=tuple)

    def hypotheses_de_portee(self, portee: str) -> list[Hypothese]:
        return [h for h in self.hypotheses if portee in h.portee]

    def hypothese(self, id_: str) -> Hypothese:
        for h in self.hypotheses:
            if h.id == id_:
                return h
        raise KeyError(f"Hypothèse inconnue du plan : « {id_} ».")


def _variables_permises(niveau: str, methode: str, role: str) -> tuple[str, ...]:
    if niveau == "instances":
        return BOOLEENS_INSTANCES
    if role == "issue" and methode == "lineaire":
        return CONTINUES_PARTICIPANTS
    return BOOLEENS_PARTICIPANTS


def _terme_valide(terme: str, niveau: str) -> bool:
    nom = re.fullmatch(r"C\((\w+)\)", terme)
    if nom:
        return nom.group(1) in CATEGORIELLES
    return terme in (BOOLEENS_INSTANCES if niveau == "instances" else BOOLEENS_PARTICIPANTS)


def _controler_hypothese(h: dict, i: int) -> list[str]:
    ou = f"hypothèse n° {i + 1} ({h.get('id', 'sans id')})"
    erreurs = [f"{ou} : clé inconnue « {c} »" for c in h if c not in CLES_HYPOTHESE]
    erreurs += [f"{ou} : champ obligatoire « {c} » absent"
                for c in ("id", "famille", "question", "niveau", "exposition", "issue", "methode", "portee")
                if c not in h]
    niveau, methode = h.get("niveau"), h.get("methode")
    if niveau not in NIVEAUX:
        erreurs.append(f"{ou} : niveau « {niveau} » invalide (permis : {', '.join(NIVEAUX)})")
        return erreurs
    if methode not in METHODES:
        erreurs.append(f"{ou} : méthode « {methode} » invalide (permises : {', '.join(METHODES)})")
        return erreurs
    for role in ("exposition", "issue"):
        permises = _variables_permises(niveau, methode, role)
        if role in h and h[role] not in permises:
            erreurs.append(f"{ou} : {role} « {h[role]} » inconnue au niveau {niveau} pour la méthode "
                           f"{methode} (permises : {', '.join(permises)})")
    portee = h.get("portee", [])
    if not isinstance(portee, list) or not portee or any(p not in PORTEES for p in portee):
        erreurs.append(f"{ou} : portee doit être une liste parmi {', '.join(PORTEES)} (reçu « {portee} »)")
    if niveau == "participants" and h.get("grappes") != "id_instance":
        erreurs.append(f"{ou} : au niveau participants, « grappes: id_instance » est obligatoire "
                       "(les participants sont nichés dans les instances)")
    if methode == "mantel_haenszel" and h.get("strate") not in ("territoire",):
        erreurs.append(f"{ou} : mantel_haenszel exige « strate: territoire »")
    if methode == "mantel_haenszel" and portee != ["region"]:
        erreurs.append(f"{ou} : mantel_haenszel compare des territoires : portee doit être [region]")
    if methode in ("association", "mantel_haenszel") and niveau != "instances":
        erreurs.append(f"{ou} : la méthode {methode} ne s'applique qu'au niveau instances ; au niveau "
                       "participants, utiliser logistique avec grappes (les réponses d'une même table sont corrélées)")
    for terme in h.get("covariables", []) or []:
        if not _terme_valide(str(terme), niveau):
            erreurs.append(f"{ou} : covariable « {terme} » inconnue")
    return erreurs


def controler_plan(brut) -> list[str]:
    """Tous les problèmes d'un plan (dictionnaire lu du YAML) ; liste vide s'il est valide."""
    if not isinstance(brut, dict):
        return ["le plan doit être un dictionnaire YAML (clés version, seuils, derivees, hypotheses)"]
    erreurs = [f"clé inconnue « {c} »" for c in brut if c not in ("version", "seuils", "derivees", "hypotheses")]
    seuils = brut.get("seuils") or {}
    for nom, type_ in SEUILS_REQUIS.items():
        valeur = seuils.get(nom)
        if not isinstance(valeur, (int, float)) or isinstance(valeur, bool) or (type_ is int and not isinstance(valeur, int)):
            erreurs.append(f"seuils.{nom} : nombre {'entier ' if type_ is int else ''}attendu (reçu « {valeur} »)")
    if seuils.get("ajustement", "fdr_bh") not in AJUSTEMENTS:
        erreurs.append(f"seuils.ajustement : « {seuils.get('ajustement')} » invalide (permis : {', '.join(AJUSTEMENTS)})")
    dd = (brut.get("derivees") or {}).get("deficit_democratique")
    if not isinstance(dd, dict) or not dd.get("composantes"):
        erreurs.append("derivees.deficit_democratique : composantes (liste) et minimum attendus")
    else:
        inconnues = [c for c in dd["composantes"] if c not in BOOLEENS_INSTANCES or c == "deficit_democratique"]
        erreurs += [f"derivees.deficit_democratique : composante « {c} » inconnue" for c in inconnues]
        if not isinstance(dd.get("minimum", 1), int) or not 1 <= dd.get("minimum", 1) <= len(dd["composantes"]):
            erreurs.append("derivees.deficit_democratique.minimum : entier entre 1 et le nombre de composantes")
    hypotheses = brut.get("hypotheses")
    if not isinstance(hypotheses, list) or not hypotheses:
        return erreurs + ["hypotheses : liste non vide attendue"]
    for i, h in enumerate(hypotheses):
        erreurs += _controler_hypothese(h, i) if isinstance(h, dict) else [f"hypothèse n° {i + 1} : dictionnaire attendu"]
    ids = [h.get("id") for h in hypotheses if isinstance(h, dict)]
    erreurs += [f"identifiant d'hypothèse en double : « {d} »" for d in sorted({i for i in ids if ids.count(i) > 1})]
    return erreurs


def charger_plan(chemin: str | Path | None = None) -> Plan:
    """Lit et contrôle le plan ; lève `ErreurPlan` avec tous ses problèmes."""
    chemin = Path(chemin) if chemin else chemins.plan_analyse()
    affiche = chemins.relatif(chemin)
    try:
        brut = yaml.safe_load(chemin.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ErreurPlan(f"{affiche} : plan d'analyse introuvable.") from None
    except yaml.YAMLError as exc:
        raise ErreurPlan(f"{affiche} : YAML illisible ({exc}).") from None
    erreurs = controler_plan(brut)
    if erreurs:
        raise ErreurPlan(f"{affiche} : plan d'analyse mal formé :\n  - " + "\n  - ".join(erreurs))
    hypotheses = tuple(
        Hypothese(id=str(h["id"]), famille=str(h["famille"]), question=str(h["question"]), niveau=h["niveau"],
                  exposition=h["exposition"], issue=h["issue"], methode=h["methode"], portee=tuple(h["portee"]),
                  grappes=h.get("grappes"), covariables=tuple(h.get("covariables") or ()), strate=h.get("strate"))
        for h in brut["hypotheses"]
    )
    seuils = {"ajustement": "fdr_bh", **brut["seuils"]}
    return Plan(seuils=seuils, derivees=brut["derivees"], hypotheses=hypotheses)
