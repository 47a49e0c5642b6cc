"""Exclusions déclarées dans jeu.yml et identifiants saisis à la main (chargement.exclusions, .identifiants).

Petits exports écrits ici, aux métadonnées de KoboToolbox (`_uuid`,
`_submission_time`, `_validation_status` : valeurs « XML » des statuts,
`validation_status_not_approved`, kobotoolbox/formpack
`schema/fields.py::ValidationStatusCopyField` et l'API de kpi,
https://support.kobotoolbox.org/api.html) et de LimeSurvey (`submitdate` vide
pour une réponse incomplète, https://manual.limesurvey.org/Responses). Les
fichiers bruts ne changent jamais (empreintes comparées après chaque lecture).
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from conftest import ecrire_jeu, empreintes, petites_tables
from paquet_analyse import chargement, validation
from paquet_analyse.chargement.identifiants import cle_identifiant
from paquet_analyse.erreurs import AvertissementCorrespondance, ErreurJeu

NON_APPROUVEE = "validation_status_not_approved"


def _tables_kobo():
    """Le mini-jeu, identifiants de style « BSL-00n », avec les métadonnées de Kobo ; I5 est une soumission
    d'essai (non approuvée) avec un participant, et I2 a été envoyée deux fois (même _uuid)."""
    tables = petites_tables()
    inst = tables["instances"].copy()
    inst["id_instance"] = [f"BSL-00{i}" for i in range(1, 5)]
    essai = inst.iloc[[0]].assign(id_instance="ESSAI-1", territoire="D'Autray")
    renvoi = inst.iloc[[1]].assign(nb_membres="9")  # 2e envoi de la même soumission, corrigé
    inst = pd.concat([inst, essai, renvoi], ignore_index=True)
    inst["_uuid"] = ["u1", "u2", "u3", "u4", "u5", "u2"]
    inst["_submission_time"] = ["2022-03-01T10:00:00", "2022-03-02T10:00:00", "2022-03-03T10:00:00",
                                "2022-03-04T10:00:00", "2022-02-20T09:00:00", "2022-03-09T16:00:00"]
    inst["_validation_status"] = ["validation_status_approved", "", "", "", NON_APPROUVEE, ""]
    part = tables["participants"].copy()
    part["id_instance"] = ["BSL-001", "bsl-001", "BSL - 002", "BSL-003", "BSL-004"]
    essai_p = part.iloc[[0]].assign(id_repondant="R6", id_instance="essai-1")
    part = pd.concat([part, essai_p], ignore_index=True)
    part["_uuid"] = [f"p{i}" for i in range(1, 7)]
    tables.update(instances=inst, participants=part)
    return tables


def _charger(dossier):
    avant = empreintes(dossier)
    with warnings.catch_warnings():  # avertissements de la console : vérifiés dans le rapport
        warnings.simplefilter("ignore", AvertissementCorrespondance)
        jeu = chargement.charger_jeu(dossier)
    assert empreintes(dossier) == avant  # rien n'est écrit dans le dossier des données brutes
    return jeu


def _regles(problemes, regle):
    return [p for p in problemes if p.regle == regle]


