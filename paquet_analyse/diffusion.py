"""Ce que la publication d'un jeu diffuse : chaque résultat protégé, prêt pour `sorties.publier`.

Couche de publication. Les couches du dessous calculent (hypothèses,
portraits, analyses) ; ici, on décide de ce qui peut être publié, avec les
mécanismes de `confidentialite` (suppression des petites cellules,
tableaux et figures protégés) et au seuil du plan (`seuils.confidentialite`).
Les carnets et la ligne de commande affichent et publient ce que rendent ces
fonctions, jamais un tableau de travail.

Règles (README, « Confidentialité ») : voir `proteger`, `portraits`,
`croisement`, `forets`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from . import (analyses, associations, chemins, confidentialite, derivees, dictionnaire, ecriture, fiabilite,
               interpretation, provenance, reseau)
from .territoires import verifier_territoire
from .donnees import Donnees, NonDisponible, colonne_poids, non_disponible, restreindre
from .erreurs import AvertissementPaquet
from .preparation import Complements
from .erreurs import ErreurDonnees
from .hypotheses import tableau_analyse, tester_hypotheses
from .portraits import ENSEMBLE, empreinte_tables, portraits_bruts

def _figures():
    """Le module des figures, importé au premier dessin : il charge matplotlib et seaborn (≈ 0,3 s), que la
    préparation et les verbes sans figure n'ont pas à payer."""
    from . import figures

    return figures


def seuil_confidentialite(donnees: Donnees) -> int:
    """Le seuil du plan (`seuils.confidentialite`) : une case de 1 à seuil - 1 unités est une petite case."""
    return int(donnees.plan.seuils["confidentialite"])


def cle_de_suppression(donnees: Donnees, *quoi) -> str:
    """La clé des suppressions secondaires d'un tableau (`confidentialite.supprimer_petites_cellules`) :
    l'empreinte des tables préparées (des microdonnées, que le lecteur n'a pas) et le nom du tableau. Mêmes
    données, mêmes suppressions ; sans les microdonnées, impossible de rejouer le choix."""
    return ecriture.hacher(empreinte_tables(donnees), *(str(q) for q in quoi))


def effectifs_par_territoire(donnees: Donnees) -> confidentialite.TableauProtege:
    """Nombre d'instances et de participants par territoire (et au total).

    Ce sont des marges (combien de concertations et de répondants compte chaque territoire) : publiées
    exactement, comme dans tous les tableaux (règle 1 de « Confidentialité », README).
    """
    inst = donnees.instances.groupby("territoire", observed=True).size().rename("instances")
    part = donnees.participants["territoire"].value_counts().rename("participants")
    tableau = pd.concat([inst, part], axis=1).fillna(0).astype(int).sort_index()
    tableau.loc[ENSEMBLE] = tableau.sum()
    return _protege_tel_quel(tableau.rename_axis("territoire"), donnees, "Marges publiées exactement (nombres de "
                             "concertations et de participants par territoire).")


# --------------------------------------------------------------------------
# Précision fixe des statistiques publiées

#: La précision de chaque statistique publiée, partout (CSV, tableaux des carnets, phrases) : (règle, chiffres).
#: « significatifs » : chiffres significatifs (un rapport de cotes de 2,73 ou de 0,0412) ; « decimales » :
#: chiffres après la virgule. Les comptes sont des entiers exacts. Une précision fixe et documentée limite ce
#: qu'un intrus tire d'une statistique ; elle ne suffit pas seule (`regrouper_strates`, `tests/attaquant.py`).
PRECISION = {
    "rapport_cotes": ("significatifs", 3), "statistique": ("decimales", 2), "ddl": ("decimales", 1),
    "p_valeur": ("significatifs", 2), "p_ajustee": ("significatifs", 2), "p_tarone": ("significatifs", 2),
    "p_breslow_day": ("significatifs", 2), "p": ("significatifs", 2), "puissance": ("decimales", 2),
    "v_cramer": ("decimales", 2), "moyenne": ("decimales", 1), "ecart_type": ("decimales", 1),
    "moyenne_1": ("decimales", 1), "moyenne_2": ("decimales", 1), "mediane_1": ("decimales", 1),
    "mediane_2": ("decimales", 1), "difference": ("decimales", 1), "alpha": ("decimales", 2),
    "correlation_item_total": ("decimales", 2), "alpha_si_retire": ("decimales", 2),
    "densite": ("decimales", 3), "part_instances_isolees": ("decimales", 3),
    "moy_organisations_partagees": ("decimales", 2), "degre_pondere_moyen": ("decimales", 1),
    "centralisation_degre": ("decimales", 3), "concertations_par_10000": ("decimales", 1),
    "heures_mois_total": ("decimales", 1), "proportion": ("decimales", 3),
}
#: Estimation et IC : un rapport de cotes en chiffres significatifs, un écart de moyennes en décimales.
PRECISION_ESTIMATION = {"rapport_cotes": ("significatifs", 3), "difference": ("decimales", 2)}


def arrondir_publie(x, regle: tuple[str, int]):
    """Une valeur (ou une série) à la précision publiée ; NA et infinis inchangés.

    >>> arrondir_publie(2.73120773, ("significatifs", 3)), arrondir_publie(0.0013033, ("significatifs", 2))
    (2.73, 0.0013)
    """
    nature, chiffres = regle
    if isinstance(x, pd.Series):
        return x.map(lambda v: arrondir_publie(v, regle))
    try:
        v = float(x)
    except (TypeError, ValueError):
        return x
    if not np.isfinite(v):
        return v
    if nature == "significatifs":
        return float(f"{v:.{chiffres}g}")
    return round(v, chiffres)


