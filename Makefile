# Two commands do everything: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

install: $(STAMP) node_modules/.installed

demo: install
	$(BIN)/python -m demo

lint: install
	$(BIN)/ruff check .

# The browser tests run on their own: Playwright keeps an event loop running in its process, where the
# crawler's tests could not start theirs.
test: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n auto --dist loadfile -m "not browser"
	$(BIN)/pytest -n auto --dist loadfile -m browser

bench: install
	SECRET_KEY=$${SECRET_KEY:-bench-only-not-a-secret} $(BIN)/python -m bench

# A web vulnerability scan (wapiti) of a throwaway portal, as a trust user and as staff; fails on a
# high-severity finding. Reports in var/security-scan/. About five minutes.
.PHONY: scan
scan: $(STAMP)
	$(BIN)/python scripts/security_scan.py

# Screenshots of every page pattern, as each role, at 1280 and 390 px wide, into var/screenshots/ for
# review; the same run checks that no page scrolls sideways, shows a raw code or fails axe.
.PHONY: screenshots
screenshots: install
	SCREENSHOTS_DIR=$(CURDIR)/var/screenshots $(BIN)/pytest -q -p no:cacheprovider tests/browser/test_every_page.py
