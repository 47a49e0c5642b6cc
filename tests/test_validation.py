"""Validation : chaque genre de problème, tous rapportés à la fois, en français."""

from __future__ import annotations

import pytest

from conftest import ecrire_jeu, empreintes, petites_tables
from paquet_analyse import chargement, cli, validation
from paquet_analyse.erreurs import ErreurValidation


def _rapport(tmp_path, modifier):
    tables = petites_tables()
    modifier(tables)
    dossier = ecrire_jeu(tmp_path / "j", tables)
    return validation.valider_jeu(chargement.charger_jeu(dossier)).tableau()


def _seul(tableau, regle):
    lignes = tableau[tableau["regle"] == regle]
    assert len(lignes) >= 1, tableau.to_string()
    return lignes.iloc[0]


def test_jeu_par_defaut_valide(jeu_defaut):
    rapport = validation.valider_jeu(jeu_defaut)
    assert rapport.valide, rapport.resume()


def test_code_inconnu_suggere_le_plus_proche(tmp_path):
    def fausse(t):
        t["instances"].loc[1, "initiateur"] = "comunautaire"
    p = _seul(_rapport(tmp_path, fausse), "code_inconnu")
    assert (p["fichier"].endswith("instances.csv"), p["ligne"], p["colonne"], p["valeur"]) == \
        (True, 3, "initiateur", "comunautaire")
    assert "« communautaire »" in p["correction"]


def test_hors_bornes_annee_future_et_negatif(tmp_path):
    def fausse(t):
        t["instances"].loc[0, "annee_creation"] = "2031"
        t["participants"].loc[2, "heures_mois"] = "-3"
    tableau = _rapport(tmp_path, fausse)
    hors = tableau[tableau["regle"] == "hors_bornes"].set_index("colonne")
    assert hors.loc["annee_creation", "valeur"] == "2031" and hors.loc["annee_creation", "ligne"] == 2
    assert "≤ 2022" in hors.loc["annee_creation", "message"]
    assert hors.loc["heures_mois", "valeur"] == "-3" and hors.loc["heures_mois", "ligne"] == 4


def test_texte_dans_une_colonne_numerique(tmp_path):
    def fausse(t):
        t["participants"].loc[0, "nb_concertations"] = "deux"
        t["participants"].loc[1, "nb_concertations"] = "3 ou 4"
        t["participants"].loc[3, "nb_concertations"] = "2,5"
    tableau = _rapport(tmp_path, fausse)
    types = tableau[tableau["regle"] == "type_entier"]
    assert sorted(types["valeur"]) == ["2,5", "3 ou 4", "deux"]
    assert sorted(types["ligne"]) == [2, 3, 5]


def test_colonne_obligatoire_manquante(tmp_path):
    p = _seul(_rapport(tmp_path, lambda t: t["participants"].pop("mode_delegation")), "colonne_manquante")
    assert p["colonne"] == "mode_delegation" and "correspondance.colonnes.participants" in p["correction"]


def test_identifiant_en_double(tmp_path):
    def fausse(t):
        t["participants"].loc[4, "id_repondant"] = "R1"
    tableau = _rapport(tmp_path, fausse)
    doubles = tableau[tableau["regle"] == "identifiant_en_double"]
    assert sorted(doubles["ligne"]) == [2, 6] and set(doubles["valeur"]) == {"R1"}


def test_identifiant_manquant(tmp_path):
    def fausse(t):
        t["instances"].loc[2, "id_instance"] = ""
    p = _seul(_rapport(tmp_path, fausse), "valeur_manquante")
    assert (p["colonne"], p["ligne"]) == ("id_instance", 4)


def test_participant_vers_instance_inconnue(tmp_path):
    def fausse(t):
        t["participants"].loc[3, "id_instance"] = "I9"
    p = _seul(_rapport(tmp_path, fausse), "instance_inconnue")
    assert (p["ligne"], p["valeur"]) == (5, "I9")


def test_territoire_absent_de_territoires_csv(tmp_path):
    def fausse(t):
        t["instances"].loc[0, "territoire"] = "L'Assomptio"
    p = _seul(_rapport(tmp_path, fausse), "territoire_inconnu")
    assert (p["ligne"], p["valeur"]) == (2, "L'Assomptio") and "« L'Assomption »" in p["correction"]


