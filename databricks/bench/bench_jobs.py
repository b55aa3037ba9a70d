"""Benchmark (not a test): how many Spark jobs each incremental run starts, and its results stage.

    .venv/bin/python databricks/bench/bench_jobs.py [--days 4] [--records-per-day 2000]
        [--history 0] [--history-records-per-day N]

Sends ``--history`` days and runs the job once over them, untimed (a first run: it counts every
row, so the kept counts start summed, one row per group); then sends ``--days`` days as
bench_incremental.py does and runs the incremental job after each, on Spark Classic, counting the
jobs Spark's status tracker saw and timing them: the run's, the results stage's
(``results.update_results``), and of that stage the reading of the change (the change feeds, the
changed keys' rows, the present kinds' change: what comes before ``_add_change``), the summing of
the kept counts with it (the rest of ``_add_change``), the results' finishing, comparing and
writing (``_write_results``) and the counts' commits (``append_rows``, and ``replace_rows_of``
when a kind is summed again). Day 1 (without ``--history``) is a first run: it counts every row,
and that counting and the counts' write are in its "change" column. A job count, unlike
a time, does not depend on the load of the machine; on a small machine each job has a fixed cost,
which is what an incremental run's time is made of when the day's data is small.

``--history-records-per-day`` gives the history days a size of their own: with 20,000 for the
history and ``--records-per-day 100``, the counted days are what a run costs over the same history
when its day holds almost nothing (the run's fixed cost). Each day's keys follow the last day's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench_incremental import PREFIX, send_day
from pyspark.sql import SparkSession

from pinterest_etl import cli, results
from pinterest_etl.job import BatchConfig, run_batch
from pinterest_etl.naming import TABLES
from pinterest_etl.spark_session import local_spark
from pinterest_etl.writers import TableLocation

#: The parts of the results stage counted on their own. They run on the calling thread (the
#: stage's parallel threads run inside them), so their counts are theirs alone.
PARTS = ("update_results", "_add_change", "_write_results", "append_rows", "replace_rows_of")


def count_parts(jobs: Callable[[], int], counts: dict[str, int], seconds: dict[str, float]) -> None:
    """Wrap ``PARTS`` of ``results`` so that each adds the jobs it started to ``counts`` and the
    seconds it took to ``seconds``."""
    for name in PARTS:
        original = getattr(results, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            before, start = jobs(), time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                counts[_name] = counts.get(_name, 0) + jobs() - before
                seconds[_name] = seconds.get(_name, 0.0) + time.perf_counter() - start

        setattr(results, name, counted)


def job_counter(spark: SparkSession) -> Callable[[], int]:
    """A function that says how many jobs the Classic session ``spark`` has started: job ids
    count up from 0, and its status tracker keeps only the last ``spark.ui.retainedJobs``."""
    tracker = spark.sparkContext.statusTracker()
    return lambda: max(tracker.getJobIdsForGroup(None), default=-1) + 1


#: The threads of Spark's JVM by kind (the start of their names, as Linux shows them).
THREAD_KINDS = (
    ("JIT compiler", ("C1 CompilerThre", "C2 CompilerThre")),
    ("tasks", ("Executor task l",)),
    ("driver", ("Thread-",)),
    ("GC", ("GC Thread", "G1 ", "VM Thread")),
)


def cpu_counter(spark: SparkSession) -> Callable[[], dict[str, float]]:
    """A function that says how many CPU seconds the threads of the Classic session ``spark``'s
    JVM have used, by kind (``THREAD_KINDS``, the rest as "other"), from Linux's /proc (empty
    elsewhere). "driver" is the threads that run the Python driver's calls (planning each query,
    Delta's log); the JIT compiler compiles, among others, the classes Spark generates for each
    query's stages once they run hot. A thread that ends during a run takes its CPU with it (the
    executor's task threads are pooled and stay)."""
    pid = spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()
    tasks, tick = Path(f"/proc/{pid}/task"), os.sysconf("SC_CLK_TCK")

    def kind(name: str) -> str:
        return next((k for k, starts in THREAD_KINDS if name.startswith(starts)), "other")

    def read() -> dict[str, float]:
        used: dict[str, float] = {}
        for stat_file in tasks.glob("*/stat") if tasks.is_dir() else ():
            try:
                stat = stat_file.read_text()
            except OSError:  # the thread ended
                continue
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2 :].split()
            seconds = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
            used[kind(name)] = used.get(kind(name), 0.0) + seconds
        return used

    return read


