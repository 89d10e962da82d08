"""Catalog dataset types of this project: an earlier version of a versioned output, and a
formatted Excel workbook.

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

``FormattedExcelDataset`` saves a :class:`customer_segmentation.excel.Workbook` (tables with
their number formats) as a formatted .xlsx file, and loads like ``pandas.ExcelDataset``.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any, Literal

from kedro.io.core import DatasetError, get_filepath_str
from kedro_datasets.pandas import CSVDataset, ExcelDataset, ParquetDataset
from kedro_datasets.pickle import PickleDataset

from customer_segmentation.excel import Workbook, write_workbook

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
