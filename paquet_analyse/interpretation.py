"""Phrases d'interprétation en français, produites à partir des nombres.

Aucune conclusion n'est écrite d'avance : chaque phrase énonce l'estimation,
son intervalle, ce qu'elle veut dire, et dit quand la preuve est faible.

Politique des verdicts (README, « Ce que disent les tests ») : le mot du
verdict vient de la p ajustée dans sa famille déclarée, sur l'échelle
verbale :data:`ECHELLE_PREUVE`, relative au seuil ``alpha`` du plan ; un
résultat qui n'atteint pas ce seuil le dit dans la phrase même de son
verdict (aussi quand l'intervalle non ajusté exclut la valeur nulle) ; une
phrase sans preuve commence par l'intervalle, pas par un sens ; un test
exploratoire (test d'un territoire) n'a pas de verdict.

>>> force_preuve(0.0004, alpha=0.05)
'forte'
>>> force_preuve(0.2, alpha=0.05)
'aucune preuve'
"""

from __future__ import annotations

import math

import pandas as pd

from . import dictionnaire, hypotheses, puissance_simulee, texte


def _accepte_non_disponible(fonction):
    """Une analyse non disponible (variable facultative absente) donne sa note au lieu de phrases."""
    import functools

    @functools.wraps(fonction)
    def enveloppe(tableau, *args, **options):
        if type(tableau).__name__ == "NonDisponible":
            return [repr(tableau)]
        return fonction(tableau, *args, **options)
    return enveloppe


#: Échelle verbale déclarée de la force de la preuve, bornes de la p ajustée en multiples du seuil
#: ``alpha`` du plan (alpha = 0,05 : 0,001 ; 0,01 ; 0,05 ; 0,10). Seules les trois premières atteignent
#: le seuil du plan ; « faible » ne l'atteint pas et la phrase le dit.
ECHELLE_PREUVE = ((0.02, "forte"), (0.2, "nette"), (1.0, "modérée"), (2.0, "faible"))

#: Les mots qui atteignent le seuil du plan.
PREUVES = ("forte", "nette", "modérée")


def force_preuve(p: float, *, alpha: float) -> str:
    """Le mot de l'échelle verbale déclarée (:data:`ECHELLE_PREUVE`) pour une p (ajustée) au seuil ``alpha``."""
    if _nan(p):
        return "non évaluable"
    for multiple, mot in ECHELLE_PREUVE:
        if p < multiple * alpha:
            return mot
    return "aucune preuve"


def seuil_du_plan(alpha: float) -> str:
    """« 5 % » pour alpha = 0,05."""
    return f"{texte.nombre_court(100 * alpha)} %"


def verdict(p_ajustee: float, *, alpha: float, objet: str = "d'association") -> str:
    """Le verdict d'une p ajustée sur l'échelle déclarée ; dit quand le seuil du plan n'est pas atteint.

    >>> verdict(0.004, alpha=0.05)
    "preuve nette d'association"
    >>> verdict(0.089, alpha=0.05)
    "indice faible d'association, qui n'atteint pas le seuil de 5 % fixé par le plan"
    """
    force = force_preuve(p_ajustee, alpha=alpha)
    seuil = seuil_du_plan(alpha)
    if force in PREUVES:
        return f"preuve {force} {objet}"
    if force == "faible":
        return f"indice faible {objet}, qui n'atteint pas le seuil de {seuil} fixé par le plan"
    return f"aucune preuve {objet} : la p ajustée n'atteint pas le seuil de {seuil} fixé par le plan"


def _nan(x) -> bool:
    """Valeur manquante : None, NaN ou pd.NA (cellule supprimée d'un tableau protégé)."""
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def _libelle_court(nom: str) -> str:
    return dictionnaire.libelle(nom).split(" (")[0].lower()


def _imprecis(bas: float, haut: float) -> bool:
    return _nan(bas) or _nan(haut) or bas <= 0 or haut / bas > 10 or math.isinf(haut)


def _borne(x: float) -> str:
    return "l'infini" if not _nan(x) and math.isinf(x) else texte.nombre_fr(x, 2)


def _non_estimable(estimation: float) -> bool:
    """Rapport de cotes infini ou nul (une case nulle) : « non estimable (case nulle) »."""
    return _nan(estimation) or estimation <= 0 or math.isinf(estimation)


NON_ESTIMABLE = "non estimable (case nulle)"


