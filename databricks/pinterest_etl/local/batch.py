"""Run the batch job on this machine over a local folder laid out like the bucket.

    python -m pinterest_etl.local.batch --source-root DIR --prefix PREFIX --warehouse DIR \
        [--mode full|incremental] [--max-malformed-share S] [--connect]

DIR holds ``topics/<cluster>/<prefix>.pin/partition=0/*.json`` (and ``.geo``, ``.user``), one JSON
object per line as the S3 sink writes them. The cleaned tables ``<prefix>_pin|_geo|_user`` (dashes
become underscores), the quarantine table ``<prefix>_malformed`` and the nine result tables are
written as Delta tables under the warehouse folder; the records read, the results and the malformed
count are printed. The job's checkpoint (which objects it has processed) is
``<warehouse>/_checkpoints/batch/<prefix>_batch``: ``incremental`` reads only objects it has not
seen, ``full`` (the default) forgets it and reads everything. A run whose share of malformed
records in a table exceeds ``--max-malformed-share`` fails after writing them (the quality gate).
``--connect`` runs the job through a local Spark Connect server with the same jars and settings:
the engine Databricks runs Python on in standard access mode and serverless.

Exit codes: 0 done, 1 missing or empty raw data, the quality gate or a failed run, 2 bad
arguments.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .. import cli
from ..analysis import ANALYSES
from ..batch_types import DEFAULT_MAX_MALFORMED_SHARE, MODES, BatchResult
from ..naming import TABLES, topic_name
from ..sink_files import topic_folders, topic_glob
from ..writers import TableLocation
from .session import runner_session


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = cli.Parser(
        prog="python -m pinterest_etl.local.batch",
        description="Clean and analyse raw pipeline data in a local folder laid out like the "
        "bucket (topics/<cluster>/<prefix>.<table>/partition=<p>/*.json); write Delta tables.",
    )
    parser.add_argument("--source-root", required=True, help="folder that contains topics/")
    parser.add_argument(
        "--prefix", required=True, type=cli.prefix, help="deployment prefix, e.g. pin-dev"
    )
    parser.add_argument("--warehouse", required=True, help="folder for the Delta tables")
    parser.add_argument(
        "--mode",
        choices=MODES,
        default="full",
        help="full: read every object and replace the tables (default); incremental: read only "
        "the objects not processed before and merge them in",
    )
    parser.add_argument(
        "--max-malformed-share",
        type=cli.share,
        default=DEFAULT_MAX_MALFORMED_SHARE,
        help="the quality gate: fail when more than this share (0-1) of a table's records in a "
        f"micro-batch is malformed (default {DEFAULT_MAX_MALFORMED_SHARE}; 1 turns it off)",
    )
    parser.add_argument(
        "--connect",
        action="store_true",
        help="run through a local Spark Connect server (Databricks' engine in standard access "
        "mode and serverless) instead of Spark Classic",
    )
    parser.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    parser.add_argument("--driver-memory", default="2g", help="Spark driver memory (default 2g)")
    parser.add_argument(
        "--max-rows",
        type=cli.whole_number(0),
        default=50,
        help="rows printed per result table (default 50)",
    )
    return parser.parse_args(argv)


def check_source_root(source_root: str, prefix: str) -> list[str]:
    """Problems that make a run pointless, each naming the path; empty when the data is there."""
    if not os.path.isdir(source_root):
        return [f"source root {source_root} does not exist or is not a folder"]
    problems = []
    for table in TABLES:
        topic = topic_name(prefix, table)
        folders = topic_folders(source_root, topic)
        if not folders:
            problems.append(f"{topic_glob(source_root, topic)} matches no folder")
            continue
        has_data = any(
            name.endswith(".json") and os.path.getsize(os.path.join(dirpath, name)) > 0
            for folder in folders
            for dirpath, _, names in os.walk(folder)
            for name in names
        )
        if not has_data:
            problems.append(f"{topic_glob(source_root, topic)} has no non-empty *.json file")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    source_root = os.path.abspath(args.source_root)
    warehouse = os.path.abspath(args.warehouse)
    problems = check_source_root(source_root, args.prefix)
    if problems:
        print(
            f"error: no raw data to process: {'; '.join(problems)}. Expected "
            f"{source_root}/topics/<cluster>/{args.prefix}.<pin|geo|user>/partition=<p>/*.json "
            "(the S3 sink's layout): check --source-root and --prefix",
            file=sys.stderr,
        )
        return 1

    from ..job import BatchConfig, BatchFailedError, DataQualityError, NoRawDataError, run_batch
    from ..readers import RawDataMissingError

    try:
        os.makedirs(warehouse, exist_ok=True)
    except OSError as err:
        print(f"error: cannot create the warehouse {warehouse}: {err.strerror}", file=sys.stderr)
        return 1
    with runner_session(
        "pinterest-etl-local-job", args.master, args.driver_memory, warehouse, args.connect
    ) as spark:
        config = BatchConfig(
            source_root,
            args.prefix,
            TableLocation(root=warehouse),
            checkpoint_root=os.path.join(warehouse, "_checkpoints", "batch"),
            max_malformed_share=args.max_malformed_share,
        )
        try:
            result = run_batch(spark, config, args.mode)
        except (RawDataMissingError, NoRawDataError, DataQualityError, BatchFailedError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        _report(result, source_root, args.prefix, warehouse, args.max_rows)
        return 0


def _report(
    result: BatchResult, source_root: str, prefix: str, warehouse: str, max_rows: int
) -> None:
    from ..analysis import display_order

    print(f"Batch job ({result.mode}) over {source_root} (prefix {prefix})")
    print(result.records_read_line())
    for table, s in result.stats.items():
        print(
            f"  {table:<4}: {s.raw} records, {s.malformed} malformed, "
            f"{s.duplicates_removed} duplicates removed, "
            f"{s.conflicting_versions} conflicting versions dropped, {s.cleaned} rows cleaned"
        )
    print(f"Malformed records: {result.malformed_count} (Delta table {result.malformed_table})")
    print(f"Stages: {result.stage_report()}")
    for analysis in ANALYSES:
        df = display_order(result.results[analysis.suffix])
        rows = [tuple(r) for r in df.collect()]
        print(f"\nTask {analysis.task}: {analysis.question} ({len(rows)} rows)")
        print(format_table(df.columns, rows, max_rows))
    print(f"\nDelta tables under {warehouse}:")
    for ref in [*result.cleaned_tables.values(), result.malformed_table]:
        print(f"  {ref}")
    for ref in result.analysis_tables.values():
        print(f"  {ref}")


def format_table(columns: Sequence[str], rows: Sequence[tuple], max_rows: int) -> str:
    """A plain-text table of the first ``max_rows`` rows, numbers right-aligned."""
    shown = rows[:max_rows]
    cells = [["NULL" if v is None else str(v) for v in row] for row in shown]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    numeric = [
        bool(shown) and all(isinstance(r[i], int | float) for r in shown if r[i] is not None)
        for i in range(len(columns))
    ]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ).rstrip()

    out = [line(list(columns)), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells]
    if len(rows) > max_rows:
        out.append(f"... {len(rows) - max_rows} more rows")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
