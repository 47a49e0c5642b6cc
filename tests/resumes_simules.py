"""Résumés de régions SIMULÉES construits en mémoire, sans flux complet : pour les tests et les références.

Même chemin que le flux, sans Snakemake ni carnet : jeu simulé écrit dans un
dossier temporaire, préparé en mémoire (`preparation.preparer`), synthèse des
hypothèses de la région (`synthese_region.calculer_synthese`, ce que le carnet 04
calcule), protégée (`diffusion.proteger`) et écrite en CSV comme
`sorties.publier` l'écrit (`tableaux/synthese_hypotheses.csv`), puis
`resume_region.construire` avec un manifeste réduit (empreintes des fichiers
bruts et du plan, territoires, versions). Les octets du tableau publié sont
ceux du flux ; le manifeste n'a pas le commit des sources.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import warnings
from pathlib import Path

from paquet_analyse import analyses, chemins, diffusion, ecriture, execution, preparation, provenance, regions_simulees, resume_region, sorties, synthese_region


def tableau_publie(donnees) -> bytes:
    """Les octets de `tableaux/synthese_hypotheses.csv` que le carnet 04 publierait pour ces données."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        protege = diffusion.proteger(synthese_region.calculer_synthese(donnees), donnees)
    tampon = io.StringIO()
    ecriture.neutraliser_formules(protege.valeurs).to_csv(tampon, index=False, lineterminator="\n",
                                                         float_format="%.10g")
    return tampon.getvalue().encode("utf-8")


def manifeste_reduit(dossier: Path, donnees, plan_texte: str) -> dict:
    return {"jeu": f"{dossier.name} (hors du projet)", "fichiers_bruts_sha256": provenance.empreintes_brutes(dossier),
            "plan_sha256": hashlib.sha256(plan_texte.encode("utf-8")).hexdigest(),
            "parametres": {"territoires": {chemins.nom_sur(t): t for t in donnees.jeu.liste_territoires()}},
            "versions": provenance.versions(), "sources": {"commit": "(construit en mémoire par les tests)"}}


def preparer_region(region: regions_simulees.RegionSimulee, dossier: Path):
    """Le jeu simulé de `region` écrit dans `dossier`, puis préparé en mémoire : `preparation.Preparation`."""
    regions_simulees.ecrire(region, dossier)
    return preparation.preparer(dossier)


def resume(region: regions_simulees.RegionSimulee, dossier: Path | None = None, *, plan=None) -> dict[str, bytes]:
    """Les fichiers (`datapackage.json`, `hypotheses.csv`) du résumé de cette région simulée.

    `plan` : un autre plan que celui appliqué (pour fabriquer un résumé incompatible).
    """
    with tempfile.TemporaryDirectory() as temporaire:
        dossier = Path(dossier or temporaire) / region.jeu
        p = preparer_region(region, dossier)
        octets = tableau_publie(p.donnees)
        return resume_region.construire(octets, manifeste_reduit(dossier, p.donnees, p.plan_texte),
                                        plan=plan or p.donnees.plan, descripteur_jeu=p.donnees.jeu.descripteur,
                                        nom_jeu=region.jeu)
