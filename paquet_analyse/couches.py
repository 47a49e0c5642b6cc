"""Les couches du paquet, de bas en haut, et le travail de chaque module (une phrase chacun).

Un module n'importe que des modules de sa couche ou des couches du dessous
(`tests/test_couches.py` le vérifie sur tout le code, imports dans les
fonctions compris, et refuse tout cycle). Un serveur qui doit faire tourner
le code d'une couche du dessus le reçoit de l'appelant (un nom de module, une
fonction), il ne l'importe pas. `docs/architecture.md`, la liste des modules
du README et celle de `paquet_analyse/__init__.py` suivent ce registre (un
test le vérifie).
"""

from __future__ import annotations

#: (couche, ((module, son travail), ...)), de la couche du bas à celle du haut.
COUCHES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("sol", (
        ("chemins", "la racine du projet et tous les chemins standard ; rien d'autre ne construit de chemin"),
        ("erreurs", "les exceptions et avertissements du paquet, messages en français"),
        ("texte", "la mise en forme française des nombres (virgule décimale, pourcentages, p)"),
        ("affichage", "ce qu'un carnet affiche au plus bas : Markdown, PNG, en-têtes français des colonnes"),
        ("ecriture", "toute écriture de fichier : atomique, octets déterministes, jamais dans les données brutes"),
        ("provenance", "empreintes des sources et des fichiers, versions des paquets, commit git"),
        ("couches", "ce registre des couches et des modules"),
    )),
    ("donnees", (
        ("dictionnaire", "le livre de codes (dictionnaire.yml) : variables, codes, libellés, règles dérivées"),
        ("documents_yaml", "lecture stricte des documents YAML (jeu.yml, plan) et messages de leurs erreurs"),
        ("territoires", "les noms de territoires : comparaison prudente d'un libellé brut aux noms officiels"),
        ("identifiants_directs", "le refus des identifiants directs (noms, courriels, téléphones) dès la lecture"),
        ("chargement", "lire un jeu : descripteur, CSV/XLSX/SAV/DTA, encodages, séparateurs, correspondance"),
        ("validation", "les schémas pandera tirés du dictionnaire ; tous les problèmes d'un coup"),
        ("plan", "le plan d'analyse (carnets/plan_analyse.yml) : seuils, dérivées, hypothèses déclarées"),
        ("derivees", "les variables dérivées (périodes, logiques, déficits, indice des conditions)"),
        ("donnees", "un jeu préparé en mémoire (Donnees) et les variables facultatives absentes"),
        ("etat_preparation", "le jeu préparé est-il à jour ? empreintes et métadonnées, sans pandas"),
        ("preparation", "préparer un jeu une seule fois : lire, typer, valider, dériver, écrire ; relire"),
        ("simulation", "le générateur à graine fixe du jeu simulé par défaut"),
        ("questionnaire", "les questionnaires (XLSForm, LimeSurvey, HTML) tirés du dictionnaire"),
        ("jeu_depuis_export", "reconnaître les exports des questionnaires et écrire le jeu.yml d'une région"),
        ("regions_simulees", "des régions simulées aux différences plantées, pour la démonstration des comparaisons"),
    )),
    ("statistiques", (
        ("controles", "les contrôles communs des entrées : colonnes présentes, lignes incomplètes"),
        ("associations", "tableaux croisés et tests d'association (khi-deux, exact, score, Mantel-Haenszel)"),
        ("modeles", "régressions logistiques et linéaires, GEE et erreurs robustes aux grappes, plan de sondage"),
        ("fiabilite", "alpha de Cronbach et corrélations item-total"),
        ("indicateurs", "parts avec leurs intervalles (Wilson, grappes) et portrait d'un territoire"),
        ("reseau", "le réseau des concertations liées par leurs organisations, et l'hyperconcertation"),
        ("puissance", "la puissance de chaque test publié : exacte, simulée ou analytique"),
        ("puissance_simulee", "la puissance par simulation d'un plan d'enquête, avec les tests publiés"),
        ("meta_analyse", "la méta-analyse à effets aléatoires (REML, Hartung-Knapp-Sidik-Jonkman) entre régions"),
    )),
    ("etude", (
        ("hypotheses", "le moteur des hypothèses du plan : chaque test, dans un territoire ou la région"),
        ("portraits", "le calcul des portraits de tous les territoires et de l'ensemble"),
        ("synthese_region", "la synthèse des hypothèses de la région, calculée une fois"),
        ("analyses", "les analyses hors plan : hétérogénéité entre territoires, conditions, réseau"),
        ("interpretation", "les phrases françaises tirées des nombres publiés"),
        ("planification", "le plan d'enquête que simule le carnet 07 : celui du jeu donné, ou déclaré avant la collecte"),
        ("constats", "l'essentiel d'un rapport : quelques phrases simples tirées des tableaux publiés, sans statistique"),
        ("figures", "les figures seaborn/matplotlib, un seul thème"),
    )),
    ("publication", (
        ("confidentialite", "les mécanismes de protection : suppression des petites cellules, tableaux protégés"),
        ("diffusion", "ce que la publication diffuse : chaque résultat protégé, au seuil du plan"),
        ("sorties", "la frontière de diffusion : publier un tableau ou une figure protégés"),
        ("carnet", "ce qu'un carnet affiche et publie : bandeau, tableaux, figures, phrases, colophon"),
        ("resume_region", "le résumé publiable d'une région (Frictionless Data Package), tiré de ce qu'elle publie"),
        ("regions_recues", "les résumés reçus d'autres régions : les trouver, les vérifier tous à la fois, les rassembler"),
        ("comparaison_regions", "méta-analyser chaque hypothèse entre régions, ses phrases et ses forêts, l'analyse groupée"),
    )),
    ("orchestration", (
        ("noyau_chaud", "demander un noyau chaud ou confier un verbe au serveur (côté client)"),
        ("execution", "le registre des carnets du flux et leur exécution (papermill)"),
        ("rapports", "les rapports HTML des carnets (nbconvert) et la page d'index"),
        ("rapport_region", "le rapport de la région à remettre (PDF par Typst, et HTML), tiré des résultats publiés"),
        ("serveur_noyaux", "le serveur de noyaux chauds : imports faits une fois, une fourche par carnet"),
        ("flux", "l'étape de préparation, ce que le Snakefile lit, le lancement de Snakemake"),
        ("flux_regions", "le verbe comparer-regions : comparer des résumés, exécuter le carnet 08, la démonstration"),
        ("verification_resultats", "tout régénérer dans une copie et comparer chaque résultat versionné"),
        ("cli", "la ligne de commande : python -m paquet_analyse <verbe>"),
        ("__main__", "le point d'entrée de python -m paquet_analyse"),
    )),
)


def couche_de(module: str) -> str:
    """La couche d'un module du paquet (nom court, `chargement` pour ses sous-modules)."""
    for couche, modules in COUCHES:
        if module.split(".")[0] in {m for m, _ in modules}:
            return couche
    raise KeyError(f"Module absent du registre des couches : « {module} » (l'ajouter à paquet_analyse/couches.py).")


def rang(couche: str) -> int:
    """0 pour le sol, 5 pour l'orchestration."""
    return [c for c, _ in COUCHES].index(couche)


def modules() -> list[str]:
    """Tous les modules du registre, de bas en haut."""
    return [m for _, ms in COUCHES for m, _ in ms]
