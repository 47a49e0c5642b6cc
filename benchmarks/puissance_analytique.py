"""Puissance analytique (paquet_analyse.puissance) contre puissance simulée.

Question : les approximations analytiques (Wald sur le log du rapport de
cotes, khi-deux non central, effet de plan) donnent-elles, sur les jeux
SIMULÉS du générateur du jeu par défaut, la même puissance que la
simulation (part des répliques où le test prévu rejette au seuil 0,05) ?

Pour chaque réplique, les données sont celles du générateur de
``paquet_analyse.puissance_simulee`` (``generer_replique`` : plan par défaut,
effectifs mis à l'échelle ``nb_instances`` en moyenne par territoire ; pour
Breslow-Day, un territoire tiré au hasard s'écarte) ; on y calcule à la fois la valeur p du test et la puissance
analytique à partir du tableau de la réplique (marges observées). On compare
le taux de rejet (± erreur type Monte-Carlo) à la moyenne des puissances
analytiques.

Usage (depuis la racine du dépôt) ::

    .venv/bin/python benchmarks/puissance_analytique.py --replicats 1000 --processus 2
"""

from __future__ import annotations

import argparse
import time
import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from paquet_analyse import associations, modeles
from paquet_analyse import puissance as pu
from paquet_analyse import puissance_simulee as ps
from paquet_analyse.erreurs import AvertissementPaquet, ErreurDonnees

# (nom, test, scénario) ; « association » : première MRC (Les Moulins)
SCENARIOS = [
    ("association n=60", "association", ps.Scenario(nb_instances=60, rapport_cotes=2.0)),
    ("association n=120", "association", ps.Scenario(nb_instances=120, rapport_cotes=2.0)),
    ("association n=200", "association", ps.Scenario(nb_instances=200, rapport_cotes=2.0)),
    ("cmh n=10/MRC", "cmh", ps.Scenario(nb_instances=10, rapport_cotes=2.0)),
    ("cmh n=20/MRC", "cmh", ps.Scenario(nb_instances=20, rapport_cotes=2.0)),
    ("cmh n=40/MRC", "cmh", ps.Scenario(nb_instances=40, rapport_cotes=2.0)),
    ("breslow_day n=80/MRC", "breslow_day", ps.Scenario(nb_instances=80, rapport_cotes=3.0, ecart=True)),
    ("breslow_day n=160/MRC", "breslow_day", ps.Scenario(nb_instances=160, rapport_cotes=3.0, ecart=True)),
    ("gee n=4/MRC", "gee", ps.Scenario(nb_instances=4, rapport_cotes=2.0)),
    ("gee n=8/MRC", "gee", ps.Scenario(nb_instances=8, rapport_cotes=2.0)),
]


def _une_replique(tache):
    """(p du test prévu, p du khi-deux sans correction ou NaN, puissance analytique)."""
    test, scenario, graine = tache
    rng = np.random.default_rng(graine)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AvertissementPaquet)
        if test == "gee":
            d = ps.generer_replique(scenario, rng, participants=True)
            # comme pour les lignes publiées : la loi de Student du test publié, G - 1 ddl
            a = pu.puissance_rapport_cotes(d, "exposee", "issue", grappes="id_instance",
                                           rapport_cotes=scenario.rapport_cotes,
                                           ddl=d["id_instance"].nunique() - 1).puissance
            try:
                r = modeles.regression_logistique(d, "issue ~ exposee", grappes="id_instance")
                p = float(r.loc[r["terme"] == "exposee[T.True]", "p_valeur"].iloc[0])
            except ErreurDonnees:
                p = np.nan
            return p, np.nan, a
        d = ps.generer_replique(scenario, rng)
        if test == "association":
            une = d[d["territoire"] == scenario.territoires[0].nom]
            a = pu.puissance_rapport_cotes(une, "exposee", "issue",
                                           rapport_cotes=scenario.rapport_cotes).puissance
            try:
                p = float(associations.association(une, "exposee", "issue", methode_ic=associations.METHODE_IC_EXACTE)["p_valeur"].iloc[0])
                p_brut = float(associations.khi2_independance(une, "exposee", "issue",
                                                              correction=False)["p_valeur"].iloc[0])
            except ErreurDonnees:
                p, p_brut = np.nan, np.nan
            return p, p_brut, a
        if test == "cmh":
            a = pu.puissance_rapport_cotes(d, "exposee", "issue", strate="territoire",
                                           rapport_cotes=scenario.rapport_cotes).puissance
        else:
            a = pu.puissance_homogeneite(
                d, "exposee", "issue", "territoire", rapport_cotes_commun=scenario.rapport_cotes,
                rapport=scenario.rapport_cotes_ecart / scenario.rapport_cotes).puissance  # moyenne sur la strate qui s'écarte
        try:
            res = associations.mantel_haenszel(d, "exposee", "issue", "territoire")
            p = float(res.p_cmh_non_corrige if test == "cmh" else res.p_breslow_day)
        except ErreurDonnees:
            p = np.nan
        return p, np.nan, a


def comparer(test, scenario, replicats, graine=2010, processus=1, seuil=0.05):
    """Une ligne : taux de rejet simulé ± erreur MC, puissance analytique moyenne."""
    graines = np.random.SeedSequence(graine).spawn(replicats)
    taches = [(test, scenario, g) for g in graines]
    if processus == 1:
        res = [_une_replique(t) for t in taches]
    else:
        with ProcessPoolExecutor(max_workers=processus) as ex:
            res = list(ex.map(_une_replique, taches, chunksize=max(1, replicats // (4 * processus))))
    p, p_brut, a = (np.asarray(x, dtype=float) for x in zip(*res))
    rejet = float((np.nan_to_num(p, nan=1.0) < seuil).mean())  # comme puissance.puissance
    ligne = {"test": test, "simulee": rejet, "erreur_mc": float(np.sqrt(rejet * (1 - rejet) / replicats)),
             "analytique": float(np.nanmean(a)), "analytique_nan": int(np.isnan(a).sum())}
    if test == "association":
        ligne["khi2_sans_correction"] = float((np.nan_to_num(p_brut, nan=1.0) < seuil).mean())
    ligne["ecart_en_erreurs_mc"] = (ligne["analytique"] - rejet) / max(ligne["erreur_mc"], 1e-9)
    return ligne


def principal(arguments=None):
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--replicats", type=int, default=1000)
    parseur.add_argument("--processus", type=int, default=2)
    parseur.add_argument("--graine", type=int, default=2010)
    args = parseur.parse_args(arguments)
    debut = time.perf_counter()
    lignes = []
    for nom, test, scenario in SCENARIOS:
        ligne = {"scenario": nom, **comparer(test, scenario, args.replicats, args.graine, args.processus)}
        lignes.append(ligne)
        print(f"{nom} : fait ({time.perf_counter() - debut:.0f} s)", flush=True)
    tableau = pd.DataFrame(lignes)
    print(f"Puissance analytique contre simulation — {args.replicats} répliques par scénario, "
          f"graine {args.graine}, seuil 0,05, données SIMULÉES")
    print(tableau.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"Durée : {time.perf_counter() - debut:.0f} s ({args.processus} processus)")
    return tableau


if __name__ == "__main__":
    principal()
