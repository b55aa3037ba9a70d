"""The batch job: raw JSON under a source root -> cleaned Delta tables -> the nine result tables.

One call, ``run_batch(spark, config, mode)``, used by the batch notebook and the local runner, in
one of two modes (databricks/README.md, "Two modes"):

- ``full`` reads every raw object, and replaces every table with what it derives from them.
- ``incremental`` reads only the objects its checkpoint has not seen (Auto Loader on Databricks,
  Spark's file stream source elsewhere, one query over the three topics with ``availableNow``),
  MERGEs their cleaned rows into the cleaned tables by ``ind`` with the rule the full run
  de-duplicates by, and adds their malformed records; the nine results are then updated from the
  cleaned rows that changed (``results.py``: through counts, the changes only).

With a checkpoint both modes read through that same query: a full run first forgets the checkpoint,
so its one micro-batch holds every object and leaves the checkpoint knowing exactly what it read.
Re-running either mode is safe, and so is a run killed before its checkpoint commit (replaying a
batch MERGEs the same rows and replaces the same malformed records).

The function each micro-batch runs keeps no state on the driver: under Spark Connect (Databricks'
standard access mode and serverless) it runs pickled in a separate Python process of the server,
where anything it changed would be a copy. It takes its session from the batch, decides what to do
from the batch id alone (a full run's batch 0 replaces the tables) and writes what it counted to a
small Delta table, ``<prefix>_batch_runs``, which the driver reads back by the run's id.

The quality gate: a micro-batch in which a table's malformed share exceeds
``BatchConfig.max_malformed_share`` fails after writing its cleaned rows and its quarantine records,
before its checkpoint commit, so that retries and the next runs fail the same way until someone
looks (and re-runs with a higher share to accept the batch).
"""

from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import reduce

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from .analysis import ANALYSES
from .cleaning import FIRST_COPY_COLUMN, KEPT_COLUMN, clean, kept_rows, mark_duplicates
from .compute import cached, in_parallel
from .naming import (
    TABLES,
    batch_runs_table_name,
    cleaned_table_name,
    malformed_table_name,
    result_counts_table_name,
    table_base,
)
from .readers import (
    MARK_COLUMNS,
    REASON_COLUMN,
    malformed_records,
    mark_malformed,
    parse_records,
    read_topic_stream,
    read_topic_text,
    topic_path,
)
from .results import update_results
from .writers import (
    TableLocation,
    append_rows,
    check_table_name,
    merge_by_key,
    read_table,
    replace_rows_of,
    table_exists,
    write_table,
)

#: The job's stages, as timed in ``BatchResult.stage_seconds``: reading, parsing, cleaning and
#: marking every record into the caches, and counting them; the three cleaned tables and the
#: malformed table (replaced, or merged); the counts and the nine results (results.py).
#: A run of several micro-batches sums each stage over them.
STAGES = ("read_parse_clean", "cleaned_tables", "results")

#: ``full``: read everything, replace every table. ``incremental``: read what is new, merge it.
MODES = ("full", "incremental")

#: The topic of a line in the batch job's one streaming query over the three topics.
_TOPIC_COLUMN = "_topic"

#: The largest share of a table's records in one micro-batch that may be malformed before the run
#: fails (the quality gate; the notebook's and the local runner's default).
DEFAULT_MAX_MALFORMED_SHARE = 0.05

#: How many of the most common reasons a record of the runs table and a gate's message name.
_TOP_REASONS = 3


def parse_share(text: str | None) -> float:
    """``text`` as a quality-gate share (a number from 0 to 1; None: the default); ValueError
    naming it otherwise."""
    if text is None:
        return DEFAULT_MAX_MALFORMED_SHARE
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:  # also refuses nan and inf
        raise ValueError(
            f"max_malformed_share {text!r} is not a share: give a number from 0 to 1 "
            f"(default {DEFAULT_MAX_MALFORMED_SHARE}; 1 turns the quality gate off)"
        )
    return value


class NoRawDataError(RuntimeError):
    """A topic folder exists but holds no record."""


