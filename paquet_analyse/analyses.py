"""Analyses de la région qui ne sont pas des hypothèses du plan : hétérogénéité entre territoires,
indice des conditions par territoire, mesures du réseau.

Couche d'étude : ces fonctions calculent (tableaux de travail) ; ce qui
se publie passe par `diffusion`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from . import associations, dictionnaire, modeles, puissance, reseau, texte
from .donnees import NOTE_NON_PONDERE, Donnees, colonne_poids, non_disponible
from .erreurs import AvertissementPaquet, ErreurDonnees, ErreurEffectifs

INDICATEURS_HETEROGENEITE = (("instances", "depuis_charniere"), ("instances", "initie_cisss_ville_fondation"),
                             ("instances", "thematique_ejf"), ("instances", "deficit_participation"),
                             ("instances", "deficit_evaluation"), ("participants", "deficit_delegation"),
                             ("participants", "suivi_informel"))


COLONNES_HETEROGENEITE = ["indicateur", "libelle", "niveau", "strates", "test", "statistique", "ddl", "p_valeur", "p_ajustee",
                          "v_cramer", "effectif", "nb_grappes", "puissance", "puissance_cible", "methode", "note"]

def _heterogeneite_participants(t: pd.DataFrame, variable: str, poids: str | None) -> dict:
    """Test de Wald conjoint des effets de territoire, robuste aux grappes (participants dans leurs instances).

    `modeles.wald_termes` : GEE logistique échangeable et sandwich sur
    `id_instance` corrigé de Mancl et DeRouen (2001), ou, avec des poids de
    sondage, régression logistique pondérée et variance de plan de sondage
    (même correction) avec un test F (comme R `svyglm` + `regTermTest`).
    Pas de V de Cramér (NaN) : il n'a pas de sens pour ce test.
    """
    if t["territoire"].nunique() < 2:
        return {"test": "aucun", "effectif": len(t), "nb_grappes": t["id_instance"].nunique(),
                "methode": "aucun test", "note": "un seul territoire : rien à comparer"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AvertissementPaquet)
        r = modeles.wald_termes(t, f"{variable} ~ C(territoire)", "territoire", grappes="id_instance",
                                poids=poids).iloc[0]
    return {"test": r["test"], "statistique": r["statistique"], "ddl": r["ddl"], "p_valeur": r["p_valeur"],
            "effectif": int(r["effectif"]), "nb_grappes": r["nb_grappes"], "methode": r["methode"],
            "note": r["note"]}


def _heterogeneite_instances(t: pd.DataFrame, variable: str) -> dict:
    """Khi-deux ou test exact du tableau territoire × indicateur des instances, avec le V de Cramér."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AvertissementPaquet)
            r = associations.association(t, "territoire", variable).iloc[0]
    except (ErreurEffectifs, ErreurDonnees) as exc:  # p. ex. un seul territoire
        return {"test": "aucun", "effectif": len(t), "methode": "aucun test", "note": str(exc)}
    return {"test": r["test"], "statistique": r["statistique"], "ddl": r["ddl"], "p_valeur": r["p_valeur"],
            "v_cramer": r["v_cramer"], "effectif": int(r["effectif"]), "methode": r["methode"], "note": ""}


