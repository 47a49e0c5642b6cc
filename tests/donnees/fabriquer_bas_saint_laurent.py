"""Fabrique deux jeux de test du Bas-Saint-Laurent : des exports de terrain tels qu'ils arrivent, SIMULÉS.

Une équipe déploie les questionnaires du projet (`python -m paquet_analyse
questionnaire`), collecte, puis dépose les exports sans les retoucher. Les
réponses sont tirées par `paquet_analyse.simulation` (graine fixe) : aucune ne
vient d'une vraie enquête. Chaque dossier contient ce qu'une équipe y mettrait,
et un `jeu.yml` complété par `jeu-depuis-export` à partir de celui qu'elle a
écrit avant la collecte (`AVANT_COLLECTE` : titre, territoires, une exclusion
nommée à la main).

`bas_saint_laurent_kobo/` (8 MRC) — formulaires XLSForm déployés sur KoboToolbox :

- instances : export CSV « XML values and headers », groupes dans les en-têtes
  (`identification/id_instance`, `questions/forme`…), réponses en noms de choix,
  puis les colonnes de la plateforme. Format : champs séparés par `;`, chacun
  entre guillemets (guillemets doublés), lignes terminées par CRLF, UTF-8 ;
  colonnes `_id`, `_uuid`, `_submission_time`, `_validation_status` (valeurs XML :
  `validation_status_approved`, `validation_status_not_approved`, vide),
  `_notes`, `_status`, `_submitted_by`, `_tags`, puis `_index`. Sources :
  https://support.kobotoolbox.org/export_download.html ;
  https://support.kobotoolbox.org/advanced_export.html ; kobotoolbox/formpack
  `src/formpack/reporting/export.py` (`to_csv` : `sep=";"`, `quote='"'`) et
  `src/formpack/schema/fields.py` (`ValidationStatusCopyField` : `uid` en
  valeurs XML, `label` en libellés) ; kobotoolbox/kpi
  `kpi/models/import_export_task.py` (`COPY_FIELDS`, lignes `+ "\\r\\n"` en
  UTF-8, `force_index`). Les en-têtes sont tirés du XLSForm du projet (groupes
  `begin_group` / `end_group`, noms des questions et des choix) ;
- participants : export XLSX « Labels » : libellés des questions en en-têtes,
  libellés des choix en réponses, nombres et dates gardés en nombres et en dates
  (advanced_export.html, « Store date and number responses as text » décoché),
  `_validation_status` en libellé (« Not Approved ») ;
- ce que le terrain y met : une soumission d'essai non approuvée (avec deux
  participants qui la citent), une soumission envoyée deux fois (même `_uuid`,
  la seconde corrigée), une table hors du champ de l'enquête (écartée à la main
  dans `jeu.yml`, avec son motif), un participant d'essai non approuvé, un
  participant envoyé deux fois, des codes d'instance saisis à la main
  (« bsl-003 », « BSL - 012 »), et des réponses « thematique » à la question
  `forme` (le nom d'une variable : ce qui faisait prendre une ligne de données
  pour l'en-tête).

`bas_saint_laurent_limesurvey/` (4 MRC de l'est) — structure LimeSurvey
importée (`questionnaire.limesurvey`, format texte à tabulations) :

- deux exports de réponses CSV, en-têtes en « codes de question » (tableau
  d'accord : `accord[c1Compromis]`), réponses en « codes de réponse » (A1,
  A2…, Y/N) ; métadonnées `id`, `submitdate`, `lastpage`, `startlanguage`,
  `seed`. Format (LimeSurvey `application/helpers/admin/export/CsvWriter.php`) :
  UTF-8 avec BOM, chaque champ entre guillemets, lignes CRLF, une ligne vide à
  la fin ; séparateur choisi à l'export (virgule ici). Source :
  https://manual.limesurvey.org/Export_responses. En-têtes et codes de réponse
  sont relus dans la structure générée, pas dans le code qui la relit ;
- ce que le terrain y met : une réponse incomplète (`submitdate` vide) pour une
  table ensuite remplie en entier, une réponse d'essai de l'équipe (écartée à
  la main par son `id` LimeSurvey), un participant qui n'a pas fini, et un code
  d'instance saisi en minuscules.

`tables_propres(nom)` donne les tables que ces exports portent une fois les
lignes parasites écartées (« l'export propre ») ; `PARASITES[nom]` les lignes
que les exclusions doivent écarter, avec la règle qui les écarte. Les octets sont identiques d'une
exécution à l'autre (graines, dates et archives fixées).

Usage : PYTHONPATH=. python tests/donnees/fabriquer_bas_saint_laurent.py
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import shutil
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from paquet_analyse import jeu_depuis_export, questionnaire, simulation

DONNEES = Path(__file__).resolve().parent
GRAINE = 20250602
ANNEE = 2025
KOBO, LIMESURVEY = "bas_saint_laurent_kobo", "bas_saint_laurent_limesurvey"

# Les 8 MRC du Bas-Saint-Laurent ; codes de division de recensement, populations : ordre de grandeur du
# recensement 2021, NON vérifiées (jeu de test : ne pas les citer).
MRC = (
    ("Kamouraska", "14", 20_900, 7), ("Rivière-du-Loup", "12", 35_000, 8), ("Témiscouata", "13", 19_500, 6),
    ("Les Basques", "11", 8_600, 5), ("Rimouski-Neigette", "10", 57_600, 9), ("La Mitis", "09", 18_300, 6),
    ("La Matapédia", "07", 17_600, 6), ("La Matanie", "08", 21_300, 6),
)
MRC_EST = ("Rimouski-Neigette", "La Mitis", "La Matapédia", "La Matanie")


def _profils(noms) -> tuple[simulation.ProfilTerritoire, ...]:
    modele = simulation.TERRITOIRES[1]
    return tuple(dataclasses.replace(modele, nom=nom, code_geo=code, population=pop, nb_instances=n)
                 for nom, code, pop, n in MRC if nom in noms)


def _variante(nom: str) -> tuple[tuple, str, int]:
    """(profils, préfixe des codes, graine) d'un des deux jeux."""
    if nom == KOBO:
        return _profils([m[0] for m in MRC]), "BSL", GRAINE
    return _profils(MRC_EST), "BSLE", GRAINE + 1


