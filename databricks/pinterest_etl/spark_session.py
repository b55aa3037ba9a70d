"""A local SparkSession with Delta, for the local runner, the tests and the benchmark.

On Databricks the runtime provides ``spark`` with Delta; nothing here is used there.

Two engines, as on Databricks: Spark Classic (the driver runs in this process, as on the mount
route's no-isolation cluster) and Spark Connect (``connect=True``: this process is a client of a
local Spark Connect server started with the same jars and settings, as on standard access mode and
serverless, where ``foreachBatch`` runs in a separate Python process of the server).

Delta's jars are resolved by Spark from Maven Central through Ivy on the first session and cached
in the Ivy folder: ``$PINTEREST_ETL_IVY_DIR``, else ``<repo>/.local/ivy`` (local/setup-python.sh
pre-warms it so tests do not pay the download).

``python -m pinterest_etl.spark_session --warm`` starts a session and round-trips a Delta table.
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

from pyspark.sql import SparkSession

from . import cli

_REPO_ROOT = Path(__file__).resolve().parents[2]


#: How many tables' Delta logs a local session keeps (a batch run writes 15 tables, a stream run 6).
DELTA_LOG_CACHE_SIZE = 32

#: How many finished SQL queries a local session keeps the plans and metrics of (Spark's default:
#: 1,000, for a web UI the local sessions do not start).
RETAINED_EXECUTIONS = 50


def ivy_dir() -> str:
    """The Ivy cache folder Spark resolves Delta's jars into."""
    configured = os.environ.get("PINTEREST_ETL_IVY_DIR")
    if configured:
        return configured
    if (_REPO_ROOT / "databricks" / "pyproject.toml").is_file():
        return str(_REPO_ROOT / ".local" / "ivy")
    return str(Path.home() / ".ivy2")


def local_spark(
    app_name: str = "pinterest-etl",
    master: str = "local[1]",
    driver_memory: str = "1g",
    shuffle_partitions: int = 1,
    warehouse_dir: str | None = None,
    extra_conf: dict[str, str] | None = None,
    connect: bool = False,
) -> SparkSession:
    """A SparkSession with Delta Lake, UTC session time and small shuffles, or the running one.

    ``shuffle_partitions`` also bounds Delta's snapshot partitions (50 by default), which dominate
    the cost of small tables. ``connect``: a Spark Connect client of a local server (``master``
    is then the server's master), instead of Spark Classic.
    """
    from delta import configure_spark_with_delta_pip  # local-only dependency

    # Python workers (the local Kinesis source, UDFs) run this interpreter and its packages, not
    # whatever python3 is first on PATH (SparkContext reads PYSPARK_PYTHON).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    builder = SparkSession.builder
    builder = (
        (builder.remote(master) if connect else builder.master(master))
        .appName(app_name)
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config(
            "spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog"
        )
        .config("spark.jars.ivy", ivy_dir())
        .config("spark.driver.memory", driver_memory)
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.default.parallelism", str(shuffle_partitions))
        .config("spark.databricks.delta.snapshotPartitions", str(shuffle_partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.log.level", "ERROR")
        # Delta keeps every table's log and snapshot (their plans and cached state) for an hour
        # after their last use, up to 10,000 tables: a session that touches many tables (the test
        # suite, a benchmark) otherwise fills its heap with them. The bound is the larger of this
        # setting and the JVM property delta.log.cacheSize (DeltaLog.createCacheBuilder, Delta 4.0).
        .config("spark.databricks.delta.delta.log.cacheSize", str(DELTA_LOG_CACHE_SIZE))
        # Spark keeps each finished query's plan, description and metrics for its web UI, 1,000
        # queries by default: a job's queries over cached frames print their whole lineage. A
        # probe of 3,000 rows a day held 394 MB after a full GC on day 4 with them, 251 MB with 20.
        .config("spark.sql.ui.retainedExecutions", str(RETAINED_EXECUTIONS))
    )
    if warehouse_dir:
        builder = builder.config("spark.sql.warehouse.dir", warehouse_dir)
    for key, value in (extra_conf or {}).items():
        builder = builder.config(key, value)
    with warnings.catch_warnings():
        # A Connect client sets every option on its session too; the server has the static ones
        # (jars, extensions, UI) from its start, and the client warns that it cannot change them.
        warnings.filterwarnings("ignore", "Failed to set spark", UserWarning)
        return configure_spark_with_delta_pip(builder).getOrCreate()


def warm() -> int:
    """Resolve Delta's jars into the Ivy cache and prove a Delta round trip."""
    spark = local_spark("pinterest-etl-warm")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = f"{tmp}/warm"
            spark.range(3).write.format("delta").save(path)
            rows = spark.read.format("delta").load(path).count()
        if rows != 3:
            print(f"Delta round trip read {rows} rows instead of 3", file=sys.stderr)
            return 1
        print(f"Spark {spark.version} with Delta works; Ivy cache: {ivy_dir()}")
        return 0
    finally:
        spark.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = cli.Parser(
        prog="python -m pinterest_etl.spark_session",
        description="Fetch Delta's jars into the Ivy cache and prove a Delta round trip.",
    )
    parser.add_argument("--warm", action="store_true", required=True, help="do it (required)")
    parser.parse_args(argv)
    return warm()


if __name__ == "__main__":
    sys.exit(main())
