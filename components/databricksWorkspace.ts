import * as aws from "@pulumi/aws";
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import {
  dataAccessPolicy,
  ec2TrustPolicy,
  passRolePolicy,
  unityCatalogTrustPolicy,
} from "./databricksPolicies";
import { BatchSchedule, createJobs } from "./databricksJobs";

/** How clusters reach the raw bucket: a DBFS mount (the course's) or a Unity Catalog volume. */
export type StorageRoute = "mount" | "unityCatalog";

/** Databricks' Unity Catalog role on AWS (the documented principal for storage credentials). */
export const UC_MASTER_ROLE_ARN =
  "arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL";

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
  /** The storage route. @default "mount" */
  readonly storageRoute?: StorageRoute;
  /** Unity Catalog catalog and schema for the volume (route "unityCatalog"). @default undefined */
  readonly unityCatalog?: {
    readonly catalog: string;
    readonly schema: string;
    readonly accountId: pulumi.Input<string>;
  };
  /** Workspace cross-account role to grant `iam:PassRole` on the data role. @default undefined (grant it yourself) */
  readonly crossAccountRoleName?: pulumi.Input<string>;
  /** Databricks runtime. @default the latest LTS runtime the workspace offers */
  readonly sparkVersion?: pulumi.Input<string>;
  /** Node type. @default the smallest node with a local disk */
  readonly nodeTypeId?: pulumi.Input<string>;
  /** Minutes of inactivity before the interactive cluster stops. @default 15 */
  readonly autoterminationMinutes?: number;
  /** Daily batch schedule. @default 02:00 UTC, paused */
  readonly batchSchedule?: BatchSchedule;
  /** Addresses mailed when a job fails. @default [] */
  readonly failureEmails?: string[];
  /** Folder of the repository's `databricks/` sources. @default the repository's */
  readonly sourceDir?: string;
  /** Tags added to AWS resources and clusters. @default {} */
  readonly tags?: Record<string, string>;
}

export function validateDatabricksWorkspaceArgs(args: DatabricksWorkspaceArgs): void {
  const route = args.storageRoute ?? "mount";
  if (route !== "mount" && route !== "unityCatalog") {
    throw new Error(
      `DatabricksWorkspace storageRoute "${route}" is not "mount" or "unityCatalog".`,
    );
  }
  if (route === "unityCatalog" && !args.unityCatalog) {
    throw new Error(
      'DatabricksWorkspace storageRoute "unityCatalog" needs unityCatalog { catalog, schema, accountId }.',
    );
  }
  const minutes = args.autoterminationMinutes ?? 15;
  if (!Number.isInteger(minutes) || minutes < 10 || minutes > 120) {
    throw new Error(
      `DatabricksWorkspace autoterminationMinutes ${minutes} must be from 10 to 120.`,
    );
  }
  const delta = args.deltaPrefix ?? "delta/";
  if (!/^[a-z0-9][a-z0-9_-]*\/$/.test(delta) || delta === "topics/") {
    throw new Error(
      `DatabricksWorkspace deltaPrefix "${delta}" must be one folder name ending in "/", not "topics/".`,
    );
  }
}

/** The package's Python files (relative paths, sorted): what is deployed next to the notebooks. */
export function packageFiles(sourceDir: string): string[] {
  const root = path.join(sourceDir, "pinterest_etl");
  const walk = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((e) =>
        e.isDirectory()
          ? e.name === "__pycache__"
            ? []
            : walk(path.join(dir, e.name))
          : [path.join(dir, e.name)],
      )
      .filter((f) => f.endsWith(".py"));
  return walk(root)
    .map((f) => path.relative(sourceDir, f))
    .sort();
}

const base64 = (file: string) => fs.readFileSync(file).toString("base64");

/**
 * The Databricks side of the pipeline inside an existing workspace: keyless S3 access (instance
 * profile + mount, or Unity Catalog), an auto-terminating cluster, the notebooks and package
 * deployed from `databricks/`, and the batch and streaming jobs.
 */
