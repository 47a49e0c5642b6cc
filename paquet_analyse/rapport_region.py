"""Le rapport de la région, à remettre : un document PDF (Typst) et sa version HTML, tirés des résultats publiés.

Ce qu'une équipe envoie à ses partenaires ou joint à un article : l'essentiel,
la comparaison des territoires, les hypothèses, les conditions favorables, le
réseau, puis les méthodes, les limites, les règles de confidentialité, la
provenance et la façon de citer. Tableaux et figures numérotés, légendés.

Tout vient de ce que le flux a **déjà publié** sous `resultats/<jeu>/`
(tableaux protégés `tableaux/*.csv`, figures `figures/*.png`) et de la
provenance du jeu préparé : aucune microdonnée n'est relue, aucun nombre n'est
recalculé ; une cellule supprimée reste « x ».

Un seul contenu (`contenu`), deux rendus : `gabarits/rapport_region.html.j2`
(Jinja2, images intégrées : un seul fichier) et `gabarits/rapport_region.typ`
(Typst, lu par le paquet Python `typst`, qui embarque son moteur et ses
polices : aucune dépendance du système, rien de téléchargé). Le PDF est
reproductible octet pour octet (aucune date, polices embarquées seules, celles
du système ignorées) ; `make verifier` le compare comme tout autre résultat.
"""

from __future__ import annotations

import base64
import json
import shutil
import tempfile
from pathlib import Path

from . import chemins, constats, ecriture, etat_preparation, texte

GABARIT_TYPST = "rapport_region.typ"
GABARIT_HTML = "rapport_region.html.j2"


def dossier(nom_jeu: str) -> Path:
    """`resultats/<jeu>/rapport_region/`."""
    return chemins.dossier_resultats(nom_jeu) / "rapport_region"


def cibles(nom_jeu: str) -> tuple[Path, Path]:
    """(HTML, PDF) du rapport de la région d'un jeu."""
    return dossier(nom_jeu) / f"rapport_{nom_jeu}.html", dossier(nom_jeu) / f"rapport_{nom_jeu}.pdf"


# --------------------------------------------------------------------------
# Le contenu, tiré des tableaux publiés


class _Document:
    """Les blocs du rapport dans l'ordre, tableaux et figures numérotés au fil de l'ajout."""

    def __init__(self, resultats: Path):
        self.resultats, self.blocs, self.tableaux, self.figures = resultats, [], 0, 0

    def section(self, titre: str) -> None:
        self.blocs.append({"genre": "section", "titre": titre})

    def paragraphe(self, texte_: str) -> None:
        self.blocs.append({"genre": "paragraphe", "texte": texte_})

    def liste(self, elements: list[str]) -> None:
        if elements:
            self.blocs.append({"genre": "liste", "elements": list(elements)})

    def tableau(self, legende: str, colonnes: list[str], lignes: list[list[str]], *, note: str = "",
                nombres: tuple[int, ...] = ()) -> None:
        self.tableaux += 1
        longueurs = [sum(len(str(l[k])) for l in lignes) / max(len(lignes), 1) for k in range(len(colonnes))]
        self.blocs.append({"genre": "tableau", "numero": self.tableaux, "legende": legende, "colonnes": colonnes,
                           "lignes": lignes, "note": note,
                           "largeurs": ["large" if n > 30 else "auto" for n in longueurs],
                           "alignements": ["droite" if k in nombres else "gauche" for k in range(len(colonnes))]})

    def figure(self, nom: str, legende: str) -> None:
        chemin = self.resultats / "figures" / f"{nom}.png"
        if not chemin.is_file():
            return
        self.figures += 1
        self.blocs.append({"genre": "figure", "numero": self.figures, "legende": legende, "fichier": f"{nom}.png",
                           "texte_alternatif": f"Figure {self.figures} : {legende}"})


def _lire(resultats: Path, nom: str):
    import pandas as pd

    chemin = resultats / "tableaux" / f"{nom}.csv"
    return pd.read_csv(chemin) if chemin.is_file() else None


def _case(x, decimales: int = 2, *, pourcent: bool = False) -> str:
    if texte.manquant(x):
        return "x"
    return texte.pourcentage(float(x), 0) if pourcent else texte.nombre_fr(float(x), decimales)


