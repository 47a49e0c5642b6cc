"""Le dictionnaire des données (livre de codes), lu depuis `dictionnaire.yml`.

Source unique de vérité : la validation, les libellés des tableaux et des
figures, la simulation et le livre de codes généré le lisent tous.

Exemples
--------
>>> from paquet_analyse import dictionnaire
>>> dictionnaire.libelle("initiateur")
'Initiateur de la concertation'
>>> dictionnaire.libelle_code("thematique", "aines")
'Aînés'
>>> list(dictionnaire.codes("suivi_organisation"))
['formel', 'informel', 'aucun']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml

from . import chemins

TYPES = ("identifiant", "texte", "code", "booleen", "entier", "reel", "ordinal")
TABLES = ("instances", "participants", "territoires")


@dataclass(frozen=True)
class Variable:
    """Une variable du dictionnaire."""

    nom: str
    table: str
    type: str
    libelle: str
    codes: dict[Any, str] = field(default_factory=dict)
    min: float | None = None
    max: float | str | None = None
    min_exclu: float | None = None
    requis: bool = False
    manquant_permis: bool = True
    reference: str | None = None
    sources: tuple[str, ...] = ()   # variables dérivées : variables brutes dont elles sont tirées
    niveau: str | None = None       # variables dérivées : la table où elles sont calculées

    @property
    def est_code(self) -> bool:
        return self.type in ("code", "ordinal")

    @property
    def est_numerique(self) -> bool:
        return self.type in ("entier", "reel", "ordinal")

    def borne_max(self, annee_enquete: int | None = None) -> float | None:
        """Borne supérieure ; `annee_enquete` remplace la borne symbolique."""
        if self.max == "annee_enquete":
            return annee_enquete
        return self.max


@cache
def _brut() -> dict:
    with open(chemins.DICTIONNAIRE, encoding="utf-8") as f:
        return yaml.safe_load(f)


@cache
def variables(table: str) -> dict[str, Variable]:
    """Variables d'une table (`instances`, `participants`, `territoires`), dans l'ordre."""
    if table not in TABLES:
        raise KeyError(f"Table inconnue « {table} » ; tables connues : {', '.join(TABLES)}.")
    spec = _brut()["tables"][table]["variables"]
    return {nom: Variable(nom=nom, table=table, **v) for nom, v in spec.items()}


@cache
def derivees() -> dict[str, Variable]:
    """Variables dérivées (module `derivees`) : le registre unique, avec leur niveau et leur libellé."""
    return {nom: Variable(nom=nom, table="derivees", **{**v, "sources": tuple(v.get("sources", ()))})
            for nom, v in _brut()["derivees"].items()}


def variables_de_niveau(niveau: str, *, types: tuple[str, ...]) -> tuple[str, ...]:
    """Variables d'une table (`instances`, `participants`) de ces types : brutes puis dérivées de ce niveau.

    >>> "descendante" in variables_de_niveau("instances", types=("booleen",))
    True
    """
    brutes = [n for n, v in variables(niveau).items() if v.type in types]
    calculees = [n for n, v in derivees().items() if v.niveau == niveau and v.type in types]
    return tuple(brutes + calculees)


# --------------------------------------------------------------------------
# Libellés qui suivent le plan : « Créée depuis {annee_charniere} »


def parametres_du_plan() -> dict:
    """Les seuils du plan d'analyse du projet (`carnets/plan_analyse.yml`), relus s'il change : les libellés
    qui nomment un paramètre du plan ({annee_charniere}…) le prennent ici quand l'appelant ne le donne pas."""
    chemin = chemins.plan_analyse()
    try:
        etat = chemin.stat()
    except OSError:
        return {}
    return _seuils_du_fichier(str(chemin), etat.st_mtime_ns, etat.st_size)


@cache
def _seuils_du_fichier(chemin: str, _date: int, _taille: int) -> dict:
    with open(chemin, encoding="utf-8") as f:
        plan = yaml.safe_load(f) or {}
    seuils = plan.get("seuils") if isinstance(plan, dict) else None
    return dict(seuils) if isinstance(seuils, dict) else {}


