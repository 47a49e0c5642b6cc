"""Les phrases d'interprétation suivent les nombres (aucune conclusion écrite d'avance)."""

from __future__ import annotations

import math

import pytest

from paquet_analyse import interpretation, texte


@pytest.mark.parametrize("p,attendu", [(0.0001, "forte"), (0.004, "nette"), (0.03, "modérée"),
                                       (0.07, "faible"), (0.5, "aucune preuve"), (math.nan, "non évaluable")])
def test_force_preuve(p, attendu):
    assert interpretation.force_preuve(p, alpha=0.05) == attendu


def test_echelle_relative_au_seuil_du_plan():
    """L'échelle déclarée suit le seuil du plan : à alpha = 0,01, p = 0,03 n'est plus « modérée »."""
    assert interpretation.force_preuve(0.03, alpha=0.01) == "aucune preuve"
    assert interpretation.force_preuve(0.015, alpha=0.01) == "faible"
    assert interpretation.force_preuve(0.009, alpha=0.01) == "modérée"
    assert "seuil de 1 % fixé par le plan" in interpretation.verdict(0.015, alpha=0.01)


def _resultat(**valeurs):
    """Une ligne de la région (portée « region »), p ajustée comprise."""
    base = {"id": "H1a", "territoire": "Ensemble", "portee": "region", "statut": "ok", "mesure": "rapport_cotes",
            "estimation": 3.2, "ic_bas": 1.4, "ic_haut": 7.3, "p_valeur": 0.004, "p_ajustee": 0.004, "effectif": 56,
            "question": "Les concertations descendantes ont-elles plus souvent aucun citoyen à la table ?",
            "exposition": "descendante", "issue": "deficit_participation", "methode": "khi-deux", "note": ""}
    base.update(valeurs)
    return base


def _phrase(r, alpha=0.05):
    return interpretation.phrase_hypothese(r, alpha=alpha)


def test_phrase_suit_le_sens_et_la_force():
    phrase = _phrase(_resultat())
    assert "3,20 fois plus élevées" in phrase and "IC à 95 % de 1,40 à 7,30" in phrase
    assert "p = 0,004" in phrase and "preuve nette d'association" in phrase
    assert "dans l'ensemble des territoires" in phrase and "n = 56" in phrase  # effectif publié, exact
    assert phrase.startswith("**H1a** — Les concertations descendantes ont-elles")  # la question du plan
    faible = interpretation.phrase_rapport_cotes(0.5, 0.2, 0.9, exposition="descendante", issue="deficit_participation")
    assert "plus faibles : multipliées par 0,50 par rapport aux autres cas" in faible
    inverse = _phrase(_resultat(estimation=0.5, ic_bas=0.2, ic_haut=1.3, p_valeur=0.2, p_ajustee=0.2))
    assert "contient 1" in inverse and "aucune preuve d'association" in inverse


def test_phrase_signale_l_imprecision_et_le_non_estimable():
    large = _phrase(_resultat(ic_bas=0.5, ic_haut=40.0))
    assert "très imprécise" in large
    infini = _phrase(_resultat(estimation=math.inf, ic_bas=2.55, ic_haut=math.inf, p_valeur=0.01))
    assert "non estimable (case nulle) ; IC à 95 % de 2,55 à l'infini" in infini and "inf" not in infini.replace("l'infini", "")
    non = _phrase(_resultat(statut="non_estimable", estimation=math.nan,
                                                    note="L'exposition ne varie pas."))
    assert "non estimable" in non and "ne varie pas" in non


def test_phrase_homogeneite_sans_rapport_de_cotes():
    r = _resultat(id="H5a", territoire="Ensemble", mesure="homogeneite", estimation=math.nan, ic_bas=math.nan,
                  ic_haut=math.nan, statistique=1.2, ddl=5, p_valeur=0.94, p_ajustee=0.97,
                  famille_ajustement="tests d'homogénéité entre territoires (région)", puissance=0.21,
                  puissance_cible="un territoire dont le rapport de cotes diffère d'un facteur 2 des autres",
                  methode="Breslow-Day")
    phrase = _phrase(r)
    assert "khi-deux 1,20 à 5 ddl" in phrase and "aucune preuve que l'association diffère" in phrase
    assert "rapport de cotes 3,20" not in phrase and "effet" not in phrase
    assert "environ 21 %" in phrase and "pas une preuve d'absence" in phrase


