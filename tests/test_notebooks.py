"""The notebooks of notebooks/: stored clean, reading the project through its catalog.

They are executed top to bottom after a real run by `tests/test_end_to_end.py`
(``test_the_notebooks_run_top_to_bottom_after_two_runs``), with :func:`execute_notebook`.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, require_extra

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))
#: The kernel `make notebook` installs in .venv (python -m ipykernel install --sys-prefix).
KERNEL_NAME = "customer-segmentation"


def execute_notebook(notebook: Path, kernels: Path, timeout: int = 300) -> dict:
    """Run every cell of ``notebook`` in its folder; return it with its outputs.

    The kernel is this interpreter (the project's virtual environment), declared under
    ``kernels`` under the name the notebooks ask for, and found there before any kernel of
    the user's or the system's. Matplotlib draws inline, as in JupyterLab. A cell that
    raises fails the test with the cell and its traceback.
    """
    nbclient = require_extra("nbclient", "notebook")
    nbformat = require_extra("nbformat", "notebook")
    spec = kernels / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python (customer-segmentation)",
                "language": "python",
            }
        )
    )
    env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
    env.update(JUPYTER_PATH=str(kernels), KEDRO_DISABLE_TELEMETRY="1", DO_NOT_TRACK="1")
    previous = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(kernels)  # where this process looks the kernel up
    try:
        content = nbformat.read(notebook, as_version=4)
        client = nbclient.NotebookClient(
            content,
            timeout=timeout,
            kernel_name=KERNEL_NAME,
            resources={"metadata": {"path": str(notebook.parent)}},
        )
        client.execute(env=env)
    finally:
        if previous is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = previous
    return content


def code_cells(notebook: Path) -> list[str]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


def test_there_are_the_three_notebooks():
    assert [path.name for path in NOTEBOOKS] == [
        "01_explore_segments.ipynb",
        "02_score_new_export.ipynb",
        "03_compare_runs.ipynb",
    ]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebooks_are_stored_without_outputs_and_ask_for_the_project_kernel(notebook: Path):
    content = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in content["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, cell["source"]
    assert content["metadata"]["kernelspec"]["name"] == KERNEL_NAME


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebooks_read_the_project_through_its_catalog_not_paths(notebook: Path):
    cells = code_cells(notebook)
    assert any(cell.startswith("%load_ext kedro.ipython") for cell in cells)
    source = "\n".join(cells)
    assert "catalog." in source
    # no file of the project named in the code: datasets are loaded by their catalog names
    assert not re.search(
        r"data/0\d_|\.parquet|\.csv|\.pkl|/work/|/home/|read_(csv|parquet)", source
    )