def tables_propres(nom: str) -> dict[str, pd.DataFrame]:
    """Les tables que portent les exports d'un jeu, sans les lignes parasites : « l'export propre »."""
    profils, prefixe, graine = _variante(nom)
    tables = simulation.generer(graine, profils=profils)
    inst, part = tables["instances"].copy(), tables["participants"].copy()
    codes = {ancien: f"{prefixe}-{i:03d}" for i, ancien in enumerate(inst["id_instance"], start=1)}
    inst["id_instance"] = inst["id_instance"].map(codes)
    part["id_instance"] = part["id_instance"].map(codes)
    part["id_repondant"] = [f"{prefixe}-R{i:04d}" for i in range(1, len(part) + 1)]
    part["id_organisation"] = part["id_organisation"].str.replace("ORG-", f"{prefixe}-O", regex=False)
    return {"instances": inst, "participants": part, "territoires": tables["territoires"]}


# --------------------------------------------------------------------------
# Les formulaires du projet, tels qu'ils sont déployés


def _formulaire_xlsform(table: str, territoires: list[str]) -> tuple[list[dict], dict[str, list[tuple]]]:
    """Les questions du XLSForm du projet (chemin de groupes, nom, type, libellé) et ses listes de choix."""
    import openpyxl

    classeur = openpyxl.load_workbook(io.BytesIO(questionnaire.xlsform(table, territoires=territoires,
                                                                       annee_enquete=ANNEE)))
    survey = list(classeur["survey"].iter_rows(values_only=True))
    entete, groupes, champs = survey[0], [], []
    for rangee in survey[1:]:
        ligne = dict(zip(entete, rangee))
        if ligne["type"] == "begin_group":
            groupes.append(ligne["name"])
        elif ligne["type"] == "end_group":
            groupes.pop()
        else:
            champs.append({"chemin": "/".join([*groupes, ligne["name"]]), "nom": ligne["name"],
                           "type": ligne["type"], "libelle": ligne["label"], "pertinence": ligne.get("relevant")})
    choix: dict[str, list[tuple]] = {}
    for liste, nom, libelle in list(classeur["choices"].iter_rows(values_only=True))[1:]:
        choix.setdefault(liste, []).append((nom, libelle))
    return champs, choix


