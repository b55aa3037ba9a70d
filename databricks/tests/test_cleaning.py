"""Every cleaning rule of docs/pipeline.md §7, with the source's junk values and edge cases."""

from __future__ import annotations

import datetime as dt
import random

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StringType, StructField, StructType
from pyspark.testing import assertDataFrameEqual

from pinterest_etl.cleaning import (
    clean_geo,
    clean_pin,
    clean_user,
    deduplicate,
    kept_rows,
    mark_duplicates,
    parse_datetime,
    parse_follower_count,
    sorts_first,
)
from pinterest_etl.schemas import GEO_CLEAN, GEO_RAW, PIN_CLEAN, PIN_RAW, USER_CLEAN, USER_RAW


def count_key_conflicts(df, key: str = "ind") -> int:
    """How many keys have more than one distinct row (not counting exact duplicates)."""
    return df.distinct().groupBy(key).count().filter(F.col("count") > 1).count()


FOLLOWER_CASES = [
    ("0", 0),
    ("437", 437),
    ("5k", 5_000),
    ("124k", 124_000),
    ("999k", 999_000),
    ("1M", 1_000_000),
    ("6M", 6_000_000),
    ("5K", 5_000),  # case of the suffix does not matter
    ("1.5k", 1_500),  # decimal mantissa with a suffix, as Pinterest displays counts
    (" 7k ", 7_000),
    ("2147483647", 2_147_483_647),  # int max
    ("2147483648", None),  # beyond int: null, not an overflow error
    ("3000M", None),
    ("999999999999M", None),  # 12 digits times a million: null, not a decimal overflow error
    ("99999999999999999999999999999999M", None),
    ("1.2345k", 1_235),
    ("User Info Error", None),
    ("", None),
    ("   ", None),
    (None, None),
    ("abc", None),
    ("-5", None),
    ("5 k", None),
    ("k", None),
    ("1.5", None),
    ("٣k", None),  # non-ASCII digits are not counts
]


def test_follower_count_to_int(spark: SparkSession) -> None:
    df = spark.createDataFrame(
        [(raw,) for raw, _ in FOLLOWER_CASES], StructType([StructField("raw", StringType())])
    )
    got = [r[0] for r in df.select(parse_follower_count(F.col("raw"))).collect()]
    assert got == [expected for _, expected in FOLLOWER_CASES]
    assert df.select(parse_follower_count(F.col("raw"))).schema[0].dataType.simpleString() == "int"


DATETIME_CASES = [
    ("2019-03-02 17:54:40", dt.datetime(2019, 3, 2, 17, 54, 40)),
    ("2019-03-02T17:54:40", dt.datetime(2019, 3, 2, 17, 54, 40)),
    ("2019-03-02T17:54:40.000Z", dt.datetime(2019, 3, 2, 17, 54, 40)),  # JSON.stringify(Date)
    ("2019-03-02T17:54:40.250", dt.datetime(2019, 3, 2, 17, 54, 40, 250_000)),
    ("2019-03-02T19:54:40+02:00", dt.datetime(2019, 3, 2, 17, 54, 40)),  # zone honoured (UTC)
    (" 2019-03-02 17:54:40 ", dt.datetime(2019, 3, 2, 17, 54, 40)),
    ("2019-02-30 10:00:00", None),  # no such day
    ("2019-03-02", None),  # a bare date is not one of the two forms
    ("2019", None),
    ("02/03/2019 17:54:40", None),
    ("", None),
    (None, None),
]


def test_datetime_accepts_both_forms_only(spark: SparkSession) -> None:
    df = spark.createDataFrame(
        [(raw,) for raw, _ in DATETIME_CASES], StructType([StructField("raw", StringType())])
    )
    got = [r[0] for r in df.select(parse_datetime(F.col("raw"))).collect()]
    assert got == [expected for _, expected in DATETIME_CASES]


