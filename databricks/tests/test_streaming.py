"""The streaming transforms on a local file stream (the Kinesis source is Databricks-only)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.testing import assertDataFrameEqual

from pinterest_etl.schemas import GEO_CLEAN, USER_CLEAN
from pinterest_etl.streaming import (
    StreamConfig,
    StreamFailedError,
    await_queries,
    kinesis_source,
    start_append,
    start_kinesis_streams,
    transform_records,
)
from pinterest_etl.writers import TableLocation, read_table


def geo(ind: int, when: str) -> str:
    row = {"ind": ind, "timestamp": when, "latitude": 10.5, "longitude": -20.25, "country": "Niger"}
    return json.dumps(row)


def test_file_stream_appends_cleaned_rows_once_per_key_with_one_checkpoint_per_table(
    spark: SparkSession, tmp_path: Path
) -> None:
    incoming, checkpoints = tmp_path / "incoming", tmp_path / "checkpoints"
    incoming.mkdir()
    location = TableLocation(root=str(tmp_path / "tables"))
    table, quarantine = "s_geo_stream", "s_geo_stream_malformed"

    def run_once() -> None:
        # A fresh stream definition each time, as a restarted notebook would build it.
        records = spark.readStream.text(str(incoming)).withColumnRenamed("value", "data")
        cleaned, malformed = transform_records(records, "geo", source=F.col("_metadata.file_path"))
        for df, name in ((cleaned, table), (malformed, quarantine)):
            start_append(
                df, name, location, str(checkpoints), available_now=True
            ).awaitTermination()

    (incoming / "1.json").write_text(
        "\n".join([geo(1, "2019-01-01 10:00:00"), geo(2, "2020-02-02T20:20:20"),
                   geo(1, "2019-01-01 10:00:00"), '{"ind": 3, "timestamp": "soon"}']) + "\n"
    )  # fmt: skip
    run_once()
    (incoming / "2.json").write_text(
        "\n".join([geo(2, "2020-02-02 20:20:20"), geo(4, "2021-04-04 04:04:04")]) + "\n"
    )
    run_once()
    run_once()  # nothing new: the checkpoints make this a no-op

    expected = spark.createDataFrame(
        [(1, "Niger", [10.5, -20.25], dt.datetime(2019, 1, 1, 10)),
         (2, "Niger", [10.5, -20.25], dt.datetime(2020, 2, 2, 20, 20, 20)),
         (4, "Niger", [10.5, -20.25], dt.datetime(2021, 4, 4, 4, 4, 4))],
        GEO_CLEAN,
    )  # fmt: skip
    assertDataFrameEqual(read_table(spark, table, location), expected)
    bad = read_table(spark, quarantine, location).collect()
    assert [(r.table, r.reason, r.record) for r in bad] == [
        ("geo", "timestamp is not a supported datetime", '{"ind": 3, "timestamp": "soon"}')
    ]
    assert bad[0].source.endswith("/incoming/1.json")
    assert sorted(p.name for p in checkpoints.iterdir()) == [table, quarantine]


def test_kinesis_shaped_records_are_parsed_from_binary_data(spark: SparkSession) -> None:
    good = {"ind": 7, "first_name": "Zoë", "last_name": "Ng", "age": 33,
            "date_joined": "2016-03-04T05:06:07"}  # fmt: skip
    records = spark.createDataFrame(
        [(bytearray(json.dumps(good).encode()), "streaming-pin-dev-user", "shardId-0", "101"),
         (bytearray(b"{k=v}"), "streaming-pin-dev-user", "shardId-0", "102")],
        "data binary, stream string, shardId string, sequenceNumber string",
    )  # fmt: skip
    cleaned, malformed = transform_records(records, "user", source=kinesis_source())
    expected = spark.createDataFrame(
        [(7, "Zoë Ng", 33, dt.datetime(2016, 3, 4, 5, 6, 7))], USER_CLEAN
    )
    assertDataFrameEqual(cleaned, expected)
    # The Java-map text that the widely copied PutRecords template produces is quarantined.
    assert [tuple(r) for r in malformed.collect()] == [
        ("user", "not a JSON object of the schema", "streaming-pin-dev-user/shardId-0/102", "{k=v}")
    ]


def test_stream_config_names_and_region_check(spark: SparkSession, tmp_path: Path) -> None:
    config = StreamConfig(prefix="pin-dev", region="", checkpoint_root=str(tmp_path))
    assert config.table_names() == {
        "pin": "pin_dev_pin_stream",
        "geo": "pin_dev_geo_stream",
        "user": "pin_dev_user_stream",
    }
    assert config.stream_names()["geo"] == "streaming-pin-dev-geo"
    with pytest.raises(ValueError, match="region is empty"):
        start_kinesis_streams(spark, config)


def test_one_dead_query_stops_the_others_and_fails_the_job(
    spark: SparkSession, tmp_path: Path
) -> None:
    """The continuous job's six queries: when one dies while the others run on, the wait ends with
    that query's error and stops the rest (waiting on each query in turn would wait forever on
    the first)."""

    def fail_on_first_batch(batch, batch_id: int) -> None:  # nested: pickled by value (Connect)
        raise RuntimeError(f"table gone in batch {batch_id}")

    rows = spark.readStream.format("rate").option("rowsPerSecond", 1).load()
    running = rows.writeStream.format("noop").queryName("runs_on")
    running = running.option("checkpointLocation", str(tmp_path / "a")).start()
    dying = rows.writeStream.foreachBatch(fail_on_first_batch).queryName("dies")
    dying = dying.option("checkpointLocation", str(tmp_path / "b")).start()
    try:
        failure = r"(?s)query dies failed.*table gone in batch 0"
        with pytest.raises(StreamFailedError, match=failure):
            await_queries(spark, [running, dying])
        assert not running.isActive
    finally:
        for query in (running, dying):
            query.stop()


def test_queries_that_drain_and_stop_end_the_wait_without_error(
    spark: SparkSession, tmp_path: Path
) -> None:
    incoming = tmp_path / "in"
    incoming.mkdir()
    (incoming / "1.json").write_text(geo(1, "2020-01-01 00:00:00") + "\n")
    lines = spark.readStream.text(str(incoming))
    queries = [
        lines.writeStream.format("noop")
        .trigger(availableNow=True)
        .option("checkpointLocation", str(tmp_path / name))
        .start()
        for name in ("a", "b")
    ]
    await_queries(spark, queries)
    assert [q.isActive for q in queries] == [False, False]
    assert [q.exception() for q in queries] == [None, None]
