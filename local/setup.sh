#!/usr/bin/env bash
# Installs what the pipeline needs on a fresh Debian machine; fast when done already.
#   Node packages (npm ci, and in policy/), MariaDB and shellcheck (Debian), the Python/Spark environment (.venv),
#   the replica's Kafka runtime and object store. Airflow, which only the DAG tests use, is
#   installed by local/test (local/setup-airflow.sh).
# Everything comes from the package registries; nothing else is downloaded. Installers' output
# goes to .local/logs/setup.log and is shown only when one fails.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# shellcheck source=local/lib.sh
. "$ROOT/local/lib.sh"
log() { printf 'setup: %s\n' "$*" >&2; }

# npm ci in a folder with its own package-lock.json, unless its node_modules matches the lock.
npm_ci() {
  local dir=$1
  if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
    [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    log "installing Node packages (npm ci in $dir)"
    quietly setup npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
  fi
}
npm_ci .
# The policy pack (policy/) has its own packages, as `pulumi preview --policy-pack policy` expects.
npm_ci policy

missing=()
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server mariadb-client)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  quietly setup apt-get update -qq
  quietly setup apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # The package starts a system server on 3306; the project runs its own (local/mysql.sh).
  service mariadb stop >/dev/null 2>&1 || true
fi

# The Maven artifacts the Kafka client machine's user data installs: resolved once into ~/.m2 so
# the user-data test can check the pins offline (and the replica has the same Kafka CLI jars).
if [ ! -f .local/kafka-client-libs/.resolved ] || [ components/kafka/kafkaClientUserData.ts -nt .local/kafka-client-libs/.resolved ]; then
  log "resolving the Kafka client machine's Maven artifacts (one time)"
  mkdir -p .local/kafka-client-libs
  npx ts-node --transpile-only -e '
    const fs = require("fs");
    const poms = require("./components/kafka/kafkaClientUserData").kafkaClientPoms();
    fs.writeFileSync(".local/kafka-client-libs/cli.xml", poms.cli);
    fs.writeFileSync(".local/kafka-client-libs/iam.xml", poms.iamAuth);'
  for pom in cli iam; do
    quietly setup mvn -B -q --no-transfer-progress -f ".local/kafka-client-libs/$pom.xml" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=".local/kafka-client-libs/$pom"
  done
  touch .local/kafka-client-libs/.resolved
fi

local/setup-python.sh
# The replica's Kafka runtime (Maven Central) and object store (PyPI): installed, not started.
local/kafka/kafka.sh install
local/s3/s3.sh install
