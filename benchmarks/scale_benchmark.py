"""Scale benchmark: every stage of the project on generated data, timed and measured.

For each size (invoice lines; about one customer per 20 lines) and each input shape
(``--inputs``: a CSV export read as text, ``all_varchar``, as the shipped catalog reads it;
typed Parquet) it generates the data under ``data/bench/`` (kept for the next run), copies
the project to a temporary folder with a ``bench`` environment pointing ``raw_transactions``
at that file, and measures:

- the transaction stages (``data_processing`` + ``feature_engineering``), next to the same
  aggregation written as one hand-tuned DuckDB query (``reference_sql.py``) over the same
  file, alternated ``--repeats`` times (best of each kept);
- ``experiments`` (model selection), ``clustering``, ``monitoring`` and ``reporting``, one
  run each (first input shape);
- the whole run (all default pipelines, as ``kedro run`` runs them) in a fresh copy, with
  the time of each pipeline and the slowest nodes.

Then, on customers resampled from the largest size's model input: the growth of model
selection with customers (``--growth-customers``), the sampled choice of scaler and K
against the full-silhouette choice (``--full-customers``), and the notebook approach
against the project (``--notebook-customers``).

Every row gives wall time, CPU time (all cores) and peak memory of the process tree
(``measure.py``); "run" is the pipeline run alone, without Kedro's start-up. Figures are
printed, never asserted; targets are reported as met or missed.

    .venv/bin/python benchmarks/scale_benchmark.py                   # 100k, 1M, 10M lines
    .venv/bin/python benchmarks/scale_benchmark.py 20000 --quick     # smoke run, < 1 minute
    .venv/bin/python benchmarks/scale_benchmark.py 10000000 --stages-only --inputs csv
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from measure import Measurement, run_measured

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
PYTHON = sys.executable
ENV = "bench"
TRANSACTION_STAGES = "data_processing,feature_engineering"
#: The default run's pipelines after the transaction stages, in an order that runs each on the
#: outputs of the ones before (``experiments`` holds the chosen experiment's model selection).
MODEL_STAGES = ("experiments", "clustering", "monitoring", "reporting")
#: The default run's pipelines beside the segments, timed in the end-to-end run only.
INVOICE_STAGES = ("customer_value", "churn_propensity", "campaigns")
#: Nodes of the transaction stages that run in pandas on the customer table (RFM scores,
#: model input): the hand-tuned query has no counterpart for them.
PANDAS_NODES = ("score_rfm", "build_model_input")
MODEL_INPUT = Path("data/05_model_input/model_input.parquet")
FEATURE_TRANSFORMS = Path("data/05_model_input/feature_transforms.json")
CUSTOMER_METRICS = Path("data/03_primary/customer_metrics.parquet")
BEST_PARAMS = Path("data/06_models/best_params.json")

# targets (printed, never asserted)
E2E_TARGET_S, E2E_TARGET_MIB, E2E_TARGET_LINES = 60.0, 3 * 1024.0, 10_000_000
SQL_RATIO_TARGET = 1.5
GROWTH_RATIO_TARGET, GROWTH_FROM = 1.3, 100_000
NOTEBOOK_SPEEDUP_TARGET, NOTEBOOK_CUSTOMERS = 10.0, 50_000


@dataclass
class Row:
    """One measured step."""

    size: str
    step: str
    run_s: float | None
    wall_s: float
    cpu_s: float
    peak_mib: float
    throughput: str


def emit(line: str = "") -> None:
    """Write one line of the report."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def subprocess_env() -> dict[str, str]:
    """The environment of every measured command: no telemetry, no display."""
    return {**os.environ, "KEDRO_DISABLE_TELEMETRY": "1", "MPLBACKEND": "Agg"}


def measured(command: Sequence[str], what: str, cwd: Path | None = None) -> Measurement:
    """Run and measure ``command``; stop the benchmark with its output if it fails."""
    return run_measured(command, cwd=cwd, env=subprocess_env()).check(what)


def human(count: float) -> str:
    """1000000 -> '1M', 100000 -> '100k'."""
    for unit, scale in (("M", 1e6), ("k", 1e3)):
        if count >= scale:
            value = count / scale
            return f"{value:.0f}{unit}" if value == int(value) else f"{value:.1f}{unit}"
    return str(int(count))


