"""Aller-retour : réponses simulées -> exports (Kobo, LimeSurvey, SPSS) -> jeu-depuis-export -> valider,
et les tableaux typés égaux à ceux du jeu simulé."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from paquet_analyse import chargement, chemins, jeu_depuis_export, preparation, questionnaire, simulation
from paquet_analyse.erreurs import ErreurDonnees

PROFILS = (dataclasses.replace(simulation.TERRITOIRES[1], nb_instances=16),
           dataclasses.replace(simulation.TERRITOIRES[3], nb_instances=12))
NOMS_TERRITOIRES = [p.nom for p in PROFILS]


@pytest.fixture(scope="module")
def jeu_simule(tmp_path_factory):
    dossier = tmp_path_factory.mktemp("simule")
    simulation.simuler(dossier, profils=PROFILS)
    return chargement.charger_jeu(dossier)


@pytest.fixture(scope="module")
def tables():
    return simulation.generer(profils=PROFILS)


def _texte(valeur) -> str:
    if valeur is None or (not isinstance(valeur, str) and pd.isna(valeur)):
        return ""
    if isinstance(valeur, (bool, np.bool_)):
        return "oui" if valeur else "non"
    if isinstance(valeur, (float, np.floating)):
        return f"{float(valeur):g}"
    return str(valeur)


def _export(tableau: pd.DataFrame, table: str, *, en_libelles: bool, tete, nommer) -> pd.DataFrame:
    """Le tableau tel que l'outil l'exporterait : colonnes du formulaire (dont « _autre »), réponses
    en codes ou en libellés du formulaire, métadonnées de l'outil en tête."""
    sortie = pd.DataFrame(tete(len(tableau)))
    for q in questionnaire.questions(table, territoires=NOMS_TERRITOIRES):
        if q.pertinence:
            source = tableau[q.pertinence[0]].astype(str)
            valeurs = np.where(source == q.pertinence[1], "Table de quartier, précisée à la main", "")
        elif q.nom == "territoire":
            valeurs = [_texte(v) if en_libelles else questionnaire.normaliser_nom(v) for v in tableau[q.nom]]
        else:
            valeurs = [_texte(v) for v in tableau[q.nom]] if q.nom in tableau else [""] * len(tableau)
            if q.choix and en_libelles:
                libelles = dict(q.choix)
                valeurs = [libelles.get(v, v) for v in valeurs]
            elif q.genre == "booleen":
                valeurs = [{"oui": "Y", "non": "N"}.get(v, v) for v in valeurs]
        sortie[nommer(q)] = valeurs
    return sortie


def _kobo(tableau, table):
    tete = lambda n: {"start": ["2022-03-01T10:00:00"] * n, "end": ["2022-03-01T10:20:00"] * n}
    sortie = _export(tableau, table, en_libelles=True, tete=tete, nommer=lambda q: f"{q.section}/{q.nom}")
    sortie["_id"] = range(1, len(sortie) + 1)
    sortie["_uuid"] = [f"uuid-{i}" for i in range(len(sortie))]
    sortie["_submission_time"] = "2022-03-02T08:00:00"
    return sortie


def _limesurvey(tableau, table):
    tete = lambda n: {"id": range(1, n + 1), "submitdate": ["2022-04-05 12:00:00"] * n,
                      "lastpage": [3] * n, "startlanguage": ["fr"] * n}
    nommer = lambda q: f"accord[{q.nom}]" if q.section == "accord" else q.nom
    return _export(tableau, table, en_libelles=False, tete=tete, nommer=nommer)


def _ecrire_csv(tableau, chemin, *, sep, encodage):
    chemin.write_bytes(tableau.to_csv(index=False, sep=sep, lineterminator="\n").encode(encodage))


def _comparer(dossier, jeu_simule):
    rapport = preparation.preparer(dossier).rapport
    assert not rapport.erreurs, rapport.resume()
    jeu = chargement.charger_jeu(dossier)
    for table in ("instances", "participants", "territoires"):
        attendu, obtenu = getattr(jeu_simule, table), getattr(jeu, table)
        pd.testing.assert_frame_equal(obtenu[attendu.columns].reset_index(drop=True), attendu.reset_index(drop=True))
    return jeu


def test_kobo_csv_libelles_et_groupes(tmp_path, tables, jeu_simule):
    _ecrire_csv(_kobo(tables["instances"], "instances"), tmp_path / "reponses_instances.csv", sep=";",
                encodage="utf-8-sig")
    _ecrire_csv(_kobo(tables["participants"], "participants"), tmp_path / "reponses_participants.csv", sep=";",
                encodage="utf-8-sig")
    mrc = tables["territoires"].assign(**{"Région administrative": "Lanaudière"})  # accents en Windows-1252
    _ecrire_csv(mrc, tmp_path / "mrc.csv", sep=",", encodage="cp1252")
    reconnaissance, etat = jeu_depuis_export.jeu_depuis_export(tmp_path, simule=True)
    assert etat == "écrit"
    assert reconnaissance.tables == {"instances": "reponses_instances.csv",
                                     "participants": "reponses_participants.csv", "territoires": "mrc.csv"}
    desc = reconnaissance.descripteur
    assert desc["annee_enquete"] == 2022
    assert desc["fichiers"]["instances"]["separateur"] == ";"
    assert desc["fichiers"]["instances"]["encodage"] == "utf-8-sig"
    assert desc["fichiers"]["territoires"]["encodage"] == "cp1252"
    assert desc["correspondance"]["colonnes"]["instances"]["identification/id_instance"] == "id_instance"
    assert desc["correspondance"]["codes"]["thematique"] == {"Autre (précisez)": "autre"}
    assert any("initiateur_autre" in p for p in reconnaissance.non_places)
    assert any("_uuid" in p for p in reconnaissance.non_places)
    _comparer(tmp_path, jeu_simule)


