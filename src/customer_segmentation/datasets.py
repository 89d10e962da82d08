"""Catalog dataset types of this project: an earlier version of a versioned output; a
formatted Excel workbook; an output that is also logged to the MLflow run (``kedro run
--env tracking``).

Every month's run saves a new version of its outputs (``versioned: true``). Comparing this
month with the last one needs the version *before* the one a run reads by default, which
Kedro's ``--load-versions`` can pin but cannot find by itself. These datasets find it:

- ``before: latest`` (the default): the version before the newest one. Read after this
  month's run wrote its version (in the same run, or by a later ``--pipelines`` run), it is
  last month's.
- ``before: this_run``: the newest version older than this run's. Read before this run
  writes, it is the last finished run's, whatever this run does later.

A pinned version (``--load-versions previous_customer_segments:2026-10-31T...``) is read as
it is. With no earlier version (the first run), loading gives ``None``: the nodes then say
there is nothing to compare with yet, instead of failing. They are never saved to.

``Optional{Parquet,CSV,JSON}Dataset`` are outputs of a pipeline that not every path runs
(``customer_value``, which needs invoice lines) read by one that every path runs
(``reporting``): saved as usual; loaded as usual, or ``None`` while no file exists (the
customer-table path), so the report says why the section is empty instead of failing.

``FormattedExcelDataset`` saves a :class:`customer_segmentation.excel.Workbook` (tables with
their number formats) as a formatted .xlsx file, and loads like ``pandas.ExcelDataset``.

``FastCSVDataset`` is a ``pandas.CSVDataset`` whose large frames DuckDB writes, the bytes
pandas would write (the customer list: 510,856 rows in 2-3 s instead of 6-8 s).

``DrawnFigureDataset`` is a ``matplotlib.MatplotlibDataset`` that writes the PNG a figure
node already drew for the report instead of drawing the figure a second time.

``StagedFileDataset`` reads a text export (CSV) once per run: an ``ibis.FileDataset`` whose
first load copies the file, as it was read, to Parquet, and whose every load reads that copy.
"""

from __future__ import annotations

import logging
import math
from numbers import Real
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from weakref import WeakKeyDictionary

import pandas as pd
from kedro.io import AbstractDataset, AbstractVersionedDataset
from kedro.io.core import DatasetError, Version, get_filepath_str, parse_dataset_definition
from kedro_datasets.ibis import FileDataset
from kedro_datasets.json import JSONDataset
from kedro_datasets.matplotlib import MatplotlibDataset
from kedro_datasets.pandas import CSVDataset, ExcelDataset, ParquetDataset
from kedro_datasets.pickle import PickleDataset
from matplotlib.figure import Figure

from customer_segmentation.csv_writer import duckdb_ready, write_csv
from customer_segmentation.excel import Workbook, write_workbook

logger = logging.getLogger(__name__)

Before = Literal["latest", "this_run"]


class _EarlierVersion:
    """Mixin for a versioned file dataset: load an earlier version (or None), never save."""

    def __init__(self, *, before: Before = "latest", **kwargs: Any) -> None:
        if before not in ("latest", "this_run"):
            raise DatasetError(f"before must be 'latest' or 'this_run', not '{before}'")
        super().__init__(**kwargs)
        self._before = before

    def _earlier_version(self) -> str | None:
        versions = sorted(
            (PurePosixPath(path).parent.name for path in self._get_versions()),  # type: ignore[attr-defined]
            reverse=True,
        )
        if self._before == "this_run":
            this_run = self.resolve_save_version()  # type: ignore[attr-defined]
            earlier = [version for version in versions if version < this_run]
        else:
            earlier = versions[1:]
        return earlier[0] if earlier else None

    def _fetch_latest_load_version(self) -> str:
        # what Kedro calls "latest" when no version is pinned: here, the earlier one
        version = self._earlier_version()
        if version is None:
            raise DatasetError(f"{self} has no earlier version")
        return version

    def load(self) -> Any:
        pinned = self._version is not None and self._version.load  # type: ignore[attr-defined]
        if not pinned and self._earlier_version() is None:
            return None  # the first run: nothing to compare with yet
        return super().load()  # type: ignore[misc]

    def save(self, data: Any) -> None:
        raise DatasetError(f"{self} reads an earlier version of a run's output; it is never saved")


class PreviousParquetDataset(_EarlierVersion, ParquetDataset):
    """An earlier version of a versioned ``pandas.ParquetDataset``; ``None`` if none."""


class PreviousCSVDataset(_EarlierVersion, CSVDataset):
    """An earlier version of a versioned ``pandas.CSVDataset``; ``None`` if none."""


