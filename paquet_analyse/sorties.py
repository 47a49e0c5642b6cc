"""Écriture des résultats : tableaux, figures, textes, manifeste.

Seul module qui écrit des fichiers de résultats. Toute écriture est atomique
(fichier temporaire dans le même dossier, puis `os.replace`) : un arrêt en
cours d'écriture laisse l'ancien fichier intact. Les octets sont déterministes
(pas d'horodatage ni de chemin absolu ; métadonnées des figures fixées).
Rien n'est jamais écrit sous `donnees_brutes/`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from pathlib import Path

from . import chemins
from .erreurs import ErreurDonnees

DEBUTS_FORMULE = ("=", "+", "-", "@", "\t", "\r")


def _verifier_cible(chemin: Path) -> None:
    brutes = chemins.donnees_brutes().resolve()
    cible = chemin.resolve()
    if cible == brutes or brutes in cible.parents:
        raise ErreurDonnees(
            f"Écriture refusée dans {chemins.relatif(chemin)} : les données brutes ne sont "
            "jamais modifiées. Écrire les résultats sous resultats/."
        )


def ecrire_octets(donnees: bytes, chemin: str | Path) -> Path:
    """Écrit des octets atomiquement ; renvoie le chemin écrit."""
    chemin = Path(chemin)
    _verifier_cible(chemin)
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


def empreinte(chemin: str | Path) -> str:
    """SHA-256 d'un fichier (lu par blocs)."""
    h = hashlib.sha256()
    with open(chemin, "rb") as f:
        for bloc in iter(lambda: f.read(1 << 20), b""):
            h.update(bloc)
    return h.hexdigest()