def main() -> None:
    parser = cli.Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=cli.whole_number(1), default=4)
    parser.add_argument("--records-per-day", type=cli.whole_number(1), default=2000,
                        help="new rows per topic")  # fmt: skip
    parser.add_argument("--history", type=cli.whole_number(0), default=0,
                        help="days sent and run once before the days counted")  # fmt: skip
    parser.add_argument("--history-records-per-day", type=cli.whole_number(1),
                        help="new rows per topic on a day of the history (default: "
                             "--records-per-day)")  # fmt: skip
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--seed", type=cli.whole_number(0), default=42)
    args = parser.parse_args()
    days = argparse.Namespace(**vars(args), resend=0.2, per_object=1000)
    history_size = args.history_records_per_day or args.records_per_day
    history_days = argparse.Namespace(**{**vars(days), "records_per_day": history_size})
    spacing = max(history_size, args.records_per_day)

    root = tempfile.mkdtemp(prefix="pinterest-bench-jobs-")
    spark = local_spark("pinterest-etl-bench-jobs", master=args.master, driver_memory="2g",
                        shuffle_partitions=2)  # fmt: skip
    jobs, cpu = job_counter(spark), cpu_counter(spark)
    config = BatchConfig(root, PREFIX, TableLocation(root=f"{root}/tables"),
                         checkpoint_root=f"{root}/checkpoints")  # fmt: skip
    # update_results is imported by name where the job calls it: count it there.
    from pinterest_etl import batch_writes

    counts: dict[str, int] = {}
    seconds: dict[str, float] = {}
    count_parts(jobs, counts, seconds)
    batch_writes.update_results = results.update_results
    offsets, previous = dict.fromkeys(TABLES, 0), None
    print(f"{args.records_per_day} new rows per topic a day, 20% re-sent, master {args.master}")
    print("jobs (seconds): the run; its results stage; of that stage, the change read (the rest),")
    print("the kept counts summed with it, the results finished and written, the counts committed")
    labels = ("run", "results stage", "change", "sum", "results", "counts commits")
    print("day  " + "".join(f"{label:<15}" for label in labels).rstrip())
    committing = ("append_rows", "replace_rows_of")
    try:
        if args.history:
            for day in range(1, args.history + 1):
                previous = send_day(root, day - 1, history_days, offsets, previous, spacing)
            start = time.perf_counter()
            run_batch(spark, config, "incremental")
            took = time.perf_counter() - start
            print(f"days 1-{args.history} ({history_size} new rows per topic a day): "
                  f"one first run, {took:.1f} s")  # fmt: skip
        for day in range(args.history + 1, args.history + args.days + 1):
            previous = send_day(root, day - 1, days, offsets, previous, spacing)
            counts.clear()
            seconds.clear()
            before, start, cpu_before = jobs(), time.perf_counter(), cpu()
            run_batch(spark, config, "incremental")
            run = (jobs() - before, time.perf_counter() - start)
            cpu_after = cpu()
            used = {k: cpu_after[k] - cpu_before.get(k, 0.0) for k in cpu_after}
            parts = {p: (counts.get(p, 0), seconds.get(p, 0.0)) for p in PARTS}
            commits = tuple(sum(parts[p][i] for p in committing) for i in (0, 1))
            stage, added, finished = (parts[p] for p in PARTS[:3])
            if not added[0] and not added[1]:  # a first run: its counting in "change"
                added = tuple(finished[i] + commits[i] for i in (0, 1))
            change = tuple(stage[i] - added[i] for i in (0, 1))
            summing = tuple(added[i] - finished[i] - commits[i] for i in (0, 1))
            cells = [run, stage, change, summing, finished, commits]
            line = "".join(f"{f'{n} ({s:.1f})':<15}" for n, s in cells)
            print(f"{day:>3}  {line.rstrip()}", flush=True)
            if used:
                kinds = [k for k, _ in THREAD_KINDS] + ["other"]
                shares = ", ".join(f"{k} {used.get(k, 0.0):.1f}" for k in kinds)
                print(f"     JVM CPU {sum(used.values()):.1f} s: {shares}", flush=True)
    finally:
        spark.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