# ---- data and project copies ----------------------------------------------------------
def ensure_data(
    lines: int, seed: int, data_dir: Path, shape: str = "parquet"
) -> tuple[Path, Path, Row | None]:
    """The generated lines (``shape``: csv or parquet) and planted groups; generated (and
    measured) if missing. Both shapes of one size and seed hold the same lines."""
    raw = data_dir / f"transactions_{lines}_seed{seed}.{shape}"
    planted = data_dir / f"planted_segments_{lines}_seed{seed}.csv"
    if raw.exists() and planted.exists():
        return raw, planted, None
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [PYTHON, "-m", "customer_segmentation.generators.transactions", "--lines", str(lines)]
    command += ["--seed", str(seed), "--output", str(raw), "--planted-output", str(planted)]
    m = measured(command, f"generating {lines} lines")
    row = Row(f"{human(lines)} {shape}", "generate data", None, m.wall_s, m.cpu_s, m.peak_mib, "")
    row.throughput = f"{lines / m.wall_s:,.0f} lines/s"
    return raw, planted, row


BENCH_CATALOG = """\
# written by benchmarks/scale_benchmark.py: the generated data of this benchmark run
# as conf/base/catalog.yml reads an export: a CSV once, copied to Parquet; Parquet directly
raw_transactions:
  type: customer_segmentation.datasets.StagedFileDataset
  filepath: {raw}
  file_format: {file_format}
  table_name: raw_transactions
  connection: ${{globals:transaction_engine}}
  load_args: {load_args}
  staged_filepath: ${{globals:data_root}}/01_raw/staged/raw_transactions.parquet
  staged_save_args: {{compression: uncompressed}}

planted_segments:
  type: pandas.CSVDataset
  filepath: {planted}
  load_args:
    dtype: {{customer_id: str}}
"""


def ensure_campaigns(planted: Path) -> Path:
    """Campaign exposures of the planted customers (the generator of the shipped
    ``campaigns.csv``, its default seed and lift), beside them; made once."""
    campaigns = planted.with_name(planted.name.replace("planted_segments", "campaigns"))
    if not campaigns.exists():
        command = [PYTHON, "-m", "customer_segmentation.generators.campaigns"]
        measured([*command, "--planted", str(planted), "--output", str(campaigns)], "campaigns")
    return campaigns


def make_project(
    destination: Path,
    raw: Path | None = None,
    planted: Path | None = None,
    campaigns: bool = False,
) -> Path:
    """A copy of what ``kedro run`` needs, with a ``bench`` environment for the data.

    With ``campaigns``, the environment reads campaign exposures of the same customers, so
    that the ``campaigns`` pipeline has work too (without, it finds no file and skips).
    """
    destination.mkdir(parents=True)
    for name in ("pyproject.toml", ".telemetry"):
        shutil.copy2(PROJECT_ROOT / name, destination / name)
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(PROJECT_ROOT / "src", destination / "src", ignore=ignore)
    shutil.copytree(
        PROJECT_ROOT / "conf", destination / "conf", ignore=shutil.ignore_patterns("local")
    )
    (destination / "conf" / "local").mkdir(exist_ok=True)
    bench = destination / "conf" / ENV
    bench.mkdir()
    if raw is not None and planted is not None:
        csv = raw.suffix.lower() == ".csv"
        catalog = BENCH_CATALOG.format(
            raw=raw.resolve(),
            planted=planted.resolve(),
            file_format="csv" if csv else "parquet",
            # a CSV export is read as the shipped catalog reads it: every column as text
            load_args="{all_varchar: true, header: true}" if csv else "{}",
        )
        (bench / "catalog.yml").write_text(catalog)
        if campaigns:
            path = ensure_campaigns(planted).resolve()
            (bench / "globals.yml").write_text(f"raw_campaigns_path: {path}\n")
    return destination


def stage_run(project: Path, pipelines: str, what: str, params: Sequence[str] = ()) -> Measurement:
    """``pipelines`` of ``project`` run by ``stage_runner.py`` (pipeline time + process)."""
    command = [PYTHON, str(BENCH_DIR / "stage_runner.py"), str(project), "--env", ENV]
    command += ["--pipelines", pipelines]
    if params:
        command += ["--params", *params]
    return measured(command, what, cwd=project)


