// The two ways DatabricksWorkspace's clusters reach the raw bucket, each a function creating its
// resources under the component: Unity Catalog (the default) and the course's DBFS mount.
import * as aws from "@pulumi/aws";
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import * as time from "@pulumiverse/time";
import { unityCatalogRole } from "./databricksCredentials";
import {
  dataAccessPolicy,
  ec2TrustPolicy,
  passRolePolicy,
  unityCatalogDataPolicy,
} from "./databricksPolicies";

/** Where the Unity Catalog route puts things, as the notebooks' parameters need them. */
export interface UnityCatalogLayout {
  /** Volume holding the sink's `topics/`. */
  readonly sourceRoot: pulumi.Output<string>;
  /** Folder of the streaming checkpoints (one subfolder per table). */
  readonly checkpointRoot: pulumi.Output<string>;
  /** Folder of the `pinterest_etl` wheels (one subfolder per content id). */
  readonly wheelRoot: pulumi.Output<string>;
  /** `catalog.schema` of the tables. */
  readonly tableSchema: pulumi.Output<string>;
  /** ARN of the data role. */
  readonly roleArn: pulumi.Output<string>;
  /** The managed volume the wheels go to. */
  readonly workVolume: databricks.Volume;
  /** The external volume over the raw bucket. */
  readonly rawVolume: databricks.Volume;
}

/**
 * How long Databricks is kept from validating a role IAM has just created or changed. IAM is
 * eventually consistent, and the role Databricks assumes (or the pass-role grant of its EC2 dry
 * run) may not be visible yet: the provider's docs put a `time_sleep` between the role and the
 * resource that validates it (terraform-provider-databricks docs/resources/mws_log_delivery.md,
 * 10 s; docs/guides/aws-workspace.md, "Credentials validation checks errors"), and Databricks'
 * Unity Catalog module waits 20 s (terraform-databricks-examples,
 * modules/aws-databricks-unity-catalog/uc_cross_account_role.tf, `wait_role_creation`). 30 s
 * leaves a margin over both; the wait is paid only when the role or its policy changes.
 */
export const IAM_PROPAGATION_WAIT = "30s";

/** A wait after `after` (IAM), for what Databricks validates; again whenever the role is replaced. */
export function iamPropagationWait(
  parent: pulumi.Resource,
  name: string,
  roleArn: pulumi.Input<string>,
  after: pulumi.Resource[],
): time.Sleep {
  return new time.Sleep(
    `${name}-iam-propagation`,
    { createDuration: IAM_PROPAGATION_WAIT, triggers: { roleArn } },
    { parent, dependsOn: after },
  );
}

export interface UnityCatalogStorageSpec {
  readonly prefix: string;
  readonly roleName: string;
  readonly accountId: pulumi.Input<string>;
  readonly rawBucketName: pulumi.Input<string>;
  readonly rawBucketArn: pulumi.Input<string>;
  readonly catalog: string;
  readonly schema: string;
  /** Drop the schema with its tables on delete; otherwise it is left in place. */
  readonly forceDestroy: boolean;
  readonly tags?: Record<string, string>;
}

/** Table-name form of the prefix (`pin-dev` → `pin_dev`), as the package's naming does. */
export const tableBase = (prefix: string) => prefix.replace(/-/g, "_");

/**
 * Unity Catalog in the provider's documented order (guide `unity-catalog.md`, "Configure external
 * locations and credentials"): the storage credential, then its role ({@link unityCatalogRole}:
 * named by ARN, trust bound to the credential's own external id); the external location, which
 * Databricks validates by assuming the role, comes after the role and its policy. A schema of the
 * stack's holds the tables and two volumes: the raw bucket (external, read-only) and a managed one
 * for checkpoints and the package's wheels.
 */
