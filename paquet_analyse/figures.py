"""Figures seaborn / matplotlib : un thème français, des libellés tirés du dictionnaire.

Les fonctions prennent des tableaux déjà calculés et renvoient une
`matplotlib.figure.Figure` ; seul `sorties.ecrire_figure` écrit le fichier
(métadonnées fixes, octets reproductibles).
"""

from __future__ import annotations

import textwrap
import warnings

import matplotlib

matplotlib.use("Agg")  # pas d'écran : rendu en fichier seulement

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter, ScalarFormatter  # noqa: E402

from . import dictionnaire, puissance_simulee, texte  # noqa: E402

PALETTE_LOGIQUE = {"descendante": "#b2182b", "ascendante": "#2166ac", "autre": "#7f7f7f"}
#: La palette de toutes les figures (couleurs des séries, dans l'ordre) : bleu, rouge, vert, ocre, gris.
PALETTE = ["#2166ac", "#b2182b", "#4d9221", "#b8860b", "#7f7f7f", "#762a83"]
#: L'échelle des caractères (points) : titres, axes, graduations, légendes, notes.
TAILLES = {"titre": 12, "axes": 10, "graduations": 9, "legende": 9, "note": 8}
MENTION_SIMULEE = "Données SIMULÉES"


def appliquer_theme() -> None:
    """Thème commun à toutes les figures : fond blanc, grille légère, une palette (`PALETTE`), une échelle de
    caractères (`TAILLES`). Appliqué à l'import de ce module : toute figure du paquet le suit, même celle
    d'une fonction qui ne l'appelle pas. La virgule décimale des graduations : `franciser`, à la publication."""
    sns.set_theme(style="whitegrid", context="notebook", font="DejaVu Sans", palette=PALETTE)
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 120, "axes.titleweight": "bold",
                         "axes.titlesize": TAILLES["titre"], "axes.labelsize": TAILLES["axes"],
                         "xtick.labelsize": TAILLES["graduations"], "ytick.labelsize": TAILLES["graduations"],
                         "legend.fontsize": TAILLES["legende"], "legend.title_fontsize": TAILLES["legende"],
                         "figure.titlesize": TAILLES["titre"] + 1, "figure.titleweight": "bold",
                         "svg.hashsalt": "concertation", "axes.formatter.use_locale": False})


class GraduationsFrancaises(ScalarFormatter):
    """Les graduations ordinaires de matplotlib, avec la virgule décimale (« 0,2 » et non « 0.2 »)."""

    def __call__(self, x, pos=None):
        return super().__call__(x, pos).replace(".", ",")

    def get_offset(self):
        return super().get_offset().replace(".", ",")


def franciser(figure):
    """Virgule décimale sur chaque axe d'une figure dont les graduations sont celles de matplotlib par défaut
    (les formats propres à une figure, pourcentages ou rapports de cotes, sont gardés). Rend la figure."""
    for ax in figure.axes:
        for axe in (ax.xaxis, ax.yaxis):
            if type(axe.get_major_formatter()) is ScalarFormatter:
                axe.set_major_formatter(GraduationsFrancaises())
    return figure


appliquer_theme()


def _virgule(decimales: int = 1):
    return FuncFormatter(lambda x, _: texte.nombre_fr(x, decimales))


def _pourcent():
    return FuncFormatter(lambda x, _: f"{texte.nombre_fr(100 * x, 0)} %")


def _couper(libelle: str, largeur: int = 38) -> str:
    return "\n".join(textwrap.wrap(libelle, largeur))


def _mention(fig, simule: bool) -> None:
    if simule:
        fig.text(0.99, 0.005, MENTION_SIMULEE, ha="right", va="bottom", fontsize=8, color="#b2182b")


