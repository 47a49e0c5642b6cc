"""`make verifier` : régénération complète dans une copie, comparaison de chaque fichier versionné."""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from paquet_analyse import verification_resultats

RACINE = Path(__file__).resolve().parents[1]


def test_options_nbval_identiques_au_makefile():
    makefile = (RACINE / "Makefile").read_text(encoding="utf-8")
    nbval = re.search(r"^NBVAL\s*:=\s*(.+)$", makefile, re.MULTILINE).group(1)
    assert shlex.split(nbval) == shlex.split(verification_resultats.OPTIONS_NBVAL)
    assert "paquet_analyse verifier" in makefile.split("\nverifier:")[1].split("\n\n")[0]


def test_comparer_nomme_chaque_ecart(tmp_path):
    versionnes, regeneres = tmp_path / "v", tmp_path / "r"
    for dossier in (versionnes, regeneres):
        (dossier / "tableaux").mkdir(parents=True)
        (dossier / "tableaux" / "pareil.csv").write_bytes(b"a;b\n1;2\n")
    (versionnes / "tableaux" / "retouche.csv").write_bytes(b"a;b\n1;3\n")
    (regeneres / "tableaux" / "retouche.csv").write_bytes(b"a;b\n1;2\n")
    (versionnes / "vieux.png").write_bytes(b"png")
    (regeneres / "nouveau.html").write_bytes(b"<p>")
    ecarts = verification_resultats.comparer(versionnes, regeneres, prefixe="resultats/x/")
    assert [(e.chemin, e.nature) for e in ecarts] == [
        ("resultats/x/nouveau.html", "en_trop"),
        ("resultats/x/tableaux/retouche.csv", "different"),
        ("resultats/x/vieux.png", "non_regenere"),
    ]
    assert "diffère du fichier régénéré" in str(ecarts[1])
    assert verification_resultats.comparer(regeneres, regeneres) == []


def test_copie_du_projet_avec_historique_sans_resultats(tmp_path):
    copie = tmp_path / "projet"
    assert verification_resultats.copier_projet(RACINE, copie)
    tete = lambda d: subprocess.run(["git", "-C", str(d), "rev-parse", "HEAD"], capture_output=True,
                                    text=True).stdout.strip()
    assert tete(copie) == tete(RACINE)
    assert not (copie / "resultats").exists()
    for nom in ("pyproject.toml", "Snakefile", "paquet_analyse/verification_resultats.py", "carnets/plan_analyse.yml",
                "donnees_brutes/lanaudiere/jeu.yml"):
        assert (copie / nom).read_bytes() == (RACINE / nom).read_bytes(), nom


def _empreintes(dossier: Path) -> dict[str, str]:
    return {p.relative_to(dossier).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(dossier.rglob("*")) if p.is_file()}


@pytest.mark.lent
def test_resultats_versionnes_reproduits_et_fichiers_retouches_nommes(tmp_path):
    """`make verifier` dans `make test` : une copie du projet AVEC ses résultats versionnés, dont on
    retouche un CSV, une PNG et un rapport HTML. `verifier` régénère tout : il doit nommer ces trois
    fichiers et eux seuls (tous les autres résultats versionnés se reproduisent octet pour octet),
    nbval doit passer sur les carnets versionnés, et rien ne doit être réécrit."""
    projet = tmp_path / "projet"
    verification_resultats.copier_projet(RACINE, projet)
    env = {**os.environ, "PAQUET_ANALYSE_RACINE": str(projet), "PYTHONPATH": str(projet)}
    lancer = lambda *args: subprocess.run([sys.executable, "-m", "paquet_analyse", *args], cwd=projet, env=env,
                                          capture_output=True, text=True)
    resultats = projet / "resultats" / "lanaudiere"
    shutil.copytree(RACINE / "resultats" / "lanaudiere", resultats)
    retouches = {
        "tableaux": next(iter(sorted((resultats / "tableaux").glob("*.csv")))),
        "figures": next(iter(sorted((resultats / "figures").glob("*.png")))),
        "rapports": resultats / "rapports" / "04_comparaison_territoires.html",
    }
    for chemin in retouches.values():
        octets = bytearray(chemin.read_bytes())
        octets[len(octets) // 2] ^= 0x01  # un seul bit change
        chemin.write_bytes(bytes(octets))
    avant = _empreintes(resultats)

    verif = lancer("verifier", "donnees_brutes/lanaudiere")
    sortie = verif.stdout + verif.stderr
    assert verif.returncode == 1, sortie
    nommes = re.findall(r"^  - (resultats/\S+) : diffère du fichier régénéré", sortie, re.MULTILINE)
    assert sorted(nommes) == sorted(chemin.relative_to(projet).as_posix() for chemin in retouches.values()), sortie
    assert "3 fichier(s)" in sortie
    assert "nbval : chaque sortie des carnets versionnés se reproduit." in sortie
    assert _empreintes(resultats) == avant  # rien n'a été réécrit, pas même les fichiers retouchés
    gardee = re.search(r"gardés pour examen : (\S+)", sortie)
    if gardee:
        shutil.rmtree(gardee.group(1), ignore_errors=True)
