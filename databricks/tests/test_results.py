"""The nine results kept from counts (results.py): incremental runs day by day, with rows a MERGE
replaces and re-sends, leave the counts and the nine tables a full run writes; a run in which
nothing changed commits nothing; a run killed while writing the results is repaired by the next;
a poster's second pin rewrites no top poster; counts of an older job's kinds are counted again;
medians read from value counts equal ``percentile_approx``."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, Row, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StringType, StructField, StructType
from test_incremental import EVERY_TABLE, config, day_1, day_2, day_3, geo, pin, send, tables, user

from pinterest_etl import analysis as A
from pinterest_etl import results
from pinterest_etl.job import run_batch
from pinterest_etl.writers import TableLocation, last_metadata, read_table, write_table

COUNTS = "pin_e2e_result_counts"
RESULTS = [f"pin_e2e_{a.suffix}" for a in A.ANALYSES]
EVERYTHING = [*EVERY_TABLE, COUNTS, "pin_e2e_batch_runs"]


def day_4_replaces_rows(root: Path) -> None:
    """Versions that win over stored rows (they sort first) and move them between groups: pin 1
    from art with 1M followers to travel with 2k; geo 2 from Chad to Albania; user 0 (another
    name, which sorts first) from 22 to 60 (another age group) and from joining in 2015 to 2019;
    and a re-send of pin 5."""
    send(root, "pin", [pin(1, "2k", "travel", "Bob"), pin(5, "2k", "art", "Ed")], 7)
    send(root, "geo", [geo(2, "2019-07-07 07:07:07", "Albania")], 6)
    send(root, "user", [{**user(0, 60, "2019-01-01 00:00:00"), "first_name": "Al"}], 8)


def day_5_resends_only(root: Path) -> None:
    send(root, "pin", [pin(3, "9k", "travel", "Di")], 9)
    send(root, "geo", [geo(3, "2021-02-03 04:05:06", "Chad")], 7)


def day_6_moves_a_geo_row(root: Path) -> None:
    """Geo 3 from Chad to Albania (which sorts first): pin 3's place changes, nobody's user."""
    send(root, "geo", [geo(3, "2021-02-03 04:05:06", "Albania")], 8)


def versions(spark: SparkSession, warehouse: Path, names: list[str]) -> dict[str, int]:
    """Each table's latest version, from its Delta history."""
    return {
        n: spark.sql(f"DESCRIBE HISTORY delta.`{warehouse}/{n}` LIMIT 1").first().version
        for n in names
    }


def with_counts(spark: SparkSession, warehouse: Path) -> dict[str, list[tuple]]:
    """Every table's rows, the counts as their sums per group (a kind's rows are a ledger)."""
    location = TableLocation(root=str(warehouse))
    counts = results.summed(read_table(spark, COUNTS, location)).collect()
    return {**tables(spark, warehouse), COUNTS: sorted(map(tuple, counts), key=repr)}


def ledger_holds_the_tables_rows(spark: SparkSession, warehouse: Path) -> dict[str, tuple]:
    """The counts' last commit's rows per kind (its ``ledger``), checked against the table."""
    location = TableLocation(root=str(warehouse))
    ledger = results._recorded(spark, COUNTS, location)[2]
    table = read_table(spark, COUNTS, location).groupBy(results.COUNTED_COLUMN).count().collect()
    assert {k: rows for k, (rows, _) in ledger.items() if rows} == dict(map(tuple, table))
    return ledger


def schemas(spark: SparkSession, warehouse: Path) -> dict[str, list]:
    location = TableLocation(root=str(warehouse))
    return {n: read_table(spark, n, location).dtypes for n in RESULTS}


def four_days_equal_full_runs(spark: SparkSession, tmp_path: Path) -> Iterator[int]:
    """Days 1 to 4, each sent to ``<tmp_path>/bucket`` and run incrementally into
    ``<tmp_path>/daily``, checked against a full run of the same bucket; yields each day's number
    after its checks, for the caller's."""
    root, daily = tmp_path / "bucket", tmp_path / "daily"
    for number, day in enumerate([day_1, day_2, day_3, day_4_replaces_rows], start=1):
        day(root)
        run_batch(spark, config(root, daily), "incremental")
        full = tmp_path / f"full-{number}"
        run_batch(spark, config(root, full), "full")
        assert with_counts(spark, daily) == with_counts(spark, full), f"after day {number}"
        assert schemas(spark, daily) == schemas(spark, full)
        yield number


