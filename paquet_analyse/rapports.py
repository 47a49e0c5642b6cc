"""Les rapports HTML des carnets exécutés (nbconvert, sans le code) et la page d'index d'un jeu.

Couche d'orchestration, sous le flux : le serveur de noyaux chauds s'en sert
aussi (ses exécuteurs écrivent le rapport de leur carnet).
"""

from __future__ import annotations

import copy
import functools
import html
import re
from pathlib import Path

from . import chemins, ecriture, execution


def rapport_html(carnet: str | Path, cible: str | Path) -> Path:
    """Rapport HTML d'un carnet exécuté, sans les cellules de code (nbconvert)."""
    import nbformat

    nb = nbformat.read(carnet, as_version=4)
    territoire = nb.metadata.get("papermill", {}).get("parameters", {}).get("territoire")
    titre = execution.titre_du_carnet(Path(carnet).stem) + (f" — {territoire}" if territoire else "")
    return ecriture.ecrire_texte(html_du_carnet(nb, titre), cible)


def html_du_carnet(nb, titre: str) -> str:
    """Le rapport HTML (gabarit `gabarits/rapport`) d'un carnet déjà lu, mis en page pour le lecteur
    (`mettre_en_page`) puis muni de son sommaire (`remplir_sommaire`)."""
    corps, _ = _exportateur().from_notebook_node(mettre_en_page(nb, titre), resources={"metadata": {"name": titre}})
    return remplir_sommaire(corps)


# --------------------------------------------------------------------------
# Mise en page d'un carnet exécuté pour son rapport (le carnet lui-même ne change pas)

# Un paragraphe Markdown que `remplir_sommaire` remplace par le sommaire, une fois les ancres des titres connues.
MARQUE_SOMMAIRE = "SOMMAIRE-DU-RAPPORT"


def _html(sortie) -> str:
    return "".join(sortie.get("data", {}).get("text/html", "")) if sortie.get("output_type") in (
        "display_data", "execute_result") else ""


def _a_la_classe(cellule, classe: str) -> bool:
    return any(f'class="{classe}"' in _html(s) for s in cellule.get("outputs", []))


def _titre_de_section(cellule) -> str | None:
    """Le texte d'un titre de section (« ## … » ou « ### … ») en tête d'une cellule Markdown, sinon None."""
    if cellule.cell_type != "markdown":
        return None
    premiere = cellule.source.lstrip().split("\n", 1)[0]
    trouve = re.match(r"#{2,3}\s+(.*)", premiere)
    return trouve.group(1).strip() if trouve else None


def _inutile(sortie) -> bool:
    """Une sortie que le rapport ne montre pas : `carnet.Vide` (rien à dire), une note « Non disponible » (la
    variable facultative absente est dite en tête du rapport, et la section qui n'a qu'elle est omise), ou un
    simple titre Markdown écrit par une cellule de code (« ## Territoire : … », que le titre du rapport dit déjà)."""
    if 'class="vide"' in _html(sortie):
        return True
    donnees = sortie.get("data", {})
    markdown = "".join(donnees.get("text/markdown", ""))
    if not markdown or "text/html" in donnees:
        return False
    return markdown.startswith("> **Non disponible**") or re.fullmatch(r"#{1,3} [^\n]*\n?", markdown) is not None


def _png_en_figure(sortie):
    """Une image PNG brute (hors `carnet.publier`) devient une figure à légende, comme les autres."""
    donnees = sortie.get("data", {})
    if "image/png" not in donnees or "text/html" in donnees:
        return sortie
    sortie = copy.deepcopy(sortie)
    png = "".join(donnees["image/png"]).replace("\n", "")
    sortie["data"] = {"text/html": f'<figure class="figure"><img alt="" style="max-width:100%;height:auto" '
                                   f'src="data:image/png;base64,{png}"><figcaption class="legende"></figcaption>'
                                   "</figure>", "text/plain": "Figure"}
    return sortie


