"""Puissance analytique de chaque test publié, à côté de chaque « aucune preuve ».

La puissance par simulation (planifier une enquête) est dans `puissance_simulee`.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd

from paquet_analyse import texte
from paquet_analyse.erreurs import AvertissementPaquet, ErreurDonnees


# ---------------------------------------------------------------------------
# Puissance analytique, à côté de chaque « aucune preuve »
# ---------------------------------------------------------------------------
#
# Approximations rapides et déterministes (aucun tirage aléatoire), calculées
# sur le tableau même qu'a utilisé le test : ses marges observées (exposés,
# non-exposés, lignes avec l'issue), par strate s'il y en a. Elles
# répondent à « ce test avait-il une chance de détecter l'effet prévu au
# plan ? », pas à « quelle est la puissance a posteriori de l'effet observé »
# (notion sans intérêt : elle n'est qu'une transformée de la valeur p).
#
# Sources des formules :
# - Woolf (1955), variance du log du rapport de cotes : 1/a + 1/b + 1/c + 1/d ;
#   puissance d'un test de Wald bilatéral : Φ(|δ|/se − z) + Φ(−|δ|/se − z)
#   (Fleiss, Levin et Paik 2003, *Statistical Methods for Rates and
#   Proportions*, 3e éd., ch. 4 et 6 ; Lachin 2011, *Biostatistical Methods*,
#   2e éd., § 3.3) ;
# - rapport de cotes commun (CMH) : estimateur de Woolf à poids inverses de
#   variance, var = 1 / Σ w_k (Lachin 2011, § 4.7), dont le test de
#   Cochran-Mantel-Haenszel est asymptotiquement équivalent sous
#   homogénéité ;
# - homogénéité : statistique de Woolf Σ w_k (θ̂_k − θ̄)², khi-deux non
#   central à K − 1 ddl de non-centralité Σ w_k (θ_k − θ̄)² (Breslow-Day en
#   est l'équivalent asymptotique) ;
# - khi-deux de Pearson sur une table 2 × T : non-centralité
#   Σ n_j (p_j − p̄)² / (p̄ (1 − p̄)) = N w² (Cohen 1988, ch. 7) ;
# - effet de plan 1 + (m̃ − 1) ρ (Kish 1965 ; Donner et Klar 2000,
#   *Design and Analysis of Cluster Randomization Trials*, § 5.2), avec m̃ la
#   taille moyenne des grappes pondérée par leur taille (Σ m_j² / Σ m_j) et ρ
#   la corrélation intra-grappe estimée par l'estimateur d'analyse de variance
#   (Fleiss 1981 ; Ridout, Demétrio et Firth 1999, *Biometrics* 55:137-148,
#   estimateur ρ̂_A), grappes nichées dans les groupes comparés.
#
# Choix des cases attendues : la table 2 × 2 qui garde les marges observées
# et a le rapport de cotes prévu (l'équation du second degré de Breslow-Day),
# plutôt que la proportion observée chez les seuls non-exposés : celle-ci,
# tirée d'un petit groupe (11 tables non exposées par MRC dans les scénarios
# de 40 tables), est bruitée, et la variance de Woolf étant convexe, la
# puissance moyenne en était biaisée vers le bas (CMH, 40 tables par MRC :
# 0,55 au lieu de 0,60 ; simulation 0,65) ; une issue absente chez les
# non-exposés rendait aussi la puissance incalculable sans raison
# (benchmarks/README.md, « Puissance analytique »).


@dataclasses.dataclass(frozen=True)
class ResultatPuissance:
    """Puissance analytique d'un test, pour un effet prévu au plan.

    Attributes
    ----------
    puissance : float
        Probabilité de rejeter l'hypothèse nulle au seuil donné si l'effet
        prévu existe, dans [0 ; 1], ou NaN si elle n'est pas calculable
        (case vide, marge de 0 ou de 1, une seule strate, une seule grappe...).
    effet : float
        Effet prévu (rapport de cotes, rapport de rapports de cotes, ou écart
        en points).
    methode : str
        Phrase française qui nomme l'approximation (et, si NaN, la raison).
    effet_plan : float
        Effet de plan appliqué (1.0 sans grappes ; NaN s'il n'a pu être estimé).
    cible : str
        Ce qu'il s'agit de détecter, en français (« un rapport de cotes de 2 »).
    approximation : str
        Nom court de l'approximation, pour :meth:`phrase`.
    raison : str
        Pourquoi la puissance n'est pas calculable (vide sinon).
    cci : float
        Corrélation intra-grappe estimée (NaN sans grappes).
    effectif : int
        Lignes complètes utilisées.
    """

    puissance: float
    effet: float
    methode: str
    effet_plan: float = 1.0
    cible: str = ""
    approximation: str = "approximation de Wald"
    raison: str = ""
    cci: float = float("nan")
    effectif: int = 0

    def phrase(self) -> str:
        """Phrase à placer à côté d'un verdict « aucune preuve ».

        >>> ResultatPuissance(0.34, 2.0, "…", cible="un rapport de cotes de 2").phrase()
        "puissance d'environ 34 % de détecter un rapport de cotes de 2 à cet effectif (approximation de Wald)"
        """
        if texte.manquant(self.puissance):
            return f"puissance non calculable pour détecter {self.cible} ({self.raison or 'effectifs insuffisants'})"
        pct = round(100 * self.puissance)
        if pct >= 100:
            quantite = "de plus de 99 %"
        elif pct <= 0:
            quantite = "de moins de 1 %"
        else:
            quantite = f"d'environ {pct} %"
        return f"puissance {quantite} de détecter {self.cible} à cet effectif ({self.approximation})"


def _effet_fr(x: float) -> str:
    """Effet pour une phrase : « 2 », « 1,5 »."""
    return f"{x:g}".replace(".", ",")


def _verifier_options(seuil, **effets):
    if not 0 < seuil < 1:
        raise ErreurDonnees(f"seuil = {seuil} : doit être strictement entre 0 et 1.")
    for nom, valeur in effets.items():
        if not np.isfinite(valeur) or valeur <= 0:
            raise ErreurDonnees(f"{nom} = {valeur} : doit être un nombre strictement positif.")


def _colonnes(t, colonnes, booleennes):
    """Lignes complètes de ``t`` pour ``colonnes`` ; refuse une colonne absente ou non booléenne."""
    if not isinstance(t, pd.DataFrame):
        raise ErreurDonnees("Les données doivent être un pandas.DataFrame (le tableau du test).")
    absentes = [c for c in colonnes if c is not None and c not in t.columns]
    if absentes:
        raise ErreurDonnees(f"Colonne(s) absente(s) des données : {', '.join(absentes)} "
                            f"(colonnes présentes : {', '.join(map(str, t.columns[:12]))}).")
    colonnes = [c for c in colonnes if c is not None]
    d = t[colonnes].dropna()
    for c in booleennes:
        valeurs = set(pd.unique(d[c]))
        if not valeurs <= {True, False, 0, 1}:
            exemples = ", ".join(map(str, list(valeurs)[:5]))
            raise ErreurDonnees(f"La colonne « {c} » doit être booléenne ou codée 0/1 (valeurs : {exemples}).")
        d[c] = d[c].astype(bool)
    return d


def _puissance_normale(delta, se, seuil):
    """Puissance bilatérale d'un test de Wald : Φ(|δ|/se − z) + Φ(−|δ|/se − z)."""
    from scipy import stats

    z = stats.norm.isf(seuil / 2)
    r = abs(delta) / se
    return float(stats.norm.cdf(r - z) + stats.norm.cdf(-r - z))


