"""Noyaux chauds (serveur de fourche) : isolement entre carnets, repli, et sorties identiques octet pour octet
au noyau ordinaire sur de vrais carnets d'un petit jeu simulé."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import papermill
import pytest

from paquet_analyse import chemins, noyau_chaud, serveur_noyaux, simulation

RACINE = chemins.racine()
PROFILS = (dataclasses.replace(simulation.TERRITOIRES[1], nb_instances=24),
           dataclasses.replace(simulation.TERRITOIRES[3], nb_instances=22))

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork indisponible")


@pytest.fixture(scope="module")
def projet(tmp_path_factory):
    racine = tmp_path_factory.mktemp("projet_chaud")
    for nom in ("pyproject.toml", "Snakefile"):
        shutil.copy2(RACINE / nom, racine / nom)
    for nom in ("carnets", "paquet_analyse"):
        shutil.copytree(RACINE / nom, racine / nom, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    simulation.simuler(racine / "donnees_brutes" / "petit", profils=PROFILS)
    env = {**os.environ, "PAQUET_ANALYSE_RACINE": str(racine), "PYTHONPATH": str(racine)}
    env.pop(noyau_chaud.VARIABLE, None)
    subprocess.run([sys.executable, "-m", "paquet_analyse", "preparer", "donnees_brutes/petit"], cwd=racine,
                   env=env, check=True, capture_output=True)
    serveur = serveur_noyaux.demarrer(racine / ".snakemake" / "noyaux", env=env)
    limite = time.monotonic() + 90
    while not serveur.chemin.exists():
        assert serveur.processus.poll() is None, "le serveur de noyaux s'est arrêté au démarrage"
        assert time.monotonic() < limite, "le serveur de noyaux n'a pas ouvert son socket"
        time.sleep(0.1)
    yield racine, env, serveur
    serveur.arreter()
    assert serveur.processus.poll() is not None


ETAT = r"""
import json, os, random, sys
import numpy as np, pandas as pd
import paquet_analyse.chemins as ch
etat = {
    "fuite_globale": "FUITE" in globals(),
    "fuite_module": hasattr(ch, "FUITE"),
    "pandas_modifie": getattr(pd.DataFrame.sum, "__name__", "") == "truquee",
    "texte_importe": "paquet_analyse.texte" in sys.modules,
    "fixe": np.random.default_rng(12).random(3).round(12).tolist(),
    "libre": np.random.random(),
    "libre_random": random.random(),
    "cwd": os.getcwd(),
    "sys_path_0": sys.path[0],
    "ppid": os.getppid(),
}
print(json.dumps(etat))
# ce que ce carnet laisse derrière lui : rien ne doit en passer au suivant
FUITE = 1
ch.FUITE = 1
pd.DataFrame.sum = lambda *a, **k: None
pd.DataFrame.sum.__name__ = "truquee"
import paquet_analyse.texte
sys.modules.pop("paquet_analyse.texte")
"""


def _carnet_etat(dossier: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(ETAT)]
    chemin = dossier / "etat.ipynb"
    nbformat.write(nb, chemin)
    return chemin


def _etat(modele: Path, cwd: Path, **options) -> dict:
    nb = papermill.execute_notebook(str(modele), None, kernel_name="python3", progress_bar=False,
                                    cwd=str(cwd), **options)
    return json.loads(nb.cells[0].outputs[0]["text"])


def test_isolement_entre_carnets(projet, tmp_path, monkeypatch):
    racine, env, serveur = projet
    monkeypatch.setenv("PAQUET_ANALYSE_RACINE", env["PAQUET_ANALYSE_RACINE"])
    monkeypatch.setenv("PYTHONPATH", env["PYTHONPATH"])
    monkeypatch.setenv(noyau_chaud.VARIABLE, str(serveur.chemin))
    modele = _carnet_etat(tmp_path)
    chaud = {"kernel_manager_class": noyau_chaud.GestionnaireChaud}
    premier = _etat(modele, tmp_path, **chaud)
    second = _etat(modele, tmp_path, **chaud)
    monkeypatch.delenv(noyau_chaud.VARIABLE)
    ordinaire = _etat(modele, tmp_path)
    # les deux noyaux chauds sont bien nés du serveur ; l'ordinaire, de ce processus
    assert premier["ppid"] == second["ppid"] == serveur.processus.pid
    assert ordinaire["ppid"] == os.getpid()
    for etat in (premier, second):
        assert not etat["fuite_globale"] and not etat["fuite_module"] and not etat["pandas_modifie"]
        assert etat["texte_importe"]  # retiré de sys.modules par le carnet précédent : revenu intact
        for cle in ("fixe", "cwd", "sys_path_0"):
            assert etat[cle] == ordinaire[cle], cle
    # tirages non fixés : propres à chaque noyau, comme avec des noyaux neufs
    assert premier["libre"] != second["libre"] and premier["libre_random"] != second["libre_random"]


def test_refus_et_repli(projet, tmp_path, monkeypatch):
    racine, env, serveur = projet
    commande = [sys.executable, "-m", "ipykernel_launcher", "-f", str(tmp_path / "c.json")]
    autre = {**env, "PYTHONHASHSEED": "123"}
    assert noyau_chaud.demander_noyau(commande, autre, str(tmp_path), serveur.chemin) is None
    assert noyau_chaud.demander_noyau(["/bin/autre", "-m", "ipykernel_launcher"], env, str(tmp_path),
                                      serveur.chemin) is None
    assert noyau_chaud.demander_noyau(commande, env, str(tmp_path), tmp_path / "absent.sock") is None
    # « 0 » désactive les noyaux chauds, comme pour `executer` : ni tentative ni message de repli
    monkeypatch.setenv(noyau_chaud.VARIABLE, "0")
    assert noyau_chaud.chemin_serveur() is None



def test_refus_de_delegation(projet, tmp_path, monkeypatch, capsys):
    racine, env, serveur = projet
    for nom in ("PAQUET_ANALYSE_RACINE", "PYTHONPATH"):
        monkeypatch.setenv(nom, env[nom])
    # seuls `carnet` et `synthese` se délèguent ; un autre interpréteur ou un autre environnement est refusé
    assert noyau_chaud.deleguer(["valider", "donnees_brutes/petit"], module="paquet_analyse.cli", chemin=serveur.chemin) is None
    assert "commande non déléguable" in capsys.readouterr().err
    monkeypatch.setenv("PYTHONHASHSEED", "123")
    assert noyau_chaud.deleguer(["carnet", "a.ipynb", "b.ipynb"], module="paquet_analyse.cli", chemin=serveur.chemin) is None
    assert "environnement différent" in capsys.readouterr().err
    monkeypatch.setattr(sys, "executable", "/bin/autre-python")
    assert noyau_chaud.deleguer(["carnet", "a.ipynb", "b.ipynb"], module="paquet_analyse.cli", chemin=serveur.chemin) is None
    assert "autre interpréteur" in capsys.readouterr().err


def _commande(modele: str, sortie: Path, *parametres: str, dossier: str = "carnets") -> list[str]:
    # -X importtime : ce que *ce* processus importe s'écrit sur sa sortie d'erreur (pas ce qu'importe le serveur)
    commande = [sys.executable, "-X", "importtime", "-m", "paquet_analyse", "carnet", f"{dossier}/{modele}.ipynb",
                str(sortie / f"{modele}.ipynb"), "--html", str(sortie / f"{modele}.html")]
    for p in parametres:
        commande += ["--parametre", p]
    return commande


def _importe(stderr: str, module: str) -> bool:
    return any(l.startswith("import time:") and l.rstrip().endswith(f"| {module}") for l in stderr.splitlines())


def _carnet(racine: Path, env: dict, modele: str, sortie: Path, *parametres: str) -> subprocess.CompletedProcess:
    fini = subprocess.run(_commande(modele, sortie, *parametres), cwd=racine, env=env, capture_output=True, text=True)
    assert fini.returncode == 0, fini.stderr[-3000:]
    return fini


@pytest.mark.parametrize("modele, parametres", [
    ("01_validation_donnees", ("jeu=donnees_brutes/petit",)),
    ("02_portrait_territoire", ("jeu=donnees_brutes/petit", "territoire=D'Autray")),
])
def test_octets_identiques_au_noyau_ordinaire(projet, modele, parametres):
    racine, env, serveur = projet
    # le même chemin de sortie pour les deux (les chemins peuvent entrer dans les sorties) : on déplace entre les deux
    sortie = racine / "resultats" / "petit" / "essai"
    # noyau ordinaire, par le repli : la variable désigne un serveur absent
    froid = _carnet(racine, {**env, noyau_chaud.VARIABLE: str(racine / "absent.sock")}, modele, sortie, *parametres)
    assert "Exécuteur chaud indisponible" in froid.stderr and "Noyau chaud" not in froid.stderr  # un seul repli
    reference = sortie.with_name("reference")
    shutil.rmtree(reference, ignore_errors=True)
    sortie.rename(reference)
    chaud = _carnet(racine, {**env, **serveur.env()}, modele, sortie, *parametres)
    assert "Noyau chaud" not in chaud.stderr and "Exécuteur chaud" not in chaud.stderr
    # le client n'a rien importé de lourd : le carnet et son rapport ont été faits par un enfant du serveur
    assert _importe(froid.stderr, "papermill") and _importe(froid.stderr, "nbconvert")
    assert not _importe(chaud.stderr, "papermill") and not _importe(chaud.stderr, "nbconvert")
    for suffixe in (".ipynb", ".html"):
        attendu = (reference / f"{modele}{suffixe}").read_bytes()
        obtenu = (sortie / f"{modele}{suffixe}").read_bytes()
        assert obtenu == attendu, f"{modele}{suffixe} diffère entre noyau chaud et noyau ordinaire"
    shutil.rmtree(sortie)
    shutil.rmtree(reference)


def test_synthese_deleguee_memes_octets(projet):
    """`python -m paquet_analyse synthese` (règle du flux) délégué au serveur : la tâche n'importe
    pas la pile d'analyse, et le fichier écrit est le même, octet pour octet, qu'en local."""
    racine, env, serveur = projet
    commande = [sys.executable, "-X", "importtime", "-m", "paquet_analyse", "synthese", "donnees_brutes/petit"]
    froid = subprocess.run([*commande, "locale.parquet"], cwd=racine, env=env, capture_output=True, text=True)
    chaud = subprocess.run([*commande, "deleguee.parquet"], cwd=racine, env={**env, **serveur.env()},
                           capture_output=True, text=True)
    assert froid.returncode == 0 and chaud.returncode == 0, froid.stderr[-2000:] + chaud.stderr[-2000:]
    assert _importe(froid.stderr, "statsmodels.api") and not _importe(chaud.stderr, "statsmodels.api")
    assert "Synthèse des hypothèses de la région : deleguee.parquet" in chaud.stdout
    assert (racine / "deleguee.parquet").read_bytes() == (racine / "locale.parquet").read_bytes()


def _modele(racine: Path, nom: str, source: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell(source)]
    (racine / "essais").mkdir(exist_ok=True)
    nbformat.write(nb, racine / "essais" / f"{nom}.ipynb")


def test_echec_delegue_comme_en_local(projet):
    """Un carnet qui échoue : même message français, même code de sortie, même carnet partiel, que le
    carnet soit exécuté par le client lui-même ou par un exécuteur du serveur."""
    racine, env, serveur = projet
    _modele(racine, "echoue", "raise ValueError('valeur refusée exprès')")
    messages = {}
    for nom, variables in (("local", {noyau_chaud.VARIABLE: str(racine / "absent.sock")}), ("chaud", serveur.env())):
        sortie = racine / "resultats" / "petit" / f"echec_{nom}"
        fini = subprocess.run(_commande("echoue", sortie, dossier="essais"), cwd=racine, env={**env, **variables},
                              capture_output=True, text=True)
        assert fini.returncode == 1, fini.stderr[-2000:]
        lignes = [l for l in fini.stderr.splitlines() if l.startswith("Erreur : ")]
        assert len(lignes) == 1, fini.stderr[-2000:]
        messages[nom] = lignes[0].replace(f"echec_{nom}", "echec_X")
        assert (sortie / "echoue.echec.ipynb").exists() and not (sortie / "echoue.ipynb").exists()
        shutil.rmtree(sortie)
    assert messages["chaud"] == messages["local"]
    assert "a échoué à la cellule 2 du modèle : ValueError : valeur refusée exprès" in messages["chaud"]


def test_client_tue_arrete_executeur_et_noyau(projet):
    """Snakemake tue une tâche (échec d'une autre, Ctrl-C) : l'exécuteur du serveur et son noyau s'arrêtent aussi."""
    psutil = pytest.importorskip("psutil")
    racine, env, serveur = projet
    _modele(racine, "long", "import time\ntime.sleep(120)")
    sortie = racine / "resultats" / "petit" / "long"
    client = subprocess.Popen(_commande("long", sortie, dossier="essais"), cwd=racine, env={**env, **serveur.env()},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent = psutil.Process(serveur.processus.pid)
    limite = time.monotonic() + 60
    while len(parent.children()) < 2:  # l'exécuteur, puis le noyau qu'il a demandé
        assert client.poll() is None and time.monotonic() < limite, "ni exécuteur ni noyau nés du serveur"
        time.sleep(0.1)
    enfants = parent.children()
    client.terminate()
    client.wait(timeout=10)
    _, vivants = psutil.wait_procs(enfants, timeout=15)
    assert not vivants, f"encore en vie après la fin du client : {vivants}"
    assert not (sortie / "long.ipynb").exists()


def test_echec_immediat_dit_une_seule_fois(projet):
    """Un exécuteur qui échoue tout de suite (paramètre inconnu) : son code et son message arrivent après son
    pid, dans l'ordre, une seule fois ; le client ne se replie pas pour refaire le travail."""
    racine, env, serveur = projet
    _modele(racine, "echoue", "raise ValueError('valeur refusée exprès')")
    sortie = racine / "resultats" / "petit" / "immediat"
    for _ in range(5):
        fini = subprocess.run(_commande("echoue", sortie, "inconnu=1", dossier="essais"), cwd=racine,
                              env={**env, **serveur.env()}, capture_output=True, text=True)
        erreurs = [l for l in fini.stderr.splitlines() if l.startswith("Erreur : ")]
        assert fini.returncode == 1 and len(erreurs) == 1, fini.stderr[-2000:]
        assert "paramètre(s) inconnu(s) inconnu" in erreurs[0]
        assert "Exécuteur chaud" not in fini.stderr and "Noyau chaud" not in fini.stderr
