"""Exceptions et avertissements du paquet (un seul module, messages en français).

Chaque message dit ce qui ne va pas, où (fichier, ligne, colonne, valeur) et
comment corriger.
"""

from __future__ import annotations


class ErreurPaquet(Exception):
    """Racine de toutes les erreurs du paquet.

    Dans un carnet (IPython, JupyterLab), elle s'affiche par son seul message français, sans la pile
    d'appels Python : le message dit déjà où est le problème et comment le corriger.
    """

    def _render_traceback_(self) -> list[str]:
        return [f"Erreur : {self}"]


class ErreurDonnees(ErreurPaquet, ValueError):
    """Données d'entrée inutilisables (fichier, colonne, valeur)."""


class ErreurJeu(ErreurDonnees):
    """Descripteur `jeu.yml` absent, illisible ou incohérent."""


class ErreurLecture(ErreurDonnees):
    """Fichier brut illisible (vide, binaire, encodage, séparateur, feuille…).

    `problemes` liste chaque problème (`Probleme`, défini plus bas) avec
    fichier, ligne, colonne, valeur et correction.
    """

    def __init__(self, message: str, problemes=()):
        super().__init__(message)
        self.problemes = list(problemes)


class ErreurValidation(ErreurDonnees):
    """Le jeu ne respecte pas le dictionnaire ; `problemes` les liste tous."""

    def __init__(self, message: str, problemes=None):
        super().__init__(message)
        self.problemes = problemes


class ErreurEffectifs(ErreurDonnees):
    """Tableau inexploitable : ligne ou colonne vide, une seule modalité, etc."""


class ErreurResumeRegion(ErreurDonnees):
    """Résumé de région (`resume_region`) altéré, illisible ou incompatible avec les autres ; `problemes`
    les liste tous (`Probleme` : fichier, ligne, colonne, valeur, règle, message, correction)."""

    def __init__(self, message: str, problemes=()):
        super().__init__(message)
        self.problemes = list(problemes)


class ErreurConfidentialite(ErreurPaquet, ValueError):
    """Un tableau destiné à la diffusion contient une petite cellule non protégée."""


class ErreurPlan(ErreurPaquet, ValueError):
    """Plan d'analyse (`plan_analyse.yml`) mal formé."""


class AvertissementPaquet(UserWarning):
    """Racine des avertissements du paquet."""


class AvertissementEffectifs(AvertissementPaquet):
    """Effectif attendu < 5 : le test du khi-deux est peu fiable, préférer le test exact."""


class AvertissementSeparation(AvertissementPaquet):
    """Séparation (complète ou quasi complète) dans une régression logistique."""


class AvertissementDonnees(AvertissementPaquet):
    """Données manquantes ou écartées : signalées, jamais ignorées en silence."""


class AvertissementCorrespondance(AvertissementDonnees):
    """Une correspondance de jeu.yml ne s'applique pas (colonne facultative absente, étiquette jamais vue)."""


from dataclasses import dataclass, asdict  # noqa: E402


@dataclass(frozen=True)
class Probleme:
    """Un problème trouvé dans un jeu de données, dit en français.

    `gravite` : « erreur » (le jeu est refusé), « avertissement » (le jeu
    est accepté, mais quelque chose ne s'applique pas comme déclaré : à
    vérifier) ou « information » (remarque, par ex. colonne écartée).

    `ligne` est le numéro de ligne dans le fichier (l'en-tête est la ligne 1)
    ou le numéro d'observation pour SPSS/Stata ; None quand le problème porte
    sur tout le fichier ou toute la colonne.
    """

    fichier: str
    ligne: int | None
    colonne: str | None
    valeur: str | None
    regle: str
    message: str
    correction: str
    gravite: str = "erreur"  # erreur (bloque) | avertissement (à vérifier, ne bloque pas) | information

    def en_texte(self) -> str:
        lieu = [self.fichier]
        if self.ligne is not None:
            lieu.append(f"ligne {self.ligne}")
        if self.colonne:
            lieu.append(f"colonne « {self.colonne} »")
        if self.valeur not in (None, ""):
            lieu.append(f"valeur « {self.valeur} »")
        return f"[{self.regle}] {', '.join(lieu)} : {self.message} Correction : {self.correction}"

    def en_dict(self) -> dict:
        return asdict(self)
