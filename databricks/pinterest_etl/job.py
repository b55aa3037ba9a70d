"""The batch job: raw JSON under a source root -> cleaned Delta tables -> the nine result tables.

One call, ``run_batch(spark, config, mode)``, used by the batch notebook and the local runner, in
one of two modes (databricks/README.md, "Two modes"):

- ``full`` reads every raw object, and replaces every table with what it derives from them.
- ``incremental`` reads only the objects its checkpoint has not seen (Auto Loader on Databricks,
  Spark's file stream source elsewhere, one query over the three topics with ``availableNow``),
  MERGEs their cleaned rows into the cleaned tables by ``ind`` with the rule the full run
  de-duplicates by, and adds their malformed records; the nine results are then updated from the
  cleaned rows that changed (``results.py``: through counts, the changes only).

With a checkpoint both modes read through that same query: a full run first forgets the checkpoint,
so its one micro-batch holds every object and leaves the checkpoint knowing exactly what it read.
Re-running either mode is safe, and so is a run killed before its checkpoint commit (replaying a
batch MERGEs the same rows and replaces the same malformed records).

The function each micro-batch runs keeps no state on the driver: under Spark Connect (Databricks'
standard access mode and serverless) it runs pickled in a separate Python process of the server,
where anything it changed would be a copy. It takes its session from the batch, decides what to do
from the batch id alone (a full run's batch 0 replaces the tables) and writes what it counted to a
small Delta table, ``<prefix>_batch_runs``, which the driver reads back by the run's id.

The quality gate: a micro-batch in which a table's malformed share exceeds
``BatchConfig.max_malformed_share`` fails after writing its cleaned rows and its quarantine records,
before its checkpoint commit, so that retries and the next runs fail the same way until someone
looks (and re-runs with a higher share to accept the batch).

This module is the orchestration; the types are ``batch_types.py`` (re-exported here, so that
callers import the job from one place) and the writes ``batch_writes.py``.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import reduce

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from .batch_types import (
    BATCH_STAGES,
    CLEANED_TABLES,
    DEFAULT_MAX_MALFORMED_SHARE,
    MODES,
    READ_PARSE_CLEAN,
    RESULTS,
    STAGES,
    BatchConfig,
    BatchFailedError,
    BatchOutcome,
    BatchResult,
    DataQualityError,
    Mode,
    NoRawDataError,
    TableStats,
    parse_share,
)
from .batch_writes import read_run_log, record_batch, rejection, write_cleaned, write_results
from .naming import TABLES, table_base
from .readers import read_topic_stream, read_topic_text, topic_path

__all__ = [
    "BATCH_STAGES",
    "CLEANED_TABLES",
    "DEFAULT_MAX_MALFORMED_SHARE",
    "MODES",
    "READ_PARSE_CLEAN",
    "RESULTS",
    "STAGES",
    "BatchConfig",
    "BatchFailedError",
    "BatchOutcome",
    "BatchResult",
    "DataQualityError",
    "Mode",
    "NoRawDataError",
    "TableStats",
    "parse_share",
    "run_batch",
]

#: The topic of a line in the batch job's one streaming query over the three topics.
_TOPIC_COLUMN = "_topic"


def run_batch(
    spark: SparkSession,
    config: BatchConfig,
    mode: Mode = "full",
    remove_folder: Callable[[str], None] | None = None,
    after_batch: Callable[[int], None] | None = None,
) -> BatchResult:
    """Run the batch job in ``mode`` (``full`` or ``incremental``, see the module) and return
    what it wrote.

    In a full run, raises readers.RawDataMissingError when no Kafka cluster's folder of a topic
    exists and NoRawDataError when they hold no record, before anything is written; an
    incremental run does not check folders (Spark checks no glob of a stream's path) and raises
    NoRawDataError after its query when a cleaned table is still missing. ValueError for an
    unknown mode or an incremental run without ``config.checkpoint_root``; DataQualityError when
    the quality gate fails a micro-batch (after its writes); BatchFailedError when the query
    fails otherwise.

    ``remove_folder`` deletes the checkpoint folder when a full run resets it (default: the local
    file system's; the notebook passes ``dbutils.fs.rm``). ``after_batch(batch_id)`` runs after a
    micro-batch's writes, before its checkpoint commit (the crash tests raise there); under Spark
    Connect it runs where the micro-batch does, so it must be picklable.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: expected one of {', '.join(MODES)}")
    checkpoint = config.checkpoint()
    if checkpoint is None and mode != "full":
        raise ValueError(
            "the incremental mode needs a checkpoint_root (the folder where the job records "
            "which raw objects it has processed); give one, or run the full mode"
        )
    run_id = uuid.uuid4().hex
    if mode == "full":
        lines = {t: read_topic_text(spark, config.source_root, config.prefix, t) for t in TABLES}
        _check_not_empty(config, lines)
    if checkpoint is None:
        _BatchWriter(config, mode, run_id)(spark, lines, replace=True, batch_id=0)
    else:
        if mode == "full":
            # Forget what was read: the first batch below then holds every object.
            (remove_folder or _remove_local_folder)(checkpoint)
        _run_new_objects(spark, config, checkpoint, _BatchWriter(config, mode, run_id, after_batch))
    log = read_run_log(spark, config, run_id)
    if mode == "full" and log.batches == 0:
        raise _no_records(config, TABLES)
    return write_results(spark, config, mode, log)


@dataclass(frozen=True)
class _BatchWriter:
    """The work of one micro-batch, as ``foreachBatch`` calls it: picklable, and changing nothing
    but tables (see the module). A full run's batch 0 replaces the tables; every other batch
    merges, so a full run that Auto Loader splits into several batches is still whole."""

    config: BatchConfig
    mode: Mode
    run_id: str
    after_batch: Callable[[int], None] | None = None

    def __call__(
        self, spark: SparkSession, lines: dict[str, DataFrame], replace: bool, batch_id: int
    ) -> None:
        outcome = write_cleaned(spark, self.config, lines, replace)
        problem = outcome.quality_problem(self.config.max_malformed_share)
        record_batch(spark, self.config, self.run_id, batch_id, self.mode, outcome, problem)
        if problem:
            raise DataQualityError(problem)
        if self.after_batch is not None:
            self.after_batch(batch_id)

    def each_batch(self, batch: DataFrame, batch_id: int) -> None:
        topic = F.col(_TOPIC_COLUMN)
        lines = {t: batch.filter(topic == t).drop(_TOPIC_COLUMN) for t in TABLES}
        replace = self.mode == "full" and batch_id == 0
        self(batch.sparkSession, lines, replace, batch_id)


def _run_new_objects(
    spark: SparkSession, config: BatchConfig, checkpoint: str, writer: _BatchWriter
) -> None:
    """Run one ``availableNow`` query over the objects of the three topics that ``checkpoint``
    has not seen, each micro-batch written by ``writer``; raise DataQualityError with the gate's
    message when the gate failed a batch, BatchFailedError naming the cause otherwise."""
    auto_loader = config.uses_auto_loader()
    lines = reduce(
        lambda a, b: a.unionByName(b),
        (
            read_topic_stream(spark, config.source_root, config.prefix, t, auto_loader).withColumn(
                _TOPIC_COLUMN, F.lit(t)
            )
            for t in TABLES
        ),
    )
    query = (
        lines.writeStream.foreachBatch(writer.each_batch)
        .option("checkpointLocation", checkpoint)
        .trigger(availableNow=True)
        .queryName(f"{table_base(config.prefix)}_batch")
        .start()
    )
    try:
        query.awaitTermination()
    except Exception as err:  # StreamingQueryException, Classic's or Connect's
        rejected = rejection(spark, config, writer.run_id)
        if rejected:
            raise DataQualityError(rejected) from None
        raise BatchFailedError(
            f"the batch job's query failed: {_python_error_line(str(err))}"
        ) from err


def _python_error_line(text: str) -> str:
    """``RuntimeError: ...``, the Python error a failed query's text ends its traceback with (the
    function's own error, under either engine), or the text's first line."""
    python_part = text.split("JVM stacktrace")[0]
    found = re.findall(r"^(?:\w+\.)*\w+(?:Error|Exception): .+$", python_part, flags=re.M)
    return found[-1] if found else text.strip().splitlines()[0]


def _remove_local_folder(path: str) -> None:
    """Delete a checkpoint folder on this machine's file system (absent is fine)."""
    local = path.removeprefix("file:")
    if "://" in local or ":" in local.split("/")[0]:
        raise ValueError(
            f"cannot delete checkpoint {path} from here: it is not a local folder; pass "
            "remove_folder (on Databricks: lambda p: dbutils.fs.rm(p, True))"
        )
    shutil.rmtree(local, ignore_errors=True)


def _check_not_empty(config: BatchConfig, lines: dict[str, DataFrame]) -> None:
    """Raise NoRawDataError naming every topic without a record (reading only until one)."""
    empty = [t for t in TABLES if lines[t].isEmpty()]
    if empty:
        raise _no_records(config, empty)


def _no_records(config: BatchConfig, tables: Iterable[str]) -> NoRawDataError:
    where = ", ".join(topic_path(config.source_root, config.prefix, t) for t in tables)
    return NoRawDataError(
        f"no records under {where}: no non-empty *.json object there yet "
        "(has the S3 sink flushed? is the prefix right?)"
    )