def _seuils(nom_jeu: str) -> dict:
    import yaml

    plan = chemins.dossier_prepare(nom_jeu) / etat_preparation.FICHIER_PLAN
    return (yaml.safe_load(plan.read_text(encoding="utf-8")) or {}).get("seuils", {})


def _territoires(doc: _Document, resultats: Path, annee_charniere) -> None:
    portraits = _lire(resultats, "portraits_territoires")
    if portraits is None:
        return
    doc.section("Les territoires comparés")
    doc.paragraphe("Le portrait de chaque territoire (MRC) reprend les indicateurs de la présentation de référence "
                   f"(Bourque, 2010) : parts des concertations créées depuis {annee_charniere}, initiées par le CISSS, une ville ou "
                   "une fondation, en enfance-jeunesse-famille ; parts des participants qui se délèguent eux-mêmes, "
                   "définissent eux-mêmes leur mandat ou font un suivi informel ; liens entre concertations.")
    territoires = list(dict.fromkeys(portraits["territoire"].astype(str)))
    lignes = []
    for indicateur, bloc in portraits.groupby("indicateur", sort=False):
        valeurs = bloc.set_index(bloc["territoire"].astype(str))
        part = (valeurs["unite"] == "proportion").all()
        lignes.append([str(bloc["libelle"].iloc[0])] + [
            _case(valeurs.loc[t, "proportion"], 1 if not part else 0, pourcent=bool(part)) if t in valeurs.index
            else "" for t in territoires])
    doc.tableau("Portraits des territoires (parts en %, taux pour 10 000 habitants)", ["Indicateur", *territoires],
                lignes, note="« x » : part supprimée pour protéger la confidentialité.",
                nombres=tuple(range(1, len(territoires) + 1)))
    doc.figure("portraits_territoires", "Parts du portrait par territoire, avec leurs intervalles à 95 %")


def _hypotheses(doc: _Document, resultats: Path, alpha: float) -> None:
    synthese = _lire(resultats, "synthese_hypotheses")
    if synthese is None:
        return
    doc.section("Les hypothèses")
    doc.paragraphe("Les hypothèses sont déclarées avant l'analyse dans le plan (carnets/plan_analyse.yml). Pour "
                   "chacune : la question, le verdict (force de la preuve, tirée de la p ajustée pour le nombre de "
                   "tests de sa famille), l'estimation publiée et son intervalle à 95 %.")
    lignes = []
    for _, r in synthese.iterrows():
        mesure = {"rapport_cotes": "rapport de cotes", "difference": "écart (points)",
                  "homogeneite": "homogénéité"}.get(str(r.get("mesure")), str(r.get("mesure", "")))
        masque = constats.verdict(r).startswith("non publié")
        estimation = "x" if masque else ("—" if texte.manquant(r.get("estimation")) else _case(r["estimation"]))
        intervalle = "x" if masque else ("—" if texte.manquant(r.get("ic_bas")) else
                                         f"[{_case(r['ic_bas'])} ; {_case(r['ic_haut'])}]")
        effectif = "x" if texte.manquant(r.get("effectif")) else texte.nombre_fr(float(r["effectif"]), 0)
        lignes.append([str(r["id"]), str(r.get("question", "")), constats.verdict(r), mesure, estimation, intervalle,
                       effectif])
    doc.tableau("Synthèse des hypothèses de la région", ["Hypothèse", "Question", "Verdict", "Mesure", "Estimation",
                                                        "IC à 95 %", "Effectif"], lignes,
                note=("Effectifs exacts. « x » : non publié, une case du tableau croisé compte trop peu "
                      "de concertations ou de personnes. Verdict : p ajustée (Benjamini-Hochberg par défaut) de "
                      f"moins de {texte.nombre_fr(alpha / 50, 3)} « forte », {texte.nombre_fr(alpha / 5, 2)} « nette », "
                      f"{texte.nombre_fr(alpha, 2)} « modérée » ; au-delà, le seuil du plan n'est pas atteint : « indice "
                      f"faible » (moins de {texte.nombre_fr(2 * alpha, 2)}), puis « aucune preuve »."),
                nombres=(4, 5, 6))
    for nom in sorted(p.stem for p in (resultats / "figures").glob("foret_*.png")):
        ident = nom.removeprefix("foret_").upper()
        doc.figure(nom, f"{ident} : rapport de cotes dans chaque territoire et rapport commun (Mantel-Haenszel)")


