// The stack program: reads the stack's config once and composes the components. It exports the
// versioned `pipeline` contract (stacks/contract.ts) that the emulator reads, and three objects
// for people (kafkaBatch, databricksJobs, databricksDashboard) that are not part of it.
import * as aws from "@pulumi/aws";
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { AlertTopic } from "../components/alertTopic";
import { ApiGatewayAccount } from "../components/apigateway/apiGatewayAccount";
import { DatabricksDashboard } from "../components/databricks/databricksDashboard";
import { DatabricksWorkspace } from "../components/databricks/databricksWorkspace";
import {
  KAFKA_BATCH_PATH_TYPE,
  KafkaBatchPath,
  kafkaDrainTarget,
} from "../components/kafka/kafkaBatchPath";
import { KafkaDrainCheck } from "../components/kafka/kafkaDrainCheck";
import { kafkaTopicNames, kinesisStreamName, TABLE_KINDS } from "../components/shared/naming";
import { KinesisShardStepCheck } from "../components/kinesis/kinesisShardStepCheck";
import { KinesisStreamPath } from "../components/kinesis/kinesisStreamPath";
import { MwaaEnvironment } from "../components/mwaa/mwaaEnvironment";
import { Network } from "../components/network";
import { RawBucket } from "../components/rawBucket";
import { S3_SINK_TOPICS_DIR } from "../components/kafka/s3SinkConnectorConfig";
import { SourceDatabase } from "../components/sourceDatabase";
import { loadAwsDefaultTags, loadDatabricksSecrets, loadStackConfig } from "./config";
import { CONTRACT_VERSION, PipelineOutputs } from "./contract";

const config = loadStackConfig();
const { prefix, logRetentionDays } = config;
// AWS resources get the stack's tags from the AWS provider's default tags (`aws:defaultTags` in
// Pulumi.<stack>.yaml), not from the program; Databricks resources (custom tags, which AWS default
// tags never reach) and the roles the workspace component creates get them by hand.
const tags = { ...loadAwsDefaultTags(prefix), ...config.tags };
// Read (and a missing login refused) before any resource is registered.
const databricksSecrets =
  config.databricks.enabled && config.kafka.enabled ? loadDatabricksSecrets() : undefined;
const region = aws.getRegionOutput().region;
// A paused stack leaves out every part billed by the hour that holds no data of its own, and keeps
// the rest under the same logical names, so un-pausing brings the same resources back (the data
// holders are never replaced). docs/costs.md, "Pausing a stack".
const running = !config.paused;

// Who hears when something fails: every alarm of the stack notifies this topic, and the Databricks
// jobs mail the same addresses. Without addresses there is no topic, and the config refuses
// unpaused schedules then (stacks/config.ts).
const alerts =
  config.alerts.emails.length > 0
    ? new AlertTopic("alerts", { prefix, emails: config.alerts.emails })
    : undefined;
const alarmTopicArn = alerts?.topicArn;

const network = new Network("network", {
  prefix,
  cidrBlock: config.network.cidrBlock,
  natGateways: running ? config.network.natGateways : "none",
  alarmTopicArn,
  flowLogs: config.network.flowLogs,
  flowLogRetentionDays: logRetentionDays,
});

// API Gateway's logging role, one setting per account and region that every stack may set and
// none takes back (components/apigateway/apiGatewayAccount.ts); both APIs wait for it.
const apiAccount =
  config.manageApiGatewayAccount && (config.kafka.enabled || config.streamPath.enabled)
    ? new ApiGatewayAccount("api-gateway-account", {})
    : undefined;
const afterAccount = apiAccount ? { dependsOn: [apiAccount] } : {};

