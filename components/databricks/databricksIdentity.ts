// Who runs the Databricks side and who may touch it: the service principal both jobs run as, the
// workspace folder of the code (owned by the stack, not /Shared) with its permissions, and the
// Unity Catalog grants of that principal and of a readers group. Builders of DatabricksWorkspace:
// their resources are that component's children.
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";

/** The identity both jobs run as. */
export interface RunAsIdentity {
  /** The principal's application id: `runAs.servicePrincipalName` and a grant's `principal`. */
  readonly applicationId: pulumi.Output<string>;
  /** Its workspace id (what `databricks.ServicePrincipalRole` takes). */
  readonly id: pulumi.Output<string>;
}

/**
 * A service principal of the workspace, `<prefix>-jobs`, or the existing one `applicationId`
 * names. Created, it may not create clusters of its own (`allow_cluster_create` false, provider
 * doc of databricks_service_principal); whether its jobs' clusters need more is for a real
 * workspace to show (docs/databricks.md, "What only a real deployment can prove").
 */
export function runAsIdentity(
  parent: pulumi.Resource,
  name: string,
  prefix: string,
  applicationId?: string,
): RunAsIdentity {
  if (applicationId !== undefined) {
    const found = databricks.getServicePrincipalOutput({ applicationId }, { parent });
    return { applicationId: pulumi.output(applicationId), id: found.id };
  }
  const sp = new databricks.ServicePrincipal(
    `${name}-run-as`,
    { displayName: `${prefix}-jobs`, allowClusterCreate: false, workspaceAccess: true },
    { parent },
  );
  return { applicationId: sp.applicationId, id: sp.id };
}

/** The workspace folder the stack owns for its code and dashboard (never under /Shared). */
export const workspaceRoot = (prefix: string) => `/pinterest-pipeline/${prefix}`;

/**
 * The folder of the notebooks, the mount route's wheel and the dashboard, with explicit
 * permissions: the run-as principal may read and run what is in it, the readers group may read
 * it, and nobody else but the workspace admins (who keep CAN_MANAGE everywhere) may change it.
 * Everything in /Shared is CAN_MANAGE for every user, and a folder's permissions pass to what it
 * holds (provider doc of databricks_permissions, "Folder usage").
 */
export function codeFolder(
  parent: pulumi.Resource,
  name: string,
  spec: { path: string; runAs: RunAsIdentity; readersGroup?: string },
): databricks.Directory {
  const folder = new databricks.Directory(`${name}-folder`, { path: spec.path }, { parent });
  new databricks.Permissions(
    `${name}-folder`,
    {
      directoryPath: folder.path,
      accessControls: [
        { servicePrincipalName: spec.runAs.applicationId, permissionLevel: "CAN_RUN" },
        ...(spec.readersGroup
          ? [{ groupName: spec.readersGroup, permissionLevel: "CAN_READ" }]
          : []),
      ],
    },
    { parent },
  );
  return folder;
}

/** The Unity Catalog objects the grants are on. */
export interface GrantTargets {
  /** The existing catalog (not the stack's: its grants are added, never replaced). */
  readonly catalog: string;
  /** `catalog.schema` of the stack's schema. */
  readonly schema: pulumi.Input<string>;
  /** Full names (`catalog.schema.volume`) of the raw and work volumes. */
  readonly rawVolume: pulumi.Input<string>;
  readonly workVolume: pulumi.Input<string>;
  /** The Kinesis service credential, where the streaming job reads streams with one. */
  readonly kinesisCredential?: pulumi.Input<string>;
}

/** Privileges of each principal, by securable (Databricks "Unity Catalog privileges and securable objects"). */
export const RUN_AS_PRIVILEGES = {
  catalog: ["USE_CATALOG"],
  // The jobs create and replace their tables (MERGE, overwrite) and read them back.
  schema: ["USE_SCHEMA", "CREATE_TABLE", "MODIFY", "SELECT"],
  rawVolume: ["READ_VOLUME"],
  // Checkpoints are written here, and the wheel the jobs install is read from here.
  workVolume: ["READ_VOLUME", "WRITE_VOLUME"],
  // Using a service credential needs ACCESS on it (Databricks "Use Unity Catalog service
  // credentials", "Before you begin"); the provider doc of databricks_grants lists ACCESS for it.
  kinesisCredential: ["ACCESS"],
} as const;
/** The readers group sees the tables (the dashboard's queries run with its own rights). */
export const READER_PRIVILEGES = { catalog: ["USE_CATALOG"], schema: ["USE_SCHEMA", "SELECT"] };

/**
 * The grants on the stack's securables, authoritative there (databricks_grants replaces every grant
 * of its securable: the stack's schema, volumes and credential hold only these), and USE_CATALOG on
 * the existing catalog added principal by principal (databricks_grant, which leaves others' grants
 * alone).
 */
export function unityCatalogGrants(
  parent: pulumi.Resource,
  name: string,
  targets: GrantTargets,
  runAs: RunAsIdentity,
  readersGroup?: string,
): void {
  const opts = { parent };
  const sp = runAs.applicationId;
  const readers = readersGroup ? [readersGroup] : [];
  for (const [i, principal] of [sp, ...readers].entries()) {
    new databricks.Grant(
      `${name}-catalog-${i === 0 ? "run-as" : "readers"}`,
      { catalog: targets.catalog, principal, privileges: [...RUN_AS_PRIVILEGES.catalog] },
      opts,
    );
  }
  new databricks.Grants(
    `${name}-grants-schema`,
    {
      schema: targets.schema,
      grants: [
        { principal: sp, privileges: [...RUN_AS_PRIVILEGES.schema] },
        ...readers.map((group) => ({ principal: group, privileges: READER_PRIVILEGES.schema })),
      ],
    },
    opts,
  );
  const only = (kind: keyof typeof RUN_AS_PRIVILEGES, securable: Record<string, unknown>) =>
    new databricks.Grants(
      `${name}-grants-${kind}`,
      { ...securable, grants: [{ principal: sp, privileges: [...RUN_AS_PRIVILEGES[kind]] }] },
      opts,
    );
  only("rawVolume", { volume: targets.rawVolume });
  only("workVolume", { volume: targets.workVolume });
  if (targets.kinesisCredential !== undefined) {
    only("kinesisCredential", { credential: targets.kinesisCredential });
  }
}
