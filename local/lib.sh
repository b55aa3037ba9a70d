# The one shell library of local/ (sourced, not run): messages, the setup scripts' quiet
# installers, and the life cycle every service script shares: a pid file, a detached start, a
# wait for readiness with a deadline, and a stop that escalates to SIGKILL.
# A script sets SERVICE (its name in messages) before calling log/die, and START_TIMEOUT (seconds,
# with START_TIMEOUT_VAR naming the variable that sets it) before calling wait_ready.
# shellcheck shell=bash

LIB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOG_DIR="$LIB_ROOT/.local/logs"

log() { printf '%s: %s\n' "${SERVICE:-local}" "$*" >&2; }
die() { log "$*"; exit 1; }

# quietly LOGNAME COMMAND...: runs COMMAND with its stdout and stderr appended to
# .local/logs/LOGNAME.log; on failure prints the log's last 30 lines and its path, and returns
# the command's status.
quietly() {
  local name=$1 status=0
  shift
  mkdir -p "$LOG_DIR"
  printf '\n$ %s\n' "$*" >>"$LOG_DIR/$name.log"
  "$@" >>"$LOG_DIR/$name.log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    printf 'failed (exit %d): %s\nlast lines of %s:\n' "$status" "$*" "$LOG_DIR/$name.log" >&2
    tail -n 30 "$LOG_DIR/$name.log" >&2
  fi
  return "$status"
}

# port_busy PORT: something listens on 127.0.0.1:PORT.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# running PIDFILE: the pid file names a live process.
running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# start_detached PIDFILE LOGFILE COMMAND...: starts COMMAND in the background, detached from the
# caller's terminal and pipes (a test runner that started it is never kept waiting on its output,
# and it inherits none of the caller's lock descriptors 8 and 9), and writes its pid.
start_detached() {
  local pidfile=$1 logfile=$2
  shift 2
  mkdir -p "$(dirname "$pidfile")" "$(dirname "$logfile")"
  printf '\n===== %s start %s\n' "${SERVICE:-local}" "$(date -Is)" >>"$logfile"
  setsid nohup "$@" </dev/null >>"$logfile" 2>&1 8>&- 9>&- &
  echo $! >"$pidfile"
}

# wait_ready PIDFILE LOGFILE WHAT CHECK...: runs CHECK until it succeeds, the process dies or
# START_TIMEOUT seconds pass; on failure prints the end of the log and exits.
wait_ready() {
  local pidfile=$1 logfile=$2 what=$3 deadline=$((SECONDS + START_TIMEOUT))
  shift 3
  until "$@" >/dev/null 2>&1; do
    if ! running "$pidfile"; then
      log "exited while starting; last lines of $logfile:"
      tail -n 30 "$logfile" >&2
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "not $what after ${START_TIMEOUT} s (${START_TIMEOUT_VAR:-START_TIMEOUT}); last lines of $logfile:"
      tail -n 30 "$logfile" >&2
      exit 1
    fi
    sleep 0.3
  done
}

# stop_pid PIDFILE [GRACE_SECONDS]: under the service's lock, SIGTERM, then SIGKILL after the grace period (default 30 s);
# removes the pid file and says what it did.
stop_pid() {
  local pidfile=$1 grace=${2:-30}
  lock_service
  if ! running "$pidfile"; then
    rm -f "$pidfile"
    log "not running"
    return
  fi
  local pid
  pid=$(cat "$pidfile")
  kill "$pid"
  for _ in $(seq 1 $((grace * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    log "still running $grace s after SIGTERM; sending SIGKILL to $pid"
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  log "stopped"
}

# rss_mib PID: resident memory in MiB (for the measurements in local/README.md).
rss_mib() { awk '/VmRSS/ {printf "%d", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }

# status_pid PIDFILE WHERE: says where the service runs and its memory, or exits 3 if it does not.
status_pid() {
  local pidfile=$1 where=$2
  if running "$pidfile"; then
    log "running on $where (pid $(cat "$pidfile"), $(rss_mib "$(cat "$pidfile")") MiB resident)"
  else
    log "not running"
    exit 3
  fi
}

# lock_service: serialises start and stop of one service ($SERVICE, lock file in $STATE), since
# tests in parallel processes may start it at the same time. Released when the script exits (the
# started process does not inherit it).
lock_service() {
  mkdir -p "$STATE"
  exec 9>"$STATE/$SERVICE.lock"
  flock 9
}
