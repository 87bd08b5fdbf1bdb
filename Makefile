# Two commands a fresh machine needs: `make serve` (the app) and `make test` (all tests).
# Each installs what it needs first: a virtualenv with the Python package, the npm packages,
# and for the tests Debian's chromium + ffmpeg (headless browser tests, fake webcam clips).

VENV   := .venv
PYTHON := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: install serve test test-quick browser bench export

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

browser:
	@scripts/install_browser.sh

serve: install
	$(VENV)/bin/greenscreen serve --host $(HOST) --port $(PORT)

test: install browser
	$(PYTHON) -m pytest
	npm test

test-quick: install
	$(PYTHON) -m pytest -m "not slow and not e2e"
	npm test

export: install
	$(PYTHON) convert/export_tfjs.py
