"""The streaming job (docs/pipeline.md §9): Kinesis records -> cleaned rows -> Delta tables.

Per source table: the record's ``data`` is the JSON text of one row; it is parsed with the same
explicit schema and the same ``from_json`` code as the batch files (readers), malformed records are
kept apart, well-formed rows go through the same cleaning functions, duplicates (the emulator
resends rows) are dropped by ``ind`` with streaming state, and the rows are appended to
``<prefix>_<table>_stream``; malformed records to ``<that table>_malformed``. Each target table has
its own checkpoint: ``<checkpoint_root>/<target table name>``.

The Kinesis source (``read_kinesis``) is Databricks' own on Databricks; elsewhere it is
``kinesis_source``, a stand-in with the same columns and options that reads a Kinesis API such as
the local replica's, so this module runs unchanged on local Spark (``local.stream``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

from pyspark.errors import StreamingQueryException
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming import StreamingQuery

from .cleaning import clean
from .kinesis_source import register as register_local_kinesis
from .naming import TABLES, stream_name, stream_table_name
from .readers import parse_records, split_malformed
from .writers import TableLocation, check_table_name


def read_kinesis(
    spark: SparkSession,
    stream: str,
    region: str,
    initial_position: str = "earliest",
    endpoint: str | None = None,
    service_credential: str | None = None,
) -> DataFrame:
    """The Kinesis source for one stream: Databricks' own, or off Databricks the local stand-in
    (registered here). ``endpoint`` is the Kinesis API's URL (None: the region's). Access is by
    the Unity Catalog service credential ``service_credential`` (the Unity Catalog route: standard
    access mode has no instance profile) or, when None, the cluster's instance profile (the mount
    route); no keys are ever passed here."""
    register_local_kinesis(spark)
    reader = (
        spark.readStream.format("kinesis")
        .option("streamName", stream)
        .option("region", region)
        .option("initialPosition", initial_position)
    )
    if endpoint:
        reader = reader.option("endpoint", endpoint)
    if service_credential:
        reader = reader.option("serviceCredential", service_credential)
    return reader.load()


def kinesis_source() -> Column:
    """``stream/shardId/sequenceNumber`` of a Kinesis record, for the malformed table."""
    return F.concat_ws("/", "stream", "shardId", "sequenceNumber")


def transform_records(
    records: DataFrame,
    table: str,
    data_column: str = "data",
    source: Column | None = None,
    deduplicate: bool = True,
) -> tuple[DataFrame, DataFrame]:
    """(cleaned rows, malformed records) of a (streaming or static) DataFrame of records whose
    ``data_column`` holds one row's JSON (binary as Kinesis gives it, or string).

    ``deduplicate`` drops rows whose ``ind`` was already seen (first arrival wins; the state holds
    one entry per key, bounded by the source table's size).
    """
    text = records.select(
        F.col(data_column).cast("string").alias("_text"),
        (source if source is not None else F.lit(None).cast("string")).alias("_source"),
    )
    valid, malformed = split_malformed(
        parse_records(text, table, text_column="_text"),
        table,
        text_column="_text",
        source_column="_source",
    )
    cleaned = clean(valid, table)
    if deduplicate:
        cleaned = cleaned.dropDuplicates(["ind"])
    return cleaned, malformed


def start_append(
    df: DataFrame,
    name: str,
    location: TableLocation,
    checkpoint_root: str,
    available_now: bool = False,
) -> StreamingQuery:
    """Append a streaming DataFrame to Delta table ``name`` with checkpoint
    ``<checkpoint_root>/<name>``. Delta's sink with a checkpoint writes each micro-batch exactly
    once, so restarting (or re-running an ``available_now`` job) does not duplicate rows.
    """
    check_table_name(name)
    writer = (
        df.writeStream.format("delta")
        .outputMode("append")
        .option("checkpointLocation", f"{checkpoint_root.rstrip('/')}/{name}")
        .queryName(name)
    )
    if available_now:
        writer = writer.trigger(availableNow=True)
    ref = location.ref(name)
    return writer.start(ref) if location.root else writer.toTable(ref)


@dataclass(frozen=True)
class StreamConfig:
    """What the streaming notebook reads and writes; names default from ``prefix``."""

    prefix: str
    region: str
    checkpoint_root: str
    location: TableLocation = field(default_factory=TableLocation)
    tables: dict[str, str] | None = None
    streams: dict[str, str] | None = None
    initial_position: str = "earliest"
    available_now: bool = False
    #: The Kinesis API's URL; None means the region's (the replica sets its kinesalite's).
    kinesis_endpoint: str | None = None
    #: The Unity Catalog service credential the streams are read with; None: the cluster's own.
    service_credential: str | None = None

    def table_names(self) -> dict[str, str]:
        given = self.tables or {}
        return {t: given.get(t) or stream_table_name(self.prefix, t) for t in TABLES}

    def stream_names(self) -> dict[str, str]:
        given = self.streams or {}
        return {t: given.get(t) or stream_name(self.prefix, t) for t in TABLES}


def start_kinesis_streams(
    spark: SparkSession,
    config: StreamConfig,
    on_start: Callable[[StreamingQuery], None] | None = None,
) -> list[StreamingQuery]:
    """Start, per source table, the query appending cleaned rows and the one appending malformed
    records; ``on_start`` is called with each query right after it starts (the local runner waits
    there until the query's source is up, so that six Python source processes do not start at
    once on a small machine)."""
    if not config.region:
        raise ValueError("region is empty: give the AWS region of the Kinesis streams")
    queries = []
    tables, streams = config.table_names(), config.stream_names()
    for table in TABLES:
        records = read_kinesis(
            spark,
            streams[table],
            config.region,
            config.initial_position,
            config.kinesis_endpoint,
            config.service_credential,
        )
        cleaned, malformed = transform_records(records, table, source=kinesis_source())
        malformed_name = f"{tables[table]}_malformed"
        for df, name in ((cleaned, tables[table]), (malformed, malformed_name)):
            query = start_append(
                df, name, config.location, config.checkpoint_root, config.available_now
            )
            queries.append(query)
            if on_start is not None:
                on_start(query)
    return queries


#: Seconds between looks at the queries while waiting for one to end.
_POLL_SECONDS = 10


def await_queries(spark: SparkSession, queries: list[StreamingQuery]) -> None:
    """Wait until every query of ``queries`` has ended; as soon as one fails, stop the others and
    raise StreamFailedError with its error (the job's run then fails, and notifies). Waiting on
    each query in turn would miss a failure of any but the one waited on while that one runs."""
    while True:
        failed = next((q for q in queries if not q.isActive and q.exception()), None)
        if failed is not None:
            for query in queries:
                if query.isActive:
                    query.stop()
            raise StreamFailedError(
                f"streaming query {failed.name} failed, so every query of the job was stopped: "
                f"{failed.exception()}"
            )
        if not any(q.isActive for q in queries):
            return
        # Forget the queries that ended (drained) so that the wait is for the next one; a query
        # that ends between the look above and this reset is seen at the next look.
        spark.streams.resetTerminated()
        with contextlib.suppress(StreamingQueryException):  # looked at above, by query
            spark.streams.awaitAnyTermination(_POLL_SECONDS)


class StreamFailedError(RuntimeError):
    """A query of the streaming job failed; the others were stopped."""
