"""Les exemples des docstrings du paquet s'exécutent et donnent ce qu'ils affichent."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import paquet_analyse

MODULES = sorted(m.name for m in pkgutil.iter_modules(paquet_analyse.__path__) if m.name != "__main__")


@pytest.mark.parametrize("nom", MODULES)
def test_exemples_des_docstrings(nom):
    module = importlib.import_module(f"paquet_analyse.{nom}")
    resultat = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert resultat.failed == 0
