"""The notebooks' shape: Databricks source format, thin, every parameter a widget, no secrets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.py"))


def test_both_notebooks_exist() -> None:
    assert [p.name for p in NOTEBOOKS] == ["batch.py", "streaming.py"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_format_and_widgets(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Databricks notebook source\n")
    assert text.count("\n# COMMAND ----------\n") >= 3
    compile(text, str(path), "exec")
    defined = set(re.findall(r'dbutils\.widgets\.(?:text|dropdown)\("(\w+)"', text))
    used = set(re.findall(r'widget\(f?"(\w+)"\)', text)) | set(
        re.findall(r'dbutils\.widgets\.get\("(\w+)"\)', text)
    )
    for kind in ("table", "stream"):  # widget(f"{t}_table") for t in pin, geo, user
        if f'widget(f"{{t}}_{kind}")' in text:
            used |= {f"{t}_{kind}" for t in ("pin", "geo", "user")}
    assert used <= defined, f"widgets read but not defined: {used - defined}"
    assert {"prefix"} <= defined
    # Logic stays in the package: a notebook has no function beyond the widget helper.
    assert re.findall(r"^def (\w+)", text, flags=re.M) == ["widget"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_credentials(path: Path) -> None:
    text = path.read_text(encoding="utf-8").lower()
    for word in ("access_key", "secret_key", "aws_secret", "awsaccesskey", "secret.key", "akia"):
        assert word not in text
