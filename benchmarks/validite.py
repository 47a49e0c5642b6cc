"""Validité statistique des tests du paquet : étude de simulation reproductible.

Sur des données qui ressemblent aux nôtres (quelques centaines d'instances
réparties dans six territoires ; 5 à 15 participants par instance, corrélés
au sein de l'instance), on mesure :

- sous l'hypothèse nulle, l'erreur de type I au seuil 0,05 de chaque test
  (khi-deux avec et sans Yates, Fisher, association(), CMH avec et sans
  correction, régression logistique brute et ajustée, GEE) ;
- le taux de couverture des IC à 95 % des rapports de cotes ;
- le coût d'ignorer les grappes : khi-deux et logistique « naïfs » sur des
  participants dont l'exposition est mesurée au niveau de l'instance ;
- la couverture de l'IC d'une part de participants du portrait (Wilson naïf
  contre `indicateurs.proportion_grappes`, avec et sans poids) ;
- l'erreur de type I du test d'hétérogénéité entre territoires au niveau des
  participants (khi-deux naïf contre `modeles.wald_termes`, avec et sans poids).

Cibles : erreur de type I dans [0,04 ; 0,06], couverture dans [0,93 ; 0,97].
Chaque proportion est donnée avec son erreur type de Monte-Carlo
sqrt(p (1 - p) / R).

Usage (depuis la racine du dépôt) ::

    .venv/bin/python benchmarks/validite.py --replications 1000 --processus 2

La graine fixe rend la sortie identique d'une exécution à l'autre, quel que
soit le nombre de processus.
"""

from __future__ import annotations

import argparse
import time
import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from paquet_analyse.associations import (
    association,
    exact_fisher,
    khi2_independance,
    mantel_haenszel,
    score_2x2,
)
from paquet_analyse.erreurs import AvertissementPaquet
from paquet_analyse.indicateurs import proportion_grappes, proportion_wilson
from paquet_analyse.modeles import regression_logistique, wald_termes

TERRITOIRES = ["Les Moulins", "L'Assomption", "Joliette", "D'Autray", "Matawinie", "Montcalm"]
#: Probabilité de l'issue chez les non-exposés, par territoire.
BASE_ISSUE = np.array([0.30, 0.40, 0.45, 0.50, 0.55, 0.60])
PREVALENCE_EXPOSITION = 0.6  # ~ part des instances à logique descendante
SEUIL = 0.05
NB_INSTANCES = 300
NB_PETIT_TERRITOIRE = 40
RAPPORT_COTES_EFFET = 2.0
SIGMA_INSTANCE = 1.0  # écart type de l'effet aléatoire d'instance (logit) : CCI latente ≈ 0,23
NB_INSTANCES_TERRITOIRE = 50  # ~ instances d'une MRC (portrait d'un territoire)
PART_PARTICIPANTS = 0.44  # part d'auto-délégation (Les Moulins) : logit de base des participants


def _expit(x):
    return 1 / (1 + np.exp(-x))


def _logit(p):
    return np.log(p / (1 - p))


def simuler_instances(rng, nb_instances, rapport_cotes=1.0):
    """Une ligne par instance : territoire, exposition, issue (niveau instance)."""
    territoire = rng.integers(0, len(TERRITOIRES), nb_instances)
    expose = rng.random(nb_instances) < PREVALENCE_EXPOSITION
    logit = _logit(BASE_ISSUE[territoire]) + np.log(rapport_cotes) * expose
    issue = rng.random(nb_instances) < _expit(logit)
    return pd.DataFrame({
        "territoire": np.array(TERRITOIRES)[territoire], "expose": expose, "issue": issue,
    })


def simuler_participants(rng, nb_instances, sigma=SIGMA_INSTANCE):
    """Participants groupés dans des instances ; exposition au niveau de
    l'instance, issue individuelle corrélée dans l'instance, aucun effet."""
    tailles = rng.integers(5, 16, nb_instances)
    instance = np.repeat(np.arange(nb_instances), tailles)
    expose = np.repeat(rng.random(nb_instances) < PREVALENCE_EXPOSITION, tailles)
    alea = np.repeat(rng.normal(0.0, sigma, nb_instances), tailles)
    issue = rng.random(len(instance)) < _expit(_logit(0.44) + alea)
    return pd.DataFrame({"id_instance": instance, "expose": expose, "issue": issue})


