"""Exports de terrain tels qu'ils arrivent (issue 24) : KoboToolbox et LimeSurvey, Bas-Saint-Laurent SIMULÉ.

Les jeux `tests/donnees/bas_saint_laurent_kobo/` et `..._limesurvey/` sont
fabriqués par `tests/donnees/fabriquer_bas_saint_laurent.py`, qui suit les
formats documentés des outils (sources citées dans son en-tête) à partir des
questionnaires du projet : CSV Kobo « XML values and headers » à groupes,
XLSX Kobo « Labels », réponses LimeSurvey en codes de la structure importée.
On y a mis ce que le terrain y met : soumission d'essai, envoi en double,
réponse incomplète, codes saisis à la main, table hors champ.

Aller-retour : exports + jeu.yml d'avant la collecte -> `jeu-depuis-export`
-> `valider` -> tables préparées identiques à celles de l'export propre, et
chaque ligne écartée au rapport avec son motif ; puis, une fois par jeu, le
flux complet (`executer`). Les fichiers bruts ne changent jamais.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import warnings

import pandas as pd
import pytest

from conftest import empreintes
from paquet_analyse import chargement, chemins, preparation
from paquet_analyse.erreurs import AvertissementCorrespondance

DONNEES = chemins.racine() / "tests" / "donnees"


def _fabrique():
    spec = importlib.util.spec_from_file_location("fabriquer_bas_saint_laurent",
                                                  DONNEES / "fabriquer_bas_saint_laurent.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FABRIQUE = _fabrique()
JEUX = (FABRIQUE.KOBO, FABRIQUE.LIMESURVEY)


def _exports_seuls(nom, cible):
    """Copie du jeu sans son jeu.yml : ce que l'équipe a déposé après la collecte, avec le jeu.yml qu'elle
    avait écrit avant."""
    shutil.copytree(DONNEES / nom, cible, ignore=shutil.ignore_patterns("jeu.yml"))
    FABRIQUE.ecrire_avant_collecte(cible, nom)
    return cible


def _preparer(dossier):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AvertissementCorrespondance)
        return preparation.preparer(dossier)


def test_fichiers_identiques_a_ceux_du_script(tmp_path):
    """Les fichiers versionnés sont ceux que le script fabrique (graines fixes, octets reproductibles)."""
    FABRIQUE.fabriquer(tmp_path)
    for nom in JEUX:
        assert empreintes(tmp_path / nom) == empreintes(DONNEES / nom), nom


def test_jeux_declares_simules():
    for nom in JEUX:
        desc = chargement.lire_descripteur(DONNEES / nom)
        assert desc["simule"] is True and "SIMULÉES" in desc["titre"]


@pytest.mark.parametrize("nom", JEUX)
def test_jeu_depuis_export_complete_le_jeu_yml_d_avant_la_collecte(tmp_path, nom):
    """Aucune étape à la main : la commande complète le jeu.yml d'avant la collecte en celui du jeu."""
    dossier = _exports_seuls(nom, tmp_path / nom)
    avant = {n: h for n, h in empreintes(dossier).items() if n != "jeu.yml"}
    r = subprocess.run([sys.executable, "-m", "paquet_analyse", "jeu-depuis-export", str(dossier)],
                       capture_output=True, text=True, cwd=chemins.racine())
    assert r.returncode == 0, r.stderr
    assert "jeu.yml : complété" in r.stdout
    assert (dossier / "jeu.yml").read_bytes() == (DONNEES / nom / "jeu.yml").read_bytes()
    assert {n: h for n, h in empreintes(dossier).items() if n != "jeu.yml"} == avant  # exports intacts
    if nom == FABRIQUE.KOBO:
        assert "exclusions.doublons" in r.stdout and "exclusions.non_approuvees" in r.stdout
        assert "« _validation_status » non placée (métadonnée de KoboToolbox" in r.stdout
    else:
        assert "exclusions.incompletes" in r.stdout


