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


def _structure(table, **options):
    return list(csv.DictReader(io.StringIO(questionnaire.limesurvey(table, **options)), delimiter="\t"))


def test_limesurvey_structure():
    rangs = _structure("participants", territoires=TERRITOIRES, annee_enquete=2022)
    assert all(len(r) == len(questionnaire.COLONNES_LIMESURVEY) and None not in r for r in rangs)
    questions = {r["name"]: r for r in rangs if r["class"] == "Q"}
    assert questions["idRepondant"]["mandatory"] == "Y"
    assert questions["secteur"]["type/scale"] == "L"
    reponses_secteur = [r for r in rangs if r["class"] == "A" and r["id"] == questions["secteur"]["id"]]
    assert [r["name"] for r in reponses_secteur][:3] == ["A1", "A2", "A3"]
    assert [r["text"] for r in reponses_secteur] == [questionnaire.LIBELLE_AUTRE if c == "autre" else lib
                                                     for c, lib in dictionnaire.codes("secteur").items()]
    assert questions["secteurAutre"]["relevance"] == f'secteur == "A{len(reponses_secteur)}"'
    assert questions["nbConcertations"]["num_value_int_only"] == "1"
    assert questions["accord"]["type/scale"] == "F"
    sous_questions = [r["name"] for r in rangs if r["class"] == "SQ"]
    assert sous_questions[0] == "c1Compromis" and "prioritesImposees" in sous_questions
    instances = _structure("instances", territoires=TERRITOIRES, annee_enquete=2022)
    annee = next(r for r in instances if r["name"] == "anneeCreation")
    assert "anneeCreation <= 2022" in annee["em_validation_q"] and annee["max_num_value_n"] == "2022"
    territoire = next(r for r in instances if r["name"] == "territoire" and r["class"] == "Q")
    assert [(r["name"], r["text"]) for r in instances if r["class"] == "A" and r["id"] == territoire["id"]] == [
        ("A1", "D'Autray"), ("A2", "L'Assomption")]  # ordre alphabétique, quel que soit l'ordre reçu


# Règles de LimeSurvey, telles que ses modèles les appliquent à l'import (LimeSurvey/LimeSurvey,
# application/models/Question.php : « Question codes must start with a letter and may only contain
# alphanumeric characters », motif /^[a-z,A-Z][[:alnum:]]*$/ ; sous-questions /^[[:alnum:]]*$/ ;
# application/models/Answer.php : code de réponse de 1 à 5 caractères, /^[[:alnum:]]*$/ ; colonne
# questions.title en string(20) dans l'installateur). Recopiées ici, indépendamment du code testé.
CODE_QUESTION = re.compile(r"^[a-zA-Z][a-zA-Z0-9]{0,19}$")
CODE_SOUS_QUESTION = re.compile(r"^[a-zA-Z0-9]{1,20}$")
CODE_REPONSE = re.compile(r"^[a-zA-Z0-9]{1,5}$")


@pytest.mark.parametrize("table", questionnaire.TABLES)
def test_limesurvey_codes_conformes_aux_regles_de_limesurvey(table):
    rangs = _structure(table, territoires=["La Matapédia", "Rimouski-Neigette", "Les Basques"], annee_enquete=2025)
    questions = [r for r in rangs if r["class"] == "Q"]
    codes = [q["name"] for q in questions]
    assert len(set(codes)) == len(codes)
    assert all(CODE_QUESTION.fullmatch(c) for c in codes), [c for c in codes if not CODE_QUESTION.fullmatch(c)]
    assert not {"LANG", "SID", "SAVEDID", "TOKEN", "QID", "GID", "SGQ", "self", "that", "this"} & set(codes)
    assert all(CODE_SOUS_QUESTION.fullmatch(r["name"]) for r in rangs if r["class"] == "SQ")
    par_question: dict[str, list[str]] = {}
    for r in rangs:
        if r["class"] == "A":
            par_question.setdefault(r["id"], []).append(r["name"])
    for reponses in par_question.values():
        assert all(CODE_REPONSE.fullmatch(c) for c in reponses) and len(set(reponses)) == len(reponses)
    # conditions et validations n'emploient que des codes de question et de réponse qui existent
    for q in questions:
        for nom, valeur in re.findall(r'(\w+) == "(\w+)"', q["relevance"]):
            cible = next(x for x in questions if x["name"] == nom)
            assert valeur in par_question[cible["id"]]
        if q["em_validation_q"]:
            assert set(re.findall(r"[A-Za-z_]\w*", q["em_validation_q"])) <= {q["name"], "is_empty", "date", "Y"}


