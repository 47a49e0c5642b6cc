"""Le flux de travail (Snakemake + papermill) : l'étape de préparation, ce que le `Snakefile` lit, le lancement.

Les étapes, dans un seul sens :

1. **préparation** (`preparer`, première étape d'`executer`, et verbe
   `preparer`) : le jeu est lu, typé, validé et dérivé une seule fois dans
   `resultats/<jeu>/donnees/`, avec les calculs faits une fois pour toute la
   publication (portraits protégés ensemble) ; un jeu invalide arrête tout
   ici, avant Snakemake. Une préparation à jour n'est pas refaite ;
2. **Snakemake** lit le jeu préparé (`info_flux`, sans rien préparer ni
   relire des fichiers bruts), puis exécute les carnets (papermill) et écrit
   rapports, index et manifeste.

Incrémentalité sans dépendre des dates de fichiers (après un clonage, toutes
les dates sont celles de l'extraction) : chaque règle porte en paramètre une
empreinte SHA-256 de ce dont elle dépend vraiment — le code et les modèles de
carnets, et les seules lignes de données de son territoire (et ses parts
publiées) pour les carnets par territoire. Snakemake est lancé avec
`--rerun-triggers params input code` : une empreinte qui change relance la
règle, et elle seule. Au premier lancement dans un clone (aucune métadonnée
Snakemake), tout est régénéré.

Les processus vivent et meurent avec le flux : Snakemake et ses tâches dans
leur propre groupe, arrêté avec le flux (Ctrl-C, SIGTERM) ; le serveur de
noyaux chauds et ses enfants meurent aussi si le flux est tué sans préavis
(signal de mort du parent, voir `serveur_noyaux`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import chemins, ecriture, etat_preparation, execution, provenance, rapports
from .erreurs import ErreurPaquet
from .noyau_chaud import GARDIEN
# pandas, la préparation et la publication sont importés dans les fonctions qui s'en servent : une relance
# sans changement ne fait que lancer Snakemake, et doit démarrer vite.


@dataclass(frozen=True)
class InfoFlux:
    """Ce que le Snakefile doit savoir d'un jeu (lu dans le jeu préparé)."""

    jeu: str                      # dossier des données brutes, relatif à la racine
    nom: str                      # nom du dossier de résultats
    titre: str
    simule: bool
    territoires: dict             # nom sûr -> nom réel
    fichiers_prepares: list       # tables préparées (entrées des carnets de région)
    empreinte_donnees: str        # code + carnets + tout le jeu préparé
    empreintes_territoires: dict  # nom sûr -> empreinte (code + lignes du territoire)


def preparer(jeu: str | Path) -> dict:
    """L'étape de préparation du flux : prépare le jeu s'il le faut, avec les calculs faits une fois pour la
    publication (`diffusion.complements_de_preparation`) ; rend le contenu de `jeu.json`.

    Lève `ErreurValidation` (message français complet) si le jeu est invalide.
    """
    dossier = etat_preparation.dossier_existant(jeu)
    meta = etat_preparation.meta_si_a_jour(dossier)  # sans pandas : une relance sans changement est rapide
    if meta is not None:
        return meta
    from . import diffusion, preparation

    return preparation.assurer(dossier, complements=diffusion.complements_de_preparation)


