"""Le plan d'analyse : le plan livré est valide ; un plan mal formé est refusé avec tous ses problèmes."""

from __future__ import annotations

import copy

import pytest
import yaml

from paquet_analyse import chemins, plan
from paquet_analyse.erreurs import ErreurPlan


@pytest.fixture
def brut():
    return yaml.safe_load(chemins.plan_analyse().read_text(encoding="utf-8"))


def test_plan_livre_valide_et_complet():
    p = plan.charger_plan()
    # les familles de la conception ; le plan peut en avoir d'autres (README : ajouter une hypothèse H7)
    assert {"H1", "H2", "H3", "H4", "H5", "H6"} <= {h.famille for h in p.hypotheses}
    assert p.seuils["sur_sollicitation"] >= 1 and p.seuils["confidentialite"] == 5
    assert p.derivees["deficit_democratique"]["composantes"] == ["deficit_participation", "deficit_evaluation"]
    h4 = p.hypothese("H4a")
    assert h4.formule() == "deficit_delegation ~ descendante + thematique_ejf + depuis_charniere + C(secteur)"
    assert all(h.grappes == "id_instance" for h in p.hypotheses if h.niveau == "participants")


def _erreurs(tmp_path, brut):
    chemin = tmp_path / "plan.yml"
    chemin.write_text(yaml.safe_dump(brut, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ErreurPlan) as exc:
        plan.charger_plan(chemin)
    return str(exc.value)


def test_plan_mal_forme_tous_les_problemes(tmp_path, brut):
    mauvais = copy.deepcopy(brut)
    mauvais["seuils"]["sur_sollicitation"] = "quatre"
    mauvais["hypotheses"][0]["issue"] = "deficit_imaginaire"
    mauvais["hypotheses"][1]["methode"] = "magie"
    mauvais["hypotheses"][2].pop("grappes")
    mauvais["hypotheses"][3]["id"] = mauvais["hypotheses"][0]["id"]
    mauvais["hypotheses"][4]["couleur"] = "rouge"
    message = _erreurs(tmp_path, mauvais)
    assert "seuils.sur_sollicitation : nombre entier attendu (reçu « quatre »)" in message
    assert "issue « deficit_imaginaire » inconnue" in message
    assert "méthode « magie » invalide" in message
    assert "« grappes: id_instance » est obligatoire" in message
    assert "identifiant d'hypothèse en double : « H1a »" in message
    assert "clé inconnue « couleur »" in message


def test_association_interdite_au_niveau_participants(tmp_path, brut):
    mauvais = copy.deepcopy(brut)
    mauvais["hypotheses"][2]["methode"] = "association"
    assert "ne s'applique qu'au niveau instances" in _erreurs(tmp_path, mauvais)


def test_composante_du_deficit_inconnue(tmp_path, brut):
    mauvais = copy.deepcopy(brut)
    mauvais["derivees"]["deficit_democratique"]["composantes"] = ["deficit_participation", "autre_chose"]
    assert "composante « autre_chose » inconnue" in _erreurs(tmp_path, mauvais)


def test_plan_illisible(tmp_path):
    chemin = tmp_path / "plan.yml"
    chemin.write_text("hypotheses: [\n", encoding="utf-8")
    with pytest.raises(ErreurPlan, match="YAML illisible"):
        plan.charger_plan(chemin)
    with pytest.raises(ErreurPlan, match="introuvable"):
        plan.charger_plan(tmp_path / "absent.yml")


H7 = {"id": "H7", "famille": "H7",
      "question": "Les concertations financées par un programme ont-elles plus souvent un déficit d'évaluation ?",
      "niveau": "instances", "exposition": "financement_programme", "issue": "deficit_evaluation",
      "methode": "association", "portee": ["territoire", "region"]}


@pytest.mark.lent
def test_procedure_h7_du_readme_garde_les_tests_verts(tmp_path):
    """README, « Pour une nouvelle hypothèse » : l'ajouter au plan. Dans une copie du projet, les
    tests qui lisent le plan et les analyses restent verts, et H7 est exécutée par le plan."""
    import os
    import shutil
    import subprocess
    import sys

    racine = tmp_path / "projet"
    racine.mkdir()
    for nom in ("pyproject.toml", "README.md"):
        shutil.copy2(chemins.racine() / nom, racine / nom)
    for nom in ("carnets", "paquet_analyse", "tests", "docs", "donnees_brutes/lanaudiere"):
        shutil.copytree(chemins.racine() / nom, racine / nom, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    chemin = racine / "carnets" / "plan_analyse.yml"
    chemin.write_text(chemin.read_text(encoding="utf-8") + "  - " + yaml.safe_dump(H7, allow_unicode=True,
                      sort_keys=False).replace("\n", "\n    ").rstrip() + "\n", encoding="utf-8")
    env = {**os.environ, "PAQUET_ANALYSE_RACINE": str(racine), "PYTHONPATH": str(racine)}
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_plan.py",
                        "tests/test_analyses.py", "tests/test_dictionnaire.py", "-m", "not lent"],
                       cwd=racine, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:]
    code = ("from paquet_analyse import preparation, synthese_region\n"
            "d = preparation.preparer('donnees_brutes/lanaudiere').donnees\n"
            "r = synthese_region.synthese(d)\n"
            "print(r.set_index('id').loc['H7', 'statut'])")
    r = subprocess.run([sys.executable, "-c", code], cwd=racine, env=env, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr[-2000:]


# --------------------------------------------------------------------------
# Une clé mal orthographiée : nommée, avec la clé valide la plus proche


def test_seuil_mal_orthographie_nomme_la_cle_et_la_plus_proche(tmp_path, brut):
    mauvais = copy.deepcopy(brut)
    mauvais["seuils"]["confidentalite"] = mauvais["seuils"].pop("confidentialite")
    message = _erreurs(tmp_path, mauvais)
    assert "seuils : clé inconnue « confidentalite » : voulait-on dire « confidentialite » ?" in message
    assert "None" not in message  # pas de « nombre entier attendu (reçu « None ») » pour la clé mal écrite


def test_seuil_absent_dit_absent(tmp_path, brut):
    mauvais = copy.deepcopy(brut)
    del mauvais["seuils"]["alpha"]
    message = _erreurs(tmp_path, mauvais)
    assert "seuils : clé obligatoire « alpha » absente" in message and "None" not in message


@pytest.mark.parametrize("ou, cle, attendu", [
    ("hypothese", "expositon", "hypothèse n° 1 (H1a) : clé inconnue « expositon » : voulait-on dire « exposition » ?"),
    ("racine", "hypotheeses", "clé inconnue « hypotheeses » : voulait-on dire « hypotheses » ?"),
])
def test_autres_cles_mal_orthographiees(tmp_path, brut, ou, cle, attendu):
    mauvais = copy.deepcopy(brut)
    if ou == "hypothese":
        mauvais["hypotheses"][0][cle] = mauvais["hypotheses"][0].pop("exposition")
    else:
        mauvais[cle] = mauvais["hypotheses"]
    assert attendu in _erreurs(tmp_path, mauvais)


def test_seuil_supplementaire_eloigne_reste_permis(tmp_path, brut):
    """Une clé ajoutée exprès (loin de toute clé connue) n'est pas prise pour une faute de frappe."""
    chemin = tmp_path / "plan.yml"
    ajoute = copy.deepcopy(brut)
    ajoute["seuils"]["nombre_de_tirages_bootstrap"] = 200
    chemin.write_text(yaml.safe_dump(ajoute, allow_unicode=True), encoding="utf-8")
    assert plan.charger_plan(chemin).seuils["nombre_de_tirages_bootstrap"] == 200


def test_erreur_du_paquet_sans_trace_python_dans_un_carnet(tmp_path, brut):
    """Dans un carnet (IPython, le noyau de JupyterLab), une erreur du paquet s'affiche en français, sans la
    pile d'appels Python : seulement le message."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    mauvais = copy.deepcopy(brut)
    mauvais["seuils"]["confidentalite"] = mauvais["seuils"].pop("confidentialite")
    chemin = tmp_path / "plan.yml"
    chemin.write_text(yaml.safe_dump(mauvais, allow_unicode=True), encoding="utf-8")
    shell = InteractiveShell.instance()
    with capture_output() as sortie:
        shell.run_cell(f"from paquet_analyse import plan\nplan.charger_plan({str(chemin)!r})")
    texte = sortie.stdout + sortie.stderr
    assert "voulait-on dire « confidentialite » ?" in texte
    assert "Traceback" not in texte and "File " not in texte and "plan.py" not in texte, texte


def test_readme_dit_quels_tests_lancer_et_ou_apparait_une_hypothese():
    """README, « Pour une nouvelle hypothèse » : les tests à lancer, et où H7 apparaît (le carnet 05 seulement
    pour une hypothèse sur l'indice des conditions, ce que fait `hypotheses.portant_sur`)."""
    readme = (chemins.racine() / "README.md").read_text(encoding="utf-8")
    section = readme.split("- Pour une nouvelle hypothèse (H7)", 1)[1].split("- Ouvrir un carnet", 1)[0]
    assert "tests/test_plan.py" in section and "Tests à lancer" in section
    assert "carnet 05 seulement si son issue est l'indice des conditions" in section
    assert "flux.CARNETS_REGION" not in readme and "execution.CARNETS" in readme


def test_une_hypothese_sur_l_indice_apparait_dans_le_carnet_05():
    import json

    import pandas as pd

    from paquet_analyse import hypotheses

    synthese = pd.DataFrame({"id": ["H6a", "H7", "H1a"], "famille": ["H6", "H7", "H1"],
                             "issue": ["indice_conditions", "indice_conditions", "deficit_participation"]})
    assert hypotheses.portant_sur(synthese, "indice_conditions")["id"].tolist() == ["H6a", "H7"]
    carnet_05 = json.loads((chemins.racine() / "carnets" / "05_conditions_favorables.ipynb").read_text(encoding="utf-8"))
    assert any('diffusion.portant_sur(diffusion.resultats_region(donnees), "indice_conditions")' in "".join(c["source"])
               for c in carnet_05["cells"])
