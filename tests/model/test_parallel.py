"""Independent fits side by side: order kept, library threads capped in every worker."""

from __future__ import annotations

import threading

from threadpoolctl import threadpool_info

from customer_segmentation.model.parallel import map_in_threads, usable_cores


def test_results_come_back_in_the_order_of_the_items():
    items = list(range(40))
    assert map_in_threads(lambda n: n * n, items, workers=3, library_threads=1) == [
        n * n for n in items
    ]
    assert map_in_threads(lambda n: n, [], workers=None, library_threads=None) == []


def test_each_worker_caps_the_libraries_threads():
    seen = []

    def library_threads(_: int) -> set[int]:
        seen.append(threading.get_ident())
        return {pool["num_threads"] for pool in threadpool_info()}

    counts = map_in_threads(library_threads, range(8), workers=2, library_threads=1)
    assert all(count == {1} for count in counts)  # BLAS and OpenMP alike, in every thread
    assert len(set(seen)) <= 2 and threading.get_ident() not in seen


def test_one_worker_per_usable_core_by_default():
    seen = set()

    def thread(_: int) -> None:
        seen.add(threading.get_ident())

    map_in_threads(thread, range(64), workers=None, library_threads=None)
    assert 1 <= len(seen) <= usable_cores()
