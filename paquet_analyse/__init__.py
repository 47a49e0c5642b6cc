"""paquet_analyse : analyse reproductible des instances de concertation.

Six couches, des imports vers le bas seulement (`couches`, docs/architecture.md) :

- sol : `chemins`, `erreurs`, `texte`, `affichage`, `ecriture`, `provenance`, `couches` ;
- données : `dictionnaire`, `documents_yaml`, `territoires`, `identifiants_directs`, `chargement`,
  `validation`, `plan`, `derivees`, `donnees`, `etat_preparation`, `preparation`, `simulation`,
  `questionnaire`, `jeu_depuis_export`, `regions_simulees` ;
- statistiques : `controles`, `associations`, `modeles`, `fiabilite`, `indicateurs`, `reseau`, `puissance`,
  `puissance_simulee`, `meta_analyse` ;
- étude : `hypotheses`, `portraits`, `synthese_region`, `analyses`, `interpretation`, `planification`, `constats`,
  `figures` ;
- publication : `confidentialite`, `diffusion`, `sorties`, `carnet`, `resume_region`,
  `regions_recues`, `comparaison_regions` ;
- orchestration : `noyau_chaud`, `execution`, `rapports`, `rapport_region`, `serveur_noyaux`, `flux`, `flux_regions`,
  `verification_resultats`, `cli`.
"""

__version__ = "0.1.0"
