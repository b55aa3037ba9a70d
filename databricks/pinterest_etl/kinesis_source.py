"""A Kinesis source for open-source Spark 4, so the streaming job runs unchanged off Databricks.

``format("kinesis")`` exists only on Databricks. Off Databricks, ``register(spark)`` adds this
Python data source (PySpark's ``DataSource`` / ``DataSourceStreamReader`` API) under the same
name, with the same columns and the same option names as the Databricks source:

- columns ``partitionKey`` string, ``data`` binary, ``stream`` string, ``shardId`` string,
  ``sequenceNumber`` string, ``approximateArrivalTimestamp`` timestamp
  (https://docs.databricks.com/aws/en/connect/streaming/kinesis/, "Schema");
- options ``streamName`` (one stream), ``region``, ``endpoint`` (the Kinesis API's URL: the
  replica's kinesalite locally), ``initialPosition`` (``latest``, the Databricks default,
  ``trim_horizon`` or its alias ``earliest``) and ``maxRecordsPerFetch`` (records per GetRecords
  call, 1-10000, default 10000) (https://docs.databricks.com/sql/language-manual/functions/read_kinesis.html).
  Any other option is refused by name: credentials come from boto3's default chain (dummy ones
  when an ``endpoint`` is given and the chain has none, as kinesalite accepts any).

Offsets: per shard, the sequence number of the last record of the batch (``after``; null before
any record) and whether the shard is closed and read to its end; plus the stream's creation time,
so that offsets of a deleted and re-created stream are refused instead of misread. Spark
checkpoints them; a batch reads, per shard, the records after the start's sequence number up to
and including the end's (one Spark partition per shard with new records).

Resharding: every shard that ListShards returns is read, closed parents included; a child shard
is read only once all its parents that are still listed are read to their end (as the Kinesis
Client Library does), so a key's records stay in order across a split or merge, except that the
last records of a parent and the first of its child may fall into the same micro-batch.

The end of a batch (``latestOffset``) is each shard's newest record, which Kinesis tells nobody
without reading: the driver pages through each shard once per query (from TRIM_HORIZON on the
query's first call, then on from where it stopped), and the executors read the batch's records
again by sequence number. That costs two reads of the stream per query start, which is fine for
the replica and is not how the Databricks source works (see the README).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from pyspark.sql.datasource import DataSource, DataSourceStreamReader, InputPartition
from pyspark.sql.types import (
    BinaryType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

#: The Databricks Kinesis source's columns, in its order.
KINESIS_SCHEMA = StructType(
    [
        StructField("partitionKey", StringType()),
        StructField("data", BinaryType()),
        StructField("stream", StringType()),
        StructField("shardId", StringType()),
        StructField("sequenceNumber", StringType()),
        StructField("approximateArrivalTimestamp", TimestampType()),
    ]
)

INITIAL_POSITIONS = {"latest": "LATEST", "trim_horizon": "TRIM_HORIZON", "earliest": "TRIM_HORIZON"}
OPTIONS = ("streamName", "region", "endpoint", "initialPosition", "maxRecordsPerFetch")
#: GetRecords returns at most 10,000 records per call (Kinesis API reference, GetRecords "Limit").
MAX_RECORDS_PER_FETCH = 10_000
#: Shard iterators expire after 5 minutes (GetShardIterator); renew well before.
_ITERATOR_MAX_AGE_S = 240.0
#: Empty pages read past the last record of a closed shard before waiting for the next batch.
_CLOSED_SHARD_EMPTY_PAGES = 5


class KinesisSourceError(ValueError):
    """A bad option, a stream that cannot be read, or offsets that do not fit the stream."""


@dataclass(frozen=True)
class KinesisOptions:
    """The validated options of one ``readStream.format("kinesis")``."""

    stream_name: str
    region: str
    endpoint: str | None = None
    initial_position: str = "latest"
    max_records_per_fetch: int = MAX_RECORDS_PER_FETCH

    @staticmethod
    def parse(options: Mapping[str, str]) -> KinesisOptions:
        """Validate Spark's options (keys in any case); raise KinesisSourceError naming one."""
        given = {k.lower(): (v if v is None else str(v)) for k, v in options.items()}
        known = {name.lower(): name for name in OPTIONS}
        unknown = sorted(k for k in options if k.lower() not in known and k.lower() != "path")
        if unknown:
            raise KinesisSourceError(
                f"option {', '.join(unknown)} is not supported by the local Kinesis source "
                f"(supported: {', '.join(OPTIONS)}; credentials come from the AWS default chain, "
                "e.g. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)"
            )
        stream = (given.get("streamname") or "").strip()
        if not stream:
            raise KinesisSourceError("option streamName is missing: give the Kinesis stream's name")
        if "," in stream:
            raise KinesisSourceError(
                f"option streamName={stream!r} lists several streams: the local Kinesis source "
                "reads one stream per query"
            )
        region = (
            given.get("region")
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or ""
        ).strip()
        if not region:
            raise KinesisSourceError(
                "option region is missing (and neither AWS_REGION nor AWS_DEFAULT_REGION is set): "
                "give the streams' AWS region, e.g. eu-west-1"
            )
        endpoint = (given.get("endpoint") or "").strip() or None
        if endpoint is not None:
            url = urlparse(endpoint)
            if url.scheme not in ("http", "https") or not url.netloc:
                raise KinesisSourceError(
                    f"option endpoint={endpoint!r} is not an http(s) URL: give the Kinesis API's "
                    "URL, e.g. http://127.0.0.1:34567 for the replica"
                )
        position = (given.get("initialposition") or "latest").strip().lower()
        if position not in INITIAL_POSITIONS:
            hint = (
                " (at_timestamp is not supported by the local source)"
                if position.startswith("at_timestamp") or position.startswith("{")
                else ""
            )
            raise KinesisSourceError(
                f"option initialPosition={position!r} is not one of "
                f"{', '.join(INITIAL_POSITIONS)}{hint}"
            )
        raw_limit = given.get("maxrecordsperfetch") or str(MAX_RECORDS_PER_FETCH)
        try:
            limit = int(raw_limit)
        except ValueError:
            limit = 0
        if not 1 <= limit <= MAX_RECORDS_PER_FETCH:
            raise KinesisSourceError(
                f"option maxRecordsPerFetch={raw_limit!r} is not a whole number from 1 to "
                f"{MAX_RECORDS_PER_FETCH}"
            )
        return KinesisOptions(stream, region, endpoint, position, limit)

    def where(self) -> str:
        """The Kinesis API these options point at, for messages."""
        return self.endpoint or f"the Kinesis API of region {self.region}"


