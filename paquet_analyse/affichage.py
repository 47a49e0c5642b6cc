"""Ce qu'un carnet affiche, au plus bas : texte Markdown, image PNG, en-têtes français des colonnes.

Couche du sol, sans pandas ni IPython : les couches du dessus (analyses,
confidentialité, carnets) s'en servent sans dépendre les unes des autres.
"""

from __future__ import annotations


class Markdown:
    """Texte Markdown affiché par Jupyter (sans dépendre d'IPython à l'import)."""

    def __init__(self, texte: str):
        self.texte = texte

    def _repr_markdown_(self) -> str:
        return self.texte

    def __repr__(self) -> str:
        return self.texte


class Image:
    """PNG affiché par Jupyter : ses octets sont exactement ceux du fichier écrit."""

    def __init__(self, octets: bytes, nom: str):
        self.octets, self.nom = octets, nom

    def _repr_png_(self) -> bytes:
        return self.octets

    def __repr__(self) -> str:
        return f"Figure : {self.nom}"


# En-têtes français des colonnes techniques (les variables du dictionnaire
# prennent leur libellé du dictionnaire).
EN_TETES = {
    "id": "Hypothèse", "territoire": "Territoire", "exposition": "Exposition", "issue": "Issue",
    "effectif": "Effectif", "denominateur": "Dénominateur", "manquants": "Manquants", "mesure": "Mesure",
    "estimation": "Estimation", "ic_bas": "IC 95 % bas", "ic_haut": "IC 95 % haut", "p_valeur": "p",
    "p_ajustee": "p ajustée", "statut": "Statut", "methode": "Méthode", "test": "Test",
    "statistique": "Statistique", "ddl": "ddl", "v_cramer": "V de Cramér", "note": "Note",
    "indicateur": "Indicateur", "libelle": "Libellé", "niveau": "Niveau", "proportion": "Part ou taux",
    "unite": "Unité", "strate": "Territoire", "rapport_cotes": "Rapport de cotes",
    "informative": "Strate informative", "item": "Condition", "moyenne": "Moyenne", "ecart_type": "Écart-type",
    "correlation_item_total": "Corrélation item-total", "alpha_si_retire": "Alpha si retirée",
    "nb_instances": "Concertations", "nb_organisations": "Organisations", "nb_sieges": "Sièges",
    "nb_sieges_sans_organisation": "Sièges sans organisation", "nb_liens": "Liens", "densite": "Densité",
    "nb_composantes": "Composantes", "part_instances_isolees": "Part isolée",
    "moy_organisations_partagees": "Organisations partagées (moy.)",
    "max_organisations_partagees": "Organisations partagées (max.)", "degre_pondere_moyen": "Degré pondéré moyen",
    "centralisation_degre": "Centralisation", "population": "Population",
    "concertations_par_10000": "Pour 10 000 hab.", "rang": "Rang", "id_organisation": "Organisation (code)",
    "nb_territoires": "Territoires", "heures_mois_total": "Heures par mois", "nb_heures_manquantes": "Heures inconnues",
    "nb_concertations_declare_max": "Tables déclarées (max.)", "sur_sollicitation": "Sur-sollicitée",
    "groupe_1": "Groupe 1", "groupe_2": "Groupe 2", "n_1": "n (groupe 1)", "n_2": "n (groupe 2)",
    "moyenne_1": "Moyenne (groupe 1)", "moyenne_2": "Moyenne (groupe 2)", "mediane_1": "Médiane (groupe 1)",
    "mediane_2": "Médiane (groupe 2)", "difference": "Différence", "alternative": "Hypothèse alternative",
    "gravite": "Gravité", "fichier": "Fichier", "ligne": "Ligne", "colonne": "Colonne", "valeur": "Valeur",
    "regle": "Règle", "message": "Message", "correction": "Correction", "instances": "Concertations",
    "participants": "Participants", "nb_grappes": "Grappes", "famille": "Famille", "question": "Question",
    "portee": "Portée", "v": "V", "attendu_min": "Effectif attendu minimal",
    "case_sous_le_seuil": "Petite case (statistiques supprimées)", "graine": "Graine", "erreur_mc": "Erreur Monte-Carlo",
    "replicats": "Jeux simulés", "echecs": "Échecs", "seuil": "Seuil", "cci": "CCI", "supprime": "Petite case (statistiques supprimées)",
    "estimateur": "Estimateur", "hors_definition": "Hors définition", "famille_ajustement": "Famille d'ajustement",
    "puissance": "Puissance (écart prévu)", "puissance_cible": "Écart prévu",
    "rapport_cotes_ecart": "RC du territoire qui s'écarte", "nb_instances_par_territoire": "Concertations par MRC",
    "identifiant": "Identifiant", "motif": "Motif de l'exclusion",
    # comparaison des régions (comparaison_regions)
    "region": "Région", "source": "Résumé reçu", "annee_enquete": "Année de l'enquête", "simule": "Données simulées",
    "commit": "Commit des sources", "plan_sha256": "Plan (SHA-256)",
    "dictionnaire": "Dictionnaire (version)", "resume_sha256": "datapackage.json (SHA-256)",
    "hypotheses_sha256": "hypotheses.csv (SHA-256)", "verifie_par_manifeste": "Vérifié par le manifeste",
    "k": "Régions combinées", "i2": "I² (%)", "tau2": "τ²", "p_q": "p (Q de Cochran)",
    "pi_bas": "Prédiction 95 % bas", "pi_haut": "Prédiction 95 % haut", "fixe_estimation": "Effet fixe",
    "fixe_ic_bas": "Effet fixe, IC bas", "fixe_ic_haut": "Effet fixe, IC haut", "poids_meta": "Poids (%)",
    "ecart_standardise": "Écart standardisé", "nb_strates": "Strates",
    "meta_estimation": "Méta-analyse", "meta_ic_bas": "Méta-analyse, IC bas", "meta_ic_haut": "Méta-analyse, IC haut",
    "ecart": "Écart (échelle de la méta-analyse)",
}
# Valeurs codées des colonnes techniques.
VALEURS = {
    "mesure": {"rapport_cotes": "rapport de cotes", "difference": "différence de moyennes",
               "degre": "tables liées (degré)", "degre_pondere": "organisations partagées (degré pondéré)",
               "isolee": "part de tables isolées", "homogeneite": "homogénéité entre territoires"},
    "statut": {"ok": "estimé", "non_estimable": "non estimable"},
    "test": {"khi2": "khi-deux", "fisher_exact": "exact (Fisher)", "wald_gee": "Wald (GEE, grappes)",
             "wald_plan_f": "F de Wald (plan de sondage)", "wald_glm": "Wald", "aucun": "aucun",
             "score_miettinen_nurminen": "score (Miettinen-Nurminen)", "cmh": "CMH", "breslow_day": "Breslow-Day",
             "association": "association", "gee": "GEE"},
    "alternative": {"two-sided": "bilatérale", "less": "unilatérale (inférieure)", "greater": "unilatérale (supérieure)"},
    "unite": {"proportion": "%"},
}

