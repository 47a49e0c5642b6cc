# Flux de travail : `make resultats` (jeu par défaut) ou
#   python -m paquet_analyse executer <dossier_jeu> [--coeurs N]
# Étape 1, la préparation (`python -m paquet_analyse preparer`, faite par
# `executer` avant Snakemake) : le jeu est lu, typé, validé et ses variables
# dérivées avec les paramètres du plan, une seule fois, dans
# resultats/<jeu>/donnees/ ; un jeu invalide arrête tout avant Snakemake. Ce
# fichier ne fait que LIRE le jeu préparé (flux.info_flux) : sans préparation à
# jour, il s'arrête avec un message qui dit quoi lancer.
# Étape 2 : chaque carnet est exécuté par papermill dans resultats/<jeu>/carnets/ et
# rendu en HTML sans le code dans resultats/<jeu>/rapports/ (un processus par
# carnet : les carnets tournent vraiment en parallèle), puis le rapport de la
# région (PDF et HTML, resultats/<jeu>/rapport_region/), la page d'index et le
# manifeste de provenance sont écrits.
# L'incrémentalité repose sur des empreintes passées en paramètres (voir
# paquet_analyse/flux.py), pas sur les dates des fichiers.
# Les sorties sont marquées update() : Snakemake ne les efface pas avant de
# relancer une règle (il en garde une copie et la restaure si la règle
# échoue) ; chaque fichier est écrit atomiquement à la fin. Un flux
# interrompu laisse donc les résultats précédents intacts.

import sys

from paquet_analyse import execution, flux

JEU = str(config.get("jeu", "donnees_brutes/lanaudiere"))  # tel que donné à `executer` (chemin)
INFO = flux.info_flux(JEU)
SORTIE = f"resultats/{INFO.nom}"
TERRITOIRES = list(INFO.territoires)
REGION = [c.nom for c in execution.carnets("region")]
PAR_TERRITOIRE = [c.nom for c in execution.carnets("territoire")]
VALIDATION = [c.nom for c in execution.carnets("validation")]
AVEC_SYNTHESE = [c.nom for c in execution.CARNETS if c.synthese]
PYTHON = sys.executable

wildcard_constraints:
    territoire="|".join(TERRITOIRES),
    region="|".join(REGION),
    validation="|".join(VALIDATION),
    carnet="|".join(PAR_TERRITOIRE)


rule tout:
    input:
        f"{SORTIE}/index.html",
        f"{SORTIE}/manifeste.json",


rule validation:
    input:
        modele="carnets/{validation}.ipynb",
        prepares=INFO.fichiers_prepares,
    output:
        carnet=update(f"{SORTIE}/carnets/{{validation}}.ipynb"),
        html=update(f"{SORTIE}/rapports/{{validation}}.html"),
    params:
        empreinte=INFO.empreinte_donnees,
        jeu=INFO.jeu,
    priority: 10
    shell:
        "{PYTHON} -m paquet_analyse carnet {input.modele:q} {output.carnet:q} --html {output.html:q}"
        " --parametre jeu={params.jeu:q}"


# Les tables préparées ne sont pas des entrées de cette règle : Snakemake relance
# toute règle dont une entrée est plus récente que ses sorties et a changé de
# contenu. Ce qui compte ici, ce sont les seules lignes du territoire, dont
# l'empreinte est en paramètre (la préparation est faite avant Snakemake).
rule par_territoire:
    input:
        modele="carnets/{carnet}.ipynb",
    output:
        carnet=update(f"{SORTIE}/carnets/territoires/{{territoire}}/{{carnet}}.ipynb"),
        html=update(f"{SORTIE}/rapports/territoires/{{territoire}}/{{carnet}}.html"),
    params:
        empreinte=lambda w: INFO.empreintes_territoires[w.territoire],
        jeu=INFO.jeu,
        territoire=lambda w: INFO.territoires[w.territoire],
    shell:
        "{PYTHON} -m paquet_analyse carnet {input.modele:q} {output.carnet:q} --html {output.html:q}"
        " --parametre jeu={params.jeu:q} --parametre territoire={params.territoire:q}"


# La synthèse des hypothèses de la région (tous les tests, p ajustées par famille) : calculée une fois pour
# les carnets 04 et 05, qui en ont besoin tous les deux (la plus longue part de chacun sur un grand jeu).
rule synthese:
    input:
        prepares=INFO.fichiers_prepares,
    output:
        update(f"{SORTIE}/calculs/synthese_region.parquet"),
    params:
        empreinte=INFO.empreinte_donnees,
        jeu=INFO.jeu,
    priority: 10
    shell:
        "{PYTHON} -m paquet_analyse synthese {params.jeu:q} {output:q}"


rule region:
    input:
        modele="carnets/{region}.ipynb",
        prepares=INFO.fichiers_prepares,
        synthese=lambda w: [f"{SORTIE}/calculs/synthese_region.parquet"] if w.region in AVEC_SYNTHESE else [],
    output:
        carnet=update(f"{SORTIE}/carnets/{{region}}.ipynb"),
        html=update(f"{SORTIE}/rapports/{{region}}.html"),
    params:
        empreinte=INFO.empreinte_donnees,
        jeu=INFO.jeu,
    # les carnets de région sont les plus longs (jusqu'à plus d'une minute sur 100 territoires) : lancés
    # d'abord, ils ne finissent pas seuls, après les 200 carnets courts des territoires
    priority: 5
    shell:
        "{PYTHON} -m paquet_analyse carnet {input.modele:q} {output.carnet:q} --html {output.html:q}"
        " --parametre jeu={params.jeu:q}"


# Le rapport de la région à remettre (PDF et HTML) : tiré des tableaux et figures que les carnets de la région
# ont publiés, donc écrit après eux.
rule rapport_region:
    input:
        expand(f"{SORTIE}/rapports/{{n}}.html", n=[*VALIDATION, *REGION]),
    output:
        html=update(f"{SORTIE}/rapport_region/rapport_{INFO.nom}.html"),
        pdf=update(f"{SORTIE}/rapport_region/rapport_{INFO.nom}.pdf"),
    params:
        empreinte=INFO.empreinte_donnees,
        jeu=JEU,
    shell:
        "{PYTHON} -m paquet_analyse rapport-region {params.jeu:q} {output.html:q} {output.pdf:q}"


rule index:
    input:
        expand(f"{SORTIE}/rapports/{{n}}.html", n=[*VALIDATION, *REGION]),
        expand(f"{SORTIE}/rapports/territoires/{{t}}/{{n}}.html", t=TERRITOIRES, n=PAR_TERRITOIRE),
        f"{SORTIE}/rapport_region/rapport_{INFO.nom}.html",
        f"{SORTIE}/rapport_region/rapport_{INFO.nom}.pdf",
    output:
        index=update(f"{SORTIE}/index.html"),
        manifeste=update(f"{SORTIE}/manifeste.json"),
    params:
        empreinte=INFO.empreinte_donnees,
        territoires=INFO.territoires,
        jeu=JEU,
    # une commande plutôt qu'un bloc `run:`, que Snakemake exécute en relisant tout le Snakefile (3 à 4 s)
    shell:
        "{PYTHON} -m paquet_analyse index {params.jeu:q} {output.index:q} {output.manifeste:q}"
