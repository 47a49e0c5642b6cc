"""Le module `analyses` : exécution du plan sur un jeu préparé, en mémoire.

Les nombres sont recoupés avec les modules qu'il appelle (associations,
modeles), eux-mêmes vérifiés sur des valeurs publiées dans leurs tests.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from paquet_analyse.donnees import NonDisponible, colonne_poids, restreindre
from paquet_analyse import analyses, associations, chemins, confidentialite, diffusion, ecriture, hypotheses, interpretation, portraits, synthese_region
from paquet_analyse.erreurs import ErreurDonnees


def test_restreindre_et_territoire_inconnu(donnees_defaut):
    d = restreindre(donnees_defaut, "Joliette")
    assert set(d.instances["territoire"]) == {"Joliette"}
    assert set(d.participants["id_instance"]) <= set(d.instances["id_instance"])
    assert d.territoire == "Joliette" and len(d.instances) < len(donnees_defaut.instances)
    with pytest.raises(ErreurDonnees, match="Vouliez-vous dire « Joliette »"):
        restreindre(donnees_defaut, "Joliete")


def test_tableau_analyse_ecarte_et_compte_les_manquants(donnees_defaut):
    h = donnees_defaut.plan.hypothese("H1a")
    inst = donnees_defaut.instances.copy()
    completes = inst.index[inst[[h.exposition, h.issue]].notna().all(axis=1)]
    inst.loc[completes[:7], [h.issue, "citoyens_membres"]] = pd.NA  # réponse brute manquante, donc dérivée aussi
    d = dataclasses.replace(donnees_defaut, instances=inst)
    t, manquants, _ = hypotheses.tableau_analyse(d, h)
    complet, avant, _ = hypotheses.tableau_analyse(donnees_defaut, h)
    assert manquants == avant + 7  # les 7 lignes rendues manquantes, en plus de celles qui l'étaient
    assert len(t) == len(complet) - 7
    assert t[h.exposition].dtype == bool and t[h.issue].dtype == bool


def test_tester_hypothese_territoire_egale_l_association_directe(donnees_defaut):
    h = donnees_defaut.plan.hypothese("H1a")
    d = restreindre(donnees_defaut, "Les Moulins")
    ligne = hypotheses.tester_hypothese(d, h, portee="territoire")
    t, _, _ = hypotheses.tableau_analyse(d, h)
    direct = associations.association(t, h.exposition, h.issue, methode_ic="blaker").iloc[0]
    assert ligne["estimation"] == pytest.approx(direct["rapport_cotes"])
    assert ligne["p_valeur"] == pytest.approx(direct["p_valeur"])
    assert ligne["methode"] == direct["methode"] and ligne["territoire"] == "Les Moulins"


def test_tester_hypothese_region_stratifie_par_territoire(donnees_defaut):
    h = donnees_defaut.plan.hypothese("H1a")
    ligne = hypotheses.tester_hypothese(donnees_defaut, h, portee="region")
    t, _, _ = hypotheses.tableau_analyse(donnees_defaut, h, avec_territoire=True)
    mh = associations.mantel_haenszel(t, h.exposition, h.issue, "territoire")
    assert ligne["estimation"] == pytest.approx(mh.rapport_cotes) and ligne["p_valeur"] == pytest.approx(mh.p_wald)
    assert "Mantel-Haenszel" in ligne["methode"] and ligne["statistique"] == pytest.approx(mh.wald)
    assert ligne["estimateur"].startswith("RC commun de Mantel-Haenszel")


def test_regression_region_avec_effets_de_territoire(donnees_defaut):
    ligne = hypotheses.tester_hypothese(donnees_defaut, donnees_defaut.plan.hypothese("H1c"), portee="region")
    assert "C(territoire)" in ligne["methode"] and ligne["nb_grappes"] > 100
    assert ligne["ic_bas"] < ligne["estimation"] < ligne["ic_haut"]


def test_exposition_constante_non_estimable(donnees_defaut):
    inst = donnees_defaut.instances.assign(descendante=pd.array([True] * len(donnees_defaut.instances),
                                                                dtype="boolean"))
    d = dataclasses.replace(donnees_defaut, instances=inst)
    ligne = hypotheses.tester_hypothese(d, d.plan.hypothese("H1a"), portee="territoire")
    assert ligne["statut"] == "non_estimable" and ligne["note"]


def test_proteger_marges_exactes_statistiques_a_precision_fixe(donnees_defaut):
    """Effectifs et exclusions sont des marges : publiés exactement (une seule forme dans toute la publication) ;
    les statistiques à la précision publiée ; une strate marquée `supprime` n'a aucune statistique publiée."""
    r = pd.DataFrame({"id": ["a", "b", "c"], "effectif": [40, 3, 12], "manquants": [0, 4, 7],
                      "rapport_cotes": [2.731207726, 1.0, 0.041234], "p_valeur": [0.001303307887, 0.5, 0.0123456],
                      "supprime": [False, True, False]})
    p = diffusion.proteger(r, donnees_defaut)
    assert isinstance(p, confidentialite.TableauProtege) and p.seuil == 5
    assert p.valeurs["effectif"].tolist() == [40, 3, 12] and p.valeurs["manquants"].tolist() == [0, 4, 7]
    assert p.valeurs.loc[0, "rapport_cotes"] == 2.73 and p.valeurs.loc[2, "rapport_cotes"] == 0.0412
    assert p.valeurs.loc[0, "p_valeur"] == 0.0013 and p.valeurs.loc[2, "p_valeur"] == 0.012
    assert p.masque["rapport_cotes"].tolist() == [False, True, False] and pd.isna(p.valeurs.loc[1, "p_valeur"])
    plan = dataclasses.replace(donnees_defaut.plan, seuils={**donnees_defaut.plan.seuils, "confidentialite": 10})
    assert diffusion.proteger(r, dataclasses.replace(donnees_defaut, plan=plan)).seuil == 10


