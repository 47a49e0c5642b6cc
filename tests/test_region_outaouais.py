"""Une autre région : exports LimeSurvey (.xlsx) et SPSS (.sav), territoires en Windows-1252.

Le jeu `tests/donnees/outaouais/` est SIMULÉ (fabriqué par
`tests/donnees/fabriquer_outaouais.py`). On vérifie qu'il est accepté tel
qu'une équipe l'écrirait (correspondance des colonnes, des codes, des
territoires et des booléens), puis qu'une copie abîmée donne les bonnes
erreurs et les bons avertissements ; et que les suggestions de territoire ne
proposent jamais un autre territoire que celui que le libellé nomme.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import warnings

import pandas as pd
import pytest
import yaml

from paquet_analyse import chargement, chemins, territoires, validation
from paquet_analyse.chargement.correspondance import valeur_booleenne
from paquet_analyse.erreurs import AvertissementCorrespondance, ErreurDonnees
from paquet_analyse.territoires import territoire_propose

DONNEES = chemins.racine() / "tests" / "donnees"
JEU = DONNEES / "outaouais"
OFFICIELS = ["Gatineau", "La Vallée-de-la-Gatineau", "Les Collines-de-l'Outaouais", "Pontiac", "Papineau"]


def _fabrique():
    spec = importlib.util.spec_from_file_location("fabriquer_outaouais", DONNEES / "fabriquer_outaouais.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fabrique():
    return _fabrique()


@pytest.fixture(scope="module")
def jeu():
    return chargement.charger_jeu(JEU)


def _copie(tmp_path, modifier_yml=None):
    cible = tmp_path / "outaouais"
    shutil.copytree(JEU, cible)
    if modifier_yml:
        desc = yaml.safe_load((cible / "jeu.yml").read_text(encoding="utf-8"))
        modifier_yml(desc)
        (cible / "jeu.yml").write_text(yaml.safe_dump(desc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return cible


def _valider(dossier):
    """Rapport d'une copie (les avertissements de la console sont vérifiés à part)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AvertissementCorrespondance)
        return validation.valider_jeu(chargement.charger_jeu(dossier))


def _regles(rapport, regle):
    return [p for p in rapport.problemes if p.regle == regle]


# --------------------------------------------------------------------------
# Le jeu tel que livré


def test_fichiers_identiques_a_ceux_du_script(tmp_path, fabrique):
    """Les fichiers versionnés sont bien ceux que le script fabrique (graine fixe, octets reproductibles)."""
    fabrique.fabriquer(tmp_path)
    for chemin in sorted(JEU.iterdir()):
        assert (tmp_path / chemin.name).read_bytes() == chemin.read_bytes(), chemin.name


def test_jeu_declare_simule():
    desc = yaml.safe_load((JEU / "jeu.yml").read_text(encoding="utf-8"))
    assert desc["simule"] is True and "SIMULÉES" in desc["titre"]
    assert (JEU / "territoires.csv").read_bytes().decode("cp1252").splitlines()[0] == "territoire;code_geo;population"
    with pytest.raises(UnicodeDecodeError):
        (JEU / "territoires.csv").read_bytes().decode("utf-8")  # vraiment en Windows-1252 (« Vallée »)


def test_valider_en_ligne_de_commande_sans_erreur(tmp_path):
    rapport = tmp_path / "rapport.csv"
    r = subprocess.run([sys.executable, "-m", "paquet_analyse", "valider", str(JEU), "--rapport", str(rapport)],
                       capture_output=True, text=True, cwd=chemins.racine())
    assert r.returncode == 0, r.stdout + r.stderr
    assert "valide (aucune erreur" in r.stdout and "Traceback" not in r.stderr
    tableau = pd.read_csv(rapport, dtype=str, keep_default_na=False)
    assert not (tableau["gravite"] == "erreur").any()
    ignorees = set(tableau.loc[tableau["regle"] == "colonne_ignoree", "colonne"])
    assert ignorees == {"id", "submitdate", "Qui a pris l'initiative de créer la table ? [Autre (précisez)]"}


