# `make run` and `make test` bootstrap .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint setup migrate check-questions bench clean mutation

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/studybot run

migrate: $(STAMP)
	$(BIN)/studybot migrate

check-questions: $(STAMP)
	$(BIN)/studybot questions check

lint: $(STAMP)
	$(BIN)/ruff check bot tests
	$(BIN)/ruff format --check bot tests
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

# Mutation testing of bot/core against tests/core (not part of `make test`; tens of minutes).
# mutmut keeps its results in mutants/ and re-tests only what changed; rm -rf mutants for a
# cold run. Fails when fewer than MUTATION_MIN % of the mutants are killed.
MUTATION_MIN ?= 80
mutation: $(STAMP)
	$(BIN)/mutmut run
	$(BIN)/mutmut export-cicd-stats
	$(BIN)/python tests/core/mutation_score.py mutants/mutmut-cicd-stats.json $(MUTATION_MIN)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