def test_effectifs_par_territoire_totaux(donnees_defaut):
    e = diffusion.effectifs_par_territoire(donnees_defaut).valeurs
    assert e.loc["Ensemble", "instances"] == len(donnees_defaut.instances)
    assert e.loc["Ensemble", "participants"] == len(donnees_defaut.participants)
    assert e.drop(index="Ensemble")["instances"].sum() == len(donnees_defaut.instances)


def test_portrait_affichable_garde_les_memes_suppressions(donnees_defaut):
    plan = dataclasses.replace(donnees_defaut.plan, seuils={**donnees_defaut.plan.seuils, "confidentialite": 40})
    d = dataclasses.replace(donnees_defaut, plan=plan)
    p, a = diffusion.portrait(d, "Montcalm"), diffusion.portrait_affichable(d, "Montcalm")
    assert p.masque["proportion"].any()
    assert a.masque["valeur"].tolist() == p.masque["proportion"].tolist()
    visibles = ~p.masque["proportion"] & (p.valeurs["unite"] == "proportion")
    assert np.allclose(a.valeurs.loc[visibles, "valeur"].astype(float),
                       p.valeurs.loc[visibles, "proportion"].astype(float) * 100)


def test_croisement_ne_montre_aucun_residu_de_case_supprimee(donnees_defaut):
    """Un résidu n'est publié que hors des lignes et colonnes qui ont une case supprimée, et
    l'attaquant ne retrouve aucune case supprimée à partir des résidus publiés."""
    import attaquant

    for territoire, ligne, colonne in (("Montcalm", "logique_initiateur", "modele"), (None, "initiateur", "thematique")):
        c = diffusion.croisement(donnees_defaut, ligne, colonne, territoire=territoire)
        masque = c.tableau.masque.to_numpy()
        publies = ~np.isnan(c.residus.to_numpy(dtype=float))
        lignes_touchees, colonnes_touchees = masque.any(axis=1), masque.any(axis=0)
        assert not (publies & (lignes_touchees[:, None] | colonnes_touchees[None, :])).any()
        if territoire is None:
            assert masque.any()  # des cases supprimées : le test porte sur quelque chose
        comptes = c.tableau.valeurs.fillna(0).astype(int)
        assert attaquant.attaque_residus(comptes, masque, c.residus, total=int(
            donnees_defaut.instances[[ligne, colonne]].dropna().pipe(
                lambda t: t if territoire is None else t[donnees_defaut.instances.loc[t.index, "territoire"] == territoire]
            ).shape[0]), seuil=5) == []
        fig = c.figure()
        if not c.residus.isna().all().all():
            assert isinstance(fig, confidentialite.FigureProtegee) and fig.sources == (c.tableau,)


