"""Exécution du plan d'analyse : chaque hypothèse, dans un territoire ou entre territoires.

Les carnets appellent ces fonctions ; elles ne font que préparer les données
selon le plan et déléguer aux modules `associations` et `modeles`. Les
avertissements des tests (effectifs faibles, séparation, manquants) sont
capturés et rendus comme des données (colonne `note`), jamais imprimés :
un avertissement dans un carnet ferait échouer sa vérification par nbval.

Les données viennent toujours du jeu préparé (`preparation.lire`) : aucune
fonction d'ici ne relit les fichiers bruts ni ne redérive une variable.

Exemple
-------
>>> from paquet_analyse import analyses, preparation
>>> d = preparation.lire("lanaudiere")
>>> r = analyses.tester_hypotheses(d, portee="territoire", territoire="Joliette")
>>> r["id"].tolist()[:2]
['H1a', 'H1b']
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from . import associations, chemins, confidentialite, dictionnaire, indicateurs, modeles
from . import plan as plan_
from .erreurs import AvertissementPaquet, ErreurDonnees, ErreurEffectifs

COLONNES_RESULTATS = [
    "id", "famille", "question", "niveau", "exposition", "issue", "portee", "territoire", "test", "methode",
    "estimateur", "effectif", "manquants", "hors_definition", "nb_grappes", "mesure", "estimation", "ic_bas",
    "ic_haut", "statistique", "ddl", "p_valeur", "famille_ajustement", "p_ajustee", "puissance",
    "puissance_cible", "statut", "note", "case_sous_le_seuil",
]


@dataclass(frozen=True)
class Donnees:
    """Un jeu préparé (`preparation`) : instances et participants avec leurs variables dérivées."""

    jeu: "preparation.JeuPrepare"  # noqa: F821
    plan: plan_.Plan
    instances: pd.DataFrame
    participants: pd.DataFrame
    territoire: str | None = None
    #: Portraits non protégés de tous les territoires et de l'ensemble, calculés une fois à la préparation
    #: (`preparation.lire`) : (empreinte des tables dont ils viennent, tableau). Servis par `portraits_bruts`
    #: seulement si ces tables n'ont pas changé depuis (une variante des données les fait recalculer).
    portraits_prepares: tuple[str, pd.DataFrame] | None = field(default=None, repr=False, compare=False)

    @property
    def simule(self) -> bool:
        return self.jeu.simule


# --------------------------------------------------------------------------
# Variables facultatives absentes d'un jeu


class NonDisponible:
    """Ce qu'une analyse rend quand le jeu n'a pas une variable facultative dont elle a besoin.

    S'affiche comme une note française ; l'utiliser plus loin (attribut,
    appel, publication, phrases) rend la même note, sans erreur : le carnet
    va jusqu'au bout et le flux se termine avec tous les autres résultats.
    """

    def __init__(self, message: str):
        self.message = message

    def _repr_markdown_(self) -> str:
        return f"> **Non disponible** : {self.message}"

    def __repr__(self) -> str:
        return f"Non disponible : {self.message}"

    def __getattr__(self, nom: str):
        if nom.startswith("_"):
            raise AttributeError(nom)
        return self

    def __call__(self, *args, **options):
        return self

    def __iter__(self):
        return iter(())


def variables_absentes(donnees: Donnees, *variables: str) -> list[str]:
    """Variables brutes facultatives, nécessaires à `variables` (brutes ou dérivées), absentes du jeu."""
    absentes = set(donnees.jeu.variables_absentes)
    return sorted({s for v in variables for s in dictionnaire.sources_brutes(v) if s in absentes})


def non_disponible(donnees: Donnees, *variables: str) -> NonDisponible | None:
    """Une `NonDisponible` qui nomme les variables absentes, ou None si l'analyse est possible."""
    absentes = variables_absentes(donnees, *variables)
    if not absentes:
        return None
    noms = ", ".join(f"« {v} »" for v in absentes)
    pluriel = "s" if len(absentes) > 1 else ""
    return NonDisponible(f"ce jeu ne contient pas {noms} (variable{pluriel} facultative{pluriel} du livre de codes, "
                         "absente de l'export ou sans aucune valeur) ; cette analyse est sautée, les autres sont faites.")


def colonne_poids(donnees: Donnees) -> str | None:
    """« poids » si le jeu a des poids de sondage pour les participants (variable facultative), sinon None."""
    p = donnees.participants
    if "poids" in donnees.jeu.variables_absentes or "poids" not in p.columns or p["poids"].isna().all():
        return None
    return "poids"


