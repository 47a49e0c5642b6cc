"""Préparer un jeu une seule fois : lire, typer, valider, dériver, écrire.

Les données vont dans un seul sens :

    fichiers bruts + jeu.yml + plan ──► preparer ──► resultats/<jeu>/donnees/
    resultats/<jeu>/donnees/ ──► carnets, ligne de commande, analyses

La préparation est la seule étape qui lit les fichiers bruts (par
`chargement`), les valide (`validation`) et dérive les variables avec les
paramètres du plan (`indicateurs`). Elle écrit dans `resultats/<jeu>/donnees/` :

- `instances.parquet`, `participants.parquet` (et `territoires.parquet` si le
  jeu a un fichier de territoires) : tables typées, variables dérivées
  comprises. Parquet garde les types (catégories dans l'ordre du
  dictionnaire, entiers et booléens à valeurs manquantes) ; les octets sont
  reproductibles à versions de paquets égales (verrou) ;
- `validation_problemes.csv` : le rapport de validation (toutes les lignes) ;
- `plan_analyse.yml` : la copie du plan validé avec lequel les variables ont
  été dérivées (les carnets le relisent ici, jamais ailleurs) ;
- `jeu.json` : le descripteur, les territoires, les empreintes SHA-256 des
  fichiers bruts, des tables écrites, du plan et du code, et l'empreinte de
  chaque territoire (incrémentalité du flux).

Un jeu invalide n'est pas préparé : le rapport est écrit, `ErreurValidation`
est levée et le flux s'arrête avant tout carnet. Une préparation à jour
(mêmes fichiers bruts, même plan, même code) n'est pas refaite.

Exemple
-------
>>> from paquet_analyse import preparation
>>> d = preparation.lire("lanaudiere")
>>> d.jeu.simule, len(d.jeu.liste_territoires())
(True, 6)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from . import chargement, chemins, derivees, dictionnaire, ecriture, validation
from . import plan as plan_
from .donnees import ENSEMBLE, Donnees, JeuPrepare, restreindre
from .erreurs import ErreurDonnees, ErreurValidation, Probleme
from .etat_preparation import FICHIER_META, FICHIER_PLAN, VERSION_FORMAT  # noqa: F401 (noms publics d'ici)
from .etat_preparation import dossier_existant, empreinte_entrees, lire_meta  # noqa: F401
from .etat_preparation import etat as _etat
from .etat_preparation import meta_si_a_jour
from .provenance import sha256 as _sha

FICHIER_RAPPORT = "validation_problemes.csv"


@dataclass(frozen=True)
class Complements:
    """Ce qu'un calcul fait une fois à la préparation ajoute au jeu préparé (voir `preparer`).

    `tables` : nom -> tableau, écrit en `<nom>.parquet` à côté des tables ;
    `empreintes` : nom -> empreinte de ce dont le tableau dépend (relue avec lui,
    `Donnees.calculs_prepares`) ; `par_territoire` : nom réel du territoire ->
    texte qui entre dans l'empreinte de ce territoire (incrémentalité du flux :
    un territoire dont ces valeurs changent voit ses carnets refaits).
    """

    tables: dict = field(default_factory=dict)
    empreintes: dict = field(default_factory=dict)
    par_territoire: dict = field(default_factory=dict)


#: Un calcul fait une fois à la préparation : reçoit le jeu préparé en mémoire, rend ses `Complements`.
#: C'est l'appelant (l'étape de préparation du flux) qui le donne : la couche des données ne sait rien des
#: portraits ni de la protection qu'il calcule.
CalculComplements = Callable[[Donnees], Complements]


@dataclass(frozen=True)
class Preparation:
    """Résultat en mémoire d'une préparation : données dérivées et rapport."""

    donnees: Donnees
    rapport: validation.RapportValidation
    plan_texte: str
    complements: Complements = field(default_factory=Complements)


# --------------------------------------------------------------------------
# Empreintes


# --------------------------------------------------------------------------
# Préparer en mémoire


