"""Le jeu préparé est-il à jour ? Empreintes et métadonnées, sans pandas.

Séparé de :mod:`paquet_analyse.preparation` pour que le flux (le `Snakefile`,
`executer`) sache en quelques millisecondes qu'un jeu préparé est à jour,
sans importer pandas ni le chargeur : c'est le cas de toute relance sans
changement. `preparation` réexporte ces noms.
"""

from __future__ import annotations

import json
from pathlib import Path

from . import chemins, provenance as provenance_
from .ecriture import empreinte as empreinte_fichier, hacher
from .erreurs import ErreurPaquet

FICHIER_META = "jeu.json"
FICHIER_PLAN = "plan_analyse.yml"
VERSION_FORMAT = 3  # 3 : compléments de la préparation (portraits.parquet, empreintes_complements)


def empreinte_entrees(dossier: Path, plan_chemin: Path) -> tuple[str, dict]:
    """Empreinte de tout ce dont la préparation dépend, et celles des fichiers bruts."""
    bruts = provenance_.empreintes_brutes(dossier)
    return hacher(str(VERSION_FORMAT), provenance_.empreinte_code(), plan_chemin.read_bytes(),
                   *(f"{n}={h}" for n, h in bruts.items())), bruts


def lire_meta(nom_jeu: str) -> dict | None:
    """Le `jeu.json` du jeu préparé, ou None."""
    chemin = chemins.dossier_prepare(nom_jeu) / FICHIER_META
    if not chemin.is_file():
        return None
    return json.loads(chemin.read_text(encoding="utf-8"))


def meta_a_jour(meta: dict | None, empreinte: str) -> bool:
    """Les tables préparées décrites par `meta` existent, intactes, pour ces entrées."""
    if not meta or meta.get("empreinte_entrees") != empreinte:
        return False
    dossier = chemins.dossier_prepare(meta["nom"])
    return all((dossier / n).is_file() and empreinte_fichier(dossier / n) == h
               for n, h in meta["fichiers_sha256"].items())


def dossier_existant(jeu: str | Path) -> Path:
    """Le dossier d'un jeu ; message français (`ErreurJeu`) si le dossier ou son jeu.yml manque."""
    dossier = chemins.dossier_jeu(jeu)
    if not (dossier / "jeu.yml").is_file():
        from . import chargement

        chargement.lire_descripteur(dossier)  # lève ErreurJeu : dossier ou jeu.yml absent
    return dossier


def etat(dossier: Path, plan_chemin: Path) -> tuple[dict | None, str, dict]:
    """(meta si la préparation écrite est à jour, sinon None ; empreinte des entrées ; empreintes brutes)."""
    empreinte, bruts = empreinte_entrees(dossier, plan_chemin)
    meta = lire_meta(dossier.name)
    return (meta if meta_a_jour(meta, empreinte) else None), empreinte, bruts


def meta_si_a_jour(dossier: Path) -> dict | None:
    """La meta du jeu préparé s'il est à jour (mêmes fichiers bruts, plan et code), sinon None."""
    return etat(dossier, chemins.plan_analyse())[0]


def provenance(nom_jeu: str, parametres: dict | None = None) -> dict:
    """Provenance d'un jeu préparé (`provenance.decrire`), lue dans son `jeu.json` sans relire les fichiers
    bruts ; `ErreurPaquet` s'il n'est pas préparé."""
    meta = lire_meta(nom_jeu)
    if meta is None:
        raise ErreurPaquet(f"Le jeu « {nom_jeu} » n'est pas préparé : provenance inconnue.")
    return provenance_.decrire(meta, parametres, fichier_plan=FICHIER_PLAN)
