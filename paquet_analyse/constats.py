"""L'essentiel d'un rapport : trois à six phrases simples tirées des nombres publiés.

Pour le membre d'une concertation, la planificatrice d'un CISSS ou l'arbitre
d'une revue : ce qui est associé à quoi, à quel point, avec quelle assurance,
et ce qui n'a pas pu être montré faute de données, sans aucun nom de
statistique (ni p, ni intervalle, ni nom de test : les détails suivent dans le
rapport).

Chaque fonction lit un tableau **déjà protégé** (les `valeurs` d'un
`TableauProtege`, ou un CSV de `tableaux/`) : une valeur supprimée pour la
confidentialité est manquante ici aussi, et la phrase le dit sans la
reconstruire. La force de la preuve vient de `interpretation.force_preuve`
(appliquée à la p ajustée dans sa famille quand elle existe, comme le verdict
des tableaux) ; rien n'est recalculé.

Exemple
-------
>>> import pandas as pd
>>> ligne = {"id": "H1a", "niveau": "instances", "exposition": "descendante", "issue": "deficit_participation",
...          "mesure": "rapport_cotes", "estimation": 2.7, "p_valeur": 0.001, "p_ajustee": 0.004,
...          "puissance": 0.6, "statut": "ok", "case_sous_le_seuil": False, "covariables": ""}
>>> constats_hypotheses(pd.DataFrame([ligne]), alpha=0.05)[0]  # doctest: +ELLIPSIS
'Les concertations de logique descendante (...) sont plus souvent sans aucun citoyen à la table (preuve nette) que les autres.'
"""

from __future__ import annotations

import functools
import math

import pandas as pd

from . import dictionnaire, hypotheses, interpretation, puissance_simulee, texte

#: L'essentiel de tests exploratoires (un territoire, une comparaison hors du plan) : aucune conclusion.
EXPLORATOIRE = ("Ces tests sont exploratoires : ils décrivent ce territoire ou cette comparaison, ils ne tranchent "
                "pas. Les hypothèses du plan se tranchent pour l'ensemble de la région (comparaison des territoires).")

#: Au plus tant de phrases dans l'essentiel d'un rapport.
MAXIMUM = 6

# Formulations simples des variables booléennes : (état, après « sont plus souvent » ; nom, dans une liste).
# Une variable absente d'ici (nouvelle hypothèse) prend son libellé du dictionnaire. Les paramètres du plan
# ({annee_charniere}) sont remplacés comme dans les libellés du dictionnaire (`dictionnaire.formater`).
FORMULATIONS = {
    "descendante": ("de logique descendante (lancées par le CISSS, une municipalité, une fondation ou un autre "
                    "organisme public)", "la logique descendante"),
    "initie_cisss_ville_fondation": ("initiées par le CISSS, une ville ou une fondation",
                                     "l'initiative du CISSS, d'une ville ou d'une fondation"),
    "thematique_ejf": ("en enfance-jeunesse-famille", "la thématique enfance-jeunesse-famille"),
    "depuis_charniere": ("créées depuis {annee_charniere}", "la création depuis {annee_charniere}"),
    "gestion_programmes": ("tournées vers la gestion de programmes et de services", "la gestion de programmes"),
    "deficit_participation": ("sans aucun citoyen à la table", "l'absence de citoyens à la table"),
    "deficit_evaluation": ("sans évaluation collective", "l'absence d'évaluation collective"),
    "deficit_democratique": ("en déficit démocratique", "le déficit démocratique"),
    "citoyens_membres": ("avec des citoyens à la table", "la présence de citoyens"),
    "evaluation_collective": ("évaluées collectivement", "l'évaluation collective"),
    "financement_programme": ("financées par un programme", "le financement par un programme"),
    "soutien_professionnel": ("soutenues par des professionnels", "le soutien professionnel"),
    "deficit_delegation": ("délégués par eux-mêmes", "l'auto-délégation"),
    "deficit_redevabilite": ("sans suivi formel auprès de leur organisation", "le suivi informel ou absent"),
    "mandat_auto_defini": ("les seuls à définir leur mandat", "le mandat défini par soi-même"),
    "suivi_informel": ("en suivi informel auprès de leur organisation", "le suivi informel"),
    "sur_sollicitation": ("assis à de nombreuses tables", "la sur-sollicitation"),
    "indice_conditions": ("avec un indice des conditions favorables plus élevé", "l'indice des conditions favorables"),
}