def _numeroter(cellules) -> None:
    """Numérote les tableaux et les figures dans l'ordre du rapport (« Tableau 3. », « Figure 2. ») ; une
    légende vide prend le titre de sa section ; le texte de remplacement d'une image reprend sa légende."""
    comptes = {"tableau": 0, "figure": 0}
    section = ""

    def numero(m):
        genre, contenu = m.group(1), m.group(2)
        comptes[genre] += 1
        legende = re.search(r'<figcaption class="legende">(.*?)</figcaption>', contenu, re.S)
        texte = legende.group(1).strip() if legende else ""
        texte = texte or html.escape(section) or ("Tableau" if genre == "tableau" else "Figure")
        etiquette = f"{'Tableau' if genre == 'tableau' else 'Figure'} {comptes[genre]}"
        nouvelle = f'<figcaption class="legende"><span class="numero">{etiquette}.</span> {texte}</figcaption>'
        contenu = (contenu[:legende.start()] + nouvelle + contenu[legende.end():]) if legende else nouvelle + contenu
        contenu = re.sub(r'alt="[^"]*"', f'alt="{etiquette} : {html.escape(html.unescape(texte), quote=True)}"', contenu,
                         count=1)
        return f'<figure class="{genre}">{contenu}</figure>'

    for cellule in cellules:
        titre = _titre_de_section(cellule)
        if titre:
            section = titre
        for sortie in cellule.get("outputs", []):
            code = _html(sortie)
            if '<figure class="' in code:
                sortie["data"]["text/html"] = re.sub(r'<figure class="(tableau|figure)">(.*?)</figure>', numero,
                                                     code, flags=re.S)


def mettre_en_page(nb, titre: str):
    """Le carnet tel que le lecteur doit le lire (une copie ; le carnet exécuté ne change pas) :

    - le titre du registre des carnets (pas « 02 — … »), et l'introduction méthodologique du modèle déplacée
      dans une section « Méthode » avant la fin ;
    - l'essentiel (`carnet.essentiel`) juste après le bandeau, où qu'il soit calculé, puis le sommaire ;
    - ni les sorties `carnet.Vide`, ni les sections qui n'ont plus rien à montrer ;
    - les tableaux et les figures numérotés, avec leur légende ;
    - la provenance (`carnet.colophon`) en dernière section.
    """
    nb = copy.deepcopy(nb)
    cellules = list(nb.cells)
    methode = None
    if cellules and cellules[0].cell_type == "markdown" and cellules[0].source.lstrip().startswith("# "):
        intro = cellules[0].source.lstrip().split("\n", 1)
        cellules[0].source = f"# {titre}"
        if len(intro) > 1 and intro[1].strip():
            methode = _markdown("## Méthode\n\n" + intro[1].strip(), "rapport-methode")
    for cellule in cellules:
        if cellule.cell_type == "code":
            cellule.outputs = [_png_en_figure(s) for s in cellule.get("outputs", []) if not _inutile(s)]
    essentiels = [c for c in cellules if c.cell_type == "code" and _a_la_classe(c, "essentiel")]
    cellules = [c for c in cellules if not any(c is e for e in essentiels)]
    bandeau = next((i for i, c in enumerate(cellules) if c.cell_type == "code" and c.get("outputs")), 0)
    cellules[bandeau + 1:bandeau + 1] = [*essentiels, _markdown(MARQUE_SOMMAIRE, "rapport-sommaire")]
    cellules = _sans_sections_vides(cellules)
    if methode is not None:
        fin = next((i for i, c in enumerate(cellules) if c.cell_type == "markdown" and c.source.strip() == "---"),
                   next((i for i, c in enumerate(cellules) if _a_la_classe(c, "provenance")), len(cellules)))
        cellules.insert(fin, methode)
    _numeroter(cellules)
    nb.cells = cellules
    return nb


def _markdown(source: str, ident: str):
    """Une cellule Markdown ajoutée au rapport, à identifiant fixe (octets reproductibles)."""
    import nbformat

    cellule = nbformat.v4.new_markdown_cell(source)
    cellule["id"] = ident
    return cellule


def _sans_sections_vides(cellules) -> list:
    """Retire chaque section (d'un titre « ## » au suivant, ou à la ligne « --- ») dont les cellules de code
    n'ont plus aucune sortie : une section sans rien à montrer n'apparaît pas dans le rapport."""
    gardees, section = [], []

    def vider():
        codes = [c for c in section[1:] if c.cell_type == "code"]
        if not (codes and all(not c.get("outputs") for c in codes)):
            gardees.extend(section)
        section.clear()

    for cellule in cellules:
        debut = cellule.cell_type == "markdown" and (cellule.source.lstrip().startswith("## ")
                                                     or cellule.source.strip() == "---")
        if debut:
            if section:
                vider()
            section.append(cellule)
        elif section:
            section.append(cellule)
        else:
            gardees.append(cellule)
    if section:
        vider()
    return gardees


