"""Contrôle de la divulgation : petites cellules, tableaux et figures protégés.

Un tableau publié ne doit pas permettre de reconnaître un répondant ni une
instance : une cellule de 1 à 4 unités (seuil 5 dans le plan d'analyse) dans un croisement
par territoire peut désigner une personne ou une table précise.

Méthode (suppression primaire et secondaire, Hundepool et al. 2012,
*Statistical Disclosure Control*, Wiley, chap. 4 et 5 ; pratique de
Statistique Canada, où une valeur supprimée est marquée « x ») :

1. **suppression primaire** : toute cellule dont l'effectif est compris entre
   1 et ``seuil - 1``, et toutes les cellules (zéros compris) d'une ligne ou
   d'une colonne dont le total est compris entre 1 et ``seuil - 1``. Les zéros ne sont pas supprimés par défaut (règle
   usuelle : un zéro ne désigne personne), sauf avec ``zeros_sensibles=True``
   (un zéro révèle alors que *tous* les membres d'un groupe ont la même
   réponse : divulgation d'attribut de groupe) ;
2. **suppression secondaire** : les totaux de ligne et de colonne sont
   supposés connus (publiés dans le tableau ou ailleurs). Une cellule
   supprimée seule dans sa ligne se recalcule par soustraction ; plus
   généralement, dans un tableau à deux dimensions, une cellule supprimée se
   recalcule exactement si et seulement si elle n'appartient à aucun cycle de
   cellules supprimées (lignes et colonnes alternées) : c'est un « pont » du
   graphe biparti lignes x colonnes. Chaque cellule non protégée est donc
   placée sur un rectangle de quatre cellules supprimées (méthode de
   l'hypercube, Repsilber 1994 ; Hundepool et al. 2012, § 4.4.3), en
   choisissant le rectangle de plus petite valeur totale (perte
   d'information minimale) ; on recommence jusqu'à ce qu'aucune cellule
   supprimée ne soit recalculable. Il en résulte qu'une ligne ou une colonne
   qui contient une cellule supprimée en contient au moins deux.
   Les cellules de total (marges) ne sont choisies qu'en dernier recours, et
   les zéros seulement s'il n'y a pas d'autre choix.

Limites : cette protection empêche le recalcul *exact* ; elle ne garantit pas
un intervalle de protection minimal (audit par programmation linéaire de
τ-ARGUS ou de sdcTable) ni la protection entre tableaux liés (un même
indicateur publié par territoire *et* pour l'ensemble permet de recalculer un
territoire supprimé par différence). Les effectifs doivent être non pondérés.

Les identifiants directs (colonnes et valeurs) sont refusés bien avant, dès
la lecture du jeu (`identifiants_directs`).

Exemple
-------
>>> import pandas as pd
>>> t = pd.DataFrame({"a": [3, 8, 11], "b": [10, 20, 9], "c": [12, 15, 30]},
...                  index=["x", "y", "z"])
>>> p = supprimer_petites_cellules(t, seuil=5)
>>> p.affichage()  # le rectangle x-z / a-b (3 + 10 + 11 + 9) est le moins coûteux
   a   b   c
x  x   x  12
y  8  20  15
z  x   x  30
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace

import networkx as nx
import numpy as np
import pandas as pd

from .chargement import normaliser_nom
from .erreurs import ErreurConfidentialite, ErreurDonnees
from .texte import strates_publiees

MARQUE = "x"
ETIQUETTES_TOTAL = {"total", "totaux", "all", "ensemble", "tous", "toutes", "somme", "marge", "margin"}
COLONNES_PORTRAIT = ["indicateur", "libelle", "niveau", "effectif", "denominateur",
                     "proportion", "ic_bas", "ic_haut", "unite"]
COLONNES_PORTRAIT_SUPPRIMEES = ["effectif", "proportion", "ic_bas", "ic_haut"]
INDICATEURS_EXEMPTES = ("densite_liens", "concertations_par_10000")
REFERENCE = ("Hundepool et al. (2012), Statistical Disclosure Control, chap. 4 ; règle des petites "
             "cellules de Statistique Canada")
COUT_ZERO = 1e9
COUT_MARGE = 1e12


# --------------------------------------------------------------------------
# Résultat


@dataclass(frozen=True, eq=False)
class TableauProtege:
    """Un tableau prêt à diffuser : valeurs supprimées mises à NA, et marquées.

    Attributs
    ---------
    valeurs : pandas.DataFrame
        Le tableau, cellules supprimées à NA (les nombres restent des nombres).
    masque : pandas.DataFrame
        Booléens, même forme : vrai pour une cellule supprimée.
    primaires : pandas.DataFrame
        Booléens : vrai pour une suppression primaire (petite cellule) ; les
        autres cellules du masque sont des suppressions secondaires.
    seuil : int
        Effectif minimal publié.
    note : str
        Note française à placer sous le tableau.
    """

    valeurs: pd.DataFrame
    masque: pd.DataFrame
    primaires: pd.DataFrame
    seuil: int
    note: str
    marque: str = MARQUE

    @property
    def nb_primaires(self) -> int:
        return int(self.primaires.to_numpy().sum())

    @property
    def nb_secondaires(self) -> int:
        return int(self.masque.to_numpy().sum()) - self.nb_primaires

    def affichage(self, *, decimales: int = 3) -> pd.DataFrame:
        """Version texte pour l'affichage : « x » pour une cellule supprimée,
        virgule décimale, cellule vide pour une valeur manquante."""
        sortie = pd.DataFrame(index=self.valeurs.index, columns=self.valeurs.columns, dtype=object)
        for nom in self.valeurs.columns:
            serie = self.valeurs[nom]
            # une colonne de réels non entiers garde ses décimales partout (70,0 et 44,0, pas 70 et 44,0)
            reels = pd.to_numeric(serie, errors="coerce") if pd.api.types.is_float_dtype(serie) else None
            fractions = reels is not None and bool((reels.dropna() % 1 != 0).any())
            sortie[nom] = [_texte_cellule(v, decimales, entiers=not fractions) for v in serie.astype(object)]
            sortie.loc[self.masque[nom].to_numpy(), nom] = self.marque
        return sortie

    def _repr_html_(self) -> str:
        return self.affichage().to_html() + f"<p><small>{html.escape(self.note)}</small></p>"

    def __repr__(self) -> str:
        # texte déterministe (sans adresse mémoire) : les carnets vérifiés par nbval le comparent
        return f"{self.affichage().to_string()}\n{self.note}"


def _texte_cellule(valeur, decimales: int, *, entiers: bool = True) -> str:
    if valeur is None or valeur is pd.NA or (isinstance(valeur, float) and np.isnan(valeur)):
        return ""
    if isinstance(valeur, (bool, np.bool_)):
        return "oui" if valeur else "non"
    if isinstance(valeur, (int, np.integer)) or (entiers and isinstance(valeur, float) and valeur.is_integer()):
        return str(int(valeur))
    if isinstance(valeur, (float, np.floating)):
        return f"{valeur:.{decimales}f}".replace(".", ",")
    return str(valeur)


# --------------------------------------------------------------------------
# Contrôle des entrées


def _effectifs(tableau: pd.DataFrame) -> np.ndarray:
    """Les effectifs en réels (NaN pour une cellule absente) ; refuse ce qui n'en est pas."""
    if not isinstance(tableau, pd.DataFrame):
        raise ErreurDonnees(f"Un tableau d'effectifs (pandas.DataFrame) est attendu, reçu {type(tableau).__name__}.")
    texte = [c for c in tableau.columns if not pd.api.types.is_numeric_dtype(tableau[c])
             or pd.api.types.is_bool_dtype(tableau[c])]
    if texte:
        raise ErreurDonnees(f"Colonne(s) non numérique(s) {texte} : ne garder que les effectifs (mettre les "
                            "libellés en index, par ex. tableau.set_index('territoire')).")
    valeurs = tableau.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    fautives = ~np.isnan(valeurs) & ((valeurs < 0) | (valeurs != np.round(valeurs)))
    if fautives.any():
        i, j = np.argwhere(fautives)[0]
        raise ErreurDonnees(f"Effectif invalide ligne « {tableau.index[i]} », colonne « {tableau.columns[j]} » : "
                            f"{valeurs[i, j]} (un effectif est un entier ≥ 0, non pondéré).")
    return valeurs


