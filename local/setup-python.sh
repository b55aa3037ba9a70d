#!/usr/bin/env bash
# The Python/Spark environment of databricks/: .venv at the repo root (python3.11), the pinned
# databricks/requirements-dev.txt, the pinterest_etl package (editable), and Delta's jars in the
# Ivy cache (.local/ivy, or $PINTEREST_ETL_IVY_DIR). Idempotent; a no-op when already done.
#   pip's and Ivy's output goes to .local/logs/setup-python.log, shown only on failure.
#   Reinstalls only when requirements-dev.txt or pyproject.toml changed (stamp in .venv).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# shellcheck source=local/lib.sh
. "$ROOT/local/lib.sh"
log() { printf 'setup-python: %s\n' "$*" >&2; }

VENV=$ROOT/.venv
REQUIREMENTS=databricks/requirements-dev.txt
STAMP=$VENV/.pinterest-etl-requirements.sha256
export PINTEREST_ETL_IVY_DIR=${PINTEREST_ETL_IVY_DIR:-$ROOT/.local/ivy}

if [ ! -x "$VENV/bin/python" ]; then
  PYTHON=${PYTHON:-python3.11}
  if ! command -v "$PYTHON" >/dev/null 2>&1; then
    log "error: $PYTHON not found; install Python 3.11 or set PYTHON=/path/to/python3.11"
    exit 1
  fi
  log "creating $VENV with $("$PYTHON" --version 2>&1)"
  "$PYTHON" -m venv "$VENV"
fi

wanted=$(cat "$REQUIREMENTS" databricks/pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$wanted" ]; then
  log "installing $REQUIREMENTS and databricks/ (editable)"
  quietly setup-python "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  quietly setup-python "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e databricks
  printf '%s\n' "$wanted" >"$STAMP"
fi

if ! command -v java >/dev/null 2>&1; then
  log "error: java not found; Spark needs a JDK 17 (apt-get install -y openjdk-17-jdk-headless)"
  exit 1
fi

# Spark resolves Delta's jars from Maven Central through Ivy on the first session: do it now, so
# tests never pay for it, and only when the pinned Delta version's jar is not cached yet.
delta_version=$(sed -n 's/^delta-spark==//p' "$REQUIREMENTS")
if ! ls "$PINTEREST_ETL_IVY_DIR"/jars/io.delta_delta-spark_*-"$delta_version".jar >/dev/null 2>&1; then
  log "resolving Delta $delta_version jars into $PINTEREST_ETL_IVY_DIR"
  mkdir -p "$PINTEREST_ETL_IVY_DIR"
  quietly setup-python "$VENV/bin/python" -m pinterest_etl.spark_session --warm
fi