def _structure_limesurvey(table: str, territoires: list[str]) -> list[dict]:
    """Les rangées de la structure LimeSurvey du projet (format texte à tabulations)."""
    texte = questionnaire.limesurvey(table, territoires=territoires, annee_enquete=ANNEE)
    return list(csv.DictReader(io.StringIO(texte), delimiter="\t"))


# --------------------------------------------------------------------------
# Réponses d'une ligne


def _texte(valeur) -> str:
    if valeur is None or (not isinstance(valeur, str) and pd.isna(valeur)):
        return ""
    if isinstance(valeur, (bool, np.bool_)):
        return "oui" if valeur else "non"
    if isinstance(valeur, (float, np.floating)):
        return f"{float(valeur):g}"
    return str(valeur)


AUTRES = ["Table des partenaires du quartier", "Comité de la MRC", "Regroupement d'organismes"]


def _valeur_xlsform(champ: dict, rangee: dict, choix: dict, rng) -> str:
    """La valeur XML d'une question (nom du choix, nombre, texte) ; vide si la question n'est pas posée."""
    nom = champ["nom"]
    if champ["pertinence"]:  # « ${variable} = 'autre' » : posée seulement si Autre est choisi
        variable, code = re.fullmatch(r"\$\{(\w+)\} = '(\w+)'", champ["pertinence"]).groups()
        return str(rng.choice(AUTRES)) if _texte(rangee.get(variable)) == code else ""
    valeur = rangee.get(nom)
    if champ["type"].startswith("select_one "):
        if nom == "territoire":
            liste = dict((lib, n) for n, lib in choix[champ["type"].split()[1]])
            return liste[valeur]
        return _texte(valeur)  # booléens : liste oui_non (noms « oui »/« non ») ; codes du dictionnaire sinon
    return _texte(valeur)


def _libelle_xlsform(champ: dict, valeur_xml: str, choix: dict) -> str:
    if champ["type"].startswith("select_one ") and valeur_xml:
        return dict(choix[champ["type"].split()[1]])[valeur_xml]
    return valeur_xml


# --------------------------------------------------------------------------
# KoboToolbox


def _uuid(rng) -> str:
    h = "".join(rng.choice(list("0123456789abcdef"), 32))
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def _csv_kobo(lignes: list[list[str]]) -> bytes:
    """formpack `Export.to_csv` : chaque champ entre guillemets (guillemets doublés), « ; » ; kpi : CRLF, UTF-8."""
    return "".join(";".join('"' + str(v).replace('"', '""') + '"' for v in rangee) + "\r\n"
                   for rangee in lignes).encode("utf-8")


def _soumissions_instances(inst: pd.DataFrame, rng) -> tuple[list[dict], dict]:
    """Les soumissions des instances, dans l'ordre d'arrivée, avec les parasites du terrain."""
    debut = datetime(2025, 4, 7, 9, 0, 0)
    soumissions = []
    for i, rangee in enumerate(inst.to_dict("records")):
        soumissions.append({"rangee": rangee, "uuid": _uuid(rng), "heure": debut + timedelta(hours=7 * i + 3),
                            "statut": "validation_status_approved" if i % 3 == 0 else ""})
    # une soumission d'essai de l'équipe, non approuvée, arrivée avant la collecte
    essai = dict(inst.iloc[0].to_dict(), id_instance="ESSAI-001", nb_membres=3, nb_realisations=0)
    soumissions.insert(0, {"rangee": essai, "uuid": _uuid(rng), "heure": datetime(2025, 4, 2, 16, 45, 0),
                           "statut": "validation_status_not_approved"})
    # une table hors du champ de l'enquête (écartée à la main dans jeu.yml)
    hors = dict(inst.iloc[4].to_dict(), id_instance="BSL-999")
    soumissions.insert(12, {"rangee": hors, "uuid": _uuid(rng), "heure": soumissions[11]["heure"] + timedelta(minutes=20),
                            "statut": ""})
    # BSL-004 envoyée deux fois sous le même _uuid ; le second envoi (gardé) corrige nb_realisations
    premiere = next(s for s in soumissions if s["rangee"]["id_instance"] == "BSL-004")
    corrigee = dict(premiere["rangee"])
    premiere["rangee"] = dict(corrigee, nb_realisations=int(corrigee["nb_realisations"]) + 5)
    soumissions.insert(20, {"rangee": corrigee, "uuid": premiere["uuid"],
                            "heure": soumissions[19]["heure"] + timedelta(minutes=5), "statut": ""})
    return soumissions, {"essai": "ESSAI-001", "hors_champ": "BSL-999", "renvoi": "BSL-004"}


