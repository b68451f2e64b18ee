# The two commands of the README: `make demo` and `make test`. Each creates .venv if needed.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The shared MNIST file beside the checkout, when it is there (tests and benchmarks read MNIST_PATH).
MNIST_PATH ?= $(wildcard $(abspath ../shared/data/mnist.npz))
export MNIST_PATH

.PHONY: demo test lint bench dot browser docs clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,plot]"
	@touch $@

# The shared MNIST file, when it is beside the checkout, goes into the user cache, where
# `python -m nn.train` finds it (copied after checking its SHA-256).
demo: $(STAMP)
	$(if $(wildcard ../shared/data/mnist.npz),$(PY) -m nn.data cache ../shared/data/mnist.npz)
	$(PY) demo.py

test: $(STAMP) dot browser
	$(PY) -m ruff check .
	$(PY) -m mypy autograd_core nn viz
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy autograd_core nn viz

bench: $(STAMP)
	$(PY) benchmarks/engine.py

docs: $(STAMP) dot
	$(PY) -m viz.docs --out docs
	$(PY) -c 'from autograd_core.primitives import numpy_dispatch as d; d.write_support_table("docs/numpy-support.md")'

# Graphviz's `dot` renders SVG; the tests render, so make sure it is there.
dot:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -q && apt-get install -y -q graphviz; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && command -v apt-get >/dev/null 2>&1; then \
	    sudo apt-get update -q && sudo apt-get install -y -q graphviz; \
	  else \
	    echo "Graphviz's dot program is missing: install it with 'sudo apt-get install graphviz' (Debian/Ubuntu) or 'brew install graphviz' (macOS), then run make test again." >&2; \
	    exit 1; \
	  fi; }

# The explorer's tests drive Debian's headless Chromium through chromedriver: make sure both are there.
BROWSER_PACKAGES := chromium chromium-driver
browser:
	@{ [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -q && apt-get install -y -q $(BROWSER_PACKAGES); \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && command -v apt-get >/dev/null 2>&1; then \
	    sudo apt-get update -q && sudo apt-get install -y -q $(BROWSER_PACKAGES); \
	  else \
	    echo "The browser tests need Chromium and its driver at /usr/bin/chromium and /usr/bin/chromedriver: install them with 'sudo apt-get install chromium chromium-driver' (Debian/Ubuntu), then run make test again." >&2; \
	    exit 1; \
	  fi; }

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache
