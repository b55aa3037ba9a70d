// The Kafka client machine's cloud-init script, as a pure function of plain values so that tests
// render it, run `bash -n` and shellcheck on it, and resolve the very Maven files it names.

/**
 * Everything the client installs, pinned in one place. The Maven coordinates were resolved from
 * Maven Central with `mvn dependency:get`; the Maven checksum is Maven Central's published SHA-512.
 */
export const KAFKA_CLIENT_VERSIONS = {
  /** `org.apache.kafka:kafka-tools` (the CLI's `TopicCommand`), the client line of MSK 3.9.x. */
  kafka: "3.9.1",
  /** `software.amazon.msk:aws-msk-iam-auth`: SASL mechanism `AWS_MSK_IAM` for Java clients. */
  mskIamAuth: "2.3.9",
  /** `org.apache.maven:apache-maven:<v>:tar.gz:bin`, used once at boot to fetch the two above. */
  maven: "3.9.11",
  mavenSha512:
    "bcfe4fe305c962ace56ac7b5fc7a08b87d5abd8b7e89027ab251069faebee516" +
    "b0ded8961445d6d91ec1985dfe30f8153268843c89aa392733d1a3ec956c9978",
  /** Confluent Platform line whose RPM repository serves `confluent-kafka-rest` (REST API v2). */
  confluentPlatform: "7.9",
  /** The JVM, from the Amazon Linux 2023 repositories (reachable through the S3 endpoint). */
  javaPackage: "java-17-amazon-corretto-headless",
} as const;

export type KafkaClientVersions = typeof KAFKA_CLIENT_VERSIONS;

/** The port the course's API Gateway integration and emulator expect the REST proxy on. */
export const REST_PROXY_PORT = 8082;

export const MAVEN_CENTRAL = "https://repo1.maven.org/maven2";

/** A Maven coordinate with optional exclusions (`groupId:artifactId`, `*` allowed). */
export interface MavenDependency {
  readonly groupId: string;
  readonly artifactId: string;
  readonly version: string;
  readonly exclusions?: string[];
}

/** A POM whose only job is `mvn dependency:copy-dependencies`: the listed jars and their runtime closure. */
export function mavenFetchPom(artifactId: string, dependencies: MavenDependency[]): string {
  const dependencyXml = dependencies.map((d) => {
    const exclusions = (d.exclusions ?? []).map((e) => {
      const [groupId, artifact] = e.split(":");
      return `        <exclusion><groupId>${groupId}</groupId><artifactId>${artifact}</artifactId></exclusion>`;
    });
    return [
      "    <dependency>",
      `      <groupId>${d.groupId}</groupId>`,
      `      <artifactId>${d.artifactId}</artifactId>`,
      `      <version>${d.version}</version>`,
      ...(exclusions.length ? ["      <exclusions>", ...exclusions, "      </exclusions>"] : []),
      "    </dependency>",
    ].join("\n");
  });
  return [
    '<project xmlns="http://maven.apache.org/POM/4.0.0">',
    "  <modelVersion>4.0.0</modelVersion>",
    "  <groupId>pinterest-pipeline.kafka-client</groupId>",
    `  <artifactId>${artifactId}</artifactId>`,
    "  <version>1</version>",
    "  <packaging>pom</packaging>",
    "  <dependencies>",
    ...dependencyXml,
    "  </dependencies>",
    "</project>",
    "",
  ].join("\n");
}

/**
 * The two library sets the client resolves: the Kafka CLI with the IAM mechanism, and the IAM
 * mechanism alone for the REST proxy's classpath (without the Jackson and SLF4J it already ships).
 */
export function kafkaClientPoms(versions: KafkaClientVersions = KAFKA_CLIENT_VERSIONS) {
  const iamAuth = {
    groupId: "software.amazon.msk",
    artifactId: "aws-msk-iam-auth",
    version: versions.mskIamAuth,
  };
  return {
    cli: mavenFetchPom("kafka-cli", [
      { groupId: "org.apache.kafka", artifactId: "kafka-tools", version: versions.kafka },
      iamAuth,
    ]),
    iamAuth: mavenFetchPom("msk-iam-auth", [
      { ...iamAuth, exclusions: ["com.fasterxml.jackson.core:*", "org.slf4j:*"] },
    ]),
  };
}

