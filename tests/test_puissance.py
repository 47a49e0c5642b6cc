"""Tests de paquet_analyse.puissance (puissance analytique de chaque test publié)."""

import dataclasses
import inspect
import warnings

import numpy as np
import pandas as pd
import pytest

from paquet_analyse import plan
from paquet_analyse import puissance as mp
from paquet_analyse.donnees import restreindre
from paquet_analyse.erreurs import ErreurDonnees, ErreurEffectifs
from paquet_analyse.puissance_simulee import Scenario, generer_replique, puissance
from paquet_analyse.puissance import (
    _joindre,
    ResultatPuissance,
    cci_anova,
    puissance_ecart,
    puissance_homogeneite,
    puissance_rapport_cotes,
    puissance_territoires,
)


def table_2x2(n1, p1, n0, p0):
    """Tableau individuel : n1 exposés dont la part p1 a l'issue, n0 non-exposés (part p0)."""
    k1, k0 = round(n1 * p1), round(n0 * p0)
    assert k1 == pytest.approx(n1 * p1) and k0 == pytest.approx(n0 * p0)
    return pd.DataFrame({"expose": [True] * n1 + [False] * n0,
                         "issue": [True] * k1 + [False] * (n1 - k1) + [True] * k0 + [False] * (n0 - k0)})


def cotes(p):
    return p / (1 - p)


def test_deux_proportions_proches_de_la_moitie_vignette_pwr():
    """Vignette du paquet R pwr (1.3-0, ``vignettes/pwr-vignette.Rmd``), sortie imprimée :

        pwr.2p.test(h = ES.h(p1 = 0.55, p2 = 0.50), sig.level = 0.05, power = .80)
        #  n = 1564.529   (par groupe ; transformation arcsinus)
        power.prop.test(p1 = 0.55, p2 = 0.50, sig.level = 0.05, power = .80)
        #  n = 1564.672

    Près de p = 0,5, l'approximation de Wald sur le log du rapport de cotes et
    ces deux approximations ont la même limite et ne diffèrent qu'en O(1/n) :
    l'effectif qui donne 80 % (interpolé entre 1560 et 1580 par groupe) doit
    être à 0,5 % près celui de R."""
    rc = cotes(0.55) / cotes(0.50)
    bas = puissance_rapport_cotes(table_2x2(1560, 0.55, 1560, 0.50), "expose", "issue", rapport_cotes=rc)
    haut = puissance_rapport_cotes(table_2x2(1580, 0.55, 1580, 0.50), "expose", "issue", rapport_cotes=rc)
    assert bas.puissance < 0.80 < haut.puissance
    n_80 = 1560 + 20 * (0.80 - bas.puissance) / (haut.puissance - bas.puissance)
    assert n_80 == pytest.approx(1564.529, rel=0.005)
    assert n_80 == pytest.approx(1564.672, rel=0.005)


