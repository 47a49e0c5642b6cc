"""Le flux complet (Snakemake + papermill) sur un petit jeu simulé, dans une copie du projet.

Vérifie : tous les produits attendus, aucun avertissement ni erreur dans les
carnets exécutés, la vérification nbval de ces carnets, la reprise sans
travail, la relance limitée au territoire modifié, l'arrêt propre sur un jeu
invalide, et des carnets exécutés identiques octet pour octet.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import pandas as pd
import pytest

from paquet_analyse import chemins, execution, flux, rapports, simulation, synthese_region
from paquet_analyse.erreurs import ErreurPaquet

pytestmark = pytest.mark.lent
RACINE = chemins.racine()
PROFILS = (dataclasses.replace(simulation.TERRITOIRES[1], nb_instances=24),
           dataclasses.replace(simulation.TERRITOIRES[3], nb_instances=22))


def _copier_projet(cible: Path) -> Path:
    for nom in ("pyproject.toml", "Snakefile"):
        shutil.copy2(RACINE / nom, cible / nom)
    for nom in ("carnets", "paquet_analyse"):
        shutil.copytree(RACINE / nom, cible / nom, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    from conftest import reduire_puissance

    reduire_puissance(cible)
    return cible


def _env(racine: Path) -> dict:
    return {**os.environ, "PAQUET_ANALYSE_RACINE": str(racine)}


def _snakemake(racine: Path, jeu: str, *options: str) -> subprocess.CompletedProcess:
    commande = flux.commande_snakemake(jeu, coeurs=2, tout_refaire=False, racine=racine)
    return subprocess.run([*commande, *options], cwd=racine, env=_env(racine), capture_output=True, text=True)


# Installé par PYTHONPATH dans chaque processus Python du flux (Snakemake, carnets,
# noyaux) : note chaque ouverture d'un fichier de données brutes faite depuis le
# code de lecture (`chargement`), avec le processus qui l'a faite.
ESPION_LECTURES = r"""
import os, sys
_journal = os.environ.get("ESPION_LECTURES_JOURNAL")
_bruts = os.environ.get("ESPION_LECTURES_BRUTS")

def _espion(evenement, args):
    if evenement != "open" or not _journal or not isinstance(args[0], (str, bytes, os.PathLike)):
        return
    chemin = os.path.abspath(os.fsdecode(args[0]))
    if not chemin.startswith(_bruts) or chemin.endswith("jeu.yml"):
        return
    cadre, lecture = sys._getframe(1), False
    while cadre is not None:
        if os.sep + "chargement" + os.sep in cadre.f_code.co_filename:
            lecture = True
            break
        cadre = cadre.f_back
    if lecture:
        with open(_journal, "a", encoding="utf-8") as f:
            f.write(f"{os.getpid()}\t{os.path.basename(chemin)}\n")