def _a_la_precision(valeurs: pd.DataFrame) -> pd.DataFrame:
    """Chaque colonne connue de `PRECISION` à sa précision ; estimation et IC selon la mesure de la ligne."""
    sortie = valeurs.copy()
    for colonne, regle in PRECISION.items():
        if colonne in sortie.columns and pd.api.types.is_numeric_dtype(sortie[colonne]) \
                and not pd.api.types.is_bool_dtype(sortie[colonne]):
            sortie[colonne] = arrondir_publie(sortie[colonne].astype("Float64").astype(float), regle)
    if {"estimation", "ic_bas", "ic_haut"} & set(sortie.columns):
        mesures = sortie["mesure"] if "mesure" in sortie.columns else pd.Series("rapport_cotes", index=sortie.index)
        for colonne in ("estimation", "ic_bas", "ic_haut"):
            if colonne in sortie.columns:
                sortie[colonne] = [arrondir_publie(v, PRECISION_ESTIMATION.get(m, ("significatifs", 3)))
                                   for v, m in zip(pd.to_numeric(sortie[colonne], errors="coerce"), mesures)]
    return sortie


def _protege_tel_quel(tableau: pd.DataFrame, donnees: Donnees, note: str) -> confidentialite.TableauProtege:
    valeurs = _a_la_precision(tableau)
    faux = pd.DataFrame(False, index=valeurs.index, columns=valeurs.columns)
    return confidentialite.TableauProtege(valeurs=valeurs, masque=faux, primaires=faux.copy(),
                                          seuil=seuil_confidentialite(donnees), note=note)


# Ce qui se tire d'un tableau 2×2 (ou de ses cases) et permet de le reconstruire : retenu avec la ligne.
COLONNES_DERIVEES = ("estimation", "ic_bas", "ic_haut", "p_valeur", "p_ajustee", "rapport_cotes", "statistique",
                     "puissance")
NOTE_PRECISION = ("Statistiques à précision fixe : rapports de cotes et IC à 3 chiffres significatifs, écarts à "
                  "2 décimales, statistiques à 2 décimales, p à 2 chiffres significatifs ; effectifs exacts.")


#: Indicateurs des tests d'hétérogénéité qui sont aussi des parts des portraits.
PARTS_DES_INDICATEURS = {"depuis_charniere": "creees_depuis_charniere",
                         "initie_cisss_ville_fondation": "initiees_cisss_ville_fondation",
                         "thematique_ejf": "thematique_ejf"}


def _p_ajustees_publiees(p_valeurs: pd.Series, retenu: np.ndarray, donnees: Donnees) -> np.ndarray:
    """Les p ajustées d'une famille, refaites à partir des p publiées (une p retenue ou absente compte pour 1) ;
    publiées seulement pour un test publié qui a une p."""
    p = p_valeurs.astype(float)
    ajustees = associations.ajuster_p(p.fillna(1.0).to_numpy(), methode=donnees.plan.seuils["ajustement"])
    return np.where(~retenu & p.notna().to_numpy(), ajustees, np.nan)


def heterogeneite(donnees: Donnees) -> confidentialite.TableauProtege:
    """Les tests d'hétérogénéité entre territoires, tels que la publication les diffuse (carnet 04).

    Un test entre territoires sur un indicateur des instances, avec le nombre de concertations de chaque
    territoire, redonnerait la part d'un territoire que les portraits suppriment (ou une petite case du
    tableau territoire × indicateur) : ces territoires sont comptés ensemble, dans un seul groupe
    (`confidentialite.regrouper_strates`, colonne `strates`) ; si même cela ne suffit pas, le test n'est pas
    publié. Les tests au niveau des participants (modèles sur des grappes d'instances) ne se défont pas
    ainsi : publiés tels quels. p ajustées à partir des p publiées (une p retenue compte pour 1).
    """
    seuil = seuil_confidentialite(donnees)
    publies = portraits(donnees)
    supprimees = publies.valeurs.loc[publies.masque["proportion"].to_numpy(), ["territoire", "indicateur"]]
    regroupements, retenus = {}, set()
    for niveau, variable in analyses.INDICATEURS_HETEROGENEITE:
        if niveau != "instances" or non_disponible(donnees, variable):
            continue
        t = donnees.instances[["territoire", variable]].dropna()
        tables = {n: (int(t.loc[t["territoire"] == n, variable].astype(bool).sum()),
                      int((~t.loc[t["territoire"] == n, variable].astype(bool)).sum()))
                  for n in donnees.jeu.liste_territoires()}
        imposes = tuple(supprimees.loc[supprimees["indicateur"] == PARTS_DES_INDICATEURS.get(variable), "territoire"])
        r = confidentialite.regrouper_strates(tables, seuil=seuil, imposes=tuple(x for x in imposes if x != ENSEMBLE))
        if r.retenus:
            regroupements[variable] = r.strate
        if not r.publiable:
            retenus.add(variable)
    brut = analyses.heterogeneite_territoires(donnees, regroupements=regroupements)
    valeurs = brut.copy()
    retenir = valeurs["indicateur"].isin(retenus).to_numpy()
    masque = pd.DataFrame(False, index=valeurs.index, columns=valeurs.columns)
    for c in ("statistique", "ddl", "p_valeur", "p_ajustee", "v_cramer", "puissance"):
        valeurs[c] = valeurs[c].mask(retenir)
        masque[c] = retenir
    valeurs["p_ajustee"] = _p_ajustees_publiees(valeurs["p_valeur"], retenir, donnees)
    note = NOTE_PRECISION
    if regroupements:
        note += (" Des territoires sont comptés ensemble (colonne « strates ») : leur part d'un indicateur n'est "
                 f"pas publiée, ou une case compte moins de {seuil}.")
    if retenir.any():
        note += " « x » : test non publié (même en regroupant des territoires, une case compte trop peu)."
    return confidentialite.TableauProtege(valeurs=_a_la_precision(valeurs), masque=masque, primaires=masque.copy(),
                                          seuil=seuil, note=note)