def test_proportions_rares_ecart_documente_avec_arcsinus_et_power_prop_test():
    """Deux références publiées, et l'écart attendu avec l'approximation de Wald :

    - vignette de pwr : ``pwr.2p.test(h = ES.h(p1 = 0.10, p2 = 0.05),
      sig.level = 0.05, power = .80)`` donne ``n = 423.7319`` par groupe ;
    - aide de R ``?power.prop.test`` (paquet stats) :
      ``power.prop.test(n = 50, p1 = .50, p2 = .75)  ## => power = 0.740``.

    Le test de Wald sur le log du rapport de cotes, variance de Woolf
    évaluée sous l'alternative (non groupée), est un peu plus prudent que
    l'arcsinus ou que la différence de proportions à variance groupée sous
    H0 quand l'issue est rare ou l'effet grand : il demande
    n = (z₀,₉₇₅ + z₀,₈)² (1/(p₁q₁) + 1/(p₀q₀)) / log(RC)² ≈ 452 par groupe au
    lieu de 424 (+ 6,7 %), et donne 0,720 au lieu de 0,740 à n = 50.
    Tolérances : effectif à 0-8 % au-dessus de la référence ; puissance
    de 0 à 0,03 au-dessous (à n = 50, moyenne de n = 48 et 52, 0,75 × 50
    n'étant pas entier)."""
    from scipy import stats

    rc = cotes(0.10) / cotes(0.05)
    attendu = (stats.norm.ppf(0.975) + stats.norm.ppf(0.80)) ** 2 * (1 / 0.09 + 1 / 0.0475) / np.log(rc) ** 2
    r = puissance_rapport_cotes(table_2x2(440, 0.10, 440, 0.05), "expose", "issue", rapport_cotes=rc)
    assert r.puissance < 0.80  # 440 < 452 : pas encore 80 %
    assert 423.7319 <= attendu <= 1.08 * 423.7319
    # au n trouvé par la formule fermée, la fonction redonne 80 %
    n = 460  # multiple de 20 juste au-dessus de 452
    assert puissance_rapport_cotes(table_2x2(n, 0.10, n, 0.05), "expose", "issue",
                                   rapport_cotes=rc).puissance > 0.80
    # n = 50 par groupe : 0,75 × 50 n'est pas entier ; moyenne des puissances à 48 et 52
    r50 = np.mean([puissance_rapport_cotes(table_2x2(n, 0.50, n, 0.75), "expose", "issue",
                                           rapport_cotes=cotes(0.50) / cotes(0.75)).puissance for n in (48, 52)])
    assert 0.740 - 0.03 < r50 < 0.740


def test_wald_formule_a_la_main_et_phrase():
    """2 × 2 équilibré, marges observées compatibles avec RC = 2 (p₀ = 1/2,
    p₁ = 2/3) : cases 100/50/75/75, se = sqrt(1/100 + 1/50 + 2/75),
    puissance = Φ(log 2 / se − 1,96) + Φ(−log 2 / se − 1,96)."""
    from scipy import stats

    r = puissance_rapport_cotes(table_2x2(150, 2 / 3, 150, 0.5), "expose", "issue")
    se = np.sqrt(1 / 100 + 1 / 50 + 2 / 75)
    z = stats.norm.ppf(0.975)
    attendu = stats.norm.cdf(np.log(2) / se - z) + stats.norm.cdf(-np.log(2) / se - z)
    assert r.puissance == pytest.approx(attendu, rel=1e-9)
    assert isinstance(r, ResultatPuissance) and r.effet == 2.0 and r.effet_plan == 1.0
    assert r.phrase() == (f"puissance d'environ {round(100 * attendu)} % de détecter un rapport de cotes "
                          "de 2 à cet effectif (approximation de Wald)")
    assert "Woolf" in r.methode
    # sous H0 (RC = 1), la « puissance » est le seuil
    assert puissance_rapport_cotes(table_2x2(150, 0.5, 150, 0.5), "expose", "issue",
                                   rapport_cotes=1.0).puissance == pytest.approx(0.05)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.puissance = 0.9


def test_cci_anova_shrout_fleiss():
    """Shrout et Fleiss (1979, *Psychological Bulletin* 86:420-428, tableau 2 :
    6 cibles × 4 juges) : ICC(1,1) = 0,17 (tableau 4) ; pingouin
    ``intraclass_corr`` (même exemple, documentation) : ICC1 = 0,165742."""
    notes = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]])
    assert cci_anova(notes.ravel(), np.repeat(np.arange(6), 4)) == pytest.approx(0.165742, abs=5e-7)
    # une grappe par groupe : non estimable
    assert np.isnan(cci_anova([1, 0, 1, 0], ["a", "a", "b", "b"], ["x", "x", "y", "y"]))


def _donnees_grappees(nb_grappes, taille, rho_latent, graine=3):
    """Participants, exposition au niveau de la grappe (moitié des grappes), RC conditionnel 2."""
    rng = np.random.default_rng(graine)
    g = np.repeat(np.arange(nb_grappes), taille)
    expose = np.repeat(np.arange(nb_grappes) % 2 == 0, taille)
    u = np.repeat(rng.normal(0, np.sqrt(rho_latent * 3.29 / (1 - rho_latent)), nb_grappes), taille)
    y = rng.random(len(g)) < 1 / (1 + np.exp(-(-0.3 + np.log(2) * expose + u)))
    return pd.DataFrame({"grappe": g, "expose": expose, "issue": y})


