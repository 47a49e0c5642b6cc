"""Exécution des carnets (papermill).

- `executer_carnet` : exécute un modèle de `carnets/` avec des paramètres
  contrôlés (un nom inconnu est refusé : papermill se contente d'avertir),
  le noyau `python3` de l'environnement courant, puis retire du carnet
  exécuté ce qui varie d'une exécution à l'autre (horodatages, durées,
  chemins absolus) et l'écrit atomiquement. Quand le flux a démarré un
  serveur de noyaux chauds (`noyau_chaud`), le noyau en vient : mêmes
  sorties, sans refaire les imports lourds à chaque carnet.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import chemins, ecriture, noyau_chaud
from .erreurs import ErreurPaquet

NOYAU = "python3"


@dataclass(frozen=True)
class CarnetDuFlux:
    """Un carnet que le flux exécute : son modèle `carnets/<nom>.ipynb`, son titre, sa portée.

    `portee` : « validation » (le bilan de la préparation, tout le jeu), « territoire » (un carnet exécuté
    par territoire, paramètre `territoire`) ou « region » (tout le jeu) ; `synthese` : le carnet lit la
    synthèse des hypothèses de la région, calculée une fois avant lui (règle `synthese` du flux).
    """

    nom: str
    titre: str
    portee: str
    synthese: bool = False


#: Le registre des carnets : le flux (Snakefile), les rapports et la page d'index le lisent ici, et nulle
#: part ailleurs. Pour ajouter un carnet au flux : une ligne ici (README, « Étendre un carnet »).
CARNETS = (
    CarnetDuFlux("01_validation_donnees", "Validation des données", "validation"),
    CarnetDuFlux("02_portrait_territoire", "Portrait", "territoire"),
    CarnetDuFlux("03_associations_territoire", "Associations", "territoire"),
    CarnetDuFlux("04_comparaison_territoires", "Comparaison des territoires", "region", synthese=True),
    CarnetDuFlux("05_conditions_favorables", "Les huit conditions favorables", "region", synthese=True),
    CarnetDuFlux("06_reseau_concertations", "Réseau des concertations et hyperconcertation", "region"),
    CarnetDuFlux("07_puissance", "Puissance : combien de tables enquêter par MRC ?", "region"),
    CarnetDuFlux("modele_carnet", "Exemple d'analyse (modèle de carnet)", "region"),
)


def carnets(portee: str | None = None) -> tuple[CarnetDuFlux, ...]:
    """Les carnets du registre, tous ou d'une portée (« validation », « territoire », « region »)."""
    return tuple(c for c in CARNETS if portee is None or c.portee == portee)


def titre_du_carnet(nom: str) -> str:
    """Le titre d'un carnet du registre (son nom pour un carnet qui n'y est pas)."""
    return next((c.titre for c in CARNETS if c.nom == nom), nom)


class ErreurCarnet(ErreurPaquet, RuntimeError):
    """Un carnet a échoué : le message nomme le carnet, la cellule et la cause."""


def parametres_du_modele(modele: Path) -> dict:
    """Noms et valeurs par défaut de la cellule `parameters` d'un modèle."""
    import papermill

    return {nom: info["default"] for nom, info in papermill.inspect_notebook(str(modele)).items()}


def _controler_parametres(modele: Path, parametres: dict) -> None:
    permis = parametres_du_modele(modele)
    inconnus = sorted(set(parametres) - set(permis))
    if inconnus:
        raise ErreurCarnet(f"{chemins.relatif(modele)} : paramètre(s) inconnu(s) {', '.join(inconnus)} "
                           f"(paramètres du carnet : {', '.join(permis) or 'aucun'}).")


