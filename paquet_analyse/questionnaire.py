"""Les questionnaires (instances, participants) tirés du dictionnaire des données.

Un seul travail : construire les formulaires à partir de `dictionnaire.yml`,
en trois formats, sans rien écrire (l'écriture passe par `sorties`) :

- XLSForm (`.xlsx`, feuilles survey / choices / settings) pour KoboToolbox,
  ODK ou SurveyCTO ;
- le format texte à tabulations de LimeSurvey (import de structure, `.txt`) ;
- une version HTML imprimable, autonome, pour les entrevues sur papier ou
  au téléphone.

Les noms de questions sont les noms des variables du dictionnaire et les noms
de choix sont ses codes : un export de ces questionnaires se relit donc sans
recodage (`python -m paquet_analyse jeu-depuis-export`). Les bornes (min, max,
entier, année de l'enquête), les réponses obligatoires (`manquant_permis:
false`) et les sauts (« Autre (précisez) ») viennent du dictionnaire.

Exemples
--------
>>> from paquet_analyse import questionnaire
>>> q = {x.nom: x for x in questionnaire.questions("instances", annee_enquete=2024)}
>>> q["annee_creation"].contrainte_xlsform()
'. >= 1950 and . <= 2024'
>>> q["initiateur_autre"].pertinence
('initiateur', 'autre')
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from . import dictionnaire
from .chargement.commun import normaliser_nom

FORMATS = ("xlsform", "limesurvey", "html")
TABLES = ("instances", "participants")
EXTENSIONS = {"xlsform": ".xlsx", "limesurvey": ".txt", "html": ".html"}
VERSION = "1"  # version des formulaires : celle du dictionnaire

# Variables du dictionnaire qui ne sont pas des questions posées (et pourquoi).
NON_POSEES = {"poids": "poids de sondage : calculé par l'équipe de recherche après la collecte"}
CODE_AUTRE = "autre"
LIBELLE_AUTRE = "Autre (précisez)"
SUFFIXE_AUTRE = "_autre"
INDICE_AUTRE = ("Texte libre : il n'est jamais analysé (colonne écartée au chargement) ; il aide seulement "
                "l'équipe à revoir ses catégories.")
OUI_NON = (("oui", "Oui"), ("non", "Non"))

# Sections des formulaires, tirées du type des variables (aucune liste de noms à tenir à jour).
SECTIONS = {
    "identification": ("Identification", {"identifiant", "texte"}),
    "questions": ("Questions", {"code", "booleen", "entier", "reel"}),
    "accord": ("Degré d'accord avec les énoncés", {"ordinal"}),
}
TITRES = {"instances": "Questionnaire sur les instances de concertation",
          "participants": "Questionnaire des participantes et participants aux instances de concertation"}
DATE_FIXE = datetime(2000, 1, 1)  # propriétés du classeur : pas d'horodatage (octets reproductibles)


@dataclass(frozen=True)
class Question:
    """Une question d'un formulaire, dans une forme neutre (commune aux trois formats)."""

    nom: str
    table: str
    genre: str  # texte, choix, booleen, entier, reel
    libelle: str
    section: str
    choix: tuple[tuple[str, str], ...] = ()
    liste: str | None = None  # nom de la liste de choix (partagée entre questions aux mêmes choix)
    minimum: float | None = None
    maximum: float | str | None = None  # nombre, ou « annee_enquete » quand l'année n'est pas connue
    min_exclu: float | None = None
    obligatoire: bool = False
    pertinence: tuple[str, str] | None = None  # posée seulement si (variable, code)
    indice: str = ""
    analysee: bool = True  # faux : texte libre jamais analysé

    def bornes_texte(self) -> str:
        """Bornes en français (« entre 1950 et 2024 »), vide s'il n'y en a pas."""
        bas = (f"au moins {self.minimum:g}" if self.minimum is not None
               else f"plus de {self.min_exclu:g}" if self.min_exclu is not None else "")
        haut = ("au plus l'année de l'enquête" if self.maximum == "annee_enquete"
                else f"au plus {self.maximum:g}" if self.maximum is not None else "")
        return " et ".join(b for b in (bas, haut) if b)

    def contrainte_xlsform(self) -> str:
        """Contrainte XLSForm (« . >= 1950 and . <= 2024 ») ; vide s'il n'y en a pas."""
        morceaux = []
        if self.minimum is not None:
            morceaux.append(f". >= {self.minimum:g}")
        if self.min_exclu is not None:
            morceaux.append(f". > {self.min_exclu:g}")
        if self.maximum == "annee_enquete":
            morceaux.append(". <= int(format-date(today(), '%Y'))")
        elif self.maximum is not None:
            morceaux.append(f". <= {self.maximum:g}")
        return " and ".join(morceaux)

    def validation_limesurvey(self) -> str:
        """Équation de validation LimeSurvey (ExpressionScript, sur le code de la question) ; une réponse vide
        reste permise."""
        code = code_limesurvey(self.nom)
        morceaux = []
        if self.minimum is not None:
            morceaux.append(f"{code} >= {self.minimum:g}")
        if self.min_exclu is not None:
            morceaux.append(f"{code} > {self.min_exclu:g}")
        if self.maximum == "annee_enquete":
            morceaux.append(f"{code} <= date('Y')")
        elif self.maximum is not None:
            morceaux.append(f"{code} <= {self.maximum:g}")
        if not morceaux:
            return ""
        return f"is_empty({code}) || ({' && '.join(morceaux)})"


