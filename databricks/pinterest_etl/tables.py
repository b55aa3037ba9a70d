"""Every Delta table the batch and streaming jobs write, as one list other tools read.

    python -m pinterest_etl.tables            # the template (placeholder prefix) as JSON
    python -m pinterest_etl.tables --prefix pin-dev

The names come from ``naming`` and ``analysis.ANALYSES``, the functions the jobs call. The
template, committed as ``table_names.json`` beside this module, is what the stack's dashboard
generator (components/databricks/databricksDashboard.ts) reads: names for the placeholder prefix
``PLACEHOLDER``, which the generator replaces by the stack's prefix in table form. A unit test
checks the committed file against this module.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from . import cli
from .naming import (
    TABLES,
    batch_runs_table_name,
    cleaned_table_name,
    malformed_table_name,
    result_counts_table_name,
    stream_malformed_table_name,
    stream_table_name,
    table_base,
)

#: The prefix the committed template is made for; its table form starts every name in it.
PLACEHOLDER = "PREFIX"


def table_names(prefix: str) -> dict:
    """The tables of deployment ``prefix``: batch cleaned, malformed, its record of runs, the
    counts the results are read from and the nine results (with their course task and question),
    stream cleaned and stream malformed."""
    from .analysis import ANALYSES  # pyspark: imported only when names are asked for

    base = table_base(prefix)
    return {
        "placeholder": base,
        "batch": {
            "cleaned": {t: cleaned_table_name(prefix, t) for t in TABLES},
            "malformed": malformed_table_name(prefix),
            "runs": batch_runs_table_name(prefix),
            "result_counts": result_counts_table_name(prefix),
        },
        "analyses": [
            {
                "task": a.task,
                "suffix": a.suffix,
                "question": a.question,
                "table": f"{base}_{a.suffix}",
            }
            for a in ANALYSES
        ],
        "stream": {
            "cleaned": {t: stream_table_name(prefix, t) for t in TABLES},
            "malformed": {t: stream_malformed_table_name(prefix, t) for t in TABLES},
        },
    }


def template_json() -> str:
    """``table_names(PLACEHOLDER)`` as the committed file's text."""
    return json.dumps(table_names(PLACEHOLDER), indent=2) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = cli.Parser(
        prog="python -m pinterest_etl.tables",
        description="Print the Delta tables the jobs write, as JSON.",
    )
    parser.add_argument(
        "--prefix",
        type=cli.prefix,
        default=PLACEHOLDER,
        help="deployment prefix (default: the template's placeholder, as in table_names.json)",
    )
    args = parser.parse_args(argv)
    sys.stdout.write(json.dumps(table_names(args.prefix), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
