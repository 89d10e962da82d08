"""Planted recovery: does the default configuration find the generator's planted groups?

For each data set (invoice lines, seed, planted groups, overlap) it generates the lines as
Parquet under ``data/bench/`` (kept for later runs), copies the project to a temporary folder
with a ``bench`` environment pointing at them, runs ``data_processing``, ``feature_engineering``,
``model_selection`` and ``clustering`` as ``kedro run`` would, and compares the segments with
the planted groups (adjusted Rand index, ARI). On the same model input it then runs the
model stages again:

- with ``selection.policy=max_silhouette`` (the plain rule: the best mean silhouette);
- with ``forced_k`` = the true number of groups (the oracle: what K-means can reach when told K).

Figures are printed (a Markdown table, and JSON with ``--json``), never asserted.

    .venv/bin/python benchmarks/planted_recovery.py                 # the issue's table, ~10 min
    .venv/bin/python benchmarks/planted_recovery.py --quick         # smoke run, ~1 minute
    .venv/bin/python benchmarks/planted_recovery.py --only-groups --groups 3 4 5 6 \
        --overlaps 0.8 1.3 --seeds 7                                # overlap sweep, ~6 min
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
from scale_benchmark import (
    BEST_PARAMS,
    PYTHON,
    emit,
    human,
    make_project,
    measured,
    stage_run,
)
from sklearn.metrics import adjusted_rand_score

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
SEGMENTS = Path("data/07_model_output/customer_segments.parquet")
MODEL_STAGES = "model_selection,clustering"
ARI_TARGET, ARI_TARGET_OTHER_GROUPS, ORACLE_BAR = 0.95, 0.9, 0.95


@dataclass(frozen=True)
class DataSet:
    """One generated data set."""

    lines: int
    seed: int
    groups: int = 4
    overlap: float = 1.0

    @property
    def name(self) -> str:
        return f"{human(self.lines)} s{self.seed} g{self.groups} o{self.overlap:g}"

    def files(self, data_dir: Path) -> tuple[Path, Path]:
        stem = f"{self.lines}_seed{self.seed}"
        if (self.groups, self.overlap) != (4, 1.0):
            stem += f"_g{self.groups}_o{self.overlap:g}"
        return data_dir / f"transactions_{stem}.parquet", data_dir / f"planted_{stem}.csv"


@dataclass
class Result:
    """What the default configuration, the plain rule and the oracle found on one data set."""

    data: str
    customers: int
    chosen: str
    ari: float
    plain: str
    plain_ari: float
    oracle_ari: float
    selection_s: float


def ensure_data(data: DataSet, data_dir: Path) -> tuple[Path, Path]:
    """The lines and planted groups of ``data``, generated when missing."""
    raw, planted = data.files(data_dir)
    if not (raw.exists() and planted.exists()):
        data_dir.mkdir(parents=True, exist_ok=True)
        command = [PYTHON, "-m", "customer_segmentation.generators.transactions"]
        command += ["--lines", str(data.lines), "--seed", str(data.seed)]
        command += ["--groups", str(data.groups), "--overlap", str(data.overlap)]
        command += ["--output", str(raw), "--planted-output", str(planted)]
        measured(command, f"generating {data.name}")
    return raw, planted


def latest(project: Path, relative: Path) -> Path:
    """The newest version of a versioned dataset."""
    return sorted((project / relative).iterdir())[-1] / relative.name


def outcome(project: Path, planted: pd.DataFrame) -> tuple[str, float, int]:
    """``"scaler K=k"``, the ARI against the planted groups, and the number of customers."""
    best = json.loads(latest(project, BEST_PARAMS).read_text())
    segments = pd.read_parquet(latest(project, SEGMENTS), columns=["customer_id", "cluster"])
    merged = segments.merge(planted, on="customer_id", how="inner")
    ari = adjusted_rand_score(merged["segment"], merged["cluster"])
    return f"{best['scaler']} K={best['k']}", float(ari), len(segments)


def recover(data: DataSet, data_dir: Path, workdir: Path) -> Result:
    """Every run on one data set."""
    raw, planted_path = ensure_data(data, data_dir)
    planted = pd.read_csv(planted_path, dtype={"customer_id": str})
    project = make_project(Path(tempfile.mkdtemp(dir=workdir)) / "project", raw, planted_path)
    stage_run(project, "data_processing,feature_engineering", "transaction stages")
    run = stage_run(project, MODEL_STAGES, "model stages")
    chosen, ari, customers = outcome(project, planted)
    selection_s = sum(
        seconds
        for name, seconds in run.result["nodes"].items()
        if name in {"draw_search_sample", "score_k_grid", "run_optuna_study", "assess_candidates"}
    )
    stage_run(
        project, MODEL_STAGES, "plain rule", ["model_selection.selection.policy=max_silhouette"]
    )
    plain, plain_ari, _ = outcome(project, planted)
    stage_run(project, MODEL_STAGES, "oracle", [f"model_selection.forced_k={data.groups}"])
    _, oracle_ari, _ = outcome(project, planted)
    shutil.rmtree(project.parent, ignore_errors=True)
    return Result(data.name, customers, chosen, ari, plain, plain_ari, oracle_ari, selection_s)


def target_line(result: Result, groups: int) -> str:
    """MET / MISSED for the issue's targets (0.95 with 4 groups; 0.9 elsewhere where the
    oracle reaches 0.95; info where the oracle does not)."""
    if groups == 4:
        bar = ARI_TARGET
    elif result.oracle_ari >= ORACLE_BAR:
        bar = ARI_TARGET_OTHER_GROUPS
    else:
        return f"info   {result.data}: ARI {result.ari:.3f} (oracle {result.oracle_ari:.3f} < {ORACLE_BAR})"
    verdict = "MET   " if result.ari >= bar else "MISSED"
    return (
        f"{verdict} {result.data}: ARI {result.ari:.3f} (>= {bar}; oracle {result.oracle_ari:.3f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "lines",
        nargs="*",
        type=int,
        default=[40_000, 1_000_000, 10_000_000],
        help="sizes (invoice lines) with 4 planted groups",
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[7, 13])
    parser.add_argument("--groups", nargs="*", type=int, default=[3, 5, 6])
    parser.add_argument(
        "--groups-lines", type=int, default=1_000_000, help="size of the other-groups runs"
    )
    parser.add_argument("--overlaps", nargs="+", type=float, default=[1.0])
    parser.add_argument(
        "--only-groups", action="store_true", help="skip the 4-group runs at each size"
    )
    parser.add_argument("--data-dir", type=Path, default=PROJECT_ROOT / "data" / "bench")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--quick", action="store_true", help="one data set: 20,000 lines")
    args = parser.parse_args()
    if args.quick:
        args.lines, args.seeds, args.groups = [20_000], [7], []

    sets = [] if args.only_groups else [DataSet(n, s) for n in args.lines for s in args.seeds]
    sets += [
        DataSet(args.groups_lines, seed, groups, overlap)
        for groups in args.groups
        for seed in args.seeds[:1]
        for overlap in args.overlaps
    ]
    started = time.perf_counter()
    results: list[tuple[DataSet, Result]] = []
    with tempfile.TemporaryDirectory(prefix="planted-") as workdir:
        for data in sets:
            result = recover(data, args.data_dir, Path(workdir))
            results.append((data, result))
            emit(
                f"{data.name}: {result.chosen} ARI {result.ari:.3f} ({time.perf_counter() - started:.0f} s)"
            )
    emit()
    emit(
        "| data (lines, seed, groups, overlap) | customers | chosen | ARI | plain max silhouette | ARI | oracle (true K) ARI | selection s |"
    )
    emit("| --- | ---: | --- | ---: | --- | ---: | ---: | ---: |")
    for _, r in results:
        emit(
            f"| {r.data} | {r.customers:,} | {r.chosen} | {r.ari:.3f} | {r.plain} | "
            f"{r.plain_ari:.3f} | {r.oracle_ari:.3f} | {r.selection_s:.1f} |"
        )
    emit()
    emit("Targets:")
    for data, r in results:
        emit("- " + target_line(r, data.groups))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(r) for _, r in results], indent=2))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
