"""Tests du module ``reseau`` (réseau inter-concertations, hyperconcertation).

Deux sortes de références :

- le jeu à deux modes publié des « Southern Women » (Davis, Gardner et
  Gardner, 1941, *Deep South*, Chicago, University of Chicago Press, p. 148),
  livré avec networkx (``networkx.davis_southern_women_graph()``) : 18 femmes
  x 14 événements, converti ici en tables ``participants`` / ``instances``
  (femmes = organisations, événements = instances) pour passer par les
  fonctions du paquet ; les valeurs sont comparées aux fonctions bipartites de
  networkx et aux chiffres publiés (Davis et al., 1941 ; Breiger, R. L.,
  1974, « The duality of persons and groups », *Social Forces*, 53(2),
  181-190 ; Freeman, L. C., 2003, « Finding social groups: a meta-analysis of
  the Southern Women data », in Breiger, Carley et Pattison (dir.), *Dynamic
  Social Network Modeling and Analysis*, National Academies Press) ;
- de petits réseaux construits à la main dont la réponse se calcule sur
  papier (étoile, chemin, graphe complet, instance isolée, deux territoires),
  avec la centralisation de degré de Freeman, L. C. (1979), « Centrality in
  social networks: conceptual clarification », *Social Networks*, 1(3),
  215-239 (voir aussi Wasserman et Faust, 1994, *Social Network Analysis*,
  éq. 5.5).
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from networkx.algorithms import bipartite
from scipy import stats

from paquet_analyse import reseau
from paquet_analyse.erreurs import ErreurDonnees, ErreurEffectifs
from paquet_analyse.reseau import (
    charge_organisations,
    connexion_selon_logique,
    disposition,
    graphe_biparti,
    mesures_reseau,
    organisations_plus_sollicitees,
    projection_instances,
    projection_organisations,
)

# Nombre d'événements auxquels chaque femme a assisté (Davis et al., 1941,
# tableau p. 148 ; repris par Breiger, 1974, diagonale de la matrice
# femmes x femmes). networkx écrit « Katherina Rogers ».
FREQUENTATIONS_DAVIS = {
    "Evelyn Jefferson": 8, "Laura Mandeville": 7, "Theresa Anderson": 8,
    "Brenda Rogers": 7, "Charlotte McDowd": 4, "Frances Anderson": 4,
    "Eleanor Nye": 4, "Pearl Oglethorpe": 3, "Ruth DeSand": 4,
    "Verne Sanderson": 4, "Myra Liddel": 4, "Katherina Rogers": 6,
    "Sylvia Avondale": 7, "Nora Fayette": 8, "Helen Lloyd": 5,
    "Dorothy Murchison": 2, "Olivia Carleton": 2, "Flora Price": 2,
}

# Nombre de femmes présentes à chaque événement E1..E14 (Davis et al., 1941,
# p. 148 ; diagonale de la matrice événements x événements de Breiger, 1974).
TAILLES_EVENEMENTS_DAVIS = [3, 3, 6, 4, 8, 8, 10, 14, 12, 5, 4, 6, 3, 3]

# Ligne « Evelyn » de la matrice femmes x femmes de Breiger (1974) : nombre
# d'événements partagés avec chacune des 17 autres femmes, dans l'ordre de
# Davis et al. (Laura ... Flora).
EVELYN_BREIGER = [6, 7, 6, 3, 4, 3, 3, 3, 2, 2, 2, 2, 2, 1, 2, 1, 1]


# ---------------------------------------------------------------------------
# Données
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def davis():
    """Le graphe de Davis et sa conversion en tables du paquet."""
    graphe = nx.davis_southern_women_graph()
    femmes, evenements = graphe.graph["top"], graphe.graph["bottom"]
    instances = pd.DataFrame({
        "id_instance": evenements,
        # « Old City » : nom donné par Davis et al. (1941) à Natchez (Mississippi).
        "territoire": "Old City",
        "initiateur": "citoyens",
    })
    aretes = [(f, e) for f in femmes for e in evenements if graphe.has_edge(f, e)]
    participants = pd.DataFrame({
        "id_repondant": [f"r{i:03d}" for i in range(len(aretes))],
        "id_instance": [e for _, e in aretes],
        "id_organisation": [f for f, _ in aretes],
        "heures_mois": 1.0,
        "nb_concertations": [graphe.degree(f) for f, _ in aretes],
    })
    return graphe, femmes, evenements, instances, participants


def tables(liens, *, territoires=None, initiateurs=None, isolees=()):
    """Tables ``instances`` / ``participants`` à partir de couples (instance, organisation)."""
    ids = sorted({i for i, _ in liens} | set(isolees))
    territoires = territoires or {}
    initiateurs = initiateurs or {}
    instances = pd.DataFrame({
        "id_instance": ids,
        "territoire": [territoires.get(i, "T1") for i in ids],
        "initiateur": pd.Categorical(
            [initiateurs.get(i, "cisss") for i in ids],
            categories=list(reseau.LOGIQUE_PAR_INITIATEUR),
        ),
    })
    participants = pd.DataFrame({
        "id_repondant": [f"r{k}" for k in range(len(liens))],
        "id_instance": [i for i, _ in liens],
        "id_organisation": [o for _, o in liens],
        "heures_mois": 2.0,
        "nb_concertations": 1,
    })
    return instances, participants


def ensemble(mesures):
    return mesures.set_index("territoire").loc["Ensemble"]


# ---------------------------------------------------------------------------
# Davis, Gardner et Gardner (1941) : valeurs publiées et networkx
# ---------------------------------------------------------------------------


def test_davis_frequentations_publiees(davis):
    """Événements fréquentés par femme : Davis et al. (1941, p. 148) ; total 89.

    Le total de 89 présences (18 femmes, 14 événements) est celui de Davis et
    al. (1941), repris par Freeman (2003).
    """
    graphe, femmes, _, instances, participants = davis
    charge = charge_organisations(instances, participants, seuil_sur_sollicitation=3).set_index("id_organisation")
    assert charge["nb_instances"].to_dict() == FREQUENTATIONS_DAVIS
    assert {f: graphe.degree(f) for f in femmes} == FREQUENTATIONS_DAVIS
    assert len(charge) == 18
    assert charge["nb_instances"].sum() == 89
    assert (charge["nb_territoires"] == 1).all()
    # Une heure par siège dans la conversion : heures = événements fréquentés.
    assert charge["heures_mois_total"].to_dict() == {
        f: float(n) for f, n in FREQUENTATIONS_DAVIS.items()
    }


def test_davis_graphe_biparti_conforme_a_networkx(davis):
    """Graphe biparti : mêmes arêtes, degrés et densité bipartite que networkx.

    Densité bipartite = 89 / (18 x 14) (``networkx.bipartite.density``) ;
    tailles des événements : Davis et al. (1941, p. 148).
    """
    graphe, femmes, evenements, instances, participants = davis
    g = graphe_biparti(instances, participants)
    orgs = [("organisation", f) for f in femmes]
    insts = [("instance", e) for e in evenements]
    assert g.number_of_nodes() == 32 and g.number_of_edges() == 89
    assert bipartite.is_bipartite_node_set(g, orgs)
    assert bipartite.density(g, orgs) == pytest.approx(bipartite.density(graphe, femmes))
    assert bipartite.density(g, orgs) == pytest.approx(89 / (18 * 14))
    assert [g.degree(n) for n in insts] == TAILLES_EVENEMENTS_DAVIS
    assert [graphe.degree(e) for e in evenements] == TAILLES_EVENEMENTS_DAVIS
    assert {g.nodes[n]["bipartite"] for n in orgs} == {0}
    assert {g.nodes[n]["bipartite"] for n in insts} == {1}
    assert g.graph["nb_sieges_sans_organisation"] == 0


def test_davis_projection_femmes_breiger(davis):
    """Projection sur les femmes : poids = événements partagés (Breiger, 1974).

    Ligne d'Evelyn : 6, 7, 6, 3, 4, 3, 3, 3, 2, 2, 2, 2, 2, 1, 2, 1, 1 ;
    Olivia et Flora partagent 2 événements. Toutes les paires sont aussi
    comparées à ``bipartite.weighted_projected_graph`` de networkx.
    """
    graphe, femmes, _, instances, participants = davis
    p = projection_organisations(graphe_biparti(instances, participants))
    attendu = bipartite.weighted_projected_graph(graphe, femmes)
    assert sorted(p.nodes) == sorted(femmes)
    assert p.number_of_edges() == attendu.number_of_edges() == 139
    for u, v, w in attendu.edges(data="weight"):
        assert p[u][v]["weight"] == w
    evelyn = [p["Evelyn Jefferson"][f]["weight"] for f in femmes[1:]]
    assert evelyn == EVELYN_BREIGER
    assert p["Evelyn Jefferson"]["Laura Mandeville"]["weight"] == 6
    assert p["Olivia Carleton"]["Flora Price"]["weight"] == 2


def test_davis_projection_evenements(davis):
    """Projection sur les événements, comparée à networkx.

    66 paires liées sur 91 ; les événements E1-E5 ne partagent aucune femme
    avec E10-E14 (les deux groupes de Davis et al., 1941) ; E8-E9 partagent
    9 femmes (valeurs de ``bipartite.weighted_projected_graph``).
    """
    graphe, _, evenements, instances, participants = davis
    p = projection_instances(graphe_biparti(instances, participants))
    attendu = bipartite.weighted_projected_graph(graphe, evenements)
    assert list(p.nodes) == sorted(evenements)
    assert {frozenset(a) for a in p.edges} == {frozenset(a) for a in attendu.edges}
    for u, v, w in attendu.edges(data="weight"):
        assert p[u][v]["weight"] == w
    assert p.number_of_edges() == 66
    debut, fin = evenements[:5], evenements[9:]
    assert not any(p.has_edge(a, b) for a in debut for b in fin)
    assert p["E8"]["E9"]["weight"] == 9
    assert p.nodes["E1"]["territoire"] == "Old City"


def test_davis_mesures_reseau(davis):
    """Mesures de la ligne « Ensemble » sur Davis, contre networkx.

    Densité, composantes, poids et degrés pondérés viennent de la projection
    de networkx ; centralisation de Freeman (1979) recalculée depuis les
    degrés de networkx : dix événements de degré 8, quatre de degré 13,
    soit 10 x 5 / (13 x 12) = 50 / 156.
    """
    graphe, _, evenements, instances, participants = davis
    m = mesures_reseau(instances, participants)
    assert list(m["territoire"]) == ["Old City", "Ensemble"]
    e = ensemble(m)
    attendu = bipartite.weighted_projected_graph(graphe, evenements)
    poids = [w for _, _, w in attendu.edges(data="weight")]
    assert e["nb_instances"] == 14 and e["nb_organisations"] == 18
    assert e["nb_sieges"] == 89 and e["nb_liens"] == 66
    assert e["densite"] == pytest.approx(nx.density(attendu))
    assert e["densite"] == pytest.approx(66 / 91)
    assert e["nb_composantes"] == nx.number_connected_components(attendu) == 1
    assert e["part_instances_isolees"] == 0
    assert e["moy_organisations_partagees"] == pytest.approx(np.mean(poids))
    assert e["max_organisations_partagees"] == max(poids) == 9
    assert e["degre_pondere_moyen"] == pytest.approx(2 * sum(poids) / 14)
    degres = sorted(d for _, d in attendu.degree())
    assert degres == [8] * 10 + [13] * 4
    assert e["centralisation_degre"] == pytest.approx(50 / 156)
    assert math.isnan(e["population"]) and math.isnan(e["concertations_par_10000"])


def test_davis_plus_sollicitees(davis):
    """Les trois femmes aux 8 événements (Davis et al., 1941) : Evelyn, Nora, Theresa.

    À égalité (8 événements, 8 heures), le code départage dans l'ordre alphabétique.
    """
    _, _, _, instances, participants = davis
    top = organisations_plus_sollicitees(
        instances, participants, k=3, seuil_sur_sollicitation=8
    )
    assert list(top["rang"]) == [1, 2, 3]
    assert list(top["id_organisation"]) == [
        "Evelyn Jefferson", "Nora Fayette", "Theresa Anderson",
    ]
    assert top["sur_sollicitation"].all()
    charge = charge_organisations(None, participants, seuil_sur_sollicitation=8)
    assert charge["sur_sollicitation"].sum() == 3


# ---------------------------------------------------------------------------
# Petits réseaux à réponse connue
# ---------------------------------------------------------------------------


def test_etoile_centralisation_un():
    """Étoile à 5 instances : centralisation de Freeman (1979) = 1, densité 4/10.

    Le centre C partage une organisation distincte avec chacune des 4 feuilles.
    """
    liens = [("C", f"o{k}") for k in range(4)] + [(f"F{k}", f"o{k}") for k in range(4)]
    e = ensemble(mesures_reseau(*tables(liens)))
    assert e["nb_liens"] == 4
    assert e["densite"] == pytest.approx(0.4)
    assert e["centralisation_degre"] == pytest.approx(1.0)
    assert e["nb_composantes"] == 1 and e["part_instances_isolees"] == 0
    assert e["degre_pondere_moyen"] == pytest.approx(8 / 5)


def test_complet_centralisation_zero():
    """Graphe complet K4 (une organisation à toutes les tables) : centralisation 0, densité 1."""
    liens = [(i, "o1") for i in "ABCD"]
    e = ensemble(mesures_reseau(*tables(liens)))
    assert e["densite"] == 1.0 and e["nb_liens"] == 6
    assert e["centralisation_degre"] == 0.0
    assert e["moy_organisations_partagees"] == 1.0


def test_chemin_et_instance_isolee():
    """Chemin A-B-C-D plus une instance E sans participant.

    Chemin P4 seul : centralisation (1 + 0 + 0 + 1) / (3 x 2) = 1/3 (Freeman,
    1979). Avec E : densité 3/10, 2 composantes, 1 instance isolée sur 5, et
    centralisation (1 + 0 + 0 + 1 + 2) / (4 x 3) = 1/3.
    """
    liens = [("A", "o1"), ("B", "o1"), ("B", "o2"), ("C", "o2"), ("C", "o3"), ("D", "o3")]
    seul = ensemble(mesures_reseau(*tables(liens)))
    assert seul["centralisation_degre"] == pytest.approx(1 / 3)
    e = ensemble(mesures_reseau(*tables(liens, isolees=["E"])))
    assert e["nb_instances"] == 5 and e["nb_liens"] == 3
    assert e["densite"] == pytest.approx(0.3)
    assert e["nb_composantes"] == 2
    assert e["part_instances_isolees"] == pytest.approx(0.2)
    assert e["centralisation_degre"] == pytest.approx(4 / 12)


def test_poids_organisations_partagees():
    """A et B partagent 3 organisations, B et C une seule : moyenne 2, maximum 3."""
    liens = [("A", o) for o in ("o1", "o2", "o3")] + [("B", o) for o in ("o1", "o2", "o3", "o4")]
    liens += [("C", "o4")]
    instances, participants = tables(liens)
    p = projection_instances(graphe_biparti(instances, participants))
    assert p["A"]["B"]["weight"] == 3 and p["B"]["C"]["weight"] == 1
    e = ensemble(mesures_reseau(instances, participants))
    assert e["moy_organisations_partagees"] == 2.0
    assert e["max_organisations_partagees"] == 3.0
    assert e["degre_pondere_moyen"] == pytest.approx(8 / 3)


def test_deux_territoires_et_taux_population():
    """Deux territoires reliés par une organisation commune.

    T1 : A-B liés (o1) ; T2 : C, D sans lien entre elles, mais o2 siège à B
    (T1) et à C (T2). Par territoire, seuls les liens internes comptent ; la
    ligne « Ensemble » compte aussi le lien B-C. Taux : 2 instances pour
    20 000 habitants = 1 pour 10 000 ; 2 pour 5 000 = 4 ; ensemble 4/25 000 = 1,6.
    """
    liens = [("A", "o1"), ("B", "o1"), ("B", "o2"), ("C", "o2"), ("D", "o3")]
    territoires = {"A": "T1", "B": "T1", "C": "T2", "D": "T2"}
    instances, participants = tables(liens, territoires=territoires)
    pop = pd.DataFrame({"territoire": ["T2", "T1", "T3"], "code_geo": ["2", "1", "3"],
                        "population": [5000, 20000, 1000]})
    m = mesures_reseau(instances, participants, territoires=pop)
    assert list(m.columns) == ["territoire", *reseau.COLONNES_MESURES]
    assert list(m["territoire"]) == ["T1", "T2", "Ensemble"]
    assert list(m["nb_liens"]) == [1, 0, 2]
    assert list(m["nb_organisations"]) == [2, 2, 3]
    assert list(m["part_instances_isolees"]) == [0.0, 1.0, 0.25]
    assert list(m["population"]) == [20000.0, 5000.0, 25000.0]
    assert list(m["concertations_par_10000"]) == pytest.approx([1.0, 4.0, 1.6])
    sans_pop = mesures_reseau(instances, participants,
                              territoires=pop[pop["territoire"] != "T2"])
    assert sans_pop["concertations_par_10000"].isna().tolist() == [False, True, True]


def test_groupes_autres_que_territoire():
    """``par`` choisit la colonne de regroupement ; valeur manquante étiquetée."""
    liens = [("A", "o1"), ("B", "o1"), ("C", "o2")]
    instances, participants = tables(liens)
    instances["thematique"] = ["aines", None, "aines"]
    m = mesures_reseau(instances, participants, par="thematique")
    assert list(m["thematique"]) == ["(non renseigné)", "aines", "Ensemble"]
    assert list(m["nb_instances"]) == [1, 2, 3]
    assert m["population"].isna().all()


def test_organisation_manquante_comptee():
    """Un siège sans organisation est compté et signalé, sans erreur."""
    instances, participants = tables([("A", "o1"), ("B", "o1"), ("B", "o2")])
    participants["id_organisation"] = pd.Series(["o1", pd.NA, " "], dtype="string")
    m = mesures_reseau(instances, participants)
    assert list(m["nb_sieges_sans_organisation"]) == [2, 2]
    assert ensemble(m)["nb_liens"] == 0
    assert graphe_biparti(instances, participants).graph["nb_sieges_sans_organisation"] == 2
    assert list(charge_organisations(None, participants, seuil_sur_sollicitation=3)["id_organisation"]) == ["o1"]


def test_noms_de_noeuds_sans_collision():
    """Un code d'organisation identique à un identifiant d'instance reste distinct."""
    instances, participants = tables([("A", "A"), ("B", "A")])
    g = graphe_biparti(instances, participants)
    assert sorted(g.nodes) == [("instance", "A"), ("instance", "B"), ("organisation", "A")]
    assert g.nodes[("instance", "A")]["logique"] == "descendante"
    assert list(projection_instances(g).edges(data="weight")) == [("A", "B", 1)]


# ---------------------------------------------------------------------------
# Charge des organisations
# ---------------------------------------------------------------------------


def test_charge_organisations():
    """Tables, sièges, territoires, heures sommées et seuil de sur-sollicitation."""
    instances, participants = tables(
        [("A", "o1"), ("A", "o1"), ("B", "o1"), ("C", "o1"), ("C", "o2")],
        territoires={"A": "T1", "B": "T1", "C": "T2"},
    )
    participants["heures_mois"] = [1.5, 2.0, None, 4.0, None]
    participants["nb_concertations"] = pd.array([3, 5, None, 3, 1], dtype="Int64")
    charge = charge_organisations(instances, participants, seuil_sur_sollicitation=3)
    assert list(charge.columns) == reseau.COLONNES_CHARGE
    o1, o2 = charge.iloc[0], charge.iloc[1]
    assert (o1["nb_instances"], o1["nb_sieges"], o1["nb_territoires"]) == (3, 4, 2)
    assert o1["heures_mois_total"] == 7.5 and o1["nb_heures_manquantes"] == 1
    assert o1["nb_concertations_declare_max"] == 5 and bool(o1["sur_sollicitation"])
    assert math.isnan(o2["heures_mois_total"]) and not o2["sur_sollicitation"]
    plus_haut = charge_organisations(instances, participants, seuil_sur_sollicitation=4)
    assert not plus_haut["sur_sollicitation"].any()
    assert charge_organisations(None, participants, seuil_sur_sollicitation=3)["nb_territoires"].isna().all()


@pytest.mark.parametrize("seuil", [0, -1, "3", True, None])
def test_charge_seuil_invalide(seuil):
    _, participants = tables([("A", "o1")])
    with pytest.raises(ErreurDonnees, match="seuil_sur_sollicitation"):
        charge_organisations(None, participants, seuil_sur_sollicitation=seuil)


def test_charge_heures_negatives_refusees():
    _, participants = tables([("A", "o1"), ("B", "o1")])
    participants["heures_mois"] = [1.0, -2.0]
    with pytest.raises(ErreurDonnees, match="heures_mois"):
        charge_organisations(None, participants, seuil_sur_sollicitation=3)


def test_plus_sollicitees_k():
    _, participants = tables([("A", "o1"), ("B", "o2"), ("C", "o2")])
    top = organisations_plus_sollicitees(None, participants, k=10, seuil_sur_sollicitation=3)
    assert list(top["id_organisation"]) == ["o2", "o1"]
    assert list(top.columns) == ["rang", *reseau.COLONNES_CHARGE]
    with pytest.raises(ErreurDonnees, match="k"):
        organisations_plus_sollicitees(None, participants, k=0, seuil_sur_sollicitation=3)


# ---------------------------------------------------------------------------
# Connexion selon la logique d'initiation
# ---------------------------------------------------------------------------


def _logiques_opposees():
    """Trois tables descendantes reliées par o1 ; trois ascendantes isolées."""
    liens = [("A", "o1"), ("B", "o1"), ("C", "o1"), ("D", "o2"), ("E", "o3"), ("F", "o4")]
    initiateurs = {"A": "cisss", "B": "municipal", "C": "fondation",
                   "D": "communautaire", "E": "citoyens", "F": "communautaire"}
    return tables(liens, initiateurs=initiateurs)


def test_connexion_permutation_exacte():
    """Test de permutation exact : 20 partitions, seules 2 donnent |différence| = 2.

    p = 2 / 20 = 0,1 (dénombrement à la main ; ``scipy.stats.permutation_test``).
    """
    res = connexion_selon_logique(*_logiques_opposees()).set_index("mesure")
    assert list(res.reset_index().columns) == reseau.COLONNES_CONNEXION
    degre = res.loc["degre"]
    assert (degre["n_1"], degre["n_2"]) == (3, 3)
    assert (degre["moyenne_1"], degre["moyenne_2"], degre["difference"]) == (2.0, 0.0, 2.0)
    assert degre["p_valeur"] == pytest.approx(0.1)
    assert "exacte" in degre["methode"]
    assert res.loc["isolee", "moyenne_2"] == 1.0
    assert res.loc["isolee", "difference"] == -1.0


def test_connexion_mann_whitney_comme_scipy():
    """Mann-Whitney : mêmes U et p que ``scipy.stats.mannwhitneyu`` (ex æquo : asymptotique)."""
    res = connexion_selon_logique(*_logiques_opposees(), methode="mannwhitney")
    attendu = stats.mannwhitneyu([2, 2, 2], [0, 0, 0], alternative="two-sided")
    degre = res.set_index("mesure").loc["degre"]
    assert degre["statistique"] == attendu.statistic == 9.0
    assert degre["p_valeur"] == pytest.approx(attendu.pvalue)
    assert "asymptotique" in degre["methode"]


def test_connexion_monte_carlo_reproductible():
    """Avec moins de tirages que de partitions : Monte Carlo à graine fixe, identique."""
    instances, participants = _logiques_opposees()
    a = connexion_selon_logique(instances, participants, n_tirages=9, graine=3)
    b = connexion_selon_logique(instances, participants, n_tirages=9, graine=3)
    pd.testing.assert_frame_equal(a, b)
    assert "Monte Carlo, 9 tirages, graine 3" in a.loc[0, "methode"]


def test_connexion_logique_fournie_et_effectifs():
    """Une colonne ``logique_initiateur`` fournie prime ; moins de 2 par groupe : erreur."""
    instances, participants = _logiques_opposees()
    instances["logique_initiateur"] = ["descendante"] * 5 + ["ascendante"]
    with pytest.raises(ErreurEffectifs, match="deux instances"):
        connexion_selon_logique(instances, participants)
    with pytest.raises(ErreurDonnees, match="methode"):
        connexion_selon_logique(*_logiques_opposees(), methode="t")


# ---------------------------------------------------------------------------
# Validation des entrées
# ---------------------------------------------------------------------------


def test_colonne_absente_nommee():
    instances, participants = tables([("A", "o1")])
    with pytest.raises(ErreurDonnees, match="id_organisation"):
        graphe_biparti(instances, participants.drop(columns="id_organisation"))
    with pytest.raises(ErreurDonnees, match="territoire"):
        mesures_reseau(instances.drop(columns="territoire"), participants)
    with pytest.raises(ErreurDonnees, match="heures_mois"):
        charge_organisations(None, participants.drop(columns="heures_mois"), seuil_sur_sollicitation=3)
    with pytest.raises(ErreurDonnees, match="population"):
        mesures_reseau(instances, participants,
                       territoires=pd.DataFrame({"territoire": ["T1"]}))
    with pytest.raises(ErreurDonnees, match="initiateur"):
        connexion_selon_logique(instances.drop(columns="initiateur"), participants)


def test_instances_inconnues_listees():
    instances, participants = tables([("A", "o1"), ("B", "o1")])
    participants.loc[2] = ["r9", "Z9", "o1", 1.0, 1]
    participants.loc[3] = ["r8", "Y8", "o2", 1.0, 1]
    with pytest.raises(ErreurDonnees, match="Y8, Z9"):
        graphe_biparti(instances, participants)
    with pytest.raises(ErreurDonnees, match="Y8, Z9"):
        charge_organisations(instances, participants, seuil_sur_sollicitation=3)


def test_instances_en_double_et_initiateur_inconnu():
    instances, participants = tables([("A", "o1"), ("B", "o1")])
    with pytest.raises(ErreurDonnees, match="en double : A"):
        graphe_biparti(pd.concat([instances, instances.iloc[:1]]), participants)
    instances["initiateur"] = ["cisss", "ovni"]
    with pytest.raises(ErreurDonnees, match="ovni"):
        graphe_biparti(instances, participants)


def test_population_invalide():
    instances, participants = tables([("A", "o1")])
    pop = pd.DataFrame({"territoire": ["T1"], "population": [0]})
    with pytest.raises(ErreurDonnees, match="population"):
        mesures_reseau(instances, participants, territoires=pop)


# ---------------------------------------------------------------------------
# Déterminisme et conventions
# ---------------------------------------------------------------------------


def test_ordre_des_lignes_sans_effet(davis):
    """Mélanger les lignes d'entrée ne change aucune sortie (octet pour octet)."""
    _, _, _, instances, participants = davis
    melange_i = instances.sample(frac=1, random_state=1).reset_index(drop=True)
    melange_p = participants.sample(frac=1, random_state=2).reset_index(drop=True)
    pd.testing.assert_frame_equal(mesures_reseau(instances, participants),
                                  mesures_reseau(melange_i, melange_p))
    pd.testing.assert_frame_equal(charge_organisations(instances, participants, seuil_sur_sollicitation=3),
                                  charge_organisations(melange_i, melange_p, seuil_sur_sollicitation=3))
    g1 = projection_instances(graphe_biparti(instances, participants))
    g2 = projection_instances(graphe_biparti(melange_i, melange_p))
    assert list(g1.edges(data=True)) == list(g2.edges(data=True))