def test_forets_sans_effectifs_de_cases(donnees_defaut):
    f = diffusion.forets(donnees_defaut)
    assert not {"n11", "n12", "n21", "n22"} & set(f.tableau.columns)
    assert set(f.tableau["id"]) == {h.id for h in donnees_defaut.plan.hypotheses if h.methode == "mantel_haenszel"}
    assert len(f.phrases) == 2 * len(f.resultats)


def test_heterogeneite_une_ligne_par_indicateur(donnees_defaut):
    t = analyses.heterogeneite_territoires(donnees_defaut)
    assert t["indicateur"].tolist() == [v for _, v in analyses.INDICATEURS_HETEROGENEITE]
    assert ((t["p_valeur"] >= 0) & (t["p_valeur"] <= 1)).all()
    phrases = interpretation.phrases_heterogeneite(t, donnees_defaut.plan)
    assert len(phrases) == len(t)
    # parenthèses équilibrées et jamais imbriquées : « corrélés)). » se lisait mal dans le rapport
    for phrase in phrases:
        profondeur = 0
        for caractere in phrase:
            profondeur += {"(": 1, ")": -1}.get(caractere, 0)
            assert 0 <= profondeur <= 1, phrase
        assert profondeur == 0, phrase


def test_phrase_residus_ignore_les_cases_supprimees():
    longue = pd.DataFrame({"logique_initiateur": ["descendante", "ascendante"], "modele": ["relais", "relais"],
                           "residu_ajuste": [np.nan, 2.5]})
    phrase = interpretation.phrase_residus(longue, "logique_initiateur", "modele")
    assert "résidu 2,5" in phrase and "Descendante" not in phrase
    assert "Aucun résidu ajusté n'est publié" in interpretation.phrase_residus(longue.iloc[:1], "logique_initiateur",
                                                                              "modele")
    faibles = longue.assign(residu_ajuste=[np.nan, 1.2])
    assert "Aucune case publiée" in interpretation.phrase_residus(faibles, "logique_initiateur", "modele")


# --------------------------------------------------------------------------
# Politique d'inférence (interpretation.py s'appuie sur ces colonnes)


def _toutes_les_lignes(donnees):
    morceaux = [hypotheses.tester_hypotheses(donnees, portee="territoire", territoire=t)
                for t in donnees.jeu.liste_territoires()]
    return pd.concat([*morceaux, synthese_region.synthese(donnees)], ignore_index=True)


def test_p_publiee_est_celle_du_test_qu_inverse_l_ic(donnees_defaut):
    """Chaque rapport de cotes publié : l'IC à 95 % exclut 1 exactement quand p < 0,05 (même test).
    Avant, Montcalm H1b montrait un IC central de Fisher contenant 1 à côté de p = 0,031."""
    r = _toutes_les_lignes(donnees_defaut)
    ok = r[(r["statut"] == "ok") & r["mesure"].isin(["rapport_cotes", "difference"]) & r["p_valeur"].notna()]
    assert len(ok) > 50
    nulle = np.where(ok["mesure"] == "rapport_cotes", 1.0, 0.0)
    exclut = (ok["ic_bas"] > nulle) | (ok["ic_haut"] < nulle)
    loin = (ok["p_valeur"] - 0.05).abs() > 1e-6
    assert ((exclut == (ok["p_valeur"] < 0.05)) | ~loin).all(), ok.loc[exclut != (ok["p_valeur"] < 0.05),
                                                                       ["id", "territoire", "p_valeur", "ic_bas"]]
    assert (ok["estimateur"].str.len() > 0).all()
    exactes = ok["methode"].str.contains("exact")
    assert ok.loc[~exactes, ["statistique", "ddl"]].notna().all().all()