def _puissance_student(ncp, ddl, seuil):
    """Puissance bilatérale d'un test t à ``ddl`` ddl, paramètre de non-centralité ``ncp`` (Student non centrale)."""
    from scipy import stats

    critique = stats.t.isf(seuil / 2, ddl)
    haut, bas = stats.nct.sf(critique, ddl, ncp), stats.nct.cdf(-critique, ddl, ncp)
    # scipy rend NaN pour une queue négligeable quand ncp est grand : elle vaut alors 0
    return float(np.clip(np.nan_to_num(haut, nan=float(ncp > critique)) + np.nan_to_num(bas, nan=0.0), 0.0, 1.0))


def _puissance_khi2(lambda_, ddl, seuil):
    """P(χ²(ddl, λ) > quantile 1 − seuil de χ²(ddl))."""
    from scipy import stats

    critique = stats.chi2.isf(seuil, ddl)
    if lambda_ <= 0:
        return float(seuil)
    return float(stats.ncx2.sf(critique, ddl, lambda_))


def cci_anova(y, grappes, groupes=None):
    """Corrélation intra-grappe, estimateur d'analyse de variance (ρ̂_A).

    Estimateur de Fleiss (1981), pour une issue binaire comme continue
    (Ridout, Demétrio et Firth 1999, *Biometrics* 55:137-148) :
    ``ρ = (CMB − CMI) / (CMB + (n₀ − 1) CMI)`` avec CMB et CMI les carrés
    moyens entre et intra grappes, ``n₀ = (N − Σ_g Σ_j m_j² / N_g) / (k − G)``.
    Avec ``groupes`` (p. ex. l'exposition, mesurée au niveau de la grappe), les
    grappes sont nichées dans les groupes : l'écart entre groupes (l'effet
    étudié) ne gonfle pas ρ. Une estimation négative est ramenée à 0.

    Returns
    -------
    float
        ρ dans [0 ; 1[, ou NaN si non estimable (moins d'une grappe de plus
        que de groupes, ou grappes toutes de taille 1).

    Examples
    --------
    >>> cci_anova([1, 1, 0, 0], ["a", "a", "b", "b"])
    1.0
    """
    d = pd.DataFrame({"y": np.asarray(y, dtype=float), "grappe": np.asarray(grappes),
                      "groupe": 0 if groupes is None else np.asarray(groupes)})
    par_grappe = d.groupby(["groupe", "grappe"], sort=False)["y"].agg(["size", "mean", "sum"])
    n, k, g = len(d), len(par_grappe), par_grappe.index.get_level_values(0).nunique()
    if k - g < 1 or n - k < 1:
        return float("nan")
    moyenne_grappe = d.groupby(["groupe", "grappe"], sort=False)["y"].transform("mean")
    moyenne_groupe = d.groupby("groupe", sort=False)["y"].transform("mean")
    cmi = float(((d["y"] - moyenne_grappe) ** 2).sum()) / (n - k)
    cmb = float(((moyenne_grappe - moyenne_groupe) ** 2).sum()) / (k - g)
    m = par_grappe["size"]
    n_groupe = m.groupby(level=0).sum()
    m2_groupe = (m ** 2).groupby(level=0).sum()
    n0 = (n - float((m2_groupe / n_groupe).sum())) / (k - g)
    denominateur = cmb + (n0 - 1) * cmi
    if denominateur <= 0:
        return float("nan") if cmb == 0 and cmi == 0 else 0.0
    return float(min(max((cmb - cmi) / denominateur, 0.0), 1.0))