def test_effet_de_plan_grappes():
    d = _donnees_grappees(40, 10, 0.2)
    sans = puissance_rapport_cotes(d, "expose", "issue")
    avec = puissance_rapport_cotes(d, "expose", "issue", grappes="grappe")
    assert avec.cci > 0 and avec.effet_plan == pytest.approx(1 + 9 * avec.cci)
    assert avec.puissance < sans.puissance
    assert "effet de plan" in avec.phrase() and "Fleiss" in avec.methode
    # grappes d'une ligne : aucun effet de plan
    d1 = d.assign(grappe=np.arange(len(d)))
    assert puissance_rapport_cotes(d1, "expose", "issue", grappes="grappe").puissance == pytest.approx(
        sans.puissance)


def test_valeurs_par_defaut_egales_au_plan():
    """Règle du projet : aucune valeur par défaut ne contredit le plan."""
    seuils = plan.charger_plan().seuils

    def defaut(f, nom):
        return inspect.signature(f).parameters[nom].default

    assert defaut(puissance_rapport_cotes, "rapport_cotes") == seuils["rapport_cotes_puissance"]
    assert defaut(puissance_territoires, "rapport_cotes") == seuils["rapport_cotes_puissance"]
    assert defaut(puissance_homogeneite, "rapport") == seuils["rapport_cotes_puissance"]
    assert defaut(puissance_ecart, "ecart") == seuils["ecart_puissance"]
    assert defaut(mp.puissance_association, "rapport_cotes") == seuils["rapport_cotes_puissance"]
    assert defaut(mp.puissance_mantel_haenszel, "rapport_cotes") == seuils["rapport_cotes_puissance"]
    assert defaut(mp.puissance_homogeneite_tarone, "rapport") == seuils["rapport_cotes_puissance"]
    for f in (puissance_rapport_cotes, puissance_territoires, puissance_homogeneite, puissance_ecart,
              mp.puissance_association, mp.puissance_mantel_haenszel, mp.puissance_homogeneite_tarone):
        assert defaut(f, "seuil") == seuils["alpha"]


def _analytique_moyenne(scenario, test, replicats, graine=2010):
    """Puissance analytique moyenne sur les répliques mêmes de :func:`puissance`."""
    valeurs = []
    for g in np.random.SeedSequence(graine).spawn(replicats):
        d = generer_replique(scenario, np.random.default_rng(g))
        r = puissance_rapport_cotes(d, "exposee", "issue", strate="territoire")
        valeurs.append(r.puissance)
    return float(np.nanmean(valeurs))


@pytest.mark.parametrize("test, scenario", [
    ("mantel_haenszel", Scenario(nb_instances=20, rapport_cotes=2.0)),
])
def test_accord_avec_la_simulation(test, scenario):
    """La puissance analytique (moyenne sur les répliques, marges observées)
    et le taux de rejet simulé du module (mêmes jeux SIMULÉS) s'accordent à
    3 erreurs types Monte-Carlo près (80 répliques : ± 0,15 environ). Le banc
    ``benchmarks/puissance_analytique.py`` fait la comparaison complète
    (1000 répliques, quatre tests, voir benchmarks/README.md)."""
    replicats = 80
    simule = puissance(scenario, test, replicats=replicats, processus=1)
    analytique = _analytique_moyenne(scenario, test, replicats)
    erreur = max(simule["erreur_mc"], np.sqrt(0.25 / replicats) / 2)
    assert abs(analytique - simule["puissance"]) < 3 * erreur