def proteger(tableau: pd.DataFrame, donnees: Donnees) -> confidentialite.TableauProtege:
    """Un tableau d'analyse prêt à diffuser (hors résultats des hypothèses : `resultats_territoire`,
    `resultats_region`) : statistiques à la précision publiée (`PRECISION`) ; sur une ligne marquée
    `supprime` (la strate d'un Mantel-Haenszel qui a une petite case, ou qui la protège), rapport de cotes,
    IC, p et statistique retenus. Les effectifs sont des marges, publiés exactement.
    """
    if isinstance(tableau, NonDisponible):
        return tableau
    seuil = seuil_confidentialite(donnees)
    valeurs = _a_la_precision(tableau)
    masque = pd.DataFrame(False, index=valeurs.index, columns=valeurs.columns)
    retenir = (valeurs["supprime"].fillna(False).astype(bool).to_numpy() if "supprime" in valeurs.columns
               else np.zeros(len(valeurs), bool))
    for c in COLONNES_DERIVEES:
        if c in valeurs.columns and retenir.any():
            valeurs[c] = valeurs[c].mask(retenir)
            masque[c] = retenir
    note = NOTE_PRECISION
    if retenir.any():
        note += (f" « x » : statistiques retenues d'une strate dont une case compte moins de {seuil}, ou regroupée "
                 "avec elle pour la protéger.")
    return confidentialite.TableauProtege(valeurs=valeurs, masque=masque, primaires=masque.copy(), seuil=seuil,
                                          note=note)


# --------------------------------------------------------------------------
# Les résultats des hypothèses, protégés ensemble : plan de protection (fait une fois à la préparation)

#: Nom du plan de protection calculé à la préparation (`donnees/protection.parquet`).
CALCUL_PROTECTION = "protection"
COLONNES_PROTECTION = ["id", "territoire", "retenu", "motif", "strate"]


def _tableaux_2x2(t: pd.DataFrame, exposition: str, issue: str, territoires: list[str]) -> dict:
    """Territoire -> (a, b, c, d) : exposés avec l'issue, exposés sans, non exposés avec, non exposés sans."""
    tables = {}
    for territoire in territoires:
        bloc = t[t["territoire"] == territoire]
        e, i = bloc[exposition].astype(bool), bloc[issue].astype(bool)
        tables[territoire] = (int((e & i).sum()), int((e & ~i).sum()), int((~e & i).sum()), int((~e & ~i).sum()))
    return tables


def calculer_plan_de_protection(donnees: Donnees) -> pd.DataFrame:
    """Pour chaque hypothèse du plan (tableau exposition × issue booléen), ce qui se publie, territoire par
    territoire et pour la région ; tiré des seuls comptes.

    Une ligne (id, territoire) est `retenu` quand son tableau 2×2 a une petite case, ou quand elle protège
    celle d'un autre territoire dans une statistique regroupée de la région (`confidentialite.regrouper_strates`,
    même décision pour toutes les hypothèses qui partagent exposition, issue et niveau) ; `strate` dit dans
    quelle strate publiée le territoire entre. La ligne (id, « Ensemble ») dit si la statistique regroupée de la
    région se publie (`retenu` faux) et sur quelles strates.
    """
    seuil = seuil_confidentialite(donnees)
    territoires = donnees.jeu.liste_territoires()
    regroupe = {(h.niveau, h.exposition, h.issue) for h in donnees.plan.hypotheses if h.niveau == "instances"
                and (h.methode == "mantel_haenszel" or (h.methode == "association" and "region" in h.portee))}
    lignes, decisions = [], {}
    for h in donnees.plan.hypotheses:
        if h.methode == "lineaire" or non_disponible(donnees, h.exposition, h.issue):
            continue
        cle = (h.niveau, h.exposition, h.issue)
        if cle not in decisions:
            t, _, _ = tableau_analyse(donnees, h, avec_territoire=True)
            if t[h.issue].dtype != bool:
                continue
            tables = _tableaux_2x2(t, h.exposition, h.issue, territoires)
            if cle in regroupe:
                decisions[cle] = confidentialite.regrouper_strates(tables, seuil=seuil)
            else:  # participants : seule la petite case du territoire (un modèle sur des grappes n'est pas un 2×2)
                petits = [n for n, tab in tables.items() if confidentialite.a_une_petite_case(tab, seuil)]
                decisions[cle] = confidentialite.Regroupement(
                    {n: n for n in tables}, tuple(petits),
                    {n: f"une case du tableau exposition × issue compte moins de {seuil}" for n in petits}, True)
        r = decisions[cle]
        for territoire in territoires:
            lignes.append({"id": h.id, "territoire": territoire, "retenu": territoire in r.retenus,
                           "motif": r.motifs.get(territoire, ""), "strate": r.strate.get(territoire, territoire)})
        lignes.append({"id": h.id, "territoire": ENSEMBLE, "retenu": not r.publiable,
                       "motif": "" if r.publiable else ("même en regroupant tous les territoires, une case compte "
                                                        f"moins de {seuil}"),
                       "strate": r.description() if cle in regroupe else ""})
    return pd.DataFrame(lignes, columns=COLONNES_PROTECTION)


def empreinte_protection(donnees: Donnees) -> str:
    """Ce dont le plan de protection dépend : tables, plan d'analyse, code du paquet."""
    return ecriture.hacher(empreinte_tables(donnees), repr(donnees.plan), provenance.empreinte_code())


