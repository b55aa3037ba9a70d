"""Benchmark (not a test): records per second of the batch job on this machine.

    .venv/bin/python databricks/bench/bench_batch.py [--rows 20000] [--master local[2]]

Generates a deterministic bucket replica (``--rows`` source rows per table, ``--resend`` of them
sent again as the emulator does, a few junk values and malformed lines), then runs the batch job
twice over it (the second run replaces existing tables) and prints raw records per second.
"""

from __future__ import annotations

import datetime as dt
import pathlib
import random
import re
import shutil
import tempfile
import time
import uuid

from pinterest_etl import cli
from pinterest_etl.job import BatchConfig, run_batch
from pinterest_etl.sink_files import write_objects
from pinterest_etl.spark_session import local_spark
from pinterest_etl.writers import TableLocation

# The course's 13 categories, from the one list the source generator draws from.
VOCABULARY = pathlib.Path(__file__).resolve().parents[2] / "emulator" / "source" / "vocabulary.ts"


def _categories() -> list[str]:
    found = re.search(r"export const CATEGORIES = \[(.*?)\] as const", VOCABULARY.read_text(), re.S)
    if not found:
        raise SystemExit(f"no CATEGORIES list in {VOCABULARY}: the benchmark reads it from there")
    return re.findall(r'"([^"]+)"', found.group(1))


CATEGORIES = _categories()
COUNTRIES = ["Albania", "Chad", "Cocos (Keeling) Islands", "Côte d'Ivoire", "Maldives", "Peru"]


def follower_count(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.015:
        return "User Info Error"
    if r < 0.77:
        return f"{rng.randint(1, 999)}k"
    if r < 0.84:
        return f"{rng.randint(1, 12)}M"
    return str(rng.randint(0, 999))


def when(rng: random.Random, start: int, end: int, iso: bool) -> str:
    t = dt.datetime(start, 1, 1) + dt.timedelta(seconds=rng.randint(0, (end - start) * 31_536_000))
    return t.strftime("%Y-%m-%dT%H:%M:%S" if iso else "%Y-%m-%d %H:%M:%S")


def rows(n: int, seed: int) -> tuple[list[dict], list[dict], list[dict]]:
    rng = random.Random(seed)
    pins, geos, users = [], [], []
    for i in range(n):
        category = rng.choice(CATEGORIES)
        pins.append({
            "index": i, "unique_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "title": rng.choice(["Cozy nook ideas", "No Title Data Available", "Idées de décor"]),
            "description": "Lovely…\u00a0", "poster_name": f"Poster {rng.randint(1, n // 3 + 1)}",
            "follower_count": follower_count(rng), "tag_list": "a,b,c",
            "is_image_or_video": "image", "image_src": "https://i.pinimg.com/originals/x.jpg",
            "downloaded": 1, "save_location": f"Local save in /data/{category}",
            "category": category,
        })  # fmt: skip
        geos.append({"ind": i, "timestamp": when(rng, 2017, 2023, rng.random() < 0.5),
                     "latitude": rng.uniform(-90, 90), "longitude": rng.uniform(-180, 180),
                     "country": rng.choice(COUNTRIES)})  # fmt: skip
        users.append({"ind": i, "first_name": "Ana", "last_name": f"N{i}",
                      "age": rng.randint(20, 59),
                      "date_joined": when(rng, 2015, 2018, rng.random() < 0.5)})  # fmt: skip
    return pins, geos, users


def main() -> None:
    parser = cli.Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=cli.whole_number(1), default=20_000,
                        help="source rows per table")  # fmt: skip
    parser.add_argument("--resend", type=cli.fraction, default=0.2,
                        help="share of rows sent twice, 0 to 1")  # fmt: skip
    parser.add_argument("--per-object", type=cli.whole_number(1), default=1000,
                        help="records per sink object")  # fmt: skip
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--seed", type=cli.whole_number(0), default=42)
    args = parser.parse_args()

    root = tempfile.mkdtemp(prefix="pinterest-bench-")
    try:
        rng = random.Random(args.seed)
        total = 0
        for table, data in zip(("pin", "geo", "user"), rows(args.rows, args.seed), strict=True):
            records: list = data + rng.sample(data, int(len(data) * args.resend))
            rng.shuffle(records)
            records.append('{"truncated": ')  # one malformed line per topic
            write_objects(root, f"bench.{table}", records, records_per_object=args.per_object)
            total += len(records)
        print(f"{total} raw records ({args.rows} source rows per table, {args.resend:.0%} resent, "
              f"{args.per_object} per object), master {args.master}")  # fmt: skip

        spark = local_spark("pinterest-etl-bench", master=args.master, driver_memory="2g",
                            shuffle_partitions=2)  # fmt: skip
        config = BatchConfig(root, "bench", TableLocation(root=f"{root}/warehouse"))
        for run in (1, 2):
            start = time.perf_counter()
            result = run_batch(spark, config)
            seconds = time.perf_counter() - start
            print(f"run {run}: {seconds:.1f} s, {total / seconds:,.0f} records/s "
                  f"({sum(s.cleaned for s in result.stats.values())} cleaned rows, "
                  f"{result.malformed_count} malformed)")  # fmt: skip
            print(f"  stages: {result.stage_report()}")
        spark.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