def preparer(jeu: str | Path, *, plan_chemin: str | Path | None = None,
             complements: CalculComplements | None = None) -> Preparation:
    """Lit, type, valide et dérive un jeu (en mémoire, sans rien écrire).

    `complements` : calcul fait une fois sur le jeu préparé (par exemple les
    portraits de tous les territoires), donné par l'appelant. S'il échoue, le
    jeu reste préparé sans ces compléments : les carnets qui en ont besoin les
    recalculent et disent l'erreur (le flux va au bout).

    Lève `ErreurLecture`/`ErreurJeu` pour un jeu illisible et
    `ErreurValidation` (tous les problèmes, en français) pour un jeu invalide.
    """
    dossier = chemins.dossier_jeu(jeu)
    plan_chemin = Path(plan_chemin) if plan_chemin else chemins.plan_analyse()
    plan = plan_.charger_plan(plan_chemin)
    brut = chargement.charger_jeu(dossier)
    rapport = validation.valider_jeu(brut)
    if not rapport.valide:
        raise ErreurValidation(rapport.resume(), problemes=rapport.tableau())
    seuils, dd = plan.seuils, plan.derivees["deficit_democratique"]
    inst = derivees.derivees_instances(brut.instances, annee_charniere=seuils["annee_charniere"])
    inst["deficit_democratique"] = derivees.deficit_democratique(
        inst, composantes=list(dd["composantes"]), minimum=int(dd["minimum"]))
    part = derivees.derivees_participants(inst, brut.participants,
                                             seuil_sur_sollicitation=seuils["sur_sollicitation"])
    # facultative absente de l'export, ou présente mais sans aucune valeur : aucune donnée à analyser
    absentes = tuple(n for table, tableau in (("instances", brut.instances), ("participants", brut.participants))
                     for n in dictionnaire.facultatives(table)
                     if n not in tableau.columns or tableau[n].isna().all())
    jeu_prepare = JeuPrepare(nom=dossier.name, dossier=chemins.jeu_affiche(dossier), descripteur=dict(brut.descripteur),
                             territoires=brut.territoires, noms_territoires=tuple(brut.liste_territoires()),
                             variables_absentes=absentes)
    donnees = Donnees(jeu=jeu_prepare, plan=plan, instances=inst, participants=part)
    verifier_noms_territoires(donnees.jeu.liste_territoires())
    calcules = Complements()
    if complements is not None:
        try:
            calcules = complements(donnees)
        except Exception:  # noqa: BLE001 : dite par les carnets qui recalculent ; le flux va au bout
            calcules = Complements()
    donnees = replace(donnees, calculs_prepares={n: (calcules.empreintes[n], t) for n, t in calcules.tables.items()})
    return Preparation(donnees=donnees, rapport=rapport, plan_texte=plan_chemin.read_text(encoding="utf-8"),
                       complements=calcules)


# --------------------------------------------------------------------------
# Écrire et relire


def _parquet(tableau: pd.DataFrame) -> bytes:
    import io

    tampon = io.BytesIO()
    tableau.reset_index(drop=True).to_parquet(tampon, engine="pyarrow", index=False, compression="zstd")
    return tampon.getvalue()


def _hachages_lignes(tableau: pd.DataFrame | None) -> tuple[str, np.ndarray]:
    """(colonnes et types, une empreinte de 64 bits par ligne) : de quoi hacher n'importe quel groupe de
    lignes sans le réécrire (pandas `hash_pandas_object`, valeurs seules, sans l'index)."""
    if tableau is None:
        return "", np.zeros(0, dtype=np.uint64)
    entete = "\x1f".join(f"{c}:{t}" for c, t in tableau.dtypes.items())
    return entete, pd.util.hash_pandas_object(tableau, index=False).to_numpy()


def _positions(cles) -> dict:
    """Valeur -> positions (dans l'ordre des lignes) de chaque valeur de `cles`."""
    return pd.Series(np.arange(len(cles))).groupby(np.asarray(cles, dtype=object), sort=False).indices


def verifier_noms_territoires(noms: list[str]) -> None:
    """`ErreurValidation` (en français, avec la correction) pour un territoire nommé « Ensemble » (la ligne de
    tout le jeu) ou deux territoires qui donneraient le même nom de dossier."""
    if ENSEMBLE in noms:
        raise ErreurValidation(f"Un territoire s'appelle « {ENSEMBLE} » : ce nom est réservé à la ligne de tout le "
                               "jeu (portraits, effectifs). Renommer ce territoire dans les fichiers du jeu (ou par "
                               "la correspondance de jeu.yml).")
    vus: dict[str, str] = {}
    for nom in noms:
        sur = chemins.nom_sur(nom)
        if sur in vus:
            raise ErreurValidation(f"Les territoires « {vus[sur]} » et « {nom} » donnent le même nom de dossier "
                                   f"« {sur} » : les renommer pour les distinguer.")
        vus[sur] = nom