def _est_total(etiquette) -> bool:
    return normaliser_nom(etiquette) in ETIQUETTES_TOTAL


def _marges(valeurs: np.ndarray, tableau: pd.DataFrame, marges: bool | None) -> tuple[bool, bool]:
    """(dernière ligne = total, dernière colonne = total) : déclaré, ou reconnu au libellé et aux sommes."""
    nl, nc = valeurs.shape
    somme_l = nl > 2 and np.allclose(np.nansum(valeurs[:-1], axis=0), np.nan_to_num(valeurs[-1]))
    somme_c = nc > 2 and np.allclose(np.nansum(valeurs[:, :-1], axis=1), np.nan_to_num(valeurs[:, -1]))
    if marges is None:
        return (somme_l and _est_total(tableau.index[-1]), somme_c and _est_total(tableau.columns[-1]))
    if marges and not (somme_l or somme_c):
        raise ErreurDonnees("marges=True, mais ni la dernière ligne ni la dernière colonne ne sont la somme des "
                            "autres : vérifier le tableau (ou laisser marges=None).")
    return (bool(marges and somme_l), bool(marges and somme_c))


# --------------------------------------------------------------------------
# Suppression secondaire


def _couts(valeurs: np.ndarray, total_l: bool, total_c: bool) -> np.ndarray:
    """Coût de la suppression de chaque cellule : sa valeur ; zéros et totaux en dernier recours."""
    couts = np.where(valeurs == 0, COUT_ZERO, valeurs)
    if total_l:
        couts[-1, :] += COUT_MARGE
    if total_c:
        couts[:, -1] += COUT_MARGE
    return np.where(np.isnan(valeurs), np.inf, couts)


def _couts_cles(valeurs: np.ndarray, total_l: bool, total_c: bool, cle: str) -> np.ndarray:
    """Coûts qui ne dépendent pas des valeurs des cellules, sauf zéro ou non : un rang pseudo-aléatoire tiré
    d'une clé (`cle`) que seul le détenteur des microdonnées connaît. Celui qui a le tableau publié ne peut
    donc pas rejouer le choix des cellules complémentaires pour éliminer des valeurs possibles des cellules
    supprimées (`tests/attaquant.py`, `attaque_rejeu`). Zéros et totaux restent en dernier recours."""
    import hashlib

    nl, nc = valeurs.shape
    rang = np.array([[int.from_bytes(hashlib.sha256(f"{cle}|{i}|{j}".encode()).digest()[:6], "big") / 2 ** 48 + 1
                      for j in range(nc)] for i in range(nl)])
    couts = np.where(valeurs == 0, COUT_ZERO, rang)
    if total_l:
        couts[-1, :] += COUT_MARGE
    if total_c:
        couts[:, -1] += COUT_MARGE
    return np.where(np.isnan(valeurs), np.inf, couts)


