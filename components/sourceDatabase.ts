import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { checkLogRetention, logRetention } from "./shared/logs";
import { SOURCE_DATABASE_NAME, SOURCE_DATABASE_USER } from "./shared/naming";
import { wholeNumber, WholeSetting } from "./shared/validate";

/** Arguments of {@link SourceDatabase}. */
export interface SourceDatabaseArgs {
  /** Prefix every AWS name derives from (the stack's `prefix`). */
  readonly prefix: string;
  /** VPC the database lives in. */
  readonly vpcId: pulumi.Input<string>;
  /**
   * Subnets (two zones) of the DB subnet group, fixed for the instance's life: RDS cannot move an
   * instance to other subnets of the same VPC, so the group is the public subnets from day one
   * and opening the database to `allowedCidrs` only flips `publiclyAccessible` and adds rules.
   */
  readonly publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Security groups (e.g. the Kafka client machine's) allowed to connect on 3306. The component
   * adds the ingress rule on its own group and the matching egress rule on each client group, so
   * those groups must declare no inline rules. @default []
   */
  readonly clientSecurityGroupIds?: pulumi.Input<string>[];
  /** CIDRs outside the VPC allowed on 3306; non-empty makes the instance public. @default [] */
  readonly allowedCidrs?: string[];
  /** Apply instance changes now instead of in the next maintenance window. @default true */
  readonly applyImmediately?: boolean;
  /** Queries slower than this many seconds go to the slow query log. @default 2 */
  readonly longQuerySeconds?: number;
  /** RDS instance class. @default "db.t4g.micro" */
  readonly instanceClass?: pulumi.Input<string>;
  /** Storage in GiB (gp3, encrypted). @default 20 */
  readonly allocatedStorageGb?: pulumi.Input<number>;
  /** MySQL major.minor version; 8.x only (5.7 is paid extended support). @default "8.4" */
  readonly engineVersion?: string;
  /** Days of automated backups (7–35). @default 7 */
  readonly backupRetentionDays?: number;
  /** Standby in a second zone. @default false */
  readonly multiAz?: pulumi.Input<boolean>;
  /** Refuse deletion (production); destroying the stack means turning it off first. @default false */
  readonly deletionProtection?: boolean;
  /**
   * Delete without a final snapshot and drop the automated backups with the instance; pass the
   * stack's `allowDataLoss`. When false a delete keeps both. @default false
   */
  readonly skipFinalSnapshot?: boolean;
  /**
   * Pulumi's `protect` on the instance: no `pulumi destroy` or replacement deletes it until the
   * option is removed, whatever deletionProtection says (docs/operations.md). @default false
   */
  readonly protect?: boolean;
  /** Master password as a Pulumi secret; when absent RDS generates and rotates one in Secrets Manager. @default undefined */
  readonly masterPassword?: pulumi.Input<string>;
  /** Days to keep the exported MySQL error and slow-query logs. @default 30 */
  readonly logRetentionDays?: number;
  /** Tags added to every resource. @default {} */
  readonly tags?: Record<string, string>;
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
/** The widest range a stack may open MySQL to: a /16 is already 65,536 addresses. */
const WIDEST_ALLOWED_PREFIX = 16;
/** MySQL 8.x as RDS names its versions: `8.4`, `8.0`, `8.0.39`. */
export const MYSQL_8_VERSION = /^8\.\d+(\.\d+)?$/;

/** Whether `cidr` is an IPv4 CIDR no wider than a /16 (what allowedCidrs may open MySQL to). */
export function isAllowedCidr(cidr: string): boolean {
  const match = IPV4_CIDR.exec(cidr);
  return (
    !!match &&
    match.slice(1, 5).every((o) => Number(o) <= 255) &&
    Number(match[5]) >= WIDEST_ALLOWED_PREFIX &&
    Number(match[5]) <= 32
  );
}

/** What RDS accepts for each numeric argument, and the default (the stack config reads these). */
export const SOURCE_DATABASE_LIMITS = {
  /** RDS's gp3 floor is 20 GiB; the ceiling is a cost guard (RDS itself allows 65,536). */
  allocatedStorageGb: { min: 20, max: 1000, default: 20 },
  /** The security baseline asks for a week at least; RDS keeps at most 35 days. */
  backupRetentionDays: { min: 7, max: 35, default: 7 },
} as const satisfies Record<string, WholeSetting>;

/** Checks arguments; the security rules (no 0.0.0.0/0, MySQL 8.x, ≥ 7 days of backups) live here. */
export function validateSourceDatabaseArgs(args: SourceDatabaseArgs): void {
  for (const cidr of args.allowedCidrs ?? []) {
    const match = IPV4_CIDR.exec(cidr);
    if (!match || match.slice(1, 5).some((o) => Number(o) > 255) || Number(match[5]) > 32) {
      throw new Error(
        `SourceDatabase allowedCidrs entry "${cidr}" is not an IPv4 CIDR such as "203.0.113.7/32".`,
      );
    }
    if (Number(match[5]) < WIDEST_ALLOWED_PREFIX) {
      throw new Error(
        `SourceDatabase allowedCidrs entry "${cidr}" opens MySQL to more than a /${WIDEST_ALLOWED_PREFIX}; ` +
          `list your own addresses (e.g. "203.0.113.7/32") instead.`,
      );
    }
  }
  const version = args.engineVersion ?? "8.4";
  if (!MYSQL_8_VERSION.test(version)) {
    throw new Error(
      `SourceDatabase engineVersion "${version}" is not MySQL 8.x; use e.g. "8.4" or "8.0".`,
    );
  }
  const slow = args.longQuerySeconds ?? 2;
  if (!(slow >= 0 && slow <= 3600)) {
    throw new Error(`SourceDatabase longQuerySeconds ${slow} must be from 0 to 3600 seconds.`);
  }
  const limits = SOURCE_DATABASE_LIMITS;
  wholeNumber(
    "SourceDatabase",
    "backupRetentionDays",
    args.backupRetentionDays,
    limits.backupRetentionDays,
  );
  checkLogRetention("SourceDatabase", "logRetentionDays", args.logRetentionDays);
}

/** MySQL's port. */
export const MYSQL_PORT = 3306;

/**
 * The final snapshot's name: unique per deployment of the stack, yet stable across updates. A
 * fixed name collides on the second destroy after a recreate (the first snapshot is still
 * there); a timestamp would change on every run (a perpetual diff). The VPC id is assigned by
 * AWS once per network, kept in state, and new after a destroy and a fresh `up`.
 */
export function finalSnapshotIdentifier(
  identifier: string,
  vpcId: pulumi.Input<string>,
): pulumi.Output<string> {
  return pulumi
    .output(vpcId)
    .apply((id) => `${identifier}-final-${id.replace(/^vpc-/, "").replace(/[^a-zA-Z0-9]+/g, "")}`);
}

/**
 * The pipeline's source: a private, encrypted RDS MySQL 8 instance holding the three row-aligned
 * tables the emulator reads. The password never appears in outputs: either RDS manages it in
 * Secrets Manager, or a given Pulumi secret is stored there.
 */
export class SourceDatabase extends pulumi.ComponentResource {
  /** The instance's DNS address. Never empty. */
  readonly host: pulumi.Output<string>;
  /** MySQL's port (3306). Never empty. */
  readonly port: pulumi.Output<number>;
  /** The source database's name. Never empty. */
  readonly databaseName: pulumi.Output<string>;
  /** The admin login's name. Never empty. */
  readonly username: pulumi.Output<string>;
  /**
   * ARN of the Secrets Manager secret holding `{"username","password"}`: the stack's own, or the
   * one RDS manages. Never empty.
   */
  readonly secretArn: pulumi.Output<string>;
  /** The database's security group. Never empty. */
  readonly securityGroupId: pulumi.Output<string>;
  /** The RDS instance's identifier. Never empty. */
  readonly instanceIdentifier: pulumi.Output<string>;

  constructor(name: string, args: SourceDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest-pipeline:components:SourceDatabase", name, {}, opts);
    validateSourceDatabaseArgs(args);
    const parent = { parent: this };
    const tags = { ...args.tags };
    const identifier = `${args.prefix}-source`;
    const publicAccess = (args.allowedCidrs ?? []).length > 0;
    const username = SOURCE_DATABASE_USER;

    // Rules are standalone resources, one per source (the provider's advice in
    // node_modules/@pulumi/aws/ec2/securityGroup.d.ts); the group declares none inline. The
    // provider removes AWS's default allow-all egress at creation: a database starts no
    // connections of its own.
    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: `MySQL ${identifier}: only its clients on 3306`,
        tags: { ...tags, Name: `${identifier}-mysql` },
      },
      parent,
    );
    const mysql = { ipProtocol: "tcp", fromPort: MYSQL_PORT, toPort: MYSQL_PORT };
    (args.clientSecurityGroupIds ?? []).forEach((clientGroupId, i) => {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-from-client-${i}`,
        {
          ...mysql,
          securityGroupId: securityGroup.id,
          description: "MySQL from a client security group",
          referencedSecurityGroupId: clientGroupId,
          tags,
        },
        parent,
      );
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-client-${i}-to-mysql`,
        {
          ...mysql,
          securityGroupId: clientGroupId,
          description: `MySQL to ${identifier}`,
          referencedSecurityGroupId: securityGroup.id,
          tags,
        },
        parent,
      );
    });
    // Named after the CIDR, so that removing one address leaves the others' rules untouched.
    for (const cidr of args.allowedCidrs ?? []) {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-from-${cidr.replace(/[./]/g, "-")}`,
        {
          ...mysql,
          securityGroupId: securityGroup.id,
          description: "MySQL from a listed CIDR (stack config sourceDatabase.allowedCidrs)",
          cidrIpv4: cidr,
          tags,
        },
        parent,
      );
    }
    const subnetGroup = new aws.rds.SubnetGroup(
      `${name}-subnets`,
      {
        description: `Subnets of ${identifier}`,
        subnetIds: args.publicSubnetIds,
        tags,
      },
      parent,
    );
    const family = `mysql${(args.engineVersion ?? "8.4").split(".").slice(0, 2).join(".")}`;
    const parameterGroup = new aws.rds.ParameterGroup(
      `${name}-params`,
      {
        family,
        description: `${identifier}: TLS only, utf8mb4, slow query log`,
        parameters: [
          { name: "require_secure_transport", value: "1" },
          { name: "character_set_server", value: "utf8mb4" },
          { name: "collation_server", value: "utf8mb4_0900_ai_ci" },
          // The slowquery export stays empty unless the log is on and written to a file:
          // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.MySQLDB.PublishtoCloudWatchLogs.html
          { name: "slow_query_log", value: "1" },
          { name: "long_query_time", value: String(args.longQuerySeconds ?? 2) },
          { name: "log_output", value: "FILE" },
        ],
        tags,
      },
      parent,
    );
    // RDS creates these groups on first export with no retention; creating them first sets one.
    const logGroups = ["error", "slowquery"].map(
      (log) =>
        new aws.cloudwatch.LogGroup(
          `${name}-log-${log}`,
          {
            name: `/aws/rds/instance/${identifier}/${log}`,
            retentionInDays: logRetention(args.logRetentionDays),
            tags,
          },
          parent,
        ),
    );

    const deletionProtection = args.deletionProtection ?? false;
    // What a delete keeps follows the data rule, not deletionProtection: destroying a protected
    // stack turns protection off first, and that must not also drop the snapshot and backups.
    const skipFinalSnapshot = args.skipFinalSnapshot ?? false;
    const instance = new aws.rds.Instance(
      `${name}-mysql`,
      {
        identifier,
        engine: "mysql",
        engineVersion: args.engineVersion ?? "8.4",
        instanceClass: args.instanceClass ?? "db.t4g.micro",
        allocatedStorage:
          args.allocatedStorageGb ?? SOURCE_DATABASE_LIMITS.allocatedStorageGb.default,
        storageType: "gp3",
        storageEncrypted: true,
        dbName: SOURCE_DATABASE_NAME,
        username,
        ...(args.masterPassword
          ? { password: args.masterPassword }
          : { manageMasterUserPassword: true }),
        dbSubnetGroupName: subnetGroup.name,
        parameterGroupName: parameterGroup.name,
        vpcSecurityGroupIds: [securityGroup.id],
        publiclyAccessible: publicAccess,
        // Without it, class, storage and parameter-group changes wait for the maintenance window
        // while `pulumi up` reports success.
        applyImmediately: args.applyImmediately ?? true,
        // Only a permission: RDS refuses a new major version (8.0 -> 8.4) without it, and the
        // family-named parameter group is replaced in the same modification.
        allowMajorVersionUpgrade: true,
        multiAz: args.multiAz ?? false,
        backupRetentionPeriod:
          args.backupRetentionDays ?? SOURCE_DATABASE_LIMITS.backupRetentionDays.default,
        copyTagsToSnapshot: true,
        deletionProtection,
        skipFinalSnapshot,
        finalSnapshotIdentifier: skipFinalSnapshot
          ? undefined
          : finalSnapshotIdentifier(identifier, args.vpcId),
        // The provider's default (true) deletes the automated backups, and with them every
        // point-in-time restore, together with the instance.
        deleteAutomatedBackups: skipFinalSnapshot,
        autoMinorVersionUpgrade: true,
        enabledCloudwatchLogsExports: ["error", "slowquery"],
        tags,
      },
      { parent: this, dependsOn: logGroups, protect: args.protect ?? false },
    );

    this.secretArn = args.masterPassword
      ? this.storePassword(name, identifier, username, args.masterPassword, instance, tags)
      : instance.masterUserSecrets.apply((secrets) => secrets[0]?.secretArn ?? "");
    this.host = instance.address;
    this.port = instance.port;
    this.databaseName = pulumi.output(SOURCE_DATABASE_NAME);
    this.username = pulumi.output(username);
    this.securityGroupId = securityGroup.id;
    this.instanceIdentifier = instance.identifier;
    this.registerOutputs({
      host: this.host,
      port: this.port,
      databaseName: this.databaseName,
      secretArn: this.secretArn,
    });
  }

  /** Keeps a stack-supplied password where clients look for it: a Secrets Manager secret. */
  private storePassword(
    name: string,
    identifier: string,
    username: string,
    password: pulumi.Input<string>,
    instance: aws.rds.Instance,
    tags: Record<string, string>,
  ): pulumi.Output<string> {
    const secret = new aws.secretsmanager.Secret(
      `${name}-credentials`,
      {
        namePrefix: `${identifier}-credentials-`,
        description: `MySQL login of ${identifier}`,
        tags,
      },
      { parent: this },
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-credentials`,
      {
        secretId: secret.id,
        secretString: pulumi.secret(
          pulumi.jsonStringify({ username, password, host: instance.address, port: instance.port }),
        ),
      },
      { parent: this },
    );
    return secret.arn;
  }
}