def _empreintes_territoires(donnees: Donnees, complements: Complements) -> dict[str, dict]:
    """Nom de dossier sûr -> {nom, empreinte des seules lignes préparées du territoire}.

    Le flux y ajoute l'empreinte du code et des carnets : un carnet par
    territoire n'est refait que si ses propres lignes ou le code changent.
    Chaque table est hachée une fois, ligne par ligne ; l'empreinte d'un
    territoire est celle de ses lignes (instances, participants de ses
    instances, ligne de `territoires`) et de ce que les compléments lui
    attribuent (par ex. ses parts publiées, qui dépendent aussi des autres
    territoires par la suppression secondaire).
    """
    inst, part, terr = donnees.instances, donnees.participants, donnees.jeu.territoires
    territoire_de = dict(zip(inst["id_instance"], inst["territoire"].astype(str)))
    groupes = []
    for tableau, cles in ((inst, inst["territoire"].astype(str)), (part, part["id_instance"].map(territoire_de)),
                          (terr, None if terr is None else terr["territoire"].astype(str))):
        entete, lignes = _hachages_lignes(tableau)
        groupes.append((entete, lignes, {} if cles is None else _positions(cles)))
    vide = np.zeros(0, dtype=np.int64)
    territoires = {}  # noms vérifiés par `preparer` (verifier_noms_territoires) : un dossier sûr chacun
    for nom in donnees.jeu.liste_territoires():
        sur = chemins.nom_sur(nom)
        morceaux = [nom]
        for entete, lignes, positions in groupes:
            morceaux += [entete, lignes[positions.get(nom, vide)].tobytes()]
        if nom in complements.par_territoire:
            morceaux.append(complements.par_territoire[nom])
        territoires[sur] = {"nom": nom, "empreinte": ecriture.hacher(*morceaux)}
    return territoires


def ecrire(preparation: Preparation, *, empreinte: str, bruts: dict) -> dict:
    """Écrit les tables préparées, les compléments, le rapport, le plan et `jeu.json` (atomiquement)."""
    d, complements = preparation.donnees, preparation.complements
    cible = chemins.dossier_prepare(d.jeu.nom)
    tables = {"instances": d.instances, "participants": d.participants}
    if d.jeu.territoires is not None:
        tables["territoires"] = d.jeu.territoires
    tables.update(complements.tables)
    empreintes = {}
    for nom, tableau in tables.items():
        octets = _parquet(tableau)
        ecriture.ecrire_octets(octets, cible / f"{nom}.parquet")
        empreintes[f"{nom}.parquet"] = _sha(octets)
    rapport = ecriture.ecrire_csv(preparation.rapport.tableau(), cible / FICHIER_RAPPORT)
    empreintes[FICHIER_RAPPORT] = ecriture.empreinte(rapport)
    ecriture.ecrire_texte(preparation.plan_texte, cible / FICHIER_PLAN)
    empreintes[FICHIER_PLAN] = _sha(preparation.plan_texte.encode("utf-8"))
    meta = {
        "version_format": VERSION_FORMAT,
        "nom": d.jeu.nom,
        "jeu": d.jeu.dossier,
        "descripteur": d.jeu.descripteur,
        "territoires": _empreintes_territoires(d, complements),
        "empreintes_complements": dict(complements.empreintes),
        "variables_absentes": list(d.jeu.variables_absentes),
        "fichiers_bruts_sha256": bruts,
        "empreinte_entrees": empreinte,
        "fichiers_sha256": empreintes,
    }
    ecriture.ecrire_json(meta, cible / FICHIER_META)
    return meta


def assurer(jeu: str | Path, *, plan_chemin: str | Path | None = None,
            complements: CalculComplements | None = None) -> dict:
    """Prépare le jeu si ce n'est pas déjà fait pour ces fichiers, ce plan et ce code.

    Renvoie le contenu de `jeu.json`. Un jeu invalide : le rapport est écrit
    dans `resultats/<jeu>/donnees/`, puis `ErreurValidation` est levée ; les
    tables déjà préparées ne sont pas touchées.
    """
    dossier, plan_chemin = dossier_existant(jeu), Path(plan_chemin) if plan_chemin else chemins.plan_analyse()
    meta, empreinte, bruts = _etat(dossier, plan_chemin)
    if meta is not None:
        return meta
    try:
        preparation = preparer(dossier, plan_chemin=plan_chemin, complements=complements)
    except ErreurValidation as exc:
        if isinstance(exc.problemes, pd.DataFrame):
            ecriture.ecrire_csv(exc.problemes, chemins.dossier_prepare(dossier.name) / FICHIER_RAPPORT)
            exc.args = (f"{exc.args[0]}\nListe complète des problèmes : "
                        f"{chemins.relatif(chemins.dossier_prepare(dossier.name) / FICHIER_RAPPORT)}",)
        raise
    return ecrire(preparation, empreinte=empreinte, bruts=bruts)


