"""Small in-memory customer tables and the customer_table parameters for the tests."""

from __future__ import annotations

from typing import Any

import pandas as pd
import yaml

from customer_segmentation.generators.customer_table import generate_customer_table
from customer_segmentation.pipelines.customer_table.params import CustomerTableParams
from tests.conftest import PROJECT_ROOT
from tests.pipelines.pipeline_helpers import merged, typed_parameters, with_dotted

PARAMETER_GROUP = "customer_table"
NUMERIC = ["age", "annual_income", "spending_score"]
CATEGORICAL = ["gender", "city", "occupation"]
BASE_PARAMS = yaml.safe_load(
    (PROJECT_ROOT / "conf/base/parameters_customer_table.yml").read_text()
)["customer_table"]
ENV_PARAMS = yaml.safe_load(
    (PROJECT_ROOT / "conf/customer_table/parameters_customer_table.yml").read_text()
)["customer_table"]


def params(**overrides: Any) -> dict[str, Any]:
    """The customer_table parameters of the example environment, with ``a__b=value`` changes."""
    return with_dotted(merged(BASE_PARAMS, ENV_PARAMS), **overrides)


def typed_params(**overrides: Any) -> CustomerTableParams:
    """:func:`params` as the validated model the nodes receive."""
    return typed_parameters(PARAMETER_GROUP, params(**overrides))


def raw_table(rows: int = 300, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A generated raw customer table (text columns, as the catalog reads it) and its groups."""
    table, planted = generate_customer_table(rows=rows, seed=seed)
    return table.astype("str"), planted


def tiny_table() -> pd.DataFrame:
    """Eight hand-written rows: one without an id, one missing income, one missing city."""
    return pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4", None, "C6", "C7", "C8"],
            "age": ["25", "31", "47", "52", "40", "23", "61", "38"],
            "annual_income": ["21000", "88000", None, "91000", "50000", "25000", "30000", "60000"],
            "spending_score": ["80", "75", "20", "15", "50", "90", "10", "45"],
            "gender": ["Female", "Male", "Female", "Male", "Female", "Male", "Female", "Male"],
            "city": ["Leeds", "London", "London", None, "Leeds", "Leeds", "Bristol", "London"],
            "occupation": ["Student"] * 2 + ["Executive"] * 2 + ["Retired"] * 4,
        },
        dtype="str",
    )
