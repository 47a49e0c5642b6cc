"""Le moteur des hypothèses : chaque hypothèse du plan, dans un territoire ou entre territoires.

Les fonctions d'ici ne font que préparer les données selon le plan et
déléguer aux modules `associations` et `modeles`. Les avertissements des
tests (effectifs faibles, séparation, manquants) sont capturés et rendus
comme des données (colonne `note`), jamais imprimés : un avertissement dans
un carnet ferait échouer sa vérification par nbval.

Les résultats sont des tableaux de travail, complets : ils se diffusent par
la couche de publication (`diffusion.proteger`), qui décide de ce qui peut
être publié. Les données viennent toujours du jeu préparé
(`preparation.lire`) : rien ici ne relit les fichiers bruts ni ne redérive
une variable.

Exemple
-------
>>> from paquet_analyse import hypotheses, preparation
>>> d = preparation.lire("lanaudiere")
>>> r = hypotheses.tester_hypotheses(d, portee="territoire", territoire="Joliette")
>>> r["id"].tolist()[:2]
['H1a', 'H1b']
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from . import associations, dictionnaire, modeles, puissance, texte
from .donnees import Donnees, colonne_poids, non_disponible, restreindre
from .erreurs import AvertissementPaquet, ErreurDonnees, ErreurEffectifs
from .plan import Hypothese

COLONNES_RESULTATS = [
    "id", "famille", "question", "niveau", "exposition", "issue", "portee", "territoire", "test", "methode",
    "estimateur", "effectif", "manquants", "hors_definition", "nb_grappes", "mesure", "estimation", "ic_bas",
    "ic_haut", "statistique", "ddl", "p_valeur", "famille_ajustement", "p_ajustee", "puissance",
    "puissance_cible", "statut", "note", "case_sous_le_seuil", "strates", "ajustement", "seuil_plan",
]


# --------------------------------------------------------------------------
# Préparation d'un tableau d'analyse


def _termes(h: Hypothese, avec_territoire: bool) -> list[str]:
    termes = [h.exposition, h.issue, *(c.removeprefix("C(").removesuffix(")") for c in h.covariables)]
    if h.grappes:
        termes.append(h.grappes)
    if avec_territoire or h.strate:
        termes.append("territoire")
    return list(dict.fromkeys(termes))


def _hors_definition(source: pd.DataFrame, colonnes: list[str]) -> pd.Series:
    """Lignes écartées parce qu'une variable dérivée n'y est pas définie, pas parce qu'une réponse manque.

    Exemple : une concertation d'initiateur « autre » n'est ni descendante ni
    ascendante (règle `logique_initiateur` du dictionnaire) ; elle est hors de
    la définition de l'exposition, pas manquante. Une ligne est « hors
    définition » quand chaque variable vide de la ligne a toutes ses sources
    brutes renseignées.
    """
    vides = source[colonnes].isna()
    par_definition = pd.DataFrame(False, index=source.index, columns=colonnes)
    for nom in colonnes:
        sources = [c for c in dictionnaire.sources_brutes(nom) if c in source.columns and c != nom]
        if sources:
            par_definition[nom] = vides[nom] & source[sources].notna().all(axis=1)
    ecartees = vides.any(axis=1)
    return ecartees & (vides == par_definition).all(axis=1)


def tableau_analyse(donnees: Donnees, h: Hypothese, *,
                    avec_territoire: bool = False) -> tuple[pd.DataFrame, int, int]:
    """Lignes complètes pour l'hypothèse (types simples pour statsmodels), lignes manquantes, lignes hors définition.

    Les lignes hors définition (`_hors_definition`, ex. initiateur « autre ») ne sont pas comptées comme
    manquantes.
    """
    source = donnees.instances if h.niveau == "instances" else donnees.participants
    colonnes = _termes(h, avec_territoire)
    if h.niveau == "participants" and colonne_poids(donnees):
        colonnes.append("poids")
    bloc = source[colonnes]
    complet = bloc.dropna()
    sortie = pd.DataFrame(index=complet.index)
    for nom in colonnes:
        serie = complet[nom]
        if str(serie.dtype) == "boolean":
            sortie[nom] = serie.astype(bool)
        elif isinstance(serie.dtype, pd.CategoricalDtype) or str(serie.dtype) == "string":
            sortie[nom] = serie.astype(str)
        else:
            sortie[nom] = serie.astype(float)
    hors = int(_hors_definition(source, colonnes).sum())
    return sortie.reset_index(drop=True), int(len(bloc) - len(complet)) - hors, hors


# --------------------------------------------------------------------------
# Un test


#: La mesure que donne chaque méthode du plan : une ligne « non estimable » la garde (le résumé de la région
#: et les rapports disent de quoi il s'agit, même sans valeur).
MESURES = {"association": "rapport_cotes", "logistique": "rapport_cotes", "lineaire": "difference",
           "mantel_haenszel": "homogeneite"}


def _ligne(h, portee, territoire, **valeurs) -> dict:
    base = {"id": h.id, "famille": h.famille, "question": h.question, "niveau": h.niveau,
            "exposition": h.exposition, "issue": h.issue, "portee": portee, "territoire": territoire or "Ensemble",
            "test": "", "methode": "", "estimateur": "", "effectif": 0, "manquants": 0, "hors_definition": 0,
            "nb_grappes": np.nan, "mesure": MESURES.get(h.methode, ""), "estimation": np.nan, "ic_bas": np.nan, "ic_haut": np.nan,
            "statistique": np.nan, "ddl": np.nan, "p_valeur": np.nan, "famille_ajustement": "",
            "p_ajustee": np.nan, "puissance": np.nan, "puissance_cible": "", "statut": "ok", "note": "",
            "case_sous_le_seuil": False, "strates": "", "ajustement": "", "seuil_plan": np.nan}
    base.update(valeurs)
    return base


def _terme_exposition(tableau: pd.DataFrame, exposition: str) -> pd.Series:
    ligne = tableau[tableau["terme"] == f"{exposition}[T.True]"]
    if ligne.empty:
        raise ErreurEffectifs(f"L'exposition « {exposition} » ne varie pas : effet non estimable.")
    return ligne.iloc[0]


METHODE_IC_EXACTE = associations.METHODE_IC_EXACTE


def _association(t: pd.DataFrame, h) -> dict:
    """Politique d'inférence : la p vient du test que l'IC montré inverse (Blaker exact, ou score)."""
    r = associations.association(t, h.exposition, h.issue, methode_ic=METHODE_IC_EXACTE).iloc[0]
    test = {"score_miettinen_nurminen": "score (Miettinen-Nurminen)", "fisher_exact": "exact de Blaker"}
    return {"test": test.get(r["test"], r["test"]), "methode": r["methode"], "estimateur": r["estimateur"], "effectif": int(r["effectif"]),
            "mesure": "rapport_cotes", "estimation": r["rapport_cotes"], "ic_bas": r["ic_bas"],
            "ic_haut": r["ic_haut"], "statistique": r["statistique"], "ddl": r["ddl"], "p_valeur": r["p_valeur"]}


def ajustement(h: Hypothese, termes_sup: list[str], parametres: dict | None = None) -> str:
    """Ce pour quoi l'estimation d'une régression est ajustée, en français (vide : estimation brute).

    Les covariables du plan (`covariables`) et les termes ajoutés entre territoires (effets fixes de
    territoire) : « « thématique enfance-jeunesse-famille », « créée depuis 2000 », « secteur » et
    « territoire » ».
    """
    noms = [c.removeprefix("C(").removesuffix(")") for c in (*h.covariables, *termes_sup)]
    libelles = [f"« {dictionnaire.libelle(n, parametres).split(' (')[0].lower()} »" for n in noms]
    if not libelles:
        return ""
    return libelles[0] if len(libelles) == 1 else ", ".join(libelles[:-1]) + " et " + libelles[-1]


def _regression(t: pd.DataFrame, h, termes_sup: list[str], parametres: dict | None = None) -> dict:
    formule = h.formule(*termes_sup)
    poids = "poids" if "poids" in t.columns else None
    if h.methode == "logistique":
        r = modeles.regression_logistique(t, formule, grappes=h.grappes, poids=poids)
        mesure, est = "rapport_cotes", "rapport_cotes"
    else:
        r = modeles.regression_lineaire(t, formule, grappes=h.grappes, poids=poids)
        mesure, est = "difference", "coefficient"
    terme = _terme_exposition(r, h.exposition)
    statut = "non_estimable" if bool(terme.get("separation", False)) else "ok"
    poids = "poids" in t.columns
    ajuste = ajustement(h, termes_sup, parametres)
    qualite = f"ajusté pour {ajuste}" if ajuste else "brut (sans ajustement)"
    if mesure == "rapport_cotes":
        modele = ("régression logistique pondérée (plan de sondage)" if poids else
                  "modèle marginal (GEE), moyenne sur la population" if h.grappes else "régression logistique")
        estimateur = f"RC {qualite}, {modele}"
    else:
        modele = ("moindres carrés pondérés (plan de sondage)" if poids else
                  "moindres carrés, erreurs types robustes aux grappes" if h.grappes else "moindres carrés")
        estimateur = f"écart de moyennes {qualite}, {modele}"
    # statistique publiée, celle qu'inverse l'IC : t de Student à `ddl` ddl, ou, pour un z (GLM),
    # le khi-deux de Wald z² à 1 ddl
    student = not pd.isna(terme["ddl"])
    statistique = float(terme["statistique"]) if student else float(terme["statistique"]) ** 2
    return {"methode": f"{terme['methode']} ; formule : {formule}", "estimateur": estimateur,
            "effectif": int(terme["effectif"]), "nb_grappes": terme["nb_grappes"], "mesure": mesure,
            "estimation": terme[est], "ic_bas": terme["ic_bas"], "ic_haut": terme["ic_haut"],
            "statistique": statistique, "ddl": terme["ddl"] if student else 1, "p_valeur": terme["p_valeur"],
            "test": "t de Student" if student else "Wald (z²)", "statut": statut, "ajustement": ajuste}


def _valeurs_mh(r, *, homogeneite: bool) -> dict:
    """Colonnes de résultat d'un Mantel-Haenszel : l'association commune, ou l'homogénéité (H5).

    L'association : RC commun de Mantel-Haenszel, son IC (Robins-Breslow-Greenland) et la p du test
    de Wald que cet IC inverse. L'homogénéité : statistique de Breslow-Day (correction de Tarone),
    ddl et p, sans rapport de cotes (le RC commun est celui de l'hypothèse d'association).
    """
    if homogeneite:
        return {"test": "Breslow-Day (Tarone)", "methode": ("Breslow-Day avec correction de Tarone : homogénéité des rapports de cotes entre "
                            "territoires"), "estimateur": "", "effectif": int(r.effectif), "mesure": "homogeneite",
                "statistique": r.tarone, "ddl": r.ddl_breslow_day, "p_valeur": r.p_tarone}
    return {"test": "Wald (Mantel-Haenszel)", "methode": ("Mantel-Haenszel stratifié par territoire ; p du test de Wald du log du RC commun, "
                        "celui qu'inverse l'IC de Robins-Breslow-Greenland"),
            "estimateur": associations.ESTIMATEUR_MH + ", IC de Robins-Breslow-Greenland",
            "effectif": int(r.effectif), "mesure": "rapport_cotes", "estimation": r.rapport_cotes,
            "ic_bas": r.ic_bas, "ic_haut": r.ic_haut, "statistique": r.wald, "ddl": 1, "p_valeur": r.p_wald,
            "ajustement": "« territoire »"}


def _mantel_haenszel(t: pd.DataFrame, h, *, homogeneite: bool) -> dict:
    """Mantel-Haenszel sur la colonne `strate` (un territoire, ou un groupe de territoires regroupés).

    Une seule strate (tous les territoires comptés ensemble pour protéger une petite case, ou une région d'un
    seul territoire) : il n'y a rien à stratifier ; l'association est celle du tableau de la région, avec le
    test d'un tableau 2 × 2 (`_association`), et l'homogénéité entre territoires n'est pas testable.
    """
    publiees = dict(zip(t["territoire"], t["strate"]))
    publiees = {n: publiees[n] for n in sorted(publiees)}
    if t["strate"].nunique() < 2:
        regroupes = len(publiees) > 1
        if homogeneite:
            raise ErreurEffectifs(
                "Tous les territoires sont comptés ensemble pour protéger une petite case : aucune comparaison "
                "entre territoires ne peut être publiée." if regroupes else
                "Un seul territoire : aucune comparaison entre territoires.")
        valeurs = _association(t, h)
        valeurs["methode"] += (" ; tous les territoires comptés ensemble pour protéger une petite case : tableau de "
                               "la région, sans stratification par territoire" if regroupes else
                               " ; un seul territoire : tableau de la région")
        return {**valeurs, "strates": texte.strates_publiees(publiees)}
    r = associations.mantel_haenszel(t, h.exposition, h.issue, "strate")
    valeurs = _valeurs_mh(r, homogeneite=homogeneite)
    if len(set(publiees.values())) < len(publiees):
        valeurs["methode"] += (" ; des territoires sont regroupés en une seule strate pour protéger une petite case "
                               "(colonne « strates »)")
    return {**valeurs, "strates": texte.strates_publiees(publiees)}


def tester_hypothese(donnees: Donnees, h: Hypothese, *, portee: str, strates: dict | None = None) -> dict:
    """Une hypothèse, dans le territoire de `donnees` (portee « territoire ») ou entre territoires.

    Entre territoires : Mantel-Haenszel stratifié pour les associations au niveau des instances (par
    territoire, ou sur les strates `strates`, territoire -> strate, que la publication a regroupées pour
    protéger une petite case : `diffusion.plan_de_protection`) ; effets fixes de territoire dans les
    régressions.
    """
    entre = portee == "region"
    absent = non_disponible(donnees, *_termes(h, False))
    if absent:
        return _ligne(h, portee, donnees.territoire, statut="non_disponible", note=f"Non disponible : {absent.message}",
                      seuil_plan=float(donnees.plan.seuils["alpha"]))
    with warnings.catch_warnings(record=True) as captures:
        warnings.simplefilter("always", AvertissementPaquet)
        try:
            t, manquants, hors = tableau_analyse(donnees, h, avec_territoire=entre)
            if "territoire" in t.columns:
                t["strate"] = t["territoire"].map(strates) if strates else t["territoire"]
            if h.methode == "mantel_haenszel" or (entre and h.methode == "association"):
                valeurs = _mantel_haenszel(t, h, homogeneite=h.methode == "mantel_haenszel")
            elif h.methode == "association":
                valeurs = _association(t, h)
            else:
                valeurs = _regression(t, h, ["C(territoire)"] if entre and t["territoire"].nunique() > 1 else [],
                                      dict(donnees.plan.seuils))
        except (ErreurEffectifs, ErreurDonnees) as exc:
            return _ligne(h, portee, donnees.territoire, statut="non_estimable", note=str(exc),
                          seuil_plan=float(donnees.plan.seuils["alpha"]))
    notes = sorted({note_pour_le_lecteur(str(a.message)) for a in captures
                    if issubclass(a.category, AvertissementPaquet)})
    return _ligne(h, portee, donnees.territoire, manquants=manquants, seuil_plan=float(donnees.plan.seuils["alpha"]),
                  hors_definition=hors, note=" ".join(notes),
                  case_sous_le_seuil=_case_sous_le_seuil(t, h, int(donnees.plan.seuils["confidentialite"])),
                  **_puissance(donnees, t, h, entre, valeurs), **valeurs)


def _puissance(donnees: Donnees, t: pd.DataFrame, h: Hypothese, entre: bool, valeurs: dict) -> dict:
    """Puissance du test publié de la ligne, à cet effectif, de détecter l'effet prévu au plan (`seuils`).

    Rapport de cotes `rapport_cotes_puissance` pour une association, une régression logistique ou le
    RC commun ; écart de `ecart_puissance` points pour l'indice ; pour l'homogénéité, un territoire
    dont le RC diffère de ce facteur. Le test même de la ligne (module `puissance`) : exacte pour le
    2 × 2 d'un territoire (score ou Blaker), simulée pour le Wald de Mantel-Haenszel et le Breslow-Day
    de Tarone ; pour les participants, approximation avec effet de plan et la loi de Student du test
    publié (ddl de la ligne).
    """
    seuils = donnees.plan.seuils
    rc, ecart, alpha = float(seuils["rapport_cotes_puissance"]), float(seuils["ecart_puissance"]), float(seuils["alpha"])
    ddl = valeurs.get("ddl") if valeurs.get("test") == "t de Student" else None
    if valeurs.get("mesure") == "homogeneite":
        r = puissance.puissance_homogeneite_tarone(t, h.exposition, h.issue, "strate", rapport=rc, seuil=alpha)
        cible = f"un territoire dont le rapport de cotes diffère d'un facteur {texte.nombre_court(rc)} des autres"
    elif h.methode == "lineaire":
        r = puissance.puissance_ecart(t, h.exposition, h.issue, grappes=h.grappes, ecart=ecart, seuil=alpha, ddl=ddl)
        cible = f"un écart de {texte.nombre_court(ecart)} points"
    elif h.niveau == "instances" and entre and valeurs.get("test") == "Wald (Mantel-Haenszel)":
        r = puissance.puissance_mantel_haenszel(t, h.exposition, h.issue, "strate", rapport_cotes=rc, seuil=alpha)
        cible = f"un rapport de cotes de {texte.nombre_court(rc)}"
    elif h.niveau == "instances":
        r = puissance.puissance_association(t, h.exposition, h.issue, rapport_cotes=rc, seuil=alpha)
        cible = f"un rapport de cotes de {texte.nombre_court(rc)}"
    else:
        r = puissance.puissance_rapport_cotes(t, h.exposition, h.issue, grappes=h.grappes, rapport_cotes=rc,
                                              seuil=alpha, ddl=ddl)
        cible = f"un rapport de cotes de {texte.nombre_court(rc)}"
    return {"puissance": r.puissance, "puissance_cible": cible}


def _case_sous_le_seuil(t: pd.DataFrame, h: Hypothese, seuil: int) -> bool:
    """Le tableau exposition × issue (booléens) a-t-il une case de 1 à seuil - 1 ?

    Tout ce qui en est tiré (rapport de cotes, IC, p, statistique) permet de
    reconstruire le tableau : la publication le supprime alors (`proteger`).
    """
    if h.methode == "lineaire" or t[h.issue].dtype != bool:
        return False
    cases = pd.crosstab(t[h.exposition], t[h.issue]).to_numpy()
    return bool(((cases >= 1) & (cases < seuil)).any())


def tester_hypotheses(donnees: Donnees, *, portee: str, territoire: str | None = None,
                      strates: dict | None = None) -> pd.DataFrame:
    """Toutes les hypothèses du plan de cette portée ; une ligne par hypothèse, p ajustées par famille.

    Familles d'ajustement (`famille_de_tests`) : pour la région, les tests d'association d'un côté et les
    tests d'homogénéité (H5) de l'autre ; dans un territoire, aucune (tests exploratoires, p non ajustées).
    Méthode : `seuils.ajustement` du plan. Tableau de travail : on le diffuse ou l'affiche par
    `diffusion.proteger`. `strates` : hypothèse -> (territoire -> strate) pour les Mantel-Haenszel de la
    région (voir `tester_hypothese`).
    """
    if territoire is not None:
        donnees = restreindre(donnees, territoire)
    strates = strates or {}
    lignes = [tester_hypothese(donnees, h, portee=portee, strates=strates.get(h.id))
              for h in donnees.plan.hypotheses_de_portee(portee)]
    resultats = pd.DataFrame(lignes, columns=COLONNES_RESULTATS)
    return ajouter_p_ajustees(resultats, methode=donnees.plan.seuils["ajustement"])


#: Famille d'une comparaison qui n'est pas au plan (modèle de carnet) : exploratoire.
HORS_PLAN = "hors plan"


def est_exploratoire(ligne) -> bool:
    """Un test d'un territoire, ou hors du plan : exploratoire, hors de toute famille, sans p ajustée ni
    mot de verdict.

    Décision du projet (README, « Ce que disent les tests ») : les hypothèses du plan se tranchent pour la
    région (synthèse du carnet 04) ; leur déclinaison dans chaque territoire décrit, elle ne conclut pas ;
    une comparaison décidée hors du plan non plus.
    """
    return ligne["portee"] == "territoire" or ligne.get("famille") == HORS_PLAN


def famille_de_tests(ligne) -> str | None:
    """La famille (déclarée) dans laquelle la p d'un test est ajustée ; None pour un test exploratoire.

    Deux familles pour la région : les tests d'association, et les tests d'homogénéité entre territoires
    (H5). Les tests d'un territoire sont exploratoires (`est_exploratoire`) : ils ne forment aucune famille,
    leur p n'est pas ajustée et ils ne reçoivent pas de verdict.
    """
    if est_exploratoire(ligne):
        return None
    if ligne["mesure"] == "homogeneite":
        return "tests d'homogénéité entre territoires (région)"
    return "tests d'association de la région"


def ajouter_p_ajustees(resultats: pd.DataFrame, *, methode: str = "fdr_bh") -> pd.DataFrame:
    """Ajoute `famille_ajustement` et `p_ajustee` (Benjamini-Hochberg par défaut) dans chaque famille.

    Un test exploratoire (`famille_de_tests` rend None) garde une famille vide et une p ajustée vide.
    """
    sortie = resultats.copy()
    familles = [famille_de_tests(r) or "" for _, r in sortie.iterrows()] if len(sortie) else []
    sortie["famille_ajustement"] = pd.Series(familles, index=sortie.index, dtype=object)
    sortie["p_ajustee"] = np.nan
    for famille, index in sortie.groupby("famille_ajustement", sort=False).groups.items():
        if famille:
            sortie.loc[index, "p_ajustee"] = associations.ajuster_p(
                sortie.loc[index, "p_valeur"].to_numpy(dtype=float), methode=methode)
    return sortie



# --------------------------------------------------------------------------
# Vues et synthèses pour les carnets


def note_pour_le_lecteur(note: str) -> str:
    """Une mise en garde d'un modèle, lisible dans un rapport : les termes de la formule nommés par leurs libellés
    (« C(secteur)[T.prive] » -> « Secteur : Privé », « descendante[T.True] » -> « Logique descendante »), sans
    « NaN », et les messages bruts (anglais) de statsmodels résumés en une mention française."""
    import re

    def modalite(m):
        return f"{dictionnaire.libelle(m.group(1)).split(' (')[0]} : {dictionnaire.libelle_code(m.group(1), m.group(2))}"

    note = re.sub(r"C\((\w+)\)\[T\.([^\]]+)\]", modalite, note)
    note = re.sub(r"(\w+)\[T\.True\]", lambda m: dictionnaire.libelle(m.group(1)).split(" (")[0], note)
    note = re.sub(r"\bIntercept\b", "constante", note).replace(" (NaN)", "")
    note = note.replace("exact_fisher(...)", "un test exact")
    # une seule mise en garde par appel : les messages de statsmodels la terminent
    note = re.sub(r"\s*Messages de statsmodels : .*$", " Le calcul a aussi signalé des instabilités numériques.", note,
                  flags=re.S)
    return re.sub(r"statsmodels signale \w+Warning : .*$", "statsmodels signale un calcul instable (avertissement "
                  "numérique).", note, flags=re.S)


def vue_resultats(resultats: pd.DataFrame, *, ajustee: bool = True) -> pd.DataFrame:
    """Colonnes utiles à la lecture d'un tableau de résultats d'hypothèses (la question d'abord)."""
    colonnes = ["id", "question", "exposition", "issue", "effectif", "test", "ajustement", "estimation", "ic_bas",
                "ic_haut", "statistique", "ddl", "p_valeur"] + (["p_ajustee"] if ajustee else []) + ["puissance",
                                                                                                      "case_sous_le_seuil"]
    return resultats[colonnes]


def portant_sur(resultats: pd.DataFrame, issue: str) -> pd.DataFrame:
    """Les hypothèses d'un tableau de résultats dont l'issue est `issue` (par ex. toutes celles sur
    l'indice des conditions, H6 et toute hypothèse ajoutée au plan sur cet indice)."""
    return resultats[resultats["issue"] == issue]


def association_exploratoire(donnees: Donnees, exposition: str, issue: str) -> pd.DataFrame:
    """Une association entre deux variables booléennes des concertations, hors du plan, testée comme les
    hypothèses de la région (RC commun de Mantel-Haenszel entre territoires, IC de Robins-Breslow-Greenland,
    p du test de Wald qu'il inverse, puissance du test publié) : une ligne de `tester_hypotheses`, sans famille
    ni p ajustée (comparaison exploratoire : les phrases n'en tirent aucun verdict). Sert au modèle de carnet.
    """
    libelles = [dictionnaire.libelle(v).split(" (")[0].lower() for v in (exposition, issue)]
    h = Hypothese(id="Exemple", famille=HORS_PLAN, question=f"« {libelles[0]} » va-t-il avec « {libelles[1]} » ?",
                  niveau="instances", exposition=exposition, issue=issue, methode="association", portee=("region",))
    ligne = tester_hypothese(donnees, h, portee="region")
    return ajouter_p_ajustees(pd.DataFrame([ligne], columns=COLONNES_RESULTATS),
                              methode=donnees.plan.seuils["ajustement"])
