"""Run pipelines of a Kedro project in this process; print how long the run itself took.

Used by ``scale_benchmark.py`` as a subprocess, so that the start-up of Kedro (imports,
configuration, catalog) is told apart from the pipeline run: ``pipeline_s`` is the time from
Kedro's ``before_pipeline_run`` to ``after_pipeline_run`` hook, ``nodes`` the time of each node
with the saving of its outputs, ``loads`` the time spent loading each dataset (summed over
its loads; Kedro loads a node's inputs before the node starts).

    python benchmarks/stage_runner.py PROJECT --env bench --pipelines data_processing
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from pathlib import Path
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.framework.project import pipelines
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from measure import print_result
from omegaconf import OmegaConf


class RunTimings:
    """Kedro hooks: when the pipeline run starts and ends, and each node's time.

    A node's time runs from ``before_node_run`` to the last save of its outputs (Kedro saves
    them after ``after_node_run``); the sequential runner runs one node at a time.
    """

    def __init__(self) -> None:
        self.pipeline: dict[str, float] = {}
        self.nodes: dict[str, float] = {}
        self.loads: dict[str, float] = {}
        self._node: tuple[str, float] | None = None
        self._load: tuple[str, float] | None = None

    @hook_impl
    def before_dataset_loaded(self, dataset_name: str) -> None:
        self._load = (dataset_name, time.perf_counter())

    @hook_impl
    def after_dataset_loaded(self, dataset_name: str) -> None:
        if self._load and self._load[0] == dataset_name:
            seconds = time.perf_counter() - self._load[1]
            self.loads[dataset_name] = self.loads.get(dataset_name, 0.0) + seconds

    @hook_impl
    def before_pipeline_run(self) -> None:
        self.pipeline["start"] = time.perf_counter()

    @hook_impl
    def after_pipeline_run(self) -> None:
        self.pipeline["end"] = time.perf_counter()

    @hook_impl
    def before_node_run(self, node: Any) -> None:
        self._node = (node.name, time.perf_counter())

    @hook_impl
    def after_node_run(self) -> None:
        self._stamp()

    @hook_impl
    def after_dataset_saved(self) -> None:
        self._stamp()

    def _stamp(self) -> None:
        if self._node:
            name, started = self._node
            self.nodes[name] = time.perf_counter() - started


def parse_params(pairs: list[str]) -> dict[str, Any]:
    """``key=value`` pairs as Kedro runtime parameters, nested the way ``kedro run --params``
    nests them (``a.b=1`` -> ``{"a": {"b": 1}}``); numbers stay numbers."""
    return OmegaConf.to_container(OmegaConf.from_dotlist(pairs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--env", default=None)
    parser.add_argument("--pipelines", default="__default__", help="comma-separated names")
    parser.add_argument("--params", nargs="*", default=[], help="key=value runtime parameters")
    args = parser.parse_args()

    os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
    project = args.project.resolve()
    bootstrap_project(project)
    timings = RunTimings()
    with KedroSession.create(
        project_path=project, env=args.env, runtime_params=parse_params(args.params)
    ) as session:
        # Benchmark-only hooks: Kedro has no public API to add hooks to one session.
        session._hook_manager.register(timings)  # noqa: SLF001
        logging.getLogger("kedro").setLevel(logging.WARNING)
        session.run(pipeline_names=args.pipelines.split(","))
    print_result(
        {
            "pipeline_s": timings.pipeline["end"] - timings.pipeline["start"],
            "nodes": timings.nodes,
            # loads come before a node starts: a staged export's copy is timed here
            "loads": timings.loads,
            "pipelines": pipeline_times(timings.nodes),
        }
    )


def pipeline_times(nodes: dict[str, float]) -> dict[str, float]:
    """The run's node times summed per registered pipeline (those with a node in the run)."""
    sums: dict[str, float] = {}
    for name, pipeline in pipelines.items():
        if name == "__default__":
            continue
        names = {node.name for node in pipeline.nodes}
        if names & nodes.keys():
            sums[name] = sum(seconds for node, seconds in nodes.items() if node in names)
    return sums


if __name__ == "__main__":
    main()
