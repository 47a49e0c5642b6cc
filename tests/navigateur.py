"""Contrôles des rapports HTML dans un vrai navigateur (Chromium piloté par Playwright).

Utilisé par `test_navigateur.py` (sur les rapports versionnés et sur de petites
pages piégées). Chaque page ouverte est examinée ; un `Defaut` nomme la page,
la nature du défaut et le texte ou l'adresse en cause :

- lien cassé : un lien local vers une page ou un fichier absent (404) ;
- image non chargée : `naturalWidth == 0` une fois la page chargée ;
- tableau trop large : plus large que la fenêtre et hors de tout conteneur
  défilant (ancêtre en `overflow-x: auto` ou `scroll`) ;
- erreur console : `console.error`, exception JavaScript, ressource en échec ;
- ressource externe : la page demande un fichier hors du dossier servi (un
  rapport doit se lire hors ligne ; la requête est bloquée, jamais envoyée) ;
- texte de remplissage : `<NA>`, `nan`, `None`, `True`, `False`, `[Figure`,
  `two-sided`, `-0,0`, `[ ; ]`, le texte anglais de nbconvert (« No description
  has been provided… ») et la plomberie des carnets (« Tableau enregistré : »)
  dans le texte visible.

Avec `lecteur=True` (rapports publiés), ce qu'un lecteur doit trouver :

- l'essentiel : un bloc `.essentiel` en tête, qui ne nomme aucune statistique
  (`STATISTIQUES` : p, IC, khi-deux, ddl, Wald, Mantel-Haenszel…) ;
- des légendes numérotées : chaque tableau et chaque image dans une figure dont
  la légende commence par « Tableau N. » ou « Figure N. » ;
- un texte de remplacement français à chaque image ;
- rien ne déborde à 390 px sur un téléphone (page déclarée `viewport`, aucune
  largeur au-delà de l'écran hors d'un conteneur défilant).

Le navigateur est le Chromium du système (`/usr/bin/chromium`) : Playwright
n'en télécharge jamais.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

CHROMIUM = "/usr/bin/chromium"
ARGUMENTS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync"]
FENETRE = {"width": 1280, "height": 800}

# Texte de remplissage : mots entiers quand c'est un mot, sinon la suite exacte.
REMPLISSAGE = {
    "<NA>": re.compile(r"<NA>"),
    "nan": re.compile(r"(?<![\w-])nan(?![\w-])", re.IGNORECASE),
    "None": re.compile(r"(?<![\w-])None(?![\w-])"),
    "True": re.compile(r"(?<![\w-])True(?![\w-])"),
    "False": re.compile(r"(?<![\w-])False(?![\w-])"),
    "[Figure": re.compile(r"\[Figure"),
    "two-sided": re.compile(r"two-sided", re.IGNORECASE),
    # zéro négatif (-0, -0,0, −0,00…), mais pas -0,05
    "-0,0": re.compile(r"(?<![\w,.])[-−‑]0(?:[,.]0+)?(?![\d,.]*[1-9])(?!\d)"),
    "[ ; ]": re.compile(r"\[\s*;\s*\]"),
    "texte anglais": re.compile(r"No description has been provided|Untitled|\bOut\[\d*\]|\bIn \[\d*\]"),
    "Tableau enregistré": re.compile(r"Tableau enregistré\s*:"),
}
# Noms de statistiques, interdits dans l'essentiel (les détails viennent après).
STATISTIQUES = re.compile(
    r"\bp\s*[<=>≤]|\bp ajustée|\bIC\b|intervalle de confiance|khi|χ|\bddl\b|\bWald\b|Mantel|Haenszel|Breslow|"
    r"Tarone|Wilson|svyciprop|Miettinen|Blaker|\bGEE\b|Cronbach|\balpha\b|rapport de cotes|\bRC\b|\btest\b|"
    r"statistique|écart[- ]type|Benjamini|Hochberg|Fisher|\bFDR\b|linéarisation|\bz\b", re.IGNORECASE)
LARGEUR_TELEPHONE = 390
TELEPHONE = {"viewport": {"width": LARGEUR_TELEPHONE, "height": 844}, "is_mobile": True, "device_scale_factor": 1,
             "has_touch": True}


@dataclass(frozen=True)
class Defaut:
    page: str     # chemin de la page, relatif au dossier servi
    nature: str
    detail: str

    def __str__(self) -> str:
        return f"{self.page} : {self.nature} : {self.detail}"


def textes_de_remplissage(texte: str, *, contexte: int = 40) -> list[tuple[str, str]]:
    """(motif, extrait) pour chaque texte de remplissage trouvé dans `texte`."""
    trouves = []
    for nom, motif in REMPLISSAGE.items():
        for m in motif.finditer(texte):
            extrait = texte[max(0, m.start() - contexte):m.end() + contexte]
            trouves.append((nom, " ".join(extrait.split())))
    return trouves


def resume(defauts: list[Defaut]) -> str:
    """Une ligne par page et par nature de défaut : nombre, premier exemple."""
    groupes: dict[tuple[str, str], list[str]] = {}
    for d in defauts:
        groupes.setdefault((d.page, d.nature), []).append(d.detail)
    return "\n".join(f"{page} : {nature} ({len(details)} fois), p. ex. : {details[0]}"
                     for (page, nature), details in groupes.items())


def chromium_disponible() -> str | None:
    """None si Playwright et Chromium sont là ; sinon la raison, en français."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright pour Python n'est pas installé (pip install playwright)."
    if not Path(CHROMIUM).is_file() and not shutil.which("chromium"):
        return f"Chromium est introuvable ({CHROMIUM}) ; l'installer : apt-get install -y chromium."
    return None


