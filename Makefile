# zhifa — the two commands that matter: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test test-fast bench lint format install fonts browser vendor clean lock

## make run: install, start embedded PostgreSQL + NATS, migrate, load samples, run every service and the gateway
##   options: make run ARGS="--port-offset 1000 --pg-port 15432 --nats-port 14222 --var-dir var2 --no-sample"
##   (or the environment variables ZHIFA_UP_PORT_OFFSET, ZHIFA_UP_PG_PORT, ... listed by `zhifa up --help`)
ARGS ?=
run: install
	$(BIN)/zhifa up $(ARGS)

## make test: install and run the whole suite (unit, service, end-to-end against real PostgreSQL and NATS)
##   in TEST_WORKERS processes (pytest-xdist, one test file per worker at a time, each worker with its own
##   embedded PostgreSQL); TEST_WORKERS=0 runs it in one process. ARGS are passed to pytest.
TEST_WORKERS ?= 2
PYTEST_XDIST := $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)
test: install
	$(BIN)/pytest $(PYTEST_XDIST) $(ARGS)

## make test-fast: skip the slow fault and benchmark-like tests (CI runs them all)
test-fast: install
	$(BIN)/pytest $(PYTEST_XDIST) -m "not slow" $(ARGS)

## make bench: measure and write docs/benchmarks.md
bench: install
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = "0" ] && (apt-get install -y -qq wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)); } || echo "warning: wrk missing; HTTP benchmarks will fail"
	$(BIN)/python -m bench.run

## make lint: ruff, formatting, strict mypy on every package, import boundaries
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## make lock: pin the production image's dependencies with their hashes (deploy/requirements.lock) after
## changing [project] dependencies in pyproject.toml. Universal: Linux x86_64 and aarch64, Python 3.11+.
## Versions already in the lock are kept unless pyproject.toml requires others (add --upgrade to refresh).
lock: install
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --only-binary :all: --generate-hashes --quiet \
		-o deploy/requirements.lock

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

install: $(STAMP) fonts browser

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "zhifa needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# CJK fonts for the PDF documents (Debian fonts-noto-cjk). Installed when missing and we may install packages.
fonts:
	@if command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing fonts-noto-cjk for PDF documents ..."; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk fontconfig libharfbuzz-subset0 >/dev/null) \
		|| echo "warning: could not install fonts-noto-cjk; PDF documents will lack Chinese glyphs"; \
	else echo "warning: no CJK font found; install fonts-noto-cjk for PDF documents"; fi

# Debian's chromium for the console's browser tests (Playwright drives it through executable_path: its own
# browser download is not reachable). Installed when missing and we may install packages.
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing chromium for the console's browser tests ..."; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "warning: could not install chromium; the console's browser tests cannot run"; \
	else echo "warning: no chromium found; install Debian's chromium for the console's browser tests"; fi

## make vendor: re-fetch the browser libraries the gateway serves (gateway/static/vendor: ECharts, Swagger UI,
##   ReDoc) at the versions pinned in its manifest.json, refusing any file whose sha256 differs.
##   After bumping a version there: .venv/bin/python -m zhifa.vendor --update, then review the new sums.
vendor: install
	$(BIN)/python -m zhifa.vendor

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
