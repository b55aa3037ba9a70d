// IAM documents of the Databricks data role, as pure functions of ARNs so tests can read them.
import { PolicyDocument, policyDocument, PolicyStatement, serviceTrustPolicy } from "../shared/iam";

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
  const statements: PolicyStatement[] = [
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
  if (streamArns.length > 0) statements.push(readStreamsStatement(streamArns));
  return policyDocument(...statements);
}

/**
 * Reading these streams with Databricks' Kinesis source (polling, its default `consumerMode`):
 * "The Kinesis source requires ListShards, GetRecords, and GetShardIterator permissions"
 * (docs.databricks.com/aws/en/connect/streaming/kinesis, "Authenticate with Amazon Kinesis"), and
 * a consumer describes the stream before reading (AWS Kinesis Data Streams Developer Guide,
 * "Create an IAM policy and user": DescribeStream, DescribeStreamSummary). No enhanced fan-out
 * (SubscribeToShard, RegisterStreamConsumer) and no writes.
 */
export function readStreamsStatement(streamArns: string[]): PolicyStatement {
  return {
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
  };
}

/** Trust for the instance-profile route: only EC2 (the cluster's machines) assumes the role. */
export function ec2TrustPolicy(): PolicyDocument {
  return serviceTrustPolicy("ec2.amazonaws.com");
}

/** Databricks' Unity Catalog role on AWS (the provider's default `unityCatalogIamArn`). */
export const UC_MASTER_ROLE_ARN =
  "arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL";

/**
 * Trust for the Unity Catalog route, the document `databricks.getAwsUnityCatalogAssumeRolePolicy`
 * renders (provider source `aws/data_aws_unity_catalog_assume_role_policy.go`): Databricks' Unity
 * Catalog role, and the role itself (Databricks requires storage-credential roles to be
 * self-assuming), both bound to the storage credential's external id. The role is named through
 * the account root plus an `aws:PrincipalArn` condition, never as a principal: IAM resolves
 * principals when the policy is saved, so a role cannot name itself on creation.
 */
export function unityCatalogTrustPolicy(
  accountId: string,
  roleName: string,
  externalId: string,
): PolicyDocument {
  const condition = { StringEquals: { "sts:ExternalId": externalId } };
  return policyDocument(
    {
      Sid: "UnityCatalogAssumeRole",
      Effect: "Allow",
      Principal: { AWS: UC_MASTER_ROLE_ARN },
      Action: "sts:AssumeRole",
      Condition: condition,
    },
    {
      Sid: "ExplicitSelfRoleAssumption",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${accountId}:root` },
      Action: "sts:AssumeRole",
      Condition: {
        ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${accountId}:role/${roleName}` },
        ...condition,
      },
    },
  );
}

/**
 * What the Unity Catalog storage credential may do: list the raw bucket and read it (the external
 * location over it is read-only; tables, checkpoints and the package live in the catalog's managed
 * storage), and assume itself, which Databricks' self-assuming role needs in the role's own policy
 * too (as in the provider's `getAwsUnityCatalogPolicy` document, `aws/data_aws_unity_catalog_policy.go`).
 */
export function unityCatalogDataPolicy(bucketArn: string, roleArn: string): PolicyDocument {
  return policyDocument(
    {
      // No prefix condition: Unity Catalog validates the location by listing its root.
      Sid: "ListRawBucket",
      Effect: "Allow",
      Action: ["s3:ListBucket", "s3:GetBucketLocation"],
      Resource: bucketArn,
    },
    {
      Sid: "ReadRawBucket",
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: `${bucketArn}/*`,
    },
    assumeSelfStatement(roleArn),
  );
}

/** A Unity Catalog credential's role assuming itself (the policy half of self-assumption). */
function assumeSelfStatement(roleArn: string): PolicyStatement {
  return { Sid: "AssumeSelf", Effect: "Allow", Action: "sts:AssumeRole", Resource: roleArn };
}

/**
 * What the Unity Catalog service credential for Kinesis may do: read this stack's streams, and
 * assume itself (a Unity Catalog credential's role is self-assuming, in its trust and in its own
 * policy, as for the storage credential above; Databricks "Create service credentials", step 3).
 */
export function unityCatalogKinesisPolicy(streamArns: string[], roleArn: string): PolicyDocument {
  return policyDocument(readStreamsStatement(streamArns), assumeSelfStatement(roleArn));
}

/** Lets the workspace's cross-account role hand exactly this role to cluster machines. */
export function passRolePolicy(roleArn: string): PolicyDocument {
  return policyDocument({ Effect: "Allow", Action: "iam:PassRole", Resource: roleArn });
}