def test_essai_non_approuve_doublon_et_participants_qui_suivent(tmp_path):
    exclusions = {"non_approuvees": True, "doublons": {"colonne": "_uuid", "garder": "derniere"}}
    dossier = ecrire_jeu(tmp_path / "j", _tables_kobo(), sep=";", extra={"exclusions": exclusions})
    jeu = _charger(dossier)
    assert jeu.instances["id_instance"].tolist() == ["BSL-001", "BSL-003", "BSL-004", "BSL-002"]
    # la soumission gardée est la plus récente (_submission_time), même si elle vient plus loin dans le fichier
    assert jeu.instances.set_index("id_instance").loc["BSL-002", "nb_membres"] == 9
    exclues = {(p.fichier.rsplit("/", 1)[-1], p.ligne): p for p in jeu.lignes_exclues}
    assert set(exclues) == {("instances.csv", 6), ("instances.csv", 3), ("participants.csv", 7)}
    essai = exclues[("instances.csv", 6)]
    assert (essai.valeur, essai.colonne, essai.gravite) == ("ESSAI-1", "_validation_status", "information")
    assert NON_APPROUVEE in essai.message and "exclusions.non_approuvees" in essai.correction
    doublon = exclues[("instances.csv", 3)]
    assert "doublon de _uuid « u2 »" in doublon.message and "ligne 7 (la plus récente" in doublon.message
    suivi = exclues[("participants.csv", 7)]
    assert suivi.valeur == "R6" and "participant de l'instance « ESSAI-1 », elle-même exclue" in suivi.message
    # « bsl-001 » et « BSL - 002 » sont ramenés aux codes connus, avec un avertissement par ligne
    assert jeu.participants["id_instance"].tolist() == ["BSL-001", "BSL-001", "BSL-002", "BSL-003", "BSL-004"]
    normalises = _regles(jeu.problemes, "identifiant_normalise")
    assert [(p.ligne, p.valeur, p.gravite) for p in normalises] == [(3, "bsl-001", "avertissement"),
                                                                    (4, "BSL - 002", "avertissement")]
    rapport = validation.valider_jeu(jeu)
    assert rapport.valide, rapport.resume()
    tableau = rapport.lignes_exclues()
    assert list(tableau.columns) == ["fichier", "ligne", "identifiant", "motif"]
    assert len(tableau) == 3 and set(tableau["identifiant"]) == {"ESSAI-1", "BSL-002", "R6"}
    assert "ligne_exclue" in set(rapport.tableau()["regle"])


def test_sans_regle_l_essai_est_analyse_mais_signale(tmp_path):
    tables = _tables_kobo()
    tables["instances"] = tables["instances"].iloc[:5]  # sans le doublon
    jeu = _charger(ecrire_jeu(tmp_path / "j", tables, sep=";"))
    assert "ESSAI-1" in set(jeu.instances["id_instance"]) and not jeu.lignes_exclues
    [avert] = _regles(jeu.problemes, "soumission_non_approuvee")
    assert (avert.ligne, avert.valeur, avert.gravite) == (6, NON_APPROUVEE, "avertissement")
    assert "exclusions: {non_approuvees: true}" in avert.correction


def test_doublon_sans_regle_reste_une_erreur_qui_dit_comment_l_ecarter(tmp_path):
    jeu = _charger(ecrire_jeu(tmp_path / "j", _tables_kobo(), sep=";"))
    doubles = _regles(validation.valider_jeu(jeu).problemes, "identifiant_en_double")
    assert doubles and all(p.gravite == "erreur" for p in doubles)
    assert "exclusions: {doublons: {colonne: id_instance, garder: derniere}}" in doubles[0].correction


def test_garder_la_premiere_et_doublons_d_identifiant_sans_toucher_aux_participants(tmp_path):
    tables = _tables_kobo()
    tables["instances"]["_uuid"] = [f"u{i}" for i in range(1, 7)]  # renvoi avec un autre _uuid
    exclusions = {"non_approuvees": True, "doublons": {"colonne": "id_instance", "garder": "premiere"}}
    jeu = _charger(ecrire_jeu(tmp_path / "j", tables, sep=";", extra={"exclusions": exclusions}))
    assert jeu.instances.set_index("id_instance").loc["BSL-002", "nb_membres"] == 8  # la première soumission
    assert [(p.ligne, p.valeur) for p in jeu.lignes_exclues] == [(6, "ESSAI-1"), (7, "BSL-002"), (7, "R6")]
    # les participants de BSL-002 restent : une soumission de l'instance est gardée
    assert (jeu.participants["id_instance"] == "BSL-002").sum() == 1


