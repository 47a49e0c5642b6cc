"""Affichage des tableaux dans les carnets (`carnet.montrer`)."""

from __future__ import annotations

import re
from dataclasses import replace
import warnings

import numpy as np
import pandas as pd

from paquet_analyse import carnet, confidentialite


def test_tableau_large_sans_avertissement_et_cases_supprimees_marquees():
    """Un tableau d'une colonne par territoire (100 MRC et plus, jeu d'une province) : aucun avertissement
    de pandas dans le rapport du lecteur, valeurs à la française, cases supprimées marquées « x »."""
    territoires = [f"Territoire {i:03d}" for i in range(1, 121)]
    valeurs = pd.DataFrame(np.full((2, 120), 0.25), columns=territoires, index=pd.Index(["a", "b"], name="ligne"))
    masque = pd.DataFrame(False, index=valeurs.index, columns=territoires)
    masque.iloc[1, 7] = True
    protege = confidentialite.TableauProtege(valeurs=valeurs, masque=masque, primaires=masque, seuil=5, note="note")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        affiche = carnet.montrer(protege)
        html = affiche._repr_html_()
    assert list(affiche.cases.columns) == territoires
    assert affiche.cases.iloc[0, 0] == "0,25" and affiche.cases.iloc[1, 7] == "x" and affiche.cases.iloc[1, 6] == "0,25"
    assert len(re.findall(r'<th class="nombre">Territoire', html)) == 120


def test_lignes_exclues_du_carnet_01():
    """Le carnet 01 montre chaque ligne exclue par jeu.yml avec son motif (une phrase s'il n'y en a aucune)."""
    from paquet_analyse import validation
    from paquet_analyse.erreurs import Probleme

    exclue = Probleme("donnees_brutes/bsl/instances.csv", 7, "_validation_status", "ESSAI-1", "ligne_exclue",
                      "ligne exclue de l'analyse : soumission « validation_status_not_approved » dans l'outil.",
                      "Rien à corriger.", gravite="information")
    autre = Probleme("donnees_brutes/bsl/instances.csv", None, "_uuid", None, "colonne_ignoree", "écartée.", "Rien.",
                     gravite="information")
    rapport = validation.RapportValidation(jeu="bsl", problemes=(exclue, autre))
    affiche = carnet.lignes_exclues(rapport)
    assert list(affiche.cases.columns) == ["Fichier", "Ligne", "Identifiant", "Motif de l'exclusion"]
    assert affiche.cases.iloc[0].tolist() == ["donnees_brutes/bsl/instances.csv", "7", "ESSAI-1",
                                              "soumission « validation_status_not_approved » dans l'outil"]
    assert "1 ligne(s) exclue(s)" in affiche._repr_html_()
    assert "1 ligne(s) exclue(s) de l'analyse" in carnet.conclusion_validation(rapport).texte
    assert "1 information(s) à lire" in carnet.conclusion_validation(rapport).texte
    vide = carnet.lignes_exclues(validation.RapportValidation(jeu="bsl", problemes=(autre,)))
    assert vide.texte.startswith("Aucune ligne n'est exclue")


def test_rapport_de_cotes_infini_non_estimable_jamais_inf():
    """Un RC infini (case nulle) se lit « non estimable (case nulle) », une borne infinie « ∞ » : jamais
    « inf [2,55 ; inf] »."""
    import math

    import pandas as pd

    from paquet_analyse import carnet

    t = pd.DataFrame({"id": ["H1a", "H1b"], "estimation": [math.inf, 1.5], "ic_bas": [2.55, 0.8],
                      "ic_haut": [math.inf, 2.9], "rapport_cotes": [0.0, 1.5]})
    texte = repr(carnet.montrer(t)) + carnet.montrer(t)._repr_html_()
    assert "inf" not in texte.replace("∞", "") and "non estimable (case nulle)" in texte and "∞" in texte
    assert "1,50" in texte


def test_foret_etiquette_non_estimable_sans_chevaucher_le_trait():
    """Graphique en forêt : l'étiquette « non estimable (case nulle) » est au-dessus du trait de l'IC, pas sur lui."""
    import math

    import pandas as pd

    from paquet_analyse import figures

    strates = pd.DataFrame({"strate": ["A", "B", "C"], "rapport_cotes": [1.4, math.inf, 0.0],
                            "ic_bas": [0.7, 2.55, 0.0], "ic_haut": [2.8, math.inf, 0.6]})
    fig = figures.forest_rapports_cotes(strates, commun=(1.3, 0.9, 1.9), titre="Test", simule=True)
    ax = fig.axes[0]
    fig.canvas.draw()
    rendu = fig.canvas.get_renderer()
    etiquettes = [t for t in ax.texts if "non estimable (case nulle)" in t.get_text()]
    assert len(etiquettes) == 2  # RC infini (B) et RC nul (C)
    for ligne, etiquette in zip((1, 2), etiquettes):
        boite = etiquette.get_window_extent(rendu)
        traits = [l for l in ax.lines if len(l.get_ydata()) == 2 and list(l.get_ydata()) == [ligne, ligne]]
        assert traits, f"le trait de l'IC de la ligne {ligne} est dessiné"
        for trait in traits:
            assert not boite.overlaps(trait.get_window_extent(rendu)), "l'étiquette chevauche le trait"
