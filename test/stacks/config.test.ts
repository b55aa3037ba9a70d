import { expect } from "chai";
import { isTimeZoneId, quartzCronProblem } from "../../components/databricks/jobSchedule";
import { databricksLoginKind, parseStackConfig } from "../../stacks/config";
import { ConfigSecret, projectConfig } from "../../stacks/configReader";

/** Databricks on, its daily batch schedule running. */
const RUNNING_BATCH = {
  network: { natGateways: "single" },
  kafka: { enabled: true },
  databricks: { enabled: true, unityCatalog: { catalog: "main" }, batchSchedulePaused: false },
};

describe("stack config", () => {
  it("fills every default from a prefix alone", () => {
    expect(parseStackConfig({ prefix: "pin-dev" })).to.deep.equal({
      prefix: "pin-dev",
      logRetentionDays: 30,
      allowDataLoss: false,
      paused: false,
      protect: false,
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
        clientInstanceCount: 1,
        sinkRunner: "mskconnect",
        connectorPlugin: "confluent",
        connectorPluginPath: ".local/plugins/confluentinc-kafka-connect-s3-12.1.16.zip",
        connectorPluginSha256: undefined,
        connectorFlushSize: 500,
        connectorMcuCount: 1,
        connectorWorkerCount: 1,
        rawDataExpirationDays: undefined,
        apiThrottlingRateLimit: 50,
        apiThrottlingBurstLimit: 100,
        apiQuotaPerDay: 1_000_000,
        messageRetentionHours: 168,
        connectorTasksMax: 3,
        connectorRotateIntervalMs: 60_000,
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
        runAsApplicationId: undefined,
        readersGroup: undefined,
        crossAccountRoleName: undefined,
        unityCatalog: undefined,
        dashboard: false,
        dashboardWarehouseName: undefined,
        dashboardAutoStopMinutes: 10,
        batchNodeType: undefined,
        batchWorkers: 0,
        batchTimeoutSeconds: 3600,
        streamingNodeType: undefined,
        streamingWorkers: 0,
        streamingTimeoutSeconds: 3600,
      },
      mwaa: { enabled: false, environmentClass: "mw1.small", publicWebserver: false },
      alerts: { emails: [] },
    });
  });

  const combinations: [string, Record<string, unknown>, string][] = [
    // t3.micro has 1 GiB (https://aws.amazon.com/ec2/instance-types/t3/); the proxy and the worker
    // are budgeted for 2 (components/kafka/kafkaClientConnect.ts).
    [
      "the client sink runner on a 1 GiB machine",
      { kafka: { sinkRunner: "client", clientInstanceType: "t3.micro" } },
      '"kafka.clientInstanceType" is "t3.micro" but "kafka.sinkRunner" is "client": the REST proxy and the sink\'s Kafka Connect worker need 2 GiB',
    ],
    [
      "MSK Connect's capacity beside the client sink runner",
      { kafka: { sinkRunner: "client", connectorMcuCount: 2 } },
      '"kafka.connectorMcuCount" is set but "kafka.sinkRunner" is "client", which runs no MSK Connect workers: remove connectorMcuCount',
    ],
    ["a sink runner no code knows", { kafka: { sinkRunner: "fargate" } }, "kafka.sinkRunner"],
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
        ...RUNNING_BATCH,
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

  it("takes a NAT instance as the NAT Kafka needs, and names every mode when refusing one", () => {
    const parsed = parseStackConfig({
      prefix: "pin",
      network: { natGateways: "instance" },
      kafka: { enabled: true },
    });
    expect(parsed.network.natGateways).to.equal("instance");
    expect(() => parseStackConfig({ prefix: "pin", network: { natGateways: "gateway" } })).to.throw(
      /natGateways.*"gateway".*none.*single.*perAz.*instance/,
    );
    expect(() => parseStackConfig({ prefix: "pin", kafka: { enabled: true } })).to.throw(
      'Set it to "single" ($38.69/month in eu-west-1 with its address) or "instance" (a t4g.nano NAT instance, $7.71)',
    );
  });

  it("looks for the pinned release of the chosen sink, unless a path is given", () => {
    const aiven = parseStackConfig({ prefix: "pin", kafka: { connectorPlugin: "aiven" } });
    expect(aiven.kafka.connectorPlugin).to.equal("aiven");
    expect(aiven.kafka.connectorPluginPath).to.equal(
      ".local/plugins/s3-sink-connector-for-apache-kafka-3.4.3.zip",
    );
    const given = parseStackConfig({
      prefix: "pin",
      kafka: { connectorPlugin: "aiven", connectorPluginPath: "plugins/s3.zip" },
    });
    expect(given.kafka.connectorPluginPath).to.equal("plugins/s3.zip");
  });

  // One row per class of mistake, with the whole message: the key, the value as it arrived, what
  // fits in words (no regular expression), and the command that fixes only that key. A probe id
  // names the row of the newcomer probe (shared/reviews/newcomer-probe-2026-12b.md) it answers;
  // the retired accountId is review M3's (the external id is the storage credential's).
  const NS = "pinterest-pipeline";
  const fix = "Fix it with:";
  const mistakes: [string, Record<string, unknown>, string][] = [
    [
      "a misspelt section (C07, Y04)",
      { kafak: { enabled: false } },
      `Stack config "${NS}:kafak" is not a key this program reads: did you mean "${NS}:kafka"? ${fix} pulumi config rm ${NS}:kafak`,
    ],
    [
      "a misspelt key of a section (C06)",
      { kafka: { brokerCont: 4 } },
      `Stack config "${NS}:kafka.brokerCont" is not a key this program reads: did you mean "${NS}:kafka.brokerCount"? ${fix} pulumi config rm --path ${NS}:kafka.brokerCont`,
    ],
    [
      "a misspelt key two sections deep",
      { databricks: { unityCatalog: { catalog: "main", shema: "x" } } },
      `Stack config "${NS}:databricks.unityCatalog.shema" is not a key this program reads: did you mean "${NS}:databricks.unityCatalog.schema"? ${fix} pulumi config rm --path ${NS}:databricks.unityCatalog.shema`,
    ],
    [
      "a key no reader knows, with nothing near it",
      { mwaa: { colour: "blue" } },
      `Stack config "${NS}:mwaa.colour" is not a key this program reads: the keys of mwaa are enabled, environmentClass, publicWebserver (docs/configuration.md) ${fix} pulumi config rm --path ${NS}:mwaa.colour`,
    ],
    [
      "a key of a section set without --path, so its name holds a dot (Y05)",
      { "kafka.brokerCount": 4 },
      `Stack config "${NS}:kafka.brokerCount" is one key whose name holds a dot, not brokerCount inside kafka (it was set without --path). ${fix} pulumi config rm ${NS}:kafka.brokerCount && pulumi config set --path ${NS}:kafka.brokerCount 4`,
    ],
    [
      "a retired key, which is removed, not set (Y24, D3c)",
      { databricks: { unityCatalog: { catalog: "main", accountId: "acc-1" } } },
      `Stack config "${NS}:databricks.unityCatalog.accountId" is the text "acc-1"; expected no value: the external id now comes from the storage credential the stack creates. ${fix} pulumi config rm --path ${NS}:databricks.unityCatalog.accountId`,
    ],
    [
      "text where a whole number belongs (Y03)",
      { kafka: { brokerCount: "4" } },
      `Stack config "${NS}:kafka.brokerCount" is the text "4"; expected a whole number from 2 to 30, a multiple of 2 (MSK puts as many brokers in each of the 2 zones). ${fix} pulumi config set --path ${NS}:kafka.brokerCount <value>`,
    ],
    [
      "a count the zones do not divide (C04, Y01)",
      { kafka: { brokerCount: 3 } },
      `Stack config "${NS}:kafka.brokerCount" is 3; expected a whole number from 2 to 30, a multiple of 2 (MSK puts as many brokers in each of the 2 zones). ${fix} pulumi config set --path ${NS}:kafka.brokerCount <value>`,
    ],
    [
      "a fraction --path stored as text, which needs --type float (Y27, D3a)",
      { streamPath: { throttlingRateLimit: "12.5" } },
      `Stack config "${NS}:streamPath.throttlingRateLimit" is the text "12.5"; expected a number above 0 and at most 10000. ${fix} pulumi config set --path ${NS}:streamPath.throttlingRateLimit <value> --type float`,
    ],
    [
      "a tag --path stored as a number, which needs --type string (Y14, D3b)",
      { tags: { costCenter: 1234 } },
      `Stack config "${NS}:tags.costCenter" is 1234; expected a text. ${fix} pulumi config set --path ${NS}:tags.costCenter <value> --type string`,
    ],
    [
      "a plugin checksum that is not what sha256sum prints",
      { kafka: { connectorPluginSha256: "ABC" } },
      `Stack config "${NS}:kafka.connectorPluginSha256" is the text "ABC"; expected a SHA-256 as sha256sum prints it (64 lowercase hex digits). ${fix} pulumi config set --path ${NS}:kafka.connectorPluginSha256 <value> --type string`,
    ],
    [
      "a text for a switch (Y02)",
      { allowDataLoss: "yes" },
      `Stack config "${NS}:allowDataLoss" is the text "yes"; expected true or false. ${fix} pulumi config set ${NS}:allowDataLoss <value>`,
    ],
    [
      "a list for a section",
      { network: [] },
      `Stack config "${NS}:network" is []; expected an object of keys (set them one by one with --path). ${fix} pulumi config set ${NS}:network <value>`,
    ],
    [
      "a value below its range (Y18)",
      { streamPath: { retentionHours: 23 } },
      `Stack config "${NS}:streamPath.retentionHours" is 23; expected a whole number from 24 to 8760. ${fix} pulumi config set --path ${NS}:streamPath.retentionHours <value>`,
    ],
    [
      "a number outside its list (CloudWatch's retentions)",
      { logRetentionDays: 10 },
      `Stack config "${NS}:logRetentionDays" is 10; expected one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653. ${fix} pulumi config set ${NS}:logRetentionDays <value>`,
    ],
    [
      "a text outside its list, named in words (C19)",
      { mwaa: { environmentClass: "mw1.tiny" } },
      `Stack config "${NS}:mwaa.environmentClass" is the text "mw1.tiny"; expected one of mw1.micro, mw1.small, mw1.medium, mw1.large, mw1.xlarge, mw1.2xlarge. ${fix} pulumi config set --path ${NS}:mwaa.environmentClass <value> --type string`,
    ],
    [
      "a blank name, said in words (C18)",
      { databricks: { dashboardWarehouseName: "  " } },
      `Stack config "${NS}:databricks.dashboardWarehouseName" is the text "  "; expected a name that is not blank. ${fix} pulumi config set --path ${NS}:databricks.dashboardWarehouseName <value> --type string`,
    ],
    [
      "a schedule that is not a Quartz cron expression (Y20, D6)",
      { databricks: { batchScheduleCron: "every day at 2" } },
      `Stack config "${NS}:databricks.batchScheduleCron" is the text "every day at 2"; expected a Quartz cron expression such as "0 0 2 * * ?" (it has 4 fields; Quartz takes 6 or 7 (seconds minutes hours day-of-month month day-of-week [year])). ${fix} pulumi config set --path ${NS}:databricks.batchScheduleCron <value> --type string`,
    ],
    [
      "a Unix cron line, which sets both day fields",
      { databricks: { batchScheduleCron: "0 0 2 * * *" } },
      `Stack config "${NS}:databricks.batchScheduleCron" is the text "0 0 2 * * *"; expected a Quartz cron expression such as "0 0 2 * * ?" (exactly one of day-of-month and day-of-week must be "?"). ${fix} pulumi config set --path ${NS}:databricks.batchScheduleCron <value> --type string`,
    ],
    [
      "a time zone Java does not know (Y20, D7)",
      { databricks: { batchScheduleTimezone: "Mars/Olympus_Mons" } },
      `Stack config "${NS}:databricks.batchScheduleTimezone" is the text "Mars/Olympus_Mons"; expected a time zone id of the tz database, as Java knows it, e.g. "UTC" or "Europe/Dublin". ${fix} pulumi config set --path ${NS}:databricks.batchScheduleTimezone <value> --type string`,
    ],
    [
      "an entry of a list that is not an e-mail address (Y20)",
      { alerts: { emails: ["ops@example.com", "not an email"] } },
      `Stack config "${NS}:alerts.emails[1]" is the text "not an email"; expected an e-mail address such as "data-team@example.com". ${fix} pulumi config set --path ${NS}:alerts.emails[1] <value> --type string`,
    ],
    [
      // Issue 26: failures went to failureEmails, or to a topic passed by hand; now one list.
      "the retired failureEmails, naming the key that replaced it",
      { databricks: { failureEmails: ["ops@example.com"] } },
      `Stack config "${NS}:databricks.failureEmails" is ["ops@example.com"]; expected no value: every alarm and both jobs now notify the addresses of alerts.emails. ${fix} pulumi config rm --path ${NS}:databricks.failureEmails && pulumi config set --path ${NS}:alerts.emails[0] <value> --type string`,
    ],
    [
      "the retired streamPath.alarmTopicArn",
      { streamPath: { alarmTopicArn: "arn:aws:sns:eu-west-1:123456789012:ops" } },
      `Stack config "${NS}:streamPath.alarmTopicArn" is the text "arn:aws:sns:eu-west-1:123456789012:ops"; expected no value`,
    ],
    [
      // Issue 26 (Databricks review row 6): prod ran its daily job with nobody told of a failure.
      "an unpaused schedule with nobody to tell",
      RUNNING_BATCH,
      `Stack config runs jobs on a schedule (databricks.batchSchedulePaused false) but "${NS}:alerts.emails" is empty: a failed run would notify nobody. ${fix} pulumi config set --path ${NS}:alerts.emails[0] <address> --type string`,
    ],
    [
      "a run-as service principal that is not an application id",
      { databricks: { runAsApplicationId: "pin-jobs" } },
      `Stack config "${NS}:databricks.runAsApplicationId" is the text "pin-jobs"; expected a service principal's application id, a UUID`,
    ],
    [
      "a version MSK does not name (Y21)",
      { kafka: { kafkaVersion: "banana" } },
      `Stack config "${NS}:kafka.kafkaVersion" is the text "banana"; expected an MSK Kafka version such as "3.9.x" or "3.6.0". ${fix} pulumi config set --path ${NS}:kafka.kafkaVersion <value> --type string`,
    ],
    [
      "MySQL 5.7 (Y13)",
      { sourceDatabase: { engineVersion: "5.7" } },
      `Stack config "${NS}:sourceDatabase.engineVersion" is the text "5.7"; expected MySQL 8.x as RDS names it, e.g. "8.4" or "8.0.39". ${fix} pulumi config set --path ${NS}:sourceDatabase.engineVersion <value> --type string`,
    ],
    [
      "an instance type of no known shape (Y21)",
      { kafka: { clientInstanceType: "banana" } },
      `Stack config "${NS}:kafka.clientInstanceType" is the text "banana"; expected an EC2 instance type such as "t3.small". ${fix} pulumi config set --path ${NS}:kafka.clientInstanceType <value> --type string`,
    ],
    [
      "an RDS class of no known shape (Y22)",
      { sourceDatabase: { instanceClass: "db.banana" } },
      `Stack config "${NS}:sourceDatabase.instanceClass" is the text "db.banana"; expected an RDS instance class such as "db.t4g.micro". ${fix} pulumi config set --path ${NS}:sourceDatabase.instanceClass <value> --type string`,
    ],
    [
      "a VPC range wider than /16 (Y11)",
      { network: { cidrBlock: "10.0.0.0/8" } },
      `Stack config "${NS}:network.cidrBlock" is the text "10.0.0.0/8"; expected an IPv4 CIDR from /16 to /20 (e.g. "10.0.0.0/16"). ${fix} pulumi config set --path ${NS}:network.cidrBlock <value> --type string`,
    ],
    [
      "a VPC range that is no CIDR (Y30)",
      { network: { cidrBlock: "banana" } },
      `Stack config "${NS}:network.cidrBlock" is the text "banana"; expected an IPv4 CIDR from /16 to /20 (e.g. "10.0.0.0/16"). ${fix} pulumi config set --path ${NS}:network.cidrBlock <value> --type string`,
    ],
    [
      "MySQL opened to the internet (Y12)",
      { sourceDatabase: { allowedCidrs: ["0.0.0.0/0"] } },
      `Stack config "${NS}:sourceDatabase.allowedCidrs[0]" is the text "0.0.0.0/0"; expected an IPv4 CIDR no wider than /16 (e.g. "203.0.113.7/32"). ${fix} pulumi config set --path ${NS}:sourceDatabase.allowedCidrs[0] <value> --type string`,
    ],
    [
      "a CIDR text instead of a list",
      { sourceDatabase: { allowedCidrs: "1.2.3.4/32" } },
      `Stack config "${NS}:sourceDatabase.allowedCidrs" is the text "1.2.3.4/32"; expected a list, each an IPv4 CIDR no wider than /16 (e.g. "203.0.113.7/32"). ${fix} pulumi config set --path ${NS}:sourceDatabase.allowedCidrs <value>`,
    ],
    [
      "a lower-case prefix rule broken (Y17)",
      { prefix: "Pin_Dev" },
      `Stack config "${NS}:prefix" is the text "Pin_Dev"; expected 3–20 lowercase letters, digits or '-', starting with a letter and not ending with '-' (e.g. "pin-dev"). ${fix} pulumi config set ${NS}:prefix <value>`,
    ],
    [
      "the Databricks token in plain text (Y06)",
      { databricksToken: "dapi0123456789" },
      `Stack config "${NS}:databricksToken" is set in plain text; it is a secret. ${fix} pulumi config rm ${NS}:databricksToken && pulumi config set --secret ${NS}:databricksToken <value>`,
    ],
    [
      "the Databricks host in plain text (Y06)",
      { databricksHost: "https://dbc-1.cloud.databricks.com" },
      `Stack config "${NS}:databricksHost" is set in plain text; it is a secret. ${fix} pulumi config rm ${NS}:databricksHost && pulumi config set --secret ${NS}:databricksHost <value>`,
    ],
  ];
  for (const [label, raw, message] of mistakes) {
    it(`refuses ${label} in one line naming the key, the value and the fix`, () => {
      expect(() => parseStackConfig({ prefix: "pin", ...raw })).to.throw(message);
      expect(message, "one line, no regular expression").not.to.match(/\n|\/\^|\$\//);
    });
  }

  it("takes secrets set with --secret, and reads nothing of their text", () => {
    const secret = new ConfigSecret();
    expect(() =>
      parseStackConfig({ prefix: "pin", databricksHost: secret, databricksToken: secret }),
    ).not.to.throw();
  });

  it("takes every Quartz form Databricks schedules use, and refuses Quartz's own mistakes", () => {
    const accepted = [
      "0 0 2 * * ?",
      "0 30 6 ? * MON-FRI",
      "0 0/15 * * * ?",
      "0 0 12 L * ?",
      "0 0 9 ? * 6#3",
      "0 15 10 ? * 6L 2027",
      "0 0 8 15W * ?",
      "0 0 0 1 JAN,JUL ?",
    ];
    expect(accepted.filter((c) => quartzCronProblem(c) !== undefined)).to.deep.equal([]);
    const refused = [
      "0 2 * * *", // Unix cron: five fields
      "0 0 24 * * ?", // hour 24
      "0 0 2 ? * ?", // "?" in both day fields
      "0 0 2 * ? ?", // "?" in the month
      "0 0 2 32 * ?", // day 32
      "0 0 2 ? * 8", // day-of-week 8
      "0 0 2 * * ? 1969", // before Quartz's years
    ];
    expect(refused.filter((c) => quartzCronProblem(c) === undefined)).to.deep.equal([]);
  });

  it("knows time zones by their tz database ids, written with their own capitals", () => {
    expect(["UTC", "Europe/Dublin", "America/New_York"].every(isTimeZoneId)).to.equal(true);
    expect(["utc", "europe/dublin", "Mars/Olympus_Mons", "GMT+1", ""].some(isTimeZoneId)).to.equal(
      false,
    );
  });

  // Kinesis Data Streams Developer Guide, "Quotas and limits": a default of 20,000 shards per
  // account in us-east-1, us-west-2 and eu-west-1, and 1,000 or 6,000 elsewhere.
  it("keeps the three provisioned streams within the region's default shard quota (C22)", () => {
    const streams = (shardCount: number) => ({
      prefix: "pin",
      streamPath: { enabled: true, shardCount },
    });
    // C22 (500 shards a stream in eu-west-1, where both stacks run) is accepted on purpose.
    expect(parseStackConfig(streams(500), { region: "eu-west-1" }).streamPath.shardCount).to.equal(
      500,
    );
    expect(() => parseStackConfig(streams(334), { region: "eu-central-1" })).to.throw(
      `Stack config "${NS}:streamPath.shardCount" is 334; expected at most 333 in eu-central-1: 3 streams × 334 shards is above the account's default quota of 1,000 shards there (Kinesis quotas; a raised quota shows in the Service Quotas console). ${fix} pulumi config set --path ${NS}:streamPath.shardCount <value>`,
    );
    expect(
      parseStackConfig(streams(333), { region: "eu-central-1" }).streamPath.shardCount,
    ).to.equal(333);
    // eu-west-1's 20,000, not the 500 an older quota page gave: three streams of 6,666 fit.
    expect(parseStackConfig(streams(6666), { region: "eu-west-1" }).streamPath.shardCount).to.equal(
      6666,
    );
    expect(() => parseStackConfig(streams(6667), { region: "eu-west-1" })).to.throw(
      "expected at most 6666 in eu-west-1",
    );
  });
});

describe("stack config namespaces (the whole config the engine passes)", () => {
  const NS = "pinterest-pipeline";
  const plain = () => false;

  it("parses the project's keys and leaves the AWS provider's and Pulumi's to them", () => {
    const raw = projectConfig(
      {
        [`${NS}:prefix`]: "pin-dev",
        [`${NS}:paused`]: "true",
        [`${NS}:kafka`]: '{"enabled":true}',
        "aws:region": "eu-west-1",
        "pulumi:disable-default-providers": '["databricks"]',
      },
      plain,
    );
    expect(raw).to.deep.equal({ prefix: "pin-dev", paused: true, kafka: { enabled: true } });
  });

  it("passes a secret as a secret, without its text", () => {
    const raw = projectConfig({ [`${NS}:databricksToken`]: "dapi-x" }, (k) => k.endsWith("Token"));
    expect(raw.databricksToken).to.be.instanceOf(ConfigSecret);
    expect(JSON.stringify(raw)).not.to.include("dapi-x");
  });

  it("refuses a misspelt project namespace with the key it meant (Y26)", () => {
    expect(() => projectConfig({ "pinterest:prefix": "pin-dev" }, plain)).to.throw(
      'Stack config "pinterest:prefix" is in the namespace "pinterest", which nothing in this program reads: did you mean "pinterest-pipeline:prefix"? Fix it with: pulumi config rm pinterest:prefix',
    );
  });

  it("refuses databricks: provider settings, which the explicit provider never reads", () => {
    expect(() => projectConfig({ "databricks:host": "https://x" }, plain)).to.throw(
      `Stack config "databricks:host" is read by nothing: the program's Databricks provider takes the workspace and its login from the secrets ${NS}:databricksHost, ${NS}:databricksClientId and ${NS}:databricksClientSecret. Fix it with: pulumi config rm databricks:host (and set those three with --secret)`,
    );
  });
});

// Issue 26: the provider and MWAA's connection log in with a service principal's OAuth client by
// default; a personal access token stays possible, but never beside a client or with half of one.
describe("the Databricks login the secrets give", () => {
  const NS = "pinterest-pipeline";
  const setOf =
    (...keys: string[]) =>
    (key: string) =>
      keys.includes(key);
  it("takes the OAuth client (both keys) by default, or the token alone", () => {
    expect(databricksLoginKind(setOf("databricksClientId", "databricksClientSecret"))).to.equal(
      "oauth",
    );
    expect(databricksLoginKind(setOf("databricksToken"))).to.equal("token");
  });
  it("refuses half a client, naming the missing key", () => {
    expect(() => databricksLoginKind(setOf("databricksClientId"))).to.throw(
      `"${NS}:databricksClientSecret" is not set: the provider logs in with a service principal's OAuth client (docs/databricks.md, "Identities"). Fix it with: pulumi config set --secret ${NS}:databricksClientSecret <value>`,
    );
    expect(() => databricksLoginKind(setOf())).to.throw(`"${NS}:databricksClientId" is not set`);
  });
  it("refuses a client beside a token", () => {
    expect(() =>
      databricksLoginKind(setOf("databricksClientId", "databricksClientSecret", "databricksToken")),
    ).to.throw(`keep one login. Fix it with: pulumi config rm ${NS}:databricksToken`);
  });
});