def test_lignes_nommees_une_a_une(tmp_path):
    lignes = [{"table": "instances", "valeur": "BSL-004", "motif": "table dissoute avant l'enquête"},
              {"table": "participants", "colonne": "_uuid", "valeur": "p2", "motif": "consentement retiré"},
              {"table": "instances", "ligne": 6, "motif": "soumission d'essai"},
              {"table": "participants", "valeur": "R99", "motif": "faute de frappe"}]
    tables = _tables_kobo()
    tables["instances"] = tables["instances"].iloc[:5]
    jeu = _charger(ecrire_jeu(tmp_path / "j", tables, sep=";", extra={"exclusions": {"lignes": lignes}}))
    exclues = [(p.fichier.rsplit("/", 1)[-1], p.ligne, p.valeur) for p in jeu.lignes_exclues]
    assert exclues == [("instances.csv", 5, "BSL-004"), ("instances.csv", 6, "ESSAI-1"),
                       ("participants.csv", 3, "R2"), ("participants.csv", 6, "R5"), ("participants.csv", 7, "R6")]
    assert "table dissoute avant l'enquête" in jeu.lignes_exclues[0].message
    [sans] = _regles(jeu.problemes, "exclusion_sans_ligne")
    assert (sans.colonne, sans.valeur, sans.gravite) == ("exclusions.lignes[4]", "R99", "avertissement")
    assert validation.valider_jeu(jeu).valide


def test_colonne_d_exclusion_absente_est_une_erreur(tmp_path):
    exclusions = {"doublons": {"colonne": "KEY"},
                  "lignes": [{"table": "instances", "colonne": "_id", "valeur": "3", "motif": "essai"}]}
    jeu = _charger(ecrire_jeu(tmp_path / "j", _tables_kobo(), sep=";", extra={"exclusions": exclusions}))
    impossibles = _regles(jeu.problemes, "exclusion_impossible")
    assert {p.colonne for p in impossibles} == {"exclusions.doublons", "exclusions.lignes[1]"}
    assert all(p.gravite == "erreur" and p.fichier.endswith("jeu.yml") for p in impossibles)
    assert not validation.valider_jeu(jeu).valide


def test_reponses_incompletes_et_periode(tmp_path):
    tables = petites_tables()
    tables["instances"]["submitdate"] = ["2022-03-01 10:00:00", "", "2022-06-30 23:59:00", "2022-07-01 00:10:00"]
    tables["participants"]["submitdate"] = ["2022-03-05 10:00:00"] * 4 + [""]
    exclusions = {"incompletes": True, "periode": {"debut": "2022-03-01", "fin": "2022-06-30"}}
    jeu = _charger(ecrire_jeu(tmp_path / "j", tables, extra={"exclusions": exclusions}))
    motifs = {(p.fichier.rsplit("/", 1)[-1], p.ligne): p.message for p in jeu.lignes_exclues}
    assert set(motifs) == {("instances.csv", 3), ("instances.csv", 5), ("participants.csv", 4),
                           ("participants.csv", 6)}
    assert "réponse incomplète, jamais soumise (submitdate vide)" in motifs[("instances.csv", 3)]
    assert "soumise le 2022-07-01, hors de la période déclarée (du 2022-03-01 au 2022-06-30)" \
        in motifs[("instances.csv", 5)]
    assert "participant de l'instance « I2 », elle-même exclue (réponse incomplète" in motifs[("participants.csv", 4)]
    assert "réponse incomplète" in motifs[("participants.csv", 6)]  # sa propre règle d'abord (et I4 est exclue)
    assert jeu.instances["id_instance"].tolist() == ["I1", "I3"]  # bornes comprises : le 30 juin est gardé


def test_periode_en_dates_yaml_et_descripteur_recopiable_en_json(tmp_path):
    """YAML lit `debut: 2022-03-01` comme une date : le descripteur reste recopiable dans jeu.json."""
    import json

    tables = petites_tables()
    tables["instances"]["submitdate"] = ["2022-03-01 10:00:00"] * 3 + ["2022-07-01 00:10:00"]
    dossier = ecrire_jeu(tmp_path / "j", tables)
    texte = (dossier / "jeu.yml").read_text(encoding="utf-8")
    (dossier / "jeu.yml").write_text(texte + "exclusions:\n  periode: {debut: 2022-03-01, fin: 2022-06-30}\n",
                                     encoding="utf-8")
    desc = chargement.lire_descripteur(dossier)
    assert desc["exclusions"]["periode"] == {"debut": "2022-03-01", "fin": "2022-06-30"}
    json.dumps(desc)
    assert _charger(dossier).instances["id_instance"].tolist() == ["I1", "I2", "I3"]


