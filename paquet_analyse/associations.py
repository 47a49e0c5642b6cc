"""Tableaux croisés et tests d'association (deux variables, ou stratifiés).

Toutes les fonctions publiques ont la forme ``f(donnees, ligne, colonne, *,
options)`` et renvoient un ``pandas.DataFrame`` aux colonnes fixes (voir
``COLONNES_TEST``) ou, pour une procédure à plusieurs sorties
(:func:`mantel_haenszel`), un petit objet figé avec ``.tableau()`` et une
représentation HTML. Les nombres restent des nombres : la mise en forme se
fait seulement à l'affichage.

Conventions (communes à :mod:`paquet_analyse.modeles`)
------------------------------------------------------
- Ordre des modalités : ordre des catégories pour une variable catégorielle
  pandas (catégories *observées* seulement), ordre croissant sinon ; pour un
  booléen, ``False`` puis ``True``.
- Rapport de cotes d'un tableau 2 × 2 ``[[a, b], [c, d]]`` : ``a·d / (b·c)``,
  c'est-à-dire les cotes de la 2e modalité de ``colonne`` (l'« issue ») chez
  la 2e modalité de ``ligne`` (l'« exposition ») rapportées à celles de la
  1re modalité. Pour deux booléens : cotes de ``colonne = True`` chez
  ``ligne = True`` contre ``ligne = False`` — le même sens que le
  coefficient ``ligne[T.True]`` de :func:`paquet_analyse.modeles.regression_logistique`
  avec ``colonne`` comme réponse.
- Valeurs manquantes : les lignes incomplètes sont écartées, comptées dans la
  colonne ``manquants`` et signalées par un :class:`AvertissementDonnees`.
- Indépendance des unités : ces tests supposent des observations
  indépendantes (instances). Pour des participants regroupés dans des
  instances, ils sont trop optimistes (voir ``benchmarks/README.md``) :
  utilisez ``regression_logistique(..., grappes="id_instance")``.

Colonnes des résultats (:data:`COLONNES_TEST`)
--------------------------------------------
``test`` (identifiant court), ``statistique`` (X² ou NaN pour un test
exact), ``ddl``, ``p_valeur``, ``effectif`` (observations analysées),
``manquants`` (lignes écartées), ``rapport_cotes``, ``estimateur`` (quel
rapport de cotes : « RC de l'échantillon », « RC conditionnel (EMV, Fisher) »,
« RC de Mantel-Haenszel » ; vide sans rapport), ``ic_bas``, ``ic_haut``
(2 × 2 seulement, avec la méthode de l'IC dans ``methode``), ``v_cramer``, ``attendu_min`` (plus petit effectif
attendu sous indépendance), ``erreur_mc`` (erreur type de Monte-Carlo de la
p, 0 si exacte), ``alternative``, ``methode`` (phrase en français : quel
calcul, et pourquoi il a été choisi).

Les calculs sont délégués à ``scipy.stats`` et ``statsmodels`` ; les seules
parties écrites ici (énumération exacte r × c, cas limite de Breslow-Day)
disent pourquoi en commentaire.
"""

from __future__ import annotations

import dataclasses
import html
import warnings

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import gammaln

from paquet_analyse import controles
from paquet_analyse.erreurs import (
    AvertissementDonnees,
    AvertissementEffectifs,
    ErreurDonnees,
    ErreurEffectifs,
)

__all__ = [
    "COLONNES_TEST",
    "GRAINE_DEFAUT",
    "ResultatMantelHaenszel",
    "ajuster_p",
    "association",
    "exact_fisher",
    "khi2_independance",
    "mantel_haenszel",
    "score_2x2",
    "residus_ajustes",
    "tableau_croise",
]

#: Colonnes (dans cet ordre) des tableaux de résultats des tests.
COLONNES_TEST = [
    "test",
    "statistique",
    "ddl",
    "p_valeur",
    "effectif",
    "manquants",
    "rapport_cotes",
    "estimateur",
    "ic_bas",
    "ic_haut",
    "v_cramer",
    "attendu_min",
    "erreur_mc",
    "alternative",
    "methode",
]

#: Graine utilisée quand ``graine=None`` : les résultats Monte-Carlo restent
#: reproductibles d'une exécution à l'autre (carnets vérifiés par nbval).
GRAINE_DEFAUT = 20100

#: Seuil de la règle des effectifs attendus (Cochran).
SEUIL_ATTENDU = 5.0

#: Travail maximal (paires chemin × arête) de l'énumération exacte r × c
#: avant de passer au Monte-Carlo.
LIMITE_EXACTE = 10_000_000

_ALTERNATIVES = ("two-sided", "less", "greater")

#: Noms des estimateurs du rapport de cotes (colonne ``estimateur``).
ESTIMATEUR_ECHANTILLON = "RC de l'échantillon (a·d / b·c)"
ESTIMATEUR_CONDITIONNEL = "RC conditionnel (EMV, Fisher)"
ESTIMATEUR_MH = "RC commun de Mantel-Haenszel"
ESTIMATEUR_SCORE = "RC de l'échantillon (a·d / b·c), IC du score de Miettinen-Nurminen"

#: Méthodes d'IC (et de p) du test exact 2 × 2, voir :func:`exact_fisher`.
METHODES_IC = ("fisher", "minlike", "blaker", "mi_p")

_METHODES_AJUSTEMENT = (
    "fdr_bh",
    "fdr_by",
    "holm",
    "bonferroni",
    "hommel",
    "holm-sidak",
    "sidak",
    "simes-hochberg",
)


# --------------------------------------------------------------------------
# Préparation des données
# --------------------------------------------------------------------------


#: Test exact 2 × 2 publié : p et IC du même test (Blaker, 2000), voir `exact_fisher` ; les hypothèses du plan
#: et la puissance simulée du test publié (`puissance_simulee`) s'en servent.
METHODE_IC_EXACTE = "blaker"


def _modalites(serie):
    """Modalités observées, dans l'ordre documenté (catégories, sinon tri)."""
    if isinstance(serie.dtype, pd.CategoricalDtype):
        presentes = set(serie.dropna().unique())
        return [c for c in serie.cat.categories if c in presentes]
    valeurs = list(pd.unique(serie.dropna()))
    try:
        return sorted(valeurs)
    except TypeError:
        return sorted(valeurs, key=str)


def _codes(serie, modalites):
    """Position de chaque valeur de ``serie`` dans ``modalites``."""
    return pd.Categorical(serie, categories=modalites).codes


def _table(donnees, ligne, colonne, poids=None):
    """Tableau de contingence (DataFrame) des données déjà complètes."""
    mod_l = _modalites(donnees[ligne])
    mod_c = _modalites(donnees[colonne])
    comptes = np.zeros((len(mod_l), len(mod_c)), dtype=np.int64 if poids is None else float)
    valeurs = 1 if poids is None else donnees[poids].to_numpy(dtype=float)
    np.add.at(
        comptes,
        (_codes(donnees[ligne], mod_l), _codes(donnees[colonne], mod_c)),
        valeurs,
    )
    return pd.DataFrame(
        comptes,
        index=pd.Index(mod_l, name=ligne),
        columns=pd.Index(mod_c, name=colonne),
    )


def _verifier_table(table, ligne, colonne):
    """Refuse un tableau inexploitable pour un test (ErreurEffectifs)."""
    if table.to_numpy().sum() == 0:
        raise ErreurEffectifs(
            f"Aucune observation complète pour « {ligne} » × « {colonne} » : "
            "vérifiez le filtre appliqué (territoire, sous-groupe) et les manquants."
        )
    for nom, axe, modalites in ((ligne, 1, table.index), (colonne, 0, table.columns)):
        if len(modalites) < 2:
            seule = ", ".join(f"« {m} »" for m in modalites)
            raise ErreurEffectifs(
                f"La variable « {nom} » n'a qu'une modalité observée ({seule}) : "
                "aucun test d'association n'est possible. Vérifiez le filtre ou "
                "choisissez une autre variable."
            )
        vides = [m for m, s in zip(modalites, table.to_numpy().sum(axis=axe)) if s == 0]
        if vides:
            raise ErreurEffectifs(
                f"Modalité(s) vide(s) de « {nom} » : {', '.join(map(str, vides))}. "
                "Retirez-les ou regroupez-les avant le test."
            )


