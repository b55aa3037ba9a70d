# Databricks notebook source
# MAGIC %md
# MAGIC # Pinterest pipeline: batch job
# MAGIC Raw JSON written by the S3 sink
# MAGIC (`<source_root>/topics/<cluster>/<prefix>.<pin|geo|user>/partition=*/*.json`)
# MAGIC → cleaned Delta tables → the nine result tables. All logic is in the `pinterest_etl` package
# MAGIC (`databricks/pinterest_etl`); this notebook only reads widgets, makes one call and exits.
# MAGIC `mode`: `incremental` (the scheduled job's: only raw objects not processed before, merged
# MAGIC into the cleaned tables by `ind`; needs `checkpoint_root`) or `full` (every object, every
# MAGIC table replaced: first run, backfill, schema change).
# MAGIC Re-running it is safe: an existing mount, table or result is reused or replaced, never
# MAGIC doubled. No credentials here. Unity Catalog route (the stacks' default): `source_root` is
# MAGIC the raw volume `/Volumes/<catalog>/<schema>/<p>_raw` and `schema` is `<catalog>.<schema>`.
# MAGIC Mount route: `source_root` is `/mnt/<prefix>-raw` (the cluster's instance profile) and
# MAGIC `schema` is empty (the current schema). `max_malformed_share`: the quality gate, a run
# MAGIC fails (after writing its quarantine records) when more of a table's records are malformed.

# COMMAND ----------

dbutils.widgets.text("source_root", "/mnt/pinterest-raw", "Source root (mount or /Volumes path)")
dbutils.widgets.text("prefix", "", "Deployment prefix (e.g. pin-dev)")
dbutils.widgets.text("mode", "full", "full | incremental (the scheduled job passes incremental)")
dbutils.widgets.text("checkpoint_root", "", "Checkpoints folder (incremental; empty = none)")
dbutils.widgets.text("mount_source", "", "Mount this (s3a://bucket) at source_root if set")
dbutils.widgets.text("schema", "", "Target schema (catalog.schema; empty = current)")
dbutils.widgets.text("pin_table", "", "Cleaned pin table (empty = <prefix>_pin)")
dbutils.widgets.text("geo_table", "", "Cleaned geo table (empty = <prefix>_geo)")
dbutils.widgets.text("user_table", "", "Cleaned user table (empty = <prefix>_user)")
dbutils.widgets.text("malformed_table", "", "Malformed records table (empty = <prefix>_malformed)")
dbutils.widgets.text("analysis_prefix", "", "Result tables prefix (empty = <prefix>)")
dbutils.widgets.text("max_malformed_share", "0.05", "Fail above this malformed share (0-1)")

# COMMAND ----------

import json


def widget(name: str) -> str | None:
    return dbutils.widgets.get(name).strip() or None


# The package is the job's library (the wheel built from databricks/pyproject.toml), installed on
# the job's compute: on standard access mode the micro-batches run in a separate Python process of
# the cluster, which imports it from there too.
from pinterest_etl.job import BatchConfig, parse_share, run_batch
from pinterest_etl.writers import TableLocation, ensure_mount

# COMMAND ----------

prefix = widget("prefix")
if not prefix:
    raise ValueError("the prefix widget is empty: set it to the deployment prefix, e.g. pin-dev")
source_root = widget("source_root")
if widget("mount_source"):
    ensure_mount(dbutils, widget("mount_source"), source_root)

config = BatchConfig(
    source_root=source_root,
    prefix=prefix,
    location=TableLocation(schema=widget("schema")),
    pin_table=widget("pin_table"),
    geo_table=widget("geo_table"),
    user_table=widget("user_table"),
    malformed_table=widget("malformed_table"),
    analysis_prefix=widget("analysis_prefix"),
    checkpoint_root=widget("checkpoint_root"),
    max_malformed_share=parse_share(widget("max_malformed_share")),
)
# A full run forgets the checkpoint first: dbutils deletes it on any route (volume, mount).
result = run_batch(
    spark, config, widget("mode") or "full", remove_folder=lambda p: dbutils.fs.rm(p, True)
)

# COMMAND ----------

from pinterest_etl.analysis import ANALYSES, display_order

print(json.dumps(result.summary(), indent=2))
for analysis in ANALYSES:
    print(f"Task {analysis.task}: {analysis.question}")
    display(display_order(result.results[analysis.suffix]))

# COMMAND ----------

dbutils.notebook.exit(json.dumps(result.summary()))
