"""Lignes d'avancement du flux, tirées d'une sortie de Snakemake factice."""

from __future__ import annotations

from paquet_analyse import flux

SORTIE_SNAKEMAKE = """\
Building DAG of jobs...
Using shell: /usr/bin/bash
Provided cores: 2
Job stats:
job               count
--------------  -------
index                 1
manifeste             1
par_territoire        4
region                2
tout                  1
validation            1
total                10

Select jobs to execute...
[Mon May 11 10:00:00 2026]
rule validation:
    jobid: 3
[Mon May 11 10:00:04 2026]
Finished jobid: 3 (Rule: validation)
1 of 10 steps (10%) done
Finished jobid: 5 (Rule: par_territoire)
2 of 10 steps (20%) done
Finished jobid: 6 (Rule: par_territoire)
Finished jobid: 7 (Rule: par_territoire)
Finished jobid: 8 (Rule: par_territoire)
Finished jobid: 9 (Rule: region)
Finished jobid: 10 (Rule: region)
Finished jobid: 1 (Rule: index)
Finished jobid: 0 (Rule: tout)
"""


def test_avancement_compte_les_carnets_et_estime_la_fin():
    temps = iter(range(0, 1000, 10))  # début à 0, puis 10 s de plus à chaque lecture de l'horloge
    avancement = flux.Avancement(horloge=lambda: next(temps))
    messages = [m for m in map(avancement.lire, SORTIE_SNAKEMAKE.splitlines()) if m]
    assert messages[0] == "Carnets à exécuter : 7."
    assert messages[1] == "Avancement : 1/7 carnets (14 %), fin estimée dans 1 min 00 s (écoulé : 10 s)."
    assert messages[2] == "Avancement : 2/7 carnets (29 %), fin estimée dans 50 s (écoulé : 20 s)."
    assert messages[-1] == "Avancement : 7/7 carnets (100 %) (écoulé : 1 min 10 s)."
    assert len(messages) == 8  # index et tout ne sont pas des carnets


def test_avancement_rien_a_faire():
    avancement = flux.Avancement()
    lignes = ["Job stats:", "job      count", "-----  -------", "index        1", "total        1"]
    assert [m for m in map(avancement.lire, lignes) if m] == ["Aucun carnet à exécuter : les résultats sont à jour."]


def test_duree_en_francais():
    assert flux._duree(59.4) == "59 s"
    assert flux._duree(3599) == "59 min 59 s"
    assert flux._duree(7300) == "2 h 01 min"
