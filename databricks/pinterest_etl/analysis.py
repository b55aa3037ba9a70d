"""The nine result tables of docs/pipeline.md §8 (the course's tasks 4 to 11).

Inputs are the cleaned, de-duplicated tables; joins are inner joins on ``ind``. Column names are
the course's, including ``post_year`` for the *joining* year in tasks 9 to 11.

Decisions (also in databricks/README.md):
- "Most popular" is the highest count; ties keep every tied row (``rank() == 1``).
- Rows whose grouping value or counted value is null (junk cleaned to null, an age under 18, a
  year outside the range) take no part in that result.
- Medians are the course's ``percentile_approx(x, 0.5)``, exactly: an actual value of the group,
  the lower of the two middle values when the count is even.

Every result is read from counts alone (``COUNTED``: how many source rows hold each distinct
values of a few columns, e.g. per age group each follower count) and never from the rows: counts
can be added to and taken from, so the batch job keeps them in a table and updates them from the
rows that changed (job.py, ``results.py``), and a full run computes them from every row, through
the same ``finish`` of each ``Analysis``. Two kinds hold a group per user and per poster; their
present groups are also counted per joining year and per country and follower count
(``PRESENT``), so that results 6a, 6b and 9 read a few rows, not every user or poster.
- Results are sets (written unsorted); ``display_order`` sorts one for display, by its columns
  left to right with age groups youngest first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Protocol

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

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


#: A column that the rows of an incremental run's change carry (``results``): +1 for a row as it
#: is now, -1 for one as it was. A source keeps it, joining rows of the same sign only, and so
#: does what a ``Counted`` takes from a source: a kind counts it as its ``n``.
SIGN = "_sign"


def _keys(df: DataFrame) -> list[str]:
    """What a source joins its tables' rows on: ``ind``, and ``SIGN`` when the rows have it."""
    return ["ind", SIGN] if SIGN in df.columns else ["ind"]


def _keyed(df: DataFrame, *columns: str) -> DataFrame:
    """``df``'s keys (``_keys``) and ``columns``."""
    return df.select(*_keys(df), *columns)


def _pin_geo(pin: DataFrame, geo: DataFrame) -> DataFrame:
    return pin.join(geo, _keys(pin))


def _pin_user(pin: DataFrame, user: DataFrame) -> DataFrame:
    return pin.join(user, _keys(pin)).withColumn("age_group", age_group(F.col("age")))


def _with_join_year(df: DataFrame, years: tuple[int, int]) -> DataFrame:
    df = df.withColumn("post_year", F.year("date_joined"))
    return df.filter(F.col("post_year").between(*years))


def _with_post_year(df: DataFrame, years: tuple[int, int]) -> DataFrame:
    df = df.withColumn("post_year", F.year("timestamp"))
    return df.filter(F.col("post_year").between(*years))


#: Every column a result counts by, with its type: the columns of the counts table.
COUNTED_COLUMNS: dict[str, T.DataType] = {
    "country": T.StringType(),
    "category": T.StringType(),
    "post_year": T.IntegerType(),
    "age_group": T.StringType(),
    "poster_name": T.StringType(),
    "follower_count": T.IntegerType(),
    "user_name": T.StringType(),
    "date_joined": T.TimestampType(),
}

#: How many source rows (joined rows, or user rows) hold a group's values.
COUNT = "n"

#: The rows results count, each of one ``ind``, with the columns any ``Counted`` reads.
SOURCES: dict[str, Callable[[DataFrame, DataFrame, DataFrame], DataFrame]] = {
    "pin_geo": lambda pin, geo, user: _pin_geo(
        _keyed(pin, "category", "poster_name", "follower_count"),
        _keyed(geo, "country", "timestamp"),
    ),
    "pin_user": lambda pin, geo, user: _pin_user(
        _keyed(pin, "category", "follower_count"),
        _keyed(user, "age", "date_joined"),
    ),
    "user": lambda pin, geo, user: _keyed(user, "user_name", "date_joined"),
}


@dataclass(frozen=True)
class Counted:
    """What a result is read from: the rows of a source (``pin_geo``, ``pin_user`` or ``user``,
    each row one ``ind``) that take part, as the values of ``columns``, counted per distinct
    values. Counts can be added and taken away, so a changed source row updates them exactly:
    its old version's values count -1, its new one's +1."""

    name: str
    source: str
    columns: tuple[str, ...]
    rows: Callable[[DataFrame], DataFrame]
    #: Columns whose null takes the row out (a null in another column is a value of its own).
    required: tuple[str, ...] = ()

    def values(self, source: DataFrame) -> DataFrame:
        """The source rows' values that count, one row each (with ``SIGN`` when they have it)."""
        taking_part = [F.col(c).isNotNull() for c in self.required]
        signed = [SIGN] if SIGN in source.columns else []
        df = self.rows(source).select(*self.columns, *signed)
        return df.filter(reduce(lambda a, b: a & b, taking_part)) if taking_part else df

    def counts(self, pin: DataFrame, geo: DataFrame, user: DataFrame) -> DataFrame:
        """``columns`` + ``n``: how many rows of the source hold each distinct values."""
        values = self.values(SOURCES[self.source](pin, geo, user))
        return values.groupBy(*self.columns).agg(F.count(F.lit(1)).alias(COUNT))


