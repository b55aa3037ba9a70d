"""The nine result tables, kept from counts that a run updates from the cleaned rows that changed.

Every result is read from counts alone (``analysis.COUNTED``), which the batch job keeps in one
Delta table, ``<prefix>_result_counts``: per counted kind (column ``counted``) how many source rows
hold each distinct values (``n``). A run then costs what changed, not the whole history:

- the cleaned tables record their changes (Delta's change data feed); the counts table's last
  commit names the cleaned tables' versions it counts (its user metadata);
- an incremental run reads the keys (``ind``) changed since those versions, the rows of those keys
  before (at the recorded versions, by time travel) and now, and adds their values to the counts:
  -1 for each old row, +1 for each new one, in one MERGE whose commit records the new versions. A
  row a MERGE replaced is so taken out of its old groups, and a re-send that changed nothing
  changes no count;
- the results are finished from the counts and each is written only when it differs from the
  stored table: a run in which nothing changed commits nothing.

A full run (and a first run, or counts that no longer match the cleaned tables) counts every row
into a new counts table, then finishes the same way: the two modes share ``COUNTED`` and each
result's ``finish``, so they agree by construction, exactly (medians included: they are read from
per-group value counts). A run killed between the counts commit and the result writes is repaired
by the next: the results are compared with the counts each time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import reduce

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from .analysis import ANALYSES, COUNT, COUNTED, COUNTED_BY_NAME, COUNTED_COLUMNS, SOURCES
from .compute import cached
from .naming import TABLES
from .writers import (
    TableLocation,
    add_counts,
    last_metadata,
    read_changes,
    read_table,
    read_version,
    record_changes,
    table_exists,
    table_version,
    write_table,
)

#: The counts table's column naming which ``analysis.Counted`` a row counts for.
COUNTED_COLUMN = "counted"

#: The key of the cleaned tables' versions in the counts table's commit metadata.
_VERSIONS = "cleaned_versions"

#: Deletion vectors: a MERGE marks changed rows instead of rewriting their files.
_COUNTS_PROPERTIES = {"delta.enableDeletionVectors": "true"}


def counted_rows(sources: dict[str, DataFrame], sign: int) -> DataFrame:
    """The values every ``Counted`` takes from the rows of ``sources`` (``sources_of``), in the
    counts table's columns (a column a kind does not count by is null), each with ``n`` =
    ``sign``."""
    frames = []
    for counted in COUNTED:
        values = counted.values(sources[counted.source])
        frames.append(
            values.select(
                F.lit(counted.name).alias(COUNTED_COLUMN),
                *(
                    F.col(c) if c in counted.columns else F.lit(None).cast(kind).alias(c)
                    for c, kind in COUNTED_COLUMNS.items()
                ),
                F.lit(sign).cast("long").alias(COUNT),
            )
        )
    return reduce(lambda a, b: a.unionByName(b), frames)


@contextmanager
def sources_of(pin: DataFrame, geo: DataFrame, user: DataFrame) -> Iterator[dict[str, DataFrame]]:
    """The joined frames every ``Counted`` reads (``analysis.SOURCES``), each computed once for
    all the kinds that read it (cached while the block runs)."""
    sources = {name: cached(join(pin, geo, user)) for name, join in SOURCES.items()}
    try:
        yield sources
    finally:
        for df in sources.values():
            df.unpersist()


def summed(rows: DataFrame) -> DataFrame:
    """``rows`` added up per counted kind and values; groups whose sum is 0 left out."""
    total = rows.groupBy(COUNTED_COLUMN, *COUNTED_COLUMNS).agg(F.sum(COUNT).alias(COUNT))
    return total.filter(F.col(COUNT) != 0)


def counts_of(counts: DataFrame, name: str) -> DataFrame:
    """The counts of one ``Counted`` kind: its columns and ``n``."""
    rows = counts.filter(F.col(COUNTED_COLUMN) == name)
    return rows.select(*COUNTED_BY_NAME[name].columns, COUNT)


def update_results(
    spark: SparkSession,
    cleaned: dict[str, str],
    counts_name: str,
    results: dict[str, str],
    location: TableLocation,
    recount: bool,
    each: Callable,
) -> list[str]:
    """Bring the counts table ``counts_name`` up to the cleaned tables ``cleaned`` (by topic), then
    write each result table (``results``: by suffix) that differs from what the counts give; return
    the names written. ``recount``: count every row again (the full mode) and write every result.
    ``each(fn, items)`` runs ``fn`` over ``items`` (in parallel)."""
    recorded = None if recount else _recorded_versions(spark, counts_name, location)
    now = {t: table_version(spark, cleaned[t], location) for t in TABLES}
    if recorded is None or any(recorded[t] > now[t] for t in TABLES):
        recount = True
        for t in TABLES:
            record_changes(spark, cleaned[t], location)
        now = {t: table_version(spark, cleaned[t], location) for t in TABLES}
        tables = [read_version(spark, cleaned[t], location, now[t]) for t in TABLES]
        with sources_of(*tables) as sources:
            write_table(summed(counted_rows(sources, sign=1)), counts_name, location,
                        metadata=_metadata(now), properties=_COUNTS_PROPERTIES)  # fmt: skip
    elif recorded != now:
        _add_change(spark, cleaned, counts_name, location, recorded, now)
    counts = cached(read_table(spark, counts_name, location))
    try:

        def write(analysis_suffix: str) -> str | None:
            analysis = next(a for a in ANALYSES if a.suffix == analysis_suffix)
            name = results[analysis_suffix]
            result = cached(analysis.finish(counts_of(counts, analysis.counted)))
            try:
                if not recount and _holds(spark, name, location, result):
                    return None
                write_table(result, name, location)
            finally:
                result.unpersist()
            return name

        return [name for name in each(write, results) if name]
    finally:
        counts.unpersist()


def _metadata(versions: dict[str, int]) -> str:
    return json.dumps({_VERSIONS: versions}, sort_keys=True)


def _recorded_versions(
    spark: SparkSession, counts_name: str, location: TableLocation
) -> dict[str, int] | None:
    """The cleaned tables' versions the counts table counts (None: no such table or record)."""
    if not table_exists(spark, counts_name, location):
        return None
    text = last_metadata(spark, counts_name, location)
    try:
        versions = json.loads(text)[_VERSIONS] if text else None
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(versions, dict) or set(versions) != set(TABLES):
        return None
    return {t: int(versions[t]) for t in TABLES}