def _couvre(tableau, valeur, ligne=0):
    return bool(tableau["ic_bas"].iloc[ligne] <= valeur <= tableau["ic_haut"].iloc[ligne])


def _rejette(p):
    return bool(p < SEUIL)


def _terme(tableau, nom="expose[T.True]"):
    return tableau[tableau["terme"] == nom]


def replique_instances_nul(rng):
    """Instances, hypothèse nulle (rapport de cotes 1, conditionnel et marginal)."""
    d = simuler_instances(rng, NB_INSTANCES)
    k = khi2_independance(d, "expose", "issue", correction=False)
    ky = khi2_independance(d, "expose", "issue")
    f = exact_fisher(d, "expose", "issue")
    fb = exact_fisher(d, "expose", "issue", methode_ic="blaker")
    sc = score_2x2(d, "expose", "issue")
    m = mantel_haenszel(d, "expose", "issue", "territoire")
    lb = _terme(regression_logistique(d, "issue ~ expose"))
    la = _terme(regression_logistique(d, "issue ~ expose + territoire"))
    return {
        ("I", "khi-deux de Pearson"): _rejette(k["p_valeur"].iloc[0]),
        ("I", "khi-deux avec Yates"): _rejette(ky["p_valeur"].iloc[0]),
        ("I", "Fisher exact"): _rejette(f["p_valeur"].iloc[0]),
        ("I", "Blaker exact (p et IC accordés)"): _rejette(fb["p_valeur"].iloc[0]),
        ("I", "score de Miettinen-Nurminen (khi-deux N-1)"): _rejette(sc["p_valeur"].iloc[0]),
        ("I", "Wald du RC de Mantel-Haenszel (RBG)"): _rejette(m.p_wald),
        ("I", "CMH sans correction"): _rejette(m.p_cmh_non_corrige),
        ("I", "CMH avec correction"): _rejette(m.p_cmh_corrige),
        ("I", "Breslow-Day"): _rejette(m.p_breslow_day),
        ("I", "logistique brute (GLM)"): _rejette(lb["p_valeur"].iloc[0]),
        ("I", "logistique ajustée territoire"): _rejette(la["p_valeur"].iloc[0]),
        ("C", "RC empirique, IC de Woolf"): _couvre(k, 1.0),
        ("C", "RC conditionnel, IC exact de Fisher"): _couvre(f, 1.0),
        ("C", "RC conditionnel, IC exact de Blaker"): _couvre(fb, 1.0),
        ("C", "RC, IC du score de Miettinen-Nurminen"): _couvre(sc, 1.0),
        ("P", "accord IC-p : Blaker"): _couvre(fb, 1.0) == (not _rejette(fb["p_valeur"].iloc[0])),
        ("P", "accord IC-p : score"): _couvre(sc, 1.0) == (not _rejette(sc["p_valeur"].iloc[0])),
        ("P", "accord IC-p : Mantel-Haenszel (Wald)"): bool(m.ic_bas <= 1.0 <= m.ic_haut) == (not _rejette(m.p_wald)),
        ("P", "accord IC-p : Fisher central (avant)"): _couvre(f, 1.0) == (not _rejette(f["p_valeur"].iloc[0])),
        ("C", "RC de Mantel-Haenszel (RBG)"): bool(m.ic_bas <= 1.0 <= m.ic_haut),
        ("C", "RC logistique brute (Wald)"): _couvre(lb, 1.0),
        ("C", "RC logistique ajustée (Wald)"): _couvre(la, 1.0),
    }


def replique_instances_effet(rng):
    """Instances, rapport de cotes commun 2 dans chaque territoire."""
    d = simuler_instances(rng, NB_INSTANCES, RAPPORT_COTES_EFFET)
    m = mantel_haenszel(d, "expose", "issue", "territoire")
    la = _terme(regression_logistique(d, "issue ~ expose + territoire"))
    vrai = RAPPORT_COTES_EFFET
    return {
        ("C", "RC de Mantel-Haenszel (RBG)"): bool(m.ic_bas <= vrai <= m.ic_haut),
        ("C", "RC logistique ajustée (Wald)"): _couvre(la, vrai),
        ("I", "Breslow-Day (homogénéité vraie)"): _rejette(m.p_breslow_day),
        ("P", "puissance CMH sans correction"): _rejette(m.p_cmh_non_corrige),
        ("P", "puissance Wald du RC de Mantel-Haenszel"): _rejette(m.p_wald),
    }


