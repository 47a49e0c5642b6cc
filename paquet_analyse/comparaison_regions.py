"""Comparer des régions par ce qu'elles publient : le lien est-il le même partout ?

Chaque équipe garde ses microdonnées ; elle envoie le résumé publiable de sa
région (`resume_region`, un paquet de données Frictionless). Ce module :

1. reçoit les régions vérifiées et rassemblées par `regions_recues`
   (intégrité, schéma, compatibilité des plans et du dictionnaire) ;
2. méta-analyse chaque hypothèse entre régions (`meta_analyse.combiner` :
   effets aléatoires REML et intervalle de Hartung-Knapp, τ², I²,
   intervalle de prédiction ; effet fixe en sensibilité) sur les seules
   estimations publiées et combinables (une estimation supprimée ou non
   publiée est écartée, et la note le dit) ;
3. écrit les phrases « le lien est-il le même partout ? » à partir des
   nombres, et les graphiques en forêt par région ;
4. quand une équipe détient les microdonnées de plusieurs régions, offre à
   côté une analyse groupée stratifiée (`analyse_groupee`).

Couche « publication » : ne lit que des résumés publiés (et, pour l'analyse
groupée seulement, des jeux préparés locaux) ; écrit par `sorties.publier`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from . import (associations, confidentialite, dictionnaire, diffusion, figures, hypotheses, interpretation,
               meta_analyse, preparation, texte)
from .donnees import Donnees, NonDisponible
from .erreurs import AvertissementPaquet
from .regions_recues import Regions

TITRE = "Comparaison des régions : le lien est-il le même partout ?"

COLONNES_META = ["id", "famille", "question", "exposition", "issue", "mesure", "echelle", "k", "regions",
                 "regions_ecartees", "estimation", "ic_bas", "ic_haut", "statistique", "ddl", "p_valeur",
                 "p_ajustee", "estimation_echelle", "erreur_type", "tau2", "tau", "i2", "h2", "q", "ddl_q", "p_q",
                 "p_q_ajustee", "pi_bas", "pi_haut", "fixe_estimation", "fixe_ic_bas", "fixe_ic_haut",
                 "fixe_p_valeur", "estimateurs", "methode", "note"]
COLONNES_REGIONS = ["id", "region", "source", "simule", "combinable", "motif", "effectif", "estimation", "ic_bas",
                    "ic_haut", "estimation_echelle", "erreur_type", "poids_meta", "ecart_standardise"]


# --------------------------------------------------------------------------
# Méta-analyse de chaque hypothèse


def estimations_regions(regions: Regions) -> pd.DataFrame:
    """Une ligne par hypothèse et par région : ce que la région publie, et si cela se combine."""
    morceaux = []
    for etiquette, r in zip(regions.etiquettes, regions.resumes):
        h = r.hypotheses
        morceaux.append(pd.DataFrame({
            "id": h["id"], "region": etiquette, "source": r.source, "simule": r.simule,
            "combinable": h["combinable"].astype(bool), "motif": h["motif"], "effectif": h["effectif"],
            "estimation": h["estimation"], "ic_bas": h["ic_bas"], "ic_haut": h["ic_haut"],
            "estimation_echelle": h["estimation_echelle"], "erreur_type": h["erreur_type"],
            "mesure": h["mesure"], "echelle": h["echelle"], "estimateur": h["estimateur"],
            "case_sous_le_seuil": h["case_sous_le_seuil"].astype(bool)}))
    return pd.concat(morceaux, ignore_index=True)


def _retour(x: float, echelle: str) -> float:
    """De l'échelle de la méta-analyse à celle de la mesure (exp pour un log de rapport de cotes)."""
    return float(np.exp(x)) if echelle == "log" else float(x)


