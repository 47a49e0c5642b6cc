"""Fixtures communes : le jeu par défaut, et une fabrique de petits jeux écrits
dans tous les formats pris en charge."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
import yaml

from paquet_analyse import chargement, chemins, preparation

RACINE = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def jeu_defaut():
    return chargement.charger_jeu(chemins.jeu_defaut())


@pytest.fixture(scope="session")
def donnees_defaut():
    """Le jeu par défaut préparé en mémoire (lu, validé, dérivé avec le plan), sans rien écrire."""
    return preparation.preparer(chemins.jeu_defaut()).donnees


def preparer_mini(dossier):
    """Un petit jeu écrit par `ecrire_jeu`, préparé en mémoire (`donnees.Donnees`)."""
    return preparation.preparer(dossier).donnees


def petites_tables() -> dict[str, pd.DataFrame]:
    """Un mini-jeu lisible, avec accents, apostrophes et manquants."""
    instances = pd.DataFrame({
        "id_instance": ["I1", "I2", "I3", "I4"],
        "territoire": ["L'Assomption", "L'Assomption", "D'Autray", "D'Autray"],
        "annee_creation": [1995, 2005, 2010, ""],
        "initiateur": ["cisss", "communautaire", "fondation", "citoyens"],
        "thematique": ["enfance_jeunesse_famille", "aines", "enfance_jeunesse_famille", "habitation"],
        "fonction_dominante": ["gestion_programmes_services", "developpement_initiatives",
                               "gestion_programmes_services", "developpement_initiatives"],
        "citoyens_membres": ["non", "oui", "non", "oui"],
        "evaluation_collective": ["non", "oui", "oui", "oui"],
        "nb_membres": ["12", "8", "10", "5"],
    })
    participants = pd.DataFrame({
        "id_repondant": ["R1", "R2", "R3", "R4", "R5"],
        "id_instance": ["I1", "I1", "I2", "I3", "I4"],
        "id_organisation": ["O1", "O2", "O1", "O3", ""],
        "secteur": ["sante_services_sociaux", "communautaire", "communautaire", "municipal", "citoyen"],
        "mode_delegation": ["auto_delegation", "mandat_direction", "auto_delegation", "autre", "auto_delegation"],
        "mandat_defini_par": ["repondant", "organisation", "repondant", "repondant", "repondant"],
        "suivi_organisation": ["informel", "formel", "aucun", "informel", "formel"],
        "nb_concertations": ["4", "1", "2", "3", "1"],
        "heures_mois": ["2,5", "4", "NSP", "1", "0"],
    })
    territoires = pd.DataFrame({"territoire": ["L'Assomption", "D'Autray"], "code_geo": ["60", "52"],
                                "population": [128532, 44168]})
    return {"instances": instances, "participants": participants, "territoires": territoires}


def ecrire_jeu(dossier: Path, tables: dict[str, pd.DataFrame], *, format: str = "csv",
               encodage: str = "utf-8", sep: str = ",", extra: dict | None = None) -> Path:
    """Écrit un jeu (jeu.yml + fichiers) dans `dossier`, au format demandé."""
    dossier.mkdir(parents=True, exist_ok=True)
    fichiers = {}
    for nom, tableau in tables.items():
        if format == "csv":
            chemin = dossier / f"{nom}.csv"
            texte = tableau.to_csv(index=False, sep=sep, lineterminator="\n")
            chemin.write_bytes(texte.encode(encodage))
        elif format == "xlsx":
            chemin = dossier / f"{nom}.xlsx"
            tableau.to_excel(chemin, index=False)
        else:
            raise ValueError(format)
        fichiers[nom] = chemin.name
    desc = {"titre": "Mini-jeu de test (données SIMULÉES)", "region": "Test", "annee_enquete": 2022,
            "source": "tests", "simule": True, "fichiers": fichiers,
            "valeurs_manquantes": ["", "NSP", "-99"]}
    desc.update(extra or {})
    (dossier / "jeu.yml").write_text(yaml.safe_dump(desc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dossier


@pytest.fixture
def mini_jeu(tmp_path):
    return ecrire_jeu(tmp_path / "mini", petites_tables())


def empreintes(dossier: Path) -> dict[str, str]:
    """SHA-256 de chaque fichier d'un dossier (pour vérifier qu'il n'a pas changé)."""
    return {p.relative_to(dossier).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(dossier.rglob("*")) if p.is_file()}


def reduire_puissance(racine: Path, replicats: int = 4) -> None:
    """Dans une copie du projet : peu de jeux simulés par point de puissance (carnet 07), pour que
    les flux de test restent rapides. Le plan versionné en garde 100 (voir plan_analyse.yml)."""
    chemin = racine / "carnets" / "plan_analyse.yml"
    texte = chemin.read_text(encoding="utf-8")
    assert "replicats_puissance: 100" in texte
    chemin.write_text(texte.replace("replicats_puissance: 100", f"replicats_puissance: {replicats}"), encoding="utf-8")