const kafka = config.kafka;
const kafkaRuns = kafka.enabled && running;
// The data lake belongs to the stack, not to the Kafka path: switching `kafka.enabled` off must not
// delete it. It was born as `batch-raw` under KafkaBatchPath "batch"; the alias names that old
// parent, so stacks deployed then keep the same bucket (children inherit the alias in the engine).
// In a stack that does not allow data loss, destroy leaves it (and its settings) in place.
const rawBucket = new RawBucket(
  "batch-raw",
  {
    namePrefix: `${prefix}-raw`,
    forceDestroy: config.allowDataLoss,
    expirationDays: kafka.rawDataExpirationDays,
    expirationPrefix:
      kafka.rawDataExpirationDays === undefined ? undefined : `${S3_SINK_TOPICS_DIR}/`,
    retainOnDelete: !config.allowDataLoss,
    protect: config.protect,
  },
  { aliases: [{ parent: pulumi.createUrn("batch", KAFKA_BATCH_PATH_TYPE) }] },
);

const batch = kafkaRuns
  ? new KafkaBatchPath(
      "batch",
      {
        prefix,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        bucketName: rawBucket.bucketName,
        bucketArn: rawBucket.bucketArn,
        connectorPluginPath: path.resolve(__dirname, "..", kafka.connectorPluginPath),
        connectorPluginSha256: kafka.connectorPluginSha256 ?? "",
        connectorPlugin: kafka.connectorPlugin,
        brokerCount: kafka.brokerCount,
        brokerInstanceType: kafka.brokerInstanceType,
        brokerStorageGb: kafka.brokerStorageGb,
        kafkaVersion: kafka.kafkaVersion,
        topicPartitions: kafka.topicPartitions,
        clientInstanceType: kafka.clientInstanceType,
        clientInstanceCount: kafka.clientInstanceCount,
        sinkRunner: kafka.sinkRunner,
        connectorFlushSize: kafka.connectorFlushSize,
        connectorMcuCount: kafka.connectorMcuCount,
        connectorWorkerCount: kafka.connectorWorkerCount,
        // Capacity (docs/scaling.md)
        apiThrottlingRateLimit: kafka.apiThrottlingRateLimit,
        apiThrottlingBurstLimit: kafka.apiThrottlingBurstLimit,
        apiQuotaPerDay: kafka.apiQuotaPerDay,
        messageRetentionHours: kafka.messageRetentionHours,
        connectorTasksMax: kafka.connectorTasksMax,
        connectorRotateIntervalMs: kafka.connectorRotateIntervalMs,
        logRetentionDays,
        manageApiGatewayAccount: false,
        alarmTopicArn,
      },
      afterAccount,
    )
  : undefined;

// Pausing deletes the cluster with the records its sink has not written: a stack that must not
// lose data pauses only when the batch path is drained, checked before anything is deleted
// (components/kafka/kafkaDrainCheck.ts; docs/operations.md, "Pause and resume").
if (kafka.enabled && !running && !config.allowDataLoss) {
  new KafkaDrainCheck("kafka-drain", { ...kafkaDrainTarget(prefix), region });
}

const db = config.sourceDatabase;
const sourceDatabase = db.enabled
  ? new SourceDatabase("source", {
      prefix,
      vpcId: network.vpcId,
      publicSubnetIds: network.publicSubnetIds,
      // The Kafka client machine reaches MySQL directly, and relays Session Manager port
      // forwarding from a laptop (docs/source-database.md, "Reaching the source database").
      clientSecurityGroupIds: batch ? [batch.client.securityGroupId] : [],
      allowedCidrs: db.allowedCidrs,
      instanceClass: db.instanceClass,
      allocatedStorageGb: db.allocatedStorageGb,
      engineVersion: db.engineVersion,
      backupRetentionDays: db.backupRetentionDays,
      multiAz: db.multiAz,
      deletionProtection: db.deletionProtection,
      skipFinalSnapshot: config.allowDataLoss,
      protect: config.protect,
      applyImmediately: db.applyImmediately,
      logRetentionDays,
    })
  : undefined;

