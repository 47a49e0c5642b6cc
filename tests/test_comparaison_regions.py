"""Comparer des régions par leurs résumés publiés (`comparaison_regions`, `comparer-regions`).

En mémoire (rapide) : les quatre régions SIMULÉES de la démonstration (le lien de H1a absent dans l'une)
font trouver l'hétérogénéité de H1a et d'elle seule ; l'analyse groupée des microdonnées concorde avec la
méta-analyse quand l'effet est commun ; les résumés incompatibles sont refusés en français, tous les
problèmes à la fois ; archives reçues. Flux complet (lent, une fois) : deux petites régions simulées →
leurs résumés (validés par frictionless, hachés dans le manifeste) → `comparer-regions` → rapport HTML ;
une retouche est trouvée et nommée ; un plan incompatible est refusé ; octets identiques d'une exécution
à l'autre ; nbval sur le carnet exécuté.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import frictionless
import nbformat
import numpy as np
import pandas as pd
import pytest

import resumes_simules
from paquet_analyse import chemins, comparaison_regions, dictionnaire, regions_recues, regions_simulees, resume_region
from paquet_analyse.erreurs import ErreurResumeRegion
from conftest import empreintes

RACINE = chemins.racine()
REFERENCE = RACINE / "tests" / "donnees" / "reference"


def _ecrire(dossier: Path, fichiers: dict) -> Path:
    dossier.mkdir(parents=True, exist_ok=True)
    for nom, octets in fichiers.items():
        (dossier / nom).write_bytes(octets)
    return dossier


def _regions(fichiers_par_region: dict) -> regions_recues.Regions:
    resumes = []
    for source, fichiers in fichiers_par_region.items():
        lu, problemes = resume_region.verifier(fichiers, source=source)
        assert not problemes, problemes
        resumes.append(lu)
    return regions_recues.Regions(nom="essai", resumes=tuple(resumes))


@pytest.fixture(scope="module")
def demonstration():
    """Les résumés (octets) des quatre régions simulées de la démonstration, construits en mémoire."""
    return {r.jeu: resumes_simules.resume(r) for r in regions_simulees.DEMONSTRATION}


# --------------------------------------------------------------------------
# La démonstration : le lien absent d'une région


def test_demonstration_trouve_l_heterogeneite_de_h1a_seulement(demonstration):
    """Trois régions avec un RC planté de 3 pour H1a, une (Région D) avec un RC de 1 : le Q de Cochran de
    H1a, ajusté entre hypothèses, est sous 0,05 et la phrase répond « Non » ; la région la plus éloignée est
    la Région D ; aucune autre hypothèse (effets plantés communs) n'est déclarée hétérogène."""
    meta = comparaison_regions.meta_analyser(_regions(demonstration))
    s = meta.synthese.set_index("id")
    assert s.loc["H1a", "k"] == 4 and s.loc["H1a", "p_q_ajustee"] < 0.05 and s.loc["H1a", "i2"] > 50
    assert (s.drop(index="H1a")["p_q_ajustee"] >= 0.05).all()
    assert meta.sans_la_plus_eloignee["H1a"][0] == "Région D"
    assert meta.sans_la_plus_eloignee["H1a"][2].i2 < s.loc["H1a", "i2"]
    phrases = dict(zip(meta.synthese["id"], meta.phrases()))
    assert "le même partout ? Non**" in phrases["H1a"] and "Région D" in phrases["H1a"]
    assert all("le même partout ? Non**" not in p for i, p in phrases.items() if i != "H1a")
    assert "H5a" not in set(meta.synthese["id"])  # tests d'homogénéité entre territoires : rien à combiner


def test_entrees_de_reference_metafor_sont_celles_des_resumes_du_projet(demonstration):
    """`resumes_regions_projet.csv` (entrées de la référence metafor) est bien tiré des résumés que le code
    actuel produit pour la démonstration ; sinon, le régénérer (voir `resumes_regions_projet.py`)."""
    attendu = pd.read_csv(REFERENCE / "resumes_regions_projet.csv")
    meta = comparaison_regions.meta_analyser(_regions(demonstration))
    e = meta.estimations[meta.estimations["combinable"]]
    obtenu = pd.DataFrame({"hypothese": e["id"], "region": e["region"], "estimation_echelle": e["estimation_echelle"],
                           "erreur_type": e["erreur_type"]}).sort_values(["hypothese", "region"], kind="stable")
    pd.testing.assert_frame_equal(obtenu.reset_index(drop=True), attendu, rtol=1e-9, check_dtype=False)


