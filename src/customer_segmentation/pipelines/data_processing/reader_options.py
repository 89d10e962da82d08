"""Reader options that would drop input lines before the pipeline can count them.

``ignore_errors: true`` in a DuckDB CSV entry (DuckDB's own error message suggests it) or
``on_bad_lines: skip`` in a pandas one makes the reader leave out the lines it cannot read:
they are in no dataset, and raw = clean + rejected still holds, because raw is counted after
the reader dropped them. A node only sees the table the reader made, so this is checked on
the catalog entry itself, before any dataset is loaded (see :func:`check_reader_options`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from customer_segmentation.errors import InputValidationError, config_file

RAW_DATASET = "raw_transactions"
CATALOG_FILE = "catalog.yml"

#: load_args that make a reader drop lines silently: name -> the values that do.
DROPPING_OPTIONS: dict[str, tuple[Any, ...]] = {
    # DuckDB read_csv
    "ignore_errors": (True, "true", "True", 1),
    # pandas read_csv
    "on_bad_lines": ("skip", "warn"),
    "error_bad_lines": (False, "false", "False", 0),
}


def check_reader_options(catalog_config: Mapping[str, Any], dataset: str = RAW_DATASET) -> None:
    """Refuse ``dataset``'s catalog entry when its ``load_args`` make the reader drop lines.

    ``catalog_config`` is the run's resolved catalog configuration (e.g. Kedro's
    ``conf_catalog``, or ``context.config_loader["catalog"]``); a missing entry passes.
    """
    entry = catalog_config.get(dataset) or {}
    load_args = entry.get("load_args") or {} if isinstance(entry, Mapping) else {}
    for option, dropping in DROPPING_OPTIONS.items():
        if option in load_args and load_args[option] in dropping:
            raise InputValidationError(
                f"load_args.{option} is {load_args[option]!r}: the reader would drop the lines "
                "it cannot read, unseen and uncounted by rejected_transactions",
                f"remove {option} from the '{dataset}' entry in {config_file(CATALOG_FILE)}; "
                "the run then names the line the reader cannot read, to correct in the export",
                dataset=dataset,
            )