class DataQualityError(RuntimeError):
    """A table's malformed share in a micro-batch exceeded the gate (its records are written)."""


class BatchFailedError(RuntimeError):
    """The query over the raw objects failed; the message carries the cause's own line."""


@dataclass(frozen=True)
class BatchConfig:
    """What the batch job reads and where it writes.

    ``source_root`` is the folder holding ``topics/`` (a mount such as ``/mnt/pinterest``, a volume
    path such as ``/Volumes/main/raw/pinterest``, or a local folder). Table names default to the
    ones derived from ``prefix`` (docs/pipeline.md section 2); analysis tables are
    ``<analysis_prefix>_<result>`` with ``analysis_prefix`` defaulting to the prefix's table form.
    """

    source_root: str
    prefix: str
    location: TableLocation = field(default_factory=TableLocation)
    pin_table: str | None = None
    geo_table: str | None = None
    user_table: str | None = None
    malformed_table: str | None = None
    analysis_prefix: str | None = None
    #: Folder of the batch job's checkpoints (``<checkpoint_root>/<p>_batch``); None: the full
    #: mode only, reading with a plain batch read and keeping no record of what it read.
    checkpoint_root: str | None = None
    #: Read through Auto Loader (``cloudFiles``); None: when running on Databricks.
    auto_loader: bool | None = None
    #: The quality gate: the largest malformed share of a table's records in a micro-batch (0-1;
    #: 1 turns the gate off).
    max_malformed_share: float = DEFAULT_MAX_MALFORMED_SHARE

    def __post_init__(self) -> None:
        share = self.max_malformed_share
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
            raise ValueError(
                f"max_malformed_share {share!r} is not a share: give a number from 0 to 1 "
                f"(default {DEFAULT_MAX_MALFORMED_SHARE}; 1 turns the quality gate off)"
            )

    def checkpoint(self) -> str | None:
        if not self.checkpoint_root:
            return None
        return f"{self.checkpoint_root.rstrip('/')}/{table_base(self.prefix)}_batch"

    def uses_auto_loader(self) -> bool:
        if self.auto_loader is None:
            return "DATABRICKS_RUNTIME_VERSION" in os.environ
        return self.auto_loader

    def cleaned_tables(self) -> dict[str, str]:
        given = {"pin": self.pin_table, "geo": self.geo_table, "user": self.user_table}
        return {t: check_table_name(given[t] or cleaned_table_name(self.prefix, t)) for t in TABLES}

    def malformed(self) -> str:
        return check_table_name(self.malformed_table or malformed_table_name(self.prefix))

    def runs(self) -> str:
        return check_table_name(batch_runs_table_name(self.prefix))

    def result_counts(self) -> str:
        return check_table_name(result_counts_table_name(self.prefix))

    def analysis_tables(self) -> dict[str, str]:
        base = self.analysis_prefix or table_base(self.prefix)
        return {a.suffix: check_table_name(f"{base}_{a.suffix}") for a in ANALYSES}


@dataclass
class TableStats:
    """Row counts of one source table through the job, over the records the run read (in an
    incremental run: the new ones; ``cleaned`` is then the keys they hold, not the table's rows).

    ``raw`` records = ``malformed`` + ``duplicates_removed`` (exact resends, equal once cleaned)
    + ``conflicting_versions`` (other versions of a key, dropped by cleaning.deduplicate)
    + ``cleaned`` (rows in the cleaned table, one per key).
    """

    raw: int = 0
    malformed: int = 0
    duplicates_removed: int = 0
    conflicting_versions: int = 0
    cleaned: int = 0

    def add(self, other: TableStats) -> None:
        for name, value in vars(other).items():
            setattr(self, name, getattr(self, name) + value)