def lire_ou_preparer(jeu: str | Path) -> Donnees:
    """Le jeu préparé s'il est à jour ; sinon préparé en mémoire, sans rien écrire.

    Pour les commandes de consultation (`portrait`) : elles ne modifient jamais
    `resultats/`. `preparer` (ou le flux) écrit le jeu préparé.
    """
    dossier = dossier_existant(jeu)
    if meta_si_a_jour(dossier) is not None:
        return lire(dossier.name)
    return preparer(dossier).donnees


def _lire_parquet(chemin: Path) -> pd.DataFrame:
    return pd.read_parquet(chemin, engine="pyarrow")


def lire(jeu: str | Path, *, territoire: str | None = None):
    """Le jeu préparé, tel que les carnets et la ligne de commande l'analysent.

    `jeu` : nom du jeu (`lanaudiere`) ou chemin de son dossier de données
    brutes (seul son nom sert : rien n'est relu des fichiers bruts). Lève
    `ErreurDonnees` si le jeu n'a pas été préparé (`python -m paquet_analyse
    preparer <dossier>`). Avec `territoire`, les données sont restreintes à
    ce territoire.
    """
    nom = Path(jeu).name
    meta = lire_meta(nom)
    dossier = chemins.dossier_prepare(nom)
    if meta is None:
        raise ErreurDonnees(f"Le jeu « {nom} » n'est pas préparé ({chemins.relatif(dossier / FICHIER_META)} "
                            f"absent). Lancer : python -m paquet_analyse preparer donnees_brutes/{nom}")
    for fichier, attendu in meta["fichiers_sha256"].items():
        if not (dossier / fichier).is_file() or ecriture.empreinte(dossier / fichier) != attendu:
            raise ErreurDonnees(f"{chemins.relatif(dossier / fichier)} : absent ou modifié depuis la préparation "
                                f"(empreinte différente de celle de {FICHIER_META}). Relancer la préparation : "
                                f"python -m paquet_analyse preparer donnees_brutes/{nom}")
    tables = {Path(f).stem: _lire_parquet(dossier / f) for f in meta["fichiers_sha256"] if f.endswith(".parquet")}
    territoires = tables.get("territoires")
    noms = tuple(v["nom"] for v in meta["territoires"].values())
    jeu_prepare = JeuPrepare(nom=nom, dossier=meta["jeu"], descripteur=meta["descripteur"], territoires=territoires,
                             noms_territoires=tuple(sorted(noms)), empreintes_brutes=meta["fichiers_bruts_sha256"],
                             variables_absentes=tuple(meta.get("variables_absentes", ())))
    plan = plan_.charger_plan(dossier / FICHIER_PLAN)
    calculs = {n: (e, tables[n]) for n, e in meta.get("empreintes_complements", {}).items() if n in tables}
    donnees = Donnees(jeu=jeu_prepare, plan=plan, instances=tables["instances"],
                      participants=tables["participants"], calculs_prepares=calculs)
    return restreindre(donnees, territoire) if territoire else donnees


def lire_rapport(jeu: str | Path):
    """Le rapport de validation de la préparation (`RapportValidation`)."""
    nom = Path(jeu).name
    tableau = pd.read_csv(chemins.dossier_prepare(nom) / FICHIER_RAPPORT, dtype=str, keep_default_na=False)
    problemes = tuple(
        Probleme(fichier=r["fichier"], ligne=int(r["ligne"]) if r["ligne"] else None, colonne=r["colonne"] or None,
                 valeur=r["valeur"] or None, regle=r["regle"], message=r["message"], correction=r["correction"],
                 gravite=r["gravite"])
        for _, r in tableau.iterrows())
    return validation.RapportValidation(jeu=nom, problemes=problemes)
