# The two commands a newcomer needs: `make demo` and `make test`.
# Both create .venv on first use and install what they need into it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	@echo "== migrate scan examples/shop (what is there, what is wrong) =="
	-$(BIN)/migrate scan examples/shop
	@echo
	@echo "== migrate scan examples/shop --format json (the inventory other tools read) =="
	-$(BIN)/migrate scan examples/shop --format json --exit-zero | head -n 60

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/scan_bench.py

clean:
	rm -rf $(VENV) .pytest_cache