def kinesis_client(options: KinesisOptions) -> Any:
    """A boto3 Kinesis client for ``options`` (standard retries, which back off on throttling)."""
    import boto3
    from botocore.config import Config

    session = boto3.session.Session()
    config = Config(retries={"mode": "standard", "max_attempts": 8}, connect_timeout=5)
    kwargs: dict[str, Any] = {"region_name": options.region, "config": config}
    if options.endpoint:
        kwargs["endpoint_url"] = options.endpoint
        if session.get_credentials() is None:
            # kinesalite checks that requests are signed, not by whom.
            kwargs.update(aws_access_key_id="local", aws_secret_access_key="local")
    return session.client("kinesis", **kwargs)


@dataclass(frozen=True)
class Shard:
    """One shard as ListShards describes it."""

    shard_id: str
    parents: tuple[str, ...]
    ending_sequence_number: str | None


@dataclass
class _Tip:
    """The driver's knowledge of a shard's newest record: its sequence number (None before any),
    whether the shard is closed and read to its end, and an iterator just after it."""

    after: str | None = None
    closed: bool = False
    iterator: str | None = None
    iterator_time: float = 0.0


class KinesisShardRange(InputPartition):
    """The records of one shard with ``after < sequenceNumber <= end`` (``after`` None: from
    TRIM_HORIZON)."""

    def __init__(self, shard_id: str, after: str | None, end: str) -> None:
        self.shard_id = shard_id
        self.after = after
        self.end = end

    def __repr__(self) -> str:
        return f"KinesisShardRange({self.shard_id}, after={self.after}, end={self.end})"


