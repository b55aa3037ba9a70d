"""The batch job's writes: what one micro-batch writes (the cleaned tables, the malformed records,
its row of the runs table), reading the runs table back, and bringing the nine results up to the
cleaned tables once a run's micro-batches are done.

Each topic is read, parsed and cleaned once, into a cache (``_records``) that its cleaned rows, its
counts and its malformed records are computed from. Writes that do not depend on each other run
from parallel threads (``compute.in_parallel``). The orchestration around these is ``job.py``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import partial, reduce

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from .analysis import ANALYSES
from .batch_types import (
    BATCH_STAGES,
    CLEANED_TABLES,
    READ_PARSE_CLEAN,
    RESULTS,
    BatchConfig,
    BatchOutcome,
    BatchResult,
    Mode,
    NoRawDataError,
    RunLog,
    StageClock,
    TableStats,
)
from .cleaning import (
    FIRST_COPY_COLUMN,
    KEPT_COLUMN,
    clean,
    kept_rows,
    mark_duplicates,
    sorts_first,
)
from .compute import cached, in_parallel
from .naming import TABLES
from .readers import MARK_COLUMNS, REASON_COLUMN, malformed_records, mark_malformed, parse_records
from .results import update_results
from .writers import (
    KeyRange,
    TableLocation,
    append_rows,
    merge_by_key,
    read_table,
    replace_rows_of,
    table_exists,
    table_version,
    write_table,
)

#: How many of the most common reasons a record of the runs table and a gate's message name.
_TOP_REASONS = 3


def write_cleaned(
    spark: SparkSession, config: BatchConfig, lines: dict[str, DataFrame], replace: bool
) -> BatchOutcome:
    """Read, parse, clean and mark each topic's ``lines`` once into a cache, then write the cleaned
    tables and the malformed records from it: replacing the tables (``replace``), or else merging
    by ``ind`` and replacing only the malformed records of the objects read.
    """
    names = config.cleaned_tables()
    location = config.location
    clock = StageClock()
    records: dict[str, DataFrame] = {}
    try:
        with clock.timed(READ_PARSE_CLEAN):
            records = {t: cached(_records(lines[t], t)) for t in TABLES}
            # The first action on each cache fills it: let that be the statistics.
            counted = in_parallel(lambda t: _stats(records[t]), TABLES)
            stats = {t: table_stats for t, (table_stats, _) in zip(TABLES, counted, strict=True)}
            keys = {t: key_range for t, (_, key_range) in zip(TABLES, counted, strict=True)}
            reasons = {t: _top_reasons(records[t]) if stats[t].malformed else [] for t in TABLES}
        with clock.timed(CLEANED_TABLES):

            def write(t: str) -> None:
                rows = _cleaned_rows(records[t])
                if replace:
                    write_table(rows, names[t], location)
                elif stats[t].raw > 0:  # nothing new for a topic: no MERGE job
                    _merge_cleaned(spark, rows, names[t], location, keys[t])

            malformed = reduce(
                lambda a, b: a.unionByName(b), (malformed_records(records[t], t) for t in TABLES)
            )
            in_parallel(lambda write_one: write_one(), [
                *(partial(write, t) for t in TABLES),
                partial(_write_malformed, spark, config, malformed, replace),
            ])  # fmt: skip
    finally:
        for df in records.values():
            df.unpersist()
    return BatchOutcome(stats, reasons, clock.seconds)


def _merge_cleaned(spark: SparkSession, rows: DataFrame, name: str, location: TableLocation,
                   keys: KeyRange | None) -> str:  # fmt: skip
    """MERGE one cleaned row per key into table ``name``: for a key the table already holds, the
    new row replaces the stored one only when it sorts first (``cleaning.sorts_first``), the rule
    the full run de-duplicates all versions by. The winner of the winners is so the winner of all
    versions: merging day by day equals one full run.

    Only the rows that change the table go into the MERGE (new keys, and rows that win over the
    stored one), found by one read of the table's key and compared columns: a re-sent or losing
    row would otherwise make the MERGE rewrite every file holding its key, the whole table on a
    day that re-sends rows from all over it. That read and the MERGE's own search keep to the
    files whose ``ind`` statistics overlap ``keys``, the range of the rows' keys: a day's
    new keys, and the re-sent keys of the last days, are in the last days' files, not in the
    whole history's. A table that does not exist yet is written with the rows."""
    others = [c for c in rows.columns if c != "ind"]
    wins = sorts_first(others, "s", "t")
    if not table_exists(spark, name, location):
        return write_table(rows, name, location)
    stored = read_table(spark, name, location)
    stored = (stored.filter(keys.holds("ind")) if keys else stored.limit(0)).alias("t")
    new = rows.alias("s").join(stored, F.col("s.ind") == F.col("t.ind"), "left")
    rows = new.filter(F.col("t.ind").isNull() | F.expr(wins)).select("s.*")
    return merge_by_key(spark, rows, name, location, "ind", wins, keys)