def plan_de_protection(donnees: Donnees) -> pd.DataFrame:
    """Le plan de protection des résultats (`calculer_plan_de_protection`), repris de la préparation quand
    les tables, le plan et le code n'ont pas changé."""
    if donnees.territoire is not None:
        raise ErreurDonnees("Le plan de protection se décide sur tout le jeu (une strate protège une autre) : passer "
                            "le jeu entier, preparation.lire(jeu).")
    if CALCUL_PROTECTION in donnees.calculs_prepares:
        empreinte, tableau = donnees.calculs_prepares[CALCUL_PROTECTION]
        if empreinte == empreinte_protection(donnees):
            return tableau.copy()
    return calculer_plan_de_protection(donnees)


def strates_region(donnees: Donnees, *, plan: pd.DataFrame | None = None) -> dict:
    """Hypothèse -> (territoire -> strate publiée), pour les Mantel-Haenszel de la région (`plan` : le plan de
    protection s'il est déjà en main)."""
    plan = plan_de_protection(donnees) if plan is None else plan
    regroupees = set(plan.loc[(plan["territoire"] == ENSEMBLE) & (plan["strate"] != ""), "id"])
    return {id_: dict(zip(bloc["territoire"], bloc["strate"]))
            for id_, bloc in plan[(plan["territoire"] != ENSEMBLE) & plan["id"].isin(regroupees)].groupby("id")}


def _proteger_resultats(brut: pd.DataFrame, donnees: Donnees, *, plan: pd.DataFrame | None = None
                        ) -> confidentialite.TableauProtege:
    """Résultats d'hypothèses (tableau de `hypotheses`) tels que la publication les diffuse.

    1. les statistiques d'une ligne que le plan de protection retient (petite case, ou strate qui en
       protège une autre ; statistique regroupée impossible à publier) ne sont pas publiées, ni sa
       puissance ; la ligne dit pourquoi (`motif_retenue`) ;
    2. les p ajustées sont recalculées dans chaque famille à partir des p publiées, une p retenue
       comptant pour 1 (le cas le moins favorable) : elles se refont à partir de ce qui est publié ;
    3. statistiques à la précision publiée (`PRECISION`) ; effectifs exacts.
    """
    plan = (plan_de_protection(donnees) if plan is None else plan).set_index(["id", "territoire"])
    valeurs = brut.copy()
    cles = list(zip(valeurs["id"], valeurs["territoire"]))
    retenu = np.array([bool(plan.loc[c, "retenu"]) if c in plan.index else False for c in cles])
    retenu |= valeurs["case_sous_le_seuil"].fillna(False).astype(bool).to_numpy()
    valeurs["retenu"] = retenu
    valeurs["motif_retenue"] = [plan.loc[c, "motif"] if c in plan.index and plan.loc[c, "retenu"] else
                                ("une case du tableau exposition × issue compte moins de "
                                 f"{seuil_confidentialite(donnees)}" if r else "") for c, r in zip(cles, retenu)]
    masque = pd.DataFrame(False, index=valeurs.index, columns=valeurs.columns)
    for c in COLONNES_DERIVEES:
        if c in valeurs.columns:
            valeurs[c] = valeurs[c].mask(retenu)
            masque[c] = retenu
    if "famille_ajustement" in valeurs.columns:
        for famille, index in valeurs.groupby("famille_ajustement", sort=False).groups.items():
            if not famille:  # test exploratoire (hypotheses.famille_de_tests : aucune famille) : pas de p ajustée
                continue
            valeurs.loc[index, "p_ajustee"] = _p_ajustees_publiees(valeurs.loc[index, "p_valeur"],
                                                                   retenu[valeurs.index.get_indexer(index)], donnees)
    valeurs = _a_la_precision(valeurs)
    seuil = seuil_confidentialite(donnees)
    note = NOTE_PRECISION + (" p ajustées à partir des p publiées, dans chaque famille ; une p non publiée y "
                             "compte pour 1.")
    if retenu.any():
        note += (f" « x » : statistiques retenues d'un test dont une case compte moins de {seuil}, ou qui la "
                 "protégerait (une statistique regroupée de la région est alors calculée sur des territoires "
                 "regroupés : colonne « strates »).")
    return confidentialite.TableauProtege(valeurs=valeurs, masque=masque, primaires=masque.copy(), seuil=seuil,
                                          note=note)


def resultats_territoire(donnees: Donnees, territoire: str) -> confidentialite.TableauProtege:
    """Les hypothèses du plan dans un territoire, telles que la publication les diffuse (carnet 03)."""
    verifier_territoire(territoire, donnees.jeu.liste_territoires())
    return _proteger_resultats(tester_hypotheses(donnees, portee="territoire", territoire=territoire), donnees)


def resultats_region(donnees: Donnees) -> confidentialite.TableauProtege:
    """Les hypothèses de la région, telles que la publication les diffuse (carnets 04 et 05) : la synthèse
    calculée une fois (`synthese_region`), sur les strates que la protection impose (`strates_region`)."""
    from . import synthese_region

    plan = plan_de_protection(donnees)
    return _proteger_resultats(synthese_region.synthese(donnees, strates=strates_region(donnees, plan=plan)), donnees,
                               plan=plan)


def extraire(tableau: confidentialite.TableauProtege, *, colonnes: list[str] | None = None,
             lignes=None) -> confidentialite.TableauProtege:
    """Une partie d'un tableau protégé (colonnes, lignes choisies par un masque booléen), mêmes suppressions."""
    choix = slice(None) if lignes is None else np.asarray(lignes, dtype=bool)
    noms = colonnes or list(tableau.valeurs.columns)

    def couper(t: pd.DataFrame) -> pd.DataFrame:
        return t.loc[choix, noms].reset_index(drop=True)

    return replace(tableau, valeurs=couper(tableau.valeurs), masque=couper(tableau.masque),
                   primaires=couper(tableau.primaires))