def test_familles_d_ajustement_declarees(donnees_defaut):
    """Homogénéité (H5) : sa propre famille ; association de la région : une autre ; territoire : aucune
    (tests exploratoires, p non ajustée, README « Ce que disent les tests »)."""
    s = synthese_region.synthese(donnees_defaut)
    h5 = s[s["id"].str.startswith("H5")]
    assert (h5["mesure"] == "homogeneite").all() and h5["estimation"].isna().all() and h5["ic_bas"].isna().all()
    assert (h5["ddl"] >= 1).all() and h5["statistique"].notna().all()
    assert h5["famille_ajustement"].nunique() == 1
    autres = s[~s["id"].str.startswith("H5")]
    assert not set(h5["famille_ajustement"]) & set(autres["famille_ajustement"])
    attendu = associations.ajuster_p(autres["p_valeur"].to_numpy(dtype=float), methode="fdr_bh")
    assert np.allclose(autres["p_ajustee"], attendu, equal_nan=True)
    t = hypotheses.tester_hypotheses(donnees_defaut, portee="territoire", territoire="Joliette")
    assert (t["famille_ajustement"] == "").all() and t["p_ajustee"].isna().all()
    assert t["p_valeur"].notna().any()


def test_initiateur_autre_hors_definition_pas_manquant(donnees_defaut):
    """10 concertations d'initiateur « autre » (80 participants dans le jeu par défaut) : hors définition."""
    inst = donnees_defaut.instances
    autres = int((inst["initiateur"] == "autre").sum())
    s = synthese_region.synthese(donnees_defaut).set_index("id")
    assert autres > 0 and s.loc["H1a", "hors_definition"] == autres
    manquants_vrais = int(inst[["descendante", "deficit_participation"]].isna().any(axis=1).sum()) - autres
    assert s.loc["H1a", "manquants"] == manquants_vrais
    part = donnees_defaut.participants
    assert s.loc["H1c", "hors_definition"] == int((part["initiateur"] == "autre").sum())


def test_puissance_a_cote_de_chaque_test(donnees_defaut):
    """Chaque test estimé porte la puissance de détecter l'effet du plan ; elle croît avec l'effectif."""
    s = synthese_region.synthese(donnees_defaut)
    ok = s[s["statut"] == "ok"]
    assert ok["puissance"].between(0, 1).all() and (ok["puissance_cible"].str.len() > 0).all()
    t = hypotheses.tester_hypotheses(donnees_defaut, portee="territoire", territoire="Montcalm").set_index("id")
    assert t.loc["H1a", "puissance"] < s.set_index("id").loc["H1a", "puissance"]


def test_phrases_des_forets_ne_disent_que_le_publie(donnees_defaut):
    """Les phrases H5 reprennent les nombres publiés : mêmes p ajustées que la synthèse publiée, RC commun à la
    précision publiée, strates publiées (regroupées quand une strate a une petite case)."""
    f = diffusion.forets(donnees_defaut)
    synthese = diffusion.resultats_region(donnees_defaut).valeurs.set_index("id")
    assert any("p ajustée" in p and "Breslow-Day" in p for p in f.phrases)
    for id_, (h, r) in f.resultats.items():
        assert r.rapport_cotes == float(f"{r.rapport_cotes:.3g}")
        publiees = set(f.tableau.loc[f.tableau["id"] == id_, "strate"])
        attendues = {g.replace(" (regroupés)", "") for g in synthese.loc[id_, "strates"].split(" ; ")}
        assert len(publiees) == len(attendues)
    assert "Territoires regroupés 1" in set(f.tableau["strate"])


# Hétérogénéité entre territoires et poids de sondage


def avec_poids(donnees, poids):
    """Le jeu par défaut avec une colonne `poids` (variable facultative alors présente)."""
    jeu = dataclasses.replace(donnees.jeu, variables_absentes=tuple(
        v for v in donnees.jeu.variables_absentes if v != "poids"))
    return dataclasses.replace(donnees, jeu=jeu, participants=donnees.participants.assign(poids=poids))


