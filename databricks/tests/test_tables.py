"""The committed table list the dashboard generator reads is the one the jobs' naming makes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pinterest_etl import tables
from pinterest_etl.analysis import ANALYSES
from pinterest_etl.job import BatchConfig
from pinterest_etl.naming import stream_table_name

COMMITTED = Path(tables.__file__).with_name("table_names.json")


def test_committed_template_is_what_the_module_prints():
    assert COMMITTED.read_text(encoding="utf-8") == tables.template_json(), (
        "databricks/pinterest_etl/table_names.json is stale: regenerate it with "
        "(cd databricks && ../.venv/bin/python -m pinterest_etl.tables > "
        "pinterest_etl/table_names.json)"
    )


def test_placeholder_substitution_gives_the_batch_jobs_names():
    # The generator replaces the placeholder with the prefix's table form: that must give the
    # names the batch job itself derives.
    template = json.loads(COMMITTED.read_text(encoding="utf-8"))
    job = BatchConfig(source_root="/x", prefix="pin-dev")

    def sub(name: str) -> str:
        return "pin_dev" + name.removeprefix(template["placeholder"])

    assert {t: sub(n) for t, n in template["batch"]["cleaned"].items()} == job.cleaned_tables()
    assert sub(template["batch"]["malformed"]) == job.malformed()
    assert {a["suffix"]: sub(a["table"]) for a in template["analyses"]} == job.analysis_tables()
    assert [a["suffix"] for a in template["analyses"]] == [a.suffix for a in ANALYSES]
    assert {t: sub(n) for t, n in template["stream"]["cleaned"].items()} == {
        t: stream_table_name("pin-dev", t) for t in ("pin", "geo", "user")
    }
    assert tables.table_names("pin-dev") == json.loads(
        json.dumps(template).replace("PREFIX", "pin_dev")
    )


def test_cli_rejects_a_bad_prefix(capsys):
    with pytest.raises(SystemExit, match="2"):
        tables.main(["--prefix", "bad prefix"])
    assert "invalid prefix 'bad prefix'" in capsys.readouterr().err


def test_charts_cover_every_analysis_once_with_its_columns():
    from pinterest_etl.analysis import AGE_GROUPS

    charts = json.loads(COMMITTED.with_name("charts.json").read_text(encoding="utf-8"))
    assert [c["suffix"] for c in charts["charts"]] == [a.suffix for a in ANALYSES]
    assert tuple(charts["ageGroupOrder"]) == AGE_GROUPS