@pytest.mark.parametrize("table", questionnaire.TABLES)
def test_limesurvey_correspondance_inverse_complete(table):
    """Chaque question analysée se relit depuis l'en-tête de l'export, et chaque code de réponse vers un code."""
    territoires = ["Kamouraska", "La Mitis"]
    corr = questionnaire.codes_limesurvey(table, territoires=territoires)
    analysees = {q.nom for q in questionnaire.questions(table) if q.analysee}
    assert analysees <= set(corr["colonnes"].values())
    rangs = _structure(table, territoires=territoires)
    for q in questionnaire.questions(table, territoires=territoires):
        if q.genre == "choix":
            assert set(corr["reponses"][q.nom].values()) == {c for c, _ in q.choix}
    if table == "instances":
        assert corr["reponses"]["territoire"] == {"A1": "kamouraska", "A2": "la_mitis"}
        assert corr["colonnes"]["anneeCreation"] == "annee_creation"
    else:
        assert corr["colonnes"]["accord[c3IntegrationConcert]"] == "c3_integration_concertations"
        assert "c3IntegrationConcert" in {r["name"] for r in rangs if r["class"] == "SQ"}


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
    assert "Les Moulins" in texte and "anneeCreation <= 2022" in texte


def test_format_inconnu():
    with pytest.raises(ValueError, match="Format inconnu"):
        questionnaire.formulaires("word")


def test_avant_la_collecte_le_seul_fichier_des_territoires_suffit(tmp_path):
    """Avant la collecte, un dossier de région n'a que ses territoires (aucune réponse)."""
    dossier = tmp_path / "bas_saint_laurent"
    dossier.mkdir()
    (dossier / "territoires.csv").write_bytes("territoire;code_geo;population\r\nLa Matapédia;07;17600\r\n"
                                              "Kamouraska;14;21000\r\n".encode("cp1252"))
    parametres = questionnaire.parametres_du_jeu(dossier)
    assert parametres.territoires == ["Kamouraska", "La Matapédia"] and parametres.annee_enquete is None
    assert sorted(p.name for p in dossier.iterdir()) == ["territoires.csv"]


def test_avant_la_collecte_jeu_yml_qui_declare_les_territoires(tmp_path):
    dossier = tmp_path / "bsl"
    dossier.mkdir()
    import pandas as pd

    pd.DataFrame({"MRC": ["Rimouski-Neigette", "Les Basques"], "population": [57000, 8500]}).to_csv(
        dossier / "mrc.csv", index=False)
    (dossier / "jeu.yml").write_text(
        "titre: Bas-Saint-Laurent\nannee_enquete: 2025\n"
        "fichiers:\n  instances: reponses_instances.csv\n  participants: reponses_participants.csv\n"
        "  territoires: mrc.csv\ncorrespondance:\n  colonnes:\n    territoires: {MRC: territoire}\n",
        encoding="utf-8")
    parametres = questionnaire.parametres_du_jeu(dossier)
    assert parametres.territoires == ["Les Basques", "Rimouski-Neigette"] and parametres.annee_enquete == 2025
    r = subprocess.run([sys.executable, "-m", "paquet_analyse", "questionnaire", "--format", "limesurvey",
                        "--jeu", str(dossier), "--sortie", str(tmp_path / "q")],
                       capture_output=True, text=True, cwd=chemins.racine())
    assert r.returncode == 0, r.stderr
    assert "2 territoire(s) de" in r.stdout
    texte = (tmp_path / "q" / "questionnaire_instances.txt").read_text(encoding="utf-8")
    assert "Les Basques" in texte and "anneeCreation <= 2025" in texte


def test_avant_la_collecte_sans_territoires_message_clair(tmp_path):
    from paquet_analyse.erreurs import ErreurJeu

    (tmp_path / "vide").mkdir()
    with pytest.raises(ErreurJeu, match="territoires.csv"):
        questionnaire.parametres_du_jeu(tmp_path / "vide")
    (tmp_path / "vide" / "jeu.yml").write_text("annee_enquete: deux mille\n", encoding="utf-8")
    with pytest.raises(ErreurJeu, match="annee_enquete"):
        questionnaire.parametres_du_jeu(tmp_path / "vide")
