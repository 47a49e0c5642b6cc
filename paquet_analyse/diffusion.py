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
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from . import (associations, chemins, confidentialite, derivees, dictionnaire, fiabilite, figures, indicateurs,
               interpretation, reseau)
from .territoires import verifier_territoire
from .affichage import en_tete
from .donnees import Donnees, NonDisponible, colonne_poids, non_disponible, restreindre
from .erreurs import AvertissementPaquet
from .preparation import Complements
from .hypotheses import COLONNES_RESULTATS, ajouter_p_ajustees, tableau_analyse, tester_hypothese
from .portraits import ENSEMBLE, portraits_bruts

def effectifs_par_territoire(donnees: Donnees) -> "confidentialite.TableauProtege":
    """Nombre d'instances et de participants par territoire (et au total), petites cellules supprimées."""
    inst = donnees.instances.groupby("territoire", observed=True).size().rename("instances")
    part = donnees.participants["territoire"].value_counts().rename("participants")
    tableau = pd.concat([inst, part], axis=1).fillna(0).astype(int).sort_index()
    tableau.loc["Ensemble"] = tableau.sum()
    return confidentialite.supprimer_petites_cellules(tableau.rename_axis("territoire"),
                                                      seuil=seuil_confidentialite(donnees))


def seuil_confidentialite(donnees: Donnees) -> int:
    return int(donnees.plan.seuils["confidentialite"])


# Colonnes qui comptent des personnes, des sièges ou des tables dans les
# tableaux de résultats publiés (une ligne par test, territoire, organisation).
COLONNES_COMPTES = ("effectif", "manquants", "hors_definition", "nb_instances", "nb_participants", "nb_sieges",
                    "nb_sieges_sans_organisation", "nb_heures_manquantes", "nb_instances_isolees",
                    "nb_organisations", "nb_participations", "n_1", "n_2")
# Effectifs des tests, arrondis à 5 près une fois les petits supprimés : la différence de deux
# effectifs publiés (ou d'un total et d'un effectif) ne redonne jamais un petit nombre exact.
COLONNES_ARRONDIES = ("effectif", "manquants", "hors_definition", "nb_sieges_sans_organisation", "nb_heures_manquantes", "n_1", "n_2")
# Ce qui se tire d'un tableau 2×2 (ou de ses cases) et permet de le reconstruire.
COLONNES_DERIVEES = ("estimation", "ic_bas", "ic_haut", "p_valeur", "p_ajustee", "rapport_cotes", "statistique",
                     "puissance")
ARRONDI = 5


def arrondir(x):
    """Arrondi à :data:`ARRONDI` près (la moitié vers le haut), pour un nombre ou une série.

    Seule règle d'arrondi des effectifs publiés, dans les tableaux (`proteger`) comme dans les phrases.
    """
    if isinstance(x, pd.Series):
        return (np.floor(x.astype(float) / ARRONDI + 0.5) * ARRONDI).astype("Int64")
    return int(np.floor(x / ARRONDI + 0.5) * ARRONDI)