const sp = config.streamPath;
// Paused, a stack that must not lose data keeps its streams (their unread records, and the
// streaming job's checkpoints with them) and drops only their API; one that may lose data drops
// the streams too, and the streaming job starts new checkpoints for the new streams on resume
// (KinesisStreamPath.generation). docs/operations.md, "Pause and resume".
const streamsKept = sp.enabled && (running || !config.allowDataLoss);
// A provisioned count no single UpdateShardCount reaches from the deployed one is refused at
// preview, naming the steps (components/kinesis/kinesisShardStepCheck.ts).
if (streamsKept && sp.capacityMode === "PROVISIONED") {
  new KinesisShardStepCheck("stream-shard-step", {
    region,
    streams: TABLE_KINDS.map((kind) => kinesisStreamName(prefix, kind)),
    shardCount: sp.shardCount,
  });
}
const streamPath = streamsKept
  ? new KinesisStreamPath(
      "stream",
      {
        prefix,
        capacityMode: sp.capacityMode,
        shardCount: sp.capacityMode === "PROVISIONED" ? sp.shardCount : undefined,
        retentionHours: sp.retentionHours,
        logRetentionDays,
        throttlingRateLimit: sp.throttlingRateLimit,
        throttlingBurstLimit: sp.throttlingBurstLimit,
        quotaPerDay: sp.quotaPerDay,
        streamAdminRoutes: sp.streamAdminRoutes,
        alarmTopicArn,
        manageApiGatewayAccount: false,
        api: running,
      },
      afterAccount,
    )
  : undefined;
/** The stream path with its API: only in a running stack. */
const stream = running ? streamPath : undefined;

const dbx = config.databricks;
let workspace: DatabricksWorkspace | undefined;
let dashboard: DatabricksDashboard | undefined;
if (databricksSecrets) {
  // The workspace and its login are stack secrets; the provider is explicit so nothing else reads
  // them. It logs in as a service principal through OAuth machine-to-machine (provider doc,
  // "Authenticating with Databricks-managed Service Principal": client_id and client_secret), or
  // with a personal access token where the stack sets one instead.
  const { host, login } = databricksSecrets;
  const provider = new databricks.Provider("databricks", {
    host,
    ...(login.kind === "oauth"
      ? { clientId: login.clientId, clientSecret: login.clientSecret }
      : { token: login.token }),
  });
  workspace = new DatabricksWorkspace(
    "databricks",
    {
      prefix,
      region,
      rawBucketName: rawBucket.bucketName,
      rawBucketArn: rawBucket.bucketArn,
      streamArns: streamPath
        ? [
            streamPath.streamArns.apply((a) => a.pin),
            streamPath.streamArns.apply((a) => a.geo),
            streamPath.streamArns.apply((a) => a.user),
          ]
        : sp.enabled
          ? pausedStreamArns(prefix, region)
          : [],
      // Paused: no interactive cluster, both jobs kept with their schedules paused.
      interactiveCluster: running,
      storageRoute: dbx.storageRoute,
      unityCatalog: dbx.unityCatalog,
      forceDestroy: config.allowDataLoss,
      crossAccountRoleName: dbx.crossAccountRoleName,
      sparkVersion: dbx.sparkVersion,
      autoterminationMinutes: dbx.autoterminationMinutes,
      batchSchedule: {
        cron: dbx.batchScheduleCron,
        timezone: dbx.batchScheduleTimezone,
        paused: dbx.batchSchedulePaused || !running,
      },
      streamingMode: dbx.streamingMode,
      streamingIntervalMinutes:
        dbx.streamingMode === "scheduled" ? dbx.streamingIntervalMinutes : undefined,
      streamingPaused: dbx.streamingPaused || !running,
      streamGeneration: streamPath?.generation,
      alertEmails: config.alerts.emails,
      runAsApplicationId: dbx.runAsApplicationId,
      readersGroup: dbx.readersGroup,
      // Capacity (docs/scaling.md)
      batchCompute: {
        nodeTypeId: dbx.batchNodeType,
        workers: dbx.batchWorkers,
        timeoutSeconds: dbx.batchTimeoutSeconds,
      },
      streamingCompute: {
        nodeTypeId: dbx.streamingNodeType,
        workers: dbx.streamingWorkers,
        timeoutSeconds: dbx.streamingTimeoutSeconds,
      },
      tags,
    },
    { providers: { databricks: provider } },
  );

  if (dbx.dashboard && running) {
    dashboard = new DatabricksDashboard(
      "dashboard",
      {
        prefix,
        tableSchema: workspace.tableSchema,
        parentPath: workspace.workspaceFolder,
        readersGroup: dbx.readersGroup,
        streams: stream !== undefined,
        warehouseName: dbx.dashboardWarehouseName,
        autoStopMinutes: dbx.dashboardAutoStopMinutes,
        tags,
      },
      { providers: { databricks: provider } },
    );
  }

  if (config.mwaa.enabled) {
    const dagBucket = new RawBucket("airflow", {
      namePrefix: `${prefix}-airflow`,
      forceDestroy: config.allowDataLoss,
    });
    new MwaaEnvironment("airflow", {
      prefix,
      vpcId: network.vpcId,
      vpcCidr: network.cidrBlock,
      privateSubnetIds: network.privateSubnetIds,
      bucketName: dagBucket.bucketName,
      bucketArn: dagBucket.bucketArn,
      databricksHost: host,
      databricksLogin: login,
      environmentClass: config.mwaa.environmentClass,
      publicWebserver: config.mwaa.publicWebserver,
      environment: running,
      logRetentionDays,
    });
  }
}