def _effet_de_plan(d, valeur, grappes, groupes):
    """(effet de plan, ρ, raison) ; (1, NaN, "") sans grappes."""
    if grappes is None:
        return 1.0, float("nan"), ""
    nb = d[grappes].nunique()
    if nb < 2:
        return float("nan"), float("nan"), f"{nb} grappe « {grappes} » seulement"
    cles = d[grappes].astype(str)
    if cles.value_counts().max() == 1:  # grappes d'une seule ligne : aucun effet de plan
        return 1.0, float("nan"), ""
    cles_groupes = _joindre(d, groupes) if groupes else None
    if groupes:
        cles = cles + "|" + cles_groupes
    rho = cci_anova(d[valeur], cles, cles_groupes)
    if np.isnan(rho):
        return float("nan"), rho, f"corrélation intra-grappe non estimable ({nb} grappes « {grappes} »)"
    m = cles.value_counts().to_numpy(dtype=float)
    m_pondere = float((m ** 2).sum() / m.sum())
    return 1.0 + (m_pondere - 1.0) * rho, rho, ""


def _joindre(d, colonnes) -> "pd.Series":
    """« a|b|c » par ligne : les valeurs des `colonnes` en texte, jointes par « | » (comme
    `d[colonnes].astype(str).agg("|".join, axis=1)`, sans une boucle Python par ligne : 0,6 s sur 50 000
    participants)."""
    colonnes = list(colonnes)
    cle = d[colonnes[0]].astype(str)
    for nom in colonnes[1:]:
        cle = cle + "|" + d[nom].astype(str)
    return cle


def _texte_plan(effet_plan, rho, grappes):
    if grappes is None:
        return ""
    return (f" ; effectif divisé par l'effet de plan 1 + (m̃ − 1)·ρ = {texte.nombre_fr(effet_plan, 2)} "
            f"(grappes « {grappes} », m̃ taille moyenne pondérée par la taille, ρ = "
            f"{texte.nombre_fr(rho, 3)} estimée par analyse de variance, Fleiss 1981)")


def _non_calculable(effet, methode, cible, raison, approximation, n, effet_plan=float("nan"), rho=float("nan")):
    return ResultatPuissance(float("nan"), float(effet), f"{methode} ; non calculable : {raison}",
                             effet_plan, cible, approximation, raison, rho, int(n))


def _case_attendue(n1, n0, m, rapport_cotes):
    """Case « exposés avec l'issue » attendue sous le rapport de cotes ψ, marges observées fixées.

    Racine dans ``[max(0, m − n₀) ; min(n₁, m)]`` de
    ``(ψ − 1) a² − (ψ (n₁ + m) + n₀ − m) a + ψ n₁ m = 0`` (l'équation de
    ``ψ = a d / (b c)`` à marges fixées, celle qu'utilise Breslow-Day).
    """
    if rapport_cotes == 1:
        return n1 * m / (n1 + n0)
    a2, a1, a0 = rapport_cotes - 1, -(rapport_cotes * (n1 + m) + n0 - m), rapport_cotes * n1 * m
    disc = np.sqrt(max(a1 * a1 - 4 * a2 * a0, 0.0))
    bas, haut = max(0.0, m - n0), min(float(n1), float(m))
    for racine in ((-a1 - disc) / (2 * a2), (-a1 + disc) / (2 * a2)):
        if bas - 1e-9 <= racine <= haut + 1e-9:
            return float(min(max(racine, bas), haut))
    return float("nan")


def _marges_strates(d, exposition, issue, strate):
    """Par strate (une seule, clé 0, sans `strate`) : exposés n₁, non-exposés n₀, lignes avec l'issue m."""
    if strate is None:
        expose, y = d[exposition].to_numpy(dtype=bool), d[issue].to_numpy(dtype=bool)
        return {0: (int(expose.sum()), int((~expose).sum()), int(y.sum()))}
    comptes = (d.assign(_e=d[exposition].astype(bool), _y=d[issue].astype(bool))
               .groupby(strate, sort=True, observed=True)[["_e", "_y"]].agg(["sum", "size"]))
    return {cle: (int(ligne[("_e", "sum")]), int(ligne[("_e", "size")] - ligne[("_e", "sum")]), int(ligne[("_y", "sum")]))
            for cle, ligne in comptes.iterrows()}


def _sans_information(n1, n0, m) -> bool:
    """Une strate sans exposés, sans non-exposés, ou dont l'issue est absente ou universelle : aucune
    information sur le rapport de cotes (le CMH l'ignore)."""
    return n1 == 0 or n0 == 0 or m == 0 or m == n1 + n0


def _variance_woolf(n1, n0, m, log_rc):
    """Variance de Woolf du log RC aux cases attendues d'une strate (infinie : strate sans information)."""
    if _sans_information(n1, n0, m):
        return np.inf
    a = _case_attendue(n1, n0, m, float(np.exp(log_rc)))
    b, c = n1 - a, m - a
    cases = np.array([a, b, c, n0 - c])
    return float((1 / cases).sum()) if (cases > 0).all() else np.inf


def _variances_woolf(d, exposition, issue, strate, log_rc):
    """Par strate : variance de Woolf du log RC aux cases attendues sous l'alternative.

    Cases attendues : la table 2 × 2 qui a les marges observées de la strate
    (exposés n₁, non-exposés n₀, lignes avec l'issue m) et le rapport de
    cotes ``exp(log_rc)`` (:func:`_case_attendue`). Une strate sans exposés,
    sans non-exposés, ou dont l'issue est absente ou universelle n'a pas
    d'information (variance infinie), comme dans le CMH.
    """
    return {cle: _variance_woolf(*marges, log_rc)
            for cle, marges in _marges_strates(d, exposition, issue, strate).items()}


def _raison_2x2(d, exposition, issue):
    n1 = int(d[exposition].sum())
    n0 = len(d) - n1
    if len(d) == 0:
        return "aucune ligne complète"
    if n1 == 0 or n0 == 0:
        return "toutes les lignes sont exposées" if n0 == 0 else "aucune ligne exposée"
    return f"« {issue} » absente ou universelle (marge de 0 ou de 1)"


