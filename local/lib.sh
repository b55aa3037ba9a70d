# Shared by the setup scripts (sourced, not run): one-line progress on stderr, installers'
# output kept in .local/logs/ and shown only when they fail.
# shellcheck shell=bash

LIB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOG_DIR="$LIB_ROOT/.local/logs"

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
