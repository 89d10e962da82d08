"""Independent fits side by side: the search's candidates, the stability re-fits, the churn folds.

Each fit runs in scikit-learn and NumPy code that releases the GIL, so Python threads use
every core, with less start-up and memory than processes. Each thread caps the libraries'
own threads (OpenMP's count is per thread), so the results are those of one fit at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import joblib
from threadpoolctl import threadpool_limits

Item = TypeVar("Item")
Result = TypeVar("Result")


def usable_cores() -> int:
    """CPU cores this process may use: its affinity and a container's CPU quota, not the
    host's count (joblib's count, as scikit-learn's ``n_jobs=-1`` uses it)."""
    return joblib.cpu_count()


def map_in_threads(
    function: Callable[[Item], Result],
    items: Iterable[Item],
    workers: int | None,
    library_threads: int | None,
) -> list[Result]:
    """``function`` of each item, in order, ``workers`` at a time (null: one per core).

    ``library_threads`` caps BLAS and OpenMP inside each call (null: their default).
    """
    items = list(items)

    def call(item: Item) -> Result:
        # OpenMP's count belongs to each thread; BLAS's to the process, set once below, so
        # that a worker leaving its limit cannot lift another's
        with threadpool_limits(limits=library_threads, user_api="openmp"):
            return function(item)

    count = min(workers or usable_cores(), max(len(items), 1))
    with threadpool_limits(limits=library_threads, user_api="blas"):
        if count == 1:
            return [call(item) for item in items]
        with ThreadPoolExecutor(max_workers=count) as pool:
            return list(pool.map(call, items))
