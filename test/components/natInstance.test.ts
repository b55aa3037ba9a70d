import { expect } from "chai";
import { spawnSync } from "child_process";
import {
  AL2023_ARM64_AMI_PARAMETER,
  NAT_INSTANCE_TYPE,
  NatInstance,
  NatInstanceArgs,
  natInstanceUserData,
  recoverAction,
} from "../../components/natInstance";
import { harness, PulumiHarness, REGION } from "../../tools/pulumi-mock/mockEngine";
import { withKafkaMocks } from "../../tools/pulumi-mock/mockRun";
import { runOnScript } from "../harness/scripts";

const VPC_CIDR = "10.10.0.0/16";
const INSTANCE = "aws:ec2/instance:Instance";

// Each rule below is a step of AWS's "NAT instances" (Amazon VPC User Guide,
// https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html, and "Work with NAT
// instances", https://docs.aws.amazon.com/vpc/latest/userguide/work-with-nat-instances.html).
// Mocks prove the machine's settings, its firewall and its alarm; they cannot prove that the boot
// script forwards packets on Amazon Linux (no dnf, systemd or netfilter here), nor that EC2
// recovers the machine (the alarm's action is AWS's).
describe("NatInstance", () => {
  let h: PulumiHarness;
  beforeEach(() => {
    h = withKafkaMocks(harness().install());
  });

  async function build(args: Partial<NatInstanceArgs> = {}) {
    const nat = new NatInstance("nat", {
      prefix: "pin-test",
      vpcId: "vpc-1",
      vpcCidr: VPC_CIDR,
      subnetId: "subnet-public-a",
      ...args,
    });
    await h.settle();
    return nat;
  }

  it("builds a security group with one rule each way, the machine and its recovery alarm", async () => {
    await build();
    expect(h.counts()).to.deep.equal({
      "pinterest-pipeline:components:NatInstance": 1,
      "aws:ec2/securityGroup:SecurityGroup": 1,
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 1,
      "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 1,
      [INSTANCE]: 1,
      "aws:cloudwatch/metricAlarm:MetricAlarm": 1,
    });
  });

  // "The NAT instance must have internet access, so it must be in a public subnet ... and it
  // must have a public IP address or an Elastic IP address"; "you must disable
  // source/destination checking on the NAT instance".
  it("sits in the public subnet with a public address and source/destination check off", async () => {
    await build();
    const instance = h.one(INSTANCE).inputs;
    expect(instance.subnetId).to.equal("subnet-public-a");
    expect(instance.associatePublicIpAddress).to.equal(true);
    expect(instance.sourceDestCheck).to.equal(false);
    expect(instance.instanceType).to.equal(NAT_INSTANCE_TYPE);
    expect(NAT_INSTANCE_TYPE).to.equal("t4g.nano");
  });

  // AWS's page builds its NAT AMI from "the latest version of AL2023"; t4g is Graviton (arm64).
  it("runs Amazon Linux 2023 arm64 resolved from AWS's public SSM parameter, kept on a newer AMI", async () => {
    await build();
    const invoke = h.invokes.find((i) => i.token === "aws:ssm/getParameter:getParameter");
    expect(invoke?.inputs.name).to.equal(AL2023_ARM64_AMI_PARAMETER);
    expect(AL2023_ARM64_AMI_PARAMETER).to.match(/al2023-ami-kernel-default-arm64$/);
    expect(h.one(INSTANCE).ignoreChanges).to.deep.equal(["ami"]);
  });

  it("requires IMDSv2, has no key pair and no role, encrypts its disk, bills no surplus credits", async () => {
    await build();
    const instance = h.one(INSTANCE).inputs;
    expect(instance.metadataOptions.httpTokens).to.equal("required");
    expect(instance.metadataOptions.httpPutResponseHopLimit).to.equal(1);
    expect(instance.keyName).to.equal(undefined);
    expect(instance.iamInstanceProfile).to.equal(undefined);
    expect(instance.rootBlockDevice).to.deep.equal({
      encrypted: true,
      volumeType: "gp3",
      volumeSize: 8,
    });
    expect(instance.userDataReplaceOnChange).to.equal(true);
    // RunInstances' CreditSpecification: "Default: ... unlimited (T3/T3a/T4g instances)",
    // billed as surplus credits; standard keeps the cost command's hourly price the bill.
    expect(instance.creditSpecification).to.deep.equal({ cpuCredits: "standard" });
  });

  // "NAT instance security groups": inbound from the private subnets, outbound to the internet;
  // nothing admitted from the internet.
  it("admits HTTPS from the VPC's range only and sends HTTPS to the internet", async () => {
    await build();
    const sg = h.one("aws:ec2/securityGroup:SecurityGroup");
    expect(sg.inputs.ingress).to.equal(undefined);
    expect(sg.inputs.egress).to.equal(undefined);
    const rule = (kind: string) => {
      const inputs = h.one(`aws:vpc/securityGroup${kind}Rule:SecurityGroup${kind}Rule`).inputs;
      expect(inputs.description).to.be.a("string").and.not.equal("");
      const { securityGroupId, ipProtocol, fromPort, toPort, cidrIpv4, ...rest } = inputs;
      expect(Object.keys(rest).sort()).to.deep.equal(["description", "tags"]);
      return { securityGroupId, ipProtocol, fromPort, toPort, cidrIpv4 };
    };
    const https = { securityGroupId: sg.state.id, ipProtocol: "tcp", fromPort: 443, toPort: 443 };
    expect(rule("Ingress")).to.deep.equal({ ...https, cidrIpv4: VPC_CIDR });
    expect(rule("Egress")).to.deep.equal({ ...https, cidrIpv4: "0.0.0.0/0" });
    expect(h.one(INSTANCE).inputs.vpcSecurityGroupIds).to.deep.equal([sg.state.id]);
  });

  // "Recover your instance" (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/UsingAlarmActions.html):
  // the recover action acts on StatusCheckFailed_System of the instance.
  for (const topic of [undefined, "arn:aws:sns:eu-west-1:123456789012:pin-test-alerts"]) {
    it(`recovers the machine when its system status check fails (${topic ? "and notifies the topic" : "no topic"})`, async () => {
      await build({ alarmTopicArn: topic });
      const alarm = h.one("aws:cloudwatch/metricAlarm:MetricAlarm").inputs;
      expect(alarm).to.deep.include({
        namespace: "AWS/EC2",
        metricName: "StatusCheckFailed_System",
        dimensions: { InstanceId: "nat-instance-id" },
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 2,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: 1,
      });
      expect(alarm.alarmActions).to.deep.equal([
        `arn:aws:automate:${REGION}:ec2:recover`,
        ...(topic ? [topic] : []),
      ]);
      expect(alarm.okActions).to.deep.equal(topic ? [topic] : []);
    });
  }

  it("exposes the interface the private routes target", async () => {
    const nat = await build();
    expect(await h.value(nat.networkInterfaceId)).to.equal("eni-nat-instance");
    expect(recoverAction("eu-west-1")).to.equal("arn:aws:automate:eu-west-1:ec2:recover");
  });
});

