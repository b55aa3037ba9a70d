// stacks/deployer-policy.json is what the identity running `pulumi up` needs (docs/deploy.md). It is
// held to the program: every AWS resource type the stacks create and every AWS lookup they make
// falls under a service the policy grants, and every service a role of the stack is passed to is
// in its PassRole condition. What mocks cannot show: that each service needs no action outside the
// granted ones (a read the provider makes on refresh, a service that calls another on our behalf);
// only a deployment in an account shows that.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { DRAIN_CHECK_ACTIONS } from "../../components/kafka/kafkaDrainCheck";
import { SHARD_STEP_ACTIONS } from "../../components/kinesis/kinesisShardStepCheck";
import { BILLING_RULES } from "../../tools/cost/rules";
import { harness } from "../../tools/pulumi-mock/mockEngine";
import { readStackConfig, REPO_ROOT, runStack } from "../../tools/pulumi-mock/mockRun";

interface Statement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const POLICY_FILE = path.join(REPO_ROOT, "stacks", "deployer-policy.json");
const policy = JSON.parse(fs.readFileSync(POLICY_FILE, "utf8")) as {
  Version: string;
  Statement: Statement[];
};
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
const actions = policy.Statement.flatMap((s) => list(s.Action));

/**
 * The IAM service of a Pulumi AWS type or function (Service Authorization Reference prefixes):
 * the module's name, but for the modules named otherwise in IAM.
 */
function iamService(token: string): string | undefined {
  const [, module, name] = token.split(/[:/]/);
  if (module === "cloudwatch") return name.startsWith("log") ? "logs" : "cloudwatch";
  const renamed: Record<string, string | undefined> = {
    lb: "elasticloadbalancing",
    msk: "kafka",
    mskconnect: "kafkaconnect",
    mwaa: "airflow",
    vpc: "ec2", // security group rules are EC2 actions
    index: {
      getCallerIdentity: "sts",
      getAvailabilityZones: "ec2",
      getRegion: "ec2",
      getPartition: undefined, // answered by the provider itself
    }[name],
  };
  return module in renamed ? renamed[module] : module;
}

/** Whether the policy allows some action of `service`. */
const grants = (service: string) =>
  actions.some((a) => a === `${service}:*` || a.startsWith(`${service}:`));

describe("the deployer's IAM policy (stacks/deployer-policy.json)", function () {
  this.timeout(60_000);
  const graph = harness();
  const types = new Set(Object.keys(BILLING_RULES));

  before(async () => {
    // prod with MWAA: flow logs, the Kafka path, both APIs, Databricks and MWAA's roles at once.
    const prodDbx = readStackConfig("prod")["pinterest-pipeline:databricks"] as object;
    await runStack(graph, "prod", {
      "pinterest-pipeline:mwaa": { enabled: true },
      "pinterest-pipeline:databricks": { ...prodDbx, batchSchedulePaused: true },
    });
    for (const r of graph.resources) if (r.custom) types.add(r.type);
  });

  it("is an IAM policy document within the managed-policy size", () => {
    expect(policy.Version).to.equal("2012-10-17");
    for (const s of policy.Statement) {
      expect(s.Effect, s.Sid).to.equal("Allow");
      expect(
        list(s.Action).every((a) => /^[a-z0-9-]+:[A-Za-z*]+$/.test(a)),
        s.Sid,
      ).to.equal(true);
    }
    // IAM and AWS STS quotas: a managed policy holds at most 6,144 characters, white space aside.
    expect(JSON.stringify(policy).replace(/\s/g, "").length).to.be.below(6144);
  });

  it("grants the service of every AWS resource type the stacks create", () => {
    const aws = [...types].filter((t) => t.startsWith("aws:"));
    expect(aws.length).to.be.above(50);
    const missing = aws.filter((t) => !grants(iamService(t) ?? "?"));
    expect(missing, "add the service's actions to stacks/deployer-policy.json").to.deep.equal([]);
  });

  it("grants the service of every AWS lookup the program makes", () => {
    const lookups = [...new Set(graph.invokes.map((i) => i.token))].filter((t) =>
      t.startsWith("aws:"),
    );
    expect(lookups).to.include("aws:index/getCallerIdentity:getCallerIdentity");
    const missing = lookups.filter((t) => {
      const service = iamService(t);
      return service !== undefined && !grants(service);
    });
    expect(missing).to.deep.equal([]);
  });

  it("grants the AWS calls the stacks' checks make as the deployer", () => {
    // The pause's drain check and the shard step check run in the deployer's own Pulumi process.
    const missing = [...DRAIN_CHECK_ACTIONS, ...SHARD_STEP_ACTIONS].filter(
      (a) => !actions.includes(a) && !actions.includes(`${a.split(":")[0]}:*`),
    );
    expect(missing).to.deep.equal([]);
  });

  it("may pass the stack's roles to exactly the services that assume them", () => {
    const principals = new Set<string>();
    for (const role of graph.ofType("aws:iam/role:Role")) {
      const trust = JSON.parse(String(role.inputs.assumeRolePolicy)) as { Statement: Statement[] };
      for (const s of trust.Statement) {
        const service = (s as unknown as { Principal?: { Service?: string | string[] } }).Principal
          ?.Service;
        for (const name of service ? list(service) : []) principals.add(name);
      }
    }
    const pass = policy.Statement.find((s) => list(s.Action).includes("iam:PassRole"));
    const passedTo = list(pass?.Condition?.StringEquals["iam:PassedToService"] ?? []);
    expect([...principals].sort()).to.deep.equal([...passedTo].sort());
  });

  // "Amazon EC2 Auto Scaling creates the service-linked role for you the first time that you
  // create an Auto Scaling group" in an account, and the caller needs iam:CreateServiceLinkedRole
  // for that (https://docs.aws.amazon.com/autoscaling/ec2/userguide/autoscaling-service-linked-role.html);
  // the group launching its template's instance profile is a PassRole to EC2.
  it("may create Auto Scaling's own role and pass the machines' role to EC2", () => {
    expect(graph.ofType("aws:autoscaling/group:Group")).to.have.length(1);
    const linked = policy.Statement.find((s) =>
      list(s.Action).includes("iam:CreateServiceLinkedRole"),
    );
    expect(list(linked?.Condition?.StringEquals["iam:AWSServiceName"] ?? [])).to.include(
      "autoscaling.amazonaws.com",
    );
    const pass = policy.Statement.find((s) => list(s.Action).includes("iam:PassRole"));
    expect(list(pass?.Condition?.StringEquals["iam:PassedToService"] ?? [])).to.include(
      "ec2.amazonaws.com",
    );
  });
});