def phrase_rapport_cotes(estimation: float, bas: float, haut: float, *, exposition: str, issue: str,
                         ajustement: str = "", sens: bool = True) -> str:
    """Un rapport de cotes avec son intervalle.

    ``sens`` : la phrase commence par le sens et la taille du lien (résultat qui atteint le seuil du plan) ;
    sinon par l'intervalle, l'estimation entre parenthèses. ``ajustement`` : ce pour quoi le rapport est
    ajusté (vide : brut). Un rapport infini ou nul se lit « non estimable (case nulle) », avec son
    intervalle s'il en a un (borne infinie : « l'infini »).
    """
    expo, iss = _libelle_court(exposition), _libelle_court(issue)
    aj = f" ajusté pour {ajustement}" if ajustement else ""
    ic = f"IC à 95 % de {_borne(bas)} à {_borne(haut)}"
    if _non_estimable(estimation):
        borne = "" if _nan(bas) or _nan(haut) else f" ; {ic}"
        return f"Rapport de cotes{aj} entre « {expo} » et « {iss} » : {NON_ESTIMABLE}{borne}."
    contient = not _nan(bas) and not _nan(haut) and bas <= 1 <= haut
    if not sens:
        phrase = (f"Rapport de cotes{aj} entre « {expo} » et « {iss} » : {ic} (estimation "
                  f"{texte.nombre_fr(estimation, 2)})")
        phrase += (" ; l'intervalle contient 1 : les données sont compatibles avec l'absence d'association."
                   if contient else ".")
    else:
        if round(estimation, 2) == 1 or round(1 / estimation, 2) == 1:
            quoi = f"les cotes de « {iss} » sont pratiquement les mêmes"
        elif estimation >= 1:
            quoi = f"les cotes de « {iss} » sont {texte.nombre_fr(estimation, 2)} fois plus élevées"
        else:  # « multipliées par 0,38 » : le même nombre que le tableau (1/0,38 arrondi ne le serait pas)
            quoi = f"les cotes de « {iss} » sont plus faibles : multipliées par {texte.nombre_fr(estimation, 2)} par rapport"
        suite = " aux autres cas" if quoi.endswith("par rapport") else " que sinon"
        phrase = f"Quand « {expo} » est vrai, {quoi}{suite} (rapport de cotes{aj} {texte.nombre_fr(estimation, 2)} ; {ic})."
        if contient:
            phrase += " L'intervalle contient 1 : les données sont compatibles avec l'absence d'association."
    if _imprecis(bas, haut):
        phrase += " L'estimation est très imprécise (intervalle très large) : effectifs trop faibles pour conclure."
    return phrase


def phrase_difference(estimation: float, bas: float, haut: float, *, exposition: str, issue: str,
                      ajustement: str = "", sens: bool = True) -> str:
    """Un écart de moyennes avec son intervalle (``sens`` et ``ajustement`` : voir :func:`phrase_rapport_cotes`)."""
    expo, iss = _libelle_court(exposition), _libelle_court(issue)
    aj = f" ajusté pour {ajustement}" if ajustement else ""
    if _nan(estimation):
        return f"L'écart de « {iss} » selon « {expo} » n'est pas estimable."
    ic = f"IC à 95 % de {texte.nombre_fr(bas, 2)} à {texte.nombre_fr(haut, 2)} points"
    contient = not _nan(bas) and bas <= 0 <= haut
    if not sens:
        phrase = (f"Écart de moyennes{aj} de « {iss} » selon « {expo} » : {ic} (estimation "
                  f"{texte.nombre_fr(estimation, 2)})")
        return phrase + (" ; l'intervalle contient 0 : les données sont compatibles avec l'absence d'écart."
                         if contient else ".")
    quoi = "plus élevée" if estimation >= 0 else "plus basse"  # « la valeur … est plus basse »
    phrase = (f"Quand « {expo} » est vrai, la valeur de « {iss} » est en moyenne {quoi} de "
              f"{texte.nombre_fr(abs(estimation), 2)} points (écart{aj} ; {ic.removesuffix(' points')}).")
    if contient:
        phrase += " L'intervalle contient 0 : les données sont compatibles avec l'absence d'écart."
    return phrase


#: Niveau des intervalles publiés (IC à 95 %) : une p < SEUIL_IC va avec un IC qui exclut la valeur nulle.
SEUIL_IC = 0.05


