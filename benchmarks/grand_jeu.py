"""Banc d'essai « grand jeu » : 50 000 instances et 500 000 participants.

Génère (graine fixe, dans un dossier temporaire) un jeu SIMULÉ de grande
taille au format des exports réels (participants : BOM UTF-8, point-virgule,
virgule décimale, « NSP »), puis mesure, chaque phase dans son propre
sous-processus (mesures de mémoire propres) :

1. ``chargement`` : ``charger_jeu`` puis ``valider_jeu`` ;
2. ``portrait`` : préparation en mémoire (lecture, validation, dérivées),
   puis ``diffusion.portrait`` (non protégé : ``indicateurs.portrait``) pour chaque
   territoire et pour l'ensemble du jeu.

Pour chaque phase : temps écoulé (horloge murale) et pic de mémoire résidente
du sous-processus (``resource.getrusage(RUSAGE_SELF).ru_maxrss``).

Usage (depuis la racine du projet) ::

    .venv/bin/python benchmarks/grand_jeu.py
    .venv/bin/python benchmarks/grand_jeu.py --erreurs 0.01   # 1 % de cellules fautives
    .venv/bin/python benchmarks/grand_jeu.py --instances 5000 --participants 50000

Ce script n'est pas un test de la suite : il est lancé à la main, et ses
chiffres sont consignés dans ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from paquet_analyse import portraits

GRAINE = 20240501
ANNEE_ENQUETE = 2024
INITIATEURS = {"cisss": 0.25, "municipal": 0.2, "fondation": 0.1, "public_autre": 0.1,
               "communautaire": 0.25, "citoyens": 0.05, "autre": 0.05}
THEMATIQUES = {"enfance_jeunesse_famille": 0.4, "aines": 0.1, "securite_alimentaire": 0.1,
               "saines_habitudes_sante": 0.08, "developpement_social": 0.1, "emploi_insertion": 0.06,
               "habitation": 0.04, "securite_publique": 0.03, "environnement": 0.03,
               "multithematique": 0.04, "autre": 0.02}
MODELES = ["sans_objet", "reseautage_information", "intervention_reference", "prolongement_mission",
           "relais", "developpement_coconstruction"]
SECTEURS = ["communautaire", "sante_services_sociaux", "municipal", "education", "emploi_solidarite",
            "securite_publique", "philanthropique", "prive", "autre"]
PROBAS_SECTEURS = [0.5, 0.12, 0.1, 0.1, 0.06, 0.03, 0.03, 0.04, 0.02]
ORGANISATIONS_PAR_TERRITOIRE = 2000
CONCENTRATION = 0.9  # exposant de Zipf : quelques organisations siègent à beaucoup de tables
CONDITIONS = ["c1_compromis", "c2_pouvoir_comparable", "c3_integration_concertations",
              "c4_leadership_soutien", "c5_analyse_collective", "c6_participation_personnes",
              "c7_temps_participatif", "c8_evaluation_collective"]


# --------------------------------------------------------------------------
# Génération vectorisée


def _choix(rng, probas: dict[str, float], n: int) -> np.ndarray:
    p = np.array(list(probas.values()), dtype=float)
    return rng.choice(np.array(list(probas), dtype=object), size=n, p=p / p.sum())


def _oui_non(masque: np.ndarray) -> np.ndarray:
    return np.where(masque, "oui", "non")


def _identifiants(prefixe: str, numeros: np.ndarray, largeur: int) -> pd.Series:
    return prefixe + pd.Series(numeros).astype(str).str.zfill(largeur)


def generer_instances(rng, nb_instances: int, nb_territoires: int) -> pd.DataFrame:
    """Instances réparties également entre les territoires."""
    n = nb_instances
    territoire = np.arange(n) * nb_territoires // n
    return pd.DataFrame({
        "id_instance": _identifiants("INST-", np.arange(1, n + 1), 6),
        "territoire": _identifiants("Territoire ", territoire + 1, 3),
        "annee_creation": rng.integers(1975, ANNEE_ENQUETE + 1, n),
        "initiateur": _choix(rng, INITIATEURS, n),
        "thematique": _choix(rng, THEMATIQUES, n),
        "forme": np.where(rng.random(n) < 0.15, "territoriale", "thematique"),
        "modele": rng.choice(MODELES, n),
        "fonction_dominante": np.where(rng.random(n) < 0.5, "gestion_programmes_services",
                                       "developpement_initiatives"),
        "financement_programme": _oui_non(rng.random(n) < 0.6),
        "citoyens_membres": _oui_non(rng.random(n) < 0.4),
        "evaluation_collective": _oui_non(rng.random(n) < 0.45),
        "soutien_professionnel": _oui_non(rng.random(n) < 0.65),
        "nb_membres": 6 + rng.poisson(7, n),
        "nb_realisations": rng.poisson(2, n),
    })


def generer_participants(rng, instances: pd.DataFrame, nb_participants: int) -> pd.DataFrame:
    """Au moins 3 participants par instance ; organisations tirées selon une loi de Zipf
    parmi celles du territoire de l'instance (10 % de sièges citoyens, sans organisation)."""
    n_inst = len(instances)
    tailles = 3 + rng.multinomial(nb_participants - 3 * n_inst, np.full(n_inst, 1 / n_inst))
    rang_instance = np.repeat(np.arange(n_inst), tailles)
    n = len(rang_instance)
    poids = 1.0 / np.arange(1, ORGANISATIONS_PAR_TERRITOIRE + 1) ** CONCENTRATION
    rang_org = np.searchsorted(np.cumsum(poids) / poids.sum(), rng.random(n))
    secteur_org = rng.choice(SECTEURS, ORGANISATIONS_PAR_TERRITOIRE, p=PROBAS_SECTEURS)
    citoyen = rng.random(n) < 0.10
    num_territoire = instances["territoire"].str[-3:].to_numpy()[rang_instance]
    organisation = "ORG-" + pd.Series(num_territoire) + "-" + pd.Series(rang_org + 1).astype(str).str.zfill(4)
    heures = np.round(rng.gamma(2.0, 2.0, n) * 2) / 2
    heures_texte = pd.Series(heures).map("{:g}".format).str.replace(".", ",", regex=False)
    participants = pd.DataFrame({
        "id_repondant": _identifiants("REP-", np.arange(1, n + 1), 7),
        "id_instance": instances["id_instance"].to_numpy()[rang_instance],
        "id_organisation": organisation.where(~citoyen, "NSP"),
        "secteur": np.where(citoyen, "citoyen", secteur_org[rang_org]),
        "mode_delegation": _choix(rng, {"auto_delegation": 0.4, "mandat_direction": 0.4,
                                        "mandat_conseil_administration": 0.15, "autre": 0.05}, n),
        "mandat_defini_par": _choix(rng, {"repondant": 0.8, "organisation": 0.1, "instance": 0.07,
                                          "bailleur": 0.03}, n),
        "suivi_organisation": _choix(rng, {"formel": 0.3, "informel": 0.55, "aucun": 0.15}, n),
        "nb_concertations": 1 + rng.poisson(1.5, n),
        "heures_mois": heures_texte.where(rng.random(n) >= 0.01, "NSP"),
    })
    for nom in [*CONDITIONS, "priorites_imposees"]:
        valeurs = pd.Series(rng.integers(1, 5, n)).astype(str)
        participants[nom] = valeurs.where(rng.random(n) >= 0.02, "NSP")
    return participants