# ---- per size ----------------------------------------------------------------------------
def transaction_stages(
    project: Path, raw: Path, lines: int, repeats: int, workdir: Path
) -> tuple[list[Row], dict[str, Any]]:
    """Transaction stages and the hand-tuned query, alternated; the best of each."""
    shape = raw.suffix.lstrip(".").lower()
    size = f"{human(lines)} {shape}"
    reference_out = workdir / f"reference_{lines}_{shape}.parquet"
    stages: list[Measurement] = []
    queries: list[Measurement] = []
    for _ in range(repeats):
        command = [PYTHON, str(BENCH_DIR / "reference_sql.py"), str(raw), str(reference_out)]
        queries.append(measured(command, "reference query"))
        stages.append(stage_run(project, TRANSACTION_STAGES, "transaction stages"))
    check = [PYTHON, str(BENCH_DIR / "reference_sql.py"), str(raw), str(reference_out)]
    check += ["--compare", str(project / CUSTOMER_METRICS)]
    same = measured(check, "reference check").result["same_as_pipeline"]
    stage = min(stages, key=lambda m: m.result["pipeline_s"])
    query = min(queries, key=lambda m: m.result["query_s"])
    run_s, query_s = stage.result["pipeline_s"], query.result["query_s"]
    rows = [
        Row(size, "transaction stages", run_s, stage.wall_s, stage.cpu_s, stage.peak_mib, ""),
        Row(
            size, "hand-tuned DuckDB query", query_s, query.wall_s, query.cpu_s, query.peak_mib, ""
        ),
    ]
    for row in rows:
        row.throughput = f"{lines / row.run_s:,.0f} lines/s"
    ratios = [s.result["pipeline_s"] / q.result["query_s"] for s, q in zip(stages, queries)]
    nodes = stage.result["nodes"]
    loads = stage.result.get("loads", {})
    slowest_nodes = sorted(nodes.items(), key=lambda item: -item[1])[:6]
    # the part the hand-tuned query also does: every node but the pandas ones after it, and
    # reading the export (a CSV's copy to Parquet happens when it is first loaded)
    engine_s = sum(seconds for name, seconds in nodes.items() if name not in PANDAS_NODES)
    engine_s += loads.get("raw_transactions", 0.0)
    info = {
        "lines": lines,
        "shape": shape,
        "stages_s": [m.result["pipeline_s"] for m in stages],
        "query_s": [m.result["query_s"] for m in queries],
        "ratio_best": run_s / query_s,
        "ratio_median": float(np.median(ratios)),
        "engine_nodes_s": engine_s,
        "engine_ratio": engine_s / query_s,
        "reference_result": same,
        "slowest_nodes": {name: round(seconds, 2) for name, seconds in slowest_nodes},
        "raw_transactions_load_s": round(loads.get("raw_transactions", 0.0), 2),
    }
    return rows, info


def model_stages(project: Path, lines: int, customers: int) -> list[Row]:
    """The pipelines of :data:`MODEL_STAGES`, one run each, on the stages' output."""
    rows = []
    for pipeline in MODEL_STAGES:
        m = stage_run(project, pipeline, pipeline)
        run_s = m.result["pipeline_s"]
        throughput = f"{customers / run_s:,.0f} customers/s"
        rows.append(Row(human(lines), pipeline, run_s, m.wall_s, m.cpu_s, m.peak_mib, throughput))
    return rows


def end_to_end(raw: Path, planted: Path, lines: int, workdir: Path) -> tuple[Row, dict[str, Any]]:
    """The whole run (all default pipelines, what ``kedro run`` runs) in a fresh copy.

    Run by ``stage_runner.py`` so that each pipeline's time (its nodes, with their saves)
    and the slowest nodes are known; *process wall s* is the figure a user sees.
    """
    shape = raw.suffix.lstrip(".").lower()
    project = make_project(workdir / f"e2e_{lines}_{shape}", raw, planted, campaigns=True)
    m = stage_run(project, "__default__", "end-to-end run")
    size = f"{human(lines)} {shape}"
    run_s = m.result["pipeline_s"]
    row = Row(size, "kedro run (end to end)", run_s, m.wall_s, m.cpu_s, m.peak_mib, "")
    row.throughput = f"{lines / m.wall_s:,.0f} lines/s"
    nodes = m.result["nodes"]
    slowest = sorted(nodes.items(), key=lambda item: -item[1])[:12]
    info = {
        "size": size,
        # the default run's parts, each node once (customer_table and scoring share nodes)
        "pipelines": {
            name: round(m.result.get("pipelines", {}).get(name, 0.0), 2)
            for name in ("data_processing", "feature_engineering", *MODEL_STAGES, *INVOICE_STAGES)
        },
        "raw_transactions_load_s": round(m.result.get("loads", {}).get("raw_transactions", 0), 2),
        "slowest_nodes": {name: round(seconds, 2) for name, seconds in slowest},
    }
    shutil.rmtree(project, ignore_errors=True)
    return row, info


