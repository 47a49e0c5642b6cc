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
    assert "2,00 fois plus faibles" in inverse and "contient 1" in inverse and "aucune preuve d'association" in inverse


def test_phrase_signale_l_imprecision_et_le_non_estimable():
    large = interpretation.phrase_hypothese(_resultat(ic_bas=0.5, ic_haut=40.0))
    assert "très imprécise" in large
    non = interpretation.phrase_hypothese(_resultat(statut="non_estimable", estimation=math.nan,
                                                    note="L'exposition ne varie pas."))
    assert "non estimable" in non and "ne varie pas" in non


def test_phrase_p_ajustee_et_homogeneite():
    r = _resultat(id="H5a", territoire="Ensemble", p_ajustee=0.02, methode="Breslow-Day homogénéité")
    phrase = interpretation.phrase_hypothese(r, colonne_p="p_ajustee")
    assert "p ajustée (Benjamini-Hochberg) d'homogénéité (Breslow-Day, correction de Tarone) = 0,020" in phrase
    assert "que l'effet diffère d'un territoire à l'autre" in phrase


def test_phrase_difference_et_alpha():
    d = interpretation.phrase_difference(-6.25, -9.1, -3.4, exposition="descendante", issue="indice_conditions")
    assert "plus bas de 6,2 points" in d or "plus bas de 6,3 points" in d
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
