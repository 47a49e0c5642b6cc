"""Régions SIMULÉES pour comparer des régions : la démonstration de `comparer-regions` et ses tests.

Chaque région est tirée par le même générateur que le jeu par défaut
(`simulation.fichiers_simules`, mêmes marges que les MRC de Lanaudière, graine
propre à la région), sous son propre nom et avec son propre effet planté :
le log du rapport de cotes de la logique descendante sur l'absence de
citoyens à la table (hypothèse H1a), le même dans tous ses territoires.
Dans la démonstration, trois régions ont ce lien (rapport de cotes 3) et une
ne l'a pas (rapport de cotes 1) : `comparer-regions` doit trouver que le lien
n'est pas le même partout, et le dire pour H1a seulement.

Tout est déterministe : mêmes octets à chaque appel. Aucune de ces réponses ne
vient d'une vraie enquête ; `jeu.yml` le dit (`simule: true`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from . import simulation
from .erreurs import ErreurDonnees

SECTEURS = ("Nord", "Sud", "Est", "Ouest", "Centre", "Littoral")


@dataclass(frozen=True)
class RegionSimulee:
    """Une région simulée : son jeu, son nom, sa graine, son effet planté et sa taille."""

    jeu: str                 # nom du dossier du jeu (et de resultats/<jeu>/)
    region: str
    graine: int
    rapport_cotes_lien: float  # logique descendante -> aucun citoyen à la table, dans chaque territoire
    nb_territoires: int = 4
    nb_instances: int = 70   # par territoire

    def profils(self) -> tuple:
        """Les territoires : marges des MRC de Lanaudière (dans l'ordre), noms et effet de cette région."""
        base = simulation.TERRITOIRES
        return tuple(replace(base[i % len(base)], nom=f"{self.region} — secteur {SECTEURS[i]}",
                             code_geo=f"{self.graine % 100:02d}{i}", nb_instances=self.nb_instances,
                             effet_logique_participation=math.log(self.rapport_cotes_lien))
                     for i in range(self.nb_territoires))

    def descripteur(self) -> dict:
        desc = simulation.descripteur(self.graine)
        rc = f"{self.rapport_cotes_lien:g}".replace(".", ",")
        desc.update(
            titre=f"Concertations de la {self.region} (données SIMULÉES)", region=self.region,
            source=(f"Données SIMULÉES par paquet_analyse.regions_simulees (graine {self.graine}), mêmes marges que "
                    "les MRC simulées de Lanaudière ; territoires et populations fictifs."),
            notes=("ATTENTION : aucune de ces réponses ne vient d'une vraie enquête. Région simulée pour montrer et "
                   "vérifier la comparaison entre régions (comparer-regions)."))
        desc["effets_plantes"] = {**desc["effets_plantes"], "H1_absence_citoyens": (
            f"Logique descendante : rapport de cotes {rc} sur l'absence de citoyens à la table, le même dans tous "
            "les territoires de cette région" + (" (aucun lien : la région qui s'écarte des autres)."
                                                 if self.rapport_cotes_lien == 1 else "."))}
        return desc

    def fichiers(self) -> dict[str, bytes]:
        """Nom de fichier -> octets exacts du jeu simulé de cette région."""
        fichiers = simulation.fichiers_simules(self.graine, profils=self.profils())
        fichiers["jeu.yml"] = ("# Jeu de données SIMULÉ : région de démonstration de comparer-regions.\n"
                               "# Généré par paquet_analyse.regions_simulees ; ne pas modifier à la main.\n"
                               + yaml.safe_dump(self.descripteur(), allow_unicode=True, sort_keys=False,
                                                width=100)).encode("utf-8")
        return fichiers


#: La démonstration : trois régions avec le lien (RC 3), une sans (RC 1).
DEMONSTRATION = (
    RegionSimulee("demo_region_a", "Région A", 1101, 3.0),
    RegionSimulee("demo_region_b", "Région B", 1102, 3.0),
    RegionSimulee("demo_region_c", "Région C", 1103, 3.0),
    RegionSimulee("demo_region_d", "Région D", 1104, 1.0),
)


def ecrire(region: RegionSimulee, dossier: str | Path) -> dict[str, str]:
    """Écrit le jeu simulé d'une région dans `dossier` ; un fichier identique est laissé, un différent refusé
    (comme `simulation.simuler`). Rend, par fichier, « écrit » ou « identique »."""
    dossier = Path(dossier)
    fichiers = region.fichiers()
    differents = [n for n, o in fichiers.items() if (dossier / n).exists() and (dossier / n).read_bytes() != o]
    if differents:
        raise ErreurDonnees(f"{dossier.name} : {', '.join(differents)} existe(nt) déjà avec un autre contenu ; "
                            "les données brutes ne sont jamais écrasées. Choisir un autre dossier.")
    dossier.mkdir(parents=True, exist_ok=True)
    etat = {}
    for nom, octets in fichiers.items():
        if (dossier / nom).exists():
            etat[nom] = "identique"
            continue
        temporaire = dossier / f".{nom}.tmp"
        temporaire.write_bytes(octets)
        temporaire.replace(dossier / nom)
        etat[nom] = "écrit"
    return etat