def test_estimation_non_publiee_ecartee_et_nommee(demonstration):
    """Une région dont l'estimation de H1b est supprimée (petite case) : H1b est méta-analysée sur trois
    régions, la note et la figure nomment la région écartée et la raison."""
    fichiers = dict(demonstration)
    tableau = pd.read_csv(io.BytesIO(fichiers["demo_region_b"][resume_region.FICHIER_HYPOTHESES]))
    i = tableau.index[tableau["id"] == "H1b"][0]
    for c in ("estimation", "ic_bas", "ic_haut", "statistique", "p_valeur", "p_ajustee", "estimation_echelle",
              "erreur_type", "quantile_ic"):
        tableau.loc[i, c] = np.nan
    tableau.loc[i, ["case_sous_le_seuil", "combinable", "estimation_publiee", "methode_erreur_type"]] = \
        [True, False, False, ""]
    tableau.loc[i, "motif"] = "non publié : une case du tableau croisé compte moins de 5"
    tampon = io.StringIO()
    tableau.to_csv(tampon, index=False, lineterminator="\n", float_format="%.10g")
    csv = tampon.getvalue().encode()
    desc = json.loads(fichiers["demo_region_b"][resume_region.FICHIER_DESCRIPTEUR])
    desc["resources"][0].update(bytes=len(csv), hash=f"sha256:{hashlib.sha256(csv).hexdigest()}")
    fichiers["demo_region_b"] = {resume_region.FICHIER_HYPOTHESES: csv,
                                 resume_region.FICHIER_DESCRIPTEUR: json.dumps(desc).encode()}
    meta = comparaison_regions.meta_analyser(_regions(fichiers))
    ligne = meta.synthese.set_index("id").loc["H1b"]
    assert ligne["k"] == 3 and "Région B (non publié" in ligne["regions_ecartees"]
    assert "Écartée(s) de la méta-analyse : Région B" in dict(zip(meta.synthese["id"], meta.phrases()))["H1b"]
    assert np.isnan(meta.estimations.set_index(["id", "region"]).loc[("H1b", "Région B"), "poids_meta"])


def test_figures_en_foret_protegees(demonstration):
    meta = comparaison_regions.meta_analyser(_regions(demonstration))
    figures = dict(meta.figures())
    assert set(figures) == {f"foret_regions_{i.lower()}" for i in meta.synthese["id"]}
    f = figures["foret_regions_h1a"]
    etiquettes = [t.get_text() for t in f.figure.axes[0].get_yticklabels()]
    assert etiquettes[:4] == ["Région A", "Région B", "Région C", "Région D"]
    assert "Effets aléatoires (REML, IC de Hartung-Knapp)" in etiquettes
    assert any("SIMULÉES" in t.get_text() for t in f.figure.texts)


# --------------------------------------------------------------------------
# Analyse groupée


def test_analyse_groupee_concorde_avec_la_meta_analyse_si_l_effet_est_commun(tmp_path):
    """Trois régions simulées avec le même effet planté partout : pour chaque hypothèse estimée, l'analyse
    groupée des microdonnées (strates région × territoire) et la méta-analyse des résumés publiés
    s'accordent : écart (échelle de la méta-analyse) inférieur au cinquième de l'erreur type de l'analyse
    groupée, et chaque estimation dans l'intervalle de l'autre."""
    regions = [regions_simulees.RegionSimulee(f"commun_{i}", f"Région {i}", 2200 + i, 3.0) for i in (1, 2, 3)]
    fichiers, donnees = {}, {}
    for r in regions:
        p = resumes_simules.preparer_region(r, tmp_path / r.jeu)
        fichiers[r.jeu] = resume_region.construire(
            resumes_simules.tableau_publie(p.donnees), resumes_simules.manifeste_reduit(tmp_path / r.jeu, p.donnees,
                                                                                         p.plan_texte),
            plan=p.donnees.plan, descripteur_jeu=p.donnees.jeu.descripteur, nom_jeu=r.jeu)
        donnees[r.region] = p.donnees
    meta = comparaison_regions.meta_analyser(_regions(fichiers))
    groupe = comparaison_regions.analyse_groupee(donnees, meta=meta)
    v = groupe.tableau.valeurs.set_index("id")
    estimees = v[v["estimation"].notna() & v["meta_estimation"].notna()]
    assert len(estimees) >= 10 and (estimees["nb_strates"] == 12).all()
    s = meta.synthese.set_index("id")
    for id_, g in estimees.iterrows():
        log = s.loc[id_, "echelle"] == "log"
        f = np.log if log else (lambda x: x)
        se_groupee = (f(g["ic_haut"]) - f(g["ic_bas"])) / (2 * 1.959963984540054)
        assert abs(g["ecart"]) < 0.2 * se_groupee, id_
        assert g["meta_ic_bas"] <= g["estimation"] <= g["meta_ic_haut"], id_
        assert g["ic_bas"] <= g["meta_estimation"] <= g["ic_haut"], id_
    assert len(groupe.phrases) == len(estimees) and all("dans l'intervalle" in p for p in groupe.phrases)


