import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { positiveWholeNumber } from "./shared/validate";
import { policyDocument } from "./shared/iam";

/** Arguments of {@link RawBucket}. */
export interface RawBucketArgs {
  /** Start of the bucket name (e.g. `pin-dev-raw`); AWS appends a unique suffix. */
  readonly namePrefix: string;
  /** Let `pulumi destroy` delete a non-empty bucket; pass the stack's `allowDataLoss` here. @default false */
  readonly forceDestroy?: boolean;
  /** Days to keep an object version after it is overwritten or deleted. @default 30 */
  readonly noncurrentVersionDays?: number;
  /** Days after which current objects under `expirationPrefix` expire. @default undefined (kept) */
  readonly expirationDays?: number;
  /** Key prefix `expirationDays` applies to (e.g. `topics/`). @default "" (the whole bucket) */
  readonly expirationPrefix?: string;
  /** KMS key for SSE-KMS with an S3 bucket key; without it objects use SSE-S3 (AES-256). @default undefined */
  readonly kmsKeyArn?: pulumi.Input<string>;
  /**
   * Keep the bucket and its settings in AWS when the stack deletes them (`pulumi destroy`, or the
   * component leaving the program): for data that must outlive the stack. @default false
   */
  readonly retainOnDelete?: boolean;
  /**
   * Pulumi's `protect` on the bucket itself: no `pulumi destroy` or replacement deletes it until
   * the option is removed (docs/operations.md). @default false
   */
  readonly protect?: boolean;
  /** Tags added to the bucket. @default {} */
  readonly tags?: Record<string, string>;
}

/** S3 allows 63 characters; `bucketPrefix` may use at most 37 of them (AWS adds 26). */
const MAX_NAME_PREFIX = 36;
/** Days before an unfinished multipart upload is aborted (its parts are billed until then). */
const ABORT_MULTIPART_DAYS = 7;

/** Checks arguments that S3 would reject only when the bucket is created. */
export function validateRawBucketArgs(args: RawBucketArgs): void {
  const prefix = args.namePrefix;
  if (
    !/^[a-z0-9][a-z0-9-]*$/.test(prefix) ||
    prefix.length < 3 ||
    prefix.length > MAX_NAME_PREFIX
  ) {
    throw new Error(
      `RawBucket namePrefix "${prefix}" must be 3–${MAX_NAME_PREFIX} lowercase letters, digits ` +
        `or '-', starting with a letter or digit (e.g. "pin-dev-raw").`,
    );
  }
  positiveWholeNumber("RawBucket", "noncurrentVersionDays", args.noncurrentVersionDays, "days");
  positiveWholeNumber("RawBucket", "expirationDays", args.expirationDays, "days");
  if (args.expirationPrefix !== undefined && args.expirationDays === undefined) {
    throw new Error(
      `RawBucket expirationPrefix "${args.expirationPrefix}" is set without expirationDays; ` +
        `set both or neither.`,
    );
  }
}

/** The bucket policy: every request that is not over TLS is denied, whoever makes it. */
export function tlsOnlyBucketPolicy(bucketArn: string) {
  return policyDocument({
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  });
}

/**
 * A private S3 bucket with the project's storage baseline: all four public-access blocks, owner-
 * enforced ownership (no ACLs), default encryption, versioning, a lifecycle, and TLS-only access.
 * Reusable for any data the pipeline keeps (raw events, connector plugins, Delta tables).
 */
export class RawBucket extends pulumi.ComponentResource {
  /** The bucket's name (`<namePrefix>` and AWS's unique suffix). Never empty. */
  readonly bucketName: pulumi.Output<string>;
  /** ARN of the bucket. Never empty. */
  readonly bucketArn: pulumi.Output<string>;
  /** The bucket's regional domain name (`<bucket>.s3.<region>.amazonaws.com`). Never empty. */
  readonly bucketRegionalDomainName: pulumi.Output<string>;

  constructor(name: string, args: RawBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest-pipeline:components:RawBucket", name, {}, opts);
    validateRawBucketArgs(args);
    // Every child is retained, not just the bucket: a kept bucket without its public-access block,
    // encryption default and TLS-only policy would be a weaker bucket than the one deployed.
    const parent = { parent: this, retainOnDelete: args.retainOnDelete ?? false };

    const bucket = new aws.s3.Bucket(
      `${name}-bucket`,
      {
        bucketPrefix: `${args.namePrefix}-`,
        forceDestroy: args.forceDestroy ?? false,
        tags: { ...args.tags, Name: args.namePrefix },
      },
      { ...parent, protect: args.protect ?? false },
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      parent,
    );
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      parent,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket: bucket.id,
        rules: [
          args.kmsKeyArn
            ? {
                applyServerSideEncryptionByDefault: {
                  sseAlgorithm: "aws:kms",
                  kmsMasterKeyId: args.kmsKeyArn,
                },
                // One data key per bucket instead of per object: ~99 % fewer KMS requests.
                bucketKeyEnabled: true,
              }
            : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        ],
      },
      parent,
    );
    const versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
      parent,
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket: bucket.id,
        rules: [
          {
            id: "noncurrent-versions-and-incomplete-uploads",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays ?? 30 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_MULTIPART_DAYS },
          },
          ...(args.expirationDays !== undefined
            ? [
                {
                  id: "expire-current-objects",
                  status: "Enabled",
                  filter: { prefix: args.expirationPrefix ?? "" },
                  expiration: { days: args.expirationDays },
                },
              ]
            : []),
        ],
      },
      // S3 rejects a lifecycle with version rules until versioning is on.
      { ...parent, dependsOn: [versioning] },
    );
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket: bucket.id,
        policy: bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))),
      },
      // With the block in place first, S3 can never hold a public policy, even for a moment.
      { ...parent, dependsOn: [publicAccessBlock] },
    );

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.bucketRegionalDomainName = bucket.bucketRegionalDomainName;
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
  }
}