def test_disposition_graine_fixe(davis):
    """Positions identiques d'un appel à l'autre, égales à ``spring_layout(seed=...)``."""
    _, _, _, instances, participants = davis
    g = graphe_biparti(instances, participants)
    a, b = disposition(g, graine=7), disposition(g, graine=7)
    attendu = nx.spring_layout(g, seed=7)
    assert list(a) == list(g.nodes)
    for n in g:
        assert np.array_equal(a[n], b[n]) and np.array_equal(a[n], attendu[n])
    with pytest.raises(ErreurDonnees, match="graine"):
        disposition(g, graine=None)


#: Fonctions publiques qui lisent les tables, toutes dans l'ordre du livre de codes.
FONCTIONS_A_TABLES = ("graphe_biparti", "mesures_reseau", "charge_organisations",
                      "organisations_plus_sollicitees", "connexion_selon_logique",
                      "nb_liens_instances", "graphe_instances")


def test_conventions_du_module():
    """Aucune fonction publique ne commence par « test » ; tables dans l'ordre
    ``(instances, participants, ...)`` ; options nommées seulement."""
    import inspect

    for nom in reseau.__all__:
        assert not nom.lower().startswith("test")
    fonctions = [n for n in reseau.__all__ if callable(getattr(reseau, n))]
    assert set(FONCTIONS_A_TABLES) <= set(fonctions)
    for nom in fonctions:
        parametres = list(inspect.signature(getattr(reseau, nom)).parameters.values())
        positionnels = [p for p in parametres if p.kind is not inspect.Parameter.KEYWORD_ONLY]
        if nom in FONCTIONS_A_TABLES:
            assert [p.name for p in positionnels] == ["instances", "participants"], nom
        for p in positionnels:
            assert p.default is inspect.Parameter.empty, (nom, p.name)