def portrait_par_territoire(portraits: pd.DataFrame, *, simule: bool = False):
    """Parts du portrait par territoire, avec leurs intervalles à 95 % (Wilson ; grappes pour les participants).

    `portraits` : tableaux de `indicateurs.portrait` empilés, avec une colonne
    `territoire`. Une vignette par indicateur (parts seulement).
    """
    appliquer_theme()
    parts = portraits[(portraits["unite"] == "proportion") & portraits["ic_bas"].notna()]
    indicateurs_ = list(dict.fromkeys(parts["indicateur"]))
    territoires = list(dict.fromkeys(parts["territoire"]))
    colonnes = 3
    lignes = int(np.ceil(len(indicateurs_) / colonnes))
    hauteur = lignes * (0.38 * len(territoires) + 1.4) + 0.8
    fig, axes = plt.subplots(lignes, colonnes, figsize=(12, hauteur), sharex=True, squeeze=False)
    for ax, nom in zip(axes.flat, indicateurs_):
        bloc = parts[parts["indicateur"] == nom].set_index("territoire").reindex(territoires)
        y = np.arange(len(territoires))
        p, bas, haut = (bloc[c].to_numpy(dtype=float) for c in ("proportion", "ic_bas", "ic_haut"))
        ax.errorbar(p, y, xerr=[p - bas, haut - p],
                    fmt="o", color="#2166ac", ecolor="#92c5de", elinewidth=3, capsize=0)
        for yi, (pi, bi, hi) in enumerate(zip(p, bas, haut)):
            if np.isfinite(pi):
                a_droite = hi < 0.85  # sinon l'étiquette passe à gauche de l'intervalle
                ax.text(hi + 0.02 if a_droite else bi - 0.02, yi, f"{texte.nombre_fr(100 * pi, 0)} %",
                        va="center", ha="left" if a_droite else "right", fontsize=8)
        ax.set_yticks(y, territoires if ax in axes[:, 0] else [""] * len(territoires))
        ax.set_ylim(len(territoires) - 0.5, -0.5)
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(_pourcent())
        ax.set_title(_couper(bloc["libelle"].dropna().iloc[0]), fontsize=10)
    for ax in list(axes.flat)[len(indicateurs_):]:
        ax.set_visible(False)
    fig.suptitle("Portrait des concertations par territoire (IC à 95 %)", fontweight="bold")
    _mention(fig, simule)
    fig.tight_layout()
    return fig


def portrait_un_territoire(parts: pd.DataFrame, *, territoire: str, simule: bool = False):
    """Les parts du portrait d'un territoire, une ligne par part, avec leur intervalle à 95 %.

    `parts` : lignes de parts d'un portrait protégé (colonnes `libelle`,
    `proportion`, `ic_bas`, `ic_haut`) et `supprimee` (bool) : une part
    supprimée (confidentialité) ou sans réponse garde sa ligne, avec une
    mention au lieu du point. Un seul graphique : plus lisible, et bien plus
    rapide à dessiner, que six vignettes d'un point chacune.
    """
    appliquer_theme()
    d = parts.reset_index(drop=True)
    n = len(d)
    fig, ax = plt.subplots(figsize=(9, 0.55 * n + 1.5))
    y = np.arange(n)
    p, bas, haut = (pd.to_numeric(d[c], errors="coerce").to_numpy(dtype=float) for c in ("proportion", "ic_bas", "ic_haut"))
    visibles = np.isfinite(p)
    ax.errorbar(p[visibles], y[visibles], xerr=[p[visibles] - bas[visibles], haut[visibles] - p[visibles]],
                fmt="o", color="#2166ac", ecolor="#92c5de", elinewidth=4, capsize=0, markersize=7)
    for yi in y:
        if not visibles[yi]:
            mention = "supprimée (confidentialité)" if bool(d.loc[yi, "supprimee"]) else "aucune réponse"
            ax.text(0.01, yi, mention, va="center", ha="left", fontsize=9, color="#7f7f7f")
            continue
        a_droite = haut[yi] < 0.85  # sinon l'étiquette passe à gauche de l'intervalle
        ax.text(haut[yi] + 0.015 if a_droite else bas[yi] - 0.015, yi, f"{texte.nombre_fr(100 * p[yi], 0)} %",
                va="center", ha="left" if a_droite else "right", fontsize=9)
    ax.set_yticks(y, [_couper(str(l), 42) for l in d["libelle"]])
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(_pourcent())
    ax.set_title(f"Portrait des concertations : {territoire} (IC à 95 %)", fontweight="bold")
    _mention(fig, simule)
    # pas de tight_layout (un dessin de plus) : l'enregistrement (bbox_inches="tight") garde les libellés
    return fig