def test_heterogeneite_participants_robuste_aux_grappes(donnees_defaut):
    """Participants : Wald GEE sur les effets de territoire, p bien plus grand que le khi-deux
    naïf (qui ignore les instances) ; instances : test inchangé (association)."""
    t = analyses.heterogeneite_territoires(donnees_defaut).set_index("indicateur")
    assert list(t.reset_index().columns) == analyses.COLONNES_HETEROGENEITE
    for variable in ("deficit_delegation", "suivi_informel"):
        r = t.loc[variable]
        part = donnees_defaut.participants[["territoire", variable]].dropna().astype({variable: bool})
        naif = associations.association(part.astype({"territoire": str}), "territoire", variable)["p_valeur"].iloc[0]
        assert r["test"] == "wald_gee" and r["ddl"] == 5 and np.isnan(r["v_cramer"])
        assert r["p_valeur"] > 0.1 and r["p_valeur"] > 5 * naif
        assert r["nb_grappes"] == donnees_defaut.participants["id_instance"].nunique()
        assert "id_instance" in r["methode"] and "trop optimiste" not in r["note"]
    inst = t.loc["deficit_participation"]
    attendu = associations.association(donnees_defaut.instances[["territoire", "deficit_participation"]].dropna()
                                       .astype({"territoire": str, "deficit_participation": bool}),
                                       "territoire", "deficit_participation").iloc[0]
    assert inst["p_valeur"] == attendu["p_valeur"] and inst["v_cramer"] == attendu["v_cramer"]
    assert np.isnan(inst["nb_grappes"]) and inst["methode"] == attendu["methode"]


def test_heterogeneite_cas_degeneres(donnees_defaut):
    un = restreindre(donnees_defaut, "Joliette")
    t = analyses.heterogeneite_territoires(un).set_index("indicateur")
    assert np.isnan(t.loc["deficit_delegation", "p_valeur"]) and "un seul territoire" in t.loc["deficit_delegation", "note"]
    part = donnees_defaut.participants.copy()
    part.loc[part["territoire"] == "Montcalm", "suivi_informel"] = False  # séparation
    t = analyses.heterogeneite_territoires(dataclasses.replace(donnees_defaut, participants=part)).set_index("indicateur")
    r = t.loc["suivi_informel"]
    assert "Montcalm" in r["note"] and r["ddl"] == 4 and 0 <= r["p_valeur"] <= 1


def test_poids_dans_les_analyses(donnees_defaut):
    """Avec `poids` : hétérogénéité par l'estimateur de plan (F), scores pondérés, modèles
    pondérés, « non pondéré » dit pour l'alpha et le réseau ; sans : comme avant."""
    assert colonne_poids(donnees_defaut) is None
    rng = np.random.default_rng(3)
    d = avec_poids(donnees_defaut, np.exp(rng.normal(0, 0.5, len(donnees_defaut.participants))))
    assert colonne_poids(d) == "poids"
    t = analyses.heterogeneite_territoires(d).set_index("indicateur")
    assert t.loc["deficit_delegation", "test"] == "wald_plan_f" and "pondérée" in t.loc["deficit_delegation", "methode"]
    s = analyses.scores_conditions(d).set_index("territoire").loc["Ensemble"]
    x = d.participants[["indice_conditions", "poids"]].dropna().astype(float)
    assert s["moyenne"] == pytest.approx(np.average(x["indice_conditions"], weights=x["poids"]))
    assert s["ic_bas"] < s["moyenne"] < s["ic_haut"]
    assert "non pondérés" in diffusion.fiabilite_conditions(d).phrase
    assert (analyses.mesures_reseau(d)["note"].str.contains("non pondéré")).all()
    h = next(h for h in d.plan.hypotheses if h.niveau == "participants" and h.methode == "logistique")
    r = hypotheses.tester_hypothese(d, h, portee="region")
    assert "pondérée par « poids »" in r["methode"]
    r0 = hypotheses.tester_hypothese(donnees_defaut, h, portee="region")
    assert "pondérée" not in r0["methode"]


