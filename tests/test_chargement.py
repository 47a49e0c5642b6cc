"""Chargement : chaque format et chaque encodage, sur des fichiers que les tests écrivent."""

from __future__ import annotations

import pandas as pd
import pyreadstat
import pytest
import yaml

from conftest import ecrire_jeu, petites_tables
from paquet_analyse import chargement, validation
from paquet_analyse.erreurs import ErreurDonnees, ErreurJeu


def _verifier_mini(jeu):
    """Le mini-jeu est lu et typé à l'identique quel que soit le format."""
    inst, part = jeu.instances, jeu.participants
    assert list(inst["id_instance"]) == ["I1", "I2", "I3", "I4"]
    assert list(inst["territoire"]) == ["L'Assomption", "L'Assomption", "D'Autray", "D'Autray"]
    assert inst["annee_creation"].dtype == "Int64"
    assert inst["annee_creation"].isna().tolist() == [False, False, False, True]
    assert isinstance(inst["initiateur"].dtype, pd.CategoricalDtype)
    assert list(inst["initiateur"].cat.categories)[:3] == ["cisss", "municipal", "fondation"]
    assert inst["citoyens_membres"].tolist() == [False, True, False, True]
    assert part["heures_mois"].dtype == "Float64"
    assert part["heures_mois"].tolist()[:2] == [2.5, 4.0]
    assert pd.isna(part["heures_mois"].iloc[2])  # « NSP » déclaré manquant
    assert pd.isna(part["id_organisation"].iloc[4])
    assert part["nb_concertations"].tolist() == [4, 1, 2, 3, 1]
    assert validation.valider_jeu(jeu).valide


@pytest.mark.parametrize("encodage", ["utf-8", "utf-8-sig", "cp1252", "latin-1"])
@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_csv_encodages_et_separateurs(tmp_path, encodage, sep):
    dossier = ecrire_jeu(tmp_path / "j", petites_tables(), encodage=encodage, sep=sep)
    _verifier_mini(chargement.charger_jeu(dossier))