NOTE_NON_PONDERE = ("non pondéré : les poids de sondage « poids » ne s'appliquent pas à cette analyse "
                    "(elle décrit les répondants ou le réseau tels quels)")


def note_disponibilite(donnees: Donnees):
    """Une phrase sur les variables facultatives absentes du jeu (rien si toutes sont là)."""
    from .carnet import Markdown

    if not donnees.jeu.variables_absentes:
        return Markdown("Toutes les variables facultatives du livre de codes sont présentes dans ce jeu.")
    noms = ", ".join(f"« {v} »" for v in donnees.jeu.variables_absentes)
    return Markdown(f"Variables facultatives absentes de ce jeu (ou sans aucune valeur) : {noms}. Les analyses "
                    "qui en ont besoin sont remplacées par une note « Non disponible » ; toutes les autres sont faites.")


def restreindre(donnees: Donnees, territoire: str) -> Donnees:
    """Les mêmes données, limitées à un territoire (message clair s'il est inconnu)."""
    indicateurs.verifier_territoire(territoire, donnees.jeu.liste_territoires())
    inst = donnees.instances[donnees.instances["territoire"] == territoire]
    ids = set(inst["id_instance"])
    return replace(donnees, instances=inst,
                   participants=donnees.participants[donnees.participants["id_instance"].isin(ids)],
                   territoire=territoire)


# --------------------------------------------------------------------------
# Préparation d'un tableau d'analyse


def _termes(h: plan_.Hypothese, avec_territoire: bool) -> list[str]:
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


def tableau_analyse(donnees: Donnees, h: plan_.Hypothese, *,
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


def _ligne(h, portee, territoire, **valeurs) -> dict:
    base = {"id": h.id, "famille": h.famille, "question": h.question, "niveau": h.niveau,
            "exposition": h.exposition, "issue": h.issue, "portee": portee, "territoire": territoire or "Ensemble",
            "test": "", "methode": "", "estimateur": "", "effectif": 0, "manquants": 0, "hors_definition": 0,
            "nb_grappes": np.nan, "mesure": "", "estimation": np.nan, "ic_bas": np.nan, "ic_haut": np.nan,
            "statistique": np.nan, "ddl": np.nan, "p_valeur": np.nan, "famille_ajustement": "",
            "p_ajustee": np.nan, "puissance": np.nan, "puissance_cible": "", "statut": "ok", "note": "",
            "case_sous_le_seuil": False}
    base.update(valeurs)
    return base


def _terme_exposition(tableau: pd.DataFrame, exposition: str) -> pd.Series:
    ligne = tableau[tableau["terme"] == f"{exposition}[T.True]"]
    if ligne.empty:
        raise ErreurEffectifs(f"L'exposition « {exposition} » ne varie pas : effet non estimable.")
    return ligne.iloc[0]


#: Test exact 2 × 2 des hypothèses : p et IC du même test (Blaker, 2000), voir `associations.exact_fisher`.
METHODE_IC_EXACTE = "blaker"


def _association(t: pd.DataFrame, h) -> dict:
    """Politique d'inférence : la p vient du test que l'IC montré inverse (Blaker exact, ou score)."""
    r = associations.association(t, h.exposition, h.issue, methode_ic=METHODE_IC_EXACTE).iloc[0]
    test = {"score_miettinen_nurminen": "score (Miettinen-Nurminen)", "fisher_exact": "exact de Blaker"}
    return {"test": test.get(r["test"], r["test"]), "methode": r["methode"], "estimateur": r["estimateur"], "effectif": int(r["effectif"]),
            "mesure": "rapport_cotes", "estimation": r["rapport_cotes"], "ic_bas": r["ic_bas"],
            "ic_haut": r["ic_haut"], "statistique": r["statistique"], "ddl": r["ddl"], "p_valeur": r["p_valeur"]}


def _regression(t: pd.DataFrame, h, termes_sup: list[str]) -> dict:
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
    if mesure == "rapport_cotes":
        modele = ("régression logistique pondérée (plan de sondage)" if poids else
                  "modèle marginal (GEE), moyenne sur la population" if h.grappes else "régression logistique")
        estimateur = f"RC ajusté, {modele}"
    else:
        modele = ("moindres carrés pondérés (plan de sondage)" if poids else
                  "moindres carrés, erreurs types robustes aux grappes" if h.grappes else "moindres carrés")
        estimateur = f"écart de moyennes ajusté, {modele}"
    # statistique publiée, celle qu'inverse l'IC : t de Student à `ddl` ddl, ou, pour un z (GEE, GLM),
    # le khi-deux de Wald z² à 1 ddl
    student = not pd.isna(terme["ddl"])
    statistique = float(terme["statistique"]) if student else float(terme["statistique"]) ** 2
    return {"methode": f"{terme['methode']} ; formule : {formule}", "estimateur": estimateur,
            "effectif": int(terme["effectif"]), "nb_grappes": terme["nb_grappes"], "mesure": mesure,
            "estimation": terme[est], "ic_bas": terme["ic_bas"], "ic_haut": terme["ic_haut"],
            "statistique": statistique, "ddl": terme["ddl"] if student else 1, "p_valeur": terme["p_valeur"],
            "test": "t de Student" if student else "Wald (z²)", "statut": statut}


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
            "ic_bas": r.ic_bas, "ic_haut": r.ic_haut, "statistique": r.wald, "ddl": 1, "p_valeur": r.p_wald}