def portant_sur(tableau: confidentialite.TableauProtege, issue: str) -> confidentialite.TableauProtege:
    """Les lignes d'un tableau de résultats protégé dont l'issue est `issue` (mêmes suppressions)."""
    return extraire(tableau, lignes=(tableau.valeurs["issue"] == issue).to_numpy())


def vue_resultats(tableau: confidentialite.TableauProtege, *, ajustee: bool = True) -> confidentialite.TableauProtege:
    """Les colonnes d'un tableau de résultats protégé utiles à la lecture (la méthode complète reste dans le CSV)."""
    colonnes = ["id", "question", "exposition", "issue", "effectif", "test", "ajustement", "estimation", "ic_bas", "ic_haut", "statistique",
                "ddl", "p_valeur"] + (["p_ajustee"] if ajustee else []) + ["puissance", "retenu"]
    return extraire(tableau, colonnes=[c for c in colonnes if c in tableau.valeurs.columns])


def portraits(donnees: Donnees) -> "confidentialite.TableauProtege":
    """Portraits de chaque territoire puis de l'ensemble, empilés (colonne `territoire`), protégés ensemble.

    Une part supprimée (effectif ou complément sous le seuil) ne doit se
    recalculer ni par différence avec l'ensemble, ni à l'aide d'un autre
    rapport : la suppression secondaire est décidée sur le tableau empilé, et
    tout portrait publié (`portrait` d'un territoire, `figure_portrait`, la
    ligne de commande) en est tiré. Parts et intervalles à 3 décimales, taux
    pour 10 000 habitants à 1 décimale (`PRECISION`).
    """
    p = confidentialite.proteger_portrait(portraits_bruts(donnees), seuil=seuil_confidentialite(donnees),
                                          cle=cle_de_suppression(donnees, "portraits"))
    valeurs = p.valeurs.copy()
    taux = (valeurs["unite"] != "proportion").to_numpy()
    for colonne in ("proportion", "ic_bas", "ic_haut"):
        x = pd.to_numeric(valeurs[colonne], errors="coerce").astype(float)
        arrondie = np.where(taux, arrondir_publie(x, ("decimales", 1)), arrondir_publie(x, PRECISION["proportion"]))
        valeurs[colonne] = pd.array(arrondie, dtype="Float64").astype("Float64")
        valeurs.loc[p.masque[colonne].to_numpy(), colonne] = pd.NA
    return replace(p, valeurs=valeurs, note=p.note + " Parts à 3 décimales, taux à 1 décimale.")


def _portrait_de(tous: "confidentialite.TableauProtege", territoire: str | None) -> "confidentialite.TableauProtege":
    return confidentialite.portrait_du_groupe(tous, "territoire", territoire or ENSEMBLE)


def portrait(donnees: Donnees, territoire: str | None = None) -> "confidentialite.TableauProtege":
    """Portrait d'un territoire (ou de l'ensemble) : ses lignes des portraits protégés ensemble (`portraits`).

    Une part peut y être supprimée alors que ses effectifs sont grands : elle
    redonnerait sinon, avec l'ensemble et les autres territoires, une part
    supprimée ailleurs (la note le dit).
    """
    if territoire is not None:
        verifier_territoire(territoire, donnees.jeu.liste_territoires())
    return _portrait_de(portraits(donnees), territoire)


