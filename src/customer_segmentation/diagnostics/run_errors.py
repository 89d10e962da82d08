"""The one line for a failed run: which explanation an error gets."""

from __future__ import annotations

from kedro.io import DatasetError

from customer_segmentation.diagnostics.config_errors import config_error_line
from customer_segmentation.diagnostics.dataset_errors import (
    dataset_error_line,
    input_error_line,
    reader_error_line,
)
from customer_segmentation.diagnostics.project import Project
from customer_segmentation.errors import InputValidationError


def error_line(error: BaseException, project: Project) -> str | None:
    """The one line for a failed run, or None when the error is not one we explain."""
    if isinstance(error, InputValidationError):
        return input_error_line(error, project)
    if isinstance(error, DatasetError):
        return dataset_error_line(error, project)
    return reader_error_line(error, project) or config_error_line(error, project)
