"""Every command-line runner of the package under the one convention (pinterest_etl.cli), one row
per class of wrong input: ``--help`` prints the usage (exit 0); a wrong command line prints the
usage and a line naming the option and the value (exit 2); a failure prints one ``error:`` line
(exit 1); none prints a traceback. No row starts Spark: each stops before the session would."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from pinterest_etl import cli, report, spark_session, tables
from pinterest_etl.local import batch as local_job
from pinterest_etl.local import stream as local_stream

FIXTURE = Path(__file__).parent / "fixtures" / "report_data.json"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    """Inputs a runner is pointed at: data files of the wrong kind and paths that are not there."""
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    no_rows = [{k: v for k, v in a.items() if k != "rows"} for a in data["analyses"]]
    wrong = {
        "not_json": "this is not JSON",
        "not_object": "[]",
        "not_report": '{"bad": 1}',
        "no_rows": json.dumps({**data, "analyses": no_rows}),
    }
    for name, text in wrong.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    paths = {name: str(tmp_path / name) for name in wrong}
    paths["missing"] = str(tmp_path / "missing" / "file")
    paths["tmp"] = str(tmp_path)
    paths["out"] = str(tmp_path / "report.html")
    return paths


JOB = ["--source-root", "{tmp}", "--prefix", "pin-x", "--warehouse", "{tmp}/w"]
STREAM = ["--prefix", "pin-x", "--warehouse", "{tmp}/w", "--endpoint", "http://127.0.0.1:1"]
TABLES_ARGS = ["--warehouse", "{tmp}", "--prefix", "pin-x", "--out", "{out}"]

# (runner, argv ({name} is a path from `files`), environment, exit code, a fragment of the output)
ROWS: list[tuple[Callable, list[str], dict[str, str], int, str]] = [
    # --help
    (local_job.main, ["--help"], {}, 0, "usage: python -m pinterest_etl.local.batch"),
    (local_stream.main, ["--help"], {}, 0, "usage: python -m pinterest_etl.local.stream"),
    (report.main, ["--help"], {}, 0, "usage: python -m pinterest_etl.report"),
    (tables.main, ["--help"], {}, 0, "usage: python -m pinterest_etl.tables"),
    (spark_session.main, ["--help"], {}, 0, "usage: python -m pinterest_etl.spark_session"),
    # an unknown or abbreviated option, an argument too many, a missing value or option
    (local_job.main, [*JOB, "--bogus"], {}, 2, "unrecognized arguments: --bogus"),
    (local_job.main, [*JOB, "--max-m", "0.5"], {}, 2, "unrecognized arguments: --max-m"),
    (local_stream.main, [*STREAM, "extra"], {}, 2, "unrecognized arguments: extra"),
    (local_job.main, [*JOB, "--mode"], {}, 2, "argument --mode: expected one argument"),
    (local_job.main, ["--prefix", "pin-x"], {}, 2, "the following arguments are required"),
    (spark_session.main, [], {}, 2, "the following arguments are required: --warm"),
    # a bad value: prefix, number, share, seconds, URL, choice (also from the environment)
    (local_job.main, [*JOB[:2], "--prefix", "bad prefix", *JOB[4:]], {}, 2, "invalid prefix"),
    (tables.main, ["--prefix", "bad prefix"], {}, 2, "argument --prefix: invalid prefix"),
    (report.main, ["--warehouse", "w", "--prefix", "a b", "--out", "o"], {}, 2, "invalid prefix"),
    (local_job.main, [*JOB, "--max-rows", "-1"], {}, 2, "'-1' must be a whole number"),
    (local_job.main, [*JOB, "--max-malformed-share", "2"], {}, 2, "'2' is not a share"),
    (local_job.main, [*JOB, "--mode", "fast"], {}, 2, "invalid choice: 'fast'"),
    (local_stream.main, [*STREAM, "--continuous", "--trigger-seconds", "nan"], {}, 2, "'nan'"),
    (local_stream.main, [*STREAM[:4], "--endpoint", "ftp://x"], {}, 2, "not an http(s) URL"),
    (local_stream.main, STREAM[:4], {"PIPELINE_KINESIS_ENDPOINT": "x"}, 2, "'x' is not an http"),
    (local_stream.main, STREAM[:4], {"PIPELINE_KINESIS_ENDPOINT": ""}, 2, "--endpoint is requi"),
    # an option that cannot apply
    (local_stream.main, [*STREAM, "--trigger-seconds", "2"], {}, 2, "add --continuous or drop"),
    (report.main, ["--data", "{not_json}", *TABLES_ARGS], {}, 2, "--warehouse is for reading"),
    (report.main, ["--data", "{not_json}", "--master", "x", "--out", "o"], {}, 2, "--master is"),
    (report.main, ["--out", "{out}"], {}, 2, "give --warehouse and --prefix"),
    # failures: one line, exit 1, before any Spark session
    (local_job.main, JOB, {}, 1, "no raw data to process: {tmp}/topics/*/pin-x.pin matches"),
    (report.main, ["--data", "{missing}", "--out", "{out}"], {}, 1, "cannot read the data file"),
    (report.main, ["--data", "{not_json}", "--out", "{out}"], {}, 1, "not_json is not JSON"),
    (report.main, ["--data", "{not_object}", "--out", "{out}"], {}, 1, "holds list, not an"),
    (report.main, ["--data", "{not_report}", "--out", "{out}"], {}, 1, "is not report data"),
    (report.main, ["--data", "{no_rows}", "--out", "{out}"], {}, 1, "is not report data: Key"),
    (report.main, ["--data", str(FIXTURE), "--out", "/proc/no/report.html"], {}, 1, "cannot write"),
    (report.main, [*TABLES_ARGS, "--emulator-report", "{not_json}"], {}, 1, "emulator report"),
]


@pytest.mark.parametrize(
    ("main", "argv", "env", "code", "fragment"),
    ROWS,
    ids=[f"{m.__module__.split('.')[-1]} {' '.join(a)}" for m, a, *_ in ROWS],
)
def test_each_class_of_wrong_input_gets_its_answer(
    main, argv, env, code, fragment, files, capsys, monkeypatch
) -> None:
    monkeypatch.delenv("PIPELINE_KINESIS_ENDPOINT", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        got = main([arg.format(**files) for arg in argv])
    except SystemExit as exit_:
        got = exit_.code
    out, err = capsys.readouterr()
    assert got == code, out + err
    assert fragment.format(**files) in out + err
    assert "Traceback" not in out + err
    if code == 0:
        assert out.startswith("usage: ")
    if code == 2:
        assert err.startswith("usage: ")
    if code == 1:
        assert err.startswith("error: ") and err.count("\n") == 1, err


def test_the_checks_name_what_fits() -> None:
    with pytest.raises(cli.argparse.ArgumentTypeError, match="'0' must be a whole number of at"):
        cli.whole_number(1)("0")
    with pytest.raises(cli.argparse.ArgumentTypeError, match="from 1 to 64"):
        cli.whole_number(1, 64)("1e3")
    assert cli.whole_number(0)("7") == 7
    assert cli.seconds("0.5") == 0.5
    for text in ("0", "-1", "inf", "abc"):
        with pytest.raises(cli.argparse.ArgumentTypeError, match="seconds above 0"):
            cli.seconds(text)
    assert cli.whole_numbers(1)("10, 20,") == [10, 20]
    assert cli.whole_numbers(1)("") == []
    with pytest.raises(cli.argparse.ArgumentTypeError, match="'10,10' names 10 twice"):
        cli.whole_numbers(1)("10,10")
    with pytest.raises(cli.argparse.ArgumentTypeError, match="'a' must be a whole number"):
        cli.whole_numbers(1)("10,a")
    assert cli.fraction("0.2") == 0.2
    with pytest.raises(cli.argparse.ArgumentTypeError, match="from 0 to 1"):
        cli.fraction("nan")
    assert cli.http_url("https://kinesis.eu-west-1.amazonaws.com") == (
        "https://kinesis.eu-west-1.amazonaws.com"
    )