def info_flux(jeu: str | Path) -> InfoFlux:
    """Ce que le Snakefile lit du jeu préparé ; ne prépare rien (c'est l'étape `preparer`).

    Lève `ErreurPaquet` (message français) si le jeu n'est pas préparé, ou plus à jour.
    """
    dossier = etat_preparation.dossier_existant(jeu)
    meta = etat_preparation.meta_si_a_jour(dossier)
    if meta is None:
        raise ErreurPaquet(
            f"Le jeu « {dossier.name} » n'est pas préparé, ou ne l'est plus pour ces fichiers bruts, ce plan et ce "
            f"code. Lancer d'abord : python -m paquet_analyse preparer {chemins.relatif(dossier)} (la commande "
            "executer le fait d'elle-même).")
    code = provenance.empreinte_sources(None)
    prepares = chemins.dossier_prepare(meta["nom"])
    # paramètre des carnets : le chemin relatif, ou le seul nom pour un jeu hors du projet (les carnets ne
    # lisent que resultats/<nom>/donnees/ : aucun chemin absolu n'entre dans un carnet exécuté)
    return InfoFlux(
        jeu=meta["jeu"] if not meta["jeu"].endswith("(hors du projet)") else meta["nom"], nom=meta["nom"],
        titre=str(meta["descripteur"].get("titre", meta["nom"])),
        simule=bool(meta["descripteur"].get("simule")),
        territoires={sur: v["nom"] for sur, v in meta["territoires"].items()},
        fichiers_prepares=[chemins.relatif(prepares / n) for n in sorted(meta["fichiers_sha256"])],
        empreinte_donnees=ecriture.hacher(code, *(f"{n}={h}" for n, h in sorted(meta["fichiers_sha256"].items()))),
        empreintes_territoires={sur: ecriture.hacher(code, v["empreinte"],
                                                     meta["fichiers_sha256"][etat_preparation.FICHIER_PLAN])
                                for sur, v in meta["territoires"].items()},
    )


def ecrire_index_et_manifeste(jeu: str | Path, index: str | Path, manifeste: str | Path) -> None:
    """Fin du flux : la page d'index des rapports (avec l'essentiel de la région et le lien vers son rapport
    à remettre), le résumé publiable de la région (`resume_region`, tiré du tableau publié des hypothèses et du
    contenu du manifeste) et le manifeste de provenance (`etat_preparation.provenance`, paramètres : jeu,
    territoires, carnets), qui donne aussi les SHA-256 du résumé et du rapport de la région. Lit le jeu
    préparé ; ne prépare rien."""
    from . import rapport_region, resume_region  # pandas et frictionless : seulement à la fin du flux

    info = info_flux(jeu)
    rapports.ecrire_index(titre=info.titre, simule=info.simule, territoires=info.territoires, cible=index,
                          essentiel=rapports.essentiel_de_la_region(info.nom),
                          rapport_region=[f"{c.parent.name}/{c.name}" for c in rapport_region.cibles(info.nom)
                                          if c.is_file()])
    contenu = etat_preparation.provenance(info.nom, {
        "jeu": info.jeu,
        "territoires": info.territoires,
        "carnets_region": [c.nom for c in execution.CARNETS if c.portee != "territoire"],
        "carnets_par_territoire": [c.nom for c in execution.carnets("territoire")],
    })
    contenu["resume_region_sha256"] = resume_region.ecrire_resume(info.nom, contenu)
    contenu["rapport_region_sha256"] = {c.name: ecriture.empreinte(c) for c in rapport_region.cibles(info.nom)
                                        if c.is_file()}
    ecriture.ecrire_json(contenu, manifeste)


# --------------------------------------------------------------------------
# Lancement


def commande_snakemake(jeu: str | Path, *, coeurs: int = 2, tout_refaire: bool | None = None,
                       cibles: tuple[str, ...] = (), racine: Path | None = None) -> list[str]:
    """La commande Snakemake du flux pour un jeu (voir `lancer`)."""
    racine = racine or chemins.racine()
    temoin = racine / ".snakemake" / f"flux_{Path(jeu).name}.initialise"
    if tout_refaire is None:
        tout_refaire = not temoin.exists()
    commande = [sys.executable, "-m", "snakemake", "--snakefile", str(racine / "Snakefile"),
                "--directory", str(racine), "--cores", str(coeurs), "--config", f"jeu={jeu}",
                "--rerun-triggers", "params", "input", "code", "--keep-going", "--rerun-incomplete"]
    if tout_refaire:
        commande.append("--forceall")
    return commande + list(cibles)