export class DatabricksWorkspace extends pulumi.ComponentResource {
  readonly roleArn: pulumi.Output<string>;
  readonly clusterId: pulumi.Output<string>;
  readonly sourceRoot: pulumi.Output<string>;
  readonly batchNotebookPath: pulumi.Output<string>;
  readonly streamingNotebookPath: pulumi.Output<string>;
  readonly batchJobId: pulumi.Output<string>;
  readonly batchJobUrl: pulumi.Output<string>;
  readonly streamingJobId: pulumi.Output<string>;
  readonly streamingJobUrl: pulumi.Output<string>;

  constructor(name: string, args: DatabricksWorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest-pipeline:components:DatabricksWorkspace", name, {}, opts);
    validateDatabricksWorkspaceArgs(args);
    const parent = { parent: this };
    const route = args.storageRoute ?? "mount";
    const deltaPrefix = args.deltaPrefix ?? "delta/";
    const sourceDir = args.sourceDir ?? path.resolve(__dirname, "..", "databricks");
    const root = `/Shared/${args.prefix}`;
    const roleName = `${args.prefix}-databricks-data`;

    const account = aws.getCallerIdentityOutput({}, parent);
    const selfArn = pulumi.interpolate`arn:aws:iam::${account.accountId}:role/${roleName}`;
    const role = new aws.iam.Role(
      `${name}-data`,
      {
        name: roleName,
        description: `Databricks access to ${args.prefix}'s raw bucket and streams`,
        assumeRolePolicy:
          route === "mount"
            ? JSON.stringify(ec2TrustPolicy())
            : pulumi
                .all([args.unityCatalog!.accountId, selfArn])
                .apply(([id, self]) =>
                  JSON.stringify(unityCatalogTrustPolicy(UC_MASTER_ROLE_ARN, id, self)),
                ),
        tags: args.tags,
      },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-data`,
      {
        role: role.id,
        policy: pulumi
          .all([args.rawBucketArn, pulumi.all(args.streamArns ?? [])])
          .apply(([bucket, streams]) =>
            JSON.stringify(dataAccessPolicy(bucket, deltaPrefix, streams)),
          ),
      },
      parent,
    );

    const sparkVersion =
      args.sparkVersion ?? databricks.getSparkVersionOutput({ longTermSupport: true }, parent).id;
    const nodeTypeId =
      args.nodeTypeId ?? databricks.getNodeTypeOutput({ localDisk: true }, parent).id;
    let instanceProfileArn: pulumi.Output<string> | undefined;
    if (route === "mount") {
      const profile = new aws.iam.InstanceProfile(
        `${name}-data`,
        { name: roleName, role: role.name, tags: args.tags },
        parent,
      );
      if (args.crossAccountRoleName) {
        new aws.iam.RolePolicy(
          `${name}-pass-role`,
          {
            role: args.crossAccountRoleName,
            policy: role.arn.apply((arn) => JSON.stringify(passRolePolicy(arn))),
          },
          parent,
        );
      }
      const registered = new databricks.InstanceProfile(
        `${name}-data`,
        { instanceProfileArn: profile.arn },
        parent,
      );
      instanceProfileArn = registered.instanceProfileArn;
    }

    // Single node: the course's data fits one machine; a worker would double the bill.
    const clusterSpec = {
      sparkVersion,
      nodeTypeId,
      numWorkers: 0,
      sparkConf: { "spark.databricks.cluster.profile": "singleNode", "spark.master": "local[*]" },
      customTags: { ...args.tags, ResourceClass: "SingleNode" },
      // Mounts need a cluster without Unity Catalog isolation; volumes need a Unity Catalog mode.
      dataSecurityMode: route === "mount" ? "NONE" : "USER_ISOLATION",
      awsAttributes: instanceProfileArn
        ? { instanceProfileArn, availability: "SPOT_WITH_FALLBACK", firstOnDemand: 1 }
        : { availability: "SPOT_WITH_FALLBACK", firstOnDemand: 1 },
    };
    const cluster = new databricks.Cluster(
      `${name}-cluster`,
      {
        clusterName: `${args.prefix}-pipeline`,
        autoterminationMinutes: args.autoterminationMinutes ?? 15,
        ...clusterSpec,
      },
      parent,
    );

    const sourceRoot =
      route === "mount"
        ? this.mount(name, args, cluster, instanceProfileArn!)
        : this.volume(name, args, role);

    const files = packageFiles(sourceDir).map(
      (rel) =>
        new databricks.WorkspaceFile(
          `${name}-file-${rel.replace(/[/.]/g, "-")}`,
          { path: `${root}/${rel}`, contentBase64: base64(path.join(sourceDir, rel)) },
          parent,
        ),
    );
    const notebook = (kind: "batch" | "streaming") =>
      new databricks.Notebook(
        `${name}-notebook-${kind}`,
        {
          path: `${root}/notebooks/${kind}`,
          language: "PYTHON",
          contentBase64: base64(path.join(sourceDir, "notebooks", `${kind}.py`)),
        },
        { parent: this, dependsOn: files },
      );
    const batchNotebook = notebook("batch");
    const streamingNotebook = notebook("streaming");

    const jobs = createJobs(this, name, {
      prefix: args.prefix,
      region: args.region,
      sourceRoot,
      deltaRoot: pulumi.interpolate`${sourceRoot}/${deltaPrefix.replace(/\/$/, "")}`,
      packageRoot: `/Workspace${root}`,
      batchNotebookPath: batchNotebook.path,
      streamingNotebookPath: streamingNotebook.path,
      cluster: clusterSpec,
      schedule: args.batchSchedule,
      failureEmails: args.failureEmails ?? [],
    });

    this.roleArn = role.arn;
    this.clusterId = cluster.id;
    this.sourceRoot = sourceRoot;
    this.batchNotebookPath = batchNotebook.path;
    this.streamingNotebookPath = streamingNotebook.path;
    this.batchJobId = jobs.batch.id;
    this.batchJobUrl = jobs.batch.url;
    this.streamingJobId = jobs.streaming.id;
    this.streamingJobUrl = jobs.streaming.url;
    this.registerOutputs({
      clusterId: this.clusterId,
      batchJobId: this.batchJobId,
      sourceRoot: this.sourceRoot,
    });
  }

  /** The course's mount, managed once by Pulumi: a scheduled run never mounts again. */
  private mount(
    name: string,
    args: DatabricksWorkspaceArgs,
    cluster: databricks.Cluster,
    profile: pulumi.Output<string>,
  ) {
    const mount = new databricks.Mount(
      `${name}-raw-mount`,
      {
        name: `${args.prefix}-raw`,
        clusterId: cluster.id,
        s3: { bucketName: args.rawBucketName, instanceProfile: profile },
      },
      { parent: this },
    );
    return pulumi.interpolate`/mnt/${mount.name}`;
  }

  /** The Unity Catalog route: credential → external location → volume over the bucket. */
  private volume(name: string, args: DatabricksWorkspaceArgs, role: aws.iam.Role) {
    const uc = args.unityCatalog!;
    const parent = { parent: this };
    const credential = new databricks.StorageCredential(
      `${name}-credential`,
      {
        name: `${args.prefix}-raw`,
        awsIamRole: { roleArn: role.arn },
        comment: "pinterest-pipeline raw bucket",
      },
      parent,
    );
    const location = new databricks.ExternalLocation(
      `${name}-location`,
      {
        name: `${args.prefix}-raw`,
        url: pulumi.interpolate`s3://${args.rawBucketName}/`,
        credentialName: credential.name,
      },
      parent,
    );
    const volume = new databricks.Volume(
      `${name}-volume`,
      {
        name: `${args.prefix.replace(/-/g, "_")}_raw`,
        catalogName: uc.catalog,
        schemaName: uc.schema,
        volumeType: "EXTERNAL",
        storageLocation: location.url,
      },
      parent,
    );
    return pulumi.interpolate`/Volumes/${uc.catalog}/${uc.schema}/${volume.name}`;
  }
}
