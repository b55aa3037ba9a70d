"""Idempotent writers: Delta tables by name (Databricks) or by path (local), and the S3 mount.

A full batch run derives its tables from *all* raw data, so each write replaces the table
(``overwrite`` with ``overwriteSchema``): running the job twice over the same input leaves the same
tables, never doubled rows, and an existing table is not an error. An incremental run upserts its
cleaned rows by key (``merge_by_key``) and replaces the malformed records of the objects it read
(``replace_rows_of``): both leave the same table when a batch is written twice.

Only DataFrame writes and SQL are used, no ``delta.tables.DeltaTable``: under Spark Connect (the
engine of Databricks' standard access mode and serverless) Delta's Python API needs Delta Connect
on the server, SQL does not.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pyspark.errors import AnalysisException
from pyspark.sql import Column, DataFrame, DataFrameWriter, SparkSession
from pyspark.sql import functions as F

_T = TypeVar("_T")

_NAME_RE = re.compile(r"^[A-Za-z0-9_]+$")
_SCHEMA_RE = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)?$")


@dataclass(frozen=True)
class TableLocation:
    """Where Delta tables live: a folder (``root``, tables written by path ``<root>/<name>``) or
    a metastore schema (``schema`` such as ``main.pinterest``; None means the current schema)."""

    root: str | None = None
    schema: str | None = None

    def __post_init__(self) -> None:
        if self.root and self.schema:
            raise ValueError("give a table root folder or a metastore schema, not both")
        if self.schema and not _SCHEMA_RE.match(self.schema):
            raise ValueError(
                f"invalid schema {self.schema!r}: use 'schema' or 'catalog.schema' with letters, "
                "digits and '_'"
            )

    def ref(self, name: str) -> str:
        """The path (folder mode) or the quoted table name (metastore mode) of table ``name``."""
        check_table_name(name)
        if self.root:
            return f"{self.root.rstrip('/')}/{name}"
        if self.schema:
            return ".".join(f"`{part}`" for part in [*self.schema.split("."), name])
        return f"`{name}`"


def check_table_name(name: str) -> str:
    """Return ``name`` if it is a valid table name, else raise ValueError saying why."""
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ValueError(
            f"invalid table name {name!r}: use letters, digits and '_' only "
            "('-' is not valid in a table name; prefixes have their dashes replaced by '_')"
        )
    return name


def write_table(df: DataFrame, name: str, location: TableLocation, metadata: str | None = None,
                partition_by: str | None = None) -> str:  # fmt: skip
    """Replace Delta table ``name`` at ``location`` with ``df``; return where it was written.
    The commit carries ``metadata`` (DESCRIBE HISTORY's ``userMetadata``) when given, and the
    table is partitioned by column ``partition_by`` when given."""
    ref = location.ref(name)
    writer = df.write.format("delta").mode("overwrite").option("overwriteSchema", "true")
    if partition_by is not None:
        writer = writer.partitionBy(partition_by)
    return _commit(writer, ref, location, metadata)


def _commit(
    writer: DataFrameWriter, ref: str, location: TableLocation, metadata: str | None
) -> str:
    """Run ``writer`` into the table at ``ref`` (a path in folder mode, else a name) in one Delta
    commit that carries ``metadata`` when given: the writer option ``userMetadata``, which works
    with any write mode and which DESCRIBE HISTORY shows (Databricks, "Enrich tables with custom
    metadata"). Returns ``ref``."""
    if metadata is not None:
        writer = writer.option("userMetadata", metadata)
    if location.root:
        writer.save(ref)
    else:
        writer.saveAsTable(ref)
    return ref


def append_rows(
    df: DataFrame, name: str, location: TableLocation, metadata: str | None = None
) -> str:
    """Append ``df`` to Delta table ``name`` at ``location`` (created when absent), in a commit
    that carries ``metadata`` when given."""
    ref = location.ref(name)
    writer = df.write.format("delta").mode("append")
    return _commit(writer, ref, location, metadata)


def table_exists(spark: SparkSession, name: str, location: TableLocation) -> bool:
    """Whether Delta table ``name`` exists at ``location``."""
    if not location.root:
        return spark.catalog.tableExists(location.ref(name))
    return table_version(spark, name, location) is not None


#: The errors Delta raises for a folder that holds no Delta table (absent, or not Delta).
_NOT_A_DELTA_TABLE = ("DELTA_MISSING_DELTA_TABLE", "DELTA_TABLE_ONLY_OPERATION", "PATH_NOT_FOUND")


def _not_a_delta_table(err: AnalysisException, location: TableLocation) -> bool:
    """Whether ``err`` says that a folder of ``location`` holds no Delta table."""
    return bool(location.root) and any(c in str(err) for c in _NOT_A_DELTA_TABLE)


def _sql_ref(ref: str, location: TableLocation) -> str:
    """How SQL names the table at ``ref``: ``delta.`<path>``` in folder mode, else ``ref``."""
    return f"delta.`{ref}`" if location.root else ref


def merge_by_key(spark: SparkSession, df: DataFrame, name: str, location: TableLocation,
                 key: str, replace_when: str, keys: KeyRange | None = None) -> str:  # fmt: skip
    """MERGE ``df`` (one row per ``key``) into Delta table ``name``: a new key is inserted, an
    existing key's row replaced only where the SQL condition ``replace_when`` holds (over the stored
    row ``t`` and the new one ``s``), so that the caller decides which row wins for a key, in the
    MERGE's one pass over the table. ``keys``: the range ``df``'s keys lie in (``key_range``),
    stated in the match condition as literals so that Delta reads only the files whose statistics
    overlap it, not the whole table (Databricks' knowledge base, "How to improve performance of
    Delta Lake MERGE INTO queries using partition pruning": Delta does not infer a bound from the
    source). The table must exist (``write_table`` creates one). Returns where it was written."""
    ref = location.ref(name)
    match = f"t.`{key}` = s.`{key}`" + (f" AND {keys.sql(f't.`{key}`')}" if keys else "")
    spark.sql(
        f"MERGE INTO {_sql_ref(ref, location)} t USING {{source}} s ON {match} "
        f"WHEN MATCHED AND ({replace_when}) THEN UPDATE SET * "
        "WHEN NOT MATCHED THEN INSERT *",
        source=df,
    ).collect()
    return ref


@dataclass(frozen=True)
class KeyRange:
    """The lowest and highest of a set of whole-number keys."""

    low: int
    high: int

    def sql(self, column: str) -> str:
        """Whether the SQL ``column`` is in the range, in SQL with the bounds as literals."""
        return f"{column} BETWEEN {int(self.low)} AND {int(self.high)}"

    def holds(self, column: str) -> Column:
        """Whether ``column`` is in the range: a filter Delta answers from each file's statistics
        (data skipping), reading only the files that can hold such a key."""
        return F.expr(self.sql(f"`{column}`"))


def key_range(df: DataFrame, key: str) -> KeyRange | None:
    """The range of ``df``'s whole-number ``key`` (None: no row with a key)."""
    low, high = df.agg(F.min(key), F.max(key)).first()
    return None if low is None else KeyRange(int(low), int(high))


def replace_rows_of(df: DataFrame, name: str, location: TableLocation, column: str,
                    values: list[str], metadata: str | None = None) -> str:  # fmt: skip
    """Replace, in one Delta commit, the rows of table ``name`` whose ``column`` is one of
    ``values`` with ``df`` (whose rows all have such a value): writing the same ``df`` twice leaves
    the table as after once. The commit carries ``metadata`` when given. Creates the table when it
    does not exist."""
    if not values:
        raise ValueError(f"replace_rows_of({name!r}) needs at least one value of {column}")
    quoted = ", ".join("'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'" for v in values)
    ref = location.ref(name)
    condition = f"`{column}` IN ({quoted})"
    writer = df.write.format("delta").mode("overwrite").option("replaceWhere", condition)
    return _commit(writer, ref, location, metadata)


def _from_history(
    spark: SparkSession,
    name: str,
    location: TableLocation,
    read: Callable[[DataFrame], _T],
    limit: int | None = None,
) -> _T | None:
    """``read`` applied to the history of Delta table ``name`` (DESCRIBE HISTORY, its last
    ``limit`` commits when given), or None when there is no such table. ``read`` runs the action:
    Spark Connect raises a missing table's error there, Classic before it."""
    ref = location.ref(name)
    if not location.root and not spark.catalog.tableExists(ref):
        return None
    limited = f" LIMIT {int(limit)}" if limit is not None else ""
    try:
        return read(spark.sql(f"DESCRIBE HISTORY {_sql_ref(ref, location)}{limited}"))
    except AnalysisException as err:
        if _not_a_delta_table(err, location):
            return None
        raise


def table_version(spark: SparkSession, name: str, location: TableLocation) -> int | None:
    """The latest version of Delta table ``name`` (None: no such table). It reads the table's
    last commit alone: cheaper than DESCRIBE DETAIL, which counts the files of the version too
    (right after a write, by rebuilding the table's state from its log)."""
    return _from_history(spark, name, location, lambda h: h.first().version, limit=1)


def last_metadata(spark: SparkSession, name: str, location: TableLocation) -> str | None:
    """The user metadata of the latest commit of table ``name`` that has some (None: none, or no
    such table)."""

    def latest(history: DataFrame) -> str | None:
        rows = history.filter("userMetadata IS NOT NULL").orderBy(history.version.desc())
        row = rows.select("userMetadata").first()
        return row.userMetadata if row else None

    return _from_history(spark, name, location, latest)


def read_version(
    spark: SparkSession, name: str, location: TableLocation, version: int
) -> DataFrame:
    """Delta table ``name`` as it was at ``version`` (time travel)."""
    ref = _sql_ref(location.ref(name), location)
    return spark.sql(f"SELECT * FROM {ref} VERSION AS OF {int(version)}")


def read_changes(spark: SparkSession, name: str, location: TableLocation, first: int,
                 last: int) -> DataFrame:  # fmt: skip
    """The change data feed of table ``name`` from version ``first`` to ``last`` (inclusive): its
    rows, with ``_change_type`` (insert, update_preimage, update_postimage, delete)."""
    ref = location.ref(name)
    reader = spark.read.format("delta").option("readChangeFeed", "true")
    reader = reader.option("startingVersion", first).option("endingVersion", last)
    return reader.load(ref) if location.root else reader.table(ref)


#: The table property that makes Delta record a table's changes (its change data feed).
CHANGE_FEED = "delta.enableChangeDataFeed"


def record_changes(spark: SparkSession, name: str, location: TableLocation) -> None:
    """Turn on table ``name``'s change data feed unless it is on (a commit only then)."""
    ref = _sql_ref(location.ref(name), location)
    properties = spark.sql(f"DESCRIBE DETAIL {ref}").first().properties or {}
    if properties.get(CHANGE_FEED) != "true":
        spark.sql(f"ALTER TABLE {ref} SET TBLPROPERTIES ({CHANGE_FEED} = true)")


def read_table(spark: SparkSession, name: str, location: TableLocation) -> DataFrame:
    """Delta table ``name`` at ``location``."""
    ref = location.ref(name)
    if location.root:
        return spark.read.format("delta").load(ref)
    return spark.read.table(ref)


def ensure_mount(dbutils: Any, source: str, mount_point: str) -> bool:
    """Mount ``source`` (e.g. ``s3a://bucket``) at ``mount_point`` unless it already is.

    Access is by the cluster's instance profile: no keys are passed. Returns True when it mounted,
    False when the same source was already mounted there (the course notebook failed on re-runs
    here). Raises RuntimeError if another source occupies the mount point.
    """
    wanted = mount_point.rstrip("/")

    def current() -> str | None:
        for mount in dbutils.fs.mounts():
            if mount.mountPoint.rstrip("/") == wanted:
                return str(mount.source)
        return None

    existing = current()
    if existing is None:
        try:
            dbutils.fs.mount(source, wanted)
            return True
        except Exception:
            existing = current()  # mounted meanwhile by a concurrent run?
            if existing is None:
                raise
    if existing.rstrip("/") != source.rstrip("/"):
        raise RuntimeError(
            f"{wanted} is already mounted from {existing}, not {source}: unmount it "
            f"(dbutils.fs.unmount('{wanted}')) or choose another mount point"
        )
    return False
