"""Le plan d'enquête que simule le carnet 07 : celui du jeu qu'on lui donne.

Trois sources, dans cet ordre (`conception`) :

1. **les données préparées du jeu** (`preparation.lire`) : ses territoires, le
   nombre de concertations de chacun, la part de concertations exposées et la
   part avec l'issue (exposition et issue de la première hypothèse
   d'association des concertations du plan, H1a), les tailles des
   concertations (participants) et la part de participants avec l'issue de la
   première hypothèse logistique des participants (H1c), et la corrélation
   intra-concertation de cette issue (analyse de variance, concertations
   nichées dans les groupes d'exposition : `puissance.cci_anova`) ;
2. **avant la collecte**, le plan déclaré dans le plan d'analyse, section
   `enquete_prevue` (territoires et nombres de concertations attendus, et
   facultativement les marges et la corrélation attendues) ;
3. sinon, **le plan par défaut** (`puissance_simulee.PLAN_PAR_DEFAUT`, les six
   MRC du jeu simulé de Lanaudière), et la phrase le dit.

Les courbes (`courbe`) simulent les tests publiés (`puissance_simulee`) avec
l'effet prévu au plan (`seuils.rapport_cotes_puissance`), son seuil
(`seuils.alpha`) et son nombre de jeux simulés (`seuils.replicats_puissance`),
sur une grille d'effectifs moyens autour de ceux du jeu (les proportions entre
territoires gardées).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from . import dictionnaire, plan as plan_, preparation, puissance, puissance_simulee, texte
from .donnees import Donnees
from .erreurs import ErreurDonnees

#: Facteurs appliqués à l'effectif moyen du jeu pour la grille des courbes (1 : les effectifs du jeu).
FACTEURS_GRILLE = (0.5, 1.0, 1.5, 2.0, 3.0)

#: Grille plus courte pour les participants : chaque réplique ajuste une GEE (environ 0,1 s), et la puissance
#: des participants, grande, se joue sous les effectifs du jeu.
FACTEURS_GRILLE_PARTICIPANTS = (0.25, 0.5, 1.0, 2.0)

#: Valeurs du plan par défaut pour ce qu'une section `enquete_prevue` ne déclare pas.
DEFAUTS_ENQUETE = {"participants_par_instance": 8, "part_exposees": 0.75, "part_issue": 0.45,
                   "part_issue_participants": 0.45, "cci": 0.15}


@dataclasses.dataclass(frozen=True)
class Conception:
    """Le plan d'enquête simulé pour un jeu, et d'où il vient."""

    jeu: str
    source: str                # « donnees », « plan » ou « defaut »
    scenario: puissance_simulee.Scenario
    seuils: dict
    exposition: str
    issue: str
    issue_participants: str
    donnees: Donnees | None = None

    def moyenne_instances(self) -> float:
        return self.scenario.moyenne_instances()

    def tableau(self) -> pd.DataFrame:
        """Une ligne par territoire : effectif et marges simulés (tableau d'affichage, sans petit effectif de
        personnes : des nombres de concertations et des parts)."""
        return pd.DataFrame([{
            "territoire": t.nom, "nb_instances": t.nb_instances, "part_exposees": t.part_exposees,
            "part_issue": t.part_issue, "participants_moyens": float(np.mean(t.tailles)),
            "part_issue_participants": t.part_issue_participants} for t in self.scenario.territoires])

    def phrase(self) -> str:
        """D'où vient le plan simulé, en une phrase (avec ses territoires et leurs effectifs)."""
        noms = ", ".join(f"{t.nom} ({t.nb_instances})" for t in self.scenario.territoires)
        expo, iss, issp = (dictionnaire.libelle(v).split(" (")[0].lower()
                           for v in (self.exposition, self.issue, self.issue_participants))
        cci = texte.nombre_fr(self.scenario.cci, 2)
        if self.source == "donnees":
            debut = (f"Plan simulé : celui du jeu « {self.jeu} », tiré de ses données préparées. "
                     f"{len(self.scenario.territoires)} territoires, avec leur nombre de concertations : {noms}. ")
            fin = (f"Par territoire, la part des concertations « {expo} » et celle avec « {iss} », les tailles des "
                   f"concertations et la part des participants avec « {issp} » sont celles du jeu ; la corrélation "
                   f"intra-concertation de « {issp} » est estimée dans le jeu à {cci} (analyse de variance).")
        elif self.source == "plan":
            debut = (f"Plan simulé : l'enquête prévue pour le jeu « {self.jeu} », qui n'a pas encore de données "
                     f"préparées, telle que la déclare le plan d'analyse (section enquete_prevue) : "
                     f"{len(self.scenario.territoires)} territoires, avec le nombre de concertations attendu : {noms}. ")
            fin = (f"Marges et corrélation intra-concertation ({cci}) : celles que déclare le plan, ou à défaut les "
                   "valeurs par défaut documentées dans plan_analyse.yml.")
        else:
            debut = (f"Le jeu « {self.jeu} » n'a pas encore de données préparées et le plan d'analyse ne déclare pas "
                     "d'enquête prévue (section enquete_prevue) : le plan simulé est le plan PAR DÉFAUT, les six MRC "
                     f"du jeu simulé de Lanaudière : {noms}. ")
            fin = ("Ses réponses ne disent rien de votre région : déclarez vos territoires et leurs effectifs "
                   "attendus dans enquete_prevue.")
        return debut + fin + " Les courbes gardent les proportions entre territoires et font varier l'effectif moyen."

    def grille(self, test: str = "mantel_haenszel") -> list[int]:
        """Effectifs moyens par territoire des courbes : l'effectif du jeu et des multiples (au moins 4)."""
        moyenne = self.moyenne_instances()
        facteurs = FACTEURS_GRILLE_PARTICIPANTS if test == "gee" else FACTEURS_GRILLE
        return sorted({max(4, int(round(f * moyenne))) for f in facteurs})