# ---- model selection on resampled customers ---------------------------------------------
@dataclass
class Population:
    """Customers to resample model inputs from: a model input and its feature transforms.

    ``select`` runs ``model_selection`` on ``n`` resampled customers (fixed seed) and keeps
    the result, so the sections that need the same run share it.
    """

    model_input: pd.DataFrame
    transforms: Path
    seed: int
    workdir: Path
    runs: dict[tuple[int, tuple[str, ...]], tuple[Measurement, tuple[str, int]]] = field(
        default_factory=dict
    )

    def sample(self, n: int) -> pd.DataFrame:
        """``n`` customers (drawn with replacement when there are fewer), fresh ids."""
        rng = np.random.default_rng(self.seed)
        size = len(self.model_input)
        rows = np.sort(rng.choice(size, size=n, replace=n > size))
        sample = self.model_input.iloc[rows].reset_index(drop=True)
        sample["customer_id"] = [f"R{i:08d}" for i in range(n)]
        return sample

    def project(self, n: int) -> Path:
        """A fresh project copy whose model input is ``n`` resampled customers."""
        project = make_project(Path(tempfile.mkdtemp(dir=self.workdir)) / "project")
        target = project / MODEL_INPUT
        target.parent.mkdir(parents=True, exist_ok=True)
        self.sample(n).to_parquet(target, index=False)
        shutil.copy2(self.transforms, project / FEATURE_TRANSFORMS)
        return project

    def select(self, n: int, params: Sequence[str] = ()) -> tuple[Measurement, tuple[str, int]]:
        """``model_selection`` on ``n`` customers: its measurement and chosen scaler and K."""
        key = (n, tuple(params))
        if key not in self.runs:
            project = self.project(n)
            run = stage_run(project, "model_selection", f"model selection on {n}", params)
            self.runs[key] = (run, chosen(project))
            shutil.rmtree(project.parent, ignore_errors=True)
        return self.runs[key]


def chosen(project: Path) -> tuple[str, int]:
    """The scaler and K in ``best_params``."""
    versions = sorted((project / BEST_PARAMS).iterdir())  # versioned: one folder per run
    best = json.loads((versions[-1] / BEST_PARAMS.name).read_text())
    return str(best["scaler"]), int(best["k"])


def growth(population: Population, sizes: list[int]) -> tuple[list[Row], list[dict[str, Any]]]:
    """Model selection time at each customer count; the ratio of each step to the last."""
    rows, steps, previous = [], [], None
    for n in sizes:
        m, _ = population.select(n)
        run_s = m.result["pipeline_s"]
        throughput = f"{n / run_s:,.0f} customers/s"
        step = "model_selection (growth)"
        rows.append(
            Row(f"{human(n)} cust.", step, run_s, m.wall_s, m.cpu_s, m.peak_mib, throughput)
        )
        if previous:
            ratio = run_s / previous[1]
            steps.append({"from": previous[0], "to": n, "ratio": ratio, "scale": n / previous[0]})
        previous = (n, run_s)
    return rows, steps


def sampled_vs_full(population: Population, sizes: list[int]) -> list[dict[str, Any]]:
    """Chosen scaler and K with the default (sampled) search and with every customer.

    Each search starts its own Optuna study in a fresh copy of the project.
    """
    results = []
    for n in sizes:
        sampled_run, sampled = population.select(n)
        full_params = (
            f"model_selection.sampling.search_sample_size={n}",
            f"model_selection.sampling.silhouette_sample_size={n}",
        )
        full_run, full = population.select(n, full_params)
        results.append(
            {
                "customers": n,
                "sampled": sampled,
                "full": full,
                "same": sampled == full,
                "sampled_s": sampled_run.result["pipeline_s"],
                "full_s": full_run.result["pipeline_s"],
            }
        )
    return results


