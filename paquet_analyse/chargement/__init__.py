"""Lecture d'un jeu de données : `jeu.yml`, puis les fichiers qu'il nomme.

Formats : CSV (UTF-8, UTF-8 avec BOM, UTF-16 « Texte Unicode » d'Excel,
Windows-1252/Latin-1 ; séparateurs `,` `;` tabulation `|` ; virgule
décimale), XLSX, SPSS `.sav`, Stata `.dta` (les étiquettes de valeurs passent
par la `correspondance`).

Le chargement ne modifie jamais les fichiers bruts. Il produit :

- `Jeu.brut[table]` : le texte normalisé (colonnes et codes renommés selon la
  correspondance, valeurs manquantes déclarées mises à NA), indexé par le
  numéro de ligne du fichier (la ligne où commence l'enregistrement, même
  après une valeur sur plusieurs lignes ou une ligne vide ; la ligne Excel ;
  le numéro d'observation SPSS/Stata) ;
- `Jeu.instances`, `Jeu.participants`, `Jeu.territoires` : les tableaux typés
  (catégories du dictionnaire, entiers nullables, booléens), typés en un seul
  passage qui produit aussi les problèmes : une valeur non manquante qui ne se
  type pas y devient NA ET figure dans `Jeu.problemes` (fichier, ligne,
  colonne, valeur brute, correction) ; `validation.valider_jeu` examine les
  tableaux typés et reprend ces problèmes.

Un fichier illisible (vide, binaire, séparateur ou encodage déclarés faux,
feuille absente, guillemet jamais refermé…) lève `ErreurLecture`, dont
`problemes` liste chaque problème de chaque fichier, avec sa correction.

Une étape par module :

- `descripteur` : `jeu.yml` (schéma, tous les problèmes à la fois) ;
- `decodage` : des octets au texte (encodages) ;
- `detection` : séparateur, ligne d'en-tête, lignes à écarter ;
- `lecteurs` : un lecteur par format (CSV, Excel, SPSS/Stata) ;
- `entetes` : conventions d'en-têtes des outils (groupes Kobo/ODK, sous-questions
  LimeSurvey, colonnes de métadonnées) ;
- `correspondance` : colonnes et codes bruts -> dictionnaire, valeurs manquantes ;
- `exclusions` : lignes laissées hors de l'analyse, déclarées dans `jeu.yml`
  (chacune au rapport avec son motif ; les participants suivent leur instance) ;
- `identifiants` : références saisies à la main (« bsl-003 ») ramenées au seul
  code connu qui n'en diffère que par la casse ou les espaces, avec un avertissement ;
- `typage` : colonnes typées selon le dictionnaire ;
- `jeu` : le `Jeu` et `charger_jeu`.

Exemple
-------
>>> from paquet_analyse import chargement, chemins
>>> jeu = chargement.charger_jeu(chemins.jeu_defaut())
>>> jeu.simule
True
"""

from __future__ import annotations

from . import entetes, exclusions, identifiants
from .commun import message_lecture, normaliser_nom
from .correspondance import FAUX, JETONS_IDENTIFIANTS, VRAI, est_identifiant_direct, noms_attendus
from .descripteur import (CLES_DESCRIPTEUR, EXTENSIONS, EXTENSIONS_EXCEL, EXTENSIONS_TEXTE, OPTIONS_FICHIER,
                          lire_descripteur)
from .detection import LIGNES_EXAMINEES_ENTETE, NOMS_SEPARATEURS, SEPARATEURS
from .exclusions import REGLE as REGLE_EXCLUSION
from .jeu import Jeu, charger_jeu
from .lecteurs import lire_tableau
from .typage import REGLES_DE_VALEUR, nombre, typer, typer_colonne, typer_table

__all__ = [
    "REGLE_EXCLUSION", "entetes", "exclusions", "identifiants", "CLES_DESCRIPTEUR", "EXTENSIONS", "EXTENSIONS_EXCEL", "EXTENSIONS_TEXTE", "FAUX", "JETONS_IDENTIFIANTS",
    "LIGNES_EXAMINEES_ENTETE", "NOMS_SEPARATEURS", "OPTIONS_FICHIER", "REGLES_DE_VALEUR", "SEPARATEURS", "VRAI", "Jeu",
    "charger_jeu", "est_identifiant_direct", "lire_descripteur", "lire_tableau", "message_lecture", "nombre",
    "noms_attendus", "normaliser_nom", "typer", "typer_colonne", "typer_table",
]