MISE_EN_GARDE = ("Ce sont des liens observés entre caractéristiques, pas des effets : ils ne disent pas que "
                 "l'une cause l'autre.")


def _accepte_non_disponible(fonction):
    """Une analyse non disponible (variable facultative absente) passée en argument : sa note, sans erreur."""

    @functools.wraps(fonction)
    def enveloppe(*args, **options):
        for valeur in (*args, *options.values()):
            if type(valeur).__name__ == "NonDisponible":
                return valeur
        return fonction(*args, **options)
    return enveloppe


def _manquant(x) -> bool:
    return texte.manquant(x) if not isinstance(x, str) else x.strip() == ""


def _vrai(x) -> bool:
    """Un drapeau lu d'un tableau ou d'un CSV (booléen, « True », 1…)."""
    if _manquant(x):
        return False
    if isinstance(x, str):
        return x.strip().lower() in ("true", "vrai", "oui", "1")
    return bool(x)


def etat(variable: str) -> str:
    """Ce qu'une variable booléenne dit d'une concertation ou d'un participant, en mots simples."""
    if variable in FORMULATIONS:
        return dictionnaire.formater(FORMULATIONS[variable][0])
    return f"concernées par « {dictionnaire.libelle(variable).split(' (')[0].lower()} »"


def nom(variable: str) -> str:
    """Le nom simple d'une variable, dans une liste (« la logique descendante »)."""
    if variable in FORMULATIONS:
        return dictionnaire.formater(FORMULATIONS[variable][1])
    return f"« {dictionnaire.libelle(variable).split(' (')[0].lower()} »"


def _sujet(ligne, *, deja: set) -> str:
    """« les concertations de logique descendante (lancées par…) » ; la précision entre parenthèses n'est
    donnée qu'à la première mention (`deja` : expositions déjà nommées)."""
    quoi = etat(ligne["exposition"])
    if ligne["exposition"] in deja:
        quoi = quoi.split(" (")[0]
    deja.add(ligne["exposition"])
    return f"les participants des concertations {quoi}" if ligne.get("niveau") == "participants" \
        else f"les concertations {quoi}"


def _intensite(rapport: float) -> str:
    """À quel point, pour un rapport de cotes : des mots, pas le nombre (qui n'est pas un « fois plus »)."""
    if rapport >= 1:
        return "bien plus souvent" if rapport >= 3 else "plus souvent" if rapport >= 1.5 else "un peu plus souvent"
    return "bien moins souvent" if rapport <= 1 / 3 else "moins souvent" if rapport <= 1 / 1.5 else \
        "un peu moins souvent"


def exploratoire(ligne) -> bool:
    """Un test d'un territoire, ou une comparaison hors du plan : décrit, jamais tranché (`hypotheses.est_exploratoire`)."""
    return bool(ligne.get("exploratoire", False)) or ("portee" in ligne and hypotheses.est_exploratoire(ligne))


def _p_verdict(ligne) -> float:
    """La p qui porte le verdict : l'ajustée dans sa famille déclarée, quand elle est publiée (politique
    d'inférence) ; aucune (NaN) pour un test exploratoire ou une p ajustée non publiée."""
    if exploratoire(ligne):
        return math.nan
    pa = ligne.get("p_ajustee", math.nan)
    return float(pa) if not _manquant(pa) else math.nan


def preuve(ligne, alpha: float) -> str:
    """Le mot de l'échelle déclarée (`interpretation.force_preuve`) pour une ligne publiée, au seuil du plan."""
    return interpretation.force_preuve(_p_verdict(ligne), alpha=alpha)


def etabli(ligne, alpha: float) -> bool:
    p = _p_verdict(ligne)
    return not math.isnan(p) and p < alpha


def _a_autres_egales(ligne) -> bool:
    """Vrai pour un modèle qui tient compte d'autres caractéristiques que l'exposition (et le territoire) :
    ses termes se lisent dans la formule publiée (colonne `methode`) ou dans `covariables`."""
    if not _manquant(ligne.get("covariables", "")):
        return True
    methode = str(ligne.get("methode", "") or "")
    if "~" not in methode:
        return False
    termes = [t.strip() for t in methode.split("~", 1)[1].split(";")[0].split("+")]
    return any(t and t not in (ligne["exposition"], "C(territoire)", "territoire") for t in termes)