// What runs here: the script through bash's parser and shellcheck. What cannot: dnf, systemd and
// netfilter (a real boot on Amazon Linux 2023).
describe("natInstanceUserData", () => {
  const script = natInstanceUserData(VPC_CIDR);

  it("parses with bash -n and passes shellcheck", () => {
    const parsed = runOnScript("bash", ["-n"], script);
    expect(parsed.status, parsed.stderr).to.equal(0);
    const probe = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
    if (probe.error) {
      throw new Error("shellcheck is not installed (apt-get install -y shellcheck).");
    }
    const linted = runOnScript("shellcheck", ["--shell=bash", "--severity=style"], script);
    expect(linted.status, linted.stdout).to.equal(0);
  });

  // AWS's "Create a NAT AMI" for AL2023, step by step, in this order.
  const steps: [string, string][] = [
    ["stops at the first failing command", "set -euo pipefail"],
    [
      "installs iptables-services from the release's repository",
      "dnf install -y iptables-services",
    ],
    ["fails if it never got it", "rpm -q iptables-services"],
    ["starts iptables now and at boot", "systemctl enable --now iptables"],
    [
      "turns IPv4 forwarding on across reboots",
      "echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/90-nat-instance.conf",
    ],
    ["applies it now", "sysctl -p /etc/sysctl.d/90-nat-instance.conf"],
    [
      "masquerades the VPC's range only, on the default route's interface",
      `iptables -t nat -A POSTROUTING -o "$interface" -s ${VPC_CIDR} -j MASQUERADE`,
    ],
    ["drops the service's default FORWARD reject", "iptables -F FORWARD"],
    ["saves the rules for the next boot", "service iptables save"],
  ];
  it("follows AWS's steps, in their order", () => {
    const at = steps.map(([what, line]) => [what, script.indexOf(line)] as const);
    expect(at.filter(([, i]) => i < 0).map(([what]) => what)).to.deep.equal([]);
    expect(at.map(([, i]) => i)).to.deep.equal(at.map(([, i]) => i).sort((a, b) => a - b));
  });

  // The machine has no key pair and no role (no Session Manager): cloud-init's output, which
  // reaches the console, is the only way to read what the script did.
  it("leaves its output to cloud-init, so the console output shows it", () => {
    expect(script).to.not.match(/^exec\b/m);
  });

  it("reads the interface from the default route rather than assuming ens5", () => {
    expect(script).to.contain(
      "interface=$(ip -o -4 route show to default | awk '{print $5; exit}')",
    );
    expect(script).to.not.match(/\bens5\b|\beth0\b/);
  });
});