def _exclut_nulle(r) -> bool:
    nulle = 1.0 if r["mesure"] == "rapport_cotes" else 0.0
    return not _nan(r["ic_bas"]) and not _nan(r["ic_haut"]) and not (r["ic_bas"] <= nulle <= r["ic_haut"])


def phrase_puissance(r, *, exploratoire: bool = False) -> str:
    """La puissance qu'avait le test publié de détecter l'effet prévu au plan, à côté d'une absence de preuve
    (d'un test exploratoire : la puissance seule, sans lecture d'une absence de preuve)."""
    puissance, cible = r.get("puissance", math.nan), str(r.get("puissance_cible", "") or "")
    if _nan(puissance) or not cible:
        return (" La puissance de ce test n'est pas calculable ici (case ou marge nulle) : une absence de "
                "preuve ne dit rien de l'absence d'association.")
    phrase = f" Puissance de ce test pour détecter {cible} à cet effectif : environ {texte.pourcentage(puissance, 0)}"
    if exploratoire:
        return phrase + "."
    if round(100 * puissance) < 80:
        return phrase + " ; c'est peu : l'absence de preuve n'est pas une preuve d'absence."
    return phrase + " ; un écart de cette taille aurait probablement été détecté."


def _texte_statistique(r) -> str:
    """« t = 2,92 à 38 ddl » (loi de Student ; ddl de Satterthwaite à une décimale) ou « khi-deux 4,36 à
    1 ddl » ; rien pour un test exact."""
    stat, ddl = r.get("statistique", math.nan), r.get("ddl", math.nan)
    if _nan(stat) or _nan(ddl):
        return ""
    ddl_texte = texte.nombre_court(ddl)
    if r.get("test") == "t de Student":
        return f"t = {texte.nombre_fr(stat, 2)} à {ddl_texte} ddl"
    return f"khi-deux {texte.nombre_fr(stat, 2)} à {ddl_texte} ddl"