def raw_pin(**overrides) -> dict:
    row = {
        "index": 7528,
        "unique_id": "fbe53c66-3442-4773-b19e-d3ec6f54dddf",
        "title": "No Title Data Available",
        "description": "No description available Story format",
        "poster_name": "User Info Error",
        "follower_count": "User Info Error",
        "tag_list": "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",
        "is_image_or_video": "multi-video(story page format)",
        "image_src": "Image src error.",
        "downloaded": 0,
        "save_location": "Local save in /data/mens-fashion",
        "category": "mens-fashion",
    }
    row.update(overrides)
    return row


def test_clean_pin_nulls_every_junk_value_of_the_fully_junk_row(spark: SparkSession) -> None:
    raw = spark.createDataFrame([raw_pin()], PIN_RAW)
    expected = spark.createDataFrame(
        [
            (
                7528,
                "fbe53c66-3442-4773-b19e-d3ec6f54dddf",
                None,
                None,
                None,
                None,
                None,
                "multi-video(story page format)",
                None,
                "/data/mens-fashion",
                "mens-fashion",
            )
        ],
        PIN_CLEAN,
    )
    assertDataFrameEqual(clean_pin(raw), expected)


def test_clean_pin_keeps_real_values_and_orders_columns(spark: SparkSession) -> None:
    title = "Ünïcödé 🎄 Weihnachtsbaum: décor"
    description = "Cozy reading nook ideas for small spaces…\u00a0"
    raw = spark.createDataFrame(
        [
            raw_pin(
                index=0,
                title=title,
                description=description,
                poster_name="Home &amp; Garden | Ideas",
                follower_count="124k",
                tag_list="Home Decor,Reading Nook,Cozy",
                is_image_or_video="image",
                image_src="https://i.pinimg.com/originals/ab/cd/ef/abcdef.jpg",
                downloaded=1,
                save_location="Local save in /data/home-decor",
                category="home-decor",
            )
        ],
        PIN_RAW,
    )
    cleaned = clean_pin(raw)
    assert cleaned.columns == [
        "ind",
        "unique_id",
        "title",
        "description",
        "follower_count",
        "poster_name",
        "tag_list",
        "is_image_or_video",
        "image_src",
        "save_location",
        "category",
    ]
    assert cleaned.schema == PIN_CLEAN
    expected = spark.createDataFrame(
        [
            (
                0,
                "fbe53c66-3442-4773-b19e-d3ec6f54dddf",
                title,
                description,  # the trailing U+2026 U+00A0 is data, not junk
                124_000,
                "Home &amp; Garden | Ideas",  # entities are kept as the source has them
                "Home Decor,Reading Nook,Cozy",
                "image",
                "https://i.pinimg.com/originals/ab/cd/ef/abcdef.jpg",
                "/data/home-decor",
                "home-decor",
            )
        ],
        PIN_CLEAN,
    )
    assertDataFrameEqual(cleaned, expected)


SINGLE_RULE_CASES = [
    ("description", "No description available", None),  # the shorter junk form
    (
        "description",
        "No description available here, sorry",
        "No description available here, sorry",
    ),
    ("title", "", None),
    ("title", " \u00a0 ", None),  # white space only, Unicode spaces included
    ("title", "No Title Data Available ", None),  # junk with a stray space
    ("poster_name", "", None),
    ("unique_id", "", None),
    ("category", "", None),
    ("is_image_or_video", "", None),
    ("tag_list", "N,o, ,T,a,g,s", "N,o, ,T,a,g,s"),  # only the full junk phrase is junk
    ("image_src", "Image src error", "Image src error"),  # the junk has a period
    ("save_location", "/data/art", "/data/art"),  # already a path: kept
    ("save_location", "", None),
    ("follower_count", "0", 0),
    ("title", "Tips for Ḱøŕéàñ 김치", "Tips for Ḱøŕéàñ 김치"),
]


def test_clean_pin_single_rules(spark: SparkSession) -> None:
    # One row per case (one Spark job for all of them), each row junk except the column tested.
    rows = [
        raw_pin(index=i, **{column: raw}) for i, (column, raw, _) in enumerate(SINGLE_RULE_CASES)
    ]
    cleaned = clean_pin(spark.createDataFrame(rows, PIN_RAW)).orderBy("ind").collect()
    for row, (column, raw, expected) in zip(cleaned, SINGLE_RULE_CASES, strict=True):
        assert row[column] == expected, f"{column}={raw!r}"


