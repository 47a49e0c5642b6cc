"""L'attaquant (tests/attaquant.py) trouve chaque sorte de fuite quand on la lui donne, et ne
trouve rien dans ce que le projet publie."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats.contingency import odds_ratio

import attaquant
from paquet_analyse import analyses, chemins, diffusion, hypotheses, plan, synthese_region

SEUIL = plan.charger_plan().seuils["confidentialite"]


def _woolf(a, b, c, d, decimales=4):
    rc = a * d / (b * c)
    et = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    z = attaquant.Z
    return tuple(round(v, decimales) for v in (rc, rc * math.exp(-z * et), rc * math.exp(z * et)))


def test_reconstruit_un_2x2_a_partir_du_rc_de_l_echantillon():
    """La fuite signalée : la strate Les Moulins {9, 1, 18, 30} retrouvée depuis n, RC et IC de Woolf."""
    rc, bas, haut = _woolf(9, 1, 18, 30)
    candidats = attaquant.candidats_woolf(58, rc, bas, haut, decimales=4)
    assert [9, 1, 18, 30] in candidats.tolist()
    assert attaquant.fuite_2x2(candidats, SEUIL) is not None


def test_reconstruit_un_2x2_a_partir_de_l_emv_conditionnel():
    """Même attaque sur le RC conditionnel de Fisher (celui de `fisher.test`), calculé ici par scipy."""
    tableau = [[7, 2], [6, 15]]
    rc = odds_ratio(tableau, kind="conditional")
    ic = rc.confidence_interval()
    candidats = attaquant.candidats_conditionnels(30, round(rc.statistic, 4), ic.low, ic.high, decimales=4)
    assert [7, 2, 6, 15] in candidats.tolist()
    assert attaquant.fuite_2x2(candidats, SEUIL) is not None


def test_pas_de_fuite_sans_petite_case():
    rc, bas, haut = _woolf(12, 8, 9, 21)
    assert attaquant.fuite_2x2(attaquant.candidats_woolf(50, rc, bas, haut, decimales=4), SEUIL) is None


def test_resout_les_cases_supprimees_par_les_residus():
    """Tous les résidus publiés (même ceux des lignes à case supprimée) : les cases reviennent."""
    from paquet_analyse import associations

    t = pd.DataFrame({"a": [2, 14, 11], "b": [9, 3, 12], "c": [10, 12, 4]}, index=["x", "y", "z"])
    longue = t.stack().rename("n").reset_index().loc[lambda d: d.index.repeat(d["n"])]
    residus = associations.residus_ajustes(longue.rename(columns={"level_0": "l", "level_1": "c"}), "l", "c")
    masque = (t < SEUIL).to_numpy()
    fuites = attaquant.attaque_residus(t, masque, residus.round(1), total=int(t.to_numpy().sum()), seuil=SEUIL)
    assert fuites and all("retrouvée" in f for f in fuites)


def test_trouve_les_petites_cases_publiees(tmp_path):
    (tmp_path / "tableaux").mkdir()
    pd.DataFrame({"territoire": ["A", "B"], "indicateur": ["x", "x"], "effectif": [3, 12], "denominateur": [20, 14],
                  "proportion": [0.15, 0.86], "unite": ["proportion"] * 2}).to_csv(tmp_path / "tableaux" / "p.csv",
                                                                                 index=False)
    pd.DataFrame({"territoire": ["A", "B"], "moyenne": [50.0, 48.0], "effectif": [3, 40]}).to_csv(
        tmp_path / "tableaux" / "m.csv", index=False)
    fuites = attaquant.attaque_comptes(tmp_path, SEUIL)
    assert any("(3 sur 20)" in f for f in fuites) and any("(12 sur 14)" in f for f in fuites)
    assert any("moyenne publiée pour 3 personnes" in f for f in fuites) and len(fuites) == 3


def test_l_ancienne_publication_fuyait(tmp_path, donnees_defaut):
    """Les résultats par territoire tels que le projet les publiait avant la protection des
    statistiques dérivées (tableau brut de `tester_hypotheses`) : l'attaquant y retrouve des cases."""
    (tmp_path / "tableaux").mkdir()
    (tmp_path / "carnets").mkdir()
    brut = hypotheses.tester_hypotheses(donnees_defaut, portee="territoire", territoire="Les Moulins")
    brut.to_csv(tmp_path / "tableaux" / "hypotheses_les_moulins.csv", index=False)
    fuites = attaquant.attaque_rapports_de_cotes(tmp_path, SEUIL)
    assert any("[9, 1, 18, 30]" in f or "retrouvé" in f for f in fuites)
    protege = diffusion.resultats_territoire(donnees_defaut, "Les Moulins").valeurs
    protege.to_csv(tmp_path / "tableaux" / "hypotheses_les_moulins.csv", index=False)
    assert attaquant.attaque_rapports_de_cotes(tmp_path, SEUIL) == []
    assert attaquant.attaque_comptes(tmp_path, SEUIL) == []


