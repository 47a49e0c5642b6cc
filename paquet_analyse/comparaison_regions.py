"""Comparer des régions par ce qu'elles publient : le lien est-il le même partout ?

Chaque équipe garde ses microdonnées ; elle envoie le résumé publiable de sa
région (`resume_region`, un paquet de données Frictionless). Ce module :

1. trouve les résumés reçus (dossier `resultats/<jeu>/`, dossier
   `resume_region/`, ou leur archive `.zip` / `.tar.gz`) et les vérifie tous
   à la fois : intégrité (SHA-256 déclarés, manifeste joint), schéma, valeurs
   déduites, puis compatibilité (mêmes définitions d'hypothèses et de
   variables dérivées, même version du dictionnaire) ; un problème est dit en
   français, avec le résumé, le fichier, ce qui diffère et comment corriger ;
2. méta-analyse chaque hypothèse entre régions (`meta_analyse.combiner` :
   effets aléatoires REML et intervalle de Hartung-Knapp, τ², I²,
   intervalle de prédiction ; effet fixe en sensibilité) sur les seules
   estimations publiées et combinables (une estimation supprimée ou non
   publiée est écartée, et la note le dit) ;
3. écrit les phrases « le lien est-il le même partout ? » à partir des
   nombres, et les graphiques en forêt par région ;
4. quand une équipe détient les microdonnées de plusieurs régions, offre à
   côté une analyse groupée stratifiée (`analyse_groupee`).

Couche « publication » : ne lit que des résumés publiés (et, pour l'analyse
groupée seulement, des jeux préparés locaux) ; écrit par `sorties.publier`.
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from . import (associations, chemins, confidentialite, dictionnaire, diffusion, ecriture, figures, hypotheses,
               interpretation, meta_analyse, preparation, resume_region, texte)
from .donnees import Donnees, NonDisponible
from .erreurs import AvertissementPaquet, ErreurDonnees, ErreurResumeRegion, Probleme

TITRE = "Comparaison des régions : le lien est-il le même partout ?"
SOUS_DOSSIER_RESUMES = "resumes"
MANIFESTE = "manifeste.json"
ARCHIVES = (".zip", ".tar.gz", ".tgz", ".tar")
CORRECTION_PLAN = ("Comparer des résumés produits avec le même plan d'analyse et le même dictionnaire : relancer le "
                   "flux d'une des régions avec le plan (carnets/plan_analyse.yml) de l'autre, ou donner un autre "
                   "identifiant à l'hypothèse qui diffère.")

COLONNES_META = ["id", "famille", "question", "exposition", "issue", "mesure", "echelle", "k", "regions",
                 "regions_ecartees", "estimation", "ic_bas", "ic_haut", "statistique", "ddl", "p_valeur",
                 "p_ajustee", "estimation_echelle", "erreur_type", "tau2", "tau", "i2", "h2", "q", "ddl_q", "p_q",
                 "p_q_ajustee", "pi_bas", "pi_haut", "fixe_estimation", "fixe_ic_bas", "fixe_ic_haut",
                 "fixe_p_valeur", "estimateurs", "methode", "note"]
COLONNES_REGIONS = ["id", "region", "source", "simule", "combinable", "motif", "effectif", "estimation", "ic_bas",
                    "ic_haut", "estimation_echelle", "erreur_type", "poids_meta", "ecart_standardise"]


# --------------------------------------------------------------------------
# Trouver les résumés reçus


def _probleme(fichier: str, regle: str, message: str, correction: str, **lieu) -> Probleme:
    return Probleme(fichier=fichier, ligne=lieu.get("ligne"), colonne=lieu.get("colonne"),
                    valeur=lieu.get("valeur"), regle=regle, message=message, correction=correction)


def _refus(probleme: Probleme) -> ErreurResumeRegion:
    return ErreurResumeRegion(_message([probleme]), [probleme])


def _est_archive(chemin: Path) -> bool:
    return chemin.is_file() and chemin.name.lower().endswith(ARCHIVES)


def _lire_archive(chemin: Path, choisir) -> dict[str, bytes]:
    """Les octets des fichiers ordinaires d'une archive que `choisir(noms)` retient (noms normalisés, sans
    « ./ ») ; rien n'est extrait sur le disque, aucun chemin de l'archive n'est suivi."""
    import tarfile
    import zipfile

    if chemin.name.lower().endswith(".zip"):
        with zipfile.ZipFile(chemin) as archive:
            noms = {str(PurePosixPath(n)): n for n in archive.namelist() if not n.endswith("/")}
            return {n: archive.read(noms[n]) for n in choisir(sorted(noms))}
    with tarfile.open(chemin) as archive:
        membres = {str(PurePosixPath(m.name)): m for m in archive.getmembers() if m.isfile()}
        return {n: archive.extractfile(membres[n]).read() for n in choisir(sorted(membres))}


