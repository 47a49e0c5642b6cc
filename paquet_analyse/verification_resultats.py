"""Vérification des résultats versionnés : tout refaire dans une copie, puis comparer chaque fichier.

`make verifier` (verbe `verifier` de la ligne de commande) :

1. copie les sources suivies par git (paquet, carnets, flux, verrou, jeu
   brut…) dans un dossier temporaire — un clone local qui garde l'historique,
   pour que le commit cité par le manifeste et les colophons soit le même ;
2. y relance tout le flux (`executer <jeu> --tout-refaire`) ;
3. compare octet pour octet (SHA-256) chaque fichier de `resultats/<jeu>/`
   avec celui qui vient d'être régénéré, et nomme chaque fichier différent,
   absent ou en trop ;
4. réexécute avec nbval les carnets versionnés, eux aussi dans une copie.

Les fichiers versionnés ne sont jamais modifiés : ils ne sont que lus. Aucun
fichier n'est exclu de la comparaison : un résultat dont les octets
dépendraient de la machine est un défaut à corriger, pas une exception.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import chemins

# Mêmes options que la variable NBVAL du Makefile (un test vérifie qu'elles restent d'accord).
OPTIONS_NBVAL = ("--nbval --nbval-current-env --nbval-sanitize-with tests/nbval_assainir.cfg "
                 "-p no:cacheprovider")
# Ce qui n'est jamais copié quand le projet n'est pas un dépôt git.
A_IGNORER = (".git", ".venv", ".snakemake", "resultats", "__pycache__", ".ipynb_checkpoints",
             ".pytest_cache", ".hypothesis")

NATURES = {
    "different": "diffère du fichier régénéré",
    "non_regenere": "versionné mais absent des résultats régénérés",
    "en_trop": "produit par le flux mais absent des résultats versionnés",
}


@dataclass(frozen=True)
class Ecart:
    """Un fichier de `resultats/<jeu>/` qui ne correspond pas à sa régénération."""

    chemin: str   # relatif à la racine du projet (resultats/<jeu>/...)
    nature: str   # clé de NATURES
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.chemin} : {NATURES[self.nature]}" + (f" ({self.detail})" if self.detail else "")


def empreinte(chemin: Path) -> str:
    return hashlib.sha256(chemin.read_bytes()).hexdigest()


#: Sous-dossiers d'un jeu qui ne font pas partie de la publication : calculs intermédiaires non protégés,
#: jamais versionnés (.gitignore), régénérés par le flux ; ils ne sont pas comparés.
HORS_PUBLICATION = ("calculs",)


def empreintes_dossier(dossier: Path) -> dict[str, str]:
    """SHA-256 de chaque fichier publié sous `dossier` (chemins relatifs, séparateur `/`), hors
    `HORS_PUBLICATION`."""
    if not dossier.is_dir():
        return {}
    return {p.relative_to(dossier).as_posix(): empreinte(p) for p in sorted(dossier.rglob("*"))
            if p.is_file() and p.relative_to(dossier).parts[0] not in HORS_PUBLICATION}


def comparer(versionnes: Path, regeneres: Path, *, prefixe: str = "") -> list[Ecart]:
    """Compare deux dossiers de résultats fichier par fichier ; renvoie les écarts, triés par chemin."""
    a, b = empreintes_dossier(versionnes), empreintes_dossier(regeneres)
    ecarts = []
    for nom in sorted(set(a) | set(b)):
        chemin = f"{prefixe}{nom}"
        if nom not in b:
            ecarts.append(Ecart(chemin, "non_regenere"))
        elif nom not in a:
            ecarts.append(Ecart(chemin, "en_trop"))
        elif a[nom] != b[nom]:
            ecarts.append(Ecart(chemin, "different", f"SHA-256 versionné {a[nom][:12]}…, régénéré {b[nom][:12]}…"))
    return ecarts


# --------------------------------------------------------------------------
# Copie du projet


def _git(racine: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(racine), *args], capture_output=True, text=True)


def copier_projet(racine: Path, cible: Path) -> bool:
    """Copie les sources du projet dans `cible` (qui ne doit pas exister), sans `resultats/`.

    Dans un dépôt git : clone local partagé (l'historique donne le même commit
    des sources), puis le contenu actuel des fichiers suivis, modifications non
    validées comprises. Sinon : copie des dossiers, sans historique ; le
    manifeste et les colophons citeront alors un commit « inconnu ». Renvoie
    vrai si la copie a l'historique git.
    """
    depot = _git(racine, "rev-parse", "HEAD")
    if depot.returncode != 0:
        shutil.copytree(racine, cible, ignore=shutil.ignore_patterns(*A_IGNORER))
        return False
    tete = depot.stdout.strip()
    clone = subprocess.run(["git", "clone", "--quiet", "--shared", "--no-checkout", str(racine), str(cible)],
                           capture_output=True, text=True)
    if clone.returncode != 0:
        raise RuntimeError(f"Copie du projet impossible (git clone) : {clone.stderr.strip()}")
    _git(cible, "reset", "--quiet", tete)  # même commit, index prêt ; aucun fichier encore extrait
    suivis = _git(racine, "ls-files", "-z").stdout.split("\0")
    for nom in suivis:
        source = racine / nom
        if not nom or nom.startswith("resultats/") or not source.is_file():
            continue  # un fichier suivi mais supprimé dans la copie de travail reste absent
        destination = cible / nom
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)
    return True


def _environnement(copie: Path) -> dict:
    env = dict(os.environ)
    env["PAQUET_ANALYSE_RACINE"] = str(copie)
    env["PYTHONPATH"] = str(copie)
    return env


def regenerer(copie: Path, jeu: str, *, coeurs: int, journal: Path) -> int:
    """Relance tout le flux dans la copie ; la sortie de Snakemake va dans `journal`."""
    commande = [sys.executable, "-m", "paquet_analyse", "executer", jeu, "--tout-refaire", "--coeurs", str(coeurs)]
    with journal.open("w", encoding="utf-8") as sortie:
        return subprocess.run(commande, cwd=copie, env=_environnement(copie), stdout=sortie,
                              stderr=subprocess.STDOUT).returncode


def nbval(copie: Path, nom_jeu: str, options: str, *, journal: Path) -> int:
    """nbval sur les carnets de `copie/resultats/<jeu>/carnets` (une copie des carnets versionnés)."""
    commande = [sys.executable, "-m", "pytest", *shlex.split(options), "-q",
                f"resultats/{nom_jeu}/carnets"]
    with journal.open("w", encoding="utf-8") as sortie:
        return subprocess.run(commande, cwd=copie, env=_environnement(copie), stdout=sortie,
                              stderr=subprocess.STDOUT).returncode


def _fin_du_journal(journal: Path, lignes: int = 30) -> str:
    texte = journal.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join("    " + l for l in texte[-lignes:])


# --------------------------------------------------------------------------
# Le tout


def verifier(jeu: str | Path, *, coeurs: int = 2, options_nbval: str = OPTIONS_NBVAL, garder: bool = False,
             afficher=print) -> int:
    """Régénère tout dans une copie, compare chaque fichier de `resultats/<jeu>/`, puis nbval.

    Renvoie 0 si tout est identique et nbval passe, 1 sinon. Les messages
    (français) passent par `afficher`.
    """
    racine = chemins.racine()
    dossier = chemins.dossier_jeu(jeu)
    nom = dossier.name
    relatif_jeu = chemins.relatif(dossier)
    versionnes = chemins.dossier_resultats(nom)
    if not versionnes.is_dir():
        afficher(f"Erreur : aucun résultat versionné à vérifier ({chemins.relatif(versionnes)}/ n'existe pas).")
        return 1
    temporaire = Path(tempfile.mkdtemp(prefix="verification_"))
    copie = temporaire / "projet"
    echec = False
    try:
        afficher(f"Copie des sources dans {copie} …")
        if not copier_projet(racine, copie):
            afficher("Attention : le projet n'est pas un dépôt git ; le commit cité par le manifeste et les "
                     "colophons régénérés sera « inconnu » et ces fichiers différeront.")
        afficher(f"Régénération complète de {relatif_jeu} dans la copie (quelques minutes) …")
        journal = temporaire / "flux.log"
        code = regenerer(copie, relatif_jeu, coeurs=coeurs, journal=journal)
        if code:
            echec = True
            afficher(f"ÉCHEC : le flux s'est arrêté dans la copie (code {code}). Fin du journal :\n"
                     f"{_fin_du_journal(journal)}")
        else:
            ecarts = comparer(versionnes, copie / "resultats" / nom, prefixe=f"resultats/{nom}/")
            n = len(empreintes_dossier(versionnes))
            if ecarts:
                echec = True
                afficher(f"ÉCHEC : {len(ecarts)} fichier(s) de resultats/{nom}/ ne correspondent pas à une "
                         "régénération complète :")
                for ecart in ecarts:
                    afficher(f"  - {ecart}")
                afficher("  Si le code a changé exprès : `make resultats`, puis valider les résultats dans un "
                         "commit à part. Sinon, un résultat versionné a été retouché ou n'est pas déterministe.")
            else:
                afficher(f"Les {n} fichiers de resultats/{nom}/ sont identiques, octet pour octet, à leur "
                         "régénération.")
        # nbval sur les carnets versionnés, dans la copie : ce que les carnets écrivent en se
        # réexécutant (tableaux, figures) ne touche jamais les fichiers versionnés.
        regeneres = copie / "resultats" / nom
        if regeneres.exists():  # gardés à part pour examen (--garder ou échec)
            shutil.move(regeneres, temporaire / "regeneres")
        shutil.copytree(versionnes, regeneres)
        afficher(f"nbval sur les carnets versionnés de resultats/{nom}/carnets (dans la copie) …")
        journal_nbval = temporaire / "nbval.log"
        code = nbval(copie, nom, options_nbval, journal=journal_nbval)
        if code:
            echec = True
            afficher(f"ÉCHEC : nbval (code {code}) : des sorties de carnets versionnés ne se reproduisent pas. "
                     f"Fin du journal :\n{_fin_du_journal(journal_nbval)}")
        else:
            afficher("nbval : chaque sortie des carnets versionnés se reproduit.")
    finally:
        if garder or echec:
            afficher(f"Copie, résultats régénérés (regeneres/) et journaux gardés pour examen : {temporaire}")
        else:
            shutil.rmtree(temporaire, ignore_errors=True)
    afficher("Vérification : ÉCHEC." if echec else "Vérification : tout est conforme.")
    return 1 if echec else 0
