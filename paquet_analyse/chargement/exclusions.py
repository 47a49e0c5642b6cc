"""Les lignes laissées hors de l'analyse, déclarées dans `jeu.yml` (clé `exclusions`).

Un export ne se retouche jamais : une soumission d'essai, un doublon ou une
réponse incomplète s'écartent par une déclaration, et chaque ligne écartée
figure au rapport de validation (information `ligne_exclue` : fichier,
ligne, identifiant, motif) et au carnet 01.

```yaml
exclusions:
  lignes:                      # une à une, avec leur motif
    - {table: instances, valeur: BSL-999, motif: "table fictive de la formation des enquêteurs"}
    - {table: participants, colonne: _uuid, valeur: "4f1c…", motif: "consentement retiré"}
    - {table: instances, ligne: 41, motif: "ligne saisie deux fois"}
  non_approuvees: true         # KoboToolbox : _validation_status « non approuvée » ; ODK Central : ReviewState rejected
  incompletes: true            # LimeSurvey : submitdate vide (réponse jamais soumise)
  periode: {debut: 2025-03-01, fin: 2025-06-30}   # date de soumission, bornes comprises
  doublons: {colonne: _uuid, garder: derniere}    # ou premiere ; ordre : date de soumission, puis ligne
```

Ordre d'application : lignes nommées, soumissions non approuvées, réponses
incomplètes, période, puis doublons parmi les lignes qui restent (une
soumission d'essai ne peut donc pas l'emporter sur la vraie). Une colonne se
désigne par son en-tête dans l'export (`_uuid`, `submitdate`…) ou par la
variable du dictionnaire (`id_instance`). Sans `table`, une règle de
doublons porte sur chaque fichier qui a cette colonne de l'outil, ou sur la
table dont la variable est l'identifiant (jamais sur `id_instance` des
participants, où il se répète). Les participants d'une instance exclue la
suivent (`suivre_instances`), sauf si une autre ligne de la même instance
reste.

Sans règle déclarée, une soumission non approuvée ou une réponse incomplète
est analysée, mais chaque ligne est un avertissement qui dit comment
l'écarter : rien ne passe en silence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import dictionnaire
from ..erreurs import Probleme
from .commun import en_texte, normaliser_nom
from .descripteur import Exclusions, exclusions_declarees
from .entetes import (COLONNES_DATE_SOUMISSION, COLONNES_FIN_LIMESURVEY, COLONNES_STATUT, STATUTS_NON_APPROUVES,
                      premiere_presente)

REGLE = "ligne_exclue"


@dataclass
class TableLue:
    """Ce que les exclusions voient d'une table : l'export tel que lu (en-têtes de l'outil) et le texte
    normalisé (variables du dictionnaire), indexés tous deux par le numéro de ligne du fichier."""

    table: str
    fichier: str
    lu: pd.DataFrame
    brut: pd.DataFrame

    def identifiants(self) -> pd.Series:
        cle = dictionnaire.cle(self.table)
        if cle in self.brut.columns:
            return self.brut[cle]
        return pd.Series(pd.NA, index=self.brut.index, dtype=object)

    def colonne(self, nom: str) -> tuple[str, pd.Series] | None:
        """(nom affiché, colonne) : en-tête de l'export (exact, sinon sans casse ni accents), ou variable."""
        entete = premiere_presente([nom], self.lu.columns)
        if entete is not None:
            colonne = self.lu[entete]
            return entete, (colonne.iloc[:, 0] if isinstance(colonne, pd.DataFrame) else colonne)
        variable = normaliser_nom(nom)
        if variable in self.brut.columns:
            return variable, self.brut[variable]
        return None


class _Exclusion:
    """Accumule les lignes exclues d'une table (la première règle qui écarte une ligne la nomme)."""

    def __init__(self, tables: dict[str, TableLue]):
        self.tables = tables
        self.exclues: dict[str, dict[int, Probleme]] = {t: {} for t in tables}

    def restantes(self, table: str) -> pd.Index:
        index = self.tables[table].brut.index
        return index[~index.isin(list(self.exclues[table]))]

    def exclure(self, table: str, ligne: int, *, colonne: str | None, motif: str, cle: str) -> None:
        if ligne in self.exclues[table]:
            return
        lue = self.tables[table]
        identifiant = lue.identifiants().get(ligne, pd.NA)
        self.exclues[table][int(ligne)] = Probleme(
            lue.fichier, int(ligne), colonne, None if pd.isna(identifiant) else str(identifiant), REGLE,
            f"ligne exclue de l'analyse : {motif}.",
            f"Rien à corriger : exclusion déclarée dans jeu.yml ({cle}) ; le fichier brut reste intact. Pour "
            "garder cette ligne, retirer la déclaration.", gravite="information")


def _texte(valeur) -> str:
    return "" if valeur is None or (not isinstance(valeur, str) and pd.isna(valeur)) else str(en_texte(valeur))


def _dates(serie: pd.Series) -> pd.Series:
    """Dates de soumission (UTC) ; une valeur illisible devient NaT.

    `format="mixed"` : Kobo écrit « 2025-05-02T14:03:11 », ODK Central « …Z », LimeSurvey « 2025-05-02 14:03:11 ».
    """
    return pd.to_datetime(serie.astype("string"), errors="coerce", utc=True, format="mixed")


def _probleme_regle(fichier_jeu: str, cle: str, message: str, correction: str, *, grave: bool) -> Probleme:
    """Une règle d'exclusion qui ne peut pas s'appliquer : erreur (elle désigne une colonne ou une table
    absente : ce qu'elle devait écarter resterait), ou avertissement (elle n'a rien à écarter)."""
    return Probleme(fichier_jeu, None, cle, None, "exclusion_impossible" if grave else "exclusion_sans_effet",
                    message, correction, gravite="erreur" if grave else "avertissement")


def _lignes(ex: _Exclusion, regles: Exclusions, fichier_jeu: str) -> list[Probleme]:
    problemes = []
    for k, decl in enumerate(regles.lignes):
        cle = f"exclusions.lignes[{k + 1}]"
        if decl.table not in ex.tables:
            problemes.append(_probleme_regle(fichier_jeu, cle, f"{cle} nomme la table {decl.table}, sans fichier dans ce jeu.",
                                           "Retirer cette exclusion, ou déclarer le fichier de la table.", grave=True))
            continue
        lue = ex.tables[decl.table]
        if decl.ligne is not None:
            if decl.ligne in lue.brut.index:
                ex.exclure(decl.table, decl.ligne, colonne=None, motif=decl.motif, cle=cle)
            else:
                problemes.append(Probleme(
                    fichier_jeu, None, cle, str(decl.ligne), "exclusion_sans_ligne",
                    f"{cle} écarte la ligne {decl.ligne} de {lue.fichier}, qui n'est pas une ligne de données.",
                    "Vérifier le numéro (l'en-tête est la ligne 1 d'un CSV) ; la retirer si elle ne sert plus.",
                    gravite="avertissement"))
            continue
        nom = decl.colonne or dictionnaire.cle(decl.table)
        trouvee = lue.colonne(nom)
        if trouvee is None:
            problemes.append(_probleme_regle(
                fichier_jeu, cle, f"{cle} désigne la colonne « {nom} », absente de {lue.fichier}.",
                "Recopier exactement l'en-tête de l'export (par ex. _uuid, KEY, id) ou le nom de la variable.",
                grave=True))
            continue
        entete, colonne = trouvee
        valeur = _texte(decl.valeur)
        touchees = colonne.index[colonne.map(_texte).eq(valeur).to_numpy()]
        for ligne in touchees:
            ex.exclure(decl.table, ligne, colonne=entete, motif=decl.motif, cle=cle)
        if not len(touchees):
            problemes.append(Probleme(
                fichier_jeu, None, cle, valeur, "exclusion_sans_ligne",
                f"{cle} écarte « {valeur} » (colonne « {entete} » de {lue.fichier}), valeur qu'aucune ligne ne porte.",
                "Recopier exactement la valeur de l'export (casse, espaces) ; retirer l'exclusion si elle ne sert plus.",
                gravite="avertissement"))
    return problemes


def _statut(ex: _Exclusion, regles: Exclusions, fichier_jeu: str) -> list[Probleme]:
    """Soumissions non approuvées (Kobo) ou rejetées (ODK Central) : exclues si la règle est déclarée,
    sinon un avertissement par ligne."""
    problemes, vue = [], False
    for table, lue in ex.tables.items():
        entete = premiere_presente(COLONNES_STATUT, lue.lu.columns)
        if entete is None:
            continue
        vue = True
        brutes = lue.colonne(entete)[1]
        statuts = brutes.map(lambda v: normaliser_nom(_texte(v)))
        for ligne in ex.restantes(table):
            if statuts.get(ligne) not in STATUTS_NON_APPROUVES:
                continue
            brut = _texte(brutes.at[ligne])
            if regles.non_approuvees:
                ex.exclure(table, ligne, colonne=entete, cle="exclusions.non_approuvees",
                           motif=f"soumission « {brut} » dans l'outil de collecte ({entete})")
            else:
                problemes.append(Probleme(
                    lue.fichier, int(ligne), entete, brut, "soumission_non_approuvee",
                    "soumission marquée non approuvée (ou rejetée) dans l'outil de collecte, analysée quand même.",
                    "Pour l'écarter sans retoucher l'export, déclarer exclusions: {non_approuvees: true} dans "
                    "jeu.yml ; sinon changer son statut dans l'outil.", gravite="avertissement"))
    if regles.non_approuvees and not vue:
        problemes.append(_probleme_regle(
            fichier_jeu, "exclusions.non_approuvees", "exclusions.non_approuvees est déclarée, mais aucun fichier n'a "
            "de colonne de statut (_validation_status de KoboToolbox, ReviewState d'ODK Central) : rien n'est exclu.",
            "Exporter avec cette colonne, ou retirer la règle.", grave=False))
    return problemes


def _incompletes(ex: _Exclusion, regles: Exclusions, fichier_jeu: str) -> list[Probleme]:
    """Réponses LimeSurvey jamais soumises (submitdate vide)."""
    problemes, vue = [], False
    for table, lue in ex.tables.items():
        entete = premiere_presente(COLONNES_FIN_LIMESURVEY, lue.lu.columns)
        if entete is None:
            continue
        vue = True
        fins = lue.colonne(entete)[1].map(_texte)
        for ligne in ex.restantes(table):
            if fins.get(ligne, "x") != "":
                continue
            if regles.incompletes:
                ex.exclure(table, ligne, colonne=entete, cle="exclusions.incompletes",
                           motif=f"réponse incomplète, jamais soumise ({entete} vide)")
            else:
                problemes.append(Probleme(
                    lue.fichier, int(ligne), entete, None, "reponse_incomplete",
                    f"réponse incomplète ({entete} vide : jamais soumise), analysée quand même.",
                    "Pour l'écarter sans retoucher l'export, déclarer exclusions: {incompletes: true} dans jeu.yml.",
                    gravite="avertissement"))
    if regles.incompletes and not vue:
        problemes.append(_probleme_regle(
            fichier_jeu, "exclusions.incompletes", "exclusions.incompletes est déclarée, mais aucun fichier n'a de "
            "colonne submitdate (LimeSurvey) : rien n'est exclu.", "Retirer la règle, ou exporter avec submitdate.",
            grave=False))
    return problemes


def _colonne_date(lue: TableLue, nom: str | None) -> tuple[str, pd.Series] | None:
    if nom:
        return lue.colonne(nom)
    entete = premiere_presente(COLONNES_DATE_SOUMISSION, lue.lu.columns)
    return None if entete is None else lue.colonne(entete)


def _periode(ex: _Exclusion, regles: Exclusions, fichier_jeu: str) -> list[Probleme]:
    periode = regles.periode
    if periode is None:
        return []
    bornes = f"du {periode.debut or '…'} au {periode.fin or '…'}"
    problemes, vue = [], False
    for table, lue in ex.tables.items():
        trouvee = _colonne_date(lue, periode.colonne)
        if trouvee is None:
            continue
        vue = True
        entete, colonne = trouvee
        dates = _dates(colonne)
        for ligne in ex.restantes(table):
            date = dates.get(ligne, pd.NaT)
            if pd.isna(date):
                if _texte(colonne.get(ligne)):
                    problemes.append(Probleme(
                        lue.fichier, int(ligne), entete, _texte(colonne.get(ligne)), "date_illisible",
                        "date de soumission illisible : la ligne est gardée, faute de pouvoir la situer dans la "
                        "période déclarée.", "Vérifier la colonne de date de l'export (AAAA-MM-JJ).",
                        gravite="avertissement"))
                continue
            jour = date.date()
            if (periode.debut and jour < periode.debut) or (periode.fin and jour > periode.fin):
                ex.exclure(table, ligne, colonne=entete, cle="exclusions.periode",
                           motif=f"soumise le {jour.isoformat()}, hors de la période déclarée ({bornes})")
    if not vue:
        quoi = (f"la colonne « {periode.colonne} »" if periode.colonne
                else "une date de soumission (_submission_time, SubmissionDate, submitdate)")
        problemes.append(_probleme_regle(fichier_jeu, "exclusions.periode",
                                       f"exclusions.periode : aucun fichier n'a {quoi}.",
                                       "Nommer la colonne de date dans exclusions.periode.colonne.", grave=True))
    return problemes


def _tables_doublons(ex: _Exclusion, regle) -> list[str]:
    if regle.table:
        return [regle.table] if regle.table in ex.tables else []
    variable = normaliser_nom(regle.colonne)
    tables = []
    for table, lue in ex.tables.items():
        if premiere_presente([regle.colonne], lue.lu.columns) is not None and variable not in dictionnaire.variables(table):
            tables.append(table)  # colonne de l'outil (_uuid, KEY…) : unique par soumission dans chaque fichier
        elif dictionnaire.cle(table) == variable:
            tables.append(table)
    return tables


def _doublons(ex: _Exclusion, regles: Exclusions, fichier_jeu: str) -> list[Probleme]:
    problemes = []
    for k, regle in enumerate(regles.doublons):
        cle = f"exclusions.doublons[{k + 1}]" if len(regles.doublons) > 1 else "exclusions.doublons"
        tables = [t for t in _tables_doublons(ex, regle) if ex.tables[t].colonne(regle.colonne) is not None]
        if not tables:
            problemes.append(_probleme_regle(
                fichier_jeu, cle, f"{cle} porte sur la colonne « {regle.colonne} », absente des fichiers"
                + (f" de la table {regle.table}." if regle.table else "."),
                "Recopier exactement l'en-tête de l'export (_uuid, KEY, id) ou le nom d'une variable identifiant "
                "(id_instance, id_repondant).", grave=True))
            continue
        for table in tables:
            problemes += _doublons_table(ex, table, regle, cle)
    return problemes


def _doublons_table(ex: _Exclusion, table: str, regle, cle: str) -> list[Probleme]:
    lue = ex.tables[table]
    entete, colonne = lue.colonne(regle.colonne)
    restantes = ex.restantes(table)
    valeurs = colonne.loc[restantes].map(_texte)
    date = _colonne_date(lue, regle.date)
    if regle.date and date is None:
        return [Probleme(lue.fichier, None, f"{cle}.date", regle.date, "exclusion_impossible",
                         f"{cle} ordonne les soumissions par la colonne « {regle.date} », absente de ce fichier : "
                         "aucun doublon n'est écarté.",
                         "Recopier exactement l'en-tête de la date de soumission de l'export (_submission_time, "
                         "SubmissionDate, submitdate), ou retirer « date » pour l'ordre du fichier.")]
    dates = _dates(date[1]).loc[restantes] if date is not None else pd.Series(pd.NaT, index=restantes)
    ordre = pd.DataFrame({"valeur": valeurs.to_numpy(), "date": dates.to_numpy(),
                          "ligne": np.asarray(restantes, dtype=np.int64)})
    ordre = ordre[ordre["valeur"] != ""]
    derniere = regle.garder == "derniere"
    # La soumission gardée : la plus récente (ou la plus ancienne) ; à date égale ou inconnue, l'ordre du fichier.
    ordre = ordre.sort_values(["date", "ligne"], na_position="first" if derniere else "last", kind="stable")
    qui = "la plus récente" if derniere else "la plus ancienne"
    par_date = f", d'après {date[0]}" if date is not None else ", d'après l'ordre du fichier"
    for valeur, groupe in ordre.groupby("valeur", sort=False):
        if len(groupe) < 2:
            continue
        gardee = int(groupe["ligne"].iloc[-1 if derniere else 0])
        for ligne in groupe["ligne"]:
            if int(ligne) != gardee:
                ex.exclure(table, int(ligne), colonne=entete, cle=cle,
                           motif=f"doublon de {entete} « {valeur} » : la soumission de la ligne {gardee} ({qui}"
                                 f"{par_date}) est gardée")
    return []


def lignes_exclues(tables: dict[str, TableLue], desc: dict, *,
                   fichier_jeu: str) -> tuple[dict[str, dict[int, Probleme]], list[Probleme]]:
    """Les lignes exclues de chaque table (numéro de ligne -> information `ligne_exclue`), et les problèmes
    des règles elles-mêmes (colonne absente : erreur ; règle ou valeur sans effet, soumission non
    approuvée ou réponse incomplète non exclues : avertissements)."""
    regles = exclusions_declarees(desc)
    ex = _Exclusion(tables)
    problemes = []
    for etape in (_lignes, _statut, _incompletes, _periode, _doublons):
        problemes += etape(ex, regles, fichier_jeu)
    return ex.exclues, problemes


def suivre_instances(tables: dict[str, TableLue], exclues: dict[str, dict[int, Probleme]]) -> dict[int, Probleme]:
    """Les participants des instances exclues (dont aucune autre ligne ne reste) : exclus à leur tour."""
    if not {"instances", "participants"} <= set(tables):
        return {}
    instances, participants = tables["instances"], tables["participants"]
    if "id_instance" not in instances.brut.columns or "id_instance" not in participants.brut.columns:
        return {}
    ids = instances.brut["id_instance"].map(_texte)
    gardees = set(ids.drop(index=list(exclues["instances"])))
    motifs = {}
    for ligne, probleme in exclues["instances"].items():
        if ids.get(ligne, "") and ids[ligne] not in gardees:
            motifs.setdefault(ids[ligne], probleme.message.removeprefix("ligne exclue de l'analyse : ").rstrip("."))
    suivies = {}
    references = participants.brut["id_instance"].map(_texte)
    for ligne, ref in references.items():
        if ref in motifs and ligne not in exclues["participants"]:
            suivies[int(ligne)] = Probleme(
                participants.fichier, int(ligne), "id_instance", _texte(participants.identifiants().get(ligne)) or None,
                REGLE, f"ligne exclue de l'analyse : participant de l'instance « {ref} », elle-même exclue "
                f"({motifs[ref]}).", "Rien à corriger : les participants suivent l'exclusion de leur instance "
                "(jeu.yml, exclusions) ; le fichier brut reste intact.", gravite="information")
    return suivies