def forest_rapports_cotes(strates: pd.DataFrame, *, commun: tuple[float, float, float], titre: str,
                          simule: bool = False):
    """Rapports de cotes par territoire et rapport commun de Mantel-Haenszel.

    `strates` : colonnes `strate`, `rapport_cotes`, `ic_bas`, `ic_haut`
    (celles de `ResultatMantelHaenszel.strates`). `commun` : (RC, bas, haut).
    Échelle logarithmique ; les IC infinis (case nulle) sont tronqués et signalés.
    """
    appliquer_theme()
    d = strates.reset_index(drop=True)
    n = len(d)
    fig, ax = plt.subplots(figsize=(8, 0.5 * (n + 2) + 1.4))
    visibles = d[~d["supprime"].astype(bool)] if "supprime" in d.columns else d
    finis = np.r_[visibles[["ic_bas", "ic_haut", "rapport_cotes"]].to_numpy(dtype=float).ravel(), commun]
    finis = finis[np.isfinite(finis) & (finis > 0)]
    if finis.size == 0:  # rien d'estimable : une échelle neutre autour de 1
        finis = np.array([0.5, 2.0])
    bas_lim, haut_lim = max(finis.min() / 1.5, 1e-2), min(finis.max() * 1.5, 1e3)
    for i, r in d.iterrows():
        if bool(r.get("supprime", False)):  # strate à petite case : rien de ce qui en est tiré n'est montré
            ax.text(bas_lim, i, "  supprimé (confidentialité : une case sous le seuil)", va="center", fontsize=8,
                    color="#7f7f7f", bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})  # lisible sur la grille
            continue
        est, lo, hi = (float(r[c]) for c in ("rapport_cotes", "ic_bas", "ic_haut"))
        lo_aff = lo if np.isfinite(lo) and lo > 0 else bas_lim
        hi_aff = hi if np.isfinite(hi) else haut_lim
        ax.plot([lo_aff, hi_aff], [i, i], color="#4d4d4d", lw=1.5)
        if np.isfinite(est) and est > 0:
            ax.plot(est, i, "s", color="#2166ac", ms=7)
        else:  # au-dessus du trait de l'IC (axe inversé : y plus petit), jamais sur lui
            ax.text(bas_lim, i - 0.18, "  non estimable (case nulle)", va="bottom", fontsize=8, color="#7f7f7f")
    ax.plot(commun[0], n + 0.6, "D", color="#b2182b", ms=9)
    ax.plot([commun[1], commun[2]], [n + 0.6, n + 0.6], color="#b2182b", lw=2.5)
    ax.axvline(1, color="#7f7f7f", ls="--", lw=1)
    ax.set_xscale("log")
    ax.set_xlim(bas_lim, haut_lim)
    # graduations lisibles sur l'échelle log (une seule « 1,0 » sinon, sur une étendue de moins d'une décade)
    graduations = [g for g in (0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 10, 20, 50, 100, 200, 500, 1000)
                   if bas_lim <= g <= haut_lim]
    ax.set_xticks(graduations)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: texte.nombre_fr(x, 2 if x < 1 else 0)))
    ax.xaxis.set_minor_formatter(NullFormatter())  # pas d'étiquettes « 2×10⁻¹ » entre les décades
    ax.set_yticks(list(range(n)) + [n + 0.6], [str(s) for s in d["strate"]] + ["Commun (Mantel-Haenszel)"])
    ax.invert_yaxis()
    ax.set_xlabel("Rapport de cotes (échelle logarithmique, IC à 95 %)")
    ax.set_title(_couper(titre, 55))
    _mention(fig, simule)
    fig.tight_layout()
    return fig


