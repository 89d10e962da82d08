"""The project context: Kedro's, plus what the pipelines need to know before they are built.

Which experiments a run has (``experiments.run`` in the parameters) decides which namespaced
pipelines exist, and Kedro builds the pipelines from the registry without the run's
configuration. The context is created before the pipelines, for ``kedro run`` and for
kedro-viz alike (with or without hooks), so it hands the run's parameters over here.
"""

from __future__ import annotations

from attrs import define
from kedro.config import MissingConfigException
from kedro.framework.context import KedroContext
from kedro.framework.project import pipelines

from customer_segmentation.experiment_pipelines import remember_configuration


@define(slots=False)
class SegmentationContext(KedroContext):
    """Kedro's context; on creation it records the run's experiments for the registry."""

    def __attrs_post_init__(self) -> None:
        try:
            parameters = self.config_loader["parameters"]
        except MissingConfigException:
            parameters = {}
        if remember_configuration(parameters):
            # another configuration in this process (a notebook, a test): rebuild pipelines
            pipelines.configure(f"{self._package_name}.pipeline_registry")