def _hypotheses_de_reference(p: plan_.Plan) -> tuple[str, str, str]:
    """(exposition, issue des concertations, issue des participants) des hypothèses simulées (H1a, H1c)."""
    instances = next((h for h in p.hypotheses if h.niveau == "instances" and h.methode == "association"), None)
    participants = next((h for h in p.hypotheses if h.niveau == "participants" and h.methode == "logistique"), None)
    exposition = instances.exposition if instances else "descendante"
    return (exposition, instances.issue if instances else "deficit_participation",
            participants.issue if participants else "deficit_delegation")


def _part(serie: pd.Series) -> float:
    """Part observée, ramenée dans ]0 ; 1[ (une demi-unité du bord) pour rester simulable."""
    serie = serie.dropna().astype(bool)
    n = len(serie)
    if n == 0:
        return float("nan")
    return float(min(max(serie.mean(), 0.5 / n), 1 - 0.5 / n))


def _depuis_donnees(donnees: Donnees) -> tuple[puissance_simulee.Scenario, tuple[str, str, str]]:
    exposition, issue, issue_p = _hypotheses_de_reference(donnees.plan)
    inst, part = donnees.instances, donnees.participants
    territoires = []
    for nom in donnees.jeu.liste_territoires():
        i = inst[inst["territoire"] == nom][[exposition, issue]].dropna()
        p = part[part["territoire"] == nom][["id_instance", issue_p]].dropna()
        if len(i) < 2:
            continue  # territoire sans concertation analysable : rien à simuler
        tailles = tuple(int(x) for x in p.groupby("id_instance", observed=True).size()) or (8,)
        part_p = _part(p[issue_p]) if len(p) else DEFAUTS_ENQUETE["part_issue_participants"]
        territoires.append(puissance_simulee.Territoire(str(nom), len(i), _part(i[exposition]), _part(i[issue]),
                                                        tailles, part_p))
    if not territoires:
        raise ErreurDonnees("Aucun territoire du jeu n'a au moins deux concertations analysables : aucune "
                            "puissance à simuler.")
    complet = part[["id_instance", exposition, issue_p]].dropna()
    cci = puissance.cci_anova(complet[issue_p].astype(float), complet["id_instance"], complet[exposition]) \
        if len(complet) else float("nan")
    cci = DEFAUTS_ENQUETE["cci"] if np.isnan(cci) else min(float(cci), 0.95)
    return puissance_simulee.Scenario(territoires=tuple(territoires), cci=cci), (exposition, issue, issue_p)


def _depuis_plan(enquete: dict) -> puissance_simulee.Scenario:
    valeurs = {**DEFAUTS_ENQUETE, **{k: v for k, v in enquete.items() if k != "territoires"}}
    territoires = tuple(
        puissance_simulee.Territoire(str(nom), int(n), float(valeurs["part_exposees"]), float(valeurs["part_issue"]),
                                     (int(valeurs["participants_par_instance"]),),
                                     float(valeurs["part_issue_participants"]))
        for nom, n in enquete["territoires"].items())
    return puissance_simulee.Scenario(territoires=territoires, cci=float(valeurs["cci"]))


def conception(jeu: str | Path, *, plan_chemin: str | Path | None = None) -> Conception:
    """Le plan d'enquête à simuler pour ce jeu : ses données préparées, sinon le plan déclaré avant la
    collecte (`enquete_prevue`), sinon le plan par défaut (voir l'en-tête du module)."""
    nom = Path(jeu).name
    try:
        donnees = preparation.lire(jeu)
    except ErreurDonnees:
        donnees = None
    if donnees is not None:
        scenario, (exposition, issue, issue_p) = _depuis_donnees(donnees)
        return Conception(nom, "donnees", scenario, dict(donnees.plan.seuils), exposition, issue, issue_p, donnees)
    p = plan_.charger_plan(plan_chemin)
    exposition, issue, issue_p = _hypotheses_de_reference(p)
    if p.enquete_prevue:
        return Conception(nom, "plan", _depuis_plan(p.enquete_prevue), dict(p.seuils), exposition, issue, issue_p)
    return Conception(nom, "defaut", puissance_simulee.Scenario(), dict(p.seuils), exposition, issue, issue_p)


#: Ce que chaque courbe plante : (rapport de cotes commun, un territoire s'écarte, rapport de ce territoire).
def _effets(test: str, rc: float) -> dict:
    if test == "breslow_day":  # comme la puissance publiée de H5 : RC 1 partout, un territoire à rc
        return {"rapport_cotes": 1.0, "ecart": True, "rapport_cotes_ecart": rc}
    return {"rapport_cotes": rc, "ecart": False, "rapport_cotes_ecart": 1.0}


def courbe(c: Conception, test: str, *, processus: int | None = None) -> pd.DataFrame:
    """La courbe de puissance d'un test publié sur le plan du jeu (grille `Conception.grille`), avec l'effet,
    le seuil et le nombre de jeux simulés du plan d'analyse."""
    rc = float(c.seuils["rapport_cotes_puissance"])
    scenario = dataclasses.replace(c.scenario, **_effets(test, rc))
    return puissance_simulee.courbe_puissance(scenario, test, c.grille(test), replicats=int(c.seuils["replicats_puissance"]),
                                              seuil=float(c.seuils["alpha"]), processus=processus)