def carte_residus(residus: pd.DataFrame, *, ligne: str, colonne: str, simule: bool = False):
    """Carte de chaleur des résidus ajustés (|r| > 2 : écart notable à l'indépendance)."""
    appliquer_theme()
    r = residus.copy()
    r.index = [_couper(dictionnaire.libelle_code(ligne, i), 30) for i in r.index]
    r.columns = [_couper(dictionnaire.libelle_code(colonne, c), 18) for c in r.columns]
    fig, ax = plt.subplots(figsize=(1.1 * r.shape[1] + 3.5, 0.55 * r.shape[0] + 2.2))
    valeurs = r.to_numpy(dtype=float)
    borne = max(3.0, float(np.abs(valeurs[np.isfinite(valeurs)]).max())) if np.isfinite(valeurs).any() else 3.0
    # case sans résidu publié (confidentialité) : grise, annotée « x »
    annotations = r.map(lambda v: "x" if texte.manquant(v) or not np.isfinite(v) else texte.nombre_fr(v, 1))
    with warnings.catch_warnings():  # seaborn avertit des cases vides : elles sont voulues ici
        warnings.simplefilter("ignore")
        sns.heatmap(r.astype(float), ax=ax, cmap="RdBu_r", center=0, vmin=-borne, vmax=borne, annot=annotations,
                    fmt="", linewidths=0.5, cbar_kws={"label": "Résidu ajusté"})
    ax.set_facecolor("#d9d9d9")
    if not np.isfinite(valeurs).all():
        fig.text(0.01, 0.01, "case grise : résidu non publié (sa ligne ou sa colonne a une case supprimée pour la "
                 "confidentialité, qu'il permettrait de retrouver)", fontsize=7, color="#4d4d4d", ha="left", va="bottom")
    ax.set_xlabel(dictionnaire.libelle(colonne))
    ax.set_ylabel(dictionnaire.libelle(ligne))
    ax.set_title("Résidus ajustés du tableau croisé")
    plt.setp(ax.get_xticklabels(), rotation=35, ha="right")
    _mention(fig, simule)
    fig.tight_layout()
    return fig


def conditions_par_logique(scores: pd.DataFrame, *, simule: bool = False):
    """L'indice des conditions (0-100) par territoire et logique d'initiation : moyenne et IC à 95 %.

    `scores` : colonnes `territoire`, `logique`, `moyenne`, `ic_bas`, `ic_haut` (un tableau protégé : une
    moyenne retenue, NA, n'est pas dessinée et son groupe est dit « non publié »). Aucune valeur
    individuelle n'est montrée (ni boîte, ni moustache, ni point isolé : chacun serait la réponse d'une
    personne).
    """
    appliquer_theme()
    d = scores.copy()
    territoires = list(dict.fromkeys(d["territoire"].astype(str)))
    decalage = {"descendante": -0.15, "ascendante": 0.15}
    fig, ax = plt.subplots(figsize=(10, 5))
    for logique, bloc in d.groupby("logique", sort=False):
        x = np.array([territoires.index(str(t)) for t in bloc["territoire"]]) + decalage.get(logique, 0)
        moyenne = pd.to_numeric(bloc["moyenne"], errors="coerce").to_numpy(dtype=float)
        bas = pd.to_numeric(bloc["ic_bas"], errors="coerce").to_numpy(dtype=float)
        haut = pd.to_numeric(bloc["ic_haut"], errors="coerce").to_numpy(dtype=float)
        visibles = np.isfinite(moyenne) & np.isfinite(bas) & np.isfinite(haut)
        ax.errorbar(x[visibles], moyenne[visibles], yerr=[moyenne[visibles] - bas[visibles],
                                                         haut[visibles] - moyenne[visibles]],
                    fmt="o", capsize=4, color=PALETTE_LOGIQUE.get(logique, "#7f7f7f"),
                    label=dictionnaire.libelle_code("logique_initiateur", logique).split(" (")[0])
        for xi in x[~visibles]:
            ax.text(xi, 3, "non publié", rotation=90, ha="center", va="bottom", fontsize=8, color="#7f7f7f")
    ax.set_xticks(range(len(territoires)), territoires)
    ax.set_ylim(0, 100)
    ax.set_xlabel(dictionnaire.libelle("territoire"))
    ax.set_ylabel(dictionnaire.libelle("indice_conditions"))
    ax.yaxis.set_major_formatter(_virgule(0))
    ax.set_title("Indice des conditions favorables selon la logique d'initiation (moyenne, IC à 95 %)")
    ax.legend(title=dictionnaire.libelle("logique_initiateur"), loc="upper left", bbox_to_anchor=(1.01, 1),
              borderaxespad=0)
    plt.setp(ax.get_xticklabels(), rotation=15)
    _mention(fig, simule)
    fig.tight_layout()
    return fig


