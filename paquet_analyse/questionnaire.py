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
        """Équation de validation LimeSurvey (Expression Manager) ; une réponse vide reste permise."""
        morceaux = []
        if self.minimum is not None:
            morceaux.append(f"{self.nom} >= {self.minimum:g}")
        if self.min_exclu is not None:
            morceaux.append(f"{self.nom} > {self.min_exclu:g}")
        if self.maximum == "annee_enquete":
            morceaux.append(f"{self.nom} <= date('Y')")
        elif self.maximum is not None:
            morceaux.append(f"{self.nom} <= {self.maximum:g}")
        if not morceaux:
            return ""
        return f"is_empty({self.nom}) || ({' && '.join(morceaux)})"


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
        genre, choix = "choix", tuple((normaliser_nom(t), str(t)) for t in territoires)
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


COLONNES_LIMESURVEY = ("id", "related_id", "class", "type/scale", "name", "relevance", "text", "help", "language",
                       "validation", "mandatory", "other", "default", "same_default", "em_validation_q",
                       "em_validation_q_tip", "min_num_value_n", "max_num_value_n", "num_value_int_only")
TYPES_LIMESURVEY = {"texte": "S", "entier": "N", "reel": "N", "booleen": "Y", "choix": "L"}
LANGUE = "fr"


def _rang(**champs) -> list[str]:
    return [str(champs.get(c.replace("/", "_"), "")) for c in COLONNES_LIMESURVEY]


def _texte_ls(texte: str) -> str:
    return texte.replace("\t", " ").replace("\n", " ")


def _question_ls(q: Question, numero: int) -> list[list[str]]:
    pertinence = f'{q.pertinence[0]} == "{q.pertinence[1]}"' if q.pertinence else "1"
    validation = q.validation_limesurvey()
    rangs = [_rang(id=numero, **{"class": "Q"}, type_scale=TYPES_LIMESURVEY[q.genre], name=q.nom,
                   relevance=pertinence, text=_texte_ls(q.libelle), help=_texte_ls(q.indice), language=LANGUE,
                   mandatory="Y" if q.obligatoire else "N", other="N", same_default="0",
                   em_validation_q=validation,
                   em_validation_q_tip=f"La réponse doit être {q.bornes_texte()}." if validation else "",
                   min_num_value_n="" if q.minimum is None else f"{q.minimum:g}",
                   max_num_value_n=q.maximum if isinstance(q.maximum, int) else "",
                   num_value_int_only="1" if q.genre == "entier" else "")]
    if q.genre == "choix":
        rangs += [_rang(id=numero, **{"class": "A"}, type_scale="0", name=code, text=_texte_ls(lib),
                        language=LANGUE) for code, lib in q.choix]
    return rangs


def _tableau_ls(nom: str, qs: list[Question], numero: int) -> list[list[str]]:
    """Les énoncés d'accord en un tableau LimeSurvey (type F) : sous-questions = variables, réponses 1 à 4."""
    modele = qs[0]
    rangs = [_rang(id=numero, **{"class": "Q"}, type_scale="F", name=nom, relevance="1",
                   text=_texte_ls(SECTIONS[nom][0]), help="Laisser vide si la réponse n'est pas connue.",
                   language=LANGUE, mandatory="N", other="N", same_default="0")]
    rangs += [_rang(id=numero, **{"class": "SQ"}, type_scale="0", name=q.nom, relevance="1",
                    text=_texte_ls(q.libelle), language=LANGUE) for q in qs]
    rangs += [_rang(id=numero, **{"class": "A"}, type_scale="0", name=code, text=_texte_ls(lib), language=LANGUE)
              for code, lib in modele.choix]
    return rangs


def limesurvey(table: str, *, territoires: list[str] | None = None, annee_enquete: int | None = None) -> str:
    """La structure d'enquête LimeSurvey d'une table (format texte à tabulations, à importer).

    Codes de questions = noms des variables ; codes de réponses = codes du dictionnaire.
    Les énoncés d'accord forment un tableau (type F) dont les sous-questions portent les
    noms des variables : l'export LimeSurvey les nomme alors `accord[c1_compromis]`, etc.
    """
    liste = questions(table, territoires=territoires, annee_enquete=annee_enquete)
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
        if section == "accord":
            numero += 1
            rangs += _tableau_ls(section, qs, numero)
            continue
        for q in qs:
            numero += 1
            rangs += _question_ls(q, numero)
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
