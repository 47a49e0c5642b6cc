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



def nombre_fr(x: float, decimales: int = 2) -> str:
    """Nombre à la française : virgule décimale, espace fine pour les milliers."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n.d."
    texte = f"{x:,.{decimales}f}"
    return texte.replace(",", " ").replace(".", ",")


def pourcentage(p: float, decimales: int = 1) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "n.d."
    return f"{nombre_fr(100 * p, decimales)} %"


def intervalle(bas: float, haut: float, *, en_pourcentage: bool = True, decimales: int = 1) -> str:
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in (bas, haut)):
        return ""
    f = (lambda v: nombre_fr(100 * v, decimales)) if en_pourcentage else (lambda v: nombre_fr(v, decimales + 1))
    unite = " %" if en_pourcentage else ""
    return f"[{f(bas)} ; {f(haut)}]{unite}"


def valeur_p(p: float) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "p n.d."
    if p < 0.001:
        return "p < 0,001"
    return f"p = {nombre_fr(p, 3)}"