def phrase_hypothese(resultat, *, alpha: float) -> str:
    """Une phrase complète pour une ligne publiée de `hypotheses.tester_hypotheses`.

    Politique d'inférence (README) : la question du plan d'abord ; la p affichée vient du test
    qu'inverse l'IC montré ; le verdict vient de la p ajustée dans sa famille déclarée, sur l'échelle
    :data:`ECHELLE_PREUVE` relative au seuil ``alpha`` du plan, et un résultat qui n'atteint pas ce seuil
    le dit dans la phrase de son verdict (aussi quand l'IC non ajusté exclut la valeur nulle) ; une phrase
    sans preuve commence par l'intervalle ; un test exploratoire (un territoire) n'a pas de verdict ; la
    puissance du test accompagne toute absence de preuve.
    """
    r = resultat
    lieu = "dans l'ensemble des territoires" if r["territoire"] == "Ensemble" else f"dans le territoire {r['territoire']}"
    question = str(r.get("question", "") or "").strip()
    tete = f"**{r['id']}** — {question}" if question else f"**{r['id']}**"
    exploratoire = hypotheses.est_exploratoire(r) if "portee" in r else False
    marque = f"{lieu} ; test exploratoire" if exploratoire else lieu
    if r["statut"] == "non_disponible":
        return f"{tete} ({marque}) : {r['note']}".strip()
    if bool(r.get("retenu", r.get("case_sous_le_seuil", False))) is True:
        motif = str(r.get("motif_retenue") or "une case du tableau croisé compte trop peu de concertations ou de "
                    "personnes")
        return (f"{tete} ({marque}) : estimation, intervalle et p non publiés : {motif} ; ces nombres "
                "permettraient de retrouver une petite case (confidentialité).")
    homogeneite = r.get("mesure") == "homogeneite"
    if r["statut"] != "ok" or (_nan(r["p_valeur"] if homogeneite else r["estimation"])):
        return f"{tete} ({marque}) : non estimable. {r['note']}".strip()
    p, pa = r["p_valeur"], r.get("p_ajustee", math.nan)
    atteint = not exploratoire and not _nan(pa) and force_preuve(pa, alpha=alpha) in PREUVES
    ajuste = str(r.get("ajustement", "") or "")
    if homogeneite:
        corps = "Test d'homogénéité de Breslow-Day (correction de Tarone)."
        objet = "que l'association diffère d'un territoire à l'autre"
    elif r["mesure"] == "rapport_cotes":
        corps = phrase_rapport_cotes(r["estimation"], r["ic_bas"], r["ic_haut"], exposition=r["exposition"],
                                     issue=r["issue"], ajustement=ajuste, sens=atteint)
        objet = "d'association"
    else:
        corps = phrase_difference(r["estimation"], r["ic_bas"], r["ic_haut"], exposition=r["exposition"],
                                  issue=r["issue"], ajustement=ajuste, sens=atteint)
        objet = "d'association"
    accord = "" if homogeneite else "le test qu'inverse l'intervalle"
    details = ", ".join(x for x in (str(r.get("test", "") or ""), _texte_statistique(r), accord) if x)
    p_texte = texte.valeur_p(p) + (f" ({details})" if details else "")
    effectif = "n non publié" if _nan(r["effectif"]) else f"n = {int(r['effectif'])}"  # effectif publié, exact
    if exploratoire:
        pourquoi = ("les tests d'un territoire ne forment pas une famille déclarée, et la réponse du plan à cette "
                    "question est celle de l'ensemble de la région (synthèse du carnet 04)"
                    if r.get("portee") == "territoire" else "cette comparaison n'est pas au plan d'analyse")
        phrase = (f"{tete} ({lieu}, {effectif} ; test exploratoire) : {corps} {p_texte}, non ajustée. Test "
                  f"exploratoire, sans verdict : {pourquoi}.")
        phrase += phrase_puissance(r, exploratoire=True)
    elif _nan(pa):
        phrase = (f"{tete} ({lieu}, {effectif}) : {corps} {p_texte} ; p ajustée non publiée : pas de verdict, le "
                  f"seuil de {seuil_du_plan(alpha)} fixé par le plan ne peut être dit atteint.")
    else:
        valeur = texte.valeur_p(pa).removeprefix("p ")  # « = 0,218 » ou « < 0,001 »
        phrase = f"{tete} ({lieu}, {effectif}) : {corps} {p_texte} ; p ajustée {valeur} : {verdict(pa, alpha=alpha, objet=objet)}"
        if not atteint and not homogeneite and _exclut_nulle(r):
            nulle = "1" if r["mesure"] == "rapport_cotes" else "0"
            phrase += (f", bien que l'intervalle, non ajusté, exclue {nulle} : ce résultat ne résiste pas à "
                       "l'ajustement pour le nombre de tests de sa famille et reste à confirmer sur d'autres données")
        phrase += "."
        if not atteint:
            phrase += phrase_puissance(r)
    # les mises en garde du test (peu de grappes, petits effectifs attendus, séparation) accompagnent
    # le verdict qu'elles nuancent, dans le texte comme dans le tableau
    note = str(r.get("note", "") or "").strip()
    return phrase + (f" **Attention** : {note.rstrip('.')}." if note else "")


def phrases_hypotheses(tableau: pd.DataFrame, plan) -> list[str]:
    """Une phrase par ligne d'un tableau publié des hypothèses (seuil du plan), puis la phrase des unités
    hors définition."""
    alpha = float(plan.seuils["alpha"])
    return [*(phrase_hypothese(ligne, alpha=alpha) for _, ligne in tableau.iterrows()),
            phrase_hors_definition(tableau)]


def politique_des_verdicts(plan) -> str:
    """Le paragraphe de méthode de chaque rapport : d'où vient chaque verdict, et ce qui n'en a pas."""
    alpha = float(plan.seuils["alpha"])
    bornes = [texte.nombre_fr(m * alpha, 3).rstrip("0").rstrip(",") for m, _ in ECHELLE_PREUVE]
    return (f"**Politique des verdicts.** Chaque p publiée est celle du test qu'inverse l'intervalle montré. Le "
            f"mot du verdict vient de la p ajustée dans sa famille déclarée (méthode « {plan.seuils['ajustement']} » "
            f"du plan), sur une échelle verbale déclarée : preuve forte (p ajustée < {bornes[0]}), nette "
            f"(< {bornes[1]}), modérée (< {bornes[2]}, le seuil de {seuil_du_plan(alpha)} fixé par le plan) ; au-delà, "
            f"le seuil n'est pas atteint et la phrase le dit : indice faible (< {bornes[3]}), puis aucune preuve. "
            "Une phrase sans preuve commence par l'intervalle, pas par un sens, et donne la puissance qu'avait le "
            "test de détecter l'effet prévu au plan. Les tests d'un territoire sont exploratoires : une p non "
            "ajustée, aucun verdict ; les hypothèses se tranchent pour l'ensemble de la région (carnet 04).")