@dataclass
class BatchResult:
    """What a run wrote: table references (paths or names), counts, and the stored result tables
    (unsorted; ``analysis.display_order`` sorts one for display)."""

    cleaned_tables: dict[str, str]
    malformed_table: str
    analysis_tables: dict[str, str]
    stats: dict[str, TableStats]
    results: dict[str, DataFrame]
    stage_seconds: dict[str, float] = field(default_factory=dict)
    mode: str = "full"

    def stage_report(self) -> str:
        """``read_parse_clean 25.3 s, cleaned_tables 13.3 s, results 18.5 s``."""
        return ", ".join(f"{stage} {s:.1f} s" for stage, s in self.stage_seconds.items())

    @property
    def malformed_count(self) -> int:
        return sum(s.malformed for s in self.stats.values())

    @property
    def records_read(self) -> dict[str, int]:
        return {t: s.raw for t, s in self.stats.items()}

    def records_read_line(self) -> str:
        """``records read: pin 20000, geo 20000, user 20000``."""
        return "records read: " + ", ".join(f"{t} {n}" for t, n in self.records_read.items())

    def summary(self) -> dict:
        """A JSON-serialisable summary (the notebook's exit value)."""
        return {
            "mode": self.mode,
            "records_read": self.records_read,
            "cleaned_tables": self.cleaned_tables,
            "malformed_table": self.malformed_table,
            "malformed_records": self.malformed_count,
            "analysis_tables": self.analysis_tables,
            "stats": {t: vars(s) for t, s in self.stats.items()},
            "stage_seconds": self.stage_seconds,
        }


@dataclass
class BatchOutcome:
    """What one micro-batch (or a run without a checkpoint) did: the counts per table, the most
    common reasons its malformed records have, and the seconds of the stages it ran."""

    stats: dict[str, TableStats]
    reasons: dict[str, list[tuple[str, int]]]
    seconds: dict[str, float]

    def quality_problem(self, max_share: float) -> str | None:
        """The gate's message when a table's malformed share exceeds ``max_share``, else None."""
        problems = []
        for t, s in self.stats.items():
            if s.raw and s.malformed / s.raw > max_share:
                reasons = "; ".join(f"{reason} ({n})" for reason, n in self.reasons[t])
                problems.append(
                    f"{t}: {s.malformed} of {s.raw} records malformed "
                    f"({s.malformed / s.raw:.1%}; most common: {reasons})"
                )
        if not problems:
            return None
        return (
            f"malformed share above {max_share:.1%}: {', '.join(problems)}. Its records are in "
            "the malformed table; fix the producer, or accept this batch by running again with "
            "a higher max_malformed_share"
        )