def _preparer(donnees, ligne, colonne, poids=None):
    """Vérifie, retire les manquants et construit le tableau d'un test."""
    colonnes = [ligne, colonne] + ([poids] if poids is not None else [])
    controles.verifier_colonnes(donnees, colonnes)
    complet, manquants = controles.retirer_manquants(donnees, colonnes)
    if poids is not None:
        _verifier_poids(complet[poids], poids)
    table = _table(complet, ligne, colonne, poids)
    return table, manquants


def _verifier_poids(serie, nom):
    """Les poids doivent être numériques et positifs ou nuls."""
    if not pd.api.types.is_numeric_dtype(serie) or pd.api.types.is_bool_dtype(serie):
        raise ErreurDonnees(f"La colonne de poids « {nom} » doit être numérique.")
    if (serie < 0).any():
        raise ErreurDonnees(
            f"La colonne de poids « {nom} » contient des valeurs négatives "
            f"(minimum {serie.min()}) : corrigez-les avant l'analyse."
        )


def _ligne_resultat(**valeurs):
    """Un tableau de résultat d'une ligne, colonnes dans l'ordre fixe."""
    ligne = {c: np.nan for c in COLONNES_TEST}
    ligne["estimateur"] = ""
    ligne.update(valeurs)
    return pd.DataFrame([ligne], columns=COLONNES_TEST)


# --------------------------------------------------------------------------
# Tableau croisé et khi-deux
# --------------------------------------------------------------------------


def tableau_croise(donnees, ligne, colonne, *, poids=None):
    """Tableau de contingence de deux variables.

    Parameters
    ----------
    donnees : pandas.DataFrame
        Une ligne par unité (instance ou participant).
    ligne, colonne : str
        Variables croisées (booléennes, catégorielles ou codes).
    poids : str, optional
        Colonne de poids d'enquête ; les cellules sont alors des sommes de
        poids (usage descriptif seulement : les tests de ce module portent
        sur des effectifs non pondérés).

    Returns
    -------
    pandas.DataFrame
        Effectifs (entiers, ou réels si pondéré), lignes = modalités de
        ``ligne``, colonnes = modalités de ``colonne``, dans l'ordre
        documenté du module. ``attrs["effectif"]`` et ``attrs["manquants"]``
        donnent le nombre de lignes retenues et écartées.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"x": [True, False, True], "y": ["a", "b", "b"]})
    >>> tableau_croise(d, "x", "y")  # doctest: +NORMALIZE_WHITESPACE
    y      a  b
    x
    False  0  1
    True   1  1
    """
    table, manquants = _preparer(donnees, ligne, colonne, poids)
    table.attrs["effectif"] = int(len(donnees) - manquants)
    table.attrs["manquants"] = int(manquants)
    return table


def _rapport_cotes_woolf(obs, niveau=0.95):
    """Rapport de cotes empirique et IC de Woolf (logarithmique) d'un 2 × 2.

    Aucune correction de 0,5 n'est ajoutée : une case nulle donne un rapport
    nul ou infini et un IC non borné, affichés tels quels.
    """
    from statsmodels.stats.contingency_tables import Table2x2

    with np.errstate(divide="ignore", invalid="ignore"):
        t = Table2x2(np.asarray(obs, dtype=float), shift_zeros=False)
        rc = float(t.oddsratio)
        bas, haut = (float(v) for v in t.oddsratio_confint(alpha=1 - niveau))
    return rc, bas, haut


def _avertir_attendus(attendus, ligne, colonne):
    """AvertissementEffectifs si un effectif attendu est < 5."""
    petits = int((attendus < SEUIL_ATTENDU).sum())
    if petits:
        warnings.warn(
            AvertissementEffectifs(
                f"« {ligne} » × « {colonne} » : effectif attendu minimal "
                f"{attendus.min():.2f} < {SEUIL_ATTENDU:g} dans {petits} case(s) sur "
                f"{attendus.size} ; l'approximation du khi-deux est peu fiable. "
                "Utilisez exact_fisher(...) ou association(...), qui choisit le "
                "test exact."
            ),
            stacklevel=3,
        )


def khi2_independance(donnees, ligne, colonne, *, correction=True):
    """Test du khi-deux d'indépendance de Pearson.

    Enveloppe :func:`scipy.stats.chi2_contingency` (mêmes résultats que
    ``chisq.test`` de R). La correction de continuité de Yates n'est
    appliquée qu'aux tableaux 2 × 2, et seulement si ``correction=True``.
    Un :class:`AvertissementEffectifs` est émis si un effectif *attendu*
    est inférieur à 5.

    Parameters
    ----------
    donnees : pandas.DataFrame
    ligne, colonne : str
    correction : bool, default True
        Correction de Yates pour un tableau 2 × 2.

    Returns
    -------
    pandas.DataFrame
        Une ligne, colonnes :data:`COLONNES_TEST` : ``statistique`` (X²),
        ``ddl``, ``p_valeur``, ``effectif``, ``manquants``, ``v_cramer``
        (sans correction), ``attendu_min``, et pour un 2 × 2 le rapport de
        cotes empirique avec son IC de Woolf à 95 %.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"x": list("aabbab") * 10, "y": list("uvuvvv") * 10})
    >>> r = khi2_independance(d, "x", "y")
    >>> r[["statistique", "ddl", "p_valeur"]].round(4)
       statistique  ddl  p_valeur
    0          0.0    1       1.0
    """
    table, manquants = _preparer(donnees, ligne, colonne)
    _verifier_table(table, ligne, colonne)
    obs = table.to_numpy()
    res = stats.chi2_contingency(obs, correction=correction)
    _avertir_attendus(res.expected_freq, ligne, colonne)
    yates = bool(correction and res.dof == 1)
    rc = bas = haut = np.nan
    estimateur = ""
    if obs.shape == (2, 2):
        rc, bas, haut = _rapport_cotes_woolf(obs)
        estimateur = ESTIMATEUR_ECHANTILLON + ", IC de Woolf"
    return _ligne_resultat(
        test="khi2",
        statistique=float(res.statistic),
        ddl=int(res.dof),
        p_valeur=float(res.pvalue),
        effectif=int(obs.sum()),
        manquants=int(manquants),
        rapport_cotes=rc,
        estimateur=estimateur,
        ic_bas=bas,
        ic_haut=haut,
        v_cramer=float(stats.contingency.association(obs, method="cramer")),
        attendu_min=float(res.expected_freq.min()),
        alternative="two-sided",
        methode="khi-deux de Pearson" + (", correction de Yates" if yates else ""),
    )


def residus_ajustes(donnees, ligne, colonne):
    """Résidus standardisés (ajustés) du test d'indépendance.

    ``(O - E) / sqrt(E (1 - p_i.) (1 - p_.j))``, identiques à
    ``chisq.test(...)$stdres`` de R ; calculés par
    ``statsmodels.stats.contingency_tables.Table.standardized_resids``.
    Une valeur supérieure à 2 en valeur absolue signale une case qui
    s'écarte de l'indépendance.

    Returns
    -------
    pandas.DataFrame
        Même forme et mêmes étiquettes que :func:`tableau_croise`.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"x": list("aabb"), "y": list("uvuv")})
    >>> residus_ajustes(d, "x", "y")  # doctest: +NORMALIZE_WHITESPACE
    y    u    v
    x
    a  0.0  0.0
    b  0.0  0.0
    """
    from statsmodels.stats.contingency_tables import Table

    table, _ = _preparer(donnees, ligne, colonne)
    _verifier_table(table, ligne, colonne)
    res = Table(table.to_numpy(dtype=float), shift_zeros=False).standardized_resids
    return pd.DataFrame(res, index=table.index, columns=table.columns)