def abimer(rng, tableau: pd.DataFrame, part: float, colonnes: dict[str, str]) -> int:
    """Remplace une part des cellules des colonnes données par une valeur fautive."""
    total = 0
    for colonne, fautive in colonnes.items():
        lignes = rng.random(len(tableau)) < part
        tableau[colonne] = tableau[colonne].astype(object)
        tableau.loc[lignes, colonne] = fautive
        total += int(lignes.sum())
    return total


def generer(dossier: Path, *, nb_instances: int, nb_participants: int, nb_territoires: int,
            erreurs: float = 0.0, graine: int = GRAINE) -> dict:
    """Écrit le grand jeu dans `dossier` ; renvoie un résumé (tailles, cellules abîmées)."""
    rng = np.random.default_rng(graine)
    instances = generer_instances(rng, nb_instances, nb_territoires)
    participants = generer_participants(rng, instances, nb_participants)
    territoires = pd.DataFrame({
        "territoire": sorted(instances["territoire"].unique()),
        "code_geo": [f"{i:03d}" for i in range(1, nb_territoires + 1)],
        "population": rng.integers(10_000, 200_000, nb_territoires),
    })
    abimees = 0
    if erreurs:
        abimees += abimer(rng, instances, erreurs, {"initiateur": "comunautaire", "annee_creation": "2031"})
        abimees += abimer(rng, participants, erreurs, {"secteur": "inconnu", "nb_concertations": "deux"})
    dossier.mkdir(parents=True, exist_ok=True)
    instances.to_csv(dossier / "instances.csv", index=False, lineterminator="\n")
    texte = participants.to_csv(index=False, sep=";", lineterminator="\n")
    (dossier / "participants.csv").write_bytes(b"\xef\xbb\xbf" + texte.encode("utf-8"))
    territoires.to_csv(dossier / "territoires.csv", index=False, lineterminator="\n")
    descripteur = {
        "titre": "Grand jeu de banc d'essai (données SIMULÉES)", "region": "Banc d'essai",
        "annee_enquete": ANNEE_ENQUETE, "source": f"benchmarks/grand_jeu.py, graine {graine}",
        "simule": True,
        "fichiers": {"instances": "instances.csv",
                     "participants": {"chemin": "participants.csv", "separateur": ";"},
                     "territoires": "territoires.csv"},
        "valeurs_manquantes": ["", "NSP", "-99"],
    }
    (dossier / "jeu.yml").write_text(yaml.safe_dump(descripteur, allow_unicode=True, sort_keys=False),
                                     encoding="utf-8")
    octets = sum(p.stat().st_size for p in dossier.iterdir())
    return {"instances": len(instances), "participants": len(participants),
            "territoires": nb_territoires, "cellules_abimees": abimees, "mio_sur_disque": octets / 2**20}