def _et(morceaux: list[str]) -> str:
    return morceaux[0] if len(morceaux) == 1 else ", ".join(morceaux[:-1]) + " et " + morceaux[-1]


def _precision(r, alpha: float | None) -> str:
    """« (preuve nette, à autres caractéristiques égales) » ; sans `alpha` (écart décrit, sans verdict), seulement
    l'ajustement s'il y en a un."""
    morceaux = ([f"preuve {preuve(r, alpha)}"] if alpha is not None else []) + \
        (["à autres caractéristiques égales"] if _a_autres_egales(r) else [])
    return f" ({', '.join(morceaux)})" if morceaux else ""


def _liens_rapports(lignes, deja: set, alpha: float | None) -> str:
    """Les liens d'une même exposition (même niveau) en une phrase : chaque issue, à quel point et, avec `alpha`,
    avec quelle assurance."""
    sujet = texte.majuscule(_sujet(lignes[0], deja=deja))
    morceaux = [f"{_intensite(float(r['estimation']))} {etat(r['issue'])}{_precision(r, alpha)}" for r in lignes]
    return f"{sujet} sont {_et(morceaux)} que les autres."


def _liens_ecarts(lignes, deja: set, alpha: float | None) -> str:
    """Les écarts établis d'une même issue continue (un indice sur 100) en une phrase, d'une exposition à l'autre."""
    quoi = dictionnaire.libelle(lignes[0]["issue"]).split(" (")[0].lower()
    quoi = f"l'{quoi}" if quoi[:1] in "aeéèêiîoôuy" else f"le {quoi}"
    morceaux = []
    for r in lignes:
        ecart = float(r["estimation"])
        morceaux.append(f"{'plus bas' if ecart < 0 else 'plus élevé'} chez {_sujet(r, deja=deja)} : environ "
                        f"{texte.nombre_fr(abs(ecart), 0)} points {'de moins' if ecart < 0 else 'de plus'} que chez "
                        f"les autres{_precision(r, alpha)}")
    return f"{texte.majuscule(quoi)} (sur 100) est " + " ; et ".join(morceaux) + "."


def _paire(ligne) -> str:
    return f"{nom(ligne['exposition'])} et {nom(ligne['issue'])}"


def _liste(morceaux: list[str], *, lien: str = "ni") -> str:
    """« A et B, ni entre C et D » : chaque paire après la première reprend « entre »."""
    return f", {lien} entre ".join(dict.fromkeys(morceaux))


def _les_liens(paires: list[str]) -> tuple[str, bool]:
    """(« le lien entre A et B » ou « les liens entre A et B, entre C et D », pluriel ?)."""
    paires = list(dict.fromkeys(paires))
    if len(paires) == 1:
        return f"le lien entre {paires[0]}", False
    return "les liens entre " + ", entre ".join(paires[:-1]) + f" et entre {paires[-1]}", True


def _non_montres(paires: list[str], *, puissants: bool, autres: bool) -> str:
    paires = list(dict.fromkeys(paires))
    if puissants:
        return (f"Aucun lien notable n'apparaît entre {_liste(paires)} ; un écart de la taille prévue au plan "
                "aurait probablement été vu.")
    if len(paires) > 3:
        return (f"Pour les {len(paires)} {'autres ' if autres else ''}liens du plan testés ici, les données ne "
                "permettent ni de montrer ni d'exclure un écart : trop peu de réponses pour voir un écart de la "
                "taille prévue.")
    return (f"Les données ne permettent ni de montrer ni d'exclure un lien entre {_liste(paires)} : trop peu de "
            "réponses pour voir un écart de la taille prévue au plan.")


def _phrases_des_liens(etablis: list, alpha: float | None, *, limite: int = 3) -> list[str]:
    """Des liens en phrases : regroupés par exposition (rapports de cotes) ou par indice (écarts de moyennes),
    dans l'ordre de leur première apparition ; au plus `limite`. Sans `alpha` : décrits, sans mot de preuve."""
    groupes: dict = {}
    for r in etablis:
        cle = ("ecart", r["issue"], r.get("niveau")) if r["mesure"] == "difference" else \
            ("rapport", r["exposition"], r.get("niveau"))
        groupes.setdefault(cle, []).append(r)
    deja: set = set()
    return [(_liens_ecarts if cle[0] == "ecart" else _liens_rapports)(g, deja, alpha)
            for cle, g in groupes.items()][:limite]