def _conditions(doc: _Document, resultats: Path) -> None:
    scores = _lire(resultats, "conditions_par_territoire")
    if scores is None:
        return
    doc.section("Les huit conditions favorables")
    doc.paragraphe("Les participants jugent huit conditions opérationnelles favorables à la concertation (compromis, "
                   "pouvoir comparable, prise en compte des autres concertations, leadership et soutien, analyse "
                   "collective, participation des personnes concernées, temps, évaluation collective), résumées par "
                   "un indice de 0 à 100.")
    lignes = [[str(r["territoire"]), _case(r.get("moyenne"), 1),
               "x" if texte.manquant(r.get("ic_bas")) else f"[{_case(r['ic_bas'], 1)} ; {_case(r['ic_haut'], 1)}]",
               "x" if texte.manquant(r.get("effectif")) else texte.nombre_fr(float(r["effectif"]), 0)]
              for _, r in scores.iterrows()]
    doc.tableau("L'indice des conditions favorables par territoire (0 à 100)",
                ["Territoire", "Moyenne", "IC à 95 %", "Participants"], lignes, nombres=(1, 2, 3))
    doc.figure("conditions_par_logique", "L'indice des conditions favorables selon la logique d'initiation")


def _reseau(doc: _Document, resultats: Path) -> None:
    mesures = _lire(resultats, "reseau_mesures")
    if mesures is None:
        return
    doc.section("Le réseau des concertations")
    doc.liste(constats.constats_reseau(mesures, _lire(resultats, "reseau_organisations_sollicitees")))
    lignes = [[str(r["territoire"]), _case(r.get("nb_instances"), 0), _case(r.get("densite"), 0, pourcent=True),
               _case(r.get("nb_composantes"), 0), _case(r.get("concertations_par_10000"), 1)]
              for _, r in mesures.iterrows()]
    doc.tableau("Le réseau des concertations par territoire", ["Territoire", "Concertations",
                "Paires reliées", "Composantes", "Pour 10 000 hab."], lignes, nombres=(1, 2, 3, 4))