def ordonner_territoires(territoires) -> list[str]:
    """Les territoires dans l'ordre des formulaires (alphabétique, accents et casse ignorés), sans doublon.

    Un seul ordre pour tous : les codes de réponse LimeSurvey du territoire (A1, A2…) en dépendent, et
    `jeu_depuis_export` les relit dans ce même ordre.
    """
    return sorted(dict.fromkeys(str(t) for t in territoires), key=lambda t: (normaliser_nom(t), t))


def _section(variable: dictionnaire.Variable) -> str:
    return next(nom for nom, (_, types) in SECTIONS.items() if variable.type in types)


def _indice(v: dictionnaire.Variable) -> str:
    morceaux = []
    if v.type == "identifiant":
        morceaux.append("Code attribué par l'équipe de recherche, unique ; jamais un nom de personne.")
    if v.reference:
        table, cle = v.reference.split(".")
        morceaux.append(f"Le code « {dictionnaire.libelle(cle)} » tel qu'inscrit dans le questionnaire « {table} ».")
    if v.nom == "id_organisation":
        morceaux.append("Code pseudonyme de l'organisation (jamais son nom).")
    if v.type == "entier":
        morceaux.append("Nombre entier.")
    if v.manquant_permis:
        morceaux.append("Laisser vide si la réponse n'est pas connue.")
    return " ".join(morceaux)


def _choix(v: dictionnaire.Variable) -> tuple[tuple[str, str], ...]:
    if v.type == "booleen":
        return OUI_NON
    return tuple((str(c), LIBELLE_AUTRE if c == CODE_AUTRE else lib) for c, lib in v.codes.items())


def _question(v: dictionnaire.Variable, *, territoires, annee_enquete) -> Question:
    genre = {"identifiant": "texte", "texte": "texte", "code": "choix", "ordinal": "choix"}.get(v.type, v.type)
    choix = _choix(v) if v.est_code or v.type == "booleen" else ()
    if v.nom == "territoire" and v.table == "instances" and territoires:
        genre, choix = "choix", tuple((normaliser_nom(t), str(t)) for t in ordonner_territoires(territoires))
    maximum = v.borne_max(annee_enquete) if v.max == "annee_enquete" and annee_enquete else v.max
    return Question(nom=v.nom, table=v.table, genre=genre, libelle=v.libelle, section=_section(v), choix=choix,
                    minimum=v.min, maximum=maximum, min_exclu=v.min_exclu, obligatoire=not v.manquant_permis,
                    indice=_indice(v))


def _nommer_listes(questions: list[Question]) -> list[Question]:
    """Une liste de choix par ensemble distinct de choix, nommée d'après sa première question."""
    from dataclasses import replace

    noms: dict[tuple, str] = {}
    sortie = []
    for q in questions:
        if q.choix:
            liste = noms.setdefault(q.choix, "oui_non" if q.choix == OUI_NON else q.nom)
            q = replace(q, liste=liste)
        sortie.append(q)
    return sortie