def puissance_rapport_cotes(t, exposition, issue, *, strate=None, grappes=None, rapport_cotes=2.0,
                            seuil=0.05, ddl=None):
    """Puissance d'un test d'absence d'association pour détecter un rapport de cotes.

    Approximation de Wald sur le log du rapport de cotes : variance de
    Woolf ``1/a + 1/b + 1/c + 1/d`` évaluée aux cases attendues sous
    l'alternative, c'est-à-dire la table qui garde les marges observées
    (exposés, non-exposés, lignes avec l'issue ; par strate) et dont le
    rapport de cotes vaut ``rapport_cotes`` ; puissance bilatérale ``Φ(|log RC|/se − z) + Φ(−|log RC|/se − z)``,
    ``z = Φ⁻¹(1 − seuil/2)``. Avec ``strate`` (cas Mantel-Haenszel / CMH) :
    rapport de cotes commun, variance ``1 / Σ_k w_k`` (poids de Woolf
    ``w_k = 1/v_k``) ; une strate sans exposés, sans non-exposés ou dont
    l'issue est absente ou universelle ne compte pas (comme dans le CMH).
    Une case observée nulle n'empêche pas le calcul (les cases attendues sous
    l'alternative sont positives) ; une marge nulle, si. Avec ``grappes`` (participants nichés dans les instances,
    exposition au niveau de l'instance) : la variance est multipliée par
    l'effet de plan ``1 + (m̃ − 1)·ρ``, ``m̃ = Σ m_j² / Σ m_j`` (taille
    moyenne des grappes pondérée par leur taille) et ρ la corrélation
    intra-grappe de l'issue, estimateur d'analyse de variance
    (:func:`cci_anova`), grappes nichées dans les groupes d'exposition (et
    les strates).

    C'est la puissance du test de Wald (ou du khi-deux de Pearson, ou du CMH
    sans correction, asymptotiquement équivalents). Les tests corrigés (Yates,
    Fisher exact, CMH avec correction) sont plus conservateurs : leur
    puissance est un peu plus faible (5 à 7 points de moins dans le banc
    ``benchmarks/puissance_analytique.py``). Avec ``grappes``, le rapport de
    cotes prévu est celui qu'estime la GEE, un RC *marginal* (un RC
    conditionnel au niveau de l'instance est plus grand).

    Parameters
    ----------
    t : pandas.DataFrame
        Le tableau même qu'a utilisé le test (une ligne par unité).
    exposition, issue : str
        Colonnes booléennes (ou 0/1).
    strate : str, optional
        Colonne des strates (p. ex. ``"territoire"``).
    grappes : str, optional
        Colonne des grappes (p. ex. ``"id_instance"``).
    rapport_cotes : float, default 2.0
        Effet prévu (``seuils.rapport_cotes_puissance`` du plan).
    seuil : float, default 0.05
        Seuil du test bilatéral.

    Returns
    -------
    ResultatPuissance
        Puissance NaN (avec sa raison) si elle n'est pas calculable : aucune
        ligne exposée ou non exposée, issue absente ou universelle, une seule
        grappe.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"expose": [True] * 50 + [False] * 50,
    ...                   "issue": [True, False] * 50})
    >>> r = puissance_rapport_cotes(t, "expose", "issue")
    >>> round(r.puissance, 3)
    0.4
    >>> r.phrase()
    "puissance d'environ 40 % de détecter un rapport de cotes de 2 à cet effectif (approximation de Wald)"
    """
    _verifier_options(seuil, rapport_cotes=rapport_cotes)
    d = _colonnes(t, [exposition, issue, strate, grappes], [exposition, issue])
    cible = f"un rapport de cotes de {_effet_fr(rapport_cotes)}"
    methode = ("approximation de Wald sur le log du rapport de cotes (variance de Woolf aux cases "
               "attendues sous l'alternative, marges observées)")
    approximation = "approximation de Wald"
    if strate is not None:
        methode += " ; rapport de cotes commun aux strates « " + strate + " » (poids inverses de variance, CMH)"
        approximation += ", rapport de cotes commun"
    groupes = [exposition] + ([strate] if strate is not None else [])
    effet_plan, rho, raison = _effet_de_plan(d, issue, grappes, groupes)
    if grappes is not None and not raison:
        approximation += f", effet de plan {texte.nombre_fr(effet_plan, 2)}"
    methode += _texte_plan(effet_plan, rho, grappes)
    if raison:
        return _non_calculable(rapport_cotes, methode, cible, raison, approximation, len(d), effet_plan, rho)
    variances = _variances_woolf(d, exposition, issue, strate, np.log(rapport_cotes))
    information = sum(1 / v for v in variances.values())
    if information == 0:
        raison = (_raison_2x2(d, exposition, issue) if strate is None else
                  f"aucune strate « {strate} » avec des exposés, des non-exposés et une issue "
                  "ni absente ni universelle")
        return _non_calculable(rapport_cotes, methode, cible, raison, approximation, len(d), effet_plan, rho)
    se = np.sqrt(effet_plan / information)
    if ddl is not None and not pd.isna(ddl):  # test publié de Student (GEE : t à G - 1 ddl)
        methode += f" ; loi de Student à {texte.nombre_fr(float(ddl), 0)} ddl, celle du test publié"
        return ResultatPuissance(_puissance_student(np.log(rapport_cotes) / se, float(ddl), seuil),
                                 float(rapport_cotes), methode, float(effet_plan), cible, approximation, "",
                                 float(rho), len(d))
    return ResultatPuissance(_puissance_normale(np.log(rapport_cotes), se, seuil), float(rapport_cotes), methode,
                             float(effet_plan), cible, approximation, "", float(rho), len(d))


