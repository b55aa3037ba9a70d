"""The local report: the nine analyses as charts and the pipeline's counts, one HTML file.

    python -m pinterest_etl.report --warehouse .local/warehouse --prefix pin-local \\
        --emulator-report .local/logs/emulate-report.json --raw-root .local/raw \\
        --stream-output .local/logs/streaming-job.out --out .local/report.html
    python -m pinterest_etl.report --data report-data.json --out report.html

The first form reads the local Delta tables with Spark (``collect_report``); the second renders
data collected before (the same dict, as JSON) with no Spark at all. The page has no script and
loads nothing (report_html). The data dict has:

- ``prefix``, ``warehouse``, ``generated_at`` (ISO time, UTC);
- ``analyses``: per result table ``task, suffix, question, table, columns, rows``;
- ``tables``: per cleaned and malformed table of both jobs ``path, table, rows, last_updated``
  (``rows`` None and ``last_updated`` "not written" for a table that does not exist);
- ``paths``: ``batch`` rows ``table, sent, landed, malformed, deduplicated, cleaned`` and
  ``stream`` rows ``table, sent, read, malformed, deduplicated, written, rows_in_table``;
- ``emulator``: ``events, elapsed_seconds`` from its report (empty without one).

Counts that have no source (no emulator report, no raw folder, no streaming job output) are None.

Exit codes: 0 written, 1 a file named on the command line is missing or unreadable, 2 bad
arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from . import cli
from .naming import TABLES, stream_name, topic_name
from .report_html import render_report
from .sink_files import topic_folders
from .tables import table_names

#: One table's line in the streaming job's output (local.stream.TableReport.line).
STREAM_LINE = re.compile(
    r"^\s+(?P<table>\w+)\s*: (?P<read>\d+) records read, (?P<malformed>\d+) malformed, "
    r"(?P<deduplicated>\d+) duplicates dropped, (?P<written>\d+) rows written \((?P<name>\w+)\)$"
)


def parse_stream_output(text: str) -> dict[str, dict[str, int]]:
    """Per source table, what the streaming job's run printed it read, dropped and wrote."""
    found = {}
    for line in text.splitlines():
        m = STREAM_LINE.match(line)
        if m:
            found[m["table"]] = {
                k: int(m[k]) for k in ("read", "malformed", "deduplicated", "written")
            }
    return found  # fmt: skip


def landed_records(raw_root: str, topic: str) -> int:
    """Records (non-empty lines) under ``<raw_root>/topics/*/<topic>/`` (every Kafka cluster's
    folder), as the S3 sink wrote them."""
    count = 0
    for dirpath, _, names in (w for f in topic_folders(raw_root, topic) for w in os.walk(f)):
        for name in names:
            if name.endswith(".json"):
                with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                    count += sum(1 for line in f if line.strip())
    return count


def path_counts(
    prefix: str,
    table_rows: dict[str, int | None],
    malformed_by_table: dict[str, int],
    emulator: dict | None,
    raw_root: str | None,
    stream_run: dict[str, dict[str, int]] | None,
) -> dict[str, list[dict]]:
    """The per-path counts of the report (see the module docstring)."""
    names = table_names(prefix)
    stats = (emulator or {}).get("stats", {})

    def sent(key: str) -> int | None:
        return stats.get(key, {}).get("rows")

    batch = []
    for t in TABLES:
        landed = landed_records(raw_root, topic_name(prefix, t)) if raw_root else None
        cleaned = table_rows.get(names["batch"]["cleaned"][t])
        malformed = malformed_by_table.get(t, 0) if cleaned is not None else None
        known = None not in (landed, cleaned, malformed)
        batch.append({
            "table": t,
            "sent": sent(topic_name(prefix, t)),
            "landed": landed,
            "malformed": malformed,
            "deduplicated": landed - malformed - cleaned if known else None,
            "cleaned": cleaned,
        })  # fmt: skip
    stream = []
    for t in TABLES:
        run = (stream_run or {}).get(t, {})
        stream.append({
            "table": t,
            "sent": sent(stream_name(prefix, t)),
            "read": run.get("read"),
            "malformed": run.get("malformed"),
            "deduplicated": run.get("deduplicated"),
            "written": run.get("written"),
            "rows_in_table": table_rows.get(names["stream"]["cleaned"][t]),
        })  # fmt: skip
    return {"batch": batch, "stream": stream}


