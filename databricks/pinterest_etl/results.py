"""The nine result tables, kept from counts that a run updates from the cleaned rows that changed.

Every result is read from counts alone (``analysis.COUNTED``), which the batch job keeps in one
Delta table, ``<prefix>_result_counts``, partitioned by counted kind (column ``counted``): how many
source rows hold each distinct values, the sum of the ``n`` of the rows of those values (a kind's
rows are a ledger: a run appends its change, and a kind is summed again to one row per group once
its rows outgrow twice its groups, ``LEDGER_MIN_ROWS`` at least). A run then costs what changed,
not the whole history:

- the cleaned tables record their changes (Delta's change data feed); the counts table's last
  commit names the cleaned tables' versions it counts (its user metadata);
- an incremental run reads the keys (``ind``) changed since those versions, the rows of those keys
  before (at the recorded versions, by time travel) and now, and so the change to the counts: -1
  for each old row, +1 for each new one. A row a MERGE replaced is so taken out of its old groups,
  and a re-send that changed nothing changes no count;
- the change of the two kinds that hold a group per user and per poster (``LARGE``) also moves
  groups in and out of their present kinds (``analysis.PRESENT``: users per joining year, posters
  per country and follower count), read from the stored rows of the changed groups alone; those
  two kinds are never summed whole, a result reads only the groups it asks for (the posters of a
  country's top follower count);
- each result whose kinds of count changed is finished from its kinds' counts with the change
  added, and written only when its rows differ from those the last counts commit recorded (a
  digest of each result's rows is in that commit's metadata too, so no result table is read);
  then the change is appended to the counts in one commit that records the new versions, the
  digests and each kind's rows. A run in which nothing changed commits nothing. A kind whose rows
  outgrew its groups is then summed again: its rows replaced with its counts (``replaceWhere`` on
  ``counted``), which changes no count, in a second commit.

The results are written before the counts' commit: a run killed in between (or during the result
writes) leaves the counts at the old versions and digests, so the next run counts the same change
again and writes every result that differs from the recorded digests (rewriting one that was
already written changes nothing). A result table edited or dropped by hand is written again by the
next run that changes its rows, or by a full run.

A full run (and a first run, counts that no longer match the cleaned tables, or counts of other
kinds) counts every row, its present kinds as groups that come in from 0, writes every result
from those counts, then replaces the counts table: the two modes share ``COUNTED``, ``PRESENT``'s
``present_change`` and each result's ``finish``, so they agree by construction, exactly (medians
included: they are read from per-group value counts).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import reduce

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from .analysis import (
    ANALYSES,
    COUNT,
    COUNTED,
    COUNTED_COLUMNS,
    KIND_COLUMNS,
    PRESENT,
    SIGN,
    SOURCES,
    null_safe_join,
    present_change,
)
from .compute import cached, materialized
from .naming import TABLES
from .writers import (
    TableLocation,
    append_rows,
    key_range,
    last_metadata,
    read_changes,
    read_table,
    read_version,
    record_changes,
    replace_rows_of,
    table_version,
    write_table,
)

#: The counts table's column naming which ``analysis.Counted`` a row counts for.
COUNTED_COLUMN = "counted"

#: The key of the cleaned tables' versions in the counts table's commit metadata.
_VERSIONS = "cleaned_versions"
#: The key of the results' digests (by suffix) in the counts table's commit metadata.
_DIGESTS = "result_digests"
#: The key of each kind's rows in the counts table's commit metadata: how many rows the table
#: holds for it, and how many groups it had when its rows were last summed to one per group.
_LEDGER = "ledger"
#: The key of the kinds the counts table holds (``analysis.KIND_COLUMNS``): counts of other
#: kinds (an older version of the job) are counted again from every row.
_KINDS = "kinds"

#: A kind's rows are summed again once they exceed twice its groups and this many rows: below it,
#: the rows added since cost little to read.
LEDGER_MIN_ROWS = 100_000


def counted_rows(sources: dict[str, DataFrame]) -> DataFrame:
    """The values every ``Counted`` takes from the rows of ``sources`` (``sources_of``), in the
    counts table's columns (``_in_counts_table``), each with ``n`` = its ``SIGN``, or 1 when the
    rows have none."""
    frames = []
    for counted in COUNTED:
        values = counted.values(sources[counted.source])
        sign = F.col(SIGN) if SIGN in values.columns else F.lit(1)
        frames.append(_in_counts_table(values.withColumn(COUNT, sign), counted.name))
    return reduce(lambda a, b: a.unionByName(b), frames)


def _in_counts_table(counts: DataFrame, kind: str) -> DataFrame:
    """``counts`` of ``kind`` (its columns and ``n``) in the counts table's columns: the kind's
    name, every counted column (null where the kind does not count by it), ``n``."""
    columns = KIND_COLUMNS[kind]
    return counts.select(
        F.lit(kind).alias(COUNTED_COLUMN),
        *(
            F.col(c) if c in columns else F.lit(None).cast(type_).alias(c)
            for c, type_ in COUNTED_COLUMNS.items()
        ),
        F.col(COUNT).cast("long").alias(COUNT),
    )


def with_present(change: DataFrame, before: DataFrame | None) -> DataFrame:
    """``change`` (summed rows of the counts table, of counted kinds) with the change it makes to
    every present kind (``analysis.present_change``) added as rows. ``before``: the counts table's
    rows before the change; None: a first run, every count was 0."""
    frames = [change]
    for present in PRESENT:
        old = None if before is None else counts_of(before, present.of)
        moved = present_change(present, counts_of(change, present.of), old)
        frames.append(_in_counts_table(moved, present.name))
    return reduce(lambda a, b: a.unionByName(b), frames)


#: The kinds a present kind counts the groups of (a group per user, per poster): an incremental
#: run never sums them whole; a result reads only the groups it asks for (``Counts.of``'s ``at``).
LARGE = frozenset(p.of for p in PRESENT)


class KeptCounts:
    """``analysis.Counts`` read from the counts table's rows: ``totals``, summed rows of some
    kinds, and ``ledger``, rows of the ``LARGE`` kinds as kept (several per group), summed only
    where a result asks (None: ``totals`` holds every kind)."""

    def __init__(self, totals: DataFrame, ledger: DataFrame | None = None) -> None:
        self._totals, self._ledger = totals, ledger

    def of(self, kind: str, at: DataFrame | None = None) -> DataFrame:
        large = self._ledger is not None and kind in LARGE
        rows = counts_of(self._ledger if large else self._totals, kind)
        if at is not None:
            rows = null_safe_join(rows, at, at.columns, "left_semi")
        if large:
            total = rows.groupBy(*KIND_COLUMNS[kind]).agg(F.sum(COUNT).alias(COUNT))
            rows = total.filter(F.col(COUNT) != 0)
        return rows


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
    """The counts of one kind (``analysis.KIND_COLUMNS``): its columns and ``n``."""
    rows = counts.filter(F.col(COUNTED_COLUMN) == name)
    return rows.select(*KIND_COLUMNS[name], COUNT)


def update_results(
    spark: SparkSession,
    cleaned: dict[str, str],
    versions: dict[str, int],
    counts_name: str,
    results: dict[str, str],
    location: TableLocation,
    recount: bool,
    each: Callable,
) -> list[str]:
    """Bring the counts table ``counts_name`` up to the cleaned tables ``cleaned`` (by topic) at
    their ``versions`` (their latest), and the result tables (``results``: by suffix) with it;
    return the names of the results written.
    ``recount``: count every row again and write every result (the full mode); otherwise only the
    change is counted, and a result is written only when its kinds' counts changed and its rows
    differ from those the counts' last commit recorded. The results are written before the
    counts' commit, so that a run killed in between is repaired by the next, which counts the same
    change again. ``each(fn, items)`` runs ``fn`` over ``items`` (in parallel)."""
    recorded, digests, ledger = (None, {}, {})
    if not recount:
        recorded, digests, ledger = _recorded(spark, counts_name, location)
    now = dict(versions)
    if recorded is None or any(recorded[t] > now[t] for t in TABLES):
        for t in TABLES:
            record_changes(spark, cleaned[t], location)
        now = {t: table_version(spark, cleaned[t], location) for t in TABLES}
        tables = [read_version(spark, cleaned[t], location, now[t]) for t in TABLES]
        with sources_of(*tables) as sources:
            counted = materialized(summed(counted_rows(sources)))
        try:
            counts = materialized(with_present(counted, before=None))
        finally:
            counted.unpersist()
        try:
            written, digests = _write_results(KeptCounts(counts), [a.suffix for a in ANALYSES],
                                              results, location, each, recorded=None)  # fmt: skip
            groups = _groups(counts)
            metadata = _metadata(now, digests, {k: (n, n) for k, n in groups.items()})
            write_table(counts, counts_name, location, metadata=metadata,
                        partition_by=COUNTED_COLUMN)  # fmt: skip
        finally:
            counts.unpersist()
        return written
    if recorded == now:
        return []
    with _change(spark, cleaned, location, recorded, now) as counted:
        if counted.isEmpty():
            return []
        table = read_table(spark, counts_name, location)
        change = materialized(with_present(counted, before=table))
        try:
            return _add_change(change, table, counts_name, results, location, each, now,
                               digests, ledger)  # fmt: skip
        finally:
            change.unpersist()


def _add_change(
    change: DataFrame,
    table: DataFrame,
    counts_name: str,
    results: dict[str, str],
    location: TableLocation,
    each: Callable,
    now: dict[str, int],
    digests: dict[str, str],
    ledger: dict[str, tuple[int, int]],
) -> list[str]:
    """Bring the counts table ``table`` (``counts_name``) and the results up to ``change`` (rows of
    the counts table, summed; of every kind, present kinds included) to the cleaned tables'
    versions ``now``: write the results whose kinds changed and whose rows differ from their
    recorded digest, append the change, and sum again the kinds that outgrew their groups.
    Returns the names of the results written."""
    added = _groups(change)
    kinds = sorted(added)
    changed = [a for a in ANALYSES if set(a.reads) & set(kinds)]
    # The kinds the results to finish read (6a reads one that may not have changed), and those
    # that changed: their rows in the table and the change.
    needed = sorted({k for a in changed for k in a.reads} | set(kinds))
    rows = table.filter(F.col(COUNTED_COLUMN).isin(needed)).unionByName(change)
    for kind, n in added.items():
        held, groups = ledger.get(kind, (0, 0))
        ledger[kind] = (held + n, groups)
    outgrown = [k for k in kinds if ledger[k][0] > max(2 * ledger[k][1], LEDGER_MIN_ROWS)]
    totals = materialized(summed(rows.filter(~F.col(COUNTED_COLUMN).isin(sorted(LARGE)))))
    again = None
    try:
        if outgrown:  # summed before the change is appended: ``rows`` reads the table
            again = materialized(summed(rows.filter(F.col(COUNTED_COLUMN).isin(outgrown))))
        written, finished = _write_results(KeptCounts(totals, ledger=rows),
                                           [a.suffix for a in changed], results, location,
                                           each, digests)  # fmt: skip
        digests = {**digests, **finished}
        append_rows(change, counts_name, location, _metadata(now, digests, ledger))
        if again is not None:
            groups = _groups(again)
            ledger.update({k: (groups.get(k, 0), groups.get(k, 0)) for k in outgrown})
            replace_rows_of(again, counts_name, location, COUNTED_COLUMN, outgrown,
                            _metadata(now, digests, ledger))  # fmt: skip
    finally:
        totals.unpersist()
        if again is not None:
            again.unpersist()
    return written


def _groups(counts: DataFrame) -> dict[str, int]:
    """How many rows ``counts`` holds of each kind it holds (its groups, once summed)."""
    return {r[0]: r[1] for r in counts.groupBy(COUNTED_COLUMN).count().collect()}


def _write_results(
    counts: KeptCounts,
    suffixes: list[str],
    results: dict[str, str],
    location: TableLocation,
    each: Callable,
    recorded: dict[str, str] | None,
) -> tuple[list[str], dict[str, str]]:
    """Finish each result of ``suffixes`` from ``counts`` (the counts of their kinds) and write it
    to its table (``results``: by suffix), unless ``recorded`` (digests by suffix) holds the digest
    of its rows. A result is a few rows (one per group), so it is finished once, into the driver,
    and written from there. Returns the names written and every finished result's digest."""

    def write(suffix: str) -> tuple[str | None, str]:
        analysis = next(a for a in ANALYSES if a.suffix == suffix)
        result = analysis.finish(counts)
        spark = result.sparkSession
        rows = result.collect()
        digest = rows_digest(rows, result.schema)
        if recorded is not None and recorded.get(suffix) == digest:
            return None, digest
        name = results[suffix]
        write_table(spark.createDataFrame(rows, result.schema), name, location)
        return name, digest

    done = dict(zip(suffixes, each(write, suffixes), strict=True))
    written = [name for name, _ in done.values() if name is not None]
    return written, {suffix: digest for suffix, (_, digest) in done.items()}


