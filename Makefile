# Deux commandes pour commencer : `make resultats` et `make test`.
# L'environnement .venv est créé depuis requirements.lock au premier usage.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
TEMOIN := $(VENV)/.installe
JEU    ?= donnees_brutes/lanaudiere
COEURS ?= 2

.PHONY: resultats test verifier lab environnement nettoyer-venv grappe-locale

$(TEMOIN): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(TEMOIN)

environnement: $(TEMOIN)

# Le flux complet (Snakemake + papermill) ; ne refait que ce qui a changé,
# sauf au premier lancement dans un clone, où tout est régénéré.
resultats: $(TEMOIN)
	$(PY) -m paquet_analyse executer $(JEU) --coeurs $(COEURS)

# Régénère tout dans une copie temporaire et compare chaque fichier de resultats/
# octet pour octet, puis réexécute avec nbval les carnets enregistrés (dans la
# copie aussi : aucun fichier versionné n'est modifié).
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_assainir.cfg -p no:cacheprovider
verifier: $(TEMOIN)
	$(PY) -m paquet_analyse verifier $(JEU) --coeurs $(COEURS) --options-nbval="$(NBVAL)"

# Toute la suite : tests unitaires, flux complets sur de petits jeux, et la
# vérification des résultats versionnés (tests/test_verification.py : tout est
# régénéré dans une copie et comparé octet pour octet, puis nbval ; des
# résultats périmés par un changement de code font échouer les tests).
# Les fichiers de tests se répartissent sur $(COEURS) processus (pytest-xdist ; un
# fichier reste entier dans un processus, ses fixtures de module ne sont faites qu'une fois).
# pytest renvoie 5 quand il ne trouve aucun test : on le dit au lieu d'échouer en silence.
test: $(TEMOIN)
	@$(PY) -m pytest -n $(COEURS) --dist loadfile tests; code=$$?; \
	if [ $$code -eq 5 ]; then echo "Aucun test trouvé."; exit 0; fi; exit $$code

# JupyterLab ; enregistrer un modèle de carnets/ en retire les sorties et normalise ses métadonnées
# (jupyter/jupyter_server_config.py, qui permet aussi root). Autres options : make lab LAB_OPTIONS="--no-browser --port=8899"
LAB_OPTIONS ?=
lab: $(TEMOIN)
	$(VENV)/bin/jupyter lab --config=jupyter/jupyter_server_config.py $(LAB_OPTIONS)

nettoyer-venv:
	rm -rf $(VENV)

# Une vraie exécution SLURM sur une grappe locale d'un nœud (en root), comparée octet pour octet au
# flux local (benchmarks/grappe_locale.sh ; voir profils/slurm/LISEZMOI.md).
grappe-locale: $(TEMOIN)
	PY=$(abspath $(PY)) benchmarks/grappe_locale.sh
