"""The nine results on a small hand-built dataset; every expectation is computed by hand below.

pins (ind: country, category, follower_count, poster, posted; user age, joined)
  1: Albania  art      100   A1  2018-01-01 00:00:00   age 18  2015-03-01
  2: Albania  art      200   A2  2019-01-01            age 24  2015-07-01
  3: Albania  travel   300   A3  2019-06-01            age 25  2016-01-01
  4: Brazil   diy      5000  B1  2020-01-01            age 35  2016-05-05
  5: Brazil   tattoos  5000  B2  2020-02-01            age 36  2017-01-01
  6: Chad     quotes   5000  C1  2017-12-31 23:59:59   age 50  2014-12-31
  7: Chad     quotes   null  null 2023-01-01           age 51  2017-06-01
  8: null     art      999   X   2018-01-01            age 17  2015-01-01
  9: Albania  null     50    A4  2018-02-02            age 59  2020-12-31
 10: Chad     beauty   10    C2  2022-12-31 23:59:59   age 30  2021-01-01
 11: Albania  art      300   A3  2021-03-03            age null 2016-02-02
 12: (no pin, no geo)                                  age 40  2015-05-05
"""

from __future__ import annotations

import datetime as dt

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import IntegerType, LongType, StringType, StructField, StructType
from pyspark.testing import assertDataFrameEqual

from pinterest_etl import analysis as A
from pinterest_etl.schemas import GEO_CLEAN, PIN_CLEAN, USER_CLEAN

T = dt.datetime

PINS = [
    # ind, country, category, followers, poster, posted, age, joined
    (1, "Albania", "art", 100, "A1", T(2018, 1, 1), 18, T(2015, 3, 1)),
    (2, "Albania", "art", 200, "A2", T(2019, 1, 1), 24, T(2015, 7, 1)),
    (3, "Albania", "travel", 300, "A3", T(2019, 6, 1), 25, T(2016, 1, 1)),
    (4, "Brazil", "diy", 5000, "B1", T(2020, 1, 1), 35, T(2016, 5, 5)),
    (5, "Brazil", "tattoos", 5000, "B2", T(2020, 2, 1), 36, T(2017, 1, 1)),
    (6, "Chad", "quotes", 5000, "C1", T(2017, 12, 31, 23, 59, 59), 50, T(2014, 12, 31)),
    (7, "Chad", "quotes", None, None, T(2023, 1, 1), 51, T(2017, 6, 1)),
    (8, None, "art", 999, "X", T(2018, 1, 1), 17, T(2015, 1, 1)),
    (9, "Albania", None, 50, "A4", T(2018, 2, 2), 59, T(2020, 12, 31)),
    (10, "Chad", "beauty", 10, "C2", T(2022, 12, 31, 23, 59, 59), 30, T(2021, 1, 1)),
    (11, "Albania", "art", 300, "A3", T(2021, 3, 3), None, T(2016, 2, 2)),
]
# ind, user_name, age, joined: 12 has no pin; 13 is user 1's second post (same name and joining).
EXTRA_USERS = [(12, "User 12", 40, T(2015, 5, 5)), (13, "User 1", 18, T(2015, 3, 1))]


@pytest.fixture(scope="module")
def tables(spark: SparkSession) -> tuple[DataFrame, DataFrame, DataFrame]:
    pin = spark.createDataFrame(
        [
            (i, f"uuid-{i}", "t", "d", fc, poster, "tags", "image", "src", f"/data/{cat}", cat)
            for i, _, cat, fc, poster, _, _, _ in PINS
        ],
        PIN_CLEAN,
    )
    geo = spark.createDataFrame(
        [(i, country, [1.0, 2.0], posted) for i, country, _, _, _, posted, _, _ in PINS],
        GEO_CLEAN,
    )
    user = spark.createDataFrame(
        [(i, f"User {i}", age, joined) for i, *_, age, joined in PINS] + EXTRA_USERS,
        USER_CLEAN,
    )
    return pin.cache(), geo.cache(), user.cache()


def schema(*fields: tuple[str, object]) -> StructType:
    return StructType([StructField(name, kind()) for name, kind in fields])


CATEGORY_COUNT = ("category", StringType), ("category_count", LongType)


def check(actual: DataFrame, rows: list[tuple], fields: StructType) -> None:
    """Same rows in display order, same column names and types."""
    expected = actual.sparkSession.createDataFrame(rows, fields)
    assertDataFrameEqual(A.display_order(actual), expected, checkRowOrder=True)


def test_age_groups_and_their_boundaries(spark: SparkSession) -> None:
    ages = [17, 18, 24, 25, 35, 36, 50, 51, 59, None]
    df = spark.createDataFrame([(a,) for a in ages], "age int")
    got = [r[0] for r in df.select(A.age_group(F.col("age"))).collect()]
    assert got == [None, "18-24", "18-24", "25-35", "25-35", "36-50", "36-50", "+50", "+50", None]


def test_4_most_popular_category_per_country_keeps_ties(tables) -> None:
    pin, geo, _ = tables
    # Albania: art 1,2,11 (travel 1; the null category of 9 is not a category); Brazil: a tie;
    # Chad: quotes 6,7 over beauty 10; ind 8 has no country.
    check(
        A.popular_category_by_country(pin, geo),
        [("Albania", "art", 3), ("Brazil", "diy", 1), ("Brazil", "tattoos", 1),
         ("Chad", "quotes", 2)],
        schema(("country", StringType), *CATEGORY_COUNT),
    )  # fmt: skip