def run_batch(
    spark: SparkSession,
    config: BatchConfig,
    mode: str = "full",
    remove_folder: Callable[[str], None] | None = None,
    after_batch: Callable[[int], None] | None = None,
) -> BatchResult:
    """Run the batch job in ``mode`` (``full`` or ``incremental``, see the module) and return
    what it wrote.

    In a full run, raises readers.RawDataMissingError when no Kafka cluster's folder of a topic
    exists and NoRawDataError when they hold no record, before anything is written; an
    incremental run does not check folders (Spark checks no glob of a stream's path) and raises
    NoRawDataError after its query when a cleaned table is still missing. ValueError for an
    unknown mode or an incremental run without ``config.checkpoint_root``; DataQualityError when
    the quality gate fails a micro-batch (after its writes); BatchFailedError when the query
    fails otherwise.

    ``remove_folder`` deletes the checkpoint folder when a full run resets it (default: the local
    file system's; the notebook passes ``dbutils.fs.rm``). ``after_batch(batch_id)`` runs after a
    micro-batch's writes, before its checkpoint commit (the crash tests raise there); under Spark
    Connect it runs where the micro-batch does, so it must be picklable.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: expected one of {', '.join(MODES)}")
    checkpoint = config.checkpoint()
    if checkpoint is None and mode != "full":
        raise ValueError(
            "the incremental mode needs a checkpoint_root (the folder where the job records "
            "which raw objects it has processed); give one, or run the full mode"
        )
    run_id = uuid.uuid4().hex
    if mode == "full":
        lines = {t: read_topic_text(spark, config.source_root, config.prefix, t) for t in TABLES}
        _check_not_empty(config, lines)
    if checkpoint is None:
        _BatchWriter(config, mode, run_id)(spark, lines, merge=False, batch_id=0)
    else:
        if mode == "full":
            # Forget what was read: the first batch below then holds every object.
            (remove_folder or _remove_local_folder)(checkpoint)
        _run_new_objects(spark, config, checkpoint, _BatchWriter(config, mode, run_id, after_batch))
    stats, seconds, batches = _read_runs(spark, config, run_id)
    if mode == "full" and batches == 0:
        raise _no_records(config, TABLES)
    return _write_results(spark, config, mode, stats, seconds)


@dataclass(frozen=True)
class _BatchWriter:
    """The work of one micro-batch, as ``foreachBatch`` calls it: picklable, and changing nothing
    but tables (see the module). A full run's batch 0 replaces the tables; every other batch
    merges, so a full run that Auto Loader splits into several batches is still whole."""

    config: BatchConfig
    mode: str
    run_id: str
    after_batch: Callable[[int], None] | None = None

    def __call__(
        self, spark: SparkSession, lines: dict[str, DataFrame], merge: bool, batch_id: int
    ) -> None:
        outcome = _write_cleaned(spark, self.config, lines, merge)
        problem = outcome.quality_problem(self.config.max_malformed_share)
        _record_batch(spark, self.config, self.run_id, batch_id, self.mode, outcome, problem)
        if problem:
            raise DataQualityError(problem)
        if self.after_batch is not None:
            self.after_batch(batch_id)

    def each_batch(self, batch: DataFrame, batch_id: int) -> None:
        topic = F.col(_TOPIC_COLUMN)
        lines = {t: batch.filter(topic == t).drop(_TOPIC_COLUMN) for t in TABLES}
        merge = not (self.mode == "full" and batch_id == 0)
        self(batch.sparkSession, lines, merge, batch_id)


def _run_new_objects(
    spark: SparkSession, config: BatchConfig, checkpoint: str, writer: _BatchWriter
) -> None:
    """Run one ``availableNow`` query over the objects of the three topics that ``checkpoint``
    has not seen, each micro-batch written by ``writer``; raise DataQualityError with the gate's
    message when the gate failed a batch, BatchFailedError naming the cause otherwise."""
    auto_loader = config.uses_auto_loader()
    lines = reduce(
        lambda a, b: a.unionByName(b),
        (
            read_topic_stream(spark, config.source_root, config.prefix, t, auto_loader).withColumn(
                _TOPIC_COLUMN, F.lit(t)
            )
            for t in TABLES
        ),
    )
    query = (
        lines.writeStream.foreachBatch(writer.each_batch)
        .option("checkpointLocation", checkpoint)
        .trigger(availableNow=True)
        .queryName(f"{table_base(config.prefix)}_batch")
        .start()
    )
    try:
        query.awaitTermination()
    except Exception as err:  # StreamingQueryException, Classic's or Connect's
        rejected = _rejection(spark, config, writer.run_id)
        if rejected:
            raise DataQualityError(rejected) from None
        raise BatchFailedError(
            f"the batch job's query failed: {_python_error_line(str(err))}"
        ) from err


def _python_error_line(text: str) -> str:
    """``RuntimeError: ...``, the Python error a failed query's text ends its traceback with (the
    function's own error, under either engine), or the text's first line."""
    found = re.findall(r"^(?:\w+\.)*\w+(?:Error|Exception): .+$", text.split("JVM stacktrace")[0],
                       flags=re.M)  # fmt: skip
    return found[-1] if found else text.strip().splitlines()[0]


_RUNS_SCHEMA = T.StructType(
    [
        T.StructField("run_id", T.StringType()),
        T.StructField("batch_id", T.LongType()),
        T.StructField("mode", T.StringType()),
        T.StructField("table", T.StringType()),
        *(T.StructField(name, T.LongType()) for name in vars(TableStats())),
        T.StructField("top_reasons", T.StringType()),
        *(T.StructField(f"{stage}_seconds", T.DoubleType()) for stage in STAGES[:2]),
        T.StructField("rejected", T.StringType()),
        T.StructField("recorded_at", T.TimestampType()),
    ]
)


def _record_batch(
    spark: SparkSession,
    config: BatchConfig,
    run_id: str,
    batch_id: int,
    mode: str,
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
            *(float(outcome.seconds.get(stage, 0.0)) for stage in STAGES[:2]),
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


def _read_runs(
    spark: SparkSession, config: BatchConfig, run_id: str
) -> tuple[dict[str, TableStats], dict[str, float], int]:
    """The counts per table and the stage seconds of run ``run_id``, summed over its
    micro-batches, and how many micro-batches it had."""
    stats = {t: TableStats() for t in TABLES}
    seconds = dict.fromkeys(STAGES, 0.0)
    batches: set[int] = set()
    for row in _run_rows(spark, config, run_id):
        stats[row.table].add(TableStats(**{k: row[k] for k in vars(TableStats())}))
        if row.batch_id not in batches:  # a batch's stage seconds are on each of its rows
            batches.add(row.batch_id)
            for stage in STAGES[:2]:
                seconds[stage] += row[f"{stage}_seconds"]
    return stats, seconds, len(batches)


def _rejection(spark: SparkSession, config: BatchConfig, run_id: str) -> str | None:
    """The quality gate's message if it failed a micro-batch of run ``run_id``."""
    return next((r.rejected for r in _run_rows(spark, config, run_id) if r.rejected), None)