@pytest.mark.parametrize("nom", FONCTIONS_A_TABLES)
def test_arguments_inverses_signales(nom):
    """L'ancien ordre (participants, instances) lève une ErreurDonnees qui dit quoi faire."""
    instances, participants = _logiques_opposees()
    options = {"seuil_sur_sollicitation": 3} if "sollicit" in nom or "charge" in nom else {}
    with pytest.raises(ErreurDonnees, match=rf"inversés.*{nom}\(instances, participants"):
        getattr(reseau, nom)(participants, instances, **options)


def test_table_qui_n_est_pas_un_dataframe():
    instances, participants = tables([("A", "o1")])
    with pytest.raises(ErreurDonnees, match="« participants » doit être un pandas.DataFrame"):
        graphe_biparti(instances, participants.to_dict())
    with pytest.raises(ErreurDonnees, match="« instances » doit être un pandas.DataFrame"):
        mesures_reseau(None, participants)


def test_logique_fournie_invalide():
    instances, participants = tables([("A", "o1"), ("B", "o1")])
    instances["logique_initiateur"] = ["descendante", "montante"]
    with pytest.raises(ErreurDonnees, match="montante"):
        graphe_biparti(instances, participants)


@pytest.mark.parametrize("options", [{"k": 0}, {"k": 2.5}])
def test_options_invalides_plus_sollicitees(options):
    _, participants = tables([("A", "o1")])
    with pytest.raises(ErreurDonnees, match="entier >= 1"):
        organisations_plus_sollicitees(None, participants, seuil_sur_sollicitation=3, **options)


