"""Un attaquant : tout ce qui est publié pour un jeu, et ce qu'on peut en tirer.

Il lit ce qu'un lecteur obtient (les CSV de `tableaux/`, les sorties
enregistrées dans les carnets exécutés : textes et tableaux HTML) et cherche à
retrouver une petite cellule (1 à seuil - 1 personnes ou tables) :

- **tableaux 2×2 reconstruits** à partir de (effectif, rapport de cotes, IC) :
  on énumère tous les tableaux d'effectif n et l'on garde ceux qui redonnent
  les nombres publiés, au nombre de décimales publié, pour l'estimateur de
  l'échantillon (IC de Woolf) et pour l'estimateur conditionnel (EMV de
  Fisher, IC exact) ; si chaque tableau compatible a une petite cellule (ou
  s'il n'en reste qu'un, à l'échange des lignes et colonnes près), la
  cellule est retrouvée ;
- **résidus ajustés** : à partir des effectifs visibles d'un tableau croisé,
  de son total et des résidus publiés, on cherche toutes les valeurs des
  cellules supprimées qui redonnent ces résidus ;
- **comptes et différences** : un compte de 1 à seuil - 1 publié tel quel ;
  un total publié moins un effectif publié (manquants), ou la différence de
  deux effectifs du même territoire, qui tombe entre 1 et seuil - 1 alors
  que les deux nombres sont exacts.

Chaque fonction renvoie une liste de fuites (texte français) ; une liste vide
veut dire que l'attaque n'a rien trouvé.
"""

from __future__ import annotations

import html.parser
import json
import math
import re
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, stats

Z = stats.norm.ppf(0.975)


# --------------------------------------------------------------------------
# Lecture de ce qui est publié


class _ExtracteurTableaux(html.parser.HTMLParser):
    """Les tableaux HTML d'une page, en listes de lignes de texte (sans dépendance)."""

    def __init__(self):
        super().__init__()
        self.tableaux, self._ligne, self._cellule = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tableaux.append([])
        elif tag == "tr" and self.tableaux:
            self._ligne = []
        elif tag in ("td", "th") and self._ligne is not None:
            self._cellule = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cellule is not None:
            self._ligne.append(" ".join("".join(self._cellule).split()))
            self._cellule = None
        elif tag == "tr" and self._ligne is not None:
            self.tableaux[-1].append(self._ligne)
            self._ligne = None

    def handle_data(self, data):
        if self._cellule is not None:
            self._cellule.append(data)


def tableaux_html(texte: str) -> list[list[list[str]]]:
    extracteur = _ExtracteurTableaux()
    extracteur.feed(texte)
    return [t for t in extracteur.tableaux if t]


def nombre(texte: str) -> float | None:
    """« 1 234,5 » -> 1234.5 ; « < 0,001 », « x » ou vide -> None."""
    t = str(texte).replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    try:
        return float(t)
    except ValueError:
        return None


def sorties_carnets(dossier: Path) -> dict[str, list[str]]:
    """Carnet exécuté -> textes HTML de ses sorties (tableaux affichés compris)."""
    sortie = {}
    for chemin in sorted((dossier / "carnets").rglob("*.ipynb")):
        nb = json.loads(chemin.read_text(encoding="utf-8"))
        textes = []
        for cellule in nb["cells"]:
            for s in cellule.get("outputs", []):
                donnees = s.get("data", {})
                for cle in ("text/html", "text/markdown", "text/plain"):
                    if cle in donnees:
                        textes.append("".join(donnees[cle]))
        sortie[chemin.relative_to(dossier).as_posix()] = textes
    return sortie


# --------------------------------------------------------------------------
# 2×2 : (n, rapport de cotes, IC) -> tableaux compatibles


def _tous_les_2x2(n: int) -> np.ndarray:
    """Tous les tableaux (a, b, c, d) d'effectif n, cellules ≥ 0."""
    lignes = []
    for a in range(n + 1):
        for b in range(n - a + 1):
            c = np.arange(n - a - b + 1)
            lignes.append(np.column_stack([np.full_like(c, a), np.full_like(c, b), c, n - a - b - c]))
    return np.concatenate(lignes)