def test_doublons_ordonnes_par_une_date_absente(tmp_path):
    tables = _tables_kobo()
    exclusions = {"non_approuvees": True, "doublons": {"colonne": "_uuid", "date": "_date_envoi"}}
    jeu = _charger(ecrire_jeu(tmp_path / "j", tables, sep=";", extra={"exclusions": exclusions}))
    impossibles = _regles(jeu.problemes, "exclusion_impossible")  # un par fichier qui a la colonne _uuid
    assert sorted(p.fichier.rsplit("/", 1)[-1] for p in impossibles) == ["instances.csv", "participants.csv"]
    assert all((p.colonne, p.valeur, p.gravite) == ("exclusions.doublons.date", "_date_envoi", "erreur")
               for p in impossibles)


def test_reponse_incomplete_sans_regle_signalee(tmp_path):
    tables = petites_tables()
    tables["instances"]["submitdate"] = ["2022-03-01 10:00:00", "", "2022-03-02 10:00:00", "2022-03-03 10:00:00"]
    jeu = _charger(ecrire_jeu(tmp_path / "j", tables))
    [avert] = _regles(jeu.problemes, "reponse_incomplete")
    assert (avert.ligne, avert.colonne, avert.gravite) == (3, "submitdate", "avertissement")
    assert len(jeu.instances) == 4


def test_exclusions_mal_formees_toutes_dites(tmp_path):
    exclusions = {"lignes": [{"table": "instance", "valeur": "X"}, {"table": "instances", "motif": "m"}],
                  "periode": {"debut": "2022-13-01"}, "doublons": {"colonne": "_uuid", "garder": "toutes"},
                  "non_approuve": True}
    with pytest.raises(ErreurJeu) as exc:
        chargement.charger_jeu(ecrire_jeu(tmp_path / "j", petites_tables(), extra={"exclusions": exclusions}))
    message = str(exc.value)
    assert "table inconnue « instance »" in message
    assert "« motif » doit être un texte non vide" in message
    assert "par « valeur »" in message and "ou par « ligne »" in message
    assert "« debut » doit être une date AAAA-MM-JJ" in message
    assert "« toutes » invalide" in message
    assert "non_approuve" in message


def test_identifiants_ambigus_jamais_fusionnes(tmp_path):
    tables = petites_tables()
    tables["instances"]["id_instance"] = ["BSL-001", "BSL-002", "BSL-003", "bsl-003"]
    tables["participants"]["id_instance"] = ["BSL-001", "BSL-002", "BSL-003", "bsl-003", "Bsl - 003"]
    jeu = _charger(ecrire_jeu(tmp_path / "j", tables))
    assert jeu.participants["id_instance"].tolist()[-1] == "Bsl - 003"  # rien n'est rapproché
    assert not _regles(jeu.problemes, "identifiant_normalise")
    [voisins] = _regles(jeu.problemes, "identifiants_voisins")
    assert voisins.gravite == "avertissement" and "« BSL-003 », « bsl-003 »" in voisins.message
    rapport = validation.valider_jeu(jeu)
    [inconnue] = _regles(rapport.problemes, "instance_inconnue")
    assert inconnue.ligne == 6 and "« BSL-003 » ou « bsl-003 »" in inconnue.message


@pytest.mark.parametrize(("saisi", "code"), [("bsl-003", "BSL-003"), ("BSL - 153", "BSL-153"),
                                              ("  bsl–153 ", "BSL-153"), ("BSL  -153", "BSL-153")])
def test_cle_des_identifiants(saisi, code):
    assert cle_identifiant(saisi) == cle_identifiant(code)


def test_cle_des_identifiants_ne_confond_pas_les_codes():
    assert cle_identifiant("BSL-03") != cle_identifiant("BSL-003")
    assert cle_identifiant("BSL_003") != cle_identifiant("BSL-003")
