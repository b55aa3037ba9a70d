// Computed attributes and invoke answers for the resource types of the Kafka batch path that the
// shared harness does not know. Values follow the shapes AWS returns, so that code deriving ARNs
// from them (e.g. topic ARNs from the cluster ARN) is exercised for real.
import { ACCOUNT_ID, PulumiHarness, REGION } from "../harness/pulumiMocks";

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
    .compute("aws:ec2/instance:Instance", (name) => ({
      arn: arn("ec2", `instance/i-${name}`),
      privateIp: "10.0.32.10",
      privateDns: `ip-10-0-32-10.${REGION}.compute.internal`,
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

/** Every ingress rule of the recorded graph, inline or standalone, as comparable rows. */
export function ingressRules(h: PulumiHarness) {
  const inline = h
    .ofType("aws:ec2/securityGroup:SecurityGroup")
    .flatMap((sg) => (sg.inputs.ingress ?? []).map((r: any) => ({ group: sg.name, ...r })));
  const standalone = h
    .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    .map((r) => ({ group: r.inputs.securityGroupId, ...r.inputs }));
  return [...inline, ...standalone];
}

/** Ports a rule opens, as a list of numbers (an all-ports rule yields -1). */
export function portsOf(rule: any): number[] {
  if (rule.ipProtocol === "-1" || rule.protocol === "-1") return [-1];
  const ports: number[] = [];
  for (let p = rule.fromPort; p <= rule.toPort; p++) ports.push(p);
  return ports;
}

const STANDALONE_RULE_TYPES = [
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  "aws:ec2/securityGroupRule:SecurityGroupRule",
];

/**
 * Names of the security groups that declare inline `ingress`/`egress` (even `[]`) although a
 * standalone rule resource targets them. The provider warns that the two together make a refresh
 * or an update revoke the standalone rules (node_modules/@pulumi/aws/ec2/securityGroup.d.ts, the
 * WARNING at its top; tfsec's aws-vpc-disallow-mixed-sgr): this list must be empty.
 */
export function groupsMixingRules(h: PulumiHarness): string[] {
  const targeted = new Set(
    STANDALONE_RULE_TYPES.flatMap((type) => h.ofType(type)).map((r) => r.inputs.securityGroupId),
  );
  return h
    .ofType("aws:ec2/securityGroup:SecurityGroup")
    .filter((sg) => targeted.has(sg.state.id))
    .filter((sg) => sg.inputs.ingress !== undefined || sg.inputs.egress !== undefined)
    .map((sg) => sg.name);
}

/** Security groups a standalone rule targets that are not in the graph (a typo'd or stale id). */
export function rulesOnUnknownGroups(h: PulumiHarness): string[] {
  const groups = new Set(h.ofType("aws:ec2/securityGroup:SecurityGroup").map((sg) => sg.state.id));
  return STANDALONE_RULE_TYPES.flatMap((type) => h.ofType(type))
    .filter((r) => !groups.has(r.inputs.securityGroupId))
    .map((r) => r.name);
}