def test_options_invalides_connexion():
    with pytest.raises(ErreurDonnees, match="n_tirages"):
        connexion_selon_logique(*_logiques_opposees(), n_tirages=0)
    with pytest.raises(ErreurDonnees, match="graine"):
        connexion_selon_logique(*_logiques_opposees(), graine="a")


def test_instance_manquante_chez_participant():
    instances, participants = tables([("A", "o1"), ("B", "o1")])
    participants.loc[1, "id_instance"] = None
    with pytest.raises(ErreurDonnees, match="manquant"):
        graphe_biparti(instances, participants)


def test_nb_liens_instances_egale_la_projection_networkx():
    """Le compte creux donne le nombre d'arêtes de la projection networkx (jeu simulé, chaque territoire)."""
    from paquet_analyse import chargement, chemins

    jeu = chargement.charger_jeu(chemins.jeu_defaut())
    for territoire in jeu.liste_territoires():
        inst = jeu.instances[jeu.instances["territoire"] == territoire]
        part = jeu.participants[jeu.participants["id_instance"].isin(inst["id_instance"])]
        projection = reseau.projection_instances(reseau.graphe_biparti(inst, part))
        assert reseau.nb_liens_instances(inst, part) == (projection.number_of_nodes(),
                                                          projection.number_of_edges())