def _remove_local_folder(path: str) -> None:
    """Delete a checkpoint folder on this machine's file system (absent is fine)."""
    local = path.removeprefix("file:")
    if "://" in local or ":" in local.split("/")[0]:
        raise ValueError(
            f"cannot delete checkpoint {path} from here: it is not a local folder; pass "
            "remove_folder (on Databricks: lambda p: dbutils.fs.rm(p, True))"
        )
    shutil.rmtree(local, ignore_errors=True)


def _write_cleaned(
    spark: SparkSession, config: BatchConfig, lines: dict[str, DataFrame], merge: bool
) -> BatchOutcome:
    """Read, parse, clean and mark each topic's ``lines`` once into a cache, then write the cleaned
    tables and the malformed records from it: replacing the tables (``merge`` False), or merging by
    ``ind`` and replacing only the malformed records of the objects read (``merge`` True).

    Each topic is read, parsed and cleaned once, into a cache (see ``_records``) that its cleaned
    rows, its statistics and the malformed records are computed from. Writes that do not depend on
    each other run from parallel threads (see ``in_parallel``).
    """
    names = config.cleaned_tables()
    location = config.location
    seconds: dict[str, float] = {}
    records: dict[str, DataFrame] = {}
    try:
        with _timed(seconds, STAGES[0]):
            records = {t: cached(_records(lines[t], t)) for t in TABLES}
            # The first action on each cache fills it: let that be the statistics.
            counted = in_parallel(lambda t: _stats(records[t]), TABLES)
            stats = dict(zip(TABLES, counted, strict=True))
            reasons = {t: _top_reasons(records[t]) if stats[t].malformed else [] for t in TABLES}
        with _timed(seconds, STAGES[1]):

            def write(t: str) -> None:
                rows = _cleaned_rows(records[t])
                if merge and stats[t].raw == 0:
                    return  # nothing new for this topic: no MERGE job
                if merge:
                    _merge_cleaned(spark, rows, names[t], location)
                else:
                    write_table(rows, names[t], location)

            malformed = reduce(
                lambda a, b: a.unionByName(b), (malformed_records(records[t], t) for t in TABLES)
            )
            in_parallel(write, TABLES)
            _write_malformed(spark, config, malformed, merge)
    finally:
        for df in records.values():
            df.unpersist()
    return BatchOutcome(stats, reasons, seconds)


def _merge_cleaned(spark: SparkSession, rows: DataFrame, name: str, location: TableLocation) -> str:
    """MERGE one cleaned row per key into table ``name``: for a key the table already holds, the
    winner is whichever of the stored row and the new one ``mark_duplicates`` keeps, the rule the
    full run de-duplicates all versions by. That rule picks the row that sorts first, so the winner
    of the winners is the winner of all versions: merging day by day equals one full run."""
    if table_exists(spark, name, location):
        stored = read_table(spark, name, location).join(rows.select("ind"), "ind", "left_semi")
        rows = kept_rows(mark_duplicates(stored.unionByName(rows)))
    return merge_by_key(spark, rows, name, location, "ind")