def test_cas_limites_nan_jamais_d_exception():
    base = table_2x2(30, 0.4, 30, 0.2)
    # case observée nulle : calculable (marges non nulles)
    zero = table_2x2(30, 0.4, 30, 0.0)
    assert 0 < puissance_rapport_cotes(zero, "expose", "issue").puissance < 1
    cas = {
        "toutes les lignes sont exposées": base.assign(expose=True),
        "aucune ligne exposée": base.assign(expose=False),
        "marge de 0 ou de 1": base.assign(issue=False),
        "aucune ligne complète": base.iloc[:0],
    }
    for raison, t in cas.items():
        r = puissance_rapport_cotes(t, "expose", "issue")
        assert np.isnan(r.puissance) and raison in r.raison, raison
        assert "non calculable" in r.methode and "non calculable" in r.phrase()
    une_grappe = base.assign(g=1)
    r = puissance_rapport_cotes(une_grappe, "expose", "issue", grappes="g")
    assert np.isnan(r.puissance) and "1 grappe" in r.raison
    strates = base.assign(s="a")
    assert np.isfinite(puissance_rapport_cotes(strates, "expose", "issue", strate="s").puissance)
    r = puissance_homogeneite(strates, "expose", "issue", "s")
    assert np.isnan(r.puissance) and "moins de deux strates" in r.raison
    assert np.isnan(puissance_homogeneite(base.assign(s=["a", "b"] * 30, issue=False),
                                          "expose", "issue", "s").puissance)
    r = puissance_territoires(base.assign(mrc="Joliette"), "issue", "mrc")
    assert np.isnan(r.puissance) and "1 territoire" in r.raison
    assert np.isnan(puissance_territoires(base.assign(mrc=["a", "b"] * 30, issue=True), "issue", "mrc").puissance)
    continu = base.assign(indice=50.0)
    assert "constante" in puissance_ecart(continu, "expose", "indice").raison
    assert np.isnan(puissance_ecart(continu.assign(expose=True), "expose", "indice").puissance)
    assert np.isnan(puissance_ecart(continu.assign(g=1, indice=np.arange(60.0)), "expose", "indice",
                                    grappes="g").puissance)


def test_entrees_invalides_puissance_analytique():
    t = table_2x2(20, 0.5, 20, 0.3)
    with pytest.raises(ErreurDonnees, match="absente"):
        puissance_rapport_cotes(t, "expose", "inconnue")
    with pytest.raises(ErreurDonnees, match="booléenne"):
        puissance_rapport_cotes(t.assign(issue="oui"), "expose", "issue")
    with pytest.raises(ErreurDonnees, match="seuil"):
        puissance_rapport_cotes(t, "expose", "issue", seuil=5)
    with pytest.raises(ErreurDonnees, match="rapport_cotes"):
        puissance_territoires(t.assign(m=["a", "b"] * 20), "issue", "m", rapport_cotes=0)
    with pytest.raises(ErreurDonnees, match="numérique"):
        puissance_ecart(t, "expose", "issue")


def test_monotonie_taille_et_effet():
    petit, grand = table_2x2(40, 0.5, 40, 0.3), table_2x2(80, 0.5, 80, 0.3)
    f = puissance_rapport_cotes
    assert f(petit, "expose", "issue").puissance < f(grand, "expose", "issue").puissance
    rcs = [f(grand, "expose", "issue", rapport_cotes=rc).puissance for rc in (1.25, 1.5, 2, 3, 4)]
    assert np.all(np.diff(rcs) > 0)
    strat = pd.concat([petit.assign(s="a"), grand.assign(s="b")], ignore_index=True)
    assert f(strat, "expose", "issue", strate="s").puissance > f(grand, "expose", "issue").puissance
    h = [puissance_homogeneite(pd.concat([strat] * k, ignore_index=True), "expose", "issue", "s",
                               rapport=r).puissance for k, r in ((1, 2), (2, 2), (2, 3))]
    assert h[0] < h[1] < h[2]
    mrc = grand.assign(mrc=["a", "b", "c", "d"] * 40)
    tr = [puissance_territoires(pd.concat([mrc] * k, ignore_index=True), "issue", "mrc", rapport_cotes=r).puissance
          for k, r in ((1, 2), (2, 2), (2, 3))]
    assert tr[0] < tr[1] < tr[2]
    c = grand.assign(indice=np.tile([40.0, 60.0], 80))
    ec = [puissance_ecart(pd.concat([c] * k, ignore_index=True), "expose", "indice", ecart=e).puissance
          for k, e in ((1, 5), (2, 5), (2, 10))]
    assert ec[0] < ec[1] < ec[2]