def test_incremental_days_with_replaced_rows_and_resends_equal_a_full_run(
    spark: SparkSession, tmp_path: Path
) -> None:
    root, daily = tmp_path / "bucket", tmp_path / "daily"
    for _ in four_days_equal_full_runs(spark, tmp_path):
        ledger_holds_the_tables_rows(spark, daily)

    moved = tables(spark, daily)
    # Albania: pin 0 art, pin 1 now travel, pin 2 (geo 2 moved) travel; Bob's 1M is gone.
    assert [r for r in moved["pin_e2e_popular_category_by_country"] if r[0] == "Albania"] == [
        ("Albania", "travel", 2)
    ]
    assert [r for r in moved["pin_e2e_top_poster_by_country"] if r[0] == "Albania"] == [
        ("Albania", "Ann", 5000)
    ]
    # user 0 (pin 0, 5k) left 18-24 (now pin 3's 9k alone) for +50 (with pin 2's 437).
    assert ("18-24", 9000) in moved["pin_e2e_median_followers_by_age_group"]
    assert ("+50", 437) in moved["pin_e2e_median_followers_by_age_group"]

    before = versions(spark, daily, EVERYTHING)
    run_batch(spark, config(root, daily), "incremental")  # nothing new
    assert versions(spark, daily, EVERYTHING) == before  # not one commit

    day_5_resends_only(root)
    run_batch(spark, config(root, daily), "incremental")
    after = versions(spark, daily, [COUNTS, *RESULTS])
    assert after == {n: before[n] for n in after}  # re-sends changed no count, no result

    day_6_moves_a_geo_row(root)
    run_batch(spark, config(root, daily), "incremental")
    moved = versions(spark, daily, RESULTS)
    # Only the results whose counts changed are written again: pin 3's country moved, not its
    # category's year, and nobody's user changed.
    assert {n for n in RESULTS if moved[n] != after[n]} == {
        "pin_e2e_popular_category_by_country",
        "pin_e2e_top_poster_by_country",
        "pin_e2e_country_with_top_poster",
    }
    run_batch(spark, config(root, tmp_path / "full-6"), "full")
    assert with_counts(spark, daily) == with_counts(spark, tmp_path / "full-6")