def test_territoires_mappes_vers_les_noms_officiels(jeu, fabrique):
    assert sorted(jeu.instances["territoire"].unique()) == sorted(OFFICIELS)
    source = fabrique._tables()["instances"]
    assert jeu.instances["territoire"].tolist() == source["territoire"].tolist()
    assert sorted(jeu.territoires["territoire"]) == sorted(OFFICIELS)
    assert jeu.territoires.set_index("territoire").loc["Gatineau", "population"] == 291_000


def test_booleens_et_codes_des_libelles(jeu, fabrique):
    source = fabrique._tables()["instances"]
    for nom in ("citoyens_membres", "financement_programme", "soutien_professionnel"):
        assert str(jeu.instances[nom].dtype) == "boolean"
        assert jeu.instances[nom].tolist() == source[nom].tolist(), nom
    evaluation = jeu.instances["evaluation_collective"]  # « O »/« N », et « Ne sait pas » -> NA
    connus = evaluation.notna().to_numpy()
    assert 0 < (~connus).sum() < len(evaluation)
    assert evaluation[connus].tolist() == source["evaluation_collective"][connus].tolist()
    for nom in ("initiateur", "thematique", "forme", "fonction_dominante"):
        assert jeu.instances[nom].astype(str).tolist() == source[nom].tolist(), nom
    participants = fabrique._tables()["participants"]
    for nom in ("secteur", "mandat_defini_par", "suivi_organisation"):
        assert jeu.participants[nom].astype(str).tolist() == participants[nom].tolist(), nom


def test_modele_absent_de_l_export(jeu):
    assert jeu.instances["modele"].isna().all()
    assert not any(p.colonne == "modele" for p in validation.valider_jeu(jeu).problemes)


def test_autre_precisez_ecarte_jamais_analyse(jeu):
    libre = "Qui a pris l'initiative de créer la table ? [Autre (précisez)]"
    assert libre not in jeu.brut["instances"].columns and libre not in jeu.instances.columns
    infos = [p for p in jeu.problemes if p.colonne == libre]
    assert [(p.regle, p.gravite) for p in infos] == [("colonne_ignoree", "information")]


def test_codes_manquants_spss_deviennent_na(jeu):
    """99 = « Ne sait pas », déclaré manquant dans le .sav : NA, et jamais un code ni un nombre."""
    import pyreadstat

    brut, _ = pyreadstat.read_sav(str(JEU / "repondants.sav"), user_missing=True)
    for colonne, variable in (("Q2", "mode_delegation"), ("C1", "c1_compromis"), ("Q5", "nb_concertations")):
        nsp = (brut[colonne] == 99).to_numpy()
        assert nsp.sum() > 0, colonne
        assert jeu.participants[variable][nsp].isna().all(), variable
    assert jeu.participants["nb_concertations"].max() < 99
    assert not any(p.regle in chargement.REGLES_DE_VALEUR for p in jeu.problemes)


# --------------------------------------------------------------------------
# Copies abîmées


def test_libelle_faux_cite_la_valeur_brute_et_la_correspondance(tmp_path):
    import openpyxl

    dossier = _copie(tmp_path)
    classeur = openpyxl.load_workbook(dossier / "tables_limesurvey.xlsx")
    feuille = classeur.active
    entete = [c.value for c in feuille[2]]
    col_citoyens = entete.index("Des citoyennes et citoyens siègent-ils à la table ?") + 1
    col_territoire = entete.index("Sur quel territoire la table agit-elle principalement ?") + 1
    feuille.cell(row=5, column=col_citoyens, value="Peut-être")
    feuille.cell(row=6, column=col_territoire, value="MRC du Pontiak")
    classeur.save(dossier / "tables_limesurvey.xlsx")
    rapport = _valider(dossier)
    assert not rapport.valide
    [b] = _regles(rapport, "booleen_invalide")
    assert (b.ligne, b.colonne, b.valeur) == (5, "citoyens_membres", "Peut-être")
    assert "valeur brute « Peut-être » (correspondance : aucune)" in b.message
    [t] = _regles(rapport, "territoire_inconnu")
    assert (t.ligne, t.valeur) == (6, "MRC du Pontiak")
    assert "sans doute" not in t.correction and "« Pontiac »" in t.correction  # liste, sans deviner


