"""Des octets au texte : encodage d'un fichier CSV.

L'encodage est déclaré (`encodage` dans `jeu.yml`), sinon UTF-8 (avec ou sans
BOM), UTF-16 si le fichier commence par sa marque, sinon Windows-1252. Un
fichier surtout en UTF-8 avec quelques octets Windows-1252 (fichier retouché à
la main) est lu, mais chaque ligne touchée est une erreur `encodage_mixte`.
Un encodage déclaré faux, ou un fichier binaire nommé en .csv, lève
`ErreurLecture`.
"""

from __future__ import annotations

import codecs
import contextvars
import re
from bisect import bisect_right

import pandas as pd

from ..erreurs import ErreurLecture, Probleme
from .commun import erreur_fatale

# Séquences UTF-8 du texte français courant (lettres accentuées, œ, guillemets,
# apostrophe courbe, tirets, points de suspension, euro) : quasi absentes d'un
# texte Windows-1252 (il y faudrait « Ã » ou « Â » suivis d'un symbole).
MOTIF_UTF8_FRANCAIS = re.compile(rb"[\xc2\xc3][\x80-\xbf]|\xc5[\x92\x93\xa0\xa1\xb8\xbd\xbe]"
                                 rb"|\xe2\x80[\x90-\xbf]|\xe2\x82\xac")
_REPARATIONS: contextvars.ContextVar[list | None] = contextvars.ContextVar("reparations", default=None)


def _repli_latin1(exc: UnicodeDecodeError):
    """Octets non définis en Windows-1252 (0x81, 0x8D…) : lus en Latin-1."""
    return exc.object[exc.start:exc.end].decode("latin-1"), exc.end


def _repli_cp1252(exc: UnicodeDecodeError):
    """Octets invalides en UTF-8 : lus en Windows-1252, et notés."""
    lu = exc.object[exc.start:exc.end].decode("cp1252", errors="paquet_analyse_latin1")
    notes = _REPARATIONS.get()
    if notes is not None:
        notes.append((exc.start, lu))
    return lu, exc.end


codecs.register_error("paquet_analyse_latin1", _repli_latin1)
codecs.register_error("paquet_analyse_cp1252", _repli_cp1252)


def _numeroteur_lignes(octets: bytes):
    """Fonction : position d'un octet -> numéro de ligne (1 = première)."""
    fins = [m.start() for m in re.finditer(rb"\r\n?|\n", octets)]
    return lambda position: bisect_right(fins, position - 1) + 1


def decoder(octets: bytes, encodage: str | None, fichier: str) -> tuple[str, list[tuple[int, str]]]:
    """Texte, et les octets Windows-1252 trouvés dans un fichier UTF-8 : (ligne, texte lu)."""
    if encodage:
        _refuser_utf8_declare_autrement(octets, encodage, fichier)
        try:
            return octets.decode(encodage).removeprefix("\ufeff"), []
        except UnicodeDecodeError as exc:
            raise _erreur_encodage(octets, exc, encodage, fichier) from None
    if octets.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return octets.decode("utf-16").removeprefix("\ufeff"), []
        except UnicodeDecodeError as exc:
            raise _erreur_encodage(octets, exc, "utf-16", fichier) from None
    octets = octets.removeprefix(codecs.BOM_UTF8)
    try:
        return octets.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    if not MOTIF_UTF8_FRANCAIS.search(octets):  # Windows-1252 d'un bout à l'autre
        return octets.decode("cp1252", errors="paquet_analyse_latin1"), []
    jeton = _REPARATIONS.set([])
    try:
        texte = octets.decode("utf-8", errors="paquet_analyse_cp1252")
        notes = _REPARATIONS.get()
    finally:
        _REPARATIONS.reset(jeton)
    ligne = _numeroteur_lignes(octets)
    return texte, [(ligne(position), lu) for position, lu in notes]


def _ligne_autour(octets: bytes, position: int, encodage: str) -> str:
    """La ligne qui contient l'octet `position`, décodée sans échec (80 caractères au plus)."""
    debut = max(octets.rfind(b"\n", 0, position), octets.rfind(b"\r", 0, position)) + 1
    fin = min((i for i in (octets.find(b"\n", position), octets.find(b"\r", position)) if i >= 0),
              default=len(octets))
    return octets[debut:fin].decode(encodage, errors="replace").strip()[:80]


