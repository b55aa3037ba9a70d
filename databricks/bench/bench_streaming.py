"""Benchmark (not a test): records per CPU-second of the streaming job on this machine.

    .venv/bin/python databricks/bench/bench_streaming.py --endpoint URL [--rows 20000]
        [--warm-up 2000] [--master local[2]]

Against a Kinesis API such as the replica's kinesalite (``local/replica.sh up``; default
``$PIPELINE_KINESIS_ENDPOINT``). Creates two sets of the three streams (a warm-up prefix and a
measured one, one shard each), puts ``--warm-up`` and ``--rows`` rows per table into them (the
rows bench_batch.py generates, one row's JSON per record, 500 records a PutRecords call), then in
one Spark session drains the warm-up streams with the streaming job (``local_stream``: JVM, Delta
and the Python source processes warm) and then the measured ones. Around the measured drain it
reads utime+stime of this process and all its descendants (the Spark JVM, the Python source
processes and workers, with the children they reaped) from /proc and prints records per
CPU-second: on 2 cores shared with other work, wall-clock rates say little. kinesalite's own CPU
is not counted (it stands for Kinesis). Deletes its streams and tables at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
import uuid

import boto3
from bench_batch import rows

from pinterest_etl import cli, local_stream
from pinterest_etl.naming import TABLES, stream_name
from pinterest_etl.spark_session import local_spark

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds of the process and of the children it reaped), or None if gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # After the command: state ppid ... utime(14) stime cutime cstime, numbered from the pid as 1.
    return int(fields[1]), sum(int(v) for v in fields[11:15]) / TICK


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds of ``root`` and every live descendant, including children they reaped."""
    stats = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (stat := _stat(int(name))) is not None:
            stats[int(name)] = stat
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += stats[pid][1] if pid in stats else 0.0
        todo.extend(children.get(pid, []))
    return total


def fill(kinesis, prefix: str, n: int, seed: int) -> int:
    """Create the three streams of ``prefix`` and put ``n`` rows per table; return the records."""
    for table, data in zip(TABLES, rows(n, seed), strict=True):
        name = stream_name(prefix, table)
        kinesis.create_stream(StreamName=name, ShardCount=1)
        kinesis.get_waiter("stream_exists").wait(StreamName=name)
        for start in range(0, len(data), 500):
            batch = data[start : start + 500]
            entries = [{"Data": json.dumps(r).encode(), "PartitionKey": str(i + start)}
                       for i, r in enumerate(batch)]  # fmt: skip
            failed = kinesis.put_records(StreamName=name, Records=entries)["FailedRecordCount"]
            if failed:
                raise SystemExit(f"{failed} records refused by {name}")
    return 3 * n


def main() -> int:
    parser = cli.Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", type=cli.http_url,
                        default=os.environ.get("PIPELINE_KINESIS_ENDPOINT"))  # fmt: skip
    parser.add_argument("--rows", type=cli.whole_number(1), default=20_000,
                        help="rows per table measured")  # fmt: skip
    parser.add_argument("--warm-up", type=cli.whole_number(1), default=2_000,
                        help="rows per table of the warm-up run")  # fmt: skip
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()
    if not args.endpoint:
        parser.error("--endpoint is required (or set PIPELINE_KINESIS_ENDPOINT)")

    kinesis = boto3.client("kinesis", endpoint_url=args.endpoint, region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
    tag = uuid.uuid4().hex[:6]
    warm, measured = f"bench-warm-{tag}", f"bench-{tag}"
    root = tempfile.mkdtemp(prefix="pinterest-bench-stream-")
    try:
        fill(kinesis, warm, args.warm_up, seed=1)
        records = fill(kinesis, measured, args.rows, seed=42)
        spark = local_spark("pinterest-etl-bench-stream", master=args.master, driver_memory="2g",
                            shuffle_partitions=2, warehouse_dir=root)  # fmt: skip
        common = ["--warehouse", root, "--endpoint", args.endpoint, "--master", args.master]
        if local_stream.main(["--prefix", warm, *common]) != 0:
            return 1
        load = os.getloadavg()
        cpu0, start = tree_cpu_seconds(os.getpid()), time.perf_counter()
        if local_stream.main(["--prefix", measured, *common]) != 0:
            return 1
        cpu, wall = tree_cpu_seconds(os.getpid()) - cpu0, time.perf_counter() - start
        load_after = os.getloadavg()
        print(f"measured: {records} records ({args.rows} rows per table), master {args.master}, "
              f"load average {load[0]:.1f} -> {load_after[0]:.1f}")  # fmt: skip
        print(f"streaming job: {cpu:.1f} CPU-s over {wall:.1f} s wall: {records / cpu:,.0f} "
              f"records per CPU-second ({records / wall:,.0f} records/s wall)")  # fmt: skip
        spark.stop()
        return 0
    finally:
        for prefix in (warm, measured):
            for table in TABLES:
                with contextlib.suppress(kinesis.exceptions.ResourceNotFoundException):
                    kinesis.delete_stream(StreamName=stream_name(prefix, table))
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
