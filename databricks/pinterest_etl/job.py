"""The batch job: raw JSON under a source root -> cleaned Delta tables -> the nine result tables.

One call, ``run_batch(spark, config)``, used by the batch notebook and the local runner. Every table
is rebuilt from all raw data on each run (see writers), so re-running is safe.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import reduce
from typing import TypeVar

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from .analysis import ANALYSES
from .cleaning import FIRST_COPY_COLUMN, KEPT_COLUMN, clean, kept_rows, mark_duplicates
from .naming import TABLES, cleaned_table_name, malformed_table_name, table_base
from .readers import (
    MARK_COLUMNS,
    REASON_COLUMN,
    malformed_records,
    mark_malformed,
    parse_records,
    read_topic_text,
    topic_path,
)
from .writers import TableLocation, check_table_name, read_table, write_table

_T = TypeVar("_T")
_R = TypeVar("_R")


#: The job's stages, as timed in ``BatchResult.stage_seconds``: reading, parsing, cleaning and
#: marking every record into the caches, and counting them; the three cleaned tables; the nine
#: results and the malformed table.
STAGES = ("read_parse_clean", "cleaned_tables", "results")


class NoRawDataError(RuntimeError):
    """A topic folder exists but holds no record."""


@dataclass(frozen=True)
class BatchConfig:
    """What the batch job reads and where it writes.

    ``source_root`` is the folder holding ``topics/`` (a mount such as ``/mnt/pinterest``, a volume
    path such as ``/Volumes/main/raw/pinterest``, or a local folder). Table names default to the
    ones derived from ``prefix`` (PIPELINE.md section 2); analysis tables are
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

    def cleaned_tables(self) -> dict[str, str]:
        given = {"pin": self.pin_table, "geo": self.geo_table, "user": self.user_table}
        return {t: check_table_name(given[t] or cleaned_table_name(self.prefix, t)) for t in TABLES}

    def malformed(self) -> str:
        return check_table_name(self.malformed_table or malformed_table_name(self.prefix))

    def analysis_tables(self) -> dict[str, str]:
        base = self.analysis_prefix or table_base(self.prefix)
        return {a.suffix: check_table_name(f"{base}_{a.suffix}") for a in ANALYSES}


@dataclass
class TableStats:
    """Row counts of one source table through the job.

    ``raw`` records = ``malformed`` + ``duplicates_removed`` (exact resends, equal once cleaned)
    + ``conflicting_versions`` (other versions of a key, dropped by cleaning.deduplicate)
    + ``cleaned`` (rows in the cleaned table, one per key).
    """

    raw: int
    malformed: int
    duplicates_removed: int
    conflicting_versions: int
    cleaned: int


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

    def stage_report(self) -> str:
        """``read_parse_clean 25.3 s, cleaned_tables 13.3 s, results 18.5 s``."""
        return ", ".join(f"{stage} {s:.1f} s" for stage, s in self.stage_seconds.items())

    @property
    def malformed_count(self) -> int:
        return sum(s.malformed for s in self.stats.values())

    def summary(self) -> dict:
        """A JSON-serialisable summary (the notebook's exit value)."""
        return {
            "cleaned_tables": self.cleaned_tables,
            "malformed_table": self.malformed_table,
            "malformed_records": self.malformed_count,
            "analysis_tables": self.analysis_tables,
            "stats": {t: vars(s) for t, s in self.stats.items()},
            "stage_seconds": self.stage_seconds,
        }


def run_batch(spark: SparkSession, config: BatchConfig) -> BatchResult:
    """Read, clean, de-duplicate and write the three tables, then compute and write the results.

    Raises readers.RawDataMissingError when a topic folder is missing and NoRawDataError when one
    holds no record, before anything is written.

    Each topic is read, parsed and cleaned once, into a cache (see ``_records``) that its cleaned
    table, its statistics, the malformed table and the nine results are all computed from. Writes
    that do not depend on each other run from parallel threads (see ``_in_parallel``).
    """
    names = config.cleaned_tables()
    analysis_names = config.analysis_tables()
    location = config.location

    records: dict[str, DataFrame] = {}
    seconds: dict[str, float] = {}
    try:
        with _timed(seconds, STAGES[0]):
            lines = {
                t: read_topic_text(spark, config.source_root, config.prefix, t) for t in TABLES
            }
            _check_not_empty(config, lines)
            records = {
                t: _records(lines[t], t).persist(StorageLevel.MEMORY_AND_DISK) for t in TABLES
            }
            # The first action on each cache fills it: let that be the statistics.
            stats = _in_parallel(lambda t: _stats(records[t]), TABLES)
        with _timed(seconds, STAGES[1]):
            written = _in_parallel(
                lambda t: write_table(_cleaned_rows(records[t]), names[t], location), TABLES
            )
        with _timed(seconds, STAGES[2]):
            pin, geo, user = (_cleaned_rows(records[t]) for t in TABLES)
            outputs = {analysis_names[a.suffix]: a.compute(pin, geo, user) for a in ANALYSES}
            outputs[config.malformed()] = reduce(
                DataFrame.unionByName, (malformed_records(records[t], t) for t in TABLES)
            )
            written_outputs = _in_parallel(lambda n: write_table(outputs[n], n, location), outputs)
            refs = dict(zip(outputs, written_outputs, strict=True))
    finally:
        for df in records.values():
            df.unpersist()
    return BatchResult(
        cleaned_tables=dict(zip(TABLES, written, strict=True)),
        malformed_table=refs[config.malformed()],
        analysis_tables={a.suffix: refs[analysis_names[a.suffix]] for a in ANALYSES},
        stats=dict(zip(TABLES, stats, strict=True)),
        results={a.suffix: read_table(spark, analysis_names[a.suffix], location) for a in ANALYSES},
        stage_seconds=seconds,
    )


@contextmanager
def _timed(seconds: dict[str, float], stage: str) -> Iterator[None]:
    """Record the wall-clock seconds of the block in ``seconds[stage]``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds[stage] = round(time.perf_counter() - start, 3)


def _check_not_empty(config: BatchConfig, lines: dict[str, DataFrame]) -> None:
    """Raise NoRawDataError naming every topic without a record (reading only until one)."""
    empty = [t for t in TABLES if lines[t].isEmpty()]
    if empty:
        where = ", ".join(topic_path(config.source_root, config.prefix, t) for t in empty)
        raise NoRawDataError(
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


def _in_parallel(fn: Callable[[_T], _R], items: Iterable[_T]) -> list[_R]:
    """``[fn(item) for item in items]`` with each call in its own thread.

    Spark runs the jobs of different threads at the same time: one table's Delta commit (driver
    work, whatever the table's size) overlaps another's computing, and the last tasks of one job
    no longer leave a core idle. Raises the first error once every call has ended.
    """
    items = list(items)
    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(fn, items))
