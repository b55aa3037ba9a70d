"""The batch job: raw JSON under a source root -> cleaned Delta tables -> the nine result tables.

One call, ``run_batch(spark, config)``, used by the batch notebook and the local runner. Every table
is rebuilt from all raw data on each run (see writers), so re-running is safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession

from .analysis import ANALYSES
from .cleaning import clean, deduplicate
from .naming import TABLES, cleaned_table_name, malformed_table_name, table_base
from .readers import parse_records, read_topic_text, split_malformed, topic_path
from .writers import TableLocation, check_table_name, read_table, write_table


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
        }


def run_batch(spark: SparkSession, config: BatchConfig) -> BatchResult:
    """Read, clean, de-duplicate and write the three tables, then compute and write the results.

    Raises readers.RawDataMissingError when a topic folder is missing and NoRawDataError when one
    holds no record, before anything is written.
    """
    names = config.cleaned_tables()
    malformed_name = config.malformed()
    analysis_names = config.analysis_tables()
    location = config.location

    parsed: dict[str, DataFrame] = {}
    raw_counts: dict[str, int] = {}
    try:
        for table in TABLES:
            lines = read_topic_text(spark, config.source_root, config.prefix, table)
            parsed[table] = parse_records(lines, table).persist(StorageLevel.MEMORY_AND_DISK)
            raw_counts[table] = parsed[table].count()
        empty = [t for t in TABLES if raw_counts[t] == 0]
        if empty:
            where = ", ".join(topic_path(config.source_root, config.prefix, t) for t in empty)
            raise NoRawDataError(
                f"no records under {where}: no non-empty *.json object there yet "
                "(has the S3 sink flushed? is the prefix right?)"
            )

        stats: dict[str, TableStats] = {}
        written: dict[str, str] = {}
        malformed_parts = []
        for table in TABLES:
            valid, malformed = split_malformed(parsed[table], table)
            malformed_parts.append(malformed)
            cleaned = clean(valid, table)
            written[table] = write_table(deduplicate(cleaned), names[table], location)
            malformed_count = malformed.count()
            distinct_count = cleaned.distinct().count()
            stored = read_table(spark, names[table], location).count()
            stats[table] = TableStats(
                raw=raw_counts[table],
                malformed=malformed_count,
                duplicates_removed=raw_counts[table] - malformed_count - distinct_count,
                conflicting_versions=distinct_count - stored,
                cleaned=stored,
            )
        all_malformed = reduce(DataFrame.unionByName, malformed_parts)
        malformed_ref = write_table(all_malformed, malformed_name, location)
    finally:
        for df in parsed.values():
            df.unpersist()

    # The cleaned tables as stored, cached: the nine results read them 17 times.
    pin, geo, user = (read_table(spark, names[t], location).cache() for t in TABLES)
    analysis_refs: dict[str, str] = {}
    results: dict[str, DataFrame] = {}
    try:
        for analysis in ANALYSES:
            name = analysis_names[analysis.suffix]
            result = analysis.compute(pin, geo, user)
            analysis_refs[analysis.suffix] = write_table(result, name, location)
            results[analysis.suffix] = read_table(spark, name, location)
    finally:
        for df in (pin, geo, user):
            df.unpersist()
    return BatchResult(written, malformed_ref, analysis_refs, stats, results)