# ---------------------------------------------------------------------------
# Calcul creux (scipy.sparse) == calcul networkx, à la dernière décimale
# ---------------------------------------------------------------------------
#
# Les mesures passent par la matrice creuse B Bᵀ plutôt que par la projection
# networkx (jeu « province » : 6 000 instances, 4,4 millions de liens). Les
# références ci-dessous sont l'ancien calcul networkx, gardé ici tel quel :
# mêmes tableaux, comparés exactement (check_exact), sur le jeu par défaut et
# sur des réseaux tirés au hasard à graine fixe.


def _mesures_groupe_networkx(projete, biparti, ids, sieges):
    sous = projete.subgraph(sorted(ids))
    n = sous.number_of_nodes()
    poids = [w for _, _, w in sous.edges(data="weight")]
    organisations = {o for i in ids for o in biparti[("instance", i)]}
    degres = np.array([d for _, d in sous.degree()], dtype=float)
    return {
        "nb_instances": n,
        "nb_organisations": len(organisations),
        "nb_sieges": int(sieges["id_organisation"].notna().sum()),
        "nb_sieges_sans_organisation": int(sieges["id_organisation"].isna().sum()),
        "nb_liens": sous.number_of_edges(),
        "densite": float(nx.density(sous)) if n > 1 else float("nan"),
        "nb_composantes": nx.number_connected_components(sous),
        "part_instances_isolees": nx.number_of_isolates(sous) / n,
        "moy_organisations_partagees": float(np.mean(poids)) if poids else np.nan,
        "max_organisations_partagees": float(max(poids)) if poids else np.nan,
        "degre_pondere_moyen": sum(d for _, d in sous.degree(weight="weight")) / n,
        "centralisation_degre": (float((degres.max() - degres).sum() / ((n - 1) * (n - 2)))
                                 if n >= 3 else float("nan")),
    }