def _lignes_kobo_csv(champs, choix, soumissions, rng) -> list[list[str]]:
    copies = ["_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by",
              "_tags", "_index"]
    lignes = [[c["chemin"] for c in champs] + ["__version__"] + copies]
    for k, s in enumerate(soumissions, start=1):
        valeurs = [_valeur_xlsform(c, s["rangee"], choix, rng) for c in champs]
        lignes.append(valeurs + ["vQd2kPb8sV3uRsh6yH9", str(40_212_300 + k), s["uuid"],
                                 s["heure"].isoformat(), s["statut"], "[]", "submitted_via_web", "", "[]", str(k)])
    return lignes


PARTICIPANT_ENVOYE_DEUX_FOIS = "BSL-R0058"
# Les lignes parasites de chaque jeu (identifiant, règle qui doit l'écarter) : ce que les exclusions doivent trouver.
PARASITES = {
    KOBO: {"instances": [("ESSAI-001", "exclusions.non_approuvees"), ("BSL-999", "exclusions.lignes[1]"),
                         ("BSL-004", "exclusions.doublons")],
           "participants": [("ESSAI-R1", "l'exclusion de leur instance"), ("ESSAI-R2", "l'exclusion de leur instance"),
                            ("ESSAI-R9", "exclusions.non_approuvees"),
                            (PARTICIPANT_ENVOYE_DEUX_FOIS, "exclusions.doublons")]},
    LIMESURVEY: {"instances": [("TEST", "exclusions.lignes[1]"), ("BSLE-006", "exclusions.incompletes")],
                 "participants": [("BSLE-R0999", "exclusions.incompletes")]},
}


def _soumissions_participants(part: pd.DataFrame, rng) -> tuple[list[dict], dict]:
    debut = datetime(2025, 4, 14, 10, 0, 0)
    soumissions = []
    for i, rangee in enumerate(part.to_dict("records")):
        soumissions.append({"rangee": dict(rangee), "uuid": _uuid(rng), "heure": debut + timedelta(minutes=95 * i),
                            "statut": "Approved" if i % 4 == 0 else ""})
    # codes d'instance saisis à la main par les répondants
    saisies = {}
    for position, forme in ((3, str.lower), (17, lambda c: c.replace("-", " - ")), (29, str.lower)):
        rangee = soumissions[position]["rangee"]
        saisies[rangee["id_repondant"]] = rangee["id_instance"] = forme(rangee["id_instance"])
    # deux participants de la table d'essai (l'un tape son code en minuscules)
    for j, code in enumerate(("ESSAI-001", "essai-001")):
        essai = dict(part.iloc[j].to_dict(), id_repondant=f"ESSAI-R{j + 1}", id_instance=code)
        soumissions.insert(j, {"rangee": essai, "uuid": _uuid(rng), "heure": datetime(2025, 4, 3, 11, 5 + j),
                               "statut": ""})
    # un participant d'essai, non approuvé, sur une vraie table
    essai_r = dict(part.iloc[5].to_dict(), id_repondant="ESSAI-R9")
    soumissions.insert(40, {"rangee": essai_r, "uuid": _uuid(rng), "heure": soumissions[39]["heure"],
                            "statut": "Not Approved"})
    # un participant envoyé deux fois (même _uuid, même contenu, 40 secondes d'écart)
    k = next(i for i, s in enumerate(soumissions) if s["rangee"]["id_repondant"] == PARTICIPANT_ENVOYE_DEUX_FOIS)
    soumissions.insert(k + 1, dict(soumissions[k], heure=soumissions[k]["heure"] + timedelta(seconds=40)))
    return soumissions, saisies


