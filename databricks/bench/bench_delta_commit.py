"""Benchmark (not a test): what one Delta commit of a result-sized table costs, in time and jobs.

    .venv/bin/python databricks/bench/bench_delta_commit.py [--commits 30] [--conf KEY=VALUE ...]

Writes a 3-row table (a result's size) ``--commits`` times as the batch job writes a result
(``writers.write_table``: an overwrite that may change the schema), then appends 3 rows as many
times as the job appends to its counts (``writers.append_rows``), after the table's creation and
three commits of each as a warm-up, and prints the milliseconds and Spark jobs of one commit of
each. ``--conf`` sets a Spark or Delta setting on the session, to see what it changes. A run
writes each result whose rows changed by one such overwrite, nine on a day that changes them all:
a floor of an incremental run on a machine.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time

from bench_jobs import job_counter

from pinterest_etl import cli
from pinterest_etl.spark_session import local_spark
from pinterest_etl.writers import TableLocation, append_rows, write_table

ROWS = [("Chad", 2018, 3), ("Peru", 2019, 1), ("Albania", 2020, 7)]
SCHEMA = "country string, post_year int, n long"
#: How the batch job writes a result, and how it adds a run's change to its counts.
WRITES = {"overwrite": write_table, "append": append_rows}


def setting(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` as a pair."""
    key, equals, value = text.partition("=")
    if not equals or not key:
        example = "spark.databricks.delta.stats.collect=false"
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE (e.g. {example})")
    return key, value


def main() -> None:
    parser = cli.Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=cli.whole_number(1), default=30)
    parser.add_argument("--conf", type=setting, action="append", default=[],
                        help="KEY=VALUE, a setting of the session (repeatable)")  # fmt: skip
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()

    root = tempfile.mkdtemp(prefix="pinterest-bench-delta-commit-")
    spark = local_spark("pinterest-etl-bench-delta-commit", master=args.master,
                        driver_memory="2g", shuffle_partitions=2,
                        extra_conf=dict(args.conf))  # fmt: skip
    jobs = job_counter(spark)

    print(f"{args.commits} commits of {len(ROWS)} rows each, master {args.master}, "
          f"settings {dict(args.conf) or 'the local defaults'}")  # fmt: skip
    try:
        location = TableLocation(root=root)
        for mode, write in WRITES.items():

            def commit(write=write, mode: str = mode) -> None:
                write(spark.createDataFrame(ROWS, SCHEMA), mode, location)

            for _ in range(4):  # the table's creation, then a warm-up
                commit()
            before, start = jobs(), time.perf_counter()
            for _ in range(args.commits):
                commit()
            each = (time.perf_counter() - start) / args.commits
            print(f"{mode:>9}: {each * 1000:.0f} ms, {(jobs() - before) / args.commits:.1f} "
                  "Spark jobs a commit", flush=True)  # fmt: skip
    finally:
        spark.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
