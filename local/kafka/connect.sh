#!/usr/bin/env bash
# A throw-away Kafka Connect worker (Apache Kafka's own, distributed mode, one worker) with the
# local S3 sink plugin, on 127.0.0.1 only; it starts the broker first if needed. Its state
# (connector configs, offsets, status) lives in Kafka topics _connect-*, so kafka.sh wipe clears it.
#   local/kafka/connect.sh start                      start the worker, wait until its API answers
#   local/kafka/connect.sh stop | status              stop it | say whether it runs
#   local/kafka/connect.sh deploy-sink PREFIX BUCKET  create or update the S3 sink for PREFIX.*
#                                                     topics, wait until its tasks run
#   local/kafka/connect.sh sink-config PREFIX BUCKET  print that connector config (JSON)
#   local/kafka/connect.sh url                        print the REST API's address
# The connector config is the one the dev stack deploys (to its client machine's Connect worker; prod's
# to MSK Connect), rendered by components/kafka/s3SinkConnectorConfig.ts (see sinkProperties.ts), with
# only the connector class, the store's endpoint and its credentials replaced. The worker's properties
# are rendered by the code that renders the client machine's (workerProperties.ts ->
# components/kafka/connectWorkerConfig.ts). PIPELINE_SINK_STACK picks another Pulumi.<stack>.yaml.
# Ports: PIPELINE_CONNECT_PORT (REST API, default 38083), PIPELINE_S3_PORT (store, default 39000).
# Heap: PIPELINE_CONNECT_HEAP (default 384m).
set -euo pipefail
# shellcheck disable=SC2034 # read by common.sh's log()
SERVICE=connect
# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PIDFILE="$STATE/connect.pid"
LOG="$LOGS/connect.log"
CONFIG="$STATE/connect-worker.properties"
HEAP="${PIPELINE_CONNECT_HEAP:-384m}"
API="http://127.0.0.1:$CONNECT_PORT"
PLUGIN_CLASS=pipeline.local.s3sink.S3SinkConnector

# The worker's properties, rendered by the code that renders the stack's client machine worker
# (local/kafka/workerProperties.ts -> components/kafka/connectWorkerConfig.ts).
write_config() {
  {
    echo "# Written by local/kafka/connect.sh on every start; edit the code, not this file."
    (cd "$ROOT" && npx --no-install ts-node --transpile-only local/kafka/workerProperties.ts \
      "$BOOTSTRAP" "$CONNECT_PORT" "$PLUGINS" "${PIPELINE_SINK_STACK:-dev}")
  } >"$CONFIG.new" || die "could not render the worker properties (above)"
  mv "$CONFIG.new" "$CONFIG"
}

plugin_loaded() { curl -sf --max-time 3 "$API/connector-plugins" | grep -q "$PLUGIN_CLASS"; }

start() {
  "$SRC/kafka.sh" start
  lock_service
  if running "$PIDFILE"; then
    log "already running on $API (pid $(cat "$PIDFILE"))"
    return
  fi
  if port_busy "$CONNECT_PORT"; then
    die "port $CONNECT_PORT is busy: another server listens there. Set PIPELINE_CONNECT_PORT to a free port."
  fi
  write_config
  local started=$SECONDS
  # Only Kafka's jars: the sink must load from its plugin folder, in its own class loader.
  JVM_CLASSPATH="$LIB/*" start_jvm "$PIDFILE" "$LOG" "$HEAP" \
    org.apache.kafka.connect.cli.ConnectDistributed "$CONFIG"
  wait_ready "$PIDFILE" "$LOG" "serving its REST API with the S3 sink plugin" plugin_loaded
  log "running on $API (pid $(cat "$PIDFILE"), ready in $((SECONDS - started)) s)"
}

check_prefix() {
  if ! [[ "${1:-}" =~ ^[A-Za-z0-9_-][A-Za-z0-9._-]*$ ]]; then
    die "invalid prefix '${1:-}': use letters, digits, '.', '_' and '-' (e.g. pin-dev)"
  fi
}