def changements_bruts(nom_jeu: str, jeu: str) -> list[str]:
    """Fichiers bruts modifiés, ajoutés ou retirés depuis le dernier manifeste (messages français).

    Le flux les signale au démarrage ; les règles qui en dépendent sont
    refaites (leurs empreintes changent), jamais servies périmées.
    """
    manifeste = chemins.racine() / "resultats" / nom_jeu / "manifeste.json"
    if not manifeste.is_file():
        return []
    anciens = json.loads(manifeste.read_text(encoding="utf-8")).get("fichiers_bruts_sha256", {})
    actuels = etat_preparation.lire_meta(nom_jeu)["fichiers_bruts_sha256"]
    messages = []
    for nom in sorted(set(anciens) | set(actuels)):
        if nom not in actuels:
            messages.append(f"Fichier brut retiré depuis les derniers résultats : {jeu}/{nom}.")
        elif nom not in anciens:
            messages.append(f"Fichier brut ajouté depuis les derniers résultats : {jeu}/{nom}.")
        elif anciens[nom] != actuels[nom]:
            messages.append(f"Fichier brut modifié depuis les derniers résultats : {jeu}/{nom} "
                            f"(SHA-256 {anciens[nom][:12]}… -> {actuels[nom][:12]}…) ; ce qui en dépend sera refait.")
    return messages


def _flux_vivants(racine: Path) -> list[int]:
    """Les processus Snakemake vivants qui travaillent dans ce projet (hors celui-ci)."""
    import psutil

    vivants = []
    for proc in psutil.process_iter(["cmdline"]):
        ligne = proc.info.get("cmdline") or []
        if "snakemake" in " ".join(ligne) and str(racine) in ligne and proc.pid != os.getpid():
            vivants.append(proc.pid)
    return vivants


def verifier_verrou(racine: Path, *, deverrouiller: bool = False) -> None:
    """Un seul flux à la fois dans un projet (Snakemake verrouille `.snakemake/locks/`).

    Un autre flux vivant : `ErreurPaquet`, en français, qui dit comment faire. Un verrou laissé par un flux
    tué (aucun Snakemake vivant ici) est levé, et on le dit. `deverrouiller` : lever le verrou même sans
    pouvoir vérifier (par ex. un flux lancé depuis une autre machine sur le même disque, disparu).
    """
    verrous = list((racine / ".snakemake" / "locks").glob("*"))
    if not verrous:
        return
    vivants = _flux_vivants(racine)
    if vivants and not deverrouiller:
        raise ErreurPaquet(
            f"Un autre flux tourne déjà dans ce projet (processus {', '.join(map(str, vivants))}) : attendre qu'il "
            "finisse, ou l'arrêter (Ctrl-C dans son terminal). Si ce flux n'existe plus (par ex. lancé depuis une "
            "autre machine), relancer avec : python -m paquet_analyse executer <jeu> --deverrouiller")
    print("Verrou d'une exécution interrompue levé ; les étapes incomplètes seront refaites.", file=sys.stderr)
    for verrou in verrous:
        verrou.unlink(missing_ok=True)


REGLES_CARNETS = ("validation", "par_territoire", "region")


