"""One local Spark with Delta for the whole suite (a session costs ~10 s on 2 cores)."""

from __future__ import annotations

import os
import time

import pytest
from pyspark.sql import SparkSession

from pinterest_etl.spark_session import local_spark

# Python converts naive datetimes with the process's time zone: make it the sessions' (UTC).
os.environ["TZ"] = "UTC"
time.tzset()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the SparkSession (directly or through another fixture) `spark`,
    so that `-m "not spark"` is the quick tier with no JVM."""
    for item in items:
        if "spark" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.spark)


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> SparkSession:
    warehouse = tmp_path_factory.mktemp("warehouse")
    session = local_spark(
        "pinterest-etl-tests",
        master="local[1]",
        driver_memory="1g",
        shuffle_partitions=1,
        warehouse_dir=str(warehouse),
    )
    yield session
    session.stop()