@_accepte_non_disponible
def constats_hypotheses(publies: pd.DataFrame, *, alpha: float) -> list[str]:
    """L'essentiel des hypothèses d'un tableau publié (synthèse de la région, ou tests d'un territoire).

    Dans l'ordre : les liens établis (regroupés par exposition, ou par indice pour un écart de moyennes ; une
    hypothèse qui reprend le même lien à autres caractéristiques égales ne le répète pas), le lien entre
    territoires (homogénéité), ce qui n'a pas pu être montré faute de données, ce qui a été cherché sans être
    trouvé alors que l'enquête pouvait le voir, ce que la confidentialité retient, et une mise en garde.
    """
    lignes = [r for _, r in publies.iterrows() if r.get("statut") != "non_disponible"]
    if lignes and all(exploratoire(r) for r in lignes):
        return [EXPLORATOIRE, MISE_EN_GARDE]
    associations = [r for r in lignes if r.get("mesure") in ("rapport_cotes", "difference")]
    publies_ok = [r for r in associations if not _vrai(r.get("retenu", r.get("case_sous_le_seuil")))
                  and r.get("statut") == "ok" and not _manquant(r.get("estimation"))]
    etablis, vus = [], set()
    for r in sorted((r for r in publies_ok if etabli(r, alpha)), key=_p_verdict):
        if (r["exposition"], r["issue"]) not in vus:
            vus.add((r["exposition"], r["issue"]))
            etablis.append(r)
    phrases = _phrases_des_liens(etablis, alpha)
    phrases += _homogeneite([r for r in lignes if r.get("mesure") == "homogeneite"], alpha)
    non_etablis = [r for r in publies_ok if not etabli(r, alpha) and (r["exposition"], r["issue"]) not in vus]
    faible = lambda r: _manquant(r.get("puissance")) or float(r["puissance"]) < 0.8  # noqa: E731
    if any(faible(r) for r in non_etablis):
        phrases.append(_non_montres([_paire(r) for r in non_etablis if faible(r)], puissants=False,
                                    autres=bool(phrases)))
    if any(not faible(r) for r in non_etablis):
        phrases.append(_non_montres([_paire(r) for r in non_etablis if not faible(r)], puissants=True,
                                    autres=bool(phrases)))
    retenus = [_paire(r) for r in associations if _vrai(r.get("retenu", r.get("case_sous_le_seuil")))]
    if retenus:
        liens, pluriel = _les_liens(retenus)
        phrases.append(f"{texte.majuscule(liens)} {'ne sont pas publiés' if pluriel else 'n’est pas publié'} : trop "
                       "peu de concertations ou de personnes dans un des groupes comparés (confidentialité)."
                       .replace("’", "'"))
    if not phrases:
        return ["Aucune hypothèse n'a pu être testée sur ce jeu : les variables nécessaires manquent ou les "
                "effectifs sont trop petits."]
    return _borner(phrases + [MISE_EN_GARDE])


#: L'essentiel d'un territoire : ses écarts sont décrits, jamais tranchés (tests exploratoires).
EXPLORATOIRE_TERRITOIRE = ("Ces écarts sont ceux de ce seul territoire : il compte trop peu de concertations pour "
                           "qu'un écart y soit établi, et ils peuvent venir du hasard. Les questions du plan se "
                           "tranchent pour l'ensemble de la région (comparaison des territoires).")