def replique_petit_territoire(rng):
    """Un petit territoire : 40 instances, hypothèse nulle."""
    d = simuler_instances(rng, NB_PETIT_TERRITOIRE)
    d["issue"] = rng.random(len(d)) < 0.3  # issue plus rare : attendus parfois < 5
    a = association(d, "expose", "issue")
    ab = association(d, "expose", "issue", methode_ic="blaker")
    return {
        ("I", "association accordée (score ou Blaker)"): _rejette(ab["p_valeur"].iloc[0]),
        ("C", "association accordée : IC"): _couvre(ab, 1.0),
        ("I", "khi-deux de Pearson"): _rejette(
            khi2_independance(d, "expose", "issue", correction=False)["p_valeur"].iloc[0]),
        ("I", "Fisher exact"): _rejette(exact_fisher(d, "expose", "issue")["p_valeur"].iloc[0]),
        ("I", "association() (règle des attendus)"): _rejette(a["p_valeur"].iloc[0]),
        ("P", "part des cas où association() choisit Fisher"): a["test"].iloc[0] == "fisher_exact",
    }


def replique_participants(rng):
    """Participants groupés, exposition au niveau de l'instance, nul."""
    d = simuler_participants(rng, NB_INSTANCES)
    k = khi2_independance(d, "expose", "issue", correction=False)
    naif = _terme(regression_logistique(d, "issue ~ expose"))
    gee = _terme(regression_logistique(d, "issue ~ expose", grappes="id_instance"))
    return {
        ("I", "khi-deux naïf (ignore les grappes)"): _rejette(k["p_valeur"].iloc[0]),
        ("I", "logistique naïve (GLM)"): _rejette(naif["p_valeur"].iloc[0]),
        ("I", "GEE échangeable, sandwich"): _rejette(gee["p_valeur"].iloc[0]),
        ("C", "RC logistique naïve (Wald)"): _couvre(naif, 1.0),
        ("C", "RC GEE (Wald robuste)"): _couvre(gee, 1.0),
    }


def _part_marginale(sigma=SIGMA_INSTANCE, base=PART_PARTICIPANTS):
    """Vraie part marginale E[expit(logit(base) + u)], u ~ N(0, sigma²) (quadrature de Gauss-Hermite)."""
    noeuds, poids = np.polynomial.hermite_e.hermegauss(80)
    return float(np.sum(poids * _expit(_logit(base) + sigma * noeuds)) / np.sum(poids))


def _poids_sondage(rng, n):
    """Poids de sondage inégaux (log-normaux, rapport max/min ≈ 10), indépendants de l'issue."""
    return np.exp(rng.normal(0.0, 0.6, n))


def replique_portrait(rng):
    """Une part de participants d'un territoire : 50 instances × 5-15 participants, CCI latente ≈ 0,23."""
    d = simuler_participants(rng, NB_INSTANCES_TERRITOIRE)
    d["poids"] = _poids_sondage(rng, len(d))
    vrai = _part_marginale()
    _, bas, haut = proportion_wilson(int(d["issue"].sum()), len(d))
    g = proportion_grappes(d, "issue", grappes="id_instance").iloc[0]
    gp = proportion_grappes(d, "issue", grappes="id_instance", poids="poids").iloc[0]
    return {
        ("C", "part : Wilson naïf (portrait avant)"): bool(bas <= vrai <= haut),
        ("C", "part : plan de sondage, logit t(G-1)"): bool(g["ic_bas"] <= vrai <= g["ic_haut"]),
        ("C", "part pondérée : plan de sondage"): bool(gp["ic_bas"] <= vrai <= gp["ic_haut"]),
    }


def replique_heterogeneite(rng):
    """Participants de 300 instances réparties dans 6 territoires ; aucune différence entre territoires."""
    d = simuler_participants(rng, NB_INSTANCES)
    territoire = rng.integers(0, len(TERRITOIRES), NB_INSTANCES)
    d["territoire"] = np.array(TERRITOIRES)[territoire[d["id_instance"]]]
    d["poids"] = _poids_sondage(rng, len(d))
    naif = association(d, "territoire", "issue")
    gee = wald_termes(d, "issue ~ C(territoire)", "territoire", grappes="id_instance")
    plan = wald_termes(d, "issue ~ C(territoire)", "territoire", grappes="id_instance", poids="poids")
    return {
        ("I", "hétérogénéité : khi-deux naïf (avant)"): _rejette(naif["p_valeur"].iloc[0]),
        ("I", "hétérogénéité : Wald GEE, sandwich Mancl-DeRouen"): _rejette(gee["p_valeur"].iloc[0]),
        ("I", "hétérogénéité pondérée : F de plan, Mancl-DeRouen"): _rejette(plan["p_valeur"].iloc[0]),
    }


