"""DrawnFigureDataset: a figure's file is the PNG its node drew for the report."""

from __future__ import annotations

import base64
from pathlib import Path

from kedro.io import DataCatalog
from matplotlib.figure import Figure

from customer_segmentation.pipelines.reporting.figures import figure_to_base64

VERSION = "2026-11-30T08.00.00.000Z"


def _catalog(root: Path, **save_args: object) -> DataCatalog:
    entry = {
        "type": "customer_segmentation.datasets.DrawnFigureDataset",
        "filepath": str(root / "plot.png"),
        "versioned": True,
        "save_args": save_args,
    }
    return DataCatalog.from_config({"plot": entry}, save_version=VERSION)


def _figure() -> Figure:
    fig = Figure()
    fig.add_subplot().plot([1, 2, 3], [3, 1, 2])
    return fig


def test_the_file_is_the_png_of_the_report(tmp_path: Path):
    fig = _figure()
    png = base64.b64decode(figure_to_base64(fig))
    fig.text(0.5, 0.5, "drawn after the report's picture")  # not in the file: not redrawn
    _catalog(tmp_path, format="png").save("plot", fig)
    assert (tmp_path / "plot.png" / VERSION / "plot.png").read_bytes() == png


def test_a_figure_never_drawn_or_other_save_args_are_drawn(tmp_path: Path):
    _catalog(tmp_path / "a", format="png").save("plot", _figure())
    fig = _figure()
    figure_to_base64(fig)
    _catalog(tmp_path / "b", format="png", dpi=50).save("plot", fig)
    for folder in ("a", "b"):
        assert (tmp_path / folder / "plot.png" / VERSION / "plot.png").read_bytes()[
            :4
        ] == b"\x89PNG"