def disposition_lisible(graphe, positions: dict) -> dict:
    """Des positions où le réseau se lit : la plus grande composante centrée et mise à l'échelle dans le carré
    [-1, 1] (mêmes proportions en x et en y), les autres concertations (isolées ou en petits groupes) rangées
    sur une ligne en dessous, au lieu d'être rejetées au loin, ce qui écrasait le reste en une bande."""
    import networkx as nx

    composantes = sorted(nx.connected_components(graphe), key=lambda c: (-len(c), min(map(str, c))))
    if not composantes:
        return dict(positions)
    principale = sorted(composantes[0], key=str)
    points = np.array([positions[n] for n in principale], dtype=float)
    centre = (points.max(axis=0) + points.min(axis=0)) / 2
    etendue = float(np.abs(points - centre).max()) or 1.0
    sortie = {n: (np.asarray(positions[n], dtype=float) - centre) / etendue for n in principale}
    autres = [n for c in composantes[1:] for n in sorted(c, key=str)]
    par_ligne = 12
    for k, n in enumerate(autres):
        ligne, rang = divmod(k, par_ligne)
        dans_la_ligne = min(par_ligne, len(autres) - ligne * par_ligne)
        x = 0.0 if dans_la_ligne == 1 else -0.9 + 1.8 * rang / (dans_la_ligne - 1)
        sortie[n] = np.array([x, -1.3 - 0.25 * ligne])
    return sortie


