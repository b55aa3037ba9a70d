#!/usr/bin/env bash
# The local replica: the pipeline's data-moving parts on this machine, made of real servers, on
# loopback ports, with the same names and outputs contract as a deployed stack (stack "local").
#   local/replica.sh up            install on first use, start everything, create topics, streams,
#                                  bucket and connector, write .local/stacks/local.json (+ API key)
#   local/replica.sh down [--wipe] stop every process it started (by pid); --wipe deletes all the data:
#                                  database, Kafka, bucket, and the Delta tables and checkpoints built
#                                  from them (.local/warehouse, .local/raw)
#   local/replica.sh replace-kafka replace the Kafka cluster as a pause and resume (or any replacement
#                                  of the MSK cluster) does: broker, topics, offsets and Connect's state
#                                  gone, a new cluster id, the sink deployed again; the database, the
#                                  bucket, the streams and the Delta tables are kept
#   local/replica.sh status        what runs where
# Parts and the AWS resource each stands for (see local/README.md):
#   MariaDB (RDS MySQL) · Kafka KRaft broker (MSK) · REST proxy v2 (the client machine's proxy) ·
#   Kafka Connect + S3 sink (MSK Connect) · moto S3 (raw bucket) · kinesalite (Kinesis) ·
#   local gateway (the two API Gateway APIs, same routes/templates/models, API key required)
# Ports (env): PIPELINE_MYSQL_PORT 33306, PIPELINE_KAFKA_PORT 39092, PIPELINE_CONNECT_PORT 38083,
#   PIPELINE_REST_PROXY_PORT 8082, PIPELINE_S3_PORT 39000, PIPELINE_KINESIS_PORT 34567,
#   PIPELINE_GATEWAY_PORT 34580. Prefix: PIPELINE_LOCAL_PREFIX (default pin-local). Logs: .local/logs/.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

PREFIX="${PIPELINE_LOCAL_PREFIX:-pin-local}"
BUCKET="$PREFIX-raw"
RUN="$ROOT/.local/replica"
LOGS="$ROOT/.local/logs"
export PIPELINE_STACKS_DIR="$ROOT/.local/stacks"
KINESIS_PORT="${PIPELINE_KINESIS_PORT:-34567}"
GATEWAY_PORT="${PIPELINE_GATEWAY_PORT:-34580}"
export PIPELINE_KINESIS_ENDPOINT="http://127.0.0.1:$KINESIS_PORT"
export PIPELINE_GATEWAY_URL="http://127.0.0.1:$GATEWAY_PORT"
export PIPELINE_BUCKET="$BUCKET"

# shellcheck disable=SC2034 # read by local/lib.sh
SERVICE=replica STATE="$RUN" START_TIMEOUT="${PIPELINE_REPLICA_START_TIMEOUT:-60}" \
  START_TIMEOUT_VAR=PIPELINE_REPLICA_START_TIMEOUT
# shellcheck source=lib.sh
. "$ROOT/local/lib.sh"
tool() { npx --no-install ts-node --transpile-only local/replica/aws.ts "$@"; }

# Starts a Node service in the background with a pid file; waits until its port answers.
start_node() {
  local name=$1 port=$2
  shift 2
  if running "$RUN/$name.pid"; then return; fi
  port_busy "$port" && die "port $port ($name) is busy: another server listens there; set its PIPELINE_*_PORT to a free port"
  SERVICE=$name start_detached "$RUN/$name.pid" "$LOGS/$name.log" "$@"
  SERVICE=$name wait_ready "$RUN/$name.pid" "$LOGS/$name.log" "listening on $port" port_busy "$port"
}

stop_node() {
  local name=$1
  SERVICE=$name stop_pid "$RUN/$name.pid" 10
}

# The broker and its topics, Connect with the sink, the REST proxy (the store must be up: its
# variables set by local/s3/s3.sh env).
start_kafka_path() {
  local/kafka/kafka.sh start
  local/kafka/kafka.sh topics "$PREFIX"
  PIPELINE_KAFKA_BOOTSTRAP=$(local/kafka/kafka.sh bootstrap)
  export PIPELINE_KAFKA_BOOTSTRAP
  local/kafka/connect.sh start
  local/kafka/connect.sh deploy-sink "$PREFIX" "$BUCKET"
  local/kafka/rest-proxy.sh start
}

