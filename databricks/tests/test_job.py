"""The batch job end to end over a local folder in the sink's layout, run twice; the CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ENGINE_VARIABLE
from pyspark.sql import SparkSession

from pinterest_etl.analysis import ANALYSES
from pinterest_etl.job import STAGES
from pinterest_etl.local import batch as local_job
from pinterest_etl.sink_files import DEFAULT_CLUSTER, write_objects
from pinterest_etl.writers import TableLocation, read_table, write_table

PREFIX = "pin-e2e"


def pin(ind: int, followers: str, category: str, poster: str) -> dict:
    return {
        "index": ind, "unique_id": f"00000000-0000-4000-8000-00000000000{ind}", "title": "Tïtle",
        "description": "Desc…\u00a0", "poster_name": poster, "follower_count": followers,
        "tag_list": "a,b", "is_image_or_video": "image", "image_src": "https://i.pinimg.com/x.jpg",
        "downloaded": 1, "save_location": f"Local save in /data/{category}", "category": category,
    }  # fmt: skip


JUNK_PIN = {
    **pin(2, "User Info Error", "travel", "User Info Error"),
    "title": "No Title Data Available", "description": "No description available Story format",
    "tag_list": "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e", "image_src": "Image src error.",
    "downloaded": 0, "is_image_or_video": "multi-video(story page format)",
}  # fmt: skip


def geo(ind: int, when: str, country: str) -> dict:
    return {
        "ind": ind,
        "timestamp": when,
        "latitude": -45.5,
        "longitude": 100.25,
        "country": country,
    }


def user(ind: int, age: int, joined: str) -> dict:
    return {
        "ind": ind,
        "first_name": "Zoë",
        "last_name": f"N{ind}",
        "age": age,
        "date_joined": joined,
    }


@pytest.fixture(scope="module")
def source_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four posts, each resent (duplicates across objects and partitions), two malformed lines."""
    root = tmp_path_factory.mktemp("bucket")
    pins = [pin(0, "5k", "art", "Ann"), pin(1, "1M", "art", "Bob"), JUNK_PIN,
            pin(3, "437", "travel", "Cy")]  # fmt: skip
    write_objects(str(root), f"{PREFIX}.pin", [*pins, pins[0]], records_per_object=2)
    write_objects(str(root), f"{PREFIX}.pin", [pins[0], '{"index": 9, "title": '], partition=1)
    geos = [geo(0, "2019-05-05 10:00:00", "Albania"), geo(1, "2020-01-01T00:00:00", "Albania"),
            geo(2, "2019-07-07 07:07:07", "Chad"),
            geo(3, "2021-02-03 04:05:06", "Chad")]  # fmt: skip
    write_objects(
        str(root), f"{PREFIX}.geo", [*geos, geo(0, "2019-05-05T10:00:00.000Z", "Albania")]
    )
    users = [user(0, 22, "2015-11-11 11:11:11"), user(1, 40, "2016-06-06 06:06:06"),
             user(2, 55, "2017-01-01 00:00:00"), user(3, 22, "2016-12-12T12:12:12")]  # fmt: skip
    other_version = user(3, 23, "2016-12-12T12:12:12")
    write_objects(
        str(root), f"{PREFIX}.user", [*users, users[1], other_version, user(4, 30, "yesterday")]
    )
    return root


def engine_flags() -> list[str]:
    """The local runners' flag for this run's engine (conftest's ``--engine``)."""
    return ["--connect"] if os.environ.get(ENGINE_VARIABLE) == "connect" else []


def run(
    source_root: Path, warehouse: Path, capsys: pytest.CaptureFixture, *extra: str
) -> tuple[int, str]:
    """The local runner on this run's engine; the quality gate off unless ``extra`` sets it (a
    third of some tables' records here are malformed on purpose)."""
    code = local_job.main(
        ["--source-root", str(source_root), "--prefix", PREFIX, "--warehouse", str(warehouse),
         "--max-malformed-share", "1", *engine_flags(), *extra]
    )  # fmt: skip
    out, err = capsys.readouterr()
    return code, out + err


