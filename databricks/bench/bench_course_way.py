"""Benchmark (not a test): the batch job beside the same work done the course's way.

    .venv/bin/python databricks/bench/bench_course_way.py [--rows 100000] [--master local[2]]

The course's way, as students write it in notebook cells: `spark.read.json` with schema inference
(an extra pass over every file), cleaning one `withColumn`/`replace` per rule, no de-duplication
beyond `dropDuplicates()`, and each of the nine queries run as its own job straight from the raw
DataFrames (every query re-reads and re-cleans the files; nothing is cached). It collects the
results and writes nothing. The project's way is `run_batch`: explicit schemas, one read per topic,
cleaned rows cached once, and from them the cleaned, malformed and nine result Delta tables written.
Both run on the same generated bucket replica in one Spark session, after a warm-up.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import time

from bench_batch import rows
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from pinterest_etl import cli
from pinterest_etl.job import BatchConfig, run_batch
from pinterest_etl.sink_files import write_objects
from pinterest_etl.spark_session import local_spark
from pinterest_etl.writers import TableLocation


def course_clean_pin(df: DataFrame) -> DataFrame:
    df = df.replace({"No description available Story format": None}, subset=["description"])
    df = df.replace({"No Title Data Available": None}, subset=["title"])
    df = df.replace({"User Info Error": None}, subset=["follower_count"])
    df = df.replace({"User Info Error": None}, subset=["poster_name"])
    df = df.replace({"Image src error.": None}, subset=["image_src"])
    df = df.replace({"N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e": None}, subset=["tag_list"])
    df = df.withColumn("follower_count", F.regexp_replace("follower_count", "k", "000"))
    df = df.withColumn("follower_count", F.regexp_replace("follower_count", "M", "000000"))
    df = df.withColumn("follower_count", df["follower_count"].cast("int"))
    df = df.withColumn("downloaded", df["downloaded"].cast("int"))
    df = df.withColumn("index", df["index"].cast("int"))
    df = df.withColumn("save_location", F.regexp_replace("save_location", "Local save in ", ""))
    df = df.withColumnRenamed("index", "ind")
    return df.select(
        "ind", "unique_id", "title", "description", "follower_count", "poster_name",
        "tag_list", "is_image_or_video", "image_src", "save_location", "category",
    ).dropDuplicates()  # fmt: skip


def course_clean_geo(df: DataFrame) -> DataFrame:
    df = df.withColumn("coordinates", F.array("latitude", "longitude"))
    df = df.drop("latitude", "longitude")
    df = df.withColumn("timestamp", F.to_timestamp("timestamp"))
    return df.select("ind", "country", "coordinates", "timestamp").dropDuplicates()


def course_clean_user(df: DataFrame) -> DataFrame:
    df = df.withColumn("user_name", F.concat("first_name", F.lit(" "), "last_name"))
    df = df.drop("first_name", "last_name")
    df = df.withColumn("date_joined", F.to_timestamp("date_joined"))
    return df.select("ind", "user_name", "age", "date_joined").dropDuplicates()


def age_group(df: DataFrame) -> DataFrame:
    return df.withColumn(
        "age_group",
        F.when(df.age < 25, "18-24")
        .when(df.age <= 35, "25-35")
        .when(df.age <= 50, "36-50")
        .otherwise("+50"),
    )


def join_years(df: DataFrame) -> DataFrame:
    df = df.withColumn("post_year", F.year("date_joined"))
    return df.filter(F.col("post_year").between(2015, 2020))


def median():
    return F.percentile_approx("follower_count", 0.5).alias("median_follower_count")


def top(df: DataFrame, group: str, item: str, name: str) -> DataFrame:
    counted = df.groupBy(group, item).agg(F.count(item).alias(name))
    w = Window.partitionBy(group).orderBy(F.desc(name))
    return counted.withColumn("rank", F.rank().over(w)).filter("rank = 1").drop("rank")


def course_way(spark: SparkSession, root: str) -> int:
    """Nine jobs, each from the raw files; returns the number of result rows."""

    def raw(table: str) -> DataFrame:
        return spark.read.json(f"{root}/topics/*/bench.{table}/partition=*/*.json")  # infers

    queries = [
        lambda p, g, u: top(p.join(g, "ind"), "country", "category", "category_count"),
        lambda p, g, u: top(
            p.join(g, "ind").withColumn("post_year", F.year("timestamp")).filter(
                F.col("post_year").between(2018, 2022)
            ),
            "post_year", "category", "category_count",
        ),
        lambda p, g, u: p.join(g, "ind").withColumn(
            "rank", F.rank().over(Window.partitionBy("country").orderBy(F.desc("follower_count")))
        ).filter("rank = 1").select("country", "poster_name", "follower_count"),
        lambda p, g, u: p.join(g, "ind").groupBy("country").agg(
            F.max("follower_count").alias("follower_count")
        ).orderBy(F.desc("follower_count")).limit(1),
        lambda p, g, u: top(age_group(p.join(u, "ind")), "age_group", "category", "category_count"),
        lambda p, g, u: age_group(p.join(u, "ind")).groupBy("age_group").agg(
            F.percentile_approx("follower_count", 0.5).alias("median_follower_count")
        ),
        lambda p, g, u: u.withColumn("post_year", F.year("date_joined")).filter(
            F.col("post_year").between(2015, 2020)
        ).groupBy("post_year").agg(F.count("ind").alias("number_users_joined")),
        lambda p, g, u: join_years(p.join(u, "ind")).groupBy("post_year").agg(median()),
        lambda p, g, u: join_years(age_group(p.join(u, "ind")))
        .groupBy("age_group", "post_year")
        .agg(median()),
    ]  # fmt: skip
    total = 0
    for query in queries:
        # Students define the cleaned DataFrames once and query them in later cells: nothing is
        # cached, so every query's action reads (and infers) the files again.
        pin = course_clean_pin(raw("pin"))
        geo = course_clean_geo(raw("geo"))
        user = course_clean_user(raw("user"))
        total += len(query(pin, geo, user).collect())
    return total


def main() -> None:
    parser = cli.Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=cli.whole_number(1), default=100_000,
                        help="source rows per table")  # fmt: skip
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()

    root = tempfile.mkdtemp(prefix="pinterest-course-bench-")
    try:
        rng = random.Random(7)
        total = 0
        for table, data in zip(("pin", "geo", "user"), rows(args.rows, 7), strict=True):
            records: list = data + rng.sample(data, len(data) // 5)
            rng.shuffle(records)
            write_objects(root, f"bench.{table}", records, records_per_object=1000)
            total += len(records)
        print(f"{total} raw records ({args.rows} source rows per table, 20% resent), {args.master}")
        spark = local_spark("course-way-bench", master=args.master, driver_memory="2g",
                            shuffle_partitions=2)  # fmt: skip
        spark.range(1000).selectExpr("sum(id)").collect()  # warm the JVM before timing

        start = time.perf_counter()
        course_rows = course_way(spark, root)
        course = time.perf_counter() - start
        print(f"course's way:  {course:6.1f} s  {total / course:8,.0f} records/s  "
              f"({course_rows} result rows, nothing written)")  # fmt: skip

        config = BatchConfig(root, "bench", TableLocation(root=f"{root}/warehouse"))
        start = time.perf_counter()
        result = run_batch(spark, config)
        ours = time.perf_counter() - start
        print(f"project's way: {ours:6.1f} s  {total / ours:8,.0f} records/s  "
              f"(3 cleaned + 1 malformed + 9 result Delta tables written)")  # fmt: skip
        print(f"  stages: {result.stage_report()}")
        print(f"speed-up: {course / ours:.1f}x")
        spark.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
