"""kedro-viz's row and column counts, kept per environment.

kedro-viz shows, beside each table, the rows and columns of its last save or load, read from
``.viz/stats.json``. Its own hook rewrites that one file after every run, whatever the
environment and however few pipelines ran: after ``kedro run --env customer_table`` the
default environment's lineage showed the customer table's counts, and after
``--pipelines reporting`` every other table lost its counts.

Here each environment keeps its own file, ``.viz/stats-<env>.json``, updated dataset by
dataset (a partial run keeps the counts of the tables it did not touch). ``.viz/stats.json``,
the file kedro-viz reads, holds the default environment's counts; ``make viz ENV=<env>``
(``python -m customer_segmentation.viz_stats <env>``) puts another environment's counts
there before it starts kedro-viz for that environment.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: kedro-viz's folder and file (kedro_viz.constants.VIZ_METADATA_ARGS).
VIZ_FOLDER = ".viz"
VIZ_STATS = "stats.json"
DEFAULT_ENV = "local"


def env_stats_file(project: Path, env: str) -> Path:
    """The counts of the datasets of ``env``: ``.viz/stats-<env>.json``."""
    return project / VIZ_FOLDER / f"stats-{env}.json"


def _read(path: Path) -> dict[str, Any]:
    try:
        stats = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return stats if isinstance(stats, dict) else {}


def _write(path: Path, stats: Mapping[str, Any]) -> None:
    """Write ``stats`` whole or not at all (kedro-viz may read the file at any time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.partial")
    with temporary.open("w", encoding="utf-8") as file:
        json.dump(dict(sorted(stats.items())), file, indent=1)
    os.replace(temporary, path)


def record_stats(
    project: Path, env: str, stats: Mapping[str, Any], default_env: str = DEFAULT_ENV
) -> dict[str, Any]:
    """Merge a run's counts into its environment's file; the default environment's also go
    to the file kedro-viz reads. The environment's counts after the merge."""
    merged = {**_read(env_stats_file(project, env)), **stats}
    _write(env_stats_file(project, env), merged)
    if env == default_env:
        _write(project / VIZ_FOLDER / VIZ_STATS, merged)
    return merged


def show_stats(project: Path, env: str) -> dict[str, Any]:
    """Make ``env``'s counts the ones kedro-viz shows (none yet: no counts shown)."""
    stats = _read(env_stats_file(project, env))
    _write(project / VIZ_FOLDER / VIZ_STATS, stats)
    return stats


if __name__ == "__main__":  # make viz ENV=<env>
    shown = show_stats(Path.cwd(), sys.argv[1] if len(sys.argv) > 1 else DEFAULT_ENV)
    sys.stderr.write(f"kedro-viz shows the row counts of {len(shown)} datasets\n")
