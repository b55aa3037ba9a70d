"""The local Kinesis source against a real Kinesis API: kinesalite, started here on a free port.

What kinesalite cannot prove: real Kinesis' throttling, empty pages while a shard is behind
(MillisBehindLatest > 0), trimming past retention and enhanced fan-out; the source's handling of
the first two follows the API reference (GetRecords), the rest is out of its scope
(databricks/README.md).
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from pyspark.errors import AnalysisException, StreamingQueryException
from pyspark.sql import SparkSession

from pinterest_etl.kinesis_source import (
    KINESIS_SCHEMA,
    KinesisOptions,
    KinesisSourceError,
    register,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
KINESALITE = REPO_ROOT / "node_modules" / "kinesalite" / "cli.js"


def wait_for(what: str, check: Callable[[], Any], seconds: float = 30.0) -> Any:
    """Poll ``check`` until it returns a truthy value; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except Exception as err:  # not ready yet: keep the cause for the failure message
            last = err
        time.sleep(0.05)
    raise AssertionError(f"timed out after {seconds} s waiting for {what} (last: {last!r})")


@pytest.fixture(scope="module")
def kinesis_endpoint() -> Iterator[str]:
    if not KINESALITE.is_file() or shutil.which("node") is None:
        pytest.fail(f"kinesalite is not installed at {KINESALITE}: run local/setup.sh (npm ci)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        ["node", str(KINESALITE), "--port", str(port), "--shardLimit", "100",
         "--createStreamMs", "0", "--deleteStreamMs", "0", "--updateStreamMs", "0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_for(
            f"kinesalite to answer ListStreams at {endpoint}",
            lambda: process.poll() is None and "StreamNames" in client(endpoint).list_streams(),
        )
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


def client(endpoint: str) -> Any:
    return boto3.client(
        "kinesis",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def create_stream(endpoint: str, name: str, shards: int) -> None:
    kinesis = client(endpoint)
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    # CreateStream returns while the stream is CREATING; reads and writes need ACTIVE
    # (Kinesis API Reference, CreateStream).
    wait_for(f"stream {name} to be ACTIVE", lambda: _status(kinesis, name) == "ACTIVE")


def _status(kinesis: Any, name: str) -> str:
    return kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"][
        "StreamStatus"
    ]


def put(endpoint: str, stream: str, values: list[str]) -> dict[str, str]:
    """Put one record per value (its own partition key); {value: "shardId/sequenceNumber"}."""
    answer = client(endpoint).put_records(
        StreamName=stream,
        Records=[{"Data": v.encode(), "PartitionKey": f"key-{v}"} for v in values],
    )
    assert answer["FailedRecordCount"] == 0
    return {
        v: f"{r['ShardId']}/{r['SequenceNumber']}"
        for v, r in zip(values, answer["Records"], strict=True)
    }


def run_available_now(
    spark: SparkSession, options: dict[str, str], checkpoint: Path, batches: dict[int, list]
) -> None:
    """One drain-then-stop run; each micro-batch's rows land in ``batches[batch_id]`` (a replayed
    batch replaces its earlier rows, so a wrong replay shows)."""
    register(spark)
    df = spark.readStream.format("kinesis").options(**options).load()

    def collect(batch, batch_id: int) -> None:
        batches[batch_id] = sorted(tuple(r) for r in batch.collect())

    query = (
        df.writeStream.foreachBatch(collect)
        .option("checkpointLocation", str(checkpoint))
        .trigger(availableNow=True)
        .start()
    )
    query.awaitTermination()


def values_of(batch: list) -> list[str]:
    return sorted(bytes(row[1]).decode() for row in batch)


def offsets(checkpoint: Path, batch_id: int) -> dict:
    """The source's offset of a batch as Spark checkpointed it (last line of offsets/<id>)."""
    return json.loads((checkpoint / "offsets" / str(batch_id)).read_text().splitlines()[-1])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"region": "eu-west-1"}, "option streamName is missing"),
        ({"streamName": "a,b", "region": "eu-west-1"}, "option streamName='a,b' lists several"),
        ({"streamName": "s", "region": "eu-west-1", "initialPosition": "newest"},
         "option initialPosition='newest' is not one of latest, trim_horizon, earliest"),
        ({"streamName": "s", "region": "eu-west-1", "initialPosition": "at_timestamp"},
         "at_timestamp is not supported by the local source"),
        ({"streamName": "s", "region": "eu-west-1", "endpoint": "127.0.0.1:4567"},
         "option endpoint='127.0.0.1:4567' is not an http(s) URL"),
        ({"streamName": "s", "region": "eu-west-1", "maxRecordsPerFetch": "0"},
         "option maxRecordsPerFetch='0' is not a whole number from 1 to 10000"),
        ({"streamName": "s", "region": "eu-west-1", "awsSecretKey": "never-printed"},
         "option awsSecretKey is not supported by the local Kinesis source"),
    ],
)  # fmt: skip
def test_bad_options_are_refused_naming_the_option(options: dict, message: str) -> None:
    with pytest.raises(KinesisSourceError, match=re.escape(message)) as caught:
        KinesisOptions.parse(options)
    assert "never-printed" not in str(caught.value)