def test_donnees_combinees_strates_dans_chaque_region(tmp_path):
    """Identifiants préfixés (deux régions simulées ont les mêmes), territoires « région — territoire »."""
    a, b = regions_simulees.DEMONSTRATION[:2]
    da = resumes_simules.preparer_region(dataclasses.replace(a, nb_territoires=2, nb_instances=20), tmp_path / "a")
    db = resumes_simules.preparer_region(dataclasses.replace(b, nb_territoires=2, nb_instances=20), tmp_path / "b")
    assert set(da.donnees.instances["id_instance"]) & set(db.donnees.instances["id_instance"])
    d = comparaison_regions.combiner_donnees({"Région A": da.donnees, "Région B": db.donnees})
    assert d.instances["id_instance"].is_unique and d.participants["id_repondant"].is_unique
    assert len(d.jeu.liste_territoires()) == 4 and all(" — " in t for t in d.jeu.liste_territoires())
    assert len(d.instances) == len(da.donnees.instances) + len(db.donnees.instances)


# --------------------------------------------------------------------------
# Compatibilité et intégrité


def _dossiers(tmp_path, fichiers_par_region: dict) -> list[Path]:
    return [_ecrire(tmp_path / nom / resume_region.DOSSIER, f) for nom, f in fichiers_par_region.items()]


def test_plan_incompatible_refuse_en_francais(tmp_path, demonstration):
    """Une équipe dont l'hypothèse H1a a une autre exposition : refus, qui nomme le résumé, l'hypothèse,
    le champ et les deux valeurs, et dit comment corriger."""
    region = regions_simulees.DEMONSTRATION[1]
    from paquet_analyse import plan as plan_

    plan = plan_.charger_plan()
    autre = dataclasses.replace(plan, hypotheses=tuple(
        dataclasses.replace(h, exposition="thematique_ejf") if h.id == "H1a" else h for h in plan.hypotheses))
    fichiers = {"demo_region_a": demonstration["demo_region_a"],
                "autre_equipe": resumes_simules.resume(region, plan=autre)}
    with pytest.raises(ErreurResumeRegion) as exc:
        regions_recues.verifier_entrees(_dossiers(tmp_path, fichiers))
    message = str(exc.value)
    assert "hypothèse H1a, champ « exposition » : thematique_ejf ici, descendante dans demo_region_a" in message
    assert "autre_equipe/datapackage.json" in message and "plan d'analyse" in message
    assert [p.regle for p in exc.value.problemes] == ["definition"]


def test_tous_les_problemes_a_la_fois(tmp_path, demonstration):
    """Dictionnaire d'une autre version, seuil qui définit une variable, résumé donné deux fois et entrée
    introuvable : tout est dit dans le même message."""
    dossiers = _dossiers(tmp_path, demonstration)
    desc = json.loads((dossiers[1] / resume_region.FICHIER_DESCRIPTEUR).read_text(encoding="utf-8"))
    autre_version = dictionnaire.version() + 1
    desc[resume_region.CLE]["dictionnaire"]["version"] = autre_version
    desc[resume_region.CLE]["plan"]["seuils"]["annee_charniere"] = 2005
    desc[resume_region.CLE]["plan"]["seuils"]["confidentialite"] = 10
    (dossiers[1] / resume_region.FICHIER_DESCRIPTEUR).write_text(json.dumps(desc), encoding="utf-8")
    with pytest.raises(ErreurResumeRegion) as exc:
        regions_recues.verifier_entrees([dossiers[0], dossiers[1], dossiers[0], tmp_path / "absent"])
    regles = sorted(p.regle for p in exc.value.problemes)
    assert regles == ["dictionnaire", "doublon", "introuvable", "seuil"], regles
    assert f"version {autre_version}" in str(exc.value) and "annee_charniere" in str(exc.value)
    assert "confidentialite" not in str(exc.value)  # un seuil de diffusion différent n'empêche pas de comparer


