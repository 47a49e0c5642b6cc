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


def attaque_comptes(dossier: Path, seuil: int) -> list[str]:
    """Petites cases publiées telles quelles : part d'un portrait dont l'effectif ou le complément
    (dénominateur - effectif) compte de 1 à seuil - 1 ; moyenne d'un groupe de moins de `seuil` personnes.

    (Les effectifs des tests, les réponses manquantes et les unités hors définition sont des marges,
    publiées exactement par choix : elles ne sont pas des cases à protéger, voir README.)
    """
    fuites = []
    for chemin in sorted((dossier / "tableaux").glob("*.csv")):
        t = pd.read_csv(chemin)
        if {"effectif", "denominateur", "proportion", "unite"} <= set(t.columns):
            parts = t[t["unite"] == "proportion"]
            if "indicateur" in parts.columns:
                parts = parts[~parts["indicateur"].isin(["densite_liens"])]
            k = pd.to_numeric(parts["effectif"], errors="coerce")
            n = pd.to_numeric(parts["denominateur"], errors="coerce")
            for i in parts.index[(((k >= 1) & (k < seuil)) | ((n - k >= 1) & (n - k < seuil))).fillna(False)]:
                fuites.append(f"{chemin.name}, ligne {i + 2} : part publiée sur une petite case "
                              f"({int(k[i])} sur {int(n[i])})")
        if {"moyenne", "effectif"} <= set(t.columns):
            petits = (pd.to_numeric(t["effectif"], errors="coerce") < seuil) & t["moyenne"].notna()
            for i in t.index[petits.fillna(False)]:
                fuites.append(f"{chemin.name}, ligne {i + 2} : moyenne publiée pour {int(t.loc[i, 'effectif'])} personnes")
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


# --------------------------------------------------------------------------
# Toute la publication ensemble : ce qu'un intrus tire de la combinaison des nombres publiés
#
# Les attaques ci-dessous raisonnent comme un intrus qui a tout lu (CSV de `tableaux/`, sorties des carnets
# exécutés) et qui, en plus, connaît les marges de chaque strate (nombre de concertations d'un territoire,
# exposées, avec l'issue) : hypothèse prudente, plus forte que ce qui est publié. Une cellule supprimée est
# protégée si elle peut encore prendre au moins deux valeurs compatibles avec TOUT ce qui est publié, à la
# précision publiée : chaque attaque cherche ces valeurs, et signale une fuite quand elle n'en trouve qu'une.


def _texte_nombre(x) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else str(x)


def _tolerance(texte: str) -> float:
    """La moitié de la dernière unité écrite d'un nombre publié (« 2,73 » -> 0,005 ; « 1.3e-10 » -> 5e-12)."""
    t = str(texte).strip().replace(",", ".").lower()
    if not t:
        return math.inf
    mantisse, _, exposant = t.partition("e")
    decimales = len(mantisse.split(".")[1]) if "." in mantisse else 0
    return 0.5 * 10 ** (-decimales + (int(exposant) if exposant else 0))