def proteger(tableau: pd.DataFrame, donnees: Donnees) -> "confidentialite.TableauProtege":
    """Tableau de résultats prêt à diffuser (règles du README, « Confidentialité ») :

    1. un effectif de 1 au seuil du plan - 1 est supprimé (« x ») ;
    2. les effectifs des tests (`COLONNES_ARRONDIES`) sont arrondis à 5 près ;
    3. sur une ligne dont le tableau exposition × issue a une case de 1 au
       seuil - 1 (colonne `case_sous_le_seuil`, ou `supprime` pour une strate),
       rapport de cotes, IC, p et statistique sont supprimés : ils permettraient
       de reconstruire le tableau.
    """
    if isinstance(tableau, NonDisponible):
        return tableau
    seuil = seuil_confidentialite(donnees)
    colonnes = [c for c in COLONNES_COMPTES if c in tableau.columns]
    p = confidentialite.proteger_comptes(tableau, colonnes=colonnes, seuil=seuil)
    valeurs, masque = p.valeurs.copy(), p.masque.copy()
    for c in COLONNES_ARRONDIES:
        if c in valeurs.columns:
            valeurs[c] = arrondir(pd.to_numeric(valeurs[c], errors="coerce")).mask(masque[c])
    drapeau = next((c for c in ("case_sous_le_seuil", "supprime") if c in valeurs.columns), None)
    supprimer = valeurs[drapeau].fillna(False).astype(bool).to_numpy() if drapeau else np.zeros(len(valeurs), bool)
    for c in COLONNES_DERIVEES:
        if c in valeurs.columns and supprimer.any():
            valeurs[c] = valeurs[c].mask(supprimer)
            masque[c] = masque[c].to_numpy() | supprimer
    note = p.note
    if supprimer.any() and not p.masque.to_numpy().any():
        note = ""  # « aucune suppression » serait faux : les statistiques de certaines lignes le sont
    arrondies = [en_tete(c).lower() for c in COLONNES_ARRONDIES if c in valeurs.columns]
    if arrondies:
        note += f" Arrondis à {ARRONDI} près : {', '.join(arrondies)} ; les autres effectifs sont exacts."
    if supprimer.any():
        note += (f" « {p.marque} » pour le rapport de cotes, l'IC, p et la statistique d'un test dont une case "
                 f"compte moins de {seuil} : ils permettraient de la retrouver.")
    note = note.strip()
    return replace(p, valeurs=valeurs, masque=masque, primaires=p.primaires, note=note)


def portraits(donnees: Donnees) -> "confidentialite.TableauProtege":
    """Portraits de chaque territoire puis de l'ensemble, empilés (colonne `territoire`), protégés ensemble.

    Une part supprimée (effectif ou complément sous le seuil) ne doit se
    recalculer ni par différence avec l'ensemble, ni à l'aide d'un autre
    rapport : la suppression secondaire est décidée sur le tableau empilé, et
    tout portrait publié (`portrait` d'un territoire, `figure_portrait`, la
    ligne de commande) en est tiré.
    """
    return confidentialite.proteger_portrait(portraits_bruts(donnees), seuil=seuil_confidentialite(donnees))


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
    vue.insert(0, "libelle", [indicateurs.LIBELLES_PORTRAIT[i] for i in vue["indicateur"]])
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
        figure = figures.portrait_un_territoire(tableau, territoire=territoires[0], simule=donnees.simule)
    else:
        tableau = pd.concat([p.valeurs.assign(territoire=t) for p, t in zip(proteges, territoires)],
                            ignore_index=True)
        figure = figures.portrait_par_territoire(tableau, simule=donnees.simule)
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
        fig = figures.carte_residus(self.residus, ligne=self.ligne, colonne=self.colonne, simule=self.simule)
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
    tableau = confidentialite.supprimer_petites_cellules(comptes, seuil=seuil_confidentialite(donnees))
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

    def figures(self):
        for id_, (h, r) in self.resultats.items():
            court = {n: dictionnaire.libelle(n).split(" (")[0] for n in (h.issue, h.exposition)}
            titre = f"{id_} — {court[h.issue]} : rapport de cotes selon « {court[h.exposition]} »"
            fig = figures.forest_rapports_cotes(r.strates, commun=(r.rapport_cotes, r.ic_bas, r.ic_haut),
                                                titre=titre, simule=self.simule)
            yield (f"foret_{id_.lower()}", confidentialite.FigureProtegee(
                fig, motif="rapports de cotes par territoire et commun ; les effectifs des cases ne sont pas montrés"))


