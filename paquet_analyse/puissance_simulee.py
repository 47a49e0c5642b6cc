"""Puissance par simulation (planification d'une enquête), à partir du plan d'analyse.

Chaque réplique génère un jeu SIMULÉ avec le générateur du jeu par défaut
(:mod:`paquet_analyse.simulation` : mêmes territoires, mêmes marges, même
tirage des instances), en fixant le nombre d'instances par territoire et le
rapport de cotes planté de la logique descendante sur l'absence de citoyens
(H1a) ; un territoire (Matawinie par défaut, comme dans le jeu par défaut)
peut s'écarter des autres. Au niveau des participants, ``participants``
répondants par instance ont une issue binaire corrélée dans l'instance
(corrélation intra-classe ``cci`` sur l'échelle latente logistique).

Puis on applique le test prévu, avec les fonctions mêmes des analyses :

- ``"association"`` : :func:`paquet_analyse.associations.association`
  avec ``methode_ic="blaker"``, le test publié pour un territoire (score de
  Miettinen-Nurminen, ou Blaker exact si un effectif attendu est < 5 ;
  niveau instances, une MRC : la première des ``territoires``) ;
- ``"cmh"`` : rapport de cotes commun, CMH sans correction
  (:func:`paquet_analyse.associations.mantel_haenszel`, toutes les MRC) ;
- ``"breslow_day"`` : détection d'hétérogénéité (Breslow-Day, Tarone) ;
- ``"gee"`` : participants, GEE échangeable
  (:func:`paquet_analyse.modeles.regression_logistique` avec grappes).

La puissance est la part des répliques où p < ``seuil`` ; son erreur type
de Monte-Carlo est ``sqrt(P (1 - P) / R)``. Chaque réplique reçoit sa propre
graine (``numpy.random.SeedSequence(graine).spawn``) : le résultat est
identique quel que soit le nombre de processus.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from paquet_analyse import associations, modeles, simulation
from paquet_analyse.erreurs import AvertissementPaquet, ErreurDonnees

__all__ = ["TESTS", "NOMS_TESTS", "Scenario", "courbe_puissance", "empiler", "generer_replique", "puissance",
           "taille_requise"]

#: Tests dont on peut estimer la puissance.
TESTS = ("association", "cmh", "breslow_day", "gee")

#: Colonnes du tableau de :func:`courbe_puissance`.
COLONNES_PUISSANCE = ["test", "nb_instances", "participants", "cci", "rapport_cotes",
                      "rapport_cotes_ecart", "puissance", "erreur_mc", "replicats",
                      "echecs", "seuil", "graine"]


@dataclasses.dataclass(frozen=True)
class Scenario:
    """Paramètres d'un plan d'enquête SIMULÉ.

    Attributes
    ----------
    nb_instances : int
        Instances (tables de concertation) enquêtées par territoire.
    rapport_cotes : float
        RC planté : logique descendante -> absence de citoyens (H1a), et
        exposition -> issue des participants.
    territoire_ecart : str ou None
        Territoire dont le RC vaut ``rapport_cotes_ecart`` (Breslow-Day).
    rapport_cotes_ecart : float
        RC de ce territoire (1 : aucun effet, comme Matawinie).
    participants : int
        Répondants par instance (niveau participants).
    cci : float
        Corrélation intra-instance latente (échelle logistique).
    territoires : tuple of str
        Territoires simulés (profils de :data:`simulation.TERRITOIRES`).
    """

    nb_instances: int = 40
    rapport_cotes: float = 2.0
    territoire_ecart: str | None = "Matawinie"
    rapport_cotes_ecart: float = 1.0
    participants: int = 8
    cci: float = 0.15
    territoires: tuple = tuple(p.nom for p in simulation.TERRITOIRES)

    def __post_init__(self):
        if self.nb_instances < 4:
            raise ErreurDonnees(f"nb_instances = {self.nb_instances} : il en faut au moins 4.")
        if not 0 <= self.cci < 1:
            raise ErreurDonnees(f"cci = {self.cci} : doit être dans [0 ; 1[.")
        if self.rapport_cotes <= 0 or self.rapport_cotes_ecart <= 0:
            raise ErreurDonnees("Les rapports de cotes doivent être strictement positifs.")
        inconnus = set(self.territoires) - {p.nom for p in simulation.TERRITOIRES}
        if inconnus:
            raise ErreurDonnees(f"Territoire(s) inconnu(s) : {', '.join(sorted(inconnus))}.")


def _profils(scenario):
    """Profils du générateur, avec effectif et RC du scénario."""
    profils = []
    for p in simulation.TERRITOIRES:
        if p.nom not in scenario.territoires:
            continue
        rc = (scenario.rapport_cotes_ecart if p.nom == scenario.territoire_ecart
              else scenario.rapport_cotes)
        profils.append(dataclasses.replace(
            p, nb_instances=scenario.nb_instances, effet_logique_participation=float(np.log(rc))))
    return profils


def generer_replique(scenario, rng, *, participants=False):
    """Un jeu SIMULÉ : instances (et participants si demandé).

    Instances : :func:`simulation.instances_territoire` (le générateur du
    jeu par défaut), plus ``descendante`` (initiateur de logique
    descendante) et ``sans_citoyens``. Participants : issue binaire
    ``logit = -0.25 + log(RC) · descendante + u``, ``u`` normal d'instance de
    variance ``cci · (π²/3) / (1 - cci)``.
    """
    debut, blocs = 1, []
    for prof in _profils(scenario):
        inst = simulation.instances_territoire(rng, prof, debut)
        debut += len(inst)
        blocs.append(inst)
    inst = pd.concat(blocs, ignore_index=True)
    inst["descendante"] = inst["initiateur"].isin(simulation.DESCENDANTS)
    inst["sans_citoyens"] = ~inst["citoyens_membres"]
    if not participants:
        return inst[["id_instance", "territoire", "descendante", "sans_citoyens"]]
    m = scenario.participants
    sigma = np.sqrt(scenario.cci * (np.pi ** 2 / 3) / (1 - scenario.cci))
    u = np.repeat(rng.normal(0.0, sigma, len(inst)), m)
    desc = np.repeat(inst["descendante"].to_numpy(), m)
    logit = -0.25 + np.log(scenario.rapport_cotes) * desc + u
    return pd.DataFrame({
        "id_instance": np.repeat(inst["id_instance"].to_numpy(), m),
        "descendante": desc,
        "issue": rng.random(len(u)) < simulation.sigmoide(logit),
    })


def _cube_instances(scenario, rng, nb_territoires=None):
    """Cube 2 × 2 × K (descendante × sans citoyens × territoire) d'une réplique.

    Mêmes tirages que :func:`generer_replique` (``simulation.tirages_instances``,
    territoire par territoire), sans passer par un tableau pandas : une courbe
    de puissance en demande des milliers. ``nb_territoires`` arrête le tirage
    après les premiers territoires (ceux d'après n'influent pas sur eux).
    Lignes et colonnes dans l'ordre des modalités de
    ``associations.mantel_haenszel`` (faux, vrai).
    """
    profils = _profils(scenario)[:nb_territoires]
    cube = np.zeros((2, 2, len(profils)))
    for k, prof in enumerate(profils):
        t = simulation.tirages_instances(rng, prof)
        np.add.at(cube[:, :, k], (t["descendante"].astype(int), t["sans_citoyens"].astype(int)), 1.0)
    return cube


def _p_valeur(test, scenario, rng):
    """p du test prévu sur une réplique (NaN si le test est impossible)."""
    from scipy import stats

    if test == "gee":
        d = generer_replique(scenario, rng, participants=True)
        r = modeles.regression_logistique(d, "issue ~ descendante", grappes="id_instance")
        return float(r.loc[r["terme"] == "descendante[T.True]", "p_valeur"].iloc[0])
    if test == "association":
        t = _cube_instances(scenario, rng, 1)[:, :, 0]
        une = pd.DataFrame({"descendante": np.repeat([False, False, True, True], t.ravel().astype(int)),
                            "sans_citoyens": np.repeat([False, True, False, True], t.ravel().astype(int))})
        # le test que publie le carnet 03 (politique d'inférence : score ou Blaker exact)

        return float(associations.association(une, "descendante", "sans_citoyens",
                                              methode_ic=associations.METHODE_IC_EXACTE)["p_valeur"].iloc[0])
    # Les deux statistiques de `associations.mantel_haenszel` calculées directement sur le cube
    # (mêmes fonctions, mêmes règles : strates d'effectif < 2 hors du CMH, marges nulles hors de
    # Breslow-Day) : le reste du résultat (IC, tableau par strate) ne sert pas ici et coûtait
    # l'essentiel du temps d'une réplique.
    cube = _cube_instances(scenario, rng)
    if test == "cmh":
        utiles = cube.sum(axis=(0, 1)) >= 2
        if not utiles.any():
            return np.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(stats.chi2.sf(associations.statistiques_cmh(cube[:, :, utiles])[1], 1))
    return float(associations.breslow_day(cube, [p.nom for p in _profils(scenario)])[1])


def _replique(tache):
    """Une réplique (processus de travail) ; avertissements du paquet tus."""
    test, scenario, graine = tache
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AvertissementPaquet)
        try:
            return _p_valeur(test, scenario, np.random.default_rng(graine))
        except ErreurDonnees:  # réplique dégénérée (p. ex. issue constante)
            return np.nan


def _executer(taches, processus):
    if processus == 1:
        return [_replique(t) for t in taches]
    with ProcessPoolExecutor(max_workers=processus) as executeur:
        return list(executeur.map(_replique, taches, chunksize=max(1, len(taches) // (4 * processus))))


def _nb_processus(processus):
    if processus is None:
        return max(1, min(os.cpu_count() or 1, 4))
    if processus < 1:
        raise ErreurDonnees(f"processus = {processus} : au moins 1.")
    return int(processus)


def puissance(scenario, test, *, replicats=200, seuil=0.05, graine=2010, processus=None):
    """Puissance d'un test prévu, par simulation, avec son erreur Monte-Carlo.

    Parameters
    ----------
    scenario : Scenario
    test : {"association", "cmh", "breslow_day", "gee"}
    replicats : int, default 200
        Nombre de jeux simulés ; l'erreur type Monte-Carlo vaut au plus
        ``0.5 / sqrt(replicats)`` (0,035 pour 200).
    seuil : float, default 0.05
    graine : int
        Graine racine ; une sous-graine par réplique (résultat identique
        quel que soit ``processus``).
    processus : int, optional
        Processus de travail (défaut : les cœurs disponibles, au plus 4).

    Returns
    -------
    pandas.Series
        ``test, nb_instances, participants, cci, rapport_cotes,
        rapport_cotes_ecart, puissance, erreur_mc, replicats, echecs`` (répliques
        où le test était impossible, comptées comme non-rejets), ``seuil, graine``.

    Examples
    --------
    >>> r = puissance(Scenario(nb_instances=30, rapport_cotes=1.0), "cmh",
    ...               replicats=20, processus=1)
    >>> 0 <= r["puissance"] <= 1 and r["replicats"] == 20
    True
    """
    p = np.asarray(_executer(_taches(scenario, test, replicats, graine), _nb_processus(processus)), dtype=float)
    return _resume(p, scenario, test, replicats=replicats, seuil=seuil, graine=graine)


def _taches(scenario, test, replicats, graine):
    """Une tâche par réplique, chacune avec sa sous-graine."""
    if test not in TESTS:
        raise ErreurDonnees(f"test = {test!r} inconnu : choisissez parmi {', '.join(TESTS)}.")
    if replicats < 2:
        raise ErreurDonnees(f"replicats = {replicats} : il en faut au moins 2.")
    return [(test, scenario, g) for g in np.random.SeedSequence(graine).spawn(replicats)]


def _resume(p, scenario, test, *, replicats, seuil, graine):
    """Puissance et erreur Monte-Carlo à partir des p des répliques (NaN : test impossible, non-rejet)."""
    rejets = np.nan_to_num(p, nan=1.0) < seuil
    pw = float(rejets.mean())
    return pd.Series({
        "test": test, "nb_instances": scenario.nb_instances, "participants": scenario.participants,
        "cci": scenario.cci, "rapport_cotes": scenario.rapport_cotes,
        "rapport_cotes_ecart": scenario.rapport_cotes_ecart, "puissance": pw,
        "erreur_mc": float(np.sqrt(pw * (1 - pw) / replicats)), "replicats": replicats,
        "echecs": int(np.isnan(p).sum()), "seuil": seuil, "graine": graine,
    })[COLONNES_PUISSANCE]


def courbe_puissance(scenario, test, grille, *, replicats=200, seuil=0.05, graine=2010,
                     processus=None):
    """Puissance pour chaque nombre d'instances par territoire de ``grille``.

    Même graine pour chaque point (nombres aléatoires communs) : la courbe
    est plus lisse qu'avec des graines indépendantes.
    """
    scenarios = [dataclasses.replace(scenario, nb_instances=int(n)) for n in sorted(grille)]
    taches = [t for sc in scenarios for t in _taches(sc, test, replicats, graine)]
    # un seul groupe de processus pour toute la courbe (un par point coûtait son démarrage à chaque fois)
    p = np.asarray(_executer(taches, _nb_processus(processus)), dtype=float).reshape(len(scenarios), replicats)
    lignes = [_resume(p[i], sc, test, replicats=replicats, seuil=seuil, graine=graine)
              for i, sc in enumerate(scenarios)]
    return pd.DataFrame(lignes, columns=COLONNES_PUISSANCE).reset_index(drop=True)


def taille_requise(courbe, *, cible=0.8):
    """Plus petit nombre d'instances de la grille dont la puissance atteint ``cible``.

    Renvoie ``None`` si aucun point de la grille n'y arrive. La réponse est
    aussi incertaine que les puissances (voir ``erreur_mc``) : un point à
    moins de deux erreurs types de la cible est limite.
    """
    atteint = courbe[courbe["puissance"] >= cible]
    return None if atteint.empty else int(atteint["nb_instances"].min())


#: Les tests simulés, en français (phrases et figures).
NOMS_TESTS = {"association": "l'association dans une MRC", "cmh": "le rapport de cotes commun, test CMH",
              "breslow_day": "l'écart d'un territoire, test de Breslow-Day",
              "gee": "l'association au niveau des participants, GEE"}


def empiler(courbes) -> "pd.DataFrame":
    """Plusieurs courbes (une par test) en un seul tableau, pour une même figure."""
    return pd.concat(list(courbes), ignore_index=True)