def attaque_differences(dossier: Path, seuil: int) -> list[str]:
    """Comptes supprimés retrouvés par différence avec une ligne « Ensemble », et petits comptes publiés
    déguisés en parts (part × dénominateur).

    Pour chaque tableau publié qui a une colonne de territoires et une ligne « Ensemble » (CSV de
    `tableaux/`), chaque colonne de comptes dont une seule case de territoire est vide se recalcule :
    ensemble - les autres. Une part (`part_*`) publiée avec son dénominateur redonne un compte : s'il
    tombe entre 1 et seuil - 1 (lui ou son complément), c'est une petite cellule publiée.
    """
    fuites = []
    for chemin in sorted((dossier / "tableaux").glob("*.csv")):
        t = pd.read_csv(chemin, dtype=str, keep_default_na=False)
        if "territoire" not in t.columns or "indicateur" in t.columns:  # portraits : `attaque_portraits`
            continue
        ensemble = t[t["territoire"] == "Ensemble"]
        autres = t[t["territoire"] != "Ensemble"]
        if len(ensemble) == 1:
            for colonne in t.columns:
                if not (colonne.startswith("nb_") or colonne in ("effectif", "manquants", "denominateur")):
                    continue
                valeurs = pd.to_numeric(autres[colonne], errors="coerce")
                total = pd.to_numeric(ensemble[colonne], errors="coerce").iloc[0]
                vides = valeurs.isna() & (autres[colonne].str.strip() != "")  # « x » ou NA publié
                vides |= autres[colonne].str.strip() == ""
                if pd.notna(total) and int(vides.sum()) == 1 and valeurs.notna().sum() == len(valeurs) - 1:
                    reste = total - valeurs.sum()
                    territoire = autres.loc[vides, "territoire"].iloc[0]
                    fuites.append(f"{chemin.name}, {colonne} de {territoire} (supprimé) = Ensemble - autres = {reste:g}")
        for colonne in [c for c in t.columns if c.startswith("part_")]:
            base = "nb_instances" if "instances" in colonne else None
            if base not in t.columns:
                continue
            for _, ligne in t.iterrows():
                p, n = nombre(ligne[colonne]), nombre(ligne[base])
                if p is None or n is None:
                    continue
                k = round(p * n)
                if abs(p * n - k) < 1e-6 and (1 <= k < seuil or 1 <= n - k < seuil):
                    fuites.append(f"{chemin.name}, {ligne['territoire']} : {colonne} × {base} = {k} (sur {n:g})")
    return fuites


# --- Statistiques regroupées sur des strates supprimées (Mantel-Haenszel, Breslow-Day/Tarone) --------------


def _stats_mh(tables: np.ndarray) -> dict:
    """RC commun de Mantel-Haenszel, IC de Robins-Breslow-Greenland, Wald du log du RC, Tarone ; par
    statsmodels (`StratifiedTable`), indépendamment du code du projet. `tables` : (K, 4) a, b, c, d."""
    from statsmodels.stats.contingency_tables import StratifiedTable

    utiles = tables[(tables.sum(axis=1) > 1)]
    st = StratifiedTable(utiles.reshape(-1, 2, 2).transpose(1, 2, 0).astype(float))
    rc = st.oddsratio_pooled
    bas, haut = st.oddsratio_pooled_confint()
    wald = (math.log(rc) / st.logodds_pooled_se) ** 2 if rc > 0 and math.isfinite(rc) else math.nan
    tarone = st.test_equal_odds(adjust=True)
    return {"estimation": rc, "ic_bas": bas, "ic_haut": haut, "statistique": wald,
            "p_valeur": stats.chi2.sf(wald, 1), "tarone": tarone.statistic, "p_tarone": tarone.pvalue}


def _strates_publiees(texte: str, noms: list[str]) -> np.ndarray:
    """Matrice (strates publiées × territoires) de la colonne `strates` (« A ; B + C (regroupés) ») : la
    statistique regroupée porte sur la somme des tableaux de chaque strate publiée."""
    groupes = [[m.strip() for m in g.replace("(regroupés)", "").split(" + ")] for g in str(texte).split(" ; ")
               if g.strip()] or [[n] for n in noms]
    vus = {m for g in groupes for m in g}
    groupes += [[n] for n in noms if n not in vus]
    return np.array([[1 if n in g else 0 for n in noms] for g in groupes], dtype=int)


def _compatible(calcule: dict, publie: dict) -> bool:
    for cle, (valeur, tolerance) in publie.items():
        x = calcule.get(cle)
        if x is None or not math.isfinite(x) or abs(x - valeur) > tolerance * (1 + 1e-9) + 1e-12:
            return False
    return True


def _tables_de_marges(n: int, r1: int, c1: int) -> np.ndarray:
    """Tous les 2×2 (a, b, c, d) d'effectif n, de première ligne r1 et de première colonne c1."""
    a = np.arange(max(0, r1 + c1 - n), min(r1, c1) + 1)
    return np.column_stack([a, r1 - a, c1 - a, n - r1 - c1 + a])


