#!/usr/bin/env bash
# A throw-away MariaDB for the source database, owned by this checkout: data in .local/mysql,
# loopback only, on $PIPELINE_MYSQL_PORT (default 33306, away from a system MySQL on 3306).
#   local/mysql.sh start   install MariaDB if needed, start it, create the database and user
#   local/mysql.sh stop    stop it (data kept);  local/mysql.sh wipe   stop and delete the data
#   local/mysql.sh status  say whether it runs;  local/mysql.sh env    print the connection variables
# The generated password lives only in .local/mysql/env (mode 600, git-ignored).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR="$ROOT/.local/mysql"
PORT="${PIPELINE_MYSQL_PORT:-33306}"
DATA="$DIR/data"
SOCKET="$DIR/mysqld.sock"
PIDFILE="$DIR/mysqld.pid"
LOG="$ROOT/.local/logs/mysql.log"
ENVFILE="$DIR/env"
DATABASE=pinterest_data
USER_NAME=pipeline
# shellcheck disable=SC2034 # read by local/lib.sh
SERVICE=mysql STATE="$DIR" START_TIMEOUT="${PIPELINE_MYSQL_START_TIMEOUT:-60}" \
  START_TIMEOUT_VAR=PIPELINE_MYSQL_START_TIMEOUT
# shellcheck source=lib.sh
. "$ROOT/local/lib.sh"

install() {
  if command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; then return; fi
  log "installing MariaDB from Debian's packages (one time, ~20 s)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends mariadb-server mariadb-client >/dev/null
  # The package starts a system server on 3306; this project runs its own instance instead.
  service mariadb stop >/dev/null 2>&1 || true
}

# shellcheck disable=SC2120 # wait_ready passes it arguments
client() { mariadb --no-defaults --socket="$SOCKET" -uroot "$@"; }

start() {
  install
  mkdir -p "$DIR" "$(dirname "$LOG")"
  lock_service
  if running "$PIDFILE"; then
    log "already running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"
    return
  fi
  if port_busy "$PORT"; then
    die "port $PORT is busy: another server listens there. Set PIPELINE_MYSQL_PORT to a free port."
  fi
  if [ ! -d "$DATA/mysql" ]; then
    mariadb-install-db --no-defaults --datadir="$DATA" --auth-root-authentication-method=socket \
      --user="$(id -un)" --skip-test-db >>"$LOG" 2>&1
  fi
  local mariadbd
  mariadbd=$(PATH="$PATH:/usr/sbin" command -v mariadbd)
  start_detached "$PIDFILE" "$LOG" "$mariadbd" --no-defaults --datadir="$DATA" --socket="$SOCKET" \
    --pid-file="$PIDFILE" --port="$PORT" --bind-address=127.0.0.1 --user="$(id -un)" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    --innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=2
  wait_ready "$PIDFILE" "$LOG" "answering" client -e 'SELECT 1'
  if [ ! -f "$ENVFILE" ]; then
    local password
    password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    (umask 077 && cat >"$ENVFILE" <<VARS
export MYSQL_HOST=127.0.0.1
export MYSQL_PORT=$PORT
export MYSQL_USER=$USER_NAME
export MYSQL_PASSWORD=$password
export MYSQL_DATABASE=$DATABASE
VARS
)
  fi
  # shellcheck disable=SC1090
  password=$(. "$ENVFILE" && printf '%s' "$MYSQL_PASSWORD")
  client <<SQL
CREATE DATABASE IF NOT EXISTS \`$DATABASE\` CHARACTER SET utf8mb4;
CREATE USER IF NOT EXISTS '$USER_NAME'@'127.0.0.1' IDENTIFIED BY '$password';
ALTER USER '$USER_NAME'@'127.0.0.1' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON \`$DATABASE\`.* TO '$USER_NAME'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`test\\_%\`.* TO '$USER_NAME'@'127.0.0.1';
SQL
  sed -i "s/^export MYSQL_PORT=.*/export MYSQL_PORT=$PORT/" "$ENVFILE"
  log "running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE")); connection variables: local/mysql.sh env"
}

case "${1:-}" in
  start) start ;;
  stop) stop_pid "$PIDFILE" ;;
  wipe) stop_pid "$PIDFILE"; rm -rf "$DATA" "$ENVFILE"; log "data deleted" ;;
  status) status_pid "$PIDFILE" "127.0.0.1:$PORT" ;;
  env) [ -f "$ENVFILE" ] || { log "not set up yet: run local/mysql.sh start"; exit 1; }; cat "$ENVFILE" ;;
  *) echo "usage: local/mysql.sh start|stop|wipe|status|env" >&2; exit 2 ;;
esac