def _mesures_reseau_networkx(instances, participants, *, territoires=None, par="territoire"):
    """L'ancien ``mesures_reseau`` : projection networkx, sous-graphes induits."""
    biparti = graphe_biparti(instances, participants)
    projete = projection_instances(biparti)
    tables_ = reseau._preparer_instances(instances)
    sieges = reseau._preparer_participants(tables_, participants)
    groupes = reseau._en_texte(tables_[par]).fillna(reseau.ETIQUETTE_NON_RENSEIGNE)
    populations = reseau._populations(territoires) if par == "territoire" else {}
    lignes = []
    for groupe in sorted(set(groupes)):
        ids = list(tables_.loc[groupes == groupe, "id_instance"])
        ligne = _mesures_groupe_networkx(projete, biparti, ids, sieges[sieges["id_instance"].isin(ids)])
        lignes.append({par: groupe, **ligne, "population": populations.get(groupe, np.nan)})
    total = sum(ligne["population"] for ligne in lignes)
    ensemble_ = _mesures_groupe_networkx(projete, biparti, list(tables_["id_instance"]), sieges)
    lignes.append({par: reseau.ETIQUETTE_ENSEMBLE, **ensemble_, "population": total})
    resultat = pd.DataFrame(lignes, columns=[par, *reseau.COLONNES_MESURES[:-1]])
    resultat["population"] = resultat["population"].astype(float)
    resultat["concertations_par_10000"] = resultat["nb_instances"] / resultat["population"] * 10_000
    return resultat


