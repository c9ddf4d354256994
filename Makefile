# make demo / make test do all set-up themselves: virtualenv, pip install, LibreOffice when missing.
VENV    ?= .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-stamp
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTHON3 ?= python3

.PHONY: test demo bench bench-click lint typecheck templates libreoffice libreoffice-writer wheel-check clean addin

$(STAMP): pyproject.toml
	$(PYTHON3) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev,addin,frames]'
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

lint: $(STAMP)
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

test: $(STAMP) libreoffice libreoffice-writer lint typecheck wheel-check
	$(VENV)/bin/pytest

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

bench: $(STAMP)
	$(PY) bench/bench_consolidate.py

# the Python side of one 校验 click (start, imports, read, validate, write-back) against python -c pass
bench-click: $(STAMP)
	$(PY) bench/bench_click.py

clean:
	rm -rf $(VENV) dist src/xxgk/_data demo_out bench/out .pytest_cache .mypy_cache .ruff_cache
