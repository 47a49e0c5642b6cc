"""Les libellés suivent les paramètres du plan : avec `annee_charniere: 2010`, chaque carnet et chaque
tableau publié dit « depuis 2010 », jamais « depuis 2000 ».

Tous les carnets sont exécutés en mémoire (même exécuteur que `test_variables_facultatives`) sur un petit
jeu simulé, dans une copie du projet dont le plan a une autre année charnière ; on lit tout ce qu'ils
affichent et tous les CSV qu'ils publient.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import yaml

from paquet_analyse import chemins, dictionnaire, indicateurs, simulation
from test_variables_facultatives import EXECUTEUR, PROFILS

RACINE = chemins.racine()


def test_libelles_formates_avec_le_plan():
    assert dictionnaire.libelle("depuis_charniere", {"annee_charniere": 2010}) == "Créée depuis 2010"
    assert dictionnaire.codes("periode_creation", {"annee_charniere": 1995}) == {
        "avant_charniere": "Avant 1995", "depuis_charniere": "Depuis 1995"}
    assert "au moins 6 tables" in dictionnaire.libelle("sur_sollicitation", {"sur_sollicitation": 6})
    # un paramètre absent laisse le modèle tel quel : jamais l'année d'un autre plan
    assert dictionnaire.formater("depuis {annee_charniere}", {}) == "depuis {annee_charniere}"


def test_aucun_libelle_de_derivee_ne_fige_une_annee():
    """Le registre des variables dérivées ne fige aucune année : une année s'écrit par son paramètre."""
    for nom, v in dictionnaire.derivees().items():
        textes = [v.libelle, *map(str, v.codes.values())]
        assert not any(re.search(r"\b(19|20)\d\d\b", t) for t in textes), nom
    assert not any(re.search(r"\b(19|20)\d\d\b", t) for t in indicateurs.LIBELLES_PORTRAIT.values())


def test_annee_charniere_2010_partout(tmp_path):
    racine = tmp_path / "projet"
    racine.mkdir()
    shutil.copy2(RACINE / "pyproject.toml", racine / "pyproject.toml")
    for nom in ("carnets", "paquet_analyse"):
        shutil.copytree(RACINE / nom, racine / nom, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    from conftest import reduire_puissance

    reduire_puissance(racine, replicats=2)
    plan = racine / "carnets" / "plan_analyse.yml"
    texte = plan.read_text(encoding="utf-8")
    assert "annee_charniere: 2000" in texte
    plan.write_text(texte.replace("annee_charniere: 2000", "annee_charniere: 2010"), encoding="utf-8")
    simulation.simuler(racine / "donnees_brutes" / "petit", profils=PROFILS)
    r = subprocess.run([sys.executable, "-c", EXECUTEUR, "donnees_brutes/petit"], cwd=racine, capture_output=True,
                       text=True, env={**os.environ, "PAQUET_ANALYSE_RACINE": str(racine), "PYTHONPATH": str(racine),
                                       "MPLBACKEND": "Agg"})
    assert r.returncode == 0, r.stderr[-4000:]
    textes = json.loads(r.stdout.strip().splitlines()[-1])["donnees_brutes/petit"]
    assert "erreur" not in textes, textes.get("erreur")
    publies = {p.relative_to(racine).as_posix(): p.read_text(encoding="utf-8")
               for p in (racine / "resultats" / "petit").rglob("*.csv") if "donnees" not in p.parts}
    assert publies, "aucun tableau publié"
    # le texte des carnets (cellules Markdown) s'affiche tel quel dans chaque rapport : il ne fige aucune année
    redaction = {f"{c.name} (texte)": "\n".join("".join(x["source"]) for x in json.loads(c.read_text(encoding="utf-8"))
                                                  ["cells"] if x["cell_type"] == "markdown")
                 for c in sorted((racine / "carnets").glob("*.ipynb"))}
    assert len(redaction) >= 8
    tout = {**textes, **publies, **redaction}
    fautes = {nom: m.group(0) for nom, t in tout.items()
              for m in [re.search(r"(?i)depuis 2000|avant 2000|depuis_2000", t)] if m}
    assert fautes == {}
    lus = "\n".join(tout.values())
    assert "créées depuis 2010" in lus.lower() and "depuis 2010" in textes["04_comparaison_territoires"].lower()
    # la question de H3 (le plan la formule avec {annee_charniere}) suit elle aussi
    questions = yaml.safe_load(plan.read_text(encoding="utf-8"))["hypotheses"]
    assert any("{annee_charniere}" in h["question"] for h in questions)
    assert "Les concertations créées depuis 2010 sont-elles" in lus