def test_reseau_sans_couleurs_quand_une_logique_est_rare(donnees_defaut):
    """Compter les points d'une couleur redonnerait un petit effectif (initiateur « autre », 1 à 4 par
    territoire) : la figure n'a alors ni couleurs par logique ni légende, mais une note."""
    import matplotlib.pyplot as plt

    from paquet_analyse import chemins

    inst = donnees_defaut.instances
    for nom, protegee in diffusion.figures_reseau(donnees_defaut):
        territoire = next(t for t in donnees_defaut.jeu.liste_territoires() if nom.endswith(chemins.nom_sur(t)))
        comptes = inst.loc[inst["territoire"] == territoire, "logique_initiateur"].astype(str).value_counts()
        rare = ((comptes >= 1) & (comptes < 5)).any()
        ax = protegee.figure.axes[0]
        assert (ax.get_legend() is None) == rare, territoire
        if rare:
            assert any("non montrée" in t.get_text() for t in ax.texts)
        plt.close(protegee.figure)


def test_pas_de_carte_des_residus_toute_grise(donnees_defaut):
    """Quand tous les résidus sont supprimés, la figure est remplacée par une note (rien de publié)."""
    c = diffusion.croisement(donnees_defaut, "initiateur", "thematique")
    figure = c.figure()
    if c.residus.isna().all().all():
        assert isinstance(figure, NonDisponible) and "aucune carte" in repr(figure)
    else:
        assert isinstance(figure, confidentialite.FigureProtegee)


def _avec_petite_part(donnees):
    """Le jeu par défaut, Montcalm n'ayant plus que 3 concertations créées depuis 2000 (sur 40)."""
    inst = donnees.instances.copy()
    montcalm = inst.index[inst["territoire"] == "Montcalm"]
    inst.loc[montcalm, "depuis_charniere"] = False
    inst.loc[montcalm[:3], "depuis_charniere"] = True
    return dataclasses.replace(donnees, instances=inst)


def _publier_portraits(dossier, donnees, portrait_de) -> None:
    """Ce que publient les carnets 02 (un portrait par territoire) et 04 (le tableau empilé)."""
    from paquet_analyse import sorties

    (dossier / "tableaux").mkdir(exist_ok=True)
    sorties.publier(diffusion.portraits(donnees), dossier / "tableaux" / "portraits_territoires.csv")
    for t in donnees.jeu.liste_territoires():
        sorties.publier(portrait_de(donnees, t), dossier / "tableaux" / f"portrait_{chemins.nom_sur(t)}.csv")


def test_portraits_proteges_ensemble_attaquant(tmp_path, donnees_defaut):
    """Montcalm : 3 concertations sur 40 créées depuis 2000, part supprimée ; le tableau empilé
    (carnet 04) supprime aussi une part d'un autre territoire (D'Autray), sans quoi Montcalm =
    ensemble - autres. Avant, le portrait de D'Autray (carnet 02, protégé seul) la publiait :
    l'attaquant retrouvait les 3 concertations. Désormais chaque portrait est tiré du tableau
    protégé ensemble : plus rien à retrouver, et la note de D'Autray dit pourquoi sa part manque."""
    import attaquant

    d = _avec_petite_part(donnees_defaut)
    seuil = diffusion.seuil_confidentialite(d)
    avant = tmp_path / "avant"
    avant.mkdir()
    _publier_portraits(avant, d, lambda d_, t: confidentialite.proteger_portrait(portraits.portrait_brut(d_, t),
                                                                                 seuil=seuil))
    fuites = attaquant.attaque_portraits(avant, seuil)
    assert any("creees_depuis_charniere" in f and "Montcalm" in f and "= 3 " in f for f in fuites), fuites
    apres = tmp_path / "apres"
    apres.mkdir()
    _publier_portraits(apres, d, diffusion.portrait)
    assert attaquant.attaque_portraits(apres, seuil) == []
    empile = diffusion.portraits(d)
    secondaires = empile.masque["proportion"] & ~empile.primaires["proportion"]
    autres = empile.valeurs.loc[secondaires, "territoire"].tolist()
    assert autres and "Montcalm" not in autres  # une part d'un autre territoire, supprimée en second
    p = diffusion.portrait(d, autres[0])
    ligne = p.valeurs["indicateur"] == "creees_depuis_charniere"
    assert p.masque.loc[ligne, "proportion"].all() and not p.primaires.loc[ligne, "proportion"].any()
    assert "1 part(s) complémentaire(s)" in p.note and "différence avec l'ensemble" in p.note
    # la figure du portrait montre les mêmes parts que les tableaux (mêmes suppressions)
    fig = diffusion.figure_portrait(d, [autres[0], "Montcalm"])
    for source, t in zip(fig.sources, [autres[0], "Montcalm"]):
        attendu = diffusion.portrait(d, t)
        pd.testing.assert_frame_equal(source.masque, attendu.masque)
        pd.testing.assert_frame_equal(source.valeurs, attendu.valeurs)
    import matplotlib.pyplot as plt

    plt.close(fig.figure)


