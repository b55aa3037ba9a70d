// A tiny copy of the databricks/ layout (a pyproject.toml, a package, the two notebooks, the batch
// one importing the package's one module), so the
// Databricks tests build and deploy a wheel that does not change whenever the real sources do.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** A pyproject.toml like databricks/'s: the package `pinterest_etl`, version 0.1.0. */
export const FIXTURE_PYPROJECT = [
  "[build-system]",
  'requires = ["setuptools>=68"]',
  'build-backend = "setuptools.build_meta"',
  "[project]",
  'name = "pinterest-etl"',
  'version = "0.1.0"',
  "[tool.setuptools]",
  'packages = ["pinterest_etl"]',
  "",
].join("\n");

/**
 * A fresh folder holding the fixture: the same sources give the same wheel id; `extra` adds or
 * replaces files (a changed source).
 */
export function fixtureSources(extra: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dbx-"));
  for (const [file, text] of Object.entries({
    "pyproject.toml": FIXTURE_PYPROJECT,
    "pinterest_etl/__init__.py": "",
    "pinterest_etl/cleaning.py": "def clean(): pass\n",
    "pinterest_etl/__pycache__/cleaning.cpython-311.pyc": "x",
    "notebooks/batch.py":
      "# Databricks notebook source\nfrom pinterest_etl.cleaning import clean\n",
    "notebooks/streaming.py": "# Databricks notebook source\n",
    ...extra,
  })) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}
