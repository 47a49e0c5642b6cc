"""Typage et contrôle en un seul passage (`chargement.typage`).

Invariant : toute cellule non manquante dans le texte normalisé et NA une fois
typée est signalée par une erreur qui nomme le fichier, la ligne, la colonne
et la valeur brute ; le rapport de validation la reprend, une seule fois.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ecrire_jeu, petites_tables
from paquet_analyse import chargement, dictionnaire, validation
from paquet_analyse.chargement import typage

VARIABLES_TYPEES = [v for t in dictionnaire.TABLES for v in dictionnaire.variables(t).values()
                    if v.type not in ("identifiant", "texte")]
MAUVAISES = ["deux", "3 ou 4", "#N/A", "#DIV/0!", "2005-03-01", "1e400", "1e300", "2,5", "peut-être",
             "99", "-1", "inconnu", "١٢", "²", "inf", "NaN", "=A1", "oui non", "0x10", "1 2 3"]


def _verifier_invariant(brut: pd.Series, typee: pd.Series, problemes, fichier: str) -> None:
    refusees = brut.notna() & typee.isna()
    attendus = {(fichier, int(ligne), brut.name, str(brut[ligne])) for ligne in brut.index[refusees]}
    signales = {(p.fichier, p.ligne, p.colonne, p.valeur) for p in problemes}
    assert attendus == signales
    assert len(problemes) == int(refusees.sum())
    assert all(p.gravite == "erreur" and p.regle in chargement.REGLES_DE_VALEUR and p.correction
               for p in problemes)


@pytest.mark.parametrize("var", VARIABLES_TYPEES, ids=lambda v: f"{v.table}.{v.nom}")
def test_batterie_de_valeurs_refusees_toutes_signalees(var):
    valides = [str(c) for c in var.codes] if var.est_code else ["vrai", "faux"] if var.type == "booleen" else ["3"]
    valeurs = MAUVAISES + valides + [None]
    brut = pd.Series(valeurs, index=range(2, 2 + len(valeurs)), name=var.nom, dtype=object)
    typee, problemes = typage.typer_colonne(brut, var, fichier="f.csv")
    _verifier_invariant(brut, typee, problemes, "f.csv")
    assert typee.index.equals(brut.index)
    assert typee.iloc[len(MAUVAISES):-1].notna().all()  # les valeurs valides se typent
    # Certaines valeurs de la batterie sont valides pour certains types (« 99 », « 2,5 », « 1 2 3 » = 123) ;
    # celles-ci ne le sont pour aucun.
    assert {"deux", "3 ou 4", "#N/A", "peut-être", "inconnu"} <= {p.valeur for p in problemes}


@settings(max_examples=200, deadline=None)
@given(var=st.sampled_from(VARIABLES_TYPEES),
       valeurs=st.lists(st.one_of(st.none(), st.text(max_size=8), st.from_regex(r"-?[0-9]{1,4}([.,][0-9]{1,2})?",
                                                                                 fullmatch=True)),
                        min_size=1, max_size=12))
def test_propriete_aucun_na_silencieux(var, valeurs):
    brut = pd.Series(valeurs, index=[10 + 3 * i for i in range(len(valeurs))], name=var.nom, dtype=object)
    typee, problemes = typage.typer_colonne(brut, var, fichier="x.csv")
    _verifier_invariant(brut, typee, problemes, "x.csv")


@pytest.mark.parametrize("nom, valeur, regle, fragment", [
    ("secteur", "comunautaire", "code_inconnu", "Remplacer par « communautaire »"),
    ("citoyens_membres", "peut-être", "booleen_invalide", "Écrire oui ou non"),
    ("nb_membres", "2,5", "type_entier", "un nombre entier"),
    ("nb_membres", "1e300", "type_entier", "un nombre entier"),
    ("heures_mois", "deux", "type_reel", "un nombre en chiffres"),
    ("annee_creation", "2005-03-01", "date_au_lieu_d_un_nombre", "pour une année : 2005"),
    ("c1_compromis", "9", "code_inconnu", "codes permis (1, 2, 3, 4)"),
    ("initiateur", "#N/A", "erreur_formule", "Corriger la formule"),
])
def test_regles_et_corrections_des_valeurs_refusees(nom, valeur, regle, fragment):
    var = dictionnaire.variable(nom)
    typee, problemes = typage.typer_colonne(pd.Series([valeur], index=[7], name=nom, dtype=object), var,
                                            fichier="t.csv")
    assert typee.isna().all()
    [probleme] = problemes
    assert (probleme.fichier, probleme.ligne, probleme.colonne, probleme.valeur, probleme.regle) == (
        "t.csv", 7, nom, valeur, regle)
    assert fragment in probleme.correction + probleme.message


def test_typer_garde_son_contrat():
    """`typer` reste la conversion seule (invalide -> NA), sans problème."""
    var = dictionnaire.variable("nb_membres")
    assert pd.Series(chargement.typer(pd.Series(["4", "quatre"]), var)).tolist()[0] == 4
    assert pd.isna(pd.Series(chargement.typer(pd.Series(["4", "quatre"]), var)).iloc[1])


@pytest.fixture
def jeu_fautif(tmp_path):
    tables = petites_tables()
    tables["instances"].loc[1, "nb_membres"] = "huit"
    tables["instances"].loc[2, "initiateur"] = "comunautaire"
    tables["participants"].loc[3, "heures_mois"] = "#N/A"
    return chargement.charger_jeu(ecrire_jeu(tmp_path / "jeu", tables))


def test_charger_jeu_porte_les_problemes_de_typage(jeu_fautif):
    cles = {(p.fichier.rsplit("/", 1)[-1], p.ligne, p.colonne, p.valeur, p.regle) for p in jeu_fautif.problemes}
    assert ("instances.csv", 3, "nb_membres", "huit", "type_entier") in cles
    assert ("instances.csv", 4, "initiateur", "comunautaire", "code_inconnu") in cles
    assert ("participants.csv", 5, "heures_mois", "#N/A", "erreur_formule") in cles
    assert pd.isna(jeu_fautif.instances.loc[1, "nb_membres"])


def test_validation_reprend_chaque_refus_une_seule_fois(jeu_fautif):
    rapport = validation.valider_jeu(jeu_fautif)
    cellules = [(p.fichier, p.ligne, p.colonne) for p in rapport.erreurs]
    assert len(cellules) == len(set(cellules)) == 3
    assert not any(p.regle == "valeur_manquante" for p in rapport.problemes)


def test_valeur_obligatoire_refusee_pas_signalee_comme_manquante(tmp_path, monkeypatch):
    """Une valeur refusée dans une colonne sans manquant permis : une erreur (code_inconnu), pas deux."""
    originales = dictionnaire.variables

    def variables(table):
        vs = dict(originales(table))
        if table == "instances":
            vs["initiateur"] = dataclasses.replace(vs["initiateur"], manquant_permis=False)
        return vs
    monkeypatch.setattr(dictionnaire, "variables", variables)
    tables = petites_tables()
    tables["instances"].loc[0, "initiateur"] = "inconnu"
    tables["instances"].loc[1, "initiateur"] = ""
    jeu = chargement.charger_jeu(ecrire_jeu(tmp_path / "jeu", tables))
    regles = sorted((p.ligne, p.regle) for p in validation.valider_jeu(jeu).erreurs if p.colonne == "initiateur")
    assert regles == [(2, "code_inconnu"), (3, "valeur_manquante")]


def test_validation_examine_les_tableaux_types(tmp_path):
    """Les bornes se contrôlent sur la valeur typée (le texte n'est pas relu) ; la valeur rapportée est brute."""
    jeu = chargement.charger_jeu(ecrire_jeu(tmp_path / "jeu", petites_tables()))
    assert validation.valider_jeu(jeu).valide
    jeu.instances.loc[0, "nb_membres"] = -3
    [probleme] = validation.valider_jeu(jeu).erreurs
    assert (probleme.ligne, probleme.colonne, probleme.regle, probleme.valeur) == (2, "nb_membres", "hors_bornes", "12")