def _write_malformed(
    spark: SparkSession, config: BatchConfig, malformed: DataFrame, replace: bool
) -> str:
    """Replace the malformed table (``replace``), or replace in it the records of the objects this
    batch read: a replayed batch brings the same records from the same objects, so nothing
    doubles."""
    name, location = config.malformed(), config.location
    if replace or not table_exists(spark, name, location):
        return write_table(malformed, name, location)
    sources = [r.source for r in malformed.select("source").distinct().collect()]
    if sources:
        replace_rows_of(malformed, name, location, "source", sources)
    return location.ref(name)


def write_results(spark: SparkSession, config: BatchConfig, mode: Mode, log: RunLog) -> BatchResult:
    """Bring the nine results up to the cleaned tables (``results.update_results``: from what
    changed in an incremental run, from every row in a full one) and describe the run from ``log``.
    NoRawDataError when a cleaned table does not exist yet."""
    names = config.cleaned_tables()
    analysis_names = config.analysis_tables()
    location = config.location
    versions = {t: table_version(spark, names[t], location) for t in TABLES}
    missing = [names[t] for t in TABLES if versions[t] is None]
    if missing:
        raise NoRawDataError(
            f"no cleaned table yet ({', '.join(missing)}): no run has processed a record of "
            "every topic; has the S3 sink flushed? is the prefix right?"
        )
    clock = StageClock(log.seconds)
    with clock.timed(RESULTS):
        update_results(spark, names, versions, config.result_counts(), analysis_names, location,
                       recount=mode == "full", each=in_parallel)  # fmt: skip
    return BatchResult(
        cleaned_tables={t: location.ref(names[t]) for t in TABLES},
        malformed_table=location.ref(config.malformed()),
        analysis_tables={a.suffix: location.ref(analysis_names[a.suffix]) for a in ANALYSES},
        stats=log.stats,
        results={a.suffix: read_table(spark, analysis_names[a.suffix], location) for a in ANALYSES},
        stage_seconds={k: round(v, 3) for k, v in clock.seconds.items()},
        mode=mode,
    )


# The runs table (``config.runs()``): one row per table and micro-batch, under the run's id.

_RUNS_SCHEMA = T.StructType(
    [
        T.StructField("run_id", T.StringType()),
        T.StructField("batch_id", T.LongType()),
        T.StructField("mode", T.StringType()),
        T.StructField("table", T.StringType()),
        *(T.StructField(name, T.LongType()) for name in vars(TableStats())),
        T.StructField("top_reasons", T.StringType()),
        *(T.StructField(f"{stage}_seconds", T.DoubleType()) for stage in BATCH_STAGES),
        T.StructField("rejected", T.StringType()),
        T.StructField("recorded_at", T.TimestampType()),
    ]
)