def test_portraits_prepares_servis_seulement_pour_les_memes_donnees(tmp_path, monkeypatch):
    """Les portraits calculés à la préparation, écrits puis relus avec le jeu préparé, sont ceux
    qu'on recalculerait, exactement ; une variante des données (tables remplacées, ou modifiées en
    place) les fait recalculer."""
    from paquet_analyse import preparation

    monkeypatch.setattr(chemins, "dossier_prepare", lambda nom: tmp_path / nom)  # rien dans resultats/
    preparation.ecrire(preparation.preparer(chemins.jeu_defaut(), complements=diffusion.complements_de_preparation),
                       empreinte="essai", bruts={})
    d = preparation.lire("lanaudiere")
    empreinte, tableau = d.calculs_prepares[portraits.CALCUL]
    assert empreinte == portraits.empreinte_portraits(d)
    pd.testing.assert_frame_equal(tableau, portraits.calculer_portraits_bruts(d), check_exact=True)
    variante = _avec_petite_part(d)
    assert portraits.empreinte_tables(variante) != empreinte
    pd.testing.assert_frame_equal(portraits.portraits_bruts(variante), portraits.calculer_portraits_bruts(variante))
    from paquet_analyse import provenance

    with monkeypatch.context() as m:  # code modifié depuis la préparation : recalculés aussi
        m.setattr(provenance, "empreinte_code", lambda: "un autre code")
        appels = []
        m.setattr(portraits, "calculer_portraits_bruts", lambda d_: appels.append(1) or tableau)
        portraits.portraits_bruts(d)
        assert appels == [1]
    en_place = preparation.lire("lanaudiere")
    assert portraits.CALCUL in en_place.calculs_prepares
    en_place.instances.loc[en_place.instances.index[0], "depuis_charniere"] = \
        not en_place.instances["depuis_charniere"].iloc[0]
    ensemble = portraits.portraits_bruts(en_place).set_index(["territoire", "indicateur"])
    assert ensemble.loc[("Ensemble", "creees_depuis_charniere"), "effectif"] != \
        tableau.set_index(["territoire", "indicateur"]).loc[("Ensemble", "creees_depuis_charniere"), "effectif"]


def test_portrait_sur_donnees_restreintes_refuse(donnees_defaut):
    """Les parts d'un territoire se protègent avec celles des autres : pas sur un jeu restreint."""
    with pytest.raises(ErreurDonnees, match="restreintes au territoire « Joliette ».*preparation.lire"):
        diffusion.portrait(restreindre(donnees_defaut, "Joliette"), "Joliette")


def test_figure_portrait_d_un_territoire_dit_les_parts_supprimees(tmp_path, donnees_defaut):
    """Un territoire : un seul graphique, une ligne par part (sans densité ni taux), un point et son
    intervalle pour chaque part publiée, la mention « supprimée (confidentialité) » à la place de la
    part supprimée ; mêmes octets à chaque enregistrement."""
    import matplotlib.pyplot as plt

    from paquet_analyse import sorties

    d = _avec_petite_part(donnees_defaut)
    fig = diffusion.figure_portrait(d, ["Montcalm"])
    ax, = fig.figure.axes
    libelles = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    parts = diffusion.portrait(d, "Montcalm").valeurs.query("unite == 'proportion'")
    parts = parts[~parts["indicateur"].isin(confidentialite.INDICATEURS_EXEMPTES)]
    assert libelles == parts["libelle"].tolist()
    textes = [t.get_text() for t in ax.texts]
    assert textes.count("supprimée (confidentialité)") == 1 and parts["proportion"].isna().sum() == 1
    points = ax.lines[0].get_xydata()  # les points de errorbar
    assert len(points) == parts["proportion"].notna().sum()
    assert np.allclose(sorted(points[:, 0]), sorted(parts["proportion"].dropna().astype(float)))
    a = ecriture.ecrire_figure(fig.figure, tmp_path / "a.png").read_bytes()
    b = ecriture.ecrire_figure(diffusion.figure_portrait(d, ["Montcalm"]).figure, tmp_path / "b.png").read_bytes()
    assert a == b
    plt.close("all")


