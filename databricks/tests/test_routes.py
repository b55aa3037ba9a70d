"""The table names each storage route produces, written for real on local Spark.

- Unity Catalog (the stacks' default): the jobs get ``schema=<catalog>.<schema>`` and write managed
  tables ``<catalog>.<schema>.<prefix>_<table>``; checkpoints sit in the work volume, one folder per
  table. Local Spark's ``spark_catalog`` stands in for the Unity Catalog catalog: the three-part
  names are the same; what it cannot prove is Unity Catalog's permissions and managed storage.
- Mount (the course's): ``schema`` is empty, so the tables are ``<prefix>_<table>`` in the
  cluster's current schema.
- Local runner: tables by path under the warehouse folder (covered in test_job).

Prefixes and schemas are unique per run, so the tests can run again on a kept warehouse.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from pinterest_etl.analysis import ANALYSES
from pinterest_etl.job import BatchConfig, run_batch
from pinterest_etl.naming import TABLES
from pinterest_etl.sink_files import write_objects
from pinterest_etl.streaming import start_append, transform_records
from pinterest_etl.writers import TableLocation


def unique_prefix() -> str:
    return f"rt-{uuid.uuid4().hex[:8]}"


def raw_data(root: Path, prefix: str) -> None:
    """One row per source table, in the sink's layout."""
    write_objects(str(root), f"{prefix}.pin", [{
        "index": 1, "unique_id": "00000000-0000-4000-8000-000000000001", "title": "t",
        "description": "d", "poster_name": "Ann", "follower_count": "5k", "tag_list": "a",
        "is_image_or_video": "image", "image_src": "https://i.pinimg.com/x.jpg", "downloaded": 1,
        "save_location": "Local save in /data/art", "category": "art"}])  # fmt: skip
    write_objects(str(root), f"{prefix}.geo", [{
        "ind": 1, "timestamp": "2020-01-01 00:00:00", "latitude": 1.5, "longitude": 2.5,
        "country": "Chad"}])  # fmt: skip
    write_objects(str(root), f"{prefix}.user", [{
        "ind": 1, "first_name": "A", "last_name": "B", "age": 30,
        "date_joined": "2016-01-01 00:00:00"}])  # fmt: skip


def quoted(*parts: str) -> str:
    return ".".join(f"`{p}`" for p in parts)


def test_unity_catalog_route_writes_every_table_to_catalog_schema(
    spark: SparkSession, tmp_path: Path
) -> None:
    prefix = unique_prefix()
    base = prefix.replace("-", "_")
    schema = f"{base}_schema"  # what the stack's DatabricksWorkspace creates, here unique per run
    spark.sql(f"CREATE DATABASE spark_catalog.{schema}")
    raw_data(tmp_path, prefix)
    try:
        location = TableLocation(schema=f"spark_catalog.{schema}")
        result = run_batch(spark, BatchConfig(str(tmp_path), prefix, location))
        assert result.cleaned_tables == {
            t: quoted("spark_catalog", schema, f"{base}_{t}") for t in TABLES
        }
        assert result.malformed_table == quoted("spark_catalog", schema, f"{base}_malformed")
        assert result.analysis_tables == {
            a.suffix: quoted("spark_catalog", schema, f"{base}_{a.suffix}") for a in ANALYSES
        }
        written = {
            r.tableName for r in spark.sql(f"SHOW TABLES IN spark_catalog.{schema}").collect()
        }
        expected = {f"{base}_{t}" for t in TABLES} | {f"{base}_malformed", f"{base}_batch_runs"}
        expected |= {f"{base}_result_counts"}  # the per-group counts the nine results are kept from
        expected |= {f"{base}_{a.suffix}" for a in ANALYSES}
        assert written == expected
        assert spark.table(f"spark_catalog.{schema}.{base}_pin").count() == 1
    finally:
        spark.sql(f"DROP DATABASE spark_catalog.{schema} CASCADE")


