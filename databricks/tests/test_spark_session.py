"""The local session's settings that the jobs' results do not show."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from pinterest_etl.spark_session import DELTA_LOG_CACHE_SIZE, RETAINED_EXECUTIONS


def test_the_session_keeps_a_bounded_number_of_delta_logs(
    spark: SparkSession, engine: str, tmp_path: Path
) -> None:
    """Delta keeps each table's log (with its snapshot's plans and cached state) for an hour, up
    to 10,000 tables unless the session's spark.databricks.delta.delta.log.cacheSize is lower
    (DeltaLog.createCacheBuilder, Delta 4.0.1; the JVM property delta.log.cacheSize can only
    raise it). The suite touches hundreds of tables in one JVM, and ran out of its 1 GiB heap
    without the bound (CI, 2026-12-07)."""
    if engine != "classic":
        pytest.skip("Delta's log cache lives in the Spark Connect server's JVM")
    delta = spark._jvm.org.apache.spark.sql.delta
    for i in range(DELTA_LOG_CACHE_SIZE + 8):
        delta.DeltaLog.forTable(spark._jsparkSession, str(tmp_path / f"table_{i}"))
    cache_size = getattr(getattr(delta, "DeltaLog$"), "MODULE$").cacheSize()
    assert 0 < cache_size <= DELTA_LOG_CACHE_SIZE


def test_the_session_keeps_a_bounded_number_of_finished_queries(
    spark: SparkSession, engine: str
) -> None:
    """Spark keeps every finished SQL query's plan and metrics for its web UI, up to
    spark.sql.ui.retainedExecutions (1,000 by default; StaticSQLConf, removed oldest first by the
    status store's cleanup, which runs after the listener has seen the query). A job's queries
    over cached frames describe their whole lineage: they were most of what grew in the 30-day
    benchmark's session, which ran out of its 2 GiB heap on day 18 (2026-12-07)."""
    if engine != "classic":
        pytest.skip("the status store lives in the Spark Connect server's JVM")
    for _ in range(RETAINED_EXECUTIONS + 20):
        spark.range(1).collect()
    store = spark._jsparkSession.sharedState().statusStore()
    deadline = time.monotonic() + 60
    while store.executionsCount() > RETAINED_EXECUTIONS and time.monotonic() < deadline:
        time.sleep(0.2)
    assert 0 < store.executionsCount() <= RETAINED_EXECUTIONS