def test_options_are_case_insensitive_with_the_databricks_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    # initialPosition defaults to latest, as on Databricks
    # (https://docs.databricks.com/aws/en/connect/streaming/kinesis/).
    assert KinesisOptions.parse({"STREAMNAME": "s"}) == KinesisOptions("s", "eu-west-1")
    parsed = KinesisOptions.parse({"streamname": "s", "Region": "r", "initialposition": "EARLIEST"})
    assert (parsed.region, parsed.initial_position) == ("r", "earliest")


def test_a_bad_option_fails_at_load_with_its_name(spark: SparkSession) -> None:
    register(spark)
    reader = spark.readStream.format("kinesis").option("streamName", "s").option("region", "r")
    with pytest.raises(AnalysisException, match="option initialPosition='sometime' is not one of"):
        reader.option("initialPosition", "sometime").load()


def test_columns_are_the_databricks_sources(
    spark: SparkSession, kinesis_endpoint: str, tmp_path: Path
) -> None:
    # https://docs.databricks.com/aws/en/connect/streaming/kinesis/ ("Schema").
    assert [(f.name, f.dataType.simpleString()) for f in KINESIS_SCHEMA] == [
        ("partitionKey", "string"), ("data", "binary"), ("stream", "string"),
        ("shardId", "string"), ("sequenceNumber", "string"),
        ("approximateArrivalTimestamp", "timestamp"),
    ]  # fmt: skip
    create_stream(kinesis_endpoint, "columns", 1)
    before = time.time()
    where = put(kinesis_endpoint, "columns", ['{"ind": 1}'])
    batches: dict[int, list] = {}
    options = {"streamName": "columns", "region": "us-east-1", "endpoint": kinesis_endpoint,
               "initialPosition": "trim_horizon"}  # fmt: skip
    run_available_now(spark, options, tmp_path / "ck", batches)
    [(key, data, stream, shard, sequence, arrived)] = batches[0]
    assert (key, bytes(data), stream) == ('key-{"ind": 1}', b'{"ind": 1}', "columns")
    assert f"{shard}/{sequence}" == where['{"ind": 1}']
    assert before - 1 <= arrived.timestamp() <= time.time() + 1


def test_offsets_per_shard_resume_and_a_replayed_batch_reads_the_same_records(
    spark: SparkSession, kinesis_endpoint: str, tmp_path: Path
) -> None:
    stream, checkpoint = "resume", tmp_path / "ck"
    create_stream(kinesis_endpoint, stream, 2)
    options = {"streamName": stream, "region": "us-east-1", "endpoint": kinesis_endpoint,
               "initialPosition": "earliest", "maxRecordsPerFetch": "7"}  # fmt: skip
    batches: dict[int, list] = {}
    first = put(kinesis_endpoint, stream, [f"a{i}" for i in range(30)])
    run_available_now(spark, options, checkpoint, batches)
    assert values_of(batches[0]) == sorted(first)
    # The offset is, per shard, the sequence number of the batch's last record in it.
    newest: dict[str, int] = {}
    for where in first.values():
        shard, sequence = where.split("/")
        newest[shard] = max(newest.get(shard, 0), int(sequence))
    assert offsets(checkpoint, 0)["shards"] == {
        shard: {"after": str(seq), "closed": False} for shard, seq in sorted(newest.items())
    }

    second = put(kinesis_endpoint, stream, [f"b{i}" for i in range(20)])
    run_available_now(spark, options, checkpoint, batches)
    assert values_of(batches[1]) == sorted(second)

    # A run that stopped after planning batch 1 but before committing it: Spark replays batch 1
    # from its checkpointed offsets, which must read exactly the same records, then drains on.
    for name in ("1", ".1.crc"):  # the commit and its checksum, as if never written
        (checkpoint / "commits" / name).unlink()
    third = put(kinesis_endpoint, stream, [f"c{i}" for i in range(5)])
    replayed = batches.pop(1)
    run_available_now(spark, options, checkpoint, batches)
    assert batches[1] == replayed
    assert values_of(batches[2]) == sorted(third)

    run_available_now(spark, options, checkpoint, batches)  # nothing new: no batch
    assert sorted(batches) == [0, 1, 2]
    assert not (checkpoint / "offsets" / "3").exists()


