// The part of the Kafka client machine's boot script that runs the S3 sink itself (the stack's
// `kafka.sinkRunner: client`): Apache Kafka's Connect worker, distributed mode, as a systemd
// service next to the REST proxy. A pure function of plain values, appended to kafkaClientUserData,
// so that tests render it and run bash -n and shellcheck on the whole script.
import {
  connectInternalNames,
  connectWorkerProperties,
  ConnectWorkerSettings,
} from "./connectWorkerConfig";
import {
  KAFKA_CLIENT_VERSIONS,
  KafkaClientVersions,
  mavenFetchPom,
  SYSTEMD_SERVICE_TAIL,
} from "./kafkaClientUserData";
import { SHA256_HEX } from "./s3SinkPluginRelease";
import type { S3SinkPlugin } from "./s3SinkConnectorConfig";

/** Where the worker lives on the machine. */
export const CONNECT_HOME = "/opt/kafka-connect";
/**
 * The worker's REST API: for the boot script, an operator's curl, and the other worker of the
 * group while a replacement machine overlaps the old one (the security group opens it between the
 * stack's client machines only).
 */
export const CONNECT_REST_PORT = 8083;
/** Seconds the boot script waits for the worker to accept the connector. */
export const CONNECTOR_DEPLOY_SECONDS = 900;

/**
 * Memory of the t3.small (2 GiB) the REST proxy and the worker share, in MiB. Heaps are `-Xmx`;
 * a JVM also takes metaspace, thread stacks and code cache (~200-250 MiB for either), and the
 * worker's systemd `MemoryMax` stops it, not the proxy, if it ever takes more than its share.
 */
export const CLIENT_MEMORY_BUDGET_MIB = {
  /** Amazon Linux, cloud-init, the SSM agent and the page cache the JVMs read their jars through. */
  system: 400,
  restProxyHeap: 512,
  restProxyOffHeap: 256,
  /**
   * The Confluent sink holds one `s3.part.size` buffer (25 MiB by default) per open object: 3
   * topics x 3 partitions in dev is 225 MiB of a 512 MiB heap.
   */
  connectHeap: 512,
  connectOffHeap: 320,
} as const;

/** The worker's systemd `MemoryMax` in MiB: its heap and off-heap share. */
export const CONNECT_MEMORY_MAX_MIB =
  CLIENT_MEMORY_BUDGET_MIB.connectHeap + CLIENT_MEMORY_BUDGET_MIB.connectOffHeap;

/** Values the worker's part of the script is rendered from (all resolved). */
export interface ClientSinkUserDataInput {
  readonly prefix: string;
  readonly bootstrapBrokers: string;
  /** Replicas of the worker's internal topics (the cluster's replication factor). */
  readonly replicationFactor: number;
  /** Which sink the plugin file is. */
  readonly plugin: S3SinkPlugin;
  /** The connector's name; Kafka Connect's sink group is `connect-<name>`. */
  readonly connectorName: string;
  /** Its properties, rendered by s3SinkConnectorProperties as MSK Connect's would be. */
  readonly connectorProperties: Record<string, string>;
  /** The sink's rotation (Aiven's sink: the worker's offset flush). */
  readonly rotateIntervalMs: number;
  /** Where the stack uploaded the plugin file: bucket, key and the upload's version. */
  readonly pluginBucket: string;
  readonly pluginKey: string;
  readonly pluginVersionId: string;
  /** The SHA-256 the file must have (the stack's `kafka.connectorPluginSha256`). */
  readonly pluginSha256: string;
  /** What to install. @default KAFKA_CLIENT_VERSIONS */
  readonly versions?: KafkaClientVersions;
}

const SAFE = {
  name: /^[a-z][a-z0-9-]*$/,
  bucket: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
  key: /^[A-Za-z0-9._/-]+$/,
  versionId: /^[A-Za-z0-9._-]+$/,
};