def test_limesurvey_csv_codes_et_sous_questions(tmp_path, tables, jeu_simule):
    _ecrire_csv(_limesurvey(tables["participants"], "participants"), tmp_path / "survey_111.csv", sep=",",
                encodage="utf-8")
    _ecrire_csv(_limesurvey(tables["instances"], "instances"), tmp_path / "survey_222.csv", sep=",",
                encodage="utf-8")
    _ecrire_csv(tables["territoires"], tmp_path / "territoires.csv", sep=",", encodage="utf-8")
    reconnaissance, _ = jeu_depuis_export.jeu_depuis_export(tmp_path, simule=True)
    assert reconnaissance.tables["participants"] == "survey_111.csv"
    assert reconnaissance.tables["instances"] == "survey_222.csv"
    desc = reconnaissance.descripteur
    assert desc["annee_enquete"] == 2022
    assert desc["correspondance"]["colonnes"]["participants"]["accord[c1_compromis]"] == "c1_compromis"
    # codes de territoire du formulaire (« l_assomption ») ramenés aux noms officiels
    assert desc["correspondance"]["codes"]["territoire"]["l_assomption"] == "L'Assomption"
    assert any("« id »" in p for p in reconnaissance.non_places)
    _comparer(tmp_path, jeu_simule)


def test_spss_sav_etiquettes(tmp_path, tables, jeu_simule):
    pyreadstat = pytest.importorskip("pyreadstat")
    for table in ("instances", "participants"):
        codes = _limesurvey(tables[table], table)
        etiquettes = {}
        for q in questionnaire.questions(table, territoires=NOMS_TERRITOIRES):
            if q.genre == "choix" and q.nom != "territoire" and q.section != "accord":
                etiquettes[q.nom] = {code: lib for code, lib in q.choix}
        codes = codes.drop(columns=[c for c in codes if c.startswith("accord[")])
        for q in questionnaire.questions(table):
            if q.section == "accord":
                codes[q.nom] = pd.to_numeric(tables[table][q.nom]).astype(float)
                etiquettes[q.nom] = {float(k): v for k, v in q.choix}
        pyreadstat.write_sav(codes, str(tmp_path / f"{table}.sav"), variable_value_labels=etiquettes)
    _ecrire_csv(tables["territoires"], tmp_path / "territoires.csv", sep=",", encodage="utf-8")
    reconnaissance, _ = jeu_depuis_export.jeu_depuis_export(tmp_path, simule=True)
    assert reconnaissance.tables["participants"] == "participants.sav"
    _comparer(tmp_path, jeu_simule)


def test_jeu_yml_existant_different_refuse(tmp_path, tables):
    _ecrire_csv(_limesurvey(tables["instances"], "instances"), tmp_path / "a.csv", sep=",", encodage="utf-8")
    _ecrire_csv(_limesurvey(tables["participants"], "participants"), tmp_path / "b.csv", sep=",", encodage="utf-8")
    (tmp_path / "jeu.yml").write_text("titre: le mien\n", encoding="utf-8")
    avant = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(ErreurDonnees, match="--ecraser"):
        jeu_depuis_export.jeu_depuis_export(tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == avant
    _, etat = jeu_depuis_export.jeu_depuis_export(tmp_path, ecraser=True)
    assert etat == "remplacé"
    _, etat = jeu_depuis_export.jeu_depuis_export(tmp_path)
    assert etat == "identique"
    # seul jeu.yml a changé : les exports sont intacts, et rien d'autre n'est écrit
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv", "jeu.yml"]
    assert all((tmp_path / n).read_bytes() == o for n, o in avant.items() if n != "jeu.yml")


def test_dossier_sans_participants(tmp_path, tables):
    _ecrire_csv(_limesurvey(tables["instances"], "instances"), tmp_path / "a.csv", sep=",", encodage="utf-8")
    with pytest.raises(ErreurDonnees, match="participants"):
        jeu_depuis_export.reconnaitre(tmp_path, annee_enquete=2022)
    assert not (tmp_path / "jeu.yml").exists()


def test_en_ligne_de_commande(tmp_path, tables):
    _ecrire_csv(_kobo(tables["instances"], "instances"), tmp_path / "i.csv", sep=";", encodage="utf-8")
    _ecrire_csv(_kobo(tables["participants"], "participants"), tmp_path / "p.csv", sep=";", encodage="utf-8")
    r = subprocess.run([sys.executable, "-m", "paquet_analyse", "jeu-depuis-export", str(tmp_path)],
                       capture_output=True, text=True, cwd=chemins.racine())
    assert r.returncode == 0, r.stderr
    assert "instances : i.csv" in r.stdout and "Non placé" in r.stdout and "_submission_time" in r.stdout
    r = subprocess.run([sys.executable, "-m", "paquet_analyse", "valider", str(tmp_path), "--rapport",
                        str(tmp_path.parent / "rapport_cli.csv")], capture_output=True, text=True,
                       cwd=chemins.racine())
    assert r.returncode == 0, r.stdout + r.stderr
