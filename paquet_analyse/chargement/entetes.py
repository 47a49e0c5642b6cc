"""Les en-têtes des outils de collecte : préfixes de groupe, sous-questions, métadonnées.

Conventions documentées par les outils eux-mêmes (vérifiées dans leur
documentation et leur code d'export) :

- KoboToolbox, export « XML values and headers » : en-tête = nom de la
  question, précédé de ses groupes quand « Include groups in headers » est
  coché, séparés par le séparateur de groupe (`/` par défaut, réglable :
  `-`, `.`…) ; une question `select_multiple` donne une colonne de résumé
  `q` et une colonne par choix `q/choix` (valeurs 1/0) ; les métadonnées de
  la plateforme suivent les questions : `_id`, `_uuid`, `_submission_time`,
  `_validation_status`, `_notes`, `_status`, `_submitted_by`, `__version__`,
  `_tags`, `_index` (groupes répétés : `_parent_index`,
  `_parent_table_name`). Sources :
  https://support.kobotoolbox.org/export_download.html,
  https://support.kobotoolbox.org/advanced_export.html, et le code d'export
  (kobotoolbox/kpi `kpi/models/import_export_task.py`, `COPY_FIELDS` ;
  kobotoolbox/formpack `reporting/export.py`, `schema/fields.py`) ;
- ODK Central / Briefcase : groupes séparés par `-` (`meta-instanceID`),
  colonnes `SubmissionDate` (en tête), `KEY`, `SubmitterID`,
  `SubmitterName`, `AttachmentsPresent`, `AttachmentsExpected`, `Status`,
  `ReviewState`, `DeviceID`, `Edits`, `FormVersion`. Sources :
  https://docs.getodk.org/central-submissions/ et
  getodk/briefcase `docs/export-format.md` (« separated by a `-` ») ;
- LimeSurvey, export des réponses en « codes de question » : sous-question
  d'un tableau `question[sous_question]`, métadonnées `id`, `submitdate`
  (vide pour une réponse incomplète), `lastpage`, `startlanguage`, `seed`,
  `startdate`, `datestamp`, `token`, `ipaddr`, `refurl` ; en « texte complet
  des questions », les mêmes métadonnées en toutes lettres (« Response ID »,
  « Date submitted »…). Source : https://manual.limesurvey.org/Export_responses
  et LimeSurvey `application/helpers/admin/export/`.

Ces noms servent à reconnaître la ligne d'en-tête (même quand une réponse
vaut un nom de variable), à écarter les métadonnées de l'analyse en le
disant, et aux exclusions déclarées dans `jeu.yml`.

Exemples
--------
>>> candidats_nom("identification/id_instance")
['identification/id_instance', 'id_instance']
>>> candidats_nom("accord[c1_compromis]")
['c1_compromis', 'accord', 'accord[c1_compromis]']
>>> outil_de_metadonnee("_validation_status"), outil_de_metadonnee("submitdate"), outil_de_metadonnee("forme")
('KoboToolbox', 'LimeSurvey', None)
"""

from __future__ import annotations

import re

from .commun import normaliser_nom

SEPARATEURS_GROUPE = ("/", "-", ".")
# Un en-tête préfixé par ses groupes : des noms XML (lettres, chiffres, _) joints par un séparateur de groupe.
MOTIF_GROUPES = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*[/.\-])+([A-Za-z_][A-Za-z0-9_]*)$")
MOTIF_SOUS_QUESTION = re.compile(r"^(.+?)\s*\[(.+)\]$")

METADONNEES = {
    "KoboToolbox": (
        "_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by",
        "__version__", "_version_", "_tags", "_index", "_parent_index", "_parent_table_name",
        "_submission__id", "_submission__uuid", "_submission__submission_time",
        "_submission__validation_status", "_submission__notes", "_submission__status",
        "_submission__submitted_by", "_submission___version__", "_submission__tags",
        "_xform_id_string", "_attachments", "_geolocation", "_media_count", "_total_media",
        "meta/instanceID", "meta/instanceName", "meta/deprecatedID", "meta/rootUuid", "formhub/uuid",
        "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username", "audit",
    ),
    "ODK Central": (
        "SubmissionDate", "KEY", "PARENT_KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
        "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits", "FormVersion", "isValidated",
        "meta-instanceID", "meta-instanceName", "meta-deprecatedID", "instanceID",
    ),
    "LimeSurvey": (
        "id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp", "token", "ipaddr",
        "refurl", "Response ID", "Date submitted", "Last page", "Start language", "Seed", "Date started",
        "Date last action", "IP address", "Referrer URL", "ID de la réponse", "Date de soumission",
        "Dernière page", "Langue de départ", "Date de début", "Date de la dernière action", "Adresse IP",
    ),
}
# Noms exacts d'abord (Kobo distingue « _id » de « id ») ; puis les libellés, sans casse ni accents.
_EXACTS = {nom: outil for outil, noms in METADONNEES.items() for nom in noms}
_NORMES = {normaliser_nom(nom): outil for outil, noms in METADONNEES.items() for nom in noms
           if not nom.startswith("_") and not re.fullmatch(r"[a-z]+", nom)}