def rows_digest(rows: list, schema: StructType) -> str:
    """A digest of a result: its schema and its rows in any order (results are sets)."""
    text = "\n".join([schema.json(), *sorted(repr(tuple(row)) for row in rows)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _metadata(
    versions: dict[str, int], digests: dict[str, str], ledger: dict[str, tuple[int, int]]
) -> str:
    """A counts commit's user metadata: the cleaned tables' versions it counts, the digests of
    the results' rows (by suffix), and each kind's rows in the table and groups when last summed."""
    rows = {k: {"rows": r, "groups": g} for k, (r, g) in ledger.items()}
    kinds = sorted(KIND_COLUMNS)
    record = {_VERSIONS: versions, _DIGESTS: digests, _LEDGER: rows, _KINDS: kinds}
    return json.dumps(record, sort_keys=True)


def _recorded(
    spark: SparkSession, counts_name: str, location: TableLocation
) -> tuple[dict[str, int] | None, dict[str, str], dict[str, tuple[int, int]]]:
    """What the counts table's last commit recorded: the cleaned tables' versions it counts (None:
    no such table or record), the results' digests and each kind's rows and groups (``_metadata``;
    empty when not recorded: the results are then all written, and a kind summed again later)."""
    text = last_metadata(spark, counts_name, location)
    versions = _metadata_value(text, _VERSIONS)
    if not isinstance(versions, dict) or set(versions) != set(TABLES):
        return None, {}, {}
    if _metadata_value(text, _KINDS) != sorted(KIND_COLUMNS):
        return None, {}, {}
    digests, ledger = _metadata_value(text, _DIGESTS), _metadata_value(text, _LEDGER)
    try:
        kinds = {str(k): (int(v["rows"]), int(v["groups"])) for k, v in (ledger or {}).items()}
    except (AttributeError, KeyError, TypeError, ValueError):
        kinds = {}
    digests = {str(k): str(v) for k, v in digests.items()} if isinstance(digests, dict) else {}
    return {t: int(versions[t]) for t in TABLES}, digests, kinds


def _metadata_value(text: str | None, key: str) -> object:
    """The value of ``key`` in commit user metadata ``text`` (None: no text, not JSON, no key)."""
    try:
        return json.loads(text)[key] if text else None
    except (ValueError, KeyError, TypeError):
        return None


@contextmanager
def _change(
    spark: SparkSession,
    cleaned: dict[str, str],
    location: TableLocation,
    before: dict[str, int],
    after: dict[str, int],
) -> Iterator[DataFrame]:
    """What changed in the counts from the cleaned tables' versions ``before`` to ``after``, kept
    (``materialized``) while the block runs: the rows of every key changed in between, -1 as they
    were, +1 as they are, summed (a re-send that changed nothing leaves no row). The rows are read
    from the files whose ``ind`` statistics overlap the changed keys' range (``key_range``)."""
    changed = (
        read_changes(spark, cleaned[t], location, before[t] + 1, after[t]).select("ind")
        for t in TABLES
        if after[t] > before[t]
    )
    keys = cached(reduce(lambda a, b: a.unionByName(b), changed).distinct())
    bounds = key_range(keys, "ind")

    def rows(versions: dict[str, int], sign: int) -> list[DataFrame]:
        tables = [read_version(spark, cleaned[t], location, versions[t]) for t in TABLES]
        in_range = [df.filter(bounds.holds("ind")) if bounds else df for df in tables]
        return [df.join(keys, "ind", "left_semi").withColumn(SIGN, F.lit(sign)) for df in in_range]

    both = [old.unionByName(new) for old, new in zip(rows(before, -1), rows(after, 1), strict=True)]
    try:
        with sources_of(*both) as sources:
            change = materialized(summed(counted_rows(sources)))
    finally:
        keys.unpersist()
    try:
        yield change
    finally:
        change.unpersist()