@dataclass
class Kinesis:
    """The Kinesis calls the reader (and the local streaming runner) makes, with errors that say
    what to check."""

    options: KinesisOptions
    _client: Any = field(default=None, repr=False)

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = kinesis_client(self.options)
        return self._client

    def _call(self, name: str, **kwargs: Any) -> dict:
        from botocore.exceptions import ClientError, EndpointConnectionError

        try:
            return getattr(self.client, name)(**kwargs)
        except EndpointConnectionError as err:
            raise KinesisSourceError(
                f"cannot reach {self.options.where()} ({err}): check the endpoint option; for the "
                "replica, run local/replica.sh up"
            ) from err
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "")
            if code == "ResourceNotFoundException":
                raise KinesisSourceError(
                    f"stream {self.options.stream_name!r} not found at {self.options.where()}: "
                    "check the streamName option (and endpoint / region)"
                ) from err
            raise

    def created(self) -> float:
        """The stream's creation time (epoch seconds); it changes when the stream is re-created."""
        summary = self._call("describe_stream_summary", StreamName=self.options.stream_name)
        return summary["StreamDescriptionSummary"]["StreamCreationTimestamp"].timestamp()

    def shards(self) -> list[Shard]:
        """Every shard ListShards returns (open and closed), sorted by id."""
        out: list[Shard] = []
        page = self._call("list_shards", StreamName=self.options.stream_name)
        while True:
            for s in page.get("Shards", []):
                parents = tuple(
                    p for p in (s.get("ParentShardId"), s.get("AdjacentParentShardId")) if p
                )
                ending = s.get("SequenceNumberRange", {}).get("EndingSequenceNumber")
                out.append(Shard(s["ShardId"], parents, ending))
            token = page.get("NextToken")
            if not token:
                return sorted(out, key=lambda s: s.shard_id)
            page = self._call("list_shards", NextToken=token)

    def iterator(self, shard_id: str, after: str | None) -> str:
        """A shard iterator just after sequence number ``after`` (None: the oldest record)."""
        kwargs: dict[str, Any] = {"StreamName": self.options.stream_name, "ShardId": shard_id}
        if after is None:
            kwargs["ShardIteratorType"] = "TRIM_HORIZON"
        else:
            kwargs.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=after)
        return self._call("get_shard_iterator", **kwargs)["ShardIterator"]

    def records(self, iterator: str) -> dict:
        return self._call(
            "get_records", ShardIterator=iterator, Limit=self.options.max_records_per_fetch
        )


def _caught_up(page: dict) -> bool:
    """True when a GetRecords page says nothing newer exists yet (an empty page may also mean
    "keep going" when the shard is behind: MillisBehindLatest > 0)."""
    return not page.get("Records") and page.get("MillisBehindLatest", 0) == 0