def _mantel_haenszel(t: pd.DataFrame, h, *, homogeneite: bool) -> dict:
    r = associations.mantel_haenszel(t, h.exposition, h.issue, "territoire")
    return _valeurs_mh(r, homogeneite=homogeneite)


def tester_hypothese(donnees: Donnees, h: plan_.Hypothese, *, portee: str) -> dict:
    """Une hypothèse, dans le territoire de `donnees` (portee « territoire ») ou entre territoires.

    Entre territoires : Mantel-Haenszel stratifié par territoire pour les
    associations au niveau des instances ; effets fixes de territoire dans
    les régressions.
    """
    entre = portee == "region"
    absent = non_disponible(donnees, *_termes(h, False))
    if absent:
        return _ligne(h, portee, donnees.territoire, statut="non_disponible", note=f"Non disponible : {absent.message}")
    with warnings.catch_warnings(record=True) as captures:
        warnings.simplefilter("always", AvertissementPaquet)
        try:
            t, manquants, hors = tableau_analyse(donnees, h, avec_territoire=entre)
            if h.methode == "mantel_haenszel" or (entre and h.methode == "association"):
                valeurs = _mantel_haenszel(t, h, homogeneite=h.methode == "mantel_haenszel")
            elif h.methode == "association":
                valeurs = _association(t, h)
            else:
                valeurs = _regression(t, h, ["C(territoire)"] if entre and t["territoire"].nunique() > 1 else [])
        except (ErreurEffectifs, ErreurDonnees) as exc:
            return _ligne(h, portee, donnees.territoire, statut="non_estimable", note=str(exc))
    notes = sorted({str(a.message) for a in captures if issubclass(a.category, AvertissementPaquet)})
    return _ligne(h, portee, donnees.territoire, manquants=manquants,
                  hors_definition=hors, note=" ".join(notes),
                  case_sous_le_seuil=_case_sous_le_seuil(t, h, seuil_confidentialite(donnees)),
                  **_puissance(donnees, t, h, entre, valeurs), **valeurs)


def _puissance(donnees: Donnees, t: pd.DataFrame, h: plan_.Hypothese, entre: bool, valeurs: dict) -> dict:
    """Puissance du test, à cet effectif, de détecter l'effet prévu au plan (`seuils`).

    Rapport de cotes `rapport_cotes_puissance` pour une association, une régression logistique ou le
    RC commun ; écart de `ecart_puissance` points pour l'indice ; pour l'homogénéité, un territoire
    dont le RC diffère de ce facteur. Approximations analytiques (module `puissance`).
    """
    from . import puissance

    seuils = donnees.plan.seuils
    rc, ecart, alpha = float(seuils["rapport_cotes_puissance"]), float(seuils["ecart_puissance"]), float(seuils["alpha"])
    if valeurs.get("mesure") == "homogeneite":
        r = puissance.puissance_homogeneite(t, h.exposition, h.issue, "territoire", rapport=rc, seuil=alpha)
        cible = f"un territoire dont le rapport de cotes diffère d'un facteur {_nombre(rc)} des autres"
    elif h.methode == "lineaire":
        r = puissance.puissance_ecart(t, h.exposition, h.issue, grappes=h.grappes, ecart=ecart, seuil=alpha)
        cible = f"un écart de {_nombre(ecart)} points"
    else:
        strate = "territoire" if entre and h.methode == "association" else None
        r = puissance.puissance_rapport_cotes(t, h.exposition, h.issue, strate=strate, grappes=h.grappes,
                                              rapport_cotes=rc, seuil=alpha)
        cible = f"un rapport de cotes de {_nombre(rc)}"
    return {"puissance": r.puissance, "puissance_cible": cible}


