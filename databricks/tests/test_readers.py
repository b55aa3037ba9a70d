"""Reading the sink's JSON files with explicit schemas; malformed records kept apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from pinterest_etl.readers import (
    RawDataMissingError,
    parse_records,
    read_topic_text,
    split_malformed,
    topic_path,
)
from pinterest_etl.schemas import GEO_RAW, PIN_RAW
from pinterest_etl.sink_files import write_objects


def read_topic(spark: SparkSession, source_root: str, prefix: str, table: str) -> tuple:
    """(well-formed raw rows, malformed records) of one topic under ``source_root``."""
    parsed = parse_records(read_topic_text(spark, source_root, prefix, table), table)
    return split_malformed(parsed, table)


GOOD_GEO = [
    {"ind": 1, "timestamp": "2018-06-21 10:13:58", "latitude": -89.9787, "longitude": -173.293,
     "country": "Albania"},
    {"ind": 2, "timestamp": "2020-11-03T07:00:01", "latitude": 12.5, "longitude": 3,
     "country": "Côte d'Ivoire"},
    # extra fields are ignored; follower-style numbers as strings are fine in string columns
    {"ind": 3, "timestamp": "2021-01-01T00:00:00.000Z", "latitude": 1.0, "longitude": 2.0,
     "country": "Réunion", "unexpected": True},
]  # fmt: skip

NOT_OBJECT = "not a JSON object of the schema"

BAD_GEO = [
    ('{"ind": 4, "timestamp": "2019-01-01 00:00:00", "latitude": 1.0', NOT_OBJECT),
    ('[1, 2, 3]', NOT_OBJECT),
    ('{"ind": "five", "timestamp": "2019-01-01 00:00:00"}', NOT_OBJECT),
    ('{"ind": 6, "latitude": "north", "timestamp": "2019-01-01 00:00:00"}', NOT_OBJECT),
    ('{"ind": 99999999999, "timestamp": "2019-01-01 00:00:00"}', NOT_OBJECT),
    ('{"timestamp": "2019-01-01 00:00:00", "country": "Chad"}', "missing key ind"),
    ('{"ind": null, "timestamp": "2019-01-01 00:00:00"}', "missing key ind"),
    ('{"ind": 7, "timestamp": "01/02/2019 10:00"}', "timestamp is not a supported datetime"),
    ("null", NOT_OBJECT),
]  # fmt: skip


def test_geo_good_rows_and_malformed_records_are_split(spark: SparkSession, tmp_path: Path) -> None:
    lines = [json.dumps(r, ensure_ascii=False) for r in GOOD_GEO] + [b for b, _ in BAD_GEO]
    # Several objects of 4 lines each, one of them followed by a blank line (not a record).
    files = write_objects(str(tmp_path), "pin-dev.geo", lines, records_per_object=4)
    with open(files[0], "a", encoding="utf-8") as f:
        f.write("\n   \n")

    valid, malformed = read_topic(spark, str(tmp_path), "pin-dev", "geo")

    assert valid.schema == GEO_RAW
    assert sorted(tuple(r) for r in valid.collect()) == [
        (1, "2018-06-21 10:13:58", -89.9787, -173.293, "Albania"),
        (2, "2020-11-03T07:00:01", 12.5, 3.0, "Côte d'Ivoire"),
        (3, "2021-01-01T00:00:00.000Z", 1.0, 2.0, "Réunion"),
    ]
    got = sorted((r.record, r.reason, r.table) for r in malformed.collect())
    assert got == sorted((line, reason, "geo") for line, reason in BAD_GEO)
    sources = {r.source for r in malformed.collect()}
    assert sources == {f"file:{f}" for f in files}
    assert valid.count() + malformed.count() == len(GOOD_GEO) + len(BAD_GEO)


def test_a_type_error_in_a_column_cleaning_ignores_is_still_malformed(
    spark: SparkSession, tmp_path: Path
) -> None:
    # `downloaded` is not in the cleaned pin table. Spark's JSON file source would prune it and
    # let this record pass as good while the quarantine also counted it; the text+from_json reader
    # must classify it once, as malformed, whichever columns the query uses.
    bad = {"index": 1, "downloaded": "yes", "category": "art"}
    good = {"index": 2, "downloaded": 1, "category": "art", "follower_count": 437}
    write_objects(str(tmp_path), "p.pin", [bad, good])
    valid, malformed = read_topic(spark, str(tmp_path), "p", "pin")
    assert [r["index"] for r in valid.select("index").collect()] == [2]
    assert valid.schema == PIN_RAW
    # a JSON number in the string column follower_count is kept as its text
    assert valid.select("follower_count").first()[0] == "437"
    assert [r.reason for r in malformed.select("reason").collect()] == [
        "not a JSON object of the schema"
    ]


def test_partitions_are_all_read(spark: SparkSession, tmp_path: Path) -> None:
    rows = [{"ind": i, "first_name": "Ann", "last_name": "Lee", "age": 30,
             "date_joined": "2016-01-01 00:00:00"} for i in range(6)]  # fmt: skip
    write_objects(str(tmp_path), "p.user", rows[:3], partition=0)
    write_objects(str(tmp_path), "p.user", rows[3:], partition=1, start_offset=0)
    valid, malformed = read_topic(spark, str(tmp_path), "p", "user")
    assert sorted(r.ind for r in valid.select("ind").collect()) == list(range(6))
    assert malformed.count() == 0


def test_missing_topic_folder_names_the_path(spark: SparkSession, tmp_path: Path) -> None:
    with pytest.raises(RawDataMissingError) as err:
        read_topic(spark, str(tmp_path), "pin-dev", "pin")
    assert topic_path(str(tmp_path), "pin-dev", "pin") in str(err.value)
    assert topic_path(str(tmp_path), "pin-dev", "pin").endswith("/topics/*/pin-dev.pin")