# --------------------------------------------------------------------------
# Test exact de Fisher
# --------------------------------------------------------------------------


def _compositions(capacites, total):
    """Toutes les répartitions de ``total`` sur des cases de ``capacites``.

    Renvoie un tableau (k, R) d'entiers, chaque ligne sommant à ``total`` et
    respectant ``0 <= n_i <= capacites[i]``.
    """
    capacites = np.asarray(capacites, dtype=np.int64)
    apres = np.concatenate([np.cumsum(capacites[::-1])[::-1][1:], [0]])
    parts = np.zeros((1, 0), dtype=np.int64)
    somme = np.zeros(1, dtype=np.int64)
    for i in range(len(capacites) - 1):
        s = somme[:, None] + np.arange(capacites[i] + 1)[None, :]
        ok = (s <= total) & (total - s <= apres[i])
        rang, x = np.nonzero(ok)
        parts = np.column_stack([parts[rang], x])
        somme = s[rang, x]
    return np.column_stack([parts, total - somme])


class _EnumerationExacte:
    """p exacte du test de Fisher r × c (réseau de Mehta et Patel, 1983).

    Écrit ici parce que scipy 1.17 n'offre pour r × c que le Monte-Carlo ou
    la permutation de toutes les observations (n! tableaux). Les colonnes
    sont traitées une à une ; un nœud est le vecteur (trié) des totaux de
    lignes restants ; chaque chemin porte le log-poids -Σ log n_ij! de sa
    partie déjà remplie. Des bornes sur le log-poids du reste du tableau
    permettent d'inclure ou d'exclure d'un coup toutes les complétions
    d'un chemin. Seuil d'égalité relatif 1e-7, comme ``fisher.test`` de R.
    """

    def __init__(self, table, limite=None):
        t = np.asarray(table, dtype=np.int64)
        if t.shape[0] > t.shape[1]:
            t = t.T
        self.lignes = np.sort(t.sum(axis=1))[::-1]
        self.cols = np.sort(t.sum(axis=0))
        n = int(t.sum())
        self.lf = gammaln(np.arange(n + 2) + 1.0)
        self.seuil = -self.lf[t].sum() + 1e-7
        self.log_k = self.lf[self.lignes].sum() + self.lf[self.cols].sum() - self.lf[n]
        self.limite = LIMITE_EXACTE if limite is None else limite
        self.travail = 0

    def _bornes(self, restes, k):
        """Log-poids total, borne haute et borne basse des complétions.

        ``restes`` : (E, R) totaux de lignes restants (triés décroissants),
        colonnes ``k..`` restantes. Bornes par relaxation (lignes libres ou
        colonnes libres) : la plus serrée des deux est retenue.
        """
        lf, cols = self.lf, self.cols[k:]
        total = restes.sum(axis=1)
        tot = lf[total] - lf[restes].sum(axis=1) - lf[cols].sum()
        if len(cols) == 0:
            zero = np.zeros(len(restes))
            return zero, zero, zero
        nb = np.maximum((restes > 0).sum(axis=1), 1)
        haut_c = np.zeros(len(restes))
        bas_c = np.zeros(len(restes))
        avant = np.cumsum(restes, axis=1) - restes
        for cj in cols:
            q, s = np.divmod(cj, nb)
            haut_c -= s * lf[q + 1] + (nb - s) * lf[q]
            bas_c -= lf[np.clip(cj - avant, 0, restes)].sum(axis=1)
        q, s = np.divmod(restes, len(cols))
        haut_l = -(s * lf[q + 1] + (len(cols) - s) * lf[q]).sum(axis=1)
        capa = np.sort(cols)[::-1]
        avant_c = np.cumsum(capa) - capa
        x = np.clip(restes[:, :, None] - avant_c[None, None, :], 0, capa[None, None, :])
        bas_l = -lf[x].sum(axis=(1, 2))
        return tot, np.minimum(haut_c, haut_l), np.maximum(bas_c, bas_l)

    def _aretes(self, noeud, k):
        """Enfants distincts (triés), log-poids et multiplicités des arêtes."""
        n = _compositions(noeud, int(self.cols[k]))
        self.travail += len(n)
        enfants = -np.sort(-(np.asarray(noeud) - n), axis=1)
        poids = -self.lf[n].sum(axis=1)
        cle = np.column_stack([enfants, np.round(poids * 1e9).astype(np.int64)])
        # lexsort : bien plus rapide que np.unique(axis=0) sur des lignes entières
        ordre = np.lexsort(cle.T[::-1])
        cle = cle[ordre]
        debut = np.r_[0, np.flatnonzero((np.diff(cle, axis=0) != 0).any(axis=1)) + 1]
        mult = np.diff(np.r_[debut, len(cle)]).astype(float)
        premier = ordre[debut]
        return enfants[premier], poids[premier], mult

    def _developper(self, noeud, passes, k, suivant):
        """Étend les chemins d'un nœud d'une colonne ; renvoie la masse incluse."""
        enfants, w, mult = self._aretes(noeud, k)
        bornes = self._bornes(enfants, k + 1)
        s_val, s_nb = passes
        self.travail += s_val.size * w.size
        if self.travail > self.limite:
            raise OverflowError
        bloc = max(1, 500_000 // w.size)  # mémoire bornée : blocs de chemins
        return sum(
            self._bloc(s_val[d:d + bloc], s_nb[d:d + bloc], w, mult, bornes, enfants, suivant)
            for d in range(0, s_val.size, bloc)
        )

    def _bloc(self, s_val, s_nb, w, mult, bornes, enfants, suivant):
        """Classe un bloc de chemins × arêtes : inclus, exclus ou à poursuivre."""
        tot, haut, bas = bornes
        s = s_val[:, None] + w[None, :]
        inclus = s + haut[None, :] <= self.seuil
        exclus = s + bas[None, :] > self.seuil
        masse = s_nb[:, None] * mult[None, :]
        p = float((masse * np.exp(self.log_k + s + tot[None, :]))[inclus].sum())
        j, i = np.nonzero((~inclus & ~exclus).T)  # triés par enfant j
        if j.size:
            s_att, m_att = s[i, j], masse[i, j]
            coupures = np.flatnonzero(np.diff(j)) + 1
            for debut, fin in zip(np.r_[0, coupures], np.r_[coupures, j.size]):
                suivant.setdefault(tuple(enfants[j[debut]].tolist()), []).append(
                    (s_att[debut:fin], m_att[debut:fin])
                )
        return p

    def p_valeur(self):
        """p exacte, ou ``None`` si la limite de travail est dépassée."""
        niveau = {tuple(int(v) for v in self.lignes): [(np.zeros(1), np.ones(1))]}
        p = 0.0
        try:
            for k in range(len(self.cols)):
                suivant = {}
                for noeud, morceaux in niveau.items():
                    p += self._developper(noeud, _regrouper(morceaux), k, suivant)
                niveau = suivant
        except OverflowError:
            return None
        return min(p, 1.0)


def _regrouper(morceaux):
    """Fusionne les chemins de même log-poids (arrondi à 1e-9)."""
    s = np.concatenate([m[0] for m in morceaux])
    nb = np.concatenate([m[1] for m in morceaux])
    _, premier, inverse = np.unique(np.round(s, 9), return_index=True, return_inverse=True)
    return s[premier], np.bincount(inverse.ravel(), weights=nb)


def _fisher_2x2(obs, alternative, niveau, methode_ic="fisher"):
    """p, rapport de cotes (EMV conditionnel) et IC exact d'un 2 × 2.

    ``methode_ic="fisher"`` : comme ``fisher.test`` de R (p bilatérale « de
    vraisemblance minimale », IC central). Les autres méthodes renvoient une
    p et un IC qui inversent *le même* test (:func:`_inverser_test_exact`).
    """
    from scipy.stats.contingency import odds_ratio

    rc = odds_ratio(obs, kind="conditional")
    if methode_ic == "fisher":
        p = float(stats.fisher_exact(obs, alternative=alternative).pvalue)
        ic = rc.confidence_interval(confidence_level=niveau, alternative=alternative)
        return p, float(rc.statistic), float(ic.low), float(ic.high)
    p, bas, haut = _inverser_test_exact(obs, methode_ic, niveau)
    return p, float(rc.statistic), bas, haut


#: Tolérance relative d'égalité des probabilités (``relErr`` de R).
_EGALITE_RELATIVE = 1 + 1e-7


class _LoiConditionnelle:
    """Loi hypergéométrique non centrale de n11 sachant les marges d'un 2 × 2.

    Même paramétrage que ``fisher.test`` et ``exact2x2`` (R) : support
    ``max(0, k - n) .. min(m, k)``, densité ∝ ``dhyper(x, m, n, k) · ψ^x``
    pour un rapport de cotes ψ.
    """

    def __init__(self, obs):
        obs = np.asarray(obs, dtype=np.int64)
        m, n, k = int(obs[0].sum()), int(obs[1].sum()), int(obs[:, 0].sum())
        self.support = np.arange(max(0, k - n), min(m, k) + 1)
        self.log_f0 = stats.hypergeom.logpmf(self.support, m + n, m, k)
        self.x = int(obs[0, 0])
        self.position = int(self.x - self.support[0])

    def densites(self, log_psi):
        """Matrice (len(log_psi), taille du support) des probabilités."""
        d = self.log_f0[None, :] + np.asarray(log_psi, dtype=float)[:, None] * self.support
        d = np.exp(d - d.max(axis=1, keepdims=True))
        return d / d.sum(axis=1, keepdims=True)

    def p_valeurs(self, log_psi, methode):
        """p bilatérale de H0 : RC = ψ, pour chaque ψ (vectorisé)."""
        f = self.densites(log_psi)
        i = self.position
        fx = f[:, i]
        cumul = np.cumsum(f, axis=1)                        # P(X <= y)
        survie = np.cumsum(f[:, ::-1], axis=1)[:, ::-1]     # P(X >= y)
        bas, haut = cumul[:, i], survie[:, i]
        if methode == "minlike":
            p = np.where(f <= fx[:, None] * _EGALITE_RELATIVE, f, 0.0).sum(axis=1)
        elif methode == "blaker":
            # Blaker (2000) : queue observée + la plus grande queue opposée
            # qui ne la dépasse pas (exact2x2:::exact2x2Pvals, tsmethod = "blaker").
            autre_haut = np.where(survie <= bas[:, None] * _EGALITE_RELATIVE, survie, 0.0).max(axis=1)
            autre_bas = np.where(cumul <= haut[:, None] * _EGALITE_RELATIVE, cumul, 0.0).max(axis=1)
            p = np.where(bas <= haut, bas + autre_haut, haut + autre_bas)
        else:  # mi_p : mi-p centrale (deux fois la plus petite mi-queue)
            p = 2 * np.minimum(bas - fx / 2, haut - fx / 2)
        return np.minimum(p, 1.0)


def _inverser_test_exact(obs, methode, niveau):
    """p au RC = 1 et IC = {ψ : p(ψ) > 1 - niveau} (enveloppe de l'ensemble).

    L'ensemble des ψ non rejetés peut ne pas être un intervalle (Fay 2009) ;
    comme ``exact2x2``, on rapporte sa plus petite et sa plus grande valeur.
    Recherche sur une grille de log ψ dans [-23, 23] (ψ de 1e-10 à 1e10,
    l'``orRange`` d'``exact2x2``), puis bissection de chaque borne
    jusqu'à 1e-10 près en log ψ. Borne basse 0 si n11 est au minimum du
    support, borne haute infinie s'il est au maximum.
    """
    loi = _LoiConditionnelle(obs)
    alpha = 1 - niveau
    p_nulle = float(loi.p_valeurs(np.zeros(1), methode)[0])
    grille = np.linspace(-23.0, 23.0, 4601)
    accepte = loi.p_valeurs(grille, methode) > alpha
    if not accepte.any():  # ne se produit pas pour 0 < alpha < 1, par prudence
        return p_nulle, np.nan, np.nan

    def borne(dedans, dehors):
        for _ in range(200):
            milieu = (dedans + dehors) / 2
            if abs(dedans - dehors) < 1e-10:
                break
            if loi.p_valeurs(np.array([milieu]), methode)[0] > alpha:
                dedans = milieu
            else:
                dehors = milieu
        return float(np.exp((dedans + dehors) / 2))

    premier, dernier = np.flatnonzero(accepte)[[0, -1]]
    if loi.position == 0 or premier == 0:
        bas = 0.0
    else:
        bas = borne(grille[premier], grille[premier - 1])
    if loi.x == loi.support[-1] or dernier == len(grille) - 1:
        haut = np.inf
    else:
        haut = borne(grille[dernier], grille[dernier + 1])
    return p_nulle, bas, haut


def _fisher_rxc(obs, graine, simulations):
    """p exacte si faisable, sinon Monte-Carlo reproductible (p, erreur, méthode)."""
    p = _EnumerationExacte(obs).p_valeur()
    if p is not None:
        return p, 0.0, "exact de Fisher (énumération complète des tableaux)"
    graine = GRAINE_DEFAUT if graine is None else graine
    methode = stats.MonteCarloMethod(
        n_resamples=simulations, rng=np.random.default_rng(graine)
    )
    p = float(stats.fisher_exact(obs, method=methode).pvalue)
    erreur = float(np.sqrt(p * (1 - p) / simulations))
    return p, erreur, (
        f"exact de Fisher par Monte-Carlo ({simulations} tableaux, graine {graine}) : "
        "tableau trop grand pour l'énumération complète"
    )


_METHODES_EXACTES = {
    "fisher": "exact de Fisher (loi hypergéométrique)",
    "minlike": ("exact de Fisher (loi hypergéométrique) ; IC exact qui inverse le même "
                "test (vraisemblance minimale, Fay 2009)"),
    "blaker": "exact de Blaker (loi hypergéométrique) ; p et IC exacts de Blaker (2000)",
    "mi_p": "mi-p exacte centrale (loi hypergéométrique) ; IC mi-p qui l'inverse",
}


def exact_fisher(
    donnees, ligne, colonne, *, alternative="two-sided", graine=None,
    simulations=100_000, niveau=0.95, methode_ic="fisher",
):
    """Test exact de Fisher (tableau 2 × 2 ou r × c).

    2 × 2 : p (bilatérale ou unilatérale), rapport de cotes estimé par
    maximum de vraisemblance conditionnel et son IC exact, comme
    ``fisher.test`` de R (via ``scipy.stats.fisher_exact`` et
    ``scipy.stats.contingency.odds_ratio``). r × c : p exacte par
    énumération complète lorsque c'est faisable, sinon p de Monte-Carlo
    reproductible (``graine``) avec son erreur type (``erreur_mc``).

    Avec ``methode_ic="fisher"`` (défaut, comme ``fisher.test``), la p
    bilatérale est celle du test « de vraisemblance minimale » mais l'IC est
    central : il inverse un *autre* test (deux fois la plus petite p
    unilatérale), si bien qu'une p < 0,05 peut aller avec un IC qui contient
    1. Les autres méthodes donnent une p et un IC qui inversent le même test
    (Fay 2009), comme ``exact2x2::exact2x2`` (R) :

    - ``"minlike"`` : même p que ``fisher.test``, IC qui l'inverse
      (``exact2x2(x, tsmethod = "minlike")``) ;
    - ``"blaker"`` : test exact de Blaker (2000), p et IC
      (``exact2x2(x, tsmethod = "blaker")``), toujours au moins aussi
      puissant que le test central ;
    - ``"mi_p"`` : mi-p centrale et son IC (``exact2x2(x, tsmethod =
      "central", midp = TRUE)``), moins conservatrice mais plus exacte au
      sens strict : son erreur de type I peut dépasser légèrement le seuil.

    Parameters
    ----------
    donnees : pandas.DataFrame
    ligne, colonne : str
        Pour un 2 × 2, ``ligne`` joue le rôle de l'exposition et ``colonne``
        celui de l'issue (voir l'en-tête du module pour le sens du rapport).
    alternative : {"two-sided", "less", "greater"}
        Hypothèse alternative (2 × 2 seulement) ; "greater" : rapport > 1.
    graine : int ou numpy.random.Generator, optional
        Graine du Monte-Carlo ; ``None`` utilise :data:`GRAINE_DEFAUT`.
    simulations : int, default 100000
        Nombre de tableaux simulés si le Monte-Carlo est nécessaire.
    niveau : float, default 0.95
        Niveau de l'intervalle de confiance du rapport de cotes.
    methode_ic : {"fisher", "minlike", "blaker", "mi_p"}, default "fisher"
        Test (et IC qui l'inverse) d'un 2 × 2 ; les trois dernières
        méthodes exigent ``alternative="two-sided"``.

    Returns
    -------
    pandas.DataFrame
        Une ligne, colonnes :data:`COLONNES_TEST` ; ``statistique`` et
        ``ddl`` sont vides (NaN) : un test exact n'a pas de statistique de
        référence.

    Examples
    --------
    >>> import pandas as pd
    >>> the = pd.DataFrame({"verite": ["lait"] * 4 + ["the"] * 4,
    ...                     "devine": ["lait"] * 3 + ["the"] + ["lait"] + ["the"] * 3})
    >>> r = exact_fisher(the, "verite", "devine", alternative="greater")
    >>> round(float(r.loc[0, "p_valeur"]), 4)
    0.2429
    >>> tab = pd.DataFrame({"groupe": ["A"] * 18 + ["B"] * 17,  # vignette d'exact2x2
    ...                     "sans_evenement": [0] * 6 + [1] * 12 + [0] * 12 + [1] * 5})
    >>> r = exact_fisher(tab, "groupe", "sans_evenement", methode_ic="blaker")
    >>> r[["p_valeur", "ic_bas", "ic_haut"]].round(4).values.tolist()
    [[0.0437, 0.0423, 0.917]]
    """
    if alternative not in _ALTERNATIVES:
        raise ErreurDonnees(
            f"alternative = {alternative!r} inconnue : choisissez parmi {_ALTERNATIVES}."
        )
    if methode_ic not in METHODES_IC:
        raise ErreurDonnees(
            f"methode_ic = {methode_ic!r} inconnue : choisissez parmi {METHODES_IC}."
        )
    if methode_ic != "fisher" and alternative != "two-sided":
        raise ErreurDonnees(
            f"methode_ic = {methode_ic!r} est un test bilatéral : pour une alternative "
            f"unilatérale ({alternative!r}), gardez methode_ic='fisher' (les tests "
            "unilatéraux et leurs IC coïncident alors)."
        )
    table, manquants = _preparer(donnees, ligne, colonne)
    _verifier_table(table, ligne, colonne)
    obs = table.to_numpy()
    attendus = stats.contingency.expected_freq(obs)
    commun = dict(
        test="fisher_exact", effectif=int(obs.sum()), manquants=int(manquants),
        attendu_min=float(attendus.min()), alternative=alternative,
    )
    if obs.shape == (2, 2):
        p, rc, bas, haut = _fisher_2x2(obs, alternative, niveau, methode_ic)
        return _ligne_resultat(
            p_valeur=p, rapport_cotes=rc, ic_bas=bas, ic_haut=haut, erreur_mc=0.0,
            estimateur=ESTIMATEUR_CONDITIONNEL, methode=_METHODES_EXACTES[methode_ic],
            **commun,
        )
    if alternative != "two-sided":
        raise ErreurDonnees(
            f"Une alternative unilatérale ({alternative!r}) n'a de sens que pour un "
            f"tableau 2 × 2 ; ici {obs.shape[0]} × {obs.shape[1]}."
        )
    p, erreur, methode = _fisher_rxc(obs, graine, simulations)
    return _ligne_resultat(p_valeur=p, erreur_mc=erreur, methode=methode, **commun)


def association(
    donnees, ligne, colonne, *, correction=True, alternative="two-sided",
    graine=None, methode_ic="fisher",
):
    """Test d'association choisi par la règle des effectifs attendus.

    Si au moins un effectif attendu est inférieur à 5, le test exact de
    Fisher (:func:`exact_fisher`) est utilisé ; sinon le khi-deux de Pearson
    (:func:`khi2_independance`). La colonne ``methode`` dit lequel et
    pourquoi ; ``attendu_min`` donne le critère.

    Parameters
    ----------
    donnees : pandas.DataFrame
    ligne, colonne : str
    correction : bool, default True
        Correction de Yates si le khi-deux est retenu pour un 2 × 2.
    alternative : {"two-sided", "less", "greater"}
        Si le test exact est retenu pour un 2 × 2.
    graine : int, optional
        Graine du Monte-Carlo éventuel (voir :func:`exact_fisher`).
    methode_ic : str, default "fisher"
        Test exact 2 × 2 et IC qui l'inverse, si le test exact est retenu
        (voir :func:`exact_fisher`). Avec une méthode autre que ``"fisher"``
        (p et IC accordés), un 2 × 2 aux effectifs attendus tous >= 5 reçoit
        aussi un test et un IC accordés : le score de Miettinen-Nurminen
        (:func:`score_2x2`) au lieu du khi-deux de Yates et de l'IC de Woolf ;
        s'il a une case nulle (IC du score non borné), le test exact.

    Returns
    -------
    pandas.DataFrame
        Une ligne, colonnes :data:`COLONNES_TEST`.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"x": [True] * 6 + [False] * 6,
    ...                   "y": [True] * 5 + [False] * 5 + [True, True]})
    >>> association(d, "x", "y")["test"].item()
    'fisher_exact'
    """
    table, _ = _preparer(donnees, ligne, colonne)
    _verifier_table(table, ligne, colonne)
    attendus = stats.contingency.expected_freq(table.to_numpy())
    exact = attendus.min() < SEUIL_ATTENDU
    if not exact and alternative != "two-sided":
        raise ErreurDonnees(
            "Le khi-deux est bilatéral : alternative unilatérale impossible "
            "(effectifs attendus tous >= 5). Utilisez exact_fisher(...)."
        )
    accorde = methode_ic != "fisher" and table.shape == (2, 2)
    case_nulle = bool((table.to_numpy() == 0).any())
    with warnings.catch_warnings():
        # les manquants viennent d'être signalés une fois ci-dessus
        warnings.simplefilter("ignore", AvertissementDonnees)
        if exact or (accorde and case_nulle):
            res = exact_fisher(donnees, ligne, colonne, alternative=alternative,
                               graine=graine, methode_ic=methode_ic)
        elif accorde:
            res = score_2x2(donnees, ligne, colonne)
        else:
            res = khi2_independance(donnees, ligne, colonne, correction=correction)
    if exact:
        regle = f"effectif attendu minimal {attendus.min():.2f} < {SEUIL_ATTENDU:g}"
    elif accorde and case_nulle:
        regle = "une case nulle : l'IC du score ne serait pas borné"
    else:
        regle = f"effectifs attendus tous >= {SEUIL_ATTENDU:g}"
    res["methode"] = res["methode"] + f" ; choisi car {regle}"
    return res


def score_2x2(donnees, ligne, colonne, *, niveau=0.95):
    """Test du score de Miettinen-Nurminen et l'IC du rapport de cotes qui l'inverse (2 × 2).

    Le test et l'intervalle viennent de la même statistique : l'IC exclut 1
    exactement quand p < 1 - ``niveau``. Enveloppe
    ``statsmodels.stats.proportion.test_proportions_2indep`` et
    ``confint_proportions_2indep`` (``compare="odds-ratio"``,
    ``method="score"``, ``correction=True``). Sous l'hypothèse nulle
    (rapport 1), la statistique est le khi-deux de Pearson multiplié par
    (N - 1) / N : le « khi-deux N - 1 » d'E. Pearson (1947), recommandé par
    Campbell (2007) pour les 2 × 2 dont tous les effectifs attendus sont
    d'au moins 1. Le khi-deux de Yates n'a pas d'intervalle qui l'inverse :
    c'est pourquoi les hypothèses du plan utilisent ce test-ci.

    Une case nulle rend l'IC du score non borné d'un côté ; statsmodels ne
    le calcule pas : :class:`ErreurEffectifs` (utilisez alors le test exact
    de Blaker, :func:`exact_fisher` avec ``methode_ic="blaker"``).

    Returns
    -------
    pandas.DataFrame
        Une ligne, colonnes :data:`COLONNES_TEST` ; ``statistique`` est le
        khi-deux (1 ddl).

    Examples
    --------
    Lampasona et al. (2013), exemple du chapitre 4 de Fagerland, Lydersen et
    Laake (2017), « Statistical Analysis of Contingency Tables » :

    >>> import pandas as pd
    >>> cases = {(True, True): 9, (True, False): 4, (False, True): 4, (False, False): 10}
    >>> d = pd.DataFrame([{"gada": g, "ipex": i} for (g, i), n in cases.items() for _ in range(n)])
    >>> r = score_2x2(d, "gada", "ipex")
    >>> r[["rapport_cotes", "ic_bas", "ic_haut"]].round(4).values.tolist()
    [[5.625, 1.0934, 28.9419]]
    """
    from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep

    table, manquants = _preparer(donnees, ligne, colonne)
    _verifier_table(table, ligne, colonne)
    obs = table.to_numpy()
    if obs.shape != (2, 2):
        raise ErreurDonnees(f"score_2x2 : tableau 2 × 2 attendu, {obs.shape[0]} × {obs.shape[1]} reçu.")
    if (obs == 0).any():
        raise ErreurEffectifs(
            f"« {ligne} » × « {colonne} » : une case nulle ; l'IC du score n'est pas borné. "
            "Utilisez le test exact de Blaker (exact_fisher(..., methode_ic='blaker'))."
        )
    (a, b), (c, d) = obs
    x1, n1, x2, n2 = int(d), int(c + d), int(b), int(a + b)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        # la recherche des bornes par statsmodels essaie des rapports où une division donne NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        test = test_proportions_2indep(x1, n1, x2, n2, compare="odds-ratio", method="score",
                                       correction=True, return_results=True)
        bas, haut = confint_proportions_2indep(x1, n1, x2, n2, compare="odds-ratio", method="score",
                                               correction=True, alpha=1 - niveau)
    attendus = stats.contingency.expected_freq(obs)
    rc, _, _ = _rapport_cotes_woolf(obs, niveau)
    return _ligne_resultat(
        test="score_miettinen_nurminen", statistique=float(test.statistic) ** 2, ddl=1,
        p_valeur=float(test.pvalue), effectif=int(obs.sum()), manquants=int(manquants),
        rapport_cotes=rc, estimateur=ESTIMATEUR_SCORE, ic_bas=float(bas), ic_haut=float(haut),
        v_cramer=float(stats.contingency.association(obs, method="cramer")),
        attendu_min=float(attendus.min()), alternative="two-sided",
        methode=("score de Miettinen-Nurminen (khi-deux N - 1) ; IC du score qui inverse le même test "
                 "(Miettinen et Nurminen, 1985)"),
    )


