#!/usr/bin/env bash
# A throw-away S3-compatible object store for the local replica: moto's server (PyPI, Apache-2.0),
# in its own virtual environment under .local/s3, on 127.0.0.1 only. It keeps objects in memory:
# stopping it loses them, like the rest of a test run. Log in .local/logs/s3.log.
#   local/s3/s3.sh install             install moto only (setup does it)
#   local/s3/s3.sh start               install moto if needed, start it, wait until it answers
#   local/s3/s3.sh stop | status       stop it | say whether it runs
#   local/s3/s3.sh wipe                delete every bucket and object (the server keeps running)
#   local/s3/s3.sh create-bucket NAME  create the bucket if it does not exist yet
#   local/s3/s3.sh env                 print the endpoint and the (dummy) credentials to export
# Port: PIPELINE_S3_PORT (default 39000). moto's version: MOTO_VERSION in local/versions.env.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DIR="$ROOT/.local/s3"
VENV="$DIR/venv"
PIDFILE="$DIR/s3.pid"
LOG="$ROOT/.local/logs/s3.log"
PORT="${PIPELINE_S3_PORT:-39000}"
URL="http://127.0.0.1:$PORT"
# shellcheck disable=SC2034 # read by local/lib.sh
SERVICE=s3 STATE="$DIR" START_TIMEOUT="${PIPELINE_S3_START_TIMEOUT:-60}" \
  START_TIMEOUT_VAR=PIPELINE_S3_START_TIMEOUT
# shellcheck source=../versions.env
. "$ROOT/local/versions.env"
# shellcheck source=../lib.sh
. "$ROOT/local/lib.sh"

install() {
  if [ "$(cat "$DIR/installed" 2>/dev/null)" = "moto $MOTO_VERSION" ]; then return; fi
  mkdir -p "$DIR" "$(dirname "$LOG")"
  exec 8>"$DIR/install.lock"
  flock 8
  if [ "$(cat "$DIR/installed" 2>/dev/null)" = "moto $MOTO_VERSION" ]; then flock -u 8; return; fi
  log "installing moto[server] $MOTO_VERSION from PyPI into $VENV (one time)"
  local started=$SECONDS
  rm -rf "$VENV"
  python3 -m venv "$VENV" || die "python3 -m venv failed: install Python 3 with venv (Debian: python3-venv)"
  if ! "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" \
      >>"$LOG" 2>&1; then
    log "pip failed; last lines of $LOG:"
    tail -n 20 "$LOG" >&2
    exit 1
  fi
  echo "moto $MOTO_VERSION" >"$DIR/installed"
  flock -u 8
  log "installed in $((SECONDS - started)) s"
}

answers() { curl -sf -o /dev/null --max-time 2 "$URL/"; }

start() {
  install
  lock_service
  if running "$PIDFILE"; then
    log "already running on $URL (pid $(cat "$PIDFILE"))"
    return
  fi
  if port_busy "$PORT"; then
    die "port $PORT is busy: another server listens there. Set PIPELINE_S3_PORT to a free port."
  fi
  local started=$SECONDS
  start_detached "$PIDFILE" "$LOG" "$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT"
  wait_ready "$PIDFILE" "$LOG" "answering" answers
  log "running on $URL (pid $(cat "$PIDFILE"), ready in $((SECONDS - started)) s)"
}

create_bucket() {
  local name=${1:-}
  # S3's rules for bucket names: 3-63 characters, lower-case letters, digits, '.', '-'.
  if ! [[ "$name" =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]]; then
    die "invalid bucket name '$name': 3-63 characters, lower-case letters, digits, '.' and '-'"
  fi
  running "$PIDFILE" || die "not running: start it with local/s3/s3.sh start"
  # moto accepts unsigned path-style requests; in us-east-1 a repeated PUT is not an error.
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -I "$URL/$name")
  if [ "$code" = 200 ]; then
    log "bucket $name exists"
    return
  fi
  code=$(curl -s -o "$DIR/create-bucket.out" -w '%{http_code}' --max-time 10 -X PUT "$URL/$name")
  if [ "$code" != 200 ]; then
    die "creating bucket $name failed with HTTP $code: $(cat "$DIR/create-bucket.out")"
  fi
  log "bucket $name created"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop_pid "$PIDFILE" 10 ;;
  status) status_pid "$PIDFILE" "$URL" ;;
  wipe)
    if running "$PIDFILE"; then
      curl -sf -o /dev/null --max-time 10 -X POST "$URL/moto-api/reset" || die "reset failed"
      log "every bucket deleted"
    else
      log "not running: nothing is kept on disk, so there is nothing to delete"
    fi
    ;;
  create-bucket) shift; create_bucket "$@" ;;
  env)
    cat <<VARS
export PIPELINE_S3_ENDPOINT=$URL
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
export AWS_REGION=us-east-1
VARS
    ;;
  *) echo "usage: local/s3/s3.sh start|stop|status|wipe|create-bucket NAME|env" >&2; exit 2 ;;
esac
