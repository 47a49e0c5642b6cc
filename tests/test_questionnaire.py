"""Les questionnaires tirés du dictionnaire : XLSForm valide pour pyxform (sans avertissement),
structure LimeSurvey, HTML autonome, octets reproductibles."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import warnings

import openpyxl
import pytest

from paquet_analyse import chemins, dictionnaire, questionnaire

TERRITOIRES = ["L'Assomption", "D'Autray"]


def _convertir(octets: bytes) -> str:
    """XLSForm -> XForm avec pyxform ; tout avertissement fait échouer le test."""
    from pyxform.xls2xform import convert

    avertissements: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        resultat = convert(io.BytesIO(octets), warnings=avertissements, file_type=".xlsx")
    assert avertissements == []
    return resultat.xform


@pytest.mark.parametrize("table", questionnaire.TABLES)
@pytest.mark.parametrize("territoires, annee", [(None, None), (TERRITOIRES, 2022)])
def test_xlsform_converti_par_pyxform_sans_avertissement(table, territoires, annee):
    xform = _convertir(questionnaire.xlsform(table, territoires=territoires, annee_enquete=annee))
    for q in questionnaire.questions(table):
        assert f"/{q.nom}" in xform
    if table == "instances":
        attendu = ". &lt;= 2022" if annee else "format-date(today()"
        assert attendu in xform
        assert ("l_assomption" in xform) == bool(territoires)


def test_xlsform_codes_contraintes_obligatoires_sauts():
    classeur = openpyxl.load_workbook(io.BytesIO(questionnaire.xlsform("instances", annee_enquete=2024)))
    assert classeur.sheetnames == ["survey", "choices", "settings"]
    lignes = list(classeur["survey"].iter_rows(values_only=True))
    entete = lignes[0]
    survey = {l[entete.index("name")]: dict(zip(entete, l)) for l in lignes[1:] if l[0] not in ("begin_group", "end_group")}
    assert survey["annee_creation"]["type"] == "integer"
    assert survey["annee_creation"]["constraint"] == ". >= 1950 and . <= 2024"
    assert survey["nb_membres"]["constraint"] == ". >= 1"
    assert survey["id_instance"]["required"] == "yes" and survey["initiateur"]["required"] is None
    assert survey["initiateur_autre"]["relevant"] == "${initiateur} = 'autre'"
    assert "jamais analysé" in survey["initiateur_autre"]["hint"]
    assert survey["citoyens_membres"]["type"] == "select_one oui_non"
    choix = [r for r in classeur["choices"].iter_rows(values_only=True)][1:]
    codes_initiateur = [nom for liste, nom, _ in choix if liste == "initiateur"]
    assert codes_initiateur == list(dictionnaire.codes("initiateur"))
    # une question par variable du dictionnaire, sauf le poids de sondage
    assert set(dictionnaire.variables("instances")) <= set(survey)
    assert "poids" not in {q.nom for q in questionnaire.questions("participants")}


def test_participants_echelle_partagee():
    qs = {q.nom: q for q in questionnaire.questions("participants")}
    assert qs["c1_compromis"].liste == qs["c8_evaluation_collective"].liste == "c1_compromis"
    assert qs["c1_compromis"].choix[0] == ("1", "Pas du tout d'accord")
    assert qs["heures_mois"].genre == "reel" and qs["heures_mois"].contrainte_xlsform() == ". >= 0"
    assert qs["id_instance"].obligatoire and not qs["secteur"].obligatoire


@pytest.mark.parametrize("format", questionnaire.FORMATS)
def test_octets_reproductibles(format):
    assert questionnaire.formulaires(format) == questionnaire.formulaires(format)


def test_limesurvey_structure():
    texte = questionnaire.limesurvey("participants", territoires=TERRITOIRES, annee_enquete=2022)
    rangs = list(csv.DictReader(io.StringIO(texte), delimiter="\t"))
    assert all(len(r) == len(questionnaire.COLONNES_LIMESURVEY) and None not in r for r in rangs)
    questions = {r["name"]: r for r in rangs if r["class"] == "Q"}
    assert questions["id_repondant"]["mandatory"] == "Y"
    assert questions["secteur"]["type/scale"] == "L"
    assert questions["secteur_autre"]["relevance"] == 'secteur == "autre"'
    assert questions["nb_concertations"]["num_value_int_only"] == "1"
    assert questions["accord"]["type/scale"] == "F"
    sous_questions = [r["name"] for r in rangs if r["class"] == "SQ"]
    assert sous_questions[0] == "c1_compromis" and "priorites_imposees" in sous_questions
    reponses_secteur = [r["name"] for r in rangs if r["class"] == "A" and r["id"] == questions["secteur"]["id"]]
    assert reponses_secteur == list(dictionnaire.codes("secteur"))
    instances = list(csv.DictReader(io.StringIO(questionnaire.limesurvey("instances", territoires=TERRITOIRES,
                                                                         annee_enquete=2022)), delimiter="\t"))
    annee = next(r for r in instances if r["name"] == "annee_creation")
    assert "annee_creation <= 2022" in annee["em_validation_q"] and annee["max_num_value_n"] == "2022"
    territoire = next(r for r in instances if r["name"] == "territoire" and r["class"] == "Q")
    assert [r["name"] for r in instances if r["class"] == "A" and r["id"] == territoire["id"]] == ["l_assomption",
                                                                                                  "d_autray"]


def test_html_autonome_et_complet():
    page = questionnaire.html_imprimable("instances", territoires=TERRITOIRES, annee_enquete=2022)
    assert page.startswith("<!DOCTYPE html>") and '<html lang="fr">' in page
    assert not re.search(r"(src|href)\s*=|https?://|@import", page)
    assert "Autre (précisez)" in page and "Poser seulement si « Initiateur de la concertation »" in page
    assert "au moins 1950 et au plus 2022" in page and "L&#x27;Assomption" in page
    for q in questionnaire.questions("instances"):
        assert f'id="{q.nom}"' in page


def test_verbe_questionnaire(tmp_path):
    r = subprocess.run([sys.executable, "-m", "paquet_analyse", "questionnaire", "--format", "xlsform",
                        "--sortie", str(tmp_path)], capture_output=True, text=True, cwd=chemins.racine())
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["questionnaire_instances.xlsx",
                                                          "questionnaire_participants.xlsx"]
    assert (tmp_path / "questionnaire_instances.xlsx").read_bytes() == questionnaire.xlsform("instances")


def test_verbe_questionnaire_avec_jeu(tmp_path):
    r = subprocess.run([sys.executable, "-m", "paquet_analyse", "questionnaire", "--format", "limesurvey",
                        "--jeu", str(chemins.jeu_defaut()), "--sortie", str(tmp_path)],
                       capture_output=True, text=True, cwd=chemins.racine())
    assert r.returncode == 0, r.stderr
    texte = (tmp_path / "questionnaire_instances.txt").read_text(encoding="utf-8")
    assert "Les Moulins" in texte and "annee_creation <= 2022" in texte


def test_format_inconnu():
    with pytest.raises(ValueError, match="Format inconnu"):
        questionnaire.formulaires("word")
