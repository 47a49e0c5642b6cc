"""Générateur (à graine fixe) du jeu par défaut : Lanaudière, données SIMULÉES.

Les six MRC de Lanaudière, avec leurs populations réelles de 2021 (décret de
population du Québec 2021). Les Moulins est calé exactement sur la
présentation de Bourque (2010) : 70 % des concertations créées depuis 2000,
75 % initiées par le CSSS, les villes ou une fondation, 50 % en
enfance-jeunesse-famille, 44 % des participants délégués par eux-mêmes,
presque tous définissent eux-mêmes leur mandat, 60 % font un suivi informel,
peu de liens entre concertations. Les autres MRC varient autour.

Les parts visées sont atteintes exactement (au compte près) par un tirage
« Gumbel top-k » : on retient les k unités dont le logit (effets plantés +
bruit de Gumbel) est le plus grand. C'est un tirage sans remise proportionnel
aux propensions, qui garde donc les effets plantés tout en fixant la marge.

Les effets plantés sont décrits dans `jeu.yml` (section `effets_plantes`).
Tout est déterministe : `simuler()` produit les mêmes octets à chaque appel.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import chemins, dictionnaire
from .erreurs import ErreurDonnees

GRAINE = 20100408  # date de la présentation de référence (8 avril 2010)
ANNEE_ENQUETE = 2022
# règle initiateur -> logique : une seule source, le dictionnaire
DESCENDANTS = dictionnaire.initiateurs_de_logique("descendante")


@dataclass(frozen=True)
class ProfilTerritoire:
    """Marges visées et paramètres d'un territoire simulé."""

    nom: str
    code_geo: str
    population: int
    nb_instances: int
    depuis_2000: float
    cisss_ville_fondation: float
    ejf: float
    auto_delegation: float
    mandat_auto_defini: float
    suivi_informel: float
    orgs_par_siege: float  # plus c'est grand, moins les tables partagent d'organisations
    concentration: float  # exposant de Zipf : plus c'est grand, plus quelques organisations sont partout
    effet_logique_participation: float  # log du rapport de cotes planté (H1)


# Populations : décret de population 2021 du Québec. Codes géographiques des MRC.
TERRITOIRES = (
    ProfilTerritoire("Les Moulins", "64", 169_815, 60, 0.70, 0.75, 0.50, 0.44, 0.95, 0.60, 0.90, 0.0, np.log(3.0)),
    ProfilTerritoire("L'Assomption", "60", 128_532, 52, 0.65, 0.69, 0.44, 0.40, 0.90, 0.55, 0.45, 0.9, np.log(3.0)),
    ProfilTerritoire("Joliette", "61", 70_376, 56, 0.61, 0.64, 0.41, 0.36, 0.88, 0.52, 0.35, 1.0, np.log(3.0)),
    ProfilTerritoire("D'Autray", "52", 44_168, 36, 0.58, 0.61, 0.39, 0.38, 0.86, 0.50, 0.40, 0.8, np.log(3.0)),
    ProfilTerritoire("Matawinie", "62", 51_346, 42, 0.55, 0.57, 0.38, 0.33, 0.84, 0.47, 0.40, 0.8, 0.0),
    ProfilTerritoire("Montcalm", "63", 57_723, 40, 0.63, 0.65, 0.45, 0.41, 0.89, 0.56, 0.40, 0.9, np.log(3.0)),
)