def _nombre(x: float) -> str:
    from . import texte

    return texte.nombre_fr(x, 0) if float(x).is_integer() else texte.nombre_fr(x, 1)


def _case_sous_le_seuil(t: pd.DataFrame, h: plan_.Hypothese, seuil: int) -> bool:
    """Le tableau exposition × issue (booléens) a-t-il une case de 1 à seuil - 1 ?

    Tout ce qui en est tiré (rapport de cotes, IC, p, statistique) permet de
    reconstruire le tableau : la publication le supprime alors (`proteger`).
    """
    if h.methode == "lineaire" or t[h.issue].dtype != bool:
        return False
    cases = pd.crosstab(t[h.exposition], t[h.issue]).to_numpy()
    return bool(((cases >= 1) & (cases < seuil)).any())


def tester_hypotheses(donnees: Donnees, *, portee: str, territoire: str | None = None) -> pd.DataFrame:
    """Toutes les hypothèses du plan de cette portée ; une ligne par hypothèse, p ajustées par famille.

    Familles d'ajustement (`famille_de_tests`) : dans un territoire, tous les tests du plan dans ce
    territoire ; pour la région, les tests d'association d'un côté et les tests d'homogénéité (H5) de
    l'autre. Méthode : `seuils.ajustement` du plan. Tableau de travail : on le diffuse ou l'affiche par
    `proteger` (les effectifs et manquants de 1 au seuil - 1 y sont supprimés).
    """
    if territoire is not None:
        donnees = restreindre(donnees, territoire)
    lignes = [tester_hypothese(donnees, h, portee=portee) for h in donnees.plan.hypotheses_de_portee(portee)]
    resultats = pd.DataFrame(lignes, columns=COLONNES_RESULTATS)
    return ajouter_p_ajustees(resultats, methode=donnees.plan.seuils["ajustement"])


def famille_de_tests(ligne) -> str:
    """La famille (déclarée) dans laquelle la p d'un test est ajustée."""
    if ligne["portee"] == "territoire":
        return f"tests du territoire {ligne['territoire']}"
    if ligne["mesure"] == "homogeneite":
        return "tests d'homogénéité entre territoires (région)"
    return "tests d'association de la région"


def ajouter_p_ajustees(resultats: pd.DataFrame, *, methode: str = "fdr_bh") -> pd.DataFrame:
    """Ajoute `famille_ajustement` et `p_ajustee` (Benjamini-Hochberg par défaut) dans chaque famille."""
    sortie = resultats.copy()
    familles = [famille_de_tests(r) for _, r in sortie.iterrows()] if len(sortie) else []
    sortie["famille_ajustement"] = pd.Series(familles, index=sortie.index, dtype=object)
    sortie["p_ajustee"] = np.nan
    for _, index in sortie.groupby("famille_ajustement", sort=False).groups.items():
        sortie.loc[index, "p_ajustee"] = associations.ajuster_p(
            sortie.loc[index, "p_valeur"].to_numpy(dtype=float), methode=methode)
    return sortie



# --------------------------------------------------------------------------
# Vues et synthèses pour les carnets


def vue_resultats(resultats: pd.DataFrame, *, ajustee: bool = True) -> pd.DataFrame:
    """Colonnes utiles à la lecture d'un tableau de résultats d'hypothèses."""
    colonnes = ["id", "exposition", "issue", "effectif", "test", "estimation", "ic_bas", "ic_haut", "statistique",
                "ddl", "p_valeur"] + (["p_ajustee"] if ajustee else []) + ["puissance", "case_sous_le_seuil"]
    return resultats[colonnes]


FICHIER_SYNTHESE = "synthese_region.parquet"
_CLE_EMPREINTE = b"paquet_analyse.empreinte"


def empreinte_synthese(donnees: Donnees) -> str:
    """Ce dont la synthèse de la région dépend : tables, plan (tel qu'en mémoire) et code du paquet."""
    from . import etat_preparation, sorties

    return sorties.hacher(empreinte_tables(donnees), repr(donnees.plan), etat_preparation.empreinte_code())


def calculer_synthese(donnees: Donnees) -> pd.DataFrame:
    """Toutes les hypothèses de portée région, avec p ajustée dans leur famille selon le plan (calcul)."""
    return tester_hypotheses(donnees, portee="region")


