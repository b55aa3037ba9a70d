# Databricks notebook source
# MAGIC %md
# MAGIC # Pinterest pipeline: streaming job
# MAGIC Kinesis streams `streaming-<prefix>-<pin|geo|user>` → parsed with an explicit schema →
# MAGIC the batch job's cleaning → appended to Delta tables `<prefix>_<table>_stream` (malformed
# MAGIC records to `<prefix>_<table>_stream_malformed`), each table with its own checkpoint
# MAGIC `<checkpoint_root>/<table>`, in `schema` (`<catalog>.<schema>` on the Unity Catalog route,
# MAGIC empty = the current schema on the mount route); checkpoints in the work volume or under the
# MAGIC mount. Kinesis access: the Unity Catalog service credential `service_credential` (the Unity
# MAGIC Catalog route), else the cluster's credentials (the mount route's instance profile).
# MAGIC `available_now` true (the scheduled job's): drain what the streams hold, then stop.

# COMMAND ----------

dbutils.widgets.text("prefix", "", "Deployment prefix (e.g. pin-dev)")
dbutils.widgets.text("region", "us-east-1", "AWS region of the Kinesis streams")
dbutils.widgets.text("checkpoint_root", "", "Checkpoint root (e.g. /Volumes/main/pin/checkpoints)")
dbutils.widgets.text("schema", "", "Target schema (catalog.schema; empty = current)")
dbutils.widgets.text("pin_table", "", "Pin table (empty = <prefix>_pin_stream)")
dbutils.widgets.text("geo_table", "", "Geo table (empty = <prefix>_geo_stream)")
dbutils.widgets.text("user_table", "", "User table (empty = <prefix>_user_stream)")
dbutils.widgets.text("pin_stream", "", "Pin stream (empty = streaming-<prefix>-pin)")
dbutils.widgets.text("geo_stream", "", "Geo stream (empty = streaming-<prefix>-geo)")
dbutils.widgets.text("user_stream", "", "User stream (empty = streaming-<prefix>-user)")
dbutils.widgets.dropdown("initial_position", "earliest", ["earliest", "latest"], "Initial position")
dbutils.widgets.dropdown("available_now", "false", ["false", "true"], "Drain, then stop")
dbutils.widgets.text("service_credential", "", "Kinesis service credential (empty = cluster)")

# COMMAND ----------


def widget(name: str) -> str | None:
    return dbutils.widgets.get(name).strip() or None


# The package is the job's library (the wheel built from databricks/pyproject.toml).
from pinterest_etl.streaming import StreamConfig, await_queries, start_kinesis_streams
from pinterest_etl.writers import TableLocation

# COMMAND ----------

prefix = widget("prefix")
checkpoint_root = widget("checkpoint_root")
if not prefix or not checkpoint_root:
    raise ValueError("set the prefix and checkpoint_root widgets (e.g. pin-dev, /Volumes/.../ckpt)")

tables = {t: widget(f"{t}_table") for t in ("pin", "geo", "user")}
streams = {t: widget(f"{t}_stream") for t in ("pin", "geo", "user")}
config = StreamConfig(
    prefix=prefix,
    region=widget("region") or "",
    checkpoint_root=checkpoint_root,
    location=TableLocation(schema=widget("schema")),
    tables={t: n for t, n in tables.items() if n} or None,
    streams={t: n for t, n in streams.items() if n} or None,
    initial_position=widget("initial_position"),
    available_now=widget("available_now") == "true",
    service_credential=widget("service_credential"),
)
queries = start_kinesis_streams(spark, config)
print("started:", ", ".join(q.name for q in queries))

# COMMAND ----------

# With available_now the queries stop once the streams are drained; otherwise they run until the
# job or cluster is stopped. Either way a failure of any query stops the others and fails the run.
await_queries(spark, queries)
