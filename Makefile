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
# With an NVIDIA GPU (nvidia-smi lists one), the venv gets JAX built for CUDA 12 and no
# tensorflow-cpu, so Keras runs the chapters on the GPU through JAX.
ifneq ($(shell nvidia-smi -L 2>/dev/null),)
REQUIREMENTS := <(sed -e 's/^jax\[cpu\]==/jax[cuda12]==/' -e '/^tensorflow-cpu==/d' requirements.txt)
else
REQUIREMENTS := requirements.txt
endif
# JAX is the default Keras backend (see README: about 3x faster than TensorFlow here).
export KERAS_BACKEND ?= jax
export TF_CPP_MIN_LOG_LEVEL ?= 3

.PHONY: venv torch-venv test book lab chapter clean help

help:
	@echo "make book [PROFILE=smoke|quick|full] [CHAPTER=name]  build the book into _build/html"
	@echo "make test                                            run the tests (both Keras backends)"
	@echo "make lab                                             JupyterLab: chapters open as notebooks"
	@echo "make chapter CHAPTER=name OUT=x.ipynb P=\"k=v ...\"   run one chapter with parameters"
	@echo "make torch-venv                                      PyTorch for the benchmarks (.venv-torch)"

venv: $(STAMP)

$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r $(REQUIREMENTS) -c constraints.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# PyTorch, for the benchmarks that compare with it, in a venv of its own (.venv-torch): the
# book and the tests never import it.
torch-venv: .venv-torch/.installed

.venv-torch/.installed: benchmarks/requirements-torch.txt
	test -x .venv-torch/bin/python || $(PYTHON) -m venv .venv-torch
	.venv-torch/bin/python -m pip install --quiet -r benchmarks/requirements-torch.txt
	touch $@

# The lthkit unit tests (tests/core) run on both Keras backends; the TensorFlow pass is
# skipped where TensorFlow is not installed (a GPU venv).
test: $(STAMP)
	KERAS_BACKEND=jax $(PY) -m pytest -q
	if $(PY) -c "import tensorflow" 2>/dev/null; then \
	  KERAS_BACKEND=tensorflow $(PY) -m pytest -q tests/core; \
	else echo "TensorFlow not installed: skipping the TensorFlow-backend pass"; fi

# Executes the chapters that changed (papermill, kernel from .venv), then jupyter-book -> _build/html.
book: $(STAMP)
	$(PY) -m lthkit.book build --profile $(PROFILE) $(if $(CHAPTER),--chapter $(CHAPTER))

# JupyterLab on the book: every book/*.py opens as a notebook with the lthkit kernel; edits
# land in the .py file, outputs in a paired book/<name>.ipynb (ignored by git).
lab: $(STAMP)
	$(PY) -m lthkit.book lab

# One chapter with papermill parameters, into a notebook of your choosing, e.g.
#   make chapter CHAPTER=03_text_cnn OUT=runs/more.ipynb P="replicates=3 imdb_rounds=5"
chapter: $(STAMP)
	@test -n "$(CHAPTER)" -a -n "$(OUT)" || { echo "make chapter: give CHAPTER=name and OUT=path.ipynb" >&2; exit 2; }
	$(PY) -m lthkit.book run $(CHAPTER) -o $(OUT) $(foreach p,$(P),-p $(p))

clean:
	rm -rf _build book/_executed