# The stack's connector properties for PREFIX and BUCKET, rendered by the stack's own code, for
# the running broker's cluster id (its folder under topics/).
sink_config() {
  local cluster
  cluster=$("$SRC/kafka.sh" cluster-id)
  (cd "$ROOT" && npx --no-install ts-node --transpile-only local/kafka/sinkProperties.ts \
    "$1" "$2" "http://127.0.0.1:$S3_PORT" "$cluster" "${PIPELINE_SINK_STACK:-dev}")
}

deploy_sink() {
  local prefix=${1:-} bucket=${2:-}
  check_prefix "$prefix"
  [ -n "$bucket" ] || die "usage: local/kafka/connect.sh deploy-sink PREFIX BUCKET"
  running "$PIDFILE" || die "not running: start it with local/kafka/connect.sh start"
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -I "http://127.0.0.1:$S3_PORT/$bucket" || true)
  if [ "$code" != 200 ]; then
    die "bucket $bucket is not in the store at http://127.0.0.1:$S3_PORT (HTTP $code): run local/s3/s3.sh start and local/s3/s3.sh create-bucket $bucket"
  fi
  local name="$prefix-s3-sink" answer="$STATE/deploy-sink.out"
  local config="$STATE/sink-config-$prefix.json"
  sink_config "$prefix" "$bucket" >"$config" || die "could not render the connector config (above)"
  # PUT .../config creates the connector or updates it in place: running it twice is harmless.
  code=$(curl -s -o "$answer" -w '%{http_code}' --max-time 60 \
    -X PUT -H 'Content-Type: application/json' --data-binary "@$config" "$API/connectors/$name/config")
  case "$code" in
    200 | 201) ;;
    *) die "Connect refused the connector config (HTTP $code): $(cat "$answer")" ;;
  esac
  local tasks deadline=$((SECONDS + START_TIMEOUT)) status="" restarted=no running_count
  tasks=$(sed -n 's/^ *"tasks.max": "\([0-9]*\)".*/\1/p' "$config")
  while [ "$SECONDS" -lt "$deadline" ]; do
    status=$(curl -sf --max-time 5 "$API/connectors/$name/status" || true)
    # The connector and each of its tasks.max tasks report RUNNING. Right after the PUT the
    # status names no task (or no connector) yet: grep finds nothing, so count none.
    running_count=$(grep -o '"state":"RUNNING"' <<<"$status" | wc -l) || running_count=0
    if [ "$running_count" -ge $((1 + ${tasks:-1})) ] && [[ "$status" != *'"state":"FAILED"'* ]]; then
      log "connector $name running ($tasks tasks): topics $prefix.* -> s3://$bucket/topics/$("$SRC/kafka.sh" cluster-id)/"
      return
    fi
    if [[ "$status" == *'"state":"FAILED"'* ]]; then
      # An unchanged config does not restart a failed task (e.g. the store was down before).
      [ "$restarted" = no ] || break
      restarted=yes
      curl -sf -o /dev/null --max-time 30 -X POST \
        "$API/connectors/$name/restart?includeTasks=true&onlyFailed=true" || true
    fi
    sleep 0.5
  done
  log "connector $name is not running; its status: $status"
  log "last lines of $LOG:"
  tail -n 30 "$LOG" >&2
  exit 1
}

case "${1:-}" in
  start) start ;;
  stop) stop_pid "$PIDFILE" ;;
  status) status_pid "$PIDFILE" "$API" ;;
  url) echo "$API" ;;
  deploy-sink) shift; deploy_sink "$@" ;;
  sink-config) shift; check_prefix "${1:-}"; sink_config "$1" "${2:?usage: sink-config PREFIX BUCKET}" ;;
  *) echo "usage: local/kafka/connect.sh start|stop|status|deploy-sink PREFIX BUCKET|sink-config PREFIX BUCKET|url" >&2; exit 2 ;;
esac
