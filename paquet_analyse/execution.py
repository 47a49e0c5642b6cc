"""Exécution des carnets (papermill) et provenance des résultats.

- `executer_carnet` : exécute un modèle de `carnets/` avec des paramètres
  contrôlés (un nom inconnu est refusé : papermill se contente d'avertir),
  le noyau `python3` de l'environnement courant, puis retire du carnet
  exécuté ce qui varie d'une exécution à l'autre (horodatages, durées,
  chemins absolus) et l'écrit atomiquement. Quand le flux a démarré un
  serveur de noyaux chauds (`noyau_chaud`), le noyau en vient : mêmes
  sorties, sans refaire les imports lourds à chaque carnet.
- `provenance` / `ecrire_manifeste` : empreintes SHA-256 des fichiers bruts,
  paramètres, versions des paquets, commit git des sources.

Sur le commit : un fichier ne peut pas contenir l'identifiant du commit qui
le contient. On enregistre donc le dernier commit qui a modifié les *sources*
(paquet, carnets, plan, flux, verrou, données du jeu), plus une empreinte
SHA-256 de ces sources et un drapeau si elles ont été modifiées depuis. Les
résultats se valident dans un commit à part, après celui du code : ils
restent alors identiques octet pour octet d'une régénération à l'autre.
"""

from __future__ import annotations

import functools
import hashlib
import subprocess
from importlib import metadata
from pathlib import Path

from . import chemins, sorties
from .erreurs import ErreurPaquet

NOYAU = "python3"
PAQUETS_RAPPORTES = ("paquet_analyse", "numpy", "pandas", "scipy", "statsmodels", "matplotlib", "seaborn",
                     "pandera", "networkx", "papermill", "nbformat", "snakemake")
SOURCES = ("paquet_analyse", "carnets", "Snakefile", "requirements.lock")


class ErreurCarnet(ErreurPaquet, RuntimeError):
    """Un carnet a échoué : le message nomme le carnet, la cellule et la cause."""


def parametres_du_modele(modele: Path) -> dict:
    """Noms et valeurs par défaut de la cellule `parameters` d'un modèle."""
    import papermill

    return {nom: info["default"] for nom, info in papermill.inspect_notebook(str(modele)).items()}


def _controler_parametres(modele: Path, parametres: dict) -> None:
    permis = parametres_du_modele(modele)
    inconnus = sorted(set(parametres) - set(permis))
    if inconnus:
        raise ErreurCarnet(f"{chemins.relatif(modele)} : paramètre(s) inconnu(s) {', '.join(inconnus)} "
                           f"(paramètres du carnet : {', '.join(permis) or 'aucun'}).")


def nettoyer_carnet(nb) -> None:
    """Retire horodatages, durées et chemins des métadonnées (octets reproductibles)."""
    for cellule in nb.cells:
        for cle in ("papermill", "execution", "collapsed", "scrolled"):
            cellule.metadata.pop(cle, None)
        if "injected-parameters" in cellule.metadata.get("tags", []):
            cellule["id"] = "parametres-injectes"  # papermill lui donne un identifiant aléatoire
    papermill_meta = nb.metadata.get("papermill", {})
    nb.metadata["papermill"] = {"parameters": papermill_meta.get("parameters", {})}
    nb.metadata.pop("widgets", None)