SCENARIOS = {
    "instances_nul": (replique_instances_nul, f"{NB_INSTANCES} instances, 6 territoires, H0"),
    "instances_effet": (replique_instances_effet,
                        f"{NB_INSTANCES} instances, RC commun = {RAPPORT_COTES_EFFET:g}"),
    "petit_territoire": (replique_petit_territoire,
                         f"petit territoire, {NB_PETIT_TERRITOIRE} instances, H0"),
    "participants": (replique_participants,
                     f"{NB_INSTANCES} instances × 5-15 participants, sigma = "
                     f"{SIGMA_INSTANCE:g}, H0"),
    "portrait": (replique_portrait,
                 f"{NB_INSTANCES_TERRITOIRE} instances × 5-15 participants, sigma = {SIGMA_INSTANCE:g}, "
                 f"vraie part {_part_marginale():.3f}"),
    "heterogeneite": (replique_heterogeneite,
                      f"{NB_INSTANCES} instances × 5-15 participants dans 6 territoires, sigma = "
                      f"{SIGMA_INSTANCE:g}, H0"),
}


def _executer(tache):
    """Une réplique (processus de travail) : avertissements du paquet comptés."""
    nom, graine = tache
    fonction = SCENARIOS[nom][0]
    with warnings.catch_warnings(record=True) as captures:
        warnings.simplefilter("always", AvertissementPaquet)
        resultat = fonction(np.random.default_rng(graine))
    resultat[("N", "avertissements du paquet")] = len(captures)
    return nom, resultat


def _cible(genre):
    return {"I": (0.04, 0.06), "C": (0.93, 0.97)}.get(genre)


def resumer(nom, resultats):
    """Tableau des proportions, erreurs Monte-Carlo et verdicts d'un scénario."""
    tab = pd.DataFrame(resultats)
    lignes = []
    for (genre, etiquette) in tab.columns:
        x = tab[(genre, etiquette)].astype(float)
        if genre == "N":
            lignes.append((nom, "répliques avec avertissement", etiquette,
                           float((x > 0).mean()), np.nan, ""))
            continue
        p = float(x.mean())
        emc = float(np.sqrt(p * (1 - p) / len(x)))
        cible = _cible(genre)
        verdict = "" if cible is None else ("dans la cible" if cible[0] <= p <= cible[1]
                                            else "HORS CIBLE")
        quoi = {"I": "erreur de type I", "C": "couverture IC 95 %", "P": "proportion"}[genre]
        lignes.append((nom, quoi, etiquette, p, emc, verdict))
    return pd.DataFrame(lignes, columns=["scenario", "mesure", "procedure", "valeur",
                                         "erreur_mc", "verdict"])


def principal(arguments=None):
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--replications", type=int, default=1000)
    parseur.add_argument("--processus", type=int, default=2)
    parseur.add_argument("--graine", type=int, default=2010)
    parseur.add_argument("--scenarios", nargs="*", default=list(SCENARIOS))
    args = parseur.parse_args(arguments)
    debut = time.perf_counter()
    racine = np.random.SeedSequence(args.graine)
    taches = []
    for nom, graines in zip(args.scenarios, racine.spawn(len(args.scenarios))):
        taches += [(nom, g) for g in graines.spawn(args.replications)]
    resultats = {nom: [] for nom in args.scenarios}
    with ProcessPoolExecutor(max_workers=args.processus) as executeur:
        for nom, res in executeur.map(_executer, taches, chunksize=20):
            resultats[nom].append(res)
    tableau = pd.concat([resumer(n, r) for n, r in resultats.items()], ignore_index=True)
    print(f"Validité statistique — {args.replications} répliques par scénario, "
          f"graine {args.graine}, seuil {SEUIL}")
    for nom in args.scenarios:
        print(f"  {nom} : {SCENARIOS[nom][1]}")
    with pd.option_context("display.width", 200, "display.max_colwidth", 60,
                           "display.max_rows", 200):
        print(tableau.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"Durée : {time.perf_counter() - debut:.0f} s ({args.processus} processus)")
    return tableau


if __name__ == "__main__":
    principal()