def test_seuil_de_diffusion_different_seulement_note(tmp_path, demonstration):
    dossiers = _dossiers(tmp_path, demonstration)
    desc = json.loads((dossiers[2] / resume_region.FICHIER_DESCRIPTEUR).read_text(encoding="utf-8"))
    desc[resume_region.CLE]["plan"]["seuils"]["confidentialite"] = 10
    (dossiers[2] / resume_region.FICHIER_DESCRIPTEUR).write_text(json.dumps(desc), encoding="utf-8")
    resumes, notes = regions_recues.verifier_entrees(dossiers)
    assert len(resumes) == 4 and any("confidentialite" in n and "10" in n for n in notes)


def test_une_seule_region_refusee(tmp_path, demonstration):
    with pytest.raises(ErreurResumeRegion, match="au moins deux"):
        regions_recues.verifier_entrees(_dossiers(tmp_path, {"a": demonstration["demo_region_a"]}))


@pytest.mark.parametrize("format_", ["zip", "tar.gz"])
def test_archive_recue(tmp_path, demonstration, format_):
    """Une archive du dossier de résultats (resume_region/ et manifeste) se lit sans rien extraire sur le disque."""
    fichiers = demonstration["demo_region_c"]
    manifeste = {"resume_region_sha256": {f"{resume_region.DOSSIER}/{n}": hashlib.sha256(o).hexdigest()
                                          for n, o in fichiers.items()}}
    archive = tmp_path / f"region_c.{format_}"
    membres = {f"demo_region_c/{resume_region.DOSSIER}/{n}": o for n, o in fichiers.items()}
    membres["demo_region_c/manifeste.json"] = json.dumps(manifeste).encode()
    if format_ == "zip":
        with zipfile.ZipFile(archive, "w") as z:
            for n, o in membres.items():
                z.writestr(n, o)
    else:
        with tarfile.open(archive, "w:gz") as t:
            for n, o in membres.items():
                info = tarfile.TarInfo(n)
                info.size = len(o)
                t.addfile(info, io.BytesIO(o))
    lus, manifeste_lu, source = regions_recues.fichiers_entree(archive)
    assert source == archive.name and manifeste_lu == manifeste
    assert lus == fichiers
    r, problemes = resume_region.verifier(lus, source=source, manifeste=manifeste_lu)
    assert not problemes and r.verifie_par_manifeste


def test_archive_sans_resume(tmp_path):
    archive = tmp_path / "vide.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("lisez_moi.txt", "rien")
    with pytest.raises(ErreurResumeRegion, match="aucun fichier datapackage.json dans l'archive"):
        regions_recues.fichiers_entree(archive)


# --------------------------------------------------------------------------
# Aller-retour par le flux complet et la ligne de commande


PETITES = tuple(dataclasses.replace(r, nb_territoires=2, nb_instances=30) for r in regions_simulees.DEMONSTRATION[:2])


def _env(racine: Path) -> dict:
    return {**os.environ, "PAQUET_ANALYSE_RACINE": str(racine)}


