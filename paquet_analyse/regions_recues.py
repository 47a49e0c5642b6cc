"""Les résumés reçus d'autres régions : les trouver, les vérifier tous à la fois, les rassembler.

Chaque équipe garde ses microdonnées ; elle envoie le résumé publiable de sa
région (`resume_region`, un paquet de données Frictionless). Ce module trouve
les résumés reçus (dossier `resultats/<jeu>/`, dossier `resume_region/`, ou
leur archive `.zip` / `.tar.gz`) et les vérifie tous à la fois : intégrité
(SHA-256 déclarés, manifeste joint), schéma, valeurs déduites, puis
compatibilité (mêmes définitions d'hypothèses et de variables dérivées, même
version du dictionnaire) ; un problème est dit en français, avec le résumé, le
fichier, ce qui diffère et comment corriger. Les résumés vérifiés sont
recopiés dans le dossier de la comparaison (`preparer`) et relus de là
(`charger`) ; `Regions` les porte jusqu'à `comparaison_regions`.

Couche « publication » : ne lit que des résumés publiés.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

from . import chemins, confidentialite, ecriture, resume_region
from .erreurs import ErreurDonnees, ErreurResumeRegion, Probleme

SOUS_DOSSIER_RESUMES = "resumes"
MANIFESTE = "manifeste.json"
ARCHIVES = (".zip", ".tar.gz", ".tgz", ".tar")
CORRECTION_PLAN = ("Comparer des résumés produits avec le même plan d'analyse et le même dictionnaire : relancer le "
                   "flux d'une des régions avec le plan (carnets/plan_analyse.yml) de l'autre, ou donner un autre "
                   "identifiant à l'hypothèse qui diffère.")


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

    def proteger(self, tableau: pd.DataFrame) -> "confidentialite.TableauProtege":
        """Un tableau de la comparaison, prêt à publier : ses effectifs (déjà publiés par les régions) repassent
        à la protection, au seuil du plan commun."""
        seuil = int(self.seuils["confidentialite"])
        return confidentialite.proteger_comptes(tableau, colonnes=[c for c in ("effectif",) if c in tableau.columns],
                                                seuil=seuil)

    def tableau_provenance(self) -> "confidentialite.TableauProtege":
        """La provenance, prête à publier (aucun effectif : empreintes, commit, versions)."""
        return self.proteger(self.provenance())

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
