# Two entry points for a fresh machine: `make run` (web UI) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: install run test bench bench-llm eval clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# torch first, as the local CPU build: otherwise pip pulls several GB of CUDA wheels.
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) app.py

test: $(STAMP)
	bash tests/setup_system.sh
	$(VENV)/bin/ruff check reviewer tests benchmarks app.py
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) benchmarks/run.py

# A real small model (gemma-3-270m via llama-cpp-python) through `reviewer eval --llm`; not in CI.
bench-llm: $(STAMP)
	$(PY) benchmarks/bench_real_llm.py --go $(ARGS)

eval: $(STAMP)
	$(VENV)/bin/reviewer eval evals/datasets/seeds

clean:
	rm -rf $(VENV)