# Effets plantés (logarithmes de rapports de cotes), documentés dans jeu.yml.
EFFETS = {
    "descendante_sur_absence_citoyens": np.log(3.0),
    "descendante_sur_absence_evaluation": np.log(2.0),
    "ejf_sur_gestion_programmes": np.log(2.5),
    "depuis_2000_sur_gestion_programmes": np.log(2.0),
    "fondation_sur_ejf": np.log(4.0),
    "descendante_sur_suivi_informel": np.log(1.6),
    "ecart_type_instance_participants": 0.8,
    "descendante_sur_conditions": -0.6,
    "ejf_sur_conditions": -0.25,
}
REPARTITION_CVF = {"cisss": 0.45, "municipal": 0.35, "fondation": 0.20}
REPARTITION_AUTRES = {"public_autre": 0.20, "communautaire": 0.55, "citoyens": 0.15, "autre": 0.10}
THEMES_HORS_EJF = {
    "aines": 0.16, "securite_alimentaire": 0.14, "saines_habitudes_sante": 0.12,
    "developpement_social": 0.16, "emploi_insertion": 0.10, "habitation": 0.07,
    "securite_publique": 0.05, "environnement": 0.05, "multithematique": 0.10, "autre": 0.05,
}
SECTEURS_ORGS = {
    "communautaire": 0.50, "sante_services_sociaux": 0.12, "municipal": 0.10, "education": 0.10,
    "emploi_solidarite": 0.06, "securite_publique": 0.03, "philanthropique": 0.03,
    "prive": 0.04, "autre": 0.02,
}
PART_MANQUANTE_CONDITIONS = 0.02
CONDITIONS = [f for f in dictionnaire.variables("participants") if f.startswith("c") and f[1].isdigit()]


# --------------------------------------------------------------------------
# Outils de tirage


def top_k(rng: np.random.Generator, logits: np.ndarray, part: float) -> np.ndarray:
    """Booléens : exactement round(part * n) vrais, tirés sans remise selon les logits."""
    k = int(round(part * len(logits)))
    cles = np.asarray(logits, dtype=float) + rng.gumbel(size=len(logits))
    choisis = np.zeros(len(logits), dtype=bool)
    choisis[np.argsort(-cles, kind="stable")[:k]] = True
    return choisis


def repartir(rng: np.random.Generator, n: int, probas: dict[str, float]) -> np.ndarray:
    """Exactement n codes répartis au plus près des probabilités, dans un ordre aléatoire."""
    codes = list(probas)
    p = np.array([probas[c] for c in codes], dtype=float)
    p = p / p.sum()
    comptes = np.floor(p * n).astype(int)
    reste = n - comptes.sum()
    comptes[np.argsort(-(p * n - comptes), kind="stable")[:reste]] += 1
    valeurs = np.repeat(codes, comptes)
    return rng.permutation(valeurs)


def _choix(rng, probas: dict[str, float], taille: int) -> np.ndarray:
    codes = list(probas)
    p = np.array(list(probas.values()), dtype=float)
    return rng.choice(codes, size=taille, p=p / p.sum())


# --------------------------------------------------------------------------
# Instances


