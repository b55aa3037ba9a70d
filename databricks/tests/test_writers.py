"""Table locations, the idempotent mount (dbutils is Databricks-only: a minimal stand-in records
the calls; what it cannot prove is that Databricks accepts the instance-profile mount), Delta's
data skipping for a key range, and what a folder without a Delta table answers."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from pyspark.sql import SparkSession

from pinterest_etl.writers import (
    KeyRange,
    TableLocation,
    append_rows,
    check_table_name,
    ensure_mount,
    last_metadata,
    read_table,
    read_version,
    table_exists,
    table_version,
)


class Fs:
    def __init__(self, mounts: dict[str, str]) -> None:
        self.table = dict(mounts)
        self.calls: list[tuple[str, str]] = []

    def mounts(self) -> list[SimpleNamespace]:
        return [SimpleNamespace(mountPoint=p, source=s) for p, s in self.table.items()]

    def mount(self, source: str, mount_point: str) -> None:
        self.calls.append((source, mount_point))
        if mount_point in self.table:
            raise RuntimeError(f"Directory already mounted: {mount_point}")
        self.table[mount_point] = source


def test_mounts_once_then_reuses_the_mount() -> None:
    dbutils = SimpleNamespace(fs=Fs({"/databricks-datasets": "databricks-datasets"}))
    assert ensure_mount(dbutils, "s3a://raw-bucket", "/mnt/pin-dev/") is True
    assert ensure_mount(dbutils, "s3a://raw-bucket/", "/mnt/pin-dev") is False
    assert dbutils.fs.calls == [("s3a://raw-bucket", "/mnt/pin-dev")]


def test_a_mount_point_taken_by_another_bucket_is_an_error() -> None:
    dbutils = SimpleNamespace(fs=Fs({"/mnt/pin-dev": "s3a://other-bucket"}))
    with pytest.raises(
        RuntimeError, match="already mounted from s3a://other-bucket, not s3a://raw"
    ):
        ensure_mount(dbutils, "s3a://raw", "/mnt/pin-dev")
    assert dbutils.fs.calls == []


def test_a_concurrent_mount_of_the_same_source_is_accepted() -> None:
    fs = Fs({})
    real_mount = fs.mount

    def racing_mount(source: str, mount_point: str) -> None:
        fs.table[mount_point] = source  # another run mounted it first
        real_mount(source, mount_point)

    fs.mount = racing_mount
    assert ensure_mount(SimpleNamespace(fs=fs), "s3a://raw", "/mnt/x") is False


def test_table_references() -> None:
    assert TableLocation(root="/tmp/wh/").ref("pin_dev_pin") == "/tmp/wh/pin_dev_pin"
    assert TableLocation(schema="main.pinterest").ref("t") == "`main`.`pinterest`.`t`"
    assert TableLocation().ref("t") == "`t`"
    with pytest.raises(ValueError, match="not both"):
        TableLocation(root="/x", schema="s")
    with pytest.raises(ValueError, match=r"invalid schema 'a\.b\.c'"):
        TableLocation(schema="a.b.c")
    with pytest.raises(ValueError, match="invalid table name 'pin-dev_pin'"):
        check_table_name("pin-dev_pin")


def test_a_key_range_reads_only_the_files_that_can_hold_its_keys(
    spark: SparkSession, tmp_path: Path
) -> None:
    """What an incremental run's reads by key rely on (``KeyRange``): Delta keeps each file's
    lowest and highest value of its first columns and skips the files a filter excludes (Delta
    Lake docs, "Optimizations: Data skipping"), now and at an older version. Four appends of ten
    keys each are four files."""
    location = TableLocation(root=str(tmp_path))
    for low in (0, 10, 20, 30):
        keys = spark.range(low, low + 10).withColumnRenamed("id", "ind").coalesce(1)
        append_rows(keys, "keyed", location)
    table = read_table(spark, "keyed", location)
    assert len(table.inputFiles()) == 4
    assert len(table.filter(KeyRange(35, 40).holds("ind")).inputFiles()) == 1
    assert sorted(r.ind for r in table.filter(KeyRange(35, 40).holds("ind")).collect()) == [
        35, 36, 37, 38, 39
    ]  # fmt: skip
    at_three = read_version(spark, "keyed", location, 2)  # versions 0-2: the first three files
    assert len(at_three.filter(KeyRange(12, 25).holds("ind")).inputFiles()) == 2


def test_a_folder_without_a_delta_table_has_no_version(spark: SparkSession, tmp_path: Path) -> None:
    """What the job's existence checks rely on: DESCRIBE HISTORY of a folder that holds no Delta
    table fails with one of Delta's error classes (its delta-error-classes.json:
    DELTA_TABLE_ONLY_OPERATION for an absent or plain folder), which ``table_version`` and
    ``last_metadata`` read as "no table", under either engine (Connect raises it at the action)."""
    location = TableLocation(root=str(tmp_path))
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "part.txt").write_text("not a table")
    for name in ("absent", "plain"):
        assert table_version(spark, name, location) is None
        assert not table_exists(spark, name, location)
        assert last_metadata(spark, name, location) is None
    append_rows(spark.range(3).withColumnRenamed("id", "ind"), "keyed", location)
    append_rows(spark.range(3).withColumnRenamed("id", "ind"), "keyed", location, metadata="m")
    assert table_version(spark, "keyed", location) == 1
    assert table_exists(spark, "keyed", location)
    assert last_metadata(spark, "keyed", location) == "m"