/** Values the script is rendered from. */
export interface KafkaClientUserDataInput {
  /** The stack's prefix; names the REST proxy instance. */
  readonly prefix: string;
  /**
   * Topics `ensure-topics <partitions>` creates or grows. The partition count is not part of the
   * script: it comes from a Systems Manager association, so changing it never replaces the machine.
   */
  readonly topics: string[];
  /** The cluster's SASL/IAM bootstrap brokers (`host:9098,...`). */
  readonly bootstrapBrokers: string;
  /** Replicas of each created topic (at most the broker count). */
  readonly replicationFactor: number;
  /** Port of the REST proxy. @default 8082 */
  readonly restProxyPort?: number;
  /** What to install. @default KAFKA_CLIENT_VERSIONS */
  readonly versions?: KafkaClientVersions;
}

const SAFE = {
  prefix: /^[a-z][a-z0-9-]*$/,
  topic: /^[A-Za-z0-9._-]+$/,
  brokers: /^[A-Za-z0-9.-]+:\d+(,[A-Za-z0-9.-]+:\d+)*$/,
};

/** Rejects values that could break out of the script's quoting (they all come from AWS or config). */
export function validateKafkaClientUserDataInput(input: KafkaClientUserDataInput): void {
  if (!SAFE.prefix.test(input.prefix)) {
    throw new Error(`Kafka client user data: prefix "${input.prefix}" is not [a-z][a-z0-9-]*.`);
  }
  const bad = input.topics.find((t) => !SAFE.topic.test(t));
  if (bad !== undefined || input.topics.length === 0) {
    throw new Error(`Kafka client user data: topic "${bad ?? ""}" is not a Kafka topic name.`);
  }
  if (!SAFE.brokers.test(input.bootstrapBrokers)) {
    throw new Error(
      `Kafka client user data: bootstrap brokers "${input.bootstrapBrokers}" are not host:port,...`,
    );
  }
  const value = input.replicationFactor;
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(
      `Kafka client user data: replicationFactor ${value} must be a positive whole number.`,
    );
  }
}

/**
 * The end of each service unit the script writes, and its reload: restarted on failure without a
 * start limit, no privilege escalation, private /tmp, read-only /usr and /boot, no /home.
 */
export const SYSTEMD_SERVICE_TAIL = `Restart=on-failure
RestartSec=10
NoNewPrivileges=true
PrivateTmp=true
ProtectSystem=full
ProtectHome=true

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
`;

/** Where the boot script installs the topic tool the association runs. */
export const ENSURE_TOPICS = "/usr/local/bin/ensure-topics";

/** Seconds the association waits for the boot script to have installed {@link ENSURE_TOPICS}. */
export const BOOT_WAIT_SECONDS = 1800;

/**
 * The command the Systems Manager association runs on the machine (AWS-RunShellScript): wait for
 * the boot script's topic tool, with a deadline that names what it waited for, then create missing
 * topics and grow existing ones to `partitions`. It fails (and so does `pulumi up`, which waits for
 * the association) when a topic has more partitions: Kafka can add partitions, never remove them
 * (https://kafka.apache.org/documentation/#basic_ops_modify_topic).
 */
export function ensureTopicsCommand(partitions: number): string {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new Error(`Kafka topics: partitions ${partitions} must be a positive whole number.`);
  }
  return [
    `deadline=$(( $(date +%s) + ${BOOT_WAIT_SECONDS} ))`,
    `until [ -x ${ENSURE_TOPICS} ]; do`,
    `  if [ "$(date +%s)" -ge "$deadline" ]; then`,
    `    echo "${ENSURE_TOPICS} not installed after ${BOOT_WAIT_SECONDS} s: the boot script failed; see /var/log/kafka-client-setup.log" >&2`,
    "    exit 1",
    "  fi",
    "  sleep 10",
    "done",
    `${ENSURE_TOPICS} ${partitions}`,
  ].join("\n");
}

/** SASL/IAM settings shared by the CLI (bare) and the REST proxy (`client.`-prefixed). */
export function mskIamClientProperties(keyPrefix = ""): string {
  return [
    `${keyPrefix}security.protocol=SASL_SSL`,
    `${keyPrefix}sasl.mechanism=AWS_MSK_IAM`,
    `${keyPrefix}sasl.jaas.config=software.amazon.msk.auth.iam.IAMLoginModule required;`,
    `${keyPrefix}sasl.client.callback.handler.class=software.amazon.msk.auth.iam.IAMClientCallbackHandler`,
  ].join("\n");
}