@dataclass(frozen=True)
class MetaAnalyses:
    """Méta-analyse de chaque hypothèse entre les régions (`meta_analyser`)."""

    regions: Regions
    synthese: pd.DataFrame          # une ligne par hypothèse (colonnes COLONNES_META), échelle de la mesure
    estimations: pd.DataFrame       # une ligne par hypothèse et région (COLONNES_REGIONS)
    resultats: dict = field(repr=False, default_factory=dict)  # id -> ResultatMetaAnalyse (échelle de combinaison)
    sans_la_plus_eloignee: dict = field(repr=False, default_factory=dict)  # id -> (région, écart, résultat sans elle)

    def tableau(self) -> "confidentialite.TableauProtege":
        """La synthèse, prête à publier (aucun effectif de personnes : seulement des nombres déjà publiés)."""
        return self.regions.proteger(self.synthese)

    def tableau_regions(self) -> "confidentialite.TableauProtege":
        """Les estimations de chaque région, telles que publiées (effectifs arrondis repassés à la protection)."""
        return self.regions.proteger(self.estimations)

    def vue(self) -> pd.DataFrame:
        """Colonnes utiles à la lecture de la synthèse (le CSV garde tout)."""
        return self.synthese[["id", "exposition", "issue", "k", "estimation", "ic_bas", "ic_haut", "p_ajustee",
                              "i2", "tau2", "p_q", "pi_bas", "pi_haut", "fixe_estimation", "fixe_ic_bas",
                              "fixe_ic_haut"]]

    def vue_regions(self) -> pd.DataFrame:
        return self.estimations[["id", "region", "effectif", "estimation", "ic_bas", "ic_haut", "poids_meta",
                                 "ecart_standardise", "motif"]]

    def phrases(self) -> list[str]:
        """« Le lien est-il le même partout ? », hypothèse par hypothèse, tiré des nombres."""
        sortie = []
        alpha = float(self.regions.seuils["alpha"])
        for ligne in self.synthese.to_dict("records"):
            regions = self.estimations[self.estimations["id"] == ligne["id"]]
            sortie.append(phrase_hypothese(ligne, regions, self.sans_la_plus_eloignee.get(ligne["id"]), alpha=alpha))
        return sortie

    def figures(self):
        """(nom, FigureProtegee) : un graphique en forêt par hypothèse méta-analysée."""
        source = self.tableau_regions()
        for ligne in self.synthese.to_dict("records"):
            if ligne["k"] < 2:
                continue
            regions = self.estimations[self.estimations["id"] == ligne["id"]]
            court = {n: dictionnaire.libelle(n).split(" (")[0] for n in (ligne["issue"], ligne["exposition"])}
            titre = f"{ligne['id']} — {court[ligne['issue']]} selon « {court[ligne['exposition']]} »"
            fig = figures.foret_regions(regions, ligne, titre=titre, simule=self.regions.simule)
            yield f"foret_regions_{ligne['id'].lower()}", confidentialite.FigureProtegee(fig, sources=(source,))


def meta_analyser(regions: Regions) -> MetaAnalyses:
    """Méta-analyse de chaque hypothèse estimée (rapport de cotes ou différence) entre les régions.

    Seules les estimations publiées et combinables entrent (`combinable` du résumé) : une estimation
    supprimée pour la confidentialité, retenue par la diffusion ou non estimable est écartée, et la note
    nomme la région et la raison. Les p de l'effet commun sont ajustées entre hypothèses (méthode
    `seuils.ajustement` du plan), comme celles du Q de Cochran, chacune dans sa famille.
    """
    estimations = estimations_regions(regions)
    estimations["poids_meta"] = np.nan
    estimations["ecart_standardise"] = np.nan
    ordre = list(dict.fromkeys(estimations["id"]))
    lignes, resultats, sans = [], {}, {}
    for id_ in ordre:
        bloc = estimations[estimations["id"] == id_]
        mesures = set(bloc["mesure"])
        if not mesures & {"rapport_cotes", "difference"}:
            continue  # test d'homogénéité entre territoires : rien à combiner
        ligne, resultat, loin = _une_hypothese(regions, id_, bloc)
        lignes.append(ligne)
        if resultat is not None:
            resultats[id_] = resultat
            index = bloc.index[bloc["combinable"]]
            estimations.loc[index, "poids_meta"] = resultat.poids
            y, se = bloc.loc[index, "estimation_echelle"], bloc.loc[index, "erreur_type"]
            estimations.loc[index, "ecart_standardise"] = (y - resultat.estimation) / np.sqrt(se ** 2 + resultat.tau2)
            if loin is not None:
                sans[id_] = loin
    synthese = pd.DataFrame(lignes, columns=COLONNES_META)
    methode = regions.seuils["ajustement"]
    for p, ajustee in (("p_valeur", "p_ajustee"), ("p_q", "p_q_ajustee")):
        valeurs = synthese[p].to_numpy(dtype=float)
        synthese[ajustee] = associations.ajuster_p(valeurs, methode=methode) if len(valeurs) else valeurs
    return MetaAnalyses(regions=regions, synthese=synthese,
                        estimations=estimations[estimations["id"].isin(synthese["id"])][COLONNES_REGIONS]
                        .reset_index(drop=True), resultats=resultats, sans_la_plus_eloignee=sans)