def _manifeste(octets: bytes, source: str) -> dict:
    try:
        lu = json.loads(octets.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _refus(_probleme(f"{source}/{MANIFESTE}", "illisible", f"manifeste illisible ({exc}).",
                               resume_region.REDEMANDER)) from None
    return lu if isinstance(lu, dict) else {}


def fichiers_entree(entree: str | Path) -> tuple[dict[str, bytes], dict | None, str]:
    """Les fichiers d'un résumé reçu, le manifeste joint (ou None) et le nom de l'entrée.

    `entree` : dossier de résultats d'un jeu (`resultats/<jeu>/`, qui contient
    `resume_region/` et `manifeste.json`), dossier `resume_region/` seul, archive
    `.zip` ou `.tar.gz` de l'un ou de l'autre, ou simple nom d'un jeu exécuté
    ici. Lève `ErreurResumeRegion` si rien n'y ressemble à un résumé.
    """
    chemin = Path(entree)
    if not chemin.exists() and len(chemin.parts) == 1 and chemins.dossier_resultats(str(entree)).is_dir():
        chemin = chemins.dossier_resultats(str(entree))
    nom = chemin.name
    if _est_archive(chemin):
        return (*_fichiers_archive(chemin), nom)
    if chemin.is_dir():
        if (chemin / resume_region.FICHIER_DESCRIPTEUR).is_file():
            # le manifeste de l'exécution : à côté du descripteur (copie d'une comparaison), ou au-dessus de
            # resume_region/ (dossier de résultats d'un jeu)
            dossier, manifeste = chemin, chemin / MANIFESTE
            if chemin.name == resume_region.DOSSIER and not manifeste.is_file():
                manifeste, nom = chemin.parent / MANIFESTE, chemin.parent.name
        elif (chemin / resume_region.DOSSIER / resume_region.FICHIER_DESCRIPTEUR).is_file():
            dossier, manifeste = chemin / resume_region.DOSSIER, chemin / MANIFESTE
        else:
            raise _refus(_probleme(
                nom, "introuvable", f"ni {resume_region.FICHIER_DESCRIPTEUR} ni {resume_region.DOSSIER}/"
                f"{resume_region.FICHIER_DESCRIPTEUR} dans ce dossier.",
                "Pour un jeu exécuté avant que le flux n'écrive les résumés, relancer le flux (python -m "
                "paquet_analyse executer donnees_brutes/<jeu>) : il écrit resultats/<jeu>/resume_region/. Sinon, "
                "donner ce sous-dossier, ou l'archive (.zip, .tar.gz) reçue d'une autre équipe."))
        fichiers = {p.name: p.read_bytes() for p in sorted(dossier.iterdir()) if p.is_file() and p.name != MANIFESTE}
        lu = _manifeste(manifeste.read_bytes(), nom) if manifeste.is_file() else None
        return fichiers, lu, nom
    raise _refus(_probleme(str(entree), "introuvable", "ni dossier, ni archive, ni jeu exécuté de ce nom.",
                           "Vérifier le chemin ; une archive doit finir par .zip, .tar.gz, .tgz ou .tar."))


def _fichiers_archive(chemin: Path) -> tuple[dict[str, bytes], dict | None]:
    trouves: dict = {}

    def choisir(noms: list[str]) -> list[str]:
        """Le dossier du seul datapackage.json de l'archive, et le manifeste au-dessus de resume_region/."""
        descripteurs = [n for n in noms if PurePosixPath(n).name == resume_region.FICHIER_DESCRIPTEUR]
        trouves["descripteurs"] = descripteurs
        if len(descripteurs) != 1:
            return []
        prefixe = PurePosixPath(descripteurs[0]).parent
        trouves["manifeste"] = str(prefixe.parent / MANIFESTE) if prefixe.name == resume_region.DOSSIER else None
        return [n for n in noms if PurePosixPath(n).parent == prefixe or n == trouves["manifeste"]]

    try:
        lus = _lire_archive(chemin, choisir)
    except Exception as exc:  # zipfile.BadZipFile, tarfile.TarError, OSError : archive illisible
        raise _refus(_probleme(chemin.name, "archive", f"archive illisible ({exc}).",
                               resume_region.REDEMANDER)) from None
    descripteurs = trouves.get("descripteurs", [])
    if len(descripteurs) != 1:
        quoi = "aucun" if not descripteurs else f"{len(descripteurs)} ({', '.join(descripteurs)})"
        raise _refus(_probleme(
            chemin.name, "archive", f"{quoi} fichier {resume_region.FICHIER_DESCRIPTEUR} dans l'archive ; il en "
            "faut exactement un.", "Envoyer une archive par région (le dossier resume_region/, ou resultats/<jeu>/)."))
    octets_manifeste = lus.pop(trouves["manifeste"], None) if trouves.get("manifeste") else None
    fichiers = {PurePosixPath(n).name: o for n, o in lus.items()}
    return fichiers, (_manifeste(octets_manifeste, chemin.name) if octets_manifeste is not None else None)


# --------------------------------------------------------------------------
# Compatibilité


def _valeur(x) -> str:
    return json.dumps(x, ensure_ascii=False, sort_keys=True) if isinstance(x, (list, dict)) else str(x)


def compatibilite(resumes: list) -> tuple[list[Probleme], list[str]]:
    """Problèmes qui empêchent de comparer ces résumés, et notes sur ce qui diffère sans l'empêcher.

    Refusé : moins de deux résumés ; le même résumé deux fois ; deux résumés de la même région et de la même
    année ; des versions du dictionnaire différentes ; une hypothèse de même identifiant définie autrement
    (`resume_region.CHAMPS_DEFINITION`) ; des variables dérivées du plan ou des seuils qui définissent des
    variables (`resume_region.SEUILS_DEFINITION`) différents. Noté : autres seuils (confidentialité,
    alpha…), libellé d'une question, contenu du dictionnaire à version égale, empreintes de plan différentes.
    """
    problemes, notes = [], []
    if len(resumes) < 2:
        problemes.append(_probleme("(entrées)", "nombre", f"{len(resumes)} résumé valide ; il en faut au moins deux.",
                                   "Donner au moins deux résumés de régions."))
        return problemes, notes
    ref = resumes[0]
    vus: dict = {}
    for r in resumes:
        cle_r = r.empreintes[resume_region.FICHIER_DESCRIPTEUR]
        if cle_r in vus:
            problemes.append(_probleme(f"{r.source}/{resume_region.FICHIER_DESCRIPTEUR}", "doublon",
                                       f"résumé identique à celui de {vus[cle_r]} : donné deux fois.",
                                       "Ne donner chaque résumé qu'une fois."))
        vus[cle_r] = r.source
    etiquettes: dict = {}
    for r in {r.empreintes[resume_region.FICHIER_DESCRIPTEUR]: r for r in reversed(resumes)}.values():
        cle_r = (r.region, r.annee_enquete)  # un résumé donné deux fois est déjà signalé (doublon)
        if cle_r in etiquettes and etiquettes[cle_r] != r.source:
            problemes.append(_probleme(f"{r.source}/{resume_region.FICHIER_DESCRIPTEUR}", "meme_region",
                                       f"même région et même année d'enquête ({r.region}, {r.annee_enquete}) que "
                                       f"{etiquettes[cle_r]}.", "Garder un seul résumé par région et par enquête."))
        etiquettes.setdefault(cle_r, r.source)
    for r in resumes[1:]:
        fichier = f"{r.source}/{resume_region.FICHIER_DESCRIPTEUR}"
        v_ref, v = ref.bloc["dictionnaire"]["version"], r.bloc["dictionnaire"]["version"]
        if v != v_ref:
            problemes.append(_probleme(fichier, "dictionnaire", f"dictionnaire des données version {v}, mais version "
                                       f"{v_ref} dans {ref.source} : les variables n'ont peut-être pas le même sens.",
                                       CORRECTION_PLAN, colonne="resume_region.dictionnaire.version", valeur=v))
        elif r.bloc["dictionnaire"]["sha256"] != ref.bloc["dictionnaire"]["sha256"]:
            notes.append(f"Même version du dictionnaire ({v}) mais contenu différent entre {ref.source} et {r.source} "
                         "(libellés ou consignes) : vérifier que les variables comparées ont le même sens.")
        plan_ref, plan = ref.bloc["plan"], r.bloc["plan"]
        if plan["derivees"] != plan_ref["derivees"]:
            problemes.append(_probleme(fichier, "derivees", "variables dérivées du plan définies autrement "
                                       f"({_valeur(plan['derivees'])}) que dans {ref.source} "
                                       f"({_valeur(plan_ref['derivees'])}).", CORRECTION_PLAN,
                                       colonne="resume_region.plan.derivees"))
        for s in sorted(set(plan["seuils"]) | set(plan_ref["seuils"])):
            a, b = plan_ref["seuils"].get(s), plan["seuils"].get(s)
            if a == b:
                continue
            if s in resume_region.SEUILS_DEFINITION:
                problemes.append(_probleme(fichier, "seuil", f"seuil « {s} » = {b}, mais {a} dans {ref.source} : il "
                                           "définit une variable du plan, qui n'a donc pas le même sens.",
                                           CORRECTION_PLAN, colonne=f"resume_region.plan.seuils.{s}", valeur=b))
            else:
                notes.append(f"Seuil « {s} » : {a} dans {ref.source}, {b} dans {r.source} (ne change pas ce qui est "
                             "estimé ; la diffusion ou l'ajustement des p de chaque région suit le sien).")
        for id_ in sorted(set(plan["hypotheses"]) & set(plan_ref["hypotheses"])):
            d_ref, d = plan_ref["hypotheses"][id_], plan["hypotheses"][id_]
            for champ in resume_region.CHAMPS_DEFINITION:
                if d_ref.get(champ) != d.get(champ):
                    problemes.append(_probleme(
                        fichier, "definition", f"hypothèse {id_}, champ « {champ} » : {_valeur(d.get(champ))} ici, "
                        f"{_valeur(d_ref.get(champ))} dans {ref.source}.", CORRECTION_PLAN,
                        colonne=f"resume_region.plan.hypotheses.{id_}.{champ}", valeur=_valeur(d.get(champ))))
            if d_ref.get("question") != d.get("question"):
                notes.append(f"Hypothèse {id_} : question libellée autrement dans {r.source} que dans {ref.source} "
                             "(même définition : exposition, issue, méthode).")
        if plan["sha256"] != plan_ref["sha256"] and not problemes:
            notes.append(f"Les plans de {ref.source} et de {r.source} diffèrent (empreintes), mais pas les "
                         "définitions des hypothèses comparées.")
    return problemes, notes


def _message(problemes: list[Probleme]) -> str:
    lignes = [f"{len(problemes)} problème(s) dans les résumés de région ; rien n'est comparé :"]
    return "\n  - ".join(lignes + [p.en_texte() for p in problemes])


def verifier_entrees(entrees: list, *, noms: list[str] | None = None) -> tuple[list, list[str]]:
    """Lit et vérifie tous les résumés reçus ; rend (résumés, notes) ou lève `ErreurResumeRegion` avec TOUS
    les problèmes de toutes les entrées (intégrité d'abord, puis compatibilité). `noms` : le nom à donner à
    chaque entrée dans les messages (par défaut, celui du dossier ou de l'archive)."""
    resumes, problemes = [], []
    sources: dict = {}
    for i, entree in enumerate(entrees):
        try:
            fichiers, manifeste, source = fichiers_entree(entree)
        except ErreurResumeRegion as exc:
            problemes += exc.problemes
            continue
        source = noms[i] if noms else source
        if source in sources:  # deux entrées de même nom (par ex. deux « resume_region ») : les distinguer
            sources[source] += 1
            source = f"{source} ({sources[source]})"
        sources.setdefault(source, 1)
        lu, trouves = resume_region.verifier(fichiers, source=source, manifeste=manifeste)
        problemes += trouves
        if lu is not None:
            resumes.append(lu)
    # la compatibilité des résumés lisibles, même si d'autres ne le sont pas : tous les problèmes à la fois
    # (sauf « moins de deux résumés » quand c'est parce que d'autres entrées sont refusées)
    trouves, notes = compatibilite(resumes)
    problemes += [p for p in trouves if not (p.regle == "nombre" and problemes and len(entrees) >= 2)]
    if problemes:
        raise ErreurResumeRegion(_message(problemes), problemes)
    return resumes, notes


# --------------------------------------------------------------------------
# Les régions comparées


@dataclass(frozen=True)
class Regions:
    """Les résumés vérifiés et compatibles d'une comparaison, dans l'ordre donné."""

    nom: str
    resumes: tuple
    notes: tuple = ()

    @property
    def nom_resultats(self) -> str:
        """Le dossier de résultats de la comparaison, relatif à resultats/ (pour `carnet.publier`)."""
        return f"comparaisons/{self.nom}"

    @property
    def simule(self) -> bool:
        return any(r.simule for r in self.resumes)

    @property
    def etiquettes(self) -> list[str]:
        """Le nom de chaque région ; l'année s'y ajoute quand une région revient avec une autre enquête."""
        regions = [r.region for r in self.resumes]
        return [f"{r.region} ({r.annee_enquete})" if regions.count(r.region) > 1 else r.region for r in self.resumes]

    @property
    def seuils(self) -> dict:
        return self.resumes[0].bloc["plan"]["seuils"]

    def bandeau(self) -> str:
        """Premier paragraphe du rapport : régions, données simulées ou non, ce qui est lu."""
        simulees = [e for e, r in zip(self.etiquettes, self.resumes) if r.simule]
        if simulees and len(simulees) == len(self.resumes):
            tete = ("> **⚠ Données SIMULÉES.** Toutes les régions comparées ici sont simulées : aucune réponse ne vient "
                    "d'une vraie enquête, et les résultats ne décrivent aucune concertation réelle.")
        elif simulees:
            tete = (f"> **⚠ Données en partie SIMULÉES** : {', '.join(simulees)}. Les résultats qui en dépendent ne "
                    "décrivent aucune concertation réelle.")
        else:
            tete = "> Données d'enquête réelles, comparées par leurs seuls résultats publiés."
        return (f"{tete}\n>\n> Comparaison « {self.nom} » : {len(self.resumes)} régions "
                f"({', '.join(self.etiquettes)}). Seuls leurs résumés publiés sont lus (aucune microdonnée) ; "
                f"dictionnaire des données version {self.resumes[0].bloc['dictionnaire']['version']}.")

    def provenance(self) -> pd.DataFrame:
        """Une ligne par résumé : région, données simulées, commit des sources, empreintes (provenance)."""
        lignes = []
        for e, r in zip(self.etiquettes, self.resumes):
            prov = r.bloc.get("provenance", {})
            commit = str(prov.get("sources", {}).get("commit", ""))
            lignes.append({"region": e, "source": r.source, "annee_enquete": str(r.annee_enquete),
                           "simule": r.simule, "nb_territoires": r.bloc.get("nb_territoires"),
                           "commit": commit[:12] if re.fullmatch(r"[0-9a-f]{40}", commit) else commit,
                           "plan_sha256": str(r.bloc["plan"]["sha256"])[:12],
                           "dictionnaire": r.bloc["dictionnaire"]["version"],
                           "resume_sha256": r.empreintes[resume_region.FICHIER_DESCRIPTEUR][:12],
                           "hypotheses_sha256": r.empreintes[resume_region.FICHIER_HYPOTHESES][:12],
                           "verifie_par_manifeste": r.verifie_par_manifeste})
        return pd.DataFrame(lignes)

    def tableau_provenance(self) -> "confidentialite.TableauProtege":
        """La provenance, prête à publier (aucun effectif : empreintes, commit, versions)."""
        return _protege(self.provenance(), self)

    def provenance_complete(self) -> dict:
        """La provenance entière de chaque résumé (empreintes complètes et manifeste d'origine), pour le JSON."""
        return {r.source: {"region": e, "sha256": r.empreintes, "verifie_par_manifeste": r.verifie_par_manifeste,
                           "provenance": r.bloc.get("provenance", {}), "plan_sha256": r.bloc["plan"]["sha256"],
                           "dictionnaire": r.bloc["dictionnaire"]}
                for e, r in zip(self.etiquettes, self.resumes)}

    def phrases_notes(self) -> list[str]:
        base = ["Chaque résumé a été vérifié : SHA-256 et taille de son tableau, schéma, valeurs déduites"
                + (" et empreintes données par le manifeste de l'équipe qui l'a produit" if all(
                    r.verifie_par_manifeste for r in self.resumes) else
                   " ; le manifeste de l'exécution n'était pas joint à tous (colonne « vérifié par le manifeste »)")
                + ". Les définitions des hypothèses, des variables dérivées et la version du dictionnaire sont les "
                  "mêmes partout."]
        return base + list(self.notes)

    def colophon(self, *, versions: dict, sources: dict) -> str:
        """Dernière cellule : versions, commit des sources de cette comparaison, empreintes de chaque résumé."""
        lignes = ["### Colophon", "", f"- Comparaison : `{self.nom}`" + (" — **données SIMULÉES**" if self.simule else ""),
                  f"- Commit git des sources : `{sources.get('commit')}`"
                  + (" (sources modifiées depuis ce commit)" if sources.get("sources_modifiees_depuis_le_commit") else ""),
                  f"- Versions : {', '.join(f'{k} {v}' for k, v in versions.items())}", "- Résumés comparés (SHA-256) :"]
        for e, r in zip(self.etiquettes, self.resumes):
            lignes.append(f"  - {e} (`{r.source}`) : `{resume_region.FICHIER_DESCRIPTEUR}` "
                          f"`{r.empreintes[resume_region.FICHIER_DESCRIPTEUR]}`, `{resume_region.FICHIER_HYPOTHESES}` "
                          f"`{r.empreintes[resume_region.FICHIER_HYPOTHESES]}`")
        return "\n".join(lignes)


def nom_par_defaut(resumes: list) -> str:
    """Nom d'une comparaison : les jeux comparés, ou leur nombre et une empreinte s'ils sont nombreux."""
    noms = sorted(chemins.nom_sur(r.jeu) for r in resumes)
    nom = "_".join(noms)
    if len(nom) <= 60:
        return nom
    return f"{len(noms)}_regions_{hashlib.sha256(nom.encode()).hexdigest()[:8]}"


def preparer(entrees: list, *, nom: str | None = None) -> Regions:
    """Vérifie les résumés reçus et les recopie, vérifiés, dans `resultats/comparaisons/<nom>/resumes/` (avec le
    manifeste joint) : la comparaison ne dépend plus ensuite que de son propre dossier. Rend les régions."""
    resumes, notes = verifier_entrees(entrees)
    nom = chemins.nom_sur(nom) if nom else nom_par_defaut(resumes)
    dossier = chemins.dossier_comparaison(nom) / SOUS_DOSSIER_RESUMES
    if dossier.is_dir():  # une comparaison refaite ne garde pas les résumés d'avant
        import shutil

        shutil.rmtree(dossier)
    entrees_lues = {}
    for i, r in enumerate(resumes, start=1):
        sous_dossier = f"{i:02d}_{chemins.nom_sur(r.source)}"
        entrees_lues[sous_dossier] = r.source
        for n, octets in r.fichiers.items():  # exactement les octets reçus : mêmes SHA-256
            ecriture.ecrire_octets(octets, dossier / sous_dossier / n)
        if r.manifeste is not None:
            ecriture.ecrire_json(r.manifeste, dossier / sous_dossier / MANIFESTE)
    ecriture.ecrire_json(entrees_lues, dossier / FICHIER_ENTREES)
    return Regions(nom=nom, resumes=tuple(resumes), notes=tuple(notes))


FICHIER_ENTREES = "entrees.json"  # sous-dossier -> nom de l'entrée telle que reçue


def charger(nom: str) -> Regions:
    """Les régions d'une comparaison préparée (`preparer`), relues et revérifiées dans son dossier."""
    dossier = chemins.dossier_comparaison(nom) / SOUS_DOSSIER_RESUMES
    if not (dossier / FICHIER_ENTREES).is_file():
        raise ErreurDonnees(f"{chemins.relatif(dossier / FICHIER_ENTREES)} absent : lancer d'abord "
                            f"python -m paquet_analyse comparer-regions ENTREES… --nom {nom}")
    entrees = json.loads((dossier / FICHIER_ENTREES).read_text(encoding="utf-8"))
    resumes, notes = verifier_entrees([dossier / d for d in entrees], noms=list(entrees.values()))
    return Regions(nom=nom, resumes=tuple(resumes), notes=tuple(notes))


# --------------------------------------------------------------------------
# Méta-analyse de chaque hypothèse


def estimations_regions(regions: Regions) -> pd.DataFrame:
    """Une ligne par hypothèse et par région : ce que la région publie, et si cela se combine."""
    morceaux = []
    for etiquette, r in zip(regions.etiquettes, regions.resumes):
        h = r.hypotheses
        morceaux.append(pd.DataFrame({
            "id": h["id"], "region": etiquette, "source": r.source, "simule": r.simule,
            "combinable": h["combinable"].astype(bool), "motif": h["motif"], "effectif": h["effectif"],
            "estimation": h["estimation"], "ic_bas": h["ic_bas"], "ic_haut": h["ic_haut"],
            "estimation_echelle": h["estimation_echelle"], "erreur_type": h["erreur_type"],
            "mesure": h["mesure"], "echelle": h["echelle"], "estimateur": h["estimateur"],
            "case_sous_le_seuil": h["case_sous_le_seuil"].astype(bool)}))
    return pd.concat(morceaux, ignore_index=True)


def _retour(x: float, echelle: str) -> float:
    """De l'échelle de la méta-analyse à celle de la mesure (exp pour un log de rapport de cotes)."""
    return float(np.exp(x)) if echelle == "log" else float(x)


@dataclass(frozen=True)
class MetaAnalyses:
    """Méta-analyse de chaque hypothèse entre les régions (`meta_analyser`)."""

    regions: Regions
    synthese: pd.DataFrame          # une ligne par hypothèse (colonnes COLONNES_META), échelle de la mesure
    estimations: pd.DataFrame       # une ligne par hypothèse et région (COLONNES_REGIONS)
    resultats: dict = field(repr=False, default_factory=dict)  # id -> ResultatMetaAnalyse (échelle de combinaison)
    sans_la_plus_eloignee: dict = field(repr=False, default_factory=dict)  # id -> (région, écart, résultat sans elle)

    def tableau(self) -> "confidentialite.TableauProtege":
        """La synthèse, prête à publier (aucun effectif de personnes : seulement des nombres déjà publiés)."""
        return _protege(self.synthese, self.regions)

    def tableau_regions(self) -> "confidentialite.TableauProtege":
        """Les estimations de chaque région, telles que publiées (effectifs arrondis repassés à la protection)."""
        return _protege(self.estimations, self.regions)

    def vue(self) -> pd.DataFrame:
        """Colonnes utiles à la lecture de la synthèse (le CSV garde tout)."""
        return self.synthese[["id", "exposition", "issue", "k", "estimation", "ic_bas", "ic_haut", "p_ajustee",
                              "i2", "tau2", "p_q", "pi_bas", "pi_haut", "fixe_estimation", "fixe_ic_bas",
                              "fixe_ic_haut"]]

    def vue_regions(self) -> pd.DataFrame:
        return self.estimations[["id", "region", "effectif", "estimation", "ic_bas", "ic_haut", "poids_meta",
                                 "ecart_standardise", "motif"]]

    def phrases(self) -> list[str]:
        """« Le lien est-il le même partout ? », hypothèse par hypothèse, tiré des nombres."""
        sortie = []
        alpha = float(self.regions.seuils["alpha"])
        for ligne in self.synthese.to_dict("records"):
            regions = self.estimations[self.estimations["id"] == ligne["id"]]
            sortie.append(phrase_hypothese(ligne, regions, self.sans_la_plus_eloignee.get(ligne["id"]), alpha=alpha))
        return sortie

    def figures(self):
        """(nom, FigureProtegee) : un graphique en forêt par hypothèse méta-analysée."""
        source = self.tableau_regions()
        for ligne in self.synthese.to_dict("records"):
            if ligne["k"] < 2:
                continue
            regions = self.estimations[self.estimations["id"] == ligne["id"]]
            court = {n: dictionnaire.libelle(n).split(" (")[0] for n in (ligne["issue"], ligne["exposition"])}
            titre = f"{ligne['id']} — {court[ligne['issue']]} selon « {court[ligne['exposition']]} »"
            fig = figures.foret_regions(regions, ligne, titre=titre, simule=self.regions.simule)
            yield f"foret_regions_{ligne['id'].lower()}", confidentialite.FigureProtegee(fig, sources=(source,))


def _protege(tableau: pd.DataFrame, regions: Regions) -> "confidentialite.TableauProtege":
    seuil = int(regions.seuils["confidentialite"])
    return confidentialite.proteger_comptes(tableau, colonnes=[c for c in ("effectif",) if c in tableau.columns],
                                            seuil=seuil)


def meta_analyser(regions: Regions) -> MetaAnalyses:
    """Méta-analyse de chaque hypothèse estimée (rapport de cotes ou différence) entre les régions.

    Seules les estimations publiées et combinables entrent (`combinable` du résumé) : une estimation
    supprimée pour la confidentialité, retenue par la diffusion ou non estimable est écartée, et la note
    nomme la région et la raison. Les p de l'effet commun sont ajustées entre hypothèses (méthode
    `seuils.ajustement` du plan), comme celles du Q de Cochran, chacune dans sa famille.
    """
    estimations = estimations_regions(regions)
    estimations["poids_meta"] = np.nan
    estimations["ecart_standardise"] = np.nan
    ordre = list(dict.fromkeys(estimations["id"]))
    lignes, resultats, sans = [], {}, {}
    for id_ in ordre:
        bloc = estimations[estimations["id"] == id_]
        mesures = set(bloc["mesure"])
        if not mesures & {"rapport_cotes", "difference"}:
            continue  # test d'homogénéité entre territoires : rien à combiner
        ligne, resultat, loin = _une_hypothese(regions, id_, bloc)
        lignes.append(ligne)
        if resultat is not None:
            resultats[id_] = resultat
            index = bloc.index[bloc["combinable"]]
            estimations.loc[index, "poids_meta"] = resultat.poids
            y, se = bloc.loc[index, "estimation_echelle"], bloc.loc[index, "erreur_type"]
            estimations.loc[index, "ecart_standardise"] = (y - resultat.estimation) / np.sqrt(se ** 2 + resultat.tau2)
            if loin is not None:
                sans[id_] = loin
    synthese = pd.DataFrame(lignes, columns=COLONNES_META)
    methode = regions.seuils["ajustement"]
    for p, ajustee in (("p_valeur", "p_ajustee"), ("p_q", "p_q_ajustee")):
        valeurs = synthese[p].to_numpy(dtype=float)
        synthese[ajustee] = associations.ajuster_p(valeurs, methode=methode) if len(valeurs) else valeurs
    return MetaAnalyses(regions=regions, synthese=synthese,
                        estimations=estimations[estimations["id"].isin(synthese["id"])][COLONNES_REGIONS]
                        .reset_index(drop=True), resultats=resultats, sans_la_plus_eloignee=sans)


def _une_hypothese(regions: Regions, id_: str, bloc: pd.DataFrame):
    definition = regions.resumes[0].definition(id_) or next(
        (r.definition(id_) for r in regions.resumes if r.definition(id_)), {})
    combinables = bloc[bloc["combinable"]]
    echelle = next((e for e in combinables["echelle"] if isinstance(e, str) and e), "log")
    mesure = next(iter(set(bloc["mesure"]) & {"rapport_cotes", "difference"}))
    ecartees = [f"{r} ({m})" for r, m in zip(bloc.loc[~bloc["combinable"], "region"], bloc.loc[~bloc["combinable"], "motif"])]
    estimateurs = sorted(set(combinables["estimateur"]))
    ligne = {c: np.nan for c in COLONNES_META}
    ligne.update(id=id_, famille=definition.get("famille", ""), question=definition.get("question", ""),
                 exposition=definition.get("exposition", ""), issue=definition.get("issue", ""), mesure=mesure,
                 echelle=echelle, k=len(combinables), regions=" ; ".join(combinables["region"]),
                 regions_ecartees=" ; ".join(ecartees), estimateurs=" | ".join(estimateurs),
                 methode=meta_analyse.METHODE, note="")
    notes = []
    absentes = [e for e in regions.etiquettes if e not in set(bloc["region"])]
    if absentes:
        notes.append(f"Hypothèse absente du plan de : {', '.join(absentes)}.")
    if ecartees:
        notes.append("Écartée(s) de la méta-analyse : " + " ; ".join(ecartees) + ".")
    if len(estimateurs) > 1:
        notes.append("Estimateurs différents selon les régions : " + " | ".join(estimateurs) + ".")
    if len(combinables) < 2:
        notes.append(f"{len(combinables)} région combinable : pas de méta-analyse (il en faut au moins deux).")
        ligne["note"] = " ".join(notes)
        return ligne, None, None
    y = combinables["estimation_echelle"].to_numpy(dtype=float)
    v = combinables["erreur_type"].to_numpy(dtype=float) ** 2
    r = meta_analyse.combiner(y, v)
    for c in ("statistique", "ddl", "p_valeur", "erreur_type", "tau2", "tau", "i2", "h2", "q", "ddl_q", "p_q",
              "fixe_p_valeur"):
        ligne[c] = getattr(r, c)
    ligne["estimation_echelle"] = r.estimation
    for c in ("estimation", "ic_bas", "ic_haut", "pi_bas", "pi_haut", "fixe_estimation", "fixe_ic_bas", "fixe_ic_haut"):
        ligne[c] = _retour(getattr(r, c), echelle)
    ligne["note"] = " ".join(notes)
    loin = None
    if len(combinables) >= 3:  # la région la plus éloignée de l'effet commun, et la méta-analyse sans elle
        ecarts = np.abs(y - r.estimation) / np.sqrt(v + r.tau2)
        i = int(np.argmax(ecarts))
        loin = (combinables["region"].iloc[i], float(ecarts[i]),
                meta_analyse.combiner(np.delete(y, i), np.delete(v, i)))
    return ligne, r, loin


# --------------------------------------------------------------------------
# Phrases


def _nombre(x: float, mesure: str) -> str:
    return texte.nombre_fr(x, 2 if mesure == "rapport_cotes" else 1)


def _nulle(mesure: str) -> float:
    return 1.0 if mesure == "rapport_cotes" else 0.0


def _quoi(mesure: str) -> str:
    return "le rapport de cotes" if mesure == "rapport_cotes" else "l'écart de moyennes (points)"


def phrase_hypothese(ligne: dict, regions: pd.DataFrame, sans_la_plus_eloignee=None, *, alpha: float = 0.05) -> str:
    """La réponse, tirée des nombres, à « le lien est-il le même partout ? » pour une hypothèse.

    Effet commun (effets aléatoires, IC de Hartung-Knapp) et son verdict (p ajustée entre hypothèses) ;
    hétérogénéité (Q de Cochran, p ajustée, I², τ) ; intervalle de prédiction ; la région la plus
    éloignée et ce que devient I² sans elle ; sens du lien dans chaque région ; effet fixe en sensibilité.
    """
    id_, mesure, k = ligne["id"], ligne["mesure"], int(ligne["k"])
    expo = dictionnaire.libelle(ligne["exposition"]).split(" (")[0].lower()
    iss = dictionnaire.libelle(ligne["issue"]).split(" (")[0].lower()
    tete = f"**{id_}** (« {iss} » selon « {expo} »)"
    if k < 2:
        return f"{tete} : pas de méta-analyse. {ligne['note']}".strip()
    n = lambda x: _nombre(x, mesure)  # noqa: E731
    nulle = _nulle(mesure)
    commun = (f"{tete}, {k} régions : {_quoi(mesure)} commun (effets aléatoires) vaut {n(ligne['estimation'])} "
              f"(IC à 95 % de Hartung-Knapp de {n(ligne['ic_bas'])} à {n(ligne['ic_haut'])} ; "
              f"{texte.valeur_p(ligne['p_valeur'])}, p ajustée {texte.p_court(ligne['p_ajustee'])}) : "
              + interpretation.verdict(ligne["p_ajustee"], alpha=alpha, objet="d'un lien en moyenne entre les régions")
              + ".")
    q = (f"Q de Cochran = {texte.nombre_fr(ligne['q'], 2)} à {int(ligne['ddl_q'])} ddl, "
         f"{texte.valeur_p(ligne['p_q'])} (p ajustée {texte.p_court(ligne['p_q_ajustee'])}) ; "
         f"I² = {texte.nombre_fr(ligne['i2'], 0)} %")
    if ligne["p_q_ajustee"] < alpha:
        meme = (f"**Le lien est-il le même partout ? Non** : les régions diffèrent plus que le hasard ne l'explique "
                f"({q}, la part de la variation des estimations due à de vraies différences entre régions).")
    elif ligne["p_q"] < alpha:
        meme = (f"**Le lien est-il le même partout ? Peut-être pas** : le test d'homogénéité donne p < {texte.nombre_fr(alpha, 2)} "
                f"avant ajustement, mais plus après ajustement entre hypothèses ({q}).")
    else:
        meme = f"**Le lien est-il le même partout ? Rien n'indique le contraire** ({q})"
        meme += (f" ; avec {k} régions ce test a peu de puissance : l'absence de preuve n'est pas une preuve "
                 "d'absence." if k < 10 else ".")
    prediction = (f"Dans une nouvelle région comparable, {_quoi(mesure)} se situerait, à 95 %, entre "
                  f"{n(ligne['pi_bas'])} et {n(ligne['pi_haut'])} (intervalle de prédiction")
    prediction += ", très large avec deux régions)." if k == 2 else ")."
    if ligne["pi_bas"] <= nulle <= ligne["pi_haut"] and not ligne["ic_bas"] <= nulle <= ligne["ic_haut"]:
        prediction += f" Il contient {n(nulle)} : le lien pourrait être absent dans certaines régions."
    phrases = [commun, meme, prediction]
    if sans_la_plus_eloignee is not None:
        region, ecart, sans = sans_la_plus_eloignee
        if ecart >= 1.96 or ligne["p_q_ajustee"] < alpha:
            publie = regions[regions["region"] == region].iloc[0]
            phrases.append(f"La région la plus éloignée de l'effet commun est {region} ({n(publie['estimation'])}, IC "
                           f"de {n(publie['ic_bas'])} à {n(publie['ic_haut'])} ; écart standardisé "
                           f"{texte.nombre_fr(ecart, 1)}) ; sans elle, I² = {texte.nombre_fr(sans.i2, 0)} % et "
                           f"{_quoi(mesure)} commun vaudrait {n(_retour(sans.estimation, ligne['echelle']))}.")
    phrases.append(_phrase_sens(regions, mesure))
    phrases.append(f"Effet fixe (sensibilité, qui suppose le même lien partout) : {n(ligne['fixe_estimation'])} "
                   f"(IC à 95 % de {n(ligne['fixe_ic_bas'])} à {n(ligne['fixe_ic_haut'])}).")
    if ligne["note"]:
        phrases.append(ligne["note"])
    return " ".join(phrases)


def _phrase_sens(regions: pd.DataFrame, mesure: str) -> str:
    """Dans combien de régions le lien va dans un sens, dans l'autre, ou n'est pas distinguable de nul."""
    nulle = _nulle(mesure)
    combinables = regions[regions["combinable"]]
    plus = combinables.loc[combinables["ic_bas"] > nulle, "region"].tolist()
    moins = combinables.loc[combinables["ic_haut"] < nulle, "region"].tolist()
    reste = [r for r in combinables["region"] if r not in plus + moins]
    k = len(combinables)

    def noms(groupe: list) -> str:  # les régions sont nommées quand leur groupe est petit (lisible à 17 régions)
        return f" ({', '.join(groupe)})" if len(groupe) <= 5 else ""

    morceaux = []
    if plus:
        morceaux.append(f"au-dessus de {_nombre(nulle, mesure)} dans {len(plus)} sur {k}{noms(plus)}")
    if moins:
        morceaux.append(f"en dessous dans {len(moins)} sur {k}{noms(moins)}")
    if reste:
        morceaux.append(f"indistinct de {_nombre(nulle, mesure)} dans {len(reste)} sur {k}{noms(reste)}")
    return "Par région, l'intervalle publié est " + " ; ".join(morceaux) + "."


# --------------------------------------------------------------------------
# Analyse groupée (une équipe qui détient les microdonnées de plusieurs régions)


def combiner_donnees(donnees_par_region: dict) -> Donnees:
    """Les jeux préparés de plusieurs régions en un seul, où chaque territoire devient « région — territoire ».

    Les identifiants (instances, répondants, organisations) sont préfixés par la région : deux régions
    peuvent avoir les mêmes. Les strates (territoires) ne traversent jamais une région : stratifier par
    territoire revient à stratifier par région, et par territoire dans chaque région, comme le fait chaque
    région pour elle-même.
    """
    instances, participants, territoires, noms, absentes = [], [], [], [], set()
    for k, (region, d) in enumerate(donnees_par_region.items()):
        prefixe = f"R{k + 1}:"
        renommer = lambda s: (region + " — " + s.astype("string")).astype("string")  # noqa: E731
        inst = d.instances.copy()
        inst["territoire"] = renommer(inst["territoire"])
        inst["id_instance"] = (prefixe + inst["id_instance"].astype("string")).astype("string")
        part = d.participants.copy()
        part["territoire"] = renommer(part["territoire"])
        for c in ("id_instance", "id_repondant", "id_organisation"):
            if c in part.columns:  # un manquant reste manquant (« string » le propage)
                part[c] = (prefixe + part[c].astype("string")).astype("string")
        instances.append(inst)
        participants.append(part)
        if d.jeu.territoires is not None:
            t = d.jeu.territoires.copy()
            t["territoire"] = renommer(t["territoire"])
            territoires.append(t)
        noms += [f"{region} — {t}" for t in d.jeu.liste_territoires()]
        absentes |= set(d.jeu.variables_absentes)
    premier = next(iter(donnees_par_region.values()))
    jeu = replace(premier.jeu, nom="regions_groupees", descripteur={
        **premier.jeu.descripteur, "region": " + ".join(donnees_par_region),
        "simule": any(d.simule for d in donnees_par_region.values())},
                  territoires=pd.concat(territoires, ignore_index=True) if territoires else None,
                  noms_territoires=tuple(sorted(noms)), variables_absentes=tuple(sorted(absentes)))
    return Donnees(jeu=jeu, plan=premier.plan, instances=pd.concat(instances, ignore_index=True),
                            participants=pd.concat(participants, ignore_index=True))


COLONNES_GROUPEE = ["id", "exposition", "issue", "test", "estimateur", "effectif", "nb_strates", "estimation",
                    "ic_bas", "ic_haut", "p_valeur", "meta_estimation", "meta_ic_bas", "meta_ic_haut",
                    "ecart", "case_sous_le_seuil", "statut", "note"]


@dataclass(frozen=True)
class AnalyseGroupee:
    """Analyse groupée stratifiée (microdonnées de plusieurs régions), à côté de la méta-analyse."""

    tableau: "confidentialite.TableauProtege"
    phrases: list


def analyse_groupee(donnees_par_region: dict, *, meta: MetaAnalyses | None = None) -> AnalyseGroupee:
    """Chaque hypothèse estimée du plan sur les microdonnées de toutes les régions réunies.

    Même moteur que la synthèse de chaque région (`hypotheses.tester_hypothese`, portée région) sur les
    données combinées (`combiner_donnees`) : Mantel-Haenszel stratifié par région × territoire pour une
    association, effets fixes de région × territoire dans une régression. Le tableau est protégé comme
    ceux d'une région (`diffusion.proteger`) ; à côté, l'effet commun de la méta-analyse (`meta`).
    """
    donnees = combiner_donnees(donnees_par_region)
    a_tester = [h for h in donnees.plan.hypotheses_de_portee("region") if h.methode != "mantel_haenszel"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AvertissementPaquet)
        lignes = [hypotheses.tester_hypothese(donnees, h, portee="region") for h in a_tester]
    resultats = pd.DataFrame(lignes, columns=hypotheses.COLONNES_RESULTATS)
    protege = diffusion.proteger(resultats, donnees)
    v = protege.valeurs
    nb_strates = len(donnees.jeu.liste_territoires())
    tableau = pd.DataFrame({c: v[c] for c in ("id", "exposition", "issue", "test", "estimateur", "effectif",
                                              "estimation", "ic_bas", "ic_haut", "p_valeur", "case_sous_le_seuil",
                                              "statut", "note")})
    tableau["nb_strates"] = nb_strates
    for c in ("meta_estimation", "meta_ic_bas", "meta_ic_haut", "ecart"):
        tableau[c] = np.nan
    phrases = []
    if meta is not None:
        synthese = meta.synthese.set_index("id")
        for i, ligne in tableau.iterrows():
            if ligne["id"] not in synthese.index or synthese.loc[ligne["id"], "k"] < 2:
                continue
            m = synthese.loc[ligne["id"]]
            tableau.loc[i, ["meta_estimation", "meta_ic_bas", "meta_ic_haut"]] = (m["estimation"], m["ic_bas"],
                                                                                 m["ic_haut"])
            if not texte.manquant(ligne["estimation"]):
                ecart = (np.log(ligne["estimation"]) - np.log(m["estimation"]) if m["echelle"] == "log"
                         else ligne["estimation"] - m["estimation"])
                tableau.loc[i, "ecart"] = ecart
                phrases.append(_phrase_groupee(ligne, m, float(donnees.plan.seuils["alpha"])))
    tableau = tableau[COLONNES_GROUPEE]
    masque = pd.DataFrame(False, index=tableau.index, columns=tableau.columns)
    for c in tableau.columns:
        if c in protege.masque.columns:
            masque[c] = protege.masque[c].to_numpy()
    return AnalyseGroupee(tableau=replace(protege, valeurs=tableau, masque=masque, primaires=masque.copy()),
                          phrases=phrases)


def _phrase_groupee(ligne, m, alpha: float) -> str:
    mesure = m["mesure"]
    n = lambda x: _nombre(x, mesure)  # noqa: E731
    dedans = m["ic_bas"] <= ligne["estimation"] <= m["ic_haut"]
    phrase = (f"**{ligne['id']}** : analyse groupée (microdonnées, strates région × territoire) "
              f"{n(ligne['estimation'])} (IC à 95 % de {n(ligne['ic_bas'])} à {n(ligne['ic_haut'])}) ; méta-analyse "
              f"des résumés publiés {n(m['estimation'])} (de {n(m['ic_bas'])} à {n(m['ic_haut'])}) : l'estimation "
              "groupée est " + ("dans" if dedans else "hors de") + " l'intervalle de la méta-analyse.")
    if m["p_q_ajustee"] < alpha:
        phrase += (" L'analyse groupée suppose un même lien dans toutes les régions, ce que le Q de Cochran "
                   "contredit ici : c'est la méta-analyse à effets aléatoires qui se lit.")
    return phrase


def analyse_groupee_locale(regions: Regions, meta: MetaAnalyses, *, demandee: bool):
    """L'analyse groupée sur les jeux préparés ICI des régions comparées, si elle est demandée et possible.

    Chaque région doit avoir son jeu préparé dans `resultats/<jeu>/donnees/`, identique (empreintes) à celui
    dont son résumé a été tiré. Sinon, une note « Non disponible » dit pourquoi (les microdonnées ne
    circulent pas entre équipes : c'est le cas ordinaire).
    """
    if not demandee:
        return NonDisponible(
            "analyse groupée non demandée : les microdonnées ne circulent pas entre équipes. Une équipe qui détient "
            "les jeux préparés de toutes ces régions peut l'ajouter (comparer-regions … --groupee).")
    donnees, manquants = {}, []
    for etiquette, r in zip(regions.etiquettes, regions.resumes):
        attendues = r.bloc.get("provenance", {}).get("donnees_preparees_sha256")
        meta_jeu = preparation.lire_meta(r.jeu)
        if meta_jeu is None or meta_jeu.get("fichiers_sha256") != attendues:
            manquants.append(etiquette)
            continue
        donnees[etiquette] = preparation.lire(r.jeu)
    if manquants:
        return NonDisponible(
            f"analyse groupée impossible : les microdonnées préparées de {', '.join(manquants)} ne sont pas ici, ou "
            "ne sont pas celles dont leur résumé a été tiré (empreintes différentes).")
    return analyse_groupee(donnees, meta=meta)
