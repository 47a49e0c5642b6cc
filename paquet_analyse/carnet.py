"""Outils d'affichage pour les carnets : bandeau, tableaux, figures, texte, colophon.

Les carnets restent minces : une cellule = un appel ici ou dans un module
d'analyse. Tout ce qui s'affiche est déterministe (nombres arrondis, aucun
horodatage, aucun chemin absolu) pour que nbval retrouve les mêmes sorties.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from . import chemins, etat_preparation, sorties, texte
from .affichage import EN_TETES, VALEURS, Image, Markdown  # noqa: F401 (appelés dans les carnets : carnet.Markdown)


def dossier_sortie(nom_jeu: str) -> Path:
    return chemins.dossier_resultats(nom_jeu)


def bandeau(jeu) -> Markdown:
    """Première information d'un carnet : données simulées ou non, source, année, et la
    provenance en une ligne (jeu, commit des sources, empreinte des données préparées)."""
    import hashlib

    d = jeu.descripteur
    prov = etat_preparation.provenance(jeu.nom)
    donnees = hashlib.sha256("".join(f"{n}={h}\n" for n, h in sorted(prov["donnees_preparees_sha256"].items()))
                             .encode()).hexdigest()
    statut = "**SIMULÉES**" if jeu.simule else "réelles"
    if jeu.simule:
        tete = ("> **⚠ Données SIMULÉES.** Aucune de ces réponses ne vient d'une vraie enquête : "
                "elles servent à faire tourner et à vérifier la chaîne d'analyse. Les résultats ci-dessous "
                "ne décrivent aucune concertation réelle.")
    else:
        tete = "> Données d'enquête réelles."
    return Markdown(f"{tete}\n>\n> **{d.get('titre')}** — région : {d.get('region')} ; enquête "
                    f"{d.get('annee_enquete')} ; source : {d.get('source')}\n>\n"
                    f"> Jeu `{jeu.nom}` (données {statut}) ; commit des sources `{prov['sources']['commit'][:12]}` ; "
                    f"empreinte des données préparées `{donnees[:12]}` (détail dans le colophon).")


COLONNES_VARIABLES = ("exposition", "issue", "item", "variable")  # valeurs = noms de variables
COLONNES_P = ("p_valeur", "p_ajustee", "p_tarone", "p_breslow_day", "p", "p_q")
DECIMALES_COLONNES = {"puissance": 2, "ddl": 0, "nb_grappes": 0, "max_organisations_partagees": 0,
                      "moyenne": 1, "ecart_type": 1, "moyenne_1": 2, "moyenne_2": 2, "heures_mois_total": 1,
                      "concertations_par_10000": 2, "densite": 3, "part_instances_isolees": 3, "i2": 0,
                      "poids_meta": 1, "tau2": 3, "k": 0}


#: Colonnes d'estimation d'un rapport de cotes : infini (ou nul) s'y lit « non estimable (case nulle) ».
COLONNES_RAPPORTS = ("estimation", "rapport_cotes")


def _texte_valeur(colonne: str, valeur, decimales: int) -> str:
    from . import dictionnaire

    if texte.manquant(valeur):
        return ""
    if isinstance(valeur, (bool,)) or type(valeur).__name__ == "bool_":
        return "Oui" if valeur else "Non"
    if colonne in COLONNES_P:
        return texte.p_court(float(valeur))
    if isinstance(valeur, str):
        if colonne in VALEURS:
            return VALEURS[colonne].get(valeur, valeur)
        if colonne in COLONNES_VARIABLES:
            return dictionnaire.libelle(valeur).split(" (")[0]  # libellé court : le tableau reste lisible
        try:
            if dictionnaire.variable(colonne).est_code:
                return dictionnaire.libelle_code(colonne, valeur)
        except KeyError:
            pass
        return valeur
    if isinstance(valeur, (int,)) or type(valeur).__name__.startswith(("int", "uint")):
        # un identifiant numérique (graine, année, rang) s'écrit sans séparateur de milliers
        return str(int(valeur)) if colonne in ("graine", "annee_creation", "rang") else texte.nombre_fr(int(valeur), 0)
    x = float(valeur)
    if colonne in COLONNES_RAPPORTS and (x == float("inf") or (x == 0 and colonne == "rapport_cotes")):
        return "non estimable (case nulle)"  # rapport de cotes infini ou nul : une case nulle
    if x in (float("inf"), float("-inf")):
        return "∞" if x > 0 else "-∞"  # borne d'IC non bornée (jamais « inf »)
    if x.is_integer() and abs(x) >= 1000:
        return texte.nombre_fr(x, 0)
    return texte.nombre_fr(x, DECIMALES_COLONNES.get(colonne, decimales))


def _en_tete(colonne) -> str:
    from . import dictionnaire

    colonne = str(colonne)
    if colonne in EN_TETES:
        return EN_TETES[colonne]
    libelle = dictionnaire.libelle(colonne)
    if libelle != colonne:
        return libelle
    # un identifiant technique (snake_case) se lit en clair ; un nom propre (territoire) reste tel quel
    return colonne.replace("_", " ").capitalize() if re.fullmatch(r"[a-z0-9_]+", colonne) else colonne


def _numerique(texte_case: str) -> bool:
    """Une case qui se lit comme un nombre (alignée à droite) : « 12,3 », « < 0,001 », « 45 % », « x »."""
    t = texte_case.replace("\u202f", " ").replace("\xa0", " ").strip()
    return t in ("", "x", "—") or re.fullmatch(r"[<>≈−+-]?\s?[\d\s]+(,\d+)?\s?%?", t) is not None


def _insecable(en_tete: str) -> str:
    """Un en-tête court ne se coupe pas (« IC 95 % haut » sur une ligne) ; un long se coupe entre les mots."""
    return en_tete.replace(" ", "\u00a0") if len(en_tete) <= 16 else en_tete


class Tableau:
    """Un tableau pour le lecteur : en-têtes et valeurs en français, sans index
    technique, défilant horizontalement s'il est large ; « x » pour une valeur
    supprimée (confidentialité), note en dessous ; colonnes de texte alignées à
    gauche, de nombres à droite ; légende (numérotée dans le rapport HTML).
    Rendu déterministe (nbval)."""

    def __init__(self, cases: pd.DataFrame, *, index: bool, note: str = "", legende: str = ""):
        self.cases, self.index, self.note, self.legende = cases, index, note, legende

    def _repr_html_(self) -> str:
        import html

        colonnes = list(self.cases.columns)
        numeriques = [len(self.cases) > 0 and all(_numerique(str(v)) for v in self.cases.iloc[:, k])
                      for k in range(len(colonnes))]
        longues = [len(self.cases) > 0 and self.cases.iloc[:, k].astype(str).str.len().mean() > 40
                   for k in range(len(colonnes))]
        classe = lambda num, long=False: "nombre" if num else "texte long" if long else "texte"  # noqa: E731
        tete = ['<th class="texte">' + html.escape(_insecable(str(self.cases.index.name or ""))) + "</th>"] \
            if self.index else []
        tete += [f'<th class="{classe(n, g)}">{html.escape(_insecable(str(c)))}</th>'
                 for c, n, g in zip(colonnes, numeriques, longues)]
        lignes = []
        for etiquette, (_, ligne) in zip(self.cases.index, self.cases.iterrows()):
            cases = [f'<th class="texte">{html.escape(str(etiquette))}</th>'] if self.index else []
            cases += [f'<td class="{classe(n, g)}">{html.escape(str(v))}</td>'
                      for v, n, g in zip(ligne, numeriques, longues)]
            lignes.append("<tr>" + "".join(cases) + "</tr>")
        corps = (f'<table class="tableau-resultats"><thead><tr>{"".join(tete)}</tr></thead>'
                 f'<tbody>{"".join(lignes)}</tbody></table>')
        note = f'<p class="note"><small>{html.escape(self.note)}</small></p>' if self.note else ""
        return (f'<figure class="tableau"><figcaption class="legende">{html.escape(self.legende)}</figcaption>'
                f'<div class="tableau-defilant" style="overflow-x:auto;max-width:100%">{corps}</div>{note}</figure>')

    def __repr__(self) -> str:
        tete = f"{self.legende}\n" if self.legende else ""
        return tete + self.cases.to_string(index=self.index) + (f"\n{self.note}" if self.note else "")


class Vide:
    """Ce qu'affiche une section sans rien à montrer (tableau sans ligne, résultats tous retenus) : une
    note discrète dans le carnet, rien dans le rapport HTML (une section qui n'a que cela en est retirée)."""

    def __init__(self, raison: str):
        self.raison = raison

    def _repr_html_(self) -> str:
        import html

        return f'<p class="vide"><small>{html.escape(self.raison)}</small></p>'

    def __repr__(self) -> str:
        return self.raison


class Essentiel:
    """L'essentiel d'un rapport : quelques phrases simples (`constats`), sans nom de statistique. Le rapport HTML
    le place en tête, après le bandeau."""

    def __init__(self, phrases, titre: str = "L'essentiel"):
        self.phrases, self.titre = [str(p) for p in phrases], titre

    def _repr_html_(self) -> str:
        import html

        items = "".join(f"<li>{html.escape(p)}</li>" for p in self.phrases)
        return (f'<section class="essentiel"><h2 id="essentiel">{html.escape(self.titre)}</h2>'
                f"<ul>{items}</ul></section>")

    def __repr__(self) -> str:
        return self.titre + "\n" + "\n".join(f"- {p}" for p in self.phrases)


def essentiel(phrases, *, titre: str = "L'essentiel") -> Essentiel:
    """Le bloc « L'essentiel » d'un carnet, à partir des phrases de `constats` (une note s'il n'y en a pas)."""
    if type(phrases).__name__ == "NonDisponible":
        return Essentiel([texte.majuscule(phrases.message)], titre)
    return Essentiel(phrases, titre)


def montrer(tableau, *, decimales: int = 2, legende: str = ""):
    """Tableau prêt à lire : libellés du dictionnaire au lieu des codes, booléens en
    Oui/Non, nombres à la française (p < 0,001 plutôt qu'en notation scientifique),
    parts en %, cellules supprimées marquées « x ».

    `tableau` : DataFrame ou `confidentialite.TableauProtege`. Affichage
    seulement : les tableaux publiés gardent leurs nombres. `legende` : le titre
    du tableau (numéroté « Tableau 1 », « Tableau 2 »… dans le rapport HTML ; sans
    légende, le titre de sa section). Un tableau sans ligne donne `Vide`.
    """
    from . import dictionnaire
    from .confidentialite import TableauProtege

    if type(tableau).__name__ == "NonDisponible":
        return tableau
    masque, note = None, ""
    if isinstance(tableau, TableauProtege):
        valeurs, masque, note, marque = tableau.valeurs, tableau.masque, tableau.note, tableau.marque
    else:
        valeurs, marque = tableau, "x"
    if len(valeurs) == 0:
        return Vide("Aucune ligne à montrer.")
    valeurs = valeurs.copy()
    for code in ("indicateur", "item"):  # le libellé remplace le code qu'il traduit
        if "libelle" in valeurs.columns and code in valeurs.columns:
            valeurs = valeurs.drop(columns=code).rename(columns={"libelle": code})
            masque = masque.drop(columns=code).rename(columns={"libelle": code}) if masque is not None else None
    pourcent = (valeurs["unite"] == "proportion").to_numpy() if "unite" in valeurs.columns else None
    colonnes_textes = {}  # un DataFrame construit d'un coup : colonne par colonne, pandas avertit au-delà de 100
    for colonne in valeurs.columns:
        serie = valeurs[colonne].astype(object)
        textes = []
        for k, v in enumerate(serie):
            if pourcent is not None and pourcent[k] and isinstance(v, float) and not texte.manquant(v):
                textes.append(texte.pourcentage(float(v)).replace(" %", ""))
            else:
                textes.append(_texte_valeur(str(colonne), v, decimales))
        if masque is not None and colonne in masque.columns:
            textes = [marque if m else t for t, m in zip(textes, masque[colonne].to_numpy(dtype=bool))]
        colonnes_textes[colonne] = textes
    cases = pd.DataFrame(colonnes_textes, index=valeurs.index, columns=list(valeurs.columns))
    # un index nommé (territoire, modalités) se montre ; un simple numéro de ligne, jamais
    avec_index = valeurs.index.name is not None or not pd.api.types.is_integer_dtype(valeurs.index)
    if avec_index:
        nom = valeurs.index.name
        cases.index = [dictionnaire.libelle_code(nom, v) if nom else str(v) for v in valeurs.index]
        cases.index.name = _en_tete(nom) if nom else None
    codees = valeurs.columns.name  # colonnes qui sont les modalités d'une variable (tableau croisé)
    cases.columns = [dictionnaire.libelle_code(codees, c) if codees else _en_tete(c) for c in valeurs.columns]
    if "unite" in valeurs.columns:
        cases = cases.drop(columns=_en_tete("unite")).assign(**{"Unité": [
            "%" if u == "proportion" else str(u) for u in valeurs["unite"]]})
    return Tableau(cases, index=avec_index, note=note, legende=legende)


class Figure:
    """Une figure publiée, dans le carnet et le rapport : l'image PNG (ses octets sont exactement ceux du fichier
    écrit), son texte de remplacement français et sa légende (numérotée « Figure 1 »… dans le rapport HTML)."""

    def __init__(self, octets: bytes, nom: str, legende: str):
        self.octets, self.nom, self.legende = octets, nom, legende

    def _repr_html_(self) -> str:
        import base64
        import html

        texte_alt = html.escape(f"Figure : {self.legende}", quote=True)
        return (f'<figure class="figure"><img alt="{texte_alt}" style="max-width:100%;height:auto" '
                f'src="data:image/png;base64,{base64.b64encode(self.octets).decode()}">'
                f'<figcaption class="legende">{html.escape(self.legende)}</figcaption></figure>')

    def __repr__(self) -> str:
        return f"Figure : {self.legende} ({self.nom})"


def titre_de_figure(figure) -> str:
    """Le titre d'une figure matplotlib (titre général, sinon celui du premier graphique), sur une ligne."""
    titre = figure.get_suptitle()
    if not titre:
        titre = next((ax.get_title() for ax in figure.axes if ax.get_title()), "")
    return " ".join(titre.split())


def publier(objet, nom_jeu: str, nom: str, *, legende: str = ""):
    """Diffuse un tableau protégé (`tableaux/<nom>.csv`) ou une figure protégée
    (`figures/<nom>.png`) par la frontière `sorties.publier`.

    Un tableau diffusé n'affiche rien (il est montré par `montrer`) ; une figure
    s'affiche avec sa légende (`legende`, sinon le titre de la figure) et un
    texte de remplacement français. Un tableau ou une figure non protégés sont
    refusés (`ErreurConfidentialite`).
    """
    import matplotlib.pyplot as plt

    from .confidentialite import FigureProtegee

    if type(objet).__name__ == "NonDisponible":
        return objet  # rien à diffuser : la note s'affiche à la place
    dossier = "figures" if isinstance(objet, FigureProtegee) else "tableaux"
    suffixe = ".png" if dossier == "figures" else ".csv"
    if dossier == "figures":
        from . import figures

        figures.franciser(objet.figure)  # virgule décimale sur les graduations ordinaires
        legende = legende or titre_de_figure(objet.figure)
    cible = sorties.publier(objet, dossier_sortie(nom_jeu) / dossier / f"{nom}{suffixe}")
    if dossier == "tableaux":
        return None  # le fichier est écrit ; le lecteur lit le tableau montré
    plt.close(objet.figure)
    return Figure(cible.read_bytes(), chemins.relatif(cible), legende or nom)


class Galerie:
    """Plusieurs figures affichées l'une sous l'autre, chacune avec sa légende."""

    def __init__(self, images: list):
        self.images = list(images)

    def _repr_html_(self) -> str:
        return "\n".join(i._repr_html_() for i in self.images)

    def __repr__(self) -> str:
        return "\n".join(repr(i) for i in self.images)


def publier_figures(figures, nom_jeu: str):
    """Diffuse chaque (nom, FigureProtegee) et les affiche toutes (une note s'il n'y en a aucune)."""
    images = [publier(fig, nom_jeu, nom) for nom, fig in figures]
    return Galerie(images) if images else Vide("Aucune figure : l'analyse n'est pas disponible pour ce jeu.")


def paragraphes(phrases) -> Markdown:
    if type(phrases).__name__ == "NonDisponible":
        return Markdown(phrases._repr_markdown_())
    return Markdown("\n\n".join(p._repr_markdown_() if type(p).__name__ == "NonDisponible" else str(p)
                                 for p in phrases))


class Colophon:
    """La provenance d'un rapport, repliée dans une section finale (`<details>`) : les empreintes SHA-256 se
    coupent où il faut sur un téléphone. En texte brut (nbval, terminal), la même liste."""

    def __init__(self, titre: str, lignes: list[str]):
        self.titre, self.lignes = titre, lignes

    def _repr_html_(self) -> str:
        import html

        def element(ligne: str) -> str:
            texte_ = html.escape(ligne.lstrip(" -"))
            texte_ = re.sub(r"`([^`]+)`", r'<code class="empreinte">\1</code>', texte_)
            return f"<li>{texte_}</li>"

        items, sous = [], []
        for ligne in self.lignes:
            if ligne.startswith("  - "):
                sous.append(element(ligne))
                continue
            if sous:
                items[-1] = items[-1].removesuffix("</li>") + f"<ul>{''.join(sous)}</ul></li>"
                sous = []
            items.append(element(ligne))
        if sous:
            items[-1] = items[-1].removesuffix("</li>") + f"<ul>{''.join(sous)}</ul></li>"
        return (f'<section class="provenance"><h2 id="provenance">{html.escape(self.titre)}</h2><details>'
                "<summary>Jeu, commit des sources, versions et empreintes SHA-256 des fichiers (pour "
                f"reproduire ou vérifier ce rapport)</summary><ul>{''.join(items)}</ul></details></section>")

    def __repr__(self) -> str:
        return "\n".join([f"### {self.titre}", "", *self.lignes])


def colophon(jeu) -> Colophon:
    """Dernière cellule : versions, commit des sources, empreintes des fichiers bruts
    et des données préparées (lues dans le jeu préparé), dans une section finale repliée."""
    prov = etat_preparation.provenance(jeu.nom)
    versions = ", ".join(f"{k} {v}" for k, v in prov["versions"].items())
    src = prov["sources"]
    modifie = " (sources modifiées depuis ce commit)" if src["sources_modifiees_depuis_le_commit"] else ""
    if src.get("fichiers_non_versionnes"):
        modifie += f" ({src['fichiers_non_versionnes']} fichier(s) non versionné(s), par ex. de nouvelles données)"
    lignes = [
        f"- Jeu : `{prov['jeu']}`" + (" — données SIMULÉES" if jeu.simule else ""),
        f"- Commit git des sources : `{src['commit']}`{modifie}",
        f"- Empreinte SHA-256 des sources : `{src['empreinte_sha256']}`",
        f"- Plan d'analyse (SHA-256) : `{prov['plan_sha256']}`",
        f"- Versions : {versions}",
        "- Fichiers bruts (SHA-256) :",
    ]
    lignes += [f"  - `{nom}` : `{h}`" for nom, h in prov["fichiers_bruts_sha256"].items()]
    lignes.append("- Données préparées (SHA-256) :")
    lignes += [f"  - `{nom}` : `{h}`" for nom, h in prov["donnees_preparees_sha256"].items()]
    return Colophon("Provenance", lignes)


def tableau_hypotheses(protege, *, legende: str = ""):
    """Le tableau publié des hypothèses (`hypotheses.vue_resultats` protégé), avec la question et le verdict
    de chaque hypothèse en tête : « preuve forte », « aucune preuve », « non publié (confidentialité) »…

    Le verdict est tiré des seules valeurs publiées (`constats.verdict`) : une p supprimée ne donne aucun
    verdict, seulement la raison.
    """
    from dataclasses import replace

    from . import constats

    if type(protege).__name__ == "NonDisponible":
        return protege
    valeurs, masque = protege.valeurs.copy(), protege.masque.copy()
    verdicts = [constats.verdict(ligne) for _, ligne in valeurs.iterrows()]
    position = list(valeurs.columns).index("id") + 1 if "id" in valeurs.columns else 0
    if "question" in valeurs.columns:
        ordre = [c for c in valeurs.columns if c != "question"]
        ordre.insert(position, "question")
        valeurs, masque = valeurs[ordre], masque[ordre]
        position += 1
    valeurs.insert(position, "verdict", verdicts)
    masque.insert(position, "verdict", False)
    return montrer(replace(protege, valeurs=valeurs, masque=masque), legende=legende)


def residus(croise):
    """La lecture des résidus d'un croisement (`diffusion.croisement`) ; `Vide` quand aucun n'est publié (chaque
    ligne ou colonne a une case supprimée) : la section n'a alors rien à dire et le rapport l'omet."""
    if type(croise).__name__ == "NonDisponible":
        return croise
    if croise.residus.isna().all().all():
        return Vide(croise.phrase)
    return paragraphes([croise.phrase])


def nom_sur(texte: str) -> str:
    """Nom de fichier sûr pour un territoire (voir `chemins.nom_sur`)."""
    return chemins.nom_sur(texte)


def lignes_exclues(rapport):
    """Les lignes laissées hors de l'analyse par les exclusions de jeu.yml, avec leur motif (fichier,
    ligne, identifiant), ou une phrase s'il n'y en a aucune. Les fichiers bruts restent intacts."""
    tableau = rapport.lignes_exclues()
    if tableau.empty:
        return Markdown("Aucune ligne n'est exclue de l'analyse : toutes les lignes lues sont analysées.")
    affiche = montrer(tableau)
    affiche.note = (f"{len(tableau)} ligne(s) exclue(s) de l'analyse par les exclusions déclarées dans jeu.yml "
                    "(clé exclusions) ; les fichiers bruts ne sont pas modifiés.")
    return affiche


def conclusion_validation(rapport) -> Markdown:
    """Bilan de la validation, en une phrase tirée du rapport."""
    n_err, n_avert, n_info = len(rapport.erreurs), len(rapport.avertissements), len(rapport.informations)
    if rapport.valide:
        texte = "Le jeu est **valide** : aucune erreur."
        if n_avert:
            texte += (f" {n_avert} avertissement(s) : une correspondance de `jeu.yml` ne s'applique pas aux "
                      "fichiers (colonne ou étiquette déclarée absente) ; voir le rapport.")
        if rapport.exclusions:
            texte += (f" {len(rapport.exclusions)} ligne(s) exclue(s) de l'analyse par les exclusions de `jeu.yml` "
                      "(liste ci-dessous).")
        if n_info - len(rapport.exclusions) > 0:
            texte += (f" {n_info - len(rapport.exclusions)} information(s) à lire (colonnes écartées, "
                      "remarques).")
        return Markdown(texte + " L'analyse peut se poursuivre.")
    return Markdown(f"Le jeu n'est **pas valide** : {n_err} erreur(s). Les corriger dans les fichiers "
                    "bruts ou dans `jeu.yml` (correspondance), puis relancer le flux.")


def note_disponibilite(donnees) -> Markdown:
    """Une phrase sur les variables facultatives absentes du jeu (rien si toutes sont là)."""
    if not donnees.jeu.variables_absentes:
        return Markdown("Toutes les variables facultatives du livre de codes sont présentes dans ce jeu.")
    noms = ", ".join(f"« {v} »" for v in donnees.jeu.variables_absentes)
    return Markdown(f"Variables facultatives absentes de ce jeu (ou sans aucune valeur) : {noms}. Les analyses "
                    "qui en ont besoin sont omises (dans le carnet, une note « Non disponible » le dit à leur place) ; "
                    "toutes les autres sont faites.")


def bandeau_conception(conception) -> Markdown:
    """Bandeau du carnet de planification (07) : celui du jeu s'il a des données préparées ; sinon, avant la
    collecte, ce que le carnet simule et pourquoi (plan déclaré, ou plan par défaut)."""
    if conception.donnees is not None:
        return bandeau(conception.donnees.jeu)
    quoi = ("l'enquête prévue, déclarée dans le plan d'analyse (section enquete_prevue)" if conception.source == "plan"
            else "le plan PAR DÉFAUT (six MRC du jeu simulé de Lanaudière)")
    return Markdown(f"> **Avant la collecte.** Le jeu `{conception.jeu}` n'a pas encore de données préparées : les "
                    f"courbes ci-dessous simulent {quoi}. Tous les jeux de ce carnet sont **SIMULÉS**.")


def colophon_conception(conception) -> Markdown:
    """Colophon du carnet de planification : celui du jeu préparé, sinon versions et commit des sources."""
    from . import provenance

    if conception.donnees is not None:
        return colophon(conception.donnees.jeu)
    src = provenance.commit_sources()
    versions = ", ".join(f"{k} {v}" for k, v in provenance.versions().items())
    return Markdown("\n".join(["### Colophon", "", f"- Jeu : `{conception.jeu}` (pas encore de données préparées)",
                               f"- Plan simulé : {conception.source}", f"- Commit git des sources : `{src['commit']}`",
                               f"- Versions : {versions}"]))
