"""Modèles de régression à sortie « rangée » (une ligne par terme).

:func:`regression_logistique` ajuste une régression logistique avec
statsmodels : GLM binomial (maximum de vraisemblance) sans grappes, ou GEE à
corrélation échangeable avec erreurs types robustes (sandwich) lorsque les
observations sont regroupées (participants dans des instances). La colonne
``methode`` dit toujours lequel. :func:`regression_lineaire` (p. ex. pour
``indice_conditions``) ajuste des moindres carrés ordinaires, avec erreurs
types robustes aux grappes s'il y a lieu.

Avec des poids de sondage (``poids``), les deux fonctions suivent
l'estimateur de plan de sondage de R ``survey::svyglm`` (Lumley 2004 ;
Binder 1983) : pseudo-vraisemblance pondérée (GLM de statsmodels avec
``var_weights``), variance de linéarisation de Taylor sur les grappes
(sandwich avec le facteur G/(G - 1) de ``survey``, plan « avec remise »,
sans correction de population finie), tests et IC de Student à G - p
degrés de liberté (``df.residual`` de ``svyglm``). Une GEE pondérée de
statsmodels n'est pas cet estimateur : elle n'est pas utilisée avec des
poids. :func:`wald_termes` teste d'un bloc tous les coefficients d'un
terme (p. ex. les indicatrices de territoire), avec les mêmes estimateurs.

Sens des rapports de cotes : pour un prédicteur booléen ``x``, le terme
``x[T.True]`` donne les cotes de ``reponse = 1`` chez ``x = True`` rapportées
à ``x = False`` ; c'est le même sens que le rapport de cotes de
:func:`paquet_analyse.associations.exact_fisher` ou
:func:`paquet_analyse.associations.mantel_haenszel` avec ``ligne = x`` et
``colonne = reponse``.

Les avertissements de statsmodels (séparation, non-convergence) sont
capturés et traduits en avertissements du paquet ; aucun avertissement de
bibliothèque ne s'échappe (les carnets vérifiés par nbval échouent sinon).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from paquet_analyse import controles
from paquet_analyse.erreurs import (
    AvertissementDonnees,
    AvertissementEffectifs,
    AvertissementPaquet,
    AvertissementSeparation,
    ErreurDonnees,
    ErreurEffectifs,
)

__all__ = ["COLONNES_LINEAIRE", "COLONNES_MODELE", "COLONNES_WALD", "regression_lineaire",
           "regression_logistique", "wald_termes"]

#: Colonnes (dans cet ordre) du tableau renvoyé par regression_logistique.
COLONNES_MODELE = [
    "terme",
    "coefficient",
    "erreur_type",
    "statistique",
    "ddl",
    "p_valeur",
    "rapport_cotes",
    "ic_bas",
    "ic_haut",
    "effectif",
    "manquants",
    "nb_grappes",
    "separation",
    "methode",
    "note",
]

#: Colonnes de regression_lineaire (pas de rapport de cotes).
COLONNES_LINEAIRE = [c for c in COLONNES_MODELE if c != "rapport_cotes"]

#: Colonnes du tableau renvoyé par wald_termes.
COLONNES_WALD = ["test", "statistique", "ddl", "ddl_denominateur", "p_valeur", "effectif", "manquants",
                 "nb_grappes", "termes_exclus", "methode", "note"]

#: Erreur type (échelle logit, pour un écart type du prédicteur) au-delà de
#: laquelle un terme est déclaré non identifié (séparation ou case creuse).
SEUIL_ERREUR_TYPE = 10.0

#: En deçà de ce nombre de grappes, les erreurs types robustes sont biaisées
#: vers le bas : un avertissement le rappelle.
MIN_GRAPPES = 20

#: En deçà, la GEE utilise la correction de Mancl et DeRouen (2001) du
#: sandwich (``cov_type="bias_reduced"`` de statsmodels).
MIN_GRAPPES_SANDWICH = 10

#: Sandwichs des modèles à grappes sans poids : « mancl_derouen » (la politique du projet :
#: sandwich corrigé de Mancl et DeRouen 2001, t à G - 1 ddl) ou « liang_zeger » (sandwich ordinaire,
#: loi normale ; corrigé sous MIN_GRAPPES_SANDWICH grappes), gardé pour les bancs d'essai.
SANDWICHS_LOGISTIQUE = ("mancl_derouen", "liang_zeger")

#: Moindres carrés à grappes : « cr2 » (CR2 et ddl de Satterthwaite, la politique du projet) ou « cr1 »
#: (CR1 et G - 1 ddl, comme Stata vce(cluster)), gardé pour les bancs d'essai.
SANDWICHS_LINEAIRE = ("cr2", "cr1")

#: Corrélation de travail de la GEE.
CORRELATIONS = ("echangeable", "independance")

#: En deçà, aucune inférence (erreur type, IC, p) n'est rapportée.
MIN_GRAPPES_INFERENCE = 3

#: Au-delà de cette valeur absolue du coefficient ramené à un écart type du
#: prédicteur (rapport de cotes > e^15 ≈ 3 millions par écart type), une
#: estimation logistique n'est pas crédible : séparation.
SEUIL_COEFFICIENT = 15.0

#: Probabilité ajustée à moins de ce seuil de 0 ou de 1 : observation
#: parfaitement prédite (séparation complète ou quasi complète).
SEUIL_PROBABILITE = 1e-8

_AVERTISSEMENTS_SEPARATION = (
    "PerfectSeparationWarning",
    "ConvergenceWarning",
    "IterationLimitWarning",
    "HessianInversionWarning",
)


def _variables_formule(formule, donnees):
    """Nom de la réponse et variables requises par la formule."""
    if not isinstance(formule, str) or formule.count("~") != 1:
        raise ErreurDonnees(
            f"Formule invalide : {formule!r}. Forme attendue : "
            "'reponse ~ predicteur1 + predicteur2'."
        )
    from formulaic import Formula

    reponse = formule.split("~")[0].strip()
    if reponse not in donnees.columns:
        raise ErreurDonnees(
            f"La réponse « {reponse} » doit être une colonne des données "
            "(les transformations de la réponse ne sont pas acceptées ; "
            "créez d'abord la colonne)."
        )
    try:
        requises = Formula(formule).required_variables
    except Exception as exc:  # formulaic lève des erreurs variées
        raise ErreurDonnees(f"Formule illisible {formule!r} : {exc}") from None
    variables = [reponse] + sorted(
        str(v) for v in requises if str(v) in donnees.columns and str(v) != reponse
    )
    inconnues = sorted(str(v) for v in requises if str(v) not in donnees.columns)
    inconnues = [v for v in inconnues if v not in ("np", "C", "I")]
    if inconnues:
        raise ErreurDonnees(
            f"Variable(s) de la formule absente(s) des données : {', '.join(inconnues)}."
        )
    return reponse, variables


def _preparer_reponse(donnees, reponse, binaire=True):
    """Réponse convertie en float (0/1 si ``binaire``) ; refuse une réponse invalide."""
    y = donnees[reponse]
    valeurs = set(pd.unique(y))
    nombres = (bool, np.bool_, int, np.integer, float, np.floating)
    # colonne object (booléens avec des manquants retirés) acceptée aussi
    if all(isinstance(v, nombres) for v in valeurs) and (not binaire or valeurs <= {0, 1}):
        y = y.astype(float)
    else:
        trouvees = ", ".join(map(str, pd.unique(y)[:6]))
        attendu = "booléenne ou codée 0/1" if binaire else "numérique"
        raise ErreurDonnees(
            f"La réponse « {reponse} » doit être {attendu} (valeurs trouvées : {trouvees})."
        )
    if y.nunique() < 2:
        raise ErreurEffectifs(
            f"La réponse « {reponse} » est constante ({y.iloc[0]:g}) sur les "
            f"{len(y)} observations complètes : aucun modèle n'est estimable."
        )
    donnees = donnees.copy()
    donnees[reponse] = y
    return donnees


def _preparer_modele(donnees, formule, grappes, niveau, binaire, poids=None):
    """Vérifie les entrées ; renvoie (données complètes, nb de lignes écartées).

    Une ligne sans poids (``poids`` manquant) est écartée comme une ligne
    incomplète ; un poids nul, négatif ou non numérique est refusé.
    """
    controles.verifier_colonnes(donnees, [c for c in (grappes, poids) if c is not None])
    if not 0 < niveau < 1:
        raise ErreurDonnees(f"niveau = {niveau} : doit être strictement entre 0 et 1.")
    reponse, variables = _variables_formule(formule, donnees)
    colonnes = list(dict.fromkeys(variables + [c for c in (grappes, poids) if c is not None]))
    complet, manquants = controles.retirer_manquants(donnees, colonnes)
    complet = _retirer_modalites_vides(complet[colonnes])
    _refuser_non_finis(complet, [c for c in colonnes if c != grappes])
    if poids is not None:
        _verifier_poids_positifs(complet[poids], poids)
    return _preparer_reponse(complet, reponse, binaire), manquants


def _verifier_poids_positifs(serie, nom):
    """ErreurDonnees si les poids de sondage ne sont pas des nombres strictement positifs."""
    if not pd.api.types.is_numeric_dtype(serie) or pd.api.types.is_bool_dtype(serie):
        raise ErreurDonnees(f"La colonne de poids « {nom} » doit être numérique (poids de sondage > 0).")
    invalides = serie.to_numpy(dtype=float) <= 0
    if invalides.any():
        exemples = ", ".join(map(str, serie[invalides].index[:5].tolist()))
        raise ErreurDonnees(
            f"La colonne de poids « {nom} » contient {int(invalides.sum())} poids nul(s) ou négatif(s) "
            f"(lignes {exemples}) : un poids de sondage doit être strictement positif. Corrigez-les "
            "ou retirez ces lignes."
        )


def _refuser_non_finis(donnees, colonnes):
    """ErreurDonnees si une colonne numérique contient ±inf (valeur non finie)."""
    for nom in colonnes:
        serie = donnees[nom]
        if pd.api.types.is_numeric_dtype(serie) and not pd.api.types.is_bool_dtype(serie):
            infinies = ~np.isfinite(serie.to_numpy(dtype=float))
            if infinies.any():
                exemples = ", ".join(map(str, serie[infinies].index[:5].tolist()))
                raise ErreurDonnees(
                    f"La colonne « {nom} » contient {int(infinies.sum())} valeur(s) non "
                    f"finie(s) (inf ou -inf ; lignes {exemples}) : probablement une "
                    "division par zéro en amont. Corrigez-les ou mettez-les à manquant "
                    "(NaN) avant l'ajustement."
                )


def _retirer_modalites_vides(donnees):
    """Retire les catégories sans observation (sinon indicatrice nulle, RC 1 [1 ; 1])."""
    donnees = donnees.copy()
    for nom in donnees.columns:
        serie = donnees[nom]
        if isinstance(serie.dtype, pd.CategoricalDtype):
            vides = [c for c in serie.cat.categories if not (serie == c).any()]
            if vides:
                donnees[nom] = serie.cat.remove_unused_categories()
                warnings.warn(
                    AvertissementDonnees(
                        f"Modalité(s) sans observation de « {nom} » retirée(s) du modèle : "
                        f"{', '.join(map(str, vides))} (aucun effet n'est estimable pour "
                        "elles)."
                    ),
                    stacklevel=4,
                )
    return donnees


#: Taille du plan (lignes × colonnes) à partir de laquelle la GEE part de valeurs initiales calculées ici.
TAILLE_VALEURS_INITIALES = 500_000


def _valeurs_initiales_gee(modele, iterations=50, tolerance=1e-12):
    """Valeurs initiales de la GEE sur un grand plan : le GLM binomial d'indépendance, par IRLS.

    statsmodels part de ce même GLM (``GEE._starting_params``), mais l'ajuste
    par moindres carrés via une décomposition en valeurs singulières : sur le
    jeu de la province (50 000 participants × 100 effets de territoire), 10 s
    par modèle sur deux cœurs, la moitié du temps de la GEE. Ici, IRLS sur les
    équations normales (X'WX, produit matriciel, puis Cholesky) : même
    solution en une fraction de seconde. None (départ de statsmodels) pour un
    petit plan, un plan mal conditionné ou un ajustement qui ne converge pas.
    """
    from scipy import linalg

    x, y = np.asarray(modele.exog, dtype=float), np.asarray(modele.endog, dtype=float)
    if x.shape[0] * x.shape[1] < TAILLE_VALEURS_INITIALES:
        return None
    mu = (y + 0.5) / 2  # départ de statsmodels (Binomial.starting_mu)
    eta = np.log(mu / (1 - mu))
    deviance = np.inf
    for _ in range(iterations):
        w = mu * (1 - mu)
        z = eta + (y - mu) / w
        xw = x * w[:, None]
        try:
            beta = linalg.solve(x.T @ xw, xw.T @ z, assume_a="pos")
        except (linalg.LinAlgError, ValueError):
            return None
        eta = x @ beta
        mu = np.clip(1 / (1 + np.exp(-eta)), 1e-12, 1 - 1e-12)
        nouvelle = -2 * float(np.sum(y * np.log(mu) + (1 - y) * np.log(1 - mu)))
        if abs(deviance - nouvelle) <= tolerance * (abs(nouvelle) + 0.1):
            return beta if np.isfinite(beta).all() else None
        deviance = nouvelle
    return None


def _ajuster(formule, donnees, grappes, lineaire=False, cov_type="robust", correlation="echangeable"):
    """Ajuste le modèle ; renvoie (modèle, résultat, avertissements capturés).

    Logistique : GLM binomial, ou GEE (corrélation de travail échangeable, ou
    indépendante, sandwich ``cov_type``) avec grappes. Linéaire : moindres carrés
    ordinaires ; ``cov_type="cluster"`` : erreurs types CR1 (loi de Student à
    G - 1 ddl) ; ``cov_type="nonrobust"`` : celles des moindres carrés (le CR2 est
    calculé ensuite, :func:`_cr2_satterthwaite`).
    """
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    famille = sm.families.Binomial()
    with warnings.catch_warnings(record=True) as captures:
        warnings.simplefilter("always")
        try:
            if lineaire:
                modele = smf.ols(formule, data=donnees)
                options = {} if grappes is None or cov_type != "cluster" else dict(
                    cov_type="cluster", use_t=True,
                    cov_kwds={"groups": pd.factorize(donnees[grappes])[0]},
                )
                resultat = modele.fit(**options)
            elif grappes is not None:
                modele = smf.gee(
                    formule, groups=grappes, data=donnees, family=famille,
                    cov_struct=(sm.cov_struct.Exchangeable() if correlation == "echangeable"
                                else sm.cov_struct.Independence()),
                )
                resultat = modele.fit(cov_type=cov_type, start_params=_valeurs_initiales_gee(modele))
            else:
                modele = smf.glm(formule, data=donnees, family=famille)
                resultat = modele.fit()
        except np.linalg.LinAlgError as exc:
            raise ErreurEffectifs(
                f"Modèle non estimable ({exc}) : prédicteurs colinéaires ou "
                "modalités trop rares. Retirez ou regroupez des variables."
            ) from None
    return modele, resultat, list(captures)


class _ResultatPlan:
    """Ajustement à loi de Student : coefficients, covariance (linéarisation sur les grappes,
    sandwich corrigé), loi de Student à ``ddl`` degrés de liberté.

    ``ddl`` est un nombre (G - p de ``svyglm``, G - 1 de la GEE) ou un tableau, un par
    coefficient (ddl de Satterthwaite du CR2). Porte les attributs de statsmodels dont
    :func:`_tableau` et :func:`_termes_separes` ont besoin (``params, bse, tvalues,
    pvalues, conf_int, cov_params, nobs``). Avec ``ddl <= 0``, pas d'inférence (NaN),
    comme ``confint.svyglm``.
    """

    def __init__(self, params, covariance, ddl, nobs):
        from scipy import stats

        self.params = params
        self._cov = pd.DataFrame(covariance, index=params.index, columns=params.index)
        self.ddl = ddl
        self.nobs = nobs
        ddl_termes = np.broadcast_to(np.asarray(ddl, dtype=float), params.shape)
        self._ddl_termes = np.where(ddl_termes > 0, ddl_termes, np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.bse = pd.Series(np.sqrt(np.diag(covariance)), index=params.index)
            self.tvalues = params / self.bse
            self.pvalues = pd.Series(2 * stats.t.sf(np.abs(self.tvalues), self._ddl_termes), index=params.index)

    def ddl_termes(self):
        """Degrés de liberté de chaque coefficient (NaN : aucune inférence)."""
        return self._ddl_termes

    def cov_params(self):
        return self._cov

    def conf_int(self, alpha=0.05):
        from scipy import stats

        with np.errstate(invalid="ignore"):
            q = stats.t.ppf(1 - alpha / 2, self._ddl_termes)
        return np.column_stack([self.params - q * self.bse, self.params + q * self.bse])


def _racine_inverse(matrice):
    """Racine carrée inverse symétrique (pseudo-inverse : valeurs propres nulles laissées à 0, comme
    ``clubSandwich:::matrix_power(x, -1/2)``)."""
    valeurs, vecteurs = np.linalg.eigh(matrice)
    inverses = np.where(valeurs > 1e-12 * max(1.0, valeurs.max()), 1 / np.sqrt(np.clip(valeurs, 1e-300, None)), 0.0)
    return (vecteurs * inverses) @ vecteurs.T


def _cr2_satterthwaite(x, residus, groupes):
    """Covariance CR2 (Bell et McCaffrey 2002) et ddl de Satterthwaite de chaque coefficient, moindres carrés.

    Écrit ici : statsmodels n'offre ni le CR2 ni ces ddl. Mêmes choix que R
    ``clubSandwich::coef_test(lm, vcov = "CR2", test = "Satterthwaite")`` (modèle
    de travail : variance homoscédastique et indépendante, Φ = I) :

    - V = M [Σ_g X_g' A_g e_g e_g' A_g X_g] M, M = (X'X)⁻¹, A_g = (I - H_gg)^(-1/2) ;
    - pour le coefficient j, p_g = A_g X_g M e_j et u_g = (I - H)' p_g (p_g placé dans
      les lignes de la grappe g) : c'V c = Σ_g (u_g' y)² ; sous Φ = I, ddl =
      (Σ_g u_g'u_g)² / Σ_g Σ_h (u_g'u_h)², avec U'U = diag(p_g'p_g) - Q'MQ, Q = [X_g' p_g].

    Vérifié contre clubSandwich 0.5.8 (tests/donnees/reference/cr2_satterthwaite.R).
    """
    x = np.asarray(x, dtype=float)
    e = np.asarray(residus, dtype=float)
    m = np.linalg.inv(x.T @ x)
    nb_coef = x.shape[1]
    blocs = _blocs(groupes)
    viande = np.zeros((nb_coef, nb_coef))
    pp = np.zeros((len(blocs), nb_coef))          # p_g'p_g, par coefficient
    q = np.zeros((len(blocs), nb_coef, nb_coef))  # X_g' p_g, par coefficient (dernier axe)
    for g, idx in enumerate(blocs):
        xg = x[idx]
        a = _racine_inverse(np.eye(len(idx)) - xg @ m @ xg.T)
        p_g = a @ xg @ m                          # colonnes : p_g de chaque coefficient
        u = p_g.T @ e[idx]
        viande += np.outer(u, u)
        pp[g] = (p_g ** 2).sum(axis=0)
        q[g] = xg.T @ p_g
    covariance = viande  # = M X'A e e'A X M, puisque p_g = A_g X_g M
    ddl = np.empty(nb_coef)
    for j in range(nb_coef):
        qj = q[:, :, j].T                         # p × G
        uu = np.diag(pp[:, j]) - qj.T @ m @ qj
        ddl[j] = np.trace(uu) ** 2 / np.sum(uu ** 2)
    return covariance, ddl


def _blocs(groupes) -> list:
    """Les indices des lignes de chaque grappe (codes de grappe entiers, dans l'ordre croissant des codes)."""
    ordre = np.argsort(groupes, kind="stable")
    return np.split(ordre, np.flatnonzero(np.diff(groupes[ordre])) + 1)


def _covariance_biais_reduit_plan(modele, resultat, groupes):
    """Sandwich de plan de sondage à résidus corrigés de leur levier (Mancl et DeRouen 2001).

    Même estimateur que le sandwich de :func:`ajuster_plan` (équations
    Σ w·x·(y - μ) = 0, pain A = X' W V X), mais chaque résidu de grappe e_g est
    remplacé par (I - H_gg)⁻¹ e_g, H_gg = V_g X_g A⁻¹ X_g' W_g, comme le fait
    la GEE de statsmodels (``cov_type="bias_reduced"``) sans poids. statsmodels
    n'offre pas cette correction pour un GLM pondéré (``var_weights``) : elle
    est écrite ici. Avec des poids tous égaux à 1, elle redonne exactement la
    GEE à indépendance ``bias_reduced`` (donc ``clubSandwich::vcovCR(type =
    "CR3")`` de R ; tests/test_modeles.py).
    """
    x = np.asarray(modele.exog, dtype=float)
    y = np.asarray(modele.endog, dtype=float)
    w = np.asarray(modele.var_weights, dtype=float)
    mu = np.asarray(resultat.fittedvalues, dtype=float)
    v = np.asarray(modele.family.variance(mu), dtype=float)  # dμ/dη : lien canonique (logit, identité)
    pain_inv = np.linalg.inv(x.T @ (x * (w * v)[:, None]))
    viande = np.zeros_like(pain_inv)
    for idx in _blocs(groupes):
        xg = x[idx]
        h = (v[idx][:, None] * xg) @ pain_inv @ (xg * w[idx][:, None]).T
        e = np.linalg.solve(np.eye(len(idx)) - h, y[idx] - mu[idx])
        u = xg.T @ (w[idx] * e)
        viande += np.outer(u, u)
    return pain_inv @ viande @ pain_inv


def _glm_constante(formule, donnees, famille, poids):
    """Le GLM « y ~ 1 » (une moyenne ou une proportion) sans patsy, ou None pour toute autre formule.

    Mêmes tableaux que ceux que patsy construirait (réponse en réels, une
    colonne « Intercept » de 1), donc le même ajustement au bit près
    (tests/test_modeles.py) ; patsy prenait la moitié du temps d'une
    proportion de plan de sondage, calculée des centaines de fois pour les
    portraits de 100 territoires. Une réponse avec des manquants passe par
    patsy, qui les retire.
    """
    import statsmodels.api as sm

    gauche, signe, droite = formule.partition("~")
    nom = gauche.strip()
    if not signe or droite.strip() != "1" or nom not in donnees.columns:
        return None
    y = donnees[nom]
    if y.isna().any() or not (pd.api.types.is_float_dtype(y) or pd.api.types.is_integer_dtype(y)):
        return None
    endog = pd.Series(y.to_numpy(dtype=float), index=donnees.index, name=nom)
    exog = pd.DataFrame({"Intercept": np.ones(len(donnees))}, index=donnees.index)
    return sm.GLM(endog, exog, family=famille, var_weights=poids)


def ajuster_plan(formule, donnees, grappes, poids, lineaire=False, biais_reduit=False):
    """GLM pondéré et variance de plan de sondage, comme R ``survey::svyglm``.

    Pseudo-vraisemblance : GLM de statsmodels avec ``var_weights = poids``
    (équations Σ w·x·(y - μ) = 0, celles de ``svyglm``). Variance : sandwich
    sur les grappes (``cov_type="cluster"`` sans la correction de statsmodels
    G/(G - 1)·(N - 1)/(N - K)), multiplié par G/(G - 1) comme la variance
    « avec remise » de ``survey`` (``svyrecvar``, une seule strate). Sans
    grappes, chaque ligne est sa propre grappe (``id = ~1``). Degrés de
    liberté : G - p (``df.residual`` de ``svyglm``). Vérifié contre les
    sorties publiées de ``svyglm`` sur ``apiclus1`` (tests/test_modeles.py).
    """
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    famille = sm.families.Gaussian() if lineaire else sm.families.Binomial()
    groupes = (pd.factorize(donnees[grappes])[0] if grappes is not None
               else np.arange(len(donnees)))
    nb = int(len(np.unique(groupes)))
    with warnings.catch_warnings(record=True) as captures:
        warnings.simplefilter("always")
        try:
            modele = _glm_constante(formule, donnees, famille, donnees[poids].to_numpy(dtype=float))
            if modele is None:
                modele = smf.glm(formule, data=donnees, family=famille,
                                 var_weights=donnees[poids].to_numpy(dtype=float))
            resultat = modele.fit(cov_type="cluster",
                                  cov_kwds={"groups": groupes, "use_correction": False})
        except np.linalg.LinAlgError as exc:
            raise ErreurEffectifs(
                f"Modèle non estimable ({exc}) : prédicteurs colinéaires ou "
                "modalités trop rares. Retirez ou regroupez des variables."
            ) from None
    # statsmodels prévient que cov_type n'est « pas entièrement pris en charge » avec
    # var_weights : le sandwich obtenu est pourtant celui de svyglm (vérifié par les tests)
    captures = [c for c in captures
                if not (c.category.__name__ == "SpecificationWarning" and "var_weights" in str(c.message))]
    facteur = nb / (nb - 1) if nb > 1 else np.nan
    covariance = (_covariance_biais_reduit_plan(modele, resultat, groupes) if biais_reduit
                  else np.asarray(resultat.cov_params(), dtype=float) * facteur)
    plan = _ResultatPlan(resultat.params, covariance, nb - len(resultat.params), resultat.nobs)
    return modele, plan, list(captures)


def _methode_plan(famille, grappes, poids, nb_grappes, nb_coefficients, biais_reduit=False):
    """Phrase ``methode`` de l'estimateur de plan de sondage (pondéré)."""
    unite = f"grappes « {grappes} »" if grappes is not None else "observations (sans grappes)"
    variance = ("résidus corrigés de leur levier (Mancl et DeRouen, 2001)" if biais_reduit
                else "facteur G/(G - 1)")
    debut = (f"{famille} pondérée par « {poids} » (pseudo-vraisemblance, comme R survey::svyglm) ; "
             f"variance de linéarisation de Taylor sur les {unite}, {variance}, sans correction "
             "de population finie")
    ddl = nb_grappes - nb_coefficients
    if nb_grappes < MIN_GRAPPES_INFERENCE or ddl <= 0:
        return debut + (f" ; {nb_grappes} grappe(s) pour {nb_coefficients} coefficient(s) : aucune "
                        "erreur type, aucun IC ni p rapportés, estimation ponctuelle seule")
    return debut + f" ; t et IC de Student à G - p = {ddl} ddl"


def _messages_separation(captures):
    """Messages des avertissements de statsmodels liés à la séparation."""
    messages = []
    for c in captures:
        nom = c.category.__name__
        if nom in _AVERTISSEMENTS_SEPARATION or issubclass(c.category, RuntimeWarning):
            texte = f"{nom} : {str(c.message).splitlines()[0]}"
            if texte not in messages:
                messages.append(texte)
    return messages


def _termes_separes(modele, resultat):
    """Indicateur par terme de séparation (complète ou quasi complète).

    Un terme est signalé si c'est une indicatrice (0/1) dont l'un des deux
    groupes a une réponse constante (case creuse), si son erreur type,
    ramenée à un écart type du prédicteur, dépasse :data:`SEUIL_ERREUR_TYPE`
    (ou n'est pas finie), si son coefficient ramené à un écart type dépasse
    :data:`SEUIL_COEFFICIENT`, ou s'il dépasse le tiers de ce seuil alors
    que des probabilités ajustées valent 0 ou 1 à :data:`SEUIL_PROBABILITE`
    près (observations parfaitement prédites). Ces deux derniers critères
    valent aussi pour la GEE, dont l'erreur type sandwich peut s'effondrer
    sous séparation au lieu d'exploser.
    """
    x = np.asarray(modele.exog, dtype=float)
    y = np.asarray(modele.endog, dtype=float)
    se = np.asarray(resultat.bse, dtype=float)
    coef = np.asarray(resultat.params, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        mu = np.asarray(modele.family.link.inverse(x @ coef), dtype=float)
    # observations parfaitement prédites : la GEE (sandwich) peut alors donner
    # une erreur type minuscule et un RC démesuré (p ~ 1e-200) sans alerte
    predites = ~np.isfinite(mu) | (mu < SEUIL_PROBABILITE) | (mu > 1 - SEUIL_PROBABILITE)
    drapeaux = []
    for j in range(x.shape[1]):
        colonne = x[:, j]
        echelle = colonne.std() if colonne.std() > 0 else 1.0
        drapeau = not np.isfinite(se[j]) or se[j] * echelle > SEUIL_ERREUR_TYPE
        drapeau |= not np.isfinite(coef[j])
        if colonne.std() > 0:  # pas l'ordonnée à l'origine (dépend du centrage)
            drapeau |= abs(coef[j]) * echelle > SEUIL_COEFFICIENT
        if predites.any() and colonne.std() > 0:
            # terme qui porte la séparation : grand effet sur les observations prédites
            drapeau |= abs(coef[j]) * echelle > SEUIL_COEFFICIENT / 3
        if colonne.std() > 0 and set(np.unique(colonne)) <= {0.0, 1.0}:
            for groupe in (colonne == 1, colonne == 0):
                drapeau |= bool(np.ptp(y[groupe]) == 0)
        drapeaux.append(bool(drapeau))
    return np.array(drapeaux)


def _relayer_autres(captures, deja_traites=_AVERTISSEMENTS_SEPARATION):
    """Relaie en avertissement du paquet les avertissements de l'ajustement.

    Ceux de ``deja_traites`` (séparation, en logistique) le sont ailleurs ;
    les avertissements d'obsolescence des bibliothèques (Deprecation,
    FutureWarning) ne disent rien des données et ne sont pas relayés.
    """
    ignores = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)
    if deja_traites:
        ignores += (RuntimeWarning,)
    vus = set()
    for c in captures:
        nom = c.category.__name__
        if nom in deja_traites or issubclass(c.category, ignores):
            continue
        texte = f"{nom} : {str(c.message).splitlines()[0]}"
        if texte not in vus:
            vus.add(texte)
            message = f"Pendant l'ajustement du modèle, statsmodels signale {texte}"
            warnings.warn(AvertissementPaquet(message), stacklevel=3)


def _avertir_separation(termes, drapeaux, messages):
    """AvertissementSeparation nommant les termes touchés."""
    if not drapeaux.any() and not messages:
        return
    touches = ", ".join(t for t, d in zip(termes, drapeaux) if d) or "aucun terme isolé"
    detail = f" Messages de statsmodels : {' ; '.join(messages)}." if messages else ""
    warnings.warn(
        AvertissementSeparation(
            f"Séparation complète ou quasi complète (réponse constante dans une "
            f"modalité, ou erreur type démesurée) pour : {touches}. Les rapports "
            "de cotes, IC et p de ces termes ne sont pas rapportés : "
            "regroupez les modalités rares, retirez la variable, ou décrivez "
            f"l'association avec exact_fisher(...).{detail}"
        ),
        stacklevel=3,
    )


def _ddl_student(resultat):
    """Degrés de liberté de la loi de Student de `statistique` (t), un par terme ; NaN pour un z (GLM)."""
    if isinstance(resultat, _ResultatPlan):
        return resultat.ddl_termes()
    if getattr(resultat, "use_t", False):
        ddl = getattr(resultat, "df_resid_inference", None)
        return float(ddl if ddl is not None else resultat.df_resid)
    return np.nan


def _tableau(resultat, drapeaux, niveau, exponentielle=True, sans_inference=False, **communs):
    """Tableau rangé des termes (colonnes :data:`COLONNES_MODELE`).

    IC de ``resultat.conf_int`` : Wald (loi normale) pour GLM et GEE, loi de
    Student pour les moindres carrés ordinaires. En logistique
    (``exponentielle``), bornes et rapport de cotes sont exponentiés ;
    sinon ``rapport_cotes`` est absent et l'IC porte sur le coefficient.
    """
    coef = np.asarray(resultat.params, dtype=float)
    ic = np.asarray(resultat.conf_int(alpha=1 - niveau), dtype=float)
    transf = np.exp if exponentielle else (lambda v: v)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        tab = pd.DataFrame({
            "terme": list(resultat.params.index),
            "coefficient": coef,
            "erreur_type": np.asarray(resultat.bse, dtype=float),
            "statistique": np.asarray(resultat.tvalues, dtype=float),
            "ddl": _ddl_student(resultat),
            "p_valeur": np.asarray(resultat.pvalues, dtype=float),
            "rapport_cotes": np.exp(coef) if exponentielle else np.nan,
            "ic_bas": transf(ic[:, 0]),
            "ic_haut": transf(ic[:, 1]),
        })
    tab.loc[drapeaux, ["coefficient", "erreur_type", "statistique", "ddl", "p_valeur",
                       "rapport_cotes", "ic_bas", "ic_haut"]] = np.nan
    tab["separation"] = drapeaux
    tab["note"] = np.where(drapeaux, "séparation : estimation non rapportée", "")
    if sans_inference:
        tab[["erreur_type", "statistique", "ddl", "p_valeur", "ic_bas", "ic_haut"]] = np.nan
        tab["note"] = [
            n or f"moins de {MIN_GRAPPES_INFERENCE} grappes : aucune inférence" for n in tab["note"]
        ]
    for nom, valeur in communs.items():
        tab[nom] = valeur
    colonnes = COLONNES_MODELE if exponentielle else COLONNES_LINEAIRE
    return tab[colonnes]


def regression_logistique(donnees, formule, *, grappes=None, poids=None, niveau=0.95, sandwich="mancl_derouen",
                          correlation="echangeable"):
    """Régression logistique, une ligne par terme.

    Sans ``grappes`` : GLM binomial (lien logit) estimé par maximum de
    vraisemblance (mêmes estimations et erreurs types que ``glm(...,
    family = binomial)`` de R), IC de Wald (``confint.default``). Avec
    ``grappes`` : équations d'estimation généralisées (GEE, statsmodels) à
    corrélation de travail échangeable au sein des grappes (``correlation``),
    à utiliser pour des participants regroupés dans des instances. Par défaut
    (``sandwich="mancl_derouen"``, la politique du projet), le sandwich est
    corrigé du levier de chaque grappe (Mancl et DeRouen 2001,
    ``cov_type="bias_reduced"`` de statsmodels) et la p et l'IC viennent d'une
    loi de Student à G - 1 ddl (G grappes) : avec une dizaine de grappes dans le
    plus petit groupe d'exposition, le sandwich ordinaire et la loi normale
    rejetaient à tort 7,7 à 8,2 % du temps au seuil de 5 % ; cette référence
    ramène l'erreur à 5 % (benchmarks/README.md, « Tests dans un territoire »).
    Avec ``correlation="independance"``, c'est le CR3 de R
    ``clubSandwich::coef_test(glm, vcov = "CR3", test = "naive-t")``.
    ``sandwich="liang_zeger"`` redonne l'ancien calcul (sandwich ordinaire, loi
    normale, Mancl et DeRouen sous :data:`MIN_GRAPPES_SANDWICH` grappes), pour
    les bancs d'essai. Avec moins de :data:`MIN_GRAPPES_INFERENCE` grappes,
    aucune inférence n'est rapportée (erreur type, IC et p à NaN, ``note``).
    Les modalités catégorielles sans observation sont retirées (avertissement) ;
    une valeur non finie (``inf``) dans un prédicteur est refusée
    (:class:`ErreurDonnees` nommant la colonne).

    Avec ``poids`` (poids de sondage) : estimateur de plan de sondage de R
    ``survey::svyglm(..., family = quasibinomial)`` (Lumley 2004) : GLM
    binomial pondéré (pseudo-vraisemblance), variance de linéarisation sur les
    ``grappes`` (facteur G/(G - 1)), p et IC de Student à G - p ddl ; la GEE
    n'est alors pas utilisée (une GEE pondérée n'est pas l'estimateur de
    sondage). Moins de :data:`MIN_GRAPPES_INFERENCE` grappes, ou G - p <= 0 :
    aucune inférence.

    Les termes touchés par une séparation complète ou quasi complète (par
    exemple une modalité où la réponse est constante) sont signalés
    (colonne ``separation`` et :class:`AvertissementSeparation`) et leurs
    rapports de cotes, IC et p sont mis à NaN plutôt qu'affichés absurdes.

    Parameters
    ----------
    donnees : pandas.DataFrame
    formule : str
        Formule de type R, p. ex. ``"deficit ~ logique + thematique"``. La
        réponse doit être une colonne booléenne ou 0/1 ; les prédicteurs
        booléens ou textuels sont codés en indicatrices (référence : la
        première modalité triée, ``False`` pour un booléen).
    grappes : str, optional
        Colonne identifiant les grappes (p. ex. ``"id_instance"``).
    poids : str, optional
        Colonne des poids de sondage (> 0) ; une ligne sans poids est écartée.
    niveau : float, default 0.95
        Niveau des intervalles de confiance.
    sandwich : {"mancl_derouen", "liang_zeger"}, default "mancl_derouen"
        Avec ``grappes`` et sans poids : sandwich corrigé et loi de Student à
        G - 1 ddl, ou l'ancien sandwich ordinaire et la loi normale.
    correlation : {"echangeable", "independance"}, default "echangeable"
        Corrélation de travail de la GEE.

    Returns
    -------
    pandas.DataFrame
        Colonnes :data:`COLONNES_MODELE` : ``terme, coefficient, erreur_type,
        statistique`` (t de Student avec grappes, sinon z de Wald), ``ddl``
        (NaN pour un z), ``p_valeur, rapport_cotes, ic_bas,
        ic_haut, effectif, manquants, nb_grappes`` (NaN sans grappes),
        ``separation, methode, note`` (pourquoi une valeur manque : séparation,
        trop peu de grappes ; vide sinon).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"issue": [0, 1, 0, 1, 1, 0, 1, 1],
    ...                   "expose": [False, False, False, True, True, True, True, False]})
    >>> r = regression_logistique(d, "issue ~ expose")
    >>> r["terme"].tolist(), r["rapport_cotes"].round(3).tolist()
    (['Intercept', 'expose[T.True]'], [1.0, 3.0])
    """
    _verifier_choix(sandwich, SANDWICHS_LOGISTIQUE, "sandwich")
    _verifier_choix(correlation, CORRELATIONS, "correlation")
    complet, manquants = _preparer_modele(donnees, formule, grappes, niveau, binaire=True, poids=poids)
    nb = None if grappes is None else int(complet[grappes].nunique())
    if poids is not None:
        modele, resultat, captures = ajuster_plan(formule, complet, grappes, poids)
        nb_plan = nb if nb is not None else len(complet)
        methode = _methode_plan("régression logistique (lien logit)", grappes, poids, nb_plan,
                                len(resultat.params))
    elif grappes is not None and sandwich == "mancl_derouen":
        modele, resultat, captures = _ajuster(formule, complet, grappes, cov_type="bias_reduced",
                                              correlation=correlation)
        # loi de référence : Student à G - 1 ddl (la p et l'IC inversent le même test)
        resultat = _ResultatPlan(resultat.params, np.asarray(resultat.cov_params(), dtype=float), nb - 1,
                                 resultat.nobs)
        methode = _methode_gee("binomiale (lien logit)", grappes, nb, student=True, correlation=correlation)
    else:
        petit = nb is not None and nb < MIN_GRAPPES_SANDWICH
        modele, resultat, captures = _ajuster(
            formule, complet, grappes, cov_type="bias_reduced" if petit else "robust", correlation=correlation)
        methode = ("régression logistique (GLM binomial, lien logit), maximum de vraisemblance ; IC de Wald"
                   if grappes is None else
                   _methode_gee("binomiale (lien logit)", grappes, nb, correlation=correlation))
    drapeaux = _termes_separes(modele, resultat)
    _avertir_separation(list(resultat.params.index), drapeaux, _messages_separation(captures))
    _relayer_autres(captures)
    if poids is not None:
        sans_inference = resultat.ddl <= 0 or (nb is not None and nb < MIN_GRAPPES_INFERENCE)
    else:
        sans_inference = nb is not None and nb < MIN_GRAPPES_INFERENCE
    return _tableau(
        resultat, drapeaux, niveau, effectif=int(resultat.nobs), manquants=int(manquants),
        nb_grappes=_nb_grappes(complet, grappes), methode=methode, sans_inference=sans_inference,
    )


def regression_lineaire(donnees, formule, *, grappes=None, poids=None, niveau=0.95, sandwich="cr2"):
    """Régression linéaire, une ligne par terme (p. ex. ``indice_conditions``).

    Moindres carrés ordinaires (mêmes estimations, erreurs types, t, p et
    IC de Student que ``lm`` de R). Avec ``grappes`` : mêmes estimations ;
    par défaut (``sandwich="cr2"``, la politique du projet), erreurs types CR2
    (Bell et McCaffrey 2002 : résidus de chaque grappe corrigés de leur levier)
    et t et IC de Student à ddl de Satterthwaite, un par coefficient, comme R
    ``clubSandwich::coef_test(vcov = "CR2", test = "Satterthwaite")`` ;
    ``sandwich="cr1"`` redonne l'ancien calcul (CR1, comme Stata
    ``vce(cluster)``, à G - 1 ddl), libéral quand le plus petit groupe
    d'exposition n'a qu'une dizaine de grappes. ``"y ~ 1"`` donne la moyenne et
    son IC (grappé si besoin).

    Avec ``poids`` : moindres carrés pondérés et variance de plan de sondage,
    comme R ``survey::svyglm(y ~ x, design)`` (gaussien) : erreurs types de
    linéarisation sur les grappes (facteur G/(G - 1)), t et IC de Student à
    G - p ddl ; ``"y ~ 1"`` donne alors la moyenne pondérée (``svymean``).

    Parameters
    ----------
    donnees : pandas.DataFrame
    formule : str
        Formule de type R ; la réponse est une colonne numérique.
    grappes : str, optional
        Colonne identifiant les grappes (p. ex. ``"id_instance"``).
    poids : str, optional
        Colonne des poids de sondage (> 0) ; une ligne sans poids est écartée.
    niveau : float, default 0.95
    sandwich : {"cr2", "cr1"}, default "cr2"
        Avec ``grappes`` et sans poids : CR2 et ddl de Satterthwaite, ou CR1 et G - 1 ddl.

    Returns
    -------
    pandas.DataFrame
        Colonnes :data:`COLONNES_LINEAIRE` (celles de
        :func:`regression_logistique` sans ``rapport_cotes`` ; l'IC porte sur
        le coefficient ; ``separation`` vaut toujours False).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "x": [0, 0, 1, 1]})
    >>> regression_lineaire(d, "y ~ x")["coefficient"].round(3).tolist()
    [1.5, 2.0]
    """
    _verifier_choix(sandwich, SANDWICHS_LINEAIRE, "sandwich")
    complet, manquants = _preparer_modele(donnees, formule, grappes, niveau, binaire=False, poids=poids)
    if poids is not None:
        _, resultat, captures = ajuster_plan(formule, complet, grappes, poids, lineaire=True)
        _relayer_autres(captures, deja_traites=())
        nb = int(complet[grappes].nunique()) if grappes is not None else len(complet)
        methode = _methode_plan("régression linéaire", grappes, poids, nb, len(resultat.params))
        sans_inference = resultat.ddl <= 0 or (grappes is not None and nb < MIN_GRAPPES_INFERENCE)
        return _tableau(
            resultat, np.zeros(len(resultat.params), dtype=bool), niveau, exponentielle=False,
            effectif=int(resultat.nobs), manquants=int(manquants),
            nb_grappes=_nb_grappes(complet, grappes), methode=methode, sans_inference=sans_inference,
        )
    cr2 = grappes is not None and sandwich == "cr2"
    modele, resultat, captures = _ajuster(formule, complet, grappes, lineaire=True,
                                          cov_type="nonrobust" if cr2 else "cluster")
    _relayer_autres(captures, deja_traites=())
    methode = "régression linéaire, moindres carrés ordinaires ; IC de Student"
    nb = None if grappes is None else int(complet[grappes].nunique())
    if cr2:
        covariance, ddl = _cr2_satterthwaite(modele.exog, resultat.resid, pd.factorize(complet[grappes])[0])
        resultat = _ResultatPlan(resultat.params, covariance, ddl, resultat.nobs)
        methode = ("régression linéaire, moindres carrés ordinaires ; erreurs types robustes aux grappes "
                   f"« {grappes} » corrigées du levier de chaque grappe (CR2, Bell et McCaffrey 2002) ; t et IC "
                   "de Student à ddl de Satterthwaite (comme R clubSandwich::coef_test)")
    elif grappes is not None:
        methode = ("régression linéaire, moindres carrés ordinaires ; erreurs types "
                   f"robustes aux grappes « {grappes} » (CR1) ; IC de Student à G - 1 ddl")
    drapeaux = np.zeros(len(resultat.params), dtype=bool)
    return _tableau(
        resultat, drapeaux, niveau, exponentielle=False, effectif=int(resultat.nobs),
        manquants=int(manquants), nb_grappes=_nb_grappes(complet, grappes), methode=methode,
        sans_inference=nb is not None and nb < MIN_GRAPPES_INFERENCE,
    )


def _modalites_constantes(complet, reponse, terme):
    """Modalités de ``terme`` où la réponse est constante (séparation : coefficient infini)."""
    if terme not in complet.columns:
        return []
    serie = complet[terme]
    if pd.api.types.is_numeric_dtype(serie) and not pd.api.types.is_bool_dtype(serie):
        return []  # prédicteur numérique : un seul coefficient, pas de modalités
    etendue = complet.groupby(complet[terme].astype(str), observed=True)[reponse].agg(np.ptp)
    return sorted(etendue.index[etendue == 0])


def _ligne_wald(**valeurs):
    base = {"test": "", "statistique": np.nan, "ddl": np.nan, "ddl_denominateur": np.nan,
            "p_valeur": np.nan, "effectif": 0, "manquants": 0, "nb_grappes": np.nan,
            "termes_exclus": "", "methode": "", "note": ""}
    base.update(valeurs)
    return pd.DataFrame([base], columns=COLONNES_WALD)


def wald_termes(donnees, formule, terme, *, grappes=None, poids=None):
    """Test de Wald conjoint de tous les coefficients d'un terme d'une régression logistique.

    Sert à dire si une variable catégorielle (p. ex. ``territoire``) est liée
    à une issue binaire mesurée sur des participants regroupés dans des
    instances, sans supposer les participants indépendants. Mêmes
    estimateurs que :func:`regression_logistique` :

    - sans ``poids``, avec ``grappes`` : GEE binomiale à corrélation
      échangeable ; W = b' V⁻¹ b comparé à une loi du khi-deux à k ddl
      (``test = "wald_gee"``, Liang et Zeger 1986) ;
    - avec ``poids`` : estimateur de plan de sondage (``svyglm``), W/k
      comparé à une loi F(k, G - p), comme R ``survey::regTermTest(...,
      method = "Wald")`` (``test = "wald_plan_f"`` ; la statistique est F) ;

    Dans les deux cas, V est le sandwich **corrigé de Mancl et DeRouen**
    (2001), quel que soit le nombre de grappes : chaque coefficient de
    territoire ne repose que sur les grappes de son territoire, et le
    sandwich ordinaire, biaisé vers le bas, rendait le test conjoint
    libéral (erreur de type I 0,060 à 0,064 au lieu de 0,05 avec 300
    instances dans six territoires ; 0,051 avec la correction :
    benchmarks/README.md, « Grappes au niveau des participants ») ;
    - sans grappes ni poids : GLM et khi-deux de Wald (``"wald_glm"``).

    Une modalité de ``terme`` où la réponse est constante (tous 0 ou tous 1)
    rendrait son coefficient infini (séparation) : elle est retirée du test
    et nommée (``termes_exclus``, ``note``). Moins de deux modalités
    restantes, moins de :data:`MIN_GRAPPES_INFERENCE` grappes ou G - p <= 0 :
    pas de p (NaN, ``note``), jamais d'erreur.

    Parameters
    ----------
    donnees : pandas.DataFrame
    formule : str
        Formule du modèle, p. ex. ``"deficit ~ C(territoire)"``.
    terme : str
        Variable dont on teste tous les coefficients (p. ex. ``"territoire"``).
    grappes, poids : str, optional
        Colonnes des grappes et des poids de sondage.

    Returns
    -------
    pandas.DataFrame
        Une ligne, colonnes :data:`COLONNES_WALD` : ``test, statistique``
        (khi-deux de Wald, ou F avec des poids), ``ddl`` (k),
        ``ddl_denominateur`` (G - p pour F, NaN sinon), ``p_valeur, effectif,
        manquants, nb_grappes, termes_exclus, methode, note``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"y": [0, 1, 1, 0, 1, 0, 0, 1] * 5, "t": list("aabbccdd") * 5})
    >>> float(wald_termes(d, "y ~ C(t)", "t")["p_valeur"].iloc[0]) == 1.0
    True
    """
    from scipy import stats

    complet, manquants = _preparer_modele(donnees, formule, grappes, 0.95, binaire=True, poids=poids)
    reponse = formule.split("~")[0].strip()
    exclus = _modalites_constantes(complet, reponse, terme)
    communs = {"manquants": int(manquants), "termes_exclus": ", ".join(exclus)}
    note = (f"modalité(s) de « {terme} » à réponse constante retirée(s) du test (séparation) : "
            f"{', '.join(exclus)}" if exclus else "")
    if exclus:
        complet = complet[~complet[terme].astype(str).isin(exclus)]
        if terme in complet and isinstance(complet[terme].dtype, pd.CategoricalDtype):
            complet[terme] = complet[terme].cat.remove_unused_categories()
    nb = int(complet[grappes].nunique()) if grappes is not None else np.nan
    if complet[terme].nunique() < 2 if terme in complet else True:
        raison = f"moins de deux modalités de « {terme} » à comparer"
        return _ligne_wald(effectif=len(complet), nb_grappes=nb, methode="aucun test",
                           note="; ".join(n for n in (note, raison) if n), **communs)
    if poids is not None:
        modele, resultat, captures = ajuster_plan(formule, complet, grappes, poids, biais_reduit=True)
        methode = _methode_plan("régression logistique", grappes, poids,
                                nb if grappes is not None else len(complet), len(resultat.params),
                                biais_reduit=True)
        test = "wald_plan_f"
    else:
        modele, resultat, captures = _ajuster(
            formule, complet, grappes, cov_type="bias_reduced" if grappes is not None else "robust")
        methode = ("régression logistique (GLM binomial), maximum de vraisemblance" if grappes is None
                   else _methode_gee("binomiale (lien logit)", grappes, nb, biais_reduit=True)
                   .replace(" ; IC de Wald", ""))
        test = "wald_gee" if grappes is not None else "wald_glm"
    _relayer_autres(captures)
    if grappes is not None:
        _avertir_peu_de_grappes(nb, grappes)
    noms = list(resultat.params.index)
    indices = [i for i, n in enumerate(noms) if n == terme or n.startswith((f"{terme}[", f"C({terme})["))]
    k = len(indices)
    if k == 0:
        raise ErreurDonnees(f"Le terme « {terme} » n'a aucun coefficient dans le modèle {formule!r} "
                            f"(coefficients : {', '.join(noms)}).")
    b = np.asarray(resultat.params, dtype=float)[indices]
    v = np.asarray(resultat.cov_params(), dtype=float)[np.ix_(indices, indices)]
    drapeaux = _termes_separes(modele, resultat)[indices]
    ddl_den = resultat.ddl if poids is not None else np.nan
    trop_peu = grappes is not None and nb < MIN_GRAPPES_INFERENCE
    if trop_peu or (poids is not None and ddl_den <= 0) or drapeaux.any() or not np.isfinite(v).all():
        raison = ("séparation : un coefficient n'est pas estimable" if drapeaux.any()
                  else "trop peu de grappes : aucune inférence")
        return _ligne_wald(test=test, ddl=k, effectif=int(resultat.nobs), nb_grappes=nb, methode=methode,
                           note="; ".join(n for n in (note, raison) if n), **communs)
    try:
        w = float(b @ np.linalg.solve(v, b))
    except np.linalg.LinAlgError:
        w = float(b @ np.linalg.pinv(v) @ b)
    if poids is not None:
        statistique, p = w / k, float(stats.f.sf(w / k, k, ddl_den))
        methode += f" ; test de Wald conjoint : F = W/{k} à ({k} ; {ddl_den}) ddl (survey::regTermTest)"
    else:
        statistique, p = w, float(stats.chi2.sf(w, k))
        methode += f" ; test de Wald conjoint des {k} coefficients de « {terme} » (khi-deux à {k} ddl)"
    return _ligne_wald(test=test, statistique=statistique, ddl=k, ddl_denominateur=ddl_den, p_valeur=p,
                       effectif=int(resultat.nobs), nb_grappes=nb, methode=methode, note=note, **communs)


def _nb_grappes(complet, grappes):
    """Nombre de grappes (NaN sans grappes) ; avertit s'il y en a peu."""
    if grappes is None:
        return np.nan
    nb = int(complet[grappes].nunique())
    _avertir_peu_de_grappes(nb, grappes)
    return nb


def _methode_gee(famille, grappes, nb_grappes, *, biais_reduit=False, student=False, correlation="echangeable"):
    """Phrase ``methode`` de la GEE, selon le nombre de grappes et le sandwich.

    ``student`` : sandwich de Mancl et DeRouen et loi de Student à G - 1 ddl (la politique des
    modèles à grappes) ; ``biais_reduit`` : Mancl et DeRouen toujours, loi normale (tests conjoints).
    """
    travail = "échangeable" if correlation == "echangeable" else "indépendante"
    debut = f"GEE {famille}, corrélation {travail} dans les grappes « {grappes} », "
    if nb_grappes < MIN_GRAPPES_INFERENCE:
        return (debut + f"{nb_grappes} grappe(s) seulement (< {MIN_GRAPPES_INFERENCE}) : "
                "aucune erreur type, aucun IC ni p rapportés, estimation ponctuelle seule")
    if student:
        return (debut + "sandwich corrigé de Mancl et DeRouen (2001) ; t et IC de Student à "
                f"G - 1 = {nb_grappes - 1} ddl")
    if nb_grappes < MIN_GRAPPES_SANDWICH:
        return (debut + f"erreurs types sandwich corrigées pour petit nombre de grappes "
                f"({nb_grappes} < {MIN_GRAPPES_SANDWICH} ; Mancl et DeRouen, 2001) ; IC de Wald")
    if biais_reduit:
        return debut + "sandwich corrigé de Mancl et DeRouen (2001) ; IC de Wald"
    return debut + "erreurs types robustes (sandwich) ; IC de Wald"


def _verifier_choix(valeur, permis, nom):
    if valeur not in permis:
        raise ErreurDonnees(f"{nom} = {valeur!r} inconnu : choisissez parmi {', '.join(permis)}.")


def _avertir_peu_de_grappes(nb_grappes, grappes):
    """Les erreurs types sandwich sont trop petites avec peu de grappes."""
    if nb_grappes < MIN_GRAPPES:
        warnings.warn(
            AvertissementEffectifs(
                f"Seulement {nb_grappes} grappes « {grappes} » (< {MIN_GRAPPES}) : les "
                "erreurs types robustes aux grappes sont alors trop petites et les p "
                "trop optimistes. Interprétez avec prudence ou agrégez au niveau "
                "des grappes."
            ),
            stacklevel=4,
        )
