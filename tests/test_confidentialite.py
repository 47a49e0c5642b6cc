"""Confidentialité : suppression primaire et secondaire, portrait, identifiants.

Les réponses attendues sont calculées à la main (tableaux ci-dessous) ; la
protection est vérifiée par un oracle indépendant de l'implémentation : une
cellule supprimée est recalculable si et seulement si son vecteur unitaire
appartient à l'espace engendré par les relations d'additivité (lignes et
colonnes) restreintes aux cellules supprimées (test de rang, numpy).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ecrire_jeu, petites_tables, preparer_mini
from paquet_analyse import chargement, confidentialite, indicateurs
from paquet_analyse.confidentialite import (
    TableauProtege, cellules_recalculables, proteger_portrait,
    supprimer_petites_cellules, verifier_aucune_petite_cellule)
from paquet_analyse.erreurs import ErreurConfidentialite, ErreurDonnees


# --------------------------------------------------------------------------
# Oracle : quelles cellules supprimées peut-on recalculer ?


def recalculables_par_le_rang(masque: np.ndarray, *, total_l: bool = False, total_c: bool = False) -> set:
    """Cellules supprimées déterminées par les relations « somme de la ligne = total ».

    Sans marges affichées, les totaux sont supposés connus (coefficient +1 pour
    chaque cellule) ; avec marges, la cellule de total a le coefficient -1.
    Tableau à une ligne (ou une colonne) : seule la relation de cette ligne compte.
    """
    masque = np.asarray(masque, dtype=bool)
    nl, nc = masque.shape
    cellules = [tuple(c) for c in np.argwhere(masque)]
    if not cellules:
        return set()
    relations = []
    for i in range(nl):
        if nc > 1:
            relations.append({(i, j): (-1 if total_c and j == nc - 1 else 1) for j in range(nc)})
    for j in range(nc):
        if nl > 1:
            relations.append({(i, j): (-1 if total_l and i == nl - 1 else 1) for i in range(nl)})
    a = np.array([[rel.get(c, 0) for c in cellules] for rel in relations], dtype=float)
    rang = np.linalg.matrix_rank(a)
    determinees = set()
    for k, cellule in enumerate(cellules):
        unite = np.zeros(len(cellules))
        unite[k] = 1
        if np.linalg.matrix_rank(np.vstack([a, unite])) == rang:
            determinees.add(cellule)
    return determinees


def _verifier_protection(t: TableauProtege, *, total_l=False, total_c=False):
    masque = t.masque.to_numpy()
    assert recalculables_par_le_rang(masque, total_l=total_l, total_c=total_c) == set()
    nl, nc = masque.shape
    if nl > 1 and nc > 1:  # la règle classique : 0 ou au moins 2 cellules supprimées par ligne et par colonne
        assert all(n in (0,) or n >= 2 for n in masque.sum(axis=1))
        assert all(n in (0,) or n >= 2 for n in masque.sum(axis=0))
    assert (t.primaires.to_numpy() <= masque).all()
    assert t.valeurs.isna().to_numpy()[masque].all()


# --------------------------------------------------------------------------
# Tableaux faits à la main


def test_tableau_3x3_une_petite_cellule_force_un_rectangle():
    """Cellule (x, a) = 3 < 5. Rectangles possibles (valeur totale supprimée) :
    x-y / a-b : 3 + 10 + 8 + 20 = 41 ; x-y / a-c : 3 + 12 + 8 + 15 = 38 ;
    x-z / a-b : 3 + 10 + 11 + 9 = 33 (le moindre) ; x-z / a-c : 3 + 12 + 11 + 30 = 56."""
    t = pd.DataFrame({"a": [3, 8, 11], "b": [10, 20, 9], "c": [12, 15, 30]}, index=["x", "y", "z"])
    p = supprimer_petites_cellules(t, seuil=5)
    attendu = pd.DataFrame({"a": [True, False, True], "b": [True, False, True], "c": [False] * 3},
                           index=["x", "y", "z"])
    pd.testing.assert_frame_equal(p.masque, attendu)
    assert (p.nb_primaires, p.nb_secondaires) == (1, 3)
    assert p.valeurs.loc["y"].tolist() == [8, 20, 15] and pd.isna(p.valeurs.loc["x", "a"])
    assert p.affichage().loc["x"].tolist() == ["x", "x", "12"]
    # la note ne dit pas combien de cases sont petites : avec la règle publique, ce décompte aiderait à les
    # retrouver (attaque_rejeu)
    assert "cellules de 1 à 4, et cellules complémentaires" in p.note and not re.search(r"\d+ cellule", p.note)
    assert "Hundepool" in p.note
    _verifier_protection(p)


def test_tableau_sans_petite_cellule_inchange():
    t = pd.DataFrame({"oui": [12, 7, 25], "non": [9, 30, 5]}, index=["A", "B", "C"])
    p = supprimer_petites_cellules(t, seuil=5)
    assert not p.masque.to_numpy().any()
    pd.testing.assert_frame_equal(p.valeurs, t.astype("Int64"))
    assert p.note == "Aucune cellule de moins de 5 : aucune suppression."


def test_zeros_non_supprimes_par_defaut_mais_sur_demande():
    t = pd.DataFrame({"a": [0, 12], "b": [14, 20], "c": [9, 6]}, index=["x", "y"])
    assert not supprimer_petites_cellules(t, seuil=5).masque.to_numpy().any()
    p = supprimer_petites_cellules(t, zeros_sensibles=True, seuil=5)
    assert p.primaires.loc["x", "a"] and p.masque.to_numpy().sum() == 4
    _verifier_protection(p)


def test_deux_petites_cellules_dans_la_meme_ligne_se_protegent_mutuellement_en_ligne():
    """(x, a) = 2 et (x, b) = 3 : la ligne x a déjà deux suppressions, mais chaque colonne
    n'en a qu'une ; il faut une deuxième ligne : y (8 + 9 = 17) plutôt que z (40 + 50)."""
    t = pd.DataFrame({"a": [2, 8, 40], "b": [3, 9, 50], "c": [20, 30, 60]}, index=["x", "y", "z"])
    p = supprimer_petites_cellules(t, seuil=5)
    assert p.masque.to_numpy().tolist() == [[True, True, False], [True, True, False], [False, False, False]]
    _verifier_protection(p)


def test_pont_entre_deux_rectangles_detecte():
    """Deux rectangles reliés par une seule cellule : chaque ligne et chaque colonne a au moins
    deux suppressions, et pourtant la cellule (1, 2) se recalcule (c'est un pont)."""
    masque = np.zeros((4, 4), dtype=bool)
    masque[np.ix_([0, 1], [0, 1])] = True
    masque[np.ix_([2, 3], [2, 3])] = True
    masque[1, 2] = True
    assert (masque.sum(axis=0) >= 2).all() and (masque.sum(axis=1) >= 2).all()
    assert recalculables_par_le_rang(masque) == {(1, 2)}
    assert cellules_recalculables(masque) == [(1, 2)]


def test_marges_reconnues_et_epargnees():
    donnees = pd.DataFrame({"territoire": list("AAAAABBBBBBBBBBCCCCCCCCC") + ["A"] * 3,
                            "citoyens": ([True] * 2 + [False] * 3 + [True] * 6 + [False] * 4
                                         + [True] * 5 + [False] * 4 + [False] * 3)})
    t = pd.crosstab(donnees["territoire"], donnees["citoyens"], margins=True, margins_name="Total")
    p = supprimer_petites_cellules(t, seuil=5)
    assert p.primaires.loc["A", True]  # 2 citoyens dans A
    assert not p.masque.loc["Total"].any() and not p.masque["Total"].any()  # les marges restent publiées
    _verifier_protection(p, total_l=True, total_c=True)


def test_petit_total_supprime_et_protege():
    t = pd.DataFrame({"a": [1, 10, 11], "b": [2, 12, 14], "Total": [3, 22, 25]}, index=["x", "y", "Total"])
    p = supprimer_petites_cellules(t, seuil=5)
    assert p.primaires.loc["x"].tolist() == [True, True, True]
    _verifier_protection(p, total_l=True, total_c=True)


def test_marges_declarees_mais_fausses():
    t = pd.DataFrame({"a": [1, 10], "b": [2, 12]}, index=["x", "y"])
    with pytest.raises(ErreurDonnees, match="marges=True"):
        supprimer_petites_cellules(t, marges=True, seuil=5)


def test_tableau_a_une_dimension():
    t = pd.DataFrame({"n": [3, 40, 12, 25]}, index=list("abcd"))
    p = supprimer_petites_cellules(t, seuil=5)
    assert p.masque["n"].tolist() == [True, False, True, False]  # 12 : le plus petit complément
    _verifier_protection(p)


def test_cellule_impossible_a_proteger():
    with pytest.raises(ErreurConfidentialite, match="Regrouper des modalités"):
        supprimer_petites_cellules(pd.DataFrame({"n": [3]}, index=["seul"]), seuil=5)


@pytest.mark.parametrize("tableau,motif", [
    (pd.DataFrame({"n": [3, -1]}), "entier ≥ 0"),
    (pd.DataFrame({"n": [3, 2.5]}), "entier ≥ 0"),
    (pd.DataFrame({"t": ["A", "B"], "n": [3, 4]}), "set_index"),
])
def test_entrees_refusees(tableau, motif):
    with pytest.raises(ErreurDonnees, match=motif):
        supprimer_petites_cellules(tableau, seuil=5)


def test_affichage_et_html():
    t = pd.DataFrame({"a": [3, 8, 11], "b": [10, 20, 9], "c": [12, 15, 30]}, index=["x", "y", "z"])
    p = supprimer_petites_cellules(t, seuil=5)
    html = p._repr_html_()
    assert "<table" in html and "donnée supprimée" in html and "<td>x</td>" in html


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5).flatmap(lambda nl: st.integers(1, 5).flatmap(
    lambda nc: st.lists(st.lists(st.integers(0, 30), min_size=nc, max_size=nc), min_size=nl, max_size=nl))))
