# The two commands of the quick start: `make run` and `make test`. Both set up what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= var/tracker.db
HOST   ?= 127.0.0.1
PORT   ?= 8000
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test install browser bench lint clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

## make run: install, create the database, load the bundled examples, start worker + web server
run: install
	@mkdir -p $(dir $(DB))
	$(BIN)/tracker --db $(DB) init
	$(BIN)/tracker --db $(DB) source add examples/spring-2025-talks.jsonl --kind jsonl \
		--name "Bundled examples" --interval 300 >/dev/null
	$(BIN)/tracker --db $(DB) worker --once
	$(BIN)/tracker --db $(DB) run --host $(HOST) --port $(PORT)

## make test: install, make sure headless Chromium is there, run the whole suite
test: install browser
	$(BIN)/python -m pytest -q

browser:
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || { \
		echo "installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

$(BIN)/.bench: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	@perl -MXML::Parser -e1 2>/dev/null || { \
		echo "installing Debian's libxml-parser-perl for ROUGE-1.5.5"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libxml-parser-perl >/dev/null; }
	touch $@

## make bench: speed, quality and soak benchmarks (the first need ../shared/data; soak: 10 min)
bench: $(BIN)/.bench
	$(BIN)/python benchmarks/timex.py
	$(BIN)/python benchmarks/timeline17.py
	$(BIN)/python benchmarks/feeds.py
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/big_article.py
	$(BIN)/python benchmarks/dashboard_scale.py
	$(BIN)/python benchmarks/dashboard_browser.py
	$(BIN)/python benchmarks/soak.py

lint: install
	$(BIN)/ruff check tracker jobs web tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