def attaque_strates(dossier: Path, seuil: int, strates_vraies: dict, *, cle_h5: dict | None = None) -> list[str]:
    """Strates supprimées retrouvées grâce aux statistiques regroupées publiées pour la région.

    `strates_vraies` : hypothèse -> {territoire: (a, b, c, d)}, les vrais tableaux 2×2 (exposition × issue)
    de chaque territoire. L'intrus en prend les marges (n, exposées, avec l'issue), et les tableaux entiers
    des strates dont les statistiques sont publiées par territoire : hypothèse prudente. Pour chaque strate
    supprimée qui a une petite case, il cherche un autre tableau (mêmes marges), avec au besoin une autre
    strate supprimée changée elle aussi, qui redonne EXACTEMENT, à la précision publiée, le RC commun, son
    IC, la statistique et la p de la région (et Tarone pour l'hypothèse d'homogénéité jumelle, `cle_h5` :
    id d'association -> id d'homogénéité). Aucune autre valeur possible : fuite.
    """
    synthese = dossier / "tableaux" / "synthese_hypotheses.csv"
    if not synthese.is_file():
        return []
    region = pd.read_csv(synthese, dtype=str, keep_default_na=False).set_index("id")
    territoires = {}
    for chemin in sorted((dossier / "tableaux").glob("hypotheses_*.csv")):
        t = pd.read_csv(chemin, dtype=str, keep_default_na=False)
        for _, ligne in t.iterrows():
            territoires[(ligne["id"], ligne["territoire"])] = ligne
    fuites = []
    for id_, strates in strates_vraies.items():
        if id_ not in region.index or not region.loc[id_, "estimation"]:
            continue  # RC commun non publié : rien à exploiter
        publie = {c: (nombre(region.loc[id_, c]), _tolerance(region.loc[id_, c]))
                  for c in ("estimation", "ic_bas", "ic_haut", "statistique", "p_valeur")
                  if nombre(region.loc[id_, c]) is not None}
        h5 = (cle_h5 or {}).get(id_)
        if h5 and h5 in region.index:
            for c_pub, c_calc in (("statistique", "tarone"), ("p_valeur", "p_tarone")):
                if nombre(region.loc[h5, c_pub]) is not None:
                    publie[c_calc] = (nombre(region.loc[h5, c_pub]), _tolerance(region.loc[h5, c_pub]))
        noms = list(strates)
        vraies = np.array([strates[n] for n in noms], dtype=int)
        publiees = _strates_publiees(region.loc[id_, "strates"] if "strates" in region.columns else "", noms)
        inconnues = [i for i, n in enumerate(noms)
                     if not (territoires.get((id_, n)) is not None and territoires[(id_, n)]["estimation"])]
        sensibles = [i for i in inconnues if ((vraies[i] >= 1) & (vraies[i] < seuil)).any()]
        if publiees.shape[0] == 1:
            # une seule strate publiée : la statistique (test d'un tableau 2 × 2) ne dépend que de la somme des
            # tableaux ; l'intrus, prudent, ne garde que les tableaux de même somme (il sait la recalculer)
            def compatible(essai, somme=publiees @ vraies):
                return bool((publiees @ essai == somme).all())
        else:
            def compatible(essai):
                return _compatible(_stats_mh(publiees @ essai), publie)
            if sensibles and not compatible(vraies):
                fuites.append(f"{id_} : statistiques de la région non reproduites par l'intrus à partir des vrais "
                              "tableaux : son modèle de la statistique publiée est faux")
                continue
        for i in sensibles:
            n, r1, c1 = int(vraies[i].sum()), int(vraies[i, 0] + vraies[i, 1]), int(vraies[i, 0] + vraies[i, 2])
            autres_i = [t for t in _tables_de_marges(n, r1, c1) if t[0] != vraies[i, 0]]
            temoin = None
            for t_i in autres_i:  # seule la strate i change
                essai = vraies.copy()
                essai[i] = t_i
                if compatible(essai):
                    temoin = essai
                    break
            for j in [j for j in inconnues if j != i] if temoin is None else []:
                nj, r1j, c1j = int(vraies[j].sum()), int(vraies[j, 0] + vraies[j, 1]), int(vraies[j, 0] + vraies[j, 2])
                for t_i in autres_i:
                    for t_j in _tables_de_marges(nj, r1j, c1j):
                        essai = vraies.copy()
                        essai[i], essai[j] = t_i, t_j
                        if compatible(essai):
                            temoin = essai
                            break
                    if temoin is not None:
                        break
                if temoin is not None:
                    break
            if temoin is None:
                fuites.append(f"{id_}, {noms[i]} : tableau {vraies[i].tolist()} seul compatible avec le RC commun, "
                              f"son IC et ses tests publiés ({len(inconnues)} strate(s) inconnue(s))")
    return fuites