class PreviousPickleDataset(_EarlierVersion, PickleDataset):
    """An earlier version of a versioned ``pickle.PickleDataset``; ``None`` if none."""


class _Optional:
    """Mixin for a file dataset: ``None`` when there is no file (or version) to load."""

    def load(self) -> Any:
        if not self.exists():  # type: ignore[attr-defined]
            return None
        return super().load()  # type: ignore[misc]


class OptionalParquetDataset(_Optional, ParquetDataset):
    """A ``pandas.ParquetDataset`` that loads ``None`` where nothing was saved yet."""


class OptionalCSVDataset(_Optional, CSVDataset):
    """A ``pandas.CSVDataset`` that loads ``None`` where nothing was saved yet."""


class OptionalJSONDataset(_Optional, JSONDataset):
    """A ``json.JSONDataset`` that loads ``None`` where nothing was saved yet."""


class FormattedExcelDataset(ExcelDataset):
    """A ``pandas.ExcelDataset`` that saves a formatted :class:`~customer_segmentation.excel.Workbook`.

    Bold header rows kept in view, auto-filters, column widths and each column's number
    format (see :mod:`customer_segmentation.excel`). Loading is ``pandas.ExcelDataset``'s:
    ``load_args: {sheet_name: ...}`` picks a sheet (``null``: every sheet, as a dict), and
    kedro-viz previews it the same way. The catalog keys are ``pandas.ExcelDataset``'s; its
    ``engine`` and ``save_args`` do not apply to saving.
    """

    def save(self, data: Workbook) -> None:
        if not isinstance(data, Workbook):
            raise DatasetError(
                f"{type(self).__name__} saves a customer_segmentation.excel.Workbook, "
                f"not a {type(data).__name__}"
            )
        save_path = get_filepath_str(self._get_save_path(), self._protocol)
        with self._fs.open(save_path, **self._fs_open_args_save) as file:
            write_workbook(data, file)
        self._invalidate_cache()


