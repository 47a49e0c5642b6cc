"""Mise en forme française des nombres (affichage seulement : les calculs
gardent des nombres).

>>> pourcentage(0.4403)
'44,0 %'
>>> nombre_fr(1234.5, 1)
'1 234,5'
>>> valeur_p(0.00001)
'p < 0,001'
"""

from __future__ import annotations

import math


def manquant(x) -> bool:
    """None, NaN ou pd.NA (sans importer pandas : ce module reste léger).

    >>> manquant(float("nan")), manquant(None), manquant(0.0)
    (True, True, False)
    """
    if x is None or type(x).__name__ == "NAType":
        return True
    try:
        return math.isnan(x)
    except TypeError:
        return False


def nombre_fr(x: float, decimales: int = 2) -> str:
    """Nombre à la française : virgule décimale, espace fine pour les milliers ;
    jamais « -0,0 » (un nombre qui s'arrondit à zéro s'écrit sans signe).

    >>> nombre_fr(-0.001, 1)
    '0,0'
    """
    if manquant(x):
        return "n.d."
    if round(float(x), decimales) == 0:
        x = 0.0
    texte = f"{x:,.{decimales}f}"
    return texte.replace(",", " ").replace(".", ",")


def pourcentage(p: float, decimales: int = 1) -> str:
    if manquant(p):
        return "n.d."
    return f"{nombre_fr(100 * p, decimales)} %"


def intervalle(bas: float, haut: float, *, en_pourcentage: bool = True, decimales: int = 1) -> str:
    if any(manquant(v) for v in (bas, haut)):
        return ""
    f = (lambda v: nombre_fr(100 * v, decimales)) if en_pourcentage else (lambda v: nombre_fr(v, decimales + 1))
    unite = " %" if en_pourcentage else ""
    return f"[{f(bas)} ; {f(haut)}]{unite}"


def valeur_p(p: float) -> str:
    if manquant(p):
        return "p n.d."
    if p < 0.001:
        return "p < 0,001"
    return f"p = {nombre_fr(p, 3)}"


def p_court(p: float) -> str:
    """Valeur p pour une case de tableau : « < 0,001 », sinon trois décimales.

    >>> p_court(1.32e-10), p_court(0.0456)
    ('< 0,001', '0,046')
    """
    if manquant(p):
        return ""
    return "< 0,001" if p < 0.001 else nombre_fr(p, 3)


def nombre_court(x: float) -> str:
    """Un entier sans décimale, sinon une décimale : « 2 », « 1,5 » (effets prévus au plan, seuils).

    >>> nombre_court(2.0), nombre_court(1.5)
    ('2', '1,5')
    """
    return nombre_fr(x, 0) if float(x).is_integer() else nombre_fr(x, 1)


def majuscule(texte: str) -> str:
    """La première lettre en majuscule, le reste tel quel.

    >>> majuscule("l'association")
    "L'association"
    """
    return texte[:1].upper() + texte[1:]


def strates_publiees(strate: dict) -> str:
    """Les strates d'une statistique regroupée, dans l'ordre : « A ; B + C (regroupés) ».

    `strate` : territoire -> strate (son propre nom, ou celui d'un groupe de territoires).

    >>> strates_publiees({"A": "A", "B": "groupe", "C": "groupe"})
    'A ; B + C (regroupés)'
    """
    groupes: dict = {}
    for territoire, nom in strate.items():
        groupes.setdefault(nom, []).append(territoire)
    return " ; ".join(" + ".join(m) + (" (regroupés)" if len(m) > 1 else "") for m in groupes.values())