sys.addaudithook(_espion)
"""


def _petite_part(chemin: Path, territoire: str, nombre: int) -> None:
    """Seules `nombre` concertations du territoire sont créées depuis 2000 : une part du portrait
    à supprimer, et une autre à supprimer en second (sinon : ensemble - autre territoire)."""
    t = pd.read_csv(chemin, dtype=str, keep_default_na=False)
    lignes = t.index[t["territoire"] == territoire]
    t.loc[lignes, "annee_creation"] = "1995"
    t.loc[lignes[:nombre], "annee_creation"] = "2005"
    t.to_csv(chemin, index=False)


@pytest.fixture(scope="module")
def projet(tmp_path_factory):
    racine = _copier_projet(tmp_path_factory.mktemp("projet"))
    simulation.simuler(racine / "donnees_brutes" / "petit", profils=PROFILS)
    _petite_part(racine / "donnees_brutes" / "petit" / "instances.csv", "D'Autray", 3)
    espion = tmp_path_factory.mktemp("espion")
    (espion / "sitecustomize.py").write_text(ESPION_LECTURES, encoding="utf-8")
    env = {**_env(racine), "PYTHONPATH": os.pathsep.join(filter(None, [str(espion), os.environ.get("PYTHONPATH")])),
           "ESPION_LECTURES_JOURNAL": str(espion / "journal.tsv"),
           "ESPION_LECTURES_BRUTS": str(racine / "donnees_brutes" / "petit")}
    r = subprocess.run([sys.executable, "-m", "paquet_analyse", "executer", "donnees_brutes/petit"],
                       cwd=racine, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    journal = espion / "journal.tsv"
    (racine / "lectures_brutes.tsv").write_text(journal.read_text(encoding="utf-8") if journal.exists() else "",
                                                encoding="utf-8")
    return racine


def test_fichiers_bruts_lus_une_seule_fois_par_execution(projet):
    """Tout le flux (17 carnets et plus) lit et valide les fichiers bruts une seule fois :
    un seul processus les ouvre par le code de lecture, et chaque fichier une seule fois."""
    lignes = [l.split("\t") for l in (projet / "lectures_brutes.tsv").read_text(encoding="utf-8").splitlines()]
    assert lignes, "l'espion n'a vu aucune lecture : il ne surveille pas le bon dossier"
    assert len({pid for pid, _ in lignes}) == 1
    fichiers = [nom for _, nom in lignes]
    assert sorted(fichiers) == sorted(set(fichiers)) == ["instances.csv", "participants.csv", "territoires.csv"]


def _carnets(racine):
    return sorted((racine / "resultats" / "petit" / "carnets").rglob("*.ipynb"))


def test_produits_attendus(projet):
    sortie = projet / "resultats" / "petit"
    noms = [p.relative_to(sortie / "carnets").as_posix() for p in _carnets(projet)]
    attendus = ["01_validation_donnees.ipynb", *(f"{n}.ipynb" for n in [c.nom for c in execution.carnets("region")])]
    attendus += [f"territoires/{t}/{n}.ipynb" for t in ("d_autray", "l_assomption") for n in [c.nom for c in execution.carnets("territoire")]]
    assert sorted(noms) == sorted(attendus)
    for nom in attendus:
        html = sortie / "rapports" / nom.replace(".ipynb", ".html")
        assert html.is_file(), html
        assert "SIMULÉES" in html.read_text(encoding="utf-8")
    index = (sortie / "index.html").read_text(encoding="utf-8")
    assert "L&#39;Assomption" in index and "rapports/territoires/d_autray/03_associations_territoire.html" in index
    assert (sortie / "figures" / "foret_h5a.png").read_bytes().startswith(b"\x89PNG")
    assert (sortie / "tableaux" / "synthese_hypotheses.csv").is_file()
    # la synthèse de la région, calculée une fois pour 04 et 05, valide pour ce jeu préparé et ce code
    from paquet_analyse import synthese_region

    assert (sortie / "calculs" / synthese_region.FICHIER_SYNTHESE).is_file()
    r = subprocess.run([sys.executable, "-c", "from paquet_analyse import diffusion, preparation, synthese_region; "
                        "d = preparation.lire('petit'); "
                        "print(synthese_region._synthese_enregistree(d, diffusion.strates_region(d)) is not None)"],
                       cwd=projet, env=_env(projet), capture_output=True, text=True)
    assert r.stdout.strip().splitlines()[-1] == "True", r.stderr[-2000:]


def test_attaquant_ne_trouve_rien_dans_un_jeu_a_petits_territoires(projet):
    """Tout ce que le flux publie pour deux petits territoires (22 et 24 concertations) : toutes les attaques
    ensemble (tableaux 2×2, comptes, différences, strates des statistiques regroupées, tableaux croisés), avec
    le savoir prudent de l'intrus (marges de chaque strate), ne retrouvent aucune petite cellule."""
    import attaquant
    from paquet_analyse import plan as plan_

    seuil = plan_.charger_plan(projet / "carnets" / "plan_analyse.yml").seuils["confidentialite"]
    dossier = projet / "resultats" / "petit"
    code = ("import json, sys\nsys.path.insert(0, %r)\nimport attaquant\nfrom paquet_analyse import preparation\n"
            "d = preparation.lire('petit')\nprint(json.dumps(attaquant.attaque_publication(__import__('pathlib')"
            ".Path('resultats/petit'), %d, d)))") % (str(RACINE / "tests"), seuil)
    r = subprocess.run([sys.executable, "-c", code], cwd=projet, env=_env(projet), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    assert json.loads(r.stdout.strip().splitlines()[-1]) == []
    # il y avait de quoi attaquer : la part de D'Autray supprimée, et une autre en second
    portraits = pd.read_csv(dossier / "tableaux" / "portraits_territoires.csv")
    supprimees = portraits.loc[portraits["proportion"].isna() & (portraits["indicateur"] == "creees_depuis_charniere"),
                               "territoire"].tolist()
    assert "D'Autray" in supprimees and len(supprimees) >= 2
    autre = next(t for t in supprimees if t != "D'Autray")
    if autre != "Ensemble":
        seul = pd.read_csv(dossier / "tableaux" / f"portrait_{chemins.nom_sur(autre)}.csv").set_index("indicateur")
        assert pd.isna(seul.loc["creees_depuis_charniere", "proportion"])


def test_rapport_html_sans_code(projet):
    html = (projet / "resultats" / "petit" / "rapports" / "04_comparaison_territoires.html").read_text(encoding="utf-8")
    assert "synthese_region.synthese(donnees)" not in html  # les cellules de code sont masquées
    assert "Synthèse de toutes les hypothèses" in html


def test_manifeste(projet):
    manifeste = json.loads((projet / "resultats" / "petit" / "manifeste.json").read_text(encoding="utf-8"))
    bruts = projet / "donnees_brutes" / "petit"
    assert manifeste["fichiers_bruts_sha256"] == {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(bruts.iterdir())}
    assert manifeste["parametres"]["territoires"] == {"d_autray": "D'Autray", "l_assomption": "L'Assomption"}
    assert manifeste["versions"]["pandas"] and manifeste["sources"]["empreinte_sha256"]
    assert str(projet) not in json.dumps(manifeste)  # aucun chemin absolu


def test_carnets_sans_erreur_ni_avertissement(projet):
    for chemin in _carnets(projet):
        nb = nbformat.read(chemin, as_version=4)
        sorties_ = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
        assert not [o for o in sorties_ if o.output_type in ("error", "stream")], chemin
        premiere = next(o for c in nb.cells if c.cell_type == "code" for o in c.outputs)
        assert "Données SIMULÉES" in premiere["data"]["text/markdown"], chemin
        assert '<h2 id="provenance">Provenance</h2>' in nb.cells[-1].outputs[0]["data"]["text/html"], chemin
        texte = nbformat.writes(nb)
        assert str(projet) not in texte and "0x7f" not in texte, chemin
        assert "start_time" not in texte and "duration" not in texte, chemin


def test_nbval_sur_les_carnets_executes(projet):
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
                        "--nbval-current-env", "--nbval-sanitize-with", str(RACINE / "tests" / "nbval_assainir.cfg"),
                        "resultats/petit/carnets"], cwd=projet, env=_env(projet), capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-4000:]