def test_phrase_p_ajustee_explique_le_desaccord_avec_l_ic():
    """IC 1,02–1,83 (exclut 1, p = 0,03) mais p ajustée 0,09 : la phrase dit pourquoi."""
    r = _resultat(estimation=1.37, ic_bas=1.02, ic_haut=1.83, p_valeur=0.03, p_ajustee=0.09, statistique=4.7, ddl=1,
                  famille_ajustement="tests d'association de la région", puissance=0.95,
                  puissance_cible="un rapport de cotes de 2")
    phrase = _phrase(r)
    assert "p = 0,030" in phrase and "p ajustée = 0,090" in phrase and "t de Student" not in phrase
    verdict = [p for p in phrase.split(". ") if "p ajustée" in p][0]  # une phrase : le verdict et sa limite
    assert "indice faible d'association, qui n'atteint pas le seuil de 5 % fixé par le plan" in verdict
    assert "preuve faible" not in phrase and "ne résiste pas à l'ajustement" in verdict
    assert "Puissance" in phrase  # le seuil n'est pas atteint : la puissance est donnée


def test_absence_de_preuve_porte_la_puissance():
    r = _resultat(estimation=1.3, ic_bas=0.6, ic_haut=2.8, p_valeur=0.5, p_ajustee=0.7, puissance=0.34,
                  puissance_cible="un rapport de cotes de 2")
    phrase = _phrase(r)
    assert "aucune preuve d'association" in phrase and "environ 34 %" in phrase
    sans = _phrase(_resultat(p_valeur=0.5, p_ajustee=0.5, puissance=math.nan))
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

    ligne = {"id": "H1c", "territoire": "Ensemble", "portee": "region", "statut": "ok", "estimation": 2.0,
             "ic_bas": 1.2, "ic_haut": 3.4, "mesure": "rapport_cotes", "exposition": "descendante",
             "issue": "deficit_delegation", "p_valeur": 0.0004, "p_ajustee": 0.0008, "methode": "GEE", "effectif": 90,
             "note": "Seulement 11 grappes : erreurs types robustes peu fiables, p trop optimistes."}
    phrase = _phrase(ligne)
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


# ---------------------------------------------------------------------------
# Politique des verdicts

MOTS_DE_VERDICT = ("preuve forte", "preuve nette", "preuve modérée", "indice faible", "aucune preuve",
                   "preuve faible")


def test_phrase_sans_preuve_commence_par_l_intervalle():
    """p ajustée 0,54 : l'intervalle d'abord (« IC à 95 % de 0,60 à 1,56 »), jamais « 1,07 fois plus élevées »."""
    r = _resultat(estimation=1.07, ic_bas=0.60, ic_haut=1.56, p_valeur=0.54, p_ajustee=0.54, puissance=0.3,
                  puissance_cible="un rapport de cotes de 2")
    phrase = _phrase(r)
    corps = phrase.split(") : ", 1)[1]
    assert corps.index("IC à 95 %") < corps.index("1,07")
    assert "fois plus élevées" not in phrase and "fois" not in corps.split("IC à 95 %")[0]


def test_phrase_qui_atteint_le_seuil_donne_le_sens():
    phrase = _phrase(_resultat(p_ajustee=0.02))
    assert "3,20 fois plus élevées" in phrase and "preuve modérée d'association" in phrase
    assert "n'atteint pas" not in phrase


@pytest.mark.parametrize("pa", [0.051, 0.089, 0.2, 0.9])
def test_chaque_resultat_sous_le_seuil_le_dit_dans_la_phrase_de_son_verdict(pa):
    for bas, haut in ((1.02, 1.83), (0.7, 1.9)):  # IC non ajusté qui exclut 1, ou non
        phrase = _phrase(_resultat(estimation=1.4, ic_bas=bas, ic_haut=haut, p_valeur=0.03, p_ajustee=pa))
        verdict = next(p for p in phrase.split(". ") if "p ajustée" in p)
        assert "n'atteint pas le seuil de 5 % fixé par le plan" in verdict, phrase
        assert not any(m in verdict for m in ("preuve forte", "preuve nette", "preuve modérée", "preuve faible"))


