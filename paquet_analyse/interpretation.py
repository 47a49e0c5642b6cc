"""Phrases d'interprétation en français, produites à partir des nombres.

Aucune conclusion n'est écrite d'avance : chaque phrase énonce l'estimation,
son intervalle, ce qu'elle veut dire, et dit quand la preuve est faible.

>>> force_preuve(0.0004)
'forte'
>>> force_preuve(0.2)
'aucune preuve'
"""

from __future__ import annotations

import math

import pandas as pd

from . import dictionnaire, puissance_simulee, texte


def _accepte_non_disponible(fonction):
    """Une analyse non disponible (variable facultative absente) donne sa note au lieu de phrases."""
    import functools

    @functools.wraps(fonction)
    def enveloppe(tableau, *args, **options):
        if type(tableau).__name__ == "NonDisponible":
            return [repr(tableau)]
        return fonction(tableau, *args, **options)
    return enveloppe


def force_preuve(p: float) -> str:
    """Échelle verbale conventionnelle de la force de la preuve contre l'hypothèse nulle."""
    if _nan(p):
        return "non évaluable"
    if p < 0.001:
        return "forte"
    if p < 0.01:
        return "nette"
    if p < 0.05:
        return "modérée"
    if p < 0.10:
        return "faible"
    return "aucune preuve"


def _nan(x) -> bool:
    """Valeur manquante : None, NaN ou pd.NA (cellule supprimée d'un tableau protégé)."""
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def _libelle_court(nom: str) -> str:
    return dictionnaire.libelle(nom).split(" (")[0].lower()


def _imprecis(bas: float, haut: float) -> bool:
    return _nan(bas) or _nan(haut) or bas <= 0 or haut / bas > 10 or math.isinf(haut)


def phrase_rapport_cotes(estimation: float, bas: float, haut: float, *, exposition: str, issue: str) -> str:
    """Sens et taille d'un rapport de cotes, avec son intervalle."""
    expo, iss = _libelle_court(exposition), _libelle_court(issue)
    ic = f"IC à 95 % de {texte.nombre_fr(bas, 2)} à {texte.nombre_fr(haut, 2)}"
    if _nan(estimation) or estimation <= 0 or math.isinf(estimation):
        return f"Le rapport de cotes entre « {expo} » et « {iss} » n'est pas estimable (case nulle ou séparation)."
    if round(estimation, 2) == 1 or round(1 / estimation, 2) == 1:
        sens = f"les cotes de « {iss} » sont pratiquement les mêmes"
    elif estimation >= 1:
        sens = f"les cotes de « {iss} » sont {texte.nombre_fr(estimation, 2)} fois plus élevées"
    else:  # « multipliées par 0,38 » : le même nombre que le tableau (1/0,38 arrondi ne le serait pas)
        sens = f"les cotes de « {iss} » sont plus faibles : multipliées par {texte.nombre_fr(estimation, 2)} par rapport"
    suite = " aux autres cas" if sens.endswith("par rapport") else " que sinon"
    phrase = f"Quand « {expo} » est vrai, {sens}{suite} (rapport de cotes {texte.nombre_fr(estimation, 2)} ; {ic})."
    if not _nan(bas) and not _nan(haut) and bas <= 1 <= haut:
        phrase += " L'intervalle contient 1 : les données sont compatibles avec l'absence d'association."
    if _imprecis(bas, haut):
        phrase += " L'estimation est très imprécise (intervalle très large) : effectifs trop faibles pour conclure."
    return phrase


def phrase_difference(estimation: float, bas: float, haut: float, *, exposition: str, issue: str) -> str:
    expo, iss = _libelle_court(exposition), _libelle_court(issue)
    if _nan(estimation):
        return f"L'écart de « {iss} » selon « {expo} » n'est pas estimable."
    sens = "plus élevée" if estimation >= 0 else "plus basse"  # « la valeur … est plus basse »
    phrase = (f"Quand « {expo} » est vrai, la valeur de « {iss} » est en moyenne {sens} de "
              f"{texte.nombre_fr(abs(estimation), 2)} points (IC à 95 % de {texte.nombre_fr(bas, 2)} "
              f"à {texte.nombre_fr(haut, 2)}).")
    if not _nan(bas) and bas <= 0 <= haut:
        phrase += " L'intervalle contient 0 : les données sont compatibles avec l'absence d'écart."
    return phrase


#: Niveau des intervalles publiés (IC à 95 %) : une p < SEUIL_IC va avec un IC qui exclut la valeur nulle.
SEUIL_IC = 0.05


def _exclut_nulle(r) -> bool:
    nulle = 1.0 if r["mesure"] == "rapport_cotes" else 0.0
    return not _nan(r["ic_bas"]) and not _nan(r["ic_haut"]) and not (r["ic_bas"] <= nulle <= r["ic_haut"])


