import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** The course's database name; the emulator and the loader default to it. */
export const SOURCE_DATABASE_NAME = "pinterest_data";

/** Arguments of {@link SourceDatabase}. */
export interface SourceDatabaseArgs {
  /** Prefix every AWS name derives from (the stack's `prefix`). */
  readonly prefix: string;
  /** VPC the database lives in. */
  readonly vpcId: pulumi.Input<string>;
  /** Private subnets (two zones) for the instance when it is not reachable from outside. */
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Public subnets, used only when `allowedCidrs` is non-empty. @default [] */
  readonly publicSubnetIds?: pulumi.Input<pulumi.Input<string>[]>;
  /** Security groups (e.g. a client machine's) allowed to connect on 3306. @default [] */
  readonly clientSecurityGroupIds?: pulumi.Input<string>[];
  /** CIDRs outside the VPC allowed on 3306; non-empty makes the instance public. @default [] */
  readonly allowedCidrs?: string[];
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
  /** Refuse deletion and keep a final snapshot (production). @default false */
  readonly deletionProtection?: boolean;
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
  if (!/^8\.\d+(\.\d+)?$/.test(version)) {
    throw new Error(
      `SourceDatabase engineVersion "${version}" is not MySQL 8.x; use e.g. "8.4" or "8.0".`,
    );
  }
  const backups = args.backupRetentionDays ?? 7;
  if (!Number.isInteger(backups) || backups < 7 || backups > 35) {
    throw new Error(
      `SourceDatabase backupRetentionDays ${backups} must be a whole number from 7 to 35.`,
    );
  }
}

/**
 * The pipeline's source: a private, encrypted RDS MySQL 8 instance holding the three row-aligned
 * tables the emulator reads. The password never appears in outputs: either RDS manages it in
 * Secrets Manager, or a given Pulumi secret is stored there.
 */
export class SourceDatabase extends pulumi.ComponentResource {
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  readonly databaseName: pulumi.Output<string>;
  readonly username: pulumi.Output<string>;
  /** ARN of the Secrets Manager secret holding `{"username","password"}`. */
  readonly secretArn: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;
  readonly instanceIdentifier: pulumi.Output<string>;

  constructor(name: string, args: SourceDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest-pipeline:components:SourceDatabase", name, {}, opts);
    validateSourceDatabaseArgs(args);
    const parent = { parent: this };
    const tags = { ...args.tags };
    const identifier = `${args.prefix}-source`;
    const publicAccess = (args.allowedCidrs ?? []).length > 0;
    const username = "pipeline_admin";

    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: `MySQL ${identifier}: only its clients on 3306`,
        ingress: [
          ...(args.clientSecurityGroupIds ?? []).map((sg) => ({
            description: "MySQL from a client security group",
            protocol: "tcp",
            fromPort: 3306,
            toPort: 3306,
            securityGroups: [sg],
          })),
          ...(publicAccess
            ? [
                {
                  description:
                    "MySQL from the listed CIDRs (stack config sourceDatabase.allowedCidrs)",
                  protocol: "tcp",
                  fromPort: 3306,
                  toPort: 3306,
                  cidrBlocks: args.allowedCidrs,
                },
              ]
            : []),
        ],
        // A database answers; it starts no connections of its own.
        egress: [],
        tags: { ...tags, Name: `${identifier}-mysql` },
      },
      parent,
    );
    const subnetGroup = new aws.rds.SubnetGroup(
      `${name}-subnets`,
      {
        description: `Subnets of ${identifier}`,
        subnetIds: publicAccess ? (args.publicSubnetIds ?? []) : args.privateSubnetIds,
        tags,
      },
      parent,
    );
    const family = `mysql${(args.engineVersion ?? "8.4").split(".").slice(0, 2).join(".")}`;
    const parameterGroup = new aws.rds.ParameterGroup(
      `${name}-params`,
      {
        family,
        description: `${identifier}: TLS only, utf8mb4`,
        parameters: [
          { name: "require_secure_transport", value: "1" },
          { name: "character_set_server", value: "utf8mb4" },
          { name: "collation_server", value: "utf8mb4_0900_ai_ci" },
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
            retentionInDays: args.logRetentionDays ?? 30,
            tags,
          },
          parent,
        ),
    );

    const deletionProtection = args.deletionProtection ?? false;
    const instance = new aws.rds.Instance(
      `${name}-mysql`,
      {
        identifier,
        engine: "mysql",
        engineVersion: args.engineVersion ?? "8.4",
        instanceClass: args.instanceClass ?? "db.t4g.micro",
        allocatedStorage: args.allocatedStorageGb ?? 20,
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
        multiAz: args.multiAz ?? false,
        backupRetentionPeriod: args.backupRetentionDays ?? 7,
        copyTagsToSnapshot: true,
        deletionProtection,
        skipFinalSnapshot: !deletionProtection,
        finalSnapshotIdentifier: deletionProtection ? `${identifier}-final` : undefined,
        autoMinorVersionUpgrade: true,
        enabledCloudwatchLogsExports: ["error", "slowquery"],
        tags,
      },
      { parent: this, dependsOn: logGroups },
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