@_accepte_non_disponible
def constats_territoire(publies: pd.DataFrame) -> list[str]:
    """L'essentiel d'un territoire : les écarts observés pour les liens du plan, dans l'ordre du plan, décrits
    sans mot de preuve (les tests d'un territoire sont exploratoires), ce que la confidentialité retient, puis où
    se trouve la réponse aux questions du plan (la région).

    Ne lit que le tableau publié du territoire : l'essentiel d'un territoire ne change pas quand un autre
    territoire change (le flux ne refait que les carnets du territoire changé).
    """
    lignes = [r for _, r in publies.iterrows() if r.get("statut") != "non_disponible"
              and r.get("mesure") in ("rapport_cotes", "difference")]
    vus, decrits, retenus = set(), [], []
    for r in lignes:
        if (r["exposition"], r["issue"]) in vus:
            continue  # un lien repris à autres caractéristiques égales ne se répète pas
        vus.add((r["exposition"], r["issue"]))
        if _vrai(r.get("retenu", r.get("case_sous_le_seuil"))):
            retenus.append(_paire(r))
        elif r.get("statut") == "ok" and not _manquant(r.get("estimation")) and math.isfinite(float(r["estimation"])):
            decrits.append(r)
    phrases = _phrases_des_liens(decrits, None, limite=3)
    if phrases:
        phrases[0] = "Dans ce territoire, " + phrases[0][:1].lower() + phrases[0][1:]
    if retenus:
        liens, _ = _les_liens(retenus)
        phrases.append(f"Pour {liens}, l'écart de ce territoire n'est pas publié : trop peu de concertations ou de "
                       "personnes dans un des groupes comparés (confidentialité).")
    if not phrases:
        return ["Aucune hypothèse du plan n'a pu être décrite dans ce territoire : les variables nécessaires manquent "
                "ou les effectifs sont trop petits.", EXPLORATOIRE_TERRITOIRE]
    return _borner(phrases + [EXPLORATOIRE_TERRITOIRE, MISE_EN_GARDE])


def _homogeneite(lignes, alpha: float) -> list[str]:
    """Le lien est-il le même dans tous les territoires ? Une phrase par verdict, les liens regroupés."""
    differents, incertains, memes = [], [], []
    for r in lignes:
        if r.get("statut") != "ok" or _manquant(r.get("p_valeur")):
            continue
        if etabli(r, alpha):
            differents.append(f"{_paire(r)} (preuve {preuve(r, alpha)})")
        elif _manquant(r.get("puissance")) or float(r["puissance"]) < 0.8:
            incertains.append(_paire(r))
        else:
            memes.append(_paire(r))
    phrases = []
    if differents:
        liens, pluriel = _les_liens(differents)
        phrases.append(f"{texte.majuscule(liens)} {'ne sont pas les mêmes' if pluriel else 'n’est pas le même'} dans "
                       "tous les territoires.".replace("’", "'"))
    if incertains:
        liens, pluriel = _les_liens(incertains)
        phrases.append(f"Rien ne montre que {liens} {'changent' if pluriel else 'change'} d'un territoire à l'autre, "
                       "mais chaque territoire compte trop peu de concertations pour l'exclure.")
    if memes:
        liens, pluriel = _les_liens(memes)
        phrases.append(f"{texte.majuscule(liens)} {'semblent les mêmes' if pluriel else 'semble le même'} dans tous "
                       "les territoires.")
    return phrases


def _borner(phrases: list[str]) -> list[str]:
    """Au plus `MAXIMUM` phrases, la mise en garde toujours gardée en dernier."""
    if len(phrases) <= MAXIMUM:
        return phrases
    return phrases[:MAXIMUM - 1] + [phrases[-1]]


# --------------------------------------------------------------------------
# Portraits, validation, conditions, réseau, puissance


def _pourcent(x) -> str:
    return texte.pourcentage(float(x), 0)


