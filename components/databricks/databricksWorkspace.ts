import * as aws from "@pulumi/aws";
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { deployCode } from "./databricksCode";
import { kinesisServiceCredential } from "./databricksCredentials";
import {
  BatchSchedule,
  createJobs,
  DEFAULT_STREAMING_INTERVAL_MINUTES,
  JobCompute,
  StreamingMode,
} from "./databricksJobs";
import { codeFolder, runAsIdentity, unityCatalogGrants, workspaceRoot } from "./databricksIdentity";
import { DEFAULT_SPARK_VERSION } from "./databricksRuntime";
import { mountAccess, rawMount, tableBase, unityCatalogStorage } from "./databricksStorage";
import {
  AUTOTERMINATION_MINUTES,
  validateDatabricksWorkspaceArgs,
} from "./databricksWorkspaceValidation";

export { UC_MASTER_ROLE_ARN } from "./databricksPolicies";
export {
  AUTOTERMINATION_MINUTES,
  validateDatabricksWorkspaceArgs,
} from "./databricksWorkspaceValidation";

/**
 * How clusters reach the raw bucket: Unity Catalog (a storage credential, an external location
 * and volumes; works in every current workspace) or the course's DBFS mount (needs a workspace
 * with legacy features enabled: DBFS mounts and no-isolation clusters).
 */
export type StorageRoute = "mount" | "unityCatalog";

/** Arguments of {@link DatabricksWorkspace}. */
export interface DatabricksWorkspaceArgs {
  /** Prefix every name derives from (the stack's `prefix`). */
  readonly prefix: string;
  /** AWS region of the bucket and streams (a notebook parameter of the streaming job). */
  readonly region: pulumi.Input<string>;
  /** Name of the raw bucket the S3 sink writes to. */
  readonly rawBucketName: pulumi.Input<string>;
  /** ARN of the raw bucket. */
  readonly rawBucketArn: pulumi.Input<string>;
  /** Folder of the raw bucket for Delta tables and checkpoints. @default "delta/" */
  readonly deltaPrefix?: string;
  /** ARNs of the Kinesis streams the streaming job reads. @default [] */
  readonly streamArns?: pulumi.Input<string>[];
  /**
   * The streams' generation (KinesisStreamPath.generation), which names the streaming job's
   * checkpoint folder. @default "" (checkpoints directly under the checkpoint root)
   */
  readonly streamGeneration?: pulumi.Input<string>;
  /** The storage route. @default "unityCatalog" */
  readonly storageRoute?: StorageRoute;
  /**
   * Existing catalog (with managed storage) and the schema the stack creates in it for the tables
   * and volumes (route "unityCatalog"). @default schema: the prefix with "_" for "-"
   */
  readonly unityCatalog?: { readonly catalog: string; readonly schema?: string };
  /** Let `pulumi destroy` drop the Unity Catalog schema and its tables (the stack's `allowDataLoss`); otherwise it stays. @default false */
  readonly forceDestroy?: boolean;
  /** The workspace's cross-account role, granted `iam:PassRole` on the data role (route "mount"; required there). @default undefined */
  readonly crossAccountRoleName?: pulumi.Input<string>;
  /** Databricks runtime of every cluster, one of DATABRICKS_RUNTIMES. @default "17.3.x-scala2.13" (17.3 LTS) */
  readonly sparkVersion?: string;
  /** Node type. @default the smallest node with a local disk */
  readonly nodeTypeId?: pulumi.Input<string>;
  /**
   * Create the interactive cluster; a paused stack has none. The mount route keeps it whatever
   * this says: the mount is made on it. @default true
   */
  readonly interactiveCluster?: boolean;
  /** Minutes of inactivity before the interactive cluster stops. @default 15 */
  readonly autoterminationMinutes?: number;
  /** Daily batch schedule. @default 02:00 UTC, paused */
  readonly batchSchedule?: BatchSchedule;
  /** How the streaming job (made only when there are streams) runs. @default "scheduled" */
  readonly streamingMode?: StreamingMode;
  /** Minutes between scheduled streaming runs, one of STREAMING_INTERVAL_MINUTES. @default 60 */
  readonly streamingIntervalMinutes?: number;
  /** Keep the streaming job's schedule (or continuous run) paused. @default true */
  readonly streamingPaused?: boolean;
  /** Addresses mailed when a job fails, runs too long or falls behind its streams. @default [] */
  readonly alertEmails?: string[];
  /**
   * Application id of an existing service principal both jobs run as. @default a service
   * principal the component creates, `<prefix>-jobs`
   */
  readonly runAsApplicationId?: string;
  /**
   * An existing workspace group given read access: the code folder, and on the Unity Catalog
   * route the schema's tables. @default undefined (nobody beyond the run-as identity and admins)
   */
  readonly readersGroup?: string;
  /** The batch job's node type, workers and timeout. @default single node, 3600 s */
  readonly batchCompute?: JobCompute;
  /** The streaming job's node type, workers and timeout. @default single node, 3600 s */
  readonly streamingCompute?: JobCompute;
  /**
   * Folder of the notebooks and of the package's sources (pyproject.toml, `pinterest_etl/`).
   * @default the repository's `databricks/`
   */
  readonly sourceDir?: string;
  /** Tags added to AWS resources and clusters. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * The Databricks side of the pipeline inside an existing workspace: keyless S3 access (Unity
 * Catalog, or instance profile + mount), keyless Kinesis access where there are streams (a Unity
 * Catalog service credential, or the same instance profile), an auto-terminating cluster (unless
 * left out), the notebooks and the package's wheel deployed from `databricks/`, the batch job
 * and, where there are streams, the streaming job, all on one pinned runtime.
 */
export class DatabricksWorkspace extends pulumi.ComponentResource {
  /**
   * ARN of the data role (`<prefix>-databricks-data`): Unity Catalog's storage credential, or the
   * mount route's instance profile role. Never empty.
   */
  readonly roleArn: pulumi.Output<string>;
  /**
   * The Kinesis service credential's name (`<prefix>-kinesis`); empty ("") on the mount route and
   * without streams.
   */
  readonly kinesisCredentialName: pulumi.Output<string>;
  /** ARN of that credential's role; empty ("") where there is no credential. */
  readonly kinesisRoleArn: pulumi.Output<string>;
  /** Id of the interactive cluster; empty ("") when `interactiveCluster` is false. */
  readonly clusterId: pulumi.Output<string>;
  /**
   * Where the jobs read `topics/`: `/Volumes/<catalog>/<schema>/<prefix>_raw` or
   * `/mnt/<prefix>-raw`. Never empty.
   */
  readonly sourceRoot: pulumi.Output<string>;
  /**
   * The workspace folder the stack owns: notebooks, the mount route's wheel, the dashboard. Never
   * empty.
   */
  readonly workspaceFolder: pulumi.Output<string>;
  /** Application id of the service principal both jobs run as. Never empty. */
  readonly runAsApplicationId: pulumi.Output<string>;
  /**
   * `catalog.schema` of the tables; empty ("") on the mount route (the cluster's current schema).
   */
  readonly tableSchema: pulumi.Output<string>;
  /** Workspace path of the batch notebook. Never empty. */
  readonly batchNotebookPath: pulumi.Output<string>;
  /** Id of the daily batch job. Never empty. */
  readonly batchJobId: pulumi.Output<string>;
  /** URL of the batch job in the workspace. Never empty. */
  readonly batchJobUrl: pulumi.Output<string>;
  /**
   * Workspace path of the streaming notebook; empty ("") when there are no streams (no streaming
   * job, no notebook).
   */
  readonly streamingNotebookPath: pulumi.Output<string>;
  /** Id of the streaming job; empty ("") when there are no streams. */
  readonly streamingJobId: pulumi.Output<string>;
  /** URL of the streaming job; empty ("") when there are no streams. */
  readonly streamingJobUrl: pulumi.Output<string>;

