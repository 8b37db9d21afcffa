# Matchmaker: `make run` serves the app with demo data, `make test` runs the whole suite.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
STAMP := $(VENV)/.installed
# axe-core for the browser accessibility test, pinned in package-lock.json (a test tool, never served).
NODE_STAMP := node_modules/.installed
FLASK := $(BIN)/flask --app matchmaker
HOST ?= 127.0.0.1
PORT ?= 5000
JOBS_LOG ?= instance/jobs.log
TRANSLATIONS := matchmaker/translations
SOURCES := matchmaker tests
# This machine's pip configuration names local indexes that may be absent: drop those warnings.
PIP_NOISE := { grep -v "^WARNING: Location 'file:" || true; }
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

# The embedding model ships inside a Python package: never reach for a model hub.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: help install node-deps run serve test lint format translations messages system-deps clean \
	bench load security

help:
	@echo "make run           install, migrate, load demo data, serve on http://$(HOST):$(PORT)"
	@echo "make serve         production serving: gunicorn, $(or $(WORKERS),MATCHMAKER_WORKERS or 2 x cores) workers, on http://$(HOST):$(PORT)"
	@echo "make test          install (with Chromium and axe-core for the browser tests) and run the whole suite"
	@echo "make bench         matcher quality, latency, throughput and memory (reads ../shared/data)"
	@echo "make load          load run on 10,000 needs and 100,000 seeds, SQLite and PostgreSQL (bench/load.md)"
	@echo "make security      hostile-input run with more examples (bench/security.md)"
	@echo "make lint          ruff check + ruff format --check"
	@echo "make format        ruff format + safe fixes"
	@echo "make translations  compile the message catalogues"
	@echo "make messages      extract messages and update the catalogues"
	@echo "Variables: VENV=$(VENV) PYTHON=$(PYTHON)"

install: $(STAMP)

# torch first, from the CPU build on disk: sentence-transformers alone would pull CUDA wheels.
$(STAMP): pyproject.toml
	@[ -n "$(PYTHON)" ] || { echo "Python 3.11 is required (python3.11 or python3)." >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
	  { echo "Python 3.11 is required; $(PYTHON) is $$($(PYTHON) --version)." >&2; exit 1; }
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet torch==2.13.0 2>&1 | $(PIP_NOISE)
	$(BIN)/python -m pip install --quiet -e '.[dev]' 2>&1 | $(PIP_NOISE)
	touch $@

translations: $(STAMP)
	@if compgen -G "$(TRANSLATIONS)/*/LC_MESSAGES/*.po" >/dev/null; then \
	  $(BIN)/pybabel compile -d $(TRANSLATIONS) -f --statistics; \
	else echo "No message catalogues to compile."; fi

messages: $(STAMP)
	mkdir -p $(TRANSLATIONS)
	$(BIN)/pybabel extract -F babel.cfg -k _l -o $(TRANSLATIONS)/messages.pot --no-location \
	  --project Matchmaker .
	@if compgen -G "$(TRANSLATIONS)/*/LC_MESSAGES/messages.po" >/dev/null; then \
	  $(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching; \
	else $(BIN)/pybabel init -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l ja; fi

# Beside the server, a loop runs the scheduled jobs (calls opening and closing, digests, e-mail)
# every 60 s into $(JOBS_LOG); the trap stops it when the server stops.
run: install translations
	$(FLASK) db upgrade
	$(FLASK) demo load
	$(FLASK) match reindex
	@mkdir -p $(dir $(JOBS_LOG))
	@echo "Scheduled jobs run every 60 s in the background; their output goes to $(JOBS_LOG)."
	@( trap 'kill $$(jobs -p) 2>/dev/null; exit 0' TERM; \
	   while true; do \
	     { date '+%F %T'; $(FLASK) jobs run || true; } >>$(JOBS_LOG) 2>&1 & wait $$! || true; \
	     sleep 60 & wait $$! || true; \
	   done ) & \
	jobs_loop=$$!; \
	trap 'kill $$jobs_loop 2>/dev/null || true' EXIT INT TERM; \
	$(FLASK) --no-debug run --host $(HOST) --port $(PORT)

# Production serving: several gunicorn workers; each keeps its own matcher index, kept in step
# by the revision stamp in the database. Migrate first; no demo data. Settings (workers, timeout,
# log format, trusted proxies) are in matchmaker/serving.py; WORKERS=n overrides the worker count
# (default MATCHMAKER_WORKERS, else twice the cores).
WORKERS ?=
serve: install translations
	$(FLASK) db upgrade
	$(BIN)/gunicorn --config python:matchmaker.serving $(if $(WORKERS),--workers $(WORKERS)) \
	  --bind $(HOST):$(PORT) 'matchmaker:create_app()'

# Debian's Chromium drives the browser test; Noto CJK makes Japanese screenshots readable;
# Node.js and npm install axe-core for the accessibility test.
system-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="chromium"; \
	dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing="$$missing fonts-noto-cjk"; \
	command -v node >/dev/null 2>&1 || missing="$$missing nodejs"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update && $(SUDO) apt-get install -y $$missing; \
	fi

# npm ci installs exactly what package-lock.json pins; node_modules is git-ignored.
node-deps: $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json | system-deps
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

test: install translations system-deps node-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Quality, latency, throughput and memory against baselines: prints a table, writes bench/results.json.
bench: install
	$(BIN)/matchmaker bench $(BENCH_ARGS)

# Load run against loopback only, bounded in time and count; not part of make test.
load: install translations
	$(BIN)/python -m matchmaker.loadtest $(LOAD_ARGS)

# Hostile input with more hypothesis examples than make test uses; writes bench/security.md.
security: install translations
	MATCHMAKER_SECURITY_REPORT=bench/security.md $(BIN)/python -m pytest tests/security \
	  -p no:cacheprovider --hypothesis-profile=security $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)

format: install
	$(BIN)/ruff check --fix $(SOURCES)
	$(BIN)/ruff format $(SOURCES)

clean:
	rm -rf tests/artifacts .pytest_cache .ruff_cache node_modules
	find $(TRANSLATIONS) -name '*.mo' -delete 2>/dev/null || true