def questions(table: str, *, territoires: list[str] | None = None,
              annee_enquete: int | None = None) -> list[Question]:
    """Les questions d'un formulaire, dans l'ordre du dictionnaire.

    Paramètres
    ----------
    table : « instances » ou « participants ».
    territoires : noms des territoires (fichier des territoires d'un jeu) ; la question
        « territoire » devient alors une liste fermée ; sinon, une réponse texte.
    annee_enquete : borne supérieure de l'année de création ; sinon, l'année en cours
        au moment de la saisie.

    Chaque variable codée qui a un choix « autre » est suivie d'une question texte
    `<variable>_autre`, posée seulement si « Autre (précisez) » est choisi ; ce texte
    libre n'est jamais analysé (son indice le dit).
    """
    if table not in TABLES:
        raise KeyError(f"Table sans questionnaire « {table} » ; tables : {', '.join(TABLES)}.")
    sortie = []
    for v in dictionnaire.variables(table).values():
        if v.nom in NON_POSEES:
            continue
        q = _question(v, territoires=territoires, annee_enquete=annee_enquete)
        sortie.append(q)
        if any(c == CODE_AUTRE for c, _ in q.choix):
            sortie.append(Question(nom=f"{v.nom}{SUFFIXE_AUTRE}", table=table, genre="texte",
                                   libelle=f"{v.libelle} : précisez", section=q.section,
                                   pertinence=(v.nom, CODE_AUTRE), indice=INDICE_AUTRE, analysee=False))
    return _nommer_listes(sortie)


def libelles_choix(table: str, *, territoires: list[str] | None = None) -> dict[str, dict[str, str]]:
    """Par variable du formulaire : libellé du choix -> code (pour relire un export en libellés)."""
    return {q.nom: {lib: code for code, lib in q.choix} for q in questions(table, territoires=territoires)
            if q.choix}


def sections(liste: list[Question]) -> list[tuple[str, list[Question]]]:
    """Les questions regroupées par section, dans l'ordre des sections (sections vides omises)."""
    return [(s, [q for q in liste if q.section == s]) for s in SECTIONS if any(q.section == s for q in liste)]


# --------------------------------------------------------------------------
# XLSForm


COLONNES_SURVEY = ("type", "name", "label", "hint", "required", "required_message", "constraint",
                   "constraint_message", "relevant")
TYPES_XLSFORM = {"texte": "text", "entier": "integer", "reel": "decimal"}


def _ligne_xlsform(q: Question) -> dict[str, str]:
    contrainte = q.contrainte_xlsform()
    return {
        "type": f"select_one {q.liste}" if q.choix else TYPES_XLSFORM[q.genre],
        "name": q.nom, "label": q.libelle, "hint": q.indice,
        "required": "yes" if q.obligatoire else "",
        "required_message": "Réponse obligatoire." if q.obligatoire else "",
        "constraint": contrainte,
        "constraint_message": f"La réponse doit être {q.bornes_texte()}." if contrainte else "",
        "relevant": f"${{{q.pertinence[0]}}} = '{q.pertinence[1]}'" if q.pertinence else "",
    }


def _feuilles_xlsform(table: str, liste: list[Question]) -> dict[str, list[list[str]]]:
    survey = [list(COLONNES_SURVEY)]
    for section, qs in sections(liste):
        survey.append(["begin_group", section, SECTIONS[section][0]] + [""] * (len(COLONNES_SURVEY) - 3))
        survey += [[_ligne_xlsform(q)[c] for c in COLONNES_SURVEY] for q in qs]
        survey.append(["end_group", section] + [""] * (len(COLONNES_SURVEY) - 2))
    choices, vues = [["list_name", "name", "label"]], set()
    for q in liste:
        if q.choix and q.liste not in vues:
            vues.add(q.liste)
            choices += [[q.liste, code, lib] for code, lib in q.choix]
    settings = [["form_title", "form_id", "version"], [TITRES[table], f"concertation_{table}", VERSION]]
    return {"survey": survey, "choices": choices, "settings": settings}


