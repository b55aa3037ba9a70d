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
# Port: PIPELINE_S3_PORT (default 39000). moto's version: MOTO_VERSION in local/kafka/versions.env.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DIR="$ROOT/.local/s3"
VENV="$DIR/venv"
PIDFILE="$DIR/s3.pid"
LOG="$ROOT/.local/logs/s3.log"
PORT="${PIPELINE_S3_PORT:-39000}"
URL="http://127.0.0.1:$PORT"
START_TIMEOUT="${PIPELINE_S3_START_TIMEOUT:-60}"
# shellcheck source=../kafka/versions.env
. "$ROOT/local/kafka/versions.env"

log() { printf 's3: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

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

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }
answers() { curl -sf -o /dev/null --max-time 2 "$URL/"; }

start() {
  install
  # Parallel test processes may start it at the same time: one start at a time.
  exec 9>"$DIR/start.lock"
  flock 9
  if running; then
    log "already running on $URL (pid $(cat "$PIDFILE"))"
    return
  fi
  if port_busy; then
    die "port $PORT is busy: another server listens there. Set PIPELINE_S3_PORT to a free port."
  fi
  local started=$SECONDS deadline=$((SECONDS + START_TIMEOUT))
  printf '\n===== s3 start %s\n' "$(date -Is)" >>"$LOG"
  # Detached from the caller's terminal and pipes: a test runner is never kept waiting on it.
  setsid nohup "$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" </dev/null >>"$LOG" 2>&1 8>&- 9>&- &
  echo $! >"$PIDFILE"
  until answers; do
    if ! running; then
      log "exited while starting; last lines of $LOG:"
      tail -n 20 "$LOG" >&2
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "not answering after $START_TIMEOUT s; last lines of $LOG:"
      tail -n 20 "$LOG" >&2
      exit 1
    fi
    sleep 0.2
  done
  log "running on $URL (pid $(cat "$PIDFILE"), ready in $((SECONDS - started)) s)"
}

stop() {
  if ! running; then
    rm -f "$PIDFILE"
    log "not running"
    return
  fi
  local pid
  pid=$(cat "$PIDFILE")
  kill "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
  rm -f "$PIDFILE"
  log "stopped"
}

create_bucket() {
  local name=${1:-}
  # S3's rules for bucket names: 3-63 characters, lower-case letters, digits, '.', '-'.
  if ! [[ "$name" =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]]; then
    die "invalid bucket name '$name': 3-63 characters, lower-case letters, digits, '.' and '-'"
  fi
  running || die "not running: start it with local/s3/s3.sh start"
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
  stop) stop ;;
  status)
    if running; then
      log "running on $URL (pid $(cat "$PIDFILE"), $(awk '/VmRSS/ {printf "%d", $2 / 1024}' "/proc/$(cat "$PIDFILE")/status") MiB resident)"
    else
      log "not running"
      exit 3
    fi
    ;;
  wipe)
    if running; then
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
