"""`make lab` ne peut pas écrire de sorties dans les modèles de `carnets/`.

Le serveur est lancé comme `make lab` le fait (même option --config), dans un
clone temporaire du dépôt ; on enregistre par l'API des contenus (sans
navigateur) un modèle auquel on a ajouté une sortie.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parents[1]
CONFIG = "jupyter/jupyter_server_config.py"
MODELE = "carnets/modele_carnet.ipynb"


def test_make_lab_passe_la_configuration():
    makefile = (RACINE / "Makefile").read_text(encoding="utf-8")
    ligne = next(l for l in makefile.splitlines() if "bin/jupyter lab" in l)
    assert f"--config={CONFIG}" in ligne


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _appel(url: str, jeton: str, methode: str = "GET", corps: dict | None = None) -> dict:
    donnees = json.dumps(corps).encode() if corps is not None else None
    requete = urllib.request.Request(url, data=donnees, method=methode,
                                     headers={"Authorization": f"token {jeton}", "Content-Type": "application/json"})
    with urllib.request.urlopen(requete, timeout=30) as reponse:
        return json.loads(reponse.read() or b"{}")


@pytest.fixture(scope="module")
def serveur(tmp_path_factory):
    """Un clone du dépôt (avec la configuration actuelle) et un serveur JupyterLab dessus."""
    tmp = tmp_path_factory.mktemp("lab")
    clone = tmp / "projet"
    subprocess.run(["git", "clone", "--quiet", str(RACINE), str(clone)], check=True)
    (clone / CONFIG).parent.mkdir(exist_ok=True)
    shutil.copy2(RACINE / CONFIG, clone / CONFIG)  # la configuration de la copie de travail, validée ou non
    jeton, port = secrets.token_hex(16), _port_libre()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp / "config"), "JUPYTER_DATA_DIR": str(tmp / "data"),
           "JUPYTER_RUNTIME_DIR": str(tmp / "runtime")}
    journal = (tmp / "serveur.log").open("w")
    processus = subprocess.Popen(
        [str(Path(sys.executable).parent / "jupyter"), "lab", f"--config={CONFIG}", "--no-browser",
         "--ip=127.0.0.1", f"--port={port}", "--port-retries=0", f"--IdentityProvider.token={jeton}",
         f"--ServerApp.root_dir={clone}", *(["--allow-root"] if os.geteuid() == 0 else [])],
        cwd=clone, env=env, stdout=journal, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        limite = time.monotonic() + 60
        while True:
            try:
                _appel(f"{base}/api/status", jeton)
                break
            except (urllib.error.URLError, ConnectionError):
                if processus.poll() is not None or time.monotonic() > limite:
                    pytest.fail("Le serveur JupyterLab n'a pas démarré :\n"
                                + (tmp / "serveur.log").read_text(errors="replace")[-3000:])
                time.sleep(0.3)
        yield clone, base, jeton
    finally:
        processus.terminate()
        try:
            processus.wait(timeout=20)
        except subprocess.TimeoutExpired:
            processus.kill()
            processus.wait()
        journal.close()


def _avec_une_sortie(clone: Path, base: str, jeton: str) -> dict:
    carnet = _appel(f"{base}/api/contents/{MODELE}?content=1", jeton)["content"]
    code = next(c for c in carnet["cells"] if c["cell_type"] == "code")
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "sortie ajoutée dans le lab\n"}]
    code["execution_count"] = 7
    return carnet


def test_enregistrer_un_modele_retire_ses_sorties(serveur):
    clone, base, jeton = serveur
    carnet = _avec_une_sortie(clone, base, jeton)
    _appel(f"{base}/api/contents/{MODELE}", jeton, "PUT", {"type": "notebook", "format": "json", "content": carnet})
    sur_disque = json.loads((clone / MODELE).read_text(encoding="utf-8"))
    codes = [c for c in sur_disque["cells"] if c["cell_type"] == "code"]
    assert codes and all(c["outputs"] == [] and c["execution_count"] is None for c in codes)
    difference = subprocess.run(["git", "-C", str(clone), "diff", "--", MODELE], capture_output=True, text=True)
    assert difference.returncode == 0 and difference.stdout == ""


def test_un_carnet_hors_de_carnets_garde_ses_sorties(serveur):
    clone, base, jeton = serveur
    carnet = _avec_une_sortie(clone, base, jeton)
    _appel(f"{base}/api/contents/brouillon.ipynb", jeton, "PUT",
           {"type": "notebook", "format": "json", "content": carnet})
    sur_disque = json.loads((clone / "brouillon.ipynb").read_text(encoding="utf-8"))
    code = next(c for c in sur_disque["cells"] if c["cell_type"] == "code")
    assert code["execution_count"] == 7
    assert "".join(code["outputs"][0]["text"]) == "sortie ajoutée dans le lab\n"


def test_enregistrer_un_modele_normalise_ses_metadonnees(serveur):
    """JupyterLab ajoute à l'enregistrement `language_info` (version de Python, lexer…), un noyau d'un autre
    nom et des métadonnées de cellules (exécution, repli) : le modèle enregistré reste celui de git."""
    clone, base, jeton = serveur
    carnet = _avec_une_sortie(clone, base, jeton)
    carnet["metadata"]["language_info"] = {
        "codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py", "mimetype": "text/x-python",
        "name": "python", "nbconvert_exporter": "python", "pygments_lexer": "ipython3", "version": "3.11.9"}
    carnet["metadata"]["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    carnet["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    for cellule in carnet["cells"]:
        cellule["metadata"]["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
        cellule["metadata"]["scrolled"] = True
    _appel(f"{base}/api/contents/{MODELE}", jeton, "PUT", {"type": "notebook", "format": "json", "content": carnet})
    difference = subprocess.run(["git", "-C", str(clone), "diff", "--", MODELE], capture_output=True, text=True)
    assert difference.returncode == 0 and difference.stdout == "", difference.stdout[:3000]


def _configuration(monkeypatch, euid: int):
    """La configuration de `make lab` lue comme Jupyter la lit (objet `c`), pour un utilisateur donné."""
    from traitlets.config import Config

    monkeypatch.setattr(os, "geteuid", lambda: euid)
    c = Config()
    exec(compile((RACINE / CONFIG).read_text(encoding="utf-8"), CONFIG, "exec"), {"c": c, "__file__": str(RACINE / CONFIG)})
    return c


def test_make_lab_en_root_sans_option(monkeypatch):
    """En root (conteneurs, images de type Binder), JupyterLab refuse de démarrer sans --allow-root : la
    configuration le permet d'elle-même, et seulement en root."""
    assert _configuration(monkeypatch, 0).ServerApp.allow_root is True
    assert "allow_root" not in _configuration(monkeypatch, 1000).ServerApp


def test_make_lab_transmet_lab_options():
    r = subprocess.run(["make", "-n", "lab", "LAB_OPTIONS=--no-browser --port=8899"], cwd=RACINE,
                       capture_output=True, text=True)
    ligne = next(l for l in r.stdout.splitlines() if "jupyter lab" in l)
    assert "--no-browser --port=8899" in ligne and f"--config={CONFIG}" in ligne