def tirages_instances(rng: np.random.Generator, prof: ProfilTerritoire) -> dict[str, np.ndarray]:
    """Tirages des instances d'un territoire, dans l'ordre où le générateur les consomme.

    Séparés de la mise en tableau (:func:`instances_territoire`) pour que
    l'analyse de puissance (:mod:`paquet_analyse.puissance`) refasse les mêmes
    jeux, tirage pour tirage, sans construire des milliers de tableaux pandas.
    """
    n = prof.nb_instances
    cvf = top_k(rng, np.zeros(n), prof.cisss_ville_fondation)
    initiateur = np.empty(n, dtype=object)
    initiateur[cvf] = repartir(rng, int(cvf.sum()), REPARTITION_CVF)
    initiateur[~cvf] = repartir(rng, int((~cvf).sum()), REPARTITION_AUTRES)
    descendante = np.isin(initiateur, DESCENDANTS)
    fondation = initiateur == "fondation"

    ejf = top_k(rng, EFFETS["fondation_sur_ejf"] * fondation, prof.ejf)
    thematique = np.where(ejf, "enfance_jeunesse_famille", None).astype(object)
    thematique[~ejf] = _choix(rng, THEMES_HORS_EJF, int((~ejf).sum()))
    depuis = top_k(rng, 0.5 * cvf, prof.depuis_2000)
    annee = np.where(depuis, rng.integers(2000, ANNEE_ENQUETE + 1, n), rng.integers(1975, 2000, n))

    logit_gestion = -1.2 + EFFETS["ejf_sur_gestion_programmes"] * ejf + EFFETS["depuis_2000_sur_gestion_programmes"] * depuis
    gestion = rng.random(n) < sigmoide(logit_gestion)
    logit_sans_citoyens = -0.9 + prof.effet_logique_participation * descendante
    sans_citoyens = rng.random(n) < sigmoide(logit_sans_citoyens)
    logit_sans_eval = -0.4 + EFFETS["descendante_sur_absence_evaluation"] * descendante
    sans_evaluation = rng.random(n) < sigmoide(logit_sans_eval)

    modeles_desc = {"sans_objet": 0.05, "reseautage_information": 0.15, "intervention_reference": 0.15,
                    "prolongement_mission": 0.25, "relais": 0.25, "developpement_coconstruction": 0.15}
    modeles_asc = {"sans_objet": 0.05, "reseautage_information": 0.20, "intervention_reference": 0.15,
                   "prolongement_mission": 0.10, "relais": 0.05, "developpement_coconstruction": 0.45}
    modele = np.where(descendante, _choix(rng, modeles_desc, n), _choix(rng, modeles_asc, n))
    territoriale = (thematique == "multithematique") | (rng.random(n) < 0.12)
    nb_membres = 6 + rng.poisson(7, n)
    realisations = rng.poisson(np.where(modele == "developpement_coconstruction", 4.0, 2.0))
    financement = rng.random(n) < np.where(descendante, 0.8, 0.4)
    soutien = rng.random(n) < np.where(descendante, 0.75, 0.55)
    return {"annee": annee, "initiateur": initiateur, "descendante": descendante, "thematique": thematique,
            "territoriale": territoriale, "modele": modele, "gestion": gestion, "sans_citoyens": sans_citoyens,
            "sans_evaluation": sans_evaluation, "financement": financement, "soutien": soutien,
            "nb_membres": nb_membres, "realisations": realisations}


def instances_territoire(rng: np.random.Generator, prof: ProfilTerritoire, debut: int) -> pd.DataFrame:
    t = tirages_instances(rng, prof)
    n = prof.nb_instances
    return pd.DataFrame({
        "id_instance": [f"INST-{debut + i:04d}" for i in range(n)],
        "territoire": prof.nom,
        "annee_creation": t["annee"],
        "initiateur": t["initiateur"],
        "thematique": t["thematique"],
        "forme": np.where(t["territoriale"], "territoriale", "thematique"),
        "modele": t["modele"],
        "fonction_dominante": np.where(t["gestion"], "gestion_programmes_services", "developpement_initiatives"),
        "financement_programme": t["financement"],
        "citoyens_membres": ~t["sans_citoyens"],
        "evaluation_collective": ~t["sans_evaluation"],
        "soutien_professionnel": t["soutien"],
        "nb_membres": t["nb_membres"],
        "nb_realisations": t["realisations"],
    })


