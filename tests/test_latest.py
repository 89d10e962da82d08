"""The latest copy of each report beside its versioned folders (customer_segmentation.latest)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from kedro.io import DataCatalog, Version
from kedro.pipeline import Pipeline, node
from kedro_datasets.text import TextDataset

from customer_segmentation.hooks import RunSummaryHook
from customer_segmentation.latest import latest_file, update_latest, version_file
from customer_segmentation.run_guard.outputs import VersionFolder

V1 = "2026-01-31T08.00.00.000Z"
V2 = "2026-02-28T08.00.00.000Z"


def report(root: Path, version: str, name: str = "segment_report.html") -> TextDataset:
    return TextDataset(filepath=str(root / "08_reporting" / name), version=Version(None, version))


def saved_folder(root: Path, version: str, text: str, name: str = "segment_report.html"):
    dataset = report(root, version, name)
    dataset.save(text)
    return VersionFolder.of(dataset, version)


def test_the_newest_version_is_copied_to_latest_beside_the_versioned_folders(tmp_path: Path):
    first = saved_folder(tmp_path / "data", V1, "first")
    assert version_file(first) == str(
        tmp_path / "data/08_reporting/segment_report.html" / V1 / "segment_report.html"
    )
    copies = update_latest({"segment_report": first})
    latest = tmp_path / "data/08_reporting/latest/segment_report.html"
    assert copies == {"segment_report": str(latest)}
    assert latest.read_text() == "first"

    second = saved_folder(tmp_path / "data", V2, "second")
    update_latest({"segment_report": second})
    assert latest.read_text() == "second"
    # the copy is renamed into place: no temporary file is left beside it
    assert sorted(path.name for path in latest.parent.iterdir()) == ["segment_report.html"]
    # readable as the versioned file is (not the owner-only mode of a temporary file)
    assert latest.stat().st_mode & 0o777 == Path(version_file(second)).stat().st_mode & 0o777


def test_only_the_reports_the_run_wrote_are_copied(tmp_path: Path):
    workbook = saved_folder(tmp_path / "out", V1, "table", name="segment_report.xlsx")
    other = saved_folder(tmp_path / "out", V1, "{}", name="best_params.json")
    copies = update_latest({"segment_workbook": workbook, "best_params": other})
    assert copies == {"segment_workbook": latest_file(workbook)}
    assert latest_file(workbook) == str(tmp_path / "out/08_reporting/latest/segment_report.xlsx")
    assert not (tmp_path / "out/08_reporting/latest/best_params.json").exists()


def test_a_copy_that_fails_leaves_the_last_latest_and_no_temporary(tmp_path: Path, monkeypatch):
    update_latest({"segment_report": saved_folder(tmp_path, V1, "good")})
    second = saved_folder(tmp_path, V2, "new")

    def broken_copy(source, target):
        Path(target).write_text("ha")  # half written, then the disk is full
        raise OSError("No space left on device")

    monkeypatch.setattr("customer_segmentation.latest.shutil.copy", broken_copy)
    with pytest.raises(OSError, match="No space"):
        update_latest({"segment_report": second})
    latest = tmp_path / "08_reporting/latest"
    assert (latest / "segment_report.html").read_text() == "good"
    assert os.listdir(latest) == ["segment_report.html"]


def test_a_finished_run_copies_its_report_and_names_both_paths(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    dataset = report(Path("data"), V2)
    catalog = DataCatalog({"segment_report": dataset})
    pipeline = Pipeline([node(lambda: "<html>", None, "segment_report", name="render")])
    catalog.save("segment_report", "<html>")

    RunSummaryHook().after_pipeline_run(pipeline=pipeline, catalog=catalog)

    assert Path("data/08_reporting/latest/segment_report.html").read_text() == "<html>"
    out = capsys.readouterr().out
    assert f"Report: data/08_reporting/segment_report.html/{V2}/segment_report.html" in out
    assert "Latest: data/08_reporting/latest/ (segment_report.html)" in out
