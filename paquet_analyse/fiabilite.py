"""Fiabilité (cohérence interne) d'une échelle : alpha de Cronbach.

Utilisé pour l'``indice_conditions`` (c1..c8) : l'alpha est rapporté partout
où l'indice sert. Les réponses incomplètes sont écartées en bloc
(suppression par liste), comptées et signalées par un
:class:`AvertissementDonnees`.

Références
----------
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of
tests. *Psychometrika*, 16, 297-334.
Feldt, L. S. (1965). The approximate sampling distribution of Kuder-Richardson
reliability coefficient twenty. *Psychometrika*, 30, 357-370.
Feldt, L. S., Woodruff, D. J. et Salih, F. A. (1987). Statistical inference
for coefficient alpha. *Applied Psychological Measurement*, 11, 93-103
(formules 6 et 7, reprises par pingouin ``cronbach_alpha`` et R ``cocron``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from paquet_analyse import controles
from paquet_analyse.erreurs import ErreurDonnees, ErreurEffectifs

__all__ = ["alpha_cronbach", "correlations_item_total"]


def _matrice_items(donnees, items):
    """Réponses complètes (ndarray n × k) et nombre de lignes écartées."""
    items = list(items) if not isinstance(items, str) else [items]
    if len(items) < 2:
        raise ErreurDonnees(
            f"L'alpha de Cronbach exige au moins deux items (reçu : {items})."
        )
    controles.verifier_colonnes(donnees, items)
    non_num = [c for c in items if not pd.api.types.is_numeric_dtype(donnees[c])
               or pd.api.types.is_bool_dtype(donnees[c])]
    if non_num:
        raise ErreurDonnees(
            f"Item(s) non numérique(s) : {', '.join(non_num)} ; codez les réponses "
            "en nombres (p. ex. 1 à 4) avant de calculer l'alpha."
        )
    complet, manquants = controles.retirer_manquants(donnees, items)
    x = complet[items].to_numpy(dtype=float)
    if len(x) < 3:
        raise ErreurEffectifs(
            f"{len(x)} répondant(s) complet(s) seulement : il en faut au moins 3 "
            "pour estimer l'alpha et son intervalle."
        )
    return x, int(manquants), items


def _alpha(x):
    """Alpha de Cronbach brut (variances non biaisées, ddof = 1)."""
    k = x.shape[1]
    variance_totale = x.sum(axis=1).var(ddof=1)
    if variance_totale == 0:
        return np.nan
    return k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / variance_totale)


def alpha_cronbach(donnees, items, *, ic=0.95):
    """Alpha de Cronbach et son intervalle de confiance de Feldt.

    IC : ``1 - (1 - alpha) · F`` avec les quantiles de la loi F à
    ``n - 1`` et ``(n - 1)(k - 1)`` degrés de liberté (Feldt, 1965 ; Feldt,
    Woodruff et Salih, 1987), comme pingouin ``cronbach_alpha``.

    Parameters
    ----------
    donnees : pandas.DataFrame
        Une ligne par répondant, une colonne numérique par item.
    items : list of str
        Au moins deux colonnes.
    ic : float, default 0.95
        Niveau de l'intervalle de confiance.

    Returns
    -------
    pandas.DataFrame
        Une ligne : ``alpha, ic_bas, ic_haut, nb_items, effectif, manquants,
        methode``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": [1, 2, 3, 4, 2], "b": [2, 2, 3, 4, 1],
    ...                   "c": [1, 3, 3, 4, 2]})
    >>> alpha_cronbach(d, ["a", "b", "c"])[["alpha", "ic_bas", "ic_haut"]].round(3)
       alpha  ic_bas  ic_haut
    0  0.932   0.657    0.992
    """
    if not 0 < ic < 1:
        raise ErreurDonnees(f"ic = {ic} : doit être strictement entre 0 et 1.")
    x, manquants, items = _matrice_items(donnees, items)
    n, k = x.shape
    if x.sum(axis=1).var(ddof=1) == 0:
        raise ErreurEffectifs(
            "Le score total est constant : l'alpha de Cronbach n'est pas défini."
        )
    alpha = _alpha(x)
    ddl1, ddl2 = n - 1, (n - 1) * (k - 1)
    risque = 1 - ic
    return pd.DataFrame([{
        "alpha": alpha,
        "ic_bas": 1 - (1 - alpha) * stats.f.isf(risque / 2, ddl1, ddl2),
        "ic_haut": 1 - (1 - alpha) * stats.f.isf(1 - risque / 2, ddl1, ddl2),
        "nb_items": k,
        "effectif": n,
        "manquants": manquants,
        "methode": "alpha de Cronbach brut ; IC de Feldt (loi F)",
    }])


def correlations_item_total(donnees, items):
    """Corrélations item-total corrigées et alpha si l'item est retiré.

    La corrélation corrigée est celle de Pearson entre l'item et la somme
    des *autres* items (``r.drop`` de R psych::alpha) ; ``alpha_si_retire``
    est l'alpha des items restants (NaN s'il n'en reste qu'un).

    Returns
    -------
    pandas.DataFrame
        Une ligne par item : ``item, moyenne, ecart_type,
        correlation_item_total, alpha_si_retire, effectif``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": [1, 2, 3, 4, 2], "b": [2, 2, 3, 4, 1],
    ...                   "c": [1, 3, 3, 4, 2]})
    >>> correlations_item_total(d, ["a", "b", "c"])["alpha_si_retire"].round(3).tolist()
    [0.844, 0.96, 0.894]
    """
    x, _, items = _matrice_items(donnees, items)
    lignes = []
    for j, item in enumerate(items):
        autres = np.delete(x, j, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.corrcoef(x[:, j], autres.sum(axis=1))[0, 1]
        lignes.append({
            "item": item,
            "moyenne": x[:, j].mean(),
            "ecart_type": x[:, j].std(ddof=1),
            "correlation_item_total": float(r),
            "alpha_si_retire": _alpha(autres) if autres.shape[1] >= 2 else np.nan,
            "effectif": len(x),
        })
    return pd.DataFrame(lignes)
