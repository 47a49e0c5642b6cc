"""Lecture YAML stricte et schémas pydantic communs à `jeu.yml` et `plan_analyse.yml`."""

from __future__ import annotations

import copy

import pytest
import yaml

from conftest import ecrire_jeu, petites_tables
from paquet_analyse import chargement, chemins, plan
from paquet_analyse.documents_yaml import lire_yaml
from paquet_analyse.erreurs import ErreurJeu, ErreurPlan


def test_cle_en_double_refusee_dans_jeu_yml(tmp_path):
    dossier = ecrire_jeu(tmp_path / "jeu", petites_tables())
    texte = (dossier / "jeu.yml").read_text(encoding="utf-8")
    (dossier / "jeu.yml").write_text(texte + "region: Ailleurs\n", encoding="utf-8")
    with pytest.raises(ErreurJeu, match=r"clé « region » en double") as exc:
        chargement.lire_descripteur(dossier)
    assert "à la ligne" in str(exc.value) and "colonne 1" in str(exc.value)


def test_cle_en_double_refusee_dans_le_plan(tmp_path):
    chemin = tmp_path / "plan.yml"
    texte = chemins.plan_analyse().read_text(encoding="utf-8")
    chemin.write_text("version: 1\n" + texte if not texte.startswith("version") else texte + "version: 2\n",
                      encoding="utf-8")
    with pytest.raises(ErreurPlan, match=r"clé « version » en double"):
        plan.charger_plan(chemin)


def test_cle_en_double_imbriquee_refusee(tmp_path):
    chemin = tmp_path / "a.yml"
    chemin.write_text("seuils:\n  alpha: 0.05\n  alpha: 0.1\n", encoding="utf-8")
    with pytest.raises(ErreurPlan, match=r"YAML illisible à la ligne 3, colonne 3 : clé « alpha » en double"):
        lire_yaml(chemin, erreur=ErreurPlan)


@pytest.fixture
def brut():
    return yaml.safe_load(chemins.plan_analyse().read_text(encoding="utf-8"))


def _message(tmp_path, brut) -> str:
    chemin = tmp_path / "plan.yml"
    chemin.write_text(yaml.safe_dump(brut, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ErreurPlan) as exc:
        plan.charger_plan(chemin)
    return str(exc.value)


def test_plan_tous_les_champs_fautifs_de_toutes_les_hypotheses(tmp_path, brut):
    """Deux hypothèses avec deux champs fautifs chacune : quatre puces (avant : la 1re faute seulement)."""
    mauvais = copy.deepcopy(brut)
    mauvais["hypotheses"][0].update(niveau="quartier", portee=["planete"])
    mauvais["hypotheses"][1].update(methode="magie", covariables=["C(couleur)"])
    message = _message(tmp_path, mauvais)
    puces = [ligne for ligne in message.splitlines() if ligne.startswith("  - ")]
    assert len(puces) == 4, message
    id0, id1 = brut["hypotheses"][0]["id"], brut["hypotheses"][1]["id"]
    assert f"hypothèse n° 1 ({id0}) : niveau « quartier » invalide" in message
    assert f"hypothèse n° 1 ({id0}) : portee doit être une liste" in message
    assert f"hypothèse n° 2 ({id1}) : méthode « magie » invalide" in message
    assert f"hypothèse n° 2 ({id1}) : covariable « C(couleur) » inconnue" in message


def test_plan_controle_renvoie_une_liste_vide_pour_le_plan_livre(brut):
    assert plan.controler_plan(brut) == []
    assert plan.controler_plan([1, 2]) == ["le plan doit être un dictionnaire YAML (clés version, seuils, "
                                           "derivees, hypotheses)"]


def test_plan_champ_absent_et_sections_mal_formees(brut):
    mauvais = copy.deepcopy(brut)
    mauvais["hypotheses"][0].pop("question")
    mauvais["seuils"]["alpha"] = "cinq pour cent"
    mauvais["derivees"]["deficit_democratique"] = "x"
    mauvais["hypotheses"].append("pas un dictionnaire")
    erreurs = plan.controler_plan(mauvais)
    assert f"hypothèse n° 1 ({brut['hypotheses'][0]['id']}) : champ obligatoire « question » absent" in erreurs
    assert "seuils.alpha : nombre attendu (reçu « cinq pour cent »)" in erreurs
    assert "derivees.deficit_democratique : composantes (liste) et minimum attendus" in erreurs
    assert f"hypothèse n° {len(mauvais['hypotheses'])} : dictionnaire attendu" in erreurs
    assert len(erreurs) == 4


def test_descripteur_tous_les_problemes_a_la_fois(tmp_path):
    dossier = ecrire_jeu(tmp_path / "jeu", petites_tables(), extra={"titr": "faute"})
    desc = yaml.safe_load((dossier / "jeu.yml").read_text(encoding="utf-8"))
    desc["fichiers"]["participants"] = {"chemin": "participants.csv", "lignes_a_sauter": -1, "couleur": "x"}
    desc["simule"] = "peut-être"
    (dossier / "jeu.yml").write_text(yaml.safe_dump(desc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ErreurJeu) as exc:
        chargement.lire_descripteur(dossier)
    message = str(exc.value)
    assert "4 problème(s) à corriger" in message
    assert "clé inconnue « titr »" in message
    assert "fichiers.participants : « lignes_a_sauter » doit être un entier ≥ 0 (reçu « -1 »)" in message
    assert "fichiers.participants : option(s) inconnue(s) ['couleur']" in message
    assert "« simule » doit valoir true ou false (reçu « peut-être »)" in message
