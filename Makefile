# Two entry points: `make book` (build the book) and `make test` (run the tests).
# Each creates .venv/ with the pinned dependencies on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PROFILE ?= quick
CHAPTER ?=
# The offline dataset mirror, when there is one beside the repo (no effect with internet).
ifneq ($(wildcard ../shared/data/README.md),)
export LTHKIT_DATA_MIRROR ?= $(abspath ../shared/data)
endif
# JAX is the default Keras backend (see README: about 3x faster than TensorFlow here).
export KERAS_BACKEND ?= jax
export TF_CPP_MIN_LOG_LEVEL ?= 3

.PHONY: venv test test-core book clean help

help:
	@echo "make book [PROFILE=quick|full] [CHAPTER=name]   build the book into _build/html"
	@echo "make test                                        run the test suite (both Keras backends)"

venv: $(STAMP)

$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

test: $(STAMP)
	KERAS_BACKEND=jax $(PY) -m pytest -q
	KERAS_BACKEND=tensorflow $(PY) -m pytest -q tests/core

clean:
	rm -rf _build book/_executed