def _une_hypothese(regions: Regions, id_: str, bloc: pd.DataFrame):
    definition = regions.resumes[0].definition(id_) or next(
        (r.definition(id_) for r in regions.resumes if r.definition(id_)), {})
    combinables = bloc[bloc["combinable"]]
    echelle = next((e for e in combinables["echelle"] if isinstance(e, str) and e), "log")
    mesure = next(iter(set(bloc["mesure"]) & {"rapport_cotes", "difference"}))
    ecartees = [f"{r} ({m})" for r, m in zip(bloc.loc[~bloc["combinable"], "region"], bloc.loc[~bloc["combinable"], "motif"])]
    estimateurs = sorted(set(combinables["estimateur"]))
    ligne = {c: np.nan for c in COLONNES_META}
    ligne.update(id=id_, famille=definition.get("famille", ""), question=definition.get("question", ""),
                 exposition=definition.get("exposition", ""), issue=definition.get("issue", ""), mesure=mesure,
                 echelle=echelle, k=len(combinables), regions=" ; ".join(combinables["region"]),
                 regions_ecartees=" ; ".join(ecartees), estimateurs=" | ".join(estimateurs),
                 methode=meta_analyse.METHODE, note="")
    notes = []
    absentes = [e for e in regions.etiquettes if e not in set(bloc["region"])]
    if absentes:
        notes.append(f"Hypothèse absente du plan de : {', '.join(absentes)}.")
    if ecartees:
        notes.append("Écartée(s) de la méta-analyse : " + " ; ".join(ecartees) + ".")
    if len(estimateurs) > 1:
        notes.append("Estimateurs différents selon les régions : " + " | ".join(estimateurs) + ".")
    if len(combinables) < 2:
        notes.append(f"{len(combinables)} région combinable : pas de méta-analyse (il en faut au moins deux).")
        ligne["note"] = " ".join(notes)
        return ligne, None, None
    y = combinables["estimation_echelle"].to_numpy(dtype=float)
    v = combinables["erreur_type"].to_numpy(dtype=float) ** 2
    r = meta_analyse.combiner(y, v)
    for c in ("statistique", "ddl", "p_valeur", "erreur_type", "tau2", "tau", "i2", "h2", "q", "ddl_q", "p_q",
              "fixe_p_valeur"):
        ligne[c] = getattr(r, c)
    ligne["estimation_echelle"] = r.estimation
    for c in ("estimation", "ic_bas", "ic_haut", "pi_bas", "pi_haut", "fixe_estimation", "fixe_ic_bas", "fixe_ic_haut"):
        ligne[c] = _retour(getattr(r, c), echelle)
    ligne["note"] = " ".join(notes)
    loin = None
    if len(combinables) >= 3:  # la région la plus éloignée de l'effet commun, et la méta-analyse sans elle
        ecarts = np.abs(y - r.estimation) / np.sqrt(v + r.tau2)
        i = int(np.argmax(ecarts))
        loin = (combinables["region"].iloc[i], float(ecarts[i]),
                meta_analyse.combiner(np.delete(y, i), np.delete(v, i)))
    return ligne, r, loin


# --------------------------------------------------------------------------
# Phrases


def _nombre(x: float, mesure: str) -> str:
    return texte.nombre_fr(x, 2 if mesure == "rapport_cotes" else 1)


def _nulle(mesure: str) -> float:
    return 1.0 if mesure == "rapport_cotes" else 0.0


def _quoi(mesure: str) -> str:
    return "le rapport de cotes" if mesure == "rapport_cotes" else "l'écart de moyennes (points)"


