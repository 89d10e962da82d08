# Two commands do all the set-up: `make run` and `make test`.
# The virtual environment is rebuilt only when pyproject.toml or requirements.lock change.
# `make run` installs requirements.lock alone; the optional extras (spark, docs, notebook:
# pinned in requirements-<extra>.lock) come with `make test`, or one by one with their target.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# No usage data leaves the machine, whatever the user's own Kedro settings are. MLflow
# (`kedro run --env tracking`) ignores DO_NOT_TRACK=1 (it wants "true") and has its own
# switch; the package sets that one too (src/customer_segmentation/__init__.py), for runs
# started without make.
export KEDRO_DISABLE_TELEMETRY := 1
export DO_NOT_TRACK := 1
export MLFLOW_DISABLE_TELEMETRY := true
export MPLBACKEND := Agg

.PHONY: screenshot run test lint viz viz-build data months bench clean-venv spark docs notebook ipython

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

# An optional extra of pyproject.toml, from its pinned list, on top of requirements.lock.
$(VENV)/.installed-%: $(STAMP) requirements-%.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -r requirements-$*.lock
	touch $@

EXTRAS := $(VENV)/.installed-spark $(VENV)/.installed-docs $(VENV)/.installed-notebook

run: $(STAMP)
	$(BIN)/kedro run

# The suite runs the Spark test, builds the docs and executes the notebooks: all extras.
test: $(STAMP) $(EXTRAS)
	$(BIN)/python -m pytest

# pyspark (about 470 MB) for `kedro run --env spark` (docs/scaling.md); Java 17 or 21 too.
spark: $(VENV)/.installed-spark

# The documentation site, offline, warnings as errors, every page read anew (-E: the parameter
# reference is generated from the code): open docs/_build/html/index.html.
docs: $(VENV)/.installed-docs
	$(BIN)/sphinx-build -E -W --keep-going -q -b html docs docs/_build/html
	@echo "Built docs/_build/html/index.html"

# JupyterLab on notebooks/, with a kernel of this virtual environment ("customer-segmentation",
# installed in .venv, telemetry off, the default for new notebooks), on this machine only, and
# without JupyterLab's news feed, update check and extension catalogue (they ask the internet).
# --allow-root: the project's development machines run as root.
notebook: $(VENV)/.installed-notebook
	$(BIN)/python -m ipykernel install --sys-prefix --name customer-segmentation \
		--display-name "Python (customer-segmentation)" \
		--env KEDRO_DISABLE_TELEMETRY 1 --env DO_NOT_TRACK 1 --env MLFLOW_DISABLE_TELEMETRY true
	$(BIN)/jupyter lab --notebook-dir=notebooks --ServerApp.ip=127.0.0.1 --allow-root \
		--MultiKernelManager.default_kernel_name=customer-segmentation \
		--LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
		--LabApp.extension_manager=readonly

# IPython with the project loaded (catalog, context, session, pipelines), from this venv.
ipython: $(STAMP)
	$(BIN)/ipython --ext kedro.ipython

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks docs notebooks
	$(BIN)/ruff format --check src tests benchmarks docs notebooks

# ENV=<env> shows that environment's pipelines with the row counts of its last runs
# (customer_segmentation.viz_stats); the default is the local environment.
ENV ?= local
viz: $(STAMP)
	$(BIN)/python -m customer_segmentation.viz_stats $(ENV)
	$(BIN)/kedro viz run --env $(ENV)

# A static kedro-viz site in build/ with the previews of the last run's tables and plots
# (of the local environment: `kedro viz build` has no --env),
# without the links to Google Fonts kedro-viz puts in its pages (no request leaves the machine).
viz-build: $(STAMP)
	$(BIN)/python -m customer_segmentation.viz_stats local
	$(BIN)/kedro viz build --include-previews
	$(BIN)/python -m customer_segmentation.offline_viz build

# Regenerate larger raw data, e.g. `make data LINES=1000000 SEED=7`; the default files are
# the ones `kedro run --env large` reads (conf/large/globals.yml). GROUPS (3 to 6) planted
# customer groups, OVERLAP (> 0) scales their within-group spread (1.5 more overlap, 0.7
# cleaner). With GROUPS=4 and OVERLAP=1.0 the files are transactions_$(LINES).csv and
# planted_segments_$(LINES).csv (and campaigns_$(LINES).csv: campaign exposures of the same
# customers, with a planted lift; customer_segmentation.generators.campaigns); other values add _g$(GROUPS)_o$(OVERLAP), e.g.
# `make data LINES=100000 GROUPS=6 OVERLAP=1.5` -> transactions_100000_g6_o1.5.csv.
LINES ?= 1000000
SEED ?= 7
GROUPS ?= 4
OVERLAP ?= 1.0
DATA_SUFFIX = $(if $(and $(filter 4,$(GROUPS)),$(filter 1.0,$(OVERLAP))),,_g$(GROUPS)_o$(OVERLAP))
data: $(STAMP)
	$(BIN)/python -m customer_segmentation.generators.transactions --lines $(LINES) --seed $(SEED) \
		--groups $(GROUPS) --overlap $(OVERLAP) \
		--output data/01_raw/transactions_$(LINES)$(DATA_SUFFIX).csv \
		--planted-output data/01_raw/planted_segments_$(LINES)$(DATA_SUFFIX).csv
	$(BIN)/python -m customer_segmentation.generators.campaigns --seed $(SEED) \
		--planted data/01_raw/planted_segments_$(LINES)$(DATA_SUFFIX).csv \
		--output data/01_raw/campaigns_$(LINES)$(DATA_SUFFIX).csv

# A planted next month of the embedded data: the same customers, MOVE_SHARE of them now
# behaving like another group (truth in planted_segments_month2.csv, with the group before),
# prices times PRICE_FACTOR. Point raw_transactions at it (or copy it over transactions.csv)
# and run again to see the monitoring outputs.
MOVE_SHARE ?= 0.1
PRICE_FACTOR ?= 1.0
months: $(STAMP)
	$(BIN)/python -m customer_segmentation.generators.monthly \
		--lines data/01_raw/transactions.csv --planted data/01_raw/planted_segments.csv \
		--move-share $(MOVE_SHARE) --price-factor $(PRICE_FACTOR) \
		--output data/01_raw/transactions_month2.csv \
		--planted-output data/01_raw/planted_segments_month2.csv

# Scale benchmark (about 20 minutes): generated data at each size, as CSV and as Parquet (kept
# in data/bench/), every stage timed, targets reported as met or missed; results go in
# docs/benchmarks.md.
# Sizes are invoice lines, e.g. `make bench BENCH_LINES="100000 1000000"`.
# BENCH_ARGS adds options, e.g. BENCH_ARGS="--inputs csv --skip-growth" (`--help` lists them).
BENCH_LINES ?= 100000 1000000 10000000
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python benchmarks/scale_benchmark.py $(BENCH_LINES) $(BENCH_ARGS) --json data/bench/results.json

clean-venv:
	rm -rf $(VENV)

# The README's picture of the report: the newest report (after `make run`) rendered by
# headless Chromium (Debian: apt install chromium), offline, no profile or network services.
# NETLOG=<file> also records Chromium's network log (the tests read it: the report's page
# requests nothing from the network).
REPORT ?= data/08_reporting/latest/segment_report.html
SCREENSHOT ?= docs/images/segment_report.png
screenshot:
	chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$$(mktemp -d)" --window-size=1280,1800 \
		$(if $(NETLOG),--log-net-log="$(abspath $(NETLOG))") \
		--screenshot="$(abspath $(SCREENSHOT))" "file://$(abspath $(REPORT))"