def portrait_affichable(donnees: Donnees, territoire: str | None = None) -> "confidentialite.TableauProtege":
    """Le portrait protégé, à lire : libellé, valeur (en % pour une part), effectif,
    dénominateur, intervalle (en %) ; mêmes cellules supprimées que `portrait`."""
    p = portrait(donnees, territoire)
    v = p.valeurs.reset_index(drop=True)
    echelle = np.where(v["unite"] == "proportion", 100.0, 1.0)
    valeurs = pd.DataFrame({
        "indicateur": v["libelle"], "valeur": v["proportion"].astype(float) * echelle,
        "unite": np.where(v["unite"] == "proportion", "%", v["unite"]),
        "effectif": v["effectif"], "denominateur": v["denominateur"],
        "ic95_bas": v["ic_bas"].astype(float) * echelle, "ic95_haut": v["ic_haut"].astype(float) * echelle})
    correspondance = {"indicateur": "libelle", "valeur": "proportion", "unite": "unite", "effectif": "effectif",
                      "denominateur": "denominateur", "ic95_bas": "ic_bas", "ic95_haut": "ic_haut"}

    def _masque(m: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({n: m[a].reset_index(drop=True) for n, a in correspondance.items()})

    return replace(p, valeurs=valeurs, masque=_masque(p.masque), primaires=_masque(p.primaires))


def vue_portraits(portraits_: "confidentialite.TableauProtege") -> pd.DataFrame:
    """Une ligne par indicateur, une colonne par territoire (proportion ou taux ; vide si supprimée)."""
    portraits_ = portraits_.valeurs
    vue = portraits_.pivot(index="indicateur", columns="territoire", values="proportion")
    ordre = list(dict.fromkeys(portraits_["indicateur"]))
    colonnes = [t for t in dict.fromkeys(portraits_["territoire"])]
    vue = vue.loc[ordre, colonnes].reset_index()
    vue.columns.name = None
    unites = portraits_.drop_duplicates("indicateur").set_index("indicateur")["unite"]
    libelles = portraits_.drop_duplicates("indicateur").set_index("indicateur")["libelle"]
    vue.insert(0, "libelle", [libelles[i] for i in vue["indicateur"]])
    return vue.assign(unite=vue["indicateur"].map(unites).to_numpy())


def figure_portrait(donnees: Donnees, territoires: list[str]) -> "confidentialite.FigureProtegee":
    """Les parts du portrait avec leurs intervalles : une vignette par indicateur pour plusieurs
    territoires (`figures.portrait_par_territoire`), un seul graphique pour un territoire
    (`figures.portrait_un_territoire`, une ligne par part, les parts supprimées dites)."""
    # parts protégées ensemble (`portraits`) : une part supprimée n'apparaît pas non plus sur la figure
    for t in territoires:
        verifier_territoire(t, donnees.jeu.liste_territoires())
    tous = portraits(donnees)
    proteges = [_portrait_de(tous, t) for t in territoires]
    if len(territoires) == 1:
        p = proteges[0]
        parts = (p.valeurs["unite"] == "proportion") & ~p.valeurs["indicateur"].isin(confidentialite.INDICATEURS_EXEMPTES)
        tableau = p.valeurs[parts].assign(supprimee=p.masque.loc[parts, "proportion"].to_numpy())
        figure = _figures().portrait_un_territoire(tableau, territoire=territoires[0], simule=donnees.simule)
    else:
        tableau = pd.concat([p.valeurs.assign(territoire=t) for p, t in zip(proteges, territoires)],
                            ignore_index=True)
        figure = _figures().portrait_par_territoire(tableau, simule=donnees.simule)
    return confidentialite.FigureProtegee(figure, sources=tuple(proteges))


# --------------------------------------------------------------------------
# Croisements (résidus ajustés)


@dataclass(frozen=True)
class Croisement:
    """Résidus ajustés d'un tableau croisé, avec sa phrase et sa figure."""

    ligne: str
    colonne: str
    tableau: "confidentialite.TableauProtege"  # effectifs, petites cellules supprimées
    residus: pd.DataFrame
    phrase: str
    simule: bool

    def figure(self) -> "confidentialite.FigureProtegee | NonDisponible":
        if self.residus.isna().all().all():  # une carte toute grise n'apprendrait rien au lecteur
            return NonDisponible("aucune carte des résidus : chaque ligne ou colonne du tableau a une case "
                                 "supprimée pour la confidentialité, et ses résidus permettraient de la retrouver.")
        fig = _figures().carte_residus(self.residus, ligne=self.ligne, colonne=self.colonne, simule=self.simule)
        return confidentialite.FigureProtegee(fig, sources=(self.tableau,))


def croisement(donnees: Donnees, ligne: str, colonne: str, *,
               territoire: str | None = None) -> Croisement | NonDisponible:
    """Tableau croisé de deux variables des instances et ses résidus ajustés (comme `stdres` de R)."""
    absent = non_disponible(donnees, ligne, colonne)
    if absent:
        return absent
    d = restreindre(donnees, territoire) if territoire else donnees
    t = d.instances[[ligne, colonne]].dropna()  # catégories : ordre du dictionnaire
    residus = associations.residus_ajustes(t, ligne, colonne)
    comptes = associations.tableau_croise(t, ligne, colonne)
    comptes.index, comptes.columns = comptes.index.astype(str), comptes.columns.astype(str)
    tableau = confidentialite.supprimer_petites_cellules(
        comptes, seuil=seuil_confidentialite(donnees), cle=cle_de_suppression(donnees, "croisement", territoire, ligne, colonne))
    # un résidu n'est publié que si sa ligne et sa colonne n'ont aucune case supprimée : il se calcule
    # alors des seuls effectifs visibles, et ne dit rien des cases supprimées (ailleurs, les résidus
    # d'une ligne permettent de résoudre ses cases). Ni sur la carte, ni dans la phrase.
    masque = tableau.masque.reindex(index=residus.index.astype(str), columns=residus.columns.astype(str)) \
        .fillna(False).to_numpy(dtype=bool)
    residus = residus.mask(masque.any(axis=1)[:, None] | masque.any(axis=0)[None, :])
    longue = residus.stack().rename("residu_ajuste").reset_index()
    longue.columns = [ligne, colonne, "residu_ajuste"]
    phrase = interpretation.phrase_residus(longue, ligne, colonne)
    return Croisement(ligne, colonne, tableau, residus, phrase, donnees.simule)


# --------------------------------------------------------------------------
# Mantel-Haenszel : graphiques en forêt


@dataclass(frozen=True)
class Forets:
    """Rapports de cotes par territoire et commun, pour chaque hypothèse H5 du plan."""

    tableau: pd.DataFrame
    phrases: list
    resultats: dict
    simule: bool
    parametres: dict = field(default_factory=dict)  # seuils du plan appliqué (libellés)

    def figures(self):
        for id_, (h, r) in self.resultats.items():
            court = {n: dictionnaire.libelle(n, self.parametres).split(" (")[0] for n in (h.issue, h.exposition)}
            titre = f"{id_} — {court[h.issue]} : rapport de cotes selon « {court[h.exposition]} »"
            fig = _figures().forest_rapports_cotes(r.strates, commun=(r.rapport_cotes, r.ic_bas, r.ic_haut),
                                                titre=titre, simule=self.simule)
            yield (f"foret_{id_.lower()}", confidentialite.FigureProtegee(
                fig, motif="rapports de cotes par territoire et commun ; les effectifs des cases ne sont pas montrés"))


def forets(donnees: Donnees) -> Forets:
    """Rapports de cotes de chaque strate publiée et RC commun, pour chaque hypothèse d'homogénéité (H5).

    Les strates sont celles de la statistique regroupée publiée (`strates_region`) : chaque territoire, ou un
    groupe de territoires regroupés pour protéger une petite case. Une strate publiée n'a aucune petite case :
    son RC et son IC sont publiés ; les effectifs des cases ne le sont jamais. Les lignes (homogénéité et
    association commune) sont celles de la synthèse publiée (`resultats_region`) : mêmes nombres, mêmes p
    ajustées.
    """
    morceaux, phrases, resultats = [], [], {}
    homogeneite = [h for h in donnees.plan.hypotheses if h.methode == "mantel_haenszel"]
    publiees = resultats_region(donnees).valeurs.set_index("id")
    strates = strates_region(donnees)
    for h in homogeneite:
        if h.id not in publiees.index:
            continue
        ligne = publiees.loc[h.id].copy()
        ligne["id"] = h.id
        if ligne["statut"] != "ok" or bool(ligne["retenu"]):
            phrases.append(interpretation.phrase_hypothese(ligne, alpha=float(donnees.plan.seuils["alpha"])))
            continue
        t, _, _ = tableau_analyse(donnees, h, avec_territoire=True)
        t["strate"] = t["territoire"].map(strates[h.id]) if h.id in strates else t["territoire"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AvertissementPaquet)
            r = associations.mantel_haenszel(t, h.exposition, h.issue, "strate")
        commun = {k: arrondir_publie(getattr(r, k), PRECISION["rapport_cotes"])
                  for k in ("rapport_cotes", "ic_bas", "ic_haut")}
        commun["p_wald"] = arrondir_publie(r.p_wald, PRECISION["p_valeur"])
        r = replace(r, strates=_a_la_precision(r.strates), **commun)
        resultats[h.id] = (h, r)
        morceaux.append(r.strates.drop(columns=["n11", "n12", "n21", "n22"], errors="ignore").assign(id=h.id))
        phrases += interpretation.phrases_foret(ligne, r, alpha=float(donnees.plan.seuils["alpha"]))
    tableau = pd.concat(morceaux, ignore_index=True) if morceaux else pd.DataFrame()
    if not tableau.empty:
        tableau = tableau[["id", *[c for c in tableau.columns if c != "id"]]]
    return Forets(tableau, phrases, resultats, donnees.simule, dict(donnees.plan.seuils))


@dataclass(frozen=True)
class FiabiliteConditions:
    alpha: pd.DataFrame
    items: pd.DataFrame
    phrase: str


def fiabilite_conditions(donnees: Donnees) -> FiabiliteConditions:
    """Alpha de Cronbach (IC de Feldt) et corrélations item-total des huit conditions."""
    absent = non_disponible(donnees, "indice_conditions")
    if absent:
        return absent
    items = list(derivees.CONDITIONS)
    p = donnees.participants
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AvertissementPaquet)
        alpha = fiabilite.alpha_cronbach(p, items)
        par_item = fiabilite.correlations_item_total(p, items)
    par_item.insert(1, "libelle", [dictionnaire.libelle(i) for i in par_item["item"]])
    a = alpha.iloc[0]
    regle = PRECISION["alpha"]
    phrase = interpretation.phrase_alpha(arrondir_publie(a["alpha"], regle), arrondir_publie(a["ic_bas"], regle),
                                         arrondir_publie(a["ic_haut"], regle), int(a["effectif"]))
    ecartes = int(a["manquants"])
    if ecartes:  # une exclusion (réponse manquante) est une marge : publiée exactement, comme dans les tableaux
        phrase += f" ({ecartes} répondant{'s' if ecartes > 1 else ''} écarté{'s' if ecartes > 1 else ''} : au moins une condition sans réponse.)"
    if colonne_poids(donnees):
        phrase += " Alpha et corrélations item-total non pondérés : les poids de sondage ne s'y appliquent pas."
    return FiabiliteConditions(alpha, par_item, phrase)


