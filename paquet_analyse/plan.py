"""Le plan d'analyse (`carnets/plan_analyse.yml`) : lecture et contrôle.

Un plan mal formé est refusé avec TOUS ses problèmes à la fois, en français
(`ErreurPlan`) : tous les champs fautifs de toutes les hypothèses. Le schéma
est un modèle pydantic (`PlanBrut`, `HypotheseBrute`, `Seuils`, `Derivees`) ;
la lecture YAML est celle, stricte, de `documents_yaml` (clé en double
refusée), la même que pour `jeu.yml`.

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

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from . import chemins, dictionnaire
from .derivees import VARIABLES_INSTANCE_POUR_PARTICIPANTS
from .documents_yaml import ErreurChamp, erreurs_pydantic, lire_yaml, refus
from .erreurs import ErreurPlan

NIVEAUX = ("instances", "participants")
METHODES = ("association", "logistique", "lineaire", "mantel_haenszel")
PORTEES = ("territoire", "region")
AJUSTEMENTS = ("fdr_bh", "holm", "bonferroni")

# Variables que le plan peut nommer, par niveau : lues dans le registre du dictionnaire (variables brutes et
# dérivées de chaque table) ; au niveau des participants, aussi celles de leur instance qui leur sont recopiées
# (`derivees.VARIABLES_INSTANCE_POUR_PARTICIPANTS`).
BOOLEENS_INSTANCES = dictionnaire.variables_de_niveau("instances", types=("booleen",))
BOOLEENS_PARTICIPANTS = tuple(dict.fromkeys(
    dictionnaire.variables_de_niveau("participants", types=("booleen",))
    + tuple(n for n in VARIABLES_INSTANCE_POUR_PARTICIPANTS if n in BOOLEENS_INSTANCES)))
CONTINUES_PARTICIPANTS = tuple(n for n in dictionnaire.variables_de_niveau("participants", types=("reel",))
                               if n in dictionnaire.derivees())
#: Anciens noms de variables, pour un message qui dit le nouveau.
ANCIENS_NOMS = {"depuis_2000": "depuis_charniere"}
CATEGORIELLES = ("secteur", "territoire", "initiateur", "thematique", "logique_initiateur")
SEUILS_REQUIS = {"sur_sollicitation": int, "confidentialite": int, "annee_charniere": int, "alpha": float,
                 "rapport_cotes_puissance": float, "ecart_puissance": float}
CLES_HYPOTHESE = {"id", "famille", "question", "niveau", "exposition", "issue", "methode", "grappes",
                  "covariables", "strate", "portee"}
# Seuils facultatifs lus par le code (les requis sont dans SEUILS_REQUIS). Une autre clé de `seuils` est
# permise (un ajout d'une équipe), sauf si elle ressemble à une clé connue : c'est alors une faute de frappe.
SEUILS_FACULTATIFS = ("ajustement", "replicats_puissance")
CLES_PLAN = ("version", "seuils", "derivees", "hypotheses", "enquete_prevue")


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
    #: L'enquête prévue avant la collecte (section facultative `enquete_prevue`) : territoires et nombres de
    #: concertations attendus, marges et corrélation attendues ; None si le plan n'en déclare pas.
    enquete_prevue: dict | None = None

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


def _dans(valeur: Any, permises: tuple[str, ...], quoi: str) -> Any:
    if valeur not in permises:
        raise refus(f"{quoi} « {valeur} » invalide (permis : {', '.join(permises)})")
    return valeur


class HypotheseBrute(BaseModel):
    """Schéma d'une hypothèse du plan. Les champs sont validés dans l'ordre : un champ qui dépend
    d'un autre (exposition selon le niveau et la méthode…) le lit dans `info.data` s'il est valide,
    sinon se contrôle contre toutes les valeurs possibles : chaque champ fautif est signalé."""

    model_config = ConfigDict(extra="forbid")

    id: Any
    famille: Any
    question: Any
    niveau: Any
    methode: Any
    exposition: Any
    issue: Any
    portee: Any
    grappes: Any = Field(None, validate_default=True)
    strate: Any = Field(None, validate_default=True)
    covariables: Any = None

    @field_validator("niveau")
    @classmethod
    def _niveau(cls, niveau: Any) -> Any:
        return _dans(niveau, NIVEAUX, "niveau")

    @field_validator("methode")
    @classmethod
    def _methode(cls, methode: Any, info: ValidationInfo) -> Any:
        if methode not in METHODES:
            raise refus(f"méthode « {methode} » invalide (permises : {', '.join(METHODES)})")
        niveau = info.data.get("niveau")
        if methode in ("association", "mantel_haenszel") and niveau is not None and niveau != "instances":
            raise refus(f"la méthode {methode} ne s'applique qu'au niveau instances ; au niveau participants, "
                        "utiliser logistique avec grappes (les réponses d'une même table sont corrélées)")
        return methode

    @field_validator("exposition", "issue")
    @classmethod
    def _variable(cls, nom: Any, info: ValidationInfo) -> Any:
        niveau, methode, role = info.data.get("niveau"), info.data.get("methode"), info.field_name
        if niveau is not None and methode is not None:
            permises = _variables_permises(niveau, methode, role)
            if nom in ANCIENS_NOMS:
                raise refus(f"{role} « {nom} » : cette variable s'appelle maintenant « {ANCIENS_NOMS[nom]} » "
                            "(créée l'année charnière du plan, seuils.annee_charniere, ou après)")
            if nom not in permises:
                raise refus(f"{role} « {nom} » inconnue au niveau {niveau} pour la méthode {methode} "
                            f"(permises : {', '.join(permises)})")
        elif nom not in BOOLEENS_INSTANCES + BOOLEENS_PARTICIPANTS + CONTINUES_PARTICIPANTS:
            raise refus(f"{role} « {nom} » inconnue")
        return nom

    @field_validator("portee")
    @classmethod
    def _portee(cls, portee: Any, info: ValidationInfo) -> Any:
        if not isinstance(portee, list) or not portee or any(p not in PORTEES for p in portee):
            raise refus(f"portee doit être une liste parmi {', '.join(PORTEES)} (reçu « {portee} »)")
        if info.data.get("methode") == "mantel_haenszel" and portee != ["region"]:
            raise refus("mantel_haenszel compare des territoires : portee doit être [region]")
        return portee

    @field_validator("grappes")
    @classmethod
    def _grappes(cls, grappes: Any, info: ValidationInfo) -> Any:
        if info.data.get("niveau") == "participants" and grappes != "id_instance":
            raise refus("au niveau participants, « grappes: id_instance » est obligatoire "
                        "(les participants sont nichés dans les instances)")
        return grappes

    @field_validator("strate")
    @classmethod
    def _strate(cls, strate: Any, info: ValidationInfo) -> Any:
        if info.data.get("methode") == "mantel_haenszel" and strate != "territoire":
            raise refus("mantel_haenszel exige « strate: territoire »")
        return strate

    @field_validator("covariables")
    @classmethod
    def _covariables(cls, covariables: Any, info: ValidationInfo) -> Any:
        niveau = info.data.get("niveau")
        niveaux = (niveau,) if niveau is not None else NIVEAUX
        inconnues = [str(t) for t in covariables or []
                     if not any(_terme_valide(str(t), n) for n in niveaux)]
        if len(inconnues) == 1:
            raise refus(f"covariable « {inconnues[0]} » inconnue")
        if inconnues:
            raise refus("covariables " + ", ".join(f"« {t} »" for t in inconnues) + " inconnues")
        return covariables


class DeficitDemocratique(BaseModel):
    composantes: Any = Field(None, validate_default=True)
    minimum: Any = 1

    @field_validator("composantes")
    @classmethod
    def _composantes(cls, composantes: Any) -> Any:
        if not isinstance(composantes, list) or not composantes:
            raise refus("composantes (liste) et minimum attendus")
        inconnues = [c for c in composantes if c not in BOOLEENS_INSTANCES or c == "deficit_democratique"]
        if inconnues:
            raise refus(", ".join(f"composante « {c} » inconnue" for c in inconnues))
        return composantes

    @field_validator("minimum")
    @classmethod
    def _minimum(cls, minimum: Any, info: ValidationInfo) -> Any:
        composantes = info.data.get("composantes") or []
        if isinstance(minimum, bool) or not isinstance(minimum, int) or not 1 <= minimum <= max(len(composantes), 1):
            raise refus("entier entre 1 et le nombre de composantes")
        return minimum


class Derivees(BaseModel):
    deficit_democratique: DeficitDemocratique = Field(None, validate_default=True)

    @field_validator("deficit_democratique", mode="before")
    @classmethod
    def _dd(cls, dd: Any) -> Any:
        if not isinstance(dd, dict):
            raise refus("composantes (liste) et minimum attendus")
        return dd


class Seuils(BaseModel):
    """Seuils du plan (d'autres clés sont permises)."""

    model_config = ConfigDict(extra="allow")

    sur_sollicitation: Any = Field(None, validate_default=True)
    confidentialite: Any = Field(None, validate_default=True)
    annee_charniere: Any = Field(None, validate_default=True)
    alpha: Any = Field(None, validate_default=True)
    ajustement: Any = "fdr_bh"
    # effets prévus pour la puissance écrite à côté de chaque « aucune preuve »
    rapport_cotes_puissance: Any = Field(None, validate_default=True)
    ecart_puissance: Any = Field(None, validate_default=True)

    @field_validator("sur_sollicitation", "confidentialite", "annee_charniere", "alpha",
                     "rapport_cotes_puissance", "ecart_puissance")
    @classmethod
    def _nombre(cls, valeur: Any, info: ValidationInfo) -> Any:
        entier = SEUILS_REQUIS[info.field_name] is int
        if not isinstance(valeur, (int, float)) or isinstance(valeur, bool) or (entier and not isinstance(valeur, int)):
            raise refus(f"nombre {'entier ' if entier else ''}attendu (reçu « {valeur} »)")
        return valeur

    @field_validator("rapport_cotes_puissance", "ecart_puissance")
    @classmethod
    def _effet_prevu(cls, valeur: Any, info: ValidationInfo) -> Any:
        if not valeur > 0 or (info.field_name == "rapport_cotes_puissance" and valeur == 1):
            quoi = "un rapport de cotes > 0 et différent de 1" if info.field_name == "rapport_cotes_puissance" \
                else "un écart > 0 (points de l'indice 0-100)"
            raise refus(f"{quoi} attendu (reçu « {valeur} »)")
        return valeur

    @field_validator("ajustement")
    @classmethod
    def _ajustement(cls, ajustement: Any) -> Any:
        if ajustement not in AJUSTEMENTS:
            raise refus(f"« {ajustement} » invalide (permis : {', '.join(AJUSTEMENTS)})")
        return ajustement


class EnquetePrevue(BaseModel):
    """Section facultative `enquete_prevue` : l'enquête telle que prévue avant la collecte (carnet 07)."""

    model_config = ConfigDict(extra="forbid")

    territoires: Any = Field(None, validate_default=True)
    participants_par_instance: Any = None
    part_exposees: Any = None
    part_issue: Any = None
    part_issue_participants: Any = None
    cci: Any = None

    @field_validator("territoires")
    @classmethod
    def _territoires(cls, territoires: Any) -> Any:
        if not isinstance(territoires, dict) or not territoires:
            raise refus("dictionnaire non vide attendu : nom du territoire -> nombre de concertations attendu "
                        "(par ex. « Gatineau: 80 »)")
        fautifs = [str(nom) for nom, n in territoires.items()
                   if isinstance(n, bool) or not isinstance(n, int) or n < 2]
        if fautifs:
            raise refus("nombre entier de concertations d'au moins 2 attendu pour : " + ", ".join(fautifs))
        return territoires

    @field_validator("participants_par_instance")
    @classmethod
    def _participants(cls, n: Any) -> Any:
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
            raise refus(f"entier d'au moins 1 attendu (reçu « {n} »)")
        return n

    @field_validator("part_exposees", "part_issue", "part_issue_participants")
    @classmethod
    def _part(cls, valeur: Any) -> Any:
        if valeur is not None and (isinstance(valeur, bool) or not isinstance(valeur, (int, float))
                                   or not 0 < valeur < 1):
            raise refus(f"part strictement entre 0 et 1 attendue (reçu « {valeur} »)")
        return valeur

    @field_validator("cci")
    @classmethod
    def _cci(cls, valeur: Any) -> Any:
        if valeur is not None and (isinstance(valeur, bool) or not isinstance(valeur, (int, float))
                                   or not 0 <= valeur < 1):
            raise refus(f"corrélation intra-concertation dans [0 ; 1[ attendue (reçu « {valeur} »)")
        return valeur


class PlanBrut(BaseModel):
    """Schéma de `plan_analyse.yml`."""

    model_config = ConfigDict(extra="forbid")

    version: Any = None
    seuils: Seuils = Field(default_factory=Seuils)
    derivees: Derivees = Field(default_factory=Derivees)
    hypotheses: list[HypotheseBrute] = Field(None, validate_default=True)
    enquete_prevue: EnquetePrevue | None = None

    @field_validator("enquete_prevue", mode="before")
    @classmethod
    def _enquete(cls, valeur: Any) -> Any:
        if valeur is not None and not isinstance(valeur, dict):
            raise refus("dictionnaire attendu (clés territoires, participants_par_instance, part_exposees, "
                        "part_issue, part_issue_participants, cci)")
        return valeur

    @field_validator("seuils", "derivees", mode="before")
    @classmethod
    def _vide(cls, valeur: Any) -> Any:
        return {} if valeur is None else valeur

    @field_validator("hypotheses", mode="before")
    @classmethod
    def _hypotheses(cls, hypotheses: Any) -> Any:
        if not isinstance(hypotheses, list) or not hypotheses:
            raise refus("liste non vide attendue")
        return hypotheses


def plus_proche(cle: Any, connues) -> str | None:
    """La clé connue la plus proche d'une clé mal orthographiée (None si aucune ne lui ressemble).

    >>> plus_proche("confidentalite", ["alpha", "confidentialite"])
    'confidentialite'
    """
    proches = difflib.get_close_matches(str(cle), sorted(map(str, connues)), n=1, cutoff=0.75)
    return proches[0] if proches else None


def _suggestion(cle: Any, connues) -> str:
    proche = plus_proche(cle, connues)
    return f" : voulait-on dire « {proche} » ?" if proche else ""


def _erreurs_seuils(seuils: Any) -> tuple[list[str], set[str]]:
    """Clés de `seuils` mal orthographiées (nommées avec la clé valide la plus proche) et clés requises absentes ;
    rend aussi les clés dont l'erreur du schéma (« reçu « None » ») est ainsi remplacée."""
    if not isinstance(seuils, dict):
        return [], set()
    connues = (*SEUILS_REQUIS, *SEUILS_FACULTATIFS)
    erreurs, remplacees = [], set()
    for cle in seuils:
        if cle not in connues and plus_proche(cle, connues):
            proche = plus_proche(cle, connues)
            erreurs.append(f"seuils : clé inconnue « {cle} » : voulait-on dire « {proche} » ?")
            if proche not in seuils:
                remplacees.add(proche)
    for cle in SEUILS_REQUIS:
        if cle not in seuils:
            if cle not in remplacees:
                erreurs.append(f"seuils : clé obligatoire « {cle} » absente")
            remplacees.add(cle)
    return erreurs, remplacees


def _en_francais(erreur: ErreurChamp, brut: dict) -> str:
    """Une erreur du modèle en phrase ; une hypothèse est nommée par son numéro et son id."""
    lieu = erreur.lieu
    if lieu[:1] == ("hypotheses",) and len(lieu) >= 2 and isinstance(lieu[1], int):
        h = brut["hypotheses"][lieu[1]]
        if not isinstance(h, dict):
            return f"hypothèse n° {lieu[1] + 1} : dictionnaire attendu"
        ou = f"hypothèse n° {lieu[1] + 1} ({h.get('id', 'sans id')})"
        if erreur.genre == "missing":
            return f"{ou} : champ obligatoire « {erreur.cle} » absent"
        if erreur.genre == "extra_forbidden":
            return f"{ou} : clé inconnue « {erreur.cle} »{_suggestion(erreur.cle, CLES_HYPOTHESE)}"
        return f"{ou} : {erreur.message}"
    if erreur.genre == "extra_forbidden" and len(lieu) == 1:
        return f"clé inconnue « {erreur.cle} »{_suggestion(erreur.cle, CLES_PLAN)}"
    return f"{'.'.join(str(c) for c in lieu)} : {erreur.message}"


def controler_plan(brut) -> list[str]:
    """Tous les problèmes d'un plan (dictionnaire lu du YAML) ; liste vide s'il est valide.

    Le schéma (`PlanBrut`) est un modèle pydantic : chaque champ fautif de
    chaque hypothèse est signalé, pas seulement le premier. Les identifiants en
    double (contrôle entre hypothèses) s'y ajoutent.
    """
    if not isinstance(brut, dict):
        return ["le plan doit être un dictionnaire YAML (clés version, seuils, derivees, hypotheses)"]
    erreurs, remplacees = _erreurs_seuils(brut.get("seuils"))
    try:
        PlanBrut.model_validate(brut)
    except ValidationError as exc:
        erreurs += [_en_francais(e, brut) for e in erreurs_pydantic(exc)
                    if not (e.lieu[:1] == ("seuils",) and len(e.lieu) == 2 and e.lieu[1] in remplacees)]
    hypotheses = brut.get("hypotheses") if isinstance(brut.get("hypotheses"), list) else []
    ids = [h.get("id") for h in hypotheses if isinstance(h, dict)]
    erreurs += [f"identifiant d'hypothèse en double : « {d} »" for d in sorted({i for i in ids if ids.count(i) > 1},
                                                                                 key=str)]
    return erreurs


def charger_plan(chemin: str | Path | None = None) -> Plan:
    """Lit et contrôle le plan ; lève `ErreurPlan` avec tous ses problèmes."""
    chemin = Path(chemin) if chemin else chemins.plan_analyse()
    affiche = chemins.relatif(chemin)
    try:
        brut = lire_yaml(chemin, erreur=ErreurPlan)  # lecture stricte : clé en double refusée
    except FileNotFoundError:
        raise ErreurPlan(f"{affiche} : plan d'analyse introuvable.") from None
    erreurs = controler_plan(brut)
    if erreurs:
        raise ErreurPlan(f"{affiche} : plan d'analyse mal formé :\n  - " + "\n  - ".join(erreurs))
    seuils = {"ajustement": "fdr_bh", **brut["seuils"]}
    # une question peut nommer un paramètre du plan ({annee_charniere}) : elle suit le plan appliqué
    hypotheses = tuple(
        Hypothese(id=str(h["id"]), famille=str(h["famille"]), question=dictionnaire.formater(str(h["question"]), seuils),
                  niveau=h["niveau"], exposition=h["exposition"], issue=h["issue"], methode=h["methode"],
                  portee=tuple(h["portee"]), grappes=h.get("grappes"), covariables=tuple(h.get("covariables") or ()),
                  strate=h.get("strate"))
        for h in brut["hypotheses"]
    )
    # valeurs par défaut du schéma (DeficitDemocratique.minimum) remplies ici, une fois :
    # aucun appelant n'a à répéter la sienne
    derivees = {**brut["derivees"], "deficit_democratique": {
        **brut["derivees"]["deficit_democratique"],
        "minimum": DeficitDemocratique(**brut["derivees"]["deficit_democratique"]).minimum}}
    return Plan(seuils=seuils, derivees=derivees, hypotheses=hypotheses, enquete_prevue=brut.get("enquete_prevue"))
