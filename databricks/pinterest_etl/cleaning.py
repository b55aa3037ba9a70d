"""Cleaning of the three tables exactly as docs/pipeline.md §7 says, plus de-duplication.

The functions are pure column/DataFrame transforms shared by the batch job and the streaming job.
They accept the raw columns with the reader's types (or with inferred types: ``long`` integers), and
drop extra columns unless ``clean`` is asked to keep them.

ANSI mode is on by default in Spark 4 (and in Databricks SQL), so every conversion that can meet
junk uses a ``try_`` form: junk becomes null instead of failing the job.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

#: Junk markers of the source data (compared after trimming spaces).
PIN_JUNK: dict[str, tuple[str, ...]] = {
    "title": ("No Title Data Available",),
    "description": ("No description available Story format", "No description available"),
    "poster_name": ("User Info Error",),
    "follower_count": ("User Info Error",),
    "tag_list": ("N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",),
    "image_src": ("Image src error.",),
}

SAVE_LOCATION_PREFIX = "Local save in "

# A plain count, or a count with a k (thousand) or M (million) suffix. The source only has integer
# mantissas; a decimal one with a suffix ("1.5k", as Pinterest displays counts) is accepted too,
# a decimal without a suffix ("1.5") is not a count.
# At most 12 integer digits (an int has 10) keeps the decimal arithmetic below from overflowing,
# which ANSI mode would turn into a failed job.
_FOLLOWER_RE = r"^([0-9]{1,12}(?:\.[0-9]{1,6}(?=[kKmM]))?)([kKmM]?)$"

# The two datetime forms that occur downstream: "YYYY-MM-DD HH:MM:SS" and the ISO "T" form, the
# latter optionally with a fraction and a zone ("2020-01-01T10:00:00.000Z" is what JSON.stringify
# of a JS Date gives). Anything else (a bare date, a bare year, ...) is rejected, not guessed.
DATETIME_RE = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}"
    r"(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})?$"
)

# A value that is empty or only white space, Unicode spaces (e.g. U+00A0) included.
_BLANK_RE = r"(?U)^\s*$"

_INT_MAX = 2_147_483_647


def blank_to_null(c: Column) -> Column:
    """``c`` with empty and white-space-only strings replaced by null."""
    return F.when(~c.rlike(_BLANK_RE), c)


def junk_to_null(c: Column, junk: Iterable[str]) -> Column:
    """``c`` with blank strings and the given junk markers replaced by null."""
    junk = tuple(junk)
    value = blank_to_null(c)
    if not junk:
        return value
    return F.when(~F.trim(value).isin(*junk), value)


def parse_follower_count(c: Column) -> Column:
    """``5k`` -> 5000, ``1M`` -> 1000000, ``437`` -> 437 as int.

    Anything else (junk, blanks, negative numbers, values beyond the int range) becomes null.
    """
    text = F.trim(c.cast("string"))
    mantissa = F.regexp_extract(text, _FOLLOWER_RE, 1)
    suffix = F.lower(F.regexp_extract(text, _FOLLOWER_RE, 2))
    multiplier = F.when(suffix == "k", F.lit(1_000)).when(suffix == "m", F.lit(1_000_000))
    number = mantissa.try_cast("decimal(18,6)") * F.coalesce(multiplier, F.lit(1))
    rounded = F.round(number, 0)
    return F.when(text.rlike(_FOLLOWER_RE) & (rounded <= F.lit(_INT_MAX)), rounded.try_cast("int"))


def parse_datetime(c: Column) -> Column:
    """Timestamp from either accepted datetime form; null for null, blank or anything else.

    A zone suffix (``Z``, ``+02:00``) is honoured; a value without one is taken as wall-clock time
    in the session time zone (UTC on Databricks by default; the local sessions set UTC).
    """
    text = F.trim(c.cast("string"))
    return F.when(text.rlike(DATETIME_RE), text.try_cast("timestamp"))


def is_bad_datetime(c: Column) -> Column:
    """True when ``c`` holds a non-blank value that neither datetime form accepts."""
    return F.coalesce(blank_to_null(c).isNotNull() & parse_datetime(c).isNull(), F.lit(False))


def clean_pin(df: DataFrame, keep: Sequence[str] = ()) -> DataFrame:
    """Raw pin rows -> ``ind, unique_id, title, description, follower_count, poster_name,
    tag_list, is_image_or_video, image_src, save_location, category``."""
    return df.select(
        F.col("index").try_cast("int").alias("ind"),
        blank_to_null(F.col("unique_id")).alias("unique_id"),
        junk_to_null(F.col("title"), PIN_JUNK["title"]).alias("title"),
        junk_to_null(F.col("description"), PIN_JUNK["description"]).alias("description"),
        parse_follower_count(
            junk_to_null(F.col("follower_count"), PIN_JUNK["follower_count"])
        ).alias("follower_count"),
        junk_to_null(F.col("poster_name"), PIN_JUNK["poster_name"]).alias("poster_name"),
        junk_to_null(F.col("tag_list"), PIN_JUNK["tag_list"]).alias("tag_list"),
        blank_to_null(F.col("is_image_or_video")).alias("is_image_or_video"),
        junk_to_null(F.col("image_src"), PIN_JUNK["image_src"]).alias("image_src"),
        blank_to_null(clean_save_location(F.col("save_location"))).alias("save_location"),
        blank_to_null(F.col("category")).alias("category"),
        *keep,
    )


def clean_save_location(c: Column) -> Column:
    """``Local save in /data/art`` -> ``/data/art``; a value without the prefix is kept."""
    return F.regexp_replace(c, "^" + SAVE_LOCATION_PREFIX, "")


def clean_geo(df: DataFrame, keep: Sequence[str] = ()) -> DataFrame:
    """Raw geo rows -> ``ind, country, coordinates, timestamp``.

    ``coordinates`` is ``[latitude, longitude]``; it is null only when both are null.
    """
    lat = F.col("latitude").try_cast("double")
    lon = F.col("longitude").try_cast("double")
    return df.select(
        F.col("ind").try_cast("int").alias("ind"),
        blank_to_null(F.col("country")).alias("country"),
        F.when(lat.isNotNull() | lon.isNotNull(), F.array(lat, lon)).alias("coordinates"),
        parse_datetime(F.col("timestamp")).alias("timestamp"),
        *keep,
    )


def clean_user(df: DataFrame, keep: Sequence[str] = ()) -> DataFrame:
    """Raw user rows -> ``ind, user_name, age, date_joined``.

    ``user_name`` is ``first_name + " " + last_name``; a missing part is skipped rather than
    nulling the whole name, and a name with neither part is null.
    """
    name = F.concat_ws(" ", blank_to_null(F.col("first_name")), blank_to_null(F.col("last_name")))
    return df.select(
        F.col("ind").try_cast("int").alias("ind"),
        blank_to_null(name).alias("user_name"),
        F.col("age").try_cast("int").alias("age"),
        parse_datetime(F.col("date_joined")).alias("date_joined"),
        *keep,
    )


CLEANERS = {"pin": clean_pin, "geo": clean_geo, "user": clean_user}


def clean(df: DataFrame, table: str, keep: Sequence[str] = ()) -> DataFrame:
    """Apply the cleaning of ``table`` (``pin``, ``geo`` or ``user``).

    The ``keep`` columns follow the cleaned ones unchanged (the batch job carries a record's
    malformed marks through cleaning this way, so one cached frame holds both kinds of record).
    """
    try:
        cleaner = CLEANERS[table]
    except KeyError:
        raise ValueError(f"unknown table {table!r}: expected one of pin, geo, user") from None
    return cleaner(df, keep)


#: Flags mark_duplicates adds: the row deduplicate keeps, and the first copy of a distinct row.
KEPT_COLUMN = "_kept"
FIRST_COPY_COLUMN = "_first_copy"


def mark_duplicates(df: DataFrame, key: str = "ind") -> DataFrame:
    """``df`` plus ``_kept`` (the one row per ``key`` that ``deduplicate`` keeps) and
    ``_first_copy`` (true on one copy of each distinct row), from a single sort per key.

    Counting both flags gives the distinct rows and the kept rows without a separate ``distinct``
    job: rows tie in the sort exactly when they are equal, and ``rank`` equals ``row_number`` only
    on the first row of a tie.
    """
    others = [c for c in df.columns if c != key]
    order = [F.col(c).asc_nulls_last() for c in others] or [F.lit(1)]
    window = Window.partitionBy(key).orderBy(*order)
    row = F.row_number().over(window)
    return df.select(
        "*", (row == 1).alias(KEPT_COLUMN), (F.rank().over(window) == row).alias(FIRST_COPY_COLUMN)
    )


def sorts_first(columns: Sequence[str], row: str, other: str) -> str:
    """A SQL condition: the row aliased ``row`` sorts strictly before the row aliased ``other``
    in ``mark_duplicates``'s order over ``columns`` (left to right, each ascending, nulls last), so
    that a MERGE keeps, of a stored row and a new one, the row ``deduplicate`` keeps of the two.

    Spark orders structs field by field with nulls first, so each column comes with its null flag
    before it (false, not null, sorts first); two nulls compare equal, as in the window's sort.
    """

    def key(alias: str) -> str:
        return "struct(" + ", ".join(f"isnull({alias}.`{c}`), {alias}.`{c}`" for c in columns) + ")"

    return f"{key(row)} < {key(other)}"


def kept_rows(marked: DataFrame) -> DataFrame:
    """The rows of ``mark_duplicates``'s output that ``deduplicate`` keeps, without the flags."""
    return marked.filter(F.col(KEPT_COLUMN)).drop(KEPT_COLUMN, FIRST_COPY_COLUMN)


def deduplicate(df: DataFrame, key: str = "ind") -> DataFrame:
    """One row per ``key`` of cleaned rows (whose keys are never null: see readers.split_malformed).

    Duplicates in this data are resends of the same source row, so they are equal once cleaned
    (even when the datetime was serialised in the other form). Two different rows for one key would
    mean the source changed; the row that sorts first on the other columns (nulls last, i.e. the
    most complete one) is kept so the result is deterministic, and the batch job counts the
    versions it drops (``TableStats.conflicting_versions``). De-duplicating on the full row instead
    would let such conflicts double count in every join on ``ind``.
    """
    return kept_rows(mark_duplicates(df, key))
