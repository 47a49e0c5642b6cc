"""Puissance par simulation (planification d'une enquête), pour un plan d'enquête donné.

Un plan (:class:`Scenario`) nomme ses territoires, avec pour chacun (:class:`Territoire`)
son nombre d'instances, la part de ses instances exposées (p. ex. de logique
descendante), la part de ses instances qui ont l'issue (p. ex. aucun citoyen à
la table), les tailles de ses instances (participants) et la part de ses
participants qui ont l'issue des participants (p. ex. auto-délégation) ; plus
la corrélation intra-instance de cette issue. Ce plan vient du jeu étudié
(marges et corrélation estimées des données préparées, ou plan déclaré avant
la collecte : module `planification`), ou du plan par défaut
(:data:`PLAN_PAR_DEFAUT`, les six MRC du jeu simulé de Lanaudière).

Chaque réplique tire un jeu SIMULÉ à ces marges : dans chaque territoire,
chaque instance est exposée avec la probabilité du territoire ; l'issue de
l'instance a le rapport de cotes planté ``rapport_cotes`` entre exposées et non
exposées, et un nombre attendu d'instances avec l'issue égal à celui du plan ;
avec ``ecart``, un territoire tiré au hasard a le rapport ``rapport_cotes_ecart``.
Au niveau des participants, chaque instance reçoit une taille tirée parmi
celles de son territoire, et ses participants une issue bêta-binomiale : leur
corrélation intra-instance vaut ``cci`` (échelle de l'issue, celle de
`puissance.cci_anova`) et le rapport de cotes MARGINAL entre exposées et non
exposées vaut ``rapport_cotes`` (celui qu'estime la GEE).

Puis on applique le test publié, avec les fonctions mêmes des analyses :

- ``"association"`` : dans un territoire aux marges moyennes du plan, le test
  d'un territoire (carnet 03) : :func:`paquet_analyse.associations.p_valeurs_association`,
  la p de ``association(..., methode_ic="blaker")`` (score de
  Miettinen-Nurminen, ou exact de Blaker si un effectif attendu est < 5) ;
- ``"mantel_haenszel"`` : le rapport de cotes commun entre territoires, test
  de Wald du log du RC de Mantel-Haenszel (celui que publie la synthèse,
  :func:`paquet_analyse.associations.wald_mantel_haenszel`) ;
- ``"breslow_day"`` : l'écart d'un territoire, Breslow-Day corrigé de Tarone
  (:func:`paquet_analyse.associations.breslow_day`, comme H5) ;
- ``"gee"`` : participants, :func:`paquet_analyse.modeles.regression_logistique`
  avec grappes (sandwich de Mancl et DeRouen, t à G - 1 ddl, comme H1c).

La puissance est la part des répliques où p < ``seuil`` ; son erreur type
de Monte-Carlo est ``sqrt(P (1 - P) / R)``. Chaque réplique reçoit sa propre
graine (``numpy.random.SeedSequence(graine).spawn``) : le résultat est
identique quel que soit le nombre de processus.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from paquet_analyse import associations, modeles, puissance as puissance_, simulation
from paquet_analyse.erreurs import AvertissementPaquet, ErreurDonnees

__all__ = ["TESTS", "NOMS_TESTS", "PLAN_PAR_DEFAUT", "Scenario", "Territoire", "courbe_puissance", "empiler",
           "generer_replique", "puissance", "taille_requise"]

#: Tests dont on peut estimer la puissance (les tests publiés).
TESTS = ("association", "mantel_haenszel", "breslow_day", "gee")

#: Colonnes du tableau de :func:`courbe_puissance`.
COLONNES_PUISSANCE = ["test", "nb_instances", "participants", "cci", "rapport_cotes",
                      "rapport_cotes_ecart", "puissance", "erreur_mc", "replicats",
                      "echecs", "seuil", "graine"]


@dataclasses.dataclass(frozen=True)
class Territoire:
    """Un territoire d'un plan d'enquête SIMULÉ : effectif et marges.

    Attributes
    ----------
    nom : str
    nb_instances : int
        Instances (tables) enquêtées dans le territoire.
    part_exposees : float
        Part des instances exposées (p. ex. logique descendante), dans ]0 ; 1[.
    part_issue : float
        Part des instances avec l'issue (p. ex. aucun citoyen), dans ]0 ; 1[.
    tailles : tuple of int
        Tailles (participants) des instances, tirées avec remise.
    part_issue_participants : float
        Part des participants avec l'issue des participants (p. ex. auto-délégation).
    """

    nom: str
    nb_instances: int
    part_exposees: float
    part_issue: float
    tailles: tuple = (8,)
    part_issue_participants: float = 0.45

    def __post_init__(self):
        if self.nb_instances < 2:
            raise ErreurDonnees(f"Territoire « {self.nom} » : nb_instances = {self.nb_instances}, il en faut au "
                                "moins 2.")
        for nom in ("part_exposees", "part_issue", "part_issue_participants"):
            valeur = getattr(self, nom)
            if not 0 < valeur < 1:
                raise ErreurDonnees(f"Territoire « {self.nom} » : {nom} = {valeur}, doit être strictement entre "
                                    "0 et 1.")
        if not self.tailles or min(self.tailles) < 1:
            raise ErreurDonnees(f"Territoire « {self.nom} » : tailles des instances d'au moins 1 participant.")


def _plan_par_defaut() -> tuple:
    """Les six MRC du générateur du jeu par défaut (SIMULÉ), à leurs marges attendues."""
    autres_descendants = sum(p for c, p in simulation.REPARTITION_AUTRES.items() if c in simulation.DESCENDANTS)
    territoires = []
    for prof in simulation.TERRITOIRES:
        e = prof.cisss_ville_fondation + (1 - prof.cisss_ville_fondation) * autres_descendants
        sigmoide = simulation.sigmoide
        q = e * sigmoide(-0.9 + prof.effet_logique_participation) + (1 - e) * sigmoide(-0.9)
        territoires.append(Territoire(prof.nom, prof.nb_instances, round(float(e), 3), round(float(q), 3), (8,),
                                      prof.auto_delegation))
    return tuple(territoires)


#: Le plan par défaut : les six MRC du jeu simulé de Lanaudière (servi quand le jeu n'a pas de données).
PLAN_PAR_DEFAUT = _plan_par_defaut()


@dataclasses.dataclass(frozen=True)
class Scenario:
    """Un plan d'enquête SIMULÉ et les effets plantés.

    Attributes
    ----------
    territoires : tuple of Territoire
        Les territoires du plan (par défaut :data:`PLAN_PAR_DEFAUT`).
    nb_instances : int, optional
        Instances par territoire EN MOYENNE : les effectifs des territoires sont
        mis à cette échelle en gardant leurs proportions (au moins 4 chacun).
        None : les effectifs du plan tels quels.
    rapport_cotes : float
        RC planté de l'exposition sur l'issue (instances et participants).
    ecart : bool
        Un territoire, tiré au hasard à chaque réplique, a le RC ``rapport_cotes_ecart``
        (puissance moyenne sur le territoire qui s'écarte : Breslow-Day).
    rapport_cotes_ecart : float
    cci : float
        Corrélation intra-instance de l'issue des participants, dans [0 ; 1[.
    """

    territoires: tuple = PLAN_PAR_DEFAUT
    nb_instances: int | None = None
    rapport_cotes: float = 2.0
    ecart: bool = False
    rapport_cotes_ecart: float = 1.0
    cci: float = 0.15

    def __post_init__(self):
        if not self.territoires or not all(isinstance(t, Territoire) for t in self.territoires):
            raise ErreurDonnees("Le plan simulé doit nommer au moins un territoire (puissance_simulee.Territoire).")
        if self.nb_instances is not None and self.nb_instances < 4:
            raise ErreurDonnees(f"nb_instances = {self.nb_instances} : il en faut au moins 4 par territoire.")
        if not 0 <= self.cci < 1:
            raise ErreurDonnees(f"cci = {self.cci} : doit être dans [0 ; 1[.")
        if self.rapport_cotes <= 0 or self.rapport_cotes_ecart <= 0:
            raise ErreurDonnees("Les rapports de cotes doivent être strictement positifs.")

    def effectifs(self) -> list[int]:
        """Instances de chaque territoire, à l'échelle ``nb_instances`` s'il est donné."""
        bruts = np.array([t.nb_instances for t in self.territoires], dtype=float)
        if self.nb_instances is None:
            return [int(n) for n in bruts]
        return [max(4, int(round(n))) for n in bruts * self.nb_instances / bruts.mean()]

    def moyenne_instances(self) -> float:
        return float(np.mean(self.effectifs()))

    def participants_moyens(self) -> float:
        return float(np.mean([np.mean(t.tailles) for t in self.territoires]))

    def territoire_type(self) -> Territoire:
        """Un territoire aux marges moyennes du plan (pondérées par les effectifs), de taille moyenne."""
        n = np.array(self.effectifs(), dtype=float)
        e = float(np.average([t.part_exposees for t in self.territoires], weights=n))
        q = float(np.average([t.part_issue for t in self.territoires], weights=n))
        return Territoire("territoire type", max(4, int(round(n.mean()))), e, q)


def _probabilites_territoire(n, territoire, rapport_cotes):
    """(p1, p0) de l'issue des instances chez les exposées et les non exposées."""
    n1 = n * territoire.part_exposees
    n0 = n - n1
    return puissance_.probabilites_alternative(n1, n0, n * territoire.part_issue, rapport_cotes)


def _rapports(scenario, rng):
    """Rapport de cotes de chaque territoire dans une réplique (un territoire s'écarte avec ``ecart``)."""
    k = len(scenario.territoires)
    rc = np.full(k, float(scenario.rapport_cotes))
    if scenario.ecart:
        rc[rng.integers(0, k)] = scenario.rapport_cotes_ecart
    return rc


def generer_replique(scenario, rng, *, participants=False):
    """Un jeu SIMULÉ : instances (``id_instance, territoire, exposee, issue``), ou leurs participants
    (``id_instance, territoire, exposee, issue``) avec ``participants=True``."""
    blocs = []
    rapports = _rapports(scenario, rng)
    for territoire, n, rc in zip(scenario.territoires, scenario.effectifs(), rapports):
        exposee = rng.random(n) < territoire.part_exposees
        if participants:
            p1, p0 = puissance_.probabilites_alternative(territoire.part_exposees, 1 - territoire.part_exposees,
                                              territoire.part_issue_participants, rc)
            tailles = rng.choice(np.asarray(territoire.tailles, dtype=int), n)
            moyennes = np.where(exposee, p1, p0)
            if scenario.cci > 0:  # bêta-binomiale : corrélation intra-instance cci, moyenne par instance
                forme = (1 - scenario.cci) / scenario.cci
                probas = rng.beta(moyennes * forme, (1 - moyennes) * forme)
            else:
                probas = moyennes
            ids = np.repeat([f"{territoire.nom}-{i}" for i in range(n)], tailles)
            blocs.append(pd.DataFrame({"id_instance": ids, "territoire": territoire.nom,
                                       "exposee": np.repeat(exposee, tailles),
                                       "issue": rng.random(int(tailles.sum())) < np.repeat(probas, tailles)}))
        else:
            p1, p0 = _probabilites_territoire(n, territoire, rc)
            issue = rng.random(n) < np.where(exposee, p1, p0)
            blocs.append(pd.DataFrame({"id_instance": [f"{territoire.nom}-{i}" for i in range(n)],
                                       "territoire": territoire.nom, "exposee": exposee, "issue": issue}))
    return pd.concat(blocs, ignore_index=True)


def _cube(scenario, rng, territoires=None, effectifs=None):
    """Cube 2 × 2 × K (exposée × issue × territoire) d'une réplique, sans tableau pandas.

    Lignes et colonnes dans l'ordre de ``associations.mantel_haenszel`` (faux, vrai).
    """
    territoires = territoires or scenario.territoires
    effectifs = effectifs or scenario.effectifs()
    rapports = _rapports(scenario, rng) if territoires is scenario.territoires else [scenario.rapport_cotes]
    cube = np.zeros((2, 2, len(territoires)))
    for k, (territoire, n, rc) in enumerate(zip(territoires, effectifs, rapports)):
        exposee = rng.random(n) < territoire.part_exposees
        p1, p0 = _probabilites_territoire(n, territoire, rc)
        issue = rng.random(n) < np.where(exposee, p1, p0)
        np.add.at(cube[:, :, k], (exposee.astype(int), issue.astype(int)), 1.0)
    return cube


#: La p du test publié pour chaque tableau d'une taille donnée, calculée une fois par processus et par taille.
_P_VALEURS_2X2 = functools.lru_cache(maxsize=512)(associations.p_valeurs_association)


def _p_valeur(test, scenario, rng):
    """p du test publié sur une réplique (NaN si le test est impossible)."""
    if test == "gee":
        d = generer_replique(scenario, rng, participants=True)
        r = modeles.regression_logistique(d, "issue ~ exposee", grappes="id_instance")
        return float(r.loc[r["terme"] == "exposee[T.True]", "p_valeur"].iloc[0])
    if test == "association":
        type_ = scenario.territoire_type()
        t = _cube(scenario, rng, (type_,), [type_.nb_instances])[:, :, 0]
        n0, n1 = int(t[0].sum()), int(t[1].sum())
        if n0 == 0 or n1 == 0:
            return np.nan
        return float(_P_VALEURS_2X2(n0, n1)[int(t[0, 1]), int(t[1, 1])])
    cube = _cube(scenario, rng)
    if test == "mantel_haenszel":
        return associations.wald_mantel_haenszel(cube)[1]
    return float(associations.breslow_day(cube, [t.nom for t in scenario.territoires])[3])


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
    """Puissance d'un test publié, par simulation, avec son erreur Monte-Carlo.

    Parameters
    ----------
    scenario : Scenario
    test : {"association", "mantel_haenszel", "breslow_day", "gee"}
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
        ``test, nb_instances`` (instances par territoire, en moyenne), ``participants`` (par instance, en
        moyenne), ``cci, rapport_cotes, rapport_cotes_ecart, puissance, erreur_mc, replicats, echecs``
        (répliques où le test était impossible, comptées comme non-rejets), ``seuil, graine``.

    Examples
    --------
    >>> r = puissance(Scenario(nb_instances=30, rapport_cotes=1.0), "mantel_haenszel",
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
        "test": test, "nb_instances": round(scenario.moyenne_instances(), 1),
        "participants": round(scenario.participants_moyens(), 1), "cci": scenario.cci,
        "rapport_cotes": scenario.rapport_cotes, "rapport_cotes_ecart": scenario.rapport_cotes_ecart,
        "puissance": pw, "erreur_mc": float(np.sqrt(pw * (1 - pw) / replicats)), "replicats": replicats,
        "echecs": int(np.isnan(p).sum()), "seuil": seuil, "graine": graine,
    })[COLONNES_PUISSANCE]


def courbe_puissance(scenario, test, grille, *, replicats=200, seuil=0.05, graine=2010,
                     processus=None):
    """Puissance pour chaque nombre moyen d'instances par territoire de ``grille``.

    Les effectifs des territoires du plan sont mis à chaque échelle en gardant leurs proportions
    (:meth:`Scenario.effectifs`). Même graine pour chaque point (nombres aléatoires communs) : la
    courbe est plus lisse qu'avec des graines indépendantes.
    """
    scenarios = [dataclasses.replace(scenario, nb_instances=int(n)) for n in sorted(grille)]
    taches = [t for sc in scenarios for t in _taches(sc, test, replicats, graine)]
    # un seul groupe de processus pour toute la courbe (un par point coûtait son démarrage à chaque fois)
    p = np.asarray(_executer(taches, _nb_processus(processus)), dtype=float).reshape(len(scenarios), replicats)
    lignes = [_resume(p[i], sc, test, replicats=replicats, seuil=seuil, graine=graine)
              for i, sc in enumerate(scenarios)]
    return pd.DataFrame(lignes, columns=COLONNES_PUISSANCE).reset_index(drop=True)


def taille_requise(courbe, *, cible=0.8):
    """Plus petit nombre moyen d'instances par territoire de la grille dont la puissance atteint ``cible``.

    Renvoie ``None`` si aucun point de la grille n'y arrive. La réponse est
    aussi incertaine que les puissances (voir ``erreur_mc``) : un point à
    moins de deux erreurs types de la cible est limite.
    """
    atteint = courbe[courbe["puissance"] >= cible]
    return None if atteint.empty else int(round(atteint["nb_instances"].min()))


#: Les tests simulés, en français (phrases et figures).
NOMS_TESTS = {"association": "l'association dans un territoire (score ou Blaker, comme le carnet 03)",
              "mantel_haenszel": "le rapport de cotes commun (Wald de Mantel-Haenszel, comme la synthèse)",
              "breslow_day": "l'écart d'un territoire (Breslow-Day corrigé de Tarone, comme H5)",
              "gee": "l'association au niveau des participants (GEE, Mancl-DeRouen, t à G - 1 ddl)"}


#: Les mêmes, courts, pour la légende d'une figure.
NOMS_COURTS = {"association": "Association dans un territoire", "mantel_haenszel": "RC commun (Mantel-Haenszel)",
               "breslow_day": "Écart d'un territoire (Tarone)", "gee": "Participants (GEE)"}


def empiler(courbes) -> "pd.DataFrame":
    """Plusieurs courbes (une par test) en un seul tableau, pour une même figure."""
    return pd.concat(list(courbes), ignore_index=True)