# Colonnes qui jouent un rôle dans les exclusions (premier nom trouvé dans le fichier).
COLONNES_DATE_SOUMISSION = ("_submission_time", "SubmissionDate", "submitdate", "Date submitted",
                            "Date de soumission", "end")
COLONNES_STATUT = ("_validation_status", "ReviewState")
COLONNES_FIN_LIMESURVEY = ("submitdate", "Date submitted", "Date de soumission")
# Statuts de validation « non approuvée » : KoboToolbox (uid et libellés de l'interface) et ODK Central
# (https://docs.getodk.org/central-api-submission-management/ : reviewState « rejected »).
STATUTS_NON_APPROUVES = {"validation_status_not_approved", "not_approved", "non_approuve", "non_approuvee",
                         "rejected", "rejete", "rejetee"}


def outil_de_metadonnee(entete) -> str | None:
    """L'outil dont l'en-tête est une colonne de métadonnées (KoboToolbox, ODK Central, LimeSurvey), ou None."""
    entete = str(entete).strip()
    if entete in _EXACTS:
        return _EXACTS[entete]
    return _NORMES.get(normaliser_nom(entete))


def candidats_nom(entete) -> list[str]:
    """Les morceaux d'un en-tête qui peuvent nommer une variable, du plus précis au plus large.

    Sous-question LimeSurvey `question[sous_question]` : la sous-question, puis la question ;
    préfixe de groupes Kobo/ODK (`groupe/variable`, `groupe-variable`, `groupe.variable`) : l'en-tête
    entier, puis le dernier nom.
    """
    entete = str(entete).strip()
    candidats = []
    sous_question = MOTIF_SOUS_QUESTION.fullmatch(entete)
    if sous_question:
        candidats += [sous_question.group(2).strip(), sous_question.group(1).strip()]
    candidats.append(entete)
    groupes = MOTIF_GROUPES.fullmatch(entete)
    if groupes and outil_de_metadonnee(entete) is None:
        candidats.append(groupes.group(1))
    return candidats


def parent_de_choix(entete, entetes) -> str | None:
    """La question `select_multiple` dont l'en-tête est une colonne de choix (`q/choix`, Kobo), ou None.

    Kobo écrit une colonne de résumé `q` et une colonne par choix `q` + séparateur + choix : une colonne
    dont le préfixe est lui-même un en-tête du fichier est une colonne de choix, pas une variable.
    """
    entete = str(entete).strip()
    presents = {str(e).strip() for e in entetes}
    for sep in SEPARATEURS_GROUPE:
        if sep in entete:
            parent = entete.rsplit(sep, 1)[0]
            if parent in presents and parent != entete:
                return parent
    return None


def reconnu(entete, attendues: set[str]) -> bool:
    """Vrai si l'en-tête nomme une colonne attendue (un de ses candidats, normalisé) ou une métadonnée d'outil."""
    if outil_de_metadonnee(entete) is not None:
        return True
    return any(normaliser_nom(c) in attendues for c in candidats_nom(entete))


def premiere_presente(noms, entetes) -> str | None:
    """Le premier nom de `noms` présent parmi les en-têtes (exact, sinon sans casse ni accents)."""
    exacts = {str(e).strip(): str(e) for e in entetes}
    normes = {normaliser_nom(e): str(e) for e in entetes}
    for nom in noms:
        if nom in exacts:
            return exacts[nom]
    for nom in noms:
        if not nom.startswith("_") and normaliser_nom(nom) in normes:
            return normes[normaliser_nom(nom)]
    return None