class KinesisStreamReader(DataSourceStreamReader):
    """Offsets, partitions and records of one stream (see the module docstring)."""

    def __init__(self, options: KinesisOptions) -> None:
        self.options = options
        self._kinesis = Kinesis(options)
        self._tips: dict[str, _Tip] = {}

    def __getstate__(self) -> dict:
        # Only the options travel to Spark's Python workers; clients and tips are per process.
        return {"options": self.options}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["options"])

    # --- driver side -------------------------------------------------------------------------

    def initialOffset(self) -> dict:
        created = self._kinesis.created()
        shards = self._kinesis.shards()
        if INITIAL_POSITIONS[self.options.initial_position] == "TRIM_HORIZON":
            return _offset(self.options.stream_name, created, {s.shard_id: _Tip() for s in shards})
        # LATEST: fix each shard's newest record now, so that a restart reads the same range.
        return self._advance(created, shards)

    def latestOffset(self) -> dict:
        return self._advance(self._kinesis.created(), self._kinesis.shards())

    def _advance(self, created: float, shards: list[Shard]) -> dict:
        listed = {s.shard_id for s in shards}
        for shard in shards:  # sorted by id: parents come before their children
            tip = self._tips.setdefault(shard.shard_id, _Tip())
            parents_done = all(
                self._tips.get(p, _Tip()).closed for p in shard.parents if p in listed
            )
            if parents_done and not tip.closed:
                self._scan(shard, tip)
        tips = {s.shard_id: self._tips[s.shard_id] for s in shards}
        return _offset(self.options.stream_name, created, tips)

    def _scan(self, shard: Shard, tip: _Tip) -> None:
        """Page through the shard from the tip to its newest record, or to its end when it is
        closed: there GetRecords says so (no NextShardIterator) only on a call after the last
        record, so a closed shard gets up to _CLOSED_SHARD_EMPTY_PAGES more empty pages."""
        iterator = tip.iterator
        if iterator is None or time.monotonic() - tip.iterator_time > _ITERATOR_MAX_AGE_S:
            iterator = self._kinesis.iterator(shard.shard_id, tip.after)
            tip.iterator_time = time.monotonic()
        empty = 0
        while True:
            page = self._kinesis.records(iterator)
            if page.get("Records"):
                tip.after = page["Records"][-1]["SequenceNumber"]
                empty = 0
            iterator = page.get("NextShardIterator")
            if iterator is None:
                tip.closed = True
                break
            if _caught_up(page):
                empty += 1
                if shard.ending_sequence_number is None or empty > _CLOSED_SHARD_EMPTY_PAGES:
                    break
        tip.iterator = iterator

    def partitions(self, start: dict, end: dict) -> Sequence[InputPartition]:
        name = self.options.stream_name
        for offset in (start, end):
            if offset.get("stream") != name:
                raise KinesisSourceError(
                    f"the checkpoint's offsets are for stream {offset.get('stream')!r}, not "
                    f"{name!r}: use a new checkpoint location for another stream"
                )
        if start.get("created") != end.get("created"):
            raise KinesisSourceError(
                f"stream {name!r} was deleted and re-created since this checkpoint was written "
                f"(created {start.get('created')}, now {end.get('created')}): its sequence numbers "
                "no longer exist; start over with a new checkpoint location (and a new table)"
            )
        self._seed_tips(end)
        ranges: list[InputPartition] = []
        for shard_id, last in end["shards"].items():
            first = start["shards"].get(shard_id, {}).get("after")
            if last["after"] is not None and last["after"] != first:
                ranges.append(KinesisShardRange(shard_id, first, last["after"]))
        return ranges

    def _seed_tips(self, end: dict) -> None:
        """After a restart Spark plans the checkpoint's last batch before asking for the latest
        offset: start the driver's scans from that batch's end instead of TRIM_HORIZON (a lower
        bound of each shard's newest record, so the scan still finds it)."""
        unseen = [s for s in end["shards"] if s not in self._tips]
        if not unseen or end.get("created") != self._kinesis.created():
            return
        for shard_id in unseen:
            last = end["shards"][shard_id]
            self._tips[shard_id] = _Tip(after=last["after"], closed=last["closed"])

    def commit(self, end: dict) -> None:
        """Nothing to do: Spark's checkpoint holds the offsets; Kinesis keeps no consumer state."""

    # --- executor side -----------------------------------------------------------------------

    def read(self, partition: InputPartition) -> Iterator[tuple]:
        assert isinstance(partition, KinesisShardRange)
        stream, shard_id, end = self.options.stream_name, partition.shard_id, int(partition.end)
        iterator = self._kinesis.iterator(shard_id, partition.after)
        while True:
            page = self._kinesis.records(iterator)
            for record in page.get("Records", []):
                sequence = int(record["SequenceNumber"])
                if sequence > end:
                    return
                yield (
                    record["PartitionKey"],
                    bytes(record["Data"]),
                    stream,
                    shard_id,
                    record["SequenceNumber"],
                    record["ApproximateArrivalTimestamp"],
                )
                if sequence == end:
                    return
            iterator = page.get("NextShardIterator")
            if iterator is None or _caught_up(page):
                raise KinesisSourceError(
                    f"stream {stream!r} shard {shard_id} has no record {partition.end} although "
                    "an earlier batch saw it: was the stream re-created or the record trimmed "
                    "past the retention period?"
                )


class KinesisDataSource(DataSource):
    """``spark.readStream.format("kinesis")`` off Databricks (see the module docstring)."""

    def __init__(self, options: dict[str, str]) -> None:
        super().__init__(options)
        self.kinesis_options = KinesisOptions.parse(options)

    @classmethod
    def name(cls) -> str:
        return "kinesis"

    def schema(self) -> StructType:
        return KINESIS_SCHEMA

    def streamReader(self, schema: StructType) -> DataSourceStreamReader:
        return KinesisStreamReader(self.kinesis_options)


def _offset(stream: str, created: float, tips: Mapping[str, _Tip]) -> dict:
    # Spark decides whether a batch has new data by comparing offsets' JSON: keep keys in order.
    return {
        "stream": stream,
        "created": created,
        "shards": {
            shard_id: {"after": tips[shard_id].after, "closed": tips[shard_id].closed}
            for shard_id in sorted(tips)
        },
    }


def on_databricks() -> bool:
    """True on a Databricks cluster (whose runtime sets DATABRICKS_RUNTIME_VERSION)."""
    return bool(os.environ.get("DATABRICKS_RUNTIME_VERSION"))


def register(spark: Any) -> bool:
    """Register this source as ``kinesis`` unless on Databricks (whose own source it stands in
    for); True when registered.

    Also lets ``availableNow`` drain in several batches as it does on Databricks: a Python source
    cannot implement SupportsTriggerAvailableNow in PySpark 4.0, so without Spark's wrapper
    (which fixes the target offset when the query starts) Spark falls back to one batch, and a
    run that first replays an unfinished batch would stop after it.
    """
    if on_databricks():
        return False
    spark.conf.set("spark.sql.streaming.triggerAvailableNowWrapper.enabled", "true")
    spark.dataSource.register(KinesisDataSource)
    return True
