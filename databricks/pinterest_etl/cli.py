"""How the package's command-line runners read their arguments: argparse, held to the convention
the TypeScript CLIs follow (cli/args.ts).

- ``--help`` prints the usage and exits 0.
- A wrong command line (an unknown or abbreviated option, a missing or bad value, an option that
  cannot apply) prints the usage and one line naming the option, the value and what fits, and
  exits 2, before anything is read, started or written.
- A failure (a missing file, a server that does not answer) prints one ``error:`` line, exit 1.

The functions below are argparse ``type=`` checks: argparse turns their ArgumentTypeError into
that usage error. Nothing here imports Spark.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable
from urllib.parse import urlparse

from .naming import validate_prefix


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that takes no abbreviated option (``--ware`` for ``--warehouse``).

    An option given twice keeps the last value, as argparse does: the tests and scripts that run
    these runners give defaults first and overrides after them.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(allow_abbrev=False, **kwargs)


def prefix(text: str) -> str:
    """A deployment prefix (``naming.validate_prefix``)."""
    try:
        return validate_prefix(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def whole_number(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """A check for a whole number in decimal digits from ``minimum`` (to ``maximum``)."""
    span = f"of at least {minimum}" if maximum is None else f"from {minimum} to {maximum}"

    def check(text: str) -> int:
        value = int(text) if re.fullmatch(r"\d+", text.strip()) else None
        if value is None or value < minimum or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(f"{text!r} must be a whole number {span}")
        return value

    return check


def whole_numbers(minimum: int) -> Callable[[str], list[int]]:
    """A check for a comma-separated list of distinct whole numbers of at least ``minimum``
    (empty: none)."""
    one = whole_number(minimum)

    def check(text: str) -> list[int]:
        values = [one(entry) for entry in text.split(",") if entry.strip()]
        twice = sorted({v for v in values if values.count(v) > 1})
        if twice:
            raise argparse.ArgumentTypeError(f"{text!r} names {twice[0]} twice: give each once")
        return values

    return check


def _number(text: str, fits: Callable[[float], bool], what: str) -> float:
    """``text`` as a number that ``fits``; an ArgumentTypeError saying ``what`` fits otherwise."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and fits(value)):
        raise argparse.ArgumentTypeError(f"{text!r} must be {what}")
    return value


def seconds(text: str) -> float:
    """A number of seconds above 0 (not nan or inf)."""
    return _number(text, lambda v: v > 0, "a number of seconds above 0, e.g. 1.5")


def http_url(text: str) -> str:
    """An http(s) URL with a host, e.g. http://127.0.0.1:4567."""
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an http(s) URL with a host, e.g. http://127.0.0.1:4567"
        )
    return text


def fraction(text: str) -> float:
    """A number from 0 to 1."""
    return _number(text, lambda v: 0 <= v <= 1, "a number from 0 to 1, e.g. 0.2")


def share(text: str) -> float:
    """A quality-gate share from 0 to 1 (``job.parse_share``, the notebook's check too)."""
    from .job import parse_share  # pyspark comes with job: imported when a share is given

    try:
        return parse_share(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