def nettoyer_carnet(nb) -> None:
    """Retire horodatages, durées et chemins des métadonnées (octets reproductibles)."""
    for cellule in nb.cells:
        for cle in ("papermill", "execution", "collapsed", "scrolled"):
            cellule.metadata.pop(cle, None)
        if "injected-parameters" in cellule.metadata.get("tags", []):
            cellule["id"] = "parametres-injectes"  # papermill lui donne un identifiant aléatoire
    papermill_meta = nb.metadata.get("papermill", {})
    nb.metadata["papermill"] = {"parameters": papermill_meta.get("parameters", {})}
    nb.metadata.pop("widgets", None)


def executer_carnet(modele: str | Path, sortie: str | Path, parametres: dict, *, delai: int = 900) -> Path:
    """Exécute `modele` avec `parametres` et écrit le carnet exécuté en `sortie`.

    Le noyau tourne dans le dossier de `sortie` (comme nbval plus tard). En
    cas d'échec, le carnet partiel est écrit à côté (`*.echec.ipynb`) et
    `ErreurCarnet` nomme le carnet, la cellule et la cause.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    modele, sortie = Path(modele), Path(sortie)
    _controler_parametres(modele, parametres)
    sortie.parent.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(modele, as_version=4)
    # le noyau vient du serveur de noyaux chauds quand le flux en a démarré un ; sinon lancement ordinaire, par
    # le même gestionnaire (pas de lignes alarmantes à l'arrêt du noyau : voir `GestionnaireChaud`)
    options = {"kernel_manager_class": noyau_chaud.GestionnaireChaud}
    echec = sortie.with_name(sortie.stem + ".echec.ipynb")
    executes = []  # le carnet tel que le moteur le rend, erreur comprise (papermill ne le rend pas s'il lève)
    try:
        nb = papermill.execute_notebook(nb, None, parameters=parametres, kernel_name=NOYAU,
                                        cwd=str(sortie.parent), progress_bar=False, log_output=False,
                                        execution_timeout=delai, engine_name=_moteur(executes), **options)
    except PapermillExecutionError as exc:
        partiel = executes[-1] if executes else None
        if partiel is not None:
            from papermill.execute import ERROR_MARKER_TAG

            # papermill y a ajouté deux cellules de balisage en anglais : l'erreur se lit dans sa cellule
            partiel.cells = [c for c in partiel.cells if ERROR_MARKER_TAG not in c.metadata.get("tags", [])]
            nettoyer_carnet(partiel)
            ecriture.ecrire_texte(nbformat.writes(partiel) + "\n", echec)
        # papermill compte la cellule de paramètres qu'il injecte ; on donne le rang dans le modèle
        balisees = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
        injectee_avant = bool(parametres) and (not balisees or exc.cell_index > balisees[0])
        rang = exc.cell_index + (0 if injectee_avant else 1)
        raise ErreurCarnet(
            f"Le carnet {chemins.relatif(modele)} (paramètres {parametres}) a échoué à la cellule {rang} "
            f"du modèle : {exc.ename} : {exc.evalue}"
            + (f" — carnet partiel : {chemins.relatif(echec)}" if partiel else "")
        ) from None
    nettoyer_carnet(nb)
    ecrit = ecriture.ecrire_texte(nbformat.writes(nb) + "\n", sortie)
    echec.unlink(missing_ok=True)  # l'échec d'une exécution précédente n'a plus lieu d'être
    return ecrit


MOTEUR = "paquet_analyse"


def _moteur(recueil: list) -> str:
    """Le moteur papermill ordinaire (nbclient), qui garde en plus dans `recueil` le carnet exécuté : en cas
    d'erreur dans une cellule, papermill lève `PapermillExecutionError` sans rendre le carnet, dont on veut
    écrire la version partielle (sorties et trace de l'erreur). Renvoie le nom sous lequel il est inscrit."""
    from papermill.engines import NBClientEngine, papermill_engines

    class MoteurQuiGarde(NBClientEngine):
        @classmethod
        def execute_notebook(cls, nb, kernel_name, **options):
            recueil.append(super().execute_notebook(nb, kernel_name, **options))
            return recueil[-1]

    papermill_engines.register(MOTEUR, MoteurQuiGarde)
    return MOTEUR