@pytest.mark.lent
def test_rien_dans_les_resultats_versionnes():
    """Tout ce qui est publié pour le jeu par défaut (CSV et sorties des carnets) : aucune fuite."""
    dossier = chemins.dossier_resultats("lanaudiere")
    assert attaquant.attaque_rapports_de_cotes(dossier, SEUIL) == []
    assert attaquant.attaque_comptes(dossier, SEUIL) == []
    assert attaquant.attaque_portraits(dossier, SEUIL) == []


# --------------------------------------------------------------------------
# Toute la publication ensemble (ticket : quatre familles d'attaques). Chaque attaque est d'abord vue réussir
# contre la publication d'avant, puis échouer contre celle d'aujourd'hui.


def _ancienne_publication_des_strates(dossier, donnees):
    """Ce que le projet publiait avant : synthèse de la région sur toutes les strates, à pleine précision ;
    statistiques d'un territoire retenues pour ses seules petites cases."""
    (dossier / "tableaux").mkdir(parents=True)
    synthese_region.calculer_synthese(donnees).to_csv(dossier / "tableaux" / "synthese_hypotheses.csv", index=False)
    for territoire in donnees.jeu.liste_territoires():
        t = hypotheses.tester_hypotheses(donnees, portee="territoire", territoire=territoire)
        for c in ("estimation", "ic_bas", "ic_haut", "statistique", "p_valeur"):
            t[c] = t[c].mask(t["case_sous_le_seuil"])
        t.to_csv(dossier / "tableaux" / f"hypotheses_{chemins.nom_sur(territoire)}.csv", index=False)


def test_statistiques_regroupees_retrouvaient_les_strates_supprimees(tmp_path, donnees_defaut):
    """Le RC commun de Mantel-Haenszel, son IC et ses tests, avec les marges de chaque territoire, redonnaient
    chaque strate supprimée (L'Assomption, H1a : [21, 18, 3, 8], comme l'a montré l'audit du ticket). Publiés
    aujourd'hui sur des strates regroupées, ils laissent à chaque petite case au moins deux valeurs."""
    savoir = attaquant.savoir_de_l_intrus(donnees_defaut)
    _ancienne_publication_des_strates(tmp_path / "avant", donnees_defaut)
    fuites = attaquant.attaque_strates(tmp_path / "avant", SEUIL, savoir["strates"], cle_h5=savoir["jumelles"])
    assert any("H1a, L'Assomption : tableau [21, 18, 3, 8]" in f for f in fuites)
    regroupees = [h.id for h in donnees_defaut.plan.hypotheses if h.methode == "association" and "region" in h.portee
                  and h.niveau == "instances"]
    sensibles = sum(1 for id_ in regroupees for t in savoir["strates"][id_].values() if any(1 <= v < SEUIL for v in t))
    assert sensibles >= 14 and len(fuites) == sensibles  # chaque strate sensible était retrouvée
    (tmp_path / "apres" / "tableaux").mkdir(parents=True)
    diffusion.resultats_region(donnees_defaut).valeurs.to_csv(tmp_path / "apres" / "tableaux" /
                                                              "synthese_hypotheses.csv", index=False)
    for territoire in donnees_defaut.jeu.liste_territoires():
        diffusion.resultats_territoire(donnees_defaut, territoire).valeurs.to_csv(
            tmp_path / "apres" / "tableaux" / f"hypotheses_{chemins.nom_sur(territoire)}.csv", index=False)
    assert attaquant.attaque_strates(tmp_path / "apres", SEUIL, savoir["strates"], cle_h5=savoir["jumelles"]) == []