def synthese(donnees: Donnees) -> pd.DataFrame:
    """Toutes les hypothèses de portée région, avec p ajustée dans leur famille selon le plan.

    Le flux la calcule une fois (`python -m paquet_analyse synthese`, dans
    `resultats/<jeu>/calculs/`) pour les carnets 04 et 05, qui en ont tous
    deux besoin (05 : les p de H6 sont ajustées avec celles des autres tests
    d'association de la région). Elle n'est reprise que si elle vaut pour
    ces tables, ce plan et ce code (`empreinte_synthese`) ; sinon, calculée
    ici (`calculer_synthese`), mêmes nombres.
    """
    enregistree = _synthese_enregistree(donnees)
    return enregistree if enregistree is not None else calculer_synthese(donnees)


def _synthese_enregistree(donnees: Donnees) -> pd.DataFrame | None:
    chemin = chemins.dossier_calculs(donnees.jeu.nom) / FICHIER_SYNTHESE
    if donnees.territoire is not None or not chemin.is_file():
        return None
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(chemin)
    except (OSError, pa.ArrowException):
        return None  # illisible : recalculée
    if (table.schema.metadata or {}).get(_CLE_EMPREINTE, b"").decode() != empreinte_synthese(donnees):
        return None
    return table.to_pandas()


def ecrire_synthese(donnees: Donnees, chemin: str | Path | None = None) -> Path | None:
    """Calcule la synthèse de la région et l'écrit (parquet, empreinte dans ses métadonnées), atomiquement.

    Enregistrée seulement si sa relecture redonne exactement le même tableau
    (valeurs et types) ; sinon le fichier écrit est vide et sans empreinte
    (le flux attend ce fichier ; il n'est jamais repris), None est rendu et
    chaque carnet calcule la synthèse lui-même.
    """
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    from . import sorties

    chemin = Path(chemin) if chemin else chemins.dossier_calculs(donnees.jeu.nom) / FICHIER_SYNTHESE
    calculee = calculer_synthese(donnees)
    tampon = io.BytesIO()
    try:
        table = pa.Table.from_pandas(calculee, preserve_index=True)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               _CLE_EMPREINTE: empreinte_synthese(donnees).encode()})
        pq.write_table(table, tampon, compression="zstd")
        pd.testing.assert_frame_equal(pq.read_table(io.BytesIO(tampon.getvalue())).to_pandas(), calculee,
                                      check_exact=True)
    except (AssertionError, pa.ArrowException, TypeError, ValueError):  # colonne d'objets mêlés, etc.
        # le fichier attendu par le flux existe quand même, vide et sans empreinte : jamais repris
        tampon = io.BytesIO()
        pq.write_table(pa.table({"synthese_non_enregistree": pa.array([], pa.bool_())}), tampon)
        sorties.ecrire_octets(tampon.getvalue(), chemin)
        return None
    return sorties.ecrire_octets(tampon.getvalue(), chemin)


def association_simple(donnees: Donnees, exposition: str, issue: str) -> pd.DataFrame:
    """Test d'association entre deux variables des instances (choisi par les effectifs attendus)."""
    h = plan_.Hypothese(id="exemple", famille="exemple", question="", niveau="instances", exposition=exposition,
                        issue=issue, methode="association", portee=("region",))
    t, _, _ = tableau_analyse(donnees, h)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AvertissementPaquet)
        return associations.association(t, exposition, issue)


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
    arrondies = [carnet_en_tete(c) for c in COLONNES_ARRONDIES if c in valeurs.columns]
    if arrondies:
        note += f" Arrondis à {ARRONDI} près : {', '.join(arrondies)} ; les autres effectifs sont exacts."
    if supprimer.any():
        note += (f" « {p.marque} » pour le rapport de cotes, l'IC, p et la statistique d'un test dont une case "
                 f"compte moins de {seuil} : ils permettraient de la retrouver.")
    note = note.strip()
    return replace(p, valeurs=valeurs, masque=masque, primaires=p.primaires, note=note)


def carnet_en_tete(colonne: str) -> str:
    """L'en-tête français d'une colonne, tel que les carnets l'affichent."""
    from . import carnet

    return carnet.EN_TETES.get(colonne, colonne).lower()


def portrait_brut(donnees: Donnees, territoire: str | None = None) -> pd.DataFrame:
    """Le portrait d'un territoire (ou de l'ensemble) AVANT protection : pour calculer, jamais
    pour diffuser (`portrait` le protège)."""
    d = restreindre(donnees, territoire) if territoire else donnees
    noms = [territoire] if territoire else donnees.jeu.liste_territoires()
    return indicateurs.portrait(d.instances, d.participants,
                                population=indicateurs.population(donnees.jeu.territoires, noms))


