"""Le flux d'une comparaison entre régions (`comparer-regions`), et sa démonstration sur des régions simulées.

Couche « orchestration » (comme `flux` et `execution`) :

1. `regions_recues.preparer` vérifie les résumés reçus (intégrité,
   compatibilité ; tous les problèmes à la fois, en français) et les
   recopie dans `resultats/comparaisons/<nom>/resumes/` ; rien n'est exécuté
   si un résumé est refusé ;
2. le carnet `carnets/08_comparaison_regions.ipynb` est exécuté par
   papermill (`execution.executer_carnet`, mêmes règles que ceux d'une
   région : paramètres contrôlés, sorties sans horodatage) dans
   `resultats/comparaisons/<nom>/carnets/` ; il publie ses tableaux et ses
   figures dans `tableaux/` et `figures/` ;
3. le rapport HTML est rendu par le même exportateur nbconvert que ceux des
   régions (`rapports.html_du_carnet` : français, figures intégrées, sans code) ;
4. `manifeste.json` donne la provenance de chaque résumé comparé (empreintes
   reçues, manifeste de l'équipe), les versions, le commit des sources et
   l'empreinte de chaque fichier produit.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from . import (chemins, comparaison_regions, ecriture, execution, flux, provenance, rapports, regions_recues,
               regions_simulees)

NOM_CARNET = "08_comparaison_regions"
RAPPORT = f"rapports/{NOM_CARNET}.html"


def comparer(entrees: list, *, nom: str | None = None, groupee: bool = False) -> Path:
    """Compare les résumés de régions `entrees` ; rend le dossier `resultats/comparaisons/<nom>/`.

    `groupee` : ajouter l'analyse groupée stratifiée, si les jeux préparés de toutes ces régions sont ici.
    Lève `ErreurResumeRegion` (tous les problèmes) si un résumé est altéré ou incompatible.
    """
    import nbformat


    regions = regions_recues.preparer(entrees, nom=nom)
    dossier = chemins.dossier_comparaison(regions.nom)
    carnet = dossier / "carnets" / f"{NOM_CARNET}.ipynb"
    execution.executer_carnet(chemins.carnets() / f"{NOM_CARNET}.ipynb", carnet,
                              {"comparaison": regions.nom, "groupee": bool(groupee)})
    html = rapports.html_du_carnet(nbformat.read(carnet, as_version=4), comparaison_regions.TITRE)
    ecriture.ecrire_texte(html, dossier / RAPPORT)
    produits = sorted(p for sous in ("carnets", "rapports", "tableaux", "figures")
                      for p in (dossier / sous).rglob("*") if p.is_file() and not p.name.startswith("."))
    ecriture.ecrire_json({
        "comparaison": regions.nom,
        "simule": regions.simule,
        "resumes": regions.provenance_complete(),
        "notes_compatibilite": list(regions.notes),
        "analyse_groupee_demandee": bool(groupee),
        "versions": provenance.versions(),
        "sources": provenance.commit_sources(),
        "fichiers_sha256": {p.relative_to(dossier).as_posix(): ecriture.empreinte(p) for p in produits},
    }, dossier / "manifeste.json")
    return dossier


def demonstration(*, coeurs: int = 2) -> Path:
    """Quatre régions SIMULÉES (trois avec le lien de H1a, une sans) : leurs jeux sont écrits dans un dossier
    temporaire, le flux complet tourne sur chacun (`resultats/demo_region_*/`), puis leurs résumés sont
    comparés avec l'analyse groupée (`resultats/comparaisons/demonstration/`)."""
    from .erreurs import ErreurPaquet

    with tempfile.TemporaryDirectory(prefix="regions_simulees_") as temporaire:
        for region in regions_simulees.DEMONSTRATION:
            dossier = Path(temporaire) / region.jeu
            regions_simulees.ecrire(region, dossier)
            print(f"Région simulée « {region.region} » : flux complet ({region.jeu})…", file=sys.stderr, flush=True)
            code = flux.lancer(str(dossier), coeurs=coeurs)
            if code:
                raise ErreurPaquet(f"Le flux de la région simulée « {region.region} » s'est arrêté (code {code}) ; "
                                   "voir les messages ci-dessus.")
    return comparer([chemins.dossier_resultats(r.jeu) for r in regions_simulees.DEMONSTRATION],
                    nom="demonstration", groupee=True)