def test_rejouer_la_regle_de_suppression(donnees_defaut):
    """La règle de suppression d'avant (cases complémentaires choisies par leur valeur) se rejouait : les
    remplissages des « x » qui ne redonnent pas les mêmes suppressions tombent, et des petites cases restent
    seules possibles. Celle d'aujourd'hui (ordre tiré d'une clé des microdonnées, lignes de petit total
    supprimées en entier, intervalle de chaque case vérifié) ne se rejoue pas, et les totaux seuls laissent
    au moins deux valeurs à chaque petite case."""
    from paquet_analyse import associations, confidentialite
    from paquet_analyse.donnees import restreindre

    savoir = attaquant.savoir_de_l_intrus(donnees_defaut)
    trouvees = 0
    for territoire in donnees_defaut.jeu.liste_territoires():
        d = restreindre(donnees_defaut, territoire)
        comptes = associations.tableau_croise(d.instances[["logique_initiateur", "modele"]].dropna(),
                                              "logique_initiateur", "modele")
        comptes.index, comptes.columns = comptes.index.astype(str), comptes.columns.astype(str)
        marges_l, marges_c = savoir["croisements"][territoire]
        ancienne = confidentialite.supprimer_petites_cellules(comptes.copy(), seuil=SEUIL)  # sans clé : rejouable
        regle = lambda t: confidentialite.supprimer_petites_cellules(t, seuil=SEUIL).masque.to_numpy()  # noqa: E731
        trouvees += len(attaquant.attaque_rejeu(ancienne.affichage(), marges_l, marges_c, SEUIL, regle=regle))
        publie = diffusion.croisement(donnees_defaut, "logique_initiateur", "modele", territoire=territoire).tableau
        assert attaquant.attaque_rejeu(publie.affichage(), marges_l, marges_c, SEUIL) == []
        valeurs = comptes.to_numpy(float)
        bas, haut = confidentialite.intervalles_possibles(valeurs, publie.masque.to_numpy(),
                                                          publie.primaires.to_numpy(), seuil=SEUIL)
        petites = publie.primaires.to_numpy() & (valeurs >= 1)
        assert (haut - bas)[petites].min() >= 1  # au moins deux valeurs possibles pour chaque petite case
    assert trouvees > 0


def test_differences_et_parts_deguisees(tmp_path, donnees_defaut):
    """Une case de territoire supprimée seule à côté d'une ligne « Ensemble » se recalcule ; une part publiée
    avec son dénominateur redonne un petit compte (la part de concertations isolées de Joliette : 1 sur 56)."""
    (tmp_path / "tableaux").mkdir()
    pd.DataFrame({"territoire": ["A", "B", "Ensemble"], "manquants": ["x", "7", "9"]}).to_csv(
        tmp_path / "tableaux" / "c.csv", index=False)
    analyses.mesures_reseau(donnees_defaut).to_csv(tmp_path / "tableaux" / "reseau_mesures.csv", index=False)
    fuites = attaquant.attaque_differences(tmp_path, SEUIL)
    assert any("manquants de A (supprimé) = Ensemble - autres = 2" in f for f in fuites)
    assert any("Joliette : part_instances_isolees × nb_instances = 1" in f for f in fuites)
    diffusion.mesures_reseau(donnees_defaut).valeurs.to_csv(tmp_path / "tableaux" / "reseau_mesures.csv", index=False)
    (tmp_path / "tableaux" / "c.csv").unlink()
    assert attaquant.attaque_differences(tmp_path, SEUIL) == []


def test_aucune_fuite_dans_toute_la_publication_versionnee(donnees_defaut):
    """Toutes les attaques ensemble, sur tout ce que publie le jeu par défaut, avec le savoir prudent de
    l'intrus (marges de chaque strate et de chaque tableau croisé)."""
    assert attaquant.attaque_publication(chemins.dossier_resultats("lanaudiere"), SEUIL, donnees_defaut) == []
