"""Le dictionnaire couvre la conception 3.1 et 3.2 ; le livre de codes est à jour."""

from __future__ import annotations

import pytest

from paquet_analyse import chemins, dictionnaire

# Conception, section 3.1 et 3.2 : variable -> type attendu.
ATTENDU_INSTANCES = {
    "id_instance": "identifiant", "territoire": "texte", "annee_creation": "entier", "initiateur": "code",
    "thematique": "code", "forme": "code", "modele": "code", "fonction_dominante": "code",
    "financement_programme": "booleen", "citoyens_membres": "booleen", "evaluation_collective": "booleen",
    "soutien_professionnel": "booleen", "nb_membres": "entier", "nb_realisations": "entier",
}
ATTENDU_PARTICIPANTS = {
    "id_repondant": "identifiant", "id_instance": "texte", "id_organisation": "texte", "secteur": "code",
    "mode_delegation": "code", "mandat_defini_par": "code", "suivi_organisation": "code",
    "nb_concertations": "entier", "heures_mois": "reel", "priorites_imposees": "ordinal", "poids": "reel",
    **{f"c{i}_{n}": "ordinal" for i, n in enumerate(
        ["compromis", "pouvoir_comparable", "integration_concertations", "leadership_soutien",
         "analyse_collective", "participation_personnes", "temps_participatif", "evaluation_collective"], 1)},
}


@pytest.mark.parametrize("table,attendu", [("instances", ATTENDU_INSTANCES), ("participants", ATTENDU_PARTICIPANTS)])
def test_variables_de_la_conception(table, attendu):
    variables = dictionnaire.variables(table)
    assert {n: v.type for n, v in variables.items()} == attendu


def test_codes_de_la_conception():
    assert list(dictionnaire.codes("initiateur")) == ["cisss", "municipal", "fondation", "public_autre",
                                                      "communautaire", "citoyens", "autre"]
    assert len(dictionnaire.codes("thematique")) == 11
    assert list(dictionnaire.codes("modele")) == ["sans_objet", "reseautage_information", "intervention_reference",
                                                  "prolongement_mission", "relais", "developpement_coconstruction"]
    assert list(dictionnaire.codes("c1_compromis")) == [1, 2, 3, 4]


def test_chaque_variable_et_chaque_code_a_un_libelle_francais():
    for table in dictionnaire.TABLES:
        for var in dictionnaire.variables(table).values():
            assert var.type in dictionnaire.TYPES
            assert var.libelle.strip(), var.nom
            assert all(str(lib).strip() for lib in var.codes.values()), var.nom
            if var.type in ("code", "ordinal"):
                assert var.codes, var.nom
    assert dictionnaire.libelle_code("thematique", "aines") == "Aînés"
    assert dictionnaire.libelle_code("citoyens_membres", True) == "Oui"


def test_variables_derivees_ont_des_libelles():
    for nom in ["logique_initiateur", "deficit_participation", "indice_conditions", "sur_sollicitation"]:
        assert dictionnaire.libelle(nom) != nom


def test_variable_inconnue():
    with pytest.raises(KeyError, match="Variable inconnue"):
        dictionnaire.variable("pas_une_variable")


def test_livre_de_codes_engage_a_jour():
    engage = (chemins.racine() / "docs" / "livre_de_codes.md").read_text(encoding="utf-8")
    assert engage == dictionnaire.livre_codes(), "Régénérer : python -m paquet_analyse livre-codes"
    assert "`enfance_jeunesse_famille` : Enfance-jeunesse-famille" in engage


def test_livre_de_codes_documente_toute_variable_du_plan():
    """Toute variable que le plan d'analyse peut nommer (brute ou dérivée) est dans le livre de codes."""
    from paquet_analyse import plan

    livre = dictionnaire.livre_codes()
    noms = set(plan.BOOLEENS_PARTICIPANTS) | set(plan.CONTINUES_PARTICIPANTS) | set(plan.CATEGORIELLES)
    absents = sorted(n for n in noms if f"| `{n}` |" not in livre)
    assert not absents, absents
    assert "Variables dérivées" in livre and "`fondation` -> descendante" in livre
