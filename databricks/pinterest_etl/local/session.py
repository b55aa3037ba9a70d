"""The local runners' Spark session: started after their argument and data checks, stopped when
they end unless it was already running (a test's session).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@contextmanager
def runner_session(
    app_name: str, master: str, driver_memory: str, warehouse: str, connect: bool
) -> Iterator[SparkSession]:
    """A local session with Delta (``spark_session.local_spark``, two shuffle partitions, tables
    under ``warehouse``), or the running one; stopped at the end only if started here."""
    # Spark is imported only now: the runners' argument and data checks start no JVM.
    from pyspark.sql import SparkSession

    from ..spark_session import local_spark

    owns_session = SparkSession.getActiveSession() is None
    spark = local_spark(
        app_name,
        master=master,
        driver_memory=driver_memory,
        shuffle_partitions=2,
        warehouse_dir=warehouse,
        connect=connect,
    )
    try:
        yield spark
    finally:
        if owns_session:
            spark.stop()
