# The two commands of the README: `make lab` (learners) and `make test` (everything).
# Both create .venv with Python >= 3.11 and install the pinned requirements into it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
# nbgrader starts `alembic` and Jupyter starts kernels by name: the venv's bin/ must come first.
export PATH := $(BIN):$(PATH)
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
SHELL := /bin/bash
# pip, quiet: one line per step is ours; a machine's pip config can add a warning per package
# (e.g. an index folder that does not exist), which says nothing about the course.
PIP = set -o pipefail; $(BIN)/python -m pip install --quiet --no-warn-script-location --disable-pip-version-check
QUIET = 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
CHAPTER ?= 04
CHAPTERS := $(notdir $(wildcard solutions/[0-9][0-9]_*))

.PHONY: lab instructor test test-under-load check notebooks lint clean system-deps

# binder/start gives the learner's settings, as on Binder: nbgrader's instructor tools are hidden.
lab: $(VENV)/.lab
	binder/start jupyter lab $(ROOT_FLAG) --ServerApp.root_dir=notebooks

# The whole repository with nbgrader's formgrader and create-assignment tools.
instructor: $(VENV)/.lab
	jupyter lab $(ROOT_FLAG)

test: $(VENV)/.dev system-deps
	ruff check lib tests benchmarks
	PYTHONDONTWRITEBYTECODE=1 pytest

# The same, while two busy processes keep both cores saturated: it must stay green.
test-under-load:
	python3 tests/under_load.py

# The contributor's inner loop (a few minutes): lint, the library, the release sync, the grading
# machinery without kernels, and the grading power of one chapter (CHAPTER=04 by default).
FAST_TESTS := test_core test_absent test_kernels test_worker_groups test_gradients test_checks test_guard test_verdicts test_mlp test_release_sync \
  test_notebook_hygiene test_review test_grade_units test_datasets test_lms test_deploy
check: $(VENV)/.dev
	ruff check lib tests benchmarks
	PYTHONDONTWRITEBYTECODE=1 pytest -o addopts="-q -p no:cacheprovider -n 2 --dist loadgroup" $(FAST_TESTS:%=tests/%.py)
	PYTHONDONTWRITEBYTECODE=1 pytest -o addopts="-q -p no:cacheprovider -n 2 --dist loadgroup" tests/test_grading_power.py \
	  tests/test_answers.py -k "$(CHAPTER)_"

# Regenerate the student notebooks from solutions/ (never edit notebooks/ by hand).
notebooks: $(VENV)/.lab
	python -m dlfs.release

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else \
	  "Python >= 3.11 is needed (nbgrader 0.9.6); found " + sys.version.split()[0] + \
	  ". Run: make PYTHON=/path/to/python3.11 ...")'
	@echo "==> creating $(VENV) with $$($(PYTHON) --version)"
	@$(PYTHON) -m venv $(VENV)
	@$(PIP) --upgrade pip $(QUIET)

$(VENV)/.lab: $(VENV)/bin/python requirements.txt pyproject.toml
	@echo "==> installing the course's pinned packages (requirements.txt)"
	@$(PIP) -r requirements.txt $(QUIET)
	@touch $@

$(VENV)/.dev: $(VENV)/.lab requirements-dev.txt
	@echo "==> installing the test tools (requirements-dev.txt)"
	@$(PIP) -r requirements-dev.txt $(QUIET)
	@touch $@

# Debian packages the tests need: bubblewrap (the grading sandbox), chromium (the browser tests),
# postgresql (a throwaway server for the sharded gradebook; its programs are not on PATH), and for
# the JupyterHub test npm (its proxy) and python3-venv (a venv every system user can execute).
DEBS := bubblewrap:bwrap chromium:chromium npm:npm
system-deps:
	@need=""; for d in $(DEBS); do command -v $${d#*:} >/dev/null || need="$$need $${d%%:*}"; done; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || need="$$need postgresql"; \
	dpkg -s python3-venv >/dev/null 2>&1 || need="$$need python3-venv"; \
	if [ -n "$$need" ]; then \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo "sudo -n"); \
	  echo "installing the Debian packages$$need"; \
	  $$sudo apt-get install -y $$need || { $$sudo apt-get update && $$sudo apt-get install -y $$need; } || \
	  { echo "could not install$$need; run: sudo apt-get install$$need" >&2; exit 1; }; \
	fi

clean:
	rm -rf $(VENV)
