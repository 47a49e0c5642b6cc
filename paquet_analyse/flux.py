"""Le flux de travail (Snakemake + papermill) : ce que le `Snakefile` lit, et son lancement.

Incrémentalité sans dépendre des dates de fichiers (après un clonage, toutes
les dates sont celles de l'extraction) : chaque règle porte en paramètre une
empreinte SHA-256 de ce dont elle dépend vraiment — le code et les modèles de
carnets, et les seules lignes de données de son territoire pour les carnets
par territoire. Snakemake est lancé avec `--rerun-triggers params input code` :
une empreinte qui change relance la règle, et elle seule. Au premier lancement
dans un clone (aucune métadonnée Snakemake), tout est régénéré.

La validation du jeu se fait à la construction du graphe : un jeu invalide
arrête le flux avant tout calcul, avec la liste française des problèmes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import chemins, execution, sorties
# pandas, chargement et validation sont importés dans les fonctions qui s'en
# servent : `executer` ne fait que lancer Snakemake, et doit démarrer vite.

CARNETS_TERRITOIRE = ("02_portrait_territoire", "03_associations_territoire")
#: Carnets de région qui lisent la synthèse des hypothèses de la région, calculée une fois (règle `synthese`).
CARNETS_SYNTHESE = ("04_comparaison_territoires", "05_conditions_favorables")
CARNETS_REGION = ("04_comparaison_territoires", "05_conditions_favorables", "06_reseau_concertations",
                  "07_puissance", "modele_carnet")


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


def preparer_flux(jeu: str | Path) -> InfoFlux:
    """Prépare le jeu s'il le faut (étape `preparation`, une seule lecture des
    fichiers bruts), puis calcule les empreintes des règles.

    Lève `ErreurValidation` (message français complet) si le jeu est invalide :
    aucun carnet ne tourne.
    """
    from . import etat_preparation

    dossier = etat_preparation.dossier_existant(jeu)
    # relance sans changement : le jeu préparé est à jour, vérifié sans importer pandas (~1 s de moins)
    meta = etat_preparation.meta_si_a_jour(dossier)
    if meta is None:
        from . import preparation

        meta = preparation.assurer(dossier)
    code = execution.empreinte_sources(None)
    prepares = chemins.dossier_prepare(meta["nom"])
    # paramètre des carnets : le chemin relatif, ou le seul nom pour un jeu hors du projet (les carnets ne
    # lisent que resultats/<nom>/donnees/ : aucun chemin absolu n'entre dans un carnet exécuté)
    return InfoFlux(
        jeu=meta["jeu"] if not meta["jeu"].endswith("(hors du projet)") else meta["nom"], nom=meta["nom"], titre=str(meta["descripteur"].get("titre", meta["nom"])),
        simule=bool(meta["descripteur"].get("simule")),
        territoires={sur: v["nom"] for sur, v in meta["territoires"].items()},
        fichiers_prepares=[chemins.relatif(prepares / n) for n in sorted(meta["fichiers_sha256"])],
        empreinte_donnees=sorties.hacher(code, *(f"{n}={h}" for n, h in sorted(meta["fichiers_sha256"].items()))),
        empreintes_territoires={sur: sorties.hacher(code, v["empreinte"], meta["fichiers_sha256"][etat_preparation.FICHIER_PLAN])
                                for sur, v in meta["territoires"].items()},
    )


# --------------------------------------------------------------------------
# Rapports HTML et page d'index


def rapport_html(carnet: str | Path, cible: str | Path) -> Path:
    """Rapport HTML d'un carnet exécuté, sans les cellules de code (nbconvert)."""
    import nbformat

    from . import sorties

    nb = nbformat.read(carnet, as_version=4)
    territoire = nb.metadata.get("papermill", {}).get("parameters", {}).get("territoire")
    titre = TITRES.get(Path(carnet).stem, Path(carnet).stem) + (f" — {territoire}" if territoire else "")
    return sorties.ecrire_texte(html_du_carnet(nb, titre), cible)