def phrase_hors_definition(tableau: pd.DataFrame) -> str:
    """Une phrase (une fois par section) sur les unités hors de la définition d'une variable."""
    if "hors_definition" not in tableau.columns:
        return ""
    lignes = []
    for niveau, unites in (("instances", "concertations"), ("participants", "participants")):
        bloc = tableau[(tableau["niveau"] == niveau) & (tableau["statut"] != "non_disponible")]
        valeurs = pd.to_numeric(bloc["hors_definition"], errors="coerce")
        if valeurs.notna().any() and valeurs.max() > 0:
            lignes.append(f"{int(valeurs.max())} {unites}")
    if not lignes:
        return ("Aucune unité n'est hors de la définition des variables testées : les unités écartées sont des "
                "réponses manquantes (colonne « Manquants » des tableaux publiés).")
    return ("Hors définition, pas manquants : au plus " + " et ".join(lignes) + " sont hors de la définition "
            "d'une variable testée (par exemple un initiateur « autre », ni descendant ni ascendant) ; ils sont "
            "écartés de ces tests et comptés dans la colonne « Hors définition » des tableaux publiés, pas parmi "
            "les réponses manquantes.")


def phrase_part(ligne) -> str:
    """Une ligne du portrait en une phrase."""
    if ligne["unite"] != "proportion":
        return (f"{ligne['libelle']} : {texte.nombre_fr(ligne['proportion'], 2)} "
                f"({ligne['effectif']} concertations pour {texte.nombre_fr(ligne['denominateur'], 0)} habitants).")
    if _nan(ligne["proportion"]) and ligne["denominateur"] and not _nan(ligne["denominateur"]):
        return (f"{ligne['libelle']} : donnée supprimée pour protéger la confidentialité (effectif ou "
                f"complément inférieur au seuil, sur {ligne['denominateur']}).")
    if _nan(ligne["proportion"]):
        return f"{ligne['libelle']} : non calculable (aucune donnée)."
    phrase = (f"{ligne['libelle']} : {texte.pourcentage(ligne['proportion'])} "
              f"({ligne['effectif']} sur {ligne['denominateur']}")
    ic = texte.intervalle(ligne["ic_bas"], ligne["ic_haut"])
    phrase += f" ; IC à 95 % {ic})." if ic else ")."
    if not _nan(ligne["ic_bas"]) and ligne["ic_haut"] - ligne["ic_bas"] > 0.3:
        phrase += " Intervalle large : petit effectif, à lire avec prudence."
    return phrase


def phrase_alpha(alpha: float, bas: float, haut: float, n: int) -> str:
    """Cronbach : valeur, intervalle, et lecture selon les repères usuels (0,7 ; 0,8 ; 0,9)."""
    if _nan(alpha):
        return "La cohérence interne de l'échelle n'est pas calculable."
    qualite = ("excellente" if alpha >= 0.9 else "bonne" if alpha >= 0.8 else "acceptable" if alpha >= 0.7
               else "insuffisante")
    return (f"Alpha de Cronbach des huit conditions : {texte.nombre_fr(alpha, 3)} (IC à 95 % de "
            f"{texte.nombre_fr(bas, 3)} à {texte.nombre_fr(haut, 3)} ; n = {n}) : cohérence interne {qualite}"
            + (", l'indice peut être résumé par sa moyenne." if alpha >= 0.7 else
               " ; l'indice moyen est à interpréter avec prudence."))