/**
 * `ensure-topics <partitions>`: creates missing topics with that many partitions, grows smaller
 * ones with `--alter`, and refuses to shrink (Kafka cannot remove partitions). Reads the brokers and
 * the SASL/IAM client settings the boot script wrote to /etc/profile.d/kafka-client.sh.
 */
export function ensureTopicsScript(
  topics: string[],
  replicationFactor: number,
  paths: { kafkaTopics?: string; profile?: string } = {},
): string {
  const kafkaTopics = paths.kafkaTopics ?? "/usr/local/bin/kafka-topics";
  return [
    "#!/bin/bash",
    "set -euo pipefail",
    "# shellcheck disable=SC1091",
    `source ${paths.profile ?? "/etc/profile.d/kafka-client.sh"}`,
    `readonly TOPICS=(${topics.map((t) => `'${t}'`).join(" ")})`,
    'readonly PARTITIONS="${1:?usage: ensure-topics <partitions>}"',
    "topics() {",
    "  local attempt",
    "  for attempt in 1 2 3 4 5; do",
    `    if ${kafkaTopics} --bootstrap-server "$BOOTSTRAP_SERVERS" \\`,
    '      --command-config "$KAFKA_CLIENT_CONFIG" "$@"; then return 0; fi',
    '    echo "kafka-topics $* failed (attempt $attempt); retrying in 30 s" >&2',
    "    sleep 30",
    "  done",
    "  return 1",
    "}",
    "existing=$(topics --list)",
    'for topic in "${TOPICS[@]}"; do',
    '  if ! grep -qx "$topic" <<<"$existing"; then',
    '    topics --create --if-not-exists --topic "$topic" --partitions "$PARTITIONS" \\',
    `      --replication-factor ${replicationFactor}`,
    "    continue",
    "  fi",
    "  current=$(topics --describe --topic \"$topic\" | sed -n 's/.*PartitionCount: *\\([0-9]*\\).*/\\1/p' | head -n 1)",
    '  if [ "$current" -lt "$PARTITIONS" ]; then',
    '    topics --alter --topic "$topic" --partitions "$PARTITIONS"',
    '  elif [ "$current" -gt "$PARTITIONS" ]; then',
    '    echo "topic $topic has $current partitions; Kafka cannot reduce them to $PARTITIONS" >&2',
    "    exit 1",
    "  fi",
    "done",
    'echo "topics ${TOPICS[*]}: $PARTITIONS partitions each"',
    "",
  ].join("\n");
}

/**
 * The cloud-init shell script: installs a JVM, Maven, the Kafka CLI and the MSK IAM library,
 * installs `ensure-topics` (run by the stack's association, see {@link ensureTopicsCommand}), and runs the Confluent REST proxy (API v2) on the given port as
 * a systemd service authenticated by the instance role. No secret: IAM auth needs none.
 * The script names this file by its path before components/ was grouped by service: any change
 * to the text replaces the client machine of every deployed stack, so it stays as it was.
 */