def _cli(racine: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "paquet_analyse", *args], cwd=racine, env=_env(racine),
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def projet(tmp_path_factory):
    """Une copie du projet ; deux petites régions simulées passées par le flux complet (une fois chacune)."""
    from conftest import reduire_puissance

    racine = tmp_path_factory.mktemp("projet")
    for nom in ("pyproject.toml", "Snakefile"):
        shutil.copy2(RACINE / nom, racine / nom)
    for nom in ("carnets", "paquet_analyse"):
        shutil.copytree(RACINE / nom, racine / nom, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    reduire_puissance(racine)
    for region in PETITES:
        regions_simulees.ecrire(region, racine / "donnees_brutes" / region.jeu)
        r = _cli(racine, "executer", f"donnees_brutes/{region.jeu}")
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    r = _cli(racine, "comparer-regions", *(f"resultats/{p.jeu}" for p in PETITES), "--nom", "essai", "--groupee")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return racine


@pytest.mark.lent
def test_resume_du_flux_valide_par_frictionless_et_hache_dans_le_manifeste(projet):
    for region in PETITES:
        sortie = projet / "resultats" / region.jeu
        rapport = frictionless.validate(str(sortie / resume_region.DOSSIER / resume_region.FICHIER_DESCRIPTEUR))
        assert rapport.valid, rapport.flatten(["type", "note"])
        manifeste = json.loads((sortie / "manifeste.json").read_text(encoding="utf-8"))
        assert manifeste["resume_region_sha256"] == {
            f"{resume_region.DOSSIER}/{n}": hashlib.sha256((sortie / resume_region.DOSSIER / n).read_bytes()).hexdigest()
            for n in (resume_region.FICHIER_DESCRIPTEUR, resume_region.FICHIER_HYPOTHESES)}
        bloc = json.loads((sortie / resume_region.DOSSIER / resume_region.FICHIER_DESCRIPTEUR).read_text(
            encoding="utf-8"))[resume_region.CLE]
        assert bloc["provenance"]["fichiers_bruts_sha256"] == manifeste["fichiers_bruts_sha256"]
        assert bloc["provenance"]["sources"] == manifeste["sources"] and bloc["region"] == region.region
        assert str(projet) not in (sortie / resume_region.DOSSIER / resume_region.FICHIER_DESCRIPTEUR).read_text(
            encoding="utf-8")
        assert 'href="resume_region/datapackage.json"' in (sortie / "index.html").read_text(encoding="utf-8")


@pytest.mark.lent
def test_comparaison_aller_retour(projet):
    """Rapport HTML comme ceux des régions (français, figures intégrées, sans code), tableaux, figures,
    manifeste de la comparaison avec la provenance de chaque résumé."""
    dossier = projet / "resultats" / "comparaisons" / "essai"
    html = (dossier / "rapports" / "08_comparaison_regions.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in html or "lang=\"fr\"" in html
    assert "Le lien est-il le même partout ?" in html and "Données SIMULÉES" in html
    assert "data:image/png;base64," in html and "comparaison_regions.meta_analyser" not in html
    assert "Colophon" in html and "analyse groupée (microdonnées" in html
    for nom in ("meta_analyses", "estimations_regions", "provenance_resumes", "analyse_groupee"):
        assert (dossier / "tableaux" / f"{nom}.csv").is_file(), nom
    assert (dossier / "figures" / "foret_regions_h1c.png").read_bytes().startswith(b"\x89PNG")
    manifeste = json.loads((dossier / "manifeste.json").read_text(encoding="utf-8"))
    assert sorted(manifeste["resumes"]) == sorted(p.jeu for p in PETITES)
    for p in PETITES:
        resume = projet / "resultats" / p.jeu / resume_region.DOSSIER / resume_region.FICHIER_DESCRIPTEUR
        assert manifeste["resumes"][p.jeu]["sha256"]["datapackage.json"] == hashlib.sha256(
            resume.read_bytes()).hexdigest()
        assert manifeste["resumes"][p.jeu]["verifie_par_manifeste"] is True
    assert manifeste["fichiers_sha256"]["rapports/08_comparaison_regions.html"]
    for chemin in dossier.rglob("*"):
        if chemin.is_file() and chemin.suffix in (".json", ".csv", ".html", ".ipynb"):
            assert str(projet) not in chemin.read_text(encoding="utf-8"), chemin


@pytest.mark.lent
def test_carnet_sans_avertissement_et_nbval(projet):
    carnet = projet / "resultats" / "comparaisons" / "essai" / "carnets" / "08_comparaison_regions.ipynb"
    nb = nbformat.read(carnet, as_version=4)
    sorties_ = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in sorties_ if o.output_type in ("error", "stream")]
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
                        "--nbval-current-env", "--nbval-sanitize-with", str(RACINE / "tests" / "nbval_assainir.cfg"),
                        str(carnet.relative_to(projet))], cwd=projet, env=_env(projet), capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-4000:]


@pytest.mark.lent
def test_deux_executions_memes_octets(projet):
    dossier = projet / "resultats" / "comparaisons" / "essai"
    avant = empreintes(dossier)
    r = _cli(projet, "comparer-regions", *(f"resultats/{p.jeu}" for p in PETITES), "--nom", "essai", "--groupee")
    assert r.returncode == 0, r.stderr[-3000:]
    assert empreintes(dossier) == avant