def test_cible_booleenne_invalide(tmp_path):
    def modifier(desc):
        desc["correspondance"]["codes"]["citoyens_membres"]["Des citoyens"] = "peut-être"
    rapport = _valider(_copie(tmp_path, modifier))
    [c] = _regles(rapport, "correspondance_cible_invalide")
    assert (c.colonne, c.valeur, c.gravite) == ("citoyens_membres", "peut-être", "erreur")
    refus = _regles(rapport, "booleen_invalide")
    assert refus and all(p.valeur == "Des citoyens" for p in refus)
    assert "« Des citoyens » → « peut-être » déclarée dans jeu.yml" in refus[0].message


def test_en_tete_declare_absent_erreur_ou_avertissement(tmp_path):
    def modifier(desc):
        colonnes = desc["correspondance"]["colonnes"]["instances"]
        colonnes["Sur quel territoire la table agit-elle ?"] = colonnes.pop(
            "Sur quel territoire la table agit-elle principalement ?")
        colonnes["Nombre de réalisations collectives"] = colonnes.pop(
            "Combien de réalisations collectives (services, outils, ressources) la table a-t-elle créées ?")
    dossier = _copie(tmp_path, modifier)
    with pytest.warns(AvertissementCorrespondance, match="Nombre de réalisations collectives"):
        jeu = chargement.charger_jeu(dossier)
    rapport = validation.valider_jeu(jeu)
    absentes = {p.colonne: p for p in _regles(rapport, "colonne_declaree_absente")}
    erreur, avert = absentes["Sur quel territoire la table agit-elle ?"], absentes["Nombre de réalisations collectives"]
    assert erreur.gravite == "erreur" and "« Sur quel territoire la table agit-elle principalement ? »" in erreur.correction
    assert avert.gravite == "avertissement" and "« Combien de réalisations collectives" in avert.correction
    assert avert in rapport.avertissements and avert not in rapport.erreurs
    assert not rapport.valide and "1 avertissement(s)" in rapport.resume()


def test_avertissements_seuls_le_jeu_reste_valide_et_la_console_le_dit(tmp_path):
    def modifier(desc):
        desc["correspondance"]["codes"]["territoire"]["Ville de Gatinau"] = "Gatineau"  # jamais vue
        colonnes = desc["correspondance"]["colonnes"]["instances"]
        colonnes["Nombre de réalisations"] = colonnes.pop(
            "Combien de réalisations collectives (services, outils, ressources) la table a-t-elle créées ?")
    dossier = _copie(tmp_path, modifier)
    rapport = _valider(dossier)
    assert rapport.valide and len(rapport.avertissements) == 2
    [nonvue] = _regles(rapport, "etiquette_non_vue")
    assert (nonvue.colonne, nonvue.valeur, nonvue.gravite) == ("territoire", "Ville de Gatinau", "avertissement")
    assert "2 avertissement(s)" in rapport.resume() and "(avertissement) [etiquette_non_vue]" in rapport.resume()
    csv = tmp_path / "rapport.csv"
    r = subprocess.run([sys.executable, "-m", "paquet_analyse", "valider", str(dossier), "--rapport", str(csv)],
                       capture_output=True, text=True, cwd=chemins.racine())
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Avertissement : [etiquette_non_vue]" in r.stderr and "Ville de Gatinau" in r.stderr
    assert "Avertissement : [colonne_declaree_absente]" in r.stderr
    gravites = pd.read_csv(csv, dtype=str, keep_default_na=False)["gravite"].tolist()
    assert gravites.count("avertissement") == 2 and gravites.index("avertissement") < gravites.index("information")


