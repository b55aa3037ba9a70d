// IAM documents of the MWAA execution role, as pure functions so tests can read every statement.
import { PolicyDocument, policyDocument, serviceTrustPolicy } from "../shared/iam";

/** MWAA's log groups for an environment: `airflow-<name>-<Kind>`. */
export const MWAA_LOG_KINDS = [
  "DAGProcessing",
  "Scheduler",
  "Task",
  "WebServer",
  "Worker",
] as const;

export function mwaaTrustPolicy(): PolicyDocument {
  return serviceTrustPolicy(["airflow.amazonaws.com", "airflow-env.amazonaws.com"]);
}

export interface MwaaPolicyScope {
  readonly region: string;
  readonly accountId: string;
  readonly environmentName: string;
  readonly bucketArn: string;
  readonly connectionSecretArn: string;
}

/**
 * What the environment needs and no more: its own metrics, its DAG bucket, its log groups, its
 * Celery queue (and the AWS-owned key that encrypts it), and the one secret holding the Databricks
 * connection. `logs:DescribeLogGroups`, `s3:GetAccountPublicAccessBlock` and
 * `cloudwatch:PutMetricData` accept no resource scope (AWS documents them as `*`-only).
 * Source: AWS MWAA User Guide, "Amazon MWAA execution role",
 * https://docs.aws.amazon.com/mwaa/latest/userguide/mwaa-create-role.html (sample policy for an
 * environment on an AWS-owned key).
 */
export function mwaaExecutionPolicy(s: MwaaPolicyScope): PolicyDocument {
  const logGroup = `arn:aws:logs:${s.region}:${s.accountId}:log-group:airflow-${s.environmentName}-*`;
  return policyDocument(
    {
      Sid: "PublishOwnMetrics",
      Effect: "Allow",
      Action: "airflow:PublishMetrics",
      Resource: `arn:aws:airflow:${s.region}:${s.accountId}:environment/${s.environmentName}`,
    },
    {
      Sid: "ReadDagBucket",
      Effect: "Allow",
      Action: ["s3:GetObject*", "s3:GetBucket*", "s3:List*"],
      Resource: [s.bucketArn, `${s.bucketArn}/*`],
    },
    {
      Sid: "WriteOwnLogs",
      Effect: "Allow",
      Action: [
        "logs:CreateLogStream",
        "logs:CreateLogGroup",
        "logs:PutLogEvents",
        "logs:GetLogEvents",
        "logs:GetLogRecord",
        "logs:GetLogGroupFields",
        "logs:GetQueryResults",
      ],
      Resource: [logGroup, `${logGroup}:*`],
    },
    {
      Sid: "DescribeLogGroups",
      Effect: "Allow",
      Action: "logs:DescribeLogGroups",
      Resource: "*",
    },
    {
      // MWAA checks that the DAG bucket blocks public access before it uses it.
      Sid: "ReadAccountPublicAccessBlock",
      Effect: "Allow",
      Action: "s3:GetAccountPublicAccessBlock",
      Resource: "*",
    },
    {
      Sid: "PutMetrics",
      Effect: "Allow",
      Action: "cloudwatch:PutMetricData",
      Resource: "*",
      Condition: { StringEquals: { "cloudwatch:namespace": "AmazonMWAA" } },
    },
    {
      Sid: "CeleryQueue",
      Effect: "Allow",
      Action: [
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:ReceiveMessage",
        "sqs:SendMessage",
      ],
      Resource: `arn:aws:sqs:${s.region}:*:airflow-celery-*`,
    },
    {
      // The Celery queue lives in an AWS service account, encrypted with an AWS-owned key: any
      // key outside this account, and only when SQS in this region uses it for the caller.
      Sid: "CeleryQueueKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:Encrypt"],
      NotResource: `arn:aws:kms:*:${s.accountId}:key/*`,
      Condition: { StringLike: { "kms:ViaService": [`sqs.${s.region}.amazonaws.com`] } },
    },
    {
      Sid: "DatabricksConnection",
      Effect: "Allow",
      Action: "secretsmanager:GetSecretValue",
      Resource: s.connectionSecretArn,
    },
  );
}
