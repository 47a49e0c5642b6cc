"""Affichage des tableaux dans les carnets (`carnet.montrer`)."""

from __future__ import annotations

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
    assert html.count("<th>Territoire") == 120


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