def _arrondi_egal(x: np.ndarray, publie: float, decimales: int) -> np.ndarray:
    return np.abs(np.round(x, decimales) - publie) <= 0.5 * 10 ** -decimales + 1e-12


def candidats_woolf(n: int, rc: float, bas: float, haut: float, *, decimales: int, avec_ic: bool = True) -> np.ndarray:
    """Tableaux dont le RC de l'échantillon et l'IC de Woolf redonnent les nombres publiés.

    ``avec_ic=False`` : le RC seul (IC d'une autre méthode, p. ex. le score de
    Miettinen-Nurminen) ; moins de contraintes, donc plus de candidats.
    """
    t = _tous_les_2x2(n).astype(float)
    t = t[(t > 0).all(axis=1)]
    a, b, c, d = t.T
    lrc = np.log(a * d / (b * c))
    et = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    garde = _arrondi_egal(np.exp(lrc), rc, decimales)
    if avec_ic:
        garde &= _arrondi_egal(np.exp(lrc - Z * et), bas, decimales) & _arrondi_egal(np.exp(lrc + Z * et), haut,
                                                                                   decimales)
    return t[garde].astype(int)


def _methode_rc(texte: str) -> str:
    """« conditionnel » (EMV de Fisher : tests exacts), « score » (RC de l'échantillon, IC du score) ou « woolf »."""
    if any(m in texte for m in ("Fisher", "Blaker", "conditionnel", "mi-p")):
        return "conditionnel"
    return "score" if ("score" in texte.lower() or "Miettinen" in texte) else "woolf"


def _rc_conditionnel(a: int, r1: int, c1: int, n: int) -> float:
    """EMV conditionnel du RC (comme `fisher.test` de R) pour une case a et des marges données."""
    bas, haut = max(0, r1 + c1 - n), min(r1, c1)
    if a in (bas, haut):
        return 0.0 if a == bas else math.inf
    support = np.arange(bas, haut + 1)
    lpoids = stats.hypergeom.logpmf(support, n, r1, c1)

    def ecart(lpsi):
        w = lpoids + support * lpsi
        w = np.exp(w - w.max())
        return (support * w).sum() / w.sum() - a
    return math.exp(optimize.brentq(ecart, -30, 30))


def candidats_conditionnels(n: int, rc: float, bas: float, haut: float, *, decimales: int) -> np.ndarray:
    """Tableaux dont l'EMV conditionnel (Fisher) redonne le RC publié.

    Pour aller vite, l'EMV exact n'est calculé que pour les tableaux dont le RC et
    l'IC de Woolf (avec 0,5 ajouté) tombent à un facteur 4 des nombres publiés :
    l'EMV conditionnel et l'IC exact en sont toujours proches à ce facteur près.
    """
    t = _tous_les_2x2(n)
    a, b, c, d = (t.T + 0.5)
    lrc = np.log(a * d / (b * c))
    et = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    pres = lambda x, y: np.abs(x - math.log(y)) <= math.log(4) if y > 0 and math.isfinite(y) else np.ones_like(x, bool)
    garde = pres(lrc, rc) & pres(lrc - Z * et, bas) & pres(lrc + Z * et, haut)
    gardes = []
    for tab in t[garde]:
        a_, b_, c_, d_ = (int(v) for v in tab)
        if min(a_ + b_, c_ + d_, a_ + c_, b_ + d_) == 0:
            continue
        if abs(round(_rc_conditionnel(a_, a_ + b_, a_ + c_, n), decimales) - rc) <= 0.5 * 10 ** -decimales + 1e-12:
            gardes.append(tab)
    return np.array(gardes, dtype=int).reshape(-1, 4)