  constructor(name: string, args: DatabricksWorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest-pipeline:components:DatabricksWorkspace", name, {}, opts);
    validateDatabricksWorkspaceArgs(args);
    const parent = { parent: this };
    const route = args.storageRoute ?? "unityCatalog";
    const deltaPrefix = args.deltaPrefix ?? "delta/";
    const sourceDir = args.sourceDir ?? path.resolve(__dirname, "..", "..", "databricks");
    const root = workspaceRoot(args.prefix);
    const roleName = `${args.prefix}-databricks-data`;
    const streamArns = args.streamArns ?? [];

    const account = aws.getCallerIdentityOutput({}, parent);
    const runAs = runAsIdentity(this, name, args.prefix, args.runAsApplicationId);
    const folder = codeFolder(this, name, { path: root, runAs, readersGroup: args.readersGroup });
    const uc =
      route === "unityCatalog"
        ? unityCatalogStorage(this, name, {
            prefix: args.prefix,
            roleName,
            accountId: account.accountId,
            rawBucketName: args.rawBucketName,
            rawBucketArn: args.rawBucketArn,
            catalog: args.unityCatalog!.catalog,
            schema: args.unityCatalog!.schema ?? tableBase(args.prefix),
            forceDestroy: args.forceDestroy ?? false,
            tags: args.tags,
          })
        : undefined;
    const mount =
      route === "mount"
        ? mountAccess(this, name, {
            prefix: args.prefix,
            roleName,
            rawBucketArn: args.rawBucketArn,
            deltaPrefix,
            streamArns,
            crossAccountRoleName: args.crossAccountRoleName!,
            runAsId: runAs.id,
            tags: args.tags,
          })
        : undefined;

    const nodeTypeId =
      args.nodeTypeId ?? databricks.getNodeTypeOutput({ localDisk: true }, parent).id;
    const spot = { availability: "SPOT_WITH_FALLBACK", firstOnDemand: 1 };
    // Single node: the course's data fits one machine; a worker would double the bill.
    const clusterSpec = {
      // One pinned runtime for the interactive cluster and both job clusters (databricksRuntime.ts).
      sparkVersion: args.sparkVersion ?? DEFAULT_SPARK_VERSION,
      nodeTypeId,
      numWorkers: 0,
      sparkConf: { "spark.databricks.cluster.profile": "singleNode", "spark.master": "local[*]" },
      customTags: { ...args.tags, ResourceClass: "SingleNode" },
      // Mounts need a no-isolation cluster; volumes and catalog tables need a Unity Catalog mode.
      dataSecurityMode: mount ? "NONE" : "USER_ISOLATION",
      awsAttributes: mount ? { ...spot, instanceProfileArn: mount.instanceProfileArn } : spot,
    };
    const cluster =
      args.interactiveCluster === false && !mount
        ? undefined
        : new databricks.Cluster(
            `${name}-cluster`,
            {
              clusterName: `${args.prefix}-pipeline`,
              autoterminationMinutes:
                args.autoterminationMinutes ?? AUTOTERMINATION_MINUTES.default,
              ...clusterSpec,
            },
            parent,
          );

    const sourceRoot = mount
      ? rawMount(this, name, args.prefix, args.rawBucketName, cluster!, mount.instanceProfileArn)
      : uc!.sourceRoot;
    const checkpointRoot = uc
      ? uc.checkpointRoot
      : pulumi.interpolate`${sourceRoot}/${deltaPrefix.replace(/\/$/, "")}/_checkpoints`;

    // The package's wheel: in the work volume (Unity Catalog) or beside the notebooks (mount
    // route, whose no-isolation clusters cannot read volumes).
    const { batchNotebook, streamingNotebook, wheelPath } = deployCode(this, name, {
      sourceDir,
      workspaceFolder: folder,
      volume: uc && { wheelRoot: uc.wheelRoot, workVolume: uc.workVolume },
      streaming: streamArns.length > 0,
    });

    // The mount route's instance profile reads the streams (dataAccessPolicy); the Unity Catalog
    // route's standard-access clusters have none, and read them with a service credential.
    const kinesis =
      uc && streamArns.length > 0
        ? kinesisServiceCredential(this, name, {
            prefix: args.prefix,
            accountId: account.accountId,
            streamArns,
            tags: args.tags,
          })
        : undefined;
    if (uc) {
      unityCatalogGrants(
        this,
        name,
        {
          catalog: args.unityCatalog!.catalog,
          schema: uc.tableSchema,
          rawVolume: uc.rawVolume.id,
          workVolume: uc.workVolume.id,
          kinesisCredential: kinesis?.name,
        },
        runAs,
        args.readersGroup,
      );
    }

    const jobs = createJobs(this, name, {
      prefix: args.prefix,
      region: args.region,
      sourceRoot,
      checkpointRoot,
      tableSchema: uc ? uc.tableSchema : "",
      wheelPath,
      batchNotebookPath: batchNotebook.path,
      streaming: streamingNotebook && {
        notebookPath: streamingNotebook.path,
        mode: args.streamingMode ?? "scheduled",
        intervalMinutes: args.streamingIntervalMinutes ?? DEFAULT_STREAMING_INTERVAL_MINUTES,
        paused: args.streamingPaused ?? true,
        serviceCredential: kinesis?.name ?? "",
        generation: args.streamGeneration ?? "",
        dependsOn: kinesis?.access ?? [],
      },
      cluster: clusterSpec,
      schedule: args.batchSchedule,
      runAs: runAs.applicationId,
      alertEmails: args.alertEmails ?? [],
      batchCompute: args.batchCompute,
      streamingCompute: args.streamingCompute,
    });

    const none = pulumi.output("");
    this.roleArn = uc ? uc.roleArn : mount!.roleArn;
    this.kinesisCredentialName = kinesis?.name ?? none;
    this.kinesisRoleArn = kinesis?.roleArn ?? none;
    this.clusterId = cluster?.id ?? none;
    this.sourceRoot = sourceRoot;
    this.workspaceFolder = folder.path;
    this.runAsApplicationId = runAs.applicationId;
    this.tableSchema = uc ? uc.tableSchema : none;
    this.batchNotebookPath = batchNotebook.path;
    this.batchJobId = jobs.batch.id;
    this.batchJobUrl = jobs.batch.url;
    this.streamingNotebookPath = streamingNotebook?.path ?? none;
    this.streamingJobId = jobs.streaming?.id ?? none;
    this.streamingJobUrl = jobs.streaming?.url ?? none;
    this.registerOutputs({
      clusterId: this.clusterId,
      batchJobId: this.batchJobId,
      sourceRoot: this.sourceRoot,
      tableSchema: this.tableSchema,
    });
  }
}