@pytest.mark.parametrize("colonne", ["Courriel", "nom", "Téléphone du répondant", "adresse"])
def test_identifiants_directs_refuses(tmp_path, colonne):
    def fausse(t):
        t["participants"][colonne] = "x@y.ca"
    p = _seul(_rapport(tmp_path, fausse), "identifiant_direct")
    assert p["colonne"] == colonne and p["gravite"] == "erreur"


def test_identifiant_direct_jamais_charge(tmp_path):
    tables = petites_tables()
    tables["participants"]["courriel"] = "personne@exemple.ca"
    jeu = chargement.charger_jeu(ecrire_jeu(tmp_path / "j", tables))
    assert "courriel" not in jeu.participants.columns and "courriel" not in jeu.brut["participants"].columns


def test_colonne_libre_ecartee_en_information(tmp_path):
    def ajout(t):
        t["instances"]["commentaires"] = "texte libre"
    tableau = _rapport(tmp_path, ajout)
    p = _seul(tableau, "colonne_ignoree")
    assert p["gravite"] == "information" and p["colonne"] == "commentaires"


def test_booleen_invalide(tmp_path):
    def fausse(t):
        t["instances"].loc[0, "citoyens_membres"] = "peut-être"
    assert _seul(_rapport(tmp_path, fausse), "booleen_invalide")["valeur"] == "peut-être"


def test_tous_les_problemes_a_la_fois(tmp_path):
    """Un code mal orthographié, une colonne manquante et un doublon : les trois sortent ensemble."""
    def fausse(t):
        t["instances"].loc[0, "thematique"] = "enfance_jeunese_famille"
        t["instances"].pop("evaluation_collective")
        t["participants"].loc[1, "id_repondant"] = "R1"
    tableau = _rapport(tmp_path, fausse)
    assert {"code_inconnu", "colonne_manquante", "identifiant_en_double"} <= set(tableau["regle"])
    assert tableau.columns.tolist() == validation.COLONNES_RAPPORT


def test_lever_si_erreurs(tmp_path):
    tables = petites_tables()
    tables["participants"].loc[0, "secteur"] = "inconnu"
    jeu = chargement.charger_jeu(ecrire_jeu(tmp_path / "j", tables))
    with pytest.raises(ErreurValidation, match="1 erreur"):
        validation.valider_jeu(jeu).lever_si_erreurs()


def test_cli_valider_copie_abimee(tmp_path, capsys):
    """La commande sort en erreur, liste les trois problèmes, écrit le CSV, ne touche pas aux données."""
    tables = petites_tables()
    tables["instances"].loc[2, "initiateur"] = "fondaton"
    tables["participants"].pop("suivi_organisation")
    tables["instances"].loc[3, "id_instance"] = "I1"
    dossier = ecrire_jeu(tmp_path / "j", tables)
    avant = empreintes(dossier)
    rapport = tmp_path / "problemes.csv"
    code = cli.main(["valider", str(dossier), "--rapport", str(rapport)])
    sortie = capsys.readouterr().out
    assert code == 1
    assert "[code_inconnu]" in sortie and "ligne 4" in sortie and "« fondation »" in sortie
    assert "[colonne_manquante]" in sortie and "suivi_organisation" in sortie
    assert "[identifiant_en_double]" in sortie
    assert "Traceback" not in sortie
    assert rapport.read_text(encoding="utf-8").startswith("gravite,fichier,ligne,colonne")
    assert empreintes(dossier) == avant


def test_resume_regroupe_les_repetitions(tmp_path):
    tables = petites_tables()
    tables["participants"]["secteur"] = "inconnu"
    jeu = chargement.charger_jeu(ecrire_jeu(tmp_path / "j", tables))
    texte = validation.valider_jeu(jeu).resume(max_par_genre=2)
    assert texte.count("[code_inconnu]") == 3  # deux exemples + la ligne « … et 3 autre(s) »
    assert "… et 3 autre(s) [code_inconnu]" in texte