def _octets_classeur(feuilles: dict[str, list[list[str]]]) -> bytes:
    """Un classeur .xlsx aux octets reproductibles (dates du paquet et des propriétés fixées)."""
    import openpyxl

    classeur = openpyxl.Workbook()
    classeur.remove(classeur.active)
    for nom, lignes in feuilles.items():
        feuille = classeur.create_sheet(nom)
        for ligne in lignes:
            feuille.append([v if v != "" else None for v in ligne])
    classeur.properties.creator = "paquet_analyse"
    classeur.properties.created = DATE_FIXE
    tampon = io.BytesIO()
    classeur.save(tampon)
    # openpyxl date la modification et chaque membre de l'archive au moment de l'écriture : on fixe tout.
    fixe = io.BytesIO()
    with zipfile.ZipFile(tampon) as source, zipfile.ZipFile(fixe, "w", zipfile.ZIP_DEFLATED) as cible:
        for info in source.infolist():
            donnees = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                donnees = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", donnees)
            cible.writestr(zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)), donnees,
                           compress_type=zipfile.ZIP_DEFLATED)
    return fixe.getvalue()


def xlsform(table: str, *, territoires: list[str] | None = None, annee_enquete: int | None = None) -> bytes:
    """Le formulaire XLSForm d'une table, en octets `.xlsx` (feuilles survey, choices, settings)."""
    liste = questions(table, territoires=territoires, annee_enquete=annee_enquete)
    return _octets_classeur(_feuilles_xlsform(table, liste))


# --------------------------------------------------------------------------
# LimeSurvey (structure à tabulations)
#
# Règles de LimeSurvey pour les codes (modèles de l'application, appliqués à l'import d'une structure ;
# un code qui les enfreint est renommé à l'import, et l'export des réponses ne porterait plus le nom
# attendu) :
# - code de question : commence par une lettre, lettres et chiffres seulement (application/models/
#   Question.php : motif « /^[a-z,A-Z][[:alnum:]]*$/ », « Question codes must start with a letter and may
#   only contain alphanumeric characters ») ; 20 caractères au plus (table questions, colonne title
#   string(20), installateur de LimeSurvey) ; quelques mots réservés (LANG, SID, SAVEDID, TOKEN, QID, GID,
#   SGQ, self, that, this) ;
# - code de sous-question : lettres et chiffres seulement (même modèle), 20 caractères au plus ;
# - code de réponse : 1 à 5 caractères, lettres et chiffres seulement (application/models/Answer.php :
#   « array('code', 'length', 'min' => 1, 'max' => 5) », « Answer codes may only contain alphanumeric
#   characters »).
# Format du fichier : https://manual.limesurvey.org/Tab_Separated_Value_survey_structure (une ligne par
# groupe, question, sous-question et réponse ; colonnes id, class, type/scale, name, relevance, text…).


COLONNES_LIMESURVEY = ("id", "related_id", "class", "type/scale", "name", "relevance", "text", "help", "language",
                       "validation", "mandatory", "other", "default", "same_default", "em_validation_q",
                       "em_validation_q_tip", "min_num_value_n", "max_num_value_n", "num_value_int_only")
TYPES_LIMESURVEY = {"texte": "S", "entier": "N", "reel": "N", "booleen": "Y", "choix": "L"}
LANGUE = "fr"
LONGUEUR_CODE_LIMESURVEY = 20
LONGUEUR_REPONSE_LIMESURVEY = 5
MOTIF_CODE_LIMESURVEY = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
MOTIF_SOUS_QUESTION_LIMESURVEY = re.compile(r"^[A-Za-z0-9]+$")
MOTIF_REPONSE_LIMESURVEY = re.compile(r"^[A-Za-z0-9]{1,5}$")
MOTS_RESERVES_LIMESURVEY = {"LANG", "SID", "SAVEDID", "TOKEN", "QID", "GID", "SGQ", "self", "that", "this"}
TABLEAU_ACCORD = "accord"


def code_limesurvey(nom: str) -> str:
    """Code LimeSurvey d'une variable : son nom en camelCase (lettres et chiffres), 20 caractères au plus.

    >>> code_limesurvey("annee_creation"), code_limesurvey("c3_integration_concertations")
    ('anneeCreation', 'c3IntegrationConcert')
    """
    morceaux = [m for m in nom.split("_") if m]
    code = morceaux[0] + "".join(m[:1].upper() + m[1:] for m in morceaux[1:])
    return code[:LONGUEUR_CODE_LIMESURVEY]


