"""Write records the way the S3 sink (Confluent's or Aiven's) writes them, into a local folder.

``<root>/topics/<topic>/partition=<p>/<topic>+<p>+<startOffset zero-padded to 20>.json``, each
object ``records_per_object`` JSON rows separated by newlines. Used by the tests, the benchmark and
anyone building a local replica of the bucket for the local runner.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import Any


def write_objects(
    root: str,
    topic: str,
    records: Iterable[Mapping[str, Any] | str],
    records_per_object: int = 1,
    partition: int = 0,
    start_offset: int = 0,
) -> list[str]:
    """Write ``records`` (dicts, or raw lines written as they are) and return the file paths."""
    if records_per_object < 1:
        raise ValueError(f"records_per_object must be >= 1, got {records_per_object}")
    folder = os.path.join(root, "topics", topic, f"partition={partition}")
    os.makedirs(folder, exist_ok=True)
    paths: list[str] = []
    batch: list[str] = []
    offset = start_offset

    def flush() -> None:
        nonlocal offset
        path = os.path.join(folder, f"{topic}+{partition}+{offset:020d}.json")
        with open(path, "w", encoding="utf-8") as out:
            out.write("\n".join(batch) + "\n")
        paths.append(path)
        offset += len(batch)
        batch.clear()

    for record in records:
        line = record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)
        batch.append(line)
        if len(batch) == records_per_object:
            flush()
    if batch:
        flush()
    return paths
