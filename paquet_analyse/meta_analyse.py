"""Méta-analyse d'un effet entre régions : effets aléatoires (REML, Hartung-Knapp-Sidik-Jonkman) et effet fixe.

Couche « statistiques » : des nombres en entrée (une estimation et sa
variance par région), un petit objet figé en sortie (:class:`ResultatMetaAnalyse`,
avec ``.tableau()``). Aucune lecture de fichier, aucune phrase.

Ce qui est calculé, et par quoi
-------------------------------
- **Effet fixe** (ligne de sensibilité) : moyenne pondérée par l'inverse des
  variances, son erreur type, son IC et sa p de Wald (loi normale), et la
  statistique Q de Cochran avec sa p (khi-deux à k - 1 ddl). Délégué à
  ``statsmodels.stats.meta_analysis.combine_effects``, qui les calcule tels
  quels (comme ``metafor::rma(method = "FE")``).
- **Variance entre régions τ²** par maximum de vraisemblance restreint
  (REML). Écrit ici : ``combine_effects`` ne propose que DerSimonian-Laird et
  Paule-Mandel, et PyMARE (qui a un REML par optimisation numérique
  générale) ajouterait une dépendance en version alpha pour une seule
  équation. L'algorithme est celui de metafor (Viechtbauer 2005, *J. Educ.
  Behav. Stat.* 30:261-293) : score de Fisher sur l'équation du REML, pas
  divisé par deux tant qu'il rendrait τ² négatif, τ² tronqué à 0 ; départ
  à l'estimateur de DerSimonian-Laird.
- **Effet commun aléatoire** : moyenne pondérée par 1 / (v + τ²).
  **Intervalle de Hartung-Knapp-Sidik-Jonkman** : la variance 1 / Σw est
  multipliée par s² = Σ w (y - μ)² / (k - 1), et l'IC et la p prennent la
  loi de Student à k - 1 ddl (Hartung et Knapp 2001 ; Sidik et Jonkman
  2002), sans troncature de s² à 1 (``test = "knha"`` de metafor, et non
  ``"adhoc"``). ``combine_effects`` calcule ce facteur, mais seulement
  avec son propre τ² (DL ou PM) : avec le τ² du REML il reste trois lignes.
- **I² et H²** comme metafor : I² = τ² / (τ² + s²_typ), avec la variance
  « typique » des régions s²_typ = (k - 1) Σw₀ / ((Σw₀)² - Σw₀²), w₀ = 1/v
  (Higgins et Thompson 2002) ; H² = (τ² + s²_typ) / s²_typ.
- **Intervalle de prédiction** (où se situerait l'effet dans une nouvelle
  région) : μ ± t(k - 1) √(SE² + τ²), avec l'erreur type de Hartung-Knapp,
  comme ``predict()`` de metafor pour un modèle ``test = "knha"``.

Les valeurs sont vérifiées contre R ``metafor::rma(..., method = "REML",
test = "knha")`` (``tests/test_meta_analyse.py``, script
``tests/donnees/reference/metafor_meta_analyse.R``).

Exemple
-------
>>> import numpy as np
>>> r = combiner(np.log([2.0, 3.0, 2.5]), [0.10, 0.20, 0.15])
>>> r.k, round(r.tau2, 6)
(3, 0.0)
>>> round(float(np.exp(r.estimation)), 3)
2.352
"""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .erreurs import ErreurDonnees, ErreurEffectifs

__all__ = ["COLONNES_META", "ResultatMetaAnalyse", "combiner", "tau2_reml"]

#: Colonnes (dans cet ordre) de :meth:`ResultatMetaAnalyse.tableau`.
COLONNES_META = [
    "k", "estimation", "erreur_type", "ic_bas", "ic_haut", "statistique", "ddl", "p_valeur",
    "tau2", "tau", "i2", "h2", "q", "ddl_q", "p_q", "pi_bas", "pi_haut",
    "fixe_estimation", "fixe_erreur_type", "fixe_ic_bas", "fixe_ic_haut", "fixe_p_valeur", "methode",
]

METHODE = ("effets aléatoires : τ² par REML (score de Fisher), IC et p de Hartung-Knapp-Sidik-Jonkman "
           "(Student à k - 1 ddl), intervalle de prédiction à k - 1 ddl ; effet fixe (inverse des variances, "
           "loi normale) en sensibilité")