@_accepte_non_disponible
def constats_portrait(portrait: pd.DataFrame, ensemble: pd.DataFrame | None = None, *, territoire: str) -> list[str]:
    """L'essentiel du portrait publié d'un territoire, comparé à l'ensemble de la région quand il est donné.

    `portrait`, `ensemble` : colonnes `indicateur`, `libelle`, `niveau`, `proportion`, `ic_bas`, `ic_haut`,
    `denominateur`, `unite` (portraits protégés : une part supprimée est manquante).
    """
    parts = portrait[portrait["unite"] == "proportion"]
    phrases = []
    for niveau, tete in (("instances", f"Pour {territoire}, parmi les concertations"),
                         ("participants", "Parmi les participants")):
        bloc = parts[(parts["niveau"] == niveau) & parts["proportion"].notna()
                     & ~parts["indicateur"].astype(str).str.contains("densite")]
        if not bloc.empty:
            morceaux = [f"{_pourcent(r['proportion'])} {_sans_tete(r['libelle'])}" for _, r in bloc.iterrows()]
            phrases.append(f"{tete} : " + ", ".join(morceaux) + ".")
    visibles = parts[parts["ic_bas"].notna() & parts["ic_haut"].notna()]
    if not visibles.empty:
        demi = float(((visibles["ic_haut"] - visibles["ic_bas"]) / 2).max())
        phrases.append(f"Ces parts sont connues à environ {texte.nombre_fr(100 * demi, 0)} points près au plus : "
                       "un petit écart entre deux territoires peut tenir au hasard.")
    if ensemble is not None:
        phrases += _ecarts_a_la_region(parts, ensemble[ensemble["unite"] == "proportion"])
    supprimees = parts[parts["proportion"].isna() & parts["denominateur"].notna()]
    if len(supprimees):
        phrases.append(f"{len(supprimees)} part(s) ne sont pas publiées : trop peu de réponses d'un côté ou de "
                       "l'autre (confidentialité).")
    taux = portrait[portrait["unite"] != "proportion"]
    if len(taux) and not _manquant(taux.iloc[0]["proportion"]):
        phrases.append(f"On y compte {texte.nombre_fr(float(taux.iloc[0]['proportion']), 1)} concertations pour "
                       "10 000 habitants.")
    return _borner(phrases) if phrases else [f"Aucune part du portrait de {territoire} n'est publiable."]


def _sans_tete(libelle: str) -> str:
    """« Concertations créées depuis 2000 » -> « créées depuis 2000 » (la phrase dit déjà de qui il s'agit)."""
    for tete in ("Concertations ", "Participants "):
        if libelle.startswith(tete):
            return libelle.removeprefix(tete)
    return libelle[0].lower() + libelle[1:]


def _ecarts_a_la_region(parts: pd.DataFrame, ensemble: pd.DataFrame) -> list[str]:
    """Les parts du territoire dont l'intervalle laisse de côté la part de toute la région."""
    region = ensemble.set_index("indicateur")["proportion"]
    ecarts = []
    for _, r in parts.iterrows():
        valeur = region.get(r["indicateur"])
        if any(_manquant(x) for x in (r["proportion"], r["ic_bas"], r["ic_haut"], valeur)):
            continue
        if not r["ic_bas"] <= valeur <= r["ic_haut"]:
            sens = "plus" if r["proportion"] > valeur else "moins"
            ecarts.append(f"{_pourcent(r['proportion'])} {_sans_tete(r['libelle'])} (contre "
                          f"{_pourcent(valeur)} dans la région, nettement {sens})")
    if not ecarts:
        return ["Aucune part ne s'écarte nettement de celle de l'ensemble de la région."]
    return ["Ce qui distingue ce territoire de l'ensemble de la région : " + " ; ".join(ecarts[:3]) + "."]


@_accepte_non_disponible
def constats_validation(effectifs: pd.DataFrame, rapport, *, absentes: tuple[str, ...] = ()) -> list[str]:
    """L'essentiel du bilan des données : combien, où, et ce qui est écarté ou absent.

    `effectifs` : tableau publié des effectifs par territoire (index `territoire`, ligne « Ensemble »,
    colonnes `instances`, `participants` ; une case supprimée est manquante) ; `rapport` : le rapport de
    validation de la préparation (`erreurs`, `avertissements`, `exclusions`)."""
    erreurs, avertissements = len(rapport.erreurs), len(rapport.avertissements)
    exclues = len(rapport.exclusions)
    total = effectifs.loc["Ensemble"] if "Ensemble" in effectifs.index else None
    territoires = [t for t in effectifs.index if t != "Ensemble"]
    phrases = []
    if total is not None and not _manquant(total["instances"]):
        phrases.append(f"Le jeu décrit {texte.nombre_fr(int(total['instances']), 0)} concertations et "
                       f"{texte.nombre_fr(int(total['participants']), 0)} sièges de participants, dans "
                       f"{len(territoires)} territoires.")
    if len(territoires):
        petits = effectifs.loc[territoires, "instances"]
        petits = petits.dropna()
        if len(petits):
            phrases.append(f"Le territoire le plus petit compte {texte.nombre_fr(int(petits.min()), 0)} concertations, "
                           f"le plus grand {texte.nombre_fr(int(petits.max()), 0)} : les comparaisons sont moins "
                           "sûres pour les petits territoires.")
    phrases.append("Aucune erreur dans les fichiers : toutes les lignes retenues sont analysées." if not erreurs
                   else f"{erreurs} erreur(s) dans les fichiers : les corriger avant toute analyse.")
    if exclues:
        phrases.append(f"{exclues} ligne(s) sont écartées par des règles déclarées (essais, doublons, hors champ), "
                       "chacune avec son motif.")
    if avertissements:
        phrases.append(f"{avertissements} avertissement(s) à lire : une correspondance déclarée ne s'applique pas aux "
                       "fichiers.")
    if absentes:
        phrases.append("Absentes de ce jeu : " + ", ".join(f"« {dictionnaire.libelle(v).split(' (')[0].lower()} »"
                                                           for v in absentes)
                       + " ; les analyses qui en ont besoin sont omises.")
    return _borner(phrases)


