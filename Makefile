# `make run` and `make test` bootstrap .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHELL := bash
.SHELLFLAGS := -o pipefail -c
# pip warns about package folders this machine's config lists but lacks: noise, not news
QUIET_PIP := 2>&1 | { grep -v 'is ignored: it is neither a file nor a directory' || true; }

.PHONY: run test lint setup migrate check-questions bench bench-quick clean mutation

$(STAMP): pyproject.toml
	@echo "==> Setting up $(VENV) (first run only; a minute or two)"
	@$(PYTHON) -m venv $(VENV)
	@echo "==> Upgrading pip"
	@$(BIN)/pip install --quiet --upgrade pip $(QUIET_PIP)
	@echo "==> Installing studybot and its dependencies"
	@PYTHONWARNINGS=ignore $(BIN)/pip install --quiet -e '.[dev]' $(QUIET_PIP)
	@touch $(STAMP)
	@echo "==> Ready"

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/studybot run

migrate: $(STAMP)
	$(BIN)/studybot migrate

check-questions: $(STAMP)
	$(BIN)/studybot questions check

# A simulated study group through the real service (a model of memory): bench/LEARNING.md
learning: $(STAMP)
	$(BIN)/studybot simulate --png bench/learning.png --markdown bench/LEARNING.md

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

# Issue 10's figures beside their targets (bench/results.json); under 10 minutes.
bench: $(STAMP)
	$(BIN)/python -m bench

# The same, reduced, in under a minute.
bench-quick: $(STAMP)
	$(BIN)/python -m bench --quick

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
