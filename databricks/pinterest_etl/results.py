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
- a result is finished from the counts of its kind and written, stamped with the counts version
  it was finished from (its commit metadata), only when a later counts commit changed that kind
  (each counts commit names the kinds it changed): a run in which nothing changed commits
  nothing, and no result is read back to be compared.

A full run (and a first run, or counts that no longer match the cleaned tables) counts every row
into a new counts table, then finishes the same way: the two modes share ``COUNTED`` and each
result's ``finish``, so they agree by construction, exactly (medians included: they are read from
per-group value counts). A run killed between the counts commit and the result writes is repaired
by the next: the results it did not write are stamped with an older counts version. A result whose
last commit has no stamp (written by hand, or by an older job) is written again.
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
    commit_metadata,
    last_commit,
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

#: The key of the counted kinds a counts commit changed, in its commit metadata.
_CHANGED = "changed"

#: The key of the counts version a result was finished from, in the result's commit metadata.
_COUNTS_VERSION = "counts_version"

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
    write each result table (``results``: by suffix) whose counts changed since it was written;
    return the names written. ``recount``: count every row again (the full mode) and write every
    result. ``each(fn, items)`` runs ``fn`` over ``items`` (in parallel)."""
    recorded = None if recount else _recorded_versions(spark, counts_name, location)
    now = {t: table_version(spark, cleaned[t], location) for t in TABLES}
    if recorded is None or any(recorded[t] > now[t] for t in TABLES):
        for t in TABLES:
            record_changes(spark, cleaned[t], location)
        now = {t: table_version(spark, cleaned[t], location) for t in TABLES}
        tables = [read_version(spark, cleaned[t], location, now[t]) for t in TABLES]
        with sources_of(*tables) as sources:
            everything = [c.name for c in COUNTED]
            write_table(summed(counted_rows(sources, sign=1)), counts_name, location,
                        metadata=_metadata(now, everything),
                        properties=_COUNTS_PROPERTIES)  # fmt: skip
    elif recorded != now:
        _add_change(spark, cleaned, counts_name, location, recorded, now)
    version, _ = last_commit(spark, counts_name, location)
    stale = _stale_results(spark, counts_name, results, location, version, each)
    if not stale:
        return []
    kinds = sorted({a.counted for a in ANALYSES if a.suffix in stale})
    counts = read_table(spark, counts_name, location)
    counts = cached(counts.filter(F.col(COUNTED_COLUMN).isin(kinds)))
    stamp = json.dumps({_COUNTS_VERSION: version})
    try:

        def write(analysis_suffix: str) -> str:
            analysis = next(a for a in ANALYSES if a.suffix == analysis_suffix)
            result = analysis.finish(counts_of(counts, analysis.counted))
            return write_table(result, results[analysis_suffix], location, metadata=stamp)

        each(write, stale)
        return [results[s] for s in stale]
    finally:
        counts.unpersist()


def _stale_results(
    spark: SparkSession,
    counts_name: str,
    results: dict[str, str],
    location: TableLocation,
    version: int,
    each: Callable,
) -> list[str]:
    """The suffixes of the results to write, given the counts' latest ``version``: a result whose
    table is missing, or whose last commit was not stamped with the counts version it was finished
    from (written by hand, by an older job, or from counts since replaced), or whose counted kind
    changed in a counts commit after its stamp."""
    stamps = dict(
        zip(results, each(lambda s: _stamp(spark, results[s], location), results), strict=True)
    )
    unknown = [s for s, v in stamps.items() if v is None or v > version]
    known = {s: v for s, v in stamps.items() if s not in unknown and v < version}
    if not known:
        return unknown
    later = commit_metadata(spark, counts_name, location, after=min(known.values()))
    counted = {a.suffix: a.counted for a in ANALYSES}

    def changed_since(suffix: str) -> bool:
        for v, text in later.items():
            if v > known[suffix]:
                kinds = _changed_kinds(text)
                if kinds is None or counted[suffix] in kinds:
                    return True
        return False

    return unknown + [s for s in known if changed_since(s)]


def _stamp(spark: SparkSession, name: str, location: TableLocation) -> int | None:
    """The counts version result table ``name`` was finished from (None: no such table, or its
    last commit carries no stamp)."""
    if not table_exists(spark, name, location):
        return None
    _, text = last_commit(spark, name, location)
    stamp = _metadata_value(text, _COUNTS_VERSION)
    try:
        return int(stamp) if stamp is not None else None
    except (ValueError, TypeError):
        return None


def _changed_kinds(text: str | None) -> set[str] | None:
    """The counted kinds a counts commit with user metadata ``text`` changed (None: unknown)."""
    changed = _metadata_value(text, _CHANGED)
    return set(changed) if isinstance(changed, list) else None


def _metadata_value(text: str | None, key: str) -> object:
    """The value of ``key`` in commit user metadata ``text`` (None: no text, not JSON, no key)."""
    try:
        return json.loads(text)[key] if text else None
    except (ValueError, KeyError, TypeError):
        return None


def _metadata(versions: dict[str, int], changed: list[str]) -> str:
    """A counts commit's user metadata: the cleaned tables' versions it counts, and the counted
    kinds it changed."""
    return json.dumps({_VERSIONS: versions, _CHANGED: sorted(changed)}, sort_keys=True)


def _recorded_versions(
    spark: SparkSession, counts_name: str, location: TableLocation
) -> dict[str, int] | None:
    """The cleaned tables' versions the counts table counts (None: no such table or record)."""
    if not table_exists(spark, counts_name, location):
        return None
    versions = _metadata_value(last_metadata(spark, counts_name, location), _VERSIONS)
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
    commit records ``after`` and the kinds it changed; none when the counts do not change."""
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
                kinds = [r[0] for r in change.select(COUNTED_COLUMN).distinct().collect()]
                if kinds:
                    add_counts(spark, change, counts_name, location, COUNT,
                               _metadata(after, kinds))  # fmt: skip
            finally:
                change.unpersist()
    finally:
        keys.unpersist()
