# С-122 — the two set-up commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
STAMP  := $(VENV)/.installed

.PHONY: run test setup setup-dev web web-deps openapi-client db-upgrade demo \
        lint typecheck contracts web-typecheck web-test unit integration e2e checks clean lock fuzz

run: setup web
	./scripts/ensure-runtime-packages.sh
	$(BIN)/c122 db upgrade
	$(BIN)/c122 demo

test: setup-dev web
	./scripts/ensure-debian-packages.sh
	$(MAKE) checks

checks: lint typecheck contracts web-typecheck web-test
	./scripts/run-tests.sh tests/unit tests/integration tests/e2e

$(VENV)/bin/python:
	./scripts/ensure-python.sh $(PYTHON)
	$(PYTHON) -m venv $(VENV)

$(UV): $(VENV)/bin/python
	$(BIN)/pip install -q --disable-pip-version-check uv

# Bytecode compiled at install: with PYTHONDONTWRITEBYTECODE set (or a read-only tree) every start of
# `c122 serve` would otherwise compile ~5,000 modules from source (docs/operations.md, "Start-up time").
setup: $(UV)
	$(UV) pip sync -q --compile-bytecode -p $(BIN)/python requirements.lock
	$(UV) pip install -q -p $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q src

setup-dev: $(UV)
	$(UV) pip sync -q --compile-bytecode -p $(BIN)/python requirements-dev.lock
	$(UV) pip install -q -p $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q src

# Re-resolve the locked dependency sets after editing pyproject.toml.
lock: $(UV)
	$(UV) pip compile -q --no-header --python-version 3.11 pyproject.toml -o requirements.lock
	$(UV) pip compile -q --no-header --python-version 3.11 --extra dev pyproject.toml -o requirements-dev.lock

# The web app is rebuilt only when its sources change, its packages only when the lock file does:
# a second `make run` or `make test` skips both.
NPM_STAMP   := web/node_modules/.installed
WEB_BUILT   := src/c122/web_dist/index.html
WEB_SOURCES := $(shell find web/src web/public -type f) web/index.html web/app.html web/vite.config.ts \
               web/tsconfig.json \
               web/package.json

web-deps: $(NPM_STAMP)

$(NPM_STAMP): web/package-lock.json
	./scripts/ensure-node.sh
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

web: $(WEB_BUILT)

$(WEB_BUILT): $(NPM_STAMP) $(WEB_SOURCES)
	cd web && npm run build
	touch $@

# The API probe (docs/security.md): schemathesis against a demo server, as an operator and an
# administrator, failing on any 5xx. `make test` runs it with a small budget.
FUZZ_EXAMPLES ?= 100
fuzz: setup-dev
	$(BIN)/python -m tests.support.fuzz --max-examples $(FUZZ_EXAMPLES)

# The TypeScript client is generated from the server's OpenAPI document.
openapi-client: setup-dev
	$(BIN)/python -m c122.api.openapi_dump > web/openapi.json
	cd web && npm run gen:api

lint:
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck:
	$(BIN)/mypy

contracts:
	$(BIN)/lint-imports

web-typecheck: web-deps
	cd web && npm run typecheck

web-test: web-deps
	cd web && npm test

unit:
	$(BIN)/python -m pytest -q tests/unit

integration:
	$(BIN)/python -m pytest -q tests/integration

e2e:
	$(BIN)/python -m pytest -q tests/e2e

clean:
	rm -rf $(VENV) web/node_modules src/c122/web_dist var