ENSEMBLE = "Ensemble"  # la ligne de tout le jeu dans les portraits empilés


def empreinte_tables(donnees: Donnees) -> str:
    """Empreinte des tables analysées : instances et participants (toutes leurs colonnes), populations et
    liste des territoires, variables facultatives absentes, types des colonnes. Dit si un calcul fait une
    fois (portraits, synthèse) vaut encore pour elles."""
    import hashlib

    h = hashlib.sha256("\x1f".join(donnees.jeu.liste_territoires()).encode("utf-8"))
    h.update(repr(tuple(donnees.jeu.variables_absentes)).encode("utf-8"))
    for tableau in (donnees.instances, donnees.participants, donnees.jeu.territoires):
        if tableau is not None:
            h.update("\x1f".join(f"{c}:{t}" for c, t in tableau.dtypes.items()).encode("utf-8"))
            h.update(pd.util.hash_pandas_object(tableau, index=False).to_numpy().tobytes())
    return h.hexdigest()


def empreinte_portraits(donnees: Donnees) -> str:
    """Ce dont les portraits dépendent : les tables (`empreinte_tables`) et le code du paquet."""
    from . import etat_preparation, sorties

    return sorties.hacher(empreinte_tables(donnees), etat_preparation.empreinte_code())


def calculer_portraits_bruts(donnees: Donnees) -> pd.DataFrame:
    """Portraits NON protégés de chaque territoire puis de l'ensemble, empilés (colonne `territoire`
    en tête, « Ensemble » en dernier), toujours recalculés ; pour calculer, jamais pour diffuser."""
    if donnees.territoire is not None:
        raise ErreurDonnees(
            f"Portraits demandés sur des données restreintes au territoire « {donnees.territoire} » : les parts "
            "de tous les territoires sont protégées ensemble (une part supprimée ne doit pas se recalculer par "
            "différence avec l'ensemble). Passer le jeu entier, preparation.lire(jeu), et le nom du territoire.")
    morceaux = [portrait_brut(donnees, t).assign(territoire=t) for t in donnees.jeu.liste_territoires()]
    morceaux.append(portrait_brut(donnees, None).assign(territoire=ENSEMBLE))
    return pd.concat(morceaux, ignore_index=True)[["territoire", *indicateurs.COLONNES_PORTRAIT]]


def portraits_bruts(donnees: Donnees) -> pd.DataFrame:
    """`calculer_portraits_bruts`, repris de la préparation quand les tables n'ont pas changé depuis.

    Le flux calcule les portraits une seule fois (`preparation`) ; chaque carnet
    les relit au lieu de refaire territoires + 1 calculs (intervalles de plan
    de sondage, liens du réseau). Une variante des données (tables remplacées
    ou modifiées en place) ou un code modifié depuis la préparation donnent une
    autre empreinte (`empreinte_portraits`) : les portraits sont recalculés.
    """
    if donnees.portraits_prepares is not None and donnees.territoire is None:
        empreinte, tableau = donnees.portraits_prepares
        if empreinte == empreinte_portraits(donnees):
            return tableau.copy()
    return calculer_portraits_bruts(donnees)


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
        indicateurs.verifier_territoire(territoire, donnees.jeu.liste_territoires())
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
    from . import figures

    # parts protégées ensemble (`portraits`) : une part supprimée n'apparaît pas non plus sur la figure
    for t in territoires:
        indicateurs.verifier_territoire(t, donnees.jeu.liste_territoires())
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


INDICATEURS_HETEROGENEITE = (("instances", "depuis_2000"), ("instances", "initie_cisss_ville_fondation"),
                             ("instances", "thematique_ejf"), ("instances", "deficit_participation"),
                             ("instances", "deficit_evaluation"), ("participants", "deficit_delegation"),
                             ("participants", "suivi_informel"))


COLONNES_HETEROGENEITE = ["indicateur", "libelle", "niveau", "test", "statistique", "ddl", "p_valeur", "p_ajustee",
                          "v_cramer", "effectif", "nb_grappes", "puissance", "puissance_cible", "methode", "note"]

#: Famille d'ajustement des tests d'hétérogénéité entre territoires (une par jeu).
FAMILLE_HETEROGENEITE = "tests d'hétérogénéité entre territoires"


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