up() {
  mkdir -p "$RUN" "$LOGS" "$PIPELINE_STACKS_DIR"
  local/mysql.sh start
  # shellcheck disable=SC1090
  . <(local/mysql.sh env)
  export MYSQL_HOST MYSQL_PORT MYSQL_DATABASE
  local/s3/s3.sh start
  local/s3/s3.sh create-bucket "$BUCKET"
  # shellcheck disable=SC1090
  . <(local/s3/s3.sh env)
  start_kafka_path
  local rest_proxy
  rest_proxy=$(local/kafka/rest-proxy.sh url)

  start_node kinesis "$KINESIS_PORT" node_modules/.bin/kinesalite --port "$KINESIS_PORT" \
    --createStreamMs 0 --deleteStreamMs 0 --updateStreamMs 0
  tool streams "$PREFIX"

  # The API key: random, like the usage plan's; stored where only this user reads it.
  if [ ! -s "$PIPELINE_STACKS_DIR/local.api-key" ]; then
    (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$PIPELINE_STACKS_DIR/local.api-key")
  fi
  start_node gateway "$GATEWAY_PORT" node -r ts-node/register/transpile-only local/gateway/server.ts \
    --port "$GATEWAY_PORT" --prefix "$PREFIX" --rest-proxy "$rest_proxy" \
    --kinesis "$PIPELINE_KINESIS_ENDPOINT" --api-key-file "$PIPELINE_STACKS_DIR/local.api-key"

  tool outputs "$PREFIX"
  log "up: stack \"local\" (prefix $PREFIX); outputs in .local/stacks/local.json; logs in .local/logs/"
}

down() {
  stop_node gateway
  stop_node kinesis
  local/kafka/rest-proxy.sh stop || true
  local/kafka/connect.sh stop || true
  if [ "${1:-}" = "--wipe" ]; then
    local/kafka/kafka.sh wipe || true
    local/s3/s3.sh stop || true
    local/mysql.sh wipe || true
    rm -f "$PIPELINE_STACKS_DIR/local.json" "$PIPELINE_STACKS_DIR/local.checkpoint.json"
    rm -rf "$ROOT/.local/warehouse" "$ROOT/.local/raw"
  else
    local/kafka/kafka.sh stop || true
    local/s3/s3.sh stop || true
    local/mysql.sh stop || true
  fi
  log "down${1:+ ($1)}"
}

replace_kafka() {
  running "$RUN/gateway.pid" || die "the replica is not up: run local/replica.sh up first"
  local old
  old=$(local/kafka/kafka.sh cluster-id 2>/dev/null || echo none)
  local/kafka/rest-proxy.sh stop || true
  local/kafka/connect.sh stop || true
  local/kafka/kafka.sh wipe
  # shellcheck disable=SC1090
  . <(local/s3/s3.sh env)
  start_kafka_path
  log "replace-kafka: cluster $old replaced by $(local/kafka/kafka.sh cluster-id); offsets start at 0 under a new folder of topics/"
}

status() {
  local/mysql.sh status || true
  local/kafka/kafka.sh status || true
  local/kafka/connect.sh status || true
  local/kafka/rest-proxy.sh status || true
  local/s3/s3.sh status || true
  for name in kinesis gateway; do
    if running "$RUN/$name.pid"; then log "$name: running (pid $(cat "$RUN/$name.pid"))"; else log "$name: not running"; fi
  done
  log "kinesis: $PIPELINE_KINESIS_ENDPOINT; gateway: $PIPELINE_GATEWAY_URL/batch and $PIPELINE_GATEWAY_URL/stream"
}

case "${1:-}" in
  up) up ;;
  down) down "${2:-}" ;;
  status) status ;;
  replace-kafka) replace_kafka ;;
  *) echo "usage: local/replica.sh up | down [--wipe] | replace-kafka | status" >&2; exit 2 ;;
esac
