# Two commands a fresh machine needs: `make serve` (the app) and `make test` (all tests).
# Each installs what it needs first. Serving needs only Flask and the npm packages (TF.js runs in
# the browser): no TensorFlow is downloaded for it. Training, export and tests install the extras,
# and the tests also Debian's chromium + ffmpeg (headless browser tests, fake webcam clips).

VENV   := .venv
PYTHON := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip --disable-pip-version-check
# setuptools' editable install prints a boxed "be careful with folders named like your package"
# notice (a UserWarning in pip's build process) on every install: information, not a problem.
PIP_EDITABLE := PYTHONWARNINGS=ignore::UserWarning $(PIP)
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: install install-serve serve test soak test-quick browser export

# The server's needs: the package itself (NumPy, Pillow, Flask).
$(VENV)/.serve-installed: pyproject.toml
	@echo "== Python: the package for serving (Flask, NumPy, Pillow) in $(VENV)/"
	python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP_EDITABLE) install --quiet -e .
	touch $@

# Everything: training (Keras, EfficientNet-Lite0 weights), export (TensorFlow, tensorflowjs), tests.
$(VENV)/.installed: $(VENV)/.serve-installed pyproject.toml
	@echo "== Python: training, export and test extras (TensorFlow is ~600 MB: a few minutes)"
	$(PIP_EDITABLE) install --progress-bar off -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	@echo "== npm: TF.js and the page's other packages (served locally: no CDN)"
	npm ci --no-audit --no-fund
	touch $@

install-serve: $(VENV)/.serve-installed node_modules/.installed
install: $(VENV)/.installed node_modules/.installed

browser:
	@scripts/install_browser.sh

serve: install-serve
	$(VENV)/bin/greenscreen serve --host $(HOST) --port $(PORT)

# -v: one line per test as it finishes, so the long browser tests show progress. Two pytest-xdist workers:
# the browser tests in order in one (one Chromium, shared pages), everything else in the other; alone,
# either leaves half of this 2-core box idle (a page waits on its renderer, a test on a subprocess).
test: install browser
	@echo "== pytest (unit, slow round trips, e2e in headless Chromium; the soak runs are make soak)"
	$(PYTHON) -m pytest -v --durations=15 -n 2 --dist loadgroup
	@echo "== node --test tests/js"
	npm test

# The full-length soak runs the default suite keeps short (1,000 camera frames, a 1,000-frame export,
# 100 switches): pytest's `soak` marker, left out of `make test`.
soak: install browser
	@echo "== pytest -m soak (the browser tests make test runs short, at full length)"
	$(PYTHON) -m pytest -m soak -v -s --durations=0

test-quick: install
	$(PYTHON) -m pytest -m "not slow and not e2e"
	npm test

export: install
	$(PYTHON) convert/export_tfjs.py
