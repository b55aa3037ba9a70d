"""The batch job's types: its stages and modes, what it is told (``BatchConfig``), what it
counts (``TableStats``, ``BatchOutcome``, ``RunLog``), what it returns (``BatchResult``), and its
errors.

The orchestration is ``job.py`` (which re-exports what its callers use from here); the writes of a
micro-batch and of the results are ``batch_writes.py``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

from pyspark.sql import DataFrame

from .analysis import ANALYSES
from .naming import (
    TABLES,
    batch_runs_table_name,
    cleaned_table_name,
    malformed_table_name,
    result_counts_table_name,
    table_base,
)
from .writers import TableLocation, check_table_name

#: Reading, parsing, cleaning and marking every record into the caches, and counting them.
READ_PARSE_CLEAN = "read_parse_clean"
#: Writing the three cleaned tables and the malformed table (replaced, or merged).
CLEANED_TABLES = "cleaned_tables"
#: Updating the counts and the nine results (results.py), once per run after its micro-batches.
RESULTS = "results"

#: The job's stages, in order, as timed in ``BatchResult.stage_seconds``. A run of several
#: micro-batches sums each stage over them.
STAGES = (READ_PARSE_CLEAN, CLEANED_TABLES, RESULTS)
#: The stages each micro-batch runs, whose seconds the runs table records.
BATCH_STAGES = (READ_PARSE_CLEAN, CLEANED_TABLES)

#: ``full``: read everything, replace every table. ``incremental``: read what is new, merge it.
Mode = Literal["full", "incremental"]
MODES: tuple[Mode, ...] = ("full", "incremental")

#: The largest share of a table's records in one micro-batch that may be malformed before the run
#: fails (the quality gate; the notebook's and the local runner's default).
DEFAULT_MAX_MALFORMED_SHARE = 0.05


def parse_share(text: str | None) -> float:
    """``text`` as a quality-gate share (a number from 0 to 1; None: the default); ValueError
    naming it otherwise."""
    if text is None:
        return DEFAULT_MAX_MALFORMED_SHARE
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:  # also refuses nan and inf
        raise ValueError(
            f"max_malformed_share {text!r} is not a share: give a number from 0 to 1 "
            f"(default {DEFAULT_MAX_MALFORMED_SHARE}; 1 turns the quality gate off)"
        )
    return value


class NoRawDataError(RuntimeError):
    """A topic folder exists but holds no record."""


class DataQualityError(RuntimeError):
    """A table's malformed share in a micro-batch exceeded the gate (its records are written)."""


class BatchFailedError(RuntimeError):
    """The query over the raw objects failed; the message carries the cause's own line."""


@dataclass(frozen=True)
class BatchConfig:
    """What the batch job reads and where it writes.

    ``source_root`` is the folder holding ``topics/`` (a mount such as ``/mnt/pinterest``, a volume
    path such as ``/Volumes/main/raw/pinterest``, or a local folder). Table names default to the
    ones derived from ``prefix`` (docs/pipeline.md section 2); analysis tables are
    ``<analysis_prefix>_<result>`` with ``analysis_prefix`` defaulting to the prefix's table form.
    """

    source_root: str
    prefix: str
    location: TableLocation = field(default_factory=TableLocation)
    pin_table: str | None = None
    geo_table: str | None = None
    user_table: str | None = None
    malformed_table: str | None = None
    analysis_prefix: str | None = None
    #: Folder of the batch job's checkpoints (``<checkpoint_root>/<p>_batch``); None: the full
    #: mode only, reading with a plain batch read and keeping no record of what it read.
    checkpoint_root: str | None = None
    #: Read through Auto Loader (``cloudFiles``); None: when running on Databricks.
    auto_loader: bool | None = None
    #: The quality gate: the largest malformed share of a table's records in a micro-batch (0-1;
    #: 1 turns the gate off).
    max_malformed_share: float = DEFAULT_MAX_MALFORMED_SHARE

    def __post_init__(self) -> None:
        share = self.max_malformed_share
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
            raise ValueError(
                f"max_malformed_share {share!r} is not a share: give a number from 0 to 1 "
                f"(default {DEFAULT_MAX_MALFORMED_SHARE}; 1 turns the quality gate off)"
            )

    def checkpoint(self) -> str | None:
        if not self.checkpoint_root:
            return None
        return f"{self.checkpoint_root.rstrip('/')}/{table_base(self.prefix)}_batch"

    def uses_auto_loader(self) -> bool:
        if self.auto_loader is None:
            return "DATABRICKS_RUNTIME_VERSION" in os.environ
        return self.auto_loader

    def cleaned_tables(self) -> dict[str, str]:
        given = {"pin": self.pin_table, "geo": self.geo_table, "user": self.user_table}
        return {t: check_table_name(given[t] or cleaned_table_name(self.prefix, t)) for t in TABLES}

    def malformed(self) -> str:
        return check_table_name(self.malformed_table or malformed_table_name(self.prefix))

    def runs(self) -> str:
        return check_table_name(batch_runs_table_name(self.prefix))

    def result_counts(self) -> str:
        return check_table_name(result_counts_table_name(self.prefix))

    def analysis_tables(self) -> dict[str, str]:
        base = self.analysis_prefix or table_base(self.prefix)
        return {a.suffix: check_table_name(f"{base}_{a.suffix}") for a in ANALYSES}


