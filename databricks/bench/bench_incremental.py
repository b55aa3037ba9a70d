"""Benchmark (not a test): the incremental batch job day by day beside the full job.

    .venv/bin/python databricks/bench/bench_incremental.py [--days 30] [--records-per-day 20000]

Simulates ``--days`` days of traffic in the bucket layout: each day ``--records-per-day`` new source
rows per topic (new ``ind`` values), ``--resend`` of that many records again (re-sends of the day's
and the previous day's rows, as the emulator re-sends), and one malformed line per topic. After
each day it runs the incremental job; on the ``--full-days`` it also runs the full job into a
second warehouse and checks that every table (cleaned, malformed, the result counts as their sums
per group, nine results) is identical. It prints per day the seconds, the records each run read
and the stages of each run.
Both modes run once on a small source of their own first, so that day 1 carries no warm-up.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time

from bench_batch import rows
from pyspark.sql import SparkSession

from pinterest_etl import cli
from pinterest_etl.analysis import ANALYSES
from pinterest_etl.job import BatchConfig, run_batch
from pinterest_etl.naming import TABLES
from pinterest_etl.results import summed
from pinterest_etl.sink_files import write_objects
from pinterest_etl.spark_session import local_spark
from pinterest_etl.writers import TableLocation, read_table

PREFIX = "bench"
COUNTS = f"{PREFIX}_result_counts"
KEYS = {"pin": "index", "geo": "ind", "user": "ind"}


def day_rows(day: int, per_day: int, seed: int,
             spacing: int | None = None) -> dict[str, list[dict]]:  # fmt: skip
    """The day's new source rows per topic: ``ind`` from ``day * spacing`` on (``spacing``:
    ``per_day`` unless given; days of different sizes need the largest, so that their keys
    follow each other's)."""
    generated = dict(zip(TABLES, rows(per_day, seed + day), strict=True))
    for table, data in generated.items():
        for row in data:
            row[KEYS[table]] += day * (spacing or per_day)
    return generated


def send_day(root: str, day: int, args: argparse.Namespace, offsets: dict[str, int],
             previous: dict[str, list[dict]] | None,
             key_spacing: int | None = None) -> dict[str, list[dict]]:  # fmt: skip
    """Write one day's objects per topic; return the day's rows (the next day re-sends some).
    ``key_spacing``: ``day_rows``'s ``spacing``."""
    rng = random.Random(args.seed * 1000 + day)
    today = day_rows(day, args.records_per_day, args.seed, key_spacing)
    for table in TABLES:
        pool = today[table] + (previous[table] if previous else [])
        records: list = today[table] + rng.sample(pool, int(args.records_per_day * args.resend))
        rng.shuffle(records)
        records.append('{"truncated": ')
        topic = f"{PREFIX}.{table}"
        write_objects(root, topic, records, args.per_object, start_offset=offsets[table])
        offsets[table] += len(records)
    return today


def same_tables(spark: SparkSession, a: TableLocation, b: TableLocation) -> bool:
    """Whether every table is the same in ``a`` and ``b``; the counts are compared as their sums
    per group (an incremental run's counts are a ledger, a full run's are summed)."""
    names = [f"bench_{t}" for t in TABLES] + ["bench_malformed", COUNTS]
    names += [f"bench_{x.suffix}" for x in ANALYSES]
    for name in names:
        x, y = read_table(spark, name, a), read_table(spark, name, b)
        if name == COUNTS:
            x, y = summed(x), summed(y)
        if x.count() != y.count() or not x.exceptAll(y).isEmpty():
            print(f"  differs: {name}")
            return False
    return True


def warm_up(spark: SparkSession, root: str, args: argparse.Namespace) -> None:
    """Run both modes once on a small source of their own, so that day 1 is timed without the
    JVM's and Delta's first-use costs (class loading, compilation)."""
    warm = f"{root}/warm-up"
    send_day(warm, 0, argparse.Namespace(**{**vars(args), "records_per_day": 500}),
             dict.fromkeys(TABLES, 0), None)  # fmt: skip
    start = time.perf_counter()
    for mode in ("incremental", "full"):
        run_batch(spark, BatchConfig(warm, PREFIX, TableLocation(root=f"{warm}/tables"),
                                     checkpoint_root=f"{warm}/checkpoints"), mode)  # fmt: skip
    print(f"warm-up (both modes, 500 new rows per topic): {time.perf_counter() - start:.1f} s")


def main() -> None:
    parser = cli.Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=cli.whole_number(1), default=30)
    parser.add_argument("--records-per-day", type=cli.whole_number(1), default=20_000,
                        help="new rows per topic")  # fmt: skip
    parser.add_argument("--resend", type=cli.fraction, default=0.2,
                        help="re-sent share of a day's rows, 0 to 1")  # fmt: skip
    parser.add_argument("--per-object", type=cli.whole_number(1), default=1000,
                        help="records per sink object")  # fmt: skip
    parser.add_argument("--full-days", type=cli.whole_numbers(1), default="10,20,30",
                        help="days with a full run beside")  # fmt: skip
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--seed", type=cli.whole_number(0), default=42)
    args = parser.parse_args()
    full_days = set(args.full_days)

    root = tempfile.mkdtemp(prefix="pinterest-bench-incremental-")
    spark = local_spark("pinterest-etl-bench-incremental", master=args.master,
                        driver_memory="2g", shuffle_partitions=2)  # fmt: skip
    incremental = BatchConfig(root, PREFIX, TableLocation(root=f"{root}/incremental"),
                              checkpoint_root=f"{root}/incremental/_checkpoints")  # fmt: skip
    full = BatchConfig(root, PREFIX, TableLocation(root=f"{root}/full"),
                       checkpoint_root=f"{root}/full/_checkpoints")  # fmt: skip
    print(
        f"{args.days} days, {args.records_per_day} new rows per topic per day, "
        f"{args.resend:.0%} re-sent, {args.per_object} per object, master {args.master}"
    )
    print(f"{'day':>3}  {'incremental s':>13}  {'read':>7}  {'full s':>7}  {'read':>8}  identical")
    offsets, previous, seconds = dict.fromkeys(TABLES, 0), None, {}
    try:
        warm_up(spark, root, args)
        for day in range(1, args.days + 1):
            previous = send_day(root, day - 1, args, offsets, previous)
            start = time.perf_counter()
            result = run_batch(spark, incremental, "incremental")
            seconds[day] = time.perf_counter() - start
            line = f"{day:>3}  {seconds[day]:>13.1f}  {sum(result.records_read.values()):>7}"
            line += f"   ({result.stage_report()})"
            if day in full_days:
                start = time.perf_counter()
                reference = run_batch(spark, full, "full")
                full_seconds = time.perf_counter() - start
                same = same_tables(spark, incremental.location, full.location)
                line += (f"\n{'':>3}  {'':>13}  {'':>7}  {full_seconds:>7.1f}"
                         f"  {sum(reference.records_read.values()):>8}  {'yes' if same else 'NO'}"
                         f"   (full: {reference.stage_report()})")  # fmt: skip
                seconds[f"full {day}"] = full_seconds
            print(line, flush=True)
        last = args.days
        if f"full {last}" in seconds:
            print(f"day {last}: incremental / full = {seconds[last] / seconds[f'full {last}']:.2f}")
        print(f"day {last} / day 1 (incremental) = {seconds[last] / seconds[1]:.2f}")
    finally:
        spark.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