class Avancement:
    """Suit la sortie de Snakemake et annonce, en français, les carnets faits sur le total et le temps restant.

    Lit le tableau « Job stats » (nombre de tâches par règle) puis les lignes
    « Finished jobid: N (Rule: R) ». Le temps restant est estimé au rythme
    moyen des carnets déjà faits. `horloge` est remplaçable pour les tests.
    """

    def __init__(self, *, horloge=None, tous_les: int = 1):
        import time

        self.horloge = horloge or time.monotonic
        self.debut = self.horloge()
        self.total: int | None = None
        self.faits = 0
        self.tous_les = max(1, tous_les)
        self._dans_tableau = False

    def lire(self, ligne: str) -> str | None:
        """Traite une ligne de Snakemake ; renvoie le message d'avancement à afficher, s'il y en a un."""
        import re

        texte = ligne.strip()
        if texte == "Job stats:":
            self._dans_tableau, self._total_tableau = True, 0
            return None
        if self._dans_tableau:
            morceaux = texte.split()
            if len(morceaux) == 2 and morceaux[1].isdigit():
                if morceaux[0] in REGLES_CARNETS:
                    self._total_tableau += int(morceaux[1])
                elif morceaux[0] == "total":
                    self._dans_tableau = False
                    if self.total is None:
                        self.total = self._total_tableau
                    if self._total_tableau == 0:
                        return "Aucun carnet à exécuter : les résultats sont à jour."
                    return f"Carnets à exécuter : {self._total_tableau}."
            return None
        fini = re.search(r"Finished jobid: \d+ \(Rule: (\w+)\)", texte)
        if not fini or fini.group(1) not in REGLES_CARNETS:
            return None
        self.faits += 1
        if self.total is None or (self.faits % self.tous_les and self.faits != self.total):
            return None
        ecoule = self.horloge() - self.debut
        restant = ecoule / self.faits * (self.total - self.faits)
        pourcentage = 100 * self.faits / self.total if self.total else 100
        message = f"Avancement : {self.faits}/{self.total} carnets ({pourcentage:.0f} %)"
        if self.faits < self.total:
            message += f", fin estimée dans {_duree(restant)}"
        return message + f" (écoulé : {_duree(ecoule)})."


def _duree(secondes: float) -> str:
    secondes = int(round(secondes))
    if secondes < 60:
        return f"{secondes} s"
    minutes, secondes = divmod(secondes, 60)
    if minutes < 60:
        return f"{minutes} min {secondes:02d} s"
    heures, minutes = divmod(minutes, 60)
    return f"{heures} h {minutes:02d} min"


def _travail_certain(jeu: str | Path, commande: list[str]) -> bool:
    """Vrai si le flux aura des carnets à exécuter : tout est à refaire, ou le jeu préparé n'est plus à jour
    (fichiers bruts, plan ou code changés). Sans importer pandas (voir `etat_preparation`)."""
    if "--forceall" in commande:
        return True
    try:
        return etat_preparation.meta_si_a_jour(etat_preparation.dossier_existant(jeu)) is None
    except Exception:  # jeu introuvable ou illisible : Snakemake le dira, sans carnet à exécuter
        return False