@dataclass(frozen=True)
class ResultatMetaAnalyse:
    """Résultat de :func:`combiner` (échelle des estimations reçues : log du RC, ou différence).

    Attributes
    ----------
    k : int
        Nombre de régions combinées.
    estimation, erreur_type, ic_bas, ic_haut, statistique, ddl, p_valeur : float
        Effet commun du modèle à effets aléatoires (REML), erreur type et IC
        de Hartung-Knapp-Sidik-Jonkman, statistique t et sa p à ``ddl`` = k - 1.
    tau2, tau : float
        Variance (et écart-type) de l'effet entre régions, REML.
    i2, h2 : float
        I² (en %) et H², comme metafor.
    q, ddl_q, p_q : float
        Q de Cochran (effet fixe), k - 1 ddl, p du test d'homogénéité.
    pi_bas, pi_haut : float
        Intervalle de prédiction de l'effet dans une nouvelle région.
    fixe_estimation, fixe_erreur_type, fixe_ic_bas, fixe_ic_haut, fixe_p_valeur : float
        Effet fixe (inverse des variances), IC et p de Wald (loi normale).
    poids : tuple of float
        Poids relatif (%) de chaque région dans l'effet aléatoire, dans l'ordre reçu.
    iterations : int
        Itérations du score de Fisher.
    niveau : float
        Niveau des intervalles (0,95).
    """

    k: int
    estimation: float
    erreur_type: float
    ic_bas: float
    ic_haut: float
    statistique: float
    ddl: int
    p_valeur: float
    tau2: float
    tau: float
    i2: float
    h2: float
    q: float
    ddl_q: int
    p_q: float
    pi_bas: float
    pi_haut: float
    fixe_estimation: float
    fixe_erreur_type: float
    fixe_ic_bas: float
    fixe_ic_haut: float
    fixe_p_valeur: float
    poids: tuple
    iterations: int
    niveau: float

    def tableau(self) -> pd.DataFrame:
        """Une ligne, colonnes :data:`COLONNES_META`."""
        valeurs = {c: getattr(self, c) for c in COLONNES_META if c != "methode"}
        return pd.DataFrame([{**valeurs, "methode": METHODE}], columns=COLONNES_META)

    def _repr_html_(self) -> str:
        return ("<p><strong>Méta-analyse à effets aléatoires (REML, Hartung-Knapp)</strong></p>"
                + self.tableau().to_html(index=False, float_format=lambda v: f"{v:.4g}")
                + f"<p><small>{html.escape(METHODE)}</small></p>")


def _verifier(estimations, variances) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(estimations, dtype=float).ravel()
    v = np.asarray(variances, dtype=float).ravel()
    if y.shape != v.shape:
        raise ErreurDonnees(f"Méta-analyse : {y.size} estimation(s) mais {v.size} variance(s) ; il en faut "
                            "une de chaque par région.")
    problemes = []
    if not np.isfinite(y).all():
        problemes.append(f"estimation(s) non finie(s) aux rangs {_rangs(~np.isfinite(y))}")
    if not (np.isfinite(v) & (v > 0)).all():
        problemes.append(f"variance(s) nulle(s), négative(s) ou non finie(s) aux rangs "
                         f"{_rangs(~(np.isfinite(v) & (v > 0)))}")
    if problemes:
        raise ErreurDonnees("Méta-analyse impossible : " + " ; ".join(problemes)
                            + ". Écarter ces régions (estimation non publiée ou non estimable) avant de combiner.")
    if y.size < 2:
        raise ErreurEffectifs(f"Méta-analyse : {y.size} région ; il en faut au moins deux pour combiner.")
    return y, v


def _rangs(masque: np.ndarray) -> str:
    return ", ".join(str(i + 1) for i in np.flatnonzero(masque))


