"""Variables dérivées des tables brutes : périodes, logiques, déficits, indice des conditions.

Couche des données : la préparation (`preparation`) les calcule une seule
fois. Chaque paramètre a une seule source : les seuils (année charnière,
sur-sollicitation) et le composite « déficit démocratique » viennent du plan
d'analyse, les règles tirées d'un code (initiateur -> logique, nombre
minimal de conditions répondues) du dictionnaire. Ils sont passés en
arguments obligatoires : aucune valeur par défaut ne peut les contredire.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import dictionnaire
from .erreurs import ErreurDonnees

CONDITIONS = tuple(n for n in dictionnaire.variables("participants") if n[0] == "c" and n[1].isdigit())
VARIABLES_INSTANCE_POUR_PARTICIPANTS = (
    "territoire", "initiateur", "logique_initiateur", "descendante", "thematique", "thematique_ejf",
    "depuis_charniere", "gestion_programmes", "citoyens_membres",
)


def _booleen(condition: pd.Series, manquant: pd.Series) -> pd.Series:
    """Booléen nullable : NA là où la donnée source manque."""
    return condition.astype("boolean").mask(manquant, pd.NA)


def _categorie(valeurs, nom: str) -> pd.Categorical:
    return pd.Categorical(valeurs, categories=list(dictionnaire.codes(nom)))


def derivees_instances(instances: pd.DataFrame, *, annee_charniere: int) -> pd.DataFrame:
    """Ajoute aux instances les variables dérivées (conception 3.3).

    `periode_creation` (`avant_charniere`, `depuis_charniere`), `depuis_charniere`
    (créée l'année `annee_charniere` du plan ou après ; 2000 dans la présentation de 2010 ;
    les libellés nomment l'année du plan),
    `logique_initiateur`, `descendante`, `initie_cisss_ville_fondation`,
    `thematique_ejf`, `gestion_programmes`, `deficit_participation`,
    `deficit_evaluation`. Une source manquante donne NA.
    La logique d'initiation suit la règle du dictionnaire
    (`dictionnaire.logique_initiateur`).
    """
    d = instances.copy()
    annee = d["annee_creation"]
    depuis = annee >= annee_charniere
    d["depuis_charniere"] = _booleen(depuis, annee.isna())
    periode = np.where(annee.isna(), None, np.where(depuis.fillna(False), "depuis_charniere", "avant_charniere"))
    d["periode_creation"] = _categorie(periode, "periode_creation")
    init = d["initiateur"].astype("object")
    regle = dictionnaire.logique_initiateur()
    logique = init.map(regle)
    d["logique_initiateur"] = _categorie(logique.to_numpy(dtype=object), "logique_initiateur")
    d["descendante"] = _booleen(logique == "descendante", logique.isna() | (logique == "autre"))
    d["initie_cisss_ville_fondation"] = _booleen(init.isin(dictionnaire.initiateurs_cisss_ville_fondation()),
                                                 init.isna())
    theme = d["thematique"].astype("object")
    d["thematique_ejf"] = _booleen(theme == "enfance_jeunesse_famille", theme.isna())
    fonction = d["fonction_dominante"].astype("object") if "fonction_dominante" in d else pd.Series(pd.NA, index=d.index)
    d["gestion_programmes"] = _booleen(fonction == "gestion_programmes_services", fonction.isna())
    d["deficit_participation"] = ~d["citoyens_membres"].astype("boolean")
    d["deficit_evaluation"] = ~d["evaluation_collective"].astype("boolean")
    return d


def indice_conditions(participants: pd.DataFrame, *, minimum: int) -> pd.Series:
    """Moyenne des conditions c1..c8 ramenée sur 0..100 ; NA si moins de `minimum` réponses.

    (1 = pas du tout d'accord -> 0 ; 4 = tout à fait d'accord -> 100.)
    """
    if not set(CONDITIONS) <= set(participants.columns):  # variables facultatives absentes du jeu
        return pd.Series(pd.NA, index=participants.index, dtype="Float64")
    items = participants[list(CONDITIONS)].astype("Float64")
    repondues = items.notna().sum(axis=1)
    moyenne = items.mean(axis=1, skipna=True)
    return ((moyenne - 1) / 3 * 100).where(repondues >= minimum).astype("Float64")


def derivees_participants(instances: pd.DataFrame, participants: pd.DataFrame, *,
                          seuil_sur_sollicitation: int) -> pd.DataFrame:
    """Déficits des participants, indice des conditions, sur-sollicitation, et
    les variables de leur instance (territoire, logique, thématique…).

    `seuil_sur_sollicitation` vient du plan d'analyse : un répondant est
    sur-sollicité s'il siège à au moins ce nombre de tables.
    """
    d = participants.copy()
    deleg = d["mode_delegation"].astype("object")
    d["deficit_delegation"] = _booleen(deleg == "auto_delegation", deleg.isna())
    suivi = d["suivi_organisation"].astype("object")
    d["deficit_redevabilite"] = _booleen(suivi.isin(["informel", "aucun"]), suivi.isna())
    d["suivi_informel"] = _booleen(suivi == "informel", suivi.isna())
    mandat = d["mandat_defini_par"].astype("object")
    d["mandat_auto_defini"] = _booleen(mandat == "repondant", mandat.isna())
    d["indice_conditions"] = indice_conditions(d, minimum=dictionnaire.minimum_conditions_repondues())
    nb = d["nb_concertations"] if "nb_concertations" in d else pd.Series(pd.NA, index=d.index, dtype="Int64")
    d["sur_sollicitation"] = _booleen(nb >= seuil_sur_sollicitation, nb.isna())
    inst = instances
    if "logique_initiateur" not in inst.columns:
        raise ErreurDonnees("derivees_participants : les instances doivent d'abord passer par "
                            "derivees_instances (avec l'année charnière du plan).")
    colonnes = [c for c in VARIABLES_INSTANCE_POUR_PARTICIPANTS if c in inst.columns]
    return d.merge(inst[["id_instance", *colonnes]], on="id_instance", how="left", validate="many_to_one")


def deficit_democratique(tableau: pd.DataFrame, *, composantes: list[str], minimum: int) -> pd.Series:
    """Composite déclaré dans le plan : vrai si au moins `minimum` composantes sont vraies.

    NA si la règle ne peut pas être tranchée (trop de composantes manquantes).
    """
    manquantes = [c for c in composantes if c not in tableau.columns]
    if manquantes:
        raise ErreurDonnees(f"Déficit démocratique : composante(s) inconnue(s) {manquantes} ; "
                            f"corriger le plan d'analyse (colonnes disponibles : {', '.join(tableau.columns)}).")
    bloc = tableau[composantes].astype("boolean")
    vraies = bloc.fillna(False).sum(axis=1)
    possibles = vraies + bloc.isna().sum(axis=1)
    resultat = pd.Series(pd.NA, index=tableau.index, dtype="boolean")
    resultat[vraies >= minimum] = True
    resultat[possibles < minimum] = False
    return resultat