def heterogeneite_territoires(donnees: Donnees, *, regroupements: dict | None = None) -> pd.DataFrame:
    """Territoire × indicateur : les parts diffèrent-elles entre territoires ?

    Instances (une ligne par instance) : `associations.association` (khi-deux
    ou test exact selon les effectifs attendus), avec le V de Cramér.
    Participants (regroupés dans leurs instances) : test de Wald conjoint de
    tous les effets de territoire d'une régression logistique robuste aux
    grappes `id_instance` (`modeles.wald_termes` ; GEE, ou estimateur de plan
    de sondage si le jeu a des poids) ; `v_cramer` y est NaN. La colonne
    `methode` dit quel test a servi, `nb_grappes` le nombre d'instances.
    La puissance (`_puissance_heterogeneite`) est calculée sur le même tableau que le test.
    `regroupements` : indicateur -> (territoire -> groupe) : pour un indicateur des instances, des
    territoires comptés ensemble (ceux dont la part ne se publie pas : `diffusion.heterogeneite`) ; la
    colonne `strates` dit lesquels.
    """
    poids = colonne_poids(donnees)
    regroupements = regroupements or {}
    lignes = []
    for niveau, variable in INDICATEURS_HETEROGENEITE:
        base = {"indicateur": variable, "libelle": dictionnaire.libelle(variable, donnees.plan.seuils), "niveau": niveau,
                "strates": "",
                "statistique": np.nan, "ddl": np.nan, "p_valeur": np.nan, "v_cramer": np.nan, "nb_grappes": np.nan}
        if niveau == "participants":
            colonnes = ["territoire", variable, "id_instance"] + ([poids] if poids else [])
            t = donnees.participants[colonnes].dropna().astype({variable: bool, "territoire": str,
                                                                "id_instance": str})
            valeurs = _heterogeneite_participants(t, variable, poids)
        else:
            t = donnees.instances[["territoire", variable]].dropna().astype({variable: bool, "territoire": str})
            if variable in regroupements:
                t = t.assign(territoire=t["territoire"].map(regroupements[variable]))
                base["strates"] = texte.strates_publiees(regroupements[variable])
            valeurs = _heterogeneite_instances(t, variable)
        puissance, cible = _puissance_heterogeneite(donnees, t, variable,
                                                    "id_instance" if niveau == "participants" else None)
        lignes.append({**base, **valeurs, "puissance": puissance, "puissance_cible": cible})
    tableau = pd.DataFrame(lignes, columns=COLONNES_HETEROGENEITE)
    tableau["p_ajustee"] = associations.ajuster_p(tableau["p_valeur"].to_numpy(dtype=float),
                                                  methode=donnees.plan.seuils["ajustement"])
    return tableau


#: Colonnes utiles à la lecture du tableau d'hétérogénéité (la méthode complète reste dans le CSV).
COLONNES_VUE_HETEROGENEITE = ["libelle", "niveau", "strates", "test", "statistique", "ddl", "p_valeur", "p_ajustee",
                              "v_cramer", "effectif", "nb_grappes", "puissance"]


def _puissance_heterogeneite(donnees: Donnees, t: pd.DataFrame, variable: str,
                             grappes: str | None) -> tuple[float, str]:
    """Puissance de détecter un territoire dont les cotes sont `rapport_cotes_puissance` fois celles des autres."""
    seuils = donnees.plan.seuils
    rc = float(seuils["rapport_cotes_puissance"])
    r = puissance.puissance_territoires(t, variable, "territoire", grappes=grappes, rapport_cotes=rc,
                                        seuil=float(seuils["alpha"]))
    return r.puissance, f"un territoire dont les cotes sont {texte.nombre_court(rc)} fois celles des autres"


# --------------------------------------------------------------------------
# Les huit conditions


def _score(bloc: pd.DataFrame, poids: str | None) -> dict:
    """Moyenne, écart-type, n et IC à 95 % grappé de l'indice des conditions sur ces participants."""
    colonnes = ["indice_conditions", "id_instance"] + ([poids] if poids else [])
    t = bloc[colonnes].dropna().astype({"indice_conditions": float, "id_instance": str})
    x = t["indice_conditions"]
    if t["id_instance"].nunique() < 2:  # une seule instance : aucune inférence grappée possible
        return {"moyenne": x.mean() if len(x) else np.nan, "ecart_type": x.std() if len(x) > 1 else np.nan,
                "effectif": len(t), "nb_instances": t["id_instance"].nunique(), "ic_bas": np.nan, "ic_haut": np.nan,
                "manquants": int(bloc["indice_conditions"].isna().sum())}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AvertissementPaquet)
        m = modeles.regression_lineaire(t, "indice_conditions ~ 1", grappes="id_instance", poids=poids).iloc[0]
    if poids:
        moyenne = float(np.average(x, weights=t[poids]))
        ecart_type = float(np.sqrt(np.cov(x, aweights=t[poids]))) if len(t) > 1 else np.nan
    else:
        moyenne, ecart_type = x.mean(), x.std()
    return {"moyenne": moyenne, "ecart_type": ecart_type, "effectif": len(t),
            "nb_instances": t["id_instance"].nunique(), "ic_bas": m["ic_bas"], "ic_haut": m["ic_haut"],
            "manquants": int(bloc["indice_conditions"].isna().sum())}