def puissance_ecart(t, exposition, issue, *, grappes=None, ecart=5.0, seuil=0.05, ddl=None):
    """Puissance d'un test de différence de moyennes pour détecter un écart (issue continue).

    Pour une issue continue (p. ex. ``indice_conditions``, 0 à 100) et un
    modèle linéaire : écart type ``s`` intra-groupe observé (combiné sur les
    deux groupes), effectifs observés ``n₁`` et ``n₀`` ; erreur type de
    l'écart ``s · sqrt(deff · (1/n₁ + 1/n₀))`` ; puissance du test t
    bilatéral par la loi de Student non centrale (paramètre de non-centralité
    ``écart / erreur type``), à ``n − 2`` degrés de liberté, ou à ``G − 1``
    avec ``grappes`` (G grappes), comme les IC de
    :func:`paquet_analyse.modeles.regression_lineaire`. Effet de plan
    ``deff = 1 + (m̃ − 1)·ρ`` comme dans :func:`puissance_rapport_cotes`
    (ρ par analyse de variance, grappes nichées dans les groupes).

    Parameters
    ----------
    t : pandas.DataFrame
    exposition : str
        Colonne booléenne.
    issue : str
        Colonne numérique.
    grappes : str, optional
    ecart : float, default 5.0
        Écart prévu, en points de l'issue (``seuils.ecart_puissance`` du plan).
    seuil : float, default 0.05

    Returns
    -------
    ResultatPuissance

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"expose": [True, False] * 40, "indice": [40.0, 50.0, 60.0, 70.0] * 20})
    >>> r = puissance_ecart(t, "expose", "indice")
    >>> round(r.puissance, 3), r.phrase()[:45]
    (0.587, "puissance d'environ 59 % de détecter un écart")
    """
    _verifier_options(seuil, ecart=ecart)
    d = _colonnes(t, [exposition, issue, grappes], [exposition])
    if not pd.api.types.is_numeric_dtype(d[issue]) or pd.api.types.is_bool_dtype(d[issue]):
        raise ErreurDonnees(f"La colonne « {issue} » doit être numérique (issue continue).")
    cible = f"un écart de {_effet_fr(ecart)} points"
    methode = ("loi de Student non centrale pour le test t de différence de moyennes (écart type "
               "intra-groupe et effectifs observés)")
    effet_plan, rho, raison = _effet_de_plan(d, issue, grappes, [exposition])
    approximation = "Student non centrale" + (
        f", effet de plan {texte.nombre_fr(effet_plan, 2)}" if grappes is not None and not raison else "")
    methode += _texte_plan(effet_plan, rho, grappes)
    expose = d[exposition].to_numpy()
    n1, n0 = int(expose.sum()), int((~expose).sum())
    if ddl is None or pd.isna(ddl):  # sinon : les ddl du test publié (Satterthwaite du CR2)
        ddl = (d[grappes].nunique() - 1) if grappes is not None else n1 + n0 - 2
    if not raison and (n1 == 0 or n0 == 0):
        raison = _raison_2x2(d, exposition, issue)
    if not raison and (ddl < 1 or min(n1, n0) < 2):
        raison = "trop peu d'observations pour estimer l'écart type"
    if raison:
        return _non_calculable(ecart, methode, cible, raison, approximation, len(d), effet_plan, rho)
    y = d[issue].to_numpy(dtype=float)
    residus = y - np.where(expose, y[expose].mean(), y[~expose].mean())
    s = float(np.sqrt((residus ** 2).sum() / (n1 + n0 - 2)))
    if s == 0:
        return _non_calculable(ecart, methode, cible, f"« {issue} » constante dans chaque groupe",
                               approximation, len(d), effet_plan, rho)
    ncp = ecart / (s * np.sqrt(effet_plan * (1 / n1 + 1 / n0)))
    p = _puissance_student(ncp, float(ddl), seuil)
    return ResultatPuissance(p, float(ecart), methode, float(effet_plan), cible, approximation, "", float(rho), len(d))


def _moyenne_sur_ecarts(lambdas, ddl, seuil):
    """Puissance moyenne sur la strate (ou le territoire) qui s'écarte, chacun également probable."""
    return float(np.mean([_puissance_khi2(lam, ddl, seuil) for lam in lambdas]))