def reseau_instances(projection, positions: dict, *, logiques: dict, titre: str, etiquettes: dict | None = None,
                     simule: bool = False):
    """Réseau entre instances (liens = organisations partagées), couleurs par logique d'initiation.

    ``logiques`` vide : une seule couleur et une légende qui dit pourquoi (une
    logique compte trop peu de concertations pour être montrée).
    """
    import networkx as nx

    appliquer_theme()
    positions = disposition_lisible(projection, positions)
    fig, ax = plt.subplots(figsize=(7.5, 6.5))
    poids = [projection.edges[e].get("weight", 1) for e in projection.edges]
    nx.draw_networkx_edges(projection, positions, ax=ax, width=[0.4 + 0.6 * w for w in poids], alpha=0.35,
                           edge_color="#7f7f7f")
    couleurs = ([PALETTE_LOGIQUE.get(str(logiques.get(n)), "#7f7f7f") for n in projection.nodes] if logiques
                else "#4d4d4d")
    plus_relie = max((projection.degree(n) for n in projection.nodes), default=0) or 1
    tailles = [25 + 175 * projection.degree(n) / plus_relie for n in projection.nodes]  # relatives : lisible partout
    nx.draw_networkx_nodes(projection, positions, ax=ax, node_color=couleurs, node_size=tailles, linewidths=0.5,
                           edgecolors="white")
    if etiquettes:
        nx.draw_networkx_labels(projection, positions, labels=etiquettes, ax=ax, font_size=7)
    if logiques:
        for nom, couleur in PALETTE_LOGIQUE.items():
            ax.scatter([], [], color=couleur, label=dictionnaire.libelle_code("logique_initiateur", nom).split(" (")[0])
        ax.legend(title="Logique d'initiation", loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=True,
                  borderaxespad=0)  # hors du dessin : aucune concertation cachée
    else:
        ax.text(1.01, 1, "Logique d'initiation non montrée :\nune logique compte trop peu\nde concertations "
                "(confidentialité)", transform=ax.transAxes, va="top", ha="left", fontsize=8)
    ax.set_title(_couper(titre, 60))
    ax.set_aspect("equal")  # un cercle reste un cercle : le réseau n'est jamais écrasé en bande
    ax.set_xlim(-1.15, 1.15)
    ax.set_ylim(min(-1.15, min((p[1] for p in positions.values()), default=0) - 0.15), 1.15)
    ax.set_axis_off()
    # Axes masqués aussi pour la mise en page : sans cela, matplotlib calcule
    # encore les graduations (jamais dessinées) à chaque placement du titre,
    # un quart du temps d'une figure ; image identique octet pour octet.
    ax.xaxis.set_visible(False)
    ax.yaxis.set_visible(False)
    _mention(fig, simule)
    fig.tight_layout()
    return fig