def executer_carnet(modele: str | Path, sortie: str | Path, parametres: dict, *, delai: int = 900) -> Path:
    """Exécute `modele` avec `parametres` et écrit le carnet exécuté en `sortie`.

    Le noyau tourne dans le dossier de `sortie` (comme nbval plus tard). En
    cas d'échec, le carnet partiel est écrit à côté (`*.echec.ipynb`) et
    `ErreurCarnet` nomme le carnet, la cellule et la cause.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    modele, sortie = Path(modele), Path(sortie)
    _controler_parametres(modele, parametres)
    sortie.parent.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(modele, as_version=4)
    options = {}
    from . import noyau_chaud

    if noyau_chaud.chemin_serveur() is not None:  # serveur de noyaux démarré par le flux
        options["kernel_manager_class"] = noyau_chaud.GestionnaireChaud
    echec = sortie.with_name(sortie.stem + ".echec.ipynb")
    executes = []  # le carnet tel que le moteur le rend, erreur comprise (papermill ne le rend pas s'il lève)
    try:
        nb = papermill.execute_notebook(nb, None, parameters=parametres, kernel_name=NOYAU,
                                        cwd=str(sortie.parent), progress_bar=False, log_output=False,
                                        execution_timeout=delai, engine_name=_moteur(executes), **options)
    except PapermillExecutionError as exc:
        partiel = executes[-1] if executes else None
        if partiel is not None:
            from papermill.execute import ERROR_MARKER_TAG

            # papermill y a ajouté deux cellules de balisage en anglais : l'erreur se lit dans sa cellule
            partiel.cells = [c for c in partiel.cells if ERROR_MARKER_TAG not in c.metadata.get("tags", [])]
            nettoyer_carnet(partiel)
            sorties.ecrire_texte(nbformat.writes(partiel) + "\n", echec)
        # papermill compte la cellule de paramètres qu'il injecte ; on donne le rang dans le modèle
        balisees = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
        injectee_avant = bool(parametres) and (not balisees or exc.cell_index > balisees[0])
        rang = exc.cell_index + (0 if injectee_avant else 1)
        raise ErreurCarnet(
            f"Le carnet {chemins.relatif(modele)} (paramètres {parametres}) a échoué à la cellule {rang} "
            f"du modèle : {exc.ename} : {exc.evalue}"
            + (f" — carnet partiel : {chemins.relatif(echec)}" if partiel else "")
        ) from None
    nettoyer_carnet(nb)
    ecrit = sorties.ecrire_texte(nbformat.writes(nb) + "\n", sortie)
    echec.unlink(missing_ok=True)  # l'échec d'une exécution précédente n'a plus lieu d'être
    return ecrit


MOTEUR = "paquet_analyse"


def _moteur(recueil: list) -> str:
    """Le moteur papermill ordinaire (nbclient), qui garde en plus dans `recueil` le carnet exécuté : en cas
    d'erreur dans une cellule, papermill lève `PapermillExecutionError` sans rendre le carnet, dont on veut
    écrire la version partielle (sorties et trace de l'erreur). Renvoie le nom sous lequel il est inscrit."""
    from papermill.engines import NBClientEngine, papermill_engines

    class MoteurQuiGarde(NBClientEngine):
        @classmethod
        def execute_notebook(cls, nb, kernel_name, **options):
            recueil.append(super().execute_notebook(nb, kernel_name, **options))
            return recueil[-1]

    papermill_engines.register(MOTEUR, MoteurQuiGarde)
    return MOTEUR


# --------------------------------------------------------------------------
# Provenance


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
    return {p.relative_to(dossier).as_posix(): sorties.empreinte(p)
            for p in sorted(dossier.rglob("*")) if p.is_file()}


_PROVENANCES: dict = {}


def provenance(nom_jeu: str, parametres: dict | None = None) -> dict:
    """Provenance d'un jeu préparé : empreintes des fichiers bruts et des tables
    préparées (lues dans `jeu.json`, sans relire les fichiers bruts), plan,
    versions, commit des sources.

    Calculée une fois par processus pour un même jeu préparé et les mêmes
    paramètres : un carnet l'affiche au début (bandeau) et à la fin
    (colophon), et chaque calcul hache les sources et lance git deux fois.
    """
    import copy
    import json

    from . import preparation

    meta = preparation.lire_meta(nom_jeu)
    if meta is None:
        raise ErreurPaquet(f"Le jeu « {nom_jeu} » n'est pas préparé : provenance inconnue.")
    sources = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in _fichiers_sources(None, SOURCES))
    cle = (str(chemins.racine()), nom_jeu, json.dumps(meta, sort_keys=True),
           json.dumps(parametres or {}, sort_keys=True, default=str), sources)
    if cle not in _PROVENANCES:
        _PROVENANCES[cle] = _provenance(meta, parametres)
    return copy.deepcopy(_PROVENANCES[cle])


def _provenance(meta: dict, parametres: dict | None) -> dict:
    from . import preparation

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
        "plan_sha256": meta["fichiers_sha256"][preparation.FICHIER_PLAN],
        "parametres": parametres or {},
        "versions": versions(),
        "sources": {**commit_sources(dossier), "empreinte_sha256": h.hexdigest()},
    }


def ecrire_manifeste(nom_jeu: str, cible: str | Path, parametres: dict | None = None) -> Path:
    return sorties.ecrire_json(provenance(nom_jeu, parametres), cible)
