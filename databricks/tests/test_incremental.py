"""The batch job's two modes on local Spark + Delta: incremental runs day by day equal one full run;
re-runs add nothing; a full run leaves nothing for the next incremental run; a run killed after its
writes and before its checkpoint commit loses and duplicates nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from test_job import PREFIX, Widgets, geo, pin, run, user

from pinterest_etl.analysis import ANALYSES
from pinterest_etl.job import BatchConfig, BatchResult, run_batch
from pinterest_etl.sink_files import DEFAULT_CLUSTER, write_objects
from pinterest_etl.writers import TableLocation, read_table

CLEANED = ["pin_e2e_pin", "pin_e2e_geo", "pin_e2e_user"]
EVERY_TABLE = [*CLEANED, "pin_e2e_malformed", *(f"pin_e2e_{a.suffix}" for a in ANALYSES)]


def send(
    root: Path, table: str, records: list, offset: int, cluster: str = DEFAULT_CLUSTER
) -> list[str]:
    """One sink object of ``records`` for topic ``<PREFIX>.<table>``, from ``offset``, as Kafka
    cluster ``cluster``'s sink writes it; its path."""
    topic = f"{PREFIX}.{table}"
    return write_objects(str(root), topic, records, len(records), start_offset=offset,
                         cluster=cluster)  # fmt: skip


def day_1(root: Path) -> None:
    """Posts 0-2; user 3 in the version the full run drops (age 23 sorts after 22)."""
    send(root, "pin", [pin(0, "5k", "art", "Ann"), pin(1, "1M", "art", "Bob"),
                       pin(2, "437", "travel", "Cy")], 0)  # fmt: skip
    send(root, "geo", [geo(0, "2019-05-05 10:00:00", "Albania"),
                       geo(1, "2020-01-01T00:00:00", "Albania"),
                       geo(2, "2019-07-07 07:07:07", "Chad")], 0)  # fmt: skip
    send(root, "user", [user(0, 22, "2015-11-11 11:11:11"), user(1, 40, "2016-06-06 06:06:06"),
                        user(2, 55, "2017-01-01 00:00:00"),
                        user(3, 23, "2016-12-12T12:12:12")], 0)  # fmt: skip


def day_2(
    root: Path, offsets: tuple[int, int, int] = (3, 3, 4), cluster: str = DEFAULT_CLUSTER
) -> list[str]:
    """Post 3; re-sends of day 1 (pin 0, geo 0 in the ISO form, user 1); user 3's other version,
    which wins; a truncated pin line and a bad user datetime. The objects' paths."""
    return [
        *send(root, "pin", [pin(3, "9k", "travel", "Di"), pin(0, "5k", "art", "Ann"),
                            '{"index": 9, "title": '], offsets[0], cluster),
        *send(root, "geo", [geo(3, "2021-02-03 04:05:06", "Chad"),
                            geo(0, "2019-05-05T10:00:00.000Z", "Albania")], offsets[1], cluster),
        *send(root, "user", [user(1, 40, "2016-06-06 06:06:06"),
                             user(3, 22, "2016-12-12T12:12:12"), user(4, 30, "yesterday")],
              offsets[2], cluster),
    ]  # fmt: skip


def day_3(root: Path) -> None:
    send(root, "pin", [pin(5, "2k", "art", "Ed")], 6)
    send(root, "geo", [geo(5, "2022-02-02 02:02:02", "Chad")], 5)
    send(root, "user", [user(5, 33, "2018-03-03 03:03:03")], 7)


def config(root: Path, warehouse: Path) -> BatchConfig:
    return BatchConfig(
        str(root),
        PREFIX,
        TableLocation(root=str(warehouse)),
        checkpoint_root=str(warehouse / "_checkpoints"),
        max_malformed_share=1.0,  # a third of some days' records are malformed on purpose
    )


def tables(spark: SparkSession, warehouse: Path) -> dict[str, list[tuple]]:
    location = TableLocation(root=str(warehouse))
    return {n: sorted(map(tuple, read_table(spark, n, location).collect())) for n in EVERY_TABLE}