def test_a_run_killed_while_writing_the_results_is_repaired_by_the_next(
    spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The results are written before the counts' commit: a run that fails after writing some of
    them leaves the counts as they were, so the next run counts the same change again."""
    root, warehouse = tmp_path / "bucket", tmp_path / "warehouse"
    day_1(root)
    run_batch(spark, config(root, warehouse), "incremental")
    day_2(root)
    failing = "pin_e2e_top_poster_by_country"  # post 3 (9k followers) tops Chad on day 2
    write = results.write_table

    def killed(df: DataFrame, name: str, *args: object, **kwargs: object) -> str:
        if name == failing:
            raise RuntimeError(f"killed while writing {name}")
        return write(df, name, *args, **kwargs)

    monkeypatch.setattr(results, "write_table", killed)
    counts_before = versions(spark, warehouse, [COUNTS])
    with pytest.raises(RuntimeError, match=f"killed while writing {failing}"):
        run_batch(spark, config(root, warehouse), "incremental")
    monkeypatch.undo()
    run_batch(spark, config(root, tmp_path / "full"), "full")
    reference = with_counts(spark, tmp_path / "full")
    killed_run = with_counts(spark, warehouse)
    assert versions(spark, warehouse, [COUNTS]) == counts_before  # the counts were not committed
    assert killed_run[failing] != reference[failing]

    run_batch(spark, config(root, warehouse), "incremental")
    assert with_counts(spark, warehouse) == reference


def test_medians_from_value_counts_equal_percentile_approx(spark: SparkSession) -> None:
    """Groups of odd and even sizes with repeated values, against the course's median."""
    rng = random.Random(7)
    rows = [(rng.choice("abcd"), rng.choice([None, *range(40)])) for _ in range(600)]
    rows += [("e", 5), ("e", 9), ("f", 3)]  # an even group of two; a group of one
    df = spark.createDataFrame(rows, "g string, follower_count int")
    counts = df.filter("follower_count IS NOT NULL").groupBy("g", "follower_count").count()
    ours = A._median_followers(counts.withColumnRenamed("count", A.COUNT), "g")
    course = (
        df.filter("follower_count IS NOT NULL")
        .groupBy("g")
        .agg(F.percentile_approx("follower_count", 0.5, 1_000_000).alias("median_follower_count"))
    )
    assert sorted(ours.collect()) == sorted(course.collect())
    assert ours.dtypes == course.dtypes


def test_a_results_digest_is_its_schema_and_rows_in_any_order() -> None:
    """What decides whether an incremental run writes a result (``_write_results``)."""
    schema = StructType([StructField("country", StringType()), StructField("n", LongType())])
    rows = [Row(country="Chad", n=2), Row(country="Peru", n=1), Row(country=None, n=1)]
    digest = results.rows_digest(rows, schema)
    assert results.rows_digest(list(reversed(rows)), schema) == digest
    assert results.rows_digest(rows[:2], schema) != digest
    assert results.rows_digest([*rows[:2], Row(country=None, n=2)], schema) != digest
    renamed = StructType([StructField("nation", StringType()), StructField("n", LongType())])
    assert results.rows_digest(rows, renamed) != digest
    assert results.rows_digest([], schema) != results.rows_digest([], renamed)


def test_a_kinds_rows_are_summed_again_once_they_outgrow_its_groups(
    spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no floor, a kind's rows are summed to one per group as soon as they exceed twice its
    groups; the counts' sums, and so the results, are those of a full run all along."""
    monkeypatch.setattr(results, "LEDGER_MIN_ROWS", 0)
    daily = tmp_path / "daily"
    for number in four_days_equal_full_runs(spark, tmp_path):
        for kind, (rows, groups) in ledger_holds_the_tables_rows(spark, daily).items():
            assert rows <= 2 * groups, f"{kind} after day {number}"
    history = spark.sql(f"DESCRIBE HISTORY delta.`{daily}/{COUNTS}`").collect()
    modes = [h.operationParameters["mode"] for h in sorted(history, key=lambda h: h.version)]
    # the first run wrote the counts; later runs appended their change, and summed some kinds
    assert modes[0] == "Overwrite" and {"Append", "Overwrite"} <= set(modes[1:]), modes


def test_a_posters_second_pin_rewrites_no_top_poster(spark: SparkSession, tmp_path: Path) -> None:
    """Ann (5k, Albania) pins again: her poster group's count changes and no poster comes in or
    goes out, so result 6a is finished again from the kept present kind it did not change, and
    its rows are the same: not written. Albania's categories changed: written."""
    root, daily = tmp_path / "bucket", tmp_path / "daily"
    day_1(root)
    run_batch(spark, config(root, daily), "incremental")
    before = versions(spark, daily, RESULTS)
    send(root, "pin", [pin(6, "5k", "art", "Ann")], 3)
    send(root, "geo", [geo(6, "2019-05-06 10:00:00", "Albania")], 3)
    run_batch(spark, config(root, daily), "incremental")
    run_batch(spark, config(root, tmp_path / "full"), "full")
    assert with_counts(spark, daily) == with_counts(spark, tmp_path / "full")
    after = versions(spark, daily, RESULTS)
    assert after["pin_e2e_top_poster_by_country"] == before["pin_e2e_top_poster_by_country"]
    assert (
        after["pin_e2e_popular_category_by_country"] > before["pin_e2e_popular_category_by_country"]
    )


def test_counts_of_other_kinds_are_counted_again(spark: SparkSession, tmp_path: Path) -> None:
    """Counts an older version of the job wrote (no present kinds, and no record of its kinds in
    the commit) cannot take a change: the next run counts every row again, as a full run."""
    root, daily = tmp_path / "bucket", tmp_path / "daily"
    location = TableLocation(root=str(daily))
    day_1(root)
    run_batch(spark, config(root, daily), "incremental")
    text = json.loads(last_metadata(spark, COUNTS, location))
    older = {k: v for k, v in text.items() if k != "kinds"}
    counted = {c.name for c in A.COUNTED}
    kept = read_table(spark, COUNTS, location).filter(F.col(results.COUNTED_COLUMN).isin(counted))
    write_table(kept, COUNTS, location, metadata=json.dumps(older))
    day_2(root)
    run_batch(spark, config(root, daily), "incremental")
    run_batch(spark, config(root, tmp_path / "full"), "full")
    assert with_counts(spark, daily) == with_counts(spark, tmp_path / "full")
    last = spark.sql(f"DESCRIBE HISTORY delta.`{daily}/{COUNTS}` LIMIT 1").first()
    assert last.operationParameters["mode"] == "Overwrite"