/** Rejects values that could break out of the script's quoting. */
export function validateClientSinkUserDataInput(input: ClientSinkUserDataInput): void {
  const checks: [string, string, RegExp, string][] = [
    ["connectorName", input.connectorName, SAFE.name, "[a-z][a-z0-9-]*"],
    ["pluginBucket", input.pluginBucket, SAFE.bucket, "an S3 bucket name"],
    ["pluginKey", input.pluginKey, SAFE.key, "letters, digits, '.', '_', '/' and '-'"],
    ["pluginVersionId", input.pluginVersionId, SAFE.versionId, "an S3 version id"],
    ["pluginSha256", input.pluginSha256, SHA256_HEX, "64 lowercase hex digits"],
  ];
  for (const [field, value, rule, what] of checks) {
    if (!rule.test(value)) {
      throw new Error(`Kafka client sink user data: ${field} "${value}" is not ${what}.`);
    }
  }
  for (const value of Object.values(input.connectorProperties)) {
    if (value.includes("'") || /[\r\n]/.test(value)) {
      throw new Error(
        `Kafka client sink user data: connector property value "${value}" holds a quote or a line break.`,
      );
    }
  }
}

/** The worker's libraries: Kafka Connect's runtime, its log binding and the MSK IAM mechanism. */
export function connectWorkerPom(versions: KafkaClientVersions = KAFKA_CLIENT_VERSIONS): string {
  return mavenFetchPom("kafka-connect", [
    { groupId: "org.apache.kafka", artifactId: "connect-runtime", version: versions.kafka },
    // connect-runtime brings slf4j-api and reload4j (runtime) but no binding between them.
    { groupId: "org.slf4j", artifactId: "slf4j-reload4j", version: "1.7.36" },
    {
      groupId: "software.amazon.msk",
      artifactId: "aws-msk-iam-auth",
      version: versions.mskIamAuth,
      // Without the Jackson and SLF4J Kafka Connect already ships (as for the REST proxy).
      exclusions: ["com.fasterxml.jackson.core:*", "org.slf4j:*"],
    },
  ]);
}

/** The worker's settings on the client machine, rendered by the code the local replica uses. */
export function clientWorkerSettings(input: ClientSinkUserDataInput): ConnectWorkerSettings {
  return {
    bootstrapServers: input.bootstrapBrokers,
    names: connectInternalNames(input.prefix),
    replicationFactor: input.replicationFactor,
    restHost: "0.0.0.0",
    restPort: CONNECT_REST_PORT,
    pluginPath: `${CONNECT_HOME}/plugins`,
    plugin: input.plugin,
    rotateIntervalMs: input.rotateIntervalMs,
    mskIam: true,
  };
}

/** log4j 1 (reload4j, Kafka 3.9's) to the journal and a rolling file, like the REST proxy's logs. */
const CONNECT_LOG4J = [
  "log4j.rootLogger=INFO, stdout, file",
  "log4j.appender.stdout=org.apache.log4j.ConsoleAppender",
  "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout",
  "log4j.appender.stdout.layout.ConversionPattern=%p %m (%c)%n",
  "log4j.appender.file=org.apache.log4j.RollingFileAppender",
  "log4j.appender.file.File=/var/log/kafka-connect/connect.log",
  "log4j.appender.file.MaxFileSize=50MB",
  "log4j.appender.file.MaxBackupIndex=5",
  "log4j.appender.file.layout=org.apache.log4j.PatternLayout",
  "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n",
].join("\n");

/**
 * The script's sink part, run after the REST proxy's: the worker's libraries from Maven Central
 * (checksums verified), the plugin the stack uploaded (that exact version, checked against the
 * stack's SHA-256), the worker as an unprivileged systemd service, then the connector created or
 * updated through the worker's REST API (PUT is idempotent), with a deadline.
 */
