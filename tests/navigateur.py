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
  `two-sided`, `-0,0`, `[ ; ]` dans le texte visible.

Le navigateur est le Chromium du système (`/usr/bin/chromium`) : Playwright
n'en télécharge jamais.
"""

from __future__ import annotations

import functools
import http.server
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
}


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


@contextmanager
def navigateur(profil: Path):
    """Contexte Playwright sur le Chromium du système, avec un profil neuf dans `profil`."""
    from playwright.sync_api import sync_playwright

    executable = CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")
    with sync_playwright() as p:
        contexte = p.chromium.launch_persistent_context(
            str(profil), executable_path=executable, headless=True, args=ARGUMENTS, viewport=FENETRE)
        try:
            yield contexte
        finally:
            contexte.close()


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


def examiner_site(contexte, base: str, accueil: str = "index.html", *,
                  captures: Path | None = None) -> tuple[list[Defaut], list[str]]:
    """Ouvre l'accueil puis chaque page HTML locale qui en est liée (de proche en proche).

    Chaque lien local est demandé : une réponse 404 est un lien cassé.
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
        for lien in liens:
            if lien not in verifies:
                verifies[lien] = contexte.request.head(lien).status
            if verifies[lien] >= 400:
                defauts.append(Defaut(unquote(url[len(base):]), "lien cassé",
                                      f"{unquote(lien[len(base):])} (réponse {verifies[lien]})"))
            elif urlparse(lien).path.endswith((".html", "/")) and lien not in ouvertes:
                a_ouvrir.append(lien)
    return defauts, [unquote(u[len(base):]) for u in ouvertes]