def test_cles_de_groupes_comme_la_jointure_ligne_a_ligne():
    """`_joindre` (vectorisé) donne exactement les clés de `astype(str).agg("|".join, axis=1)`, y compris pour
    des catégories, des valeurs manquantes et des réels : l'effet de plan ne change pas."""
    rng = np.random.default_rng(1)
    d = pd.DataFrame({"a": rng.integers(0, 5, 300), "b": pd.Categorical(rng.choice(["x", "y", None], 300)),
                      "c": rng.choice([1.5, np.nan, 2.0], 300)})
    for colonnes in (["a"], ["a", "b"], ["b", "c", "a"]):
        assert _joindre(d, colonnes).equals(d[colonnes].astype(str).agg("|".join, axis=1))


# ---------------------------------------------------------------------------
# Puissance du test publié lui-même
# ---------------------------------------------------------------------------


def _tirer_table(rng, n1, n0, p1, p0):
    a, c = rng.binomial(n1, p1), rng.binomial(n0, p0)
    return pd.DataFrame({"expose": [True] * n1 + [False] * n0,
                         "issue": [True] * a + [False] * (n1 - a) + [True] * c + [False] * (n0 - c)})


def test_p_valeurs_association_egales_au_test_publie():
    """Chaque p de la matrice est celle que `association(..., methode_ic="blaker")` publie pour ce tableau."""
    from paquet_analyse import associations

    rng = np.random.default_rng(11)
    p = associations.p_valeurs_association(9, 24)
    for _ in range(150):
        c, a = int(rng.integers(0, 10)), int(rng.integers(0, 25))
        d = _tirer_table(rng, 24, 9, 0, 0)
        d["issue"] = [True] * a + [False] * (24 - a) + [True] * c + [False] * (9 - c)
        if c + a in (0, 33):
            assert np.isnan(p[c, a])
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            attendu = associations.association(d, "expose", "issue", methode_ic="blaker")["p_valeur"].iloc[0]
        assert p[c, a] == pytest.approx(attendu, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("n1,n0,m", [(40, 14, 20), (27, 13, 24), (30, 30, 12)])
def test_puissance_exacte_du_test_publie_egale_sa_simulation(n1, n0, m):
    """Puissance exacte (énumération) du test publié contre sa simulation.

    D'abord (pour le plus petit cas, 41 tables : 392 tableaux ; les autres tailles sont couvertes par
    `test_p_valeurs_association_egales_au_test_publie`), pour CHAQUE tableau possible à ces effectifs d'exposés
    et de non-exposés, la p utilisée est celle que publie la fonction publique `association(...,
    methode_ic="blaker")` (score ou Blaker ; issue absente ou universelle : aucun test). Puis 400 000 tableaux tirés sous le même modèle (deux binomiales, rapport de
    cotes 2, total attendu m) : la part des rejets est à moins de 2 erreurs types Monte-Carlo de la puissance
    exacte."""
    from paquet_analyse import associations

    t = pd.DataFrame({"expose": [True] * n1 + [False] * n0, "issue": [True] * m + [False] * (n1 + n0 - m)})
    exacte = mp.puissance_association(t, "expose", "issue", rapport_cotes=2.0).puissance
    p1, p0 = mp.probabilites_alternative(n1, n0, m, 2.0)
    assert n1 * p1 + n0 * p0 == pytest.approx(m) and (p1 / (1 - p1)) / (p0 / (1 - p0)) == pytest.approx(2.0)
    p_tableaux = associations.p_valeurs_association(n0, n1)
    for a in range(n1 + 1 if n1 + n0 <= 40 else 0):
        for c in range(n0 + 1):
            d = pd.DataFrame({"expose": [True] * n1 + [False] * n0,
                              "issue": [True] * a + [False] * (n1 - a) + [True] * c + [False] * (n0 - c)})
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    publiee = associations.association(d, "expose", "issue", methode_ic="blaker")["p_valeur"].iloc[0]
                except ErreurEffectifs:
                    assert np.isnan(p_tableaux[c, a])
                    continue
            assert p_tableaux[c, a] == pytest.approx(publiee, rel=1e-9, abs=1e-13)
    rng = np.random.default_rng(2023)
    replicats = 400_000
    a, c = rng.binomial(n1, p1, replicats), rng.binomial(n0, p0, replicats)
    simulee = float((np.nan_to_num(p_tableaux[c, a], nan=1.0) < 0.05).mean())
    assert abs(exacte - simulee) <= 2 * np.sqrt(exacte * (1 - exacte) / replicats), (exacte, simulee)


def test_puissance_mantel_haenszel_et_tarone_egales_au_test_publie_simule():
    """Le Wald de Mantel-Haenszel et le Breslow-Day de Tarone simulés par le module (cubes, graine fixe) contre
    les mêmes modèles passés par la fonction publique `mantel_haenszel` sur des tableaux de données : à moins de
    2 erreurs types Monte-Carlo (les deux simulations sont indépendantes)."""
    from paquet_analyse import associations

    marges = {"a": (30, 10, 15), "b": (25, 12, 20), "c": (35, 8, 10), "d": (20, 20, 18)}
    lignes = []
    for s, (n1, n0, m) in marges.items():
        lignes += [{"strate": s, "expose": i < n1, "issue": i < m} for i in range(n1 + n0)]
    t = pd.DataFrame(lignes)
    mh = mp.puissance_mantel_haenszel(t, "expose", "issue", "strate", replicats=400)
    ta = mp.puissance_homogeneite_tarone(t, "expose", "issue", "strate", replicats=400)
    assert "Mantel-Haenszel" in mh.methode and "Tarone" in ta.methode and "400 répliques" in mh.methode
    rng = np.random.default_rng(99)
    rejets_mh, rejets_ta = [], []
    for r in range(400):
        ecart = list(marges)[r % len(marges)]
        morceaux_mh, morceaux_ta = [], []
        for s, (n1, n0, m) in marges.items():
            for rc, morceaux in ((2.0, morceaux_mh), (2.0 if s == ecart else 1.0, morceaux_ta)):
                p1, p0 = mp.probabilites_alternative(n1, n0, m, rc)
                morceaux.append(_tirer_table(rng, n1, n0, p1, p0).assign(strate=s))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rejets_mh.append(associations.mantel_haenszel(pd.concat(morceaux_mh), "expose", "issue", "strate").p_wald < 0.05)
            rejets_ta.append(associations.mantel_haenszel(pd.concat(morceaux_ta), "expose", "issue", "strate").p_tarone < 0.05)
    for module, publique in ((mh.puissance, np.mean(rejets_mh)), (ta.puissance, np.mean(rejets_ta))):
        erreur = np.sqrt(2 * module * (1 - module) / 400)  # différence de deux proportions indépendantes
        assert abs(module - publique) <= 2 * erreur, (module, publique)


def test_puissance_publiee_de_joliette_h2b_est_celle_du_test_de_blaker(donnees_defaut):
    """Joliette H2b (test exact de Blaker) : la puissance publiée était 0,165 (approximation de Wald) quand le
    test publié, simulé, n'en a que 0,13. La ligne publie maintenant la puissance du test même : à moins de
    2 erreurs types Monte-Carlo d'une simulation de `association(..., methode_ic="blaker")` (1 000 tableaux)."""
    from paquet_analyse import associations, hypotheses

    r = hypotheses.tester_hypotheses(donnees_defaut, portee="territoire", territoire="Joliette").set_index("id")
    assert r.loc["H2b", "test"] == "exact de Blaker"
    h = donnees_defaut.plan.hypothese("H2b")
    t, _, _ = hypotheses.tableau_analyse(restreindre(donnees_defaut, "Joliette"), h)
    n1, n0 = int(t[h.exposition].sum()), int((~t[h.exposition]).sum())
    p1, p0 = mp.probabilites_alternative(n1, n0, int(t[h.issue].sum()), 2.0)
    rng = np.random.default_rng(2023)
    rejets = []
    for _ in range(1000):
        d = _tirer_table(rng, n1, n0, p1, p0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rejets.append(associations.association(d, "expose", "issue", methode_ic="blaker")["p_valeur"].iloc[0] < 0.05)
    simulee = float(np.mean(rejets))
    assert abs(r.loc["H2b", "puissance"] - simulee) <= 2 * np.sqrt(simulee * (1 - simulee) / 1000)