def test_mount_route_writes_bare_names_into_the_current_schema(
    spark: SparkSession, tmp_path: Path
) -> None:
    prefix = unique_prefix()
    base = prefix.replace("-", "_")
    raw_data(tmp_path, prefix)
    current = spark.catalog.currentDatabase()
    try:
        result = run_batch(spark, BatchConfig(str(tmp_path), prefix, TableLocation()))
        assert result.cleaned_tables == {t: f"`{base}_{t}`" for t in TABLES}
        for t in TABLES:
            assert spark.catalog.tableExists(f"{current}.{base}_{t}")
    finally:
        for row in spark.sql(f"SHOW TABLES IN {current} LIKE '{base}_*'").collect():
            spark.sql(f"DROP TABLE {current}.{row.tableName}")


def test_unity_catalog_route_streams_into_catalog_schema_with_volume_checkpoints(
    spark: SparkSession, tmp_path: Path
) -> None:
    base = unique_prefix().replace("-", "_")
    schema = f"{base}_schema"
    spark.sql(f"CREATE DATABASE spark_catalog.{schema}")
    incoming, work_volume = tmp_path / "incoming", tmp_path / "Volumes" / "work"
    incoming.mkdir()
    row = {"ind": 5, "timestamp": "2020-01-01 00:00:00", "latitude": 1.0, "longitude": 2.0,
           "country": "Chad"}  # fmt: skip
    (incoming / "1.json").write_text(json.dumps(row) + "\n")
    location = TableLocation(schema=f"spark_catalog.{schema}")
    table = f"{base}_geo_stream"
    try:
        records = spark.readStream.text(str(incoming)).withColumnRenamed("value", "data")
        cleaned, _ = transform_records(records, "geo", source=F.col("_metadata.file_path"))
        checkpoints = work_volume / "checkpoints"
        start_append(
            cleaned, table, location, str(checkpoints), available_now=True
        ).awaitTermination()
        assert [r.ind for r in spark.table(f"spark_catalog.{schema}.{table}").collect()] == [5]
        assert [p.name for p in checkpoints.iterdir()] == [table]
    finally:
        spark.sql(f"DROP DATABASE spark_catalog.{schema} CASCADE")


class Widgets:
    """The part of dbutils the batch notebook uses (Databricks-only), backed by a dict."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values, self.exit_value = values, None
        self.widgets = self.notebook = self

    def text(self, name: str, default: str, label: str) -> None:
        self.values.setdefault(name, default)

    def get(self, name: str) -> str:
        return self.values[name]

    def exit(self, value: str) -> None:
        self.exit_value = value


def test_batch_notebook_takes_the_unity_catalog_jobs_parameters(
    spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The widgets the stack's batch job fills on the Unity Catalog route (components/
    databricksJobs.ts notebookParameters): a volume as source root and ``catalog.schema``; the
    package is the job's library (here the test environment's install stands in for the wheel)."""
    prefix = unique_prefix()
    base = prefix.replace("-", "_")
    schema = f"{base}_schema"
    spark.sql(f"CREATE DATABASE spark_catalog.{schema}")
    raw_data(tmp_path, prefix)
    notebook = Path(__file__).parents[1] / "notebooks" / "batch.py"
    monkeypatch.chdir(tmp_path)  # not the notebook's folder: nothing is imported from there
    dbutils = Widgets({
        "source_root": str(tmp_path), "prefix": prefix, "schema": f"spark_catalog.{schema}",
    })  # fmt: skip
    try:
        code = compile(notebook.read_text(encoding="utf-8"), str(notebook), "exec")
        exec(code, {"dbutils": dbutils, "spark": spark, "display": lambda df: None})
        summary = json.loads(dbutils.exit_value)
        assert summary["cleaned_tables"]["user"] == quoted("spark_catalog", schema, f"{base}_user")
        assert spark.table(f"spark_catalog.{schema}.{base}_user").count() == 1
    finally:
        spark.sql(f"DROP DATABASE spark_catalog.{schema} CASCADE")


@pytest.mark.parametrize("schema", ["main.pin_dev", "pin_dev"])
def test_catalog_schema_widget_values_are_accepted(schema: str) -> None:
    assert TableLocation(schema=schema).ref("pin_dev_pin").endswith("`pin_dev_pin`")
