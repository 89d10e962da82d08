"""customer-segmentation"""

import os

__version__ = "0.1"

# MLflow (installed for `kedro run --env tracking`) starts its usage-data client when it is
# imported, and Kedro imports it on every `kedro` call (kedro-mlflow's commands). Its own
# switch turns it off (it ignores DO_NOT_TRACK=1: it wants "true"). Set here, in the first
# module of the project that any command imports, before MLflow is, so it holds for every
# run however it is started; a value the user set is kept.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
