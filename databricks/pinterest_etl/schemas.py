"""Explicit schemas of the raw records and of the cleaned tables (docs/pipeline.md §3 and §7).

Raw schemas describe one JSON object as the emulator sends it and the S3 sink / Kinesis stores it:
integers as JSON numbers, ``follower_count`` as a string, datetimes as strings (two forms occur, so
they are parsed during cleaning, not by the reader). Integer columns are read as ``int`` directly:
a value that is not an integer that fits, or any other type mismatch, makes the record malformed
instead of silently becoming null.
"""

from __future__ import annotations

from pyspark.sql.types import (
    ArrayType,
    DoubleType,
    IntegerType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

#: Column that keeps the raw text of a record Spark could not parse against the schema.
CORRUPT_COLUMN = "_corrupt_record"

PIN_RAW = StructType(
    [
        StructField("index", IntegerType()),
        StructField("unique_id", StringType()),
        StructField("title", StringType()),
        StructField("description", StringType()),
        StructField("poster_name", StringType()),
        StructField("follower_count", StringType()),
        StructField("tag_list", StringType()),
        StructField("is_image_or_video", StringType()),
        StructField("image_src", StringType()),
        StructField("downloaded", IntegerType()),
        StructField("save_location", StringType()),
        StructField("category", StringType()),
    ]
)

GEO_RAW = StructType(
    [
        StructField("ind", IntegerType()),
        StructField("timestamp", StringType()),
        StructField("latitude", DoubleType()),
        StructField("longitude", DoubleType()),
        StructField("country", StringType()),
    ]
)

USER_RAW = StructType(
    [
        StructField("ind", IntegerType()),
        StructField("first_name", StringType()),
        StructField("last_name", StringType()),
        StructField("age", IntegerType()),
        StructField("date_joined", StringType()),
    ]
)

RAW_SCHEMAS: dict[str, StructType] = {"pin": PIN_RAW, "geo": GEO_RAW, "user": USER_RAW}

#: The row key of each raw table (pin still calls it ``index``; cleaning renames it).
RAW_KEYS: dict[str, str] = {"pin": "index", "geo": "ind", "user": "ind"}

#: Raw datetime columns that must parse (either accepted form) for a record to be well-formed.
RAW_DATETIMES: dict[str, tuple[str, ...]] = {
    "pin": (),
    "geo": ("timestamp",),
    "user": ("date_joined",),
}

PIN_CLEAN = StructType(
    [
        StructField("ind", IntegerType()),
        StructField("unique_id", StringType()),
        StructField("title", StringType()),
        StructField("description", StringType()),
        StructField("follower_count", IntegerType()),
        StructField("poster_name", StringType()),
        StructField("tag_list", StringType()),
        StructField("is_image_or_video", StringType()),
        StructField("image_src", StringType()),
        StructField("save_location", StringType()),
        StructField("category", StringType()),
    ]
)

GEO_CLEAN = StructType(
    [
        StructField("ind", IntegerType()),
        StructField("country", StringType()),
        StructField("coordinates", ArrayType(DoubleType())),
        StructField("timestamp", TimestampType()),
    ]
)

USER_CLEAN = StructType(
    [
        StructField("ind", IntegerType()),
        StructField("user_name", StringType()),
        StructField("age", IntegerType()),
        StructField("date_joined", TimestampType()),
    ]
)

CLEAN_SCHEMAS: dict[str, StructType] = {"pin": PIN_CLEAN, "geo": GEO_CLEAN, "user": USER_CLEAN}


def with_corrupt_column(schema: StructType) -> StructType:
    """``schema`` plus the string column Spark fills with the raw text of an unparsable record."""
    return StructType([*schema.fields, StructField(CORRUPT_COLUMN, StringType())])