def sigmoide(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


# --------------------------------------------------------------------------
# Organisations et participants


def _organisations(rng, prof: ProfilTerritoire, nb_sieges: int) -> pd.DataFrame:
    n = max(10, int(np.ceil(prof.orgs_par_siege * nb_sieges)))
    secteurs = _choix(rng, SECTEURS_ORGS, n)
    # Poids de Zipf : quelques organisations sont sollicitées partout (hyperconcertation).
    poids = 1.0 / np.arange(1, n + 1) ** prof.concentration
    institution = np.isin(secteurs, ("sante_services_sociaux", "municipal", "education"))
    return pd.DataFrame({
        "id_organisation": [f"ORG-{prof.code_geo}-{i + 1:03d}" for i in range(n)],
        "secteur": secteurs,
        "poids": rng.permutation(poids) * np.where(institution, 1.5, 1.0),
    })


ORGANISATIONS_REGIONALES = pd.DataFrame({
    "id_organisation": [f"ORG-REG-{i:03d}" for i in range(1, 7)],
    "secteur": ["sante_services_sociaux", "sante_services_sociaux", "philanthropique",
                "education", "emploi_solidarite", "communautaire"],
    "poids": [0.6, 0.4, 0.3, 0.2, 0.2, 0.2],
})


def _sieges(rng, instances: pd.DataFrame, orgs: pd.DataFrame) -> pd.DataFrame:
    """Une ligne par répondant : instance, organisation (NA pour un citoyen), secteur."""
    lignes = []
    for inst in instances.itertuples(index=False):
        n = int(np.clip(rng.binomial(inst.nb_membres, 0.65), 3, inst.nb_membres))
        nb_citoyens = int(1 + rng.binomial(2, 0.3)) if inst.citoyens_membres else 0
        poids = orgs["poids"].to_numpy() * np.where(
            (inst.initiateur in DESCENDANTS) & orgs["secteur"].isin(["sante_services_sociaux", "municipal"]), 2.0, 1.0)
        choisies = rng.choice(len(orgs), size=n - nb_citoyens, replace=False, p=poids / poids.sum())
        for j in choisies:
            lignes.append((inst.id_instance, orgs["id_organisation"].iat[j], orgs["secteur"].iat[j]))
        lignes += [(inst.id_instance, None, "citoyen")] * nb_citoyens
    return pd.DataFrame(lignes, columns=["id_instance", "id_organisation", "secteur"])


def _ordinal(latent: np.ndarray, seuils=(-1.2, -0.2, 0.9)) -> np.ndarray:
    return 1 + np.searchsorted(np.asarray(seuils), latent)


def _participants_territoire(rng, prof: ProfilTerritoire, instances: pd.DataFrame) -> pd.DataFrame:
    nb_sieges = int((instances["nb_membres"] * 0.65).sum())
    orgs = pd.concat([_organisations(rng, prof, nb_sieges), ORGANISATIONS_REGIONALES], ignore_index=True)
    sieges = _sieges(rng, instances, orgs)
    info = instances.set_index("id_instance").loc[sieges["id_instance"]]
    desc = np.isin(info["initiateur"], DESCENDANTS)
    ejf = (info["thematique"] == "enfance_jeunesse_famille").to_numpy()
    fondation = (info["initiateur"] == "fondation").to_numpy()
    codes_inst, rang = np.unique(sieges["id_instance"], return_inverse=True)
    sd = EFFETS["ecart_type_instance_participants"]
    effet_inst = rng.normal(0, sd, len(codes_inst))[rang]
    n = len(sieges)

    auto = top_k(rng, 0.4 * (sieges["secteur"] == "communautaire") + effet_inst, prof.auto_delegation)
    delegation = np.where(auto, "auto_delegation", _choix(
        rng, {"mandat_direction": 0.65, "mandat_conseil_administration": 0.25, "autre": 0.10}, n))
    mandat_auto = top_k(rng, np.zeros(n), prof.mandat_auto_defini)
    mandat = np.where(mandat_auto, "repondant", np.where(
        fondation & (rng.random(n) < 0.5), "bailleur",
        _choix(rng, {"organisation": 0.6, "instance": 0.3, "bailleur": 0.1}, n)))
    informel = top_k(rng, EFFETS["descendante_sur_suivi_informel"] * desc + rng.normal(0, sd, len(codes_inst))[rang],
                     prof.suivi_informel)
    suivi = np.where(informel, "informel", np.where(rng.random(n) < 0.2, "aucun", "formel"))

    institution = sieges["secteur"].isin(["sante_services_sociaux", "municipal", "education"]).to_numpy()
    citoyen = (sieges["secteur"] == "citoyen").to_numpy()
    nb_conc = 1 + rng.poisson(np.where(citoyen, 0.3, 1.2 + 1.8 * institution))
    heures = np.round(rng.gamma(2.0, 2.0, n) * 2) / 2

    qualite = (EFFETS["descendante_sur_conditions"] * desc + EFFETS["ejf_sur_conditions"] * ejf
               + rng.normal(0, 0.6, len(codes_inst))[rang])
    personne = rng.normal(0, 0.6, n)
    sortie = pd.DataFrame({
        "id_instance": sieges["id_instance"], "id_organisation": sieges["id_organisation"],
        "secteur": sieges["secteur"], "mode_delegation": delegation, "mandat_defini_par": mandat,
        "suivi_organisation": suivi, "nb_concertations": nb_conc, "heures_mois": heures.astype(object),
    })
    for c in CONDITIONS:
        valeurs = _ordinal(0.3 + qualite + personne + rng.normal(0, 0.8, n)).astype(object)
        valeurs[rng.random(n) < PART_MANQUANTE_CONDITIONS] = None
        sortie[c] = valeurs
    sortie["priorites_imposees"] = _ordinal(0.5 * desc + 0.6 * fondation + rng.normal(0, 1, n))
    sortie.loc[rng.random(n) < 0.01, "heures_mois"] = None
    return sortie


# --------------------------------------------------------------------------
# Assemblage et écriture


def generer(graine: int = GRAINE, *, profils: tuple[ProfilTerritoire, ...] = TERRITOIRES) -> dict[str, pd.DataFrame]:
    """Tables simulées (instances, participants, territoires), sans écrire.

    `profils` permet un petit jeu de test (moins de territoires ou d'instances).
    """
    rng = np.random.default_rng(graine)
    instances, participants, debut = [], [], 1
    for prof in profils:
        inst = instances_territoire(rng, prof, debut)
        debut += len(inst)
        instances.append(inst)
        participants.append(_participants_territoire(rng, prof, inst))
    participants = pd.concat(participants, ignore_index=True)
    participants.insert(0, "id_repondant", [f"REP-{i + 1:05d}" for i in range(len(participants))])
    territoires = pd.DataFrame({
        "territoire": [p.nom for p in profils],
        "code_geo": [p.code_geo for p in profils],
        "population": [p.population for p in profils],
    })
    return {"instances": pd.concat(instances, ignore_index=True), "participants": participants,
            "territoires": territoires}


def _csv(tableau: pd.DataFrame, *, sep: str = ",", decimale: str = ".") -> str:
    sortie = tableau.copy()
    for nom in sortie.columns:
        if sortie[nom].dtype == bool:
            sortie[nom] = np.where(sortie[nom], "oui", "non")
        elif nom == "heures_mois":
            sortie[nom] = [("NSP" if v is None or pd.isna(v) else f"{float(v):g}".replace(".", decimale))
                           for v in sortie[nom]]
    sortie = sortie.astype(object).where(sortie.notna(), "NSP")
    tampon = io.StringIO()
    sortie.to_csv(tampon, index=False, sep=sep, lineterminator="\n")
    return tampon.getvalue()


def descripteur(graine: int = GRAINE) -> dict:
    """Contenu de jeu.yml : ce qui est simulé, et les effets plantés."""
    return {
        "titre": "Concertations de Lanaudière (données SIMULÉES)",
        "region": "Lanaudière",
        "annee_enquete": ANNEE_ENQUETE,
        "source": ("Données SIMULÉES par python -m paquet_analyse simuler (graine "
                   f"{graine}), calées sur Bourque (2010), présentation du 8 avril 2010, "
                   "diapositive « MRC Les Moulins ». Populations réelles : décret de population 2021."),
        "simule": True,
        "notes": ("ATTENTION : aucune de ces réponses ne vient d'une vraie enquête. Elles servent à "
                  "faire tourner et à vérifier la chaîne d'analyse. Les Moulins reproduit les parts "
                  "publiées ; les autres MRC varient autour ; des effets connus y sont plantés."),
        "fichiers": {
            "instances": "instances.csv",
            "participants": {"chemin": "participants.csv", "separateur": ";"},
            "territoires": "territoires.csv",
        },
        "valeurs_manquantes": ["", "NSP", "-99"],
        "effets_plantes": {
            "H1_absence_citoyens": ("Logique descendante : rapport de cotes 3 sur l'absence de citoyens "
                                    "à la table, dans toutes les MRC sauf Matawinie (rapport de cotes 1 : "
                                    "la MRC qui s'écarte de l'effet commun)."),
            "H1_absence_evaluation": "Logique descendante : rapport de cotes 2 sur l'absence d'évaluation collective.",
            "H1_suivi_informel": ("Logique descendante : rapport de cotes 1,6 sur le suivi informel (tirage "
                                  "à marge fixée), avec un effet aléatoire d'instance (écart-type 0,8 sur "
                                  "l'échelle logit) : les réponses d'une même table sont corrélées."),
            "H2_H3_gestion_programmes": ("Enfance-jeunesse-famille : rapport de cotes 2,5 ; création depuis "
                                         "2000 : rapport de cotes 2, sur la fonction de gestion de programmes."),
            "H2_fondation_ejf": "Initiative d'une fondation : rapport de cotes 4 sur la thématique enfance-jeunesse-famille.",
            "H6_conditions": ("Indice des conditions plus bas en logique descendante (-0,6 sur l'échelle "
                              "latente) et en enfance-jeunesse-famille (-0,25)."),
            "reseau": ("Quelques organisations (dont six régionales) siègent à beaucoup de tables ; Les "
                       "Moulins a plus d'organisations par siège et une sollicitation moins concentrée, "
                       "donc peu de liens entre concertations. Les instances de logique descendante "
                       "recrutent deux fois plus volontiers les organisations de la santé et du "
                       "municipal, parmi les plus sollicitées : elles sont donc plus reliées aux autres."),
            "manquants": "Environ 2 % de « NSP » sur chaque condition et 1 % sur les heures par mois.",
        },
    }


def fichiers_simules(graine: int = GRAINE, *, profils: tuple[ProfilTerritoire, ...] = TERRITOIRES) -> dict[str, bytes]:
    """Nom de fichier -> octets exacts du jeu simulé."""
    tables = generer(graine, profils=profils)
    yml = ("# Jeu de données SIMULÉ : généré par `python -m paquet_analyse simuler`.\n"
           "# Ne pas modifier à la main : changer paquet_analyse/simulation.py et régénérer.\n"
           + yaml.safe_dump(descripteur(graine), allow_unicode=True, sort_keys=False, width=100))
    return {
        "jeu.yml": yml.encode("utf-8"),
        "instances.csv": _csv(tables["instances"]).encode("utf-8"),
        # Export « à la Excel » : BOM UTF-8, point-virgule, virgule décimale.
        "participants.csv": b"\xef\xbb\xbf" + _csv(tables["participants"], sep=";", decimale=",").encode("utf-8"),
        "territoires.csv": _csv(tables["territoires"]).encode("utf-8"),
    }


def simuler(dossier: str | Path | None = None, *, graine: int = GRAINE,
            profils: tuple[ProfilTerritoire, ...] = TERRITOIRES) -> dict[str, str]:
    """Écrit le jeu simulé dans `dossier` (par défaut donnees_brutes/lanaudiere).

    Un fichier existant n'est jamais écrasé : s'il est identique octet pour
    octet, il est laissé tel quel (« identique ») ; s'il diffère, l'appel
    échoue (les données brutes ne sont jamais modifiées). Renvoie, par
    fichier, « écrit » ou « identique ».
    """
    dossier = Path(dossier) if dossier else chemins.jeu_defaut()
    fichiers = fichiers_simules(graine, profils=profils)
    differents = [nom for nom, octets in fichiers.items()
                  if (dossier / nom).exists() and (dossier / nom).read_bytes() != octets]
    if differents:
        raise ErreurDonnees(
            f"{chemins.relatif(dossier)} : {', '.join(differents)} existe(nt) déjà avec un autre contenu. "
            "Les données brutes ne sont jamais écrasées : choisir un autre dossier (--sortie) "
            "ou retirer ces fichiers à la main."
        )
    dossier.mkdir(parents=True, exist_ok=True)
    etat = {}
    for nom, octets in fichiers.items():
        cible = dossier / nom
        if cible.exists():
            etat[nom] = "identique"
            continue
        temporaire = cible.with_name(f".{nom}.tmp")
        temporaire.write_bytes(octets)
        temporaire.replace(cible)
        etat[nom] = "écrit"
    return etat