def formater(modele: str, parametres: dict | None = None) -> str:
    """Un libellé du dictionnaire, ses paramètres du plan remplacés ({annee_charniere} -> 2010).

    `parametres` : les seuils du plan appliqué (`donnees.plan.seuils`) ; par défaut, ceux du plan du
    projet. Un paramètre absent laisse le libellé tel quel (jamais l'année d'un autre plan).

    >>> formater("Créée depuis {annee_charniere}", {"annee_charniere": 2010})
    'Créée depuis 2010'
    """
    if "{" not in modele:
        return modele
    valeurs = parametres if parametres is not None else parametres_du_plan()
    try:
        return modele.format_map({k: v for k, v in valeurs.items()})
    except (KeyError, IndexError, ValueError):
        return modele


def version() -> int:
    """Version du dictionnaire (`version` de `dictionnaire.yml`) : deux régions ne se comparent qu'à version égale."""
    return int(_brut()["version"])


def noms_variables() -> tuple[str, ...]:
    """Toutes les variables connues (tables puis dérivées), sans doublon, dans l'ordre du dictionnaire."""
    noms = [n for t in TABLES for n in variables(t)] + list(derivees())
    return tuple(dict.fromkeys(noms))


def sources_brutes(nom: str) -> tuple[str, ...]:
    """Variables brutes dont une variable dépend : elle-même si elle est brute.

    >>> sources_brutes("gestion_programmes")
    ('fonction_dominante',)
    >>> sources_brutes("secteur")
    ('secteur',)
    """
    if nom in derivees():
        return derivees()[nom].sources
    return (nom,)


def facultatives(table: str) -> tuple[str, ...]:
    """Variables facultatives d'une table (`requis: false`) : un jeu peut ne pas les avoir."""
    return tuple(n for n, v in variables(table).items() if not v.requis)


@cache
def logique_initiateur() -> dict[str, str]:
    """Règle initiateur -> logique d'initiation (`regles` du dictionnaire ; source unique).

    >>> logique_initiateur()["fondation"]
    'descendante'
    """
    return dict(_brut()["regles"]["logique_initiateur"]["valeurs"])


def initiateurs_de_logique(logique: str) -> tuple[str, ...]:
    """Codes d'initiateur qui relèvent d'une logique (`descendante`, `ascendante`, `autre`)."""
    return tuple(code for code, l in logique_initiateur().items() if l == logique)


@cache
def initiateurs_cisss_ville_fondation() -> tuple[str, ...]:
    """Codes d'initiateur comptés dans « initiée par le CISSS, une ville ou une fondation »."""
    return tuple(_brut()["regles"]["initie_cisss_ville_fondation"]["vrai"])


def minimum_conditions_repondues() -> int:
    """Nombre minimal de conditions (c1..c8) répondues pour calculer l'indice des conditions."""
    return int(_brut()["regles"]["indice_conditions"]["minimum_reponses"])


def cle(table: str) -> str:
    """Colonne identifiant unique de la table."""
    return _brut()["tables"][table]["cle"]


def libelle_table(table: str) -> str:
    return _brut()["tables"][table]["libelle"]


def variable(nom: str, table: str | None = None) -> Variable:
    """Une variable, cherchée dans `table` ou dans toutes les tables puis les dérivées."""
    tables = (table,) if table else TABLES
    for t in tables:
        if nom in variables(t):
            return variables(t)[nom]
    if table is None and nom in derivees():
        return derivees()[nom]
    raise KeyError(f"Variable inconnue du dictionnaire : « {nom} ».")


def libelle(nom: str, parametres: dict | None = None) -> str:
    """Libellé français d'une variable (paramètres du plan remplacés, voir `formater`) ; le nom lui-même si
    elle est inconnue."""
    try:
        return formater(variable(nom).libelle, parametres)
    except KeyError:
        return nom


def codes(nom: str, parametres: dict | None = None) -> dict[Any, str]:
    """Codes permis (dans l'ordre du dictionnaire) et leurs libellés (paramètres du plan remplacés)."""
    return {code: formater(str(texte), parametres) for code, texte in variable(nom).codes.items()}