# --------------------------------------------------------------------------
# Mantel-Haenszel (tableaux 2 × 2 stratifiés)
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class ResultatMantelHaenszel:
    """Résultat de :func:`mantel_haenszel` (champs en lecture seule).

    Attributes
    ----------
    statistique, p_valeur : float
        Statistique CMH (1 ddl) et p retenues selon ``correction``.
    cmh_corrige, p_cmh_corrige, cmh_non_corrige, p_cmh_non_corrige : float
        Les deux versions, avec et sans correction de continuité.
    rapport_cotes, ic_bas, ic_haut : float
        Rapport de cotes commun de Mantel-Haenszel et son IC (variance de
        Robins, Breslow et Greenland, 1986), comme ``mantelhaen.test`` de R.
    wald, p_wald : float
        Test de Wald du log du rapport commun avec la variance de Robins,
        Breslow et Greenland : le test que l'IC ci-dessus inverse (l'IC
        exclut 1 exactement quand ``p_wald`` < 1 - ``niveau``) ; khi-deux à
        1 ddl.
    breslow_day, p_breslow_day, tarone, p_tarone, ddl_breslow_day : float
        Test d'homogénéité des rapports de cotes de Breslow-Day, sans et
        avec la correction de Tarone (1985).
    strates : pandas.DataFrame
        Une ligne par strate : effectifs ``n11, n12, n21, n22``, ``effectif``,
        rapport de cotes empirique et IC de Woolf, ``informative`` (les
        quatre marges non nulles : strate utilisée par Breslow-Day).
    """

    ligne: str
    colonne: str
    strate: str
    modalites_ligne: tuple
    modalites_colonne: tuple
    correction: bool
    cmh_corrige: float
    p_cmh_corrige: float
    cmh_non_corrige: float
    p_cmh_non_corrige: float
    rapport_cotes: float
    ic_bas: float
    ic_haut: float
    wald: float
    p_wald: float
    breslow_day: float
    p_breslow_day: float
    tarone: float
    p_tarone: float
    ddl_breslow_day: int
    effectif: int
    manquants: int
    nb_strates: int
    niveau: float
    strates: pd.DataFrame

    @property
    def statistique(self):
        """Statistique CMH retenue (corrigée si ``correction``)."""
        return self.cmh_corrige if self.correction else self.cmh_non_corrige

    @property
    def p_valeur(self):
        """p du test CMH retenu."""
        return self.p_cmh_corrige if self.correction else self.p_cmh_non_corrige

    def tableau(self):
        """Tests sous forme de DataFrame (colonnes :data:`COLONNES_TEST`)."""
        commun = dict(effectif=self.effectif, manquants=self.manquants,
                      alternative="two-sided")
        cmh = [
            ("cmh_corrige", self.cmh_corrige, self.p_cmh_corrige,
             "Cochran-Mantel-Haenszel, correction de continuité"),
            ("cmh_non_corrige", self.cmh_non_corrige, self.p_cmh_non_corrige,
             "Cochran-Mantel-Haenszel, sans correction"),
        ]
        if not self.correction:
            cmh.reverse()
        cmh.append(("wald_mh", self.wald, self.p_wald,
                    "Wald du log du RC de Mantel-Haenszel (variance de Robins-Breslow-Greenland), "
                    "le test qu'inverse l'IC"))
        lignes = [
            dict(test=t, statistique=s, ddl=1, p_valeur=p, rapport_cotes=self.rapport_cotes,
                 estimateur=ESTIMATEUR_MH + ", IC de Robins-Breslow-Greenland",
                 ic_bas=self.ic_bas, ic_haut=self.ic_haut, methode=m, **commun)
            for t, s, p, m in cmh
        ]
        for t, s, p, m in (
            ("breslow_day", self.breslow_day, self.p_breslow_day,
             "Breslow-Day, homogénéité des rapports de cotes"),
            ("breslow_day_tarone", self.tarone, self.p_tarone,
             "Breslow-Day avec correction de Tarone"),
        ):
            lignes.append(dict(test=t, statistique=s, ddl=self.ddl_breslow_day,
                               p_valeur=p, methode=m, **commun))
        return pd.concat([_ligne_resultat(**x) for x in lignes], ignore_index=True)

    def _repr_html_(self):
        titre = html.escape(
            f"Mantel-Haenszel : « {self.ligne} » × « {self.colonne} », "
            f"strates « {self.strate} » ({self.nb_strates}) ; rapport de cotes = "
            f"cotes de {self.colonne} = {self.modalites_colonne[1]} chez "
            f"{self.ligne} = {self.modalites_ligne[1]} vs {self.modalites_ligne[0]}"
        )
        tests = self.tableau().to_html(index=False, float_format=lambda v: f"{v:.4g}")
        strates = self.strates.to_html(index=False, float_format=lambda v: f"{v:.4g}")
        return f"<p><strong>{titre}</strong></p>{tests}<p>Strates</p>{strates}"

    def __repr__(self):
        return (
            f"ResultatMantelHaenszel(statistique={self.statistique:.4f}, "
            f"p_valeur={self.p_valeur:.4g}, rapport_cotes={self.rapport_cotes:.4f}, "
            f"ic=({self.ic_bas:.4f}, {self.ic_haut:.4f}), "
            f"breslow_day={self.breslow_day:.4f}, p_breslow_day={self.p_breslow_day:.4g})"
        )


