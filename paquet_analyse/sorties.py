"""La frontière de diffusion : tout ce qui est publié d'un jeu passe par `publier`.

Tout ce qui est écrit sous `resultats/<jeu>/tableaux/` ou
`resultats/<jeu>/figures/`, et tout tableau imprimé par la ligne de
commande, passe par `publier`, qui n'accepte qu'un
`confidentialite.TableauProtege` ou une `confidentialite.FigureProtegee`.
Les écritures elles-mêmes (atomiques, octets déterministes) sont celles de
`ecriture`, qui refuse toute écriture directe dans ces dossiers.
"""

from __future__ import annotations

from pathlib import Path

from .confidentialite import FigureProtegee, TableauProtege
from .ecriture import ecrire_csv, ecrire_figure, publication_autorisee
from .erreurs import ErreurConfidentialite


def publier(objet, destination, *, decimales: int = 3) -> Path | None:
    """La frontière de diffusion : écrit ou imprime un tableau ou une figure protégés.

    Paramètres
    ----------
    objet : confidentialite.TableauProtege ou confidentialite.FigureProtegee
        Tout autre objet (un DataFrame, une figure matplotlib nue) est refusé
        avec `ErreurConfidentialite`.
    destination : chemin (`.csv` pour un tableau, `.png` pour une figure)
        ou flux texte (`sys.stdout`) pour imprimer un tableau.
    decimales : décimales des réels imprimés (flux texte seulement).
    """
    if not isinstance(objet, (TableauProtege, FigureProtegee)):
        raise ErreurConfidentialite(
            f"Publication refusée : un objet de type {type(objet).__name__} n'est pas protégé. Passer le "
            "tableau par confidentialite.supprimer_petites_cellules, proteger_portrait ou proteger_comptes "
            "(ou la figure par confidentialite.FigureProtegee) avant de le diffuser.")
    if hasattr(destination, "write"):
        if not isinstance(objet, TableauProtege):
            raise ErreurConfidentialite("Publication refusée : seule un tableau protégé s'imprime.")
        affichage = objet.affichage(decimales=decimales)
        import pandas as pd

        texte = affichage.to_string(index=not isinstance(affichage.index, pd.RangeIndex))
        destination.write(f"{texte}\n{objet.note}\n")
        return None
    chemin = Path(destination)
    attendu = ".csv" if isinstance(objet, TableauProtege) else ".png"
    if chemin.suffix != attendu:
        raise ErreurConfidentialite(f"Publication refusée : {chemin.name} ; un "
                                    f"{type(objet).__name__} s'écrit en {attendu}.")
    with publication_autorisee():
        if isinstance(objet, TableauProtege):
            return ecrire_csv(objet.valeurs, chemin)
        return ecrire_figure(objet.figure, chemin)
