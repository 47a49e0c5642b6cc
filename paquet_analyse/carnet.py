"""Outils d'affichage pour les carnets : bandeau, tableaux, figures, texte, colophon.

Les carnets restent minces : une cellule = un appel ici ou dans un module
d'analyse. Tout ce qui s'affiche est déterministe (nombres arrondis, aucun
horodatage, aucun chemin absolu) pour que nbval retrouve les mêmes sorties.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import chemins, execution, sorties, texte

DECIMALES = 4


class Markdown:
    """Texte Markdown affiché par Jupyter (sans dépendre d'IPython à l'import)."""

    def __init__(self, texte: str):
        self.texte = texte

    def _repr_markdown_(self) -> str:
        return self.texte

    def __repr__(self) -> str:
        return self.texte


class Image:
    """PNG affiché par Jupyter : ses octets sont exactement ceux du fichier écrit."""

    def __init__(self, octets: bytes, nom: str):
        self.octets, self.nom = octets, nom

    def _repr_png_(self) -> bytes:
        return self.octets

    def __repr__(self) -> str:
        return f"Figure : {self.nom}"


def dossier_sortie(nom_jeu: str) -> Path:
    return chemins.dossier_resultats(nom_jeu)


def bandeau(jeu) -> Markdown:
    """Première information d'un carnet : données simulées ou non, source, année."""
    d = jeu.descripteur
    if jeu.simule:
        tete = ("> **⚠ Données SIMULÉES.** Aucune de ces réponses ne vient d'une vraie enquête : "
                "elles servent à faire tourner et à vérifier la chaîne d'analyse. Les résultats ci-dessous "
                "ne décrivent aucune concertation réelle.")
    else:
        tete = "> Données d'enquête réelles."
    return Markdown(f"{tete}\n>\n> **{d.get('titre')}** — région : {d.get('region')} ; enquête "
                    f"{d.get('annee_enquete')} ; source : {d.get('source')}")


def _reel_fr(x, decimales: int) -> str:
    if pd.isna(x):
        return ""
    if abs(x) and abs(x) < 10 ** -decimales:
        return f"{x:.2e}".replace(".", ",")  # très petites valeurs p : notation scientifique
    return texte.nombre_fr(float(x), decimales)


def montrer(tableau: pd.DataFrame, *, decimales: int = DECIMALES) -> pd.DataFrame:
    """Tableau prêt à afficher : réels arrondis et écrits à la française (virgule décimale).

    Affichage seulement : les tableaux enregistrés gardent leurs nombres.
    Les sorties sont identiques d'une exécution à l'autre (nbval).
    """
    sortie = tableau.copy()
    for nom in sortie.columns:
        if pd.api.types.is_float_dtype(sortie[nom]):
            sortie[nom] = [_reel_fr(x, decimales) for x in sortie[nom].astype(float)]
    return sortie.reset_index(drop=True)


def publier(objet, nom_jeu: str, nom: str):
    """Diffuse un tableau protégé (`tableaux/<nom>.csv`) ou une figure protégée
    (`figures/<nom>.png`) par la frontière `sorties.publier`, et dit où.

    Un tableau ou une figure non protégés sont refusés (`ErreurConfidentialite`).
    """
    import matplotlib.pyplot as plt

    from .confidentialite import FigureProtegee

    dossier = "figures" if isinstance(objet, FigureProtegee) else "tableaux"
    suffixe = ".png" if dossier == "figures" else ".csv"
    cible = sorties.publier(objet, dossier_sortie(nom_jeu) / dossier / f"{nom}{suffixe}")
    if dossier == "tableaux":
        return Markdown(f"Tableau enregistré : `{chemins.relatif(cible)}`")
    plt.close(objet.figure)
    return Image(cible.read_bytes(), chemins.relatif(cible))


class Galerie:
    """Plusieurs figures affichées l'une sous l'autre (HTML, images PNG intégrées)."""

    def __init__(self, images: list):
        self.images = list(images)

    def _repr_html_(self) -> str:
        import base64
        import html

        return "\n".join(f'<figure><img alt="{html.escape(i.nom)}" style="max-width:100%" '
                         f'src="data:image/png;base64,{base64.b64encode(i.octets).decode()}"></figure>'
                         for i in self.images)

    def __repr__(self) -> str:
        return "\n".join(repr(i) for i in self.images)


def publier_figures(figures, nom_jeu: str) -> Galerie:
    """Diffuse chaque (nom, FigureProtegee) et les affiche toutes."""
    return Galerie(publier(fig, nom_jeu, nom) for nom, fig in figures)


def paragraphes(phrases) -> Markdown:
    return Markdown("\n\n".join(phrases))


def colophon(jeu) -> Markdown:
    """Dernière cellule : versions, commit des sources, empreintes des fichiers bruts
    et des données préparées (lues dans le jeu préparé)."""
    prov = execution.provenance(jeu.nom)
    versions = ", ".join(f"{k} {v}" for k, v in prov["versions"].items())
    src = prov["sources"]
    modifie = " (sources modifiées depuis ce commit)" if src["sources_modifiees_depuis_le_commit"] else ""
    lignes = [
        "### Colophon",
        "",
        f"- Jeu : `{prov['jeu']}`" + (" — **données SIMULÉES**" if jeu.simule else ""),
        f"- Commit git des sources : `{src['commit']}`{modifie}",
        f"- Empreinte SHA-256 des sources : `{src['empreinte_sha256']}`",
        f"- Plan d'analyse (SHA-256) : `{prov['plan_sha256']}`",
        f"- Versions : {versions}",
        "- Fichiers bruts (SHA-256) :",
    ]
    lignes += [f"  - `{nom}` : `{h}`" for nom, h in prov["fichiers_bruts_sha256"].items()]
    lignes.append("- Données préparées (SHA-256) :")
    lignes += [f"  - `{nom}` : `{h}`" for nom, h in prov["donnees_preparees_sha256"].items()]
    return Markdown("\n".join(lignes))


def nom_sur(texte: str) -> str:
    """Nom de fichier sûr pour un territoire (voir `chemins.nom_sur`)."""
    return chemins.nom_sur(texte)


def conclusion_validation(rapport) -> Markdown:
    """Bilan de la validation, en une phrase tirée du rapport."""
    n_err, n_info = len(rapport.erreurs), len(rapport.problemes) - len(rapport.erreurs)
    if rapport.valide:
        texte = f"Le jeu est **valide** : aucune erreur."
        if n_info:
            texte += f" {n_info} information(s) à lire (colonnes écartées, remarques)."
        return Markdown(texte + " L'analyse peut se poursuivre.")
    return Markdown(f"Le jeu n'est **pas valide** : {n_err} erreur(s). Les corriger dans les fichiers "
                    "bruts ou dans `jeu.yml` (correspondance), puis relancer le flux.")