def test_5_most_popular_category_per_year_2018_to_2022(tables) -> None:
    pin, geo, _ = tables
    # 2018: art 1,8 (9 has no category); 2019 and 2020: ties; 2021: art 11; 2022: beauty 10 at
    # the very end of the year. 2017 (6, one second before 2018) and 2023 (7) are outside.
    check(
        A.popular_category_by_year(pin, geo),
        [(2018, "art", 2), (2019, "art", 1), (2019, "travel", 1), (2020, "diy", 1),
         (2020, "tattoos", 1), (2021, "art", 1), (2022, "beauty", 1)],
        schema(("post_year", IntegerType), *CATEGORY_COUNT),
    )  # fmt: skip


def test_6a_top_poster_per_country(tables) -> None:
    pin, geo, _ = tables
    # Albania: A3 with 300 (two pins, one row); Brazil: B1 and B2 tie at 5000; Chad: C1 5000
    # (7's junk poster and count are null, so it takes no part).
    check(
        A.top_poster_by_country(pin, geo),
        [("Albania", "A3", 300), ("Brazil", "B1", 5000), ("Brazil", "B2", 5000),
         ("Chad", "C1", 5000)],
        schema(("country", StringType), ("poster_name", StringType),
               ("follower_count", IntegerType)),
    )  # fmt: skip


def test_6b_country_with_the_top_poster_keeps_ties(tables) -> None:
    pin, geo, _ = tables
    check(
        A.country_with_top_poster(pin, geo),
        [("Brazil", 5000), ("Chad", 5000)],
        schema(("country", StringType), ("follower_count", IntegerType)),
    )


def test_7_most_popular_category_per_age_group(tables) -> None:
    pin, _, user = tables
    # 18-24: 1,2 art; 25-35: 3 travel, 4 diy, 10 beauty (three-way tie); 36-50: 5 tattoos,
    # 6 quotes; +50: 7 quotes (9 has no category). 8 (17) and 11 (no age) are in no group.
    check(
        A.popular_category_by_age_group(pin, user),
        [("18-24", "art", 2), ("25-35", "beauty", 1), ("25-35", "diy", 1),
         ("25-35", "travel", 1), ("36-50", "quotes", 1), ("36-50", "tattoos", 1),
         ("+50", "quotes", 1)],
        schema(("age_group", StringType), *CATEGORY_COUNT),
    )  # fmt: skip


MEDIAN = ("median_follower_count", IntegerType)


def test_8_median_follower_count_per_age_group(tables) -> None:
    pin, _, user = tables
    # 18-24: [100, 200] -> 100 (percentile_approx gives the lower middle value);
    # 25-35: [10, 300, 5000] -> 300; 36-50: [5000, 5000]; +50: [50] (7's null is ignored).
    check(
        A.median_followers_by_age_group(pin, user),
        [("18-24", 100), ("25-35", 300), ("36-50", 5000), ("+50", 50)],
        schema(("age_group", StringType), MEDIAN),
    )


def test_9_users_joined_per_year_2015_to_2020(tables) -> None:
    _, _, user = tables
    # 2015: 1, 2, 8, 12 (a user without a pin counts; 13 is user 1 again, counted once);
    # 2016: 3, 4, 11; 2017: 5, 7; 2020: 9 on its last day. 6 (2014) and 10 (2021) are outside.
    check(
        A.users_joined_by_year(user),
        [(2015, 4), (2016, 3), (2017, 2), (2020, 1)],
        schema(("post_year", IntegerType), ("number_users_joined", LongType)),
    )


def test_10_median_follower_count_by_joining_year(tables) -> None:
    pin, _, user = tables
    # 2015: [100, 200, 999] -> 200; 2016: [300, 300, 5000] -> 300; 2017: [5000] (7 is null);
    # 2020: [50].
    check(
        A.median_followers_by_join_year(pin, user),
        [(2015, 200), (2016, 300), (2017, 5000), (2020, 50)],
        schema(("post_year", IntegerType), MEDIAN),
    )


def test_11_median_follower_count_by_age_group_and_joining_year(tables) -> None:
    pin, _, user = tables
    # 18-24/2015: [100, 200] -> 100; 25-35/2016: [300, 5000] -> 300 (10 joined 2021, 11 has no
    # age); 36-50/2017: [5000] (6 joined 2014); +50/2017 has only 7's null: no row; +50/2020: [50].
    check(
        A.median_followers_by_age_group_and_join_year(pin, user),
        [("18-24", 2015, 100), ("25-35", 2016, 300), ("36-50", 2017, 5000), ("+50", 2020, 50)],
        schema(("age_group", StringType), ("post_year", IntegerType), MEDIAN),
    )


def test_run_analyses_gives_the_nine_tables_in_task_order(tables) -> None:
    pin, geo, user = tables
    results = A.run_analyses(pin, geo, user)
    assert [a.task for a in A.ANALYSES] == ["4", "5", "6a", "6b", "7", "8", "9", "10", "11"]
    assert list(results) == [a.suffix for a in A.ANALYSES]
    assert results["country_with_top_poster"].columns == ["country", "follower_count"]