@_accepte_non_disponible
def phrases_heterogeneite(tableau: pd.DataFrame, plan) -> list[str]:
    """Une phrase par indicateur : les p (brute et ajustée dans la famille des tests d'hétérogénéité),
    le test (khi-deux ou exact pour les concertations ; Wald robuste aux grappes pour les participants),
    puis le verdict de la p ajustée sur l'échelle déclarée au seuil du plan (`verdict`) et, quand le seuil
    n'est pas atteint, la puissance."""
    alpha = float(plan.seuils["alpha"])
    phrases = []
    for _, r in tableau.iterrows():
        if _nan(r["p_valeur"]):
            phrases.append(f"{r['libelle']} : aucun test possible. {r.get('note', '') or ''}".strip())
            continue
        pa = r.get("p_ajustee", math.nan)
        if r["niveau"] == "participants":
            test = "test de Wald robuste aux grappes, qui tient compte de la corrélation des participants d'une même concertation"
        else:
            test = f"V de Cramér {texte.nombre_fr(r['v_cramer'], 2)}"
        if _nan(pa):
            phrase = (f"{r['libelle']} : {texte.valeur_p(r['p_valeur'])} ({test}) ; p ajustée non publiée : pas "
                      "de verdict.")
            atteint = False
        else:
            ajustee = texte.valeur_p(pa).removeprefix("p ")
            phrase = (f"{r['libelle']} : {texte.valeur_p(r['p_valeur'])} ({test}) ; p ajustée {ajustee} : "
                      f"{verdict(pa, alpha=alpha, objet='que les territoires diffèrent')}.")
            atteint = force_preuve(pa, alpha=alpha) in PREUVES
        if not atteint:
            phrase += phrase_puissance(r)
        phrases.append(phrase + (f" Attention : {r['note']}." if r["note"] else ""))
    return phrases


@_accepte_non_disponible
def phrases_reseau(mesures: pd.DataFrame) -> list[str]:
    par_terr = mesures[mesures["territoire"] != "Ensemble"].sort_values("densite")
    if par_terr.empty:
        return []
    moins, plus = par_terr.iloc[0], par_terr.iloc[-1]
    phrases = [f"Le territoire le moins relié est {moins['territoire']} : {texte.pourcentage(moins['densite'])} "
               f"des paires de concertations partagent au moins une organisation, contre "
               f"{texte.pourcentage(plus['densite'])} dans le plus relié ({plus['territoire']})."]
    for _, r in par_terr.iterrows():
        isolees = ("part de concertations isolées non publiée (confidentialité)" if _nan(r["part_instances_isolees"])
                   else f"{texte.pourcentage(r['part_instances_isolees'])} de concertations isolées")
        phrases.append(f"{r['territoire']} : {int(r['nb_instances'])} concertations, "
                       f"{int(r['nb_composantes'])} composante(s), {isolees}, "
                       f"centralisation {texte.nombre_fr(r['centralisation_degre'], 2)}.")
    return phrases


@_accepte_non_disponible
def phrases_connexion(tableau: pd.DataFrame) -> list[str]:
    """Comparaison exploratoire (hors plan d'analyse) : les nombres et la p, sans mot de verdict.

    Politique d'inférence : seules les hypothèses déclarées au plan reçoivent un verdict (avec p
    ajustée et puissance) ; une comparaison décidée après coup est décrite, pas jugée.
    """
    phrases = ["Comparaison exploratoire, hors du plan d'analyse : les p ci-dessous ne sont pas ajustées et "
               "ne donnent pas de verdict ; elles disent seulement si l'écart observé est inhabituel quand on "
               "permute au hasard les logiques entre concertations."] if len(tableau) else []
    noms = {"degre": "tables liées (degré)", "degre_pondere": "organisations partagées (degré pondéré)",
            "isolee": "part de tables isolées"}
    for _, r in tableau.iterrows():
        sens = "plus" if r["difference"] > 0 else "moins"
        phrases.append(f"Mesure « {noms.get(r['mesure'], r['mesure'])} » : moyenne {texte.nombre_fr(r['moyenne_1'], 2)} pour les "
                       f"concertations {r['groupe_1']}s contre {texte.nombre_fr(r['moyenne_2'], 2)} pour les "
                       f"{r['groupe_2']}s ({sens} élevée chez les {r['groupe_1']}s) ; "
                       f"{texte.valeur_p(r['p_valeur'])} (test de permutation).")
    return phrases