def html_du_carnet(nb, titre: str) -> str:
    """Le rapport HTML (gabarit `gabarits/rapport`) d'un carnet déjà lu."""
    corps, _ = _exportateur().from_notebook_node(nb, resources={"metadata": {"name": titre}})
    return corps


@functools.lru_cache(maxsize=1)
def _exportateur():
    """Un seul exportateur par processus : ses gabarits Jinja sont compilés au premier rapport (0,2 à 0,3 s à
    chaque fois sinon), et le serveur de noyaux chauds le donne tout compilé à ses exécuteurs. Un rapport ne
    laisse rien dans l'exportateur qui change le suivant (vérifié par les tests : mêmes octets)."""
    from nbconvert import HTMLExporter

    return HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                        extra_template_basedirs=[str(chemins.PAQUET / "gabarits")], template_name="rapport",
                        language_code="fr")


TITRES = {
    "01_validation_donnees": "Validation des données",
    "02_portrait_territoire": "Portrait",
    "03_associations_territoire": "Associations",
    "04_comparaison_territoires": "Comparaison des territoires",
    "05_conditions_favorables": "Les huit conditions favorables",
    "06_reseau_concertations": "Réseau des concertations et hyperconcertation",
    "07_puissance": "Puissance : combien de tables enquêter par MRC ?",
    "modele_carnet": "Exemple d'analyse (modèle de carnet)",
}


def ecrire_index_et_manifeste(jeu: str | Path, index: str | Path, manifeste: str | Path) -> None:
    """Fin du flux : la page d'index des rapports, le résumé publiable de la région (`resume_region`, tiré du
    tableau publié des hypothèses et du contenu du manifeste) et le manifeste de provenance
    (`execution.provenance`, paramètres : jeu, territoires, carnets), qui donne aussi les SHA-256 du résumé."""
    from . import resume_region

    info = preparer_flux(jeu)
    ecrire_index(info, index)
    contenu = execution.provenance(info.nom, {
        "jeu": info.jeu,
        "territoires": info.territoires,
        "carnets_region": ["01_validation_donnees", *CARNETS_REGION],
        "carnets_par_territoire": list(CARNETS_TERRITOIRE),
    })
    contenu["resume_region_sha256"] = resume_region.ecrire_resume(info.nom, contenu)
    sorties.ecrire_json(contenu, manifeste)