def _reponses(q: Question) -> dict[str, str]:
    """Code du dictionnaire -> code de réponse LimeSurvey, pour une question à choix.

    Les codes qui respectent déjà la règle (échelle d'accord 1 à 4) sont gardés ; les autres sont
    numérotés A1, A2… dans l'ordre des choix, comme LimeSurvey numérote lui-même les réponses.
    """
    codes = [c for c, _ in q.choix]
    if all(MOTIF_REPONSE_LIMESURVEY.fullmatch(c) for c in codes):
        return {c: c for c in codes}
    return {c: f"A{i}" for i, c in enumerate(codes, start=1)}


def codes_limesurvey(table: str, *, territoires: list[str] | None = None) -> dict[str, dict]:
    """La correspondance d'un export de réponses LimeSurvey de ce questionnaire vers le dictionnaire.

    Renvoie `{"colonnes": en-tête de l'export -> variable, "reponses": variable -> {code LimeSurvey -> code}}`.
    Les en-têtes sont les codes de question, et `accord[code]` pour les énoncés du tableau d'accord.
    Lève `ValueError` si deux variables donnaient le même code (le dictionnaire devrait alors être revu).
    """
    colonnes, reponses = {}, {}
    for q in questions(table, territoires=territoires):
        code = code_limesurvey(q.nom)
        entete = f"{TABLEAU_ACCORD}[{code}]" if q.section == TABLEAU_ACCORD else code
        if entete in colonnes or code in MOTS_RESERVES_LIMESURVEY:
            raise ValueError(f"Le code LimeSurvey « {code} » de « {q.nom} » est déjà pris ou réservé : "
                             "renommer la variable dans dictionnaire.yml.")
        colonnes[entete] = q.nom
        if q.choix and q.genre == "choix":
            reponses[q.nom] = {ls: code_dico for code_dico, ls in _reponses(q).items()}
    return {"colonnes": colonnes, "reponses": reponses}


def _rang(**champs) -> list[str]:
    return [str(champs.get(c.replace("/", "_"), "")) for c in COLONNES_LIMESURVEY]


def _texte_ls(texte: str) -> str:
    return texte.replace("\t", " ").replace("\n", " ")


def _pertinence_ls(q: Question, par_nom: dict[str, Question]) -> str:
    """Condition d'affichage (ExpressionScript) : sur le code de la question et le code de la réponse."""
    if not q.pertinence:
        return "1"
    variable, code = q.pertinence
    return f'{code_limesurvey(variable)} == "{_reponses(par_nom[variable])[code]}"'


def _question_ls(q: Question, numero: int, par_nom: dict[str, Question]) -> list[list[str]]:
    validation = q.validation_limesurvey()
    rangs = [_rang(id=numero, **{"class": "Q"}, type_scale=TYPES_LIMESURVEY[q.genre], name=code_limesurvey(q.nom),
                   relevance=_pertinence_ls(q, par_nom), text=_texte_ls(q.libelle), help=_texte_ls(q.indice),
                   language=LANGUE, mandatory="Y" if q.obligatoire else "N", other="N", same_default="0",
                   em_validation_q=validation,
                   em_validation_q_tip=f"La réponse doit être {q.bornes_texte()}." if validation else "",
                   min_num_value_n="" if q.minimum is None else f"{q.minimum:g}",
                   max_num_value_n=q.maximum if isinstance(q.maximum, int) else "",
                   num_value_int_only="1" if q.genre == "entier" else "")]
    if q.genre == "choix":
        rangs += [_rang(id=numero, **{"class": "A"}, type_scale="0", name=code_ls, text=_texte_ls(lib),
                        language=LANGUE)
                  for (_, lib), code_ls in zip(q.choix, _reponses(q).values())]
    return rangs


def _tableau_ls(nom: str, qs: list[Question], numero: int) -> list[list[str]]:
    """Les énoncés d'accord en un tableau LimeSurvey (type F) : sous-questions = variables, réponses 1 à 4."""
    modele = qs[0]
    rangs = [_rang(id=numero, **{"class": "Q"}, type_scale="F", name=nom, relevance="1",
                   text=_texte_ls(SECTIONS[nom][0]), help="Laisser vide si la réponse n'est pas connue.",
                   language=LANGUE, mandatory="N", other="N", same_default="0")]
    rangs += [_rang(id=numero, **{"class": "SQ"}, type_scale="0", name=code_limesurvey(q.nom), relevance="1",
                    text=_texte_ls(q.libelle), language=LANGUE) for q in qs]
    rangs += [_rang(id=numero, **{"class": "A"}, type_scale="0", name=code_ls, text=_texte_ls(lib), language=LANGUE)
              for (_, lib), code_ls in zip(modele.choix, _reponses(modele).values())]
    return rangs


