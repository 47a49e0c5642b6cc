"""Les rapports HTML versionnés, ouverts dans un vrai navigateur (Chromium).

D'abord les contrôles eux-mêmes (`navigateur.py`) : chacun doit attraper un
défaut planté dans une petite page, et une page propre doit passer. Puis les
rapports de `resultats/lanaudiere/` : l'index et chaque rapport qui en est lié.

Sans Playwright ou sans Chromium, ces tests sont sautés avec la raison ; en
intégration continue (`CI=true`), c'est un échec : la CI installe Chromium.
"""

from __future__ import annotations

import base64
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
def contextes_lecteur():
    """(1 280 px, téléphone à 390 px) sur un seul Chromium pour tout le module (une seule instance de Playwright)."""
    navigateur.exiger_chromium()
    with navigateur.navigateurs() as contextes:
        yield contextes


@pytest.fixture(scope="module")
def contexte(contextes_lecteur):
    return contextes_lecteur[0]


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


def test_rapports_versionnes_sans_defaut(contextes_lecteur):
    """L'index et chaque rapport lié (rapport de la région compris) : liens, images, tableaux, console, texte
    visible ; et lus comme un lecteur : l'essentiel sans nom de statistique, des légendes numérotées, un texte
    de remplacement français, rien qui déborde à 390 px. (Le jeu de l'Outaouais passe le même examen sur un
    flux neuf : test_region_outaouais.py.)"""
    bureau, telephone = contextes_lecteur
    debut = time.perf_counter()
    captures = Path(tempfile.mkdtemp(prefix="captures_rapports_"))
    print(f"\nCaptures d'écran des pages : {captures}")
    with navigateur.servir(RESULTATS) as base:
        defauts, pages = navigateur.examiner_site(bureau, base, captures=captures, lecteur=True,
                                                  contexte_telephone=telephone)
    print(f"{len(pages)} page(s) ouvertes en {time.perf_counter() - debut:.1f} s.")
    assert "index.html" in pages and "rapport_region/rapport_lanaudiere.html" in pages and len(pages) >= 10, pages
    assert len(list(captures.glob("*.png"))) == len(pages)
    assert not defauts, f"{len(defauts)} défaut(s) dans les rapports :\n{navigateur.resume(defauts)}"


# --------------------------------------------------------------------------
# Ce qu'un lecteur doit trouver dans un rapport publié (lecteur=True)

LECTEUR = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">{viewport}<title>Rapport</title></head>
<body style="margin:0;padding:8px"><h1>Rapport</h1>
<section class="essentiel"><h2>L'essentiel</h2><ul><li>{essentiel}</li></ul></section>
<figure><figcaption>{legende_tableau}</figcaption><div style="overflow-x:auto"><table><tr><th>Territoire</th><th>Part</th></tr>
<tr><td>Joliette</td><td>42,0 %</td></tr></table></div></figure>
<figure><img src="point.png" alt="{alt}" style="width:200px"><figcaption>Figure 1. Un point</figcaption></figure>
{piege}
</body></html>"""
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
PROPRE_LECTEUR = {"viewport": VIEWPORT, "essentiel": "Les concertations descendantes ont plus souvent aucun citoyen à la table.",
                  "legende_tableau": "Tableau 1. Parts par territoire", "alt": "Figure 1 : Un point", "piege": ""}
PIEGES_LECTEUR = {
    "essentiel absent": {"essentiel": None},
    "statistique nommée dans l'essentiel": {"essentiel": "Lien net (p = 0,004 ; IC à 95 % de 1,5 à 5,0)."},
    "légende numérotée absente": {"legende_tableau": "Parts par territoire"},
    "texte de remplacement absent ou non français": {"alt": "No description has been provided for this image"},
    "débordement à 390 px": {"piege": '<div style="width:900px">Trop large pour un téléphone</div>'},
    "sans viewport": {"viewport": ""},
}


def _site_lecteur(dossier: Path, **changements) -> Path:
    valeurs = {**PROPRE_LECTEUR, **changements}
    page = LECTEUR.format(**{k: v or "" for k, v in valeurs.items()})
    if valeurs["essentiel"] is None:
        page = page.replace('<section class="essentiel"><h2>L\'essentiel</h2><ul><li></li></ul></section>', "")
    dossier.mkdir(parents=True)
    (dossier / "index.html").write_text(page, encoding="utf-8")
    (dossier / "point.png").write_bytes(PNG)
    return dossier


def test_rapport_lisible_sans_defaut(contextes_lecteur, tmp_path):
    bureau, telephone = contextes_lecteur
    with navigateur.servir(_site_lecteur(tmp_path / "propre")) as base:
        defauts, _ = navigateur.examiner_site(bureau, base, lecteur=True, contexte_telephone=telephone)
    assert defauts == [], [str(d) for d in defauts]


@pytest.mark.parametrize("nature", list(PIEGES_LECTEUR))
def test_chaque_defaut_de_lecture_est_trouve(contextes_lecteur, tmp_path, nature):
    bureau, telephone = contextes_lecteur
    with navigateur.servir(_site_lecteur(tmp_path / "piege", **PIEGES_LECTEUR[nature])) as base:
        defauts, _ = navigateur.examiner_site(bureau, base, lecteur=True, contexte_telephone=telephone)
    attendue = "débordement à 390 px" if nature == "sans viewport" else nature
    assert {d.nature for d in defauts} == {attendue}, [str(d) for d in defauts]


@pytest.mark.parametrize("texte", ["No description has been provided for this image", "Tableau enregistré : resultats/x.csv"])
def test_texte_anglais_et_plomberie_trouves(texte):
    assert navigateur.textes_de_remplissage(texte)
