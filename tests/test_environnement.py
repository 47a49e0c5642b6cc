"""environment.yml (conda, Binder), pyproject.toml et requirements.lock disent la même chose."""

from __future__ import annotations

import re
import tomllib

import yaml

from paquet_analyse import chemins

RACINE = chemins.racine()


def _nom(exigence: str) -> str:
    return re.split(r"[<>=!~;\[ ]", exigence.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _verrou() -> dict[str, str]:
    lignes = (RACINE / "requirements.lock").read_text(encoding="utf-8").splitlines()
    return {_nom(l): l.split("==")[1].strip() for l in lignes if "==" in l}


def _environnement() -> dict[str, str]:
    env = yaml.safe_load((RACINE / "environment.yml").read_text(encoding="utf-8"))
    paquets = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for d in dep["pip"]:
                if "==" in d:
                    paquets[_nom(d)] = d.split("==")[1]
        elif "=" in dep and not dep.startswith("python="):
            nom, version = dep.split("=", 1)
            paquets[nom.lower()] = version
    return paquets


def test_memes_paquets_que_pyproject():
    projet = tomllib.loads((RACINE / "pyproject.toml").read_text(encoding="utf-8"))
    directs = {_nom(d) for d in projet["project"]["dependencies"]}
    assert set(_environnement()) == directs


def test_memes_versions_que_le_verrou():
    verrou = _verrou()
    for nom, version in _environnement().items():
        assert verrou.get(nom) == version, f"{nom} : environment.yml {version} ≠ requirements.lock {verrou.get(nom)}"


def test_verrou_satisfait_les_bornes_de_pyproject():
    from packaging.requirements import Requirement

    verrou = _verrou()
    projet = tomllib.loads((RACINE / "pyproject.toml").read_text(encoding="utf-8"))
    for exigence in projet["project"]["dependencies"]:
        req = Requirement(exigence.split("#")[0])
        assert req.specifier.contains(verrou[_nom(req.name)]), exigence


def test_python_et_canal():
    env = yaml.safe_load((RACINE / "environment.yml").read_text(encoding="utf-8"))
    assert env["channels"] == ["conda-forge"]
    assert "python=3.11" in env["dependencies"]
