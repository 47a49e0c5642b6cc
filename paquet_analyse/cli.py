"""Interface en ligne de commande : `python -m paquet_analyse <verbe>`.

Verbes : valider, preparer, portrait, simuler, executer, carnet, synthese, rapport-region et index (utilisés par le flux),
livre-codes, verifier, questionnaire, jeu-depuis-export, comparer-regions. Aucun problème de données ne
produit de trace Python : un message français et un code de sortie non nul. Un Ctrl-C arrête tout (le flux,
ses tâches, le serveur de noyaux) et ne dit qu'une ligne.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import chemins
from .erreurs import ErreurPaquet

# argparse écrit ses propres messages en anglais ; on les traduit (argparse
# cherche la fonction `_` dans son module à chaque appel).
TRADUCTIONS = {
    "usage: ": "usage : ",
    "positional arguments": "arguments positionnels",
    "options": "options",
    "show this help message and exit": "afficher cette aide et quitter",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "choix invalide : %(value)r (choisir parmi %(choices)s)",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "invalid %(type)s value: %(value)r": "valeur %(type)s invalide : %(value)r",
    "expected one argument": "un argument attendu",
}
argparse._ = lambda texte: TRADUCTIONS.get(texte, texte)

CODE_DONNEES = 1
CODE_INTERRUPTION = 130  # comme un shell après Ctrl-C


def _parseur() -> argparse.ArgumentParser:
    parseur = argparse.ArgumentParser(
        prog="python -m paquet_analyse",
        description="Analyse reproductible des instances de concertation (données par territoire / MRC).",
    )
    verbes = parseur.add_subparsers(dest="verbe", metavar="VERBE", required=True,
                                    title="verbes", description="valider, preparer, portrait, simuler, executer, carnet, synthese, rapport-region, index, livre-codes, "
                                    "verifier, questionnaire, jeu-depuis-export, comparer-regions")
    v = verbes.add_parser("valider", help="valider un jeu de données et lister tous ses problèmes",
                          description="Valide un jeu : tous les problèmes à la fois (fichier, ligne, colonne, "
                          "valeur, correction), écrits aussi en CSV. Code de sortie 1 s'il y a des erreurs. "
                          "(Le verbe « preparer » valide aussi, puis écrit les tables préparées.)")
    v.add_argument("dossier_jeu", type=Path, help="dossier du jeu (contenant jeu.yml)")
    v.add_argument("--rapport", type=Path, default=None,
                   help="CSV des problèmes (défaut : resultats/<jeu>/donnees/validation_problemes.csv)")

    r = verbes.add_parser("preparer", help="préparer un jeu : lire, typer, valider, dériver, une seule fois",
                          description="Lit les fichiers bruts, les type, les valide et dérive les variables avec "
                          "les paramètres du plan ; écrit les tables préparées dans resultats/<jeu>/donnees/. "
                          "Ne refait rien si les fichiers bruts, le plan et le code n'ont pas changé.")
    r.add_argument("dossier_jeu", type=Path, help="dossier du jeu (contenant jeu.yml)")

    p = verbes.add_parser("portrait", help="afficher le portrait d'un territoire ou du jeu entier",
                          description="Portrait (parts avec intervalles à 95 % : Wilson, ou grappes d'instances pour les participants) d'un territoire ou de tout le jeu.")
    p.add_argument("dossier_jeu", type=Path, help="dossier du jeu (contenant jeu.yml)")
    p.add_argument("--territoire", metavar="NOM", default=None, help="territoire (MRC) ; défaut : tout le jeu")
    p.add_argument("--tous", action="store_true", help="un portrait par territoire, puis l'ensemble")

    s = verbes.add_parser("simuler", help="régénérer le jeu simulé de Lanaudière",
                          description="Écrit le jeu SIMULÉ de Lanaudière. N'écrase jamais un fichier existant "
                          "différent ; un fichier identique octet pour octet est laissé tel quel.")
    s.add_argument("--sortie", type=Path, default=None, help="dossier de sortie (défaut : donnees_brutes/lanaudiere)")
    s.add_argument("--graine", type=int, default=None, help="graine du générateur (défaut : celle du jeu publié)")

    e = verbes.add_parser("executer", help="exécuter tout le flux (carnets, rapports, manifeste) sur un jeu",
                          description="Exécute le flux Snakemake sur un jeu : validation, portraits et associations "
                          "par territoire, comparaison des territoires, conditions, réseau ; rapports HTML et "
                          "manifeste dans resultats/<jeu>/. Ne refait que ce qui a changé.")
    e.add_argument("dossier_jeu", type=Path, help="dossier du jeu (contenant jeu.yml)")
    e.add_argument("--coeurs", type=int, default=2, help="nombre de carnets exécutés en parallèle (défaut : 2)")
    e.add_argument("--tout-refaire", action="store_true", help="tout régénérer, même ce qui n'a pas changé")
    e.add_argument("--deverrouiller", action="store_true",
                   help="lever le verrou d'un flux disparu (par ex. lancé depuis une autre machine)")

    k = verbes.add_parser("carnet", help="exécuter un seul carnet et écrire son rapport HTML (utilisé par le flux)",
                          description="Exécute un modèle de carnet avec papermill (paramètres contrôlés), écrit le "
                          "carnet exécuté et, si demandé, son rapport HTML sans le code. Utilisé par le Snakefile.")
    k.add_argument("modele", type=Path, help="modèle de carnet (carnets/....ipynb)")
    k.add_argument("sortie", type=Path, help="carnet exécuté à écrire")
    k.add_argument("--html", type=Path, default=None, help="rapport HTML à écrire")
    k.add_argument("--parametre", action="append", default=[], metavar="NOM=VALEUR",
                   help="paramètre du carnet (répétable) ; valeur texte")

    x = verbes.add_parser("index", help="écrire la page d'index et le manifeste d'un jeu exécuté (utilisé par le flux)",
                          description="Écrit la page d'index des rapports et le manifeste de provenance (empreintes, "
                          "versions, commit des sources) d'un jeu dont les carnets ont été exécutés. Utilisé par "
                          "le Snakefile, en fin de flux.")
    x.add_argument("dossier_jeu", type=Path, help="dossier du jeu (contenant jeu.yml), ou son nom")
    x.add_argument("index", type=Path, help="page d'index à écrire")
    x.add_argument("manifeste", type=Path, help="manifeste JSON à écrire")

    r = verbes.add_parser("rapport-region", help="écrire le rapport de la région (PDF et HTML) d'un jeu exécuté (utilisé "
                          "par le flux)", description="Écrit le rapport de la région à remettre (L'essentiel, territoires, "
                          "hypothèses, méthodes, limites, confidentialité, provenance, comment citer) en HTML et en PDF, "
                          "tiré des tableaux et figures publiés. Utilisé par le Snakefile, après les carnets.")
    r.add_argument("dossier_jeu", type=Path, help="dossier du jeu (contenant jeu.yml), ou son nom")
    r.add_argument("html", type=Path, nargs="?", default=None, help="fichier HTML à écrire")
    r.add_argument("pdf", type=Path, nargs="?", default=None, help="fichier PDF à écrire")

    y = verbes.add_parser("synthese", help="calculer une fois la synthèse des hypothèses de la région (utilisé par "
                          "le flux)", description="Calcule les tests de toutes les hypothèses de portée région "
                          "(p ajustées dans leurs familles) sur le jeu préparé et les écrit dans "
                          "resultats/<jeu>/calculs/, pour les carnets 04 et 05. Utilisé par le Snakefile.")
    y.add_argument("dossier_jeu", type=Path, help="dossier du jeu (contenant jeu.yml), ou son nom")
    y.add_argument("sortie", type=Path, nargs="?", default=None,
                   help="fichier à écrire (par défaut resultats/<jeu>/calculs/synthese_region.parquet)")

    f = verbes.add_parser("verifier", help="tout régénérer dans une copie et comparer chaque résultat versionné",
                          description="Copie les sources dans un dossier temporaire, y relance tout le flux, "
                          "compare octet pour octet (SHA-256) chaque fichier de resultats/<jeu>/ avec sa "
                          "régénération (fichiers différents, absents ou en trop), puis réexécute avec nbval les "
                          "carnets versionnés, dans une copie. Ne modifie aucun fichier versionné. Code de "
                          "sortie 1 au moindre écart.")
    f.add_argument("dossier_jeu", type=Path, help="dossier du jeu (contenant jeu.yml)")
    f.add_argument("--coeurs", type=int, default=2, help="nombre de carnets exécutés en parallèle (défaut : 2)")
    f.add_argument("--options-nbval", default=None, metavar="OPTIONS",
                   help="options de pytest pour nbval (défaut : celles de la variable NBVAL du Makefile)")
    f.add_argument("--garder", action="store_true", help="garder la copie temporaire et les journaux")

    q = verbes.add_parser("questionnaire", help="générer les questionnaires (instances, participants) du dictionnaire",
                          description="Génère les deux questionnaires (instances, participants) à partir du "
                          "dictionnaire des données : codes du dictionnaire comme noms de choix, bornes, réponses "
                          "obligatoires, « Autre (précisez) ». Formats : XLSForm (Kobo, ODK), LimeSurvey "
                          "(structure à importer), HTML imprimable.")
    q.add_argument("--format", required=True, choices=("xlsform", "limesurvey", "html"), help="format des questionnaires")
    q.add_argument("--jeu", type=Path, default=None, metavar="DOSSIER",
                   help="jeu dont prendre la liste des territoires et l'année de l'enquête")
    q.add_argument("--sortie", type=Path, default=None, metavar="DOSSIER",
                   help="dossier de sortie (défaut : resultats/questionnaires/, ou resultats/questionnaires/<jeu>/)")

    x = verbes.add_parser("jeu-depuis-export", help="écrire le jeu.yml d'un dossier d'exports de ces questionnaires",
                          description="Reconnaît les exports des questionnaires (Kobo/ODK ou LimeSurvey, en CSV, XLSX "
                          "ou SPSS .sav) dans DOSSIER : quelle table dans quel fichier, encodage, séparateur, "
                          "en-têtes préfixés ou suffixés, réponses en libellés ; écrit DOSSIER/jeu.yml (seul "
                          "fichier écrit) et liste ce qui n'a pas pu être placé. Ensuite : valider DOSSIER.")
    x.add_argument("dossier", type=Path, help="dossier des exports (deviendra le dossier du jeu)")
    x.add_argument("--annee", type=int, default=None, help="année de l'enquête (défaut : la plus récente des dates de soumission)")
    x.add_argument("--titre", default=None, help="titre du jeu")
    x.add_argument("--region", default=None, help="région (défaut : le nom du dossier)")
    x.add_argument("--simule", action="store_true", help="déclarer le jeu comme SIMULÉ (simule: true)")
    x.add_argument("--ecraser", action="store_true", help="remplacer un jeu.yml existant différent")

    m = verbes.add_parser("comparer-regions", help="comparer des régions par leurs résumés publiés (méta-analyse)",
                          description="Vérifie les résumés publiables de deux régions ou plus (intégrité par SHA-256, "
                          "compatibilité des plans et du dictionnaire ; tous les problèmes à la fois), puis méta-analyse "
                          "chaque hypothèse entre régions (effets aléatoires REML, IC de Hartung-Knapp, τ², I², "
                          "intervalle de prédiction ; effet fixe en sensibilité) : carnet 08, rapport HTML, tableaux, "
                          "figures et manifeste dans resultats/comparaisons/<nom>/. Aucune microdonnée n'est lue (sauf "
                          "avec --groupee).")
    m.add_argument("entrees", nargs="*", type=Path, metavar="RESUME",
                   help="résumé d'une région : dossier resultats/<jeu>/, son sous-dossier resume_region/, ou leur "
                   "archive .zip ou .tar.gz reçue d'une autre équipe (au moins deux)")
    m.add_argument("--nom", default=None, help="nom de la comparaison (défaut : les noms des jeux comparés)")
    m.add_argument("--groupee", action="store_true", help="ajouter l'analyse groupée stratifiée par région, si les "
                   "jeux préparés de toutes ces régions sont ici (une équipe qui détient leurs microdonnées)")
    m.add_argument("--demonstration", action="store_true", help="simuler quatre régions (trois avec le lien de H1a, "
                   "une sans), exécuter le flux sur chacune et les comparer (nom : demonstration)")
    m.add_argument("--coeurs", type=int, default=2, help="cœurs pour les flux de la démonstration (défaut : 2)")

    c = verbes.add_parser("livre-codes", help="écrire le livre de codes (Markdown) tiré du dictionnaire",
                          description="Écrit le livre de codes destiné aux personnes qui collectent les données.")
    c.add_argument("--sortie", type=Path, default=None, help="fichier de sortie (défaut : docs/livre_de_codes.md)")
    return parseur


def _valider(args) -> int:
    from . import ecriture, preparation, validation
    from .erreurs import ErreurLecture, ErreurValidation

    dossier = chemins.dossier_jeu(args.dossier_jeu)
    cible = args.rapport or chemins.dossier_prepare(dossier.name) / preparation.FICHIER_RAPPORT
    try:
        rapport = preparation.preparer(dossier).rapport  # lecture, typage et contrôle en un seul passage
    except ErreurLecture as exc:  # fichiers illisibles : leurs problèmes vont aussi dans le CSV
        rapport = validation.RapportValidation(jeu=dossier.name, problemes=tuple(exc.problemes))
        ecriture.ecrire_csv(rapport.tableau(), cible)
        print(f"Liste complète des problèmes : {chemins.relatif(cible)}", file=sys.stderr)
        raise
    except ErreurValidation as exc:
        ecriture.ecrire_csv(exc.problemes, cible)
        print(exc)
        print(f"Liste complète des problèmes : {chemins.relatif(cible)}")
        return CODE_DONNEES
    ecriture.ecrire_csv(rapport.tableau(), cible)
    print(rapport.resume())
    print(f"Liste complète des problèmes : {chemins.relatif(cible)}")
    return 0


def _preparer(args) -> int:
    from . import flux

    meta = flux.preparer(args.dossier_jeu)
    print(f"Jeu « {meta['nom']} » préparé : {chemins.relatif(chemins.dossier_prepare(meta['nom']))}/ "
          f"({len(meta['territoires'])} territoire(s)).")
    return 0


def _portrait(args) -> int:
    from . import diffusion, preparation, sorties

    donnees = preparation.lire_ou_preparer(args.dossier_jeu)
    territoires = donnees.jeu.liste_territoires() + [None] if args.tous else [args.territoire]
    for territoire in territoires:
        print(f"\nPortrait : {territoire or 'ensemble du jeu'}" + (" (données SIMULÉES)" if donnees.simule else ""))
        sorties.publier(diffusion.portrait_affichable(donnees, territoire), sys.stdout, decimales=1)
    return 0


def _simuler(args) -> int:
    from . import simulation

    options = {} if args.graine is None else {"graine": args.graine}
    etat = simulation.simuler(args.sortie, **options)
    dossier = args.sortie or chemins.jeu_defaut()
    for nom, quoi in etat.items():
        print(f"{chemins.relatif(dossier / nom)} : {quoi}")
    print("Rappel : ces données sont SIMULÉES.")
    return 0


def _livre_codes(args) -> int:
    from . import dictionnaire, ecriture

    cible = args.sortie or chemins.racine() / "docs" / "livre_de_codes.md"
    ecriture.ecrire_texte(dictionnaire.livre_codes(), cible)
    print(f"Livre de codes écrit : {chemins.relatif(cible)}")
    return 0


def _executer(args) -> int:
    from . import etat_preparation, flux  # sans pandas : une relance sans changement démarre vite

    jeu = chemins.relatif(etat_preparation.dossier_existant(args.dossier_jeu))
    try:
        code = flux.lancer(jeu, coeurs=args.coeurs, tout_refaire=True if args.tout_refaire else None,
                           deverrouiller=args.deverrouiller)
    except KeyboardInterrupt:
        print("Flux interrompu : tout est arrêté ; les résultats déjà écrits sont intacts, relancer la même "
              "commande pour terminer.", file=sys.stderr)
        return CODE_INTERRUPTION
    if code:
        print(f"Erreur : le flux s'est arrêté (code {code}) ; voir les messages ci-dessus.", file=sys.stderr)
        return CODE_DONNEES
    print(f"Résultats : {chemins.relatif(chemins.dossier_resultats(Path(jeu).name))}/index.html")
    return 0


def _carnet(args) -> int:
    parametres = {}
    for texte in args.parametre:
        nom, egal, valeur = texte.partition("=")
        if not egal:
            print(f"Erreur : paramètre « {texte} » mal formé (attendu NOM=VALEUR).", file=sys.stderr)
            return 2
        parametres[nom] = valeur
    from . import execution, rapports

    execution.executer_carnet(args.modele, args.sortie, parametres)
    if args.html:
        rapports.rapport_html(args.sortie, args.html)
    return 0


def _index(args) -> int:
    from . import flux

    flux.ecrire_index_et_manifeste(args.dossier_jeu, args.index, args.manifeste)
    return 0


def _rapport_region(args) -> int:
    from . import rapport_region

    html, pdf = rapport_region.ecrire_rapport_region(args.dossier_jeu, args.html, args.pdf)
    print(f"Rapport de la région : {chemins.relatif(pdf)} (et {chemins.relatif(html)})")
    return 0


def _synthese(args) -> int:
    import warnings

    from . import diffusion, preparation, synthese_region

    donnees = preparation.lire(args.dossier_jeu)
    with warnings.catch_warnings():  # les avertissements sont dans le tableau (notes), que les carnets montrent
        warnings.simplefilter("ignore")
        chemin = synthese_region.ecrire_synthese(donnees, args.sortie, strates=diffusion.strates_region(donnees))
    if chemin is None:
        print("Synthèse de la région non enregistrée (relecture inexacte) : les carnets 04 et 05 la calculeront.",
              file=sys.stderr)
    else:
        print(f"Synthèse des hypothèses de la région : {chemins.relatif(chemin)}")
    return 0


def _comparer_regions(args) -> int:
    from . import flux_regions

    if args.demonstration:
        if args.entrees:
            print("Erreur : --demonstration compare ses propres régions simulées ; ne pas donner de résumés.",
                  file=sys.stderr)
            return 2
        dossier = flux_regions.demonstration(coeurs=args.coeurs)
    else:
        dossier = flux_regions.comparer(args.entrees, nom=args.nom, groupee=args.groupee)
    print(f"Comparaison des régions : {chemins.relatif(dossier / flux_regions.RAPPORT)}")
    return 0


def _verifier(args) -> int:
    from . import verification_resultats

    options = args.options_nbval if args.options_nbval is not None else verification_resultats.OPTIONS_NBVAL
    return verification_resultats.verifier(args.dossier_jeu, coeurs=args.coeurs, options_nbval=options, garder=args.garder)


def _questionnaire(args) -> int:
    from . import ecriture, questionnaire

    territoires = annee = None
    nom_jeu = None
    if args.jeu is not None:  # avant la collecte, jeu.yml avec le fichier des territoires (ou ce fichier seul) suffit
        parametres = questionnaire.parametres_du_jeu(chemins.dossier_jeu(args.jeu))
        nom_jeu, annee, territoires = parametres.nom, parametres.annee_enquete, parametres.territoires
        print(f"Territoires : {parametres.source}.")
    cible = args.sortie or chemins.dossier_questionnaires(nom_jeu)
    for nom, octets in questionnaire.formulaires(args.format, territoires=territoires, annee_enquete=annee).items():
        print(f"Questionnaire écrit : {chemins.relatif(ecriture.ecrire_octets(octets, cible / nom))}")
    if territoires is None:
        print("Territoire : réponse en texte (donner --jeu pour une liste fermée des territoires du jeu).")
    return 0


def _jeu_depuis_export(args) -> int:
    from . import jeu_depuis_export

    reconnaissance, etat = jeu_depuis_export.jeu_depuis_export(
        args.dossier, ecraser=args.ecraser, titre=args.titre, region=args.region, annee_enquete=args.annee,
        simule=args.simule)
    for table, fichier in reconnaissance.tables.items():
        print(f"{table} : {fichier}")
    if reconnaissance.non_places:
        print(f"Non placé ({len(reconnaissance.non_places)}) :")
        for phrase in reconnaissance.non_places:
            print(f"  - {phrase}")
    if reconnaissance.remarques:  # exclusions déclarées d'après les colonnes de l'outil, fichiers vides écartés
        print(f"Remarques ({len(reconnaissance.remarques)}) :")
        for phrase in reconnaissance.remarques:
            print(f"  - {phrase}")
    print(f"{chemins.relatif(reconnaissance.dossier / 'jeu.yml')} : {etat}. À relire (titre, région, année), puis : "
          f"python -m paquet_analyse valider {chemins.relatif(reconnaissance.dossier)}")
    return 0


ACTIONS = {"valider": _valider, "preparer": _preparer, "portrait": _portrait, "simuler": _simuler, "executer": _executer,
           "carnet": _carnet, "index": _index, "rapport-region": _rapport_region, "synthese": _synthese, "livre-codes": _livre_codes, "verifier": _verifier,
           "questionnaire": _questionnaire, "jeu-depuis-export": _jeu_depuis_export,
           "comparer-regions": _comparer_regions}


def surveiller_le_flux() -> None:
    """Une tâche d'un flux (variable `noyau_chaud.GARDIEN` : le pid d'`executer`) s'arrête si `executer` disparaît,
    même tué sans préavis : un fil vérifie chaque demi-seconde qu'il vit encore. Son noyau ordinaire s'arrête
    avec elle (ipykernel surveille son parent), un exécuteur chaud aussi (fin de connexion)."""
    import threading
    import time

    from .noyau_chaud import GARDIEN

    pid = os.environ.get(GARDIEN, "")
    if not pid.isdigit():
        return

    def veiller():
        while True:
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                os._exit(CODE_INTERRUPTION)
            except PermissionError:
                pass
            time.sleep(0.5)

    threading.Thread(target=veiller, daemon=True, name="gardien-du-flux").start()


def main(argv: list[str] | None = None, *, deleguer: bool = True) -> int:
    """`deleguer` : un verbe de `noyau_chaud.VERBES_DELEGUES` part au serveur de noyaux chauds s'il y en
    a un (False dans l'enfant du serveur qui l'exécute)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parseur().parse_args(argv)
    from . import noyau_chaud

    if deleguer:
        surveiller_le_flux()

    if deleguer and noyau_chaud.chemin_serveur() is not None and args.verbe in noyau_chaud.VERBES_DELEGUES:
        # un serveur de noyaux chauds tourne (flux) : un de ses enfants, qui a déjà tout importé, fait le travail
        code = noyau_chaud.deleguer(argv, module=__name__)
        if code is not None:
            return code
        # serveur absent ou refus (raison déjà dite) : noyau ordinaire aussi, sans redemander ni réattendre
        os.environ[noyau_chaud.VARIABLE] = "0"
    try:
        return ACTIONS[args.verbe](args)
    except ErreurPaquet as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return CODE_DONNEES
