"""Validité des tests des participants DANS UN TERRITOIRE, sur la vraie structure de grappes.

Question : dans un territoire, les tests des hypothèses au niveau
des participants (H1c, H1d : GEE logistique ; H6a, H6b : moindres carrés de
l'indice des conditions), dont le plus petit groupe d'exposition ne compte
qu'une dizaine d'instances, gardent-ils leur erreur de type I de 5 % ?

Structure réelle : pour chaque territoire et chaque hypothèse, le tableau
d'analyse même du jeu par défaut préparé (`hypotheses.tableau_analyse` :
mêmes participants, mêmes instances, mêmes tailles de grappes, même
exposition de chaque instance). Seule l'issue est tirée à nouveau, SANS
effet de l'exposition (hypothèse nulle vraie), avec la corrélation
intra-instance du territoire :

- issue binaire : modèle à ordonnée aléatoire d'instance
  ``logit P(y = 1) = b0 + u``, ``u ~ N(0, s²)``, b0 et s choisis pour redonner
  la part observée de l'issue et sa corrélation intra-instance estimée par
  analyse de variance (`puissance.cci_anova`, grappes nichées dans les
  groupes d'exposition) ;
- indice continu : ``y = m + u + e``, variances entre et dans les instances
  tirées de la même corrélation et de la variance observée.

Chaque réplique applique le test publié (`modeles.regression_logistique` et
`modeles.regression_lineaire` tels que `hypotheses` les appelle : sandwich de
Mancl et DeRouen et t à G - 1 ddl ; CR2 et ddl de Satterthwaite) et l'ancien
(sandwich ordinaire et loi normale ; CR1 et t à G - 1 ddl), et, à partir des
mêmes ajustements, les deux variantes intermédiaires (sandwich ordinaire et
t à G - 1 ; Mancl et DeRouen et loi normale ; CR2 et t à G - 1). Erreur de
type I au seuil 0,05, avec son erreur type de Monte-Carlo sqrt(p (1 - p) / R).
Cible : [0,04 ; 0,06].

Usage (depuis la racine du dépôt ; un territoire par exécution pour rester
sous le quart d'heure sur deux cœurs) ::

    .venv/bin/python benchmarks/validite_territoires.py --territoires "D'Autray" --replications 1000 --processus 2

Une sous-graine par réplique (`SeedSequence.spawn`) : sortie identique
quel que soit le nombre de processus.
"""

from __future__ import annotations

import argparse
import time
import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
from scipy import optimize, stats

from paquet_analyse import hypotheses, modeles, preparation, puissance
from paquet_analyse.erreurs import AvertissementPaquet

JEU = "lanaudiere"
HYPOTHESES = ("H1c", "H1d", "H6a", "H6b")
SEUIL = 0.05
_NOEUDS, _POIDS = np.polynomial.hermite_e.hermegauss(60)
_POIDS = _POIDS / _POIDS.sum()


def _expit(x):
    return 1 / (1 + np.exp(-x))


def _parametres_binaires(part, cci):
    """(b0, s) du modèle logit à ordonnée aléatoire qui redonne la part marginale et la CCI binaire."""
    def moyenne(b0, s):
        return float(np.sum(_POIDS * _expit(b0 + s * _NOEUDS)))

    def b0_pour(s):
        return optimize.brentq(lambda b: moyenne(b, s) - part, -30, 30)

    def cci_binaire(s):
        pi = _expit(b0_pour(s) + s * _NOEUDS)
        return float(np.sum(_POIDS * pi ** 2) - part ** 2) / (part * (1 - part))

    if cci <= 0:
        return b0_pour(0.0), 0.0
    s = optimize.brentq(lambda s: cci_binaire(s) - cci, 1e-6, 20)
    return b0_pour(s), s


def structures(territoires):
    """Pour chaque (territoire, hypothèse) : le tableau réel et les paramètres du nul simulé."""
    donnees = preparation.lire(JEU)
    sortie = {}
    for territoire in territoires:
        d = preparation.lire(JEU, territoire=territoire)
        for hid in HYPOTHESES:
            h = donnees.plan.hypothese(hid)
            t, _, _ = hypotheses.tableau_analyse(d, h)
            y = t[h.issue].astype(float)
            cci = puissance.cci_anova(y, t["id_instance"], t[h.exposition])
            if h.methode == "logistique":
                parametres = _parametres_binaires(float(y.mean()), cci)
            else:
                parametres = (float(y.mean()), float(np.sqrt(cci * y.var())), float(np.sqrt((1 - cci) * y.var())))
            instances = t.groupby("id_instance", sort=True)[h.exposition].first()
            sortie[(territoire, hid)] = dict(
                h=h, tableau=t[["id_instance", h.exposition]].reset_index(drop=True), cci=cci,
                parametres=parametres, nb_grappes=len(instances), exposes=int(instances.sum()),
                non_exposes=int((~instances).sum()), effectif=len(t))
    return sortie


