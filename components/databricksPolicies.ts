// IAM documents of the Databricks data role, as pure functions of ARNs so tests can read them.

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: Record<string, unknown>[];
}

/** Folder of the raw bucket the S3 sink writes (read only for Databricks). */
export const RAW_PREFIX = "topics/";

/**
 * What the clusters may do with the data: list and read the sink's `topics/` objects, read and
 * write the Delta folder (tables and checkpoints), and read this stack's Kinesis streams.
 */
export function dataAccessPolicy(
  bucketArn: string,
  deltaPrefix: string,
  streamArns: string[],
): PolicyDocument {
  const statements: Record<string, unknown>[] = [
    {
      Sid: "ListRawAndDeltaFolders",
      Effect: "Allow",
      Action: ["s3:ListBucket", "s3:GetBucketLocation"],
      Resource: bucketArn,
      Condition: { StringLike: { "s3:prefix": [`${RAW_PREFIX}*`, `${deltaPrefix}*`, ""] } },
    },
    {
      Sid: "ReadRawEvents",
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: `${bucketArn}/${RAW_PREFIX}*`,
    },
    {
      Sid: "ReadWriteDeltaTables",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: `${bucketArn}/${deltaPrefix}*`,
    },
  ];
  if (streamArns.length > 0) {
    statements.push({
      Sid: "ReadStreams",
      Effect: "Allow",
      Action: [
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:GetShardIterator",
        "kinesis:GetRecords",
        "kinesis:ListShards",
      ],
      Resource: streamArns,
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}

/** Trust for the instance-profile route: only EC2 (the cluster's machines) assumes the role. */
export function ec2TrustPolicy(): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
    ],
  };
}

/**
 * Trust for the Unity Catalog route: Databricks' Unity Catalog role, bound to the account by the
 * external id, and the role itself (Databricks requires a self-assuming storage credential role).
 */
export function unityCatalogTrustPolicy(
  masterRoleArn: string,
  externalId: string,
  selfRoleArn: string,
): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { AWS: [masterRoleArn, selfRoleArn] },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "sts:ExternalId": externalId } },
      },
    ],
  };
}

/** Lets the workspace's cross-account role hand exactly this role to cluster machines. */
export function passRolePolicy(roleArn: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "iam:PassRole", Resource: roleArn }],
  };
}