class StagedFileDataset(FileDataset):
    """An ``ibis.FileDataset`` whose text export is read once per run, then from Parquet.

    Ibis tables are lazy: every node that computes from a CSV view (the parse checks, the
    search for exact copies, the clean and the rejected lines, the line count) makes the
    engine read and split the whole text again. Here the first load writes the table as it
    was read (every column as the ``load_args`` typed it, ``all_varchar``: text) to
    ``staged_filepath``, and every load of the run reads that copy, column by column. The
    values are the same, so every result is too. A ``parquet`` file is read directly, never
    copied. ``staged_save_args`` go to the engine's Parquet writer (e.g. ``compression``).
    The copy is rewritten by each run (a new instance), so an export changed in place is
    read anew.
    """

    def __init__(
        self,
        *,
        staged_filepath: str,
        staged_save_args: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._staged_filepath = staged_filepath
        self._staged_save_args = dict(staged_save_args or {})
        self._staged: Any = None

    def load(self) -> Any:
        if self._file_format == "parquet":
            return super().load()
        if self._staged is None:
            Path(self._staged_filepath).parent.mkdir(parents=True, exist_ok=True)
            self.connection.to_parquet(
                super().load(), self._staged_filepath, **self._staged_save_args
            )
            self._staged = self.connection.read_parquet(
                self._staged_filepath, table_name=f"{self._table_name}_staged"
            )
        return self._staged

    def _describe(self) -> dict[str, Any]:
        return {**super()._describe(), "staged_filepath": self._staged_filepath}


# -- MLflow tracking (conf/tracking/catalog.yml) ------------------------------------------


class _MlflowLogged(AbstractDataset):
    """Save ``dataset`` as it is, then log it to the active MLflow run; load it as it is.

    Declare ``versioned: true`` here rather than on ``dataset``: the wrapped dataset then
    gets the run's load and save versions, as it would unwrapped (``--load-versions`` works,
    and its folder is the run's timestamp). kedro-mlflow's ``MlflowArtifactDataset`` cannot
    do this: it versions the wrapped dataset on its own clock, which Kedro refuses ("All
    datasets in the catalog must have the same save version").

    Nothing is logged without an active run (a tracked run has one from kedro-mlflow's hook);
    the class name starts with ``Mlflow`` so that kedro-mlflow switches logging off for the
    pipelines its ``disable_tracking`` names.
    """

    def __init__(
        self,
        *,
        dataset: str | dict[str, Any],
        version: Version | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        dataset_type, arguments = parse_dataset_definition(
            {"type": dataset} if isinstance(dataset, str) else dataset
        )
        if version is not None:
            arguments["version"] = version
        self._dataset = dataset_type(**arguments)
        self.metadata = metadata
        self._logging_activated = True

    def _load(self) -> Any:
        return self._dataset.load()

    def _save(self, data: Any) -> None:
        self._dataset.save(data)
        if not self._logging_activated:
            return
        import mlflow  # noqa: PLC0415 - only a tracked run saves these

        if mlflow.active_run() is None:
            logger.warning("%s: saved, but not logged to MLflow: no active run.", self)
            return
        self._log(mlflow, data)

    def _log(self, mlflow: Any, data: Any) -> None:
        raise NotImplementedError

    def _exists(self) -> bool:
        return self._dataset.exists()

    def _release(self) -> None:
        self._dataset.release()

    def _describe(self) -> dict[str, Any]:
        return {"dataset": self._dataset}


class MlflowArtifactFileDataset(_MlflowLogged):
    """A file output also logged as an artifact of the run, under ``artifact_path``."""

    def __init__(self, *, artifact_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._artifact_path = artifact_path

    def _log(self, mlflow: Any, data: Any) -> None:
        dataset = self._dataset
        if isinstance(dataset, AbstractVersionedDataset) and dataset._version is not None:
            path = dataset._get_versioned_path(dataset.resolve_save_version())  # just saved
        else:
            path = getattr(dataset, "_filepath", None)
        protocol = getattr(dataset, "_protocol", "file")
        if path is None or protocol != "file":
            raise DatasetError(f"{self}: only a local file can be logged as an MLflow artifact")
        mlflow.log_artifact(get_filepath_str(path, protocol), self._artifact_path)


class MlflowMetricsDictDataset(_MlflowLogged):
    """A dict output whose numbers are also logged as metrics of the run.

    Nested keys are joined with dots after ``prefix`` (``stability_summary.mean_ari``);
    texts, lists, booleans, missing and infinite values are left out.
    """

    def __init__(self, *, prefix: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._prefix = prefix

    def _log(self, mlflow: Any, data: Any) -> None:
        metrics = numeric_metrics(data, self._prefix)
        if metrics:
            mlflow.log_metrics(metrics)

    def _describe(self) -> dict[str, Any]:
        return {**super()._describe(), "prefix": self._prefix}


def numeric_metrics(data: Any, prefix: str | None = None) -> dict[str, float]:
    """The finite numbers of a (nested) dict, by dotted key."""
    if not isinstance(data, dict):
        raise DatasetError(f"MLflow metrics need a dict, not {type(data).__name__}")
    metrics: dict[str, float] = {}
    for key, value in data.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            metrics.update(numeric_metrics(value, name))
        elif isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value):
            metrics[name] = float(value)
    return metrics


class FastCSVDataset(CSVDataset):
    """A ``pandas.CSVDataset`` written by DuckDB: the same bytes, about 3x faster.

    With the default ``save_args`` (``index: false``) on a local path, a frame of text,
    integer, float and boolean columns is written by :mod:`customer_segmentation.csv_writer`,
    byte for byte as pandas writes it; anything else, and every load, is pandas' as usual.
    """

    def save(self, data: pd.DataFrame) -> None:
        ready = duckdb_ready(data) if self._save_args == {"index": False} else None
        if ready is None or self._protocol != "file":
            super().save(data)
            return
        save_path = get_filepath_str(self._get_save_path(), self._protocol)
        Path(save_path).parent.mkdir(parents=True, exist_ok=True)
        write_csv(ready, save_path)
        self._invalidate_cache()


#: Each figure's PNG as its node drew it for the report (``savefig(format="png")``).
_DRAWN: WeakKeyDictionary[Figure, bytes] = WeakKeyDictionary()


def remember_png(figure: Figure, png: bytes) -> None:
    """Keep the PNG that ``figure.savefig(format="png")`` gave, for :class:`DrawnFigureDataset`."""
    _DRAWN[figure] = png


class DrawnFigureDataset(MatplotlibDataset):
    """A ``matplotlib.MatplotlibDataset`` that writes the PNG the node drew for the report.

    Drawing a figure of 510,856 customers' histograms takes about a second; the report's
    picture and this file were two drawings of the same figure. With ``save_args: {format:
    png}`` a figure passed to :func:`remember_png` is written as it was drawn (the report's
    picture, byte for byte); any other figure or ``save_args`` is drawn as usual.
    """

    def _save_to_fs(self, full_key_path: str, plot: Figure) -> None:
        png = _DRAWN.get(plot) if self._save_args == {"format": "png"} else None
        if png is None:
            super()._save_to_fs(full_key_path, plot)
            return
        with self._fs.open(full_key_path, **self._fs_open_args_save) as file:
            file.write(png)