def _connexion_networkx(instances, participants, *, n_tirages=9999, graine=0):
    """L'ancien ``connexion_selon_logique`` (permutation) : degrés networkx, un test par mesure."""
    projete = projection_instances(graphe_biparti(instances, participants))
    valeurs = pd.DataFrame({
        "logique": [projete.nodes[n]["logique"] for n in projete],
        "degre": [float(d) for _, d in projete.degree()],
        "degre_pondere": [float(d) for _, d in projete.degree(weight="weight")],
    })
    valeurs["isolee"] = (valeurs["degre"] == 0).astype(float)
    lignes = []
    for mesure in ("degre", "degre_pondere", "isolee"):
        x = valeurs.loc[valeurs["logique"] == "descendante", mesure].to_numpy()
        y = valeurs.loc[valeurs["logique"] == "ascendante", mesure].to_numpy()
        res = stats.permutation_test((x, y), lambda a, b, axis: np.mean(a, axis=axis) - np.mean(b, axis=axis),
                                     permutation_type="independent", vectorized=True,
                                     n_resamples=n_tirages, alternative="two-sided",
                                     rng=np.random.default_rng(graine))
        lignes.append([mesure, float(res.statistic), float(res.pvalue)])
    return pd.DataFrame(lignes, columns=["mesure", "statistique", "p_valeur"])


def _reseau_au_hasard(graine):
    """Petit jeu tiré au hasard : territoires, organisations partagées ou non,
    sièges sans organisation, sièges en double, instances sans participant."""
    rng = np.random.default_rng(graine)
    nb_inst = int(rng.integers(1, 40))
    nb_org = int(rng.integers(1, 25))
    ids = [f"I{k:02d}" for k in rng.permutation(nb_inst)]
    instances = pd.DataFrame({
        "id_instance": ids,
        "territoire": rng.choice(["T1", "T2", "T3", "T4"], size=nb_inst),
        "initiateur": rng.choice(list(reseau.LOGIQUE_PAR_INITIATEUR), size=nb_inst),
    })
    nb_sieges = int(rng.integers(0, 4 * nb_inst + 1))
    organisations = [f"o{k}" for k in rng.integers(0, nb_org, size=nb_sieges)]
    participants = pd.DataFrame({
        "id_repondant": [f"r{k}" for k in range(nb_sieges)],
        "id_instance": rng.choice(ids, size=nb_sieges) if nb_sieges else [],
        "id_organisation": [None if rng.random() < 0.1 else o for o in organisations],
    })
    return instances, participants


@pytest.fixture(scope="module")
def jeu_defaut():
    from paquet_analyse import chargement, chemins

    return chargement.charger_jeu(chemins.jeu_defaut())


