"""Le jeu chargé (`Jeu`) et son point d'entrée (`charger_jeu`)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import chemins, dictionnaire
from ..erreurs import AvertissementCorrespondance, ErreurLecture, Probleme
from .commun import message_lecture
from .correspondance import noms_attendus, normaliser_valeurs, renommer_colonnes
from .descripteur import lire_descripteur, spec_fichier
from .exclusions import REGLE as REGLE_EXCLUSION
from .exclusions import TableLue, lignes_exclues, suivre_instances
from .identifiants import codes_voisins, normaliser_references
from .lecteurs import Lecture, lire
from .typage import typer_table


class LectureDescripteur:
    """Ce qu'un jeu dit de lui-même dans `jeu.yml` (partagé par le jeu lu et le jeu préparé)."""

    descripteur: dict
    nom: str

    @property
    def titre(self) -> str:
        return str(self.descripteur.get("titre", self.nom))

    @property
    def simule(self) -> bool:
        return bool(self.descripteur.get("simule", False))

    @property
    def annee_enquete(self) -> int:
        return int(self.descripteur["annee_enquete"])


@dataclass
class Jeu(LectureDescripteur):
    """Un jeu de données chargé.

    `brut[table]` : texte normalisé, indexé par le numéro de ligne du fichier ;
    `instances`, `participants`, `territoires` : tableaux typés (index 0, 1, …,
    dans l'ordre de `brut`) ; `problemes` : problèmes de lecture et de typage
    (une valeur refusée au typage est NA dans le tableau typé, et signalée ici) ;
    `lu[table][variable]` : la colonne telle que lue, avant la correspondance,
    pour les seules variables dont jeu.yml déclare des étiquettes (les messages
    citent ainsi la valeur brute).
    """

    dossier: Path
    descripteur: dict
    fichiers: dict[str, Path]
    brut: dict[str, pd.DataFrame]
    instances: pd.DataFrame
    participants: pd.DataFrame
    territoires: pd.DataFrame | None
    problemes: list[Probleme] = field(default_factory=list)
    lu: dict[str, dict[str, pd.Series]] = field(default_factory=dict)

    @property
    def nom(self) -> str:
        return self.dossier.name

    def liste_territoires(self) -> list[str]:
        """Territoires présents dans les instances, triés."""
        return sorted(self.instances["territoire"].dropna().unique().tolist())

    def fichier_affiche(self, table: str) -> str:
        return chemins.relatif(self.fichiers[table])

    @property
    def lignes_exclues(self) -> list[Probleme]:
        """Les lignes laissées hors de l'analyse (exclusions de jeu.yml), une information chacune."""
        return [p for p in self.problemes if p.regle == REGLE_EXCLUSION]


def _lire_table(dossier: Path, desc: dict, table: str) -> tuple[Path, Lecture]:
    spec = spec_fichier(desc, table)
    cible = dossier / str(spec.pop("chemin"))
    attendues = noms_attendus(table, desc.get("correspondance"))
    return cible, lire(cible, attendues=attendues, **spec)


def _preparer_table(lecture: Lecture, table: str, desc: dict,
                    fichier: str) -> tuple[pd.DataFrame, dict[str, pd.Series], list]:
    """Renomme et normalise une table lue ; problèmes de lecture rattachés aux variables.

    Renvoie (texte normalisé, colonnes brutes des variables à étiquettes déclarées, problèmes).
    """
    problemes = []
    if lecture.tableau.empty:
        problemes.append(Probleme(fichier, None, None, None, "fichier_sans_donnees",
                                  "le fichier ne contient aucune ligne de données (en-tête seul).",
                                  "Exporter de nouveau avec les réponses."))
    renomme, probs, noms = renommer_colonnes(lecture.tableau, table, desc.get("correspondance") or {}, fichier)
    for p in lecture.problemes:
        if p.regle in ("formule_sans_valeur", "encodage_mixte") and p.colonne is not None:
            if p.colonne in noms:
                p = Probleme(**(p.en_dict() | {"colonne": noms[p.colonne]}))
            elif p.regle == "formule_sans_valeur":
                continue  # colonne écartée : sa formule ne compte pas
            else:
                p = Probleme(**(p.en_dict() | {"gravite": "information"}))
        problemes.append(p)
    normalise, lues, probs_codes = normaliser_valeurs(renomme, table, desc, fichier=fichier)
    return normalise, lues, problemes + probs + probs_codes


