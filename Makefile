# Deux commandes pour commencer : `make resultats` et `make test`.
# L'environnement .venv est créé depuis requirements.lock au premier usage.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
TEMOIN := $(VENV)/.installe
JEU    ?= donnees_brutes/lanaudiere
COEURS ?= 2

.PHONY: resultats test verifier lab environnement nettoyer-venv

$(TEMOIN): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(TEMOIN)

environnement: $(TEMOIN)

resultats: $(TEMOIN)
	$(PY) -m paquet_analyse valider $(JEU)
	$(PY) -m paquet_analyse portrait $(JEU) --tous

# pytest renvoie 5 quand il ne trouve aucun test : on le dit au lieu d'échouer en silence.
test: $(TEMOIN)
	@$(PY) -m pytest; code=$$?; \
	if [ $$code -eq 5 ]; then echo "Aucun test trouvé."; exit 0; fi; exit $$code

lab: $(TEMOIN)
	$(VENV)/bin/jupyter lab

nettoyer-venv:
	rm -rf $(VENV)