def forets(donnees: Donnees) -> Forets:
    morceaux, phrases, resultats = [], [], {}
    homogeneite = [h for h in donnees.plan.hypotheses if h.methode == "mantel_haenszel"]
    # mêmes lignes (et mêmes p ajustées dans la famille des tests d'homogénéité) que la synthèse
    lignes = ajouter_p_ajustees(pd.DataFrame([tester_hypothese(donnees, h, portee="region") for h in homogeneite],
                                             columns=COLONNES_RESULTATS), methode=donnees.plan.seuils["ajustement"])
    publiees = proteger(lignes, donnees).valeurs  # les phrases ne disent que ce que le tableau publie
    for h, (_, ligne) in zip(homogeneite, publiees.iterrows()):
        if ligne["statut"] != "ok":
            phrases.append(interpretation.phrase_hypothese(ligne, alpha=float(donnees.plan.seuils["alpha"])))
            continue
        t, _, _ = tableau_analyse(donnees, h, avec_territoire=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AvertissementPaquet)
            r = associations.mantel_haenszel(t, h.exposition, h.issue, "territoire")
        # une strate dont une case compte moins que le seuil : son RC et son IC la reconstruisent ; ils
        # ne sont ni dans le tableau ni sur la figure. Les effectifs des cases ne sont jamais publiés.
        cases = r.strates[["n11", "n12", "n21", "n22"]].to_numpy()
        supprime = ((cases >= 1) & (cases < seuil_confidentialite(donnees))).any(axis=1)
        resultats[h.id] = (h, replace(r, strates=r.strates.assign(supprime=supprime)))
        strates = r.strates.drop(columns=["n11", "n12", "n21", "n22"], errors="ignore").assign(id=h.id,
                                                                                               supprime=supprime)
        morceaux.append(strates)
        phrases += interpretation.phrases_foret(ligne, r, alpha=float(donnees.plan.seuils["alpha"]))
    tableau = pd.concat(morceaux, ignore_index=True) if morceaux else pd.DataFrame()
    if not tableau.empty:
        tableau = tableau[["id", *[c for c in tableau.columns if c != "id"]]]
    return Forets(tableau, phrases, resultats, donnees.simule)


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
    phrase = interpretation.phrase_alpha(a["alpha"], a["ic_bas"], a["ic_haut"], arrondir(int(a["effectif"])))
    ecartes, seuil = int(a["manquants"]), seuil_confidentialite(donnees)
    if ecartes:  # un petit nombre de personnes ne se publie pas, même dans une phrase
        combien = f"environ {arrondir(ecartes)}" if ecartes >= seuil else f"moins de {seuil}"
        phrase += f" ({combien} répondants écartés : au moins une condition sans réponse.)"
    if colonne_poids(donnees):
        phrase += " Alpha et corrélations item-total non pondérés : les poids de sondage ne s'y appliquent pas."
    return FiabiliteConditions(alpha, par_item, phrase)


def figure_conditions(donnees: Donnees):
    absent = non_disponible(donnees, "indice_conditions")
    if absent:
        return absent
    return confidentialite.FigureProtegee(figures.conditions_par_logique(donnees.participants, simule=donnees.simule),
                                          motif="distribution de l'indice des conditions ; aucun effectif montré")


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
        fig = figures.reseau_instances(projection, positions, logiques=logiques, simule=donnees.simule,
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
    """
    from . import portraits as portraits_  # le nom « portraits » est ici la fonction publiée

    tableau = portraits_.calculer_portraits_bruts(donnees)
    empreinte = portraits_.empreinte_portraits(donnees)
    avec = replace(donnees, calculs_prepares={portraits_.CALCUL: (empreinte, tableau)})
    publies = portraits(avec).valeurs
    par_territoire = {}
    for territoire, lignes in publies.groupby(publies["territoire"].astype(str), sort=False):
        par_territoire[territoire] = pd.util.hash_pandas_object(lignes, index=False).to_numpy().tobytes()
    return Complements(tables={portraits_.CALCUL: tableau}, empreintes={portraits_.CALCUL: empreinte},
                       par_territoire=par_territoire)


def figure_puissance(courbe, *, cible=0.8) -> confidentialite.FigureProtegee:
    """La figure des courbes, prête à diffuser (`carnet.publier`) : elle ne montre que des
    puissances simulées, aucun effectif d'enquête."""
    return confidentialite.FigureProtegee(figures.courbes_puissance(courbe, cible=cible),
                          motif="courbes de puissance tirées de jeux simulés ; aucun effectif d'enquête")