def _write_malformed(
    spark: SparkSession, config: BatchConfig, malformed: DataFrame, merge: bool
) -> str:
    """Replace the malformed table (full), or replace in it the records of the objects this batch
    read: a replayed batch brings the same records from the same objects, so nothing doubles."""
    name, location = config.malformed(), config.location
    if not merge or not table_exists(spark, name, location):
        return write_table(malformed, name, location)
    sources = [r.source for r in malformed.select("source").distinct().collect()]
    if sources:
        replace_rows_of(malformed, name, location, "source", sources)
    return location.ref(name)


def _write_results(
    spark: SparkSession,
    config: BatchConfig,
    mode: str,
    stats: dict[str, TableStats],
    seconds: dict[str, float],
) -> BatchResult:
    """Bring the nine results up to the cleaned tables (``results.update_results``: from what
    changed in an incremental run, from every row in a full one) and describe the run."""
    names = config.cleaned_tables()
    analysis_names = config.analysis_tables()
    location = config.location
    missing = [names[t] for t in TABLES if not table_exists(spark, names[t], location)]
    if missing:
        raise NoRawDataError(
            f"no cleaned table yet ({', '.join(missing)}): no run has processed a record of "
            "every topic; has the S3 sink flushed? is the prefix right?"
        )
    seconds = dict(seconds)
    with _timed(seconds, STAGES[2]):
        update_results(spark, names, config.result_counts(), analysis_names, location,
                       recount=mode == "full", each=in_parallel)  # fmt: skip
    return BatchResult(
        cleaned_tables={t: location.ref(names[t]) for t in TABLES},
        malformed_table=location.ref(config.malformed()),
        analysis_tables={a.suffix: location.ref(analysis_names[a.suffix]) for a in ANALYSES},
        stats=stats,
        results={a.suffix: read_table(spark, analysis_names[a.suffix], location) for a in ANALYSES},
        stage_seconds={k: round(v, 3) for k, v in seconds.items()},
        mode=mode,
    )


@contextmanager
def _timed(seconds: dict[str, float], stage: str) -> Iterator[None]:
    """Add the wall-clock seconds of the block to ``seconds[stage]`` (a run of several batches
    sums them)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - start


def _check_not_empty(config: BatchConfig, lines: dict[str, DataFrame]) -> None:
    """Raise NoRawDataError naming every topic without a record (reading only until one)."""
    empty = [t for t in TABLES if lines[t].isEmpty()]
    if empty:
        raise _no_records(config, empty)


def _no_records(config: BatchConfig, tables: Iterable[str]) -> NoRawDataError:
    where = ", ".join(topic_path(config.source_root, config.prefix, t) for t in tables)
    return NoRawDataError(
        f"no records under {where}: no non-empty *.json object there yet "
        "(has the S3 sink flushed? is the prefix right?)"
    )


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


def _stats(records: DataFrame) -> TableStats:
    """The counts of one table, in one aggregation over its cached records."""
    well_formed = F.col(REASON_COLUMN).isNull()
    raw, malformed, distinct, kept = records.agg(
        F.count(F.lit(1)),
        F.count(REASON_COLUMN),
        F.count_if(well_formed & F.col(FIRST_COPY_COLUMN)),
        F.count_if(well_formed & F.col(KEPT_COLUMN)),
    ).first()
    return TableStats(
        raw=raw,
        malformed=malformed,
        duplicates_removed=raw - malformed - distinct,
        conflicting_versions=distinct - kept,
        cleaned=kept,
    )


def _top_reasons(records: DataFrame) -> list[tuple[str, int]]:
    """The most common reasons of one table's malformed records, with their counts."""
    counts = records.filter(F.col(REASON_COLUMN).isNotNull()).groupBy(REASON_COLUMN).count()
    top = counts.orderBy(F.desc("count"), REASON_COLUMN).limit(_TOP_REASONS).collect()
    return [(r[REASON_COLUMN], r["count"]) for r in top]