@pytest.mark.lent
def test_retouche_refusee_et_nommee(projet, tmp_path):
    """Un nombre changé dans le résumé reçu d'une région : refus (code 1), le message nomme le résumé, le
    fichier et l'empreinte ; aucune comparaison n'est écrite."""
    recu = tmp_path / "region_b_recue"
    shutil.copytree(projet / "resultats" / PETITES[1].jeu / resume_region.DOSSIER, recu)
    csv = recu / resume_region.FICHIER_HYPOTHESES
    csv.write_bytes(csv.read_bytes().replace(b",1.", b",2.", 1))
    r = _cli(projet, "comparer-regions", f"resultats/{PETITES[0].jeu}", str(recu), "--nom", "retouche")
    assert r.returncode == 1
    assert "region_b_recue/hypotheses.csv" in r.stderr and "SHA-256" in r.stderr and "modifié" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (projet / "resultats" / "comparaisons" / "retouche").exists()


@pytest.mark.lent
def test_plan_incompatible_refuse_par_la_ligne_de_commande(projet, tmp_path):
    """Le résumé d'une équipe qui a changé la définition de H3 (autre issue) : refus en français."""
    from paquet_analyse import plan as plan_

    b = projet / "resultats" / PETITES[1].jeu
    plan = plan_.charger_plan(b / "donnees" / "plan_analyse.yml")
    autre = dataclasses.replace(plan, hypotheses=tuple(
        dataclasses.replace(h, issue="deficit_participation") if h.id == "H3" else h for h in plan.hypotheses))
    meta = json.loads((b / "donnees" / "jeu.json").read_text(encoding="utf-8"))
    fichiers = resume_region.construire((b / "tableaux" / "synthese_hypotheses.csv").read_bytes(),
                                        json.loads((b / "manifeste.json").read_text(encoding="utf-8")), plan=autre,
                                        descripteur_jeu=meta["descripteur"], nom_jeu=PETITES[1].jeu)
    recu = _ecrire(tmp_path / "autre_plan", fichiers)
    r = _cli(projet, "comparer-regions", f"resultats/{PETITES[0].jeu}", str(recu), "--nom", "incompatible")
    assert r.returncode == 1
    assert "hypothèse H3, champ « issue » : deficit_participation ici, gestion_programmes dans" in r.stderr
    assert not (projet / "resultats" / "comparaisons" / "incompatible").exists()


@pytest.mark.lent
def test_archive_acceptee_par_la_ligne_de_commande(projet, tmp_path):
    """L'archive que le README conseille d'envoyer : resume_region/ et le manifeste, jamais donnees/."""
    archive = tmp_path / "region_b.zip"
    resultats = projet / "resultats"
    with zipfile.ZipFile(archive, "w") as z:
        for chemin in [*(resultats / PETITES[1].jeu / resume_region.DOSSIER).iterdir(),
                       resultats / PETITES[1].jeu / "manifeste.json"]:
            z.write(chemin, chemin.relative_to(resultats).as_posix())
    r = _cli(projet, "comparer-regions", f"resultats/{PETITES[0].jeu}", archive, "--nom", "par_archive")
    assert r.returncode == 0, r.stderr[-3000:]
    manifeste = json.loads((projet / "resultats" / "comparaisons" / "par_archive" / "manifeste.json").read_text(
        encoding="utf-8"))
    assert sorted(manifeste["resumes"]) == sorted([PETITES[0].jeu, "region_b.zip"])
    assert manifeste["resumes"]["region_b.zip"]["verifie_par_manifeste"] is True


def test_modele_du_carnet_08_sans_sorties_ni_definitions():
    """Le modèle : une cellule « parameters », des appels courts au paquet, aucune définition, aucune sortie."""
    nb = nbformat.read(chemins.carnets() / "08_comparaison_regions.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert not any(ligne.lstrip().startswith(("def ", "class ", "for ", "if ")) for c in code
                   for ligne in c.source.splitlines())
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_manifeste_illisible_nomme(tmp_path, demonstration):
    resultats = tmp_path / "demo_region_a"
    _ecrire(resultats / resume_region.DOSSIER, demonstration["demo_region_a"])
    (resultats / "manifeste.json").write_text("{pas du json", encoding="utf-8")
    with pytest.raises(ErreurResumeRegion, match=r"demo_region_a/manifeste.json.*manifeste illisible"):
        regions_recues.fichiers_entree(resultats)