def version(spark: SparkSession, warehouse: Path, name: str) -> int:
    return spark.sql(f"DESCRIBE HISTORY delta.`{warehouse}/{name}` LIMIT 1").first().version


def read(result: BatchResult) -> list[int]:
    return [result.records_read[t] for t in ("pin", "geo", "user")]


def test_incremental_days_equal_one_full_run_and_reruns_add_nothing(
    spark: SparkSession, tmp_path: Path
) -> None:
    root, warehouse = tmp_path / "bucket", tmp_path / "warehouse"
    day_1(root)
    first = run_batch(spark, config(root, warehouse), "incremental")
    assert read(first) == [3, 3, 4]
    assert [r[2] for r in tables(spark, warehouse)["pin_e2e_user"] if r[0] == 3] == [23]

    day_2(root)
    second = run_batch(spark, config(root, warehouse), "incremental")
    assert read(second) == [3, 2, 3]  # only day 2's objects
    assert second.malformed_count == 2
    daily = tables(spark, warehouse)
    assert [len(daily[n]) for n in CLEANED] == [4, 4, 4]  # re-sends added no row
    users = {r[0]: r for r in daily["pin_e2e_user"]}
    assert users[3][2] == 22  # the changed row follows the full run's rule: the smaller version
    assert sorted((r[0], r[1]) for r in daily["pin_e2e_malformed"]) == [
        ("pin", "not a JSON object of the schema"),
        ("user", "date_joined is not a supported datetime"),
    ]

    versions = {n: version(spark, warehouse, n) for n in [*CLEANED, "pin_e2e_malformed"]}
    again = run_batch(spark, config(root, warehouse), "incremental")
    assert read(again) == [0, 0, 0]
    assert tables(spark, warehouse) == daily
    assert {n: version(spark, warehouse, n) for n in versions} == versions  # not even a commit

    full = run_batch(spark, config(root, warehouse), "full")
    assert read(full) == [6, 5, 7]
    assert tables(spark, warehouse) == daily  # the full run after two incremental ones: identical

    after_full = run_batch(spark, config(root, warehouse), "incremental")
    assert read(after_full) == [0, 0, 0]  # the full run left nothing unprocessed
    day_3(root)
    day_3_run = run_batch(spark, config(root, warehouse), "incremental")
    assert read(day_3_run) == [1, 1, 1]
    assert [len(rows) for n, rows in tables(spark, warehouse).items() if n in CLEANED] == [5, 5, 5]


def test_a_replaced_kafka_clusters_objects_are_read_once_and_overwrite_nothing(
    spark: SparkSession, tmp_path: Path
) -> None:
    """A replaced Kafka cluster (a pause and resume) starts its offsets at 0 again: its sink writes
    day 2 under its own folder with the very file names day 1 has, and the incremental run reads
    each new object once, as a full run over both clusters' objects would."""
    root, warehouse = tmp_path / "bucket", tmp_path / "warehouse"
    day_1(root)
    first = {Path(p).name: Path(p).read_text() for p in (root / "topics").rglob("*.json")}
    assert read(run_batch(spark, config(root, warehouse), "incremental")) == [3, 3, 4]

    replaced = day_2(root, offsets=(0, 0, 0), cluster="cluster-2")
    assert {Path(p).name for p in replaced} <= set(first)  # the names the old cluster used
    assert {p.name: p.read_text() for p in (root / "topics" / DEFAULT_CLUSTER).rglob("*.json")} \
        == first  # fmt: skip
    assert read(run_batch(spark, config(root, warehouse), "incremental")) == [3, 2, 3]
    incremental = tables(spark, warehouse)

    run_batch(spark, config(root, tmp_path / "fresh"), "full")
    assert incremental == tables(spark, tmp_path / "fresh")
    assert [len(incremental[n]) for n in CLEANED] == [4, 4, 4]