def test_test_d_un_territoire_exploratoire_sans_verdict_et_region_avec():
    """Les deux sens de la décision : un test de territoire n'a jamais de verdict, même à p = 0,0001 ; un test
    de la région en a toujours un, tiré de sa p ajustée."""
    from paquet_analyse import hypotheses

    territoire = _resultat(territoire="Joliette", portee="territoire", p_valeur=0.0001, p_ajustee=math.nan,
                           puissance=0.2, puissance_cible="un rapport de cotes de 2")
    assert hypotheses.famille_de_tests(territoire) is None and hypotheses.est_exploratoire(territoire)
    phrase = _phrase(territoire)
    assert "exploratoire" in phrase and not any(m in phrase for m in MOTS_DE_VERDICT)
    assert "fois plus élevées" not in phrase and "non ajustée" in phrase
    region = _resultat(p_valeur=0.0001, p_ajustee=0.0004)
    assert hypotheses.famille_de_tests(region) == "tests d'association de la région"
    phrase = _phrase(region)
    assert "preuve forte d'association" in phrase and "exploratoire" not in phrase


def test_p_ajustees_dans_les_familles_de_la_region_seulement():
    import pandas as pd

    from paquet_analyse import hypotheses

    t = pd.DataFrame([{"portee": "territoire", "territoire": "A", "mesure": "rapport_cotes", "p_valeur": 0.01},
                      {"portee": "territoire", "territoire": "B", "mesure": "rapport_cotes", "p_valeur": 0.02},
                      {"portee": "region", "territoire": "Ensemble", "mesure": "rapport_cotes", "p_valeur": 0.01},
                      {"portee": "region", "territoire": "Ensemble", "mesure": "rapport_cotes", "p_valeur": 0.04},
                      {"portee": "region", "territoire": "Ensemble", "mesure": "homogeneite", "p_valeur": 0.03}])
    r = hypotheses.ajouter_p_ajustees(t)
    assert r.loc[:1, "p_ajustee"].isna().all() and (r.loc[:1, "famille_ajustement"] == "").all()
    assert r.loc[2:3, "p_ajustee"].tolist() == pytest.approx([0.02, 0.04])  # Benjamini-Hochberg, 2 tests
    assert r.loc[4, "p_ajustee"] == pytest.approx(0.03)


def test_modele_ajuste_dit_pour_quoi():
    phrase = _phrase(_resultat(p_ajustee=0.5, ajustement="« thématique enfance-jeunesse-famille » et « territoire »"))
    assert "ajusté pour « thématique enfance-jeunesse-famille » et « territoire »" in phrase
    brut = _phrase(_resultat(p_ajustee=0.5))
    assert "ajusté pour" not in brut


def test_chaque_phrase_du_jeu_par_defaut_respecte_la_politique(donnees_defaut):
    """Toutes les phrases des hypothèses (région et chaque territoire), de l'hétérogénéité et des forêts du jeu
    par défaut, telles que les carnets les publient, relues contre la règle publiée (tests/phrases_rapports.py) :
    aucune ne dit plus que sa p ajustée et l'échelle déclarée, chacune sous le seuil le dit, aucun test de
    territoire n'a de verdict. (Avant : sept « p ajustée = 0,089 : preuve faible d'association » sans le seuil.)"""
    from paquet_analyse import diffusion
    from phrases_rapports import problemes_paragraphe

    d = donnees_defaut
    region = diffusion.resultats_region(d).valeurs
    paragraphes = [(p, False) for p in interpretation.phrases_hypotheses(region, d.plan)]
    paragraphes += [(p, False) for p in interpretation.phrases_heterogeneite(diffusion.heterogeneite(d).valeurs, d.plan)]
    paragraphes += [(p, False) for p in diffusion.forets(d).phrases]
    for territoire in d.jeu.liste_territoires():
        t = diffusion.resultats_territoire(d, territoire).valeurs
        paragraphes += [(p, True) for p in interpretation.phrases_hypotheses(t, d.plan)]
    fautes = [f for p, exploratoire in paragraphes for f in problemes_paragraphe(p, exploratoire=exploratoire)]
    assert fautes == []
    assert sum("p ajustée" in p for p, e in paragraphes if not e) >= 14  # les phrases de la région ont été lues
    assert sum("exploratoire" in p for p, e in paragraphes if e) == 60   # 6 territoires × 10 hypothèses


def test_phrase_difference_accorde_valeur_au_feminin():
    from paquet_analyse import interpretation

    phrase = interpretation.phrase_difference(-16.35, -21.2, -11.5, exposition="descendante", issue="indice_conditions")
    assert "est en moyenne plus basse de 16,35 points" in phrase and "plus bas " not in phrase
    assert "plus élevée" in interpretation.phrase_difference(3.0, 1.0, 5.0, exposition="descendante",
                                                             issue="indice_conditions")