def test_colonnes_de_texte_a_gauche_nombres_a_droite_en_tetes_courts_insecables():
    tableau = pd.DataFrame({"territoire": ["Joliette", "Les Moulins"], "ic_haut": [0.41, 0.52]})
    html = carnet.montrer(tableau, legende="Essai")._repr_html_()
    assert '<th class="texte">Territoire</th>' in html and '<td class="texte">Les Moulins</td>' in html
    assert '<td class="nombre">0,41</td>' in html
    assert "IC\u00a095\u00a0%\u00a0haut" in html  # « IC 95 % haut » ne se coupe pas en trois lignes
    assert '<figcaption class="legende">Essai</figcaption>' in html


def test_tableau_sans_ligne_ne_montre_rien_au_lecteur():
    vide = carnet.montrer(pd.DataFrame({"gravite": [], "message": []}), legende="Problèmes relevés")
    assert isinstance(vide, carnet.Vide) and 'class="vide"' in vide._repr_html_()


def test_essentiel_et_colophon_en_html():
    bloc = carnet.essentiel(["Première phrase.", "Seconde phrase."], titre="L'essentiel : Joliette")
    html = bloc._repr_html_()
    assert html.startswith('<section class="essentiel">') and html.count("<li>") == 2
    assert "L&#x27;essentiel : Joliette" in html
    assert repr(bloc).splitlines() == ["L'essentiel : Joliette", "- Première phrase.", "- Seconde phrase."]
    colophon = carnet.Colophon("Provenance", ["- Jeu : `x`", "- Fichiers bruts (SHA-256) :", "  - `a.csv` : `0123`"])
    assert "<details>" in colophon._repr_html_() and '<code class="empreinte">0123</code>' in colophon._repr_html_()


def test_racine_imposee_apres_un_premier_appel_est_suivie(tmp_path, monkeypatch):
    """Une racine imposée après un premier appel (le cas de chaque test qui travaille dans une copie) est
    suivie : rien n'est écrit dans le projet lui-même."""
    from paquet_analyse import chemins

    monkeypatch.delenv("PAQUET_ANALYSE_RACINE", raising=False)
    projet = chemins.racine()
    monkeypatch.setenv("PAQUET_ANALYSE_RACINE", str(tmp_path))
    assert chemins.racine() == tmp_path.resolve() != projet
    assert chemins.dossier_resultats("essai") == tmp_path.resolve() / "resultats" / "essai"
    monkeypatch.delenv("PAQUET_ANALYSE_RACINE")
    assert chemins.racine() == projet


def test_figure_publiee_a_une_legende_et_un_texte_de_remplacement_francais(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from paquet_analyse import chemins

    monkeypatch.setenv("PAQUET_ANALYSE_RACINE", str(tmp_path))
    fig, ax = plt.subplots()
    ax.plot([0, 0.5, 1], [0.1, 0.25, 0.3])
    ax.set_title("Parts par territoire")
    figure = carnet.publier(confidentialite.FigureProtegee(fig, motif="essai"), "essai", "essai")
    html = figure._repr_html_()
    assert 'alt="Figure : Parts par territoire"' in html and "No description" not in html
    assert '<figcaption class="legende">Parts par territoire</figcaption>' in html
    assert (chemins.dossier_resultats("essai") / "figures" / "essai.png").read_bytes() == figure.octets
    # graduations ordinaires à la virgule décimale
    assert all("." not in t.get_text() for t in ax.get_yticklabels() if t.get_text())


def test_tableau_publie_n_affiche_plus_son_chemin(tmp_path, monkeypatch):
    monkeypatch.setenv("PAQUET_ANALYSE_RACINE", str(tmp_path))
    valeurs = pd.DataFrame({"territoire": ["A"], "effectif": [12]})
    protege = confidentialite.TableauProtege(valeurs=valeurs, masque=valeurs.map(lambda _: False),
                                             primaires=valeurs.map(lambda _: False), seuil=5, note="")
    assert carnet.publier(protege, "essai", "essai") is None


def test_tableau_des_hypotheses_avec_question_et_verdict():
    valeurs = pd.DataFrame({"id": ["H1a", "H1b", "H2a"], "question": ["Q1 ?", "Q2 ?", "Q3 ?"],
                            "p_valeur": [0.0004, 0.4, np.nan], "p_ajustee": [0.0008, 0.5, np.nan],
                            "puissance": [0.9, 0.3, np.nan], "statut": ["ok", "ok", "ok"],
                            "case_sous_le_seuil": [False, False, True], "portee": "region",
                            "seuil_plan": 0.05})
    masque = valeurs.map(lambda _: False)
    masque.loc[2, ["p_valeur", "p_ajustee", "puissance"]] = True
    protege = confidentialite.TableauProtege(valeurs=valeurs, masque=masque, primaires=masque, seuil=5, note="")
    affiche = carnet.tableau_hypotheses(protege, legende="Hypothèses")
    assert list(affiche.cases.columns[:3]) == ["Hypothèse", "Question", "Verdict"]
    assert affiche.cases["Verdict"].tolist() == ["preuve forte",
                                                 "aucune preuve (seuil de 5 % non atteint ; test peu puissant)",
                                                 "non publié (confidentialité)"]
    territoire = carnet.tableau_hypotheses(replace(protege, valeurs=valeurs.assign(portee="territoire")),
                                           legende="Hypothèses")
    assert territoire.cases["Verdict"].tolist()[:2] == ["exploratoire, sans verdict"] * 2