def ecrire_index(info: InfoFlux, cible: str | Path) -> Path:
    """Page d'accueil des rapports (gabarit Jinja2 `gabarits/index.html.j2`)."""
    import jinja2

    from . import sorties

    environnement = jinja2.Environment(loader=jinja2.FileSystemLoader(chemins.PAQUET / "gabarits"),
                                       autoescape=True, trim_blocks=True, lstrip_blocks=True,
                                       undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    page = environnement.get_template("index.html.j2").render(
        titre=info.titre, simule=info.simule,
        region=[(f"rapports/{n}.html", TITRES[n]) for n in ("01_validation_donnees", *CARNETS_REGION)],
        par_territoire=[(nom, [(f"rapports/territoires/{sur}/{n}.html", TITRES[n]) for n in CARNETS_TERRITOIRE])
                        for sur, nom in info.territoires.items()],
    )
    return sorties.ecrire_texte(page, cible)


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


def changements_bruts(info: InfoFlux) -> list[str]:
    """Fichiers bruts modifiés, ajoutés ou retirés depuis le dernier manifeste (messages français).

    Le flux les signale au démarrage ; les règles qui en dépendent sont
    refaites (leurs empreintes changent), jamais servies périmées.
    """
    manifeste = chemins.racine() / "resultats" / info.nom / "manifeste.json"
    if not manifeste.is_file():
        return []
    anciens = json.loads(manifeste.read_text(encoding="utf-8")).get("fichiers_bruts_sha256", {})
    from . import etat_preparation

    actuels = etat_preparation.lire_meta(info.nom)["fichiers_bruts_sha256"]
    messages = []
    for nom in sorted(set(anciens) | set(actuels)):
        if nom not in actuels:
            messages.append(f"Fichier brut retiré depuis les derniers résultats : {info.jeu}/{nom}.")
        elif nom not in anciens:
            messages.append(f"Fichier brut ajouté depuis les derniers résultats : {info.jeu}/{nom}.")
        elif anciens[nom] != actuels[nom]:
            messages.append(f"Fichier brut modifié depuis les derniers résultats : {info.jeu}/{nom} "
                            f"(SHA-256 {anciens[nom][:12]}… -> {actuels[nom][:12]}…) ; ce qui en dépend sera refait.")
    return messages


def _lever_verrou_orphelin(racine: Path) -> None:
    """Lève le verrou laissé par un flux tué (aucun Snakemake vivant dans ce dossier)."""
    import psutil

    verrous = list((racine / ".snakemake" / "locks").glob("*"))
    if not verrous:
        return
    for proc in psutil.process_iter(["cmdline"]):
        ligne = proc.info.get("cmdline") or []
        if "snakemake" in " ".join(ligne) and str(racine) in ligne and proc.pid != os.getpid():
            return  # un flux tourne encore : on ne touche à rien
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
    from . import etat_preparation

    if "--forceall" in commande:
        return True
    try:
        return etat_preparation.meta_si_a_jour(etat_preparation.dossier_existant(jeu)) is None
    except Exception:  # jeu introuvable ou illisible : Snakemake le dira, sans carnet à exécuter
        return False


def lancer(jeu: str | Path, *, coeurs: int = 2, tout_refaire: bool | None = None,
           noyaux_chauds: bool | None = None) -> int:
    """Exécute le flux complet ; renvoie le code de sortie de Snakemake.

    Avec `noyaux_chauds` (par défaut, sauf si la variable
    `PAQUET_ANALYSE_NOYAUX_CHAUDS=0`), un serveur de noyaux pré-importés
    (`noyau_chaud`) tourne pendant le flux : les carnets y prennent leur noyau.
    La sortie de Snakemake est relayée telle quelle, avec des lignes
    d'avancement (carnets faits / total, temps restant estimé).
    """
    racine = chemins.racine()
    _lever_verrou_orphelin(racine)
    commande = commande_snakemake(jeu, coeurs=coeurs, tout_refaire=tout_refaire)
    if noyaux_chauds is None:
        noyaux_chauds = os.environ.get("PAQUET_ANALYSE_NOYAUX_CHAUDS", "1") != "0"
    env = {k: v for k, v in os.environ.items() if k != "PAQUET_ANALYSE_NOYAUX_CHAUDS"}
    serveur = None
    if noyaux_chauds:
        from . import noyau_chaud

        # l'environnement que Snakemake donne à chaque tâche (règles à un fil) : sinon le serveur refuse.
        # Du travail certain (tout refaire, ou données à préparer) : le serveur fait ses imports (~9 s)
        # pendant que Snakemake démarre et prépare le jeu. Sinon, différé : lancé quand Snakemake annonce
        # des carnets à exécuter (une relance sans changement ne paie aucun import).
        serveur = noyau_chaud.demarrer(racine / ".snakemake" / "noyaux", env={**env, **noyau_chaud.ENV_TACHES_SNAKEMAKE},
                                       differe=not _travail_certain(jeu, commande))
        if serveur:
            env.update(serveur.env())
    avancement = Avancement()
    try:
        processus = subprocess.Popen(commande, cwd=racine, env=env, stderr=subprocess.PIPE, text=True,
                                     encoding="utf-8", errors="replace", bufsize=1)
        for ligne in processus.stderr:
            sys.stderr.write(ligne)
            message = avancement.lire(ligne)
            if serveur and not serveur.lance and (avancement.total or ligne.lstrip().startswith(("rule ", "localrule "))):
                serveur.lancer()  # des carnets à faire (tableau « Job stats »), ou une première tâche
            if message:
                print(message, file=sys.stderr, flush=True)
        code = processus.wait()
    finally:
        if serveur:
            serveur.arreter()
    if code == 0:
        temoin = racine / ".snakemake" / f"flux_{Path(jeu).name}.initialise"
        temoin.parent.mkdir(exist_ok=True)
        temoin.write_text("premier lancement complet effectué\n", encoding="utf-8")
    return code