def scores_conditions(donnees: Donnees) -> pd.DataFrame:
    """Indice des conditions (0-100) par territoire : moyenne, écart-type, n, IC à 95 % grappé.

    L'IC tient compte des grappes (participants d'une même instance) :
    régression linéaire à constante seule, erreurs types robustes aux grappes.
    Si le jeu a des poids de sondage (`poids`), moyenne, écart-type et IC
    sont pondérés (moyenne pondérée et variance de plan de sondage, comme R
    `svymean` ; `modeles.regression_lineaire(..., poids=...)`) ; `effectif`
    reste un compte de répondants.
    """
    absent = non_disponible(donnees, "indice_conditions")
    if absent:
        return absent
    p, poids = donnees.participants, colonne_poids(donnees)
    lignes = [{"territoire": territoire or "Ensemble",
               **_score(p if territoire is None else p[p["territoire"] == territoire], poids)}
              for territoire in [*donnees.jeu.liste_territoires(), None]]
    return pd.DataFrame(lignes)


def conditions_par_logique(donnees: Donnees) -> pd.DataFrame:
    """Indice des conditions par territoire et par logique d'initiation (descendante, ascendante) : moyenne,
    IC à 95 % grappé, effectifs ; un tableau de travail (la figure publiée en est tirée : `diffusion`)."""
    absent = non_disponible(donnees, "indice_conditions", "logique_initiateur")
    if absent:
        return absent
    p, poids = donnees.participants, colonne_poids(donnees)
    lignes = []
    for territoire in donnees.jeu.liste_territoires():
        for logique in ("descendante", "ascendante"):
            bloc = p[(p["territoire"] == territoire) & (p["logique_initiateur"].astype(str) == logique)]
            lignes.append({"territoire": territoire, "logique": logique, **_score(bloc, poids)})
    return pd.DataFrame(lignes)


# --------------------------------------------------------------------------
# Réseau


def mesures_reseau(donnees: Donnees) -> pd.DataFrame:
    absent = non_disponible(donnees, "id_organisation")
    if absent:
        return absent
    mesures = reseau.mesures_reseau(donnees.instances, donnees.participants, territoires=donnees.jeu.territoires)
    return mesures.assign(note=NOTE_NON_PONDERE) if colonne_poids(donnees) else mesures


def organisations_sollicitees(donnees: Donnees, *, k: int = 15) -> pd.DataFrame:
    absent = non_disponible(donnees, "id_organisation")
    if absent:
        return absent
    tableau = reseau.organisations_plus_sollicitees(donnees.instances, donnees.participants, k=k,
                                                    seuil_sur_sollicitation=donnees.plan.seuils["sur_sollicitation"])
    return tableau.assign(note=NOTE_NON_PONDERE) if colonne_poids(donnees) else tableau


def connexion_logique(donnees: Donnees) -> pd.DataFrame:
    absent = non_disponible(donnees, "id_organisation")
    if absent:
        return absent
    tableau = reseau.connexion_selon_logique(donnees.instances, donnees.participants, graine=20100408)
    return tableau.assign(note=NOTE_NON_PONDERE) if colonne_poids(donnees) else tableau