export function kafkaClientUserData(input: KafkaClientUserDataInput): string {
  validateKafkaClientUserDataInput(input);
  const v = input.versions ?? KAFKA_CLIENT_VERSIONS;
  const port = input.restProxyPort ?? REST_PROXY_PORT;
  const poms = kafkaClientPoms(v);
  const home = "/opt/kafka-client";
  return `#!/bin/bash
# Kafka client of ${input.prefix}: Kafka CLI ${v.kafka}, MSK IAM auth ${v.mskIamAuth}, topics, and the
# Confluent REST proxy ${v.confluentPlatform} on ${port}. Rendered by components/kafkaClientUserData.ts.
# Needs HTTPS egress to Maven Central and packages.confluent.io (a NAT gateway). Nothing here is
# confidential: the instance role is the only credential.
set -euo pipefail
exec > >(tee -a /var/log/kafka-client-setup.log) 2>&1

readonly BOOTSTRAP_SERVERS='${input.bootstrapBrokers}'
readonly MAVEN_VERSION='${v.maven}'
readonly MAVEN_SHA512='${v.mavenSha512}'
readonly CONFLUENT_VERSION='${v.confluentPlatform}'
readonly HOME_DIR='${home}'

# Retries a command (package mirrors, Maven Central, a cluster still granting IAM): 10 x 30 s.
retry() {
  local attempt
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    if "$@"; then return 0; fi
    echo "attempt $attempt failed: $*; retrying in 30 s"
    sleep 30
  done
  return 1
}

echo "== JVM"
retry dnf install -y '${v.javaPackage}'

echo "== Maven $MAVEN_VERSION from Maven Central, checked against its SHA-512"
if [ ! -x /opt/maven/bin/mvn ]; then
  archive=$(mktemp)
  retry curl -fsSL -o "$archive" \\
    "${MAVEN_CENTRAL}/org/apache/maven/apache-maven/$MAVEN_VERSION/apache-maven-$MAVEN_VERSION-bin.tar.gz"
  echo "$MAVEN_SHA512  $archive" | sha512sum -c -
  mkdir -p /opt/maven
  tar -xzf "$archive" -C /opt/maven --strip-components=1
  rm -f "$archive"
fi

echo "== Kafka CLI and MSK IAM auth libraries (Maven verifies every checksum: -C)"
mkdir -p "$HOME_DIR"
cat > "$HOME_DIR/cli-pom.xml" <<'POM'
${poms.cli}POM
cat > "$HOME_DIR/iam-pom.xml" <<'POM'
${poms.iamAuth}POM
fetch_libs() {
  retry /opt/maven/bin/mvn -B -q -C -f "$1" -Dmaven.repo.local="$HOME_DIR/m2" \\
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$2"
}
fetch_libs "$HOME_DIR/cli-pom.xml" "$HOME_DIR/cli-libs"
fetch_libs "$HOME_DIR/iam-pom.xml" "$HOME_DIR/iam-libs"

cat > "$HOME_DIR/client.properties" <<'PROPERTIES'
${mskIamClientProperties()}
PROPERTIES
cat > /usr/local/bin/kafka-topics <<'SCRIPT'
#!/bin/bash
exec java -cp '${home}/cli-libs/*' org.apache.kafka.tools.TopicCommand "$@"
SCRIPT
chmod 755 /usr/local/bin/kafka-topics
cat > /etc/profile.d/kafka-client.sh <<PROFILE
export BOOTSTRAP_SERVERS='$BOOTSTRAP_SERVERS'
export KAFKA_CLIENT_CONFIG='$HOME_DIR/client.properties'
PROFILE

echo "== ${ENSURE_TOPICS}: topics created or grown by the stack's Systems Manager association"
cat > ${ENSURE_TOPICS} <<'SCRIPT'
${ensureTopicsScript(input.topics, input.replicationFactor)}SCRIPT
chmod 755 ${ENSURE_TOPICS}

echo "== Confluent REST proxy $CONFLUENT_VERSION (signed RPM from Confluent's repository)"
cat > /etc/yum.repos.d/confluent.repo <<REPO
[confluent]
name=Confluent Platform $CONFLUENT_VERSION
baseurl=https://packages.confluent.io/rpm/$CONFLUENT_VERSION
gpgcheck=1
gpgkey=https://packages.confluent.io/rpm/$CONFLUENT_VERSION/archive.key
enabled=1
REPO
retry dnf install -y confluent-kafka-rest
id -u kafka-rest > /dev/null 2>&1 || useradd --system --no-create-home --shell /sbin/nologin kafka-rest
install -d -o kafka-rest -m 750 /var/log/kafka-rest
cat > /etc/kafka-rest/pipeline.properties <<PROPERTIES
id=${input.prefix}-rest-proxy
listeners=http://0.0.0.0:${port}
bootstrap.servers=$BOOTSTRAP_SERVERS
${mskIamClientProperties("client.")}
PROPERTIES

cat > /etc/systemd/system/kafka-rest-proxy.service <<'UNIT'
[Unit]
Description=Kafka REST proxy (API v2) for MSK with IAM authentication
Wants=network-online.target
After=network-online.target
StartLimitIntervalSec=0

[Service]
User=kafka-rest
Environment="CLASSPATH=${home}/iam-libs/*"
Environment="KAFKAREST_HEAP_OPTS=-Xms256m -Xmx512m"
Environment="LOG_DIR=/var/log/kafka-rest"
ExecStart=/usr/bin/kafka-rest-start /etc/kafka-rest/pipeline.properties
${SYSTEMD_SERVICE_TAIL}systemctl enable --now kafka-rest-proxy.service
echo "== done: REST proxy on port ${port}"
`;
}