def puissance_homogeneite(t, exposition, issue, strate, *, rapport=2.0, rapport_cotes_commun=1.0,
                          strate_ecart=None, seuil=0.05):
    """Puissance d'un test d'homogénéité des rapports de cotes entre strates (Breslow-Day).

    Alternative : toutes les strates ont le rapport de cotes
    ``rapport_cotes_commun`` sauf une, dont le rapport de cotes vaut
    ``rapport_cotes_commun × rapport``. Pour chaque strate k, variance de
    Woolf ``v_k`` du log RC aux cases attendues sous cette alternative
    (marges observées de la strate, voir :func:`puissance_rapport_cotes`),
    poids ``w_k = 1/v_k`` ; la statistique de Woolf
    ``Σ w_k (θ̂_k − θ̄)²`` (dont Breslow-Day est l'équivalent asymptotique)
    suit un khi-deux non central à ``K − 1`` ddl de non-centralité
    ``λ = Σ w_k (θ_k − θ̄)²``, ``θ̄ = Σ w_k θ_k / Σ w_k``. La puissance
    rapportée est la MOYENNE sur la strate qui s'écarte (chacune également
    probable) : une petite strate qui s'écarte se voit moins qu'une grande.
    Les strates sans information (sans exposés ou non-exposés, ou issue
    absente ou universelle) sont écartées, comme elles ne pèsent rien
    dans le test ; il en faut au moins deux.

    Parameters
    ----------
    t : pandas.DataFrame
    exposition, issue : str
        Colonnes booléennes.
    strate : str
        Colonne des strates (p. ex. ``"territoire"``).
    rapport : float, default 2.0
        Facteur qui sépare le RC de la strate qui s'écarte de celui des autres
        (``seuils.rapport_cotes_puissance`` du plan).
    rapport_cotes_commun : float, default 1.0
        RC des autres strates.
    strate_ecart : optional
        Strate qui s'écarte, si on la connaît (p. ex. pour comparer à une
        simulation) ; par défaut, moyenne sur toutes les strates.
    seuil : float, default 0.05

    Returns
    -------
    ResultatPuissance

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"strate": ["a"] * 200 + ["b"] * 200 + ["c"] * 200,
    ...                   "expose": [True, False] * 300, "issue": [True, True, False, False] * 150})
    >>> round(puissance_homogeneite(t, "expose", "issue", "strate").puissance, 3)
    0.408
    """
    _verifier_options(seuil, rapport=rapport, rapport_cotes_commun=rapport_cotes_commun)
    d = _colonnes(t, [exposition, issue, strate], [exposition, issue])
    cible = f"un rapport de cotes {_effet_fr(rapport)} fois plus élevé dans une strate « {strate} »"
    methode = ("khi-deux non central à K − 1 ddl, non-centralité tirée des poids de Woolf aux cases "
               "attendues sous l'alternative (marges observées), moyenne sur la strate qui s'écarte")
    approximation = "khi-deux non central"
    base = np.log(rapport_cotes_commun)
    lambdas = []
    strates = sorted(d[strate].unique())
    if strate_ecart is not None and strate_ecart not in strates:
        raise ErreurDonnees(f"strate_ecart = {strate_ecart!r} absente de la colonne « {strate} ».")
    ecartees = strates if strate_ecart is None else [strate_ecart]
    # deux variances par strate (RC commun, RC qui s'écarte), calculées une fois : la boucle sur la
    # strate qui s'écarte ne fait que des additions, en O(K²) additions au lieu de K² calculs de cases
    marges = _marges_strates(d, exposition, issue, strate)
    v_commun = {cle: _variance_woolf(*marges[cle], base) for cle in strates}
    v_ecart = {cle: _variance_woolf(*marges[cle], base + np.log(rapport)) for cle in strates}
    for ecartee in ecartees:
        poids, theta = [], []
        for cle in strates:
            log_rc = base + (np.log(rapport) if cle == ecartee else 0.0)
            v = v_ecart[cle] if cle == ecartee else v_commun[cle]
            if np.isfinite(v):
                poids.append(1 / v)
                theta.append(log_rc)
        if len(poids) < 2:
            break
        w, th = np.asarray(poids), np.asarray(theta)
        lambdas.append(float((w * (th - (w * th).sum() / w.sum()) ** 2).sum()))
        ddl = len(poids) - 1
    if len(lambdas) < len(ecartees) or not strates:
        raison = (f"moins de deux strates « {strate} » avec des exposés, des non-exposés et une "
                  "issue ni absente ni universelle")
        return _non_calculable(rapport, methode, cible, raison, approximation, len(d), 1.0)
    return ResultatPuissance(_moyenne_sur_ecarts(lambdas, ddl, seuil), float(rapport), methode, 1.0, cible,
                             approximation, "", float("nan"), len(d))


def puissance_territoires(t, issue, territoire, *, grappes=None, rapport_cotes=2.0, seuil=0.05):
    """Puissance d'un test de différence d'une proportion entre territoires (khi-deux à T − 1 ddl).

    Alternative : tous les territoires ont la proportion ``p`` observée sur
    l'ensemble, sauf un dont les cotes valent ``rapport_cotes`` fois celles
    des autres. Non-centralité du khi-deux de Pearson sur la table 2 × T
    (Cohen 1988, ch. 7 : ``λ = N w²``) : ``λ = Σ_j n_j (p_j − p̄)² / (p̄ (1 − p̄))``,
    ``p̄ = Σ n_j p_j / N``, divisée par l'effet de plan avec ``grappes``
    (:func:`puissance_rapport_cotes` ; ρ estimé avec les grappes nichées
    dans les territoires). Puissance moyenne sur le territoire qui s'écarte
    (chacun également probable).

    Parameters
    ----------
    t : pandas.DataFrame
    issue : str
        Colonne booléenne.
    territoire : str
        Colonne des territoires.
    grappes : str, optional
    rapport_cotes : float, default 2.0
    seuil : float, default 0.05

    Returns
    -------
    ResultatPuissance

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"mrc": ["a", "b", "c", "d"] * 50, "issue": [True, False] * 100})
    >>> round(puissance_territoires(t, "issue", "mrc").puissance, 3)
    0.375
    """
    _verifier_options(seuil, rapport_cotes=rapport_cotes)
    d = _colonnes(t, [issue, territoire, grappes], [issue])
    cible = f"des cotes {_effet_fr(rapport_cotes)} fois plus élevées dans un territoire"
    methode = ("khi-deux non central à T − 1 ddl (non-centralité de Pearson aux proportions attendues "
               "sous l'alternative, effectifs observés), moyenne sur le territoire qui s'écarte")
    effet_plan, rho, raison = _effet_de_plan(d, issue, grappes, [territoire])
    approximation = "khi-deux non central" + (
        f", effet de plan {texte.nombre_fr(effet_plan, 2)}" if grappes is not None and not raison else "")
    methode += _texte_plan(effet_plan, rho, grappes)
    n = d.groupby(territoire, sort=True).size().to_numpy(dtype=float)
    p = float(d[issue].mean()) if len(d) else float("nan")
    if not raison and len(n) < 2:
        raison = f"{len(n)} territoire seulement"
    if not raison and not 0 < p < 1:
        raison = f"proportion de « {issue} » de 0 ou 1"
    if raison:
        return _non_calculable(rapport_cotes, methode, cible, raison, approximation, len(d), effet_plan, rho)
    cotes = rapport_cotes * p / (1 - p)
    lambdas = []
    for j in range(len(n)):
        pj = np.full(len(n), p)
        pj[j] = cotes / (1 + cotes)
        pbar = (n * pj).sum() / n.sum()
        lambdas.append(float((n * (pj - pbar) ** 2).sum() / (pbar * (1 - pbar)) / effet_plan))
    return ResultatPuissance(_moyenne_sur_ecarts(lambdas, len(n) - 1, seuil), float(rapport_cotes), methode,
                             float(effet_plan), cible, approximation, "", float(rho), len(d))