def phrase_hypothese(ligne: dict, regions: pd.DataFrame, sans_la_plus_eloignee=None, *, alpha: float = 0.05) -> str:
    """La réponse, tirée des nombres, à « le lien est-il le même partout ? » pour une hypothèse.

    Effet commun (effets aléatoires, IC de Hartung-Knapp) et son verdict (p ajustée entre hypothèses) ;
    hétérogénéité (Q de Cochran, p ajustée, I², τ) ; intervalle de prédiction ; la région la plus
    éloignée et ce que devient I² sans elle ; sens du lien dans chaque région ; effet fixe en sensibilité.
    """
    id_, mesure, k = ligne["id"], ligne["mesure"], int(ligne["k"])
    expo = dictionnaire.libelle(ligne["exposition"]).split(" (")[0].lower()
    iss = dictionnaire.libelle(ligne["issue"]).split(" (")[0].lower()
    tete = f"**{id_}** (« {iss} » selon « {expo} »)"
    if k < 2:
        return f"{tete} : pas de méta-analyse. {ligne['note']}".strip()
    n = lambda x: _nombre(x, mesure)  # noqa: E731
    nulle = _nulle(mesure)
    commun = (f"{tete}, {k} régions : {_quoi(mesure)} commun (effets aléatoires) vaut {n(ligne['estimation'])} "
              f"(IC à 95 % de Hartung-Knapp de {n(ligne['ic_bas'])} à {n(ligne['ic_haut'])} ; "
              f"{texte.valeur_p(ligne['p_valeur'])}, p ajustée {texte.p_court(ligne['p_ajustee'])}) : "
              + interpretation.verdict(ligne["p_ajustee"], alpha=alpha, objet="d'un lien en moyenne entre les régions")
              + ".")
    q = (f"Q de Cochran = {texte.nombre_fr(ligne['q'], 2)} à {int(ligne['ddl_q'])} ddl, "
         f"{texte.valeur_p(ligne['p_q'])} (p ajustée {texte.p_court(ligne['p_q_ajustee'])}) ; "
         f"I² = {texte.nombre_fr(ligne['i2'], 0)} %")
    if ligne["p_q_ajustee"] < alpha:
        meme = (f"**Le lien est-il le même partout ? Non** : les régions diffèrent plus que le hasard ne l'explique "
                f"({q}, la part de la variation des estimations due à de vraies différences entre régions).")
    elif ligne["p_q"] < alpha:
        meme = (f"**Le lien est-il le même partout ? Peut-être pas** : le test d'homogénéité donne p < {texte.nombre_fr(alpha, 2)} "
                f"avant ajustement, mais plus après ajustement entre hypothèses ({q}).")
    else:
        meme = f"**Le lien est-il le même partout ? Rien n'indique le contraire** ({q})"
        meme += (f" ; avec {k} régions ce test a peu de puissance : l'absence de preuve n'est pas une preuve "
                 "d'absence." if k < 10 else ".")
    prediction = (f"Dans une nouvelle région comparable, {_quoi(mesure)} se situerait, à 95 %, entre "
                  f"{n(ligne['pi_bas'])} et {n(ligne['pi_haut'])} (intervalle de prédiction")
    prediction += ", très large avec deux régions)." if k == 2 else ")."
    if ligne["pi_bas"] <= nulle <= ligne["pi_haut"] and not ligne["ic_bas"] <= nulle <= ligne["ic_haut"]:
        prediction += f" Il contient {n(nulle)} : le lien pourrait être absent dans certaines régions."
    phrases = [commun, meme, prediction]
    if sans_la_plus_eloignee is not None:
        region, ecart, sans = sans_la_plus_eloignee
        if ecart >= 1.96 or ligne["p_q_ajustee"] < alpha:
            publie = regions[regions["region"] == region].iloc[0]
            phrases.append(f"La région la plus éloignée de l'effet commun est {region} ({n(publie['estimation'])}, IC "
                           f"de {n(publie['ic_bas'])} à {n(publie['ic_haut'])} ; écart standardisé "
                           f"{texte.nombre_fr(ecart, 1)}) ; sans elle, I² = {texte.nombre_fr(sans.i2, 0)} % et "
                           f"{_quoi(mesure)} commun vaudrait {n(_retour(sans.estimation, ligne['echelle']))}.")
    phrases.append(_phrase_sens(regions, mesure))
    phrases.append(f"Effet fixe (sensibilité, qui suppose le même lien partout) : {n(ligne['fixe_estimation'])} "
                   f"(IC à 95 % de {n(ligne['fixe_ic_bas'])} à {n(ligne['fixe_ic_haut'])}).")
    if ligne["note"]:
        phrases.append(ligne["note"])
    return " ".join(phrases)


def _phrase_sens(regions: pd.DataFrame, mesure: str) -> str:
    """Dans combien de régions le lien va dans un sens, dans l'autre, ou n'est pas distinguable de nul."""
    nulle = _nulle(mesure)
    combinables = regions[regions["combinable"]]
    plus = combinables.loc[combinables["ic_bas"] > nulle, "region"].tolist()
    moins = combinables.loc[combinables["ic_haut"] < nulle, "region"].tolist()
    reste = [r for r in combinables["region"] if r not in plus + moins]
    k = len(combinables)

    def noms(groupe: list) -> str:  # les régions sont nommées quand leur groupe est petit (lisible à 17 régions)
        return f" ({', '.join(groupe)})" if len(groupe) <= 5 else ""

    morceaux = []
    if plus:
        morceaux.append(f"au-dessus de {_nombre(nulle, mesure)} dans {len(plus)} sur {k}{noms(plus)}")
    if moins:
        morceaux.append(f"en dessous dans {len(moins)} sur {k}{noms(moins)}")
    if reste:
        morceaux.append(f"indistinct de {_nombre(nulle, mesure)} dans {len(reste)} sur {k}{noms(reste)}")
    return "Par région, l'intervalle publié est " + " ; ".join(morceaux) + "."


