# The two commands a newcomer needs: `make demo` and `make test`.
# Both create .venv on first use and install what they need into it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_STAMP := tests/node/node_modules/.installed

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

# npm packages the generated JavaScript needs when the tests run it under node.
$(NODE_STAMP): tests/node/package.json tests/node/package-lock.json
	cd tests/node && npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/scan_bench.py

clean:
	rm -rf $(VENV) .pytest_cache
