"""The local report: its HTML from fixed data, its counts, and its data read from Delta tables."""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pinterest_etl import report
from pinterest_etl.local.stream import TableReport
from pinterest_etl.report_html import NO_VALUE, compact, load_charts, render_report, sort_rows

FIXTURE = Path(__file__).parent / "fixtures" / "report_data.json"
AGE = ("18-24", "25-35", "36-50", "+50")


def fixture() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


class Figures(HTMLParser):
    """Per ``figure[data-chart]``: its kind, its bars' titles, its table rows."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, dict] = {}
        self.current: dict | None = None
        self.in_title = False
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "figure":
            self.current = {"kind": a["data-kind"], "bars": [], "rows": 0}
            self.figures[a["data-chart"]] = self.current
        elif self.current is not None and tag == "rect":
            self.current["bars"].append({"fill": a["fill"], "height": float(a["height"])})
        elif self.current is not None and tag == "title":
            self.in_title = True
        elif self.current is not None and tag == "tr":
            self.current["rows"] += 1

    def handle_endtag(self, tag):
        if tag == "figure":
            self.current = None
        if tag == "title":
            self.in_title = False

    def handle_data(self, data):
        if self.in_title and self.current is not None:
            self.current["bars"][-1]["title"] = data


def parse(page: str) -> Figures:
    parser = Figures()
    parser.feed(page)
    return parser


def test_every_analysis_gets_its_chart_kind():
    figures = parse(render_report(fixture())).figures
    charts = load_charts()["charts"]
    assert [(s, f["kind"]) for s, f in figures.items()] == [
        (c["suffix"], c["kind"]) for c in charts
    ]


def test_bars_are_the_rows_in_chart_order_with_heights_by_value():
    figures = parse(render_report(fixture())).figures
    # Task 4 charts countries per winning category: art 2 (Albania, Angola), travel 2, others 1.
    by_country = [b["title"] for b in figures["popular_category_by_country"]["bars"]]
    assert by_country == ["art: 2", "travel: 2", "finance: 1", "quotes: 1"]
    # Age groups youngest first; a bar's height is proportional to its value.
    bars = figures["median_followers_by_age_group"]["bars"]
    assert [b["title"].split(":")[0] for b in bars] == list(AGE)
    heights = {b["title"]: b["height"] for b in bars}
    assert heights["+50: 436,000"] / heights["36-50: 413,000"] == pytest.approx(436 / 413, 1e-3)
    # A tie in 2020 draws both categories, side by side and in their own colours.
    by_year = figures["popular_category_by_year"]["bars"]
    assert [b["title"] for b in by_year][2:4] == ["2020, art: 202", "2020, education: 202"]
    assert by_year[2]["fill"] != by_year[3]["fill"]
    # Task 11: one bar per age group in each joining year, one colour per age group.
    grouped = figures["median_followers_by_age_group_and_join_year"]["bars"]
    assert len(grouped) == 12
    assert len({b["fill"] for b in grouped}) == 4


def test_tables_show_sorted_rows_escaped_and_count_the_rest(monkeypatch):
    monkeypatch.setattr("pinterest_etl.report_html.TABLE_ROWS", 2)
    page = render_report(fixture())
    figures = parse(page).figures
    assert figures["top_poster_by_country"]["rows"] == 3  # header + 2
    assert "… 2 more rows" in page
    assert "Tattoo &lt;Ideas&gt; &amp; more" not in page  # sorted out of the first two
    table = re.search(r'data-chart="top_poster_by_country".*?</table>', page).group(0)
    assert table.index("Jacob Nelson") < table.index("Lisa Murphy")  # follower_count DESC


def test_the_page_is_self_contained():
    page = render_report(fixture())
    tags = set(parse(page).tags)
    assert not tags & {"script", "img", "link", "iframe", "object"}
    # The only URL is SVG's namespace name, which is never fetched.
    assert set(re.findall(r"https?://[^\"' ]+", page)) == {"http://www.w3.org/2000/svg"}
    assert "url(" not in page and "@import" not in page


def test_counts_time_and_missing_analyses_are_shown():
    data = fixture()
    data["analyses"] = [a for a in data["analyses"] if a["suffix"] != "users_joined_by_year"]
    data["paths"]["stream"][0]["read"] = None
    page = render_report(data)
    assert "Report written 2026-12-01 21:00:00 UTC" in page
    assert "sent 1,000 events per table in 3.5 s" in page
    assert "Not written yet: users_joined_by_year" in page
    assert f"<td>{NO_VALUE}</td>" in page
    assert "users_joined_by_year" not in parse(page).figures


def test_sort_rows_by_terms_age_groups_and_nulls_last():
    rows = [{"age_group": g, "n": n} for g, n in (("+50", 1), ("18-24", None), ("36-50", 3))]
    by_age = sort_rows(rows, ["age_group"], AGE)
    assert [r["age_group"] for r in by_age] == ["18-24", "36-50", "+50"]
    assert [r["n"] for r in sort_rows(rows, ["n DESC"], AGE)] == [3, 1, None]
    assert [r["n"] for r in sort_rows(rows, ["n"], AGE)] == [1, 3, None]


def test_compact_numbers():
    assert [compact(v) for v in (0, 437, 1250, 45000, 1_000_000, 12_500_000)] == [
        "0", "437", "1.2k", "45k", "1M", "12.5M",
    ]  # fmt: skip


def test_stream_output_is_read_from_the_streaming_jobs_own_lines():
    out = "started: a, b\nStreaming job over http://x (prefix p)\n" + "\n".join(
        TableReport(t, f"p_{t}_stream", 10 + i, 1, 2, 7 + i).line()
        for i, t in enumerate(("pin", "geo", "user"))
    )
    assert report.parse_stream_output(out) == {
        "pin": {"read": 10, "malformed": 1, "deduplicated": 2, "written": 7},
        "geo": {"read": 11, "malformed": 1, "deduplicated": 2, "written": 8},
        "user": {"read": 12, "malformed": 1, "deduplicated": 2, "written": 9},
    }


def test_path_counts_from_emulator_report_raw_files_and_tables(tmp_path):
    for t, lines in (("pin", 5), ("geo", 4), ("user", 3)):
        # Each topic's objects in two Kafka clusters' folders (a replaced cluster writes its own).
        first, second = (tmp_path / "topics" / c / f"pin-test.{t}" / "partition=0"
                         for c in ("cluster-1", "cluster-2"))  # fmt: skip
        first.mkdir(parents=True)
        second.mkdir(parents=True)
        (first / "a.json").write_text('{"x":1}\n' * (lines - 1) + "\n", encoding="utf-8")
        (second / "b.json").write_text('{"x":2}\n', encoding="utf-8")
    emulator = {"stats": {"pin-test.pin": {"rows": 4}, "streaming-pin-test-geo": {"rows": 6}}}
    rows = {"pin_test_pin": 3, "pin_test_geo": 4, "pin_test_geo_stream": 5}
    counts = report.path_counts(
        "pin-test", rows, {"pin": 1}, emulator, str(tmp_path), {"geo": {"read": 6, "written": 5}}
    )
    assert counts["batch"] == [
        {"table": "pin", "sent": 4, "landed": 5, "malformed": 1, "deduplicated": 1,
         "cleaned": 3},
        {"table": "geo", "sent": None, "landed": 4, "malformed": 0, "deduplicated": 0,
         "cleaned": 4},
        {"table": "user", "sent": None, "landed": 3, "malformed": None, "deduplicated": None,
         "cleaned": None},
    ]  # fmt: skip
    assert counts["stream"][1] == {
        "table": "geo", "sent": 6, "read": 6, "malformed": None, "deduplicated": None,
        "written": 5, "rows_in_table": 5,
    }  # fmt: skip


def test_cli_renders_a_data_file_and_names_what_is_wrong(tmp_path, capsys):
    out = tmp_path / "sub" / "report.html"
    assert report.main(["--data", str(FIXTURE), "--out", str(out)]) == 0
    assert f"Report: {out}" in capsys.readouterr().out
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    missing = tmp_path / "nope.json"
    assert report.main(["--data", str(missing), "--out", str(out)]) == 1
    assert f"cannot read the data file {missing}" in capsys.readouterr().err
    args = ["--warehouse", str(tmp_path), "--prefix", "bad prefix", "--out", str(out)]
    with pytest.raises(SystemExit, match="2"):
        report.main(args)
    assert "invalid prefix 'bad prefix'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        report.main(["--out", str(out)])
    assert "give --warehouse and --prefix" in capsys.readouterr().err


def test_collect_report_reads_the_local_delta_tables(spark, tmp_path):
    warehouse = str(tmp_path / "warehouse")

    def write(name, rows, schema):
        spark.createDataFrame(rows, schema).write.format("delta").save(
            os.path.join(warehouse, name)
        )

    write("pin_test_users_joined_by_year", [(2015, 3), (2016, 5)],
          "post_year int, number_users_joined long")  # fmt: skip
    write("pin_test_pin", [(1,), (2,), (3,)], "ind int")
    write(
        "pin_test_malformed",
        [("pin", "not JSON"), ("geo", "not JSON")],
        "table string, reason string",
    )
    write("pin_test_pin_stream", [(1,), (2,)], "ind int")
    data = report.collect_report(
        spark, warehouse, "pin-test", emulator={"events": 3, "elapsedSeconds": 1.5}
    )
    assert [a["suffix"] for a in data["analyses"]] == ["users_joined_by_year"]
    analysis = data["analyses"][0]
    assert analysis["columns"] == ["post_year", "number_users_joined"]
    assert sorted(analysis["rows"]) == [[2015, 3], [2016, 5]]
    by_name = {t["table"]: t for t in data["tables"]}
    assert by_name["pin_test_pin"]["rows"] == 3
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", by_name["pin_test_pin"]["last_updated"])
    assert by_name["pin_test_geo"] == {
        "path": "batch", "table": "pin_test_geo", "rows": None, "last_updated": "not written",
    }  # fmt: skip
    assert data["paths"]["batch"][0]["malformed"] == 1
    assert data["paths"]["stream"][0]["rows_in_table"] == 2
    assert data["emulator"] == {"events": 3, "elapsed_seconds": 1.5}
    page = render_report(data)
    assert len(parse(page).figures["users_joined_by_year"]["bars"]) == 2
