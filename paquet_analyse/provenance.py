"""Provenance : empreintes des sources et des fichiers, versions des paquets, commit git.

Couche du sol (aucun module du paquet au-dessus de `chemins`, `ecriture` et
`erreurs`) : la préparation, les carnets et le manifeste s'en servent.

Sur le commit : un fichier ne peut pas contenir l'identifiant du commit qui
le contient. On enregistre donc le dernier commit qui a modifié les *sources*
(paquet, carnets, plan, flux, verrou, données du jeu), plus une empreinte
SHA-256 de ces sources et un drapeau si elles ont été modifiées depuis. Les
résultats se valident dans un commit à part, après celui du code : ils
restent alors identiques octet pour octet d'une régénération à l'autre.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import subprocess
from importlib import metadata
from pathlib import Path

from . import chemins
from .ecriture import empreinte

PAQUETS_RAPPORTES = ("paquet_analyse", "numpy", "pandas", "scipy", "statsmodels", "matplotlib", "seaborn",
                     "pandera", "networkx", "papermill", "nbformat", "snakemake")
SOURCES = ("paquet_analyse", "carnets", "Snakefile", "requirements.lock")


def sha256(octets: bytes) -> str:
    return hashlib.sha256(octets).hexdigest()


def empreinte_code() -> str:
    """Empreinte du code qui prépare et calcule (paquet et verrou des versions)."""
    return empreinte_sources(None, sources=("paquet_analyse", "requirements.lock"))


def _git(*args: str) -> str | None:
    try:
        r = subprocess.run(["git", *args], cwd=chemins.racine(), capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return r.stdout.strip() if r.returncode == 0 else None


def _fichiers_sources(dossier_jeu: Path | None, sources: tuple[str, ...] = SOURCES) -> list[Path]:
    racine = chemins.racine()
    fichiers = []
    for nom in sources + ((chemins.relatif(dossier_jeu),) if dossier_jeu else ()):
        chemin = racine / nom
        if chemin.is_file():
            fichiers.append(chemin)
        elif chemin.is_dir():
            fichiers += [p for p in chemin.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                         and ".ipynb_checkpoints" not in p.parts and not p.name.endswith((".pyc", ".egg-info"))]
    return sorted(fichiers)


def empreinte_sources(dossier_jeu: Path | None = None, *, sources: tuple[str, ...] = SOURCES) -> str:
    """SHA-256 sur les chemins et contenus des sources (paquet, carnets, flux, verrou, jeu)."""
    h = hashlib.sha256()
    for chemin in _fichiers_sources(dossier_jeu, sources):
        h.update(chemins.relatif(chemin).encode() + b"\0")
        h.update(hashlib.sha256(chemin.read_bytes()).digest())
    return h.hexdigest()


def commit_sources(dossier_jeu: Path | None = None) -> dict:
    """Dernier commit ayant modifié les sources, et s'il y a des modifications non validées."""
    chemins_git = [p for p in SOURCES + ((chemins.relatif(dossier_jeu),) if dossier_jeu else ())
                   if (chemins.racine() / p).exists()]
    commit = _git("log", "-1", "--format=%H", "--", *chemins_git)
    etat = _git("status", "--porcelain", "--", *chemins_git)
    lignes = etat.splitlines() if etat else []
    # un fichier jamais versionné (« ?? », par ex. les données d'une nouvelle région) n'est pas une
    # source « modifiée » : il est dit « non versionné »
    return {"commit": commit or "inconnu (pas un dépôt git)",
            "sources_modifiees_depuis_le_commit": (any(not l.startswith("??") for l in lignes)
                                                   if etat is not None else None),
            "fichiers_non_versionnes": sum(l.startswith("??") for l in lignes) if etat is not None else None}


def versions() -> dict:
    """Versions des paquets utiles à l'analyse (et de Python)."""
    return dict(_versions())


@functools.lru_cache(maxsize=1)
def _versions() -> tuple:
    # lues une fois par processus (un carnet les affiche deux fois, bandeau et colophon ; les noyaux
    # chauds les héritent du serveur, qui les lit en se préchauffant) : ~25 ms de lecture des
    # métadonnées des paquets à chaque appel
    import platform

    sortie = [("python", platform.python_version())]
    for nom in PAQUETS_RAPPORTES:
        try:
            sortie.append((nom, metadata.version(nom)))
        except metadata.PackageNotFoundError:
            sortie.append((nom, "absent"))
    return tuple(sortie)


def empreintes_brutes(dossier_jeu: str | Path) -> dict[str, str]:
    """SHA-256 de chaque fichier du dossier de données brutes (chemins relatifs)."""
    dossier = Path(dossier_jeu)
    return {p.relative_to(dossier).as_posix(): empreinte(p)
            for p in sorted(dossier.rglob("*")) if p.is_file()}


_PROVENANCES: dict = {}


def decrire(meta: dict, parametres: dict | None, *, fichier_plan: str) -> dict:
    """Provenance d'un jeu préparé décrit par `meta` (son `jeu.json`) : empreintes des fichiers bruts et
    des tables préparées, plan, paramètres, versions, commit des sources.

    Calculée une fois par processus pour un même jeu préparé et les mêmes
    paramètres : un carnet l'affiche au début (bandeau) et à la fin
    (colophon), et chaque calcul hache les sources et lance git deux fois.
    La clé comprend la taille et la date des sources : un noyau interactif
    voit une modification du code.
    """
    sources = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in _fichiers_sources(None, SOURCES))
    cle = (str(chemins.racine()), json.dumps(meta, sort_keys=True),
           json.dumps(parametres or {}, sort_keys=True, default=str), sources, fichier_plan)
    if cle not in _PROVENANCES:
        _PROVENANCES[cle] = _decrire(meta, parametres, fichier_plan)
    return copy.deepcopy(_PROVENANCES[cle])


def _decrire(meta: dict, parametres: dict | None, fichier_plan: str) -> dict:
    dossier = chemins.racine() / meta["jeu"]
    bruts = meta["fichiers_bruts_sha256"]
    code = empreinte_sources(None)
    h = hashlib.sha256(code.encode())
    for nom, empreinte_ in bruts.items():
        h.update(f"{meta['jeu']}/{nom}={empreinte_}".encode())
    return {
        "jeu": meta["jeu"],
        "fichiers_bruts_sha256": bruts,
        "donnees_preparees_sha256": meta["fichiers_sha256"],
        "plan_sha256": meta["fichiers_sha256"][fichier_plan],
        "parametres": parametres or {},
        "versions": versions(),
        "sources": {**commit_sources(dossier), "empreinte_sha256": h.hexdigest()},
    }