def _exclure(dossier: Path, desc: dict, fichiers: dict[str, Path], lectures: dict[str, Lecture],
             bruts: dict[str, pd.DataFrame], lus: dict) -> tuple[dict, dict, list[Probleme]]:
    """Exclusions déclarées (jeu.yml), références d'identifiants saisies à la main, puis les lignes exclues
    retirées du texte normalisé (les fichiers bruts ne sont pas touchés). Renvoie (bruts, lus, problèmes :
    une information par ligne exclue, et les avertissements)."""
    tables = {t: TableLue(t, chemins.relatif(fichiers[t]), lectures[t].tableau, bruts[t]) for t in bruts}
    exclues, problemes = lignes_exclues(tables, desc, fichier_jeu=chemins.relatif(dossier / "jeu.yml"))
    references = []
    if {"instances", "participants"} <= set(bruts) and "id_instance" in bruts["instances"].columns \
            and "id_instance" in bruts["participants"].columns:
        codes = bruts["instances"]["id_instance"]
        fichier_inst = tables["instances"].fichier
        problemes += codes_voisins(codes.drop(index=list(exclues["instances"])), fichier=fichier_inst,
                                   colonne="id_instance")
        part = bruts["participants"].copy()
        part["id_instance"], references = normaliser_references(
            part["id_instance"], codes.dropna(), fichier=tables["participants"].fichier, colonne="id_instance",
            fichier_codes=fichier_inst)
        bruts["participants"] = tables["participants"].brut = part
        exclues["participants"].update(suivre_instances(tables, exclues))
    gardes = {t: b.index[~b.index.isin(list(exclues[t]))] for t, b in bruts.items()}
    problemes += [p for p in references if p.ligne in gardes["participants"]]
    problemes += [p for t in bruts for _, p in sorted(exclues[t].items())]
    bruts = {t: b.loc[gardes[t]] for t, b in bruts.items()}
    lus = {t: {v: s.loc[gardes[t]] for v, s in lus[t].items()} for t in lus}
    return bruts, lus, problemes


def _avertir(problemes: list[Probleme], dossier: Path) -> None:
    """Chaque avertissement aussi sur la console (stderr), rattaché à jeu.yml : il ne bloque rien,
    mais une correspondance qui ne s'applique pas ne doit pas passer inaperçue."""
    for p in problemes:
        if p.gravite == "avertissement":
            warnings.warn_explicit(AvertissementCorrespondance(f"Avertissement : {p.en_texte()}"),
                                   AvertissementCorrespondance, chemins.relatif(dossier / "jeu.yml"), 0)


def charger_jeu(chemin: str | Path) -> Jeu:
    """Charge le jeu décrit par `<chemin>/jeu.yml`.

    Paramètres
    ----------
    chemin : dossier du jeu (contenant `jeu.yml`).

    Renvoie
    -------
    Jeu : tableaux typés, texte normalisé (`brut`), et les problèmes de
    lecture et de typage (`problemes` : chaque valeur non manquante refusée
    au typage y est, avec fichier, ligne, colonne et valeur brute).
    Un descripteur incohérent lève `ErreurJeu` ; un fichier illisible lève
    `ErreurLecture` (tous les fichiers illisibles à la fois). Un problème de
    contenu (code inconnu, doublon…) n'arrête pas le chargement :
    `valider_jeu` les rapporte tous. Les avertissements (correspondance
    déclarée qui ne s'applique pas) sont aussi émis comme
    `AvertissementCorrespondance` (affichés sur la console).
    """
    dossier = Path(chemin)
    desc = lire_descripteur(dossier)
    fichiers, lectures, fatals = {}, {}, []
    for table in dictionnaire.TABLES:
        if table in desc["fichiers"]:
            try:
                fichiers[table], lectures[table] = _lire_table(dossier, desc, table)
            except ErreurLecture as exc:
                fatals += exc.problemes
            except OSError as exc:
                fatals.append(Probleme(chemins.relatif(dossier / str(spec_fichier(desc, table)["chemin"])),
                                       None, None, None, "fichier_inaccessible",
                                       f"lecture impossible ({exc.strerror or type(exc).__name__}).",
                                       "Vérifier les droits de lecture du fichier, ou qu'il n'est pas ouvert "
                                       "et verrouillé par un autre programme."))
    if fatals:
        raise ErreurLecture(message_lecture(fatals), fatals)
    bruts, lus, problemes = {}, {}, []
    for table, lecture in lectures.items():
        bruts[table], lus[table], probs = _preparer_table(lecture, table, desc, chemins.relatif(fichiers[table]))
        problemes += probs
    bruts, lus, probs = _exclure(dossier, desc, fichiers, lectures, bruts, lus)
    problemes += probs
    typees = {}
    codes = (desc.get("correspondance") or {}).get("codes") or {}
    for table, brut in bruts.items():
        typees[table], probs = typer_table(brut, table, fichier=chemins.relatif(fichiers[table]),
                                           lues=lus[table], codes=codes)
        problemes += probs
    _avertir(problemes, dossier)
    return Jeu(dossier=dossier, descripteur=desc, fichiers=fichiers, brut=bruts,
               instances=typees["instances"], participants=typees["participants"],
               territoires=typees.get("territoires"), problemes=problemes, lu=lus)
