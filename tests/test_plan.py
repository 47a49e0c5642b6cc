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
    assert {h.famille for h in p.hypotheses} == {"H1", "H2", "H3", "H4", "H5", "H6"}
    assert p.seuils["sur_sollicitation"] >= 1 and p.seuils["confidentialite"] == 5
    assert p.derivees["deficit_democratique"]["composantes"] == ["deficit_participation", "deficit_evaluation"]
    h4 = p.hypothese("H4a")
    assert h4.formule() == "deficit_delegation ~ descendante + thematique_ejf + depuis_2000 + C(secteur)"
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
