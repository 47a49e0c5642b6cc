"""Tests de paquet_analyse.fiabilite (alpha de Cronbach)."""

import numpy as np
import pandas as pd
import pytest

from paquet_analyse.erreurs import AvertissementDonnees, ErreurDonnees, ErreurEffectifs
from paquet_analyse.fiabilite import alpha_cronbach, correlations_item_total

pytestmark = pytest.mark.filterwarnings("error")

# Jeu « cronbach_alpha » de pingouin (pingouin/datasets/cronbach_alpha.csv,
# format long Subj/Items/Scores), 15 répondants × 10 items, mis en format large.
PINGOUIN = pd.DataFrame({
    "Q1": [3, 5, 7, 2, 6, 1, 4, 2, 6, 5, 4, 4, 5, 6, 4],
    "Q2": [2, 4, 3, 4, 5, 2, 3, 4, 5, 4, 3, 2, 5, 5, 3],
    "Q3": [4, 6, 5, 3, 6, 3, 5, 4, 5, 6, 5, 3, 6, 5, 5],
    "Q4": [1, 3, 5, 3, 5, 4, 3, 3, 5, 4, 2, 2, 2, 4, 5],
    "Q5": [4, 5, 6, 2, 4, 2, 5, 7, 1, 3, 5, 5, 3, 2, 3],
    "Q6": [5, 1, 4, 2, 4, 5, 2, 2, 6, 5, 3, 3, 3, 2, 1],
    "Q7": [1, 2, 3, 2, 4, 2, 1, 2, 5, 3, 2, 4, 2, 1, 3],
    "Q8": [4, 5, 3, 6, 6, 3, 2, 4, 2, 1, 3, 2, 4, 4, 2],
    "Q9": [3, 5, 6, 6, 7, 5, 4, 6, 3, 7, 4, 3, 4, 6, 3],
    "Q10": [2, 5, 5, 3, 5, 2, 3, 5, 2, 2, 1, 4, 5, 5, 4],
})
ITEMS = [f"Q{i}" for i in range(1, 11)]


def test_alpha_exemple_pingouin():
    """Exemple de la documentation de pingouin ``cronbach_alpha`` (résultats
    vérifiés par pingouin contre R psych::alpha ; IC de Feldt, Woodruff et
    Salih 1987) :

        >>> data = pg.read_dataset('cronbach_alpha')
        >>> pg.cronbach_alpha(data=data, items='Items', scores='Scores',
        ...                   subject='Subj')
        (0.591719, array([0.195, 0.84 ]))
    """
    r = alpha_cronbach(PINGOUIN, ITEMS)
    assert list(r.columns) == ["alpha", "ic_bas", "ic_haut", "nb_items", "effectif",
                               "manquants", "methode"]
    assert r.loc[0, "alpha"] == pytest.approx(0.591719, abs=5e-7)
    assert r.loc[0, "ic_bas"] == pytest.approx(0.195, abs=5e-4)
    assert r.loc[0, "ic_haut"] == pytest.approx(0.840, abs=5e-4)
    assert r.loc[0, "nb_items"] == 10 and r.loc[0, "effectif"] == 15
    assert r.loc[0, "manquants"] == 0


def test_ic_de_feldt_autre_niveau():
    """L'IC s'élargit avec le niveau et contient toujours l'alpha."""
    r90 = alpha_cronbach(PINGOUIN, ITEMS, ic=0.90).loc[0]
    r99 = alpha_cronbach(PINGOUIN, ITEMS, ic=0.99).loc[0]
    assert r99["ic_bas"] < r90["ic_bas"] < r90["alpha"] < r90["ic_haut"] < r99["ic_haut"]


def test_correlations_item_total_definitions():
    """Corrélation corrigée = Pearson(item, somme des autres items) ;
    alpha si retiré = alpha des neuf autres items."""
    r = correlations_item_total(PINGOUIN, ITEMS)
    assert r["item"].tolist() == ITEMS
    for _, ligne in r.iterrows():
        autres = [i for i in ITEMS if i != ligne["item"]]
        attendu = np.corrcoef(PINGOUIN[ligne["item"]], PINGOUIN[autres].sum(axis=1))[0, 1]
        assert ligne["correlation_item_total"] == pytest.approx(attendu)
        assert ligne["alpha_si_retire"] == pytest.approx(
            alpha_cronbach(PINGOUIN, autres).loc[0, "alpha"]
        )
    assert r.loc[0, "moyenne"] == pytest.approx(PINGOUIN["Q1"].mean())
    assert (r["effectif"] == 15).all()


def test_deux_items_alpha_si_retire_indefini():
    r = correlations_item_total(PINGOUIN, ["Q1", "Q2"])
    assert r["alpha_si_retire"].isna().all()


def test_manquants_suppression_par_liste():
    d = PINGOUIN.astype(float)
    d.loc[[0, 3], "Q2"] = np.nan
    d.loc[3, "Q7"] = np.nan
    with pytest.warns(AvertissementDonnees, match="2 ligne"):
        r = alpha_cronbach(d, ITEMS)
    assert r.loc[0, "effectif"] == 13 and r.loc[0, "manquants"] == 2
    complet = PINGOUIN.drop(index=[0, 3])
    assert r.loc[0, "alpha"] == pytest.approx(alpha_cronbach(complet, ITEMS).loc[0, "alpha"])


def test_erreurs():
    with pytest.raises(ErreurDonnees, match="au moins deux items"):
        alpha_cronbach(PINGOUIN, ["Q1"])
    with pytest.raises(ErreurDonnees, match="absente"):
        alpha_cronbach(PINGOUIN, ["Q1", "Q99"])
    d = PINGOUIN.assign(texte="a")
    with pytest.raises(ErreurDonnees, match="non numérique"):
        alpha_cronbach(d, ["Q1", "texte"])
    with pytest.raises(ErreurEffectifs, match="au moins 3"):
        alpha_cronbach(PINGOUIN.head(2), ITEMS)
    constant = pd.DataFrame({"a": [1, 1, 1, 1], "b": [2, 2, 2, 2]})
    with pytest.raises(ErreurEffectifs, match="constant"):
        alpha_cronbach(constant, ["a", "b"])
    with pytest.raises(ErreurDonnees, match="ic"):
        alpha_cronbach(PINGOUIN, ITEMS, ic=1.5)
