"""paquet_analyse : analyse reproductible des instances de concertation.

Modules : chemins, dictionnaire, chargement, validation, indicateurs,
associations, modeles, reseau, confidentialite, figures, simulation, sorties,
cli.
"""

__version__ = "0.1.0"