export function clientSinkUserData(input: ClientSinkUserDataInput): string {
  validateClientSinkUserDataInput(input);
  const v = input.versions ?? KAFKA_CLIENT_VERSIONS;
  const budget = CLIENT_MEMORY_BUDGET_MIB;
  const api = `http://127.0.0.1:${CONNECT_REST_PORT}`; // the listener's loopback side
  const connector = JSON.stringify(input.connectorProperties, null, 2);
  return `
echo "== Kafka Connect ${v.kafka} worker (distributed mode) running ${input.connectorName}"
readonly CONNECT_HOME='${CONNECT_HOME}'
mkdir -p "$CONNECT_HOME/plugins" /etc/kafka-connect
cat > "$CONNECT_HOME/connect-pom.xml" <<'POM'
${connectWorkerPom(v)}POM
fetch_libs "$CONNECT_HOME/connect-pom.xml" "$CONNECT_HOME/libs"

echo "== S3 sink plugin (${input.plugin}) the stack uploaded, checked against its SHA-256"
retry dnf install -y unzip
plugin=$(mktemp)
retry aws s3api get-object --bucket '${input.pluginBucket}' --key '${input.pluginKey}' \\
  --version-id '${input.pluginVersionId}' "$plugin" > /dev/null
echo '${input.pluginSha256}  '"$plugin" | sha256sum -c -
rm -rf "$CONNECT_HOME/plugins/s3-sink"
unzip -q "$plugin" -d "$CONNECT_HOME/plugins/s3-sink"
rm -f "$plugin"

cat > /etc/kafka-connect/worker.properties <<'PROPERTIES'
${connectWorkerProperties(clientWorkerSettings(input))}PROPERTIES
# A replacement machine's worker joins the old one's group until that one is deleted; requests
# one forwards to the group's leader go to the address the leader advertises: this machine's.
imds() {
  local token
  token=$(curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token)
  curl -sf -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1"
}
address=$(imds local-ipv4)
echo "rest.advertised.host.name=$address" >> /etc/kafka-connect/worker.properties
cat > /etc/kafka-connect/log4j.properties <<'PROPERTIES'
${CONNECT_LOG4J}
PROPERTIES
cat > /etc/kafka-connect/${input.connectorName}.json <<'JSON'
${connector}
JSON
id -u kafka-connect > /dev/null 2>&1 || useradd --system --no-create-home --shell /sbin/nologin kafka-connect
install -d -o kafka-connect -m 750 /var/log/kafka-connect

cat > /etc/systemd/system/kafka-connect.service <<'UNIT'
[Unit]
Description=Kafka Connect worker running the S3 sink, MSK IAM authentication
Wants=network-online.target
After=network-online.target
StartLimitIntervalSec=0

[Service]
User=kafka-connect
ExecStart=/usr/bin/java -Xms256m -Xmx${budget.connectHeap}m -Dlog4j.configuration=file:/etc/kafka-connect/log4j.properties -cp ${CONNECT_HOME}/libs/* org.apache.kafka.connect.cli.ConnectDistributed /etc/kafka-connect/worker.properties
MemoryMax=${CONNECT_MEMORY_MAX_MIB}M
${SYSTEMD_SERVICE_TAIL}systemctl enable --now kafka-connect.service

echo "== connector ${input.connectorName}: created or updated through ${api}"
deadline=$(( $(date +%s) + ${CONNECTOR_DEPLOY_SECONDS} ))
until curl -sf -o /dev/null --max-time 30 -X PUT -H 'Content-Type: application/json' \\
  --data-binary @/etc/kafka-connect/${input.connectorName}.json \\
  ${api}/connectors/${input.connectorName}/config; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "the worker did not accept ${input.connectorName} in ${CONNECTOR_DEPLOY_SECONDS} s; see journalctl -u kafka-connect and /var/log/kafka-connect/connect.log" >&2
    exit 1
  fi
  sleep 10
done
echo "== done: S3 sink ${input.connectorName} on the Kafka Connect worker (${api})"
`;
}