# --------------------------------------------------------------------------
# Phases mesurées (chacune dans un sous-processus)


def _pic_memoire_mio() -> float:
    # Linux : ru_maxrss en Kio (macOS : en octets).
    pic = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return pic / 2**20 if sys.platform == "darwin" else pic / 2**10


def phase_chargement(dossier: Path) -> dict:
    from paquet_analyse import chargement, validation

    debut = time.perf_counter()
    jeu = chargement.charger_jeu(dossier)
    charge = time.perf_counter()
    rapport = validation.valider_jeu(jeu)
    fin = time.perf_counter()
    return {"chargement_s": charge - debut, "validation_s": fin - charge, "total_s": fin - debut,
            "nb_problemes": len(rapport.problemes), "nb_erreurs": len(rapport.erreurs),
            "pic_mio": _pic_memoire_mio()}


def phase_portrait(dossier: Path) -> dict:
    from paquet_analyse import analyses, preparation

    debut = time.perf_counter()
    donnees = preparation.preparer(dossier).donnees
    charge = time.perf_counter()

    par_territoire = [portraits.portrait_brut(donnees, t) for t in donnees.jeu.liste_territoires()]
    territoires = time.perf_counter()
    ensemble = portraits.portrait_brut(donnees)
    fin = time.perf_counter()
    return {"chargement_s": charge - debut, "portraits_territoires_s": territoires - charge,
            "nb_portraits": len(par_territoire), "portrait_ensemble_s": fin - territoires,
            "lignes_ensemble": len(ensemble), "pic_mio": _pic_memoire_mio()}


PHASES = {"chargement": phase_chargement, "portrait": phase_portrait}


def _lancer_phase(phase: str, dossier: Path, delai: float) -> dict:
    commande = [sys.executable, __file__, "--phase", phase, "--dossier", str(dossier)]
    debut = time.perf_counter()
    try:
        fini = subprocess.run(commande, capture_output=True, text=True, timeout=delai)
    except subprocess.TimeoutExpired:
        return {"echec": f"interrompu après {delai:.0f} s"}
    mesure = {"mur_sous_processus_s": time.perf_counter() - debut}
    if fini.returncode != 0:
        return mesure | {"echec": fini.stderr.strip().splitlines()[-1] if fini.stderr else "échec"}
    return mesure | json.loads(fini.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parseur = argparse.ArgumentParser(description="Banc d'essai sur un grand jeu simulé.")
    parseur.add_argument("--instances", type=int, default=50_000)
    parseur.add_argument("--participants", type=int, default=500_000)
    parseur.add_argument("--territoires", type=int, default=100)
    parseur.add_argument("--erreurs", type=float, default=0.0, help="part des cellules abîmées (ex. 0.01)")
    parseur.add_argument("--phases", default="chargement,portrait")
    parseur.add_argument("--delai", type=float, default=1800, help="délai maximal par phase (s)")
    parseur.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parseur.add_argument("--dossier", type=Path, help=argparse.SUPPRESS)
    args = parseur.parse_args(argv)
    if args.phase:  # sous-processus : une phase, un JSON sur la dernière ligne
        print(json.dumps(PHASES[args.phase](args.dossier)))
        return 0
    print(f"Python {sys.version.split()[0]}, pandas {pd.__version__}, numpy {np.__version__}, "
          f"{os.cpu_count()} cœur(s)")
    with tempfile.TemporaryDirectory(prefix="grand_jeu_") as temporaire:
        dossier = Path(temporaire) / "grand_jeu"
        debut = time.perf_counter()
        resume = generer(dossier, nb_instances=args.instances, nb_participants=args.participants,
                         nb_territoires=args.territoires, erreurs=args.erreurs)
        print(f"génération : {time.perf_counter() - debut:.1f} s ; {json.dumps(resume)}")
        for phase in args.phases.split(","):
            mesure = _lancer_phase(phase, dossier, args.delai)
            texte = ", ".join(f"{k} = {v:.1f}" if isinstance(v, float) else f"{k} = {v}"
                              for k, v in mesure.items())
            print(f"{phase} : {texte}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
