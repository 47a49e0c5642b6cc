"""La synthèse des hypothèses de la région, calculée une fois pour les carnets qui en ont besoin.

Le flux la calcule une fois (`python -m paquet_analyse synthese`, dans
`resultats/<jeu>/calculs/`) ; elle n'est reprise que si elle vaut pour ces
tables, ce plan et ce code (`empreinte_synthese`) ; sinon, calculée sur
place (`calculer_synthese`), mêmes nombres.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from . import chemins, ecriture, provenance
from .donnees import Donnees
from .hypotheses import tester_hypotheses
from .portraits import empreinte_tables

FICHIER_SYNTHESE = "synthese_region.parquet"
_CLE_EMPREINTE = b"paquet_analyse.empreinte"


def empreinte_synthese(donnees: Donnees, strates: dict | None = None) -> str:
    """Ce dont la synthèse de la région dépend : tables, plan (tel qu'en mémoire) et code du paquet."""
    return ecriture.hacher(empreinte_tables(donnees), repr(donnees.plan), provenance.empreinte_code(),
                           repr(sorted((k, sorted(v.items())) for k, v in (strates or {}).items())))


def calculer_synthese(donnees: Donnees, strates: dict | None = None) -> pd.DataFrame:
    """Toutes les hypothèses de portée région, avec p ajustée dans leur famille selon le plan (calcul)."""
    return tester_hypotheses(donnees, portee="region", strates=strates)


def synthese(donnees: Donnees, strates: dict | None = None) -> pd.DataFrame:
    """Toutes les hypothèses de portée région, avec p ajustée dans leur famille selon le plan.

    Le flux la calcule une fois (`python -m paquet_analyse synthese`, dans
    `resultats/<jeu>/calculs/`) pour les carnets 04 et 05, qui en ont tous
    deux besoin (05 : les p de H6 sont ajustées avec celles des autres tests
    d'association de la région). Elle n'est reprise que si elle vaut pour
    ces tables, ce plan et ce code (`empreinte_synthese`) ; sinon, calculée
    ici (`calculer_synthese`), mêmes nombres.
    """
    enregistree = _synthese_enregistree(donnees, strates)
    return enregistree if enregistree is not None else calculer_synthese(donnees, strates)


def _synthese_enregistree(donnees: Donnees, strates: dict | None = None) -> pd.DataFrame | None:
    chemin = chemins.dossier_calculs(donnees.jeu.nom) / FICHIER_SYNTHESE
    if donnees.territoire is not None or not chemin.is_file():
        return None
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(chemin)
    except (OSError, pa.ArrowException):
        return None  # illisible : recalculée
    if (table.schema.metadata or {}).get(_CLE_EMPREINTE, b"").decode() != empreinte_synthese(donnees, strates):
        return None
    return table.to_pandas()


def ecrire_synthese(donnees: Donnees, chemin: str | Path | None = None, *, strates: dict | None = None) -> Path | None:
    """Calcule la synthèse de la région et l'écrit (parquet, empreinte dans ses métadonnées), atomiquement.

    Enregistrée seulement si sa relecture redonne exactement le même tableau
    (valeurs et types) ; sinon le fichier écrit est vide et sans empreinte
    (le flux attend ce fichier ; il n'est jamais repris), None est rendu et
    chaque carnet calcule la synthèse lui-même.
    """
    import pyarrow as pa  # import paresseux : pyarrow ne sert qu'à écrire et relire ce fichier
    import pyarrow.parquet as pq

    chemin = Path(chemin) if chemin else chemins.dossier_calculs(donnees.jeu.nom) / FICHIER_SYNTHESE
    calculee = calculer_synthese(donnees, strates)
    tampon = io.BytesIO()
    try:
        table = pa.Table.from_pandas(calculee, preserve_index=True)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               _CLE_EMPREINTE: empreinte_synthese(donnees, strates).encode()})
        pq.write_table(table, tampon, compression="zstd")
        pd.testing.assert_frame_equal(pq.read_table(io.BytesIO(tampon.getvalue())).to_pandas(), calculee,
                                      check_exact=True)
    except (AssertionError, pa.ArrowException, TypeError, ValueError):  # colonne d'objets mêlés, etc.
        # le fichier attendu par le flux existe quand même, vide et sans empreinte : jamais repris
        tampon = io.BytesIO()
        pq.write_table(pa.table({"synthese_non_enregistree": pa.array([], pa.bool_())}), tampon)
        ecriture.ecrire_octets(tampon.getvalue(), chemin)
        return None
    return ecriture.ecrire_octets(tampon.getvalue(), chemin)
