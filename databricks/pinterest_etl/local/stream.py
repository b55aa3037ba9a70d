"""Run the streaming job on this machine, reading a Kinesis API such as the local replica's.

    python -m pinterest_etl.local.stream --prefix PREFIX --warehouse DIR --endpoint URL

Reads ``streaming-<prefix>-<pin|geo|user>`` through the local Kinesis source (``kinesis_source``,
from the oldest record on a first run), with the code the Databricks notebook runs
(``streaming.start_kinesis_streams``), into the Delta tables ``<prefix>_<table>_stream`` and
``<prefix>_<table>_stream_malformed`` under the warehouse folder, checkpoints under
``<warehouse>/_checkpoints/stream/<table name>``. By default it drains what the streams hold and
stops (``available_now``): running it again reads only what arrived since. ``--continuous`` keeps
the queries running (a micro-batch every ``--trigger-seconds``) until Ctrl-C or SIGTERM.
``--connect`` runs it through a local Spark Connect server with the same jars and settings (the
engine of Databricks' standard access mode).

Per table it prints the records read, malformed, duplicates dropped and rows written.

The replica's kinesalite keeps its streams in memory: after a restart the streams are new and
empty, and their old sequence numbers mean nothing. A stream whose creation time differs from the
one recorded beside the checkpoints therefore gets its tables and checkpoints started over (and the
runner says so).

Exit codes: 0 done, 1 a stream is missing or a query failed, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from .. import cli
from ..kinesis_source import Kinesis, KinesisOptions, KinesisSourceError
from ..naming import TABLES, stream_name, stream_table_name
from .session import runner_session

#: Where, beside the checkpoints, the streams' creation times are kept.
STREAMS_FILE = "streams.json"
#: Rounds of starting the queries when a Python source process fails to connect back in time.
START_ATTEMPTS = 3
_NO_CONNECT = "Python worker failed to connect back"


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = cli.Parser(
        prog="python -m pinterest_etl.local.stream",
        description="Read the pipeline's Kinesis streams with the streaming job's code on local "
        "Spark; append cleaned rows and malformed records to Delta tables.",
    )
    parser.add_argument(
        "--prefix", required=True, type=cli.prefix, help="deployment prefix, e.g. pin-local"
    )
    parser.add_argument("--warehouse", required=True, help="folder for the Delta tables")
    parser.add_argument(
        "--endpoint",
        type=cli.http_url,
        default=os.environ.get("PIPELINE_KINESIS_ENDPOINT") or None,
        help="Kinesis API URL (default $PIPELINE_KINESIS_ENDPOINT, checked the same way), e.g. "
        "http://127.0.0.1:34567",
    )
    parser.add_argument("--region", default="us-east-1", help="AWS region name (default us-east-1)")
    parser.add_argument(
        "--checkpoint-root", help="checkpoint folder (default <warehouse>/_checkpoints/stream)"
    )
    parser.add_argument(
        "--initial-position",
        default="earliest",
        choices=["earliest", "trim_horizon", "latest"],
        help="where a first run starts in each stream (default earliest)",
    )
    parser.add_argument(
        "--continuous",
        action="store_true",
        help="keep running until Ctrl-C / SIGTERM instead of draining and stopping",
    )
    parser.add_argument(
        "--trigger-seconds",
        type=cli.seconds,
        help="with --continuous: seconds between micro-batches (default 1)",
    )
    parser.add_argument(
        "--connect",
        action="store_true",
        help="run through a local Spark Connect server (Databricks' engine in standard access "
        "mode and serverless) instead of Spark Classic",
    )
    parser.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    parser.add_argument("--driver-memory", default="2g", help="Spark driver memory (default 2g)")
    args = parser.parse_args(argv)
    if not args.endpoint:
        parser.error("--endpoint is required (or set PIPELINE_KINESIS_ENDPOINT)")
    if args.trigger_seconds is not None and not args.continuous:
        parser.error(
            "--trigger-seconds sets the pace of --continuous; a drain runs its micro-batches "
            "back to back: add --continuous or drop --trigger-seconds"
        )
    if args.trigger_seconds is None:
        args.trigger_seconds = 1.0
    return args


@dataclass(frozen=True)
class TableReport:
    """What one run did to one stream table."""

    table: str
    name: str
    records_read: int
    malformed: int
    duplicates_dropped: int
    rows_written: int

    def line(self) -> str:
        return (
            f"  {self.table:<4}: {self.records_read} records read, {self.malformed} malformed, "
            f"{self.duplicates_dropped} duplicates dropped, {self.rows_written} rows written "
            f"({self.name})"
        )


def stream_created(endpoint: str, region: str, stream: str) -> float:
    """The stream's creation time; KinesisSourceError naming the stream when it does not exist."""
    return Kinesis(KinesisOptions(stream, region, endpoint)).created()


