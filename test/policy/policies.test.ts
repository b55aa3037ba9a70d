// The policy pack (policy/policies.ts) over the graphs the committed stacks build, and over
// resources planted to break each rule: every policy runs as the CLI's analyzer would call it
// (test/harness/policyRun.ts). What this cannot prove: that AWS would refuse the planted resources
// (the pack judges inputs, as `pulumi preview --policy-pack policy` does), and a stack's
// allowDataLoss or a role's reach over this stack's own ARNs, which the component tests hold.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { policies } from "../../policy/policies";
import { mandatoryViolations, violations } from "../harness/policyRun";
import { harness, RecordedResource } from "../../tools/pulumi-mock/mockEngine";
import { readStackConfig, REPO_ROOT, runStack } from "../../tools/pulumi-mock/mockRun";

type Graph = readonly RecordedResource[];

/** The graph with one resource's inputs changed (found by logical name and type). */
function plant(graph: Graph, name: string, type: string, change: (inputs: any) => any): Graph {
  const target = graph.find((r) => r.name === name && r.type === type);
  if (!target) throw new Error(`no ${type} named ${name} in the graph`);
  return graph.map((r) => (r === target ? { ...r, inputs: change(structuredClone(r.inputs)) } : r));
}

/** The graph with one more resource, registered at the stack's top level. */
function add(graph: Graph, type: string, name: string, inputs: any): Graph {
  const urn = `urn:pulumi:dev::pinterest-pipeline::${type}::${name}`;
  const planted: RecordedResource = {
    ...graph.find((r) => r.custom)!,
    type,
    name,
    urn,
    inputs,
    propertyDependencies: {},
    dependsOn: [],
  };
  return [...graph, planted];
}

/** The graph without the resources of this type and name. */
const without = (graph: Graph, name: string, type: string): Graph =>
  graph.filter((r) => !(r.name === name && r.type === type));

const policy = (doc: object) => JSON.stringify({ Version: "2012-10-17", Statement: [doc] });

const BUCKET_PARTS = "aws:s3/bucket";
const SG_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const MWAA = "aws:mwaa/environment:Environment";
const INSTANCE = "aws:ec2/instance:Instance";
const TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
/** A launch template's user data is base64 (node_modules/@pulumi/aws/ec2/launchTemplate.d.ts). */
const base64 = {
  decode: (text: string) => Buffer.from(text, "base64").toString("utf8"),
  encode: (text: string) => Buffer.from(text, "utf8").toString("base64"),
};

