"""An in-memory dataset declared in the catalog only to say which kedro-viz layer it is in.

Kedro keeps every dataset the catalog does not declare in memory between two nodes, and
kedro-viz draws those without a layer: the thirteen figures the report embeds
(``<figure>_png``) and the steps inside a pipeline floated outside the layer bands. Declared
in ``conf/base/catalog.yml`` with this type and ``metadata: {kedro-viz: {layer: ...}}``,
they keep the behaviour of an undeclared dataset and gain their layer.

Kedro's own ``MemoryDataset`` cannot be declared for this: under ``--runner ParallelRunner``
every worker process would keep its own copy and the next node would read nothing. This
type is a ``SharedMemoryDataset`` while the ParallelRunner gives it its manager (the type
Kedro uses for undeclared datasets there), and a ``MemoryDataset`` under every other runner.
"""

from __future__ import annotations

from typing import Any

from kedro.io import MemoryDataset, SharedMemoryDataset


class LayeredMemoryDataset(SharedMemoryDataset):
    """What Kedro would keep the dataset in anyway, with ``metadata`` (its kedro-viz layer)."""

    def __init__(
        self,
        copy_mode: str | None = None,
        metadata: dict[str, Any] | None = None,
        manager: Any = None,
    ) -> None:
        super().__init__(manager)
        self.metadata = metadata
        self._copy_mode = copy_mode
        self._local = MemoryDataset(copy_mode=copy_mode)  # type: ignore[arg-type]

    @property
    def _shared(self) -> bool:
        return self.shared_memory_dataset is not None

    def load(self) -> Any:
        return super().load() if self._shared else self._local.load()

    def save(self, data: Any) -> None:
        if self._shared:
            super().save(data)
        else:
            self._local.save(data)

    def _exists(self) -> bool:
        return super()._exists() if self._shared else self._local.exists()

    def _release(self) -> None:
        self._local.release()  # frees the data once no node needs it, as Kedro's own does

    def _describe(self) -> dict[str, Any]:
        return {"copy_mode": self._copy_mode, "shared": self._shared}