def _classeur_kobo(entetes: list[str], lignes: list[list], feuille: str) -> bytes:
    """Classeur .xlsx d'un export Kobo « Labels » ; dates et nombres gardés en dates et en nombres."""
    import openpyxl

    classeur = openpyxl.Workbook()
    onglet = classeur.active
    onglet.title = feuille[:31]
    onglet.append(entetes)
    for rangee in lignes:
        onglet.append(rangee)
    classeur.properties.creator = "KoboToolbox (simulé)"
    classeur.properties.created = classeur.properties.modified = datetime(2025, 6, 2)
    tampon = io.BytesIO()
    classeur.save(tampon)
    return _zip_deterministe(tampon.getvalue())


def _zip_deterministe(octets: bytes) -> bytes:
    entree, sortie = zipfile.ZipFile(io.BytesIO(octets)), io.BytesIO()
    with zipfile.ZipFile(sortie, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in entree.infolist():
            fixe = zipfile.ZipInfo(info.filename, date_time=(2025, 6, 2, 0, 0, 0))
            fixe.compress_type = zipfile.ZIP_DEFLATED
            contenu = entree.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl y écrit l'heure de l'enregistrement
                contenu = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2025-06-02T00:00:00Z", contenu)
            zout.writestr(fixe, contenu)
    return sortie.getvalue()


def _nombre_xlsx(champ: dict, valeur: str):
    if valeur and champ["type"] in ("integer", "decimal"):
        return int(valeur) if champ["type"] == "integer" else float(valeur)
    return valeur or None


def _lignes_kobo_xlsx(champs, choix, soumissions, rng) -> tuple[list[str], list[list]]:
    entetes = [c["libelle"] for c in champs] + ["__version__", "_id", "_uuid", "_submission_time",
                                                "_validation_status", "_notes", "_status", "_submitted_by",
                                                "_tags", "_index"]
    lignes = []
    for k, s in enumerate(soumissions, start=1):
        valeurs = [_nombre_xlsx(c, _libelle_xlsform(c, _valeur_xlsform(c, s["rangee"], choix, rng), choix))
                   for c in champs]
        lignes.append(valeurs + ["vHx7Ts3nQ1cWd0Lk2Pz", 40_213_000 + k, s["uuid"], s["heure"], s["statut"] or None,
                                 "[]", "submitted_via_web", None, "[]", k])
    return entetes, lignes


# --------------------------------------------------------------------------
# LimeSurvey


def _entetes_limesurvey(structure: list[dict]) -> list[tuple[str, str | None, dict]]:
    """(en-tête de l'export, question, codes de réponse : texte -> code) de chaque colonne de réponse."""
    colonnes, question, type_q = [], None, None
    reponses: dict[str, dict[str, str]] = {}
    for r in structure:
        if r["class"] == "Q":
            question, type_q = r["name"], r["type/scale"]
            reponses[question] = {}
            if type_q != "F":
                colonnes.append((question, question))
        elif r["class"] == "SQ":
            colonnes.append((f"{question}[{r['name']}]", question))
        elif r["class"] == "A":
            reponses[question][r["text"]] = r["name"]
    return [(entete, q, reponses[q]) for entete, q in colonnes]


def _valeur_limesurvey(q: questionnaire.Question | None, rangee: dict, codes: dict, rng) -> str:
    """Réponse telle que LimeSurvey l'exporte en « codes de réponse » : code de la réponse (trouvé par son
    texte dans la structure), Y/N pour une question oui/non, nombre ou texte sinon."""
    if q is None:
        return ""
    if q.pertinence:
        return str(rng.choice(AUTRES)) if _texte(rangee.get(q.pertinence[0])) == q.pertinence[1] else ""
    valeur = rangee.get(q.nom)
    if valeur is None or (not isinstance(valeur, str) and pd.isna(valeur)):
        return ""
    if q.genre == "booleen":
        return "Y" if valeur else "N"
    if q.choix:
        code = valeur if q.nom != "territoire" else questionnaire.normaliser_nom(valeur)
        return codes[dict(q.choix)[_texte(code)]]
    return _texte(valeur)


def _csv_limesurvey(lignes: list[list[str]]) -> bytes:
    """CsvWriter de LimeSurvey : BOM UTF-8, champs entre guillemets (guillemets doublés), CRLF, ligne vide finale."""
    corps = "".join(",".join('"' + str(v).replace('"', '""') + '"' for v in rangee) + "\r\n" for rangee in lignes)
    return b"\xef\xbb\xbf" + (corps + "\r\n").encode("utf-8")


def _export_limesurvey(table: str, tableau: pd.DataFrame, territoires: list[str], parasites: list[dict],
                       rng) -> bytes:
    """Export des réponses ; `parasites` : réponses à insérer {position, rangee, incomplete, id}."""
    structure = _structure_limesurvey(table, territoires)
    colonnes = _entetes_limesurvey(structure)
    par_code = {questionnaire.code_limesurvey(q.nom): q for q in questionnaire.questions(table, territoires=territoires)}
    par_sous_question = {f"accord[{questionnaire.code_limesurvey(q.nom)}]": q
                         for q in questionnaire.questions(table) if q.section == "accord"}
    reponses = [{"rangee": r, "incomplete": False} for r in tableau.to_dict("records")]
    for p in parasites:
        reponses.insert(p["position"], p)
    lignes = [["id", "submitdate", "lastpage", "startlanguage", "seed"] + [e for e, _, _ in colonnes]]
    for k, rep in enumerate(reponses, start=1):
        identifiant = 310 + 3 * k
        heure = datetime(2025, 5, 5, 8, 30) + timedelta(minutes=47 * k)
        valeurs = []
        for entete, _, codes in colonnes:
            q = par_sous_question.get(entete) or par_code.get(entete)
            valeur = _valeur_limesurvey(q, rep["rangee"], codes, rng)
            if rep["incomplete"] and q is not None and q.section != "identification" and q.nom != "territoire":
                valeur = ""  # abandonnée après la première page
            valeurs.append(valeur)
        lignes.append([str(identifiant), "" if rep["incomplete"] else heure.strftime("%Y-%m-%d %H:%M:%S"),
                       "1" if rep["incomplete"] else "3", "fr", str(int(rng.integers(10_000_000, 99_999_999)))]
                      + valeurs)
    return _csv_limesurvey(lignes)


# --------------------------------------------------------------------------
# Les jeux


AVANT_COLLECTE = {
    KOBO: {
        "titre": "Concertations du Bas-Saint-Laurent (données SIMULÉES, exports KoboToolbox)",
        "region": "Bas-Saint-Laurent",
        "annee_enquete": ANNEE,
        "simule": True,
        "notes": "ATTENTION : aucune de ces réponses ne vient d'une vraie enquête (paquet_analyse.simulation, graine "
                 f"{GRAINE}). Populations des MRC approximatives, non vérifiées : ne pas les citer.",
        "fichiers": {"territoires": "territoires.csv"},
        "exclusions": {"lignes": [{"table": "instances", "valeur": "BSL-999",
                                   "motif": "table provinciale, hors des MRC de l'enquête, saisie par erreur"}]},
    },
    LIMESURVEY: {
        "titre": "Concertations de l'est du Bas-Saint-Laurent (données SIMULÉES, exports LimeSurvey)",
        "region": "Bas-Saint-Laurent (est)",
        "annee_enquete": ANNEE,
        "simule": True,
        "notes": "ATTENTION : aucune de ces réponses ne vient d'une vraie enquête (paquet_analyse.simulation, graine "
                 f"{GRAINE + 1}). Populations des MRC approximatives, non vérifiées : ne pas les citer.",
        "fichiers": {"territoires": "territoires.csv"},
        "exclusions": {"lignes": [{"table": "instances", "colonne": "id", "valeur": "313",
                                   "motif": "réponse d'essai de l'équipe avant le lancement de l'enquête"}]},
    },
}
NOMS_FICHIERS = {
    KOBO: {"instances": "Questionnaire sur les instances de concertation - all versions - False - "
                        "2025-06-02-14-03-11.csv",
           "participants": "Questionnaire des participantes et participants - all versions - labels - "
                           "2025-06-02-14-05-40.xlsx"},
    LIMESURVEY: {"instances": "results-survey482911.csv", "participants": "results-survey482912.csv"},
}


def _territoires_csv(terr: pd.DataFrame) -> bytes:
    return terr.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def _fabriquer_kobo(dossier: Path) -> None:
    tables = tables_propres(KOBO)
    territoires = sorted(tables["territoires"]["territoire"])
    rng = np.random.default_rng(GRAINE)
    champs, choix = _formulaire_xlsform("instances", territoires)
    soumissions, _ = _soumissions_instances(tables["instances"], rng)
    (dossier / NOMS_FICHIERS[KOBO]["instances"]).write_bytes(_csv_kobo(_lignes_kobo_csv(champs, choix, soumissions,
                                                                                         rng)))
    champs, choix = _formulaire_xlsform("participants", territoires)
    soumissions, _ = _soumissions_participants(tables["participants"], rng)
    entetes, lignes = _lignes_kobo_xlsx(champs, choix, soumissions, rng)
    (dossier / NOMS_FICHIERS[KOBO]["participants"]).write_bytes(
        _classeur_kobo(entetes, lignes, "Questionnaire des participantes et participants"))
    (dossier / "territoires.csv").write_bytes(_territoires_csv(tables["territoires"]))


def _fabriquer_limesurvey(dossier: Path) -> None:
    tables = tables_propres(LIMESURVEY)
    territoires = sorted(tables["territoires"]["territoire"])
    rng = np.random.default_rng(GRAINE + 1)
    inst, part = tables["instances"], tables["participants"]
    parasites = [
        # la table BSLE-006 commencée puis abandonnée ; elle est remplie en entier plus loin
        {"position": 4, "rangee": inst.iloc[5].to_dict(), "incomplete": True},
        # réponse d'essai de l'équipe (id LimeSurvey 313 : 1re réponse)
        {"position": 0, "rangee": dict(inst.iloc[2].to_dict(), id_instance="TEST"), "incomplete": False},
    ]
    octets = _export_limesurvey("instances", inst, territoires, parasites, rng)
    (dossier / NOMS_FICHIERS[LIMESURVEY]["instances"]).write_bytes(octets)
    part = part.copy()
    part.loc[part.index[7], "id_instance"] = part["id_instance"].iloc[7].lower()  # code saisi en minuscules
    parasites = [{"position": 11, "rangee": dict(part.iloc[30].to_dict(), id_repondant="BSLE-R0999"),
                  "incomplete": True}]
    octets = _export_limesurvey("participants", part, territoires, parasites, rng)
    (dossier / NOMS_FICHIERS[LIMESURVEY]["participants"]).write_bytes(octets)
    (dossier / "territoires.csv").write_bytes(_territoires_csv(tables["territoires"]))


def ecrire_avant_collecte(dossier: Path, nom: str) -> None:
    """Le jeu.yml que l'équipe écrit avant la collecte (territoires, titre, une exclusion nommée)."""
    texte = yaml.safe_dump(AVANT_COLLECTE[nom], allow_unicode=True, sort_keys=False, width=100)
    (dossier / "jeu.yml").write_text(texte, encoding="utf-8")


def fabriquer(racine: Path = DONNEES) -> dict[str, Path]:
    """Écrit les deux jeux sous `racine` (exports, territoires, jeu.yml complété par jeu-depuis-export)."""
    dossiers = {}
    for nom, fabrique in ((KOBO, _fabriquer_kobo), (LIMESURVEY, _fabriquer_limesurvey)):
        dossier = racine / nom
        if dossier.exists():
            shutil.rmtree(dossier)
        dossier.mkdir(parents=True)
        fabrique(dossier)
        ecrire_avant_collecte(dossier, nom)
        _, etat = jeu_depuis_export.jeu_depuis_export(dossier)
        assert etat == "complété", etat
        dossiers[nom] = dossier
    return dossiers


if __name__ == "__main__":
    for nom, dossier in fabriquer().items():
        print(f"{nom} : {', '.join(sorted(p.name for p in dossier.iterdir()))}")