def reset_recreated_streams(
    checkpoint_root: str, warehouse: str, created: dict[str, float], tables: dict[str, str]
) -> list[str]:
    """Start over the tables and checkpoints of each stream created since the checkpoints were
    written (``created`` and ``tables`` are keyed by stream name); record the creation times;
    return the messages to print."""
    path = os.path.join(checkpoint_root, STREAMS_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            recorded = json.load(f)
    except FileNotFoundError:
        recorded = {}
    messages = []
    for stream, when in created.items():
        before = recorded.get(stream)
        if before is not None and before != when:
            for name in (tables[stream], f"{tables[stream]}_malformed"):
                shutil.rmtree(os.path.join(checkpoint_root, name), ignore_errors=True)
                shutil.rmtree(os.path.join(warehouse, name), ignore_errors=True)
            messages.append(
                f"{stream} was re-created since the last run (a restarted replica starts with new, "
                f"empty streams): {tables[stream]} and its malformed table start over"
            )
    os.makedirs(checkpoint_root, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(created, f, indent=2)
    return messages


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    warehouse = os.path.abspath(args.warehouse)
    checkpoint_root = os.path.abspath(
        args.checkpoint_root or os.path.join(warehouse, "_checkpoints", "stream")
    )
    streams = {t: stream_name(args.prefix, t) for t in TABLES}
    tables = {t: stream_table_name(args.prefix, t) for t in TABLES}
    try:
        created = {s: stream_created(args.endpoint, args.region, s) for s in streams.values()}
    except KinesisSourceError as err:
        hint = " (local/replica.sh up creates the replica's streams)"
        hint = "" if "replica.sh" in str(err) else hint
        print(f"error: {err}{hint}", file=sys.stderr)
        return 1
    by_stream = {streams[t]: tables[t] for t in TABLES}
    for message in reset_recreated_streams(checkpoint_root, warehouse, created, by_stream):
        print(message)

    # Spark is imported only now: argument and stream errors above stay fast.
    from ..streaming import StreamConfig
    from ..writers import TableLocation

    os.makedirs(warehouse, exist_ok=True)
    config = StreamConfig(
        prefix=args.prefix,
        region=args.region,
        checkpoint_root=checkpoint_root,
        location=TableLocation(root=warehouse),
        initial_position=args.initial_position,
        available_now=not args.continuous,
        kinesis_endpoint=args.endpoint,
    )
    names = [n for t in TABLES for n in (tables[t], f"{tables[t]}_malformed")]
    with runner_session(
        "pinterest-etl-local-stream", args.master, args.driver_memory, warehouse, args.connect
    ) as spark:
        if args.continuous:
            # StreamConfig has no trigger interval (Databricks' continuous job uses the default).
            delay = f"{int(args.trigger_seconds * 1000)}ms"
            spark.conf.set("spark.sql.streaming.pollingDelay", delay)
        try:
            before = {n: _rows(spark, os.path.join(warehouse, n)) for n in names}
            by_name = _start_with_retries(spark, config, names, args.continuous)
            after = {n: _rows(spark, os.path.join(warehouse, n)) for n in names}
            print(f"Streaming job over {args.endpoint} (prefix {args.prefix})")
            for table in TABLES:
                report = _report(table, tables[table], by_name, before, after)
                print(report.line())
            print(f"Delta tables under {warehouse}; checkpoints under {checkpoint_root}")
            return 0
        except Exception as err:  # a failed query: StreamingQueryException with the cause's text
            print(f"error: the streaming job failed: {_first_line(err)}", file=sys.stderr)
            return 1
        finally:
            for query in spark.streams.active:
                query.stop()


def _start_with_retries(spark, config, names: list[str], continuous: bool) -> dict[str, list]:
    """Start the streaming job's queries and wait for them (``_await``), up to START_ATTEMPTS
    times while the only failures are Python source processes that did not connect back in time;
    return every query started, by name. Raise the first other failure, or the last one."""
    from ..streaming import start_kinesis_streams

    by_name: dict[str, list] = {n: [] for n in names}
    attempt = 1
    while True:
        try:
            queries = start_kinesis_streams(spark, config, on_start=_wait_until_initialized)
        except Exception as err:  # load() starts a Python process too: it may miss 10 s
            if attempt == START_ATTEMPTS or _NO_CONNECT not in str(err):
                raise
            queries, failed = list(spark.streams.active), [err]
            for query in queries:
                query.stop()
        else:
            print(f"started: {', '.join(q.name for q in queries)}", flush=True)
            failed = _await(spark, queries, continuous)
        for query in queries:
            by_name[query.name].append(query)
        if not failed:
            return by_name
        if attempt == START_ATTEMPTS or not all(_NO_CONNECT in str(e) for e in failed):
            raise failed[0]
        attempt += 1
        # Spark waits 10 s (fixed) for a Python source process to connect back: on a busy
        # machine one may not; the checkpoints make starting again safe.
        print(
            "a Python source process did not start within 10 s (busy machine): "
            f"starting again ({attempt}/{START_ATTEMPTS})",
            flush=True,
        )


def _await(spark, queries, continuous: bool) -> list[Exception]:
    """Wait until every query ends (available_now) or until Ctrl-C / SIGTERM (continuous);
    return the failures of the queries that failed."""
    stopping = []

    def stop(signum, frame):
        stopping.append(signum)

    if continuous:
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    from pyspark.errors import StreamingQueryException

    while any(q.isActive for q in queries) and not stopping:
        with contextlib.suppress(StreamingQueryException):  # collected below, once all ended
            spark.streams.awaitAnyTermination(1)
        spark.streams.resetTerminated()
    for query in queries:
        query.stop()
    return [q.exception() for q in queries if q.exception() is not None]


def _wait_until_initialized(query, seconds: float = 120.0) -> None:
    """Wait until the query's sources are initialized (its Python source process is up) or it
    has ended; a query still initializing after ``seconds`` is left to fail on its own."""
    deadline = time.monotonic() + seconds
    while query.isActive and query.status["message"] == "Initializing sources":
        if time.monotonic() > deadline:
            return
        time.sleep(0.1)


def _rows(spark, path: str) -> int:
    if not os.path.isdir(os.path.join(path, "_delta_log")):
        return 0
    return spark.read.format("delta").load(path).count()


def _report(table: str, name: str, queries: dict, before: dict, after: dict) -> TableReport:
    cleaned = [p for query in queries[name] for p in _batches(query)]
    read = sum(p["numInputRows"] for p in cleaned)
    dropped = sum(
        op.get("customMetrics", {}).get("numDroppedDuplicateRows", 0)
        for p in cleaned
        for op in p.get("stateOperators", [])
    )
    malformed_name = f"{name}_malformed"
    return TableReport(
        table,
        name,
        records_read=read,
        malformed=after[malformed_name] - before[malformed_name],
        duplicates_dropped=dropped,
        rows_written=after[name] - before[name],
    )


def _batches(query) -> list[dict]:
    """The query's progress reports of this run, one per micro-batch that ran."""
    seen: dict[int, dict] = {}
    for progress in query.recentProgress:
        # Idle reports (no batch ran) repeat a batch id with no input rows.
        if progress["numInputRows"] > 0:
            seen.setdefault(progress["batchId"], progress)
    return list(seen.values())


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    for line in text.splitlines():
        if "KinesisSourceError" in line:
            return line.split("KinesisSourceError:", 1)[-1].strip()
    return text.splitlines()[0] if text else type(err).__name__


if __name__ == "__main__":
    sys.exit(main())