# --------------------------------------------------------------------------
# Analyse groupée (une équipe qui détient les microdonnées de plusieurs régions)


def combiner_donnees(donnees_par_region: dict) -> Donnees:
    """Les jeux préparés de plusieurs régions en un seul, où chaque territoire devient « région — territoire ».

    Les identifiants (instances, répondants, organisations) sont préfixés par la région : deux régions
    peuvent avoir les mêmes. Les strates (territoires) ne traversent jamais une région : stratifier par
    territoire revient à stratifier par région, et par territoire dans chaque région, comme le fait chaque
    région pour elle-même.
    """
    instances, participants, territoires, noms, absentes = [], [], [], [], set()
    for k, (region, d) in enumerate(donnees_par_region.items()):
        prefixe = f"R{k + 1}:"
        renommer = lambda s: (region + " — " + s.astype("string")).astype("string")  # noqa: E731
        inst = d.instances.copy()
        inst["territoire"] = renommer(inst["territoire"])
        inst["id_instance"] = (prefixe + inst["id_instance"].astype("string")).astype("string")
        part = d.participants.copy()
        part["territoire"] = renommer(part["territoire"])
        for c in ("id_instance", "id_repondant", "id_organisation"):
            if c in part.columns:  # un manquant reste manquant (« string » le propage)
                part[c] = (prefixe + part[c].astype("string")).astype("string")
        instances.append(inst)
        participants.append(part)
        if d.jeu.territoires is not None:
            t = d.jeu.territoires.copy()
            t["territoire"] = renommer(t["territoire"])
            territoires.append(t)
        noms += [f"{region} — {t}" for t in d.jeu.liste_territoires()]
        absentes |= set(d.jeu.variables_absentes)
    premier = next(iter(donnees_par_region.values()))
    jeu = replace(premier.jeu, nom="regions_groupees", descripteur={
        **premier.jeu.descripteur, "region": " + ".join(donnees_par_region),
        "simule": any(d.simule for d in donnees_par_region.values())},
                  territoires=pd.concat(territoires, ignore_index=True) if territoires else None,
                  noms_territoires=tuple(sorted(noms)), variables_absentes=tuple(sorted(absentes)))
    return Donnees(jeu=jeu, plan=premier.plan, instances=pd.concat(instances, ignore_index=True),
                            participants=pd.concat(participants, ignore_index=True))


COLONNES_GROUPEE = ["id", "exposition", "issue", "test", "estimateur", "effectif", "nb_strates", "estimation",
                    "ic_bas", "ic_haut", "p_valeur", "meta_estimation", "meta_ic_bas", "meta_ic_haut",
                    "ecart", "case_sous_le_seuil", "statut", "note"]


@dataclass(frozen=True)
class AnalyseGroupee:
    """Analyse groupée stratifiée (microdonnées de plusieurs régions), à côté de la méta-analyse."""

    tableau: "confidentialite.TableauProtege"
    phrases: list