def tau2_reml(estimations, variances, *, tolerance: float = 1e-12, iterations_max: int = 1000) -> tuple[float, int]:
    """τ² du REML par score de Fisher (comme metafor) ; renvoie (τ², itérations).

    Équation du score pour un modèle à constante seule, w = 1 / (v + τ²),
    P y = w (y - μ̂) : pas = (y'PPy - tr P) / tr(PP). Départ à
    DerSimonian-Laird ; un pas qui rendrait τ² négatif est divisé par deux
    (au plus 50 fois), puis τ² est tronqué à 0. Arrêt quand τ² change de
    moins de ``tolerance``.

    >>> round(tau2_reml([0.0, 1.0, 2.0], [0.1, 0.1, 0.1])[0], 6)
    0.9
    """
    y, v = _verifier(estimations, variances)
    k = y.size
    w0 = 1 / v
    mu0 = np.sum(w0 * y) / np.sum(w0)
    q = np.sum(w0 * (y - mu0) ** 2)
    tau2 = max(0.0, (q - (k - 1)) / (np.sum(w0) - np.sum(w0 ** 2) / np.sum(w0)))
    for iteration in range(1, iterations_max + 1):
        w = 1 / (v + tau2)
        sw, sw2, sw3 = np.sum(w), np.sum(w ** 2), np.sum(w ** 3)
        mu = np.sum(w * y) / sw
        ypppy = np.sum((w * (y - mu)) ** 2)
        tr_p = sw - sw2 / sw
        tr_pp = sw2 - 2 * sw3 / sw + (sw2 / sw) ** 2
        pas = (ypppy - tr_p) / tr_pp
        for _ in range(50):
            if tau2 + pas >= 0:
                break
            pas /= 2
        nouveau = max(0.0, tau2 + pas)
        if abs(nouveau - tau2) < tolerance:
            return float(nouveau), iteration
        tau2 = nouveau
    raise ErreurEffectifs(f"Méta-analyse : le REML n'a pas convergé en {iterations_max} itérations "
                          f"(dernier τ² = {tau2:.6g}).")


def combiner(estimations, variances, *, niveau: float = 0.95, tolerance: float = 1e-12) -> ResultatMetaAnalyse:
    """Méta-analyse à effets aléatoires (REML, Hartung-Knapp) et à effet fixe d'une estimation par région.

    Paramètres
    ----------
    estimations : suite de réels
        Une estimation par région, sur une échelle où elle est à peu près
        normale : log du rapport de cotes, ou différence de moyennes.
    variances : suite de réels > 0
        Le carré de l'erreur type de chaque estimation.
    niveau : float
        Niveau des intervalles (0,95 : IC et intervalle de prédiction à 95 %).

    Lève ``ErreurDonnees`` pour une estimation non finie ou une variance
    nulle, ``ErreurEffectifs`` pour moins de deux régions.
    """
    from statsmodels.stats.meta_analysis import combine_effects

    y, v = _verifier(estimations, variances)
    k = y.size
    alpha = 1 - niveau
    # effet fixe et Q de Cochran : statsmodels (le τ² de combine_effects, Paule-Mandel, n'est pas utilisé ; ni
    # son I² de Q, qui divise par zéro quand Q = 0 : avertissement sans objet ici, et qu'un carnet ne doit pas
    # afficher)
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        fe = combine_effects(y, v, method_re="iterated", alpha=alpha)
    q, p_q = (float(x) for x in fe.test_homogeneity()[:2])
    fixe_ic = fe.conf_int(alpha=alpha, use_t=False)[0]
    fixe_z = fe.mean_effect_fe / fe.sd_eff_w_fe

    tau2, iterations = tau2_reml(y, v, tolerance=tolerance)
    w = 1 / (v + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    s2_hk = float(np.sum(w * (y - mu) ** 2) / (k - 1))
    se = float(np.sqrt(s2_hk / np.sum(w)))
    t_crit = float(stats.t.isf(alpha / 2, k - 1))
    t_stat = mu / se if se > 0 else np.copysign(np.inf, mu) if mu else np.nan
    w0 = 1 / v
    s2_typ = (k - 1) * np.sum(w0) / (np.sum(w0) ** 2 - np.sum(w0 ** 2))
    demi_prediction = t_crit * np.sqrt(se ** 2 + tau2)
    return ResultatMetaAnalyse(
        k=k, estimation=mu, erreur_type=se, ic_bas=mu - t_crit * se, ic_haut=mu + t_crit * se,
        statistique=float(t_stat), ddl=k - 1, p_valeur=float(2 * stats.t.sf(abs(t_stat), k - 1)),
        tau2=tau2, tau=float(np.sqrt(tau2)), i2=float(100 * tau2 / (s2_typ + tau2)),
        h2=float((s2_typ + tau2) / s2_typ), q=q, ddl_q=k - 1, p_q=p_q,
        pi_bas=float(mu - demi_prediction), pi_haut=float(mu + demi_prediction),
        fixe_estimation=float(fe.mean_effect_fe), fixe_erreur_type=float(fe.sd_eff_w_fe),
        fixe_ic_bas=float(fixe_ic[0]), fixe_ic_haut=float(fixe_ic[1]),
        fixe_p_valeur=float(2 * stats.norm.sf(abs(fixe_z))),
        poids=tuple(float(x) for x in 100 * w / np.sum(w)), iterations=iterations, niveau=niveau,
    )