def libelle_code(nom: str, code: Any, parametres: dict | None = None) -> str:
    """Libellé français d'un code ; le code lui-même s'il est inconnu.

    Les booléens sont rendus par « Oui » / « Non ».
    """
    if isinstance(code, bool) or (hasattr(code, "dtype") and str(code) in ("True", "False")):
        return "Oui" if bool(code) else "Non"
    try:
        return formater(str(variable(nom).codes.get(code, str(code))), parametres)
    except KeyError:
        return str(code)


def identifiants_directs() -> tuple[str, ...]:
    """Noms de colonnes refusés (identifiants directs de personnes)."""
    return tuple(_brut()["identifiants_directs"])


def livre_codes() -> str:
    """Livre de codes en Markdown, pour les personnes qui collectent les données."""
    lignes = [
        "# Livre de codes des données de concertation",
        "",
        "Généré à partir de `paquet_analyse/dictionnaire.yml` "
        "(commande : `python -m paquet_analyse livre-codes`). Ne pas modifier à la main.",
        "",
        "Valeurs booléennes acceptées : oui/non, 1/0, vrai/faux (majuscules ou non).",
        "Les codes peuvent aussi être saisis par leur libellé exact ; toute autre "
        "étiquette se déclare dans la section `correspondance` de `jeu.yml`.",
        "",
    ]
    for table in TABLES:
        lignes += [f"## Table `{table}`", "", libelle_table(table), ""]
        lignes += ["| variable | libellé | type | requise | manquant permis | valeurs |",
                   "|---|---|---|---|---|---|"]
        for v in variables(table).values():
            lignes.append(
                f"| `{v.nom}` | {v.libelle} | {v.type} | {'oui' if v.requis else 'non'} "
                f"| {'oui' if v.manquant_permis else 'non'} | {_valeurs(v)} |"
            )
        lignes.append("")
    lignes += ["## Variables dérivées", "",
               "Calculées une seule fois, à la préparation du jeu (`paquet_analyse/preparation.py`), à partir "
               "des variables ci-dessus, des règles ci-dessous et des paramètres du plan d'analyse "
               "(`carnets/plan_analyse.yml` : `seuils.annee_charniere` pour la période de création, "
               "`seuils.sur_sollicitation` pour la sur-sollicitation, `derivees.deficit_democratique` pour le "
               "composite). Le plan d'analyse peut les nommer comme exposition ou issue.", "",
               "| variable | libellé | type | valeurs |", "|---|---|---|---|"]
    for v in derivees().values():
        lignes.append(f"| `{v.nom}` | {v.libelle} | {v.type} | {_valeurs(v) or ('oui / non' if v.type == 'booleen' else '')} |")
    regle = logique_initiateur()
    lignes += ["", "Règle initiateur -> logique d'initiation : "
               + " ; ".join(f"`{code}` -> {logique}" for code, logique in regle.items()) + ".",
               "« Initiée par le CISSS, une ville ou une fondation » : "
               + ", ".join(f"`{c}`" for c in initiateurs_cisss_ville_fondation()) + ".",
               f"Indice des conditions : calculé si au moins {minimum_conditions_repondues()} des huit conditions "
               "ont une réponse.", ""]
    lignes += ["## Colonnes refusées (identifiants directs)", "",
               "Ces colonnes sont refusées au chargement ; les retirer de l'export : "
               + ", ".join(f"`{n}`" for n in identifiants_directs()) + ".", ""]
    return "\n".join(lignes)


def _valeurs(v: Variable) -> str:
    if v.est_code:
        return "<br>".join(f"`{c}` : {lib}" for c, lib in v.codes.items())
    bornes = []
    if v.min is not None:
        bornes.append(f"≥ {v.min}")
    if v.min_exclu is not None:
        bornes.append(f"> {v.min_exclu}")
    if v.max is not None:
        bornes.append("≤ année de l'enquête" if v.max == "annee_enquete" else f"≤ {v.max}")
    if v.reference:
        bornes.append(f"doit exister dans `{v.reference}`")
    if v.type == "identifiant":
        bornes.append("unique")
    return ", ".join(bornes)
