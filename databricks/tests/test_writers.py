"""Table locations and the idempotent mount (dbutils is Databricks-only: a minimal stand-in
records the calls; what it cannot prove is that Databricks accepts the instance-profile mount)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pinterest_etl.writers import TableLocation, check_table_name, ensure_mount


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
