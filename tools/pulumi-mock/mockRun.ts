// Runs the real stack program (stacks/index.ts) with a committed Pulumi.<stack>.yaml under the mock
// engine (./mockEngine.ts), no cloud: for the stack tests that judge the whole graph a stack would
// deploy, and for the cost command that prices it. Computed attributes and invoke answers follow
// the shapes AWS returns, so that code deriving ARNs from them (topic ARNs from the cluster ARN)
// runs for real.
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { Failure } from "../../cli/args";
import { sha256Hex } from "../../components/shared/contentName";
import { isSecureValue } from "../../stacks/configReader";
import { PipelineOutputs } from "../../stacks/contract";
import { ACCOUNT_ID, importFresh, PulumiHarness, REGION } from "./mockEngine";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** The stacks that have a Pulumi.<stack>.yaml here. */
export function stacksHere(): string[] {
  return fs
    .readdirSync(REPO_ROOT)
    .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
    .map((f) => f.slice("Pulumi.".length, -".yaml".length));
}

/** The `config:` map of Pulumi.<stack>.yaml, keys as written (`namespace:key`). */
export function readStackConfig(stack: string): Record<string, unknown> {
  const file = path.join(REPO_ROOT, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    throw new Failure(
      `no stack "${stack}": ${file} does not exist (stacks here: ${stacksHere().join(", ")})`,
    );
  }
  let doc: { config?: Record<string, unknown> } | null;
  try {
    doc = parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    // The YAML parser's message names the line and column, not the file.
    throw new Failure(`${file} is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  return doc?.config ?? {};
}

export const CLUSTER_UUID = "0a1b2c3d-4e5f-6789-abcd-ef0123456789-2";
export const AMI_PARAMETER =
  "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
export const AMI_ID = "ami-0123456789abcdef0";

const arn = (service: string, resource: string) =>
  `arn:aws:${service}:${REGION}:${ACCOUNT_ID}:${resource}`;

/** Brokers the mocked cluster reports for SASL/IAM. */
export function brokersOf(clusterName: string): string {
  return [1, 2]
    .map((i) => `b-${i}.${clusterName}.abc123.c2.kafka.${REGION}.amazonaws.com:9098`)
    .join(",");
}

/** Computed attributes and invoke answers for the Kafka batch path's types the engine lacks. */
export function withKafkaMocks(h: PulumiHarness): PulumiHarness {
  return h
    .onInvoke("aws:msk/getBootstrapBrokers:getBootstrapBrokers", (inputs) => ({
      bootstrapBrokersSaslIam: brokersOf(String(inputs.clusterArn).split("/")[1]),
    }))
    .compute("aws:msk/cluster:Cluster", (name, inputs) => {
      const clusterName = inputs.clusterName ?? name;
      return {
        arn: arn("kafka", `cluster/${clusterName}/${CLUSTER_UUID}`),
        clusterUuid: CLUSTER_UUID,
        bootstrapBrokersSaslIam: brokersOf(clusterName),
        currentVersion: "K1",
      };
    })
    .compute("aws:msk/configuration:Configuration", (name, inputs) => ({
      arn: arn("kafka", `configuration/${inputs.name ?? name}/cfg-uuid`),
      latestRevision: 1,
    }))
    .compute("aws:mskconnect/customPlugin:CustomPlugin", (name, inputs) => ({
      arn: arn("kafkaconnect", `custom-plugin/${inputs.name ?? name}/plugin-uuid`),
      latestRevision: 1,
      state: "ACTIVE",
    }))
    .compute("aws:mskconnect/workerConfiguration:WorkerConfiguration", (name, inputs) => ({
      arn: arn("kafkaconnect", `worker-configuration/${inputs.name ?? name}/worker-uuid`),
      latestRevision: 1,
    }))
    .compute("aws:mskconnect/connector:Connector", (name, inputs) => ({
      arn: arn("kafkaconnect", `connector/${inputs.name ?? name}/connector-uuid`),
      version: "V1",
    }))
    .compute("aws:s3/bucketObjectv2:BucketObjectv2", (name) => ({
      versionId: `version-of-${name}`,
      etag: `etag-${name}`,
    }))
    .compute("aws:ec2/launchTemplate:LaunchTemplate", (name) => ({
      arn: arn("ec2", `launch-template/lt-${name}`),
      latestVersion: 1,
      defaultVersion: 1,
    }))
    .compute("aws:autoscaling/group:Group", (name, inputs) => ({
      arn: arn("autoscaling", `autoScalingGroup:uuid:autoScalingGroupName/${inputs.name ?? name}`),
      name: inputs.name ?? name,
    }))
    .compute("aws:ec2/instance:Instance", (name) => ({
      arn: arn("ec2", `instance/i-${name}`),
      privateIp: "10.0.32.10",
      privateDns: `ip-10-0-32-10.${REGION}.compute.internal`,
      primaryNetworkInterfaceId: `eni-${name}`,
    }))
    .compute("aws:lb/loadBalancer:LoadBalancer", (name) => ({
      arn: arn("elasticloadbalancing", `loadbalancer/net/${name}/50dc6c495c0c9188`),
      arnSuffix: `net/${name}/50dc6c495c0c9188`,
      dnsName: `${name}-50dc6c495c0c9188.elb.${REGION}.amazonaws.com`,
    }))
    .compute("aws:lb/targetGroup:TargetGroup", (name) => ({
      arn: arn("elasticloadbalancing", `targetgroup/${name}/73e2d6bc24d8a067`),
      arnSuffix: `targetgroup/${name}/73e2d6bc24d8a067`,
    }))
    .compute("aws:apigateway/restApi:RestApi", (name) => ({
      rootResourceId: `root-of-${name}`,
      executionArn: arn("execute-api", `${name}-id`),
    }))
    .compute("aws:apigateway/stage:Stage", (_name, inputs) => ({
      invokeUrl: `https://${inputs.restApi}.execute-api.${REGION}.amazonaws.com/${inputs.stageName}`,
      arn: arn("apigateway", `/restapis/${inputs.restApi}/stages/${inputs.stageName}`),
    }))
    .compute("aws:apigateway/apiKey:ApiKey", (name) => ({ value: `generated-key-of-${name}` }))
    .onInvoke("aws:ssm/getParameter:getParameter", (inputs) => ({
      name: inputs.name,
      value: inputs.name === AMI_PARAMETER ? AMI_ID : "ami-other",
      type: "String",
      arn: arn("ssm", `parameter${inputs.name}`),
    }));
}

