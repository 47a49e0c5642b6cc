"""Fabrique le jeu de test `tests/donnees/outaouais/` : des exports réalistes, SIMULÉS.

Ce que ferait une équipe d'une autre région : un export LimeSurvey (.xlsx)
pour les instances (ligne de titre au-dessus de l'en-tête, questions complètes
en en-tête, réponses en toutes lettres, colonnes `id` et `submitdate`, une
colonne « Autre (précisez) » en texte libre), un fichier SPSS (.sav) pour les
participants (étiquettes de valeurs, codes manquants déclarés : 99 = « Ne sait
pas »), un fichier des territoires en Windows-1252 séparé par « ; » dont les
noms officiels diffèrent des libellés de l'export, et le `jeu.yml` qui les
décrit. La variable facultative `modele` n'y figure pas.

Les réponses sont tirées par `paquet_analyse.simulation` (graine fixe) puis
mises en forme d'export : aucune ne vient d'une vraie enquête. Les fichiers
sont identiques octet pour octet d'une exécution à l'autre (dates internes du
classeur et de l'en-tête SPSS fixées).

Usage : PYTHONPATH=. python tests/donnees/fabriquer_outaouais.py
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from paquet_analyse import dictionnaire, simulation

DOSSIER = Path(__file__).resolve().parent / "outaouais"
GRAINE = 20241105
MANQUANT_SPSS = 99  # « Ne sait pas », déclaré manquant dans le fichier SPSS

# Noms officiels (fichier des territoires), codes géographiques des MRC (division de recensement 24xx),
# populations approximatives : ordre de grandeur du recensement 2021, NON vérifiées (jeu de test).
PROFILS = (
    simulation.ProfilTerritoire("Gatineau", "81", 291_000, 20, 0.70, 0.72, 0.45, 0.40, 0.90, 0.55, 0.6, 0.9,
                                np.log(3.0)),
    simulation.ProfilTerritoire("Les Collines-de-l'Outaouais", "82", 53_000, 14, 0.62, 0.62, 0.40, 0.38, 0.88,
                                0.52, 0.45, 0.9, np.log(3.0)),
    simulation.ProfilTerritoire("La Vallée-de-la-Gatineau", "83", 20_500, 12, 0.55, 0.58, 0.38, 0.34, 0.85,
                                0.48, 0.4, 0.8, np.log(2.0)),
    simulation.ProfilTerritoire("Pontiac", "84", 14_500, 12, 0.55, 0.60, 0.40, 0.35, 0.85, 0.50, 0.4, 0.8, 0.0),
    simulation.ProfilTerritoire("Papineau", "80", 23_500, 13, 0.60, 0.60, 0.42, 0.37, 0.86, 0.50, 0.4, 0.8,
                                np.log(3.0)),
)

# Libellés de l'export (tels que le questionnaire les affiche) -> noms officiels ou codes du dictionnaire.
LIBELLES_TERRITOIRE = {
    "Ville de Gatineau": "Gatineau",
    "MRC des Collines-de-l’Outaouais": "Les Collines-de-l'Outaouais",  # apostrophe courbe, comme LimeSurvey
    "MRC de La Vallée-de-la-Gatineau": "La Vallée-de-la-Gatineau",
    "MRC de Pontiac": "Pontiac",
    "MRC de Papineau": "Papineau",
}
LIBELLES_INITIATEUR = {
    "CISSS de l'Outaouais": "cisss", "Une ville ou la MRC": "municipal", "Une fondation": "fondation",
    "Un autre organisme public": "public_autre", "Un organisme communautaire": "communautaire",
    "Des citoyennes et citoyens": "citoyens", "Autre": "autre",
}
LIBELLES_FONCTION = {"Gérer des programmes, des budgets ou des services": "gestion_programmes_services",
                     "Développer des initiatives": "developpement_initiatives"}
LIBELLES_THEMATIQUE_EJF = "Enfance, jeunesse et familles"  # les autres thématiques : libellés du dictionnaire
LIBELLES_CITOYENS = {True: "Des citoyens", False: "Aucun citoyen"}
LIBELLES_SOUTIEN = {True: "Oui, une ressource dédiée", False: "Non, aucun soutien"}

QUESTIONS_INSTANCES = {
    "id_instance": "Code de la table (fourni par l'équipe de recherche)",
    "territoire": "Sur quel territoire la table agit-elle principalement ?",
    "annee_creation": "En quelle année la table a-t-elle été créée ?",
    "initiateur": "Qui a pris l'initiative de créer la table ?",
    "autre_initiateur": "Qui a pris l'initiative de créer la table ? [Autre (précisez)]",
    "thematique": "Quelle est la thématique principale de la table ?",
    "forme": "La concertation est-elle thématique ou territoriale ?",
    "fonction_dominante": "Quelle fonction domine à la table ?",
    "financement_programme": "La table est-elle financée par un programme public ou philanthropique ?",
    "citoyens_membres": "Des citoyennes et citoyens siègent-ils à la table ?",
    "evaluation_collective": "La concertation est-elle évaluée collectivement ?",
    "soutien_professionnel": "La table a-t-elle un soutien professionnel (animation, comptes rendus) ?",
    "nb_membres": "Combien de membres compte la table ?",
    "nb_realisations": "Combien de réalisations collectives (services, outils, ressources) la table a-t-elle créées ?",
}
AUTRES_PRECISES = ["Table régionale des aînés", "Centre de services scolaire", "Comité de citoyens du quartier",
                   "Regroupement d'organismes"]

SECTEURS = {1: ("Milieu communautaire", "communautaire"), 2: ("Réseau de la santé (CISSS)", "sante_services_sociaux"),
            3: ("Municipalité ou MRC", "municipal"), 4: ("Éducation", "education"),
            5: ("Emploi (Services Québec)", "emploi_solidarite"), 6: ("Sécurité publique", "securite_publique"),
            7: ("Philanthropie", "philanthropique"), 8: ("Entreprise privée", "prive"),
            9: ("Citoyenne ou citoyen", "citoyen"), 10: ("Autre", "autre")}
DELEGATION = {1: ("Je me suis proposé(e)", "auto_delegation"), 2: ("Ma direction m'a mandaté(e)", "mandat_direction"),
              3: ("Mon conseil d'administration m'a mandaté(e)", "mandat_conseil_administration"),
              4: ("Autre", "autre")}
MANDAT = {1: ("Moi-même", "repondant"), 2: ("Mon organisation", "organisation"),
          3: ("La table de concertation", "instance"), 4: ("Le bailleur de fonds", "bailleur")}
SUIVI = {1: ("Oui, formellement (compte rendu écrit)", "formel"), 2: ("Oui, de façon informelle", "informel"),
         3: ("Non, aucun suivi", "aucun")}
# Échelle d'accord : libellés du dictionnaire, avec l'apostrophe courbe d'un questionnaire mis en page.
ACCORD = {1: "Pas du tout d’accord", 2: "Plutôt en désaccord", 3: "Plutôt d’accord", 4: "Tout à fait d’accord"}


def _tables() -> dict[str, pd.DataFrame]:
    return simulation.generer(GRAINE, profils=PROFILS)


# --------------------------------------------------------------------------
# Instances : export LimeSurvey (.xlsx)


def _export_instances(inst: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    vers_libelle = {v: k for k, v in LIBELLES_TERRITOIRE.items()}
    initiateur_lib = {v: k for k, v in LIBELLES_INITIATEUR.items()}
    fonction_lib = {v: k for k, v in LIBELLES_FONCTION.items()}
    themes = dictionnaire.variable("thematique", "instances").codes
    n = len(inst)
    annee = inst["annee_creation"].astype(object)
    annee[rng.random(n) < 0.06] = "Ne sait pas"
    evaluation = inst["evaluation_collective"].map({True: "O", False: "N"}).astype(object)
    evaluation[rng.random(n) < 0.05] = "Ne sait pas"
    autre = np.where(inst["initiateur"] == "autre", rng.choice(AUTRES_PRECISES, n), "")
    colonnes = {
        "id": np.arange(1, n + 1),
        "submitdate": [f"2024-{10 + i % 2:02d}-{1 + i % 28:02d} {9 + i % 8:02d}:{(7 * i) % 60:02d}:00"
                       for i in range(n)],
        "id_instance": [f"OUT-{i:03d}" for i in range(1, n + 1)],
        "territoire": inst["territoire"].map(vers_libelle),
        "annee_creation": annee,
        "initiateur": inst["initiateur"].map(initiateur_lib),
        "autre_initiateur": autre,
        "thematique": [LIBELLES_THEMATIQUE_EJF if t == "enfance_jeunesse_famille" else themes[t]
                       for t in inst["thematique"]],
        "forme": inst["forme"].map({"thematique": "Thématique", "territoriale": "Territoriale"}),
        "fonction_dominante": inst["fonction_dominante"].map(fonction_lib),
        "financement_programme": inst["financement_programme"].map({True: "Oui", False: "Non"}),
        "citoyens_membres": inst["citoyens_membres"].map(LIBELLES_CITOYENS),
        "evaluation_collective": evaluation,
        "soutien_professionnel": inst["soutien_professionnel"].map(LIBELLES_SOUTIEN),
        "nb_membres": inst["nb_membres"],
        "nb_realisations": inst["nb_realisations"],
    }
    tableau = pd.DataFrame(colonnes)
    return tableau.rename(columns=QUESTIONS_INSTANCES)


def _zip_deterministe(octets: bytes) -> bytes:
    """Le même classeur, avec des dates d'entrées d'archive fixes (octets reproductibles)."""
    entree, sortie = zipfile.ZipFile(io.BytesIO(octets)), io.BytesIO()
    with zipfile.ZipFile(sortie, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in entree.infolist():
            fixe = zipfile.ZipInfo(info.filename, date_time=(2024, 11, 5, 0, 0, 0))
            fixe.compress_type = zipfile.ZIP_DEFLATED
            contenu = entree.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl y écrit l'heure de l'enregistrement
                contenu = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-11-05T00:00:00Z", contenu)
            zout.writestr(fixe, contenu)
    return sortie.getvalue()


def ecrire_instances(tableau: pd.DataFrame, chemin: Path) -> None:
    import openpyxl

    classeur = openpyxl.Workbook()
    feuille = classeur.active
    feuille.title = "Réponses"
    feuille.append(["Résultats de l'enquête 584213 : Concertations de l'Outaouais (données SIMULÉES)"])
    feuille.append(list(tableau.columns))
    for rangee in tableau.itertuples(index=False):
        feuille.append([v.item() if isinstance(v, np.generic) else v for v in rangee])
    fixe = datetime(2024, 11, 5)
    classeur.properties.created = classeur.properties.modified = fixe
    classeur.properties.creator = "LimeSurvey (simulé)"
    tampon = io.BytesIO()
    classeur.save(tampon)
    chemin.write_bytes(_zip_deterministe(tampon.getvalue()))


# --------------------------------------------------------------------------
# Participants : fichier SPSS (.sav)


def _codes_numeriques(serie: pd.Series, libelles: dict[int, tuple[str, str]]) -> np.ndarray:
    vers_nombre = {code: nombre for nombre, (_, code) in libelles.items()}
    return serie.map(vers_nombre).astype(float).to_numpy()


def _export_participants(part: pd.DataFrame, inst: pd.DataFrame,
                         rng: np.random.Generator) -> tuple[pd.DataFrame, dict, dict]:
    n = len(part)
    numeros = {nom: i for i, nom in enumerate(inst["id_instance"], start=1)}  # même numérotation que l'export
    tableau = pd.DataFrame({
        "RESPID": [f"OUT-R{i:04d}" for i in range(1, n + 1)],
        "TABLE": [f"OUT-{numeros[i]:03d}" for i in part["id_instance"]],
        "ORG": part["id_organisation"].fillna("").str.replace("ORG-", "OUTA-", regex=False),
        "Q1": _codes_numeriques(part["secteur"], SECTEURS),
        "Q2": _codes_numeriques(part["mode_delegation"], DELEGATION),
        "Q3": _codes_numeriques(part["mandat_defini_par"], MANDAT),
        "Q4": _codes_numeriques(part["suivi_organisation"], SUIVI),
        "Q5": part["nb_concertations"].astype(float).to_numpy(),
        "Q6": pd.to_numeric(part["heures_mois"]).astype(float).to_numpy(),
    })
    for k, c in enumerate(simulation.CONDITIONS, start=1):
        tableau[f"C{k}"] = pd.to_numeric(part[c]).astype(float).to_numpy()
    tableau["PRIO"] = part["priorites_imposees"].astype(float).to_numpy()
    # « Ne sait pas » (99), déclaré manquant dans SPSS : sur quelques réponses
    for colonne, part_nsp in (("Q2", 0.02), ("Q5", 0.03), ("C1", 0.04), ("C5", 0.04)):
        tableau.loc[rng.random(n) < part_nsp, colonne] = MANQUANT_SPSS
    etiquettes = {"Q1": SECTEURS, "Q2": DELEGATION, "Q3": MANDAT, "Q4": SUIVI}
    valeurs = {v: {float(k): lib for k, (lib, _) in libs.items()} for v, libs in etiquettes.items()}
    valeurs["Q2"][float(MANQUANT_SPSS)] = "Ne sait pas"
    valeurs["Q5"] = {float(MANQUANT_SPSS): "Ne sait pas"}
    for k in range(1, 9):
        valeurs[f"C{k}"] = {float(c): lib for c, lib in ACCORD.items()} | {float(MANQUANT_SPSS): "Ne sait pas"}
    valeurs["PRIO"] = {float(c): lib for c, lib in ACCORD.items()}
    manquants = {v: [MANQUANT_SPSS] for v in ("Q2", "Q5", *(f"C{k}" for k in range(1, 9)))}
    return tableau, valeurs, manquants


LIBELLES_SPSS = {
    "RESPID": "Identifiant du répondant", "TABLE": "Code de la table", "ORG": "Code de l'organisation",
    "Q1": "Quel secteur représentez-vous ?", "Q2": "Comment avez-vous été délégué(e) ?",
    "Q3": "Qui a défini votre mandat ?", "Q4": "Faites-vous un suivi auprès de votre organisation ?",
    "Q5": "À combien de tables siégez-vous ?", "Q6": "Heures par mois consacrées à cette table",
    **{f"C{k}": f"Condition {k}" for k in range(1, 9)}, "PRIO": "Les priorités sont fixées par les bailleurs",
}


def ecrire_participants(tableau: pd.DataFrame, valeurs: dict, manquants: dict, chemin: Path) -> None:
    import pyreadstat

    pyreadstat.write_sav(tableau, str(chemin), column_labels=LIBELLES_SPSS, variable_value_labels=valeurs,
                         missing_ranges=manquants, file_label="Concertations Outaouais SIMULE")
    octets = bytearray(chemin.read_bytes())
    octets[92:109] = b"05 Nov 2400:00:00"  # date et heure de création de l'en-tête : fixes
    chemin.write_bytes(bytes(octets))


# --------------------------------------------------------------------------
# Territoires (Windows-1252, « ; ») et jeu.yml


def ecrire_territoires(chemin: Path) -> None:
    lignes = ["territoire;code_geo;population"] + [f"{p.nom};{p.code_geo};{p.population}" for p in PROFILS]
    chemin.write_bytes(("\r\n".join(lignes) + "\r\n").encode("cp1252"))


JEU_YML = """\
# Jeu de test SIMULÉ : fabriqué par tests/donnees/fabriquer_outaouais.py (ne pas modifier à la main).
# Exports tels qu'une équipe d'une autre région les déposerait : LimeSurvey (.xlsx), SPSS (.sav).
titre: Concertations de l'Outaouais (données SIMULÉES)
region: Outaouais
annee_enquete: 2024
source: "Données SIMULÉES (paquet_analyse.simulation, graine 20241105), mises en forme d'exports LimeSurvey et SPSS."
simule: true
notes: >-
  ATTENTION : aucune de ces réponses ne vient d'une vraie enquête. Populations des territoires
  approximatives (ordre de grandeur du recensement 2021, non vérifiées) : ne pas les citer.
  La variable facultative « modele » n'est pas dans l'export.
