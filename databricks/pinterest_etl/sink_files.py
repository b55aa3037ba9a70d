"""The S3 sink's object layout, and records written in it into a local folder.

``<root>/topics/<cluster>/<topic>/partition=<p>/<topic>+<p>+<startOffset zero-padded to 20>.json``
(components/kafka/s3SinkConnectorConfig.ts): one folder per Kafka cluster, because a new cluster
(a pause and resume, a replaced MSK cluster, a wiped replica) starts its offsets at 0 again and
would otherwise write its objects under the old objects' names. Each object holds JSON rows
separated by newlines. ``write_objects`` is used by the tests, the benchmark and anyone building a
local copy of the bucket for the local runner.
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

#: The folder holding every Kafka cluster's folder (the sink's ``topics.dir`` is
#: ``topics/<cluster>``).
TOPICS_DIR = "topics"
#: The cluster folder ``write_objects`` writes to unless told another.
DEFAULT_CLUSTER = "cluster-1"


def topic_glob(root: str, topic: str) -> str:
    """The glob matching ``topic``'s folder of every cluster: ``<root>/topics/*/<topic>``."""
    return f"{root.rstrip('/')}/{TOPICS_DIR}/*/{topic}"


def topic_folders(root: str, topic: str) -> list[str]:
    """``topic``'s folders on this machine's file system, one per cluster that wrote it."""
    pattern = os.path.join(glob.escape(root), TOPICS_DIR, "*", glob.escape(topic))
    return sorted(p for p in glob.glob(pattern) if os.path.isdir(p))


def write_objects(
    root: str,
    topic: str,
    records: Iterable[Mapping[str, Any] | str],
    records_per_object: int = 1,
    partition: int = 0,
    start_offset: int = 0,
    cluster: str = DEFAULT_CLUSTER,
) -> list[str]:
    """Write ``records`` (dicts, or raw lines written as they are) as Kafka cluster ``cluster``'s
    sink would, and return the file paths."""
    if records_per_object < 1:
        raise ValueError(f"records_per_object must be >= 1, got {records_per_object}")
    folder = os.path.join(root, TOPICS_DIR, cluster, topic, f"partition={partition}")
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
