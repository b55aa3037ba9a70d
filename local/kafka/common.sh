# Shared by local/kafka/*.sh (sourced, not run): paths, the one-time install from Maven Central and
# starting a JVM; the pid, readiness and stop helpers are local/lib.sh's.
# Every service of the replica listens on 127.0.0.1 only; ports come from PIPELINE_* variables.
# shellcheck shell=bash
# Variables here are read by the scripts that source this file:
# shellcheck disable=SC2034

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SRC="$ROOT/local/kafka"
STATE="$ROOT/.local/kafka"
LOGS="$ROOT/.local/logs"
LIB="$STATE/lib"
PLUGINS="$STATE/plugins"
TOOLS_JAR="$STATE/build/pipeline-local-kafka.jar"
# shellcheck source=../versions.env
. "$ROOT/local/versions.env"
# shellcheck source=../lib.sh
. "$ROOT/local/lib.sh"


KAFKA_PORT="${PIPELINE_KAFKA_PORT:-39092}"
KAFKA_CONTROLLER_PORT="${PIPELINE_KAFKA_CONTROLLER_PORT:-39093}"
REST_PROXY_PORT="${PIPELINE_REST_PROXY_PORT:-8082}"
CONNECT_PORT="${PIPELINE_CONNECT_PORT:-38083}"
S3_PORT="${PIPELINE_S3_PORT:-39000}"
BOOTSTRAP="127.0.0.1:$KAFKA_PORT"
# Seconds a service may take to become ready; the machine has 2 shared cores.
START_TIMEOUT="${PIPELINE_KAFKA_START_TIMEOUT:-120}"
START_TIMEOUT_VAR=PIPELINE_KAFKA_START_TIMEOUT

# Resolves the Kafka jars and builds the project's own jar (REST proxy, S3 sink, topic tool) once;
# later runs compare a fingerprint of the versions and sources and do nothing (no network).
install() {
  mkdir -p "$STATE" "$LOGS"
  local fingerprint
  fingerprint=$({
    cat "$ROOT/local/versions.env" "$SRC/pom.xml"
    find "$SRC/src" -type f -print0 | sort -z | xargs -0 cat
  } | sha256sum | cut -c1-16)
  if [ "$(cat "$STATE/installed" 2>/dev/null)" = "$fingerprint" ]; then return; fi
  # Two callers at once (a test and a shell) must not build into the same folders.
  exec 8>"$STATE/install.lock"
  flock 8
  if [ "$(cat "$STATE/installed" 2>/dev/null)" = "$fingerprint" ]; then flock -u 8; return; fi
  command -v java >/dev/null || die "java not found: install a JDK 17 (Debian: openjdk-17-jdk-headless)"
  command -v mvn >/dev/null || die "mvn not found: install Maven (Debian: maven)"
  log "installing Kafka $KAFKA_VERSION and the local S3 sink and REST proxy from Maven Central (one time)"
  local started=$SECONDS install_log="$LOGS/kafka-install.log"
  rm -rf "$LIB" "$PLUGINS"
  if ! mvn -B -q -Dmaven.repo.local="$ROOT/.local/m2" -f "$SRC/pom.xml" \
      -Dkafka.version="$KAFKA_VERSION" -Daws.sdk.version="$AWS_SDK_VERSION" \
      -Dlog4j.version="$LOG4J_VERSION" -Dslf4j.version="$SLF4J_VERSION" -Dkafka.lib.dir="$LIB" \
      -Dplugin.dir="$PLUGINS/pipeline-s3-sink" package >"$install_log" 2>&1; then
    log "Maven failed; last lines of $install_log:"
    tail -n 30 "$install_log" >&2
    exit 1
  fi
  cp "$TOOLS_JAR" "$PLUGINS/pipeline-s3-sink/"
  echo "$fingerprint" >"$STATE/installed"
  flock -u 8
  log "installed in $((SECONDS - started)) s"
}

# start_jvm PIDFILE LOG HEAP MAIN_CLASS ARGS... (classpath: JVM_CLASSPATH, default the Kafka jars
# and the project's jar), detached (local/lib.sh start_detached).
start_jvm() {
  local pidfile=$1 logfile=$2 heap=$3
  shift 3
  # Serial GC and a small heap: several JVMs share 2 cores with everything else.
  start_detached "$pidfile" "$logfile" java -Xms32m -Xmx"$heap" -XX:+UseSerialGC \
    -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$SRC/log4j2.properties" \
    -cp "${JVM_CLASSPATH:-$LIB/*:$TOOLS_JAR}" "$@"
}
