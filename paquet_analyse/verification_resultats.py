"""Vérification des résultats versionnés : tout refaire dans une copie, puis comparer chaque fichier.

`make verifier` (verbe `verifier` de la ligne de commande) :

1. copie les sources suivies par git (paquet, carnets, flux, verrou, jeu
   brut…) dans un dossier temporaire — un clone local qui garde l'historique,
   pour que le commit cité par le manifeste et les colophons soit le même ;
2. y relance tout le flux (`executer <jeu> --tout-refaire`) ;
3. compare octet pour octet (SHA-256) chaque fichier de `resultats/<jeu>/`
   avec celui qui vient d'être régénéré, et nomme chaque fichier différent,
   absent ou en trop, avec ses empreintes entières et, pour un fichier texte,
   une courte différence ;
4. réexécute avec nbval les carnets versionnés, eux aussi dans une copie, et
   dit combien de cellules ont été comparées.

Avant tout, les entrées sont comparées au manifeste versionné : un fichier
brut (ou le plan) modifié, absent ou ajouté depuis les résultats versionnés est
nommé en premier, puisque tous les fichiers qui en dérivent différeront.

Les fichiers versionnés ne sont jamais modifiés : ils ne sont que lus. Aucun
fichier n'est exclu de la comparaison : un résultat dont les octets
dépendraient de la machine est un défaut à corriger, pas une exception.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
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
            ecarts.append(Ecart(chemin, "different", f"SHA-256 versionné {a[nom]}, régénéré {b[nom]}"))
    return ecarts


# Fichiers dont une différence se lit ligne à ligne.
SUFFIXES_TEXTE = (".csv", ".json", ".html", ".ipynb", ".md", ".yml", ".yaml", ".txt", ".typ")


def difference_courte(versionne: Path, regenere: Path, *, lignes: int = 10, largeur: int = 160) -> list[str]:
    """Les premières lignes de la différence unifiée de deux fichiers texte (vide pour un fichier binaire) ;
    chaque ligne coupée à `largeur` caractères (une image intégrée en base64 tient sur une seule ligne)."""
    if versionne.suffix.lower() not in SUFFIXES_TEXTE:
        return []
    try:
        a = versionne.read_text(encoding="utf-8").splitlines()
        b = regenere.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    diff = [l for l in difflib.unified_diff(a, b, "versionné", "régénéré", n=0, lineterm="")
            if not l.startswith(("---", "+++", "@@"))]
    courte = [l if len(l) <= largeur else l[:largeur] + " …" for l in diff[:lignes]]
    if len(diff) > lignes:
        courte.append(f"… ({len(diff) - lignes} ligne(s) de différence de plus)")
    return courte


def entrees_changees(dossier_jeu: Path, manifeste: Path, *, prefixe: str = "",
                     plan: Path | None = None) -> list[str]:
    """Les entrées qui ont changé depuis les résultats versionnés, d'après leur manifeste : chaque fichier brut
    modifié, absent ou ajouté (SHA-256 entiers), et le plan d'analyse s'il est donné. Liste vide si rien n'a
    changé ou si le manifeste est illisible (alors rien ne peut être dit)."""
    try:
        contenu = json.loads(manifeste.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    attendus = contenu.get("fichiers_bruts_sha256") or {}
    messages = []
    for nom, empreinte_ in sorted(attendus.items()):
        chemin = dossier_jeu / nom
        if not chemin.is_file():
            messages.append(f"{prefixe}{nom} : absent (le manifeste des résultats versionnés le cite)")
        elif empreinte(chemin) != empreinte_:
            messages.append(f"{prefixe}{nom} : modifié depuis les résultats versionnés (SHA-256 du manifeste "
                            f"{empreinte_}, actuel {empreinte(chemin)})")
    # un fichier ajouté à côté des fichiers lus (un export de plus, que jeu.yml nomme peut-être)
    for chemin in sorted(p for p in dossier_jeu.iterdir() if p.is_file()) if dossier_jeu.is_dir() else ():
        if chemin.name not in attendus and attendus and chemin.suffix.lower() in (
                ".csv", ".xlsx", ".sav", ".dta", ".yml", ".yaml", ".txt", ".tsv"):
            messages.append(f"{prefixe}{chemin.name} : ajouté depuis les résultats versionnés (absent du manifeste)")
    if plan is not None and contenu.get("plan_sha256") and plan.is_file() and empreinte(plan) != contenu["plan_sha256"]:
        messages.append(f"{chemins.relatif(plan)} : plan d'analyse modifié depuis les résultats versionnés (SHA-256 du "
                        f"manifeste {contenu['plan_sha256']}, actuel {empreinte(plan)})")
    return messages


def compte_nbval(journal: Path) -> dict[str, int]:
    """Les comptes de la dernière ligne de pytest dans le journal de nbval (« 200 passed, 2 failed »)."""
    try:
        texte = journal.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    return {mot: int(n) for n, mot in re.findall(r"(\d+) (passed|failed|error|errors|skipped)", texte)}


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
    changees = entrees_changees(dossier, versionnes / "manifeste.json", prefixe=f"{relatif_jeu}/",
                                plan=chemins.plan_analyse())
    if changees:
        afficher("Entrées changées depuis les résultats versionnés (d'après resultats/"
                 f"{nom}/manifeste.json) : les résultats qui en dérivent différeront.")
        for message in changees:
            afficher(f"  - {message}")
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
                for k, ecart in enumerate(ecarts):
                    afficher(f"  - {ecart}")
                    if ecart.nature == "different" and k < 5:  # une courte différence, pour les premiers
                        relatif = ecart.chemin.removeprefix(f"resultats/{nom}/")
                        for ligne in difference_courte(versionnes / relatif, copie / "resultats" / nom / relatif):
                            afficher(f"      {ligne}")
                if changees:
                    afficher(f"  Entrées changées (voir plus haut) : {len(changees)} ; les fichiers dérivés ci-dessus "
                             "en découlent sans doute.")
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
        comptes = compte_nbval(journal_nbval)
        total = sum(comptes.get(k, 0) for k in ("passed", "failed", "error", "errors"))
        if code:
            echec = True
            afficher(f"ÉCHEC : nbval (code {code}) : des sorties de carnets versionnés ne se reproduisent pas "
                     f"({comptes.get('failed', 0)} cellule(s) sur {total} en échec). "
                     f"Fin du journal :\n{_fin_du_journal(journal_nbval)}")
        else:
            afficher(f"nbval : {total} cellules des carnets versionnés réexécutées et comparées ({total} passed) ; "
                     "chaque sortie des carnets versionnés se reproduit.")
    finally:
        if garder or echec:
            afficher(f"Copie, résultats régénérés (regeneres/) et journaux gardés pour examen : {temporaire}")
        else:
            shutil.rmtree(temporaire, ignore_errors=True)
    afficher("Vérification : ÉCHEC." if echec else "Vérification : tout est conforme.")
    return 1 if echec else 0