def phrase_puissance(r) -> str:
    """La puissance qu'avait le test de détecter l'effet prévu au plan, à côté d'une absence de preuve."""
    puissance, cible = r.get("puissance", math.nan), str(r.get("puissance_cible", "") or "")
    if _nan(puissance) or not cible:
        return (" La puissance de ce test n'est pas calculable ici (case ou marge nulle) : une absence de "
                "preuve ne dit rien de l'absence d'association.")
    phrase = f" Puissance de ce test pour détecter {cible} à cet effectif : environ {texte.pourcentage(puissance, 0)}"
    if round(100 * puissance) < 80:
        return phrase + " ; c'est peu : l'absence de preuve n'est pas une preuve d'absence."
    return phrase + " ; un écart de cette taille aurait probablement été détecté."


def _texte_statistique(r) -> str:
    """« t = 2,92 à 38 ddl » (loi de Student) ou « khi-deux 4,36 à 1 ddl » ; rien pour un test exact."""
    stat, ddl = r.get("statistique", math.nan), r.get("ddl", math.nan)
    if _nan(stat) or _nan(ddl):
        return ""
    if r.get("test") == "t de Student":
        return f"t = {texte.nombre_fr(stat, 2)} à {int(ddl)} ddl"
    return f"khi-deux {texte.nombre_fr(stat, 2)} à {int(ddl)} ddl"


def phrase_hypothese(resultat) -> str:
    """Une phrase complète pour une ligne de `hypotheses.tester_hypotheses`.

    Politique d'inférence : la p affichée vient du test qu'inverse l'IC montré (même méthode) ; le
    verdict vient de la p ajustée dans la famille de tests déclarée (`famille_ajustement`) quand elle
    existe, et la phrase dit pourquoi les deux diffèrent ; une absence de preuve est accompagnée de
    la puissance qu'avait le test.
    """
    r = resultat
    lieu = "dans l'ensemble des territoires" if r["territoire"] == "Ensemble" else f"dans le territoire {r['territoire']}"
    if r["statut"] == "non_disponible":
        return f"**{r['id']}** ({lieu}) : {r['note']}".strip()
    if bool(r.get("retenu", r.get("case_sous_le_seuil", False))) is True:
        motif = str(r.get("motif_retenue") or "une case du tableau croisé compte trop peu de concertations ou de "
                    "personnes")
        return (f"**{r['id']}** ({lieu}) : estimation, intervalle et p non publiés : {motif} ; ces nombres "
                "permettraient de retrouver une petite case (confidentialité).")
    homogeneite = r.get("mesure") == "homogeneite"
    if r["statut"] != "ok" or (_nan(r["p_valeur"] if homogeneite else r["estimation"])):
        return f"**{r['id']}** ({lieu}) : non estimable. {r['note']}".strip()
    if homogeneite:
        corps = ("Le rapport de cotes est-il le même dans tous les territoires ? Test d'homogénéité de "
                 "Breslow-Day (correction de Tarone).")
        objet = "que l'association diffère d'un territoire à l'autre"
    elif r["mesure"] == "rapport_cotes":
        corps = phrase_rapport_cotes(r["estimation"], r["ic_bas"], r["ic_haut"],
                                     exposition=r["exposition"], issue=r["issue"])
        objet = "d'association"
    else:
        corps = phrase_difference(r["estimation"], r["ic_bas"], r["ic_haut"],
                                  exposition=r["exposition"], issue=r["issue"])
        objet = "d'association"
    p, pa = r["p_valeur"], r.get("p_ajustee", math.nan)
    accord = "" if homogeneite else "le test qu'inverse l'intervalle"
    details = ", ".join(x for x in (str(r.get("test", "") or ""), _texte_statistique(r), accord) if x)
    p_texte = texte.valeur_p(p) + (f" ({details})" if details else "")
    if not _nan(pa):
        famille = str(r.get("famille_ajustement", "") or "")
        valeur = texte.valeur_p(pa).removeprefix("p ")  # « = 0,218 » ou « < 0,001 »
        p_texte += f" ; p ajustée {valeur}"  # méthode et familles : dans l'introduction de la section
        preuve = force_preuve(pa)
    else:
        preuve = force_preuve(p)
    if objet.startswith("que"):
        verdict = f"aucune preuve {objet}" if preuve == "aucune preuve" else f"preuve {preuve} {objet}"
    else:
        verdict = "aucune preuve d'association" if preuve == "aucune preuve" else f"preuve {preuve} d'association"
    effectif = "n non publié" if _nan(r["effectif"]) else f"n ≈ {int(r['effectif'])}"  # arrondi à 5 à la publication
    phrase = f"**{r['id']}** ({lieu}, {effectif}) : {corps} {p_texte} : {verdict}."
    if not homogeneite and not _nan(pa) and pa >= SEUIL_IC and _exclut_nulle(r):
        phrase += (" L'intervalle exclut l'absence d'association (p < 0,05 avant ajustement), mais ce résultat ne "
                   "résiste pas à l'ajustement pour le nombre de tests de sa famille : à confirmer sur d'autres "
                   "données.")
    if preuve == "aucune preuve":
        phrase += phrase_puissance(r)
    # les mises en garde du test (peu de grappes, petits effectifs attendus, séparation) accompagnent
    # le verdict qu'elles nuancent, dans le texte comme dans le tableau
    note = str(r.get("note", "") or "").strip()
    return phrase + (f" **Attention** : {note.rstrip('.')}." if note else "")


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
            f"{texte.nombre_fr(bas, 3)} à {texte.nombre_fr(haut, 3)} ; n ≈ {n}) : cohérence interne {qualite}"
            + (", l'indice peut être résumé par sa moyenne." if alpha >= 0.7 else
               " ; l'indice moyen est à interpréter avec prudence."))