_STRUCTURES = {}


def _initialiser(territoires):
    _STRUCTURES.update(structures(territoires))


def _p(tableau, terme, ddl=None):
    ligne = tableau[tableau["terme"] == terme].iloc[0]
    stat = float(ligne["statistique"])
    if ddl is None:
        return float(ligne["p_valeur"])
    return float(2 * (stats.t.sf(abs(stat), ddl) if np.isfinite(ddl) else stats.norm.sf(abs(stat))))


def replique(tache):
    """Une réplique : issue nulle tirée à nouveau pour chaque hypothèse de chaque territoire."""
    graine, = tache
    rng = np.random.default_rng(graine)
    rejets = {}
    for (territoire, hid), s in sorted(_STRUCTURES.items()):
        h, t = s["h"], s["tableau"].copy()
        codes, uniques = pd.factorize(t["id_instance"])
        terme = f"{h.exposition}[T.True]"
        g = s["nb_grappes"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AvertissementPaquet)
            if h.methode == "logistique":
                b0, sigma = s["parametres"]
                u = rng.normal(0.0, sigma, len(uniques))[codes]
                t[h.issue] = rng.random(len(t)) < _expit(b0 + u)
                formule = f"{h.issue} ~ {h.exposition}"
                nouveau = modeles.regression_logistique(t, formule, grappes="id_instance")
                ancien = modeles.regression_logistique(t, formule, grappes="id_instance", sandwich="liang_zeger")
                p = {"publié : Mancl-DeRouen, t(G-1)": _p(nouveau, terme),
                     "avant : sandwich ordinaire, loi normale": _p(ancien, terme),
                     "sandwich ordinaire, t(G-1)": _p(ancien, terme, g - 1),
                     "Mancl-DeRouen, loi normale": _p(nouveau, terme, np.inf)}
            else:
                m, s_entre, s_dans = s["parametres"]
                t[h.issue] = m + rng.normal(0.0, s_entre, len(uniques))[codes] + rng.normal(0.0, s_dans, len(t))
                formule = f"{h.issue} ~ {h.exposition}"
                nouveau = modeles.regression_lineaire(t, formule, grappes="id_instance")
                ancien = modeles.regression_lineaire(t, formule, grappes="id_instance", sandwich="cr1")
                p = {"publié : CR2, ddl de Satterthwaite": _p(nouveau, terme),
                     "avant : CR1, t(G-1)": _p(ancien, terme),
                     "CR2, t(G-1)": _p(nouveau, terme, g - 1)}
        for nom, valeur in p.items():
            rejets[(territoire, hid, nom)] = bool(valeur < SEUIL)
    return rejets


def resumer(resultats):
    tab = pd.DataFrame(resultats)
    lignes = []
    for (territoire, hid, procedure) in tab.columns:
        x = tab[(territoire, hid, procedure)].astype(float)
        p = float(x.mean())
        emc = float(np.sqrt(p * (1 - p) / len(x)))
        lignes.append((territoire, hid, procedure, p, emc, "dans la cible" if 0.04 <= p <= 0.06 else "HORS CIBLE"))
    return pd.DataFrame(lignes, columns=["territoire", "hypothese", "procedure", "erreur_type_i", "erreur_mc",
                                         "verdict"])


def principal(arguments=None):
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--replications", type=int, default=1000)
    parseur.add_argument("--processus", type=int, default=2)
    parseur.add_argument("--graine", type=int, default=2023)
    parseur.add_argument("--territoires", nargs="+", default=["D'Autray", "Les Moulins"])
    args = parseur.parse_args(arguments)
    debut = time.perf_counter()
    structure = structures(args.territoires)
    print(f"Validité des tests des participants dans un territoire — {args.replications} répliques, graine "
          f"{args.graine}, seuil {SEUIL}, jeu « {JEU} » (structure réelle, issue SIMULÉE sous H0)")
    for (territoire, hid), s in sorted(structure.items()):
        print(f"  {territoire} {hid} : {s['effectif']} participants, {s['nb_grappes']} instances "
              f"({s['exposes']} exposées, {s['non_exposes']} non exposées), CCI {s['cci']:.3f}")
    taches = [(g,) for g in np.random.SeedSequence(args.graine).spawn(args.replications)]
    with ProcessPoolExecutor(max_workers=args.processus, initializer=_initialiser,
                             initargs=(args.territoires,)) as executeur:
        resultats = list(executeur.map(replique, taches, chunksize=10))
    tableau = resumer(resultats)
    with pd.option_context("display.width", 200, "display.max_colwidth", 60, "display.max_rows", 200):
        print(tableau.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"Durée : {time.perf_counter() - debut:.0f} s ({args.processus} processus)")
    return tableau


if __name__ == "__main__":
    principal()
