"""What both dask backends share: the cluster client, partitioning, and the partition error.

In: a scheduler address (``""`` for a LocalCluster started for the run) and a number of items.
Out: a ``distributed.Client``; contiguous partition bounds; ``PartitionError``.
Used by: ``helpers.backends`` (entity stage) and ``helpers.dask_clean`` (cleaning stage).
``distributed`` is imported only when a client is asked for, so the local backend never
needs it.
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from typing import Iterator

__all__ = ["BACKENDS", "PartitionError", "check_backend", "dask_client", "partition_bounds", "restored_environ"]

BACKENDS = ("local", "dask")
TASK_RETRIES = 2  # a task whose worker died or raised is run again this many times


class PartitionError(RuntimeError):
    """A partition of the dask backend failed (after its retries) or left incomplete output."""


def check_backend(stage: str, backend: str, scheduler: str) -> None:
    """A clear error for an unknown backend, or a scheduler given to the local backend."""
    if backend not in BACKENDS:
        raise ValueError(f"{stage}: unknown backend {backend!r}; allowed values: {', '.join(BACKENDS)}")
    if scheduler and backend != "dask":
        raise ValueError(f"{stage}: scheduler {scheduler!r} is only used with backend 'dask' (backend is {backend!r})")


def partition_bounds(n_items: int, n_partitions: int) -> list[tuple[int, int]]:
    """(start, stop) of ``n_partitions`` contiguous, non-empty slices covering ``range(n_items)``.

    Sizes differ by at most one; fewer partitions than asked when there are fewer items.
    """
    if n_partitions < 1:
        raise ValueError(f"n_partitions must be at least 1, not {n_partitions}")
    k = min(n_partitions, n_items)
    bounds = [n_items * i // k for i in range(k + 1)] if k else [0]
    return list(zip(bounds[:-1], bounds[1:]))


@contextmanager
def dask_client(scheduler: str, n_workers: int) -> Iterator["object"]:
    """A client of the cluster at ``scheduler``, or of a LocalCluster that lives as long as the run."""
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with restored_environ(), LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None,
        silence_logs=logging.ERROR,
    ) as cluster, Client(cluster) as client:
        yield client


@contextmanager
def restored_environ() -> Iterator[None]:
    """Give ``os.environ`` back as it was on exit.

    distributed's nannies write their workers' settings (MALLOC_TRIM_THRESHOLD_=65536,
    OMP_NUM_THREADS=1, PYTHONHASHSEED, ...) into the starting process's environment and
    leave them there; every later subprocess would inherit them (with that malloc setting
    a text-heavy subprocess ran ten times slower).
    """
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