const [pinTopic, geoTopic, userTopic] = kafkaTopicNames(prefix);

/**
 * The ARNs the streams will have again once the stack runs: a paused stack's streaming job and the
 * Databricks role that reads them (the mount route's data role, the Unity Catalog route's Kinesis
 * service-credential role) keep naming them, so resuming changes neither.
 */
function pausedStreamArns(prefix: string, region: pulumi.Input<string>): pulumi.Output<string>[] {
  const account = aws.getCallerIdentityOutput().accountId;
  const partition = aws.getPartitionOutput().partition;
  return TABLE_KINDS.map(
    (kind) =>
      pulumi.interpolate`arn:${partition}:kinesis:${region}:${account}:stream/${kinesisStreamName(prefix, kind)}`,
  );
}

export const pipeline: pulumi.Output<PipelineOutputs> = pulumi.output({
  contractVersion: CONTRACT_VERSION,
  prefix,
  region,
  ...(running ? {} : { paused: true as const }),
  sourceDatabase: sourceDatabase && {
    host: sourceDatabase.host,
    port: sourceDatabase.port,
    databaseName: sourceDatabase.databaseName,
    secretArn: sourceDatabase.secretArn,
  },
  batch: batch && {
    invokeUrl: batch.invokeUrl,
    apiKeyId: batch.apiKeyId,
    topics: { pin: pinTopic, geo: geoTopic, user: userTopic },
    bucketName: rawBucket.bucketName,
    bootstrapBrokers: batch.bootstrapBrokersIam,
    kafkaAuth: "iam" as const,
  },
  // A running stack's stream path has its API (api: running).
  stream: stream && {
    invokeUrl: stream.invokeUrl!,
    apiKeyId: stream.apiKeyId!,
    streams: stream.streamNames,
    kinesisEndpoint: "",
  },
});

/** The batch path's resources for people (not part of the client contract). */
export const kafkaBatch = batch && {
  clusterArn: batch.clusterArn,
  clientGroupName: batch.clientGroupName,
  connectorArn: batch.connectorArn,
  sinkPlugin: kafka.connectorPlugin,
  sinkRunner: kafka.sinkRunner,
};

/** Databricks resources for people (not part of the client contract). */
export const databricksJobs = workspace && {
  batchJobUrl: workspace.batchJobUrl,
  streamingJobUrl: workspace.streamingJobUrl,
  clusterId: workspace.clusterId,
  sourceRoot: workspace.sourceRoot,
  tableSchema: workspace.tableSchema,
  workspaceFolder: workspace.workspaceFolder,
  runAsApplicationId: workspace.runAsApplicationId,
};

/** The stack's alert topic for people (absent without `alerts.emails`). */
export const alertTopicArn = alarmTopicArn;

/** The AI/BI dashboard for people (not part of the client contract); absent when it is off. */
export const databricksDashboard = dashboard && {
  dashboardPath: dashboard.dashboardPath,
  warehouseId: dashboard.warehouseId,
};
