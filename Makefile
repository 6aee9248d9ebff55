# The two commands of the README: `make lab` (learners) and `make test` (everything).
# Both create .venv with Python >= 3.11 and install the pinned requirements into it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
# nbgrader starts `alembic` and Jupyter starts kernels by name: the venv's bin/ must come first.
export PATH := $(BIN):$(PATH)
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
CHAPTERS := $(notdir $(wildcard solutions/[0-9][0-9]_*))

.PHONY: lab instructor test notebooks lint clean system-deps

# binder/start gives the learner's settings, as on Binder: nbgrader's instructor tools are hidden.
lab: $(VENV)/.lab
	binder/start jupyter lab $(ROOT_FLAG) --ServerApp.root_dir=notebooks

# The whole repository with nbgrader's formgrader and create-assignment tools.
instructor: $(VENV)/.lab
	jupyter lab $(ROOT_FLAG)

test: $(VENV)/.dev system-deps
	ruff check lib tests benchmarks
	PYTHONDONTWRITEBYTECODE=1 pytest

# Regenerate the student notebooks from solutions/ (never edit notebooks/ by hand).
notebooks: $(VENV)/.lab
	python -m dlfs.release

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else \
	  "Python >= 3.11 is needed (nbgrader 0.9.6); found " + sys.version.split()[0] + \
	  ". Run: make PYTHON=/path/to/python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.lab: $(VENV)/bin/python requirements.txt pyproject.toml
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.lab requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# Debian packages the tests need: bubblewrap (the grading sandbox) and chromium (the browser tests).
DEBS := bubblewrap:bwrap chromium:chromium
system-deps:
	@need=""; for d in $(DEBS); do command -v $${d#*:} >/dev/null || need="$$need $${d%%:*}"; done; \
	if [ -n "$$need" ]; then \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo "sudo -n"); \
	  echo "installing the Debian packages$$need"; \
	  $$sudo apt-get install -y $$need || { $$sudo apt-get update && $$sudo apt-get install -y $$need; } || \
	  { echo "could not install$$need; run: sudo apt-get install$$need" >&2; exit 1; }; \
	fi

clean:
	rm -rf $(VENV)
