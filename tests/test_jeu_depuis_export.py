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
    # un jeu.yml qui décrit déjà les réponses (écrit à la main) : jamais remplacé sans --ecraser
    (tmp_path / "jeu.yml").write_text("titre: le mien\nfichiers: {instances: a.csv, participants: b.csv}\n",
                                      encoding="utf-8")
    avant = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(ErreurDonnees, match="--ecraser"):
        jeu_depuis_export.jeu_depuis_export(tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == avant
    reconnaissance, etat = jeu_depuis_export.jeu_depuis_export(tmp_path, ecraser=True)
    assert etat == "remplacé" and reconnaissance.descripteur["titre"] == "le mien"  # ses clés sont gardées
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


# --------------------------------------------------------------------------
# Exports tels qu'ils arrivent


def _csv_kobo(tableau, chemin):
    """Format CSV de KoboToolbox : « ; » entre les champs, chaque champ entre guillemets (guillemets doublés),
    CRLF, UTF-8 sans BOM (kobotoolbox/formpack `Export.to_csv` ; kpi `ExportTask._run_task` écrit
    `line + "\\r\\n"` en UTF-8)."""
    lignes = [list(tableau.columns)] + tableau.astype(str).values.tolist()
    texte = "".join(";".join('"' + str(v).replace('"', '""') + '"' for v in rangee) + "\r\n" for rangee in lignes)
    chemin.write_bytes(texte.encode("utf-8"))


def _kobo_xml(tableau, table, *, sep="/"):
    """Export « XML values and headers » avec groupes : noms de questions préfixés par leurs groupes, réponses
    en noms de choix (https://support.kobotoolbox.org/export_download.html et advanced_export.html)."""
    sortie = _export(tableau, table, en_libelles=False, tete=lambda n: {}, nommer=lambda q: f"{q.section}{sep}{q.nom}")
    booleens = [f"{q.section}{sep}{q.nom}" for q in questionnaire.questions(table) if q.genre == "booleen"]
    sortie[booleens] = sortie[booleens].replace({"Y": "oui", "N": "non"})  # liste de choix oui_non du XLSForm
    sortie["_id"] = [str(i) for i in range(1, len(sortie) + 1)]
    sortie["_uuid"] = [f"uuid-{table}-{i}" for i in range(len(sortie))]
    sortie["_submission_time"] = "2022-03-02T08:00:00"
    sortie["_validation_status"] = ""
    sortie["__version__"] = "vKs9aBc"
    sortie["_index"] = [str(i) for i in range(1, len(sortie) + 1)]
    return sortie


def test_kobo_csv_valeurs_xml_groupes_et_reponse_nom_de_variable(tmp_path, tables, jeu_simule):
    """Le CSV par défaut de Kobo était refusé dès qu'une réponse valait un nom de variable
    (`questions/forme` = « thematique ») : la ligne de données l'emportait sur l'en-tête."""
    assert (tables["instances"]["forme"] == "thematique").any()
    for table in ("instances", "participants"):
        _csv_kobo(_kobo_xml(tables[table], table), tmp_path / f"{table}_xml.csv")
    _ecrire_csv(tables["territoires"], tmp_path / "territoires.csv", sep=",", encodage="utf-8")
    reconnaissance, _ = jeu_depuis_export.jeu_depuis_export(tmp_path, simule=True)
    desc = reconnaissance.descripteur
    assert reconnaissance.tables == {"instances": "instances_xml.csv", "participants": "participants_xml.csv",
                                     "territoires": "territoires.csv"}
    assert desc["correspondance"]["colonnes"]["instances"]["questions/forme"] == "forme"
    assert desc["exclusions"] == {"non_approuvees": True, "doublons": [{"colonne": "_uuid", "garder": "derniere"}]}
    assert any("exclusions.doublons" in r for r in reconnaissance.remarques)
    assert any("« _validation_status » non placée (métadonnée de KoboToolbox" in p for p in reconnaissance.non_places)
    _comparer(tmp_path, jeu_simule)


@pytest.mark.parametrize("sep", ["-", "."])
def test_autres_separateurs_de_groupe(tmp_path, tables, sep):
    for table in ("instances", "participants"):
        _csv_kobo(_kobo_xml(tables[table], table, sep=sep), tmp_path / f"{table}.csv")
    reconnaissance = jeu_depuis_export.reconnaitre(tmp_path)
    assert reconnaissance.descripteur["correspondance"]["colonnes"]["instances"][f"questions{sep}forme"] == "forme"


def test_odk_central_csv(tmp_path, tables, jeu_simule):
    """Export CSV d'ODK Central : groupes séparés par « - », SubmissionDate en tête, puis meta-instanceID, KEY,
    SubmitterID, SubmitterName, AttachmentsPresent, AttachmentsExpected, Status, ReviewState, DeviceID, Edits,
    FormVersion (getodk/briefcase docs/export-format.md ; https://docs.getodk.org/central-submissions/)."""
    for table in ("instances", "participants"):
        corps = _kobo_xml(tables[table], table, sep="-").filter(regex=r"^(identification|questions|accord)-")
        n = len(corps)
        sortie = pd.concat([pd.DataFrame({"SubmissionDate": ["2022-05-02T14:03:11.123Z"] * n}), corps,
                            pd.DataFrame({"meta-instanceID": [f"uuid:{table}-{i}" for i in range(n)],
                                          "KEY": [f"uuid:{table}-{i}" for i in range(n)], "SubmitterID": "5",
                                          "SubmitterName": "enqueteur", "AttachmentsPresent": "0",
                                          "AttachmentsExpected": "0", "Status": "", "ReviewState": "approved",
                                          "DeviceID": "", "Edits": "0", "FormVersion": "1"})], axis=1)
        sortie.to_csv(tmp_path / f"{table}.csv", index=False, lineterminator="\n")
    _ecrire_csv(tables["territoires"], tmp_path / "territoires.csv", sep=",", encodage="utf-8")
    reconnaissance, _ = jeu_depuis_export.jeu_depuis_export(tmp_path, simule=True)
    assert reconnaissance.descripteur["exclusions"] == {"non_approuvees": True}
    assert reconnaissance.descripteur["annee_enquete"] == 2022
    assert "ODK Central" in reconnaissance.descripteur["source"]
    _comparer(tmp_path, jeu_simule)


def _limesurvey_codes(tableau, table, *, incompletes=()):
    """Export des réponses LimeSurvey du questionnaire généré : en-têtes = codes de question (tableau :
    `accord[code]`), réponses = codes de réponse (A1, A2…), oui/non = Y/N, métadonnées id, submitdate (vide :
    réponse incomplète), lastpage, startlanguage, seed (https://manual.limesurvey.org/Export_responses)."""
    corr = questionnaire.codes_limesurvey(table, territoires=NOMS_TERRITOIRES)
    vers_entete = {v: e for e, v in corr["colonnes"].items()}
    vers_reponse = {nom: {code: ls for ls, code in m.items()} for nom, m in corr["reponses"].items()}
    codes_terr = {questionnaire.normaliser_nom(t): t for t in NOMS_TERRITOIRES}
    sortie = _export(tableau, table, en_libelles=False, tete=lambda n: {}, nommer=lambda q: vers_entete[q.nom])
    for nom, m in vers_reponse.items():
        entete = vers_entete[nom]
        sortie[entete] = sortie[entete].map(lambda v, m=m: m.get(v, v))
    n = len(sortie)
    tete = pd.DataFrame({"id": [str(i) for i in range(1, n + 1)],
                         "submitdate": ["" if i in incompletes else "2025-04-05 12:00:00" for i in range(n)],
                         "lastpage": "3", "startlanguage": "fr", "seed": "123456"})
    assert set(codes_terr)  # codes de territoire du formulaire, relus par les réponses A1…
    return pd.concat([tete, sortie], axis=1)


def test_limesurvey_export_du_questionnaire_genere(tmp_path, tables, jeu_simule):
    """La structure importée dans LimeSurvey garde ses codes (règles respectées) : l'export de ses réponses se
    relit sans étape à la main, réponses A1… comprises, territoires compris."""
    for table, nom in (("instances", "results-survey111.csv"), ("participants", "results-survey222.csv")):
        _limesurvey_codes(tables[table], table).to_csv(tmp_path / nom, index=False, sep=";", lineterminator="\r\n",
                                                       encoding="utf-8-sig")
    _ecrire_csv(tables["territoires"], tmp_path / "territoires.csv", sep=",", encodage="utf-8")
    reconnaissance, _ = jeu_depuis_export.jeu_depuis_export(tmp_path, simule=True)
    desc = reconnaissance.descripteur
    assert desc["correspondance"]["colonnes"]["instances"]["anneeCreation"] == "annee_creation"
    assert desc["correspondance"]["colonnes"]["participants"]["accord[c3IntegrationConcert]"] \
        == "c3_integration_concertations"
    assert desc["correspondance"]["codes"]["territoire"]["A1"] == sorted(NOMS_TERRITOIRES)[0]
    assert desc["exclusions"] == {"incompletes": True}
    assert desc["annee_enquete"] == 2025
    _comparer(tmp_path, jeu_simule)


def test_fichier_vide_jamais_prefere_au_vrai_export(tmp_path, tables):
    """Un fichier posé d'avance (en-tête seul) ne l'emporte pas sur l'export de 252 lignes."""
    vrai = _kobo_xml(tables["instances"], "instances")
    _csv_kobo(vrai.iloc[:0], tmp_path / "a_instances_vide.csv")
    _csv_kobo(vrai, tmp_path / "reponses_instances.csv")
    _csv_kobo(_kobo_xml(tables["participants"], "participants"), tmp_path / "reponses_participants.csv")
    reconnaissance = jeu_depuis_export.reconnaitre(tmp_path)
    assert reconnaissance.tables["instances"] == "reponses_instances.csv"
    assert any(p.startswith("a_instances_vide.csv : fichier sans aucune ligne de données") for p in
               reconnaissance.non_places)


def test_jeu_yml_d_avant_la_collecte_complete(tmp_path, tables):
    """jeu.yml écrit avant la collecte (titre, année, territoires, une exclusion) : complété, clés gardées."""
    _ecrire_csv(tables["territoires"].rename(columns={"territoire": "MRC"}), tmp_path / "mrc.csv", sep=",",
                encodage="utf-8")
    avant = ("titre: Concertations du Bas-Saint-Laurent\nannee_enquete: 2025\nsimule: true\n"
             "fichiers: {territoires: mrc.csv}\ncorrespondance: {colonnes: {territoires: {MRC: territoire}}}\n"
             "exclusions:\n  lignes:\n    - {table: instances, valeur: ESSAI, motif: table de formation}\n")
    (tmp_path / "jeu.yml").write_text(avant, encoding="utf-8")
    assert questionnaire.parametres_du_jeu(tmp_path).territoires == sorted(NOMS_TERRITOIRES)
    for table in ("instances", "participants"):
        _csv_kobo(_kobo_xml(tables[table], table), tmp_path / f"{table}.csv")
    reconnaissance, etat = jeu_depuis_export.jeu_depuis_export(tmp_path)
    assert etat == "complété"
    desc = chargement.lire_descripteur(tmp_path)
    assert desc["titre"] == "Concertations du Bas-Saint-Laurent" and desc["annee_enquete"] == 2025
    assert desc["simule"] is True and desc["fichiers"]["territoires"] == {"chemin": "mrc.csv"}
    assert desc["exclusions"] == {"lignes": [{"table": "instances", "valeur": "ESSAI", "motif": "table de formation"}],
                                  "non_approuvees": True, "doublons": [{"colonne": "_uuid", "garder": "derniere"}]}
    assert desc["correspondance"]["colonnes"]["territoires"] == {"MRC": "territoire"}
    assert desc["correspondance"]["codes"]["territoire"]["l_assomption"] == "L'Assomption"
    # relancée, la reconnaissance redonne le même jeu.yml (clés gardées)
    _, etat = jeu_depuis_export.jeu_depuis_export(tmp_path)
    assert etat == "identique"


def test_fichiers_poses_d_avance_vides_le_jeu_yml_reste_d_avant_la_collecte(tmp_path, tables):
    """L'ancien contournement (des fichiers vides posés pour que `questionnaire --jeu` passe) ne bloque plus rien :
    jeu.yml qui les nomme est complété avec les vrais exports, jamais avec les fichiers vides."""
    vrai = _kobo_xml(tables["instances"], "instances")
    _csv_kobo(vrai.iloc[:0], tmp_path / "instances.csv")
    _csv_kobo(_kobo_xml(tables["participants"], "participants").iloc[:0], tmp_path / "participants.csv")
    (tmp_path / "jeu.yml").write_text("titre: Ma région\nannee_enquete: 2025\n"
                                      "fichiers: {instances: instances.csv, participants: participants.csv}\n",
                                      encoding="utf-8")
    _csv_kobo(vrai, tmp_path / "export_instances_252.csv")
    _csv_kobo(_kobo_xml(tables["participants"], "participants"), tmp_path / "export_participants.csv")
    reconnaissance, etat = jeu_depuis_export.jeu_depuis_export(tmp_path)
    assert etat == "complété" and reconnaissance.descripteur["titre"] == "Ma région"
    assert reconnaissance.tables == {"instances": "export_instances_252.csv",
                                     "participants": "export_participants.csv"}
