#!/usr/bin/env bash
# A throw-away single-node Apache Kafka broker (KRaft: broker and controller in one JVM), owned by
# this checkout: data in .local/kafka/data, log in .local/logs/kafka.log, loopback only, topics
# never created automatically. Installs itself from Maven Central on first use (local/kafka/pom.xml).
#   local/kafka/kafka.sh install          fetch the Kafka runtime from Maven Central (setup does it)
#   local/kafka/kafka.sh start            format the storage once, start, wait until it serves
#   local/kafka/kafka.sh stop | status    stop it (data kept) | say whether it runs
#   local/kafka/kafka.sh wipe             stop it and delete every topic and offset
#   local/kafka/kafka.sh topics PREFIX    create PREFIX.pin, PREFIX.geo, PREFIX.user if missing
#   local/kafka/kafka.sh bootstrap        print the bootstrap address (127.0.0.1:PORT)
#   local/kafka/kafka.sh cluster-id       print the cluster's id (new after a wipe; the S3 sink
#                                         writes under topics/<cluster id>/, as on MSK under its UUID)
# Ports: PIPELINE_KAFKA_PORT (default 39092), PIPELINE_KAFKA_CONTROLLER_PORT (default 39093).
# Heap: PIPELINE_KAFKA_HEAP (default 320m).
set -euo pipefail
# shellcheck disable=SC2034 # read by common.sh's log()
SERVICE=kafka
# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DATA="$STATE/data"
PIDFILE="$STATE/kafka.pid"
LOG="$LOGS/kafka.log"
CONFIG="$STATE/broker.properties"
HEAP="${PIPELINE_KAFKA_HEAP:-320m}"

write_config() {
  cat >"$CONFIG" <<PROPS
# Written by local/kafka/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DATA
# As on MSK with the course's settings: topics exist only when someone creates them.
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=5
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# One member per group here: no reason to wait for more before the first rebalance (ms).
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
background.threads=2
log.retention.hours=168
PROPS
}

# The id the storage was formatted with (meta.properties, written by the format command).
cluster_id() {
  local id
  id=$(sed -n 's/^cluster\.id=//p' "$DATA/meta.properties" 2>/dev/null || true)
  [ -n "$id" ] || die "no cluster id: the storage is not formatted yet; run local/kafka/kafka.sh start"
  echo "$id"
}

ready() { port_busy "$KAFKA_PORT" && tail -c +"$1" "$LOG" | grep -q 'Kafka Server started'; }

start() {
  install
  lock_service
  if running "$PIDFILE"; then
    log "already running on $BOOTSTRAP (pid $(cat "$PIDFILE"))"
    return
  fi
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_busy "$port"; then
      die "port $port is busy: another server listens there. Set PIPELINE_KAFKA_PORT / PIPELINE_KAFKA_CONTROLLER_PORT to free ports."
    fi
  done
  mkdir -p "$DATA" "$LOGS"
  write_config
  if [ ! -f "$DATA/meta.properties" ]; then
    # The cluster id made the way Kafka makes it (Uuid.randomUuid, which never starts with "-",
    # an id the format command's option parser would take for a flag).
    local cluster_id
    cluster_id=$(java -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
      -Dlog4j2.configurationFile="$SRC/log4j2-tools.properties" -cp "$LIB/*" \
      kafka.tools.StorageTool random-uuid) || die "kafka-storage random-uuid failed"
    if ! java -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
        -Dlog4j2.configurationFile="$SRC/log4j2.properties" -cp "$LIB/*" \
        kafka.tools.StorageTool format --cluster-id "$cluster_id" --config "$CONFIG" \
        >>"$LOG" 2>&1; then
      log "formatting $DATA failed; last lines of $LOG:"
      tail -n 20 "$LOG" >&2
      exit 1
    fi
  fi
  local started=$SECONDS offset
  offset=$(($(stat -c %s "$LOG" 2>/dev/null || echo 0) + 1))
  start_jvm "$PIDFILE" "$LOG" "$HEAP" kafka.Kafka "$CONFIG"
  wait_ready "$PIDFILE" "$LOG" "serving" ready "$offset"
  log "running on $BOOTSTRAP (pid $(cat "$PIDFILE"), ready in $((SECONDS - started)) s)"
}

topics() {
  local prefix=${1:-} partitions=${2:-1}
  if ! [[ "$prefix" =~ ^[A-Za-z0-9_-][A-Za-z0-9._-]*$ ]]; then
    die "invalid prefix '$prefix': use letters, digits, '.', '_' and '-' (e.g. pin-dev)"
  fi
  running "$PIDFILE" || die "not running: start it with local/kafka/kafka.sh start"
  java -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dlog4j2.configurationFile="$SRC/log4j2-tools.properties" -cp "$LIB/*:$TOOLS_JAR" \
    pipeline.local.admin.CreateTopics "$BOOTSTRAP" "$partitions" \
    "$prefix.pin" "$prefix.geo" "$prefix.user"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop_pid "$PIDFILE" ;;
  status) status_pid "$PIDFILE" "$BOOTSTRAP" ;;
  wipe) stop_pid "$PIDFILE"; rm -rf "$DATA" "$CONFIG"; log "data deleted" ;;
  topics) shift; topics "$@" ;;
  bootstrap) echo "$BOOTSTRAP" ;;
  cluster-id) cluster_id ;;
  *) echo "usage: local/kafka/kafka.sh start|stop|status|wipe|topics PREFIX [PARTITIONS]|bootstrap|cluster-id" >&2; exit 2 ;;
esac
