// The IAM side of DatabricksWorkspace's Unity Catalog credentials, each a function creating its
// resources under the component: the role any Unity Catalog credential assumes (used by the
// storage credential of the raw bucket, databricksStorage.ts) and the service credential the
// streaming job reads Kinesis with.
import * as aws from "@pulumi/aws";
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { unityCatalogKinesisPolicy, unityCatalogTrustPolicy } from "./databricksPolicies";

export interface UnityCatalogRoleSpec {
  /** Physical name of the role (the credential already names it by ARN). */
  readonly roleName: string;
  readonly description: string;
  readonly accountId: pulumi.Input<string>;
  /** The credential's external id, which Databricks computes when it is created. */
  readonly externalId: pulumi.Input<string>;
  /** The role's own policy, given the role's ARN (for its self-assumption). */
  readonly policy: (roleArn: pulumi.Output<string>) => pulumi.Output<string>;
  readonly tags?: Record<string, string>;
}

/**
 * The role behind a Unity Catalog credential, in the provider's documented order (guide
 * `unity-catalog.md`; Databricks "Create service credentials", steps 1–3): the credential, created
 * first, names the role by its ARN, built from its name (referencing the role would be a cycle);
 * the role's trust then carries the credential's own external id, for Databricks' Unity Catalog
 * role and for the role itself. The role and its policy share the logical name `logicalName`.
 */
export function unityCatalogRole(
  parent: pulumi.Resource,
  logicalName: string,
  s: UnityCatalogRoleSpec,
): { role: aws.iam.Role; policy: aws.iam.RolePolicy } {
  const role = new aws.iam.Role(
    logicalName,
    {
      name: s.roleName,
      description: s.description,
      assumeRolePolicy: pulumi
        .all([s.accountId, s.externalId])
        .apply(([account, id]) => JSON.stringify(unityCatalogTrustPolicy(account, s.roleName, id))),
      tags: s.tags,
    },
    { parent },
  );
  const policy = new aws.iam.RolePolicy(
    logicalName,
    { role: role.id, policy: s.policy(role.arn) },
    { parent },
  );
  return { role, policy };
}

export interface KinesisCredentialSpec {
  readonly prefix: string;
  readonly accountId: pulumi.Input<string>;
  /** The streams the streaming job reads (the role may read these and nothing else). */
  readonly streamArns: pulumi.Input<string>[];
  readonly tags?: Record<string, string>;
}

/** What the streaming job needs of the Kinesis service credential. */
export interface KinesisCredential {
  /** Name of the service credential: the Kinesis source's `serviceCredential` option. */
  readonly name: pulumi.Output<string>;
  /** ARN of the role it assumes (`<prefix>-databricks-kinesis`). */
  readonly roleArn: pulumi.Output<string>;
  /** The role and its policy: whatever reads the streams waits for them. */
  readonly access: pulumi.Resource[];
}

/**
 * Kinesis on the Unity Catalog route: a standard-access cluster has no instance profile, so its
 * Kinesis source authenticates with a Unity Catalog service credential (`serviceCredential`,
 * Databricks Runtime 16.1 and above; docs.databricks.com/aws/en/connect/streaming/kinesis,
 * "Authenticate with Amazon Kinesis"): a credential of purpose SERVICE over a role that may read
 * this stack's streams only (provider doc of `databricks_credential`). The job's owner, who
 * creates the credential, owns it, which includes the ACCESS privilege using it needs
 * ("Use Unity Catalog service credentials", "Before you begin").
 */
export function kinesisServiceCredential(
  parent: pulumi.Resource,
  name: string,
  s: KinesisCredentialSpec,
): KinesisCredential {
  const roleName = `${s.prefix}-databricks-kinesis`;
  const credential = new databricks.Credential(
    `${name}-kinesis-credential`,
    {
      name: `${s.prefix}-kinesis`,
      purpose: "SERVICE",
      awsIamRole: { roleArn: pulumi.interpolate`arn:aws:iam::${s.accountId}:role/${roleName}` },
      // The role cannot pass validation when the credential is created: its trust needs the
      // external id Databricks computes then (steps 2 and 3 of "Create service credentials"), and
      // IAM may still be propagating it afterwards. The provider doc of databricks_credential
      // offers skip_validation ("Suppress validation errors if any & force save the credential");
      // nothing else in the stack validates the credential, so the job's first run is its check.
      skipValidation: true,
      comment: `pinterest-pipeline ${s.prefix}: read the stack's Kinesis streams`,
    },
    { parent },
  );
  const { role, policy } = unityCatalogRole(parent, `${name}-kinesis`, {
    roleName,
    description: `Unity Catalog service credential: read ${s.prefix}'s Kinesis streams`,
    accountId: s.accountId,
    externalId: credential.awsIamRole.apply((r) => r?.externalId ?? ""),
    policy: (roleArn) =>
      pulumi
        .all([pulumi.all(s.streamArns), roleArn])
        .apply(([streams, arn]) => JSON.stringify(unityCatalogKinesisPolicy(streams, arn))),
    tags: s.tags,
  });
  return { name: credential.name, roleArn: role.arn, access: [role, policy] };
}