def _rectangle(i: int, j: int, masque: np.ndarray, couts: np.ndarray) -> list[tuple[int, int]]:
    """Les cellules à ajouter pour placer (i, j) sur un rectangle de cellules supprimées, au moindre coût."""
    c = np.where(masque, 0.0, couts)
    total = c[i, :][None, :] + c[:, j][:, None] + c
    total[i, :] = np.inf
    total[:, j] = np.inf
    if not np.isfinite(total).any():
        return []
    l, k = np.unravel_index(np.argmin(total), total.shape)  # premier minimum : déterministe
    return [(i, int(k)), (int(l), j), (int(l), int(k))]


def cellules_recalculables(masque: np.ndarray) -> list[tuple[int, int]]:
    """Cellules supprimées qu'on peut recalculer à partir des totaux de ligne et de colonne.

    Tableau à deux dimensions (au moins 2 lignes et 2 colonnes) : une cellule
    supprimée se recalcule si et seulement si elle est un pont du graphe
    biparti (lignes, colonnes ; une arête par cellule supprimée). Tableau à une
    dimension : si elle est seule supprimée de sa ligne (ou colonne).

    >>> cellules_recalculables(np.array([[True, True], [False, False]]))
    [(0, 0), (0, 1)]
    """
    masque = np.asarray(masque, dtype=bool)
    nl, nc = masque.shape
    if nl == 1 or nc == 1:
        cellules = [tuple(int(v) for v in c) for c in np.argwhere(masque)]
        return cellules if len(cellules) == 1 else []
    graphe = nx.Graph()
    graphe.add_edges_from((("l", int(i)), ("c", int(j))) for i, j in np.argwhere(masque))
    ponts = []
    for u, v in nx.bridges(graphe):
        ligne, colonne = (u, v) if u[0] == "l" else (v, u)
        ponts.append((ligne[1], colonne[1]))
    return sorted(ponts)


