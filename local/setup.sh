#!/usr/bin/env bash
# Installs what the pipeline and its tests need on a fresh Debian machine; fast when done already.
#   Node packages (npm ci), MariaDB and shellcheck (Debian), the Python/Spark environment (.venv).
# Everything comes from the package registries; nothing else is downloaded.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

log() { printf 'setup: %s\n' "$*" >&2; }

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing Node packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

missing=()
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server mariadb-client)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The package starts a system server on 3306; the project runs its own (local/mysql.sh).
  service mariadb stop >/dev/null 2>&1 || true
fi

if [ -x local/setup-python.sh ]; then
  local/setup-python.sh
fi
