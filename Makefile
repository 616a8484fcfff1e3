# Tandem: `make demo` sets everything up and runs the demo; `make test` sets everything up and
# runs every test (SQLite, PostgreSQL, browser). Both work on a fresh clone.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
COMPANIES ?= 1
PORT ?= 8000

# A Python 3.12+ interpreter: from PATH, or pyenv's 3.13.
PYTHON ?= $(shell for c in python3.13 python3.12 $(HOME)/.pyenv/versions/3.13*/bin/python3 \
	/root/.pyenv/versions/3.13*/bin/python3; do \
	p=$$(command -v $$c 2>/dev/null) || continue; \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)

.PHONY: install assets system-deps demo serve test lint bench lock clean

$(VENV)/.installed: requirements/base.txt requirements/dev.txt pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "No Python 3.12+ found: install Python 3.13 (e.g. pyenv install 3.13.0) or set PYTHON=/path/to/python3.13" >&2; exit 1; fi
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/base.txt -r requirements/dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

install: $(VENV)/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

assets: node_modules/.installed

# Debian packages the tests need, installed only when missing.
system-deps:
	@missing=""; \
	[ -d /usr/lib/postgresql ] && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

demo: export TANDEM_DEMO = 1
demo: export TANDEM_URL ?= http://127.0.0.1:$(PORT)
demo: install assets
	$(VENV)/bin/tandem demo --companies $(COMPANIES)
	@$(VENV)/bin/tandem worker & worker=$$!; \
	trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	$(VENV)/bin/tandem serve --port $(PORT)

test: install assets system-deps
	scripts/test-all

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

# Every benchmark on SQLite and on a throwaway PostgreSQL, JSON lines on stdout (docs/performance.md).
# BENCH_ARGS=--quick for a fast check that they run; wrk (the load generator) is installed if missing.
bench: install assets system-deps
	@command -v wrk >/dev/null || { SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends wrk; }
	@status=0; for module in bench/*.py; do \
		name=$$(basename $$module .py); \
		case $$name in __init__|common|data) continue;; esac; \
		$(PY) -m bench.$$name --db sqlite $(BENCH_ARGS) || status=1; \
		scripts/with-postgres -- $(PY) -m bench.$$name --db postgres $(BENCH_ARGS) || status=1; \
	done; exit $$status

lock:
	@[ -x var/uv/bin/uv ] || { $(PYTHON) -m venv var/uv && var/uv/bin/pip install --quiet uv==0.13.9; }
	var/uv/bin/uv pip compile --python-version 3.13 --generate-hashes --no-header --index-url https://pypi.org/simple requirements/base.in -o requirements/base.txt
	var/uv/bin/uv pip compile --python-version 3.13 --generate-hashes --no-header --index-url https://pypi.org/simple requirements/dev.in -o requirements/dev.txt

clean:
	rm -rf $(VENV) node_modules var/static var/bench