def phrase_residus(longue: pd.DataFrame, ligne: str, colonne: str) -> str:
    """Les cases d'un tableau croisé dont le résidu ajusté dépasse 2 en valeur absolue.

    `longue` : une ligne par case (`ligne`, `colonne`, `residu_ajuste`) ; une
    case supprimée pour la confidentialité a un résidu manquant et n'est pas citée.
    """
    if longue["residu_ajuste"].isna().all():
        return ("Aucun résidu ajusté n'est publié : chaque ligne ou colonne du tableau a une case supprimée pour "
                "la confidentialité, que les résidus permettraient de retrouver.")
    notables = longue[longue["residu_ajuste"].abs() > 2].sort_values("residu_ajuste", key=abs, ascending=False)
    if notables.empty:
        return ("Aucune case publiée ne s'écarte nettement de l'indépendance (tous les résidus ajustés "
                "montrés sont entre -2 et 2).")
    morceaux = [f"« {dictionnaire.libelle_code(ligne, r[ligne])} » × « {dictionnaire.libelle_code(colonne, r[colonne])} » "
                f"({'sur' if r['residu_ajuste'] > 0 else 'sous'}-représenté, résidu {texte.nombre_fr(r['residu_ajuste'], 1)})"
                for _, r in notables.head(4).iterrows()]
    return ("Cases qui s'écartent nettement de l'indépendance (|résidu ajusté| > 2) : " + " ; ".join(morceaux)
            + ". Avec beaucoup de cases, quelques écarts de cette taille peuvent survenir par hasard.")


def phrases_foret(ligne, resultat, *, alpha: float) -> list[str]:
    """Deux phrases pour une hypothèse H5 : l'homogénéité entre territoires, puis l'association commune.

    L'association commune (RC de Mantel-Haenszel, IC de Robins-Breslow-Greenland) va avec la p du test
    de Wald que cet IC inverse ; c'est aussi le test de l'hypothèse d'association de la région sur les
    mêmes variables, dont la synthèse donne la p ajustée et le verdict : ici, l'intervalle d'abord, sans
    verdict.
    """
    return [phrase_hypothese(ligne, alpha=alpha),
            f"Association commune ({ligne['id']}, Mantel-Haenszel) : "
            + phrase_rapport_cotes(resultat.rapport_cotes, resultat.ic_bas, resultat.ic_haut,
                                   exposition=ligne["exposition"], issue=ligne["issue"], sens=False)
            + f" {texte.valeur_p(resultat.p_wald)} (test de Wald qu'inverse l'intervalle ; p non ajustée, "
              "voir la synthèse pour la p ajustée et le verdict de l'hypothèse d'association correspondante)."]


def phrase_taille(courbe, conception=None, *, cible=0.8):
    """Phrase française qui répond à « combien de concertations enquêter par territoire ? ».

    Avec ``conception`` (`planification.Conception`), la phrase donne aussi la puissance aux effectifs du
    jeu (point de la grille égal à leur moyenne) et rappelle que les proportions entre territoires sont
    gardées.
    """
    n = puissance_simulee.taille_requise(courbe, cible=cible)
    ligne = courbe.iloc[0]
    quoi = puissance_simulee.NOMS_TESTS[ligne["test"]]
    rc = ligne["rapport_cotes"] if ligne["test"] != "breslow_day" else ligne["rapport_cotes_ecart"]
    effet = f"RC = {texte.nombre_court(rc)}" + (" dans un territoire, 1 ailleurs" if ligne["test"] == "breslow_day" else "")
    pct = f"{texte.nombre_court(100 * cible)} %"
    actuel = ""
    if conception is not None:
        moyenne = conception.moyenne_instances()
        proche = courbe.iloc[int((courbe["nb_instances"] - moyenne).abs().to_numpy().argmin())]
        actuel = (f" Aux effectifs du plan ({texte.nombre_fr(moyenne, 0)} concertations par territoire en moyenne), "
                  f"puissance simulée {texte.nombre_fr(proche['puissance'], 2)} ± "
                  f"{texte.nombre_fr(proche['erreur_mc'], 2)}.")
    if n is None:
        return (f"Sur la grille étudiée (jusqu'à {texte.nombre_fr(courbe['nb_instances'].max(), 0)} concertations par "
                f"territoire en moyenne), aucune taille n'atteint {pct} de puissance pour détecter {quoi} ({effet}) : "
                f"il faut davantage de concertations ou accepter moins de puissance.{actuel}")
    p = courbe[courbe["puissance"] >= cible].iloc[0]
    return (f"Pour détecter {quoi} ({effet}) avec au moins {pct} de puissance au seuil "
            f"{texte.nombre_fr(p['seuil'], 2)}, il faut enquêter environ {n} concertations par territoire en moyenne "
            f"(puissance simulée {texte.nombre_fr(p['puissance'], 2)} ± {texte.nombre_fr(p['erreur_mc'], 2)}, erreur "
            f"type Monte-Carlo sur {int(p['replicats'])} jeux SIMULÉS).{actuel}")
