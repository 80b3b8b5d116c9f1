# delo — the README's two commands are `make demo` and `make test`; both install what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
APT_PACKAGES := tesseract-ocr tesseract-ocr-rus tesseract-ocr-script-cyrl tesseract-ocr-eng poppler-utils fonts-freefont-ttf chromium pgbouncer
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint bench samples system venv lock clean stack stack-down stack-smoke chaos

demo: venv samples  ## install everything, ingest samples/scans, print what was found
	$(VENV)/bin/delo ingest samples/scans --out out/samples

test: venv samples  ## install everything and run the tests (starts Redis/PostgreSQL if they are down)
	bash infra/services.sh
	$(VENV)/bin/python -m pytest

lint: venv  ## ruff and mypy as CI runs them (both configured in pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

stack: venv  ## S3 endpoint :9000, intake :8080, workers and beat, in the background
	bash infra/stack.sh up

stack-down:  ## stop exactly what `make stack` started
	bash infra/stack.sh down

stack-smoke: samples  ## with the stack up: one upload + event → a record in `records`, timed
	$(VENV)/bin/python bench/stack_smoke.py

chaos: venv  ## every fault scenario of tests/chaos (kills, restarts, 30 s outages, a burst), ~3 min
	bash infra/services.sh
	$(VENV)/bin/python -m pytest tests/chaos -m "chaos or not chaos"

bench: venv samples  ## parser vs ../shared/corpus/dev, OCR vs bare tesseract, the stack vs bare tesseract, the database's rates, scaling
	$(VENV)/bin/python bench/parse.py --scans
	$(VENV)/bin/python bench/ocr.py
	bash infra/services.sh
	$(VENV)/bin/python bench/pipeline.py
	$(VENV)/bin/python bench/dashboard.py
	$(VENV)/bin/python bench/replay.py
	$(VENV)/bin/python bench/ledger.py
	$(VENV)/bin/python bench/scale.py

samples: samples/scans/.made
samples/scans/.made: samples/make_samples.py samples/texts/*.txt samples/synthetic.py | venv
	$(VENV)/bin/python samples/make_samples.py
	touch $@

# Debian packages: installed only when something is missing, so a second run is quick.
system:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

venv: system $(VENV)/.installed
# delo's dependencies at the lock's versions (the image's), the test tools as pyproject says;
# the lock's hashes are the image's to check (pip checks every package or none)
$(VENV)/.installed: pyproject.toml infra/requirements.lock
	[ -x $(VENV)/bin/pip ] || $(PYTHON) -m venv --clear $(VENV)  # a venv cut short (no pip) is made again
	$(VENV)/bin/pip install -q --upgrade pip
	sed -n 's/ *\\$$//; /^[A-Za-z0-9]/p' infra/requirements.lock > $(VENV)/constraints.txt
	$(VENV)/bin/pip install -q -c $(VENV)/constraints.txt -e '.[test]'
	touch $@

lock:  ## pin delo's Python dependencies again (infra/requirements.lock), after changing pyproject.toml
	$(VENV)/bin/pip install -q uv
	$(VENV)/bin/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --no-header \
		-o infra/requirements.lock.new -q
	{ sed -n '1,3p' infra/requirements.lock; cat infra/requirements.lock.new; } > infra/requirements.lock
	rm infra/requirements.lock.new

clean:
	rm -rf out samples/scans .pytest_cache .stack