def _retenir_petits_groupes(tableau: pd.DataFrame, donnees: Donnees, colonnes: tuple[str, ...]) -> \
        confidentialite.TableauProtege:
    """Statistiques d'un groupe de moins de `seuil` personnes (ou de moins de 2 instances) retenues : une
    moyenne de quelques réponses les dévoile presque (et un écart-type, leurs écarts)."""
    seuil = seuil_confidentialite(donnees)
    valeurs = _a_la_precision(tableau)
    petits = ((pd.to_numeric(valeurs["effectif"], errors="coerce") < seuil)
              | (pd.to_numeric(valeurs["nb_instances"], errors="coerce") < 2)).fillna(True).to_numpy()
    masque = pd.DataFrame(False, index=valeurs.index, columns=valeurs.columns)
    for c in colonnes:
        if c in valeurs.columns:
            valeurs[c] = valeurs[c].mask(petits)
            masque[c] = petits
    note = NOTE_PRECISION
    if petits.any():
        note += f" « x » : statistiques d'un groupe de moins de {seuil} répondants (ou d'une seule concertation) retenues."
    return confidentialite.TableauProtege(valeurs=valeurs, masque=masque, primaires=masque.copy(), seuil=seuil,
                                          note=note)


def scores_conditions(donnees: Donnees) -> confidentialite.TableauProtege:
    """L'indice des conditions par territoire (`analyses.scores_conditions`), tel qu'il se publie."""
    tableau = analyses.scores_conditions(donnees)
    if isinstance(tableau, NonDisponible):
        return tableau
    return _retenir_petits_groupes(tableau, donnees, ("moyenne", "ecart_type", "ic_bas", "ic_haut"))


def figure_conditions(donnees: Donnees):
    """L'indice des conditions par territoire et logique d'initiation : moyennes et IC à 95 % d'un tableau
    protégé (groupes de moins de `seuil` répondants non montrés) ; aucune valeur individuelle."""
    tableau = analyses.conditions_par_logique(donnees)
    if isinstance(tableau, NonDisponible):
        return tableau
    protege = _retenir_petits_groupes(tableau, donnees, ("moyenne", "ecart_type", "ic_bas", "ic_haut"))
    return confidentialite.FigureProtegee(_figures().conditions_par_logique(protege.valeurs, simule=donnees.simule),
                                          sources=(protege,))