def fuite_2x2(candidats: np.ndarray, seuil: int) -> str | None:
    """Une petite cellule retrouvée : tous les candidats en ont une, ou un seul candidat reste."""
    if len(candidats) == 0:
        return None
    petits = ((candidats >= 1) & (candidats < seuil)).any(axis=1)
    uniques = {tuple(sorted([tuple(sorted((a, d))), tuple(sorted((b, c)))])) for a, b, c, d in candidats}
    if petits.all() or (len(uniques) == 1 and petits.any()):
        return f"tableau 2×2 retrouvé : {candidats[0].tolist()} ({len(candidats)} candidat(s))"
    return None


# --------------------------------------------------------------------------
# Attaques sur ce qui est publié


def _colonnes_rc(entetes: list[str]) -> tuple[int, int, int, int] | None:
    noms = [e.lower() for e in entetes]
    try:
        n = next(i for i, e in enumerate(noms) if e.startswith("effectif"))
        rc = next(i for i, e in enumerate(noms) if e in ("rapport de cotes", "estimation", "rapport_cotes"))
        bas = next(i for i, e in enumerate(noms) if e.startswith("ic 95 % bas") or e == "ic_bas")
        haut = next(i for i, e in enumerate(noms) if e.startswith("ic 95 % haut") or e == "ic_haut")
    except StopIteration:
        return None
    return n, rc, bas, haut


def _decimales(texte: str) -> int:
    partie = str(texte).replace(".", ",").split(",")
    return len(partie[1]) if len(partie) == 2 else 0


def attaque_rapports_de_cotes(dossier: Path, seuil: int, *, n_max: int = 80) -> list[str]:
    """(effectif, RC, IC) publiés dans les CSV et les tableaux affichés des carnets."""
    fuites, vus = [], set()
    lignes = []  # (source, n, rc, bas, haut, decimales, conditionnel)
    for chemin in sorted((dossier / "tableaux").glob("*.csv")):
        t = pd.read_csv(chemin, dtype=str, keep_default_na=False)
        if not {"effectif", "estimation", "ic_bas", "ic_haut"} <= set(t.columns):
            continue
        for _, r in t.iterrows():
            if r.get("mesure", "rapport_cotes") != "rapport_cotes":
                continue
            lignes.append((f"{chemin.name} {r.get('id', '')} {r.get('territoire', '')}", r["effectif"],
                           r["estimation"], r["ic_bas"], r["ic_haut"],
                           _methode_rc(r.get("methode", "") + " " + r.get("estimateur", ""))))
    for carnet, textes in sorties_carnets(dossier).items():
        for texte in textes:
            for tableau in tableaux_html(texte):
                colonnes = _colonnes_rc(tableau[0])
                if not colonnes:
                    continue
                for ligne in tableau[1:]:
                    if len(ligne) < len(tableau[0]):
                        continue
                    i_n, i_rc, i_bas, i_haut = colonnes
                    methode = " ".join(ligne)
                    if "différence" in methode:
                        continue
                    lignes.append((f"{carnet} {' '.join(ligne[:2])}", ligne[i_n], ligne[i_rc], ligne[i_bas],
                                   ligne[i_haut], _methode_rc(methode)))
    for source, n, rc, bas, haut, methode_rc in lignes:
        valeurs = [nombre(v) for v in (n, rc, bas, haut)]
        if any(v is None or not math.isfinite(v) for v in valeurs) or valeurs[1] <= 0:
            continue
        n_, rc_, bas_, haut_ = valeurs
        if n_ > n_max or not float(n_).is_integer():
            continue
        decimales = min(_decimales(rc), _decimales(bas), _decimales(haut))
        cle = (int(n_), rc_, bas_, haut_, methode_rc)
        if cle in vus:
            continue
        vus.add(cle)
        def candidats_pour(ns):
            return np.concatenate([
                candidats_conditionnels(n, rc_, bas_, haut_, decimales=decimales) if methode_rc == "conditionnel"
                else candidats_woolf(n, rc_, bas_, haut_, decimales=decimales, avec_ic=methode_rc == "woolf")
                for n in ns if n > 0]).reshape(-1, 4)

        fuite = fuite_2x2(candidats_pour([int(n_)]), seuil)
        if fuite and int(n_) % 5 == 0:
            # un effectif publié multiple de 5 peut être arrondi : avant de crier à la fuite, l'attaquant
            # essaie tous les n qui s'y arrondissent (la vraie table peut être à n ± 2)
            fuite = fuite_2x2(candidats_pour(range(int(n_) - 2, int(n_) + 3)), seuil)
        if fuite:
            fuites.append(f"{source} : {fuite}")
    return fuites


