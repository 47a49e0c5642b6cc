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
from conftest import empreintes

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
    avant = empreintes(resultats)

    verif = lancer("verifier", "donnees_brutes/lanaudiere")
    sortie = verif.stdout + verif.stderr
    assert verif.returncode == 1, sortie
    nommes = re.findall(r"^  - (resultats/\S+) : diffère du fichier régénéré", sortie, re.MULTILINE)
    assert sorted(nommes) == sorted(chemin.relative_to(projet).as_posix() for chemin in retouches.values()), sortie
    assert "3 fichier(s)" in sortie
    assert re.search(r"nbval : \d+ cellules des carnets versionnés réexécutées .* chaque sortie des carnets "
                     r"versionnés se reproduit\.", sortie), sortie
    assert empreintes(resultats) == avant  # rien n'a été réécrit, pas même les fichiers retouchés
    gardee = re.search(r"gardés pour examen : (\S+)", sortie)
    if gardee:
        shutil.rmtree(gardee.group(1), ignore_errors=True)


# --------------------------------------------------------------------------
# Ce que dit un échec : entrées changées, différences courtes, compte nbval


def _projet_factice(tmp_path):
    """Un petit projet hors git : un jeu brut, son manifeste versionné et deux résultats."""
    projet = tmp_path / "projet"
    (projet / "paquet_analyse").mkdir(parents=True)
    (projet / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    jeu = projet / "donnees_brutes" / "essai"
    jeu.mkdir(parents=True)
    (jeu / "jeu.yml").write_text("titre: essai\n", encoding="utf-8")
    (jeu / "instances.csv").write_text("id,territoire\nI1,A\nI2,B\n", encoding="utf-8")
    resultats = projet / "resultats" / "essai"
    (resultats / "tableaux").mkdir(parents=True)
    (resultats / "tableaux" / "portrait.csv").write_text("indicateur,part\ncreees,0.61\nejf,0.40\n", encoding="utf-8")
    (resultats / "figures").mkdir()
    (resultats / "figures" / "a.png").write_bytes(b"\x89PNG-versionnee")
    hacher = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()
    (resultats / "manifeste.json").write_text(
        '{"fichiers_bruts_sha256": {"instances.csv": "%s", "jeu.yml": "%s", "territoires.csv": "%s"}}'
        % (hacher(jeu / "instances.csv"), hacher(jeu / "jeu.yml"), "0" * 64), encoding="utf-8")
    return projet, jeu, resultats


def test_entrees_changees_nommees_d_apres_le_manifeste(tmp_path):
    projet, jeu, resultats = _projet_factice(tmp_path)
    (jeu / "instances.csv").write_text("id,territoire\nI1,A\nI2,C\n", encoding="utf-8")
    messages = verification_resultats.entrees_changees(jeu, resultats / "manifeste.json", prefixe="donnees_brutes/essai/")
    assert messages[0].startswith("donnees_brutes/essai/instances.csv : modifié depuis les résultats versionnés")
    assert hashlib.sha256((jeu / "instances.csv").read_bytes()).hexdigest() in messages[0]  # empreinte entière
    assert messages[1] == "donnees_brutes/essai/territoires.csv : absent (le manifeste des résultats versionnés le cite)"
    assert len(messages) == 2  # jeu.yml n'a pas changé


def test_difference_courte_d_un_fichier_texte(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("indicateur,part\ncreees,0.61\nejf,0.40\n", encoding="utf-8")
    b.write_text("indicateur,part\ncreees,0.62\nejf,0.40\n", encoding="utf-8")
    lignes = verification_resultats.difference_courte(a, b)
    assert "-creees,0.61" in lignes and "+creees,0.62" in lignes
    assert verification_resultats.difference_courte(tmp_path / "x.png", tmp_path / "y.png") == []


def test_verifier_nomme_l_entree_changee_montre_la_difference_et_compte_nbval(tmp_path, monkeypatch):
    """Un fichier brut retouché : `verifier` le nomme d'abord (d'après le manifeste versionné), puis les
    résultats qui diffèrent, avec leurs empreintes entières et une courte différence pour un fichier texte ;
    le compte des cellules vérifiées par nbval est donné."""
    projet, jeu, resultats = _projet_factice(tmp_path)
    (jeu / "instances.csv").write_text("id,territoire\nI1,A\nI2,C\n", encoding="utf-8")
    monkeypatch.setenv("PAQUET_ANALYSE_RACINE", str(projet))

    def regenerer(copie, jeu_, *, coeurs, journal):
        journal.write_text("flux\n", encoding="utf-8")
        cible = copie / "resultats" / "essai"
        shutil.copytree(resultats, cible)
        (cible / "tableaux" / "portrait.csv").write_text("indicateur,part\ncreees,0.62\nejf,0.40\n", encoding="utf-8")
        (cible / "figures" / "a.png").write_bytes(b"\x89PNG-regeneree")
        return 0

    def nbval(copie, nom, options, *, journal):
        journal.write_text("........\n200 passed in 61.20s\n", encoding="utf-8")
        return 0

    monkeypatch.setattr(verification_resultats, "regenerer", regenerer)
    monkeypatch.setattr(verification_resultats, "nbval", nbval)
    lignes = []
    code = verification_resultats.verifier("donnees_brutes/essai", afficher=lignes.append)
    sortie = "\n".join(lignes)
    assert code == 1
    assert "Entrées changées depuis les résultats versionnés" in sortie
    assert "donnees_brutes/essai/instances.csv : modifié" in sortie
    assert sortie.index("donnees_brutes/essai/instances.csv") < sortie.index("resultats/essai/tableaux/portrait.csv")
    ancien = hashlib.sha256(b"indicateur,part\ncreees,0.61\nejf,0.40\n").hexdigest()
    assert ancien in sortie  # empreinte entière, pas « 1a2b3c… »
    assert "-creees,0.61" in sortie and "+creees,0.62" in sortie
    assert "resultats/essai/figures/a.png : diffère" in sortie
    assert "nbval : 200 cellules" in sortie
    gardee = re.search(r"gardés pour examen : (\S+)", sortie)
    if gardee:
        shutil.rmtree(gardee.group(1), ignore_errors=True)


def test_readme_donne_la_commande_nbval_ordinaire():
    """La personne qui vérifie peut lancer nbval sans `make` : la commande pytest ordinaire est au README,
    avec les mêmes options que `make verifier`."""
    readme = (RACINE / "README.md").read_text(encoding="utf-8")
    commande = re.search(r"^\.venv/bin/python -m pytest (--nbval.*) resultats/lanaudiere/carnets$", readme, re.MULTILINE)
    assert commande, "commande nbval absente du README"
    assert shlex.split(commande.group(1)) == shlex.split(verification_resultats.OPTIONS_NBVAL)
