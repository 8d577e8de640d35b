# twin-nn: every target creates .venv when it is missing and installs the
# project into it, so each command works on a fresh clone.
#
# EXTRAS picks the optional pieces installed with the project: dev (the test
# tools) and plot (matplotlib, for the pictures) by default; .ci/run adds
# compare (scikit-learn, micrograd, torch==2.13.0), the benchmark peers.
PYTHON ?= python3
VENV   ?= .venv
EXTRAS ?= dev,plot
PY     := $(VENV)/bin/python
comma  := ,
STAMP  := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))
PIP    := $(PY) -m pip --quiet --quiet --disable-pip-version-check

.PHONY: demo test bench venv clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "installing twin-nn[$(EXTRAS)] into $(VENV) (quietly; this takes a minute the first time)"
	@$(PIP) install --upgrade pip
	@$(PIP) install -e '.[$(EXTRAS)]' 2>&1 | grep -v -i -E 'deprecat|^\s*$$|!!|\*\*\*|setuptools|See https' || true
	@$(PY) -c "import scalar_nn, vector_nn" || (echo "make: the install failed; rerun with PIP='$(PY) -m pip' to see why" && exit 1)
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

venv: $(STAMP)

## make demo: both twins train the 2-2-1 network side by side
demo: $(STAMP)
	@$(VENV)/bin/twin-nn compare people-221

## make test: the whole suite (parity, units, benchmark smoke run)
test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider parity_tests benchmarks --benchmark-disable

## make bench: real timings, JSON and benchmarks/RESULTS.md, and what quotes it
## (the README's speed table, the tour's chapter 8); `twin-nn bench --quick` is the one-minute version
bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .benchmarks benchmarks/out