def remplir_sommaire(page: str) -> str:
    """Remplace la marque du sommaire par la liste des sections (titres « ## » du rapport, avec leurs ancres)."""
    marque = f"<p>{MARQUE_SOMMAIRE}</p>"
    if marque not in page:
        return page
    entrees = []
    for ancre, contenu in re.findall(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', page, flags=re.S):
        if ancre == "essentiel":
            continue  # juste au-dessus du sommaire
        texte = re.sub(r"<[^>]+>", "", re.sub(r'<a class="anchor-link".*?</a>', "", contenu, flags=re.S)).strip()
        entrees.append(f'<li><a href="#{ancre}">{texte}</a></li>')
    sommaire = ('<nav class="sommaire" aria-label="Sommaire"><p class="titre-sommaire">Sommaire</p><ol>'
                + "".join(entrees) + "</ol></nav>") if len(entrees) > 1 else ""
    return page.replace(marque, sommaire, 1)


@functools.lru_cache(maxsize=1)
def _exportateur():
    """Un seul exportateur par processus : ses gabarits Jinja sont compilés au premier rapport (0,2 à 0,3 s à
    chaque fois sinon), et le serveur de noyaux chauds le donne tout compilé à ses exécuteurs. Un rapport ne
    laisse rien dans l'exportateur qui change le suivant (vérifié par les tests : mêmes octets)."""
    from nbconvert import HTMLExporter

    return HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                        extra_template_basedirs=[str(chemins.PAQUET / "gabarits")], template_name="rapport",
                        language_code="fr")


#: Ce que chaque rapport apporte au lecteur, pour la page d'accueil (un carnet absent d'ici n'a que son titre).
DESCRIPTIONS = {
    "01_validation_donnees": "combien de concertations et de participants, par territoire ; ce qui est écarté",
    "04_comparaison_territoires": "les territoires côte à côte, et toutes les hypothèses de la région",
    "05_conditions_favorables": "les huit conditions favorables à la concertation, par territoire et selon qui l'a lancée",
    "06_reseau_concertations": "les concertations reliées par les organisations qui siègent à plusieurs tables",
    "07_puissance": "combien de tables enquêter par MRC pour voir un lien de la taille prévue",
    "modele_carnet": "un exemple d'analyse, point de départ d'un nouveau carnet",
}


def essentiel_de_la_region(nom_jeu: str) -> list[str]:
    """L'essentiel de la région (`constats`), tiré du tableau publié des hypothèses (vide s'il n'existe pas)."""
    import pandas as pd
    import yaml

    from . import constats, etat_preparation

    tableau = chemins.dossier_resultats(nom_jeu) / "tableaux" / "synthese_hypotheses.csv"
    plan = chemins.dossier_prepare(nom_jeu) / etat_preparation.FICHIER_PLAN
    if not tableau.is_file() or not plan.is_file():
        return []
    alpha = float((yaml.safe_load(plan.read_text(encoding="utf-8")) or {}).get("seuils", {}).get("alpha", 0.05))
    return constats.constats_hypotheses(pd.read_csv(tableau), alpha=alpha)


def ecrire_index(*, titre: str, simule: bool, territoires: dict, cible: str | Path, essentiel: list[str] = (),
                 rapport_region: list[str] = ()) -> Path:
    """Page d'accueil des rapports (gabarit Jinja2 `gabarits/index.html.j2`) : l'essentiel de la région, son
    rapport à remettre (`rapport_region` : liens relatifs), puis les rapports ; `territoires` : nom sûr -> nom."""
    import jinja2

    environnement = jinja2.Environment(loader=jinja2.FileSystemLoader(chemins.PAQUET / "gabarits"),
                                       autoescape=True, trim_blocks=True, lstrip_blocks=True,
                                       undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    page = environnement.get_template("index.html.j2").render(
        titre=titre, simule=simule, essentiel=list(essentiel), rapport_region=list(rapport_region),
        region=[(f"rapports/{c.nom}.html", c.titre, DESCRIPTIONS.get(c.nom, ""))
                for c in execution.CARNETS if c.portee != "territoire"],
        par_territoire=[(nom, [(f"rapports/territoires/{sur}/{c.nom}.html", c.titre)
                               for c in execution.carnets("territoire")])
                        for sur, nom in territoires.items()],
    )
    return ecriture.ecrire_texte(page, cible)