def limesurvey(table: str, *, territoires: list[str] | None = None, annee_enquete: int | None = None) -> str:
    """La structure d'enquête LimeSurvey d'une table (format texte à tabulations, à importer).

    Codes de questions : noms des variables en camelCase (`idInstance`, `anneeCreation`) ; codes de
    réponses : A1, A2… (les codes du dictionnaire ne tiennent pas en 5 caractères) ; énoncés d'accord :
    un tableau (type F) `accord` dont les sous-questions portent les codes des variables, d'où les
    en-têtes `accord[c1Compromis]` de l'export. `codes_limesurvey` donne la correspondance inverse,
    que `jeu-depuis-export` applique seul.
    """
    liste = questions(table, territoires=territoires, annee_enquete=annee_enquete)
    codes_limesurvey(table, territoires=territoires)  # codes uniques et non réservés
    par_nom = {q.nom: q for q in liste}
    rangs = [list(COLONNES_LIMESURVEY),
             _rang(**{"class": "S"}, name="language", text=LANGUE),
             _rang(**{"class": "S"}, name="format", text="G"),
             _rang(**{"class": "SL"}, name="surveyls_title", text=TITRES[table], language=LANGUE),
             _rang(**{"class": "SL"}, name="surveyls_description",
                   text=f"Généré depuis le dictionnaire des données (version {VERSION}).", language=LANGUE)]
    numero = 0
    for g, (section, qs) in enumerate(sections(liste), start=1):
        rangs.append(_rang(id=g, **{"class": "G"}, name=_texte_ls(SECTIONS[section][0]), relevance="1",
                           language=LANGUE))
        if section == TABLEAU_ACCORD:
            numero += 1
            rangs += _tableau_ls(section, qs, numero)
            continue
        for q in qs:
            numero += 1
            rangs += _question_ls(q, numero, par_nom)
    return "".join("\t".join(r) + "\n" for r in rangs)


# --------------------------------------------------------------------------
# HTML imprimable


STYLE_HTML = """
body { font-family: Georgia, serif; max-width: 46em; margin: 1.5em auto; padding: 0 1em; line-height: 1.4; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; border-bottom: 1px solid #888; margin-top: 1.6em; }
.question { margin: 1em 0; page-break-inside: avoid; break-inside: avoid; }
.code { font-family: monospace; color: #555; font-size: .85em; }
.indice, .saut { font-size: .9em; color: #333; font-style: italic; }
.saut { color: #7a3e00; }
ul.choix { list-style: none; padding-left: 1.2em; margin: .3em 0; }
.case { display: inline-block; width: 1em; }
.ligne { display: inline-block; min-width: 18em; border-bottom: 1px solid #000; height: 1.2em; }
.obligatoire { color: #a00; font-weight: bold; }
@media print { body { margin: 0; max-width: none; } }
"""


def _question_html(q: Question, numero: int, par_nom: dict[str, Question]) -> str:
    e = html.escape
    etoile = ' <span class="obligatoire" title="réponse obligatoire">*</span>' if q.obligatoire else ""
    morceaux = [f'<div class="question" id="{e(q.nom)}">',
                f"<p><strong>{numero}. {e(q.libelle)}</strong>{etoile} <span class=\"code\">({e(q.nom)})</span></p>"]
    if q.pertinence:
        variable, code = q.pertinence
        choix = dict(par_nom[variable].choix)
        morceaux.append(f'<p class="saut">Poser seulement si « {e(par_nom[variable].libelle)} » = '
                        f"« {e(choix[code])} ».</p>")
    if q.choix:
        morceaux.append('<ul class="choix">' + "".join(
            f'<li><span class="case">☐</span> {e(lib)} <span class="code">[{e(code)}]</span></li>'
            for code, lib in q.choix) + "</ul>")
    else:
        bornes = q.bornes_texte()
        morceaux.append('<p><span class="ligne"></span>' + (f" <span class=\"indice\">({e(bornes)})</span>"
                                                             if bornes else "") + "</p>")
    if q.indice:
        morceaux.append(f'<p class="indice">{e(q.indice)}</p>')
    morceaux.append("</div>")
    return "\n".join(morceaux)