def test_reprise_sans_travail(projet):
    r = _snakemake(projet, "donnees_brutes/petit", "-n")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Nothing to be done" in r.stdout + r.stderr


def test_modifier_un_territoire_ne_relance_que_lui(projet):
    """Une instance de D'Autray change : seuls les carnets de D'Autray et ceux de la région sont à refaire."""
    chemin = projet / "donnees_brutes" / "petit" / "instances.csv"
    lignes = chemin.read_text(encoding="utf-8").splitlines()
    i = next(k for k, ligne in enumerate(lignes) if ",D'Autray," in ligne)
    debut, dernier = lignes[i].rsplit(",", 1)
    lignes[i] = f"{debut},{int(dernier) + 1}"  # nb_realisations change
    chemin.write_text("\n".join(lignes) + "\n", encoding="utf-8")
    # l'étape de préparation d'abord (executer la fait d'elle-même) ; le Snakefile ne fait que lire le jeu préparé
    preparer = subprocess.run([sys.executable, "-m", "paquet_analyse", "preparer", "donnees_brutes/petit"],
                              cwd=projet, env=_env(projet), capture_output=True, text=True)
    assert preparer.returncode == 0, preparer.stderr[-2000:]
    r = _snakemake(projet, "donnees_brutes/petit", "-n")
    sortie = r.stdout + r.stderr
    assert r.returncode == 0, sortie[-2000:]
    assert "carnets/territoires/d_autray/02_portrait_territoire.ipynb" in sortie
    assert "carnets/territoires/d_autray/03_associations_territoire.ipynb" in sortie
    assert "carnets/territoires/l_assomption" not in sortie
    assert "carnets/04_comparaison_territoires.ipynb" in sortie
    assert "calculs/synthese_region.parquet" in sortie


def _noyau_en_cours(flux_) -> bool:
    """Un noyau tourne sous le flux : ordinaire (ipykernel_launcher) ou né du serveur de noyaux chauds."""
    import psutil

    for e in flux_.children(recursive=True):
        try:
            ligne = " ".join(e.cmdline())
            if "ipykernel_launcher" in ligne or ("serveur_noyaux" in ligne
                                                 and "serveur_noyaux" in " ".join(e.parent().cmdline())):
                return True
        except psutil.Error:
            continue
    return False