COUNTED: tuple[Counted, ...] = (
    Counted("category_by_country", "pin_geo", ("country", "category"), lambda df: df,
            ("country", "category")),
    Counted("category_by_post_year", "pin_geo", ("post_year", "category"),
            lambda df: _with_post_year(df, POST_YEARS), ("category",)),
    Counted("poster_by_country", "pin_geo", ("country", "poster_name", "follower_count"),
            lambda df: df, ("country", "poster_name", "follower_count")),
    Counted("category_by_age_group", "pin_user", ("age_group", "category"), lambda df: df,
            ("age_group", "category")),
    Counted("followers_by_age_group", "pin_user", ("age_group", "follower_count"),
            lambda df: df, ("age_group", "follower_count")),
    # A user is their name with the instant they joined: the data has no user id.
    Counted("users_by_join_year", "user", ("post_year", "user_name", "date_joined"),
            lambda df: _with_join_year(df, JOIN_YEARS)),
    Counted("followers_by_join_year", "pin_user", ("post_year", "follower_count"),
            lambda df: _with_join_year(df, JOIN_YEARS), ("follower_count",)),
    Counted("followers_by_age_group_and_join_year", "pin_user",
            ("age_group", "post_year", "follower_count"),
            lambda df: _with_join_year(df, JOIN_YEARS), ("age_group", "follower_count")),
)  # fmt: skip
COUNTED_BY_NAME = {c.name: c for c in COUNTED}


@dataclass(frozen=True)
class Present:
    """How many groups of the ``Counted`` kind ``of`` are present (their ``n`` above 0) per values
    of ``columns`` (some of ``of``'s). It is kept beside the counts for a kind that holds a group
    per user or per poster: a result that needs only how many such groups there are, or their
    largest value, then reads a few rows, not every group, and a run does not sum every group
    again. A change of a group's ``n`` moves it in (from 0: +1) or out (to 0: -1); a first run's
    groups all come in from 0, so both modes count the same way (``present_change``)."""

    name: str
    of: str
    columns: tuple[str, ...]


PRESENT: tuple[Present, ...] = (
    Present("users_per_join_year", "users_by_join_year", ("post_year",)),
    Present("posters_per_country_and_followers", "poster_by_country",
            ("country", "follower_count")),
)  # fmt: skip
PRESENT_BY_NAME = {p.name: p for p in PRESENT}

#: The columns of every kind of count, counted or present, by name.
KIND_COLUMNS: dict[str, tuple[str, ...]] = {
    **{c.name: c.columns for c in COUNTED},
    **{p.name: p.columns for p in PRESENT},
}


class Counts(Protocol):
    """The counts a result is finished from, by kind (``KIND_COLUMNS``)."""

    def of(self, kind: str, at: DataFrame | None = None) -> DataFrame:
        """The groups of ``kind`` that are present: its columns and ``n`` (above 0). ``at``: only
        the groups whose values of ``at``'s columns are a row of ``at`` (nulls equal)."""
        ...


def null_safe_join(left: DataFrame, right: DataFrame, columns: Sequence[str],
                   how: str) -> DataFrame:  # fmt: skip
    """``left`` joined with ``right`` on equal ``columns``, a null equal to a null (a group's
    values may be null); the columns appear once, from ``left``."""
    renamed = right.select(
        *(F.col(c).alias(f"_r_{c}") if c in columns else c for c in right.columns)
    )
    on = [F.col(c).eqNullSafe(F.col(f"_r_{c}")) for c in columns]
    joined = left.join(renamed, reduce(lambda a, b: a & b, on), how)
    if how in ("left_semi", "left_anti"):
        return joined
    return joined.drop(*(f"_r_{c}" for c in columns))


