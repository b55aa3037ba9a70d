"""The nine result tables of docs/pipeline.md §8 (the course's tasks 4 to 11).

Inputs are the cleaned, de-duplicated tables; joins are inner joins on ``ind``. Column names are
the course's, including ``post_year`` for the *joining* year in tasks 9 to 11.

Decisions (also in databricks/README.md):
- "Most popular" is the highest count; ties keep every tied row (``rank() == 1``).
- Rows whose grouping value or counted value is null (junk cleaned to null, an age under 18, a
  year outside the range) take no part in that result.
- Medians are ``percentile_approx(x, 0.5)`` as in the course: an actual value of the group, the
  lower of the two middle values when the count is even (exact up to a million values per group:
  ``MEDIAN_ACCURACY``).
- Results are sets (written unsorted); ``display_order`` sorts one for display, by its columns
  left to right with age groups youngest first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

AGE_GROUPS = ("18-24", "25-35", "36-50", "+50")

POST_YEARS = (2018, 2022)
JOIN_YEARS = (2015, 2020)


def age_group(age: Column) -> Column:
    """``18-24``, ``25-35``, ``36-50`` or ``+50`` (over 50); null under 18 or unknown."""
    return (
        F.when(age.between(18, 24), "18-24")
        .when(age.between(25, 35), "25-35")
        .when(age.between(36, 50), "36-50")
        .when(age > 50, "+50")
    )


def _age_group_order(c: Column) -> Column:
    return F.array_position(F.array(*[F.lit(g) for g in AGE_GROUPS]), c)


def display_order(df: DataFrame) -> DataFrame:
    """``df`` sorted by its columns left to right, age groups youngest first."""
    keys = [
        _age_group_order(F.col(c)) if c == "age_group" else F.col(c).asc_nulls_last()
        for c in df.columns
    ]
    return df.orderBy(*keys)


def _most_popular(df: DataFrame, group: str, item: str, count_name: str) -> DataFrame:
    """Per ``group``, the ``item`` values with the highest row count (all of them on a tie)."""
    counts = (
        df.filter(F.col(group).isNotNull() & F.col(item).isNotNull())
        .groupBy(group, item)
        .agg(F.count(F.lit(1)).alias(count_name))
    )
    by_count = Window.partitionBy(group).orderBy(F.col(count_name).desc())
    return counts.withColumn("_rank", F.rank().over(by_count)).filter("_rank = 1").drop("_rank")


#: ``percentile_approx``'s accuracy: exact for groups of up to this many values. At the default
#: (10,000) a larger group's median depends on the order rows arrive in, so a table merged day by
#: day (more, smaller files) gave another median than the same rows written at once.
MEDIAN_ACCURACY = 1_000_000


def _median_followers(df: DataFrame, *groups: str) -> DataFrame:
    median = F.percentile_approx("follower_count", 0.5, MEDIAN_ACCURACY)
    return (
        df.filter(F.col("follower_count").isNotNull())
        .groupBy(*groups)
        .agg(median.alias("median_follower_count"))
    )


def _pin_geo(pin: DataFrame, geo: DataFrame) -> DataFrame:
    return pin.join(geo, "ind")


def _pin_user(pin: DataFrame, user: DataFrame) -> DataFrame:
    return pin.join(user, "ind").withColumn("age_group", age_group(F.col("age")))


def popular_category_by_country(pin: DataFrame, geo: DataFrame) -> DataFrame:
    """Task 4: ``country, category, category_count``."""
    result = _most_popular(_pin_geo(pin, geo), "country", "category", "category_count")
    return result.select("country", "category", "category_count")


def popular_category_by_year(
    pin: DataFrame, geo: DataFrame, years: tuple[int, int] = POST_YEARS
) -> DataFrame:
    """Task 5: ``post_year, category, category_count`` for posting years in ``years``
    (inclusive)."""
    joined = _pin_geo(pin, geo).withColumn("post_year", F.year("timestamp"))
    joined = joined.filter(F.col("post_year").between(*years))
    result = _most_popular(joined, "post_year", "category", "category_count")
    return result.select("post_year", "category", "category_count")


def top_poster_by_country(pin: DataFrame, geo: DataFrame) -> DataFrame:
    """Task 6a: ``country, poster_name, follower_count``: per country the poster(s) with the most
    followers; one row per poster even when they posted several times."""
    joined = _pin_geo(pin, geo).filter(
        F.col("country").isNotNull()
        & F.col("poster_name").isNotNull()
        & F.col("follower_count").isNotNull()
    )
    by_country = Window.partitionBy("country")
    result = (
        joined.withColumn("_max", F.max("follower_count").over(by_country))
        .filter(F.col("follower_count") == F.col("_max"))
        .select("country", "poster_name", "follower_count")
        .distinct()
    )
    return result


def country_with_top_poster(pin: DataFrame, geo: DataFrame) -> DataFrame:
    """Task 6b: ``country, follower_count``: the country (all of them on a tie) whose top poster
    has the most followers."""
    per_country = top_poster_by_country(pin, geo).select("country", "follower_count").distinct()
    top = per_country.agg(F.max("follower_count").alias("_max"))
    result = per_country.join(top, F.col("follower_count") == F.col("_max"))
    return result.select("country", "follower_count")


def popular_category_by_age_group(pin: DataFrame, user: DataFrame) -> DataFrame:
    """Task 7: ``age_group, category, category_count``."""
    result = _most_popular(_pin_user(pin, user), "age_group", "category", "category_count")
    return result.select("age_group", "category", "category_count")


def median_followers_by_age_group(pin: DataFrame, user: DataFrame) -> DataFrame:
    """Task 8: ``age_group, median_follower_count``."""
    joined = _pin_user(pin, user).filter(F.col("age_group").isNotNull())
    return _median_followers(joined, "age_group")


def _with_join_year(df: DataFrame, years: tuple[int, int]) -> DataFrame:
    df = df.withColumn("post_year", F.year("date_joined"))
    return df.filter(F.col("post_year").between(*years))


def users_joined_by_year(user: DataFrame, years: tuple[int, int] = JOIN_YEARS) -> DataFrame:
    """Task 9: ``post_year, number_users_joined`` (``post_year`` is the joining year, as the
    course names it): distinct users, not user rows. The user table has one row per post
    (``ind``), so a user who posted 30 times has 30 rows; the data has no user id, so a user is
    their name with the instant they joined (two people of one name joining in the same second
    count once)."""
    user_id = F.struct("user_name", "date_joined")
    result = (
        _with_join_year(user, years)
        .groupBy("post_year")
        .agg(F.count_distinct(user_id).alias("number_users_joined"))
    )
    return result


def median_followers_by_join_year(
    pin: DataFrame, user: DataFrame, years: tuple[int, int] = JOIN_YEARS
) -> DataFrame:
    """Task 10: ``post_year, median_follower_count`` by joining year."""
    joined = _with_join_year(_pin_user(pin, user), years)
    return _median_followers(joined, "post_year")


def median_followers_by_age_group_and_join_year(
    pin: DataFrame, user: DataFrame, years: tuple[int, int] = JOIN_YEARS
) -> DataFrame:
    """Task 11: ``age_group, post_year, median_follower_count``."""
    joined = _with_join_year(_pin_user(pin, user), years).filter(F.col("age_group").isNotNull())
    return _median_followers(joined, "age_group", "post_year")


@dataclass(frozen=True)
class Analysis:
    """One result table: the course task, the table-name suffix, what it answers, how."""

    task: str
    suffix: str
    question: str
    compute: Callable[[DataFrame, DataFrame, DataFrame], DataFrame]


ANALYSES: tuple[Analysis, ...] = (
    Analysis(
        "4",
        "popular_category_by_country",
        "most popular category per country",
        lambda pin, geo, user: popular_category_by_country(pin, geo),
    ),
    Analysis(
        "5",
        "popular_category_by_year",
        "most popular category per posting year 2018-2022",
        lambda pin, geo, user: popular_category_by_year(pin, geo),
    ),
    Analysis(
        "6a",
        "top_poster_by_country",
        "per country, the poster with the most followers",
        lambda pin, geo, user: top_poster_by_country(pin, geo),
    ),
    Analysis(
        "6b",
        "country_with_top_poster",
        "the country whose top poster has the most followers",
        lambda pin, geo, user: country_with_top_poster(pin, geo),
    ),
    Analysis(
        "7",
        "popular_category_by_age_group",
        "most popular category per age group",
        lambda pin, geo, user: popular_category_by_age_group(pin, user),
    ),
    Analysis(
        "8",
        "median_followers_by_age_group",
        "median follower count per age group",
        lambda pin, geo, user: median_followers_by_age_group(pin, user),
    ),
    Analysis(
        "9",
        "users_joined_by_year",
        "users joined per year 2015-2020 (post_year = joining year)",
        lambda pin, geo, user: users_joined_by_year(user),
    ),
    Analysis(
        "10",
        "median_followers_by_join_year",
        "median follower count by joining year 2015-2020",
        lambda pin, geo, user: median_followers_by_join_year(pin, user),
    ),
    Analysis(
        "11",
        "median_followers_by_age_group_and_join_year",
        "median follower count by joining year 2015-2020 and age group",
        lambda pin, geo, user: median_followers_by_age_group_and_join_year(pin, user),
    ),
)


def run_analyses(pin: DataFrame, geo: DataFrame, user: DataFrame) -> dict[str, DataFrame]:
    """Every result table, keyed by its suffix, in task order."""
    return {a.suffix: a.compute(pin, geo, user) for a in ANALYSES}
