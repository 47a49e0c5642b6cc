"""Les couches du paquet (paquet_analyse/couches.py) : imports vers le bas seulement, aucun cycle.

Le graphe des imports est lu dans le code (module `ast`), imports dans les
fonctions compris : un import paresseux ne cache ni un cycle ni un import
qui remonte. La documentation (docs/architecture.md, README, __init__) suit
le registre.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import networkx as nx
import pytest

from paquet_analyse import chemins, couches

PAQUET = chemins.racine() / "paquet_analyse"


def _nom_module(chemin: Path, racine: Path = PAQUET) -> str:
    relatif = chemin.relative_to(racine).with_suffix("")
    parties = [p for p in relatif.parts if p != "__init__"]
    return ".".join(parties) if parties else "__init__"


def _imports(chemin: Path, racine: Path = PAQUET) -> set[str]:
    """Modules du paquet importés par ce fichier (nom court : `chargement` pour ses sous-modules)."""
    arbre = ast.parse(chemin.read_text(encoding="utf-8"))
    nom = _nom_module(chemin, racine).split(".")
    paquet_du_fichier = nom[:-1] if chemin.name != "__init__.py" else nom
    cibles = set()
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.Import):
            for alias in noeud.names:
                if alias.name.startswith("paquet_analyse."):
                    cibles.add(alias.name.split(".")[1])
        elif isinstance(noeud, ast.ImportFrom):
            if noeud.level == 0:
                if noeud.module == "paquet_analyse":
                    cibles |= {a.name for a in noeud.names}
                elif noeud.module and noeud.module.startswith("paquet_analyse."):
                    cibles.add(noeud.module.split(".")[1])
                continue
            base = paquet_du_fichier[:len(paquet_du_fichier) - (noeud.level - 1)] if noeud.level > 1 \
                else paquet_du_fichier
            if noeud.module:
                cibles.add((base + noeud.module.split("."))[0] if base else noeud.module.split(".")[0])
            elif base:
                cibles.add(base[0])
            else:
                cibles |= {a.name for a in noeud.names}
    return {c for c in cibles if c != "paquet_analyse"}


def _graphe() -> nx.DiGraph:
    graphe = nx.DiGraph()
    for chemin in sorted(PAQUET.rglob("*.py")):
        source = _nom_module(chemin).split(".")[0]
        if source == "__init__":
            continue
        graphe.add_node(source)
        for cible in _imports(chemin):
            if cible != source:
                graphe.add_edge(source, cible)
    return graphe


def test_chaque_module_a_sa_couche():
    presents = {_nom_module(c).split(".")[0] for c in PAQUET.rglob("*.py")} - {"__init__"}
    inscrits = set(couches.modules())
    assert presents - inscrits == set(), "modules absents du registre des couches (paquet_analyse/couches.py)"
    assert inscrits - presents == set(), "modules du registre qui n'existent plus"


def test_aucun_import_ne_remonte():
    remontees = [f"{a} ({couches.couche_de(a)}) importe {b} ({couches.couche_de(b)})"
                 for a, b in _graphe().edges if couches.rang(couches.couche_de(b)) > couches.rang(couches.couche_de(a))]
    assert remontees == []


def test_aucun_cycle():
    assert list(nx.simple_cycles(_graphe())) == []


def test_le_test_voit_les_imports_dans_les_fonctions(tmp_path):
    """Garde-fou du test lui-même : un import paresseux qui remonte serait vu."""
    fichier = PAQUET / "ecriture.py"
    source = fichier.read_text(encoding="utf-8")
    arbre_avec = source + "\n\ndef _f():\n    from . import cli\n    from .chargement import jeu\n"
    copie = tmp_path / "paquet_analyse" / "ecriture.py"
    copie.parent.mkdir()
    copie.write_text(arbre_avec, encoding="utf-8")
    assert {"cli", "chargement"} <= _imports(copie, tmp_path / "paquet_analyse")


def test_aucun_nom_prive_importe_d_un_autre_module():
    fautes = []
    for chemin in PAQUET.rglob("*.py"):
        for noeud in ast.walk(ast.parse(chemin.read_text(encoding="utf-8"))):
            if isinstance(noeud, ast.ImportFrom) and (noeud.level or (noeud.module or "").startswith("paquet_analyse")):
                fautes += [f"{_nom_module(chemin)} : {a.name}" for a in noeud.names
                           if a.name.startswith("_") and a.name != "__version__"]
            if isinstance(noeud, ast.Attribute) and isinstance(noeud.value, ast.Name) \
                    and noeud.value.id in couches.modules() and noeud.attr.startswith("_") \
                    and not noeud.attr.startswith("__"):
                fautes.append(f"{_nom_module(chemin)} : {noeud.value.id}.{noeud.attr}")
    assert fautes == []


def _modules_documentes(texte: str) -> list[str]:
    return re.findall(r"`([a-z_]+)`", texte)


def test_architecture_md_suit_le_registre():
    """docs/architecture.md nomme chaque module, dans sa couche, avec sa phrase du registre."""
    texte = (chemins.racine() / "docs" / "architecture.md").read_text(encoding="utf-8")
    for couche, modules in couches.COUCHES:
        assert f"## {couche}" in texte.lower() or f"## couche {couche}" in texte.lower(), couche
        for module, travail in modules:
            assert f"`{module}` : {travail}" in texte, module


def test_init_et_readme_nomment_tous_les_modules():
    init = (PAQUET / "__init__.py").read_text(encoding="utf-8")
    readme = (chemins.racine() / "README.md").read_text(encoding="utf-8")
    for module in couches.modules():
        if module == "__main__":
            continue
        assert f"`{module}`" in init or module in init.split(), f"__init__ ne nomme pas {module}"
        assert f"`{module}`" in readme, f"README ne nomme pas {module}"


@pytest.mark.parametrize("module", ["flux", "cli", "serveur_noyaux"])
def test_l_orchestration_est_en_haut(module):
    assert couches.couche_de(module) == "orchestration"