def figures_reseau(donnees: Donnees):
    """Un dessin du réseau entre instances par territoire (disposition fixée par une graine)."""
    if non_disponible(donnees, "id_organisation"):
        return

    for territoire in donnees.jeu.liste_territoires():
        d = restreindre(donnees, territoire)
        projection = reseau.graphe_instances(d.instances, d.participants)  # sans graphe biparti networkx
        positions = reseau.disposition(projection, graine=20100408)
        logiques = dict(zip(d.instances["id_instance"], d.instances["logique_initiateur"].astype(str)))
        # compter les points d'une couleur redonnerait un effectif : une logique de 1 à seuil - 1
        # concertations dans ce territoire, et aucune couleur n'est montrée
        comptes = pd.Series(list(logiques.values())).value_counts()
        if ((comptes >= 1) & (comptes < seuil_confidentialite(donnees))).any():
            logiques = {}
        fig = _figures().reseau_instances(projection, positions, logiques=logiques, simule=donnees.simule,
                                       titre=f"{territoire} : concertations reliées par des organisations partagées")
        yield f"reseau_{chemins.nom_sur(territoire)}", confidentialite.FigureProtegee(
            fig, motif="forme du réseau entre concertations (un point par concertation) ; aucun effectif de personnes")


# --------------------------------------------------------------------------
# Calculs faits une fois, à l'étape de préparation du flux


def complements_de_preparation(donnees: Donnees):
    """Ce que l'étape de préparation calcule une fois pour toute la publication (`preparation.preparer`).

    Les portraits NON protégés de tous les territoires et de l'ensemble
    (`portraits.calculer_portraits_bruts`), relus par les carnets tant que
    les tables et le code n'ont pas changé ; et, pour l'empreinte de chaque
    territoire, ses parts publiées : elles dépendent aussi des autres
    territoires (suppression secondaire des portraits, protégés ensemble),
    et un territoire dont une part publiée change voit ses carnets refaits.
    De même pour le plan de protection des résultats des hypothèses
    (`calculer_plan_de_protection`) : la ligne d'un territoire peut être
    retenue pour en protéger un autre.
    """
    from . import portraits as portraits_  # le nom « portraits » est ici la fonction publiée

    tableau = portraits_.calculer_portraits_bruts(donnees)
    empreinte = portraits_.empreinte_portraits(donnees)
    protection = calculer_plan_de_protection(donnees)
    empreinte_plan = empreinte_protection(donnees)
    avec = replace(donnees, calculs_prepares={portraits_.CALCUL: (empreinte, tableau),
                                              CALCUL_PROTECTION: (empreinte_plan, protection)})
    publies = portraits(avec).valeurs
    par_territoire = {}
    for territoire, lignes in publies.groupby(publies["territoire"].astype(str), sort=False):
        decisions = protection[protection["territoire"] == territoire]
        par_territoire[territoire] = (pd.util.hash_pandas_object(lignes, index=False).to_numpy().tobytes()
                                      + pd.util.hash_pandas_object(decisions, index=False).to_numpy().tobytes())
    return Complements(tables={portraits_.CALCUL: tableau, CALCUL_PROTECTION: protection},
                       empreintes={portraits_.CALCUL: empreinte, CALCUL_PROTECTION: empreinte_plan},
                       par_territoire=par_territoire)


def figure_puissance(courbe, *, cible=0.8) -> confidentialite.FigureProtegee:
    """La figure des courbes, prête à diffuser (`carnet.publier`) : elle ne montre que des
    puissances simulées, aucun effectif d'enquête."""
    return confidentialite.FigureProtegee(_figures().courbes_puissance(courbe, cible=cible),
                          motif="courbes de puissance tirées de jeux simulés ; aucun effectif d'enquête")


def mesures_reseau(donnees: Donnees) -> confidentialite.TableauProtege:
    """Les mesures du réseau par territoire (`analyses.mesures_reseau`), telles qu'elles se publient.

    La part de concertations isolées est une part comme celles des portraits : retenue si le nombre de
    concertations isolées, ou de non isolées, compte de 1 à `seuil` - 1 (avec le nombre de concertations
    publié, elle redonnerait ce compte). Le maximum d'organisations partagées par deux concertations est la
    valeur d'une seule paire : jamais publié.
    """
    tableau = analyses.mesures_reseau(donnees)
    if isinstance(tableau, NonDisponible):
        return tableau
    seuil = seuil_confidentialite(donnees)
    valeurs = tableau.drop(columns=["max_organisations_partagees"], errors="ignore")
    isolees = (pd.to_numeric(valeurs["part_instances_isolees"], errors="coerce")
               * pd.to_numeric(valeurs["nb_instances"], errors="coerce")).round()
    complement = pd.to_numeric(valeurs["nb_instances"], errors="coerce") - isolees
    petite = (((isolees >= 1) & (isolees < seuil)) | ((complement >= 1) & (complement < seuil))).fillna(False)
    petite = petite.to_numpy()
    valeurs = _a_la_precision(valeurs)
    masque = pd.DataFrame(False, index=valeurs.index, columns=valeurs.columns)
    valeurs["part_instances_isolees"] = valeurs["part_instances_isolees"].mask(petite)
    masque["part_instances_isolees"] = petite
    note = NOTE_PRECISION + " Le maximum d'organisations partagées par deux concertations (une seule paire) n'est pas publié."
    if petite.any():
        note += (f" « x » : part de concertations isolées retenue (moins de {seuil} concertations isolées, ou non "
                 "isolées).")
    return confidentialite.TableauProtege(valeurs=valeurs, masque=masque, primaires=masque.copy(), seuil=seuil,
                                          note=note)
