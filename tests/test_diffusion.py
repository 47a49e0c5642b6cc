"""Tests de paquet_analyse.diffusion : ce que la publication d'un jeu diffuse, et ce qui n'en sort jamais."""

from __future__ import annotations

import shutil
import subprocess

from paquet_analyse import chemins

RACINE = chemins.racine()


def _git(depot, *args) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(depot), *args], capture_output=True, text=True, check=True)


def test_les_microdonnees_d_une_region_reelle_n_entrent_pas_dans_git(tmp_path):
    """Une nouvelle région dans un clone : `git add -A` ne prend ni ses fichiers bruts, ni son jeu préparé,
    ni ses calculs intermédiaires ; il prend ce qu'elle publie (tableaux, rapports, index)."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", "--shared", str(RACINE), str(clone)], check=True)
    shutil.copy2(RACINE / ".gitignore", clone / ".gitignore")  # les règles de la copie de travail
    _git(clone, "rm", "--quiet", "--cached", "-r", "--ignore-unmatch", "resultats/lanaudiere/calculs")
    fichiers = {
        "donnees_brutes/ma_region/jeu.yml": "titre: x\n",
        "donnees_brutes/ma_region/reponses.csv": "id_repondant,id_instance\nR1,I1\n",
        "donnees_brutes/ma_region/sous/export.xlsx": "octets",
        "resultats/ma_region/donnees/participants.parquet": "microdonnées",
        "resultats/ma_region/donnees/validation_problemes.csv": "valeur brute citée",
        "resultats/ma_region/calculs/synthese_region.parquet": "non protégé",
        "resultats/ma_region/tableaux/synthese_hypotheses.csv": "protégé",
        "resultats/ma_region/rapports/04_comparaison_territoires.html": "<html></html>",
        "resultats/ma_region/index.html": "<html></html>",
        "resultats/lanaudiere/calculs/synthese_region.parquet": "non protégé, même pour le jeu simulé",
    }
    for nom, texte in fichiers.items():
        (clone / nom).parent.mkdir(parents=True, exist_ok=True)
        (clone / nom).write_text(texte, encoding="utf-8")
    _git(clone, "add", "-A")
    indexes = set(_git(clone, "diff", "--cached", "--name-only", "--diff-filter=A").stdout.split())
    assert indexes == {"resultats/ma_region/tableaux/synthese_hypotheses.csv",
                       "resultats/ma_region/rapports/04_comparaison_territoires.html",
                       "resultats/ma_region/index.html"}
    # le jeu simulé par défaut reste versionné (nbval réexécute ses carnets sur un clone neuf)
    suivis = _git(clone, "ls-files", "donnees_brutes/lanaudiere", "resultats/lanaudiere/donnees").stdout.split()
    assert "donnees_brutes/lanaudiere/jeu.yml" in suivis and "resultats/lanaudiere/donnees/jeu.json" in suivis


def test_plan_de_protection_meme_decision_partout(donnees_defaut):
    """La strate qui protège celle d'un autre territoire est retenue dans son carnet 03 comme dans la forêt et
    la synthèse de la région : une seule décision, prise sur tout le jeu."""
    import pandas as pd

    from paquet_analyse import diffusion

    plan = diffusion.plan_de_protection(donnees_defaut)
    secondaires = plan[plan["motif"].str.startswith("regroupé avec")]
    assert not secondaires.empty  # le jeu par défaut en a (H2a, H2c, H3 : une seule strate sensible)
    for _, ligne in secondaires.iterrows():
        publies = diffusion.resultats_territoire(donnees_defaut, ligne["territoire"]).valeurs.set_index("id")
        assert bool(publies.loc[ligne["id"], "retenu"]) and pd.isna(publies.loc[ligne["id"], "estimation"])
        assert "protéger" in publies.loc[ligne["id"], "motif_retenue"]
    region = diffusion.resultats_region(donnees_defaut).valeurs.set_index("id")
    regroupees = 0
    for id_, strates in diffusion.strates_region(donnees_defaut).items():
        groupes = {s for t, s in strates.items() if s != t}
        regroupees += bool(groupes)
        assert all(t in region.loc[id_, "strates"] for t in strates)
        assert ("(regroupés)" in region.loc[id_, "strates"]) == bool(groupes)
    assert regroupees >= 4


def test_p_ajustees_refaites_a_partir_des_p_publiees(donnees_defaut):
    """Dans chaque famille, les p ajustées publiées se refont à partir des seules p publiées (une p retenue
    comptant pour 1), à la précision publiée près."""
    import numpy as np

    from paquet_analyse import associations, diffusion

    # les familles sont celles de la région (les tests des territoires, exploratoires, n'ont pas de p ajustée)
    v = diffusion.resultats_region(donnees_defaut).valeurs
    familles = 0
    for famille, bloc in v.groupby("famille_ajustement"):
        if not famille:
            continue
        refaites = associations.ajuster_p(bloc["p_valeur"].astype(float).fillna(1.0).to_numpy(), methode="fdr_bh")
        publiees = bloc["p_ajustee"].astype(float).to_numpy()
        garde = ~np.isnan(publiees)
        assert garde.any(), famille
        # p publiées à 2 chiffres significatifs : l'ajustement refait à partir d'elles tombe à 10 % près
        assert np.allclose(publiees[garde], refaites[garde], rtol=0.1, atol=1e-3), famille
        familles += 1
    assert familles >= 2
    for territoire in donnees_defaut.jeu.liste_territoires():
        assert diffusion.resultats_territoire(donnees_defaut, territoire).valeurs["p_ajustee"].isna().all()


def test_figure_des_conditions_sans_valeur_individuelle(donnees_defaut):
    """La figure des conditions ne dessine que des moyennes et des IC publiés (pas de boîte, de moustache ni de
    point isolé : chacun serait la réponse d'une personne) ; un groupe de moins de 5 répondants n'y est pas."""
    import dataclasses

    import matplotlib.pyplot as plt
    import numpy as np

    from paquet_analyse import diffusion

    figure = diffusion.figure_conditions(donnees_defaut)
    (source,) = figure.sources
    publies = set(np.round(source.valeurs[["moyenne", "ic_bas", "ic_haut"]].to_numpy(dtype=float).ravel(), 6))
    ax = figure.figure.axes[0]
    dessines = {round(float(y), 6) for ligne in ax.lines for y in ligne.get_ydata()}
    dessines |= {round(float(y), 6) for c in ax.collections for seg in c.get_segments() for _, y in seg}
    assert dessines and dessines <= publies
    assert not ax.patches  # aucune boîte
    plt.close(figure.figure)
    # Montcalm n'a plus que 3 répondants dans des tables ascendantes : son point n'est pas publié
    part = donnees_defaut.participants
    asc = part.index[(part["territoire"] == "Montcalm") & (part["logique_initiateur"].astype(str) == "ascendante")]
    petit = dataclasses.replace(donnees_defaut, participants=part.drop(index=asc[3:]))
    v = diffusion.figure_conditions(petit).sources[0].valeurs.set_index(["territoire", "logique"])
    assert np.isnan(float(v.loc[("Montcalm", "ascendante"), "moyenne"]))


def test_reseau_sans_maximum_ni_petite_part(donnees_defaut):
    """Le maximum d'organisations partagées (une seule paire) n'est pas publié ; la part de concertations
    isolées de Joliette (1 sur 56) non plus."""
    import pandas as pd

    from paquet_analyse import diffusion

    m = diffusion.mesures_reseau(donnees_defaut)
    assert "max_organisations_partagees" not in m.valeurs.columns
    joliette = m.valeurs.set_index("territoire").loc["Joliette"]
    assert pd.isna(joliette["part_instances_isolees"]) and int(joliette["nb_instances"]) == 56


def test_effectifs_exacts_une_seule_forme(donnees_defaut):
    """Un compte a une seule forme dans toute la publication : exact (plus d'arrondi à 5)."""
    from paquet_analyse import diffusion

    e = diffusion.effectifs_par_territoire(donnees_defaut).valeurs
    assert int(e.loc["Ensemble", "participants"]) == len(donnees_defaut.participants)
    r = diffusion.resultats_territoire(donnees_defaut, "Joliette").valeurs.set_index("id")
    assert int(r.loc["H1a", "effectif"]) + int(r.loc["H1a", "manquants"]) + int(r.loc["H1a", "hors_definition"]) \
        == int(e.loc["Joliette", "instances"])


def test_une_seule_strate_publiee_donne_le_tableau_de_la_region(tmp_path):
    """Deux territoires dont un a une petite case : regroupés, ils ne font qu'une strate. L'association de la
    région est alors celle du tableau de la région (même test qu'un tableau 2 × 2 : `associations.association`),
    dite telle ; l'homogénéité entre territoires n'est pas publiée ; chaque ligne garde sa mesure (le résumé de
    la région l'exige)."""
    import dataclasses

    from paquet_analyse import associations, diffusion, hypotheses, preparation, regions_simulees

    region = dataclasses.replace(regions_simulees.DEMONSTRATION[1], nb_territoires=2, nb_instances=30)
    regions_simulees.ecrire(region, tmp_path / region.jeu)
    donnees = preparation.preparer(tmp_path / region.jeu).donnees
    publie = diffusion.resultats_region(donnees).valeurs.set_index("id")
    assert publie["mesure"].ne("").all()
    h = donnees.plan.hypothese("H1a")
    assert " + " in publie.loc["H1a", "strates"]  # une seule strate : les deux territoires regroupés
    t, _, _ = hypotheses.tableau_analyse(donnees, h, avec_territoire=True)
    attendu = associations.association(t, h.exposition, h.issue, methode_ic=hypotheses.METHODE_IC_EXACTE).iloc[0]
    assert publie.loc["H1a", "estimation"] == diffusion.arrondir_publie(attendu["rapport_cotes"], ("significatifs", 3))
    assert publie.loc["H1a", "p_valeur"] == diffusion.arrondir_publie(attendu["p_valeur"], ("significatifs", 2))
    assert "sans stratification par territoire" in publie.loc["H1a", "methode"]
    assert publie.loc["H5a", "statut"] == "non_estimable" and publie.loc["H5a", "mesure"] == "homogeneite"
    assert "aucune comparaison entre territoires" in publie.loc["H5a", "note"]