/** One planted break per policy: the graph change and the resource the pack must name. */
const PLANTED: Record<string, { plant: (g: Graph) => Graph; resource: string; on?: "prod" }> = {
  "s3-bucket-blocks-public-access": {
    plant: (g) =>
      plant(
        g,
        "batch-raw-public-access",
        `${BUCKET_PARTS}PublicAccessBlock:BucketPublicAccessBlock`,
        (i) => ({
          ...i,
          restrictPublicBuckets: false,
        }),
      ),
    resource: "batch-raw-bucket",
  },
  "s3-bucket-encrypted": {
    plant: (g) =>
      without(
        g,
        "batch-raw-encryption",
        `${BUCKET_PARTS}ServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration`,
      ),
    resource: "batch-raw-bucket",
  },
  "s3-bucket-versioned": {
    plant: (g) =>
      plant(g, "batch-raw-versioning", `${BUCKET_PARTS}Versioning:BucketVersioning`, (i) => ({
        ...i,
        versioningConfiguration: { status: "Suspended" },
      })),
    resource: "batch-raw-bucket",
  },
  "s3-bucket-lifecycle": {
    plant: (g) =>
      plant(
        g,
        "batch-raw-lifecycle",
        `${BUCKET_PARTS}LifecycleConfiguration:BucketLifecycleConfiguration`,
        (i) => ({ ...i, rules: i.rules.slice(1) }),
      ),
    resource: "batch-raw-bucket",
  },
  "s3-bucket-denies-insecure-transport": {
    plant: (g) => without(g, "batch-raw-policy", `${BUCKET_PARTS}Policy:BucketPolicy`),
    resource: "batch-raw-bucket",
  },
  "kinesis-stream-encrypted-with-retention": {
    plant: (g) =>
      plant(g, "stream-pin", "aws:kinesis/stream:Stream", (i) => ({
        ...i,
        encryptionType: "NONE",
      })),
    resource: "stream-pin",
  },
  "kinesis-stream-alarms": {
    plant: (g) =>
      plant(g, "stream-geo-iterator-age", "aws:cloudwatch/metricAlarm:MetricAlarm", (i) => ({
        ...i,
        threshold: 24 * 3600 * 1000,
      })),
    resource: "stream-geo",
  },
  "msk-iam-tls-logged-private": {
    plant: (g) =>
      plant(g, "batch-msk-cluster", "aws:msk/cluster:Cluster", (i) => ({
        ...i,
        clientAuthentication: { unauthenticated: true },
      })),
    resource: "batch-msk-cluster",
  },
  "msk-connector-iam-tls": {
    plant: (g) =>
      plant(g, "batch-sink-connector", "aws:mskconnect/connector:Connector", (i) => ({
        ...i,
        kafkaClusterEncryptionInTransit: { encryptionType: "PLAINTEXT" },
      })),
    resource: "batch-sink-connector",
    // dev runs its sink on the client machine (kafka.sinkRunner: client): prod has the connector.
    on: "prod",
  },
  "client-connect-worker-iam-tls": {
    plant: (g) =>
      plant(g, "batch-client-template", TEMPLATE, (i) => ({
        ...i,
        userData: base64.encode(
          base64
            .decode(i.userData)
            .replace("consumer.security.protocol=SASL_SSL", "consumer.security.protocol=PLAINTEXT"),
        ),
      })),
    resource: "batch-client-template",
  },
  "ec2-instance-hardened": {
    plant: (g) =>
      plant(g, "batch-client-template", TEMPLATE, (i) => ({
        ...i,
        metadataOptions: { ...i.metadataOptions, httpTokens: "optional" },
      })),
    resource: "batch-client-template",
  },
  "ec2-instance-no-public-address": {
    plant: (g) =>
      plant(g, "batch-client-template", TEMPLATE, (i) => ({
        ...i,
        networkInterfaces: [{ ...i.networkInterfaces[0], associatePublicIpAddress: "true" }],
      })),
    resource: "batch-client-template",
  },
  "apigateway-method-needs-api-key": {
    plant: (g) =>
      plant(g, "stream-api-put-record", "aws:apigateway/method:Method", (i) => ({
        ...i,
        apiKeyRequired: false,
      })),
    resource: "stream-api-put-record",
  },
  "apigateway-body-validated": {
    plant: (g) =>
      plant(g, "stream-api-put-records", "aws:apigateway/method:Method", (i) => ({
        ...i,
        requestValidatorId: undefined,
      })),
    resource: "stream-api-put-records",
  },
  "apigateway-usage-plan-limits": {
    plant: (g) =>
      plant(g, "stream-api-usage-plan", "aws:apigateway/usagePlan:UsagePlan", (i) => ({
        ...i,
        quotaSettings: undefined,
      })),
    resource: "stream-api-usage-plan",
  },
  "apigateway-stage-logged-traced": {
    plant: (g) =>
      plant(g, "batch-api-stage", "aws:apigateway/stage:Stage", (i) => ({
        ...i,
        xrayTracingEnabled: false,
      })),
    resource: "batch-api-stage",
  },
  "apigateway-no-data-trace": {
    plant: (g) =>
      plant(
        g,
        "stream-api-method-settings",
        "aws:apigateway/methodSettings:MethodSettings",
        (i) => ({
          ...i,
          settings: { ...i.settings, dataTraceEnabled: true },
        }),
      ),
    resource: "stream-api-method-settings",
  },
  "rds-encrypted-backed-up-mysql8": {
    plant: (g) =>
      plant(g, "source-mysql", "aws:rds/instance:Instance", (i) => ({
        ...i,
        backupRetentionPeriod: 1,
      })),
    resource: "source-mysql",
  },
  "rds-mysql-requires-tls": {
    plant: (g) =>
      plant(g, "source-params", "aws:rds/parameterGroup:ParameterGroup", (i) => ({
        ...i,
        parameters: i.parameters.filter((p: any) => p.name !== "require_secure_transport"),
      })),
    resource: "source-params",
  },
  "security-group-no-open-ingress": {
    plant: (g) =>
      plant(g, "batch-api-proxy-from-nlb", SG_INGRESS, (i) => ({
        ...i,
        referencedSecurityGroupId: undefined,
        cidrIpv4: "0.0.0.0/0",
      })),
    resource: "batch-api-proxy-from-nlb",
  },
  "security-group-no-all-ports": {
    plant: (g) =>
      plant(g, "batch-sink-sg", "aws:ec2/securityGroup:SecurityGroup", (i) => ({
        ...i,
        egress: [{ ...i.egress[0], protocol: "-1", fromPort: 0, toPort: 0 }],
      })),
    resource: "batch-sink-sg",
    on: "prod",
  },
  "security-group-described": {
    plant: (g) =>
      plant(g, "batch-msk-brokers-from-client-0", SG_INGRESS, (i) => ({
        ...i,
        description: undefined,
      })),
    resource: "batch-msk-brokers-from-client-0",
  },
  "vpc-s3-gateway-endpoint": {
    plant: (g) => g.filter((r) => r.type !== "aws:ec2/vpcEndpoint:VpcEndpoint"),
    resource: "network-vpc",
  },
  "iam-no-wildcard-action": {
    plant: (g) =>
      plant(g, "batch-client-kafka", "aws:iam/rolePolicy:RolePolicy", (i) => ({
        ...i,
        policy: policy({ Effect: "Allow", Action: "kafka-cluster:*", Resource: "arn:aws:kafka:x" }),
      })),
    resource: "batch-client-kafka",
  },
  "iam-no-wildcard-resource": {
    plant: (g) =>
      plant(g, "batch-client-kafka", "aws:iam/rolePolicy:RolePolicy", (i) => ({
        ...i,
        policy: policy({ Effect: "Allow", Action: "kafka-cluster:Connect", Resource: "*" }),
      })),
    resource: "batch-client-kafka",
  },
  "iam-no-full-access-policy": {
    plant: (g) =>
      plant(g, "batch-client-ssm", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", (i) => ({
        ...i,
        policyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess",
      })),
    resource: "batch-client-ssm",
  },
  "iam-trust-names-its-principal": {
    plant: (g) =>
      plant(g, "batch-client-role", "aws:iam/role:Role", (i) => ({
        ...i,
        assumeRolePolicy: policy({
          Effect: "Allow",
          Principal: { AWS: "*" },
          Action: "sts:AssumeRole",
        }),
      })),
    resource: "batch-client-role",
  },
  "iam-passrole-scoped": {
    plant: (g) =>
      plant(g, "batch-client-kafka", "aws:iam/rolePolicy:RolePolicy", (i) => ({
        ...i,
        policy: policy({ Effect: "Allow", Action: "iam:PassRole", Resource: "*" }),
      })),
    resource: "batch-client-kafka",
  },
  "databricks-no-access-keys": {
    plant: (g) =>
      plant(g, "databricks-cluster", "databricks:index/cluster:Cluster", (i) => ({
        ...i,
        sparkConf: { ...i.sparkConf, "spark.hadoop.fs.s3a.access.key": "AKIA..." },
      })),
    resource: "databricks-cluster",
  },
  "databricks-cluster-autoterminates": {
    plant: (g) =>
      plant(g, "databricks-cluster", "databricks:index/cluster:Cluster", (i) => ({
        ...i,
        autoterminationMinutes: 0,
      })),
    resource: "databricks-cluster",
  },
  "mwaa-logs-on": {
    plant: (g) =>
      add(g, MWAA, "planted-airflow", {
        webserverAccessMode: "PRIVATE_ONLY",
        loggingConfiguration: { taskLogs: { enabled: true, logLevel: "INFO" } },
      }),
    resource: "planted-airflow",
  },
  "mwaa-private-webserver": {
    plant: (g) => add(g, MWAA, "planted-airflow", { webserverAccessMode: "PUBLIC_ONLY" }),
    resource: "planted-airflow",
  },
  "log-group-retention": {
    plant: (g) =>
      plant(g, "batch-sink-logs", "aws:cloudwatch/logGroup:LogGroup", (i) => ({
        ...i,
        retentionInDays: undefined,
      })),
    resource: "batch-sink-logs",
    on: "prod",
  },
  "kms-key-rotates": {
    plant: (g) =>
      add(g, "aws:kms/key:Key", "planted-key", {
        enableKeyRotation: true,
        policy: policy({ Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*" }),
      }),
    resource: "planted-key",
  },
};

describe("policy pack (policy/policies.ts)", function () {
  this.timeout(120_000);
  const graphs: Record<string, Graph> = {};
  const MOUNT_ROUTE = { storageRoute: "mount", crossAccountRoleName: "databricks-cross-account" };
  const variants: Record<string, Record<string, unknown>> = {
    dev: {},
    prod: {},
    // The optional parts the committed stacks leave off: MWAA, and the course's mount route.
    "prod with MWAA and the mount route": {
      "pinterest-pipeline:mwaa": { enabled: true },
      "pinterest-pipeline:databricks": {
        ...(readStackConfig("prod")["pinterest-pipeline:databricks"] as object),
        ...MOUNT_ROUTE,
        batchSchedulePaused: true,
      },
    },
  };

  before(async () => {
    for (const [label, overrides] of Object.entries(variants)) {
      const h = harness();
      await runStack(h, label.split(" ")[0], overrides);
      graphs[label] = [...h.resources];
    }
  });

  for (const label of Object.keys(variants)) {
    it(`reports no mandatory violation in ${label}`, async () => {
      expect(graphs[label].length).to.be.greaterThan(100);
      expect(await mandatoryViolations(graphs[label])).to.deep.equal([]);
    });
  }

  it("has a planted break for every policy, and nothing else", () => {
    expect(Object.keys(PLANTED).sort()).to.deep.equal(policies.map((p) => p.name).sort());
  });

  for (const [name, planted] of Object.entries(PLANTED)) {
    it(`${name}: reports the planted break on ${planted.resource}`, async () => {
      const found = await violations(planted.plant(graphs[planted.on ?? "dev"]));
      const named = found.filter((v) => v.policy === name).map((v) => v.resource);
      expect([...new Set(named)]).to.deep.equal([planted.resource]);
      // The planted break is reported by this policy; others may see it too (one break can
      // break two rules), but nothing unrelated to it.
      expect(found.every((v) => v.resource === planted.resource)).to.equal(true);
    });
  }

  // The one exception to "no public address" is narrow: AWS's NAT instance ("NAT instances",
  // Amazon VPC User Guide, https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html:
  // in a public subnet, with a public address, source/destination checks disabled), and only the
  // one the Network component builds. Each of these breaks one of its conditions.
  describe("ec2-instance-no-public-address: the NAT instance exception", () => {
    const NAT = "network-nat-instance";
    const only = async (g: Graph) =>
      (await violations(g))
        .filter((v) => v.policy === "ec2-instance-no-public-address")
        .map((v) => `${v.resource}: ${v.message}`);
    /** The graph with the NAT instance's subnet input depending on another resource. */
    const movedTo = (g: Graph, subnet: string): Graph => {
      const urn = g.find((r) => r.name === subnet)!.urn;
      return g.map((r) =>
        r.name === NAT && r.type === INSTANCE
          ? { ...r, propertyDependencies: { ...r.propertyDependencies, subnetId: [urn] } }
          : r,
      );
    };

    it("dev's NAT instance is public, forwards, and is the exception", async () => {
      const nat = graphs.dev.find((r) => r.name === NAT && r.type === INSTANCE)!;
      expect(nat.inputs.associatePublicIpAddress).to.equal(true);
      expect(nat.inputs.sourceDestCheck).to.equal(false);
      expect(await only(graphs.dev)).to.deep.equal([]);
    });

    const cases: [string, (g: Graph) => Graph, string][] = [
      [
        "a NAT instance in a private subnet",
        (g) => movedTo(g, "network-private-0"),
        `${NAT}: a public address and source/destination check off, but not in its Network's public subnet`,
      ],
      [
        "a NAT instance with source/destination check on (no NAT)",
        (g) => plant(g, NAT, INSTANCE, (i) => ({ ...i, sourceDestCheck: true })),
        `${NAT}: a public address, but it is no NAT (source/destination check on)`,
      ],
      [
        "a forwarding machine outside the Network component",
        (g) => add(g, INSTANCE, "planted-machine", { sourceDestCheck: false }),
        "planted-machine: source/destination check off, but it is not the NAT instance of a Network component",
      ],
      [
        "an Elastic IP attached to a private machine",
        (g) => {
          const withMachine = add(g, INSTANCE, "planted-machine", {});
          const machine = withMachine.find((c) => c.name === "planted-machine")!;
          return add(withMachine, "aws:ec2/eipAssociation:EipAssociation", "planted-eip", {
            instanceId: "planted-machine-id",
          }).map((r) =>
            r.name === "planted-eip"
              ? { ...r, propertyDependencies: { instanceId: [machine.urn] } }
              : r,
          );
        },
        "planted-eip: an Elastic IP on planted-machine, but it is no NAT (source/destination check on)",
      ],
      [
        "a launch template of public machines",
        (g) =>
          plant(g, "batch-client-template", TEMPLATE, (i) => ({
            ...i,
            networkInterfaces: [{ ...i.networkInterfaces[0], associatePublicIpAddress: "true" }],
          })),
        "batch-client-template: a launch template giving its machines a public address",
      ],
      [
        "a public machine at the stack's top level",
        (g) =>
          add(g, INSTANCE, "planted-nat", {
            associatePublicIpAddress: true,
            sourceDestCheck: false,
          }),
        "planted-nat: a public address and source/destination check off, but it is not the NAT instance of a Network component",
      ],
    ];
    for (const [label, change, message] of cases) {
      it(`reports ${label}`, async () => {
        expect(await only(change(graphs.dev))).to.deep.equal([message]);
      });
    }

    // A template's mapping of the AMI's root device (/dev/xvda on Amazon Linux 2023) is what
    // encrypts the machines' disks: without one the AMI's unencrypted default stays.
    const templateCases: [string, (i: any) => any, string[]][] = [
      [
        "an unencrypted volume in the client template",
        (i) => ({
          ...i,
          blockDeviceMappings: [{ ...i.blockDeviceMappings[0], ebs: { encrypted: "false" } }],
        }),
        ["volume /dev/xvda is not encrypted"],
      ],
      [
        "a client template mapping no volume",
        (i) => ({ ...i, blockDeviceMappings: [] }),
        ["no volume is mapped, so none is encrypted"],
      ],
    ];
    for (const [label, change, messages] of templateCases) {
      it(`ec2-instance-hardened reports ${label}`, async () => {
        const g = plant(graphs.dev, "batch-client-template", TEMPLATE, change);
        const found = (await violations(g)).filter((v) => v.policy === "ec2-instance-hardened");
        expect(found.map((v) => `${v.resource}: ${v.message}`)).to.deep.equal(
          messages.map((m) => `batch-client-template: ${m}`),
        );
      });
    }

    it("still holds the NAT instance to ec2-instance-hardened (no key pair)", async () => {
      const g = plant(graphs.dev, NAT, INSTANCE, (i) => ({ ...i, keyName: "laptop" }));
      const found = (await violations(g)).filter((v) => v.policy === "ec2-instance-hardened");
      expect(found.map((v) => v.resource)).to.deep.equal([NAT]);
    });
  });

  it("names each policy once, cites a section of docs/security.md, mandatory unless the docs allow opting out", () => {
    const doc = fs.readFileSync(path.join(REPO_ROOT, "docs", "security.md"), "utf8");
    const sections = [...doc.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(new Set(policies.map((p) => p.name)).size).to.equal(policies.length);
    for (const p of policies) {
      // The analyzer's rule for names (@pulumi/policy server.ts); the cited section must exist.
      expect(p.name, p.name).to.match(/^[a-z0-9-]{1,100}$/);
      const cited = /docs\/security\.md, "([^"]+)"\)$/.exec(p.description)?.[1];
      expect(sections, `${p.name} cites "${cited}"`).to.include(cited);
    }
    const advisory = policies.filter((p) => p.enforcementLevel !== "mandatory").map((p) => p.name);
    expect(advisory).to.deep.equal(["mwaa-private-webserver"]);
  });
});