def test_clean_pin_accepts_inferred_long_types(spark: SparkSession) -> None:
    inferred = StructType(
        [
            StructField(f.name, LongType() if f.name in ("index", "downloaded") else StringType())
            for f in PIN_RAW.fields
        ]
    )
    raw = spark.createDataFrame([raw_pin(index=12, follower_count="3M")], inferred)
    row = clean_pin(raw).first()
    assert (row.ind, row.follower_count) == (12, 3_000_000)
    assert clean_pin(raw).schema == PIN_CLEAN


def test_clean_geo(spark: SparkSession) -> None:
    raw = spark.createDataFrame(
        [
            (1, "2018-06-21 10:13:58", -89.9787, -173.293, "Cocos (Keeling) Islands"),
            (2, "2020-11-03T07:00:01", 12.5, 0.0, "Côte d'Ivoire"),
            (3, "2021-01-01T00:00:00.000Z", None, None, ""),
        ],
        GEO_RAW,
    )
    expected = spark.createDataFrame(
        [
            (
                1,
                "Cocos (Keeling) Islands",
                [-89.9787, -173.293],
                dt.datetime(2018, 6, 21, 10, 13, 58),
            ),
            (2, "Côte d'Ivoire", [12.5, 0.0], dt.datetime(2020, 11, 3, 7, 0, 1)),
            (3, None, None, dt.datetime(2021, 1, 1)),
        ],
        GEO_CLEAN,
    )
    cleaned = clean_geo(raw)
    assert cleaned.schema == GEO_CLEAN
    assertDataFrameEqual(cleaned, expected, checkRowOrder=True)


def test_clean_user(spark: SparkSession) -> None:
    raw = spark.createDataFrame(
        [
            (1, "Ana", "Müller", 20, "2015-10-01 08:00:00"),
            (2, "José", "", 59, "2017-12-31T23:59:59"),
            (3, "", "", 30, "2016-01-01 00:00:00"),
            (4, "Li", "Wei", None, ""),
        ],
        USER_RAW,
    )
    expected = spark.createDataFrame(
        [
            (1, "Ana Müller", 20, dt.datetime(2015, 10, 1, 8)),
            (2, "José", 59, dt.datetime(2017, 12, 31, 23, 59, 59)),
            (3, None, 30, dt.datetime(2016, 1, 1)),
            (4, "Li Wei", None, None),
        ],
        USER_CLEAN,
    )
    cleaned = clean_user(raw)
    assert cleaned.columns == ["ind", "user_name", "age", "date_joined"]
    assert cleaned.schema == USER_CLEAN
    assertDataFrameEqual(cleaned, expected, checkRowOrder=True)


def test_deduplicate_collapses_resends_including_the_other_datetime_form(
    spark: SparkSession,
) -> None:
    raw = spark.createDataFrame(
        [
            (1, "Ana", "Müller", 20, "2015-10-01 08:00:00"),
            (1, "Ana", "Müller", 20, "2015-10-01 08:00:00"),
            (1, "Ana", "Müller", 20, "2015-10-01T08:00:00"),
            (2, "Bo", "Li", 33, "2016-02-02 02:02:02"),
        ],
        USER_RAW,
    )
    cleaned = clean_user(raw)
    expected = spark.createDataFrame(
        [
            (1, "Ana Müller", 20, dt.datetime(2015, 10, 1, 8)),
            (2, "Bo Li", 33, dt.datetime(2016, 2, 2, 2, 2, 2)),
        ],
        USER_CLEAN,
    )
    assertDataFrameEqual(deduplicate(cleaned), expected)
    assert count_key_conflicts(cleaned) == 0


