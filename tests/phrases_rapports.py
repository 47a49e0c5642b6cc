"""Relire chaque phrase des rapports produits : aucune ne dit plus que sa p ajustée et l'échelle déclarée.

L'échelle est recopiée ici (README, « Ce que disent les tests »), pas importée du paquet : le test vérifie
le texte contre la règle publiée, pas contre le code qui l'écrit. Au seuil du plan de 0,05 : preuve forte
(p ajustée < 0,001), nette (< 0,01), modérée (< 0,05) ; au-delà, le seuil n'est pas atteint et la phrase de
son verdict le dit : indice faible (< 0,10), puis aucune preuve.
"""

from __future__ import annotations

import re
from pathlib import Path

#: (borne haute exclue de la p ajustée, mot attendu) au seuil 0,05.
ECHELLE = ((0.001, "preuve forte"), (0.01, "preuve nette"), (0.05, "preuve modérée"), (0.10, "indice faible"),
           (float("inf"), "aucune preuve"))
NON_ATTEINT = "n'atteint pas le seuil de 5 % fixé par le plan"
MOTS = ("preuve forte", "preuve nette", "preuve modérée", "indice faible", "aucune preuve", "preuve faible")
SENS = re.compile(r"fois plus élevées|plus faibles : multipliées|est en moyenne plus (élevé|bas) de")
P_AJUSTEE = re.compile(r"p ajustée (=|<) (\d+,\d+)")


def _nombre(texte: str) -> float:
    return float(texte.replace(",", "."))


def mot_attendu(p_ajustee: float) -> str:
    return next(mot for borne, mot in ECHELLE if p_ajustee < borne)


def phrases(paragraphe: str) -> list[str]:
    """Les phrases d'un paragraphe (fin : un point suivi d'une espace et d'une majuscule, ou d'un astérisque)."""
    return [p for p in re.split(r"(?<=\.)\s+(?=[A-ZÀÉÈ*])", paragraphe) if p.strip()]


def problemes_paragraphe(paragraphe: str, *, exploratoire: bool) -> list[str]:
    """Ce qui ne va pas dans un paragraphe d'interprétation (vide : rien)."""
    fautes = []
    if paragraphe.startswith(("Politique des verdicts", "**Politique des verdicts")):
        return fautes
    if "preuve faible" in paragraphe:
        fautes.append(f"« preuve faible » (mot retiré de l'échelle) : {paragraphe[:160]}")
    est_hypothese = re.match(r"\**H\d", paragraphe) is not None
    if exploratoire and est_hypothese:
        if "exploratoire" not in paragraphe:
            fautes.append(f"test de territoire sans la mention « exploratoire » : {paragraphe[:160]}")
        if any(m in paragraphe for m in MOTS):
            fautes.append(f"mot de verdict dans un test exploratoire : {paragraphe[:160]}")
        if SENS.search(paragraphe.split("IC à 95 %")[0]):
            fautes.append(f"sens avant l'intervalle dans un test exploratoire : {paragraphe[:160]}")
        return fautes
    for phrase in phrases(paragraphe):
        trouve = P_AJUSTEE.search(phrase)
        if not trouve:
            continue
        p = _nombre(trouve.group(2)) / (2 if trouve.group(1) == "<" else 1)
        attendu = mot_attendu(p)
        presents = [m for m in MOTS if m in phrase]
        if presents != [attendu]:
            fautes.append(f"p ajustée {trouve.group(0)} : attendu « {attendu} », trouvé {presents} : {phrase[:200]}")
        if p >= 0.05 and NON_ATTEINT not in phrase:
            fautes.append(f"p ajustée {trouve.group(0)} sans dire que le seuil du plan n'est pas atteint : {phrase[:200]}")
        if p >= 0.05 and est_hypothese and SENS.search(paragraphe.split("IC à 95 %")[0]):
            fautes.append(f"p ajustée {trouve.group(0)} : un sens avant l'intervalle : {paragraphe[:200]}")
    return fautes


def paragraphes_html(chemin: Path) -> list[str]:
    """Le texte de chaque paragraphe et élément de liste d'un rapport HTML (« **H1a** » pour un gras en tête)."""
    from bs4 import BeautifulSoup

    soupe = BeautifulSoup(chemin.read_text(encoding="utf-8"), "html.parser")
    for gras in soupe.find_all("strong"):
        gras.replace_with(f"**{gras.get_text()}**")
    return [" ".join(p.get_text(" ").split()) for p in soupe.find_all(["p", "li"])]


def problemes_rapports(dossier_rapports: Path) -> list[str]:
    """Toutes les fautes de tous les rapports d'un dossier `rapports/` (rapports des territoires : exploratoires),
    plus tout « inf » ou « nan » écrit dans un rapport."""
    fautes = []
    for chemin in sorted(dossier_rapports.rglob("*.html")):
        exploratoire = "territoires" in chemin.relative_to(dossier_rapports).parts
        texte = []
        for paragraphe in paragraphes_html(chemin):
            texte.append(paragraphe)
            fautes += [f"{chemin.name} : {f}" for f in problemes_paragraphe(paragraphe, exploratoire=exploratoire)]
        for mot in re.findall(r"\b(inf|nan|NaN|-inf)\b", " ".join(texte)):
            fautes.append(f"{chemin.relative_to(dossier_rapports)} : « {mot} » écrit dans le rapport")
    return fautes
