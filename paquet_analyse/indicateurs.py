"""Indicateurs d'un territoire : parts avec leurs intervalles (instances et participants), portrait.

Le portrait se calcule sur les tables déjà dérivées à la préparation
(`derivees`), sans rien redériver.

Exemple
-------
>>> from paquet_analyse import preparation
>>> d = preparation.lire("lanaudiere", territoire="Les Moulins")
>>> p = portrait(d.instances, d.participants, annee_charniere=d.plan.seuils["annee_charniere"])
>>> round(float(p.set_index("indicateur").loc["creees_depuis_charniere", "proportion"]), 2)
0.7
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from . import dictionnaire
from .erreurs import ErreurDonnees

COLONNES_PORTRAIT = ["indicateur", "libelle", "niveau", "effectif", "denominateur",
                     "proportion", "ic_bas", "ic_haut", "unite"]


# --------------------------------------------------------------------------
# Portrait


def proportion_wilson(effectif: int, denominateur: int) -> tuple[float, float, float]:
    """Proportion et intervalle de Wilson à 95 % (statsmodels `proportion_confint`)."""
    if denominateur == 0:
        return (np.nan, np.nan, np.nan)
    bas, haut = proportion_confint(effectif, denominateur, alpha=0.05, method="wilson")
    return (effectif / denominateur, float(bas), float(haut))


#: Colonnes de proportion_grappes.
COLONNES_PROPORTION = ["proportion", "ic_bas", "ic_haut", "erreur_type_logit", "ddl", "effectif",
                       "denominateur", "nb_grappes", "methode"]

#: En deçà de ce nombre de grappes, pas d'intervalle de plan de sondage (règle de `modeles`).
MIN_GRAPPES_INTERVALLE = 3


def _wilson_grappes(p: float, nb_grappes: int, raison: str, niveau: float) -> tuple[float, float, str]:
    """Repli : Wilson sur l'effectif efficace minimal, une observation par grappe.

    Avec une corrélation intra-grappe positive, l'effet de plan d'une
    proportion ne dépasse pas la taille moyenne des grappes : n / effet de
    plan >= G (à tailles égales). Wilson à G « observations » est donc un
    intervalle prudent, jamais de largeur nulle.
    """
    bas, haut = proportion_confint(p * nb_grappes, nb_grappes, alpha=1 - niveau, method="wilson")
    bas, haut = min(float(bas), p), max(float(haut), p)  # arrondi flottant aux bords 0 et 1
    return bas, haut, (f"{raison} : intervalle de Wilson sur l'effectif efficace minimal "
                                     f"(une observation par grappe, n = {nb_grappes} grappes)")


def proportion_grappes(donnees: pd.DataFrame, variable: str, *, grappes: str, poids: str | None = None,
                       niveau: float = 0.95) -> pd.DataFrame:
    """Proportion et intervalle de plan de sondage (grappes, poids facultatifs).

    Estimateur de ratio p = Σ w·y / Σ w (w = 1 sans poids) ; variance de
    linéarisation de Taylor sur les grappes (unités primaires = ``grappes``,
    plan « avec remise », facteur G/(G - 1), sans correction de population
    finie) ; intervalle sur l'échelle logit avec un quantile de Student à
    G - 1 ddl, ramené sur 0..1. C'est exactement R
    ``svyciprop(~y, svydesign(id = ~grappes, weights = ~poids, data = d),
    method = "logit")``, qui ajuste ``svyglm(y ~ 1, family = quasibinomial)``
    et prend ``confint(..., ddf = degf(design))`` ; calculé ici par un GLM
    binomial à constante seule de statsmodels (``var_weights``), sandwich
    sur les grappes (:func:`paquet_analyse.modeles.ajuster_plan`).

    Cas dégénérés (aucune erreur, jamais d'intervalle de largeur nulle ;
    ``methode`` dit lequel) : aucune observation -> NaN ; proportion de 0 ou
    de 1, moins de :data:`MIN_GRAPPES_INTERVALLE` grappes ou variance nulle
    -> intervalle de Wilson sur l'effectif efficace minimal (une observation
    par grappe), prudent quand les réponses d'une grappe se ressemblent.

    Parameters
    ----------
    donnees : pandas.DataFrame
    variable : str
        Colonne booléenne (ou 0/1) ; les lignes manquantes sont ignorées.
    grappes : str
        Colonne des grappes (p. ex. ``"id_instance"``).
    poids : str, optional
        Colonne des poids de sondage (> 0) ; une ligne sans poids est ignorée.
    niveau : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        Une ligne, colonnes :data:`COLONNES_PROPORTION` ; ``effectif`` et
        ``denominateur`` sont des comptes non pondérés.

    Examples
    --------
    >>> d = pd.DataFrame({"y": [1, 0, 0, 1, 1, 0, 1, 1, 0, 0, 1, 0],
    ...                   "g": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]})
    >>> r = proportion_grappes(d, "y", grappes="g")
    >>> float(r["proportion"].iloc[0]), int(r["nb_grappes"].iloc[0])
    (0.5, 6)
    """
    colonnes = [variable, grappes] + ([poids] if poids else [])
    t = donnees[colonnes].dropna()
    y = t[variable].astype(float)
    w = t[poids].astype(float) if poids else pd.Series(1.0, index=t.index)
    k, n, g = int(y.sum()), int(len(y)), int(t[grappes].nunique())
    ligne = {"effectif": k, "denominateur": n, "nb_grappes": g, "erreur_type_logit": np.nan, "ddl": np.nan}
    if n == 0:
        return pd.DataFrame([{**ligne, "proportion": np.nan, "ic_bas": np.nan, "ic_haut": np.nan,
                              "methode": "aucune observation"}], columns=COLONNES_PROPORTION)
    p = float((w * y).sum() / w.sum())
    raison = ("proportion de 0 ou de 1 (l'échelle logit n'a pas de variance)" if p in (0.0, 1.0)
              else f"moins de {MIN_GRAPPES_INTERVALLE} grappes" if g < MIN_GRAPPES_INTERVALLE else "")
    if not raison:
        se, ddl = _erreur_type_logit(t.assign(**{variable: y, "_poids": w}), variable, grappes)
        ligne.update(erreur_type_logit=se, ddl=ddl)
        if not (np.isfinite(se) and se > 1e-10):
            raison = "variance de plan nulle (toutes les grappes ont la même proportion)"
    if raison:
        bas, haut, methode = _wilson_grappes(p, g, raison, niveau)
    else:
        from scipy import stats

        q = stats.t.ppf(0.5 + niveau / 2, ddl)
        logit = np.log(p / (1 - p))
        bas, haut = (float(1 / (1 + np.exp(-(logit + s * q * se)))) for s in (-1, 1))
        ponderee = f"pondérée par « {poids} », " if poids else ""
        methode = (f"proportion {ponderee}variance de linéarisation sur les grappes « {grappes} » "
                   f"(G = {g}) ; IC logit de Student à {ddl} ddl (comme R svyciprop, method = \"logit\")")
    return pd.DataFrame([{**ligne, "proportion": p, "ic_bas": bas, "ic_haut": haut, "methode": methode}],
                        columns=COLONNES_PROPORTION)


def _erreur_type_logit(t: pd.DataFrame, variable: str, grappes: str) -> tuple[float, int]:
    """Erreur type de plan du logit de la proportion et ddl (G - 1), par `modeles.ajuster_plan`."""
    import warnings

    from .modeles import ajuster_plan

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, r, _ = ajuster_plan(f"{variable} ~ 1", t, grappes, "_poids")
    return float(r.bse.iloc[0]), int(r.ddl)


def _ligne_part_grappes(nom: str, participants: pd.DataFrame, variable: str) -> dict:
    """Part au niveau des participants : intervalle de plan (grappes = instances, poids s'il y en a)."""
    poids = "poids" if "poids" in participants.columns and participants["poids"].notna().any() else None
    r = proportion_grappes(participants, variable, grappes="id_instance", poids=poids).iloc[0]
    return {"indicateur": nom, "libelle": LIBELLES_PORTRAIT[nom], "niveau": "participants",
            "effectif": int(r["effectif"]), "denominateur": int(r["denominateur"]),
            "proportion": r["proportion"], "ic_bas": r["ic_bas"], "ic_haut": r["ic_haut"], "unite": "proportion"}


def _ligne_part(nom: str, niveau: str, serie: pd.Series, libelle: str | None = None) -> dict:
    valides = serie.dropna()
    k, n = int(valides.sum()), int(len(valides))
    p, bas, haut = proportion_wilson(k, n)
    return {"indicateur": nom, "libelle": libelle or LIBELLES_PORTRAIT[nom], "niveau": niveau, "effectif": k,
            "denominateur": n, "proportion": p, "ic_bas": bas, "ic_haut": haut, "unite": "proportion"}


#: Libellés des parts du portrait ; « {annee_charniere} » : l'année charnière du plan appliqué.
LIBELLES_PORTRAIT = {
    "creees_depuis_charniere": "Concertations créées depuis {annee_charniere}",
    "initiees_cisss_ville_fondation": "Initiées par le CISSS, une ville ou une fondation",
    "thematique_ejf": "En enfance-jeunesse-famille",
    "auto_delegation": "Participants qui se délèguent eux-mêmes",
    "mandat_auto_defini": "Participants qui définissent eux-mêmes leur mandat",
    "suivi_informel": "Participants au suivi informel auprès de leur organisation",
    "densite_liens": "Densité des liens entre concertations (organisations partagées)",
    "concertations_par_10000": "Concertations pour 10 000 habitants",
}


def portrait(instances: pd.DataFrame, participants: pd.DataFrame, *, annee_charniere: int,
             population: int | None = None) -> pd.DataFrame:
    """Le portrait (diapositive « MRC Les Moulins ») des instances et participants donnés.

    Les tables sont celles du jeu préparé (variables déjà dérivées avec les
    paramètres du plan), restreintes au territoire voulu. Une ligne par
    indicateur : `indicateur, libelle, niveau, effectif, denominateur,
    proportion, ic_bas, ic_haut, unite`. Parts des instances (une ligne par
    instance) : intervalle de Wilson à 95 %. Parts des participants
    (regroupés dans leurs instances) : intervalle de plan de sondage de
    :func:`proportion_grappes` (grappes = `id_instance`, comme R
    ``svyciprop(method = "logit")``), pondéré si la table des participants
    a une colonne `poids` renseignée ; `effectif` et `denominateur` restent
    alors des comptes non pondérés et `proportion` est la part pondérée. La densité des liens
    est la part des paires d'instances qui partagent au moins une
    organisation (sans intervalle : les paires ne sont pas indépendantes). Le
    taux pour 10 000 habitants n'apparaît que si `population` est connue.
    `annee_charniere` : celle du plan avec lequel les tables ont été dérivées
    (`seuils.annee_charniere`), pour le libellé « créées depuis … ».
    """
    from . import reseau  # import paresseux : networkx n'est utile qu'ici

    manquantes = [c for c in ("depuis_charniere", "initie_cisss_ville_fondation", "thematique_ejf")
                  if c not in instances.columns]
    manquantes += [c for c in ("deficit_delegation", "mandat_auto_defini", "suivi_informel")
                   if c not in participants.columns]
    if manquantes:
        raise ErreurDonnees(f"portrait : variables dérivées absentes ({', '.join(manquantes)}) ; "
                            "lire le jeu préparé (preparation.lire) plutôt que les fichiers bruts.")
    inst, part = instances, participants
    lignes = [
        _ligne_part("creees_depuis_charniere", "instances", inst["depuis_charniere"],
                    LIBELLES_PORTRAIT["creees_depuis_charniere"].format(annee_charniere=annee_charniere)),
        _ligne_part("initiees_cisss_ville_fondation", "instances", inst["initie_cisss_ville_fondation"]),
        _ligne_part("thematique_ejf", "instances", inst["thematique_ejf"]),
        _ligne_part_grappes("auto_delegation", part, "deficit_delegation"),
        _ligne_part_grappes("mandat_auto_defini", part, "mandat_auto_defini"),
        _ligne_part_grappes("suivi_informel", part, "suivi_informel"),
    ]
    if "id_organisation" in part.columns:  # facultative : sans elle, pas de réseau entre concertations
        n, liens = reseau.nb_liens_instances(inst, part)
        paires = n * (n - 1) // 2
        lignes.append({"indicateur": "densite_liens", "libelle": LIBELLES_PORTRAIT["densite_liens"],
                       "niveau": "instances", "effectif": liens, "denominateur": paires,
                       "proportion": liens / paires if paires else np.nan, "ic_bas": np.nan,
                       "ic_haut": np.nan, "unite": "proportion"})
    if population:
        lignes.append({"indicateur": "concertations_par_10000", "libelle": LIBELLES_PORTRAIT["concertations_par_10000"],
                       "niveau": "instances", "effectif": len(inst), "denominateur": population,
                       "proportion": len(inst) / population * 10_000, "ic_bas": np.nan, "ic_haut": np.nan,
                       "unite": "pour 10 000 habitants"})
    tableau = pd.DataFrame(lignes, columns=COLONNES_PORTRAIT)
    return tableau.astype({"effectif": "int64", "denominateur": "int64"})


def population(territoires: pd.DataFrame | None, noms: list[str]) -> int | None:
    """Population totale des territoires `noms` ; None si un chiffre manque."""
    if territoires is None or "population" not in territoires.columns:
        return None
    presents = territoires[territoires["territoire"].isin(noms)]
    pop = presents["population"]
    return int(pop.sum()) if len(presents) == len(set(noms)) and pop.notna().all() else None