def exiger_chromium() -> None:
    """Sans Chromium : échec en intégration continue (`CI=true`), test sauté ailleurs, avec la raison."""
    import pytest

    raison = chromium_disponible()
    if raison:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Navigateur requis en intégration continue : {raison}")
        pytest.skip(f"Test dans un navigateur sauté : {raison}")


@contextmanager
def navigateurs():
    """(contexte à 1 280 px, contexte d'un téléphone à 390 px) sur un même Chromium du système, profils neufs."""
    from playwright.sync_api import sync_playwright

    executable = CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, headless=True, args=ARGUMENTS)
        try:
            yield chromium.new_context(viewport=FENETRE), chromium.new_context(**TELEPHONE)
        finally:
            chromium.close()


class _Silencieux(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextmanager
def servir(dossier: Path):
    """Sert `dossier` sur 127.0.0.1 (port libre) ; donne l'adresse de base, avec `/` final."""
    gestionnaire = functools.partial(_Silencieux, directory=str(dossier))
    serveur = http.server.ThreadingHTTPServer(("127.0.0.1", 0), gestionnaire)
    fil = threading.Thread(target=serveur.serve_forever, daemon=True)
    fil.start()
    try:
        yield f"http://127.0.0.1:{serveur.server_address[1]}/"
    finally:
        serveur.shutdown()
        serveur.server_close()


_EXAMEN = """() => {
  const largeur = document.documentElement.clientWidth;
  const defilant = (el) => {
    for (let a = el.parentElement; a; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX;
      if (o === 'auto' || o === 'scroll') return true;
    }
    return false;
  };
  const tableaux = [];
  for (const t of document.querySelectorAll('table')) {
    const r = t.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if ((t.scrollWidth > largeur || r.right > largeur + 1) && !defilant(t)) {
      tableaux.push(`${Math.round(Math.max(t.scrollWidth, r.right))} px > ${largeur} px : `
                    + (t.innerText || '').trim().split('\\n')[0].slice(0, 80));
    }
  }
  const images = Array.from(document.images)
    .filter(i => !i.complete || i.naturalWidth === 0)
    .map(i => (i.getAttribute('src') || '').slice(0, 80) + (i.alt ? ` (alt : ${i.alt.slice(0, 60)})` : ''));
  const liens = Array.from(document.querySelectorAll('a[href]')).map(a => a.href);
  return {tableaux, images, liens, texte: document.body ? document.body.innerText : ''};
}"""


_LECTURE = """() => {
  const essentiel = document.querySelector('.essentiel');
  const legende = (f) => { const c = f.querySelector('figcaption'); return c ? c.innerText.trim() : ''; };
  const sansLegende = [];
  for (const t of document.querySelectorAll('table')) {
    const f = t.closest('figure');
    if (!f || !/^Tableau \\d+\\./.test(legende(f))) sansLegende.push('tableau : ' + (t.innerText || '').trim().slice(0, 60));
  }
  for (const i of document.images) {
    const f = i.closest('figure');
    if (!f || !/^Figure \\d+\\./.test(legende(f))) sansLegende.push('image : ' + (i.alt || i.src.slice(0, 40)));
  }
  const alts = Array.from(document.images).map(i => i.getAttribute('alt') || '');
  return {essentiel: essentiel ? essentiel.innerText : null, sansLegende, alts};
}"""

_TELEPHONE = """() => {
  const largeur = document.documentElement.clientWidth;
  const defilant = (el) => {
    for (let a = el.parentElement; a; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
    }
    return false;
  };
  const trop = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= largeur + 1 || defilant(el)) continue;
    trop.push(`${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ')[0] : ''} `
              + `jusqu'à ${Math.round(r.right)} px : ` + (el.innerText || el.getAttribute('alt') || '').trim().slice(0, 50));
    if (trop.length >= 5) break;
  }
  return {largeur, defile: document.documentElement.scrollWidth, trop};
}"""

ALT_ANGLAIS = re.compile(r"No description|has been provided|^\s*$", re.IGNORECASE)


def examiner_lecture(contexte, contexte_telephone, url: str, nom: str) -> list[Defaut]:
    """Ce qu'un lecteur doit trouver dans un rapport publié (voir l'en-tête du module)."""
    defauts = []
    page = contexte.new_page()
    page.goto(url, wait_until="load")
    lecture = page.evaluate(_LECTURE)
    page.close()
    if lecture["essentiel"] is None:
        defauts.append(Defaut(nom, "essentiel absent", "aucun bloc « L'essentiel » (.essentiel)"))
    else:
        for m in STATISTIQUES.finditer(lecture["essentiel"]):
            extrait = lecture["essentiel"][max(0, m.start() - 40):m.end() + 40]
            defauts.append(Defaut(nom, "statistique nommée dans l'essentiel", " ".join(extrait.split())))
    for element in lecture["sansLegende"]:
        defauts.append(Defaut(nom, "légende numérotée absente", element))
    for alt in lecture["alts"]:
        if ALT_ANGLAIS.search(alt) or not re.match(r"(Figure|Tableau) \d+ : \w", alt):
            defauts.append(Defaut(nom, "texte de remplacement absent ou non français", alt[:80] or "(vide)"))
    if contexte_telephone is not None:
        page = contexte_telephone.new_page()
        page.goto(url, wait_until="load")
        mesure = page.evaluate(_TELEPHONE)
        page.close()
        if mesure["largeur"] != LARGEUR_TELEPHONE:
            defauts.append(Defaut(nom, f"débordement à {LARGEUR_TELEPHONE} px", f"mise en page sur {mesure['largeur']} px "
                                  "(la page ne déclare pas de viewport)"))
        elif mesure["defile"] > mesure["largeur"] + 1 or mesure["trop"]:
            defauts.append(Defaut(nom, f"débordement à {LARGEUR_TELEPHONE} px", f"page large de {mesure['defile']} px ; "
                                  + " ; ".join(mesure["trop"])))
    return defauts


def _locale(url: str, base: str) -> bool:
    return url.startswith(base)


def examiner_page(contexte, url: str, base: str, *, captures: Path | None = None) -> tuple[list[Defaut], list[str]]:
    """Ouvre `url` et renvoie (défauts, liens locaux trouvés, sans ancre)."""
    nom = unquote(url[len(base):]) or "index.html"
    defauts: list[Defaut] = []
    page = contexte.new_page()

    def bloquer(route) -> None:
        demande = route.request.url
        if _locale(demande, base) or demande.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            defauts.append(Defaut(nom, "ressource externe", demande[:120]))
            route.abort()

    page.route("**/*", bloquer)
    page.on("console", lambda m: m.type == "error" and not m.text.startswith("Failed to load resource")
            and defauts.append(Defaut(nom, "erreur console", m.text[:200])))
    page.on("pageerror", lambda e: defauts.append(Defaut(nom, "erreur console", f"exception JavaScript : {e}"[:200])))
    page.on("requestfailed", lambda r: _locale(r.url, base)
            and defauts.append(Defaut(nom, "erreur console", f"ressource en échec : {unquote(r.url[len(base):])}")))
    page.on("response", lambda r: r.status >= 400 and r.url != url
            and defauts.append(Defaut(nom, "erreur console", f"ressource en erreur {r.status} : {unquote(r.url[len(base):])}")))
    reponse = page.goto(url, wait_until="load")
    if reponse is None or reponse.status >= 400:
        page.close()
        return [Defaut(nom, "lien cassé", f"la page elle-même répond {reponse.status if reponse else 'rien'}")], []
    page.wait_for_timeout(100)  # laisser passer les erreurs émises juste après « load »
    resultat = page.evaluate(_EXAMEN)
    if captures is not None:
        cible = captures / (re.sub(r"[^\w.-]+", "_", nom) + ".png")
        page.screenshot(path=str(cible), full_page=True)
    page.close()
    for t in resultat["tableaux"]:
        defauts.append(Defaut(nom, "tableau trop large, hors d'un conteneur défilant", t))
    for i in resultat["images"]:
        defauts.append(Defaut(nom, "image non chargée", i))
    for motif, extrait in textes_de_remplissage(resultat["texte"]):
        defauts.append(Defaut(nom, f"texte de remplissage « {motif} »", extrait))
    liens = []
    for lien in resultat["liens"]:
        sans_ancre = urldefrag(lien).url
        if _locale(sans_ancre, base) and sans_ancre != url:
            liens.append(sans_ancre)
        elif urlparse(lien).scheme == "file":
            defauts.append(Defaut(nom, "lien cassé", f"lien vers un fichier local absolu : {lien}"))
    return defauts, sorted(set(liens))


def examiner_site(contexte, base: str, accueil: str = "index.html", *, captures: Path | None = None,
                  lecteur: bool = False, contexte_telephone=None) -> tuple[list[Defaut], list[str]]:
    """Ouvre l'accueil puis chaque page HTML locale qui en est liée (de proche en proche).

    Chaque lien local est demandé : une réponse 404 est un lien cassé. Avec `lecteur`, chaque page est
    aussi examinée comme un rapport publié (`examiner_lecture`), à 390 px dans `contexte_telephone`.
    Renvoie (défauts, pages ouvertes).
    """
    a_ouvrir, ouvertes, verifies, defauts = [base + accueil], [], {}, []
    while a_ouvrir:
        url = a_ouvrir.pop(0)
        if url in ouvertes:
            continue
        ouvertes.append(url)
        trouves, liens = examiner_page(contexte, url, base, captures=captures)
        defauts += trouves
        if lecteur:
            defauts += examiner_lecture(contexte, contexte_telephone, url, unquote(url[len(base):]) or "index.html")
        for lien in liens:
            if lien not in verifies:
                verifies[lien] = contexte.request.head(lien).status
            if verifies[lien] >= 400:
                defauts.append(Defaut(unquote(url[len(base):]), "lien cassé",
                                      f"{unquote(lien[len(base):])} (réponse {verifies[lien]})"))
            elif urlparse(lien).path.endswith((".html", "/")) and lien not in ouvertes:
                a_ouvrir.append(lien)
    return defauts, [unquote(u[len(base):]) for u in ouvertes]