def _methodes_limites(doc: _Document, seuils: dict, simule: bool) -> None:
    alpha = texte.nombre_fr(float(seuils.get("alpha", 0.05)), 2)
    doc.section("Méthodes")
    doc.liste([
        "Parts des concertations : intervalle de Wilson à 95 % ; parts des participants, regroupés dans leurs "
        "concertations : intervalle de plan de sondage (linéarisation par grappes, échelle logit).",
        "Associations entre deux caractéristiques des concertations : rapport de cotes de l'échantillon avec "
        "l'intervalle et la p du score de Miettinen-Nurminen, ou rapport conditionnel et test exact de Blaker "
        "quand un effectif attendu est inférieur à 5 ; entre territoires : rapport de cotes commun de "
        "Mantel-Haenszel (Wald) et homogénéité de Breslow-Day (correction de Tarone).",
        "Participants, concertations comme grappes : régressions logistiques par équations d'estimation "
        "généralisées (GEE) au sandwich corrigé de Mancl et DeRouen, t et intervalle de Student à G - 1 ddl "
        "(G concertations) ; indice des conditions : moindres carrés, erreurs types CR2 et ddl de Satterthwaite. "
        "Ces tests gardent leur niveau même quand un groupe ne compte qu'une dizaine de concertations.",
        f"Comparaisons multiples : p ajustées ({seuils.get('ajustement', 'fdr_bh')}) dans deux familles déclarées "
        "de la région (associations ; homogénéité entre territoires). Verdicts sur une échelle déclarée relative "
        f"au seuil du plan ({alpha}) : preuve forte, nette, modérée sous ce seuil ; au-delà, la phrase dit que le "
        "seuil n'est pas atteint (indice faible, puis aucune preuve). Les tests d'un territoire sont exploratoires : "
        "p non ajustées, sans verdict. Puissance : celle du test publié, de détecter un rapport de cotes de "
        f"{texte.nombre_court(float(seuils.get('rapport_cotes_puissance', 2)))} ou un écart de "
        f"{texte.nombre_court(float(seuils.get('ecart_puissance', 5)))} points de l'indice.",
        "Tout est produit par un flux reproductible (Snakemake, carnets Jupyter exécutés par papermill) à partir des "
        "fichiers bruts, dont les empreintes figurent à la fin de ce document.",
    ])
    doc.section("Limites")
    limites = [
        "Les liens sont observés, pas causaux : une caractéristique peut aller avec une autre sans la produire.",
        "Quand l'enquête recense toutes les concertations d'un territoire, les p et les intervalles se lisent comme "
        "l'incertitude du processus qui fait naître les concertations, pas comme une erreur d'échantillonnage.",
        "Les petits territoires comptent peu de concertations : une absence de preuve y dit rarement une absence de "
        "lien (la puissance de chaque test est publiée).",
        "Des nombres sont retenus pour la confidentialité : certains liens ne peuvent pas être publiés.",
    ]
    if simule:
        limites.insert(0, "Les données de ce rapport sont SIMULÉES : elles ne décrivent aucune concertation réelle.")
    doc.liste(limites)
    doc.section("Règles de confidentialité")
    seuil = seuils.get("confidentialite", 5)
    doc.liste([
        f"Tableaux d'effectifs : toute case de 1 à {int(seuil) - 1} est supprimée (« x »), ainsi que les cases qui "
        "permettraient de la retrouver par les totaux.",
        f"Parts : supprimées quand leur effectif ou leur complément compte de 1 à {int(seuil) - 1} réponses.",
        f"Statistiques d'un tableau croisé (rapport de cotes, intervalle, p) : publiées seulement si chaque case "
        f"compte 0 ou au moins {seuil}.",
        "Effectifs des tests : exacts, sous la même forme dans toute la publication (des comptes arrondis ici et exacts "
        "ailleurs se défont l'un par l'autre) ; aucun petit nombre de personnes dans une phrase.",
    ])


def _provenance(doc: _Document, nom_jeu: str, titre: str, region: str) -> None:
    import yaml

    prov = etat_preparation.provenance(nom_jeu)
    src = prov["sources"]
    doc.section("Provenance")
    doc.paragraphe("Pour reproduire ou vérifier ce rapport : le commit des sources, les versions des logiciels et "
                   "l'empreinte SHA-256 de chaque fichier lu. `make verifier` régénère tout et compare chaque fichier.")
    elements = [f"Jeu : {prov['jeu']}", f"Commit git des sources : {src['commit']}"
                + (" (sources modifiées depuis ce commit)" if src["sources_modifiees_depuis_le_commit"] else ""),
                f"Empreinte SHA-256 des sources : {src['empreinte_sha256']}", f"Plan d'analyse (SHA-256) : {prov['plan_sha256']}",
                "Versions : " + ", ".join(f"{k} {v}" for k, v in prov["versions"].items())]
    elements += [f"Fichier brut {nom} (SHA-256) : {h}" for nom, h in prov["fichiers_bruts_sha256"].items()]
    elements += [f"Données préparées {nom} (SHA-256) : {h}" for nom, h in prov["donnees_preparees_sha256"].items()]
    doc.liste(elements)
    citation = yaml.safe_load((chemins.racine() / "CITATION.cff").read_text(encoding="utf-8")) \
        if (chemins.racine() / "CITATION.cff").is_file() else {}
    auteurs = ", ".join(a.get("name") or f"{a.get('family-names', '')}, {a.get('given-names', '')}"
                        for a in citation.get("authors", [])) or "Équipe du projet"
    doc.section("Comment citer")
    doc.paragraphe(f"{auteurs}. {citation.get('title', 'Concertation')} (version {citation.get('version', '?')}), "
                   f"rapport de la région {region} : {titre}. Commit des sources {src['commit'][:12]}. "
                   f"Licence {citation.get('license', 'MIT')} (code).")
    doc.paragraphe("Citer aussi le commit complet et les empreintes ci-dessus ; les métadonnées de citation du logiciel "
                   "sont dans CITATION.cff.")