def analyse_groupee(donnees_par_region: dict, *, meta: MetaAnalyses | None = None) -> AnalyseGroupee:
    """Chaque hypothèse estimée du plan sur les microdonnées de toutes les régions réunies.

    Même moteur que la synthèse de chaque région (`hypotheses.tester_hypothese`, portée région) sur les
    données combinées (`combiner_donnees`) : Mantel-Haenszel stratifié par région × territoire pour une
    association, effets fixes de région × territoire dans une régression. Le tableau est protégé comme
    ceux d'une région (`diffusion.proteger`) ; à côté, l'effet commun de la méta-analyse (`meta`).
    """
    donnees = combiner_donnees(donnees_par_region)
    a_tester = [h for h in donnees.plan.hypotheses_de_portee("region") if h.methode != "mantel_haenszel"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AvertissementPaquet)
        lignes = [hypotheses.tester_hypothese(donnees, h, portee="region") for h in a_tester]
    resultats = pd.DataFrame(lignes, columns=hypotheses.COLONNES_RESULTATS)
    protege = diffusion.proteger(resultats, donnees)
    v = protege.valeurs
    nb_strates = len(donnees.jeu.liste_territoires())
    tableau = pd.DataFrame({c: v[c] for c in ("id", "exposition", "issue", "test", "estimateur", "effectif",
                                              "estimation", "ic_bas", "ic_haut", "p_valeur", "case_sous_le_seuil",
                                              "statut", "note")})
    tableau["nb_strates"] = nb_strates
    for c in ("meta_estimation", "meta_ic_bas", "meta_ic_haut", "ecart"):
        tableau[c] = np.nan
    phrases = []
    if meta is not None:
        synthese = meta.synthese.set_index("id")
        for i, ligne in tableau.iterrows():
            if ligne["id"] not in synthese.index or synthese.loc[ligne["id"], "k"] < 2:
                continue
            m = synthese.loc[ligne["id"]]
            tableau.loc[i, ["meta_estimation", "meta_ic_bas", "meta_ic_haut"]] = (m["estimation"], m["ic_bas"],
                                                                                 m["ic_haut"])
            if not texte.manquant(ligne["estimation"]):
                ecart = (np.log(ligne["estimation"]) - np.log(m["estimation"]) if m["echelle"] == "log"
                         else ligne["estimation"] - m["estimation"])
                tableau.loc[i, "ecart"] = ecart
                phrases.append(_phrase_groupee(ligne, m, float(donnees.plan.seuils["alpha"])))
    tableau = tableau[COLONNES_GROUPEE]
    masque = pd.DataFrame(False, index=tableau.index, columns=tableau.columns)
    for c in tableau.columns:
        if c in protege.masque.columns:
            masque[c] = protege.masque[c].to_numpy()
    return AnalyseGroupee(tableau=replace(protege, valeurs=tableau, masque=masque, primaires=masque.copy()),
                          phrases=phrases)


def _phrase_groupee(ligne, m, alpha: float) -> str:
    mesure = m["mesure"]
    n = lambda x: _nombre(x, mesure)  # noqa: E731
    dedans = m["ic_bas"] <= ligne["estimation"] <= m["ic_haut"]
    phrase = (f"**{ligne['id']}** : analyse groupée (microdonnées, strates région × territoire) "
              f"{n(ligne['estimation'])} (IC à 95 % de {n(ligne['ic_bas'])} à {n(ligne['ic_haut'])}) ; méta-analyse "
              f"des résumés publiés {n(m['estimation'])} (de {n(m['ic_bas'])} à {n(m['ic_haut'])}) : l'estimation "
              "groupée est " + ("dans" if dedans else "hors de") + " l'intervalle de la méta-analyse.")
    if m["p_q_ajustee"] < alpha:
        phrase += (" L'analyse groupée suppose un même lien dans toutes les régions, ce que le Q de Cochran "
                   "contredit ici : c'est la méta-analyse à effets aléatoires qui se lit.")
    return phrase


def analyse_groupee_locale(regions: Regions, meta: MetaAnalyses, *, demandee: bool):
    """L'analyse groupée sur les jeux préparés ICI des régions comparées, si elle est demandée et possible.

    Chaque région doit avoir son jeu préparé dans `resultats/<jeu>/donnees/`, identique (empreintes) à celui
    dont son résumé a été tiré. Sinon, une note « Non disponible » dit pourquoi (les microdonnées ne
    circulent pas entre équipes : c'est le cas ordinaire).
    """
    if not demandee:
        return NonDisponible(
            "analyse groupée non demandée : les microdonnées ne circulent pas entre équipes. Une équipe qui détient "
            "les jeux préparés de toutes ces régions peut l'ajouter (comparer-regions … --groupee).")
    donnees, manquants = {}, []
    for etiquette, r in zip(regions.etiquettes, regions.resumes):
        attendues = r.bloc.get("provenance", {}).get("donnees_preparees_sha256")
        meta_jeu = preparation.lire_meta(r.jeu)
        if meta_jeu is None or meta_jeu.get("fichiers_sha256") != attendues:
            manquants.append(etiquette)
            continue
        donnees[etiquette] = preparation.lire(r.jeu)
    if manquants:
        return NonDisponible(
            f"analyse groupée impossible : les microdonnées préparées de {', '.join(manquants)} ne sont pas ici, ou "
            "ne sont pas celles dont leur résumé a été tiré (empreintes différentes).")
    return analyse_groupee(donnees, meta=meta)