export const STACK_SECRETS = {
  "pinterest-pipeline:databricksHost": "https://dbc-123.cloud.databricks.com",
  "pinterest-pipeline:databricksClientId": "0a1b2c3d-0000-4000-8000-000000000001",
  "pinterest-pipeline:databricksClientSecret": "stack-secret-oauth",
};

// The connector zip is a build input the stack uploads; an empty stand-in file is enough here,
// with its checksum as the one the deployer would have given.
export const PLUGIN = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plugin-")), "s3-sink.zip");
fs.writeFileSync(PLUGIN, "");
export const PLUGIN_SHA256 = sha256Hex("");
/** A kafka section with the stand-in plugin in place of the deployer's zip. */
export const withStandInPlugin = (kafka: unknown) => ({
  ...(kafka as object),
  connectorPluginPath: PLUGIN,
  connectorPluginSha256: PLUGIN_SHA256,
});

/** The program's exports (stacks/index.ts). */
type Program = {
  pipeline: pulumi.Output<PipelineOutputs>;
  databricksJobs?: pulumi.Output<Record<string, string>>;
  kafkaBatch?: pulumi.Output<Record<string, string>>;
};

/** Runs the program of `stack` with its YAML, plus `overrides` (whole sections replace). */
export async function runStack(
  h: PulumiHarness,
  stack: string,
  overrides: Record<string, unknown> = {},
): Promise<{
  outputs: PipelineOutputs;
  jobs?: Record<string, string>;
  kafkaBatch?: Record<string, string>;
}> {
  const yaml = readStackConfig(stack);
  const kafka = withStandInPlugin(yaml["pinterest-pipeline:kafka"]);
  // Secrets the file holds encrypted (or not at all) get stand-ins; one written in plain text
  // stays as it is, not secret, so that the program refuses it as `pulumi up` would.
  const secure = Object.keys(yaml).filter((key) => isSecureValue(yaml[key]));
  const standIns: Record<string, unknown> = {
    ...Object.fromEntries(secure.map((key) => [key, "[secret]"])),
    ...Object.fromEntries(
      Object.entries(STACK_SECRETS).filter(([key]) => !(key in yaml) || isSecureValue(yaml[key])),
    ),
  };
  const config: Record<string, unknown> = {
    ...yaml,
    "pinterest-pipeline:kafka": kafka,
    ...standIns,
    ...overrides,
  };
  const region = String(config["aws:region"] ?? REGION);
  h.install({ stack, config, secretKeys: Object.keys(standIns) });
  withKafkaMocks(h)
    .onInvoke("aws:index/getRegion:getRegion", () => ({ name: region, region, id: region }))
    .compute("aws:kinesis/stream:Stream", (_n, inputs) => ({
      arn: `arn:aws:kinesis:${region}:${ACCOUNT_ID}:stream/${inputs.name}`,
    }))
    .compute("databricks:index/job:Job", (name) => ({
      url: `https://dbc-123.cloud.databricks.com/jobs/${name}`,
    }))
    .compute("databricks:index/storageCredential:StorageCredential", (_n, inputs) => ({
      awsIamRole: { ...inputs.awsIamRole, externalId: "uc-credential-external-id" },
    }))
    .compute("databricks:index/credential:Credential", (_n, inputs) => ({
      awsIamRole: { ...inputs.awsIamRole, externalId: "uc-service-credential-external-id" },
    }))
    .compute("aws:secretsmanager/secret:Secret", (name, inputs) => ({
      arn: `arn:aws:secretsmanager:${region}:${ACCOUNT_ID}:secret:${inputs.name ?? name}`,
    }))
    .onInvoke("databricks:index/getNodeType:getNodeType", () => ({ id: "m5d.large" }));
  const program = await importFresh<Program>("../../stacks/index");
  await h.settle();
  return {
    outputs: await h.value(program.pipeline),
    jobs: program.databricksJobs && (await h.value(program.databricksJobs)),
    kafkaBatch: program.kafkaBatch && (await h.value(program.kafkaBatch)),
  };
}