def html_imprimable(table: str, *, territoires: list[str] | None = None, annee_enquete: int | None = None) -> str:
    """Le questionnaire en HTML autonome (aucune ressource externe), pour le papier ou le téléphone."""
    liste = questions(table, territoires=territoires, annee_enquete=annee_enquete)
    par_nom = {q.nom: q for q in liste}
    corps, numero = [], 0
    for section, qs in sections(liste):
        corps.append(f"<h2>{html.escape(SECTIONS[section][0])}</h2>")
        for q in qs:
            numero += 1
            corps.append(_question_html(q, numero, par_nom))
    titre = html.escape(TITRES[table])
    return (
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{titre}</title>\n<style>{STYLE_HTML}</style>\n</head>\n<body>\n<h1>{titre}</h1>\n"
        "<p>Cocher une seule case par question à choix. Inscrire le code entre crochets à la saisie. "
        "Une question marquée <span class=\"obligatoire\">*</span> exige une réponse ; les autres se "
        "laissent vides si la réponse n'est pas connue. Ne jamais noter le nom d'une personne.</p>\n"
        + "\n".join(corps)
        + f"\n<p class=\"indice\">Généré depuis le dictionnaire des données (version {VERSION}).</p>\n</body>\n</html>\n"
    )


# --------------------------------------------------------------------------
# Avant la collecte : les paramètres que les formulaires tirent d'un jeu


@dataclass(frozen=True)
class ParametresJeu:
    """Ce que les formulaires prennent d'un dossier de jeu : son nom, ses territoires, l'année de l'enquête."""

    nom: str
    territoires: list[str] | None
    annee_enquete: int | None
    source: str  # d'où viennent les territoires, en une phrase


def _fichier_territoires(dossier: Path) -> Path | None:
    """Le fichier des territoires déposé sans jeu.yml : `territoires.csv` (ou .xlsx, .txt, .tsv)."""
    from .chargement import EXTENSIONS_EXCEL, EXTENSIONS_TEXTE

    trouves = [c for c in sorted(dossier.iterdir()) if c.is_file() and normaliser_nom(c.stem) == "territoires"
               and c.suffix.lower() in EXTENSIONS_TEXTE | EXTENSIONS_EXCEL]
    return trouves[0] if trouves else None


def _lire_territoires(dossier: Path, spec: dict, correspondance: dict | None) -> list[str]:
    """Les noms de territoires d'un fichier des territoires (options de lecture de jeu.yml comprises)."""
    from . import chemins
    from .chargement import noms_attendus
    from .chargement.correspondance import renommer_colonnes
    from .chargement.lecteurs import lire
    from .erreurs import ErreurJeu

    spec = dict(spec)
    cible = dossier / str(spec.pop("chemin"))
    lecture = lire(cible, attendues=noms_attendus("territoires", correspondance), **spec)
    renomme, _, _ = renommer_colonnes(lecture.tableau, "territoires", correspondance or {}, chemins.relatif(cible))
    if "territoire" not in renomme.columns or renomme["territoire"].dropna().empty:
        raise ErreurJeu(f"{chemins.relatif(cible)} : aucune colonne « territoire » remplie (en-têtes lus : "
                        f"{', '.join(map(str, lecture.tableau.columns))}). Le fichier des territoires a les "
                        "colonnes territoire, code_geo, population ; un autre nom de colonne se déclare dans "
                        "correspondance.colonnes.territoires de jeu.yml.")
    return ordonner_territoires(renomme["territoire"].dropna().astype(str))


def _spec_territoires(dossier: Path, desc: dict) -> dict | None:
    """Les options de lecture du fichier des territoires déclaré dans jeu.yml, contrôlées."""
    from pydantic import ValidationError

    from . import chemins
    from .chargement.descripteur import OptionsFichier
    from .documents_yaml import erreurs_pydantic
    from .erreurs import ErreurJeu

    spec = (desc.get("fichiers") or {}).get("territoires") if isinstance(desc.get("fichiers"), dict) else None
    if spec is None:
        return None
    spec = spec if isinstance(spec, dict) else {"chemin": spec}
    try:
        OptionsFichier.model_validate(spec, context={"dossier": dossier})
    except ValidationError as exc:
        raise ErreurJeu(f"{chemins.relatif(dossier / 'jeu.yml')} : fichiers.territoires : "
                        + " ; ".join(e.message for e in erreurs_pydantic(exc)) + ".") from None
    return {k: v for k, v in spec.items() if v is not None}


