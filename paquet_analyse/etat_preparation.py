"""Le jeu préparé est-il à jour ? Empreintes et métadonnées, sans pandas.

Séparé de :mod:`paquet_analyse.preparation` pour que le flux (le `Snakefile`,
`executer`) sache en quelques millisecondes qu'un jeu préparé est à jour,
sans importer pandas ni le chargeur : c'est le cas de toute relance sans
changement. `preparation` réexporte ces noms.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from . import chemins, sorties

FICHIER_META = "jeu.json"
FICHIER_PLAN = "plan_analyse.yml"
VERSION_FORMAT = 2  # 2 : portraits calculés à la préparation (portraits.parquet)


def sha256(octets: bytes) -> str:
    return hashlib.sha256(octets).hexdigest()


def empreinte_code() -> str:
    """Empreinte du code qui prépare (paquet et verrou des versions)."""
    from . import execution

    return execution.empreinte_sources(None, sources=("paquet_analyse", "requirements.lock"))


def empreinte_entrees(dossier: Path, plan_chemin: Path) -> tuple[str, dict]:
    """Empreinte de tout ce dont la préparation dépend, et celles des fichiers bruts."""
    from . import execution

    bruts = execution.empreintes_brutes(dossier)
    return sorties.hacher(str(VERSION_FORMAT), empreinte_code(), plan_chemin.read_bytes(),
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
    return all((dossier / n).is_file() and sorties.empreinte(dossier / n) == h
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