def _add_change(
    spark: SparkSession,
    cleaned: dict[str, str],
    counts_name: str,
    location: TableLocation,
    before: dict[str, int],
    after: dict[str, int],
) -> None:
    """Add to the counts what changed in the cleaned tables from versions ``before`` to ``after``:
    the rows of every key changed in between, -1 as they were, +1 as they are. One MERGE, whose
    commit records ``after``; none when the counts do not change."""
    changed = (
        read_changes(spark, cleaned[t], location, before[t] + 1, after[t]).select("ind")
        for t in TABLES
        if after[t] > before[t]
    )
    keys = cached(reduce(lambda a, b: a.unionByName(b), changed).distinct())

    def rows(versions: dict[str, int]) -> list[DataFrame]:
        return [
            read_version(spark, cleaned[t], location, versions[t]).join(keys, "ind", "left_semi")
            for t in TABLES
        ]

    try:
        with sources_of(*rows(before)) as old, sources_of(*rows(after)) as new:
            change = cached(summed(counted_rows(old, -1).unionByName(counted_rows(new, 1))))
            try:
                if not change.isEmpty():
                    add_counts(spark, change, counts_name, location, COUNT, _metadata(after))
            finally:
                change.unpersist()
    finally:
        keys.unpersist()


def _holds(spark: SparkSession, name: str, location: TableLocation, rows: DataFrame) -> bool:
    """Whether table ``name`` exists and holds exactly ``rows`` (columns, types and rows)."""
    if not table_exists(spark, name, location):
        return False
    stored = read_table(spark, name, location)
    if stored.dtypes != rows.dtypes:
        return False
    return stored.exceptAll(rows).isEmpty() and rows.exceptAll(stored).isEmpty()
