"""L'interface en ligne de commande parle français et ne montre jamais de trace Python."""

from __future__ import annotations

import subprocess
import sys

import pytest

from paquet_analyse import chemins, cli, provenance


def _lancer(*args):
    return subprocess.run([sys.executable, "-m", "paquet_analyse", *args], capture_output=True, text=True,
                          cwd=chemins.racine())


def test_aide_en_francais():
    r = _lancer("--help")
    assert r.returncode == 0
    assert "usage :" in r.stdout and "afficher cette aide" in r.stdout
    for verbe in ("valider", "portrait", "simuler", "livre-codes"):
        assert verbe in r.stdout


@pytest.mark.parametrize("verbe", ["valider", "portrait", "simuler", "executer", "carnet", "livre-codes"])
def test_aide_de_chaque_verbe(verbe):
    r = _lancer(verbe, "--help")
    assert r.returncode == 0 and "afficher cette aide et quitter" in r.stdout


def test_argument_manquant():
    r = _lancer("valider")
    assert r.returncode == 2 and "arguments obligatoires manquants : dossier_jeu" in r.stderr


def test_dossier_inexistant_message_sans_trace(tmp_path):
    r = _lancer("valider", str(tmp_path / "nulle_part"))
    assert r.returncode == 1 and "n'existe pas" in r.stderr and "Traceback" not in r.stderr


def test_portrait_les_moulins(capsys):
    assert cli.main(["portrait", str(chemins.jeu_defaut()), "--territoire", "Les Moulins"]) == 0
    sortie = capsys.readouterr().out
    assert "(données SIMULÉES)" in sortie
    ligne = next(l for l in sortie.splitlines() if "Concertations créées depuis 2000" in l)  # année du plan
    assert ligne.split()[-6:] == ["70,0", "%", "42", "60", "57,5", "80,1"]  # part, n/N, Wilson 95 %
    for part in ("75,0", "50,0", "44,0", "60,1"):
        assert f" {part} " in sortie
    assert "aucune suppression" in sortie  # la note de la protection accompagne toujours le tableau


def test_valider_jeu_defaut(tmp_path, capsys):
    assert cli.main(["valider", str(chemins.jeu_defaut()), "--rapport", str(tmp_path / "p.csv")]) == 0
    assert "valide" in capsys.readouterr().out


def test_carnet_parametre_mal_forme(tmp_path, capsys):
    assert cli.main(["carnet", "carnets/01_validation_donnees.ipynb", str(tmp_path / "x.ipynb"),
                     "--parametre", "jeu"]) == 2
    assert "attendu NOM=VALEUR" in capsys.readouterr().err


def test_executer_dossier_sans_jeu_yml(tmp_path, capsys):
    assert cli.main(["executer", str(tmp_path)]) == 1
    assert "jeu.yml : fichier absent" in capsys.readouterr().err


def test_commit_sources_distingue_non_versionne_et_modifie(tmp_path, monkeypatch):
    """De nouvelles données jamais versionnées ne sont pas des « sources modifiées »."""
    import subprocess

    from paquet_analyse import execution

    depot = tmp_path / "depot"
    (depot / "paquet_analyse").mkdir(parents=True)
    (depot / "paquet_analyse" / "a.py").write_text("x = 1\n", encoding="utf-8")
    for commande in (["init", "-q"], ["add", "-A"], ["-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "c"]):
        subprocess.run(["git", *commande], cwd=depot, check=True)
    (depot / "donnees_brutes" / "nouveau").mkdir(parents=True)
    (depot / "donnees_brutes" / "nouveau" / "jeu.yml").write_text("titre: x\n", encoding="utf-8")
    monkeypatch.setattr(execution.chemins, "racine", lambda: depot)
    etat = provenance.commit_sources(depot / "donnees_brutes" / "nouveau")
    assert etat["sources_modifiees_depuis_le_commit"] is False and etat["fichiers_non_versionnes"] == 1
    (depot / "paquet_analyse" / "a.py").write_text("x = 2\n", encoding="utf-8")
    assert provenance.commit_sources(depot / "donnees_brutes" / "nouveau")["sources_modifiees_depuis_le_commit"] is True
