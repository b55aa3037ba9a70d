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

log() { printf 'mysql: %s\n' "$*" >&2; }

install() {
  if command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; then return; fi
  log "installing MariaDB from Debian's packages (one time, ~20 s)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends mariadb-server mariadb-client >/dev/null
  # The package starts a system server on 3306; this project runs its own instance instead.
  service mariadb stop >/dev/null 2>&1 || true
}

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

client() { mariadb --no-defaults --socket="$SOCKET" -uroot "$@"; }

start() {
  install
  mkdir -p "$DIR" "$(dirname "$LOG")"
  if running; then
    log "already running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"
    return
  fi
  if port_busy; then
    log "port $PORT is busy: another server listens there. Set PIPELINE_MYSQL_PORT to a free port."
    exit 1
  fi
  if [ ! -d "$DATA/mysql" ]; then
    mariadb-install-db --no-defaults --datadir="$DATA" --auth-root-authentication-method=socket \
      --user="$(id -un)" --skip-test-db >>"$LOG" 2>&1
  fi
  PATH="$PATH:/usr/sbin" nohup mariadbd --no-defaults --datadir="$DATA" --socket="$SOCKET" \
    --pid-file="$PIDFILE" --port="$PORT" --bind-address=127.0.0.1 --user="$(id -un)" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    --innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=2 \
    >>"$LOG" 2>&1 &
  for _ in $(seq 1 100); do
    if client -e 'SELECT 1' >/dev/null 2>&1; then break; fi
    if ! kill -0 $! 2>/dev/null; then
      log "MariaDB exited while starting; last lines of $LOG:"
      tail -n 20 "$LOG" >&2
      exit 1
    fi
    sleep 0.2
  done
  client -e 'SELECT 1' >/dev/null
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

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

stop() {
  if running; then
    local pid
    pid=$(cat "$PIDFILE")
    kill "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    log "stopped"
  else
    log "not running"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  wipe) stop; rm -rf "$DATA" "$ENVFILE"; log "data deleted" ;;
  status) if running; then log "running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"; else log "not running"; exit 3; fi ;;
  env) [ -f "$ENVFILE" ] || { log "not set up yet: run local/mysql.sh start"; exit 1; }; cat "$ENVFILE" ;;
  *) echo "usage: local/mysql.sh start|stop|wipe|status|env" >&2; exit 2 ;;
esac
