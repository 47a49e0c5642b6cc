"""Les phrases d'interprétation suivent les nombres (aucune conclusion écrite d'avance)."""

from __future__ import annotations

import math

import pytest

from paquet_analyse import interpretation, texte


@pytest.mark.parametrize("p,attendu", [(0.0001, "forte"), (0.004, "nette"), (0.03, "modérée"),
                                       (0.07, "faible"), (0.5, "aucune preuve"), (math.nan, "non évaluable")])
def test_force_preuve(p, attendu):
    assert interpretation.force_preuve(p) == attendu


def _resultat(**valeurs):
    base = {"id": "H1a", "territoire": "Joliette", "statut": "ok", "mesure": "rapport_cotes",
            "estimation": 3.2, "ic_bas": 1.4, "ic_haut": 7.3, "p_valeur": 0.004, "effectif": 56,
            "exposition": "descendante", "issue": "deficit_participation", "methode": "khi-deux", "note": ""}
    base.update(valeurs)
    return base


def test_phrase_suit_le_sens_et_la_force():
    phrase = interpretation.phrase_hypothese(_resultat())
    assert "3,20 fois plus élevées" in phrase and "IC à 95 % de 1,40 à 7,30" in phrase
    assert "p = 0,004" in phrase and "preuve nette d'association" in phrase
    assert "dans le territoire Joliette" in phrase and "n ≈ 56" in phrase  # effectif publié arrondi
    inverse = interpretation.phrase_hypothese(_resultat(estimation=0.5, ic_bas=0.2, ic_haut=1.3, p_valeur=0.2))
    assert "plus faibles : multipliées par 0,50 par rapport aux autres cas" in inverse and "contient 1" in inverse and "aucune preuve d'association" in inverse


def test_phrase_signale_l_imprecision_et_le_non_estimable():
    large = interpretation.phrase_hypothese(_resultat(ic_bas=0.5, ic_haut=40.0))
    assert "très imprécise" in large
    non = interpretation.phrase_hypothese(_resultat(statut="non_estimable", estimation=math.nan,
                                                    note="L'exposition ne varie pas."))
    assert "non estimable" in non and "ne varie pas" in non


def test_phrase_homogeneite_sans_rapport_de_cotes():
    r = _resultat(id="H5a", territoire="Ensemble", mesure="homogeneite", estimation=math.nan, ic_bas=math.nan,
                  ic_haut=math.nan, statistique=1.2, ddl=5, p_valeur=0.94, p_ajustee=0.97,
                  famille_ajustement="tests d'homogénéité entre territoires (région)", puissance=0.21,
                  puissance_cible="un territoire dont le rapport de cotes diffère d'un facteur 2 des autres",
                  methode="Breslow-Day")
    phrase = interpretation.phrase_hypothese(r)
    assert "khi-deux 1,20 à 5 ddl" in phrase and "aucune preuve que l'association diffère" in phrase
    assert "rapport de cotes 3,20" not in phrase and "effet" not in phrase
    assert "environ 21 %" in phrase and "pas une preuve d'absence" in phrase


def test_phrase_p_ajustee_explique_le_desaccord_avec_l_ic():
    """IC 1,02–1,83 (exclut 1, p = 0,03) mais p ajustée 0,09 : la phrase dit pourquoi."""
    r = _resultat(estimation=1.37, ic_bas=1.02, ic_haut=1.83, p_valeur=0.03, p_ajustee=0.09, statistique=4.7, ddl=1,
                  famille_ajustement="tests d'association de la région", puissance=0.95,
                  puissance_cible="un rapport de cotes de 2")
    phrase = interpretation.phrase_hypothese(r)
    assert "p = 0,030" in phrase and "p ajustée = 0,090" in phrase and "t de Student" not in phrase
    assert "preuve faible d'association" in phrase and "ne résiste pas à l'ajustement" in phrase
    assert "Puissance" not in phrase  # pas d'absence de preuve ici


def test_absence_de_preuve_porte_la_puissance():
    r = _resultat(estimation=1.3, ic_bas=0.6, ic_haut=2.8, p_valeur=0.5, p_ajustee=0.7, puissance=0.34,
                  puissance_cible="un rapport de cotes de 2")
    phrase = interpretation.phrase_hypothese(r)
    assert "aucune preuve d'association" in phrase and "environ 34 %" in phrase
    sans = interpretation.phrase_hypothese(_resultat(p_valeur=0.5, puissance=math.nan))
    assert "pas calculable" in sans