def attaque_residus(comptes: pd.DataFrame, supprimees: np.ndarray, residus: pd.DataFrame, *,
                    total: int, seuil: int, decimales: int = 1, borne: int = 30) -> list[str]:
    """Les cellules supprimées d'un tableau croisé, retrouvées grâce aux résidus ajustés publiés.

    `comptes` : effectifs (les supprimés quelconques) ; `supprimees` : masque ;
    `residus` : résidus publiés (NaN = non publiés) ; `total` : effectif publié.
    Énumère les valeurs des cellules supprimées (0..borne, somme imposée par
    le total) et garde celles qui redonnent chaque résidu publié.
    """
    from paquet_analyse import associations

    visibles = np.where(supprimees, 0, comptes.to_numpy(dtype=float))
    reste = total - int(visibles.sum())
    cases = list(zip(*np.nonzero(supprimees)))
    if not cases or reste < 0 or len(cases) > 8:
        return []
    publies = residus.to_numpy(dtype=float)
    solutions = []

    def essayer(i, restant, valeurs):
        if len(solutions) > 50:
            return
        if i == len(cases) - 1:
            if restant > borne:
                return
            valeurs = valeurs + [restant]
            t = visibles.copy()
            for (r, c), v in zip(cases, valeurs):
                t[r, c] = v
            if (t.sum(axis=1) == 0).any() or (t.sum(axis=0) == 0).any():
                return
            attendu = np.outer(t.sum(axis=1), t.sum(axis=0)) / t.sum()
            p_l, p_c = t.sum(axis=1) / t.sum(), t.sum(axis=0) / t.sum()
            with np.errstate(invalid="ignore", divide="ignore"):
                r_aj = (t - attendu) / np.sqrt(attendu * np.outer(1 - p_l, 1 - p_c))
            ok = np.isnan(publies) | (np.abs(np.round(r_aj, decimales) - publies) <= 0.5 * 10 ** -decimales + 1e-9)
            if ok.all():
                solutions.append(valeurs)
            return
        for v in range(0, min(borne, restant) + 1):
            essayer(i + 1, restant - v, valeurs + [v])

    essayer(0, reste, [])
    del associations
    if not solutions:
        return []
    fuites = []
    for k, (r, c) in enumerate(cases):
        valeurs = {s[k] for s in solutions}
        if len(valeurs) == 1 and 1 <= next(iter(valeurs)) < seuil:
            fuites.append(f"cellule ({comptes.index[r]}, {comptes.columns[c]}) = {next(iter(valeurs))} retrouvée "
                          f"par les résidus ({len(solutions)} solution(s))")
    return fuites


COMPTES_PERSONNES = ("effectif", "manquants", "nb_heures_manquantes", "nb_sieges_sans_organisation", "n_1", "n_2")


def attaque_comptes(dossier: Path, seuil: int) -> list[str]:
    """Comptes de 1 à seuil - 1 publiés tels quels, et différences exactes entre comptes publiés."""
    fuites = []
    for chemin in sorted((dossier / "tableaux").glob("*.csv")):
        t = pd.read_csv(chemin)
        for colonne in COMPTES_PERSONNES:
            if colonne not in t.columns or (colonne == "effectif" and "indicateur" in t.columns):
                continue  # portraits : protégés par parts et compléments, vérifiés ailleurs
            x = pd.to_numeric(t[colonne], errors="coerce")
            for i in x[(x >= 1) & (x < seuil)].index:
                fuites.append(f"{chemin.name}, ligne {i + 2}, {colonne} = {int(x[i])}")
        # différences entre effectifs exacts des tests d'un même territoire et d'un même niveau : les
        # mêmes unités, moins celles qui manquent à l'une ou l'autre variable (un portrait, lui, compte
        # des indicateurs différents : la différence de deux effectifs n'y désigne personne)
        if {"effectif", "territoire", "niveau", "id"} <= set(t.columns):
            for (territoire, niveau), bloc in t.groupby(["territoire", "niveau"]):
                n = pd.to_numeric(bloc["effectif"], errors="coerce").dropna().astype(int)
                for a, b in combinations(sorted(set(n)), 2):
                    if 1 <= abs(a - b) < seuil:
                        fuites.append(f"{chemin.name}, {territoire} ({niveau}) : effectifs {a} et {b} publiés "
                                      f"exactement, différence {abs(a - b)}")
                        break
    return fuites