# ---------------------------------------------------------------------------
# Puissance du test publié lui-même (tests des concertations)
# ---------------------------------------------------------------------------
#
# L'approximation de Wald ci-dessus surestimait la puissance des tests publiés
# au niveau des concertations (Joliette H2b : 0,165 publié contre 0,131 en
# simulant le test exact de Blaker). Ici, la puissance est celle du test même
# de la ligne : exacte pour le 2 × 2 d'un territoire (tous les tableaux
# possibles énumérés, chacun avec la p du test publié : score de
# Miettinen-Nurminen ou exact de Blaker selon la même règle), simulée pour le
# Wald de Mantel-Haenszel et le Breslow-Day corrigé de Tarone entre
# territoires. Modèle : effectifs d'exposés et de non-exposés observés (par
# strate), issue binomiale dont la probabilité chez les non-exposés est
# choisie pour que le nombre attendu de lignes avec l'issue soit celui
# observé, et dont le rapport de cotes vaut l'effet prévu au plan.

#: Répliques de la puissance simulée d'une ligne (erreur type Monte-Carlo au plus 0,5/sqrt(R) = 0,016).
REPLICATS_LIGNE = 1000

#: Graine fixe de ces simulations (résultat déterministe).
GRAINE_LIGNE = 20230


def probabilites_alternative(n1, n0, m, rapport_cotes):
    """(p1, p0) : probabilités de l'issue chez les exposés et les non-exposés, rapport de cotes donné,
    n1·p1 + n0·p0 = m (nombre attendu de lignes avec l'issue égal à celui observé)."""
    from scipy import optimize

    def p1_de(p0):
        cotes = rapport_cotes * p0 / (1 - p0)
        return cotes / (1 + cotes)

    p0 = optimize.brentq(lambda p: n1 * p1_de(p) + n0 * p - m, 1e-12, 1 - 1e-12, xtol=1e-14)
    return p1_de(p0), p0


def puissance_association(t, exposition, issue, *, rapport_cotes=2.0, seuil=0.05):
    """Puissance EXACTE du test publié d'un 2 × 2 (score de Miettinen-Nurminen ou exact de Blaker).

    Tous les tableaux possibles à effectifs d'exposés n₁ et de non-exposés n₀ observés sont énumérés ;
    chacun a sa probabilité sous l'alternative (deux binomiales : rapport de cotes ``rapport_cotes``,
    nombre attendu de lignes avec l'issue égal à celui observé) et la p du test que publie le territoire
    pour ce tableau (:func:`paquet_analyse.associations.p_valeurs_association`, même règle des effectifs
    attendus que ``association(..., methode_ic="blaker")``). Puissance = somme des probabilités des
    tableaux où p < ``seuil`` ; un tableau où l'issue est absente ou universelle ne rejette pas.
    Aucune approximation ni erreur de Monte-Carlo ; vérifiée contre une simulation du test publié
    (tests/test_puissance.py).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"expose": [True] * 30 + [False] * 12, "issue": [True, False] * 21})
    >>> round(puissance_association(t, "expose", "issue").puissance, 3)
    0.154
    """
    from scipy import stats

    from paquet_analyse import associations

    _verifier_options(seuil, rapport_cotes=rapport_cotes)
    d = _colonnes(t, [exposition, issue], [exposition, issue])
    cible = f"un rapport de cotes de {_effet_fr(rapport_cotes)}"
    methode = ("puissance exacte du test publié (score de Miettinen-Nurminen ou exact de Blaker selon les "
               "effectifs attendus) : tous les tableaux aux effectifs d'exposés et de non-exposés observés, "
               "issue binomiale de rapport de cotes prévu et de total attendu observé")
    approximation = "puissance exacte du test publié"
    n1, n0, m = _marges_strates(d, exposition, issue, None)[0]
    if _sans_information(n1, n0, m):
        return _non_calculable(rapport_cotes, methode, cible, _raison_2x2(d, exposition, issue), approximation,
                               len(d), 1.0)
    p1, p0 = probabilites_alternative(n1, n0, m, rapport_cotes)
    probabilites = np.outer(stats.binom.pmf(np.arange(n0 + 1), n0, p0), stats.binom.pmf(np.arange(n1 + 1), n1, p1))
    p = associations.p_valeurs_association(n0, n1)
    rejet = np.nan_to_num(p, nan=1.0) < seuil
    return ResultatPuissance(float(min(probabilites[rejet].sum(), 1.0)), float(rapport_cotes), methode, 1.0, cible,
                             approximation, "", float("nan"), len(d))


