# make demo / make test do all set-up themselves: virtualenv, pip install, LibreOffice when missing.
VENV    ?= .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-stamp
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTHON3 ?= python3

.PHONY: pictures test demo bench bench-click bench-portal lint typecheck templates libreoffice libreoffice-writer chromium postgresql wheel-check clean addin node wps-test

$(STAMP): pyproject.toml
	$(PYTHON3) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev,addin,frames,web,webtest]'
	touch $(STAMP)

libreoffice:
	@command -v soffice >/dev/null 2>&1 || { \
	  echo "installing LibreOffice (headless Calc) ..."; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >/dev/null; }

# xxgk report --pdf converts Word with LibreOffice Writer; CJK fonts so the PDF shows Chinese
libreoffice-writer: libreoffice
	@{ dpkg -s libreoffice-writer-nogui >/dev/null 2>&1 || dpkg -s libreoffice-writer >/dev/null 2>&1; } && \
	  dpkg -s fonts-noto-cjk >/dev/null 2>&1 || { \
	  echo "installing LibreOffice Writer (headless) and CJK fonts ..."; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui fonts-noto-cjk >/dev/null; }

# headless Chromium for the portal's browser tests (driven by playwright with this executable; no download)
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Chromium (headless browser tests) ..."; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null; }

# PostgreSQL server binaries: the portal tests start a throw-away server (initdb + pg_ctl) on loopback
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { \
	  echo "installing PostgreSQL ..."; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends postgresql >/dev/null; }

# node and npm: the WPS add-in's scripts are tested under node's test runner (tests/web/test_wps_addin.py runs it)
node:
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || { \
	  echo "installing node and npm (WPS add-in tests) ..."; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; }

# the WPS add-in's test dependencies (wps-jsapi typings) as addin/wps/package-lock.json pins them
WPS_DEPS := addin/wps/node_modules/.package-lock.json
$(WPS_DEPS): addin/wps/package-lock.json | node
	cd addin/wps && npm ci --no-audit --no-fund

# the WPS add-in alone: its node tests through a real `xxgk serve`
wps-test: $(STAMP) $(WPS_DEPS)
	$(VENV)/bin/pytest tests/web/test_wps_addin.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# two processes, each test file in one of them (its module fixtures, servers and LibreOffice profiles its own)
test: $(STAMP) libreoffice libreoffice-writer chromium postgresql $(WPS_DEPS) lint typecheck wheel-check
	$(VENV)/bin/pytest -n 2 --dist loadfile

# the wheel IT staff install, in a throw-away venv, run from an empty folder
wheel-check: $(STAMP)
	PYTHON3=$(PY) bash tests/check_wheel.sh

templates: $(STAMP)
	$(PY) -c 'from pathlib import Path; from xxgk.template import build_all; print(*build_all(Path("workbook")), sep="\n")'

# the Excel add-in addin/xxgk.xlam from its text sources in addin/ (same sources, same bytes; commit the result)
addin: $(STAMP)
	$(PY) -m xxgk.addin.build

demo: $(STAMP) libreoffice
	$(PY) -m xxgk.demo demo_out

# README's pictures of the indicator workbook (docs/indicators-*.png)
pictures: $(STAMP) libreoffice
	$(PY) docs/make_pictures.py

bench: $(STAMP)
	$(PY) bench/bench_consolidate.py

# the Python side of one 校验 click (start, imports, read, validate, write-back) against python -c pass
bench-click: $(STAMP)
	$(PY) bench/bench_click.py

bench-portal: $(STAMP)
	$(PY) bench/bench_portal.py
	$(PY) bench/bench_portal_consolidate.py

clean:
	rm -rf $(VENV) addin/wps/node_modules dist src/xxgk/_data demo_out bench/out .pytest_cache .mypy_cache .ruff_cache