@pytest.mark.parametrize("nom", JEUX)
def test_valider_liste_chaque_ligne_exclue_avec_son_motif(tmp_path, nom):
    avant = empreintes(DONNEES / nom)
    rapport = tmp_path / "rapport.csv"
    r = subprocess.run([sys.executable, "-m", "paquet_analyse", "valider", str(DONNEES / nom), "--rapport",
                        str(rapport)], capture_output=True, text=True, cwd=chemins.racine())
    assert r.returncode == 0, r.stdout + r.stderr
    assert empreintes(DONNEES / nom) == avant  # rien n'est écrit dans le dossier des données brutes
    tableau = pd.read_csv(rapport, dtype=str, keep_default_na=False)
    assert not (tableau["gravite"] == "erreur").any()
    exclues = tableau[tableau["regle"] == "ligne_exclue"]
    obtenues = sorted(zip(exclues["valeur"], exclues["correction"] + exclues["message"]))
    attendues = sorted(FABRIQUE.PARASITES[nom]["instances"] + FABRIQUE.PARASITES[nom]["participants"])
    assert [v for v, _ in obtenues] == [v for v, _ in attendues]
    for (valeur, texte), (_, regle) in zip(obtenues, attendues):
        assert regle in texte, (valeur, regle, texte)
    assert all(exclues["gravite"] == "information") and all(exclues["ligne"] != "")
    # les codes saisis à la main sont lus, chacun signalé
    normalises = tableau[tableau["regle"] == "identifiant_normalise"]
    assert len(normalises) == (3 if nom == FABRIQUE.KOBO else 1)
    assert all(normalises["gravite"] == "avertissement")


@pytest.mark.parametrize("nom", JEUX)
def test_memes_tables_preparees_que_l_export_propre(tmp_path, nom):
    """Les exclusions et les codes ramenés redonnent exactement les tables de l'export propre."""
    propre = tmp_path / "propre"
    propre.mkdir()
    fichiers = {}
    for table, tableau in FABRIQUE.tables_propres(nom).items():
        tableau.to_csv(propre / f"{table}.csv", index=False)
        fichiers[table] = f"{table}.csv"
    (propre / "jeu.yml").write_text(json.dumps({
        "titre": "Export propre (données SIMULÉES)", "region": "test", "annee_enquete": FABRIQUE.ANNEE,
        "source": "tests", "simule": True, "fichiers": fichiers}, ensure_ascii=False), encoding="utf-8")
    attendu, obtenu = _preparer(propre).donnees, _preparer(DONNEES / nom).donnees
    for table, cle in (("instances", "id_instance"), ("participants", "id_repondant")):
        a, o = getattr(attendu, table), getattr(obtenu, table)
        assert len(o) == len(a)
        pd.testing.assert_frame_equal(o[a.columns].sort_values(cle).reset_index(drop=True),
                                      a.sort_values(cle).reset_index(drop=True), check_categorical=False)


@pytest.mark.lent
@pytest.mark.parametrize("nom", JEUX)
def test_flux_complet(tmp_path, nom):
    """Le flux va au bout sur les exports de terrain : index, manifeste, carnet 01 qui liste les lignes
    exclues avec leur motif ; les fichiers bruts sont inchangés."""
    from conftest import reduire_puissance

    racine = tmp_path / "projet"
    racine.mkdir()
    for fichier in ("pyproject.toml", "Snakefile"):
        shutil.copy2(chemins.racine() / fichier, racine / fichier)
    for dossier in ("carnets", "paquet_analyse"):
        shutil.copytree(chemins.racine() / dossier, racine / dossier,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    reduire_puissance(racine)
    jeu = tmp_path / "ailleurs" / nom
    shutil.copytree(DONNEES / nom, jeu)
    avant = empreintes(jeu)
    env = {**os.environ, "PAQUET_ANALYSE_RACINE": str(racine), "PYTHONPATH": str(racine)}
    r = subprocess.run([sys.executable, "-m", "paquet_analyse", "executer", str(jeu)], cwd=racine, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert empreintes(jeu) == avant and not list(jeu.parent.rglob("resultats"))
    sortie = racine / "resultats" / nom
    assert (sortie / "index.html").is_file() and (sortie / "manifeste.json").is_file()
    rapport = (sortie / "rapports" / "01_validation_donnees.html").read_text(encoding="utf-8")
    n = len(FABRIQUE.PARASITES[nom]["instances"]) + len(FABRIQUE.PARASITES[nom]["participants"])
    assert f"{n} ligne(s) exclue(s) de l'analyse" in rapport
    for identifiant, _ in FABRIQUE.PARASITES[nom]["instances"]:
        assert identifiant in rapport
    prepare = pd.read_csv(sortie / "donnees" / preparation.FICHIER_RAPPORT, dtype=str, keep_default_na=False)
    assert (prepare["regle"] == "ligne_exclue").sum() == n
