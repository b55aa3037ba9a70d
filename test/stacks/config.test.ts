import { expect } from "chai";
import { parseStackConfig } from "../../stacks/config";

describe("stack config", () => {
  it("fills every default from a prefix alone", () => {
    expect(parseStackConfig({ prefix: "pin-dev" })).to.deep.equal({
      prefix: "pin-dev",
      logRetentionDays: 30,
      allowDataLoss: false,
      paused: false,
      tags: { pipeline: "pin-dev" },
      network: { cidrBlock: "10.0.0.0/16", natGateways: "none", flowLogs: false },
      sourceDatabase: {
        enabled: true,
        instanceClass: "db.t4g.micro",
        allocatedStorageGb: 20,
        engineVersion: "8.4",
        backupRetentionDays: 7,
        multiAz: false,
        deletionProtection: false,
        allowedCidrs: [],
        applyImmediately: true,
      },
      manageApiGatewayAccount: true,
      kafka: {
        enabled: false,
        brokerCount: 2,
        brokerInstanceType: "kafka.t3.small",
        brokerStorageGb: 20,
        kafkaVersion: "3.9.x",
        topicPartitions: 3,
        clientInstanceType: "t3.small",
        connectorPlugin: "confluent",
        connectorPluginPath: ".local/plugins/confluentinc-kafka-connect-s3.zip",
        connectorFlushSize: 500,
        connectorMcuCount: 1,
        connectorWorkerCount: 1,
        rawDataExpirationDays: undefined,
      },
      streamPath: {
        enabled: false,
        capacityMode: "PROVISIONED",
        shardCount: 1,
        retentionHours: 24,
        streamAdminRoutes: false,
        throttlingRateLimit: 50,
        throttlingBurstLimit: 100,
        quotaPerDay: 1_000_000,
        alarmTopicArn: undefined,
      },
      databricks: {
        enabled: false,
        storageRoute: "unityCatalog",
        sparkVersion: "17.3.x-scala2.13",
        autoterminationMinutes: 15,
        batchSchedulePaused: true,
        streamingPaused: true,
        streamingMode: "scheduled",
        streamingIntervalMinutes: 60,
        batchScheduleCron: "0 0 2 * * ?",
        batchScheduleTimezone: "UTC",
        failureEmails: [],
        crossAccountRoleName: undefined,
        unityCatalog: undefined,
        dashboard: false,
        dashboardWarehouseName: undefined,
        dashboardAutoStopMinutes: 10,
      },
      mwaa: { enabled: false, environmentClass: "mw1.small", publicWebserver: false },
    });
  });

  const combinations: [string, Record<string, unknown>, string][] = [
    [
      "Kafka without a NAT",
      { kafka: { enabled: true } },
      "enables kafka, whose machines download packages",
    ],
    [
      "MWAA without a NAT",
      {
        network: { natGateways: "none" },
        kafka: { enabled: true },
        databricks: { enabled: true },
        mwaa: { enabled: true },
      },
      "enables kafka and mwaa",
    ],
    [
      "Databricks without the batch path",
      { databricks: { enabled: true } },
      'reads the raw bucket of the Kafka batch path, but "kafka.enabled" is false',
    ],
    [
      "Unity Catalog (the default route) without a catalog",
      {
        network: { natGateways: "single" },
        kafka: { enabled: true },
        databricks: { enabled: true },
      },
      '"databricks.storageRoute" is "unityCatalog" (the default) but "databricks.unityCatalog" { catalog } is missing',
    ],
    [
      // Review M3: the external id is the storage credential's, not a configured one.
      "the retired Unity Catalog accountId",
      { databricks: { unityCatalog: { catalog: "main", accountId: "acc-1" } } },
      '"pinterest-pipeline:databricks.unityCatalog.accountId" is "acc-1"; expected no value',
    ],
    [
      // Review B1: the instance profile registers only if the cross-account role may pass the
      // data role (provider doc of databricks.InstanceProfile: an EC2 RunInstances dry run).
      "the mount route without the workspace's cross-account role",
      {
        network: { natGateways: "single" },
        kafka: { enabled: true },
        databricks: { enabled: true, storageRoute: "mount" },
      },
      '"databricks.storageRoute" is "mount" but "databricks.crossAccountRoleName" is missing',
    ],
    [
      // Review m2: a continuous job with no stream to read restarts forever.
      "an unpaused streaming job without streams",
      {
        network: { natGateways: "single" },
        kafka: { enabled: true },
        databricks: { enabled: true, unityCatalog: { catalog: "main" }, streamingPaused: false },
      },
      '"databricks.streamingPaused" is false but "streamPath.enabled" is false: there are no streams to run the streaming job on. ' +
        "Set streamPath.enabled to true, or streamingPaused to true.",
    ],
    [
      // A continuous job has no schedule: an interval beside it would be silently ignored.
      "an interval beside a continuous streaming job",
      { databricks: { streamingMode: "continuous", streamingIntervalMinutes: 30 } },
      'Stack config "databricks.streamingIntervalMinutes" is set but "databricks.streamingMode" is "continuous", ' +
        'which runs without a schedule: remove streamingIntervalMinutes, or set streamingMode to "scheduled".',
    ],
    [
      // Review m9: the DAG and the job's own schedule would both start the batch job at 02:00.
      "MWAA beside the batch job's own running schedule",
      {
        network: { natGateways: "single" },
        kafka: { enabled: true },
        databricks: {
          enabled: true,
          unityCatalog: { catalog: "main" },
          batchSchedulePaused: false,
        },
        mwaa: { enabled: true },
      },
      '"databricks.batchSchedulePaused" is false: two schedulers would start it at once',
    ],
    [
      "MWAA without Databricks",
      { network: { natGateways: "single" }, mwaa: { enabled: true } },
      "enables mwaa, whose DAG triggers the Databricks batch job",
    ],
    [
      "a dashboard without Databricks",
      { databricks: { dashboard: true } },
      '"databricks.dashboard" is true but "databricks.enabled" is false',
    ],
  ];
  for (const [label, raw, message] of combinations) {
    it(`rejects ${label}`, () => {
      expect(() => parseStackConfig({ prefix: "pin", ...raw })).to.throw(message);
    });
  }

  it("looks for Aiven's zip when Aiven's sink is chosen, unless a path is given", () => {
    const aiven = parseStackConfig({ prefix: "pin", kafka: { connectorPlugin: "aiven" } });
    expect(aiven.kafka.connectorPlugin).to.equal("aiven");
    expect(aiven.kafka.connectorPluginPath).to.equal(
      ".local/plugins/aiven-s3-connector-for-apache-kafka.zip",
    );
    const given = parseStackConfig({
      prefix: "pin",
      kafka: { connectorPlugin: "aiven", connectorPluginPath: "plugins/s3.zip" },
    });
    expect(given.kafka.connectorPluginPath).to.equal("plugins/s3.zip");
  });

  const bad: [string, Record<string, unknown>, string][] = [
    [
      "a missing prefix",
      {},
      'Stack config "pinterest-pipeline:prefix" is undefined; expected 3–20',
    ],
    ["an upper-case prefix", { prefix: "Pin-Dev" }, '"pinterest-pipeline:prefix" is "Pin-Dev"'],
    ["a prefix ending in '-'", { prefix: "pin-" }, '"pinterest-pipeline:prefix" is "pin-"'],
    [
      "a retention CloudWatch refuses",
      { prefix: "pin", logRetentionDays: 10 },
      '"pinterest-pipeline:logRetentionDays" is 10; expected one of 1, 3, 5',
    ],
    [
      "a NAT mode that does not exist",
      { prefix: "pin", network: { natGateways: "two" } },
      '"pinterest-pipeline:network.natGateways" is "two"',
    ],
    [
      "MySQL 5.7",
      { prefix: "pin", sourceDatabase: { engineVersion: "5.7" } },
      '"pinterest-pipeline:sourceDatabase.engineVersion" is "5.7"',
    ],
    [
      "2 days of backups",
      { prefix: "pin", sourceDatabase: { backupRetentionDays: 2 } },
      "is 2; expected a whole number from 7 to 35",
    ],
    [
      "a sink plugin the connector cannot be configured for",
      { prefix: "pin", kafka: { connectorPlugin: "lenses" } },
      '"pinterest-pipeline:kafka.connectorPlugin" is "lenses"; expected a string matching /^(confluent|aiven)$/',
    ],
    [
      "a string for a switch",
      { prefix: "pin", allowDataLoss: "yes" },
      '"pinterest-pipeline:allowDataLoss" is "yes"; expected true or false',
    ],
    [
      "a list for a section",
      { prefix: "pin", network: [] },
      '"pinterest-pipeline:network" is []; expected an object',
    ],
    [
      "a CIDR string instead of a list",
      { prefix: "pin", sourceDatabase: { allowedCidrs: "1.2.3.4/32" } },
      "expected a list of CIDR strings",
    ],
    [
      // Review row 19: one pinned runtime, with a row of its Spark and Delta versions
      // (components/databricks/databricksRuntime.ts), not whatever the workspace offers.
      "a runtime the stack has no Spark and Delta versions for",
      { prefix: "pin", databricks: { sparkVersion: "18.3.x-scala2.13" } },
      '"pinterest-pipeline:databricks.sparkVersion" is "18.3.x-scala2.13"; expected a string matching /^(17\\.3\\.x-scala2\\.13)$/',
    ],
    [
      "a streaming mode that does not exist",
      { prefix: "pin", databricks: { streamingMode: "triggered" } },
      '"pinterest-pipeline:databricks.streamingMode" is "triggered"; expected a string matching /^(scheduled|continuous)$/',
    ],
    [
      "a streaming interval that does not divide an hour or a day",
      { prefix: "pin", databricks: { streamingIntervalMinutes: 45 } },
      '"pinterest-pipeline:databricks.streamingIntervalMinutes" is 45; expected one of 15, 20, 30, 60, 120, 180, 240, 360',
    ],
    [
      "a dashboard warehouse that never stops",
      { prefix: "pin", databricks: { dashboardAutoStopMinutes: 0 } },
      '"pinterest-pipeline:databricks.dashboardAutoStopMinutes" is 0; expected a whole number from 5 to 120',
    ],
  ];
  for (const [label, raw, message] of bad) {
    it(`rejects ${label} with a message naming the key and value`, () => {
      expect(() => parseStackConfig(raw)).to.throw(message);
    });
  }

  it("names the command that sets only the bad key, with --path for a key inside a section", () => {
    expect(() => parseStackConfig({ prefix: "pin", kafka: { brokerCount: 3.5 } })).to.throw(
      'Stack config "pinterest-pipeline:kafka.brokerCount" is 3.5; expected a whole number from 2 to 30. ' +
        "Fix it with: pulumi config set --path pinterest-pipeline:kafka.brokerCount <value>",
    );
    expect(() => parseStackConfig({ prefix: "pin", allowDataLoss: "yes" })).to.throw(
      "Fix it with: pulumi config set pinterest-pipeline:allowDataLoss <value>",
    );
    expect(() =>
      parseStackConfig({ prefix: "pin", databricks: { unityCatalog: { catalog: "a-b" } } }),
    ).to.throw(
      "pulumi config set --path pinterest-pipeline:databricks.unityCatalog.catalog <value>",
    );
  });
});