def test_deduplicate_resolves_a_key_conflict_deterministically(spark: SparkSession) -> None:
    cleaned = spark.createDataFrame(
        [
            (5, None, 41, dt.datetime(2016, 5, 5)),
            (5, "Zoe Kim", 41, dt.datetime(2016, 5, 5)),
            (5, "Ann Kim", 41, dt.datetime(2016, 5, 5)),
            (6, "Max Roe", 22, None),
        ],
        USER_CLEAN,
    )
    expected = spark.createDataFrame(
        [(5, "Ann Kim", 41, dt.datetime(2016, 5, 5)), (6, "Max Roe", 22, None)], USER_CLEAN
    )
    # The same answer whatever the input order: smallest other columns first, nulls last.
    assertDataFrameEqual(deduplicate(cleaned), expected)
    assertDataFrameEqual(deduplicate(cleaned.orderBy(F.col("user_name").desc())), expected)
    assert count_key_conflicts(cleaned) == 1


def test_mark_duplicates_flags_give_the_distinct_and_kept_counts(spark: SparkSession) -> None:
    """The job's statistics count the flags instead of running distinct(): they must agree,
    with nulls and arrays among the compared columns."""
    when = dt.datetime(2019, 5, 5, 10)
    cleaned = spark.createDataFrame(
        [
            (0, "Albania", [-45.5, 100.25], when),
            (0, "Albania", [-45.5, 100.25], when),  # exact resend
            (0, "Albania", [-45.5, 100.25], when),  # and again
            (0, "Albania", [-45.5, None], when),  # another version of key 0
            (1, None, None, None),
            (1, None, None, None),  # a resend that is all nulls but the key
            (2, "Chad", [1.0, 2.0], when),
            (2, "Chad", [1.0, 2.0], None),  # another version, differing only by a null
            (3, "Peru", [3.0, 4.0], when),
        ],
        GEO_CLEAN,
    )
    marked = mark_duplicates(cleaned)
    first_copies = marked.filter(F.col("_first_copy")).count()
    kept = marked.filter(F.col("_kept")).count()
    assert (first_copies, kept) == (cleaned.distinct().count(), 4) == (6, 4)
    assert marked.count() == cleaned.count()
    expected = spark.createDataFrame(
        [(1, None, None, None), (2, "Chad", [1.0, 2.0], when), (3, "Peru", [3.0, 4.0], when)],
        GEO_CLEAN,
    )
    assertDataFrameEqual(kept_rows(marked).filter("ind > 0"), expected)
    assert kept_rows(marked).columns == cleaned.columns


def test_sorts_first_keeps_the_row_mark_duplicates_keeps(spark: SparkSession) -> None:
    """The incremental MERGE's rule (``sorts_first``) against the full run's (``deduplicate``) on
    pairs of versions of one key that differ in every way: values, nulls on either side, equal
    prefixes, arrays of different lengths, and equal rows."""
    values = {
        "n": [None, -1, 0, 7],
        "s": [None, "", "a", "ab", "b"],
        "when": [None, dt.datetime(2020, 1, 1), dt.datetime(2021, 6, 30, 12)],
        "xy": [None, [1.0], [1.0, 2.0], [0.5, 9.0]],
    }
    rng = random.Random(7)
    pairs = [tuple(tuple(rng.choice(v) for v in values.values()) for _ in "st") for _ in range(400)]
    pairs += [(row, row) for row, _ in pairs[:20]]
    schema = "key int, n int, s string, when timestamp, xy array<double>"
    rows = [(k, *row) for k, pair in enumerate(pairs) for row in pair]
    kept = kept_rows(mark_duplicates(spark.createDataFrame(rows, schema), key="key"))
    expected = {r.key: tuple(r)[1:] for r in kept.collect()}

    sides = spark.createDataFrame(
        [(k, *s, *t) for k, (s, t) in enumerate(pairs)],
        "key int, n int, s string, when timestamp, xy array<double>, "
        "t_n int, t_s string, t_when timestamp, t_xy array<double>",
    )
    s = sides.select("key", F.struct("n", "s", "when", "xy").alias("s"),
                     F.struct(*(F.col(f"t_{c}").alias(c) for c in values)).alias("t"))  # fmt: skip
    wins = s.select("key", "s", "t", F.expr(sorts_first(list(values), "s", "t")).alias("wins"))
    got = {r.key: tuple(r.s if r.wins else r.t) for r in wins.collect()}
    assert got == expected
    assert 0 < sum(r.wins for r in wins.collect()) < len(pairs)
