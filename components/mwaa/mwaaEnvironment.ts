import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { MWAA_LOG_KINDS, mwaaExecutionPolicy, mwaaTrustPolicy } from "./mwaaPolicies";
import { checkLogRetention, logRetention } from "../shared/logs";
import { checkPrefix } from "../shared/naming";

/** Arguments of {@link MwaaEnvironment}. */
export interface MwaaEnvironmentArgs {
  /** Prefix every name derives from (the stack's `prefix`). */
  readonly prefix: string;
  /** VPC of the environment. */
  readonly vpcId: pulumi.Input<string>;
  /** Range of the VPC: the metadata database is reached inside it. */
  readonly vpcCidr: pulumi.Input<string>;
  /** Two private subnets with a route to AWS APIs (a NAT gateway). */
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Name of the versioned, private bucket holding the DAG and requirements. */
  readonly bucketName: pulumi.Input<string>;
  /** ARN of that bucket. */
  readonly bucketArn: pulumi.Input<string>;
  /** Databricks workspace URL for the `databricks_default` connection. */
  readonly databricksHost: pulumi.Input<string>;
  /**
   * The connection's login (Pulumi secrets; stored only in Secrets Manager): a service principal's
   * OAuth client, or a personal access token.
   */
  readonly databricksLogin: DatabricksConnectionLogin;
  /** Airflow version MWAA runs. @default "3.0.6" */
  readonly airflowVersion?: string;
  /** Environment class (mw1.micro ≈ $250/month, mw1.small ≈ $360/month). @default "mw1.small" */
  readonly environmentClass?: string;
  /** Webserver reachable from the internet (with IAM login) or only from the VPC. @default false */
  readonly publicWebserver?: boolean;
  /** Days to keep Airflow logs. @default 30 */
  readonly logRetentionDays?: number;
  /** Folder of the DAG sources. @default the repository's databricks/dags */
  readonly dagDir?: string;
  /** Tags added to every resource. @default {} */
  readonly tags?: Record<string, string>;
  /**
   * Create the environment itself, the part billed by the hour; false (a paused stack) keeps the
   * DAG, the secret, the role, the logs and the group, so resuming brings back the same ones.
   * @default true
   */
  readonly environment?: boolean;
}

/**
 * MWAA's environment classes (Amazon MWAA User Guide, "Amazon MWAA environment class"); any other
 * value fails only when the environment is created, half an hour into `pulumi up`.
 */
export const MWAA_ENVIRONMENT_CLASSES = [
  "mw1.micro",
  "mw1.small",
  "mw1.medium",
  "mw1.large",
  "mw1.xlarge",
  "mw1.2xlarge",
] as const;

/**
 * Checks what MWAA would refuse only after creating the role, bucket objects and network: the
 * class, the shape of the Airflow version (the list MWAA supports changes with its releases, so
 * only its form and major version are checked here: the DAG is written for Airflow 2.7 and later),
 * and the log retention.
 */
export function validateMwaaEnvironmentArgs(args: MwaaEnvironmentArgs): void {
  checkPrefix("MwaaEnvironment", args.prefix);
  const cls = args.environmentClass ?? "mw1.small";
  if (!(MWAA_ENVIRONMENT_CLASSES as readonly string[]).includes(cls)) {
    throw new Error(
      `MwaaEnvironment environmentClass "${cls}" is not one of ${MWAA_ENVIRONMENT_CLASSES.join(", ")}.`,
    );
  }
  const version = args.airflowVersion ?? "3.0.6";
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  const [major, minor] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (!match || major < 2 || (major === 2 && minor < 7)) {
    throw new Error(
      `MwaaEnvironment airflowVersion "${version}" must be an MWAA release of Airflow 2.7 or later ` +
        `(e.g. "3.0.6"); see the Amazon MWAA User Guide, "Apache Airflow versions".`,
    );
  }
  checkLogRetention("MwaaEnvironment", "logRetentionDays", args.logRetentionDays);
}

/** The provider MWAA must install for the DAG (its constraint file allows this version). */
/** How Airflow's `databricks_default` connection logs in to the workspace. */
export type DatabricksConnectionLogin =
  | {
      readonly kind: "oauth";
      readonly clientId: pulumi.Input<string>;
      readonly clientSecret: pulumi.Input<string>;
    }
  | { readonly kind: "token"; readonly token: pulumi.Input<string> };

/**
 * The connection's fields for a login. The Databricks provider of Airflow takes a service
 * principal's OAuth client as login and password with `service_principal_oauth` in the extra
 * (apache-airflow-providers-databricks, "Databricks Connection": "Service Principal OAuth"), and
 * a token as the password.
 */
export function databricksConnection(
  host: pulumi.Input<string>,
  login: DatabricksConnectionLogin,
): pulumi.Output<string> {
  const fields =
    login.kind === "oauth"
      ? {
          conn_type: "databricks",
          host,
          login: login.clientId,
          password: login.clientSecret,
          extra: JSON.stringify({ service_principal_oauth: true }),
        }
      : { conn_type: "databricks", host, password: login.token };
  return pulumi.secret(pulumi.jsonStringify(fields));
}

export const MWAA_REQUIREMENTS = "apache-airflow-providers-databricks\n";

/**
 * The course's orchestration, optional: an MWAA environment whose only DAG triggers the
 * Databricks batch job daily. Logs on at INFO for every component; the Databricks connection
 * lives in Secrets Manager; the webserver is private unless the stack opens it.
 */
export class MwaaEnvironment extends pulumi.ComponentResource {
  /** The MWAA environment's name; empty ("") when `environment` is false (paused). */
  readonly environmentName: pulumi.Output<string>;
  /** The Airflow UI's address (webserver URL); empty ("") when `environment` is false (paused). */
  readonly webserverUrl: pulumi.Output<string>;
  /** ARN of the environment's execution role (kept while paused). Never empty. */
  readonly executionRoleArn: pulumi.Output<string>;