export function unityCatalogStorage(
  parent: pulumi.Resource,
  name: string,
  s: UnityCatalogStorageSpec,
): UnityCatalogLayout {
  const opts = { parent };
  const roleArn = pulumi.interpolate`arn:aws:iam::${s.accountId}:role/${s.roleName}`;
  const credential = new databricks.StorageCredential(
    `${name}-credential`,
    {
      name: `${s.prefix}-raw`,
      awsIamRole: { roleArn },
      comment: `pinterest-pipeline ${s.prefix}: raw bucket`,
    },
    opts,
  );
  const { role, policy } = unityCatalogRole(parent, `${name}-data`, {
    roleName: s.roleName,
    description: `Unity Catalog access to ${s.prefix}'s raw bucket`,
    accountId: s.accountId,
    externalId: credential.awsIamRole.apply((r) => r?.externalId ?? ""),
    policy: (arn) =>
      pulumi
        .all([s.rawBucketArn, arn])
        .apply(([bucket, roleArn]) => JSON.stringify(unityCatalogDataPolicy(bucket, roleArn))),
    tags: s.tags,
  });
  const location = new databricks.ExternalLocation(
    `${name}-location`,
    {
      name: `${s.prefix}-raw`,
      url: pulumi.interpolate`s3://${s.rawBucketName}/`,
      credentialName: credential.name,
      // The sink owns the bucket; Databricks only reads it.
      readOnly: true,
      comment: `pinterest-pipeline ${s.prefix}: raw bucket (read-only)`,
    },
    { parent, dependsOn: [iamPropagationWait(parent, `${name}-data`, role.arn, [role, policy])] },
  );
  // Once the jobs have written tables, deleting the schema fails ("Schema ... is not empty")
  // unless forced; forcing drops the tables. So the raw bucket's rule: dropped with its tables
  // where data loss is allowed, otherwise left in place by destroy (and by switching Databricks
  // or the route off). Volumes need neither: dropping one works whatever it holds (Databricks SQL
  // reference, DROP VOLUME), and the engine deletes both before the schema and the location.
  const schema = new databricks.Schema(
    `${name}-schema`,
    {
      catalogName: s.catalog,
      name: s.schema,
      comment: `pinterest-pipeline ${s.prefix}: cleaned and result tables`,
      forceDestroy: s.forceDestroy,
    },
    { parent, retainOnDelete: !s.forceDestroy },
  );
  const volume = (kind: "raw" | "work", args: Partial<databricks.VolumeArgs>) =>
    new databricks.Volume(
      `${name}-volume-${kind}`,
      {
        name: `${tableBase(s.prefix)}_${kind}`,
        catalogName: s.catalog,
        schemaName: schema.name,
        volumeType: "MANAGED",
        ...args,
      },
      opts,
    );
  const raw = volume("raw", { volumeType: "EXTERNAL", storageLocation: location.url });
  const work = volume("work", {});
  const root = (v: databricks.Volume) =>
    pulumi.interpolate`/Volumes/${v.catalogName}/${v.schemaName}/${v.name}`;
  const workVolumeRoot = root(work);
  return {
    sourceRoot: root(raw),
    checkpointRoot: pulumi.interpolate`${workVolumeRoot}/checkpoints`,
    wheelRoot: pulumi.interpolate`${workVolumeRoot}/wheels`,
    tableSchema: pulumi.interpolate`${s.catalog}.${schema.name}`,
    roleArn: role.arn,
    workVolume: work,
    rawVolume: raw,
  };
}

export interface MountAccessSpec {
  readonly prefix: string;
  readonly roleName: string;
  readonly rawBucketArn: pulumi.Input<string>;
  readonly deltaPrefix: string;
  readonly streamArns: pulumi.Input<string>[];
  readonly crossAccountRoleName: pulumi.Input<string>;
  /** Workspace id of the service principal the jobs run as: it is given the instance profile. */
  readonly runAsId: pulumi.Input<string>;
  readonly tags?: Record<string, string>;
}

/**
 * The course's route, its IAM half: an EC2-trusted role as an instance profile, registered with the
 * workspace. Registering runs an EC2 `RunInstances` dry run as the workspace's cross-account role
 * (provider doc of `databricks.InstanceProfile`), which must be allowed to pass the data role:
 * that grant, and the role's policy, come first.
 */
export function mountAccess(parent: pulumi.Resource, name: string, s: MountAccessSpec) {
  const opts = { parent };
  const role = new aws.iam.Role(
    `${name}-data`,
    {
      name: s.roleName,
      description: `Databricks access to ${s.prefix}'s raw bucket and streams`,
      assumeRolePolicy: JSON.stringify(ec2TrustPolicy()),
      tags: s.tags,
    },
    opts,
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-data`,
    {
      role: role.id,
      policy: pulumi
        .all([s.rawBucketArn, pulumi.all(s.streamArns)])
        .apply(([bucket, streams]) =>
          JSON.stringify(dataAccessPolicy(bucket, s.deltaPrefix, streams)),
        ),
    },
    opts,
  );
  const profile = new aws.iam.InstanceProfile(
    `${name}-data`,
    { name: s.roleName, role: role.name, tags: s.tags },
    opts,
  );
  const passRole = new aws.iam.RolePolicy(
    `${name}-pass-role`,
    {
      role: s.crossAccountRoleName,
      policy: role.arn.apply((arn) => JSON.stringify(passRolePolicy(arn))),
    },
    opts,
  );
  const registered = new databricks.InstanceProfile(
    `${name}-data`,
    { instanceProfileArn: profile.arn },
    {
      parent,
      dependsOn: [iamPropagationWait(parent, `${name}-data`, role.arn, [passRole, policy, profile])],
    },
  );
  // The jobs' clusters carry the instance profile and run as the service principal, which must be
  // allowed to use it: attached to it (provider doc of databricks_service_principal_role).
  new databricks.ServicePrincipalRole(
    `${name}-run-as-data`,
    { servicePrincipalId: s.runAsId, role: registered.instanceProfileArn },
    opts,
  );
  return { roleArn: role.arn, instanceProfileArn: registered.instanceProfileArn };
}

/** The course's mount of the raw bucket, made once by Pulumi (a scheduled run never re-mounts). */
export function rawMount(
  parent: pulumi.Resource,
  name: string,
  prefix: string,
  bucketName: pulumi.Input<string>,
  cluster: databricks.Cluster,
  instanceProfileArn: pulumi.Input<string>,
): pulumi.Output<string> {
  const mount = new databricks.Mount(
    `${name}-raw-mount`,
    {
      name: `${prefix}-raw`,
      clusterId: cluster.id,
      s3: { bucketName, instanceProfile: instanceProfileArn },
    },
    { parent },
  );
  return pulumi.interpolate`/mnt/${mount.name}`;
}