def test_propriete_aucune_cellule_supprimee_recalculable(cellules):
    t = pd.DataFrame(cellules)
    try:
        p = supprimer_petites_cellules(t, seuil=5)
    except ErreurConfidentialite:
        # seul cas permis : aucune cellule complémentaire n'existe (tableau d'une seule cellule non nulle)
        assert (np.asarray(cellules) > 0).sum() == 1
        return
    _verifier_protection(p)
    verifier_aucune_petite_cellule(p, seuil=5)


# --------------------------------------------------------------------------
# Portrait


def _portrait_fait_main() -> pd.DataFrame:
    return pd.DataFrame({
        "indicateur": ["creees_depuis_charniere", "thematique_ejf", "auto_delegation", "densite_liens"],
        "libelle": ["Créées depuis 2000", "EJF", "Auto-délégation", "Densité"],
        "niveau": ["instances", "instances", "participants", "instances"],
        "effectif": [3, 18, 40, 2], "denominateur": [20, 20, 40, 45],
        "proportion": [0.15, 0.9, 1.0, 2 / 45], "ic_bas": [0.05, 0.7, 0.91, np.nan],
        "ic_haut": [0.36, 0.97, 1.0, np.nan], "unite": ["proportion"] * 4,
    })


def test_proteger_portrait_effectif_et_complement():
    """3 sur 20 : effectif petit ; 18 sur 20 : complément 2 petit ; 40 sur 40 : complément 0
    (non supprimé par défaut) ; densité des liens : exemptée."""
    p = proteger_portrait(_portrait_fait_main(), seuil=5)
    supprimees = p.masque["effectif"].tolist()
    assert supprimees == [True, True, False, False]
    for colonne in ("effectif", "proportion", "ic_bas", "ic_haut"):
        assert p.valeurs[colonne].iloc[:2].isna().all()
    assert p.valeurs["denominateur"].tolist() == [20, 20, 40, 45]
    assert p.affichage().loc[0, "proportion"] == "x"
    assert "creees_depuis_charniere, thematique_ejf" in p.note
    verifier_aucune_petite_cellule(p.valeurs.iloc[:3], ["effectif"], denominateur="denominateur", seuil=5)
    with pytest.raises(ErreurConfidentialite, match="denominateur - effectif = 2"):
        verifier_aucune_petite_cellule(_portrait_fait_main().iloc[:3], ["effectif"], denominateur="denominateur", seuil=5)


