"""Readers of the raw records: the S3 sink's JSON files and, through the same parser, Kinesis data.

The S3 sink (Confluent JsonFormat) writes
``topics/<cluster>/<topic>/partition=<p>/<topic>+<p>+<offset>.json``, each file one JSON object per
line, one ``<cluster>`` folder per Kafka cluster that has fed the bucket (see ``sink_files``); a
topic is read from all of them.
Files are read as text and each line is parsed with ``from_json`` against the explicit raw schema,
so no inference pass runs and the streaming job parses a Kinesis record's data with exactly the
same code. (The JSON file source would prune unused columns and then miss type errors in them, so
a record could count as both good and malformed; ``from_json`` with a corrupt-record column does
not prune.)

A record that cannot be used is never dropped silently: ``split_malformed`` keeps it apart with
the reason and the original text, so the job can count it and write it to a quarantine table.
Malformed means: not a JSON object, a value of the wrong JSON type for its column (e.g. a string
``index``, an integer out of range), no row key, or a datetime in neither accepted form. Junk
*values* of well-formed records (``User Info Error``, ...) are not malformed: cleaning nulls them.
"""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from .cleaning import is_bad_datetime
from .naming import topic_name
from .schemas import CORRUPT_COLUMN, RAW_DATETIMES, RAW_KEYS, RAW_SCHEMAS, with_corrupt_column
from .sink_files import topic_glob

#: Text column of one raw record as read from a file (Spark's text source calls it ``value``).
TEXT_COLUMN = "value"
#: Where a record came from: the file path in batch, stream/shard/sequence number in streaming.
SOURCE_COLUMN = "_source"

MALFORMED_COLUMNS = ("table", "reason", "source", "record")
#: What mark_malformed adds to the raw columns: why a record is malformed, and its text and origin.
REASON_COLUMN = "_reason"
MALFORMED_RECORD_COLUMN = "_malformed_record"
MALFORMED_SOURCE_COLUMN = "_malformed_source"
MARK_COLUMNS = (REASON_COLUMN, MALFORMED_RECORD_COLUMN, MALFORMED_SOURCE_COLUMN)


class RawDataMissingError(RuntimeError):
    """The raw data of a topic is not where the job was told to look."""


def topic_path(source_root: str, prefix: str, table: str) -> str:
    """The folders of one topic in the sink's layout, every Kafka cluster's, as a glob:
    ``<source_root>/topics/*/<prefix>.<table>``."""
    return topic_glob(source_root, topic_name(prefix, table))


def read_topic_text(spark: SparkSession, source_root: str, prefix: str, table: str) -> DataFrame:
    """Every non-blank line of every ``*.json`` object of one topic, with its file path.

    Columns: ``value`` (the line) and ``_source`` (the file). Raises RawDataMissingError naming the
    path when no cluster's folder of the topic exists.
    """
    path = topic_path(source_root, prefix, table)
    reader = (
        spark.read.option("recursiveFileLookup", "true")
        .option("pathGlobFilter", "*.json")
        .option("encoding", "UTF-8")
    )
    return _with_source(lambda: reader.text(path), prefix, table, path)


def read_topic_stream(
    spark: SparkSession, source_root: str, prefix: str, table: str, auto_loader: bool
) -> DataFrame:
    """``read_topic_text`` as a stream: each micro-batch holds the lines of objects that the
    query's checkpoint has not seen yet.

    ``auto_loader`` reads through Databricks' Auto Loader (``cloudFiles``, which keeps its record
    of processed objects in the checkpoint); otherwise through Spark's file stream source, whose
    checkpoint does the same by object path. Same columns as ``read_topic_text``. A topic no
    cluster has written yet is no error here (Spark checks no glob of a stream's path): its
    micro-batches are empty until its first object lands.
    """
    path = topic_path(source_root, prefix, table)
    if auto_loader:
        reader = spark.readStream.format("cloudFiles").option("cloudFiles.format", "text")
    else:
        reader = spark.readStream.format("text").option("recursiveFileLookup", "true")
    reader = reader.option("pathGlobFilter", "*.json").option("encoding", "UTF-8")
    return _with_source(lambda: reader.load(path), prefix, table, path)