def _is_delta(path: str) -> bool:
    return os.path.isdir(os.path.join(path, "_delta_log"))


def last_commit(path: str) -> str:
    """When the Delta table at ``path`` was last written (UTC): the time of its newest commit
    file. Read from the log's files rather than with ``DESCRIBE HISTORY``: one Spark job fewer
    per table."""
    log = os.path.join(path, "_delta_log")
    newest = max(
        os.path.getmtime(os.path.join(log, n)) for n in os.listdir(log) if n.endswith(".json")
    )
    return datetime.fromtimestamp(newest, UTC).strftime("%Y-%m-%d %H:%M:%S")


def collect_report(
    spark,
    warehouse: str,
    prefix: str,
    emulator: dict | None = None,
    raw_root: str | None = None,
    stream_run: dict[str, dict[str, int]] | None = None,
) -> dict:
    """Read the Delta tables under ``warehouse`` (by path, as the local jobs write them) into the
    report's data dict."""
    names = table_names(prefix)
    analyses = []
    for a in names["analyses"]:
        path = os.path.join(warehouse, a["table"])
        if not _is_delta(path):
            continue
        df = spark.read.format("delta").load(path)
        rows = [list(r) for r in df.collect()]
        analyses.append({**a, "columns": df.columns, "rows": rows})

    listed = [
        *[("batch", n) for n in names["batch"]["cleaned"].values()],
        ("batch", names["batch"]["malformed"]),
        *[("stream", n) for n in names["stream"]["cleaned"].values()],
        *[("stream", n) for n in names["stream"]["malformed"].values()],
    ]
    tables, table_rows = [], {}
    for path_name, name in listed:
        path = os.path.join(warehouse, name)
        rows, updated = None, "not written"
        if _is_delta(path):
            rows = spark.read.format("delta").load(path).count()
            updated = last_commit(path)
        table_rows[name] = rows
        tables.append({"path": path_name, "table": name, "rows": rows, "last_updated": updated})

    malformed_path = os.path.join(warehouse, names["batch"]["malformed"])
    malformed_by_table = {}
    if _is_delta(malformed_path):
        counted = spark.read.format("delta").load(malformed_path).groupBy("table").count()
        malformed_by_table = {r["table"]: r["count"] for r in counted.collect()}

    return {
        "prefix": prefix,
        "warehouse": warehouse,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "analyses": analyses,
        "tables": tables,
        "paths": path_counts(
            prefix, table_rows, malformed_by_table, emulator, raw_root, stream_run
        ),
        "emulator": {
            "events": (emulator or {}).get("events"),
            "elapsed_seconds": (emulator or {}).get("elapsedSeconds"),
        },
    }