def notebook_comparison(population: Population, n: int) -> tuple[list[Row], dict[str, Any]]:
    """The notebook approach and the project's model selection on the same customers."""
    project = population.project(n)
    command = [PYTHON, str(BENCH_DIR / "notebook_baseline.py"), str(project / MODEL_INPUT)]
    notebook = measured(command, "notebook baseline")
    shutil.rmtree(project.parent, ignore_errors=True)
    ours, (scaler, k) = population.select(n)
    size = f"{human(n)} cust."
    notebook_s, ours_s = notebook.result["search_s"], ours.result["pipeline_s"]
    rows = [
        Row(
            size,
            "notebook K search",
            notebook_s,
            notebook.wall_s,
            notebook.cpu_s,
            notebook.peak_mib,
            "",
        ),
        Row(size, "model_selection (project)", ours_s, ours.wall_s, ours.cpu_s, ours.peak_mib, ""),
    ]
    info = {
        "customers": n,
        "notebook_k": notebook.result["k"],
        "project_scaler": scaler,
        "project_k": k,
        "same_k": notebook.result["k"] == k,
        "speedup": notebook_s / ours_s,
    }
    return rows, info


# ---- report --------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    memory_kib = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        memory_kib = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kib / 2**20, 1),
        "python": platform.python_version(),
        "load_average_at_start": [round(value, 2) for value in load],
    }


