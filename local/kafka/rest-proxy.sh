#!/usr/bin/env bash
# A throw-away Kafka REST Proxy (API v2: produce, consumer instances) in front of the local broker,
# on 127.0.0.1 only; it starts the broker first if needed. This is the project's own small server
# (local/kafka/src/main/java/pipeline/local/restproxy), because neither Confluent's REST Proxy nor
# the Strimzi Kafka Bridge is served by the package registries here: see local/kafka/README.md.
#   local/kafka/rest-proxy.sh start | stop | status | url (print its address)
# Port: PIPELINE_REST_PROXY_PORT (default 8082, the course's). Heap: PIPELINE_REST_PROXY_HEAP (128m).
set -euo pipefail
# shellcheck disable=SC2034 # read by common.sh's log()
SERVICE=rest-proxy
# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PIDFILE="$STATE/rest-proxy.pid"
LOG="$LOGS/rest-proxy.log"
HEAP="${PIPELINE_REST_PROXY_HEAP:-128m}"
URL="http://127.0.0.1:$REST_PROXY_PORT"

# Ready when it lists topics: that needs the broker too, not just the listening socket.
answers() { curl -sf --max-time 5 -o /dev/null "$URL/topics"; }

start() {
  "$SRC/kafka.sh" start
  lock_service
  if running "$PIDFILE"; then
    log "already running on $URL (pid $(cat "$PIDFILE"))"
    return
  fi
  if port_busy "$REST_PROXY_PORT"; then
    die "port $REST_PROXY_PORT is busy: another server listens there. Set PIPELINE_REST_PROXY_PORT to a free port."
  fi
  local started=$SECONDS
  start_jvm "$PIDFILE" "$LOG" "$HEAP" pipeline.local.restproxy.RestProxy \
    "$BOOTSTRAP" 127.0.0.1 "$REST_PROXY_PORT"
  wait_ready "$PIDFILE" "$LOG" "answering" answers
  log "running on $URL (pid $(cat "$PIDFILE"), ready in $((SECONDS - started)) s)"
}

case "${1:-}" in
  start) start ;;
  stop) stop_pid "$PIDFILE" ;;
  status) status_pid "$PIDFILE" "$URL" ;;
  url) echo "$URL" ;;
  *) echo "usage: local/kafka/rest-proxy.sh start|stop|status|url" >&2; exit 2 ;;
esac