def lancer(jeu: str | Path, *, coeurs: int = 2, tout_refaire: bool | None = None,
           noyaux_chauds: bool | None = None, deverrouiller: bool = False) -> int:
    """Exécute le flux complet : l'étape de préparation, puis Snakemake ; renvoie le code de sortie de Snakemake.

    Avec `noyaux_chauds` (par défaut, sauf si la variable
    `PAQUET_ANALYSE_NOYAUX_CHAUDS=0`), un serveur de noyaux pré-importés
    (`serveur_noyaux`) tourne pendant le flux : les carnets y prennent leur
    noyau. La sortie de Snakemake est relayée telle quelle, avec des lignes
    d'avancement (carnets faits / total, temps restant estimé).

    Snakemake et ses tâches tournent dans leur propre groupe de processus : un
    Ctrl-C (`KeyboardInterrupt`) ou un SIGTERM reçu ici arrête ce groupe et
    le serveur, puis se propage à l'appelant ; tué sans préavis, ce processus
    emporte Snakemake et le serveur avec lui (signal de mort du parent).
    """
    from . import serveur_noyaux

    racine = chemins.racine()
    verifier_verrou(racine, deverrouiller=deverrouiller)
    commande = commande_snakemake(jeu, coeurs=coeurs, tout_refaire=tout_refaire)
    if noyaux_chauds is None:
        noyaux_chauds = os.environ.get("PAQUET_ANALYSE_NOYAUX_CHAUDS", "1") != "0"
    env = {k: v for k, v in os.environ.items() if k != "PAQUET_ANALYSE_NOYAUX_CHAUDS"}
    serveur = processus = None
    ancien_sigterm = signal.signal(signal.SIGTERM, _interrompre)
    try:
        if noyaux_chauds:
            # l'environnement que Snakemake donne à chaque tâche (règles à un fil) : sinon le serveur refuse.
            # Du travail certain (tout refaire, ou données à préparer) : le serveur fait ses imports (~9 s)
            # pendant la préparation. Sinon, différé : lancé quand Snakemake annonce des carnets à exécuter
            # (une relance sans changement ne paie aucun import).
            serveur = serveur_noyaux.demarrer(racine / ".snakemake" / "noyaux",
                                              env={**env, **serveur_noyaux.ENV_TACHES_SNAKEMAKE},
                                              differe=not _travail_certain(jeu, commande))
            if serveur:
                env.update(serveur.env())
        meta = preparer(jeu)  # étape 1 : une seule fois, avant Snakemake (ErreurValidation : rien ne tourne)
        for message in changements_bruts(meta["nom"], chemins.relatif(chemins.dossier_jeu(jeu))):
            print(message, file=sys.stderr)
        avancement = Avancement()
        # Snakemake dans son propre groupe (un Ctrl-C au terminal ne vise que ce processus, qui arrête tout dans
        # l'ordre) ; tué net si ce processus meurt sans préavis (son arrêt « poli » peut attendre indéfiniment
        # une sortie d'erreur que plus personne ne lit). Ses tâches surveillent ce processus (`GARDIEN`).
        env[GARDIEN] = str(os.getpid())
        processus = subprocess.Popen(commande, cwd=racine, env=env, stderr=subprocess.PIPE, text=True,
                                     encoding="utf-8", errors="replace", bufsize=1, start_new_session=True,
                                     preexec_fn=lambda: serveur_noyaux.mourir_avec_le_parent(signal.SIGKILL))
        for ligne in processus.stderr:
            if "Directory cannot be locked" in ligne:
                print("Un autre flux tient le verrou de ce projet (.snakemake/locks/) : attendre sa fin, ou, s'il "
                      "n'existe plus, relancer avec : python -m paquet_analyse executer <jeu> --deverrouiller",
                      file=sys.stderr)
            sys.stderr.write(ligne)
            message = avancement.lire(ligne)
            if serveur and not serveur.lance and (avancement.total or ligne.lstrip().startswith(("rule ", "localrule "))):
                serveur.lancer()  # des carnets à faire (tableau « Job stats »), ou une première tâche
            if message:
                print(message, file=sys.stderr, flush=True)
        code = processus.wait()
    except BaseException:
        # Ctrl-C, SIGTERM (`_interrompre`), ou toute erreur : Snakemake et ses tâches s'arrêtent avec le flux
        if processus is not None:
            _arreter_groupe(processus)
        raise
    finally:
        signal.signal(signal.SIGTERM, ancien_sigterm)
        if serveur:
            serveur.arreter()
    if code == 0:
        temoin = racine / ".snakemake" / f"flux_{Path(jeu).name}.initialise"
        temoin.parent.mkdir(exist_ok=True)
        temoin.write_text("premier lancement complet effectué\n", encoding="utf-8")
    return code


class Interruption(KeyboardInterrupt):
    """Le flux a reçu SIGTERM : traité comme un Ctrl-C (tout s'arrête, un message, code 130)."""


def _interrompre(signum, _cadre) -> None:
    raise Interruption(f"signal {signum}")


def _arreter_groupe(processus: subprocess.Popen) -> None:
    """SIGTERM au groupe de Snakemake (lui et ses tâches), puis SIGKILL à ce qui reste après 3 s."""
    import psutil

    try:
        groupe = os.getpgid(processus.pid)
    except ProcessLookupError:
        return
    try:
        membres = [psutil.Process(processus.pid), *psutil.Process(processus.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        membres = []
    try:
        os.killpg(groupe, signal.SIGTERM)
    except ProcessLookupError:
        return
    _, restants = psutil.wait_procs(membres, timeout=3)
    for proc in restants:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    try:
        os.killpg(groupe, signal.SIGKILL)
    except ProcessLookupError:
        pass
    processus.wait()