def test_proteger_portrait_zeros_sensibles():
    p = proteger_portrait(_portrait_fait_main(), zeros_sensibles=True, seuil=5)
    assert p.masque["effectif"].tolist() == [True, True, True, False]


def test_proteger_portrait_du_mini_jeu(tmp_path):
    """Le mini-jeu n'a que 4 instances et 5 participants : toutes les parts sont supprimées."""
    d = preparer_mini(ecrire_jeu(tmp_path / "m", petites_tables()))
    brut = indicateurs.portrait(d.instances, d.participants, annee_charniere=2000)
    p = proteger_portrait(brut, seuil=5)
    parts = ~brut["indicateur"].isin(confidentialite.INDICATEURS_EXEMPTES)
    verifier_aucune_petite_cellule(p.valeurs[parts], ["effectif"], denominateur="denominateur", seuil=5)
    with pytest.raises(ErreurConfidentialite):
        verifier_aucune_petite_cellule(brut[parts], ["effectif"], denominateur="denominateur", seuil=5)


def test_proteger_portrait_refuse_un_autre_tableau():
    with pytest.raises(ErreurDonnees, match="colonne\\(s\\) absente\\(s\\)"):
        proteger_portrait(pd.DataFrame({"n": [1]}), seuil=5)


# --------------------------------------------------------------------------
# Identifiants