def record_batch(
    spark: SparkSession,
    config: BatchConfig,
    run_id: str,
    batch_id: int,
    mode: Mode,
    outcome: BatchOutcome,
    rejected: str | None,
) -> None:
    """Append one row per table for this micro-batch to the runs table (``config.runs()``)."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    rows = [
        (
            run_id,
            batch_id,
            mode,
            t,
            *vars(outcome.stats[t]).values(),
            "; ".join(f"{reason} ({n})" for reason, n in outcome.reasons[t]) or None,
            *(float(outcome.seconds.get(stage, 0.0)) for stage in BATCH_STAGES),
            rejected,
            now,
        )
        for t in TABLES
    ]
    append_rows(spark.createDataFrame(rows, _RUNS_SCHEMA), config.runs(), config.location)


def _run_rows(spark: SparkSession, config: BatchConfig, run_id: str) -> list:
    if not table_exists(spark, config.runs(), config.location):
        return []
    runs = read_table(spark, config.runs(), config.location)
    return runs.filter(F.col("run_id") == run_id).collect()


def read_run_log(spark: SparkSession, config: BatchConfig, run_id: str) -> RunLog:
    """The counts per table and the stage seconds of run ``run_id``, summed over its
    micro-batches, and how many micro-batches it had."""
    stats = {t: TableStats() for t in TABLES}
    seconds: dict[str, float] = dict.fromkeys(BATCH_STAGES, 0.0)
    batches: set[int] = set()
    for row in _run_rows(spark, config, run_id):
        stats[row.table].add(TableStats(**{k: row[k] for k in vars(TableStats())}))
        if row.batch_id not in batches:  # a batch's stage seconds are on each of its rows
            batches.add(row.batch_id)
            for stage in BATCH_STAGES:
                seconds[stage] += row[f"{stage}_seconds"]
    return RunLog(stats, seconds, len(batches))


def rejection(spark: SparkSession, config: BatchConfig, run_id: str) -> str | None:
    """The quality gate's message if it failed a micro-batch of run ``run_id``."""
    return next((r.rejected for r in _run_rows(spark, config, run_id) if r.rejected), None)


# One topic's records in the cache, and what is computed from them.


def _records(lines: DataFrame, table: str) -> DataFrame:
    """Every record of one topic: cleaned columns, malformed marks and de-duplication flags.

    One frame for both kinds of record, so that one pass parses the text (the costliest step) and
    one cache serves everything after it. A malformed record's key is nulled: well-formed keys never
    are, so it never competes with a well-formed row of its key in ``mark_duplicates``.
    """
    marked = mark_malformed(parse_records(lines, table), table)
    cleaned = clean(marked, table, keep=MARK_COLUMNS)
    cleaned = cleaned.withColumn("ind", F.when(F.col(REASON_COLUMN).isNull(), F.col("ind")))
    return mark_duplicates(cleaned)


def _cleaned_rows(records: DataFrame) -> DataFrame:
    """The cleaned table's rows: one per key of the well-formed records."""
    return kept_rows(records.filter(F.col(REASON_COLUMN).isNull())).drop(*MARK_COLUMNS)


def _stats(records: DataFrame) -> tuple[TableStats, KeyRange | None]:
    """The counts of one table, and the range of its cleaned rows' keys (None: no such row), in
    one aggregation over its cached records."""
    well_formed = F.col(REASON_COLUMN).isNull()
    cleaned_key = F.when(well_formed & F.col(KEPT_COLUMN), F.col("ind"))
    raw, malformed, distinct, kept, low, high = records.agg(
        F.count(F.lit(1)),
        F.count(REASON_COLUMN),
        F.count_if(well_formed & F.col(FIRST_COPY_COLUMN)),
        F.count_if(well_formed & F.col(KEPT_COLUMN)),
        F.min(cleaned_key),
        F.max(cleaned_key),
    ).first()
    stats = TableStats(
        raw=raw,
        malformed=malformed,
        duplicates_removed=raw - malformed - distinct,
        conflicting_versions=distinct - kept,
        cleaned=kept,
    )
    return stats, None if low is None else KeyRange(int(low), int(high))


def _top_reasons(records: DataFrame) -> list[tuple[str, int]]:
    """The most common reasons of one table's malformed records, with their counts."""
    counts = records.filter(F.col(REASON_COLUMN).isNotNull()).groupBy(REASON_COLUMN).count()
    top = counts.orderBy(F.desc("count"), REASON_COLUMN).limit(_TOP_REASONS).collect()
    return [(r[REASON_COLUMN], r["count"]) for r in top]