@_accepte_non_disponible
def phrases_heterogeneite(tableau: pd.DataFrame) -> list[str]:
    """Une phrase par indicateur : verdict de la p ajustée (famille des tests d'hétérogénéité), le test
    (khi-deux ou exact pour les concertations ; Wald robuste aux grappes pour les participants) et,
    pour une absence de preuve, la puissance."""
    phrases = []
    for _, r in tableau.iterrows():
        if _nan(r["p_valeur"]):
            phrases.append(f"{r['libelle']} : aucun test possible. {r.get('note', '') or ''}".strip())
            continue
        pa = r.get("p_ajustee", math.nan)
        preuve = force_preuve(r["p_valeur"] if _nan(pa) else pa)
        verdict = ("aucune preuve que les territoires diffèrent" if preuve == "aucune preuve"
                   else f"preuve {preuve} que les territoires diffèrent")
        if r["niveau"] == "participants":
            test = "test de Wald robuste aux grappes, qui tient compte de la corrélation des participants d'une même concertation"
        else:
            test = f"V de Cramér {texte.nombre_fr(r['v_cramer'], 2)}"
        ajustee = "" if _nan(pa) else f" ; p ajustée {texte.valeur_p(pa).removeprefix('p ')}"
        phrase = f"{r['libelle']} : {verdict} ({texte.valeur_p(r['p_valeur'])}{ajustee} ; {test})."
        if preuve == "aucune preuve":
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


def phrases_foret(ligne, resultat) -> list[str]:
    """Deux phrases pour une hypothèse H5 : l'homogénéité entre territoires, puis l'association commune.

    L'association commune (RC de Mantel-Haenszel, IC de Robins-Breslow-Greenland) va avec la p du test
    de Wald que cet IC inverse ; c'est aussi le test de l'hypothèse d'association de la région sur les
    mêmes variables, dont la synthèse donne la p ajustée.
    """
    return [phrase_hypothese(ligne),
            f"Association commune ({ligne['id']}, Mantel-Haenszel) : "
            + phrase_rapport_cotes(resultat.rapport_cotes, resultat.ic_bas, resultat.ic_haut,
                                   exposition=ligne["exposition"], issue=ligne["issue"])
            + f" {texte.valeur_p(resultat.p_wald)} (test de Wald qu'inverse l'intervalle ; p non ajustée, "
              "voir la synthèse pour la p ajustée de l'hypothèse d'association correspondante)."]


def phrase_taille(courbe, *, cible=0.8):
    """Phrase française qui répond à « combien de tables enquêter par MRC ? »."""
    n = puissance_simulee.taille_requise(courbe, cible=cible)
    ligne = courbe.iloc[0]
    quoi = puissance_simulee.NOMS_TESTS[ligne["test"]]
    rc = ligne["rapport_cotes"]
    pct = f"{cible:.0%}".replace("%", " %")
    if n is None:
        return (f"Sur la grille étudiée (jusqu'à {int(courbe['nb_instances'].max())} tables par "
                f"MRC), aucune taille n'atteint {pct} de puissance pour détecter {quoi} "
                f"(RC = {rc:g}) : il faut davantage de tables ou accepter moins de puissance.")
    p = courbe.loc[courbe["nb_instances"] == n].iloc[0]
    return (f"Pour détecter {quoi} (RC = {rc:g}) avec au moins {pct} de puissance au seuil "
            f"{texte.nombre_fr(p['seuil'], 2)}, il faut enquêter environ {n} tables par MRC (puissance simulée "
            f"{texte.nombre_fr(p['puissance'], 2)} ± {texte.nombre_fr(p['erreur_mc'], 2)}, erreur type Monte-Carlo sur "
            f"{int(p['replicats'])} jeux SIMULÉS).")