def write_page(page: str, out: str) -> str:
    """Write ``page`` to ``out`` (folders created); return its absolute path."""
    out = os.path.abspath(out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        f.write(page)
    return out


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = cli.Parser(
        prog="python -m pinterest_etl.report",
        description="Write the pipeline's local report: the nine analyses as charts and the "
        "counts of both paths, as one self-contained HTML file.",
    )
    parser.add_argument("--out", required=True, help="the HTML file to write")
    parser.add_argument("--data", help="render this JSON data file instead of reading tables")
    parser.add_argument("--warehouse", help="folder of the Delta tables (without --data)")
    parser.add_argument(
        "--prefix", type=cli.prefix, help="deployment prefix, e.g. pin-local (without --data)"
    )
    parser.add_argument("--emulator-report", help="the emulator's --report JSON")
    parser.add_argument("--raw-root", help="folder holding topics/ as the S3 sink wrote it")
    parser.add_argument("--stream-output", help="what the streaming job printed (a text file)")
    parser.add_argument("--master", help="Spark master (default local[2]; without --data)")
    args = parser.parse_args(argv)
    if args.data:
        # Every other input is for reading the tables: with --data it would be ignored.
        ignored = [f"--{k.replace('_', '-')}" for k in _TABLE_INPUTS if getattr(args, k)]
        if ignored:
            parser.error(
                f"{ignored[0]} is for reading the tables; --data renders a file as it is: "
                f"drop one of the two"
            )
    elif not (args.warehouse and args.prefix):
        parser.error("give --warehouse and --prefix (read the tables) or --data (render a file)")
    args.master = args.master or "local[2]"
    return args


#: The options that only reading the tables uses.
_TABLE_INPUTS = ("warehouse", "prefix", "emulator_report", "raw_root", "stream_output", "master")

#: What a data file must hold at the top, and of what type (the dict ``collect_report`` returns).
_DATA_KEYS = {
    "prefix": str,
    "warehouse": str,
    "generated_at": str,
    "analyses": list,
    "tables": list,
    "paths": dict,
}


class InputError(Exception):
    """A file named on the command line that cannot be read."""


def _read(path: str | None, what: str) -> str | None:
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as err:
        raise InputError(f"cannot read the {what} {path}: {err.strerror}") from None


def read_data(path: str) -> dict:
    """The data dict of a file written before; InputError naming the file when it is not one."""
    text = _read(path, "data file") or ""
    try:
        data = json.loads(text)
    except ValueError as err:
        raise InputError(f"the data file {path} is not JSON: {err}") from None
    if not isinstance(data, dict):
        raise InputError(f"the data file {path} holds {type(data).__name__}, not an object")
    wrong = [k for k, kind in _DATA_KEYS.items() if not isinstance(data.get(k), kind)]
    if wrong:
        raise InputError(
            f"the data file {path} is not report data: {', '.join(wrong)} missing or of another "
            f"type (expected {', '.join(f'{k}: {t.__name__}' for k, t in _DATA_KEYS.items())})"
        )
    return data


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    try:
        if args.data:
            data = read_data(args.data)
            page = _render_data(data, args.data)
        else:
            emulator_text = _read(args.emulator_report, "emulator report")
            try:
                emulator = json.loads(emulator_text) if emulator_text else None
            except ValueError as err:
                raise InputError(
                    f"the emulator report {args.emulator_report} is not JSON: {err}"
                ) from None
            stream_text = _read(args.stream_output, "streaming job output")
            page = render_report(_collect(args, emulator, stream_text))
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    try:
        out = write_page(page, args.out)
    except OSError as err:
        print(f"error: cannot write the report {args.out}: {err.strerror}", file=sys.stderr)
        return 1
    print(f"Report: {out}")
    return 0


def _render_data(data: dict, path: str) -> str:
    """The page for a data file's dict; InputError naming the file when a part is not as written."""
    try:
        return render_report(data)
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise InputError(
            f"the data file {path} is not report data: {type(err).__name__} {err} "
            "(write it again with the first form)"
        ) from None


def _collect(args: argparse.Namespace, emulator: dict | None, stream_text: str | None):
    from .spark_session import local_spark

    spark = local_spark("pinterest-etl-report", master=args.master, shuffle_partitions=1)
    try:
        return collect_report(
            spark,
            os.path.abspath(args.warehouse),
            args.prefix,
            emulator=emulator,
            raw_root=args.raw_root,
            stream_run=parse_stream_output(stream_text) if stream_text is not None else None,
        )
    finally:
        spark.stop()


if __name__ == "__main__":
    sys.exit(main())