def _compte_connu(ligne) -> float | None:
    """L'effectif d'une ligne de portrait publiée : tel quel, ou proportion × dénominateur."""
    k, n, p = (pd.to_numeric(pd.Series([ligne.get(c)]), errors="coerce").iloc[0]
               for c in ("effectif", "denominateur", "proportion"))
    if pd.notna(k):
        return float(k)
    if pd.notna(p) and pd.notna(n):
        return float(round(p * n))
    return None


def attaque_portraits(dossier: Path, seuil: int) -> list[str]:
    """Parts supprimées des portraits retrouvées par différence entre tout ce qui est publié.

    Lit le tableau empilé (`portraits_territoires.csv` : chaque territoire et
    « Ensemble ») et le portrait de chaque territoire (`portrait_<territoire>.csv`).
    Pour chaque indicateur, un effectif connu dans une publication l'est pour
    toutes ; l'ensemble moins les territoires connus donne la somme des
    inconnus : si elle (ou son complément) tombe entre 1 et seuil - 1, les
    parts supprimées sont retrouvées (exactement s'il n'en reste qu'une, sinon
    bornées sous le seuil) ; de même pour un « Ensemble » supprimé dont tous
    les territoires sont connus.
    """
    from paquet_analyse import chemins

    tableaux = dossier / "tableaux"
    empile = tableaux / "portraits_territoires.csv"
    if not empile.is_file():
        return []
    publies = [pd.read_csv(empile)]
    for territoire in publies[0]["territoire"].unique():
        chemin = tableaux / f"portrait_{chemins.nom_sur(territoire)}.csv"
        if chemin.is_file():
            publies.append(pd.read_csv(chemin).assign(territoire=territoire))
    connus: dict[tuple[str, str], float] = {}
    denominateurs: dict[tuple[str, str], float] = {}
    for t in publies:
        for _, ligne in t[t["unite"] == "proportion"].iterrows():
            cle = (ligne["territoire"], ligne["indicateur"])
            denominateurs[cle] = float(ligne["denominateur"])
            k = _compte_connu(ligne)
            if k is not None:
                connus[cle] = k
    fuites = []
    territoires = [t for t in publies[0]["territoire"].unique() if t != "Ensemble"]
    for indicateur in publies[0]["indicateur"].unique():
        if ("Ensemble", indicateur) not in denominateurs:
            continue
        inconnus = [t for t in territoires if (t, indicateur) not in connus]
        somme_connus = sum(connus.get((t, indicateur), 0.0) for t in territoires if t not in inconnus)
        if ("Ensemble", indicateur) in connus and inconnus:
            reste = connus[("Ensemble", indicateur)] - somme_connus
            complement = sum(denominateurs[(t, indicateur)] for t in inconnus) - reste
            if 1 <= reste < seuil or 1 <= complement < seuil:
                fuites.append(f"{indicateur} : {', '.join(inconnus)} (supprimé(s)) = ensemble - autres territoires "
                              f"= {reste:g} (complément {complement:g})")
        elif ("Ensemble", indicateur) not in connus and not inconnus:
            complement = denominateurs[("Ensemble", indicateur)] - somme_connus
            if 1 <= somme_connus < seuil or 1 <= complement < seuil:
                fuites.append(f"{indicateur} : ensemble (supprimé) = somme des territoires = {somme_connus:g}")
    return fuites