  constructor(name: string, args: MwaaEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest-pipeline:components:MwaaEnvironment", name, {}, opts);
    validateMwaaEnvironmentArgs(args);
    const parent = { parent: this };
    const envName = `${args.prefix}-airflow`;
    const tags = args.tags ?? {};
    const dagDir = args.dagDir ?? path.resolve(__dirname, "..", "..", "databricks", "dags");

    const dag = new aws.s3.BucketObjectv2(
      `${name}-dag`,
      {
        bucket: args.bucketName,
        key: "dags/pinterest_batch_dag.py",
        source: new pulumi.asset.FileAsset(path.join(dagDir, "pinterest_batch_dag.py")),
        serverSideEncryption: "AES256",
      },
      parent,
    );
    const requirements = new aws.s3.BucketObjectv2(
      `${name}-requirements`,
      {
        bucket: args.bucketName,
        key: "requirements.txt",
        content: MWAA_REQUIREMENTS,
        serverSideEncryption: "AES256",
      },
      parent,
    );

    // Airflow reads connections from here (secrets backend below); the token never reaches a DAG.
    // The name is fixed (the backend looks it up by name), so it is deleted at once: with Secrets
    // Manager's default 30-day recovery window the name stays taken, and turning MWAA off and on
    // again, or destroying and re-creating the stack, fails at CreateSecret. It holds only a copy
    // of the stack's Databricks secrets.
    const connection = new aws.secretsmanager.Secret(
      `${name}-databricks-connection`,
      {
        name: `airflow/${args.prefix}/connections/databricks_default`,
        recoveryWindowInDays: 0,
        tags,
      },
      parent,
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-databricks-connection`,
      {
        secretId: connection.id,
        secretString: databricksConnection(args.databricksHost, args.databricksLogin),
      },
      parent,
    );

    const logGroups = MWAA_LOG_KINDS.map(
      (kind) =>
        new aws.cloudwatch.LogGroup(
          `${name}-log-${kind.toLowerCase()}`,
          {
            name: `airflow-${envName}-${kind}`,
            retentionInDays: logRetention(args.logRetentionDays),
            tags,
          },
          parent,
        ),
    );

    const region = aws.getRegionOutput({}, parent).region;
    const account = aws.getCallerIdentityOutput({}, parent).accountId;
    const role = new aws.iam.Role(
      `${name}-execution`,
      { assumeRolePolicy: JSON.stringify(mwaaTrustPolicy()), description: `MWAA ${envName}`, tags },
      parent,
    );
    const executionPolicy = new aws.iam.RolePolicy(
      `${name}-execution`,
      {
        role: role.id,
        policy: pulumi
          .all([region, account, args.bucketArn, connection.arn])
          .apply(([r, a, bucketArn, connectionSecretArn]) =>
            JSON.stringify(
              mwaaExecutionPolicy({
                region: r,
                accountId: a,
                environmentName: envName,
                bucketArn,
                connectionSecretArn,
              }),
            ),
          ),
      },
      parent,
    );

    // Workers talk to the webserver and the metadata database over HTTPS and PostgreSQL only.
    const sg = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: `MWAA ${envName}: its own members, HTTPS out`,
        ingress: [
          {
            description: "HTTPS between environment members",
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            self: true,
          },
          {
            description: "Metadata database between members",
            protocol: "tcp",
            fromPort: 5432,
            toPort: 5432,
            self: true,
          },
        ],
        egress: [
          {
            description: "AWS APIs and Databricks over HTTPS",
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrBlocks: ["0.0.0.0/0"],
          },
          {
            description: "Metadata database endpoint",
            protocol: "tcp",
            fromPort: 5432,
            toPort: 5432,
            cidrBlocks: [args.vpcCidr],
          },
        ],
        tags: { ...tags, Name: `${envName}-sg` },
      },
      parent,
    );

    const logs = { enabled: true, logLevel: "INFO" };
    const environment =
      args.environment === false
        ? undefined
        : new aws.mwaa.Environment(
            `${name}-env`,
            {
              name: envName,
              airflowVersion: args.airflowVersion ?? "3.0.6",
              environmentClass: args.environmentClass ?? "mw1.small",
              minWorkers: 1,
              maxWorkers: 2,
              executionRoleArn: role.arn,
              sourceBucketArn: args.bucketArn,
              dagS3Path: "dags",
              requirementsS3Path: requirements.key,
              requirementsS3ObjectVersion: requirements.versionId,
              networkConfiguration: { securityGroupIds: [sg.id], subnetIds: args.privateSubnetIds },
              webserverAccessMode: args.publicWebserver ? "PUBLIC_ONLY" : "PRIVATE_ONLY",
              loggingConfiguration: {
                dagProcessingLogs: logs,
                schedulerLogs: logs,
                taskLogs: logs,
                webserverLogs: logs,
                workerLogs: logs,
              },
              airflowConfigurationOptions: {
                "pinterest.prefix": args.prefix,
                "secrets.backend":
                  "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend",
                "secrets.backend_kwargs": JSON.stringify({
                  connections_prefix: `airflow/${args.prefix}/connections`,
                }),
              },
              tags,
            },
            // CreateEnvironment checks the role's permissions: the policy must be attached first.
            { parent: this, dependsOn: [dag, executionPolicy, ...logGroups] },
          );

    this.environmentName = environment?.name ?? pulumi.output("");
    this.webserverUrl = environment?.webserverUrl ?? pulumi.output("");
    this.executionRoleArn = role.arn;
    this.registerOutputs({
      environmentName: this.environmentName,
      webserverUrl: this.webserverUrl,
    });
  }
}