def contenu(nom_jeu: str) -> dict:
    """Le contenu du rapport de la région (blocs dans l'ordre), tiré des résultats publiés et de la provenance."""
    resultats = chemins.dossier_resultats(nom_jeu)
    meta = etat_preparation.lire_meta(nom_jeu) or {}
    descripteur = meta.get("descripteur", {})
    region, titre = str(descripteur.get("region", nom_jeu)), str(descripteur.get("titre", nom_jeu))
    simule = bool(descripteur.get("simule"))
    seuils = _seuils(nom_jeu)
    alpha = float(seuils.get("alpha", 0.05))
    synthese = _lire(resultats, "synthese_hypotheses")
    essentiel = constats.constats_hypotheses(synthese, alpha=alpha) if synthese is not None else []
    doc = _Document(resultats)
    _territoires(doc, resultats, seuils.get("annee_charniere"))
    _hypotheses(doc, resultats, alpha)
    _conditions(doc, resultats)
    _reseau(doc, resultats)
    _methodes_limites(doc, seuils, simule)
    _provenance(doc, nom_jeu, titre, region)
    return {"titre": f"Rapport de région — {region}", "sous_titre": titre, "region": region,
            "annee": str(descripteur.get("annee_enquete", "")), "source": str(descripteur.get("source", "")),
            "simule": simule, "nb_territoires": len(meta.get("territoires", {})), "essentiel": essentiel,
            "fichier_pdf": cibles(nom_jeu)[1].name, "blocs": doc.blocs}


# --------------------------------------------------------------------------
# Les deux rendus


def html(contenu_: dict, resultats: Path) -> str:
    """Le rapport en HTML (un seul fichier : images intégrées), même contenu que le PDF."""
    import jinja2

    environnement = jinja2.Environment(loader=jinja2.FileSystemLoader(chemins.PAQUET / "gabarits"),
                                       autoescape=True, trim_blocks=True, lstrip_blocks=True,
                                       undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    images = {b["fichier"]: base64.b64encode((resultats / "figures" / b["fichier"]).read_bytes()).decode()
              for b in contenu_["blocs"] if b["genre"] == "figure"}
    return environnement.get_template(GABARIT_HTML).render(c=contenu_, images=images)


def pdf(contenu_: dict, resultats: Path) -> bytes:
    """Le rapport en PDF, composé par Typst (paquet `typst`) dans un dossier de travail temporaire : le gabarit,
    le contenu en JSON et les figures. Polices embarquées seulement (`ignore_system_fonts`) et aucune date : les
    mêmes octets sur toute machine."""
    import typst

    with tempfile.TemporaryDirectory(prefix="rapport_region_") as travail:
        racine = Path(travail)
        shutil.copy2(chemins.PAQUET / "gabarits" / GABARIT_TYPST, racine / "rapport.typ")
        (racine / "contenu.json").write_text(json.dumps(contenu_, ensure_ascii=False, sort_keys=True),
                                             encoding="utf-8")
        for bloc in contenu_["blocs"]:
            if bloc["genre"] == "figure":
                shutil.copyfile(resultats / "figures" / bloc["fichier"], racine / bloc["fichier"])
        return typst.compile(str(racine / "rapport.typ"), root=str(racine), ignore_system_fonts=True)


def ecrire_rapport_region(jeu: str | Path, cible_html: str | Path | None = None,
                          cible_pdf: str | Path | None = None) -> tuple[Path, Path]:
    """Écrit le rapport de la région d'un jeu (HTML et PDF) ; à appeler une fois les carnets exécutés."""
    nom = chemins.dossier_jeu(jeu).name
    defaut_html, defaut_pdf = cibles(nom)
    resultats = chemins.dossier_resultats(nom)
    contenu_ = contenu(nom)
    ecrit_html = ecriture.ecrire_texte(html(contenu_, resultats), cible_html or defaut_html)
    ecrit_pdf = ecriture.ecrire_octets(pdf(contenu_, resultats), cible_pdf or defaut_pdf)
    return ecrit_html, ecrit_pdf