def _with_source(load: Callable[[], DataFrame], prefix: str, table: str, path: str) -> DataFrame:
    """The non-blank lines ``load()`` reads, with the object each came from; RawDataMissingError
    naming ``path`` when it does not exist."""
    try:
        lines = load().select(F.col(TEXT_COLUMN), F.col("_metadata.file_path").alias(SOURCE_COLUMN))
        _ = lines.schema  # Spark Connect analyses lazily: a missing path fails here, not later
    except Exception as err:  # AnalysisException [PATH_NOT_FOUND]; its class moved across versions
        if "PATH_NOT_FOUND" in str(err) or "Path does not exist" in str(err):
            raise RawDataMissingError(
                f"no raw data for topic {topic_name(prefix, table)!r}: {path} matches nothing "
                "(check the source root and the prefix; the S3 sink writes "
                "topics/<cluster>/<topic>/...)"
            ) from err
        raise
    # Blank lines are not records (a file may end with an empty line).
    return lines.filter(~F.col(TEXT_COLUMN).rlike(r"^\s*$"))


def parse_records(df: DataFrame, table: str, text_column: str = TEXT_COLUMN) -> DataFrame:
    """Parse the JSON text in ``text_column`` with the raw schema of ``table``.

    Returns the raw columns, ``_corrupt_record`` (the text when it did not fit the schema) and every
    column of ``df`` that is not the parsed text's (e.g. ``value`` and ``_source``).
    """
    schema = with_corrupt_column(RAW_SCHEMAS[_check(table)])
    options = {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT_COLUMN}
    parsed = F.from_json(F.col(text_column).cast("string"), schema, options)
    keep = [F.col(c) for c in df.columns]
    return df.select(*keep, parsed.alias("_parsed")).select(*keep, "_parsed.*")


def malformed_reason(table: str) -> Column:
    """Why a parsed raw record of ``table`` is malformed, or null when it is well-formed."""
    key = RAW_KEYS[_check(table)]
    reason = F.when(F.col(CORRUPT_COLUMN).isNotNull(), F.lit("not a JSON object of the schema"))
    reason = reason.when(F.col(key).isNull(), F.lit(f"missing key {key}"))
    for column in RAW_DATETIMES[table]:
        reason = reason.when(
            is_bad_datetime(F.col(column)), F.lit(f"{column} is not a supported datetime")
        )
    return reason


def mark_malformed(
    parsed: DataFrame,
    table: str,
    text_column: str = TEXT_COLUMN,
    source_column: str | None = SOURCE_COLUMN,
) -> DataFrame:
    """The raw columns of ``table`` plus ``_reason`` (null when the record is well-formed) and, for
    malformed records only, their original text and origin (``_malformed_record``,
    ``_malformed_source``; null for well-formed ones, so that a cached copy stays small).

    ``source_column`` None means the origin is unknown (null).
    """
    reason = F.col(REASON_COLUMN)
    source = F.col(source_column) if source_column else F.lit(None)
    return parsed.withColumn(REASON_COLUMN, malformed_reason(table)).select(
        *RAW_SCHEMAS[table].fieldNames(),
        reason,
        F.when(reason.isNotNull(), F.col(text_column).cast("string")).alias(
            MALFORMED_RECORD_COLUMN
        ),
        F.when(reason.isNotNull(), source.cast("string")).alias(MALFORMED_SOURCE_COLUMN),
    )


def malformed_records(marked: DataFrame, table: str) -> DataFrame:
    """The malformed records of ``mark_malformed``'s output as ``table, reason, source, record``:
    ``record`` is the original text, ``source`` where it came from."""
    reason = F.col(REASON_COLUMN)
    return marked.filter(reason.isNotNull()).select(
        F.lit(table).alias("table"),
        reason.alias("reason"),
        F.col(MALFORMED_SOURCE_COLUMN).alias("source"),
        F.col(MALFORMED_RECORD_COLUMN).alias("record"),
    )


def split_malformed(
    parsed: DataFrame,
    table: str,
    text_column: str = TEXT_COLUMN,
    source_column: str | None = SOURCE_COLUMN,
) -> tuple[DataFrame, DataFrame]:
    """Split parsed records into (well-formed raw rows, malformed records).

    The well-formed rows have exactly the raw columns of ``table``. The malformed ones have
    ``table, reason, source, record``: ``record`` is the original text, ``source`` where it came
    from (null when ``source_column`` is None).
    """
    marked = mark_malformed(parsed, table, text_column, source_column)
    valid = marked.filter(F.col(REASON_COLUMN).isNull()).select(*RAW_SCHEMAS[table].fieldNames())
    return valid, malformed_records(marked, table)


def _check(table: str) -> str:
    if table not in RAW_SCHEMAS:
        raise ValueError(f"unknown table {table!r}: expected one of pin, geo, user")
    return table