def heterogeneite_territoires(donnees: Donnees) -> pd.DataFrame:
    """Territoire × indicateur : les parts diffèrent-elles entre territoires ?

    Instances (une ligne par instance) : `associations.association` (khi-deux
    ou test exact selon les effectifs attendus), avec le V de Cramér.
    Participants (regroupés dans leurs instances) : test de Wald conjoint de
    tous les effets de territoire d'une régression logistique robuste aux
    grappes `id_instance` (`modeles.wald_termes` ; GEE, ou estimateur de plan
    de sondage si le jeu a des poids) ; `v_cramer` y est NaN. La colonne
    `methode` dit quel test a servi, `nb_grappes` le nombre d'instances.
    La puissance (`_puissance_heterogeneite`) est calculée sur le même tableau que le test.
    """
    poids = colonne_poids(donnees)
    lignes = []
    for niveau, variable in INDICATEURS_HETEROGENEITE:
        base = {"indicateur": variable, "libelle": dictionnaire.libelle(variable), "niveau": niveau,
                "statistique": np.nan, "ddl": np.nan, "p_valeur": np.nan, "v_cramer": np.nan, "nb_grappes": np.nan}
        if niveau == "participants":
            colonnes = ["territoire", variable, "id_instance"] + ([poids] if poids else [])
            t = donnees.participants[colonnes].dropna().astype({variable: bool, "territoire": str,
                                                                "id_instance": str})
            valeurs = _heterogeneite_participants(t, variable, poids)
        else:
            t = donnees.instances[["territoire", variable]].dropna().astype({variable: bool, "territoire": str})
            valeurs = _heterogeneite_instances(t, variable)
        puissance, cible = _puissance_heterogeneite(donnees, t, variable,
                                                    "id_instance" if niveau == "participants" else None)
        lignes.append({**base, **valeurs, "puissance": puissance, "puissance_cible": cible})
    tableau = pd.DataFrame(lignes, columns=COLONNES_HETEROGENEITE)
    tableau["p_ajustee"] = associations.ajuster_p(tableau["p_valeur"].to_numpy(dtype=float),
                                                  methode=donnees.plan.seuils["ajustement"])
    return tableau


def vue_heterogeneite(tableau: pd.DataFrame) -> pd.DataFrame:
    """Colonnes utiles à la lecture du tableau d'hétérogénéité (la méthode complète reste dans le CSV)."""
    if isinstance(tableau, NonDisponible):
        return tableau
    return tableau[["libelle", "niveau", "test", "statistique", "ddl", "p_valeur", "p_ajustee", "v_cramer",
                    "effectif", "nb_grappes", "puissance"]]


def _puissance_heterogeneite(donnees: Donnees, t: pd.DataFrame, variable: str,
                             grappes: str | None) -> tuple[float, str]:
    """Puissance de détecter un territoire dont les cotes sont `rapport_cotes_puissance` fois celles des autres."""
    from . import puissance

    seuils = donnees.plan.seuils
    rc = float(seuils["rapport_cotes_puissance"])
    r = puissance.puissance_territoires(t, variable, "territoire", grappes=grappes, rapport_cotes=rc,
                                        seuil=float(seuils["alpha"]))
    return r.puissance, f"un territoire dont les cotes sont {_nombre(rc)} fois celles des autres"


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
        from . import figures

        if self.residus.isna().all().all():  # une carte toute grise n'apprendrait rien au lecteur
            return NonDisponible("aucune carte des résidus : chaque ligne ou colonne du tableau a une case "
                                 "supprimée pour la confidentialité, et ses résidus permettraient de la retrouver.")
        fig = figures.carte_residus(self.residus, ligne=self.ligne, colonne=self.colonne, simule=self.simule)
        return confidentialite.FigureProtegee(fig, sources=(self.tableau,))


def croisement(donnees: Donnees, ligne: str, colonne: str, *,
               territoire: str | None = None) -> Croisement | NonDisponible:
    """Tableau croisé de deux variables des instances et ses résidus ajustés (comme `stdres` de R)."""
    from . import interpretation

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
        from . import figures

        for id_, (h, r) in self.resultats.items():
            court = {n: dictionnaire.libelle(n).split(" (")[0] for n in (h.issue, h.exposition)}
            titre = f"{id_} — {court[h.issue]} : rapport de cotes selon « {court[h.exposition]} »"
            fig = figures.forest_rapports_cotes(r.strates, commun=(r.rapport_cotes, r.ic_bas, r.ic_haut),
                                                titre=titre, simule=self.simule)
            yield (f"foret_{id_.lower()}", confidentialite.FigureProtegee(
                fig, motif="rapports de cotes par territoire et commun ; les effectifs des cases ne sont pas montrés"))