def test_synthese_calculee_une_fois_reprise_seulement_si_elle_vaut(tmp_path, monkeypatch, donnees_defaut):
    """La synthèse écrite par `ecrire_synthese` (règle `synthese` du flux) est relue à l'identique
    (valeurs et types) ; elle ne sert pas pour d'autres tables, un autre plan ou un autre code ;
    une synthèse qui ne se relit pas exactement n'est pas écrite (et l'ancienne est retirée)."""
    import warnings

    from paquet_analyse import provenance

    monkeypatch.setattr(chemins, "dossier_calculs", lambda nom: tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        calculee = synthese_region.calculer_synthese(donnees_defaut)
        chemin = synthese_region.ecrire_synthese(donnees_defaut)
    assert chemin == tmp_path / synthese_region.FICHIER_SYNTHESE
    lue = synthese_region._synthese_enregistree(donnees_defaut)
    pd.testing.assert_frame_equal(lue, calculee, check_exact=True)
    appels = []
    monkeypatch.setattr(synthese_region, "calculer_synthese", lambda d, strates=None: appels.append(d) or calculee)
    pd.testing.assert_frame_equal(synthese_region.synthese(donnees_defaut), calculee, check_exact=True)
    assert appels == []  # relue, pas recalculée
    plan = dataclasses.replace(donnees_defaut.plan, seuils={**donnees_defaut.plan.seuils, "ajustement": "bonferroni"})
    for autre in (dataclasses.replace(donnees_defaut, plan=plan), _avec_petite_part(donnees_defaut)):
        assert synthese_region._synthese_enregistree(autre) is None
    monkeypatch.setattr(provenance, "empreinte_code", lambda: "un autre code")
    assert synthese_region._synthese_enregistree(donnees_defaut) is None
    monkeypatch.setattr(synthese_region, "calculer_synthese", lambda d, strates=None: calculee.assign(note=[1, "a"] * (len(calculee) // 2)
                                                                                 + [None] * (len(calculee) % 2)))
    assert synthese_region.ecrire_synthese(donnees_defaut) is None
    assert chemin.exists()  # le flux attend ce fichier (Snakemake) : écrit vide, sans empreinte
    monkeypatch.undo()
    monkeypatch.setattr(chemins, "dossier_calculs", lambda nom: tmp_path)
    assert synthese_region._synthese_enregistree(donnees_defaut) is None
    # les variables facultatives absentes font partie de l'empreinte (une analyse devient « non disponible »)
    absentes = dataclasses.replace(donnees_defaut.jeu, variables_absentes=("financement_programme",))
    assert synthese_region.empreinte_synthese(dataclasses.replace(donnees_defaut, jeu=absentes)) != \
        synthese_region.empreinte_synthese(donnees_defaut)


def test_note_d_un_modele_lisible_pour_le_lecteur():
    """Une mise en garde de séparation publiée dans les rapports : termes nommés par leurs libellés, ni « NaN »,
    ni « [T.True] », ni message anglais de statsmodels."""
    from paquet_analyse import hypotheses

    note = hypotheses.note_pour_le_lecteur(
        "Séparation complète pour : Intercept, descendante[T.True], C(secteur)[T.prive]. Les rapports de cotes de ces "
        "termes ne sont pas rapportés (NaN) : décrivez l'association avec exact_fisher(...). Messages de statsmodels : "
        "RuntimeWarning : overflow encountered in exp.")
    assert "Logique descendante" in note and "Secteur : Privé" in note and "constante" in note
    for anglais in ("NaN", "[T.", "Intercept", "overflow", "RuntimeWarning", "exact_fisher"):
        assert anglais not in note, anglais