def _annee(desc: dict, dossier: Path) -> int | None:
    from . import chemins
    from .erreurs import ErreurJeu

    annee = desc.get("annee_enquete")
    if annee is None:
        return None
    if isinstance(annee, bool) or not isinstance(annee, int) or not 1950 <= annee <= 2100:
        raise ErreurJeu(f"{chemins.relatif(dossier / 'jeu.yml')} : « annee_enquete » doit être une année entière, "
                        f"par ex. 2025 (reçu « {annee} »).")
    return annee


def parametres_du_jeu(dossier: str | Path) -> ParametresJeu:
    """Territoires et année de l'enquête d'un dossier de jeu, avant comme après la collecte.

    Avant la collecte, il suffit de `jeu.yml` qui déclare `fichiers.territoires` (les autres fichiers
    peuvent ne pas exister encore ; `annee_enquete` est prise si elle y est), ou du seul fichier des
    territoires (`territoires.csv`, sans jeu.yml). Sinon, un jeu complet : les territoires de ses
    instances. Lève `ErreurJeu` (message français) si aucun de ces cas ne s'applique.
    """
    from . import chemins
    from .documents_yaml import lire_yaml
    from .erreurs import ErreurJeu

    dossier = Path(dossier)
    if not dossier.is_dir():
        raise ErreurJeu(f"Le dossier de jeu « {chemins.relatif(dossier)} » n'existe pas.")
    desc_chemin = dossier / "jeu.yml"
    desc = lire_yaml(desc_chemin, erreur=ErreurJeu) if desc_chemin.is_file() else {}
    if not isinstance(desc, dict):
        raise ErreurJeu(f"{chemins.relatif(desc_chemin)} : le descripteur doit être un dictionnaire de clés.")
    annee = _annee(desc, dossier)
    spec = _spec_territoires(dossier, desc)
    if spec is None and (fichier := _fichier_territoires(dossier)) is not None:
        spec = {"chemin": fichier.name}
    if spec is not None:
        territoires = _lire_territoires(dossier, spec, desc.get("correspondance"))
        return ParametresJeu(dossier.name, territoires, annee,
                             f"{len(territoires)} territoire(s) de {chemins.relatif(dossier / spec['chemin'])}")
    fichiers = desc.get("fichiers") if isinstance(desc.get("fichiers"), dict) else {}
    if {"instances", "participants"} <= set(fichiers):
        from .chargement import charger_jeu

        jeu = charger_jeu(dossier)  # jeu complet sans fichier des territoires : ceux des instances
        return ParametresJeu(jeu.nom, jeu.liste_territoires(), jeu.annee_enquete,
                             f"{len(jeu.liste_territoires())} territoire(s) des instances du jeu")
    raise ErreurJeu(f"{chemins.relatif(dossier)} : aucune liste de territoires (ni fichier des territoires, ni jeu "
                    "complet). Avant la collecte, y "
                    "déposer territoires.csv (colonnes territoire, code_geo, population), ou un jeu.yml qui le "
                    "déclare (fichiers: {territoires: territoires.csv}) avec annee_enquete.")


def formulaires(format: str, *, territoires: list[str] | None = None,
                annee_enquete: int | None = None) -> dict[str, bytes]:
    """Nom de fichier -> octets des deux questionnaires dans un format (`xlsform`, `limesurvey`, `html`)."""
    if format not in FORMATS:
        raise ValueError(f"Format inconnu « {format} » ; formats : {', '.join(FORMATS)}.")
    sortie = {}
    for table in TABLES:
        options = {"territoires": territoires, "annee_enquete": annee_enquete}
        if format == "xlsform":
            octets = xlsform(table, **options)
        elif format == "limesurvey":
            octets = limesurvey(table, **options).encode("utf-8")
        else:
            octets = html_imprimable(table, **options).encode("utf-8")
        sortie[f"questionnaire_{table}{EXTENSIONS[format]}"] = octets
    return sortie
