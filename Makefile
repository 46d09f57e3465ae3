# mek-framing — `make help` lists the targets.
# Everything runs inside .venv, created from requirements.lock (exact versions, sha256 hashes).

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
KERNEL := mek-framing
STAMP  := $(VENV)/.setup-complete
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.DEFAULT_GOAL := help
.PHONY: help setup run report test test-fast nbval evaluate frame-model lab bench bench-scale lock checksums clean-venv clean-cache

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-11s %s\n", $$1, $$2}'

setup: $(STAMP) ## Create .venv, install the locked dependencies and the project, register the Jupyter kernel

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "mek-framing needs Python 3.11, found " + sys.version.split()[0] + " at " + sys.executable + " (set PYTHON=/path/to/python3.11)"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (mek-framing)" >/dev/null
	$(BIN)/python -m pip check
	@touch $@

run: setup ## Set up and run the whole study (params.yaml) with papermill
	$(BIN)/python -m helpers.pipeline

report: setup ## Render the executed notebooks as an offline HTML report (reports/html/index.html); HIDE_CODE=1 hides code
	$(BIN)/python -m helpers.report $(if $(HIDE_CODE),--hide-code)

test: setup ## Set up and run every test: unit, end-to-end, browser and nbval on the executed notebooks
	sh scripts/ensure_chromium.sh
	$(BIN)/python -m pytest tests reports/notebooks $(NBVAL)

test-fast: setup ## Unit tests only (no notebook execution, no end-to-end run)
	$(BIN)/python -m pytest tests -m "not e2e"

nbval: setup ## Re-execute the published notebooks and compare every output
	$(BIN)/python -m pytest reports/notebooks $(NBVAL)

evaluate: setup ## Score cleaning and entities against the development corpus's gold (reports/evaluation/)
	$(BIN)/python -m helpers.evaluate --raw-dir data/evaluation/pages --gold data/evaluation/gold.json

frame-model: setup ## Retrain the frame detector's model as declared (data/validation/v2/declaration.yaml) into data/models/ (~1 min)
	$(BIN)/python -m helpers.frame_training

lab: setup ## Open JupyterLab on the notebooks with the project kernel
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

bench: setup ## Benchmark the entity stage (writes reports/benchmarks/entities.json)
	$(BIN)/python -m helpers.bench entities

bench-scale: setup ## 50,000 synthetic articles: entity stage local vs dask, then 03-framing (~75 min on 2 cores; reports/benchmarks/*_scale.json)
	$(BIN)/python -m helpers.bench scale --articles 50000 --backend both
	$(BIN)/python -m helpers.bench scale --articles 50000 --backend none --framing --out reports/benchmarks/framing_scale.json

lock: ## Recompile requirements.lock from requirements.in and rewrite environment.yml (needs the package index)
	$(BIN)/python -m pip install --quiet "uv==0.13.8"
	$(BIN)/uv pip compile --quiet --python-version 3.11 --generate-hashes --no-header requirements.in -o requirements.lock
	$(BIN)/python -m helpers.envfiles --write

checksums: ## Record the sha256 of every raw page in data/raw/SHA256SUMS (after adding pages on purpose)
	cd data/raw && find . -maxdepth 1 -type f ! -name SHA256SUMS ! -name metadata_overrides.csv ! -name '.*' -printf '%f\n' | LC_ALL=C sort | xargs -r sha256sum > SHA256SUMS

clean-cache: ## Delete caches (data/interim); the next run re-parses everything
	rm -rf data/interim

clean-venv: ## Delete .venv (the next make target recreates it)
	rm -rf $(VENV)