def _tables_strates(complet, ligne, colonne, strate):
    """Cube 2 × 2 × K des effectifs, modalités et noms de strates."""
    mod_l = _modalites(complet[ligne])
    mod_c = _modalites(complet[colonne])
    mod_s = _modalites(complet[strate])
    for nom, mod in ((ligne, mod_l), (colonne, mod_c)):
        if len(mod) != 2:
            raise ErreurEffectifs(
                f"Mantel-Haenszel exige deux variables binaires ; « {nom} » a "
                f"{len(mod)} modalité(s) observée(s) ({', '.join(map(str, mod))}). "
                "Regroupez les modalités ou utilisez regression_logistique(...)."
            )
    if len(mod_s) < 2:
        raise ErreurEffectifs(
            f"Mantel-Haenszel exige au moins deux strates ; « {strate} » n'en a "
            f"que {len(mod_s)} ({', '.join(map(str, mod_s))}). Utilisez "
            "exact_fisher(...) ou khi2_independance(...) sans stratification."
        )
    cube = np.zeros((2, 2, len(mod_s)))
    np.add.at(
        cube,
        (_codes(complet[ligne], mod_l), _codes(complet[colonne], mod_c),
         _codes(complet[strate], mod_s)),
        1.0,
    )
    return cube, mod_l, mod_c, mod_s


