# avdub — the two commands: `make test` and `make studio`. Set-up is idempotent (stamped on the pin files).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
export AVDUB_SHARED ?= $(abspath ../shared)
export QT_QPA_PLATFORM ?= offscreen

.PHONY: setup test test-fast studio dub bench bundle lint clean

setup:
	@bash scripts/setup.sh

test: setup
	$(PY) -m pytest tests -q

test-fast: setup
	$(PY) -m pytest tests/unit -q

studio: setup
	QT_QPA_PLATFORM= $(VENV)/bin/avdub-studio

# Example: make dub VIDEO=lecture.mp4 LANG=pt OUT=lecture.pt.mp4
dub: setup
	$(VENV)/bin/avdub dub "$(VIDEO)" --to "$(LANG)" -o "$(OUT)"

bench: setup
	$(PY) benchmarks/media.py

# The desktop bundle (PyInstaller, one folder): build/bundle/dist/avdub-studio/avdub-studio
bundle: setup
	$(PY) -m PyInstaller --noconfirm --log-level WARN --distpath build/bundle/dist --workpath build/bundle/work packaging/avdub-studio.spec

lint: setup
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache build dist *.egg-info
