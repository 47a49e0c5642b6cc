"""Écrire des fichiers : atomiquement, avec des octets déterministes, jamais dans les données brutes.

Couche du sol : tous les modules qui écrivent un fichier passent par ici.
Ce qui est diffusé sous `resultats/<jeu>/tableaux/` ou
`resultats/<jeu>/figures/` passe en plus par la frontière de diffusion
(`sorties.publier`, couche de publication), qui n'accepte qu'un tableau ou
une figure protégés ; une écriture directe dans ces dossiers est refusée
ici (`ErreurConfidentialite`). Toute écriture est atomique
(fichier temporaire dans le même dossier, puis `os.replace`) : un arrêt en
cours d'écriture laisse l'ancien fichier intact. Les octets sont déterministes
(pas d'horodatage ni de chemin absolu ; métadonnées des figures fixées).
Rien n'est jamais écrit sous `donnees_brutes/`, sauf le descripteur `jeu.yml`
(`ecrire_descripteur_jeu`, pour `jeu-depuis-export`) : les fichiers bruts, jamais.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from . import chemins
from .erreurs import ErreurConfidentialite, ErreurDonnees

DOSSIERS_PUBLIES = ("tableaux", "figures")
_PUBLICATION: ContextVar[bool] = ContextVar("publication", default=False)


@contextmanager
def publication_autorisee():
    """Le temps d'un bloc, écrire sous `tableaux/` et `figures/` est permis : seul `sorties.publier` s'en
    sert, après avoir vérifié que l'objet est protégé."""
    jeton = _PUBLICATION.set(True)
    try:
        yield
    finally:
        _PUBLICATION.reset(jeton)

DEBUTS_FORMULE = ("=", "+", "-", "@", "\t", "\r")


def _verifier_cible(chemin: Path) -> None:
    brutes = chemins.donnees_brutes().resolve()
    cible = chemin.resolve()
    if cible == brutes or brutes in cible.parents:
        raise ErreurDonnees(
            f"Écriture refusée dans {chemins.relatif(chemin)} : les données brutes ne sont "
            "jamais modifiées. Écrire les résultats sous resultats/."
        )
    resultats = chemins.resultats().resolve()
    if not _PUBLICATION.get() and resultats in cible.parents:
        parties = cible.relative_to(resultats).parts
        if len(parties) >= 3 and parties[1] in DOSSIERS_PUBLIES:
            raise ErreurConfidentialite(
                f"Écriture refusée dans {chemins.relatif(chemin)} : ce qui est diffusé sous "
                f"resultats/<jeu>/{parties[1]}/ passe par sorties.publier, avec un tableau protégé "
                "(confidentialite.supprimer_petites_cellules, proteger_portrait, proteger_comptes) "
                "ou une FigureProtegee."
            )


def ecrire_octets(donnees: bytes, chemin: str | Path) -> Path:
    """Écrit des octets atomiquement ; renvoie le chemin écrit."""
    chemin = Path(chemin)
    _verifier_cible(chemin)
    return _ecrire_atomiquement(donnees, chemin)


def ecrire_descripteur_jeu(texte: str, dossier: str | Path, *, ecraser: bool = False) -> str:
    """Écrit `<dossier>/jeu.yml`, seul fichier qu'on puisse écrire dans un dossier de données brutes.

    Un `jeu.yml` identique octet pour octet est laissé tel quel (« identique ») ; un
    `jeu.yml` différent n'est remplacé qu'avec `ecraser=True`, sinon `ErreurDonnees`.
    Renvoie « écrit », « remplacé » ou « identique ». Aucun autre fichier n'est touché.
    """
    cible = Path(dossier) / "jeu.yml"
    octets = texte.encode("utf-8")
    if cible.is_file():
        if cible.read_bytes() == octets:
            return "identique"
        if not ecraser:
            raise ErreurDonnees(
                f"{chemins.relatif(cible)} existe déjà avec un autre contenu : il n'est pas remplacé. "
                "Le renommer pour le garder, ou relancer avec --ecraser pour le remplacer.")
    etat = "remplacé" if cible.is_file() else "écrit"
    _ecrire_atomiquement(octets, cible)
    return etat


def _ecrire_atomiquement(donnees: bytes, chemin: Path) -> Path:
    chemin.parent.mkdir(parents=True, exist_ok=True)
    descripteur, temporaire = tempfile.mkstemp(dir=chemin.parent, prefix=f".{chemin.name}.", suffix=".tmp")
    try:
        with os.fdopen(descripteur, "wb") as f:
            f.write(donnees)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporaire, 0o644)
        os.replace(temporaire, chemin)
    except BaseException:
        Path(temporaire).unlink(missing_ok=True)
        raise
    return chemin


def ecrire_texte(texte: str, chemin: str | Path) -> Path:
    return ecrire_octets(texte.encode("utf-8"), chemin)


def neutraliser_formules(tableau):
    """Préfixe d'une apostrophe le texte qui commencerait par = + - @ (injection de formules).

    Seules les cellules de texte sont touchées ; les nombres négatifs restent des nombres.
    """
    import pandas as pd  # import paresseux : le lancement du flux n'a pas besoin de pandas

    sortie = tableau.copy()
    for nom in sortie.columns:
        serie = sortie[nom]
        if serie.dtype == object or isinstance(serie.dtype, (pd.StringDtype, pd.CategoricalDtype)):
            texte = serie.astype(object)
            risque = texte.map(lambda v: isinstance(v, str) and v.startswith(DEBUTS_FORMULE))
            if risque.any():
                sortie[nom] = texte.where(~risque, "'" + texte.astype(str))
    return sortie


def ecrire_csv(tableau, chemin: str | Path, *, index: bool = False) -> Path:
    """Écrit un tableau en CSV UTF-8 (séparateur virgule, point décimal), atomiquement."""
    tampon = io.StringIO()
    neutraliser_formules(tableau).to_csv(tampon, index=index, lineterminator="\n", float_format="%.10g")
    return ecrire_texte(tampon.getvalue(), chemin)


def ecrire_json(objet, chemin: str | Path) -> Path:
    texte = json.dumps(objet, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return ecrire_texte(texte, chemin)


def ecrire_figure(figure, chemin: str | Path, *, dpi: int = 120) -> Path:
    """Enregistre une figure matplotlib en PNG aux octets reproductibles."""
    tampon = io.BytesIO()
    figure.savefig(tampon, format="png", dpi=dpi, metadata={"Software": None}, bbox_inches="tight")
    return ecrire_octets(tampon.getvalue(), chemin)


def hacher(*morceaux: bytes | str) -> str:
    """SHA-256 d'une suite de morceaux (séparés, pour que « ab » + « c » ≠ « a » + « bc »)."""
    h = hashlib.sha256()
    for m in morceaux:
        h.update(m.encode() if isinstance(m, str) else m)
        h.update(b"\0")
    return h.hexdigest()


def empreinte(chemin: str | Path) -> str:
    """SHA-256 d'un fichier (lu par blocs)."""
    h = hashlib.sha256()
    with open(chemin, "rb") as f:
        for bloc in iter(lambda: f.read(1 << 20), b""):
            h.update(bloc)
    return h.hexdigest()