def table(rows: list[Row]) -> list[str]:
    """The rows as a Markdown table."""
    lines = [
        "| size | step | run s | process wall s | CPU s | peak MiB | throughput |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        run = "" if r.run_s is None else f"{r.run_s:.2f}"
        lines.append(
            f"| {r.size} | {r.step} | {run} | {r.wall_s:.2f} | {r.cpu_s:.2f} "
            f"| {r.peak_mib:,.0f} | {r.throughput} |"
        )
    return lines


def verdict(met: bool | None, detail: str) -> str:
    """A report line: MET / MISSED where the target applies at this size, info otherwise."""
    label = {True: "MET   ", False: "MISSED", None: "info  "}[met]
    return f"{label} {detail}"


def applies(met: bool, at_size: bool) -> bool | None:
    """The verdict where the target is set for this size; no verdict elsewhere."""
    return met if at_size else None


def targets(
    e2e: list[tuple[Row, int]],
    sql: list[dict[str, Any]],
    steps: list[dict[str, Any]],
    full: list[dict[str, Any]],
    notebook: dict[str, Any],
) -> list[str]:
    """One line per figure with a target: met or missed where the target is set, else info."""
    lines = []
    for row, lines_count in e2e:
        met = row.wall_s < E2E_TARGET_S and row.peak_mib < E2E_TARGET_MIB
        lines.append(
            verdict(
                applies(met, lines_count >= E2E_TARGET_LINES),
                f"end to end on {row.size} lines: {row.wall_s:.1f} s (< {E2E_TARGET_S:.0f} "
                f"at 10M), peak {row.peak_mib:,.0f} MiB (< {E2E_TARGET_MIB:,.0f})",
            )
        )
    for info in sql:
        met = info["ratio_best"] <= SQL_RATIO_TARGET
        lines.append(
            verdict(
                applies(met, info["lines"] >= E2E_TARGET_LINES),
                f"transaction stages / hand-tuned query on {human(info['lines'])} lines "
                f"({info['shape']}): "
                f"{info['ratio_best']:.2f}x best, {info['ratio_median']:.2f}x median "
                f"(<= {SQL_RATIO_TARGET} at 10M); same customer table: "
                f"{info['reference_result']}",
            )
        )
        lines.append(
            verdict(
                None,
                f"  of which reading the export and the Ibis/DuckDB nodes (without the pandas "
                f"RFM and model input nodes and Kedro's own work between nodes): "
                f"{info['engine_nodes_s']:.2f} s, {info['engine_ratio']:.2f}x the query",
            )
        )
    for step in steps:
        per_doubling = step["ratio"] ** (1 / math.log2(step["scale"]))
        lines.append(
            verdict(
                applies(per_doubling <= GROWTH_RATIO_TARGET, step["from"] >= GROWTH_FROM),
                f"model selection {human(step['from'])} -> {human(step['to'])} customers: "
                f"{step['ratio']:.2f}x, {per_doubling:.2f}x per doubling "
                f"(<= {GROWTH_RATIO_TARGET}x above {human(GROWTH_FROM)})",
            )
        )
    for result in full:
        lines.append(
            verdict(
                result["same"],
                f"sampled vs full-silhouette choice on {human(result['customers'])} customers: "
                f"{result['sampled']} vs {result['full']} "
                f"({result['sampled_s']:.1f} s vs {result['full_s']:.1f} s)",
            )
        )
    if notebook:
        # The K may differ by design: the notebook takes the best silhouette, the project
        # its selection policy (docs/benchmarks.md, "Segment choice").
        met = notebook["speedup"] >= NOTEBOOK_SPEEDUP_TARGET
        lines.append(
            verdict(
                applies(met, notebook["customers"] >= NOTEBOOK_CUSTOMERS),
                f"notebook vs project on {human(notebook['customers'])} customers: "
                f"{notebook['speedup']:.1f}x faster (>= {NOTEBOOK_SPEEDUP_TARGET:.0f}x at "
                f"{human(NOTEBOOK_CUSTOMERS)}); K {notebook['notebook_k']} (best silhouette) "
                f"vs {notebook['project_k']} (selection policy, scaler "
                f"{notebook['project_scaler']})",
            )
        )
    return lines


@dataclass
class SizeResult:
    """What one size measured, over its input shapes."""

    rows: list[Row] = field(default_factory=list)
    sql: list[dict[str, Any]] = field(default_factory=list)
    e2e: list[tuple[Row, int]] = field(default_factory=list)
    e2e_info: list[dict[str, Any]] = field(default_factory=list)
    same_tables: list[str] = field(default_factory=list)
    population: tuple[Path, Path] | None = None


def measure_size(args: argparse.Namespace, lines: int, workdir: Path) -> SizeResult:
    """Every input shape of one size: stages vs query, model stages (first shape), end to end."""
    result = SizeResult()
    metrics: dict[str, pd.DataFrame] = {}
    for position, shape in enumerate(args.inputs):
        raw, planted, generated = ensure_data(lines, args.seed, args.data_dir, shape)
        result.rows += [generated] if generated else []
        project = make_project(workdir / f"stages_{lines}_{shape}", raw, planted)
        stage_rows, sql_info = transaction_stages(project, raw, lines, args.repeats, workdir)
        result.rows += stage_rows
        result.sql.append(sql_info)
        metrics[shape] = pd.read_parquet(project / CUSTOMER_METRICS)
        if not args.quick and not args.stages_only and position == 0:
            result.rows += model_stages(project, lines, len(metrics[shape]))
        # --quick: one end-to-end run (the first shape) is enough to see that it runs
        if not args.stages_only and (position == 0 or not args.quick):
            e2e_row, e2e_detail = end_to_end(raw, planted, lines, workdir)
            result.rows.append(e2e_row)
            result.e2e.append((e2e_row, lines))
            result.e2e_info.append(e2e_detail)
        if position == 0:
            keep = workdir / "population"
            shutil.rmtree(keep, ignore_errors=True)
            keep.mkdir()
            shutil.copy2(project / MODEL_INPUT, keep / MODEL_INPUT.name)
            shutil.copy2(project / FEATURE_TRANSFORMS, keep / FEATURE_TRANSFORMS.name)
            result.population = (keep / MODEL_INPUT.name, keep / FEATURE_TRANSFORMS.name)
        shutil.rmtree(project, ignore_errors=True)
    first, *others = metrics.items()
    for shape, frame in others:
        same = "identical" if first[1].equals(frame) else "DIFFERENT"
        result.same_tables.append(
            f"{human(lines)} lines: customer table from {first[0]} and {shape} input {same}"
        )
    return result


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[1:]),
    )
    parser.add_argument(
        "lines",
        nargs="*",
        type=int,
        default=[100_000, 1_000_000, 10_000_000],
        help="invoice lines per size (default: 100000 1000000 10000000)",
    )
    parser.add_argument("--seed", type=int, default=7, help="data seed (default 7)")
    parser.add_argument("--data-dir", type=Path, default=PROJECT_ROOT / "data" / "bench")
    parser.add_argument("--repeats", type=int, default=3, help="stages vs query runs (3)")
    parser.add_argument(
        "--growth-customers",
        nargs="*",
        type=int,
        default=[100_000, 200_000, 400_000, 800_000],
        help="customer counts of the model-selection growth run",
    )
    parser.add_argument(
        "--full-customers",
        nargs="*",
        type=int,
        default=[10_000, 20_000],
        help="customer counts where the full-silhouette search also runs",
    )
    parser.add_argument("--notebook-customers", type=int, default=NOTEBOOK_CUSTOMERS)
    parser.add_argument(
        "--inputs",
        nargs="+",
        choices=("csv", "parquet"),
        default=["csv", "parquet"],
        help="input shapes: a CSV export read as text, typed Parquet (default: both)",
    )
    parser.add_argument(
        "--stages-only",
        action="store_true",
        help="only the transaction stages against the query (no model stages, end to end, "
        "growth, notebook)",
    )
    parser.add_argument(
        "--skip-growth",
        action="store_true",
        help="leave out the sections on resampled customers (model-selection growth, sampled "
        "vs full, notebook)",
    )
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke settings: 1 repeat, tiny model-selection sizes, no per-stage model runs, "
        "one end-to-end run",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats = 1
        args.growth_customers = [1_000, 2_000]
        args.full_customers = [1_000]
        args.notebook_customers = 1_000
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    info = machine()
    emit(f"# scale benchmark, {info['date']}")
    emit(
        f"machine: {info['cores']} cores, {info['memory_gib']} GiB, Python {info['python']}, "
        f"load average at start {info['load_average_at_start']}"
    )
    rows: list[Row] = []
    sql: list[dict[str, Any]] = []
    e2e: list[tuple[Row, int]] = []
    e2e_info: list[dict[str, Any]] = []
    same_tables: list[str] = []
    steps: list[dict[str, Any]] = []
    full: list[dict[str, Any]] = []
    notebook: dict[str, Any] = {}
    largest_input: tuple[Path, Path] | None = None
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as tmp:
        workdir = Path(tmp)
        for lines in sorted(args.lines):
            measured_size = measure_size(args, lines, workdir)
            rows += measured_size.rows
            sql += measured_size.sql
            e2e += measured_size.e2e
            e2e_info += measured_size.e2e_info
            same_tables += measured_size.same_tables
            largest_input = measured_size.population or largest_input
            emit(f"... {human(lines)} lines done")
        assert largest_input is not None
        if not args.stages_only and not args.skip_growth:
            population = Population(
                pd.read_parquet(largest_input[0]), largest_input[1], args.seed, workdir
            )
            growth_rows, steps = growth(population, args.growth_customers)
            rows += growth_rows
            full = sampled_vs_full(population, args.full_customers)
            notebook_rows, notebook = notebook_comparison(population, args.notebook_customers)
            rows += notebook_rows
    emit()
    for line in table(rows):
        emit(line)
    emit()
    emit("Targets:")
    for line in targets(e2e, sql, steps, full, notebook):
        emit("- " + line)
    emit()
    for line in same_tables:
        emit("- " + line)
    emit()
    emit("Slowest nodes of the transaction stages (best run, seconds incl. saving outputs):")
    for info_size in sql:
        emit(
            f"- {human(info_size['lines'])} {info_size['shape']}: {info_size['slowest_nodes']}; "
            f"loading raw_transactions (a CSV: its copy to Parquet) "
            f"{info_size['raw_transactions_load_s']} s"
        )
    if e2e_info:
        emit()
        emit("End to end, seconds per pipeline (its nodes with their saves) and slowest nodes:")
        for detail in e2e_info:
            emit(
                f"- {detail['size']}: {detail['pipelines']}; loading raw_transactions "
                f"{detail['raw_transactions_load_s']} s"
            )
            emit(f"  slowest nodes: {detail['slowest_nodes']}")
    if args.json:
        report = {
            "machine": info,
            "rows": [asdict(row) for row in rows],
            "transaction_stages_vs_query": sql,
            "same_customer_tables": same_tables,
            "end_to_end": e2e_info,
            "model_selection_growth": steps,
            "sampled_vs_full": full,
            "notebook": notebook,
            "load_average_at_end": list(os.getloadavg()) if hasattr(os, "getloadavg") else [],
        }
        args.json.write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