def test_territoire_non_declare_suggere_le_bon(tmp_path):
    def modifier(desc):
        del desc["correspondance"]["codes"]["territoire"]["Ville de Gatineau"]
    rapport = _valider(_copie(tmp_path, modifier))
    inconnus = _regles(rapport, "territoire_inconnu")
    assert len(inconnus) == 20 and {p.valeur for p in inconnus} == {"Ville de Gatineau"}
    assert "sans doute « Gatineau »" in inconnus[0].correction
    assert "La Vallée-de-la-Gatineau »" not in inconnus[0].correction


def test_territoire_absent_du_fichier_jamais_fondu_dans_un_voisin(tmp_path):
    """Sans Gatineau dans le fichier des territoires, « Ville de Gatineau » ne doit pas devenir
    « La Vallée-de-la-Gatineau » (une ville de 20 tables fondue dans une autre MRC)."""
    def modifier(desc):
        del desc["correspondance"]["codes"]["territoire"]["Ville de Gatineau"]
    dossier = _copie(tmp_path, modifier)
    lignes = (dossier / "territoires.csv").read_bytes().decode("cp1252").splitlines()
    (dossier / "territoires.csv").write_bytes(
        "\r\n".join(l for l in lignes if not l.startswith("Gatineau;")).encode("cp1252"))
    inconnus = _regles(_valider(dossier), "territoire_inconnu")
    assert inconnus and all("sans doute" not in p.correction and "Remplacer par" not in p.correction
                            for p in inconnus)
    assert "Aucun territoire connu ne correspond sans ambiguïté" in inconnus[0].correction


def test_cible_de_territoire_absente_du_fichier(tmp_path):
    def modifier(desc):
        desc["correspondance"]["codes"]["territoire"]["Ville de Gatineau"] = "Gatineau (ville)"
    rapport = _valider(_copie(tmp_path, modifier))
    [c] = _regles(rapport, "correspondance_territoire_inconnu")
    assert c.fichier.endswith("jeu.yml") and c.valeur == "Gatineau (ville)" and "« Gatineau »" in c.correction
    assert len(_regles(rapport, "territoire_inconnu")) == 20


# --------------------------------------------------------------------------
# Suggestions de territoire, booléens, noms sûrs


@pytest.mark.parametrize(("libelle", "attendu"), [
    ("Ville de Gatineau", "Gatineau"),
    ("VILLE DE GATINEAU", "Gatineau"),
    ("MRC des Collines-de-l’Outaouais", "Les Collines-de-l'Outaouais"),
    ("MRC de La Vallée-de-la-Gatineau", "La Vallée-de-la-Gatineau"),
    ("Vallee de la Gatineau (secteur Maniwaki)", "La Vallée-de-la-Gatineau"),
    ("MRC de Pontiac", "Pontiac"),
    ("MRC Papineau", "Papineau"),
    ("Papinau", "Papineau"),
    ("Ville de Gatineau et MRC de Pontiac", None),  # deux territoires nommés
    ("Outaouais", None),
    ("Gatineau et la Vallée-de-la-Gatineau", None),
])
def test_suggestion_territoire_voisins_de_l_outaouais(libelle, attendu):
    assert territoire_propose(libelle, OFFICIELS) == attendu


@pytest.mark.parametrize("libelle", ["Ville de Gatineau", "Gatineau", "MRC de Gatineau"])
def test_suggestion_jamais_un_autre_territoire(libelle):
    assert territoire_propose(libelle, [n for n in OFFICIELS if n != "Gatineau"]) is None
    with pytest.raises(ErreurDonnees) as exc:
        territoires.verifier_territoire(libelle, [n for n in OFFICIELS if n != "Gatineau"])
    assert "Vouliez-vous dire" not in str(exc.value) and "La Vallée-de-la-Gatineau" in str(exc.value)


def test_suggestion_faute_de_frappe():
    lanaudiere = ["Joliette", "Les Moulins", "L'Assomption", "D'Autray", "Matawinie", "Montcalm"]
    assert territoire_propose("Joliete", lanaudiere) == "Joliette"
    assert territoire_propose("L'Assomptio", lanaudiere) == "L'Assomption"
    assert territoire_propose("Jolly", lanaudiere) is None  # trop loin : pas de devinette


