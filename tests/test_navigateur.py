"""Les rapports HTML versionnés, ouverts dans un vrai navigateur (Chromium).

D'abord les contrôles eux-mêmes (`navigateur.py`) : chacun doit attraper un
défaut planté dans une petite page, et une page propre doit passer. Puis les
rapports de `resultats/lanaudiere/` : l'index et chaque rapport qui en est lié.

Sans Playwright ou sans Chromium, ces tests sont sautés avec la raison ; en
intégration continue (`CI=true`), c'est un échec : la CI installe Chromium.
"""

from __future__ import annotations

import base64
import os
import tempfile
import time
from pathlib import Path

import pytest

import navigateur
from navigateur import Defaut

RACINE = Path(__file__).resolve().parents[1]
RESULTATS = RACINE / "resultats" / "lanaudiere"

# Une image PNG de 1 × 1 pixel.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


@pytest.fixture(scope="module")
def contexte(tmp_path_factory):
    raison = navigateur.chromium_disponible()
    if raison:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Navigateur requis en intégration continue : {raison}")
        pytest.skip(f"Test dans un navigateur sauté : {raison}")
    with navigateur.navigateur(tmp_path_factory.mktemp("profil_chromium")) as ctx:
        yield ctx


# --------------------------------------------------------------------------
# Le texte de remplissage (sans navigateur)


@pytest.mark.parametrize("texte, motif", [
    ("Effectif : <NA>", "<NA>"), ("p = nan", "nan"), ("valeur NaN ici", "nan"), ("Territoire : None", "None"),
    ("citoyens_membres True", "True"), ("False", "False"), ("[Figure 1]", "[Figure"),
    ("test two-sided", "two-sided"), ("écart de -0,0 point", "-0,0"), ("écart −0,00", "-0,0"),
    ("IC 95 % [ ; ]", "[ ; ]"), ("IC [;]", "[ ; ]"),
])
def test_texte_de_remplissage_trouve(texte, motif):
    assert [m for m, _ in navigateur.textes_de_remplissage(texte)] == [motif]


@pytest.mark.parametrize("texte", [
    "Nanterre et Nantes", "écart de -0,05 point", "−0,3", "2010-0 n'est pas un nombre ici", "[0,12 ; 0,40]",
    "Noneuf", "Truemann", "IC 95 % [1,2 ; 3,4]", "0,0 %", "1-0",
])
def test_texte_ordinaire_accepte(texte):
    assert navigateur.textes_de_remplissage(texte) == []


# --------------------------------------------------------------------------
# Les contrôles dans le navigateur, sur des pages piégées

PROPRE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Propre</title></head>
<body style="margin:0"><h1>Rapport propre</h1>
<p><a href="autre.html">Autre page</a> · <a href="#bas">en bas</a> · <a href="donnees.csv">données</a></p>
<img src="point.png" alt="un point">
<table><tr><th>Territoire</th><th>Part</th></tr><tr><td>Joliette</td><td>42,0 %</td></tr></table>
<div style="overflow-x:auto"><table style="width:3000px"><tr><td>Large mais défilant</td></tr></table></div>
<p id="bas">IC 95 % [0,12 ; 0,40], écart -0,05.</p>{piege}
</body></html>"""

PIEGES = {
    "lien cassé": '<a href="absente.html">page absente</a>',
    "image non chargée": '<img src="introuvable.png" alt="image absente">',
    "tableau trop large, hors d'un conteneur défilant": '<table style="width:3000px"><tr><td>Trop large</td></tr></table>',
    "erreur console": '<script>console.error("quelque chose a échoué")</script>',
    "ressource externe": '<script src="https://cdn.example.org/bibliotheque.js"></script>',
    "texte de remplissage « <NA> »": "<p>Effectif : &lt;NA&gt;</p>",
    "texte de remplissage « nan »": "<p>p = nan</p>",
    "texte de remplissage « None »": "<p>Territoire : None</p>",
    "texte de remplissage « True »": "<table><tr><td>True</td></tr></table>",
    "texte de remplissage « False »": "<p>False</p>",
    "texte de remplissage « [Figure »": "<p>[Figure : portrait]</p>",
    "texte de remplissage « two-sided »": "<p>test two-sided</p>",
    "texte de remplissage « -0,0 »": "<p>écart de -0,0 point</p>",
    "texte de remplissage « [ ; ] »": "<p>IC 95 % [ ; ]</p>",
}
# Une image absente, c'est aussi une requête en 404, que la console signale.
ACCOMPAGNE = {"image non chargée": {"erreur console"}}


def _site(dossier: Path, piege: str) -> Path:
    dossier.mkdir(parents=True)
    (dossier / "index.html").write_text(PROPRE.format(piege=piege), encoding="utf-8")
    (dossier / "autre.html").write_text('<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Autre'
                                        '</title></head><body><p>Autre page.</p></body></html>', encoding="utf-8")
    (dossier / "point.png").write_bytes(PNG)
    (dossier / "donnees.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    return dossier


def test_page_propre_sans_defaut(contexte, tmp_path):
    with navigateur.servir(_site(tmp_path / "propre", "")) as base:
        defauts, pages = navigateur.examiner_site(contexte, base)
    assert defauts == []
    assert pages == ["index.html", "autre.html"]  # le lien local vers une page est suivi


@pytest.mark.parametrize("nature", list(PIEGES))
def test_chaque_defaut_plante_est_trouve(contexte, tmp_path, nature):
    with navigateur.servir(_site(tmp_path / "piege", PIEGES[nature])) as base:
        defauts, _ = navigateur.examiner_site(contexte, base)
    natures = {d.nature for d in defauts}
    assert nature in natures, f"défaut planté non trouvé : {nature} ; trouvé : {[str(d) for d in defauts]}"
    assert natures <= {nature} | ACCOMPAGNE.get(nature, set()), [str(d) for d in defauts]
    assert all(d.page == "index.html" for d in defauts)


def test_page_liee_absente_est_un_lien_casse(contexte, tmp_path):
    dossier = _site(tmp_path / "sans_autre", "")
    (dossier / "autre.html").unlink()
    with navigateur.servir(dossier) as base:
        defauts, _ = navigateur.examiner_site(contexte, base)
    assert defauts == [Defaut("index.html", "lien cassé", "autre.html (réponse 404)")]


# --------------------------------------------------------------------------
# Les rapports versionnés


def test_rapports_versionnes_sans_defaut(contexte):
    """L'index et chaque rapport lié : liens, images, tableaux, console, texte visible."""
    debut = time.perf_counter()
    captures = Path(tempfile.mkdtemp(prefix="captures_rapports_"))
    print(f"\nCaptures d'écran des pages : {captures}")
    with navigateur.servir(RESULTATS) as base:
        defauts, pages = navigateur.examiner_site(contexte, base, captures=captures)
    print(f"{len(pages)} page(s) ouvertes en {time.perf_counter() - debut:.1f} s.")
    assert "index.html" in pages and len(pages) >= 2, pages
    assert len(list(captures.glob("*.png"))) == len(pages)
    assert not defauts, f"{len(defauts)} défaut(s) dans les rapports :\n{navigateur.resume(defauts)}"