# --- Rejouer la règle de suppression ------------------------------------------------------------------------


def _remplissages(marges_l: np.ndarray, marges_c: np.ndarray, connus: np.ndarray, *, limite: int = 20000):
    """Toutes les façons de remplir les cases inconnues (NaN de `connus`) en respectant les marges."""
    inconnues = list(zip(*np.nonzero(np.isnan(connus))))
    base = np.nan_to_num(connus)
    reste_l = marges_l - base.sum(axis=1)
    reste_c = marges_c - base.sum(axis=0)
    solutions = []

    def suivant(k, rl, rc, valeurs):
        if len(solutions) >= limite:
            return
        if k == len(inconnues):
            if (rl == 0).all() and (rc == 0).all():
                solutions.append(list(valeurs))
            return
        i, j = inconnues[k]
        # dernière inconnue de sa ligne ou de sa colonne : valeur imposée
        for v in range(0, int(min(rl[i], rc[j])) + 1):
            rl[i] -= v
            rc[j] -= v
            reste_ligne = [kk for kk in range(k + 1, len(inconnues)) if inconnues[kk][0] == i]
            reste_col = [kk for kk in range(k + 1, len(inconnues)) if inconnues[kk][1] == j]
            if (reste_ligne or rl[i] == 0) and (reste_col or rc[j] == 0):
                suivant(k + 1, rl, rc, valeurs + [v])
            rl[i] += v
            rc[j] += v

    suivant(0, reste_l.astype(int).copy(), reste_c.astype(int).copy(), [])
    return inconnues, solutions


def attaque_rejeu(publie: pd.DataFrame, marges_l, marges_c, seuil: int, *, regle=None) -> list[str]:
    """Cases supprimées d'un tableau croisé retrouvées à partir des totaux et, si l'intrus peut la rejouer,
    de la règle de suppression.

    `publie` : le tableau tel qu'affiché (effectifs, « x » pour une case supprimée) ; `marges_l`,
    `marges_c` : ses totaux de ligne et de colonne (connus de l'intrus). Chaque remplissage des cases
    « x » compatible avec les marges est gardé ; avec `regle` (tableau -> masque des cases supprimées : la
    règle publique, quand elle ne dépend que du tableau), seuls restent ceux qui, soumis à la règle,
    redonnent exactement les mêmes cases supprimées. Une petite case qui n'a plus qu'une valeur possible
    est retrouvée. (La publication choisit ses suppressions complémentaires avec une clé tirée des
    microdonnées : sans elle, pas de règle à rejouer, `regle=None`.)
    """
    texte = publie.astype(str)
    masque = (texte == "x").to_numpy()
    connus = np.where(masque, np.nan, pd.DataFrame(texte).apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float))
    inconnues, solutions = _remplissages(np.asarray(marges_l, float), np.asarray(marges_c, float), connus)
    gardees = []
    for valeurs in solutions:
        if regle is None:
            gardees.append(valeurs)
            continue
        t = np.nan_to_num(connus).copy()
        for (i, j), v in zip(inconnues, valeurs):
            t[i, j] = v
        if (np.asarray(regle(pd.DataFrame(t.astype(int), index=publie.index, columns=publie.columns))) == masque).all():
            gardees.append(valeurs)
    fuites = []
    for k, (i, j) in enumerate(inconnues):
        possibles = {s[k] for s in gardees}
        if len(possibles) == 1 and 1 <= next(iter(possibles)) < seuil:
            fuites.append(f"case ({publie.index[i]}, {publie.columns[j]}) = {next(iter(possibles))} : seule valeur "
                          f"compatible ({len(gardees)} remplissage(s) sur {len(solutions)})")
    return fuites


# --------------------------------------------------------------------------
# Toutes les attaques, avec ce que l'intrus sait en plus (hypothèse prudente)


