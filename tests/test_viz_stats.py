"""kedro-viz's row counts, one file per environment (customer_segmentation.viz_stats)."""

from __future__ import annotations

import json
import subprocess
import sys

from customer_segmentation.viz_stats import env_stats_file, record_stats, show_stats

SHOWN = ".viz/stats.json"


def _read(path):
    return json.loads(path.read_text())


def test_a_run_adds_its_counts_to_its_environment_and_keeps_the_others(tmp_path):
    record_stats(tmp_path, "local", {"a": {"rows": 1}, "b": {"rows": 2}})
    record_stats(tmp_path, "local", {"b": {"rows": 5}})  # a partial run: only b
    assert _read(env_stats_file(tmp_path, "local")) == {"a": {"rows": 1}, "b": {"rows": 5}}
    assert _read(tmp_path / SHOWN) == {"a": {"rows": 1}, "b": {"rows": 5}}


def test_another_environment_never_changes_what_kedro_viz_shows(tmp_path):
    record_stats(tmp_path, "local", {"a": {"rows": 1}})
    record_stats(tmp_path, "customer_table", {"a": {"rows": 900}})
    assert _read(tmp_path / SHOWN) == {"a": {"rows": 1}}
    assert _read(env_stats_file(tmp_path, "customer_table")) == {"a": {"rows": 900}}


def test_the_default_environment_can_be_another_one(tmp_path):
    record_stats(tmp_path, "prod", {"a": {"rows": 3}}, default_env="prod")
    assert _read(tmp_path / SHOWN) == {"a": {"rows": 3}}


def test_make_viz_env_shows_that_environment_s_counts(tmp_path):
    record_stats(tmp_path, "local", {"a": {"rows": 1}})
    record_stats(tmp_path, "customer_table", {"a": {"rows": 900}})
    assert show_stats(tmp_path, "customer_table") == {"a": {"rows": 900}}
    assert _read(tmp_path / SHOWN) == {"a": {"rows": 900}}
    subprocess.run(
        [sys.executable, "-m", "customer_segmentation.viz_stats", "local"], cwd=tmp_path, check=True
    )
    assert _read(tmp_path / SHOWN) == {"a": {"rows": 1}}


def test_an_environment_never_run_shows_no_counts_and_a_broken_file_is_ignored(tmp_path):
    assert show_stats(tmp_path, "never") == {}
    env_stats_file(tmp_path, "local").write_text("{not json")
    assert record_stats(tmp_path, "local", {"a": {"rows": 1}}) == {"a": {"rows": 1}}