def test_a_run_killed_before_its_checkpoint_commit_loses_and_duplicates_nothing(
    spark: SparkSession, tmp_path: Path
) -> None:
    root, warehouse = tmp_path / "bucket", tmp_path / "warehouse"
    day_1(root)
    run_batch(spark, config(root, warehouse), "incremental")
    day_2(root)

    def killed(batch_id: int) -> None:
        raise RuntimeError(f"killed after the writes of batch {batch_id}")

    with pytest.raises(RuntimeError, match="killed after the writes of batch 1"):
        run_batch(spark, config(root, warehouse), "incremental", after_batch=killed)
    replayed = run_batch(spark, config(root, warehouse), "incremental")
    assert read(replayed) == [3, 2, 3]  # day 2 again: its batch was never committed
    after_crash = tables(spark, warehouse)
    assert len(after_crash["pin_e2e_malformed"]) == 2

    reference = tmp_path / "reference"
    run_batch(spark, config(root, reference), "full")
    assert after_crash == tables(spark, reference)


def test_incremental_without_a_checkpoint_or_an_unknown_mode_is_refused(
    spark: SparkSession, tmp_path: Path
) -> None:
    plain = BatchConfig(str(tmp_path), PREFIX, TableLocation(root=str(tmp_path / "w")))
    with pytest.raises(ValueError, match="the incremental mode needs a checkpoint_root"):
        run_batch(spark, plain, "incremental")
    with pytest.raises(ValueError, match="unknown mode 'daily': expected one of full, incremental"):
        run_batch(spark, plain, "daily")


def test_cli_prints_the_records_read_in_each_mode(
    spark: SparkSession, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    root, warehouse = tmp_path / "bucket", tmp_path / "warehouse"
    day_1(root)
    code, out = run(root, warehouse, capsys, "--mode", "incremental")
    assert code == 0, out
    assert "records read: pin 3, geo 3, user 4" in out
    day_2(root)
    code, out = run(root, warehouse, capsys, "--mode", "incremental")
    assert "records read: pin 3, geo 2, user 3" in out
    code, out = run(root, warehouse, capsys, "--mode", "full")
    assert "Batch job (full)" in out and "records read: pin 6, geo 5, user 7" in out


class LocalFs:
    """``dbutils.fs.rm`` (Databricks-only) on this machine's file system."""

    def rm(self, path: str, recurse: bool = False) -> bool:
        shutil.rmtree(path, ignore_errors=True)
        return True


def test_notebook_runs_incremental_into_metastore_tables_as_the_scheduled_job(
    spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job's parameters (mode incremental, a checkpoint root) on tables by name, as on the
    Unity Catalog route: MERGE and the malformed records' replacement work on named tables."""
    root, schema = tmp_path / "bucket", "incremental_nb"
    notebook = Path(__file__).parents[1] / "notebooks" / "batch.py"
    spark.sql(f"CREATE DATABASE {schema}")

    def run_notebook(mode: str) -> dict:
        checkpoints = str(tmp_path / "checkpoints")
        dbutils = Widgets({"source_root": str(root), "prefix": PREFIX, "schema": schema,
                           "mode": mode, "checkpoint_root": checkpoints,
                           "max_malformed_share": "1"})  # fmt: skip
        dbutils.fs = LocalFs()
        code = compile(notebook.read_text(encoding="utf-8"), str(notebook), "exec")
        exec(code, {"dbutils": dbutils, "spark": spark, "display": lambda df: None})
        return json.loads(dbutils.exit_value)

    def rows() -> dict[str, list[tuple]]:
        return {n: sorted(map(tuple, spark.table(f"{schema}.{n}").collect())) for n in EVERY_TABLE}

    try:
        day_1(root)
        assert run_notebook("incremental")["records_read"] == {"pin": 3, "geo": 3, "user": 4}
        day_2(root)
        assert run_notebook("incremental")["records_read"] == {"pin": 3, "geo": 2, "user": 3}
        daily = rows()
        assert run_notebook("incremental")["records_read"] == {"pin": 0, "geo": 0, "user": 0}
        assert run_notebook("full")["records_read"] == {"pin": 6, "geo": 5, "user": 7}
        assert rows() == daily
    finally:
        spark.sql(f"DROP DATABASE {schema} CASCADE")
