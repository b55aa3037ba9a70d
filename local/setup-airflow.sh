#!/usr/bin/env bash
# The Airflow environment that imports the MWAA DAG in tests: real Airflow and its Databricks
# provider from PyPI, pinned in databricks/dags/requirements-test.txt (a full lock, so pip does not
# resolve ~300 packages again). Kept apart from .venv: Airflow's pins clash with PySpark's.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.local/venv-airflow"
LOCK="$ROOT/databricks/dags/requirements-test.txt"
STAMP="$VENV/.installed"

# shellcheck source=local/lib.sh
. "$ROOT/local/lib.sh"

if [ -f "$STAMP" ] && cmp -s "$LOCK" "$STAMP"; then exit 0; fi
printf 'setup: installing Airflow for the DAG tests (one time, ~2 min; log: .local/logs/setup-airflow.log)\n' >&2
[ -x "$VENV/bin/python" ] || quietly setup-airflow python3 -m venv "$VENV"
quietly setup-airflow "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$LOCK"
cp "$LOCK" "$STAMP"