def _tirer_cubes(marges, rapports, rng, replicats):
    """``replicats`` cubes 2 × 2 × K (lignes exposition faux/vrai, colonnes issue faux/vrai) sous l'alternative.

    ``rapports`` : (replicats, K) rapports de cotes de chaque strate dans chaque réplique.
    """
    cles = list(marges)
    k = len(cles)
    cubes = np.zeros((replicats, 2, 2, k))
    for j, cle in enumerate(cles):
        n1, n0, m = marges[cle]
        for rc in np.unique(rapports[:, j]):
            lignes = rapports[:, j] == rc
            if _sans_information(n1, n0, m):  # strate sans information : marges observées
                p1 = p0 = m / (n1 + n0) if n1 + n0 else 0.0
            else:
                p1, p0 = probabilites_alternative(n1, n0, m, rc)
            nb = int(lignes.sum())
            a = rng.binomial(n1, p1, nb)
            c = rng.binomial(n0, p0, nb)
            cubes[lignes, 0, 1, j], cubes[lignes, 0, 0, j] = c, n0 - c
            cubes[lignes, 1, 1, j], cubes[lignes, 1, 0, j] = a, n1 - a
    return cubes


def _resultat_simule(rejets, effet, methode, cible, approximation, n, replicats):
    puissance = float(np.mean(rejets))
    emc = float(np.sqrt(puissance * (1 - puissance) / replicats))
    methode += f" ; {replicats} répliques, graine {GRAINE_LIGNE}, erreur type Monte-Carlo {texte.nombre_fr(emc, 3)}"
    return ResultatPuissance(puissance, float(effet), methode, 1.0, cible, approximation, "", float("nan"), n)


def puissance_mantel_haenszel(t, exposition, issue, strate, *, rapport_cotes=2.0, seuil=0.05,
                              replicats=REPLICATS_LIGNE, graine=GRAINE_LIGNE):
    """Puissance SIMULÉE du test publié entre territoires : Wald du log du RC commun de Mantel-Haenszel.

    Chaque réplique garde les effectifs d'exposés et de non-exposés de chaque strate ; l'issue y est
    binomiale, de rapport de cotes ``rapport_cotes`` dans chaque strate et de total attendu observé ; la p
    est celle de :func:`paquet_analyse.associations.wald_mantel_haenszel`, le test que publie la synthèse
    (variance de Robins-Breslow-Greenland). Graine fixe : même résultat à chaque exécution.
    """
    from paquet_analyse import associations

    _verifier_options(seuil, rapport_cotes=rapport_cotes)
    d = _colonnes(t, [exposition, issue, strate], [exposition, issue])
    cible = f"un rapport de cotes de {_effet_fr(rapport_cotes)}"
    approximation = "puissance simulée du test publié"
    methode = ("puissance simulée du test publié (Wald du log du RC commun de Mantel-Haenszel, variance de "
               "Robins-Breslow-Greenland), effectifs d'exposés et de non-exposés observés par strate « "
               f"{strate} », issue binomiale de rapport de cotes prévu et de total attendu observé")
    marges = _marges_strates(d, exposition, issue, strate)
    rng = np.random.default_rng(graine)
    cubes = _tirer_cubes(marges, np.full((replicats, len(marges)), float(rapport_cotes)), rng, replicats)
    p = np.array([associations.wald_mantel_haenszel(cube)[1] for cube in cubes])
    return _resultat_simule(np.nan_to_num(p, nan=1.0) < seuil, rapport_cotes, methode, cible, approximation,
                            len(d), replicats)


def puissance_homogeneite_tarone(t, exposition, issue, strate, *, rapport=2.0, seuil=0.05,
                                 replicats=REPLICATS_LIGNE, graine=GRAINE_LIGNE):
    """Puissance SIMULÉE du test publié d'homogénéité : Breslow-Day corrigé de Tarone.

    Alternative : rapport de cotes 1 dans toutes les strates sauf une, où il vaut ``rapport`` ; la strate
    qui s'écarte est tirée au hasard à chaque réplique (puissance moyenne sur la strate qui s'écarte,
    comme :func:`puissance_homogeneite`). Effectifs d'exposés et de non-exposés observés par strate, issue
    binomiale de total attendu observé ; p de Tarone de :func:`paquet_analyse.associations.breslow_day`.
    """
    from paquet_analyse import associations

    _verifier_options(seuil, rapport=rapport)
    d = _colonnes(t, [exposition, issue, strate], [exposition, issue])
    cible = f"un rapport de cotes {_effet_fr(rapport)} fois plus élevé dans une strate « {strate} »"
    approximation = "puissance simulée du test publié"
    methode = ("puissance simulée du test publié (Breslow-Day avec correction de Tarone) : une strate « "
               f"{strate} » tirée au hasard a un rapport de cotes {_effet_fr(rapport)}, les autres 1 ; effectifs "
               "d'exposés et de non-exposés observés par strate, total attendu de l'issue observé")
    marges = _marges_strates(d, exposition, issue, strate)
    utiles = [cle for cle, (n1, n0, m) in marges.items() if not _sans_information(n1, n0, m)]
    if len(utiles) < 2:
        raison = (f"moins de deux strates « {strate} » avec des exposés, des non-exposés et une "
                  "issue ni absente ni universelle")
        return _non_calculable(rapport, methode, cible, raison, approximation, len(d), 1.0)
    rng = np.random.default_rng(graine)
    ecart = rng.integers(0, len(marges), replicats)
    rapports = np.where(np.arange(len(marges))[None, :] == ecart[:, None], float(rapport), 1.0)
    cubes = _tirer_cubes(marges, rapports, rng, replicats)
    noms = list(marges)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AvertissementPaquet)  # strate sans information dans une réplique
        p = np.array([associations.breslow_day(cube, noms)[3] for cube in cubes])
    return _resultat_simule(np.nan_to_num(p, nan=1.0) < seuil, rapport, methode, cible, approximation, len(d),
                            replicats)