def forets(donnees: Donnees) -> Forets:
    from . import interpretation

    morceaux, phrases, resultats = [], [], {}
    homogeneite = [h for h in donnees.plan.hypotheses if h.methode == "mantel_haenszel"]
    # mêmes lignes (et mêmes p ajustées dans la famille des tests d'homogénéité) que la synthèse
    lignes = ajouter_p_ajustees(pd.DataFrame([tester_hypothese(donnees, h, portee="region") for h in homogeneite],
                                             columns=COLONNES_RESULTATS), methode=donnees.plan.seuils["ajustement"])
    publiees = proteger(lignes, donnees).valeurs  # les phrases ne disent que ce que le tableau publie
    for h, (_, ligne) in zip(homogeneite, publiees.iterrows()):
        if ligne["statut"] != "ok":
            phrases.append(interpretation.phrase_hypothese(ligne))
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
        phrases += interpretation.phrases_foret(ligne, r)
    tableau = pd.concat(morceaux, ignore_index=True) if morceaux else pd.DataFrame()
    if not tableau.empty:
        tableau = tableau[["id", *[c for c in tableau.columns if c != "id"]]]
    return Forets(tableau, phrases, resultats, donnees.simule)


# --------------------------------------------------------------------------
# Les huit conditions


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
    from . import fiabilite, interpretation

    items = list(indicateurs.CONDITIONS)
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
    lignes = []
    p = donnees.participants
    poids = colonne_poids(donnees)
    colonnes = ["indice_conditions", "id_instance"] + ([poids] if poids else [])
    for territoire in [*donnees.jeu.liste_territoires(), None]:
        bloc = p if territoire is None else p[p["territoire"] == territoire]
        t = bloc[colonnes].dropna().astype({"indice_conditions": float, "id_instance": str})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AvertissementPaquet)
            m = modeles.regression_lineaire(t, "indice_conditions ~ 1", grappes="id_instance", poids=poids).iloc[0]
        x = t["indice_conditions"]
        if poids:
            moyenne = float(np.average(x, weights=t[poids]))
            ecart_type = float(np.sqrt(np.cov(x, aweights=t[poids]))) if len(t) > 1 else np.nan
        else:
            moyenne, ecart_type = x.mean(), x.std()
        lignes.append({"territoire": territoire or "Ensemble", "moyenne": moyenne,
                       "ecart_type": ecart_type, "effectif": len(t),
                       "nb_instances": t["id_instance"].nunique(), "ic_bas": m["ic_bas"], "ic_haut": m["ic_haut"],
                       "manquants": int(bloc["indice_conditions"].isna().sum())})
    return pd.DataFrame(lignes)


def figure_conditions(donnees: Donnees):
    absent = non_disponible(donnees, "indice_conditions")
    if absent:
        return absent
    from . import figures

    return confidentialite.FigureProtegee(figures.conditions_par_logique(donnees.participants, simule=donnees.simule),
                                          motif="distribution de l'indice des conditions ; aucun effectif montré")


# --------------------------------------------------------------------------
# Réseau


def mesures_reseau(donnees: Donnees) -> pd.DataFrame:
    absent = non_disponible(donnees, "id_organisation")
    if absent:
        return absent
    from . import reseau

    mesures = reseau.mesures_reseau(donnees.instances, donnees.participants, territoires=donnees.jeu.territoires)
    return mesures.assign(note=NOTE_NON_PONDERE) if colonne_poids(donnees) else mesures


def organisations_sollicitees(donnees: Donnees, *, k: int = 15) -> pd.DataFrame:
    absent = non_disponible(donnees, "id_organisation")
    if absent:
        return absent
    from . import reseau

    tableau = reseau.organisations_plus_sollicitees(donnees.instances, donnees.participants, k=k,
                                                    seuil_sur_sollicitation=donnees.plan.seuils["sur_sollicitation"])
    return tableau.assign(note=NOTE_NON_PONDERE) if colonne_poids(donnees) else tableau


def connexion_logique(donnees: Donnees) -> pd.DataFrame:
    absent = non_disponible(donnees, "id_organisation")
    if absent:
        return absent
    from . import reseau

    tableau = reseau.connexion_selon_logique(donnees.instances, donnees.participants, graine=20100408)
    return tableau.assign(note=NOTE_NON_PONDERE) if colonne_poids(donnees) else tableau


def figures_reseau(donnees: Donnees):
    """Un dessin du réseau entre instances par territoire (disposition fixée par une graine)."""
    from . import figures, reseau

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