def test_resharding_reads_closed_parents_and_their_children_once(
    spark: SparkSession, kinesis_endpoint: str, tmp_path: Path
) -> None:
    stream, checkpoint = "reshard", tmp_path / "ck"
    kinesis = client(kinesis_endpoint)
    create_stream(kinesis_endpoint, stream, 1)
    options = {"streamName": stream, "region": "us-east-1", "endpoint": kinesis_endpoint,
               "initialPosition": "trim_horizon"}  # fmt: skip
    before = put(kinesis_endpoint, stream, [f"p{i}" for i in range(10)])
    # Split the only shard at the middle of the hash key range: it closes, two children open
    # (Kinesis API Reference, SplitShard).
    kinesis.split_shard(StreamName=stream, ShardToSplit="shardId-000000000000",
                        NewStartingHashKey=str(2**127))  # fmt: skip
    wait_for(f"{stream} to be ACTIVE after the split", lambda: _status(kinesis, stream) == "ACTIVE")
    after = put(kinesis_endpoint, stream, [f"s{i}" for i in range(10)])
    batches: dict[int, list] = {}
    run_available_now(spark, options, checkpoint, batches)
    assert values_of(batches[0]) == sorted([*before, *after])
    assert {where.split("/")[0] for where in after.values()} == {
        "shardId-000000000001", "shardId-000000000002"
    }  # fmt: skip
    shards = offsets(checkpoint, 0)["shards"]
    assert shards["shardId-000000000000"]["closed"] is True
    assert shards["shardId-000000000000"]["after"] == before["p9"].split("/")[1]

    # Merge the two children back into one (MergeShards): both close, a grandchild opens.
    kinesis.merge_shards(StreamName=stream, ShardToMerge="shardId-000000000001",
                         AdjacentShardToMerge="shardId-000000000002")  # fmt: skip
    wait_for(f"{stream} to be ACTIVE after the merge", lambda: _status(kinesis, stream) == "ACTIVE")
    merged = put(kinesis_endpoint, stream, [f"m{i}" for i in range(5)])
    run_available_now(spark, options, checkpoint, batches)
    assert values_of(batches[1]) == sorted(merged)
    assert {where.split("/")[0] for where in merged.values()} == {"shardId-000000000003"}
    assert [s["closed"] for s in offsets(checkpoint, 1)["shards"].values()] == [
        True, True, True, False
    ]  # fmt: skip


def test_an_empty_stream_gives_no_rows_and_latest_skips_what_was_there(
    spark: SparkSession, kinesis_endpoint: str, tmp_path: Path
) -> None:
    create_stream(kinesis_endpoint, "empty", 2)
    options = {"streamName": "empty", "region": "us-east-1", "endpoint": kinesis_endpoint,
               "initialPosition": "earliest"}  # fmt: skip
    batches: dict[int, list] = {}
    # A first run always plans batch 0 (from the initial offset); here it has no rows.
    run_available_now(spark, options, tmp_path / "earliest", batches)
    assert batches == {0: []}
    old = put(kinesis_endpoint, "empty", ["old1", "old2"])
    # latest (the Databricks default) starts after what the stream holds when the query starts.
    latest: dict[int, list] = {}
    run_available_now(spark, {**options, "initialPosition": "latest"}, tmp_path / "latest", latest)
    assert latest == {0: []}
    new = put(kinesis_endpoint, "empty", ["new1"])
    run_available_now(spark, {**options, "initialPosition": "latest"}, tmp_path / "latest", latest)
    assert values_of(latest[1]) == sorted(new)
    run_available_now(spark, options, tmp_path / "earliest", batches)
    assert values_of(batches[1]) == sorted([*old, *new])


def test_a_missing_or_re_created_stream_fails_the_query_saying_what_to_do(
    spark: SparkSession, kinesis_endpoint: str, tmp_path: Path
) -> None:
    options = {"streamName": "nowhere", "region": "us-east-1", "endpoint": kinesis_endpoint}
    with pytest.raises(StreamingQueryException, match="stream 'nowhere' not found at http://"):
        run_available_now(spark, options, tmp_path / "missing", {})

    kinesis = client(kinesis_endpoint)
    create_stream(kinesis_endpoint, "again", 1)
    options = {**options, "streamName": "again", "initialPosition": "earliest"}
    put(kinesis_endpoint, "again", ["one"])
    run_available_now(spark, options, tmp_path / "again", {})
    created = kinesis.describe_stream_summary(StreamName="again")["StreamDescriptionSummary"][
        "StreamCreationTimestamp"
    ].timestamp()
    kinesis.delete_stream(StreamName="again")
    wait_for(
        "stream again to be deleted", lambda: "again" not in kinesis.list_streams()["StreamNames"]
    )
    # Creation times are whole seconds here: let the clock pass the old one.
    wait_for("the clock to pass the first creation second", lambda: time.time() >= created + 1)
    create_stream(kinesis_endpoint, "again", 1)
    put(kinesis_endpoint, "again", ["two"])
    with pytest.raises(StreamingQueryException, match="was deleted and re-created"):
        run_available_now(spark, options, tmp_path / "again", {})