def breslow_day(cube, mod_s):
    """Breslow-Day et Tarone sur les strates informatives (marges non nulles)."""
    from statsmodels.stats.contingency_tables import StratifiedTable

    marges = np.concatenate([cube.sum(axis=0), cube.sum(axis=1)])
    informative = (marges > 0).all(axis=0)
    if (~informative).any():
        warnings.warn(
            AvertissementEffectifs(
                f"{int((~informative).sum())} strate(s) sans information (une marge "
                f"nulle : {', '.join(str(s) for s, i in zip(mod_s, informative) if not i)}) : "
                "exclue(s) du test de Breslow-Day."
            ),
            stacklevel=4,
        )
    k = int(informative.sum())
    if k < 2:
        return np.nan, np.nan, np.nan, np.nan, max(k - 1, 0), informative
    st = StratifiedTable(cube[:, :, informative])
    with np.errstate(divide="ignore", invalid="ignore"):
        if np.isclose(st.oddsratio_pooled, 1.0, rtol=0, atol=1e-12):
            bd, ta = _breslow_day_rc_un(st)
        else:
            bd = float(st.test_equal_odds(adjust=False).statistic)
            ta = float(st.test_equal_odds(adjust=True).statistic)
    return bd, stats.chi2.sf(bd, k - 1), ta, stats.chi2.sf(ta, k - 1), k - 1, informative