def courbes_puissance(courbe, *, cible=0.8, ax=None):
    """Courbe de puissance (± 2 erreurs types Monte-Carlo) ; renvoie la Figure."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.8))
    for test, bloc in courbe.groupby("test", sort=False):
        # légende courte : les noms complets des tests (phrases) ne tiennent pas à côté du graphique
        ax.errorbar(bloc["nb_instances"], bloc["puissance"], yerr=2 * bloc["erreur_mc"],
                    marker="o", capsize=3, label=puissance_simulee.NOMS_COURTS.get(test, test))
    ax.axhline(cible, color="grey", linestyle="--", linewidth=1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("Concertations enquêtées par territoire (moyenne)")
    ax.set_ylabel("Puissance (part des rejets)")
    ax.set_title("Puissance par simulation — données SIMULÉES")
    ax.legend(title="Test", fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)
    ax.figure.tight_layout()
    return ax.figure


def _mention_courte(motif: str) -> str:
    """Ce qu'un graphique en forêt dit d'une région écartée de la méta-analyse."""
    motif = str(motif or "")
    if motif.startswith("non publié"):
        return "non publié (règles de diffusion)"
    if motif.startswith(("non disponible", "non estimable", "estimation nulle", "intervalle nul")):
        return "non estimable ou non disponible"
    return "non combinable"


def foret_regions(regions: pd.DataFrame, meta: dict, *, titre: str, simule: bool = False):
    """Graphique en forêt d'une hypothèse entre régions : l'estimation publiée de chaque région (carré de taille
    proportionnelle à son poids), l'effet commun à effets aléatoires (losange, IC de Hartung-Knapp),
    l'intervalle de prédiction (trait fin), l'effet fixe en sensibilité (losange vide).

    `regions` : colonnes `region`, `estimation`, `ic_bas`, `ic_haut`, `combinable`, `motif`, `poids_meta` ;
    `meta` : une ligne de la synthèse (`mesure`, `estimation`, `ic_bas`, `ic_haut`, `pi_bas`, `pi_haut`,
    `fixe_estimation`, `fixe_ic_bas`, `fixe_ic_haut`). Échelle logarithmique pour un rapport de cotes.
    """
    appliquer_theme()
    d = regions.reset_index(drop=True)
    n = len(d)
    log = meta["mesure"] == "rapport_cotes"
    fig, ax = plt.subplots(figsize=(8.5, 0.45 * (n + 4) + 1.5))
    combinables = d[d["combinable"].astype(bool)]
    valeurs = np.r_[combinables[["estimation", "ic_bas", "ic_haut"]].to_numpy(dtype=float).ravel(),
                    [meta[c] for c in ("ic_bas", "ic_haut", "pi_bas", "pi_haut", "fixe_ic_bas", "fixe_ic_haut")]]
    valeurs = valeurs[np.isfinite(valeurs) & ((valeurs > 0) if log else True)]
    if log:
        bas_lim, haut_lim = max(valeurs.min() / 1.3, 1e-3), min(valeurs.max() * 1.3, 1e3)
    else:
        marge = 0.08 * (valeurs.max() - valeurs.min() or 1.0)
        bas_lim, haut_lim = valeurs.min() - marge, valeurs.max() + marge
    poids = pd.to_numeric(d["poids_meta"], errors="coerce").fillna(0).to_numpy()
    for i, r in d.iterrows():
        if not bool(r["combinable"]):
            ax.text(bas_lim, i, "  " + _mention_courte(r["motif"]), va="center", fontsize=8, color="#7f7f7f")
            continue
        ax.plot([r["ic_bas"], r["ic_haut"]], [i, i], color="#4d4d4d", lw=1.5)
        ax.plot(r["estimation"], i, "s", color="#2166ac", ms=4 + 10 * np.sqrt(poids[i] / 100))
    y_ea, y_pi, y_ef = n + 0.8, n + 1.6, n + 2.4

    def losange(y, centre, bas, haut, **style):
        ax.fill([bas, centre, haut, centre], [y, y - 0.3, y, y + 0.3], **style)

    losange(y_ea, meta["estimation"], meta["ic_bas"], meta["ic_haut"], color="#b2182b")
    ax.plot([meta["pi_bas"], meta["pi_haut"]], [y_pi, y_pi], color="#b2182b", lw=1.2)
    ax.plot([meta["pi_bas"]] * 2 + [np.nan] + [meta["pi_haut"]] * 2, [y_pi - 0.15, y_pi + 0.15, np.nan,
                                                                      y_pi - 0.15, y_pi + 0.15], color="#b2182b", lw=1.2)
    losange(y_ef, meta["fixe_estimation"], meta["fixe_ic_bas"], meta["fixe_ic_haut"], facecolor="white",
            edgecolor="#7f7f7f", lw=1.2)
    ax.axvline(1.0 if log else 0.0, color="#7f7f7f", ls="--", lw=1)
    ax.axhline(n + 0.2, color="#bdbdbd", lw=0.8)
    if log:
        ax.set_xscale("log")
        graduations = [g for g in (0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 10, 20, 50, 100, 200, 500, 1000)
                       if bas_lim <= g <= haut_lim]
        ax.set_xticks(graduations)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: texte.nombre_fr(x, 2 if x < 1 else 0)))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("Rapport de cotes (échelle logarithmique, IC à 95 %)")
    else:
        ax.xaxis.set_major_formatter(_virgule(0))
        ax.set_xlabel("Écart de moyennes (points de l'indice, IC à 95 %)")
    ax.set_xlim(bas_lim, haut_lim)
    ax.set_yticks(list(range(n)) + [y_ea, y_pi, y_ef],
                  [str(r) for r in d["region"]] + ["Effets aléatoires (REML, IC de Hartung-Knapp)",
                                                   "Intervalle de prédiction (nouvelle région)",
                                                   "Effet fixe (sensibilité)"])
    ax.set_ylim(y_ef + 0.7, -0.7)
    ax.set_title(_couper(titre, 60))
    _mention(fig, simule)
    fig.tight_layout()
    return fig