def _refuser_utf8_declare_autrement(octets: bytes, encodage: str, fichier: str) -> None:
    """Un fichier UTF-8 accentué déclaré en Windows-1252 ou Latin-1 serait lu « Ã© » sans erreur."""
    if codecs.lookup(encodage).name not in ("cp1252", "iso8859-1", "iso8859-15", "mac-roman", "cp850"):
        return
    accent = MOTIF_UTF8_FRANCAIS.search(octets)
    if accent is None:
        return
    try:
        octets.decode("utf-8")
    except UnicodeDecodeError:
        return
    raise erreur_fatale(fichier, "encodage_incoherent",
                 f"jeu.yml déclare l'encodage « {encodage} », mais le fichier est en UTF-8 : les accents "
                 f"seraient lus de travers (« {accent.group().decode('utf-8')} » lu "
                 f"« {accent.group().decode(encodage, errors='replace')} »).",
                 "Déclarer encodage: utf-8 pour ce fichier dans jeu.yml, ou retirer l'option (détection "
                 "automatique).", ligne=_numeroteur_lignes(octets)(accent.start()),
                 valeur=_ligne_autour(octets, accent.start(), "utf-8"))


def _erreur_encodage(octets: bytes, exc: UnicodeDecodeError, encodage: str, fichier: str) -> ErreurLecture:
    ligne = _numeroteur_lignes(octets)(exc.start)
    extrait = _ligne_autour(octets, exc.start, encodage)
    try:
        octets.decode("utf-8")
        probable = "utf-8"
    except UnicodeDecodeError:
        probable = "cp1252"
    return erreur_fatale(fichier, "encodage_invalide",
                  f"l'octet 0x{octets[exc.start]:02X} est invalide pour l'encodage déclaré « {encodage} ».",
                  f"Corriger l'option encodage de ce fichier dans jeu.yml (il semble être en {probable}), "
                  "ou la retirer pour laisser la détection automatique.",
                  ligne=ligne, valeur=extrait)


def refuser_binaire(texte: str, fichier: str) -> None:
    """Un fichier texte ne contient pas d'octet nul : sinon c'est un binaire mal nommé."""
    position = texte.find("\x00")
    if position < 0:
        return
    debut = texte[:4]
    if debut.startswith("PK"):
        nature = "un classeur Excel (.xlsx) ou une archive zip renommés en texte"
    elif debut.startswith("\u00d0\u00cf\u0011\u00e0") or debut.startswith("ÐÏ"):
        nature = "un ancien classeur Excel (.xls)"
    elif debut.startswith("$FL"):
        nature = "un fichier SPSS (.sav)"
    else:
        nature = "un fichier binaire"
    raise erreur_fatale(fichier, "fichier_binaire", f"le fichier contient des octets nuls : c'est {nature}, pas du texte CSV.",
                 "Exporter de nouveau en CSV (ou nommer le fichier avec sa vraie extension).",
                 ligne=texte.count("\n", 0, position) + 1)


def problemes_encodage(reparations, tableau: pd.DataFrame, entete_ligne: int, etiquettes: list,
                        fichier: str) -> list[Probleme]:
    """Une erreur par ligne touchée par des octets Windows-1252, avec la colonne et la valeur lue."""
    problemes, vues = [], set()
    for ligne, lu in reparations:
        debuts = tableau.index[tableau.index <= ligne]
        colonne, valeur, ou = None, lu, ligne
        if ligne == entete_ligne:
            colonne = next((e for e in etiquettes if lu in e), None)
        elif len(debuts):
            ou = int(debuts[-1])
            rangee = tableau.loc[ou]
            colonne = next((c for c, v in rangee.items() if isinstance(v, str) and lu in v), None)
            valeur = rangee[colonne] if colonne is not None else lu
        if (ou, colonne) in vues:
            continue
        vues.add((ou, colonne))
        problemes.append(Probleme(
            fichier, ou, colonne, str(valeur)[:80], "encodage_mixte",
            f"fichier en UTF-8 qui contient aussi des caractères en Windows-1252 (« {lu} » lu ainsi) : "
            "fichier retouché à la main ou assemblé de deux exports ?",
            "Vérifier la valeur lue, puis enregistrer le fichier entier dans un seul encodage (UTF-8) ou "
            "l'exporter de nouveau ; si le fichier est en fait entièrement en Windows-1252, déclarer "
            "encodage: cp1252 pour ce fichier dans jeu.yml."))
    return problemes
