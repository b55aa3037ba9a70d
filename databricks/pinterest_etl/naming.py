"""Names derived from the deployment prefix (docs/pipeline.md §2)."""

from __future__ import annotations

import re

TABLES = ("pin", "geo", "user")

_PREFIX_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def validate_prefix(prefix: str) -> str:
    """Return ``prefix`` unchanged, or raise ValueError saying what a valid prefix looks like."""
    if not isinstance(prefix, str) or not _PREFIX_RE.match(prefix):
        raise ValueError(
            f"invalid prefix {prefix!r}: use letters, digits, '-' and '_' only, starting with a "
            "letter or digit (e.g. 'pin-dev' or the course's 12-hex-digit user id)"
        )
    return prefix


def table_base(prefix: str) -> str:
    """The prefix as a table-name part: dashes become underscores (``pin-dev`` -> ``pin_dev``)."""
    return validate_prefix(prefix).replace("-", "_")


def topic_name(prefix: str, table: str) -> str:
    """Kafka topic of one source table: ``<prefix>.<table>``."""
    _check_table(table)
    return f"{validate_prefix(prefix)}.{table}"


def stream_name(prefix: str, table: str) -> str:
    """Kinesis stream of one source table: ``streaming-<prefix>-<table>``."""
    _check_table(table)
    return f"streaming-{validate_prefix(prefix)}-{table}"


def cleaned_table_name(prefix: str, table: str) -> str:
    """Batch cleaned Delta table: ``<prefix>_<table>`` with underscores."""
    _check_table(table)
    return f"{table_base(prefix)}_{table}"


def stream_table_name(prefix: str, table: str) -> str:
    """Streaming cleaned Delta table: ``<prefix>_<table>_stream``."""
    return f"{cleaned_table_name(prefix, table)}_stream"


def malformed_table_name(prefix: str) -> str:
    """Batch quarantine table holding the raw records that could not be parsed."""
    return f"{table_base(prefix)}_malformed"


def batch_runs_table_name(prefix: str) -> str:
    """The batch job's record of its micro-batches (counts, stage times, quality verdict)."""
    return f"{table_base(prefix)}_batch_runs"


def result_counts_table_name(prefix: str) -> str:
    """The batch job's counts the nine results are read from (``results.py``)."""
    return f"{table_base(prefix)}_result_counts"


def stream_malformed_table_name(prefix: str, table: str) -> str:
    """Streaming quarantine table of one stream: ``<prefix>_<table>_stream_malformed``."""
    return f"{stream_table_name(prefix, table)}_malformed"


def _check_table(table: str) -> None:
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}: expected one of {', '.join(TABLES)}")
