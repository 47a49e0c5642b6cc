"""Documents YAML du projet (`jeu.yml`, `plan_analyse.yml`) : une lecture stricte, un contrôle.

- `lire_yaml` : lecture stricte (une clé en double est refusée : PyYAML
  garderait la dernière en silence), erreurs de syntaxe dites en français
  avec leur ligne et leur colonne ;
- `erreurs_pydantic` : les erreurs d'un modèle pydantic (v2), une par
  problème, avec leur emplacement et un message français. Les validateurs des
  modèles lèvent `PydanticCustomError` avec leur message français ; les
  erreurs génériques de pydantic (clé absente, clé inconnue, type) sont
  traduites ici. Chaque document met ensuite ses erreurs en forme (une puce
  par problème, tous les problèmes à la fois).

Exemple
-------
>>> from pydantic import BaseModel, ConfigDict, ValidationError
>>> class Modele(BaseModel):
...     model_config = ConfigDict(extra="forbid")
...     titre: str
>>> try:
...     Modele.model_validate({"titr": "x"})
... except ValidationError as exc:
...     [(e.lieu, e.genre, e.message) for e in erreurs_pydantic(exc)]
[(('titre',), 'missing', 'champ obligatoire absent'), (('titr',), 'extra_forbidden', 'clé inconnue')]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from . import chemins
from .erreurs import ErreurJeu, ErreurPaquet


class ChargeurYamlStrict(yaml.SafeLoader):
    """Chargeur YAML qui refuse les clés en double (PyYAML garde la dernière en silence)."""

    def construct_mapping(self, node, deep=False):
        vues = set()
        for noeud_cle, _ in node.value:
            if noeud_cle.tag == "tag:yaml.org,2002:merge":
                continue
            cle = self.construct_object(noeud_cle, deep=deep)
            if cle in vues:
                raise yaml.constructor.ConstructorError(
                    None, None, f"clé « {cle} » en double", noeud_cle.start_mark)
            vues.add(cle)
        return super().construct_mapping(node, deep=deep)


ERREURS_YAML = {
    "en double": None,  # message déjà en français (ChargeurYamlStrict)
    "cannot start any token": "caractère interdit en début de valeur (une tabulation ? des espaces seulement)",
    "mapping values are not allowed": "deux-points mal placé (une valeur qui contient « : » s'entoure de guillemets)",
    "could not find expected ':'": "deux-points manquant après une clé",
    "expected <block end>": "indentation incohérente",
    "found undefined alias": "alias (*nom) sans ancre (&nom) correspondante",
    "while scanning a quoted scalar": "guillemet jamais refermé",
}


def lire_yaml(chemin: Path, *, erreur: type[ErreurPaquet] = ErreurJeu) -> Any:
    """Lit un document YAML strictement ; lève `erreur` (message français) s'il est illisible.

    Un fichier absent lève `FileNotFoundError` (chaque document a son message).
    """
    affiche = chemins.relatif(chemin)
    try:
        return yaml.load(Path(chemin).read_text(encoding="utf-8-sig"), Loader=ChargeurYamlStrict)
    except UnicodeDecodeError:
        raise erreur(f"{affiche} : le fichier n'est pas en UTF-8. L'enregistrer en UTF-8 "
                     "(la plupart des éditeurs le proposent dans « Enregistrer sous »).") from None
    except yaml.YAMLError as exc:
        marque = getattr(exc, "problem_mark", None)
        ou = f" à la ligne {marque.line + 1}, colonne {marque.column + 1}" if marque else ""
        brut = f"{getattr(exc, 'context', '') or ''} {getattr(exc, 'problem', '') or ''}"
        cause = next((fr or str(exc.problem) for en, fr in ERREURS_YAML.items() if en in brut),
                     "syntaxe invalide")
        raise erreur(f"{affiche} : YAML illisible{ou} : {cause}. Vérifier l'indentation (des espaces, "
                     "jamais de tabulations), les deux-points et les guillemets.") from None


# --------------------------------------------------------------------------
# Erreurs pydantic en français


GENRE_FRANCAIS = "message_francais"  # genre des erreurs levées par nos validateurs (`refus`)
MESSAGES_PYDANTIC = {
    "missing": "champ obligatoire absent",
    "extra_forbidden": "clé inconnue",
    "dict_type": "dictionnaire attendu",
    "model_type": "dictionnaire attendu",
    "model_attributes_type": "dictionnaire attendu",
    "list_type": "liste attendue",
    "string_type": "texte attendu",
    "int_type": "nombre entier attendu",
    "int_parsing": "nombre entier attendu",
    "int_from_float": "nombre entier attendu",
    "float_type": "nombre attendu",
    "float_parsing": "nombre attendu",
    "bool_type": "true ou false attendu",
    "bool_parsing": "true ou false attendu",
}


@dataclass(frozen=True)
class ErreurChamp:
    """Une erreur de validation : emplacement (clés et positions), genre pydantic, message français."""

    lieu: tuple
    genre: str
    message: str
    recu: Any = None

    @property
    def cle(self) -> Any:
        """La clé en cause (dernière de l'emplacement, hors `[key]`)."""
        lieu = self.lieu[:-1] if self.lieu[-1:] == ("[key]",) else self.lieu
        return lieu[-1] if lieu else None

    @property
    def parent(self) -> tuple:
        """L'emplacement du dictionnaire qui contient la clé en cause."""
        lieu = self.lieu[:-1] if self.lieu[-1:] == ("[key]",) else self.lieu
        return lieu[:-1]


def erreurs_pydantic(exc: ValidationError) -> list[ErreurChamp]:
    """Les erreurs d'une validation pydantic, dans l'ordre, chacune avec un message français.

    Une erreur levée par un validateur (`PydanticCustomError`) garde son
    message ; une erreur générique est traduite (`MESSAGES_PYDANTIC`).
    """
    erreurs = []
    for e in exc.errors(include_url=False):
        genre = e["type"]
        if genre == GENRE_FRANCAIS:
            message = e["msg"]
        elif genre in MESSAGES_PYDANTIC:
            message = MESSAGES_PYDANTIC[genre]
        elif genre == "literal_error":
            message = f"valeur « {e.get('input')} » invalide (permises : {e['ctx'].get('expected')})"
        else:
            message = f"valeur « {e.get('input')} » invalide"
        erreurs.append(ErreurChamp(tuple(e["loc"]), genre, message, e.get("input")))
    return erreurs


def refus(message: str) -> PydanticCustomError:
    """Erreur à lever dans un validateur de modèle : son message (français) est gardé tel quel."""
    return PydanticCustomError(GENRE_FRANCAIS, message)