@pytest.mark.parametrize(("brute", "attendu"), [
    *[(v, "vrai") for v in ("oui", "Oui", "OUI", "o", "O", "vrai", "VRAI", "1", 1, "true", "True", "yes", "Y", True)],
    *[(v, "faux") for v in ("non", "Non", "n", "N", "faux", "Faux", "0", 0, "false", "FALSE", "no", "No", False)],
    ("Peut-être", None), ("2", None),
])
def test_valeurs_booleennes(brute, attendu):
    assert valeur_booleenne(brute) == attendu


def test_nom_sur_plie_les_apostrophes_typographiques():
    assert chemins.nom_sur("MRC des Collines-de-l’Outaouais") == "mrc_des_collines_de_l_outaouais"
    assert chemins.nom_sur("MRC des Collines-de-l’Outaouais") == chemins.nom_sur("MRC des Collines-de-l'Outaouais")
    assert chemins.nom_sur("La Vallée–de–la–Gatineau") == "la_vallee_de_la_gatineau"


@pytest.fixture(scope="module")
def flux_outaouais(tmp_path_factory):
    """Un seul flux complet pour tout le module, sur les exports LimeSurvey + SPSS rangés HORS du projet."""
    import os

    tmp_path = tmp_path_factory.mktemp("flux_outaouais")
    racine = tmp_path / "projet"
    racine.mkdir()
    for nom in ("pyproject.toml", "Snakefile"):
        shutil.copy2(chemins.racine() / nom, racine / nom)
    for nom in ("carnets", "paquet_analyse"):
        shutil.copytree(chemins.racine() / nom, racine / nom, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    from conftest import reduire_puissance

    reduire_puissance(racine)
    ailleurs = tmp_path / "ailleurs" / "outaouais"
    shutil.copytree(JEU, ailleurs)
    env = {**os.environ, "PAQUET_ANALYSE_RACINE": str(racine), "PYTHONPATH": str(racine)}
    r = subprocess.run([sys.executable, "-m", "paquet_analyse", "executer", str(ailleurs)], cwd=racine, env=env,
                       capture_output=True, text=True)
    return tmp_path, racine, ailleurs, r


@pytest.mark.lent
def test_flux_complet_sur_les_exports_d_une_autre_region(flux_outaouais):
    """Le flux va au bout sur les exports LimeSurvey + SPSS, rangés HORS du projet : index, manifeste,
    rapports de chaque territoire, rapport de la région ; « modele » (absent de l'export) dit absent en tête
    des rapports, et sa section omise (elle n'aurait rien à montrer)."""
    import json

    tmp_path, racine, ailleurs, r = flux_outaouais
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    sortie = racine / "resultats" / "outaouais"
    assert (sortie / "index.html").is_file() and (sortie / "manifeste.json").is_file()
    manifeste = json.loads((sortie / "manifeste.json").read_text(encoding="utf-8"))
    territoires = manifeste["parametres"]["territoires"]
    assert sorted(territoires.values()) == sorted(OFFICIELS)
    assert sorted(manifeste["rapport_region_sha256"]) == ["rapport_outaouais.html", "rapport_outaouais.pdf"]
    for sur in territoires:
        rapport = (sortie / "rapports" / "territoires" / sur / "03_associations_territoire.html").read_text(
            encoding="utf-8")
        assert "absentes de ce jeu (ou sans aucune valeur) : « modele »" in rapport
        assert "> Non disponible" not in rapport and "Modèles de concertation selon la logique" not in rapport
    assert not list(ailleurs.parent.rglob("resultats"))  # rien n'est écrit à côté des données brutes
    assert str(tmp_path) not in (sortie / "manifeste.json").read_text(encoding="utf-8").replace(str(racine), "")

    # Issue 23 : le carnet 07 planifie CE jeu (ses territoires, leurs effectifs, ses marges), pas Lanaudière
    from phrases_rapports import paragraphes_html, problemes_rapports

    puissance = (sortie / "rapports" / "07_puissance.html").read_text(encoding="utf-8")
    for lanaudiere in ("Lanaudière", "Les Moulins", "L'Assomption", "Joliette", "D'Autray", "Matawinie",
                       "Montcalm", "Matawinie"):
        assert lanaudiere not in puissance, lanaudiere
    assert "tiré de ses données préparées" in puissance and "PAR DÉFAUT" not in puissance
    plan = next(p for p in paragraphes_html(sortie / "rapports" / "07_puissance.html") if p.startswith("Plan simulé :"))
    instances = pd.read_parquet(sortie / "donnees" / "instances.parquet").dropna(
        subset=["descendante", "deficit_participation"])
    for nom, n in instances.groupby("territoire", observed=True).size().items():
        assert f"{nom} ({n})" in plan, (nom, n)  # les effectifs des courbes sont ceux du jeu
    assert sorted(nom for nom in OFFICIELS if nom in plan) == sorted(OFFICIELS)
    # Chaque phrase de chaque rapport relue : verdicts conformes à l'échelle déclarée, seuil dit, territoires
    # exploratoires, aucun « inf » ni « nan »
    assert problemes_rapports(sortie / "rapports") == []
    # le rapport de la région : ses verdicts sont dans la colonne « Verdict » de son tableau (tirés de la même
    # politique, constats.verdict), ses paragraphes relus ici pour « inf », « nan » et les mots de verdict
    assert problemes_rapports(sortie / "rapport_region") == []

@pytest.mark.lent
def test_rapports_de_l_outaouais_lisibles_dans_un_navigateur(flux_outaouais):
    """L'index et chaque rapport d'un flux neuf sur l'Outaouais, dans Chromium à 1 280 et 390 px : liens,
    images, console, texte de remplissage, l'essentiel sans nom de statistique, légendes numérotées, texte
    de remplacement français, rien qui déborde sur un téléphone."""
    import navigateur

    _, racine, _, r = flux_outaouais
    assert r.returncode == 0, r.stderr[-3000:]
    navigateur.exiger_chromium()
    with navigateur.navigateurs() as (bureau, telephone), navigateur.servir(racine / "resultats" / "outaouais") as base:
        defauts, pages = navigateur.examiner_site(bureau, base, lecteur=True, contexte_telephone=telephone)
    assert "rapport_region/rapport_outaouais.html" in pages and len(pages) >= 2 + 2 * len(OFFICIELS), pages
    assert not defauts, f"{len(defauts)} défaut(s) :\n{navigateur.resume(defauts)}"


@pytest.mark.lent
def test_rapport_de_region_pdf_lisible(flux_outaouais):
    """Le PDF du rapport de la région s'ouvre et son texte se lit : l'essentiel, les tableaux numérotés, la
    provenance (empreinte de chaque fichier brut, commit) et la façon de citer."""
    import json

    import pypdf

    _, racine, ailleurs, r = flux_outaouais
    assert r.returncode == 0, r.stderr[-3000:]
    sortie = racine / "resultats" / "outaouais"
    lecteur = pypdf.PdfReader(sortie / "rapport_region" / "rapport_outaouais.pdf")
    # Typst compose les apostrophes en apostrophes typographiques
    texte = " ".join(" ".join(page.extract_text().split()) for page in lecteur.pages).replace("\u2019", "'")
    assert len(lecteur.pages) >= 3 and lecteur.metadata.title == "Rapport de région — Outaouais"
    assert "Données SIMULÉES" in texte and "L'essentiel" in texte
    for titre in ("Les territoires comparés", "Les hypothèses", "Méthodes", "Limites", "Règles de confidentialité",
                  "Provenance", "Comment citer"):
        assert titre in texte, titre
    assert "Tableau 1." in texte and "Tableau 2." in texte and "Figure 1." in texte
    assert "Synthèse des hypothèses de la région" in texte and "H1a" in texte
    for nom, empreinte in json.loads((sortie / "manifeste.json").read_text(encoding="utf-8"))[
            "fichiers_bruts_sha256"].items():
        assert empreinte in texte.replace(" ", ""), nom
    essentiel = texte.split("L'essentiel", 1)[1].split("Sommaire", 1)[0]
    assert "p =" not in essentiel and "IC" not in essentiel and "khi" not in essentiel