def test_verifier_liste_les_cellules_fautives():
    t = pd.DataFrame({"a": [3, 12], "b": [0, 4]}, index=["x", "y"])
    with pytest.raises(ErreurConfidentialite, match="2 petite\\(s\\) cellule\\(s\\).*ligne « x », a = 3"):
        verifier_aucune_petite_cellule(t, ["a", "b"], seuil=5)


def _portraits_empiles() -> pd.DataFrame:
    """Un indicateur, trois territoires et l'ensemble : seul A est petit (3 sur 30)."""
    k, n = [3, 12, 20, 35], [30, 25, 40, 95]
    return pd.DataFrame({
        "territoire": ["A", "B", "C", "Ensemble"], "indicateur": ["auto_delegation"] * 4,
        "libelle": ["Auto-délégation"] * 4, "niveau": ["participants"] * 4, "effectif": k, "denominateur": n,
        "proportion": [a / b for a, b in zip(k, n)], "ic_bas": [0.0] * 4, "ic_haut": [1.0] * 4,
        "unite": ["proportion"] * 4})


def test_proteger_portraits_empiles_pas_de_recalcul_par_difference():
    """Sans suppression secondaire, A = 35 - 12 - 20 = 3. Le moindre complément est B
    (12 + 13 = 25 unités, contre 20 + 20 pour C) : A et B sont supprimés, l'ensemble reste."""
    p = proteger_portrait(_portraits_empiles(), seuil=5)
    assert p.masque["effectif"].tolist() == [True, True, False, False]
    assert p.primaires["effectif"].tolist() == [True, False, False, False]
    assert "1 part(s) complémentaire(s)" in p.note
    table = np.array([[True, True], [True, True], [False, False], [False, False]])
    assert recalculables_par_le_rang(table, total_l=True) == set()
    assert proteger_portrait(_portraits_empiles(), groupe=None, seuil=5).masque["effectif"].tolist() == [True, False,
                                                                                               False, False]


# --------------------------------------------------------------------------
# Statistiques regroupées sur des strates ; suppressions secondaires qu'on ne peut pas rejouer


