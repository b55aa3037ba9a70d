// Helpers over the recorded graph for the Kafka batch path's tests: its security-group rules. The
// computed attributes and invoke answers for its resource types (withKafkaMocks, brokersOf) live
// with the stack runner, tools/pulumi-mock/mockRun.ts.
import { PulumiHarness } from "../../tools/pulumi-mock/mockEngine";

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
