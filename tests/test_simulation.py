"""Le jeu simulé : reproductible octet pour octet, étiqueté simulé, effets plantés retrouvables."""

from __future__ import annotations

import numpy as np
import pytest

from paquet_analyse import chemins, derivees, indicateurs, simulation
from paquet_analyse.erreurs import ErreurDonnees


def test_fichiers_engages_regeneres_octet_pour_octet():
    attendus = simulation.fichiers_simules()
    dossier = chemins.jeu_defaut()
    assert sorted(p.name for p in dossier.iterdir()) == sorted(attendus)
    for nom, octets in attendus.items():
        assert (dossier / nom).read_bytes() == octets, f"{nom} diffère : relancer `python -m paquet_analyse simuler`"


def test_simuler_ecrit_puis_reconnait_identique(tmp_path):
    assert set(simulation.simuler(tmp_path / "s").values()) == {"écrit"}
    assert set(simulation.simuler(tmp_path / "s").values()) == {"identique"}


def test_simuler_refuse_d_ecraser_une_donnee_differente(tmp_path):
    simulation.simuler(tmp_path / "s")
    cible = tmp_path / "s" / "instances.csv"
    cible.write_text("modifié à la main", encoding="utf-8")
    with pytest.raises(ErreurDonnees, match="jamais écrasées"):
        simulation.simuler(tmp_path / "s")
    assert cible.read_text(encoding="utf-8") == "modifié à la main"


def test_autre_graine_autres_donnees():
    assert simulation.fichiers_simules(1)["instances.csv"] != simulation.fichiers_simules()["instances.csv"]


def test_etiquete_simule(jeu_defaut):
    assert jeu_defaut.simule is True
    assert "SIMULÉES" in jeu_defaut.titre
    assert "effets_plantes" in jeu_defaut.descripteur


def test_top_k_marge_exacte():
    rng = np.random.default_rng(0)
    for n, part in [(60, 0.44), (7, 0.5), (100, 0.0), (10, 1.0)]:
        assert simulation.top_k(rng, rng.normal(size=n), part).sum() == round(part * n)


def test_tailles_realistes(jeu_defaut):
    assert 200 <= len(jeu_defaut.instances) <= 500
    assert 2000 <= len(jeu_defaut.participants) <= 5000
    assert jeu_defaut.liste_territoires() == sorted(p.nom for p in simulation.TERRITOIRES)


def _rapport_cotes(tableau, exposition, issue):
    t = tableau.dropna(subset=[exposition, issue])
    a = ((t[exposition]) & (t[issue])).sum(); b = ((t[exposition]) & (~t[issue])).sum()
    c = ((~t[exposition]) & (t[issue])).sum(); d = ((~t[exposition]) & (~t[issue])).sum()
    return (a * d) / (b * c)


def test_effet_plante_descendante_absence_citoyens(jeu_defaut):
    """Rapport de cotes planté 3 (hors Matawinie) : l'estimation brute le retrouve grossièrement."""
    d = derivees.derivees_instances(jeu_defaut.instances, annee_charniere=2000)
    d = d[d["logique_initiateur"] != "autre"]
    hors = d[d["territoire"] != "Matawinie"]
    assert 1.8 < _rapport_cotes(hors, "descendante", "deficit_participation") < 6
