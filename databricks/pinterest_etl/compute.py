"""Two ways the jobs spend Spark's time well: a frame computed once for several uses, and Spark
jobs that do not depend on each other run at the same time."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from pyspark import StorageLevel
from pyspark.sql import DataFrame

_T = TypeVar("_T")
_R = TypeVar("_R")


def cached(df: DataFrame) -> DataFrame:
    """``df`` persisted in memory and on disk, or ``df`` itself where the compute refuses to
    persist (Databricks serverless: NOT_SUPPORTED_WITH_SERVERLESS); the job is then slower, not
    different."""
    try:
        return df.persist(StorageLevel.MEMORY_AND_DISK)
    except Exception as err:
        if "NOT_SUPPORTED_WITH_SERVERLESS" not in str(err):
            raise
        return df


def materialized(df: DataFrame) -> DataFrame:
    """``df`` computed now and kept on disk without its lineage (a local checkpoint), so that the
    plans of the many queries read from it stay short (a cached frame's plan carries its whole
    lineage, and Spark prints it at every stage of each query); ``cached(df)`` where the compute
    refuses the checkpoint, whatever its message (an error of ``df`` itself then comes again
    when the cached frame is read). On disk, not in memory: a checkpoint's blocks are freed only
    when the frame is garbage-collected, and runs in one session would otherwise pile them up in
    the driver's heap (a 30-day benchmark ran out of 2 GiB on day 20)."""
    try:
        return df.localCheckpoint(eager=True, storageLevel=StorageLevel.DISK_ONLY)
    except Exception:
        return cached(df)


def in_parallel(fn: Callable[[_T], _R], items: Iterable[_T]) -> list[_R]:
    """``[fn(item) for item in items]`` with each call in its own thread.

    Spark runs the jobs of different threads at the same time: one table's Delta commit (driver
    work, whatever the table's size) overlaps another's computing, and the last tasks of one job
    no longer leave a core idle. Raises the first error once every call has ended.
    """
    items = list(items)
    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(fn, items))