def _breslow_day_rc_un(st):
    """Breslow-Day quand le rapport commun vaut exactement 1.

    statsmodels résout l'équation du second degré en divisant par
    ``1 - rapport`` : pour un rapport de 1 l'équation devient linéaire et
    l'espérance de n11 est l'effectif attendu sous indépendance.
    """
    t = st.table
    a, lig1, col1, n = t[0, 0], t[0].sum(axis=0), t[:, 0].sum(axis=0), t.sum(axis=(0, 1))
    e = lig1 * col1 / n
    v = 1 / (1 / e + 1 / (col1 - e) + 1 / (lig1 - e) + 1 / (n - lig1 - col1 + e))
    bd = float(np.sum((a - e) ** 2 / v))
    return bd, bd - float((a.sum() - e.sum()) ** 2 / v.sum())


def _tableau_strates(cube, mod_s, informative, niveau):
    """Une ligne par strate : effectifs, rapport de cotes et IC de Woolf."""
    lignes = []
    for k, nom in enumerate(mod_s):
        t = cube[:, :, k]
        rc, bas, haut = _rapport_cotes_woolf(t, niveau)
        lignes.append(dict(
            strate=nom, n11=int(t[0, 0]), n12=int(t[0, 1]), n21=int(t[1, 0]),
            n22=int(t[1, 1]), effectif=int(t.sum()), rapport_cotes=rc,
            estimateur=ESTIMATEUR_ECHANTILLON + ", IC de Woolf",
            ic_bas=bas, ic_haut=haut, informative=bool(informative[k]),
        ))
    return pd.DataFrame(lignes)


def statistiques_cmh(cube):
    """Statistiques CMH (corrigée, non corrigée), exactement comme R.

    Écrit ici parce que ``StratifiedTable.test_null_odds(correction=True)``
    (statsmodels 0.15) retranche toujours 0,5 de ``|Σ (O - E)|``, même quand
    cet écart est inférieur à 0,5 : la statistique « corrigée » devient alors
    *plus grande* que la non corrigée. ``mantelhaen.test`` de R
    (src/library/stats/R/mantelhaen.test.R) ne corrige que si l'écart
    atteint 0,5 ::

        DELTA <- sum(x[1, 1, ] - s.x[1, ] * s.y[1, ] / n)
        YATES <- if(correct && (abs(DELTA) >= .5)) .5 else 0
        STATISTIC <- ((abs(DELTA) - YATES)^2 /
                      sum(apply(rbind(s.x, s.y), 2L, prod) / (n^2 * (n - 1))))

    La p corrigée n'est donc jamais plus petite que la p non corrigée.
    """
    lig, col = cube.sum(axis=1), cube.sum(axis=0)
    n = cube.sum(axis=(0, 1))
    delta = float(np.sum(cube[0, 0] - lig[0] * col[0] / n))
    variance = float(np.sum(lig[0] * lig[1] * col[0] * col[1] / (n ** 2 * (n - 1))))
    yates = 0.5 if abs(delta) >= 0.5 else 0.0
    return (abs(delta) - yates) ** 2 / variance, delta ** 2 / variance


def wald_mantel_haenszel(cube):
    """Le test publié entre territoires : (khi-deux de Wald, p) du log du RC commun de Mantel-Haenszel.

    Variance de Robins, Breslow et Greenland ; strates d'effectif >= 2 seulement (comme le CMH de
    :func:`mantel_haenszel`, qui appelle cette fonction). ``cube`` : 2 × 2 × K, lignes exposition
    (faux, vrai), colonnes issue (faux, vrai). (NaN, NaN) si aucune strate ne compte. Sert aussi
    à simuler la puissance de ce test (:mod:`paquet_analyse.puissance`) sans passer par un DataFrame.
    """
    from statsmodels.stats.contingency_tables import StratifiedTable

    utiles = cube.sum(axis=(0, 1)) >= 2
    if not utiles.any():
        return np.nan, np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        st = StratifiedTable(cube[:, :, utiles])
        wald = float((st.logodds_pooled / st.logodds_pooled_se) ** 2)
    return wald, float(stats.chi2.sf(wald, 1))