def test_batch_job_twice_leaves_the_same_tables(
    spark: SparkSession, source_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    warehouse = tmp_path / "warehouse"
    location = TableLocation(root=str(warehouse))
    code, out = run(source_root, warehouse, capsys)
    assert code == 0, out
    cleaned = ["pin_e2e_pin", "pin_e2e_geo", "pin_e2e_user"]
    analysis = [f"pin_e2e_{a.suffix}" for a in ANALYSES]
    every_table = [*cleaned, "pin_e2e_malformed", *analysis]
    first = {name: read_table(spark, name, location).collect() for name in every_table}

    # Seven pin records (0 sent three times) -> four rows; geo 0 resent in the ISO form
    # collapses; user 1 resent, user 3 in two versions; a truncated pin line and a bad user
    # datetime are quarantined.
    assert [len(first[n]) for n in cleaned] == [4, 4, 4]
    junk = next(r for r in first["pin_e2e_pin"] if r.ind == 2)
    assert (junk.title, junk.follower_count, junk.poster_name, junk.save_location) == (
        None, None, None, "/data/travel")  # fmt: skip
    assert sorted((r.table, r.reason) for r in first["pin_e2e_malformed"]) == [
        ("pin", "not a JSON object of the schema"),
        ("user", "date_joined is not a supported datetime"),
    ]
    assert "Malformed records: 2" in out
    assert re.search(r"Stages: read_parse_clean [0-9.]+ s, cleaned_tables [0-9.]+ s, results", out)
    assert "pin : 7 records, 1 malformed, 2 duplicates removed, 0 conflicting" in out
    assert (
        "user: 7 records, 1 malformed, 1 duplicates removed, 1 conflicting versions dropped, 4"
        in out
    )
    assert [r.age for r in first["pin_e2e_user"] if r.ind == 3] == [22]  # the smaller version wins
    assert f"{warehouse}/pin_e2e_pin" in out and f"Delta tables under {warehouse}" in out
    for a in ANALYSES:
        assert f"Task {a.task}: {a.question}" in out
    # Albania: art (0, 1); Chad: travel (2, 3). The junk row 2 still counts for its category.
    assert [tuple(r) for r in first["pin_e2e_popular_category_by_country"]] in (
        [("Albania", "art", 2), ("Chad", "travel", 2)],
        [("Chad", "travel", 2), ("Albania", "art", 2)],
    )
    assert sorted(tuple(r) for r in first["pin_e2e_top_poster_by_country"]) == [
        ("Albania", "Bob", 1_000_000), ("Chad", "Cy", 437)]  # fmt: skip

    code, out = run(source_root, warehouse, capsys)
    assert code == 0, out
    for name in every_table:
        again = read_table(spark, name, location).collect()
        assert sorted(map(tuple, again)) == sorted(map(tuple, first[name])), name
    history = spark.sql(f"DESCRIBE HISTORY delta.`{warehouse}/pin_e2e_pin`").collect()
    # Each run overwrites once; the first also turns on the change data feed the results read
    # (writers.record_changes), a commit of its own that the second run does not repeat.
    writes = sorted((h.version, h.operationParameters["mode"]) for h in history
                    if "mode" in h.operationParameters)  # fmt: skip
    assert writes == [(0, "Overwrite"), (2, "Overwrite")]
    assert [h.operation for h in history if "mode" not in h.operationParameters] == [
        "SET TBLPROPERTIES"]  # fmt: skip


def test_the_quality_gate_fails_a_run_after_writing_its_quarantine_records(
    spark: SparkSession, source_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """1 of the 7 pin records and 1 of the 7 user records are malformed (14.3%): above the default
    share the run fails naming each table, its counts and reason, with the records quarantined;
    the same batch, accepted with a higher share, then completes."""
    warehouse = tmp_path / "warehouse"
    code, out = run(source_root, warehouse, capsys, "--max-malformed-share", "0.05")
    assert code == 1, out
    assert re.search(
        r"error: malformed share above 5\.0%: pin: 1 of 7 records malformed \(14\.3%; most "
        r"common: not a JSON object of the schema \(1\)\), user: 1 of 7 records malformed",
        out,
    ), out
    location = TableLocation(root=str(warehouse))
    assert read_table(spark, "pin_e2e_malformed", location).count() == 2
    runs = read_table(spark, "pin_e2e_batch_runs", location).collect()
    assert sorted((r.table, r.raw, r.malformed, r.rejected is not None) for r in runs) == [
        ("geo", 5, 0, True), ("pin", 7, 1, True), ("user", 7, 1, True)]  # fmt: skip

    code, out = run(source_root, warehouse, capsys, "--mode", "incremental",
                    "--max-malformed-share", "0.15")  # fmt: skip
    assert code == 0, out
    assert "records read: pin 7, geo 5, user 7" in out  # the rejected batch, replayed
    assert read_table(spark, "pin_e2e_pin", location).count() == 4


@pytest.mark.parametrize("share", ["1.5", "-0.1", "lots"])
def test_a_share_outside_0_to_1_is_a_usage_error(share: str, tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        local_job.main(["--source-root", str(tmp_path), "--prefix", PREFIX, "--warehouse", "w",
                        "--max-malformed-share", share])  # fmt: skip
    assert exit_.value.code == 2
    assert f"{share!r} is not a share: give a number from 0 to 1" in capsys.readouterr().err


@pytest.mark.parametrize("share", ["5%", "nan", "2"])
def test_the_notebook_refuses_a_bad_share_before_it_reads_or_writes(share: str) -> None:
    notebook = Path(__file__).parents[1] / "notebooks" / "batch.py"
    dbutils = Widgets({"source_root": "/nowhere", "prefix": PREFIX, "max_malformed_share": share})
    code = compile(notebook.read_text(encoding="utf-8"), str(notebook), "exec")
    with pytest.raises(ValueError, match=rf"^max_malformed_share '{share}' is not a share: give a"):
        exec(code, {"dbutils": dbutils, "spark": None, "display": None})  # no session: nothing ran
    assert dbutils.exit_value is None


def test_metastore_tables_are_replaced_not_appended(spark: SparkSession) -> None:
    df = spark.createDataFrame([(1, "a"), (2, "b")], "ind int, v string")
    location = TableLocation()
    write_table(df, "idempotent_check", location)
    write_table(df, "idempotent_check", location)
    assert read_table(spark, "idempotent_check", location).count() == 2


def test_missing_source_root_exits_1_naming_it(tmp_path: Path, capsys) -> None:
    code, out = run(tmp_path / "nowhere", tmp_path / "wh", capsys)
    assert code == 1
    assert f"source root {tmp_path / 'nowhere'} does not exist" in out


def test_empty_topics_exit_1_naming_each_folder(tmp_path: Path, capsys) -> None:
    write_objects(str(tmp_path), f"{PREFIX}.pin", [pin(0, "5k", "art", "Ann")])
    empty = tmp_path / "topics" / DEFAULT_CLUSTER / f"{PREFIX}.geo" / "partition=0"
    empty.mkdir(parents=True)
    (empty / "x.json").write_text("")
    code, out = run(tmp_path, tmp_path / "wh", capsys)
    assert code == 1
    assert f"topics/*/{PREFIX}.geo has no non-empty *.json file" in out
    assert f"topics/*/{PREFIX}.user matches no folder" in out
    assert f"topics/*/{PREFIX}.pin" not in out.split("expected")[0]


def test_topic_with_only_blank_lines_exits_1(spark: SparkSession, tmp_path: Path, capsys) -> None:
    write_objects(str(tmp_path), f"{PREFIX}.pin", [pin(0, "5k", "art", "Ann")])
    write_objects(str(tmp_path), f"{PREFIX}.geo", [geo(0, "2019-05-05 10:00:00", "Chad")])
    write_objects(str(tmp_path), f"{PREFIX}.user", ["", "  "])
    code, out = run(tmp_path, tmp_path / "wh", capsys)
    assert code == 1
    assert f"no records under {tmp_path}/topics/*/{PREFIX}.user" in out
    assert not (tmp_path / "wh" / "pin_e2e_pin").exists()  # nothing written before the check


def test_bad_prefix_exits_2(tmp_path: Path, capsys) -> None:
    argv = ["--source-root", str(tmp_path), "--prefix", "pin dev", "--warehouse", "w"]
    with pytest.raises(SystemExit, match="2"):
        local_job.main(argv)
    assert "invalid prefix 'pin dev'" in capsys.readouterr().err


def test_cli_module_entry_point(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pinterest_etl.local.batch", "--source-root", str(tmp_path / "no"),
         "--prefix", PREFIX, "--warehouse", str(tmp_path / "wh")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "error: no raw data to process" in proc.stderr


class Widgets:
    """The part of dbutils the batch notebook uses (Databricks-only), backed by a dict."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.defined: list[str] = []
        self.exit_value: str | None = None
        self.widgets = self
        self.notebook = self

    def text(self, name: str, default: str, label: str) -> None:
        self.defined.append(name)
        self.values.setdefault(name, default)

    def get(self, name: str) -> str:
        return self.values[name]

    def exit(self, value: str) -> None:
        self.exit_value = value


def test_batch_notebook_runs_the_job_into_metastore_tables(
    spark: SparkSession, source_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notebook = Path(__file__).parents[1] / "notebooks" / "batch.py"
    dbutils = Widgets({"source_root": str(source_root), "prefix": PREFIX, "analysis_prefix": "nb",
                       "max_malformed_share": "1"})  # fmt: skip
    shown: list = []
    code = compile(notebook.read_text(encoding="utf-8"), str(notebook), "exec")
    exec(code, {"dbutils": dbutils, "spark": spark, "display": shown.append})

    summary = json.loads(dbutils.exit_value)
    assert summary["malformed_records"] == 2
    assert summary["cleaned_tables"]["pin"] == "`pin_e2e_pin`"
    assert list(summary["stage_seconds"]) == list(STAGES)
    assert all(seconds > 0 for seconds in summary["stage_seconds"].values())
    assert spark.table("pin_e2e_pin").count() == 4
    assert spark.table("nb_users_joined_by_year").count() == 3  # joined 2015, 2016, 2017
    assert len(shown) == len(ANALYSES)