@_accepte_non_disponible
def constats_conditions(alpha, scores: pd.DataFrame, hypotheses_publiees: pd.DataFrame, *,
                        seuil: float) -> list[str]:
    """L'essentiel des conditions favorables : l'échelle tient-elle, l'indice par territoire, les hypothèses
    sur l'indice (`hypotheses_publiees`, lignes publiées de la synthèse ; `seuil` : alpha du plan).
    `alpha` : l'alpha de Cronbach, ou le tableau qui le donne (colonne `alpha`)."""
    if isinstance(alpha, pd.DataFrame):
        alpha = alpha["alpha"].iloc[0] if len(alpha) else math.nan
    phrases = []
    if not _manquant(alpha):
        alpha = float(alpha)
        phrases.append("Les huit conditions favorables se répondent assez pour être résumées par un seul indice sur "
                       "100." if alpha >= 0.7 else "Les huit conditions favorables se répondent mal : un indice "
                       "unique sur 100 les résume imparfaitement.")
    visibles = scores.dropna(subset=["moyenne"]) if "moyenne" in scores.columns else scores.iloc[0:0]
    visibles = visibles[visibles["territoire"] != "Ensemble"] if "territoire" in visibles.columns else visibles
    if len(visibles) >= 2:
        bas, haut = visibles.loc[visibles["moyenne"].idxmin()], visibles.loc[visibles["moyenne"].idxmax()]
        phrases.append(f"L'indice moyen va d'environ {texte.nombre_fr(bas['moyenne'], 0)} sur 100 ({bas['territoire']}) à "
                       f"{texte.nombre_fr(haut['moyenne'], 0)} ({haut['territoire']}).")
    hypotheses = constats_hypotheses(hypotheses_publiees, alpha=seuil) if len(hypotheses_publiees) else []
    return _borner(phrases + hypotheses)


@_accepte_non_disponible
def constats_reseau(mesures: pd.DataFrame, sollicitees: pd.DataFrame | None = None) -> list[str]:
    """L'essentiel du réseau des concertations (mesures publiées par territoire)."""
    par_territoire = mesures[mesures["territoire"] != "Ensemble"].dropna(subset=["densite"])
    if par_territoire.empty:
        return ["Le réseau des concertations ne peut pas être décrit pour ce jeu."]
    moins = par_territoire.loc[par_territoire["densite"].idxmin()]
    plus = par_territoire.loc[par_territoire["densite"].idxmax()]
    phrases = [f"Les concertations sont reliées entre elles par les organisations qui siègent à plusieurs tables : "
               f"la part des paires de concertations qui partagent au moins une organisation va de "
               f"{_pourcent(moins['densite'])} ({moins['territoire']}) à {_pourcent(plus['densite'])} "
               f"({plus['territoire']})."]
    isolees = par_territoire[par_territoire["part_instances_isolees"].fillna(0) > 0]
    phrases.append("Aucune concertation n'est isolée du reste de son territoire." if isolees.empty else
                   "Quelques concertations restent isolées, sans aucune organisation partagée : "
                   + ", ".join(str(t) for t in isolees["territoire"]) + ".")
    if sollicitees is not None and len(sollicitees) and not _manquant(sollicitees.iloc[0].get("nb_instances")):
        premiere = sollicitees.iloc[0]
        phrases.append(f"L'organisation la plus sollicitée siège à {int(premiere['nb_instances'])} tables : quelques "
                       "organisations portent une grande part de la concertation (hyperconcertation).")
    return phrases