def present_change(present: Present, change: DataFrame, before: DataFrame | None) -> DataFrame:
    """How the groups of ``present.of`` that ``change`` changes (its columns and ``n``, the change
    of each group's count) move the count of present groups per ``present.columns``: ``n`` +1
    for a group whose count goes from 0 above 0, -1 for one whose count goes to 0. ``before``: the
    kind's counts before the change (its columns and ``n``, any number of rows per group; only
    the changed groups' rows are read); None: every count was 0 (a first run)."""
    columns = COUNTED_BY_NAME[present.of].columns
    delta = change.select(*columns, F.col(COUNT).alias("_delta"))
    if before is None:
        moved = delta.withColumn("_old", F.lit(0).cast("long"))
    else:
        touched = null_safe_join(before.select(*columns, COUNT), delta, columns, "left_semi")
        old = touched.groupBy(*columns).agg(F.sum(COUNT).alias("_old"))
        moved = null_safe_join(delta, old, columns, "left").fillna(0, subset=["_old"])
    new = F.col("_old") + F.col("_delta")
    step = (
        F.when((F.col("_old") <= 0) & (new > 0), 1)
        .when((F.col("_old") > 0) & (new <= 0), -1)
        .otherwise(0)
    )
    total = moved.groupBy(*present.columns).agg(F.sum(step).cast("long").alias(COUNT))
    return total.filter(F.col(COUNT) != 0)


class RowCounts:
    """``Counts`` read from the cleaned tables' rows (every group counted on the spot)."""

    def __init__(self, pin: DataFrame, geo: DataFrame, user: DataFrame) -> None:
        self._tables = (pin, geo, user)

    def of(self, kind: str, at: DataFrame | None = None) -> DataFrame:
        if kind in PRESENT_BY_NAME:
            present = PRESENT_BY_NAME[kind]
            counts = present_change(present, self.of(present.of), None)
        else:
            counts = COUNTED_BY_NAME[kind].counts(*self._tables)
        return counts if at is None else null_safe_join(counts, at, at.columns, "left_semi")


def _most_popular(counts: DataFrame, group: str, item: str) -> DataFrame:
    """Per ``group``, the ``item`` values with the highest count (all of them on a tie)."""
    by_count = Window.partitionBy(group).orderBy(F.col(COUNT).desc())
    top = counts.withColumn("_rank", F.rank().over(by_count)).filter("_rank = 1")
    return top.select(group, item, F.col(COUNT).alias("category_count"))


def _top_followers(counts: Counts) -> DataFrame:
    """Per country the most followers a poster has: ``country, follower_count``."""
    present = counts.of("posters_per_country_and_followers")
    return present.groupBy("country").agg(F.max("follower_count").alias("follower_count"))


def _top_posters(counts: Counts) -> DataFrame:
    """Per country the poster(s) with the most followers, one row per poster and count: the
    posters of the country's top follower count."""
    top = counts.of("poster_by_country", at=_top_followers(counts))
    return top.select("country", "poster_name", "follower_count")


def _country_with_top_poster(counts: Counts) -> DataFrame:
    per_country = _top_followers(counts)
    top = per_country.agg(F.max("follower_count").alias("_max"))
    result = per_country.join(top, F.col("follower_count") == F.col("_max"))
    return result.select("country", "follower_count")


def _median_followers(counts: DataFrame, *groups: str) -> DataFrame:
    """Per group, the median follower count read from how many rows hold each value: the
    smallest value reached by half of the group's rows, counted from the smallest value (the
    course's ``percentile_approx(x, 0.5)``, exact: the lower middle value on an even count)."""
    upto = (
        Window.partitionBy(*groups)
        .orderBy("follower_count")
        .rowsBetween(Window.unboundedPreceding, Window.currentRow)
    )
    whole = Window.partitionBy(*groups)
    reached = (
        counts.withColumn("_upto", F.sum(COUNT).over(upto))
        .withColumn("_all", F.sum(COUNT).over(whole))
        .filter(F.col("_upto") * 2 >= F.col("_all"))
    )
    return reached.groupBy(*groups).agg(F.min("follower_count").alias("median_follower_count"))


def _users_joined(counts: Counts) -> DataFrame:
    """Distinct users per joining year: the users present in each."""
    users = counts.of("users_per_join_year")
    return users.select("post_year", F.col(COUNT).alias("number_users_joined"))


@dataclass(frozen=True)
class Analysis:
    """One result table: the course task, the table-name suffix, what it answers, the kinds of
    counts it is read from (``reads``: ``KIND_COLUMNS``) and how (``finish``, from those counts
    alone)."""

    task: str
    suffix: str
    question: str
    reads: tuple[str, ...]
    finish: Callable[[Counts], DataFrame]

    def compute(self, pin: DataFrame, geo: DataFrame, user: DataFrame) -> DataFrame:
        """The result from the cleaned tables: their counts, finished."""
        return self.finish(RowCounts(pin, geo, user))

    @classmethod
    def of_kind(cls, task: str, suffix: str, question: str, kind: str,
                finish: Callable[[DataFrame], DataFrame]) -> Analysis:  # fmt: skip
        """A result finished from every present group of one ``kind``."""
        return cls(task, suffix, question, (kind,), lambda counts: finish(counts.of(kind)))


