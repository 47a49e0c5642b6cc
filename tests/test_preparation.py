"""La préparation unique d'un jeu : tables typées écrites une fois, relues telles quelles,
paramètres du plan appliqués partout, jeu invalide arrêté avant toute analyse.

Chaque test travaille dans une copie du projet (`PAQUET_ANALYSE_RACINE`), pour
ne rien écrire dans le vrai dossier `resultats/`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import ecrire_jeu, petites_tables
from paquet_analyse import chemins, diffusion, simulation

RACINE = chemins.racine()

# Exécuté dans un sous-processus dont la racine est une copie du projet.
SCRIPT_PARAMETRES = r"""
import json, sys
from paquet_analyse import analyses, diffusion, flux, preparation
meta = flux.preparer("donnees_brutes/petit")
d = preparation.lire("petit")
p = diffusion.portrait(d, "D'Autray")
v = p.valeurs.set_index("indicateur")
sollicitees = analyses.organisations_sollicitees(d)
print(json.dumps({
    "depuis": None if pd_isna(v.loc["creees_depuis_charniere", "proportion"]) else float(v.loc["creees_depuis_charniere", "proportion"]),
    "sur_sollicites": int(d.participants["sur_sollicitation"].sum()),
    "orgs_sur_sollicitees": int(sollicitees["sur_sollicitation"].sum()),
    "seuil_portrait": p.seuil,
    "supprimees": int(p.masque.to_numpy().sum()),
}))
"""


def _copie(tmp_path: Path) -> Path:
    racine = tmp_path / "projet"
    racine.mkdir()
    shutil.copy2(RACINE / "pyproject.toml", racine / "pyproject.toml")
    for nom in ("carnets", "paquet_analyse"):
        shutil.copytree(RACINE / nom, racine / nom, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    import dataclasses

    profils = (dataclasses.replace(simulation.TERRITOIRES[3], nb_instances=22),
               dataclasses.replace(simulation.TERRITOIRES[1], nb_instances=24))
    simulation.simuler(racine / "donnees_brutes" / "petit", profils=profils)
    return racine


def _python(racine: Path, code: str) -> subprocess.CompletedProcess:
    code = "import pandas as pd\npd_isna = pd.isna\n" + code
    return subprocess.run([sys.executable, "-c", code], cwd=racine, capture_output=True, text=True,
                          env={**os.environ, "PAQUET_ANALYSE_RACINE": str(racine)})


def _changer_plan(racine: Path, **seuils) -> None:
    chemin = racine / "carnets" / "plan_analyse.yml"
    plan = yaml.safe_load(chemin.read_text(encoding="utf-8"))
    plan["seuils"].update(seuils)
    chemin.write_text(yaml.safe_dump(plan, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def projet(tmp_path_factory):
    return _copie(tmp_path_factory.mktemp("prep"))


def _mesurer(racine: Path) -> dict:
    import json

    r = _python(racine, SCRIPT_PARAMETRES)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_chaque_parametre_du_plan_change_les_nombres_publies(projet):
    """annee_charniere, sur_sollicitation et confidentialite n'ont qu'une source, le plan :
    les changer change la préparation, le portrait et sa protection (aucun nombre publié ne reste
    celui d'une autre année charnière que celle du plan)."""
    base = _mesurer(projet)
    _changer_plan(projet, annee_charniere=2010)
    charniere = _mesurer(projet)
    assert charniere["depuis"] < base["depuis"]  # moins de tables créées depuis 2010 que depuis 2000
    _changer_plan(projet, annee_charniere=2000, sur_sollicitation=2)
    sollicitation = _mesurer(projet)
    assert sollicitation["sur_sollicites"] > base["sur_sollicites"]
    assert sollicitation["orgs_sur_sollicitees"] >= base["orgs_sur_sollicitees"]
    assert sollicitation["depuis"] == base["depuis"]
    _changer_plan(projet, sur_sollicitation=4, confidentialite=60)
    confidentialite = _mesurer(projet)
    assert confidentialite["seuil_portrait"] == 60 and base["seuil_portrait"] == 5
    assert confidentialite["supprimees"] > base["supprimees"]
    _changer_plan(projet, confidentialite=5)
    assert _mesurer(projet) == base


def test_preparation_reproductible_et_pas_refaite(projet, tmp_path):
    r = _python(projet, "from paquet_analyse import flux\nflux.preparer('donnees_brutes/petit')")
    assert r.returncode == 0, r.stderr[-2000:]
    dossier = projet / "resultats" / "petit" / "donnees"
    avant = {p.name: p.read_bytes() for p in dossier.iterdir()}
    assert {"instances.parquet", "participants.parquet", "jeu.json", "validation_problemes.csv",
            "plan_analyse.yml"} <= set(avant)
    # À jour : rien n'est relu ni réécrit (le chargement est rendu impossible).
    code = ("from paquet_analyse import chargement, flux\n"
            "chargement.charger_jeu = None\n"
            "flux.preparer('donnees_brutes/petit')")
    assert _python(projet, code).returncode == 0
    # Refaite de zéro ailleurs : mêmes octets.
    shutil.rmtree(dossier)
    assert _python(projet, "from paquet_analyse import flux\nflux.preparer('donnees_brutes/petit')"
                   ).returncode == 0
    assert {p.name: p.read_bytes() for p in dossier.iterdir()} == avant


def test_types_conserves_a_la_relecture(projet):
    code = ("from paquet_analyse import preparation\n"
            "a = preparation.preparer('donnees_brutes/petit').donnees\n"
            "preparation.assurer('donnees_brutes/petit')\n"
            "b = preparation.lire('petit')\n"
            "import pandas.testing as t\n"
            "t.assert_frame_equal(a.instances.reset_index(drop=True), b.instances)\n"
            "t.assert_frame_equal(a.participants.reset_index(drop=True), b.participants)\n"
            "assert str(b.instances['initiateur'].dtype) == 'category'\n"
            "assert str(b.instances['deficit_participation'].dtype) == 'boolean'\n"
            "assert str(b.participants['nb_concertations'].dtype) == 'Int64'\n")
    r = _python(projet, code)
    assert r.returncode == 0, r.stderr[-3000:]


def test_table_preparee_modifiee_refusee(projet):
    r = _python(projet, "from paquet_analyse import flux\nflux.preparer('donnees_brutes/petit')")
    assert r.returncode == 0
    chemin = projet / "resultats" / "petit" / "donnees" / "instances.parquet"
    octets = chemin.read_bytes()
    chemin.write_bytes(octets + b"\0")
    try:
        r = _python(projet, "from paquet_analyse import preparation\npreparation.lire('petit')")
        assert r.returncode != 0 and "modifié depuis la préparation" in r.stderr
    finally:
        chemin.write_bytes(octets)


def test_jeu_invalide_rapport_ecrit_tables_intactes(tmp_path):
    racine = _copie(tmp_path)
    tables = petites_tables()
    tables["instances"].loc[2, "initiateur"] = "fondaton"
    ecrire_jeu(racine / "donnees_brutes" / "casse", tables)
    r = _python(racine, "from paquet_analyse import preparation\npreparation.assurer('donnees_brutes/casse')")
    assert r.returncode != 0
    assert "fondaton" in r.stderr and "validation_problemes.csv" in r.stderr
    dossier = racine / "resultats" / "casse" / "donnees"
    rapport = pd.read_csv(dossier / "validation_problemes.csv")
    assert (rapport["regle"] == "code_inconnu").any()
    assert not (dossier / "instances.parquet").exists() and not (dossier / "jeu.json").exists()


def test_lire_un_jeu_non_prepare_dit_quoi_faire(tmp_path, monkeypatch):
    from paquet_analyse import preparation
    from paquet_analyse.erreurs import ErreurDonnees

    with pytest.raises(ErreurDonnees, match="python -m paquet_analyse preparer"):
        preparation.lire("jeu_qui_n_existe_pas")


def test_empreinte_d_un_territoire_suit_ses_parts_publiees(donnees_defaut):
    """Le portrait publié d'un territoire dépend aussi des autres (suppression secondaire) : quand
    Montcalm n'a plus que 3 concertations créées depuis 2000, l'empreinte de Montcalm change
    (ses lignes), celle du territoire dont la part est supprimée en second aussi (ses carnets
    seront refaits), celle des autres non (leurs carnets ne sont pas refaits)."""
    import dataclasses

    from paquet_analyse import preparation

    avant = preparation._empreintes_territoires(donnees_defaut, diffusion.complements_de_preparation(donnees_defaut))
    inst = donnees_defaut.instances.copy()
    montcalm = inst.index[inst["territoire"] == "Montcalm"]
    inst.loc[montcalm, "depuis_charniere"] = False
    inst.loc[montcalm[:3], "depuis_charniere"] = True
    complements = diffusion.complements_de_preparation(dataclasses.replace(donnees_defaut, instances=inst))
    variante = dataclasses.replace(donnees_defaut, instances=inst, calculs_prepares={
        n: (complements.empreintes[n], t) for n, t in complements.tables.items()})
    apres = preparation._empreintes_territoires(variante, complements)
    p = diffusion.portraits(variante)
    secondaires = set(p.valeurs.loc[p.masque["proportion"] & ~p.primaires["proportion"], "territoire"]) - {"Ensemble"}
    assert secondaires and "Montcalm" not in secondaires
    changees = {v["nom"] for k, v in apres.items() if v["empreinte"] != avant[k]["empreinte"]}
    assert changees == {"Montcalm", *secondaires}


def test_territoire_nomme_ensemble_refuse(donnees_defaut):
    """« Ensemble » désigne la ligne de tout le jeu (portraits, effectifs) : un territoire de ce nom
    se confondrait avec elle ; refusé en français, avec la façon de corriger."""
    import dataclasses

    import pytest

    from paquet_analyse import preparation
    from paquet_analyse.erreurs import ErreurValidation

    noms = [n if n != "Joliette" else "Ensemble" for n in donnees_defaut.jeu.liste_territoires()]
    with pytest.raises(ErreurValidation, match="« Ensemble ».*réservé.*Renommer"):
        preparation.verifier_noms_territoires(noms)
    with pytest.raises(ErreurValidation, match="même nom de dossier"):
        preparation.verifier_noms_territoires(["L'Assomption", "L Assomption"])