def _interrompre_en_plein_travail(projet, envoyer) -> tuple[list, subprocess.Popen]:
    """Lance `executer --tout-refaire`, attend qu'un noyau tourne, appelle `envoyer(processus)` ; rend les
    processus du flux (descendants d'executer) vus juste avant, et le processus d'executer."""
    import signal

    import psutil

    # Comme une commande lancée au premier plan d'un terminal : Ctrl-C n'est pas ignoré. Une suite lancée en
    # arrière-plan (`make test &`) transmet à ses enfants SIGINT ignoré, que Python garde ignoré.
    proc = subprocess.Popen([sys.executable, "-m", "paquet_analyse", "executer", "donnees_brutes/petit",
                             "--tout-refaire"], cwd=projet, env=_env(projet), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    limite = time.monotonic() + 120
    while time.monotonic() < limite and proc.poll() is None:
        if _noyau_en_cours(psutil.Process(proc.pid)):
            break
        time.sleep(0.2)
    time.sleep(1.0)
    assert proc.poll() is None, "le flux a fini avant d'être interrompu"
    descendants = psutil.Process(proc.pid).children(recursive=True)
    assert any("serveur_noyaux" in " ".join(e.cmdline()) for e in descendants if e.is_running())
    envoyer(proc)
    return descendants, proc


@pytest.mark.parametrize("maniere", ["ctrl_c", "sigterm", "sigkill"])
def test_aucun_processus_ne_survit_au_flux(projet, maniere):
    """Ctrl-C (SIGINT au groupe du terminal), SIGTERM ou SIGKILL à `executer` en plein carnet : aucun
    processus du flux (Snakemake, tâches, serveur de noyaux chauds, noyaux) ne survit 5 s. Ctrl-C et
    SIGTERM ne laissent qu'une ligne française, sans trace Python."""
    import signal

    import psutil

    envois = {"ctrl_c": lambda p: os.killpg(p.pid, signal.SIGINT),  # ce que fait le terminal : tout son groupe
              "sigterm": lambda p: p.send_signal(signal.SIGTERM),
              "sigkill": lambda p: p.send_signal(signal.SIGKILL)}
    descendants, proc = _interrompre_en_plein_travail(projet, envois[maniere])
    _, erreurs = proc.communicate(timeout=30)
    _, vivants = psutil.wait_procs(descendants, timeout=5)
    assert not vivants, f"processus du flux encore vivants : {[' '.join(p.cmdline())[:80] for p in vivants]}"
    if maniere != "sigkill":
        assert proc.returncode == 130, erreurs[-3000:]
        assert "Traceback" not in erreurs and "KeyboardInterrupt" not in erreurs, erreurs[-2000:]
        dernieres = [l for l in erreurs.splitlines() if l.strip()][-1:]
        assert dernieres and dernieres[0].startswith("Flux interrompu : tout est arrêté"), erreurs[-2000:]


def test_interruption_laisse_les_resultats_precedents(projet):
    """Le flux est tué (SIGKILL) pendant un carnet : les résultats précédents restent intacts,
    et le lancement suivant termine le travail (D'Autray a changé à un test précédent)."""
    import signal

    avant = {p: p.read_bytes() for p in _carnets(projet)}
    _, proc = _interrompre_en_plein_travail(projet, lambda p: os.killpg(p.pid, signal.SIGKILL))
    proc.wait()
    # chaque carnet est soit l'ancien, intact, soit un carnet complet refait avant l'arrêt (écriture
    # atomique) : jamais un fichier tronqué ni un carnet partiel
    refaits_avant_arret = []
    for chemin, octets in avant.items():
        if chemin.read_bytes() != octets:
            nb = nbformat.reads(chemin.read_text(encoding="utf-8"), as_version=4)
            assert '<h2 id="provenance">Provenance</h2>' in nb.cells[-1].outputs[0]["data"]["text/html"], chemin
            refaits_avant_arret.append(chemin)
    assert len(refaits_avant_arret) < len(avant)  # l'arrêt a bien interrompu le travail
    r = subprocess.run([sys.executable, "-m", "paquet_analyse", "executer", "donnees_brutes/petit"], cwd=projet,
                       env=_env(projet), capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    apres = {p: p.read_bytes() for p in _carnets(projet)}
    portrait = projet / "resultats/petit/carnets/territoires/d_autray/02_portrait_territoire.ipynb"
    assert apres[portrait] != avant[portrait]  # refait avec les nouvelles données
    autre = projet / "resultats/petit/carnets/territoires/l_assomption/02_portrait_territoire.ipynb"
    assert apres[autre] == avant[autre]  # pas touché
    assert "Fichier brut modifié depuis les derniers résultats" in r.stderr
    # un flux réussi n'écrit aucune ligne alarmante (arrêt des noyaux, journal de ipykernel)
    assert "ERROR" not in r.stderr and "without encryption" not in r.stderr and "KeyboardInterrupt" not in r.stderr


def test_second_flux_refuse_en_francais(projet):
    """Un flux tourne : un second `executer` sur le même projet est refusé en français, et dit comment
    lever un verrou resté d'un flux disparu (--deverrouiller)."""
    import signal

    def second(_proc):
        r = subprocess.run([sys.executable, "-m", "paquet_analyse", "executer", "donnees_brutes/petit"],
                           cwd=projet, env=_env(projet), capture_output=True, text=True)
        second.resultat = r
        os.killpg(_proc.pid, signal.SIGINT)

    _, proc = _interrompre_en_plein_travail(projet, second)
    proc.communicate(timeout=30)
    r = second.resultat
    assert r.returncode == 1
    assert "Un autre flux tourne déjà dans ce projet" in r.stderr and "--deverrouiller" in r.stderr
    assert "LockException" not in r.stderr and "--unlock" not in r.stderr
    # le verrou d'un flux disparu (aucun Snakemake vivant) est levé, et on le dit
    verrous = projet / ".snakemake" / "locks"
    verrous.mkdir(parents=True, exist_ok=True)
    (verrous / "0.input.lock").write_text("reste d'un flux tué\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "paquet_analyse", "executer", "donnees_brutes/petit"], cwd=projet,
                       env=_env(projet), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Verrou d'une exécution interrompue levé" in r.stderr


def test_jeu_invalide_arrete_le_flux_en_francais(projet):
    copie = projet / "donnees_brutes" / "casse"
    shutil.copytree(projet / "donnees_brutes" / "petit", copie)
    texte = (copie / "instances.csv").read_text(encoding="utf-8").replace(",cisss,", ",cisss_x,", 1)
    (copie / "instances.csv").write_text(texte, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "paquet_analyse", "executer", "donnees_brutes/casse"],
                       cwd=projet, env=_env(projet), capture_output=True, text=True)
    assert r.returncode != 0
    assert "code inconnu" in r.stdout + r.stderr and "« cisss »" in r.stdout + r.stderr
    assert not (projet / "resultats" / "casse" / "carnets").exists()


def test_plan_invalide_ne_change_aucun_resultat(projet):
    """Une faute de frappe dans le plan : le flux s'arrête avant tout carnet, avec tous les problèmes
    de toutes les hypothèses, et aucun résultat n'est réécrit."""
    plan = projet / "carnets" / "plan_analyse.yml"
    original = plan.read_text(encoding="utf-8")
    avant = {p: p.read_bytes() for p in (projet / "resultats" / "petit").rglob("*") if p.is_file()}
    casse = original.replace("exposition: descendante", "exposition: descendant", 1)
    casse = casse.replace("methode: logistique", "methode: logistic", 1)
    plan.write_text(casse, encoding="utf-8")
    try:
        r = subprocess.run([sys.executable, "-m", "paquet_analyse", "executer", "donnees_brutes/petit"],
                           cwd=projet, env=_env(projet), capture_output=True, text=True)
    finally:
        plan.write_text(original, encoding="utf-8")
    assert r.returncode != 0
    sortie = r.stdout + r.stderr
    assert "« descendant »" in sortie and "logistic" in sortie  # deux hypothèses fautives, nommées toutes deux
    apres = {p: p.read_bytes() for p in (projet / "resultats" / "petit").rglob("*") if p.is_file()}
    assert apres == avant


def test_carnet_en_echec_nomme_carnet_cellule_et_cause(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("y = x + 1"),
                nbformat.v4.new_code_cell("raise ValueError('colonne absente')")]
    modele = tmp_path / "essai.ipynb"
    nbformat.write(nb, modele)
    with pytest.raises(ErreurPaquet, match=r"essai.ipynb.*cellule 3.*ValueError : colonne absente.*"
                                           r"carnet partiel : .*essai\.echec\.ipynb"):
        execution.executer_carnet(modele, tmp_path / "sortie" / "essai.ipynb", {"x": 2})
    assert not (tmp_path / "sortie" / "essai.ipynb").exists()
    # le carnet partiel garde ce qui a tourné et la trace de l'erreur, pour la corriger
    partiel = nbformat.read(tmp_path / "sortie" / "essai.echec.ipynb", as_version=4)
    erreurs = [s for c in partiel.cells for s in c.get("outputs", []) if s.output_type == "error"]
    assert [(e.ename, e.evalue) for e in erreurs] == [("ValueError", "colonne absente")]
    assert [c.source.splitlines()[-1] for c in partiel.cells] == [
        "x = 1", "x = 2", "y = x + 1", "raise ValueError('colonne absente')"]  # paramètres injectés compris
    # corrigé, le carnet s'exécute : l'échec précédent disparaît
    nb.cells[2].source = "z = y"
    nbformat.write(nb, modele)
    execution.executer_carnet(modele, tmp_path / "sortie" / "essai.ipynb", {"x": 2})
    assert (tmp_path / "sortie" / "essai.ipynb").exists() and not (tmp_path / "sortie" / "essai.echec.ipynb").exists()
    with pytest.raises(ErreurPaquet, match="paramètre\\(s\\) inconnu\\(s\\) z"):
        execution.executer_carnet(modele, tmp_path / "sortie" / "essai.ipynb", {"z": 2})


def test_execution_deterministe(tmp_path):
    modele = RACINE / "carnets" / "01_validation_donnees.ipynb"
    a = execution.executer_carnet(modele, tmp_path / "a" / "01.ipynb", {"jeu": "donnees_brutes/lanaudiere"})
    b = execution.executer_carnet(modele, tmp_path / "b" / "01.ipynb", {"jeu": "donnees_brutes/lanaudiere"})
    assert a.read_bytes() == b.read_bytes()


def test_exportateur_reutilise_memes_octets(tmp_path):
    """Un seul exportateur HTML par processus (gabarits compilés une fois, hérités par les exécuteurs du
    serveur) : un rapport ne change rien au suivant ; mêmes octets qu'avec un exportateur neuf et que les
    rapports versionnés."""
    base = RACINE / "resultats" / "lanaudiere"
    noms = ["carnets/04_comparaison_territoires.ipynb", "carnets/territoires/joliette/02_portrait_territoire.ipynb",
            "carnets/01_validation_donnees.ipynb"]
    rapports._exportateur.cache_clear()
    premiers = {}
    for n in noms + noms[:1]:  # le premier carnet à nouveau, après les autres
        cible = rapports.rapport_html(base / n, tmp_path / "a" / n.replace(".ipynb", ".html"))
        octets = cible.read_bytes()
        assert premiers.setdefault(n, octets) == octets
    for n in noms:
        rapports._exportateur.cache_clear()  # exportateur neuf
        cible = rapports.rapport_html(base / n, tmp_path / "b" / n.replace(".ipynb", ".html"))
        attendu = (base / "rapports" / n.removeprefix("carnets/")).with_suffix(".html").read_bytes()
        assert cible.read_bytes() == premiers[n] == attendu


def test_serveur_demarre_d_avance_seulement_si_travail_certain(projet, tmp_path):
    """`executer` lance le serveur de noyaux chauds dès le départ quand des carnets tourneront à coup sûr
    (tout refaire, jeu à préparer), en différé sinon (une relance sans changement ne paie aucun import)."""
    copie = projet / "donnees_brutes" / "petit_jamais_prepare"
    shutil.copytree(projet / "donnees_brutes" / "petit", copie)
    try:
        code = ("import sys; from paquet_analyse import flux; "
                "print(flux._travail_certain(sys.argv[1], sys.argv[2:]))")
        cas = {("donnees_brutes/petit",): "False", ("donnees_brutes/petit", "--forceall"): "True",
               ("donnees_brutes/petit_jamais_prepare",): "True", ("donnees_brutes/absent",): "False"}
        for args, attendu in cas.items():
            r = subprocess.run([sys.executable, "-c", code, *args], cwd=projet, env=_env(projet),
                               capture_output=True, text=True)
            assert r.stdout.strip() == attendu, (args, r.stdout, r.stderr[-2000:])
    finally:
        shutil.rmtree(copie)