def intervalles_possibles(valeurs: np.ndarray, masque: np.ndarray, primaires: np.ndarray, *,
                          seuil: int) -> tuple[np.ndarray, np.ndarray]:
    """Pour chaque cellule supprimée, la plus petite et la plus grande valeur entière compatibles avec les
    cellules visibles et les totaux de ligne et de colonne (supposés connus), une cellule primaire étant
    entre 1 et ``seuil - 1`` (0 à ``seuil - 1`` pour un zéro d'une ligne de petit total) et les autres ≥ 0 : ce qu'un intrus peut en dire (programme en nombres entiers,
    `scipy.optimize.milp`). NaN hors des cellules supprimées.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    v = np.nan_to_num(valeurs)
    cases = [tuple(int(x) for x in c) for c in np.argwhere(masque)]
    bas = np.full(masque.shape, np.nan)
    haut = np.full(masque.shape, np.nan)
    if not cases:
        return bas, haut
    nl, nc = masque.shape
    lignes_a, bornes_a = [], []
    for i in range(nl):
        coef = [1.0 if c[0] == i else 0.0 for c in cases]
        if any(coef):
            lignes_a.append(coef)
            bornes_a.append(float(v[i, masque[i]].sum()))
    for j in range(nc):
        coef = [1.0 if c[1] == j else 0.0 for c in cases]
        if any(coef):
            lignes_a.append(coef)
            bornes_a.append(float(v[masque[:, j], j].sum()))
    a = np.array(lignes_a)
    contraintes = LinearConstraint(a, bornes_a, bornes_a)
    # une cellule primaire est entre 1 et seuil - 1 (hypothèse prudente : l'intrus saurait lesquelles le sont) ;
    # dans une ligne (colonne) de petit total, supprimée en entier, entre 0 et seuil - 1 : l'intrus sait
    # seulement que le total est petit, pas quelles cases sont nulles
    petite_l = (v.sum(axis=1) >= 1) & (v.sum(axis=1) < seuil)
    petite_c = (v.sum(axis=0) >= 1) & (v.sum(axis=0) < seuil)
    dans_petite = petite_l[:, None] | petite_c[None, :]
    mini = np.array([1.0 if primaires[c] and not dans_petite[c] else 0.0 for c in cases])
    maxi = np.array([float(seuil - 1) if primaires[c] else np.inf for c in cases])
    for k, c in enumerate(cases):
        objectif = np.zeros(len(cases))
        for signe, cible in ((1.0, bas), (-1.0, haut)):
            objectif[k] = signe
            r = milp(objectif, constraints=contraintes, integrality=np.ones(len(cases)), bounds=Bounds(mini, maxi))
            cible[c] = signe * r.fun if r.status == 0 else v[c]
    return bas, haut


def _suppression_secondaire(masque: np.ndarray, couts: np.ndarray) -> np.ndarray:
    masque = masque.copy()
    nl, nc = masque.shape
    for _ in range(masque.size + 1):
        exposees = cellules_recalculables(masque)
        if not exposees:
            return masque
        i, j = exposees[0]
        if nl == 1 or nc == 1:
            ligne = np.where(masque.ravel(), np.inf, couts.ravel())
            ajouts = [np.unravel_index(int(np.argmin(ligne)), masque.shape)] if np.isfinite(ligne).any() else []
        else:
            ajouts = _rectangle(i, j, masque, couts)
        if not ajouts:
            raise ErreurConfidentialite(
                f"Impossible de protéger la cellule (ligne {i + 1}, colonne {j + 1}) : aucune cellule "
                "complémentaire disponible. Regrouper des modalités avant de publier ce tableau.")
        for cellule in ajouts:
            masque[cellule] = True
    return masque


@dataclass(frozen=True, eq=False)
class FigureProtegee:
    """Une figure prête à diffuser : dessinée à partir de tableaux protégés.

    `sources` : les `TableauProtege` dont la figure montre les nombres (une
    valeur supprimée n'y figure pas non plus) ; `motif` : ce que montre la
    figure, quand elle ne montre aucun effectif (une distribution d'indice,
    la forme d'un réseau), dit en français pour la relecture.
    """

    figure: object
    sources: tuple = ()
    motif: str = ""

    def __post_init__(self):
        if not all(isinstance(s, TableauProtege) for s in self.sources):
            raise ErreurConfidentialite("FigureProtegee : chaque source doit être un TableauProtege.")
        if not self.sources and not self.motif.strip():
            raise ErreurConfidentialite("FigureProtegee : donner les tableaux protégés dont la figure est tirée, "
                                        "ou le motif pour lequel elle ne montre aucun effectif.")


# --------------------------------------------------------------------------
# Fonctions publiques


def proteger_comptes(tableau: pd.DataFrame, *, colonnes, seuil: int, marque: str = MARQUE) -> TableauProtege:
    """Suppression primaire des effectifs de 1 à ``seuil - 1`` dans les colonnes nommées.

    Pour les tableaux de résultats (une ligne par test, par territoire ou
    par organisation), où les colonnes d'effectifs ne sont pas les cases d'un
    croisement : chaque effectif est jugé seul. Les autres colonnes restent
    telles quelles.

    >>> t = pd.DataFrame({"id": ["H1a", "H1b"], "effectif": [40, 38], "manquants": [0, 2]})
    >>> proteger_comptes(t, colonnes=["effectif", "manquants"], seuil=5).affichage()
        id effectif manquants
    0  H1a       40         0
    1  H1b       38         x
    """
    if isinstance(seuil, bool) or not isinstance(seuil, (int, np.integer)) or seuil < 1:
        raise ErreurDonnees(f"« seuil » doit être un entier ≥ 1 (reçu {seuil!r}).")
    valeurs = tableau.copy()
    masque = pd.DataFrame(False, index=tableau.index, columns=tableau.columns)
    for nom in colonnes:
        if nom not in tableau.columns:
            continue
        x = pd.to_numeric(tableau[nom], errors="coerce")
        petits = (x >= 1) & (x < seuil)
        masque[nom] = petits.fillna(False).to_numpy(dtype=bool)
        valeurs[nom] = x.astype("Float64").round().astype("Int64").mask(masque[nom])
    n = int(masque.to_numpy().sum())
    note = (f"« {marque} » : effectif de 1 à {seuil - 1} supprimé ({n} cellule(s)) pour protéger la "
            f"confidentialité ({REFERENCE})." if n else f"Aucun effectif de moins de {seuil} : aucune suppression.")
    return TableauProtege(valeurs=valeurs, masque=masque, primaires=masque.copy(), seuil=int(seuil), note=note,
                          marque=marque)


def supprimer_petites_cellules(tableau: pd.DataFrame, *, seuil: int,
                               zeros_sensibles: bool = False, marges: bool | None = None,
                               marque: str = MARQUE, cle: str | None = None) -> TableauProtege:
    """Suppression primaire et secondaire des petites cellules d'un tableau d'effectifs.

    Paramètres
    ----------
    tableau : pandas.DataFrame
        Effectifs non pondérés (entiers ≥ 0 ; NA = cellule absente), libellés
        en index et en colonnes, avec ou sans marges.
    seuil : int
        Une cellule de 1 à ``seuil - 1`` est supprimée (suppression primaire) ;
        le seuil vient du plan d'analyse (`seuils.confidentialite`).
    zeros_sensibles : bool, faux par défaut
        Supprimer aussi les zéros (divulgation d'attribut de groupe).
    marges : bool ou None
        ``None`` : la dernière ligne (colonne) est reconnue comme total si son
        libellé l'indique (« Total », « Ensemble », « All »…) et qu'elle est la
        somme des autres. ``True`` : déclarées (vérifiées par les sommes).
        ``False`` : aucune. Un total peut lui-même être petit : il est alors
        supprimé, et protégé comme les autres cellules.
    marque : str
        Marque d'une cellule supprimée dans `affichage()` (« x », comme
        Statistique Canada).
    cle : str ou None
        Clé tirée des microdonnées (la publication donne toujours l'empreinte
        des tables préparées) : les cellules complémentaires sont choisies dans
        un ordre pseudo-aléatoire qu'elle fixe, et non par leur valeur, pour
        qu'on ne puisse pas rejouer le choix ; puis chaque cellule primaire doit
        pouvoir prendre au moins deux valeurs compatibles avec les totaux
        (`intervalles_possibles`), sinon d'autres cellules sont supprimées.
        Sans clé (exemples) : la cellule de plus petite valeur, choix rejouable.

    Renvoie
    -------
    TableauProtege
        ``valeurs`` (NA aux cellules supprimées), ``masque``, ``primaires``,
        ``note`` (français), ``affichage()``.

    Exemples
    --------
    >>> t = pd.DataFrame({"oui": [12, 7], "non": [9, 30]}, index=["A", "B"])
    >>> supprimer_petites_cellules(t, seuil=5).nb_primaires  # aucune petite cellule
    0
    >>> supprimer_petites_cellules(t, seuil=10).affichage()
      oui non
    A   x   x
    B   x   x
    """
    if isinstance(seuil, bool) or not isinstance(seuil, (int, np.integer)) or seuil < 1:
        raise ErreurDonnees(f"« seuil » doit être un entier ≥ 1 (reçu {seuil!r}).")
    valeurs = _effectifs(tableau)
    total_l, total_c = _marges(valeurs, tableau, marges)
    bas = 0 if zeros_sensibles else 1
    primaires = ~np.isnan(valeurs) & (valeurs >= bas) & (valeurs < seuil)
    # une ligne (colonne) dont le total compte de 1 à seuil - 1 : supprimée en entier, zéros compris. Ses cases
    # sont toutes petites ; un zéro visible, avec son total connu et la règle de suppression (publique),
    # redonnerait les autres (`tests/attaquant.py`, `attaque_rejeu`).
    interieur = valeurs[: -1 if total_l else None, : -1 if total_c else None]
    sommes_l, sommes_c = np.nansum(interieur, axis=1), np.nansum(interieur, axis=0)
    petites_l = (sommes_l >= 1) & (sommes_l < seuil)
    petites_c = (sommes_c >= 1) & (sommes_c < seuil)
    primaires[: len(petites_l), : len(petites_c)] |= (petites_l[:, None] | petites_c[None, :]) & ~np.isnan(interieur)
    couts = _couts(valeurs, total_l, total_c) if cle is None else _couts_cles(valeurs, total_l, total_c, cle)
    masque = _suppression_secondaire(primaires, couts) if primaires.any() else primaires
    if cle is not None and primaires.any() and min(masque.shape) >= 2:
        masque = _garantir_intervalles(valeurs, masque, primaires, couts, seuil=seuil)
    protege = tableau.copy().astype("Int64").mask(masque)
    note = _note_tableau(int(primaires.sum()), int(masque.sum() - primaires.sum()), seuil, zeros_sensibles, marque)
    return TableauProtege(valeurs=protege, masque=pd.DataFrame(masque, index=tableau.index, columns=tableau.columns),
                          primaires=pd.DataFrame(primaires, index=tableau.index, columns=tableau.columns),
                          seuil=int(seuil), note=note, marque=marque)


def _garantir_intervalles(valeurs, masque, primaires, couts, *, seuil: int) -> np.ndarray:
    """Tant qu'une cellule primaire n'a qu'une valeur possible (`intervalles_possibles`), un autre rectangle
    de cellules supprimées passe par elle (dans l'ordre des coûts), puis la suppression secondaire reprend."""
    masque = masque.copy()
    for _ in range(masque.size):
        bas, haut = intervalles_possibles(valeurs, masque, primaires, seuil=seuil)
        # une petite case (1 à seuil - 1) qui n'aurait qu'une valeur possible ; un zéro d'une ligne de petit total
        # n'est pas une petite case (la règle des petites cellules ne protège pas les zéros)
        fixees = [tuple(int(x) for x in c) for c in np.argwhere(primaires & (np.nan_to_num(valeurs) >= 1)
                                                                 & (haut - bas < 1))]
        if not fixees:
            return masque
        i, j = fixees[0]
        ajouts = _rectangle(i, j, masque, couts)
        if not ajouts or all(masque[c] for c in ajouts):
            masque[i, :] |= ~np.isnan(valeurs[i, :])  # plus de rectangle neuf : toute la ligne
            masque[:, j] |= ~np.isnan(valeurs[:, j])
        for c in ajouts:
            masque[c] = True
        masque = _suppression_secondaire(masque, couts)
    return masque


def _note_tableau(primaires: int, secondaires: int, seuil: int, zeros: bool, marque: str) -> str:
    """La note d'un tableau protégé. Elle ne dit pas combien de cases sont petites et combien les protègent :
    avec la règle de suppression (publique), ce décompte aiderait à retrouver les cases (`attaque_rejeu`)."""
    if not primaires:
        return f"Aucune cellule de moins de {seuil} : aucune suppression."
    petites = f"de 0 à {seuil - 1}" if zeros else f"de 1 à {seuil - 1}"
    return (f"« {marque} » : donnée supprimée pour protéger la confidentialité : cellules {petites}, et cellules "
            f"complémentaires choisies pour qu'aucune valeur supprimée ne puisse être recalculée à partir des totaux "
            f"de ligne et de colonne (suppression primaire et secondaire ; {REFERENCE}).")


def proteger_portrait(portrait: pd.DataFrame, *, seuil: int, zeros_sensibles: bool = False,
                      exemptes: tuple[str, ...] = INDICATEURS_EXEMPTES, groupe: str | None = "territoire",
                      marque: str = MARQUE, cle: str | None = None) -> TableauProtege:
    """Supprime les parts d'un portrait calculées sur trop peu d'unités.

    Une ligne est supprimée si son effectif, ou son complément (dénominateur
    moins effectif), est compris entre 1 et ``seuil - 1`` : la proportion et
    son intervalle de Wilson révéleraient l'effectif, le dénominateur étant
    publié. Sont alors mis à NA : effectif, proportion, ic_bas, ic_haut.

    Si le tableau empile les portraits de plusieurs groupes (colonne
    ``groupe``, par ex. chaque territoire puis « Ensemble »), une part
    supprimée se recalculerait par différence avec l'ensemble : pour chaque
    indicateur, le tableau groupes x (effectif, complément) reçoit aussi la
    suppression secondaire de `supprimer_petites_cellules` (une ligne
    « Ensemble » finale, somme des autres, y est un total).

    Paramètres
    ----------
    portrait : pandas.DataFrame
        Sortie de `indicateurs.portrait` (colonnes ``indicateur, libelle,
        niveau, effectif, denominateur, proportion, ic_bas, ic_haut, unite``),
        éventuellement empilée avec une colonne de groupe.
    seuil : int, 5 par défaut
    zeros_sensibles : bool
        Supprimer aussi une part de 0 % ou de 100 % (tous les membres du groupe
        ont la même réponse).
    cle : clé tirée des microdonnées, pour le choix des suppressions
        secondaires entre groupes (voir `supprimer_petites_cellules`).
    exemptes : indicateurs hors règle : densité des liens (des paires
        d'instances) et taux pour 10 000 habitants, par défaut.
    groupe : colonne des groupes empilés (ignorée si absente) ; None : aucune.

    Renvoie
    -------
    TableauProtege

    Exemples
    --------
    >>> p = pd.DataFrame({"indicateur": ["a", "b"], "libelle": ["A", "B"], "niveau": ["instances"] * 2,
    ...                   "effectif": [3, 12], "denominateur": [20, 20], "proportion": [0.15, 0.6],
    ...                   "ic_bas": [0.05, 0.39], "ic_haut": [0.36, 0.78], "unite": ["proportion"] * 2})
    >>> proteger_portrait(p, seuil=5).affichage()[["indicateur", "effectif", "denominateur", "proportion"]]
      indicateur effectif denominateur proportion
    0          a        x           20          x
    1          b       12           20      0,600
    """
    manquantes = [c for c in COLONNES_PORTRAIT if c not in getattr(portrait, "columns", [])]
    if manquantes:
        raise ErreurDonnees(f"Portrait attendu (sortie de indicateurs.portrait) ; colonne(s) absente(s) : {manquantes}.")
    k = pd.to_numeric(portrait["effectif"], errors="coerce").astype(float)
    n = pd.to_numeric(portrait["denominateur"], errors="coerce").astype(float)
    bas = 0 if zeros_sensibles else 1
    soumis = ~portrait["indicateur"].isin(exemptes)
    primaires = soumis & (((k >= bas) & (k < seuil)) | ((n - k >= bas) & (n - k < seuil)))
    supprimer = primaires.copy()
    if groupe is not None and groupe in portrait.columns:
        supprimer |= _entre_groupes(portrait[soumis], k, n, groupe, seuil=seuil, zeros_sensibles=zeros_sensibles,
                                    cle=cle)
    masque = pd.DataFrame(False, index=portrait.index, columns=portrait.columns)
    masque.loc[supprimer, COLONNES_PORTRAIT_SUPPRIMEES] = True
    marques_primaires = masque & primaires.to_numpy()[:, None]
    valeurs = portrait.copy()
    valeurs["effectif"] = valeurs["effectif"].astype("Int64")
    valeurs = valeurs.astype({c: "Float64" for c in ("proportion", "ic_bas", "ic_haut")}).mask(masque)
    note = _note_portrait(portrait.loc[supprimer, "indicateur"].astype(str).unique().tolist(), seuil, marque,
                          secondaires=int(supprimer.sum() - primaires.sum()))
    return TableauProtege(valeurs=valeurs, masque=masque, primaires=marques_primaires, seuil=int(seuil),
                          note=note, marque=marque)


def portrait_du_groupe(portraits: TableauProtege, groupe: str, valeur: str) -> TableauProtege:
    """Les lignes d'un groupe (un territoire, « Ensemble ») de portraits empilés et protégés ensemble.

    Mêmes cellules supprimées que dans le tableau empilé (suppressions
    secondaires comprises : publier une de ces parts redonnerait, par
    différence avec l'ensemble, une part supprimée ailleurs) ; colonne
    ``groupe`` retirée, index 0..n-1, note propre à ces lignes.

    Exemples
    --------
    >>> p = pd.DataFrame({"territoire": ["A", "B", "C", "Ensemble"], "indicateur": ["a"] * 4,
    ...                   "libelle": ["A"] * 4, "niveau": ["instances"] * 4, "effectif": [3, 12, 20, 35],
    ...                   "denominateur": [20, 25, 40, 85], "proportion": [0.15, 0.48, 0.5, 35 / 85],
    ...                   "ic_bas": [0.05, 0.3, 0.35, 0.3], "ic_haut": [0.36, 0.67, 0.65, 0.5],
    ...                   "unite": ["proportion"] * 4})
    >>> b = portrait_du_groupe(proteger_portrait(p, seuil=5), "territoire", "B")
    >>> b.valeurs[["effectif", "proportion"]].isna().to_numpy().tolist(), b.nb_primaires
    ([[True, True]], 0)
    """
    lignes = (portraits.valeurs[groupe] == valeur).to_numpy()
    if not lignes.any():
        raise ErreurDonnees(f"Aucune ligne « {valeur} » dans la colonne « {groupe} » des portraits.")

    def garder(t: pd.DataFrame) -> pd.DataFrame:
        return t.loc[lignes].drop(columns=groupe).reset_index(drop=True)

    valeurs, masque, primaires = garder(portraits.valeurs), garder(portraits.masque), garder(portraits.primaires)
    supprimees, primaires_lignes = masque.any(axis=1), primaires.any(axis=1)
    note = _note_portrait(valeurs.loc[supprimees, "indicateur"].astype(str).unique().tolist(), portraits.seuil,
                          portraits.marque, secondaires=int(supprimees.sum() - primaires_lignes.sum()))
    return replace(portraits, valeurs=valeurs, masque=masque, primaires=primaires, note=note)


def _entre_groupes(portrait: pd.DataFrame, k: pd.Series, n: pd.Series, groupe: str, *, seuil: int,
                   zeros_sensibles: bool, cle: str | None = None) -> pd.Series:
    """Lignes à supprimer pour qu'aucune part supprimée ne se recalcule par différence entre groupes."""
    supprimer = pd.Series(False, index=k.index)
    for indicateur, lignes in portrait.groupby("indicateur", sort=False):
        index = lignes.index[k[lignes.index].notna() & n[lignes.index].notna()]
        if len(index) < 2:
            continue
        tableau = pd.DataFrame({"effectif": k[index].to_numpy(), "complement": (n[index] - k[index]).to_numpy()},
                               index=lignes.loc[index, groupe].astype(str).to_numpy()).astype("int64")
        protege = supprimer_petites_cellules(tableau, seuil=seuil, zeros_sensibles=zeros_sensibles,
                                             cle=None if cle is None else f"{cle}|{indicateur}")
        supprimer[index] = protege.masque.any(axis=1).to_numpy()
    return supprimer


def _note_portrait(indicateurs: list[str], seuil: int, marque: str, *, secondaires: int) -> str:
    if not indicateurs:
        return f"Aucune part calculée sur un effectif ou un complément de moins de {seuil} : aucune suppression."
    texte = (f"« {marque} » : donnée supprimée pour protéger la confidentialité ({', '.join(indicateurs)}) : "
             f"l'effectif ou son complément (dénominateur moins effectif) est inférieur à {seuil} ; la proportion "
             f"et son intervalle révéleraient l'effectif, le dénominateur étant publié")
    if secondaires:
        texte += (f" ; {secondaires} part(s) complémentaire(s) supprimée(s) pour qu'aucune ne se recalcule "
                  "par différence avec l'ensemble")
    return texte + f" ({REFERENCE})."


def verifier_aucune_petite_cellule(tableau, colonnes_effectifs=None, *, seuil: int,
                                   denominateur: str | None = None, zeros_sensibles: bool = False) -> None:
    """Lève `ErreurConfidentialite` si une cellule publiée est petite ; ne renvoie rien sinon.

    Paramètres
    ----------
    tableau : pandas.DataFrame ou TableauProtege (ses ``valeurs`` sont examinées)
    colonnes_effectifs : liste de colonnes d'effectifs ; None = toutes les
        colonnes numériques.
    seuil : int
    denominateur : colonne du dénominateur : le complément (dénominateur moins
        effectif) de chaque colonne d'effectifs est alors examiné aussi.
    zeros_sensibles : bool

    >>> verifier_aucune_petite_cellule(pd.DataFrame({"n": [0, 7, None]}), ["n"], seuil=5)
    """
    valeurs = tableau.valeurs if isinstance(tableau, TableauProtege) else tableau
    if colonnes_effectifs is None:
        colonnes_effectifs = [c for c in valeurs.columns if pd.api.types.is_numeric_dtype(valeurs[c])
                              and c != denominateur]
    bas = 0 if zeros_sensibles else 1
    fautes = []
    for colonne in colonnes_effectifs:
        k = pd.to_numeric(valeurs[colonne], errors="coerce").astype(float)
        examens = [(colonne, k)]
        if denominateur is not None:
            n = pd.to_numeric(valeurs[denominateur], errors="coerce").astype(float)
            examens.append((f"{denominateur} - {colonne}", n - k))
        for nom, x in examens:
            petites = x.notna() & (x >= bas) & (x < seuil)
            fautes += [f"ligne « {i} », {nom} = {int(v)}" for i, v in x[petites].items()]
    if fautes:
        raise ErreurConfidentialite(f"{len(fautes)} petite(s) cellule(s) (< {seuil}) non supprimée(s) : "
                                    + " ; ".join(fautes[:10]) + (" ; …" if len(fautes) > 10 else "")
                                    + ". Appliquer supprimer_petites_cellules ou proteger_portrait.")


# --------------------------------------------------------------------------
# Statistiques regroupées sur des strates (Mantel-Haenszel, Breslow-Day, khi-deux entre territoires)


@dataclass(frozen=True)
class Regroupement:
    """Les strates d'une statistique regroupée, telles qu'elle peut être publiée.

    `strate` : territoire -> strate publiée (lui-même, ou un groupe de territoires) ; `retenus` :
    territoires dont les statistiques propres (RC, IC, p du territoire, RC de sa strate) ne sont pas
    publiées, avec leur motif (`motifs`) ; `publiable` : faux si même le regroupement de toutes les
    strates laisse une petite case (la statistique regroupée n'est pas publiée).
    """

    strate: dict
    retenus: tuple
    motifs: dict
    publiable: bool

    def description(self) -> str:
        """« Joliette ; D'Autray + L'Assomption (regroupés) » : les strates publiées, dans l'ordre."""
        return strates_publiees(self.strate)


NOM_GROUPE = "Territoires regroupés"


def a_une_petite_case(t, seuil: int) -> bool:
    t = np.asarray(t)
    return bool(((t >= 1) & (t < seuil)).any())


def _bornes(t) -> tuple[int, int]:
    """Les valeurs que peut prendre la première case d'un tableau dont les marges sont connues : un 2×2
    (a, b, c, d), ou une ligne (k, n - k) d'un tableau territoire × indicateur."""
    t = [int(v) for v in t]
    if len(t) == 2:
        return 0, t[0] + t[1]
    a, b, c, d = t
    n, r1, c1 = a + b + c + d, a + b, a + c
    return max(0, r1 + c1 - n), min(r1, c1)


def _valeurs_possibles(tables: dict, membres: list[str], territoire: str) -> int:
    """Combien de valeurs la première case du `territoire` peut prendre, les marges de chaque strate et la
    somme du groupe étant connues : l'intervalle [max(bas, S - Σ hauts des autres), min(haut, S - Σ bas)]."""
    bornes = _bornes
    somme = sum(int(tables[m][0]) for m in membres)
    bas, haut = bornes(tables[territoire])
    autres = [bornes(tables[m]) for m in membres if m != territoire]
    bas_g = max(bas, somme - sum(h for _, h in autres))
    haut_g = min(haut, somme - sum(b for b, _ in autres))
    return max(0, haut_g - bas_g + 1)


def regrouper_strates(tables: dict, *, seuil: int, imposes: tuple = ()) -> Regroupement:
    """Les strates d'un Mantel-Haenszel (ou d'un test entre territoires) qu'on peut publier ensemble.

    `tables` : territoire -> tableau 2×2 (a, b, c, d) ; une strate dont une case compte de 1 à
    ``seuil - 1`` est « sensible ». Une statistique regroupée sur des strates (RC commun, son IC, ses
    tests) permet, avec les marges de chaque strate et les tableaux des strates publiées, de retrouver
    exactement une strate dont on a supprimé les statistiques (une inconnue par strate, plusieurs
    équations : l'audit de `tests/attaquant.py`, `attaque_strates`, le montre ; une précision réduite
    n'y suffit pas). Elle est donc calculée sur des strates regroupées : les strates sensibles sont
    réunies en petits groupes (deux à deux, des plus petites aux plus grandes, pour garder le plus de
    strates possible), un groupe complété au besoin par une autre strate sensible, par un groupe déjà
    formé, ou en dernier recours par un territoire sans petite case (le plus petit), jusqu'à ce que
    (1) le tableau du groupe n'ait aucune petite case et (2) la case de chaque strate sensible du groupe
    puisse, la somme du groupe étant connue, prendre au moins deux valeurs. Les statistiques propres de
    chaque membre d'un groupe ne sont pas publiées (elles redonneraient, par différence avec le groupe,
    celles des autres). Sans strate sensible : chaque territoire est sa propre strate.

    Les tableaux sont des 2×2 (a, b, c, d) ou des lignes (k, n - k) d'un tableau territoire ×
    indicateur (test d'hétérogénéité entre territoires). `imposes` : territoires à mettre dans le groupe
    de toute façon (par ex. ceux dont la part est supprimée ailleurs, dans les portraits).

    Exemples
    --------
    >>> r = regrouper_strates({"A": (10, 15, 2, 8), "B": (12, 20, 9, 11), "C": (14, 10, 8, 9)}, seuil=5)
    >>> r.description(), r.retenus
    ('A + C (regroupés) ; B', ('A', 'C'))
    >>> regrouper_strates({"A": (10, 15, 2, 8), "B": (13, 16, 3, 7), "C": (10, 17, 3, 10),
    ...                    "D": (21, 18, 3, 8), "E": (20, 21, 9, 11)}, seuil=5).description()
    'A + B (regroupés) ; C + D (regroupés) ; E'
    """
    noms = list(tables)
    taille = {n: int(np.sum(tables[n])) for n in noms}
    sensibles = sorted((n for n in noms if a_une_petite_case(tables[n], seuil) or n in imposes),
                       key=lambda n: (taille[n], n))
    if not sensibles:
        return Regroupement({n: n for n in noms}, (), {}, True)
    libres = sorted((n for n in noms if n not in sensibles), key=lambda n: (taille[n], n))

    def suffit(membres):
        total = np.sum([np.asarray(tables[m]) for m in membres], axis=0)
        return (len(membres) >= 2 and not a_une_petite_case(total, seuil)
                and all(_valeurs_possibles(tables, membres, s) >= 2 for s in membres if s in sensibles))

    groupes: list[list[str]] = []
    attente = list(sensibles)
    while attente:
        groupe = [attente.pop(0)]
        while not suffit(groupe) and attente:
            groupe.append(attente.pop(0))
        if not suffit(groupe):  # reste une strate seule : avec le plus petit groupe déjà formé, sinon un libre
            for autre in sorted(groupes, key=lambda g: sum(taille[m] for m in g)):
                if suffit(autre + groupe):
                    autre.extend(groupe)
                    groupe = []
                    break
            while groupe and not suffit(groupe) and libres:
                groupe.append(libres.pop(0))
        if groupe:
            groupes.append(groupe)
    publiable = all(suffit(g) for g in groupes)
    if not publiable:  # un seul groupe de tout ce qui reste : la dernière chance
        groupes = [[n for g in groupes for n in g] + libres]
        libres = []
        publiable = suffit(groupes[0])
    strate = {n: n for n in noms}
    for k, groupe in enumerate(groupes, start=1):
        for n in groupe:
            strate[n] = f"{NOM_GROUPE} {k}" if len(groupes) > 1 else NOM_GROUPE
    retenus = tuple(n for n in noms if strate[n] != n)
    motifs = {n: (f"une case du tableau exposition × issue compte moins de {seuil}" if n in sensibles else
                  f"regroupé avec un territoire dont une case compte moins de {seuil}, pour le protéger")
              for n in retenus}
    return Regroupement(strate, retenus, motifs, publiable)