def test_regrouper_strates_garde_deux_valeurs_a_chaque_petite_case():
    """Chaque strate sensible entre dans un groupe sans petite case, où sa case peut encore prendre au moins
    deux valeurs quand la somme du groupe est connue ; les autres strates restent seules."""
    from paquet_analyse.confidentialite import regrouper_strates

    tables = {"A": (10, 15, 2, 8), "B": (13, 16, 3, 7), "C": (10, 17, 3, 10), "D": (21, 18, 3, 8),
              "E": (25, 23, 2, 8), "F": (20, 21, 9, 11)}
    r = regrouper_strates(tables, seuil=5)
    assert r.publiable and "F" not in r.retenus and r.strate["F"] == "F"
    groupes = {}
    for n, g in r.strate.items():
        groupes.setdefault(g, []).append(n)
    for membres in groupes.values():
        if len(membres) == 1:
            continue
        total = np.sum([tables[m] for m in membres], axis=0)
        assert (total >= 5).all() or ((total == 0) | (total >= 5)).all()
        somme = total[0]
        for m in membres:  # autre valeur de a_m, compensée par un autre membre, marges gardées
            bornes = {n: (max(0, tables[n][0] + tables[n][1] + tables[n][0] + tables[n][2] - sum(tables[n])),
                          min(tables[n][0] + tables[n][1], tables[n][0] + tables[n][2])) for n in membres}
            bas = max(bornes[m][0], somme - sum(bornes[n][1] for n in membres if n != m))
            haut = min(bornes[m][1], somme - sum(bornes[n][0] for n in membres if n != m))
            assert haut - bas >= 1, m
    # une seule strate sensible : elle est regroupée avec une autre, dont les statistiques sont aussi retenues
    seule = regrouper_strates({"A": (10, 15, 2, 8), "F": (20, 21, 9, 11), "G": (30, 25, 12, 14)}, seuil=5)
    assert len(seule.retenus) == 2 and "A" in seule.retenus and "regroupé avec" in seule.motifs[seule.retenus[1]]
    # aucune strate sensible : rien de regroupé
    assert regrouper_strates({"F": (20, 21, 9, 11), "G": (30, 25, 12, 14)}, seuil=5).retenus == ()
    # même tout regroupé, une petite case : la statistique regroupée ne se publie pas
    assert not regrouper_strates({"A": (1, 1, 1, 1), "B": (2, 1, 0, 3)}, seuil=5).publiable


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(0, 12), min_size=4, max_size=4), min_size=3, max_size=4))
def test_suppression_avec_cle_laisse_deux_valeurs_a_chaque_petite_case(lignes):
    """Quel que soit le tableau, avec une clé : chaque petite case (1 à 4) peut encore prendre au moins deux
    valeurs compatibles avec les totaux de ligne et de colonne (`intervalles_possibles`) — sauf si les totaux
    à eux seuls la fixent (tout supprimer n'y changerait rien : un tableau dont la seule case non nulle
    vaut 1, par exemple)."""
    t = pd.DataFrame(lignes, columns=list("abcd"))
    p = supprimer_petites_cellules(t, seuil=5, cle="cle-de-test")
    valeurs = t.to_numpy(float)
    petites = p.primaires.to_numpy() & (valeurs >= 1)
    if not petites.any():
        return
    from paquet_analyse.confidentialite import intervalles_possibles

    bas, haut = intervalles_possibles(valeurs, p.masque.to_numpy(), p.primaires.to_numpy(), seuil=5)
    tout = np.ones_like(p.masque.to_numpy())
    bas_t, haut_t = intervalles_possibles(valeurs, tout, p.primaires.to_numpy(), seuil=5)
    protegeables = petites & (haut_t - bas_t >= 1)
    assert ((haut - bas)[protegeables] >= 1).all()


def test_la_cle_change_le_choix_pas_la_protection():
    """Deux clés : des cases complémentaires différentes (le choix ne dépend pas des valeurs), mêmes cases
    primaires, et une ligne de petit total supprimée en entier, zéros compris."""
    t = pd.DataFrame({"a": [3, 8, 11, 9], "b": [10, 20, 9, 12], "c": [12, 15, 30, 8], "d": [7, 6, 9, 10]},
                     index=list("wxyz"))
    masques = {cle: supprimer_petites_cellules(t, seuil=5, cle=cle) for cle in ("un", "deux", "trois", "quatre")}
    assert len({m.primaires.to_numpy().tobytes() for m in masques.values()}) == 1
    assert len({m.masque.to_numpy().tobytes() for m in masques.values()}) > 1
    petite_colonne = t.assign(d=[0, 1, 0, 0])
    assert supprimer_petites_cellules(petite_colonne, seuil=5, cle="un").masque["d"].all()  # total 1 : entière