ANALYSES: tuple[Analysis, ...] = (
    Analysis.of_kind("4", "popular_category_by_country", "most popular category per country",
                     "category_by_country", lambda c: _most_popular(c, "country", "category")),
    Analysis.of_kind("5", "popular_category_by_year",
                     "most popular category per posting year 2018-2022", "category_by_post_year",
                     lambda c: _most_popular(c, "post_year", "category")),
    Analysis("6a", "top_poster_by_country", "per country, the poster with the most followers",
             ("posters_per_country_and_followers", "poster_by_country"), _top_posters),
    Analysis("6b", "country_with_top_poster",
             "the country whose top poster has the most followers",
             ("posters_per_country_and_followers",), _country_with_top_poster),
    Analysis.of_kind("7", "popular_category_by_age_group", "most popular category per age group",
                     "category_by_age_group", lambda c: _most_popular(c, "age_group", "category")),
    Analysis.of_kind("8", "median_followers_by_age_group", "median follower count per age group",
                     "followers_by_age_group", lambda c: _median_followers(c, "age_group")),
    Analysis("9", "users_joined_by_year",
             "users joined per year 2015-2020 (post_year = joining year)",
             ("users_per_join_year",), _users_joined),
    Analysis.of_kind("10", "median_followers_by_join_year",
                     "median follower count by joining year 2015-2020", "followers_by_join_year",
                     lambda c: _median_followers(c, "post_year")),
    Analysis.of_kind("11", "median_followers_by_age_group_and_join_year",
                     "median follower count by joining year 2015-2020 and age group",
                     "followers_by_age_group_and_join_year",
                     lambda c: _median_followers(c, "age_group", "post_year")),
)  # fmt: skip
ANALYSES_BY_TASK = {a.task: a for a in ANALYSES}


def popular_category_by_country(pin: DataFrame, geo: DataFrame) -> DataFrame:
    """Task 4: ``country, category, category_count``."""
    return ANALYSES_BY_TASK["4"].compute(pin, geo, None)


def popular_category_by_year(pin: DataFrame, geo: DataFrame) -> DataFrame:
    """Task 5: ``post_year, category, category_count`` for posting years in ``POST_YEARS``."""
    return ANALYSES_BY_TASK["5"].compute(pin, geo, None)


def top_poster_by_country(pin: DataFrame, geo: DataFrame) -> DataFrame:
    """Task 6a: ``country, poster_name, follower_count``: per country the poster(s) with the most
    followers; one row per poster even when they posted several times."""
    return ANALYSES_BY_TASK["6a"].compute(pin, geo, None)


def country_with_top_poster(pin: DataFrame, geo: DataFrame) -> DataFrame:
    """Task 6b: ``country, follower_count``: the country (all of them on a tie) whose top poster
    has the most followers."""
    return ANALYSES_BY_TASK["6b"].compute(pin, geo, None)


def popular_category_by_age_group(pin: DataFrame, user: DataFrame) -> DataFrame:
    """Task 7: ``age_group, category, category_count``."""
    return ANALYSES_BY_TASK["7"].compute(pin, None, user)


def median_followers_by_age_group(pin: DataFrame, user: DataFrame) -> DataFrame:
    """Task 8: ``age_group, median_follower_count``."""
    return ANALYSES_BY_TASK["8"].compute(pin, None, user)


def users_joined_by_year(user: DataFrame) -> DataFrame:
    """Task 9: ``post_year, number_users_joined`` (``post_year`` is the joining year, as the
    course names it): distinct users, not user rows. The user table has one row per post
    (``ind``), so a user who posted 30 times has 30 rows; the data has no user id, so a user is
    their name with the instant they joined (two people of one name joining in the same second
    count once)."""
    return ANALYSES_BY_TASK["9"].compute(None, None, user)


def median_followers_by_join_year(pin: DataFrame, user: DataFrame) -> DataFrame:
    """Task 10: ``post_year, median_follower_count`` by joining year."""
    return ANALYSES_BY_TASK["10"].compute(pin, None, user)


def median_followers_by_age_group_and_join_year(pin: DataFrame, user: DataFrame) -> DataFrame:
    """Task 11: ``age_group, post_year, median_follower_count``."""
    return ANALYSES_BY_TASK["11"].compute(pin, None, user)


def run_analyses(pin: DataFrame, geo: DataFrame, user: DataFrame) -> dict[str, DataFrame]:
    """Every result table, keyed by its suffix, in task order."""
    return {a.suffix: a.compute(pin, geo, user) for a in ANALYSES}
