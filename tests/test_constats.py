"""L'essentiel des rapports (`constats`) : des phrases tirées des seuls nombres publiés, sans nom de
statistique ; un territoire décrit ses écarts sans verdict."""

from __future__ import annotations

import pandas as pd

from paquet_analyse import constats, dictionnaire

MOTS_DE_VERDICT = ("preuve", "établi ", "significati", "p ajustée", "rapport de cotes", "intervalle")


def _ligne(id_, exposition, issue, estimation, *, niveau="instances", mesure="rapport_cotes", retenu=False, **autres):
    return {"id": id_, "portee": "territoire", "territoire": "Joliette", "niveau": niveau, "exposition": exposition,
            "issue": issue, "mesure": mesure, "estimation": estimation, "p_valeur": 0.0001, "p_ajustee": float("nan"),
            "puissance": 0.2, "statut": "ok", "retenu": retenu, "case_sous_le_seuil": retenu, "methode": "",
            **autres}


def test_essentiel_d_un_territoire_decrit_sans_verdict_dans_l_ordre_du_plan():
    """Même à p = 0,0001, un écart de territoire est décrit (sens et intensité), jamais tranché ; un lien repris
    à autres caractéristiques égales ne se répète pas ; ce qui est retenu est dit ; la réponse est renvoyée à la
    région."""
    publies = pd.DataFrame([
        _ligne("H1a", "descendante", "deficit_participation", 3.4),
        _ligne("H1b", "descendante", "deficit_evaluation", 0.8),
        _ligne("H2a", "thematique_ejf", "deficit_participation", None, retenu=True),
        _ligne("H4a", "descendante", "deficit_participation", 9.0, methode="logit ; issue ~ descendante + ejf"),
        _ligne("H6a", "descendante", "indice_conditions", -12.4, niveau="participants", mesure="difference"),
    ])
    phrases = constats.constats_territoire(publies)
    texte = " ".join(phrases)
    assert phrases[0].startswith("Dans ce territoire, les concertations de logique descendante")
    assert "bien plus souvent sans aucun citoyen à la table et un peu moins souvent sans évaluation collective" \
        in phrases[0]
    assert "environ 12 points de moins" in texte
    assert "la thématique enfance-jeunesse-famille et l'absence de citoyens à la table, l'écart de ce territoire " \
           "n'est pas publié" in texte
    assert not any(m in texte.lower() for m in MOTS_DE_VERDICT), texte
    assert "à autres caractéristiques égales" not in texte  # H4a reprend H1a : une seule mention
    assert phrases[-2] == constats.EXPLORATOIRE_TERRITOIRE and phrases[-1] == constats.MISE_EN_GARDE


def test_essentiel_d_un_territoire_sans_rien_a_decrire():
    phrases = constats.constats_territoire(pd.DataFrame([_ligne("H1a", "descendante", "deficit_participation", None,
                                                                 statut="non_estimable")]))
    assert phrases[0].startswith("Aucune hypothèse du plan n'a pu être décrite")


def test_formulations_suivent_les_parametres_du_plan():
    """Le nom simple d'une variable dérivée prend l'année charnière du plan, comme son libellé du dictionnaire."""
    annee = dictionnaire.parametres_du_plan()["annee_charniere"]
    assert constats.nom("depuis_charniere") == f"la création depuis {annee}"
    assert constats.etat("depuis_charniere") == f"créées depuis {annee}"
    assert set(constats.FORMULATIONS) <= set(dictionnaire.noms_variables())  # aucun nom disparu du dictionnaire