def test_phrase_difference_et_alpha():
    d = interpretation.phrase_difference(-6.25, -9.1, -3.4, exposition="descendante", issue="indice_conditions")
    assert "plus basse de 6,25 points" in d and "de -9,10 à -3,40" in d
    assert "contient 0" not in d
    a = interpretation.phrase_alpha(0.84, 0.82, 0.86, 2300)
    assert "0,840" in a and "bonne" in a


def test_texte_francais():
    assert texte.pourcentage(0.4403) == "44,0 %"
    assert texte.intervalle(0.5749, 0.801) == "[57,5 ; 80,1] %"
    assert texte.valeur_p(0.0312) == "p = 0,031"
    assert texte.nombre_fr(float("nan")) == "n.d."


def test_mise_en_garde_a_cote_du_verdict():
    """La note d'un test (peu de grappes…) est dans la phrase, pas seulement dans le CSV."""
    from paquet_analyse import interpretation

    ligne = {"id": "H1c", "territoire": "Montcalm", "statut": "ok", "estimation": 2.0, "ic_bas": 1.2, "ic_haut": 3.4,
             "mesure": "rapport_cotes", "exposition": "descendante", "issue": "deficit_delegation", "p_valeur": 0.0004,
             "methode": "GEE", "effectif": 90,
             "note": "Seulement 11 grappes : erreurs types robustes peu fiables, p trop optimistes."}
    phrase = interpretation.phrase_hypothese(ligne)
    assert "preuve forte" in phrase and "Attention** : Seulement 11 grappes" in phrase
    assert phrase.index("preuve forte") < phrase.index("Seulement 11 grappes")


def test_comparaison_exploratoire_sans_verdict():
    """Le réseau selon la logique n'est pas au plan : des nombres et une p, aucun mot de verdict."""
    import pandas as pd

    t = pd.DataFrame({"mesure": ["degre"], "groupe_1": ["descendante"], "groupe_2": ["ascendante"],
                      "moyenne_1": [2.5], "moyenne_2": [1.9], "difference": [0.6], "p_valeur": [0.4]})
    phrases = interpretation.phrases_connexion(t)
    assert "exploratoire" in phrases[0] and "p = 0,400" in phrases[1]
    assert not any("preuve" in p for p in phrases)


def test_rc_inferieur_a_un_meme_nombre_que_le_tableau():
    """RC 0,375 : la phrase dit 0,38 comme le tableau, pas « 2,67 fois plus faibles » (1/0,375)."""
    phrase = interpretation.phrase_rapport_cotes(0.375, 0.10, 1.38, exposition="depuis_charniere",
                                                 issue="gestion_programmes")
    assert "multipliées par 0,38" in phrase and "2,67" not in phrase


def test_hors_definition_exact():
    """Le nombre d'unités hors définition est une marge publiée exactement : la phrase le dit tel quel."""
    import pandas as pd

    t = pd.DataFrame({"niveau": ["instances", "participants"], "statut": ["ok", "ok"],
                      "hors_definition": [3.0, 0.0]})
    phrase = interpretation.phrase_hors_definition(t)
    assert "au plus 3 concertations" in phrase and "Aucune" not in phrase and "environ" not in phrase
    zero = interpretation.phrase_hors_definition(t.assign(hors_definition=[0.0, 0.0]))
    assert zero.startswith("Aucune unité")
    dix = interpretation.phrase_hors_definition(t.assign(hors_definition=[10.0, 80.0]))
    assert "10 concertations et 80 participants" in dix


def test_phrase_difference_accorde_valeur_au_feminin():
    from paquet_analyse import interpretation

    phrase = interpretation.phrase_difference(-16.35, -21.2, -11.5, exposition="descendante", issue="indice_conditions")
    assert "est en moyenne plus basse de 16,35 points" in phrase and "plus bas " not in phrase
    assert "plus élevée" in interpretation.phrase_difference(3.0, 1.0, 5.0, exposition="descendante",
                                                             issue="indice_conditions")
