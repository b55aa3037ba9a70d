"""One local Spark with Delta for the whole suite (a session costs ~10 s on 2 cores), on the engine
``--engine`` names: ``classic`` (the default) or ``connect``, a Spark Connect client of a local
server, the way Databricks runs Python on standard access mode and serverless. ``./local/test``
runs the Spark tests on both."""

from __future__ import annotations

import os
import time

import pytest
from pyspark.sql import SparkSession

from pinterest_etl.spark_session import local_spark

# Python converts naive datetimes with the process's time zone: make it the sessions' (UTC).
os.environ["TZ"] = "UTC"
ENGINES = ("classic", "connect")
#: Where the engine of this run is told to the tests that start a local runner (its --connect).
ENGINE_VARIABLE = "PINTEREST_ETL_TEST_ENGINE"
time.tzset()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--engine",
        choices=ENGINES,
        default="classic",
        help="the Spark engine of the `spark` fixture: classic, or connect (a local Spark Connect "
        "server and its client)",
    )


def pytest_report_header(config: pytest.Config) -> str:
    return f"spark engine: {config.getoption('--engine')}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the SparkSession (directly or through another fixture) `spark`,
    so that `-m "not spark"` is the quick tier with no JVM."""
    for item in items:
        if "spark" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.spark)


@pytest.fixture(scope="session")
def engine(request: pytest.FixtureRequest) -> str:
    """``classic`` or ``connect``: the engine of this run's ``spark``."""
    chosen = request.config.getoption("--engine")
    os.environ[ENGINE_VARIABLE] = chosen
    return chosen


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory, engine: str) -> SparkSession:
    warehouse = tmp_path_factory.mktemp("warehouse")
    session = local_spark(
        "pinterest-etl-tests",
        master="local[1]",
        driver_memory="1g",
        shuffle_partitions=1,
        warehouse_dir=str(warehouse),
        connect=engine == "connect",
    )
    yield session
    session.stop()
