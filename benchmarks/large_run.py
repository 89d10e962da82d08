"""One large run, stage by stage: time and peak memory of each, on a generated export.

The project's pipelines run one after another in a copy of the project (``bench``
environment, as in ``scale_benchmark.py``), each in its own process, so that each stage's
peak memory (the whole process tree) is its own. Used for the 100-million-line run of
issue 19 (a 9 GB CSV); the export is generated first if it is missing (``data/bench/``).

    .venv/bin/python benchmarks/large_run.py 100000000 --shape csv
    .venv/bin/python benchmarks/large_run.py 100000000 --stages data_processing,feature_engineering
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from scale_benchmark import (
    PROJECT_ROOT,
    emit,
    ensure_data,
    human,
    machine,
    make_project,
    measured,
    stage_run,
)

#: The default run's pipelines, each run on the outputs of those before it (reporting last:
#: it reads the customer value, churn and campaign results).
STAGES = (
    "data_processing,feature_engineering",
    "experiments",
    "clustering",
    "monitoring",
    "customer_value",
    "churn_propensity",
    "campaigns",
    "reporting",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lines", type=int)
    parser.add_argument("--shape", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, default=PROJECT_ROOT / "data" / "bench")
    parser.add_argument(
        "--stages", default=";".join(STAGES), help="';'-separated pipeline lists, run in order"
    )
    parser.add_argument("--workdir", type=Path, default=None, help="where the copy goes")
    args = parser.parse_args()
    info = machine()
    emit(f"# large run, {info['date']}, {info['cores']} cores, {info['memory_gib']} GiB")
    raw, planted, generated = ensure_data(args.lines, args.seed, args.data_dir, args.shape)
    if generated:
        emit(
            f"generated {human(args.lines)} lines: {generated.wall_s:.0f} s, "
            f"peak {generated.peak_mib:,.0f} MiB"
        )
    emit(f"export: {raw} ({raw.stat().st_size / 2**30:.1f} GiB)")
    workdir = Path(tempfile.mkdtemp(prefix="large-run-", dir=args.workdir))
    project = make_project(workdir / "project", raw, planted, campaigns=True)
    emit("| stage | run s | process wall s | CPU s | peak MiB | slowest nodes (s) |")
    emit("| --- | ---: | ---: | ---: | ---: | --- |")
    try:
        for stage in args.stages.split(";"):
            m = stage_run(project, stage, stage)
            nodes = sorted(m.result["nodes"].items(), key=lambda item: -item[1])[:4]
            loads = {k: round(v, 1) for k, v in m.result.get("loads", {}).items() if v >= 1}
            slowest = ", ".join(f"{name} {seconds:.1f}" for name, seconds in nodes)
            if loads:
                slowest += f"; loads {loads}"
            emit(
                f"| {stage} | {m.result['pipeline_s']:.1f} | {m.wall_s:.1f} | {m.cpu_s:.1f} "
                f"| {m.peak_mib:,.0f} | {slowest} |"
            )
        spilled = measured(["du", "-sh", str(project / "data")], "size of the outputs")
        emit(f"outputs and staged copy: {spilled.output.split()[0]}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