@dataclass
class TableStats:
    """Row counts of one source table through the job, over the records the run read (in an
    incremental run: the new ones; ``cleaned`` is then the keys they hold, not the table's rows).

    ``raw`` records = ``malformed`` + ``duplicates_removed`` (exact resends, equal once cleaned)
    + ``conflicting_versions`` (other versions of a key, dropped by cleaning.deduplicate)
    + ``cleaned`` (rows in the cleaned table, one per key).
    """

    raw: int = 0
    malformed: int = 0
    duplicates_removed: int = 0
    conflicting_versions: int = 0
    cleaned: int = 0

    def add(self, other: TableStats) -> None:
        for name, value in vars(other).items():
            setattr(self, name, getattr(self, name) + value)


@dataclass
class BatchResult:
    """What a run wrote: table references (paths or names), counts, and the stored result tables
    (unsorted; ``analysis.display_order`` sorts one for display)."""

    cleaned_tables: dict[str, str]
    malformed_table: str
    analysis_tables: dict[str, str]
    stats: dict[str, TableStats]
    results: dict[str, DataFrame]
    stage_seconds: dict[str, float] = field(default_factory=dict)
    mode: Mode = "full"

    def stage_report(self) -> str:
        """``read_parse_clean 25.3 s, cleaned_tables 13.3 s, results 18.5 s``."""
        return ", ".join(f"{stage} {s:.1f} s" for stage, s in self.stage_seconds.items())

    @property
    def malformed_count(self) -> int:
        return sum(s.malformed for s in self.stats.values())

    @property
    def records_read(self) -> dict[str, int]:
        return {t: s.raw for t, s in self.stats.items()}

    def records_read_line(self) -> str:
        """``records read: pin 20000, geo 20000, user 20000``."""
        return "records read: " + ", ".join(f"{t} {n}" for t, n in self.records_read.items())

    def summary(self) -> dict:
        """A JSON-serialisable summary (the notebook's exit value)."""
        return {
            "mode": self.mode,
            "records_read": self.records_read,
            "cleaned_tables": self.cleaned_tables,
            "malformed_table": self.malformed_table,
            "malformed_records": self.malformed_count,
            "analysis_tables": self.analysis_tables,
            "stats": {t: vars(s) for t, s in self.stats.items()},
            "stage_seconds": self.stage_seconds,
        }


@dataclass
class BatchOutcome:
    """What one micro-batch (or a run without a checkpoint) did: the counts per table, the most
    common reasons its malformed records have, and the seconds of the stages it ran."""

    stats: dict[str, TableStats]
    reasons: dict[str, list[tuple[str, int]]]
    seconds: dict[str, float]

    def quality_problem(self, max_share: float) -> str | None:
        """The gate's message when a table's malformed share exceeds ``max_share``, else None."""
        problems = []
        for t, s in self.stats.items():
            if s.raw and s.malformed / s.raw > max_share:
                reasons = "; ".join(f"{reason} ({n})" for reason, n in self.reasons[t])
                problems.append(
                    f"{t}: {s.malformed} of {s.raw} records malformed "
                    f"({s.malformed / s.raw:.1%}; most common: {reasons})"
                )
        if not problems:
            return None
        return (
            f"malformed share above {max_share:.1%}: {', '.join(problems)}. Its records are in "
            "the malformed table; fix the producer, or accept this batch by running again with "
            "a higher max_malformed_share"
        )


@dataclass(frozen=True)
class RunLog:
    """What the runs table holds of one run: the counts per table and the stage seconds, summed
    over its micro-batches, and how many micro-batches it had."""

    stats: dict[str, TableStats]
    seconds: dict[str, float]
    batches: int


class StageClock:
    """The wall-clock seconds of each stage timed with it; a stage timed again adds to its total
    (a run of several batches sums them)."""

    def __init__(self, seconds: Mapping[str, float] | None = None) -> None:
        self._seconds = dict(seconds or {})

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        """Add the seconds of the block to ``stage``."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self._seconds[stage] = self._seconds.get(stage, 0.0) + time.perf_counter() - start

    @property
    def seconds(self) -> dict[str, float]:
        return dict(self._seconds)