NOMS_SIMPLES_TESTS = {
    "mantel_haenszel": "un lien de la taille prévue entre logique d'initiation et déficit, commun à tous les territoires",
    "association": "le même lien à l'intérieur d'un seul territoire",
    "breslow_day": "un territoire où ce lien serait présent alors qu'il est absent ailleurs",
    "gee": "un lien de la taille prévue au niveau des participants",
}


@_accepte_non_disponible
def constats_puissance(*courbes, cible: float = 0.8) -> list[str]:
    """L'essentiel du carnet de puissance : combien de tables enquêter par territoire pour voir chaque écart prévu."""
    phrases = []
    for courbe in courbes:
        test = str(courbe.iloc[0]["test"])
        quoi = NOMS_SIMPLES_TESTS.get(test, puissance_simulee.NOMS_TESTS.get(test, test))
        n = puissance_simulee.taille_requise(courbe, cible=cible)
        if n is None:
            phrases.append(f"Pour voir {quoi}, même {int(courbe['nb_instances'].max())} tables par territoire ne suffisent "
                           "pas à coup sûr.")
        else:
            phrases.append(f"Pour voir {quoi} huit fois sur dix, il faut enquêter environ {n} tables par territoire "
                           "(en moyenne).")
    phrases.append("Ces nombres viennent de jeux simulés : ils guident la taille d'une enquête, ils ne décrivent "
                   "aucune concertation réelle.")
    return _borner(phrases)


@_accepte_non_disponible
def constats_association(resultat: pd.DataFrame, *, exposition: str, issue: str, alpha: float) -> list[str]:
    """L'essentiel d'une association hors du plan (modèle de carnet) : une ligne publiée (`estimation`, `p_valeur`) ;
    comparaison exploratoire, donc sans conclusion."""
    r = resultat.iloc[0]
    ligne = {"exposition": exposition, "issue": issue, "niveau": "instances", "mesure": "rapport_cotes",
             "estimation": r.get("estimation", r.get("rapport_cotes")), "p_valeur": r.get("p_valeur"), "statut": "ok",
             "puissance": r.get("puissance", math.nan), "covariables": "", "exploratoire": True}
    if _manquant(ligne["estimation"]):
        return [f"Le lien entre {nom(exposition)} et {nom(issue)} n'est pas publiable ici (effectifs trop petits).",
                MISE_EN_GARDE]
    return constats_hypotheses(pd.DataFrame([ligne]), alpha=alpha)


def verdict(ligne) -> str:
    """Le verdict d'une hypothèse, pour la colonne « Verdict » des tableaux : tiré des seules valeurs publiées,
    la p ajustée sur l'échelle déclarée au seuil du plan (colonne `seuil_plan` de la ligne) ; un résultat sous le
    seuil le dit, avec la puissance ; un test exploratoire n'a pas de verdict."""
    if ligne.get("statut") == "non_disponible":
        return "non disponible"
    if _vrai(ligne.get("retenu", ligne.get("case_sous_le_seuil"))):
        return "non publié (confidentialité)"
    if ligne.get("statut", "ok") != "ok" or (_manquant(ligne.get("p_valeur")) and _manquant(ligne.get("p_ajustee"))):
        return "non estimable"
    if exploratoire(ligne):
        return "exploratoire, sans verdict"
    alpha = ligne.get("seuil_plan", math.nan)
    if _manquant(alpha) or math.isnan(_p_verdict(ligne)):
        return "sans verdict (p ajustée non publiée)"
    mot = preuve(ligne, float(alpha))
    if mot in interpretation.PREUVES:
        return f"preuve {mot}"
    quoi = "indice faible" if mot == "faible" else "aucune preuve"
    seuil = f"seuil de {interpretation.seuil_du_plan(float(alpha))} non atteint"
    puissance = ligne.get("puissance", math.nan)
    if _manquant(puissance):
        return f"{quoi} ({seuil})"
    return f"{quoi} ({seuil} ; test {'peu puissant' if float(puissance) < 0.8 else 'puissant'})"