import { expect } from "chai";
import {
  RawBucket,
  RawBucketArgs,
  tlsOnlyBucketPolicy,
  validateRawBucketArgs,
} from "../../components/rawBucket";
import { harness, PulumiHarness } from "../../tools/pulumi-mock/mockEngine";

// Mocks prove which S3 resources exist and what they ask for; they cannot prove that S3 applies the
// lifecycle on schedule or that a real request without TLS is refused (AWS does that).
describe("RawBucket", () => {
  let h: PulumiHarness;
  beforeEach(() => {
    h = harness().install();
  });

  async function build(args: Partial<RawBucketArgs> = {}) {
    const bucket = new RawBucket("raw", { namePrefix: "pin-test-raw", ...args });
    await h.settle();
    return bucket;
  }

  it("builds exactly the bucket and its six baseline resources", async () => {
    await build();
    expect(h.counts()).to.deep.equal({
      "pinterest-pipeline:components:RawBucket": 1,
      "aws:s3/bucket:Bucket": 1,
      "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
      "aws:s3/bucketVersioning:BucketVersioning": 1,
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
      "aws:s3/bucketPolicy:BucketPolicy": 1,
    });
  });

  it("names the bucket from the prefix and keeps data on destroy by default", async () => {
    await build();
    const bucket = h.one("aws:s3/bucket:Bucket").inputs;
    expect(bucket.bucketPrefix).to.equal("pin-test-raw-");
    expect(bucket.forceDestroy).to.equal(false);
  });

  it("empties the bucket on destroy only when asked", async () => {
    await build({ forceDestroy: true });
    expect(h.one("aws:s3/bucket:Bucket").inputs.forceDestroy).to.equal(true);
  });

  // https://www.pulumi.com/docs/iac/concepts/options/retainondelete/: the resource stays in AWS
  // when Pulumi deletes it. All seven are kept, so a kept bucket keeps its protections too.
  it("keeps the bucket and every setting of it in AWS on delete only when asked", async () => {
    await build();
    expect(h.resources.filter((r) => r.custom).map((r) => r.retainOnDelete)).to.not.include(true);
    h = harness().install();
    await build({ retainOnDelete: true });
    const children = h.resources.filter((r) => r.custom);
    expect(children).to.have.length(7);
    expect(children.every((r) => r.retainOnDelete)).to.equal(true);
  });

  // The public access block's four settings: the policy pack (s3-bucket-blocks-public-access).
  it("disables ACLs: the bucket owner owns every object", async () => {
    await build();
    const ownership = h.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs;
    expect(ownership.rule).to.deep.equal({ objectOwnership: "BucketOwnerEnforced" });
  });

  it("encrypts with SSE-S3 by default and with the given KMS key and a bucket key", async () => {
    await build();
    const type =
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
    expect(h.one(type).inputs.rules).to.deep.equal([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
    ]);
    h = harness().install();
    await build({ kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/k" });
    expect(h.one(type).inputs.rules).to.deep.equal([
      {
        applyServerSideEncryptionByDefault: {
          sseAlgorithm: "aws:kms",
          kmsMasterKeyId: "arn:aws:kms:eu-west-1:123456789012:key/k",
        },
        bucketKeyEnabled: true,
      },
    ]);
  });

  it("versions objects and expires old versions and stale uploads", async () => {
    await build({ noncurrentVersionDays: 14 });
    const versioning = h.one("aws:s3/bucketVersioning:BucketVersioning");
    expect(versioning.inputs.versioningConfiguration).to.deep.equal({ status: "Enabled" });
    const lifecycle = h.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
    expect(lifecycle.inputs.rules).to.deep.equal([
      {
        id: "noncurrent-versions-and-incomplete-uploads",
        status: "Enabled",
        filter: {},
        noncurrentVersionExpiration: { noncurrentDays: 14 },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      },
    ]);
    expect(lifecycle.dependsOn).to.include(versioning.urn);
  });

  it("expires current objects under a prefix when asked", async () => {
    await build({ expirationDays: 90, expirationPrefix: "topics/" });
    const rules = h.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs
      .rules;
    expect(rules[1]).to.deep.equal({
      id: "expire-current-objects",
      status: "Enabled",
      filter: { prefix: "topics/" },
      expiration: { days: 90 },
    });
  });

  it("denies every request without TLS, after the public access block exists", async () => {
    await build();
    const bucket = h.one("aws:s3/bucket:Bucket");
    const policy = h.one("aws:s3/bucketPolicy:BucketPolicy");
    expect(JSON.parse(policy.inputs.policy)).to.deep.equal(tlsOnlyBucketPolicy(bucket.state.arn));
    const block = h.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
    expect(policy.dependsOn).to.include(block.urn);
  });

  it("parents every child to the component and exposes name and ARN", async () => {
    const raw = await build();
    const component = h.one("pinterest-pipeline:components:RawBucket");
    expect(h.childrenOf(component)).to.have.length(h.resources.length - 1);
    const bucket = h.one("aws:s3/bucket:Bucket").state;
    expect(await h.value(raw.bucketName)).to.equal(bucket.bucket);
    expect(await h.value(raw.bucketArn)).to.equal(bucket.arn);
  });
});

describe("tlsOnlyBucketPolicy", () => {
  it("denies s3:* on the bucket and its objects when aws:SecureTransport is false", () => {
    const statement = tlsOnlyBucketPolicy("arn:aws:s3:::b").Statement[0];
    expect(statement).to.deep.equal({
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });
});

describe("RawBucket argument validation", () => {
  const cases: [string, Partial<RawBucketArgs>, string][] = [
    ["upper case", { namePrefix: "Pin-Raw" }, 'namePrefix "Pin-Raw" must be 3–36'],
    ["too short", { namePrefix: "ab" }, 'namePrefix "ab" must be'],
    ["too long", { namePrefix: "a".repeat(37) }, "must be 3–36"],
    ["leading dash", { namePrefix: "-raw" }, 'namePrefix "-raw"'],
    ["zero version days", { noncurrentVersionDays: 0 }, "noncurrentVersionDays 0 must be"],
    ["fractional expiry", { expirationDays: 1.5 }, "expirationDays 1.5 must be"],
    ["prefix alone", { expirationPrefix: "topics/" }, 'expirationPrefix "topics/" is set without'],
  ];
  for (const [label, args, message] of cases) {
    it(`rejects ${label}`, () => {
      expect(() => validateRawBucketArgs({ namePrefix: "pin-raw", ...args })).to.throw(message);
    });
  }
  it("accepts the defaults", () => {
    expect(() => validateRawBucketArgs({ namePrefix: "pin-dev-raw" })).not.to.throw();
  });
});
