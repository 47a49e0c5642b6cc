"""Entrées invalides, de façon systématique : chaque défaut d'un export réel donne
un message français qui nomme le fichier, la ligne, la colonne, la valeur et la
correction ; jamais de trace Python ; la commande `valider` sort en erreur ; et
rien ne change dans le dossier des données.

La batterie est paramétrée (un scénario = un défaut) ; des propriétés
(hypothesis) complètent : n'importe quel texte dans n'importe quelle cellule
codée ou numérique, n'importe quels octets dans un fichier, n'importe quel
jeu.yml, n'importe quels noms de colonnes.
"""

from __future__ import annotations

import datetime
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from conftest import ecrire_jeu, empreintes, petites_tables
from paquet_analyse import chargement, cli, dictionnaire, validation
from paquet_analyse.erreurs import ErreurDonnees, ErreurJeu, ErreurLecture, Probleme

NON_VERIFIE = object()
MOTS_ANGLAIS = re.compile(r"\b(Error|error|expected|Expected|line \d|field|column|Traceback|invalid)\b")


# --------------------------------------------------------------------------
# Outils


def _yml(dossier: Path) -> dict:
    return yaml.safe_load((dossier / "jeu.yml").read_text(encoding="utf-8"))


def _ecrire_yml(dossier: Path, desc: dict) -> None:
    (dossier / "jeu.yml").write_text(yaml.safe_dump(desc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _fichier(dossier: Path, table: str, chemin: str | None = None, **options) -> None:
    """Déclare le fichier d'une table (et ses options) dans jeu.yml."""
    desc = _yml(dossier)
    ancien = desc["fichiers"][table]
    ancien = ancien if isinstance(ancien, dict) else {"chemin": ancien}
    desc["fichiers"][table] = {**ancien, **({"chemin": chemin} if chemin else {}), **options}
    _ecrire_yml(dossier, desc)


def _csv(tableau: pd.DataFrame, **options) -> str:
    return tableau.to_csv(index=False, lineterminator="\n", **options)


def _xlsx(chemin: Path, tableau: pd.DataFrame, *, avant=(), nom="Données", avant_feuilles=(), modifier=None):
    """Classeur écrit avec openpyxl : lignes de titre, feuilles en plus, cellules retouchées."""
    classeur = Workbook()
    classeur.active.title = avant_feuilles[0] if avant_feuilles else nom
    for autre in avant_feuilles[1:]:
        classeur.create_sheet(autre)
    if avant_feuilles:
        classeur.active.append(["Lisez-moi : les données sont dans l'autre feuille."])
        feuille = classeur.create_sheet(nom)
    else:
        feuille = classeur.active
    for ligne in avant:
        feuille.append(list(ligne))
    feuille.append(list(tableau.columns))
    for rangee in tableau.itertuples(index=False):
        feuille.append(list(rangee))
    if modifier:
        modifier(feuille)
    classeur.save(chemin)


def _valeurs_calculees(chemin: Path, valeurs: dict[str, str]) -> None:
    """Inscrit la valeur calculée de formules, comme le ferait Excel à l'enregistrement."""
    with zipfile.ZipFile(chemin) as z:
        contenu = {n: z.read(n) for n in z.namelist()}
    xml = contenu["xl/worksheets/sheet1.xml"].decode()
    for cellule, valeur in valeurs.items():
        xml = re.sub(rf'(<c r="{cellule}"[^>]*>)(<f>[^<]*</f>)<v ?/>', rf"\1\2<v>{valeur}</v>", xml)
    contenu["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(chemin, "w") as z:
        for nom, octets in contenu.items():
            z.writestr(nom, octets)


def _problemes(dossier: Path) -> list[Probleme]:
    """Les problèmes d'un jeu : ceux de la lecture s'il est illisible, sinon ceux de la validation."""
    try:
        jeu = chargement.charger_jeu(dossier)
    except ErreurLecture as exc:
        return exc.problemes
    return list(validation.valider_jeu(jeu).problemes)


@dataclass
class Attendu:
    regle: str
    fichier: str
    ligne: object = NON_VERIFIE
    colonne: object = NON_VERIFIE
    valeur: object = NON_VERIFIE
    gravite: str = "erreur"
    correction: str = ""  # fragment attendu dans la correction
    code_cli: int = 1


SCENARIOS = {}


def scenario(fonction):
    SCENARIOS[fonction.__name__] = fonction
    return fonction


# --------------------------------------------------------------------------
# Scénarios : fichiers vides, séparateurs, encodages


@scenario
def fichier_vide(d):
    (d / "participants.csv").write_bytes(b"")
    return Attendu("fichier_vide", "participants.csv", ligne=None, correction="en-tête")


@scenario
def fichier_blanc(d):
    (d / "participants.csv").write_bytes(b"\n \n\t\n")
    return Attendu("fichier_vide", "participants.csv", ligne=None)


@scenario
def entete_seule(d):
    (d / "participants.csv").write_text(_csv(petites_tables()["participants"].iloc[:0]), encoding="utf-8")
    return Attendu("fichier_sans_donnees", "participants.csv", ligne=None, correction="réponses")


@scenario
def separateur_declare_virgule_fichier_point_virgule(d):
    (d / "instances.csv").write_text(_csv(petites_tables()["instances"], sep=";"), encoding="utf-8")
    _fichier(d, "instances", separateur=",")
    return Attendu("separateur_incorrect", "instances.csv", ligne=1, correction="« ; »")


@scenario
def separateur_declare_point_virgule_fichier_virgule(d):
    _fichier(d, "participants", separateur=";")
    return Attendu("separateur_incorrect", "participants.csv", ligne=1, correction="« , »")


@scenario
def encodage_mixte(d):
    """Export UTF-8 retouché à la main dans un éditeur Windows-1252 : une seule valeur touchée."""
    tables = petites_tables()
    tables["instances"]["thematique"] = ["enfance_jeunesse_famille", "@@", "Enfance-jeunesse-famille", "Aînés"]
    octets = _csv(tables["instances"]).encode("utf-8").replace(b"@@", "Aînés".encode("cp1252"))
    (d / "instances.csv").write_bytes(octets)
    return Attendu("encodage_mixte", "instances.csv", ligne=3, colonne="thematique", valeur="Aînés",
                   correction="UTF-8")


@scenario
def encodage_declare_faux(d):
    tables = petites_tables()
    tables["instances"].loc[2, "thematique"] = "Aînés"
    (d / "instances.csv").write_bytes(_csv(tables["instances"]).encode("cp1252"))
    _fichier(d, "instances", encodage="utf-8")
    return Attendu("encodage_invalide", "instances.csv", ligne=4, correction="cp1252")


@scenario
def fichier_utf8_declare_windows_1252(d):
    tables = petites_tables()
    tables["instances"].loc[1, "thematique"] = "Aînés"
    (d / "instances.csv").write_text(_csv(tables["instances"]), encoding="utf-8")
    _fichier(d, "instances", encodage="cp1252")
    return Attendu("encodage_incoherent", "instances.csv", ligne=3, correction="encodage: utf-8")


@scenario
def fichier_binaire_renomme_en_csv(d):
    _xlsx(d / "classeur.xlsx", petites_tables()["instances"])
    (d / "instances.csv").write_bytes((d / "classeur.xlsx").read_bytes())
    return Attendu("fichier_binaire", "instances.csv", correction="CSV")


@scenario
def ligne_trop_longue_virgule_decimale(d):
    texte = _csv(petites_tables()["participants"]).replace('"2,5"', "2,5")
    (d / "participants.csv").write_text(texte, encoding="utf-8")
    return Attendu("ligne_trop_longue", "participants.csv", ligne=2, correction="guillemets")


@scenario
def guillemet_jamais_referme(d):
    lignes = _csv(petites_tables()["participants"]).splitlines()
    lignes[3] = lignes[3].replace("R3", '"R3', 1)
    (d / "participants.csv").write_text("\n".join(lignes) + "\n", encoding="utf-8")
    return Attendu("csv_mal_forme", "participants.csv", ligne=4, correction="guillemets")


@scenario
def valeur_sur_plusieurs_lignes_puis_erreur(d):
    """Un commentaire sur deux lignes (écarté) ne décale pas les numéros de ligne qui suivent."""
    tables = petites_tables()
    tables["participants"]["commentaires"] = ["ligne un\nligne deux", "", "", "", ""]
    tables["participants"].loc[2, "secteur"] = "inconnu"
    (d / "participants.csv").write_text(_csv(tables["participants"]), encoding="utf-8")
    return Attendu("code_inconnu", "participants.csv", ligne=5, colonne="secteur", valeur="inconnu")


@scenario
def ligne_vide_au_milieu_puis_erreur(d):
    tables = petites_tables()
    tables["participants"].loc[3, "secteur"] = "inconnu"
    lignes = _csv(tables["participants"]).splitlines()
    (d / "participants.csv").write_text("\n".join(lignes[:2] + [""] + lignes[2:]) + "\n", encoding="utf-8")
    return Attendu("code_inconnu", "participants.csv", ligne=6, colonne="secteur", valeur="inconnu")


# --------------------------------------------------------------------------
# Scénarios : Excel


@scenario
def excel_ligne_de_titre_au_dessus_de_l_entete(d):
    tables = petites_tables()
    tables["instances"].loc[1, "initiateur"] = "comunautaire"

    def fusionner(feuille):
        feuille.merge_cells("A1:D1")
    _xlsx(d / "instances.xlsx", tables["instances"], avant=[["Enquête 2022 : instances"], []], modifier=fusionner)
    _fichier(d, "instances", "instances.xlsx")
    return Attendu("code_inconnu", "instances.xlsx", ligne=5, colonne="initiateur", valeur="comunautaire")


@scenario
def excel_ligne_entete_declaree_vide(d):
    _xlsx(d / "instances.xlsx", petites_tables()["instances"], avant=[["Titre"], []])
    _fichier(d, "instances", "instances.xlsx", ligne_entete=2)
    return Attendu("ligne_entete_vide", "instances.xlsx", ligne=2, correction="ligne_entete")


@scenario
def excel_feuille_absente(d):
    _xlsx(d / "participants.xlsx", petites_tables()["participants"], nom="Réponses", avant_feuilles=["Lisez-moi"])
    _fichier(d, "participants", "participants.xlsx", feuille="Reponses")
    return Attendu("feuille_absente", "participants.xlsx", valeur="Reponses", correction="« Réponses »")


@scenario
def excel_formule_sans_valeur_calculee(d):
    def formule(feuille):
        feuille["I2"] = "=5+7"  # nb_membres de I1
    _xlsx(d / "instances.xlsx", petites_tables()["instances"], modifier=formule)
    _fichier(d, "instances", "instances.xlsx")
    return Attendu("formule_sans_valeur", "instances.xlsx", ligne=2, colonne="nb_membres", valeur="=5+7",
                   correction="Valeurs")


@scenario
def excel_date_dans_une_annee(d):
    def date(feuille):
        feuille["C3"] = datetime.datetime(2005, 3, 1)  # annee_creation de I2
    _xlsx(d / "instances.xlsx", petites_tables()["instances"], modifier=date)
    _fichier(d, "instances", "instances.xlsx")
    return Attendu("date_au_lieu_d_un_nombre", "instances.xlsx", ligne=3, colonne="annee_creation",
                   valeur="2005-03-01", correction="« Date »")


@scenario
def excel_erreur_de_formule(d):
    def erreur(feuille):
        feuille["I4"] = "#DIV/0!"
    _xlsx(d / "instances.xlsx", petites_tables()["instances"], modifier=erreur)
    _fichier(d, "instances", "instances.xlsx")
    return Attendu("erreur_formule", "instances.xlsx", ligne=4, colonne="nb_membres", valeur="#DIV/0!")


@scenario
def excel_abime(d):
    (d / "instances.xlsx").write_bytes(b"PK\x03\x04 ceci n'est pas un classeur")
    _fichier(d, "instances", "instances.xlsx")
    return Attendu("excel_illisible", "instances.xlsx", correction="xlsx")


# --------------------------------------------------------------------------
# Scénarios : SPSS, exports d'enquête en ligne, colonnes


@scenario
def spss_code_sans_etiquette(d):
    inst = petites_tables()["instances"].copy()
    inst["initiateur"] = [1, 2, 9, 4]
    inst["annee_creation"] = [1995, 2005, 2010, None]
    inst["nb_membres"] = [12, 8, 10, 5]
    etiquettes = {"initiateur": {1: "CISSS ou CIUSSS (CSSS avant 2015)", 2: "Organismes communautaires", 4: "Citoyens"}}
    pyreadstat.write_sav(inst, str(d / "instances.sav"), variable_value_labels=etiquettes)
    _fichier(d, "instances", "instances.sav")
    return Attendu("code_inconnu", "instances.sav", ligne=3, colonne="initiateur", valeur="9",
                   correction="correspondance.codes.initiateur")


@scenario
def spss_abime(d):
    (d / "instances.sav").write_bytes(b"$FL2 fichier tronque")
    _fichier(d, "instances", "instances.sav")
    return Attendu("fichier_illisible", "instances.sav", correction="SPSS")


def _surveymonkey(d) -> None:
    part = petites_tables()["participants"]
    sous_entete = ["", "", "", "Response", "Response", "Response", "Response", "Open-Ended Response", "Response"]
    texte = _csv(part).splitlines()
    texte.insert(1, ",".join(sous_entete))
    (d / "participants.csv").write_text("\n".join(texte) + "\n", encoding="utf-8")


@scenario
def deuxieme_ligne_d_entete_non_declaree(d):
    _surveymonkey(d)
    return Attendu("ligne_entete_en_trop", "participants.csv", ligne=2, colonne=None, correction="lignes_a_sauter: 1")


@scenario
def colonne_en_double(d):
    part = petites_tables()["participants"]
    texte = _csv(part.assign(secteur_bis=part["secteur"])).replace("secteur_bis", "secteur", 1)
    (d / "participants.csv").write_text(texte, encoding="utf-8")
    return Attendu("colonne_en_double", "participants.csv", colonne="secteur", correction="N'en garder qu'une")


@scenario
def deux_colonnes_pour_une_variable(d):
    part = petites_tables()["participants"].rename(columns={"secteur": "Secteur d'activité"})
    part["Secteur (autre)"] = "autre"
    (d / "participants.csv").write_text(_csv(part), encoding="utf-8")
    desc = _yml(d)
    desc["correspondance"] = {"colonnes": {"participants": {"Secteur d'activité": "secteur",
                                                            "Secteur (autre)": "secteur"}}}
    _ecrire_yml(d, desc)
    return Attendu("colonne_en_double", "participants.csv", colonne="Secteur (autre)")


@scenario
def colonne_courriel_declaree_comme_identifiant(d):
    part = petites_tables()["participants"].rename(columns={"id_repondant": "Courriel"})
    (d / "participants.csv").write_text(_csv(part), encoding="utf-8")
    desc = _yml(d)
    desc["correspondance"] = {"colonnes": {"participants": {"Courriel": "id_repondant"}}}
    _ecrire_yml(d, desc)
    return Attendu("identifiant_direct", "participants.csv", colonne="Courriel", correction="pseudonymes")


@scenario
def courriel_dans_un_code_d_organisation(d):
    tables = petites_tables()
    tables["participants"].loc[1, "id_organisation"] = "marie.tremblay@exemple.qc.ca"
    ecrire_jeu(d, tables)
    return Attendu("valeur_identifiante", "participants.csv", ligne=3, colonne="id_organisation",
                   valeur="(courriel masqué)", correction="pseudonyme")


# --------------------------------------------------------------------------
# Scénarios : valeurs


def _modifier(table: str, ligne: int, colonne: str, valeur: str):
    def preparer(d):
        tables = petites_tables()
        tables[table].loc[ligne, colonne] = valeur
        ecrire_jeu(d, tables)
    return preparer


@scenario
def texte_dans_un_nombre(d):
    _modifier("participants", 1, "nb_concertations", "3 ou 4")(d)
    return Attendu("type_entier", "participants.csv", ligne=3, colonne="nb_concertations", valeur="3 ou 4",
                   correction="chiffres")


@scenario
def annee_dans_le_futur(d):
    _modifier("instances", 0, "annee_creation", "2031")(d)
    return Attendu("hors_bornes", "instances.csv", ligne=2, colonne="annee_creation", valeur="2031")


@scenario
def effectif_negatif(d):
    _modifier("instances", 2, "nb_membres", "-3")(d)
    return Attendu("hors_bornes", "instances.csv", ligne=4, colonne="nb_membres", valeur="-3")


@scenario
def participant_sans_instance(d):
    _modifier("participants", 4, "id_instance", "I9")(d)
    return Attendu("instance_inconnue", "participants.csv", ligne=6, colonne="id_instance", valeur="I9")


@scenario
def participant_a_l_instance_vide(d):
    _modifier("participants", 4, "id_instance", "")(d)
    return Attendu("valeur_manquante", "participants.csv", ligne=6, colonne="id_instance")


@scenario
def territoire_d_une_seule_instance(d):
    tables = petites_tables()
    tables["instances"].loc[4] = tables["instances"].loc[3].to_list()
    tables["instances"].loc[4, ["id_instance", "territoire"]] = ["I5", "Joliette"]
    tables["territoires"].loc[2] = ["Joliette", "61", 70376]
    ecrire_jeu(d, tables)
    return Attendu("territoire_une_instance", "instances.csv", ligne=6, colonne="territoire", valeur="Joliette",
                   gravite="information", code_cli=0)


# --------------------------------------------------------------------------
# La batterie


@pytest.mark.parametrize("nom", sorted(SCENARIOS))
def test_entree_invalide(nom, tmp_path, capsys):
    dossier = ecrire_jeu(tmp_path / "jeu", petites_tables())
    attendu = SCENARIOS[nom](dossier)
    avant = empreintes(dossier)
    problemes = _problemes(dossier)
    trouves = [p for p in problemes if p.regle == attendu.regle]
    assert trouves, "\n".join(p.en_texte() for p in problemes)
    p = trouves[0]
    assert p.fichier.endswith(attendu.fichier) and p.gravite == attendu.gravite
    for champ in ("ligne", "colonne", "valeur"):
        if getattr(attendu, champ) is not NON_VERIFIE:
            assert getattr(p, champ) == getattr(attendu, champ), (champ, p)
    assert p.message and attendu.correction in p.correction, p
    rapport = tmp_path / "problemes.csv"
    code = cli.main(["valider", str(dossier), "--rapport", str(rapport)])
    sortie = "".join(capsys.readouterr())
    assert code == attendu.code_cli, sortie
    assert "Traceback" not in sortie and not MOTS_ANGLAIS.search(sortie), sortie
    if attendu.gravite == "erreur":
        assert f"[{attendu.regle}]" in sortie
    else:
        assert attendu.regle in rapport.read_text(encoding="utf-8")
    assert empreintes(dossier) == avant


def test_courriel_jamais_recopie_dans_le_rapport(tmp_path, capsys):
    dossier = ecrire_jeu(tmp_path / "jeu", petites_tables())
    courriel_dans_un_code_d_organisation(dossier)
    rapport = tmp_path / "problemes.csv"
    cli.main(["valider", str(dossier), "--rapport", str(rapport)])
    assert "tremblay" not in "".join(capsys.readouterr()) + rapport.read_text(encoding="utf-8")


def test_valider_en_sous_processus_sans_trace(tmp_path):
    """La vraie commande, dans un processus à part : code 1, message français, aucune trace."""
    import subprocess
    import sys

    dossier = ecrire_jeu(tmp_path / "jeu", petites_tables())
    encodage_mixte(dossier)
    (dossier / "participants.csv").write_bytes(b"")
    r = subprocess.run([sys.executable, "-m", "paquet_analyse", "valider", str(dossier), "--rapport",
                        str(tmp_path / "p.csv")], capture_output=True, text=True)
    assert r.returncode == 1 and "Traceback" not in r.stderr + r.stdout
    assert "participants.csv : le fichier est vide." in r.stderr


# --------------------------------------------------------------------------
# Ce qui doit être lu sans erreur


def test_deuxieme_ligne_d_entete_declaree(tmp_path):
    dossier = ecrire_jeu(tmp_path / "jeu", petites_tables())
    _surveymonkey(dossier)
    _fichier(dossier, "participants", lignes_a_sauter=1)
    jeu = chargement.charger_jeu(dossier)
    assert jeu.brut["participants"].index.tolist() == [3, 4, 5, 6, 7]
    assert validation.valider_jeu(jeu).valide


def test_excel_ligne_de_titre_signalee_et_ligne_entete_declaree(tmp_path):
    dossier = ecrire_jeu(tmp_path / "jeu", petites_tables())
    _xlsx(dossier / "instances.xlsx", petites_tables()["instances"], avant=[["Enquête 2022"], []])
    _fichier(dossier, "instances", "instances.xlsx")
    info = [p for p in validation.valider_jeu(chargement.charger_jeu(dossier)).problemes
            if p.regle == "entete_detectee"]
    assert len(info) == 1 and info[0].ligne == 3 and "ligne_entete: 3" in info[0].correction
    _fichier(dossier, "instances", ligne_entete=3)
    rapport = validation.valider_jeu(chargement.charger_jeu(dossier))
    assert rapport.valide and not [p for p in rapport.problemes if p.regle == "entete_detectee"]


def test_excel_plusieurs_feuilles(tmp_path):
    dossier = ecrire_jeu(tmp_path / "jeu", petites_tables())
    _xlsx(dossier / "participants.xlsx", petites_tables()["participants"], nom="Réponses",
          avant_feuilles=["Lisez-moi"])
    _fichier(dossier, "participants", "participants.xlsx", feuille=2)
    assert validation.valider_jeu(chargement.charger_jeu(dossier)).valide
    _fichier(dossier, "participants", feuille=3)
    with pytest.raises(ErreurLecture, match="« Lisez-moi », « Réponses »"):
        chargement.charger_jeu(dossier)


def test_excel_premiere_feuille_lue_et_signalee(tmp_path):
    dossier = ecrire_jeu(tmp_path / "jeu", petites_tables())
    _xlsx(dossier / "participants.xlsx", petites_tables()["participants"])
    classeur = __import__("openpyxl").load_workbook(dossier / "participants.xlsx")
    classeur.create_sheet("Brouillon")
    classeur.save(dossier / "participants.xlsx")
    _fichier(dossier, "participants", "participants.xlsx")
    rapport = validation.valider_jeu(chargement.charger_jeu(dossier))
    assert rapport.valide
    info = next(p for p in rapport.problemes if p.regle == "feuille_choisie")
    assert info.valeur == "Données" and "Brouillon" in info.message


def test_excel_formule_avec_valeur_calculee(tmp_path):
    dossier = ecrire_jeu(tmp_path / "jeu", petites_tables())

    def formule(feuille):
        feuille["I2"] = "=5+7"
    _xlsx(dossier / "instances.xlsx", petites_tables()["instances"], modifier=formule)
    _valeurs_calculees(dossier / "instances.xlsx", {"I2": "12"})
    _fichier(dossier, "instances", "instances.xlsx")
    jeu = chargement.charger_jeu(dossier)
    assert jeu.instances["nb_membres"].tolist() == [12, 8, 10, 5]
    info = next(p for p in jeu.problemes if p.regle == "formules_lues")
    assert info.gravite == "information" and "=5+7" in info.message


def test_utf16_texte_unicode_d_excel(tmp_path):
    """« Texte Unicode » d'Excel : UTF-16 avec marque d'ordre, séparé par des tabulations."""
    dossier = ecrire_jeu(tmp_path / "jeu", petites_tables())
    texte = _csv(petites_tables()["participants"], sep="\t")
    (dossier / "participants.csv").write_bytes(texte.encode("utf-16"))
    assert validation.valider_jeu(chargement.charger_jeu(dossier)).valide


def test_bom_avec_encodage_declare(tmp_path):
    dossier = ecrire_jeu(tmp_path / "jeu", petites_tables(), encodage="utf-8-sig")
    _fichier(dossier, "instances", encodage="utf-8")
    jeu = chargement.charger_jeu(dossier)
    assert jeu.instances.columns[0] == "id_instance" and validation.valider_jeu(jeu).valide


def test_virgules_dans_le_texte_d_un_fichier_point_virgule(tmp_path):
    """Le séparateur détecté est le point-virgule, malgré les virgules décimales et du texte."""
    tables = petites_tables()
    tables["participants"]["commentaires"] = ["a, b, c", "d, e", "", "f,g,h,i", ""]
    dossier = ecrire_jeu(tmp_path / "jeu", tables, sep=";")
    assert validation.valider_jeu(chargement.charger_jeu(dossier)).valide


# --------------------------------------------------------------------------
# jeu.yml


def _jeu_yml_avec(modifier):
    def preparer(d):
        desc = _yml(d)
        modifier(desc)
        _ecrire_yml(d, desc)
    return preparer


DESCRIPTEURS = {
    "cle_inconnue": (_jeu_yml_avec(lambda d: d.update(titr="faute")), "clé inconnue « titr »"),
    "fichier_manquant": (lambda d: (d / "territoires.csv").unlink(), "« territoires.csv » introuvable"),
    "cle_en_double": (lambda d: (d / "jeu.yml").write_text(
        (d / "jeu.yml").read_text(encoding="utf-8") + "titre: encore\n", encoding="utf-8"),
        "clé « titre » en double"),
    "tabulation": (lambda d: (d / "jeu.yml").write_text(
        "titre: a\n\tregion: b\n", encoding="utf-8"), "à la ligne 2, colonne 1"),
    "valeurs_manquantes_en_texte": (_jeu_yml_avec(lambda d: d.update(valeurs_manquantes="NSP")),
                                    "« valeurs_manquantes » doit être une liste"),
    "correspondance_mal_formee": (_jeu_yml_avec(lambda d: d.update(correspondance={"codes": {"initiateur": ["a"]}})),
                                  "correspondance.codes.initiateur doit être un dictionnaire"),
    "variable_codee_inconnue": (_jeu_yml_avec(lambda d: d.update(correspondance={"codes": {"initiatrice": {}}})),
                                "« initiatrice » n'est pas une variable codée"),
    "option_mal_typee": (_jeu_yml_avec(lambda d: d["fichiers"].update(
        participants={"chemin": "participants.csv", "lignes_a_sauter": "deux"})), "« lignes_a_sauter » doit être"),
    "encodage_inconnu": (_jeu_yml_avec(lambda d: d["fichiers"].update(
        participants={"chemin": "participants.csv", "encodage": "utf-9"})), "encodage inconnu « utf-9 »"),
    "chemin_hors_du_dossier": (_jeu_yml_avec(lambda d: d["fichiers"].update(participants="../autre.csv")),
                               "doit être un chemin relatif au dossier du jeu"),
    "ancien_format_excel": (lambda d: ((d / "instances.xls").write_bytes(b"x"), _fichier(d, "instances", "instances.xls")),
                            "l'enregistrer en .xlsx"),
    "annee_en_texte": (_jeu_yml_avec(lambda d: d.update(annee_enquete="2022")), "« annee_enquete » doit être"),
}


@pytest.mark.parametrize("nom", sorted(DESCRIPTEURS))
def test_jeu_yml_invalide(nom, tmp_path, capsys):
    dossier = ecrire_jeu(tmp_path / "jeu", petites_tables())
    preparer, fragment = DESCRIPTEURS[nom]
    preparer(dossier)
    avant = empreintes(dossier)
    with pytest.raises(ErreurJeu) as exc:
        chargement.charger_jeu(dossier)
    assert "jeu.yml" in str(exc.value) and fragment in str(exc.value)
    assert cli.main(["valider", str(dossier), "--rapport", str(tmp_path / "p.csv")]) == 1
    sortie = "".join(capsys.readouterr())
    assert fragment in sortie and "Traceback" not in sortie and not MOTS_ANGLAIS.search(sortie)
    assert empreintes(dossier) == avant


# --------------------------------------------------------------------------
# Propriétés


@pytest.fixture(scope="module")
def modele(tmp_path_factory) -> Path:
    tables = petites_tables()
    tables["participants"]["c1_compromis"] = ["1", "4", "3", "2", ""]
    return ecrire_jeu(tmp_path_factory.mktemp("modele") / "jeu", tables)


def _copie(modele: Path) -> Path:
    cible = Path(tempfile.mkdtemp(prefix="prop_")) / "jeu"
    shutil.copytree(modele, cible)
    return cible


def _verifier_aucun_na_silencieux(jeu, rapport) -> None:
    """Toute cellule non vide devenue NA au typage est signalée (fichier, ligne, colonne, valeur)."""
    signales = {(p.fichier, p.ligne, p.colonne, p.valeur) for p in rapport.problemes}
    for table, brut in jeu.brut.items():
        typee = getattr(jeu, table).set_axis(brut.index)
        for nom, var in dictionnaire.variables(table).items():
            if var.type in ("identifiant", "texte") or nom not in typee:
                continue
            for ligne in brut.index[brut[nom].notna() & typee[nom].isna()]:
                cle = (jeu.fichier_affiche(table), int(ligne), nom, str(brut.at[ligne, nom]))
                assert cle in signales, cle


CELLULES = [("instances", "annee_creation"), ("instances", "initiateur"), ("instances", "citoyens_membres"),
            ("instances", "nb_membres"), ("participants", "heures_mois"), ("participants", "c1_compromis"),
            ("participants", "secteur"), ("participants", "nb_concertations")]
TEXTES = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=15),
    st.from_regex(r"-?[0-9]{1,5}([.,][0-9]{1,3})?", fullmatch=True),
    st.sampled_from(["deux", "3 ou 4", "2,5", "1e3", "NaN", "inf", "١٢", "²", "12\u00a0000", " oui ", "#N/A",
                     "2005-03-01", "=A1", "NSP", "-99", "Communautaire", "comunautaire", '"', "a;b", "x\ny"]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cellule=st.sampled_from(CELLULES), rangee=st.integers(0, 3), texte=TEXTES)
def test_propriete_texte_arbitraire_dans_une_cellule(modele, cellule, rangee, texte):
    """N'importe quel texte dans une cellule codée ou numérique : aucune exception hors de la
    famille ErreurDonnees, et toute valeur refusée est signalée avec fichier, ligne, colonne, valeur."""
    table, colonne = cellule
    dossier = _copie(modele)
    tableau = pd.read_csv(dossier / f"{table}.csv", dtype=str, keep_default_na=False)
    tableau.loc[rangee, colonne] = texte
    (dossier / f"{table}.csv").write_text(_csv(tableau), encoding="utf-8")
    try:
        jeu = chargement.charger_jeu(dossier)
    except ErreurDonnees as exc:
        assert all(p.fichier and p.correction for p in getattr(exc, "problemes", [])), exc
        return
    rapport = validation.valider_jeu(jeu)
    _verifier_aucun_na_silencieux(jeu, rapport)
    brute = jeu.brut[table].loc[rangee + 2, colonne]
    if pd.notna(brute) and pd.isna(getattr(jeu, table).loc[rangee, colonne]):
        assert any((p.ligne, p.colonne, p.valeur) == (rangee + 2, colonne, brute) for p in rapport.problemes)
    shutil.rmtree(dossier.parent)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(octets=st.one_of(st.binary(max_size=400),
                        st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass"))),
       nom=st.sampled_from(["participants.csv", "participants.xlsx", "participants.sav"]))
def test_propriete_octets_arbitraires(modele, octets, nom):
    """N'importe quel contenu de fichier : un jeu chargé et validé, ou une ErreurDonnees."""
    dossier = _copie(modele)
    (dossier / nom).write_bytes(octets)
    _fichier(dossier, "participants", nom)
    try:
        validation.valider_jeu(chargement.charger_jeu(dossier))
    except ErreurLecture as exc:
        assert exc.problemes and all(p.fichier.endswith(nom) and p.correction for p in exc.problemes)
    shutil.rmtree(dossier.parent)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texte=st.one_of(st.text(max_size=200), st.sampled_from([
    "titre: [", "fichiers: 3", "fichiers: {instances: 1, participants: [a]}", "- a\n- b", "~", "!!python/none x",
    "titre: &a x\nregion: *b", "correspondance: {colonnes: {instances: [1]}}"])))
def test_propriete_jeu_yml_arbitraire(modele, texte):
    dossier = _copie(modele)
    (dossier / "jeu.yml").write_text(texte, encoding="utf-8")
    with pytest.raises(ErreurJeu):
        chargement.charger_jeu(dossier)
    shutil.rmtree(dossier.parent)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(noms=st.lists(st.text(max_size=12), min_size=1, max_size=6))
def test_propriete_noms_de_colonnes_arbitraires(modele, noms):
    dossier = _copie(modele)
    part = pd.read_csv(dossier / "participants.csv", dtype=str, keep_default_na=False)
    for i, nom in enumerate(noms):
        part.insert(min(i, part.shape[1]), f"__{i}", "x")
    texte = _csv(part)
    entete, reste = texte.split("\n", 1)
    champs = next(iter(__import__("csv").reader([entete])))
    champs[:len(noms)] = noms
    ligne = __import__("io").StringIO()
    __import__("csv").writer(ligne, lineterminator="\n").writerow(champs)
    (dossier / "participants.csv").write_text(ligne.getvalue() + reste, encoding="utf-8")
    try:
        validation.valider_jeu(chargement.charger_jeu(dossier))
    except ErreurLecture as exc:
        assert exc.problemes
    shutil.rmtree(dossier.parent)