def p_valeurs_association(n_non_exposes, n_exposes):
    """La p du test publié pour chaque tableau 2 × 2 aux effectifs d'exposition donnés.

    Le test est celui de ``association(..., methode_ic=METHODE_IC_EXACTE)`` (les hypothèses d'un
    territoire) : score de Miettinen-Nurminen (khi-deux de Pearson × (N - 1)/N, :func:`score_2x2`)
    quand tous les effectifs attendus sont d'au moins :data:`SEUIL_ATTENDU` et aucune case n'est nulle,
    exact de Blaker sinon (même loi conditionnelle, même code que :func:`exact_fisher`). Sert à la
    puissance exacte de ce test (:func:`paquet_analyse.puissance.puissance_association`) : des milliers
    de tableaux, sans DataFrame.

    Returns
    -------
    numpy.ndarray
        ``P[c, a]`` : p du tableau qui a ``c`` issues parmi les non-exposés et ``a`` parmi les exposés ;
        NaN quand l'issue est absente ou universelle (aucun test possible).
    """
    n0, n1 = int(n_non_exposes), int(n_exposes)
    n = n0 + n1
    c = np.arange(n0 + 1)[:, None] * np.ones((1, n1 + 1), dtype=int)
    a = np.ones((n0 + 1, 1), dtype=int) * np.arange(n1 + 1)[None, :]
    k1 = c + a
    k0 = n - k1
    valide = (k1 > 0) & (k0 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        x2 = n * ((n0 - c) * a - c * (n1 - a)).astype(float) ** 2 / (float(n0) * n1 * k1 * k0)
        p = stats.chi2.sf(x2 * (n - 1) / n, 1)
    attendu_min = min(n0, n1) * np.minimum(k0, k1) / n
    case_nulle = (c == 0) | (c == n0) | (a == 0) | (a == n1)
    exact = valide & ((attendu_min < SEUIL_ATTENDU) | case_nulle)
    for marge in np.unique(k1[exact]):
        cellules = np.argwhere(exact & (k1 == marge))
        ci, ai = cellules[0]
        loi = _LoiConditionnelle(np.array([[n0 - ci, ci], [n1 - ai, ai]]))
        for ci, ai in cellules:
            loi.position = int((n0 - ci) - loi.support[0])  # x = case (non exposés, sans l'issue)
            p[ci, ai] = loi.p_valeurs(np.zeros(1), METHODE_IC_EXACTE)[0]
    return np.where(valide, p, np.nan)


def mantel_haenszel(donnees, ligne, colonne, strate, *, correction=True, niveau=0.95):
    """Test de Cochran-Mantel-Haenszel sur des tableaux 2 × 2 stratifiés.

    Enveloppe ``statsmodels.stats.contingency_tables.StratifiedTable`` :
    statistique CMH avec et sans correction de continuité (mêmes valeurs
    que ``mantelhaen.test`` de R et l'option CMH de SAS PROC FREQ), rapport
    de cotes commun de Mantel-Haenszel et son IC, test de Breslow-Day avec
    et sans correction de Tarone, et rapport de cotes de chaque strate.
    Les strates d'effectif < 2 ne contribuent pas au test CMH ; celles qui
    ont une marge nulle sont exclues du test de Breslow-Day (avertissement).

    Parameters
    ----------
    donnees : pandas.DataFrame
    ligne, colonne : str
        Exposition et issue, binaires (voir l'en-tête du module pour le
        sens du rapport de cotes).
    strate : str
        Variable de stratification (ex. ``territoire``) ; au moins 2 strates.
    correction : bool, default True
        Version du test CMH retenue dans ``statistique``/``p_valeur`` (les
        deux sont toujours calculées).
    niveau : float, default 0.95
        Niveau des intervalles de confiance.

    Returns
    -------
    ResultatMantelHaenszel
        ``.tableau()`` donne les tests en DataFrame ; ``.strates`` le détail.

    Examples
    --------
    >>> import pandas as pd
    >>> lignes = []
    >>> for g, cases in {"f": (16, 11, 5, 20), "h": (12, 16, 7, 19)}.items():
    ...     for (t, r), n in zip([(1, 1), (1, 0), (0, 1), (0, 0)], cases):
    ...         lignes += [{"genre": g, "actif": bool(t), "mieux": bool(r)}] * n
    >>> res = mantel_haenszel(pd.DataFrame(lignes), "actif", "mieux", "genre",
    ...                       correction=False)
    >>> round(res.statistique, 4), round(res.rapport_cotes, 4)
    (8.3052, 3.3132)
    """
    from statsmodels.stats.contingency_tables import StratifiedTable

    controles.verifier_colonnes(donnees, [ligne, colonne, strate])
    complet, manquants = controles.retirer_manquants(donnees, [ligne, colonne, strate])
    cube, mod_l, mod_c, mod_s = _tables_strates(complet, ligne, colonne, strate)
    utiles = cube.sum(axis=(0, 1)) >= 2
    if not utiles.any():
        raise ErreurEffectifs(
            f"Aucune strate de « {strate} » ne compte au moins deux observations : "
            "le test de Mantel-Haenszel est impossible."
        )
    st = StratifiedTable(cube[:, :, utiles])
    cmh = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for corr, x2 in zip((True, False), statistiques_cmh(cube[:, :, utiles])):
            # chi2.sf plutôt que le « 1 - cdf » de statsmodels : exact en queue.
            cmh[corr] = (x2, float(stats.chi2.sf(x2, 1)))
        rc = float(st.oddsratio_pooled)
        bas, haut = (float(v) for v in st.oddsratio_pooled_confint(alpha=1 - niveau))
    wald, p_wald = wald_mantel_haenszel(cube)
    bd, p_bd, ta, p_ta, ddl, informative = breslow_day(cube, mod_s)
    return ResultatMantelHaenszel(
        ligne=ligne, colonne=colonne, strate=strate, modalites_ligne=tuple(mod_l),
        modalites_colonne=tuple(mod_c), correction=bool(correction),
        cmh_corrige=cmh[True][0], p_cmh_corrige=cmh[True][1],
        cmh_non_corrige=cmh[False][0], p_cmh_non_corrige=cmh[False][1],
        rapport_cotes=rc, ic_bas=bas, ic_haut=haut, wald=wald, p_wald=p_wald,
        breslow_day=float(bd), p_breslow_day=float(p_bd), tarone=float(ta),
        p_tarone=float(p_ta), ddl_breslow_day=int(ddl),
        effectif=int(cube.sum()), manquants=int(manquants), nb_strates=len(mod_s),
        niveau=niveau, strates=_tableau_strates(cube, mod_s, informative, niveau),
    )


# --------------------------------------------------------------------------
# Comparaisons multiples
# --------------------------------------------------------------------------


def ajuster_p(p_valeurs, *, methode="fdr_bh"):
    """Ajuste des p pour les comparaisons multiples.

    Enveloppe ``statsmodels.stats.multitest.multipletests``. Les p manquantes
    (NaN) sont conservées telles quelles et ne comptent pas dans le nombre
    de comparaisons (comme ``p.adjust`` de R).

    Parameters
    ----------
    p_valeurs : sequence de float, numpy.ndarray ou pandas.Series
    methode : str, default "fdr_bh"
        ``"fdr_bh"`` (Benjamini-Hochberg), ``"holm"``, ``"bonferroni"``,
        ``"fdr_by"``, ``"hommel"``, ``"holm-sidak"``, ``"sidak"``,
        ``"simes-hochberg"``.

    Returns
    -------
    pandas.Series ou numpy.ndarray
        p ajustées, même forme (et même index pour une Series).

    Examples
    --------
    >>> ajuster_p([0.01, 0.04, float("nan"), 0.03], methode="holm")
    array([0.03, 0.06,  nan, 0.06])
    """
    if methode not in _METHODES_AJUSTEMENT:
        raise ErreurDonnees(
            f"Méthode d'ajustement {methode!r} inconnue : choisissez parmi "
            f"{', '.join(_METHODES_AJUSTEMENT)}."
        )
    from statsmodels.stats.multitest import multipletests

    try:
        p = np.asarray(p_valeurs, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise ErreurDonnees(f"Les p doivent être des nombres ({exc}).") from None
    presentes = ~np.isnan(p)
    if ((p[presentes] < 0) | (p[presentes] > 1)).any():
        raise ErreurDonnees("Une p doit être comprise entre 0 et 1.")
    ajustees = np.full(p.shape, np.nan)
    if presentes.any():
        ajustees[presentes] = multipletests(p[presentes], method=methode)[1]
    if isinstance(p_valeurs, pd.Series):
        return pd.Series(ajustees, index=p_valeurs.index, name=p_valeurs.name)
    return ajustees