fichiers:
  instances: {chemin: tables_limesurvey.xlsx, ligne_entete: 2}
  participants: repondants.sav
  territoires: {chemin: territoires.csv, separateur: ";", encodage: cp1252}
valeurs_manquantes: ["", "Ne sait pas", "NSP"]
correspondance:
  colonnes:
    instances:
      "Code de la table (fourni par l'équipe de recherche)": id_instance
      "Sur quel territoire la table agit-elle principalement ?": territoire
      "En quelle année la table a-t-elle été créée ?": annee_creation
      "Qui a pris l'initiative de créer la table ?": initiateur
      "Quelle est la thématique principale de la table ?": thematique
      "La concertation est-elle thématique ou territoriale ?": forme
      "Quelle fonction domine à la table ?": fonction_dominante
      "La table est-elle financée par un programme public ou philanthropique ?": financement_programme
      "Des citoyennes et citoyens siègent-ils à la table ?": citoyens_membres
      "La concertation est-elle évaluée collectivement ?": evaluation_collective
      "La table a-t-elle un soutien professionnel (animation, comptes rendus) ?": soutien_professionnel
      "Combien de membres compte la table ?": nb_membres
      "Combien de réalisations collectives (services, outils, ressources) la table a-t-elle créées ?": nb_realisations
    participants:
      RESPID: id_repondant
      TABLE: id_instance
      ORG: id_organisation
      Q1: secteur
      Q2: mode_delegation
      Q3: mandat_defini_par
      Q4: suivi_organisation
      Q5: nb_concertations
      Q6: heures_mois
      C1: c1_compromis
      C2: c2_pouvoir_comparable
      C3: c3_integration_concertations
      C4: c4_leadership_soutien
      C5: c5_analyse_collective
      C6: c6_participation_personnes
      C7: c7_temps_participatif
      C8: c8_evaluation_collective
      PRIO: priorites_imposees
  codes:
    territoire:
      "Ville de Gatineau": Gatineau
      "MRC des Collines-de-l'Outaouais": "Les Collines-de-l'Outaouais"
      "MRC de La Vallée-de-la-Gatineau": La Vallée-de-la-Gatineau
      "MRC de Pontiac": Pontiac
      "MRC de Papineau": Papineau
    initiateur:
      "CISSS de l'Outaouais": cisss
      "Une ville ou la MRC": municipal
      "Une fondation": fondation
      "Un autre organisme public": public_autre
      "Un organisme communautaire": communautaire
      "Des citoyennes et citoyens": citoyens
    thematique: {"Enfance, jeunesse et familles": enfance_jeunesse_famille}
    fonction_dominante:
      "Gérer des programmes, des budgets ou des services": gestion_programmes_services
      "Développer des initiatives": developpement_initiatives
    citoyens_membres: {"Aucun citoyen": non, "Des citoyens": Oui}
    soutien_professionnel: {"Oui, une ressource dédiée": 1, "Non, aucun soutien": n}
    secteur:
      "Milieu communautaire": communautaire
      "Réseau de la santé (CISSS)": sante_services_sociaux
      "Municipalité ou MRC": municipal
      "Emploi (Services Québec)": emploi_solidarite
      "Philanthropie": philanthropique
      "Entreprise privée": prive
      "Citoyenne ou citoyen": citoyen
    mode_delegation:
      "Je me suis proposé(e)": auto_delegation
      "Ma direction m'a mandaté(e)": mandat_direction
      "Mon conseil d'administration m'a mandaté(e)": mandat_conseil_administration
    mandat_defini_par:
      "Moi-même": repondant
      "Mon organisation": organisation
      "La table de concertation": instance
      "Le bailleur de fonds": bailleur
    suivi_organisation:
      "Oui, formellement (compte rendu écrit)": formel
      "Oui, de façon informelle": informel
      "Non, aucun suivi": aucun
"""


def fabriquer(dossier: Path = DOSSIER) -> dict[str, pd.DataFrame]:
    """Écrit le jeu ; renvoie les tables simulées d'origine (codes du dictionnaire), pour les tests."""
    dossier.mkdir(parents=True, exist_ok=True)
    tables = _tables()
    rng = np.random.default_rng(GRAINE + 1)
    ecrire_instances(_export_instances(tables["instances"], rng), dossier / "tables_limesurvey.xlsx")
    tableau, valeurs, manquants = _export_participants(tables["participants"], tables["instances"], rng)
    ecrire_participants(tableau, valeurs, manquants, dossier / "repondants.sav")
    ecrire_territoires(dossier / "territoires.csv")
    (dossier / "jeu.yml").write_text(JEU_YML, encoding="utf-8")
    return tables


if __name__ == "__main__":
    fabriquer()
    print(f"Jeu SIMULÉ écrit dans {DOSSIER}")
