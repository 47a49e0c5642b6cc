"""Les rapports HTML des carnets exécutés (nbconvert, sans le code) et la page d'index d'un jeu.

Couche d'orchestration, sous le flux : le serveur de noyaux chauds s'en sert
aussi (ses exécuteurs écrivent le rapport de leur carnet).
"""

from __future__ import annotations

import functools
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
    """Le rapport HTML (gabarit `gabarits/rapport`) d'un carnet déjà lu."""
    corps, _ = _exportateur().from_notebook_node(nb, resources={"metadata": {"name": titre}})
    return corps


@functools.lru_cache(maxsize=1)
def _exportateur():
    """Un seul exportateur par processus : ses gabarits Jinja sont compilés au premier rapport (0,2 à 0,3 s à
    chaque fois sinon), et le serveur de noyaux chauds le donne tout compilé à ses exécuteurs. Un rapport ne
    laisse rien dans l'exportateur qui change le suivant (vérifié par les tests : mêmes octets)."""
    from nbconvert import HTMLExporter

    return HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                        extra_template_basedirs=[str(chemins.PAQUET / "gabarits")], template_name="rapport",
                        language_code="fr")


def ecrire_index(*, titre: str, simule: bool, territoires: dict, cible: str | Path) -> Path:
    """Page d'accueil des rapports (gabarit Jinja2 `gabarits/index.html.j2`) : `territoires` : nom sûr -> nom."""
    import jinja2

    environnement = jinja2.Environment(loader=jinja2.FileSystemLoader(chemins.PAQUET / "gabarits"),
                                       autoescape=True, trim_blocks=True, lstrip_blocks=True,
                                       undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    page = environnement.get_template("index.html.j2").render(
        titre=titre, simule=simule,
        region=[(f"rapports/{c.nom}.html", c.titre) for c in execution.CARNETS if c.portee != "territoire"],
        par_territoire=[(nom, [(f"rapports/territoires/{sur}/{c.nom}.html", c.titre)
                               for c in execution.carnets("territoire")])
                        for sur, nom in territoires.items()],
    )
    return ecriture.ecrire_texte(page, cible)