def test_mesures_creuses_egales_a_networkx_jeu_defaut(jeu_defaut):
    """Jeu par défaut : mesures_reseau (creux) == ancien calcul networkx, exactement."""
    attendu = _mesures_reseau_networkx(jeu_defaut.instances, jeu_defaut.participants,
                                       territoires=jeu_defaut.territoires)
    obtenu = mesures_reseau(jeu_defaut.instances, jeu_defaut.participants, territoires=jeu_defaut.territoires)
    pd.testing.assert_frame_equal(obtenu, attendu, check_exact=True)


@pytest.mark.parametrize("graine", range(40))
def test_mesures_creuses_egales_a_networkx_au_hasard(graine):
    """Réseaux tirés au hasard (graine fixe) : mêmes tableaux, par territoire et par logique."""
    instances, participants = _reseau_au_hasard(graine)
    for par in ("territoire", "initiateur"):
        pd.testing.assert_frame_equal(mesures_reseau(instances, participants, par=par),
                                      _mesures_reseau_networkx(instances, participants, par=par),
                                      check_exact=True)
    assert reseau.nb_liens_instances(instances, participants) == (
        len(instances), projection_instances(graphe_biparti(instances, participants)).number_of_edges())


def _memes_graphes(g1, g2):
    assert list(g1.nodes(data=True)) == list(g2.nodes(data=True))
    assert list(g1.edges(data=True)) == list(g2.edges(data=True))
    assert [list(g1.adj[n]) for n in g1] == [list(g2.adj[n]) for n in g2]
    assert g1.graph == g2.graph


def test_graphe_instances_identique_a_la_projection(jeu_defaut):
    """graphe_instances == projection_instances(graphe_biparti(...)) : nœuds, arêtes,
    poids, attributs et ordre d'insertion (donc même disposition et même dessin)."""
    inst, part = jeu_defaut.instances, jeu_defaut.participants
    for territoire in [None, *jeu_defaut.liste_territoires()]:
        i = inst if territoire is None else inst[inst["territoire"] == territoire]
        p = part[part["id_instance"].isin(i["id_instance"])]
        _memes_graphes(reseau.graphe_instances(i, p), projection_instances(graphe_biparti(i, p)))
    for graine in range(20):
        i, p = _reseau_au_hasard(graine)
        _memes_graphes(reseau.graphe_instances(i, p), projection_instances(graphe_biparti(i, p)))


def test_connexion_creuse_et_groupee_egale_a_l_ancien_calcul(jeu_defaut):
    """Jeu par défaut, 9 999 tirages, graine du carnet : mêmes statistiques et
    mêmes p que trois tests séparés sur les degrés networkx (permutations
    partagées entre mesures et tirées par lots : rien ne change)."""
    attendu = _connexion_networkx(jeu_defaut.instances, jeu_defaut.participants, graine=20100408)
    obtenu = connexion_selon_logique(jeu_defaut.instances, jeu_defaut.participants, graine=20100408)
    pd.testing.assert_frame_equal(obtenu[["mesure", "statistique", "p_valeur"]], attendu, check_exact=True)


def _deux_par_logique(graine):
    logiques = _reseau_au_hasard(graine)[0]["initiateur"].map(reseau.LOGIQUE_PAR_INITIATEUR)
    return min((logiques == "descendante").sum(), (logiques == "ascendante").sum()) >= 2


#: Tirages qui ont au moins deux instances de chaque logique (sinon ErreurEffectifs).
GRAINES_CONNEXION = [g for g in range(100, 140) if _deux_par_logique(g)][:12]


@pytest.mark.parametrize("graine", GRAINES_CONNEXION)
def test_connexion_egale_a_l_ancien_calcul_au_hasard(graine, monkeypatch):
    """Réseaux au hasard, Monte Carlo ou exact, lots minuscules : mêmes p."""
    instances, participants = _reseau_au_hasard(graine)
    monkeypatch.setattr(reseau, "_ELEMENTS_PAR_LOT", 7)  # un tirage par lot
    for n_tirages in (9, 999):
        attendu = _connexion_networkx(instances, participants, n_tirages=n_tirages, graine=graine)
        obtenu = connexion_selon_logique(instances, participants, n_tirages=n_tirages, graine=graine)
        pd.testing.assert_frame_equal(obtenu[["mesure", "statistique", "p_valeur"]], attendu,
                                      check_exact=True)


def test_figure_reseau_axes_masques_memes_octets(jeu_defaut, monkeypatch):
    """Masquer les axes (déjà invisibles) pour accélérer la mise en page ne
    change pas un octet du PNG : même figure quand ``Axis.set_visible`` est
    neutralisé (comportement d'avant)."""
    import io

    import matplotlib
    import matplotlib.axis

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from paquet_analyse import figures

    inst = jeu_defaut.instances[jeu_defaut.instances["territoire"] == "D'Autray"]
    part = jeu_defaut.participants[jeu_defaut.participants["id_instance"].isin(inst["id_instance"])]
    graphe = reseau.graphe_instances(inst, part)
    positions = disposition(graphe, graine=20100408)
    logiques = dict(zip(graphe.nodes, nx.get_node_attributes(graphe, "logique").values()))

    def octets():
        fig = figures.reseau_instances(graphe, positions, logiques=logiques, titre="D'Autray", simule=True)
        tampon = io.BytesIO()
        fig.savefig(tampon, format="png", dpi=120, metadata={"Software": None}, bbox_inches="tight")
        plt.close(fig)
        return tampon.getvalue()

    masques = octets()
    monkeypatch.setattr(matplotlib.axis.Axis, "set_visible", lambda self, b: None)
    assert octets() == masques