def test_csv_bom_ne_pollue_pas_le_premier_nom_de_colonne(tmp_path):
    dossier = ecrire_jeu(tmp_path / "j", petites_tables(), encodage="utf-8-sig", sep=";")
    assert (dossier / "instances.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    jeu = chargement.charger_jeu(dossier)
    assert jeu.instances.columns[0] == "id_instance"


def test_xlsx(tmp_path):
    tables = petites_tables()
    tables["instances"]["annee_creation"] = [1995, 2005, 2010, None]  # vrais nombres dans Excel
    tables["participants"]["heures_mois"] = [2.5, 4, None, 1, 0]
    _verifier_mini(chargement.charger_jeu(ecrire_jeu(tmp_path / "j", tables, format="xlsx")))


def test_xlsx_feuille_nommee(tmp_path):
    dossier = ecrire_jeu(tmp_path / "j", petites_tables(), format="xlsx")
    with pd.ExcelWriter(dossier / "participants.xlsx") as ecrivain:
        pd.DataFrame({"note": ["page de garde"]}).to_excel(ecrivain, sheet_name="Lisez-moi", index=False)
        petites_tables()["participants"].to_excel(ecrivain, sheet_name="Réponses", index=False)
    desc = yaml.safe_load((dossier / "jeu.yml").read_text(encoding="utf-8"))
    desc["fichiers"]["participants"] = {"chemin": "participants.xlsx", "feuille": "Réponses"}
    (dossier / "jeu.yml").write_text(yaml.safe_dump(desc, allow_unicode=True), encoding="utf-8")
    _verifier_mini(chargement.charger_jeu(dossier))


def _jeu_etiquete(tmp_path, extension: str):
    """Instances en SPSS/Stata : codes numériques avec étiquettes de valeurs."""
    tables = petites_tables()
    dossier = ecrire_jeu(tmp_path / "j", {k: v for k, v in tables.items() if k != "instances"})
    inst = tables["instances"].copy()
    inst["initiateur"] = [1, 2, 3, 4]
    inst["citoyens_membres"] = [0, 1, 0, 1]
    inst["annee_creation"] = [1995, 2005, 2010, None]
    inst["nb_membres"] = [12, 8, 10, 5]
    etiquettes = {"initiateur": {1: "CSSS", 2: "Organisme communautaire", 3: "Fondation", 4: "Citoyens"},
                  "citoyens_membres": {0: "Non", 1: "Oui"}}
    chemin = dossier / f"instances{extension}"
    if extension == ".sav":
        pyreadstat.write_sav(inst, str(chemin), variable_value_labels=etiquettes)
    else:
        pyreadstat.write_dta(inst, str(chemin), variable_value_labels=etiquettes)
    desc = yaml.safe_load((dossier / "jeu.yml").read_text(encoding="utf-8"))
    desc["fichiers"]["instances"] = chemin.name
    desc["correspondance"] = {"codes": {"initiateur": {"CSSS": "cisss", "Organisme communautaire": "communautaire"}}}
    (dossier / "jeu.yml").write_text(yaml.safe_dump(desc, allow_unicode=True), encoding="utf-8")
    return dossier


@pytest.mark.parametrize("extension", [".sav", ".dta"])
def test_spss_et_stata_etiquettes_de_valeurs(tmp_path, extension):
    jeu = chargement.charger_jeu(_jeu_etiquete(tmp_path, extension))
    # « CSSS » et « Organisme communautaire » passent par la correspondance ;
    # « Fondation » et « Citoyens » sont reconnus par leur libellé / code.
    assert jeu.instances["initiateur"].tolist() == ["cisss", "communautaire", "fondation", "citoyens"]
    assert jeu.instances["citoyens_membres"].tolist() == [False, True, False, True]
    assert jeu.instances["annee_creation"].tolist()[:3] == [1995, 2005, 2010]
    assert validation.valider_jeu(jeu).valide


def test_spss_etiquette_absente_de_la_correspondance_est_signalee(tmp_path):
    dossier = _jeu_etiquete(tmp_path, ".sav")
    desc = yaml.safe_load((dossier / "jeu.yml").read_text(encoding="utf-8"))
    del desc["correspondance"]
    (dossier / "jeu.yml").write_text(yaml.safe_dump(desc, allow_unicode=True), encoding="utf-8")
    rapport = validation.valider_jeu(chargement.charger_jeu(dossier))
    tableau = rapport.tableau()
    ligne = tableau[tableau["valeur"] == "Organisme communautaire"].iloc[0]
    assert ligne["regle"] == "code_inconnu" and ligne["colonne"] == "initiateur"
    assert ligne["ligne"] == 2  # 2e observation du fichier SPSS
    assert "communautaire" in ligne["correction"]


@pytest.mark.parametrize("vrai,faux", [("oui", "non"), ("1", "0"), ("vrai", "faux"), ("OUI", "Non"), ("true", "false")])
def test_booleens(tmp_path, vrai, faux):
    tables = petites_tables()
    tables["instances"]["citoyens_membres"] = [faux, vrai, faux, vrai]
    jeu = chargement.charger_jeu(ecrire_jeu(tmp_path / "j", tables))
    assert jeu.instances["citoyens_membres"].tolist() == [False, True, False, True]


def test_correspondance_colonnes_et_codes(tmp_path):
    tables = petites_tables()
    tables["instances"] = tables["instances"].rename(columns={"initiateur": "Qui a lancé la table ?",
                                                              "thematique": "Thème"})
    tables["instances"]["Qui a lancé la table ?"] = ["CISSS de Lanaudière", "Groupe communautaire",
                                                     "Fondation", "Citoyens"]
    extra = {"correspondance": {
        "colonnes": {"instances": {"Qui a lancé la table ?": "initiateur", "Thème": "thematique"}},
        "codes": {"initiateur": {"CISSS de Lanaudière": "cisss", "Groupe communautaire": "communautaire"}}}}
    jeu = chargement.charger_jeu(ecrire_jeu(tmp_path / "j", tables, extra=extra))
    assert jeu.instances["initiateur"].tolist() == ["cisss", "communautaire", "fondation", "citoyens"]
    assert validation.valider_jeu(jeu).valide


def test_libelles_du_dictionnaire_acceptes_sans_accents_ni_casse(tmp_path):
    tables = petites_tables()
    tables["instances"]["thematique"] = ["Enfance-jeunesse-famille", "AÎNÉS", "enfance jeunesse famille", "Habitation"]
    jeu = chargement.charger_jeu(ecrire_jeu(tmp_path / "j", tables, encodage="cp1252", sep=";"))
    assert jeu.instances["thematique"].tolist() == ["enfance_jeunesse_famille", "aines",
                                                    "enfance_jeunesse_famille", "habitation"]


def test_decimales_a_virgule_et_espaces_de_milliers():
    serie = pd.Series(["2,5", "1 234,5", "3", "-0,25", "deux", "3 ou 4", pd.NA], dtype=object)
    resultat = chargement.nombre(serie)
    assert resultat.iloc[:4].tolist() == [2.5, 1234.5, 3.0, -0.25]
    assert resultat.iloc[4:].isna().all()


def test_colonne_optionnelle_absente_ajoutee_vide(mini_jeu):
    jeu = chargement.charger_jeu(mini_jeu)
    assert "modele" in jeu.instances.columns and jeu.instances["modele"].isna().all()


def test_fichier_vide(tmp_path):
    dossier = ecrire_jeu(tmp_path / "j", petites_tables())
    (dossier / "participants.csv").write_bytes(b"")
    with pytest.raises(ErreurDonnees, match="participants.csv : le fichier est vide"):
        chargement.charger_jeu(dossier)


def test_jeu_yml_absent(tmp_path):
    (tmp_path / "vide").mkdir()
    with pytest.raises(ErreurJeu, match="jeu.yml : fichier absent"):
        chargement.charger_jeu(tmp_path / "vide")


def test_jeu_yml_cles_inconnues_et_fichier_manquant_signales_ensemble(tmp_path):
    dossier = ecrire_jeu(tmp_path / "j", petites_tables(), extra={"titr": "faute de frappe"})
    (dossier / "territoires.csv").unlink()
    with pytest.raises(ErreurJeu) as exc:
        chargement.charger_jeu(dossier)
    message = str(exc.value)
    assert "clé inconnue « titr »" in message
    assert "fichiers.territoires : « territoires.csv » introuvable" in message



def test_nombre_chiffres_ascii_seulement():
    serie = pd.Series(["١٢", "²", "inf", "1e999", "NaN", "+3", ".5", "1e3"], dtype=object)
    assert chargement.nombre(serie).tolist()[5:] == [3.0, 0.5, 1000.0]
    assert chargement.nombre(serie).iloc[:5].isna().all()


def test_lire_tableau_ligne_de_titre_et_ligne_vide(tmp_path):
    """API publique : index = numéros de ligne du fichier ; problèmes non fatals dans attrs."""
    chemin = tmp_path / "instances.csv"
    texte = petites_tables()["instances"].to_csv(index=False, lineterminator="\n")
    entete, premiere, reste = texte.split("\n", 2)
    chemin.write_text(f"Enquête 2022\n{entete}\n{premiere}\n\n{reste}", encoding="utf-8")
    tableau, debut = chargement.lire_tableau(chemin, colonnes_attendues=chargement.noms_attendus("instances"))
    assert debut == 3 and tableau.index.tolist() == [3, 5, 6, 7]
    assert tableau.loc[5, "id_instance"] == "I2"
    assert [p.regle for p in tableau.attrs["problemes"]] == ["entete_detectee"]


# --------------------------------------------------------------------------
# En-têtes des outils de collecte (chargement.entetes)


def _kobo_xml(chemin, lignes, *, sep_groupe="/"):
    """Un export Kobo « XML values and headers » : `;` entre les champs, chaque champ entre guillemets,
    lignes terminées par CRLF, en UTF-8 (kobotoolbox/formpack `Export.to_csv`, kpi `ExportTask._run_task`)."""
    entete = [f"identification{sep_groupe}id_instance", f"identification{sep_groupe}territoire",
              f"questions{sep_groupe}forme", f"questions{sep_groupe}thematique", "_id", "_uuid",
              "_submission_time", "_validation_status", "_index"]
    texte = "".join(";".join(f'"{v}"' for v in rangee) + "\r\n" for rangee in [entete, *lignes])
    chemin.write_bytes(texte.encode("utf-8"))


@pytest.mark.parametrize("sep_groupe", ["/", "-", "."])
def test_entete_prefixe_de_groupes_reconnu_malgre_une_reponse_nom_de_variable(tmp_path, sep_groupe):
    """Une réponse qui ressemble à un nom de variable (« thematique ») ne fait pas prendre une ligne de données
    pour l'en-tête : les en-têtes préfixés par leur groupe (`questions/forme`) sont reconnus."""
    chemin = tmp_path / "instances.csv"
    lignes = [["BSL-001", "kamouraska", "thematique", "aines", "1", "u1", "2025-05-02T10:00:00", "", "1"],
              ["BSL-002", "la_mitis", "territoriale", "habitation", "2", "u2", "2025-05-03T10:00:00", "", "2"]]
    _kobo_xml(chemin, lignes, sep_groupe=sep_groupe)
    tableau, premiere = chargement.lire_tableau(chemin, colonnes_attendues=chargement.noms_attendus("instances"))
    assert premiere == 2 and tableau.index.tolist() == [2, 3]
    assert tableau.columns[0] == f"identification{sep_groupe}id_instance"
    assert tableau.loc[2, f"questions{sep_groupe}forme"] == "thematique"
    assert not tableau.attrs["problemes"]


def test_metadonnees_des_outils_ecartees_et_nommees(tmp_path):
    from paquet_analyse.chargement import entetes

    assert entetes.outil_de_metadonnee("__version__") == "KoboToolbox"
    assert entetes.outil_de_metadonnee("meta-instanceID") == "ODK Central"
    assert entetes.outil_de_metadonnee("Date submitted") == "LimeSurvey"
    assert entetes.outil_de_metadonnee("territoire") is None
    assert entetes.candidats_nom("groupe.sous_groupe.nb_membres")[-1] == "nb_membres"
    assert entetes.parent_de_choix("questions/themes/aines", ["questions/themes", "questions/themes/aines"]) \
        == "questions/themes"
    assert entetes.parent_de_choix("questions/forme", ["questions/forme", "_uuid"]) is None
    tables = petites_tables()
    tables["instances"] = tables["instances"].assign(_uuid=[f"u{i}" for i in range(4)], submitdate="2022-01-01")
    jeu = chargement.charger_jeu(ecrire_jeu(tmp_path / "j", tables))
    ignorees = {p.colonne: p for p in jeu.problemes if p.regle == "colonne_ignoree"}
    assert set(ignorees) == {"_uuid", "submitdate"}
    assert "métadonnées de KoboToolbox" in ignorees["_uuid"].message
    assert "métadonnées de LimeSurvey" in ignorees["submitdate"].message
    assert all(p.gravite == "information" for p in ignorees.values())