def savoir_de_l_intrus(donnees) -> dict:
    """Ce que l'intrus est supposé connaître en plus de la publication (hypothèse prudente, plus forte que ce
    qui est publié) : les vrais tableaux 2×2 de chaque territoire pour chaque hypothèse d'association au
    niveau des instances (il en prend les marges, et le tableau entier des strates publiées), et les marges
    de chaque tableau croisé « logique × modèle » des carnets 03."""
    from paquet_analyse import associations, donnees as donnees_, hypotheses

    strates, croisements = {}, {}
    for h in donnees.plan.hypotheses:
        if h.niveau != "instances" or h.methode not in ("association", "mantel_haenszel"):
            continue
        if donnees_.non_disponible(donnees, h.exposition, h.issue):
            continue
        t, _, _ = hypotheses.tableau_analyse(donnees, h, avec_territoire=True)
        strates[h.id] = {}
        for territoire in donnees.jeu.liste_territoires():
            bloc = t[t["territoire"] == territoire]
            e, i = bloc[h.exposition].astype(bool), bloc[h.issue].astype(bool)
            strates[h.id][territoire] = (int((e & i).sum()), int((e & ~i).sum()), int((~e & i).sum()),
                                         int((~e & ~i).sum()))
    if not donnees_.non_disponible(donnees, "logique_initiateur", "modele"):
        for territoire in donnees.jeu.liste_territoires():
            d = donnees_.restreindre(donnees, territoire)
            c = associations.tableau_croise(d.instances[["logique_initiateur", "modele"]].dropna(),
                                            "logique_initiateur", "modele")
            croisements[territoire] = (c.sum(axis=1).to_numpy(), c.sum(axis=0).to_numpy())
    jumelles = {}
    for h in donnees.plan.hypotheses:
        if h.methode == "mantel_haenszel":
            for a in donnees.plan.hypotheses:
                if a.methode == "association" and (a.exposition, a.issue) == (h.exposition, h.issue):
                    jumelles[a.id] = h.id
    return {"strates": strates, "croisements": croisements, "jumelles": jumelles}


def croisements_publies(dossier: Path) -> dict:
    """Territoire -> le tableau « logique × modèle » tel qu'affiché par son carnet 03 (« x » compris)."""
    sortie = {}
    for chemin in sorted((dossier / "carnets" / "territoires").glob("*/03_associations_territoire.ipynb")):
        nb = json.loads(chemin.read_text(encoding="utf-8"))
        territoire = nb["metadata"].get("papermill", {}).get("parameters", {}).get("territoire")
        for cellule in nb["cells"]:
            if "croisement" not in "".join(cellule.get("source", "")) or "montrer" not in "".join(cellule["source"]):
                continue
            for s in cellule.get("outputs", []):
                for tableau in tableaux_html("".join(s.get("data", {}).get("text/html", ""))):
                    entetes = tableau[0][1:]  # la première case nomme les lignes (« Logique d'initiation »)
                    lignes = [l for l in tableau[1:] if len(l) == len(entetes) + 1 and any(l[1:])]
                    if lignes:
                        sortie[territoire] = pd.DataFrame([l[1:] for l in lignes], index=[l[0] for l in lignes],
                                                          columns=entetes)
    return sortie


def attaque_publication(dossier: Path, seuil: int, donnees) -> list[str]:
    """Toutes les attaques sur toute la publication d'un jeu, avec le savoir prudent de l'intrus."""
    savoir = savoir_de_l_intrus(donnees)
    fuites = (attaque_rapports_de_cotes(dossier, seuil) + attaque_comptes(dossier, seuil)
              + attaque_portraits(dossier, seuil) + attaque_differences(dossier, seuil)
              + attaque_strates(dossier, seuil, savoir["strates"], cle_h5=savoir["jumelles"]))
    publies = croisements_publies(dossier)
    for territoire, (marges_l, marges_c) in savoir["croisements"].items():
        publie = publies.get(territoire)
        if publie is None or publie.shape != (len(marges_l), len(marges_c)):
            # un tableau que l'intrus ne sait pas lire n'est pas audité : le dire plutôt que de passer en silence
            fuites.append(f"{territoire} : tableau croisé du carnet 03 introuvable ou illisible, rejeu non audité")
            continue
        fuites += [f"{territoire} : {f}" for f in attaque_rejeu(publie, marges_l, marges_c, seuil)]
    return fuites
