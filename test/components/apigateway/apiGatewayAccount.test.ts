import { expect } from "chai";
import { ApiGatewayAccount } from "../../../components/apigateway/apiGatewayAccount";
import { ACCOUNT_ID, harness, PulumiHarness, REGION } from "../../../tools/pulumi-mock/mockEngine";

// Mocks prove the role, its trust and its scope, that the setting waits for the policy, and the
// options that make the setting shareable; they cannot prove that API Gateway accepts the role
// (AWS checks the trust when the setting is made) nor what the engine does on delete.
describe("ApiGatewayAccount", () => {
  let h: PulumiHarness;
  beforeEach(() => {
    h = harness().install();
  });

  it("sets the region's API Gateway logging role, trusted by API Gateway only", async () => {
    const account = new ApiGatewayAccount("apigw", { tags: { environment: "test" } });
    await h.settle();
    expect(h.graph()).to.deep.equal([
      "aws:apigateway/account:Account apigw-setting",
      "aws:iam/role:Role apigw-role",
      "aws:iam/rolePolicy:RolePolicy apigw-role",
      "pinterest-pipeline:components:ApiGatewayAccount apigw",
    ]);
    const role = h.one("aws:iam/role:Role");
    expect(JSON.parse(role.inputs.assumeRolePolicy).Statement).to.deep.equal([
      {
        Effect: "Allow",
        Principal: { Service: "apigateway.amazonaws.com" },
        Action: "sts:AssumeRole",
      },
    ]);
    expect(role.inputs.tags).to.deep.equal({ environment: "test" });
    const [statement] = JSON.parse(h.one("aws:iam/rolePolicy:RolePolicy").inputs.policy).Statement;
    expect(statement.Resource).to.equal(`arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:*`);
    expect(
      statement.Action.every((a: string) => a.startsWith("logs:") && !a.includes("*")),
    ).to.equal(true);
    const setting = h.one("aws:apigateway/account:Account");
    expect(setting.inputs.cloudwatchRoleArn).to.equal(role.state.arn);
    expect(setting.dependsOn).to.include(h.one("aws:iam/rolePolicy:RolePolicy").urn);
    expect(await h.value(account.roleArn)).to.equal(role.state.arn);
  });

  // One setting per account and region (node_modules/@pulumi/aws/apigateway/account.d.ts:
  // "Settings is applied region-wide per provider block"), which several stacks may each set:
  // - a generated role name: IAM role names are unique in an account (CreateRole:
  //   EntityAlreadyExists), and a kept role would block its own stack's re-creation;
  // - the setting ignores later changes of its role, so once made it is never repointed between
  //   stacks (a refresh reading another stack's role plans no update);
  // - all three are kept on delete: since terraform-provider-aws v6, which @pulumi/aws 7.x
  //   bridges, deleting aws_api_gateway_account resets the account's settings
  //   (hashicorp/terraform-provider-aws PR #42226, "The default behavior of this resource is now to
  //   always reset account settings upon destruction"; the installed account.d.ts has no
  //   resetOnDelete), and a deleted role leaves the setting pointing at nothing. Either stops the
  //   logging of every other stack in the region, and stages with logging then fail to update.
  it("can be set by any number of stacks: generated role name, never repointed, never reset", async () => {
    new ApiGatewayAccount("apigw");
    await h.settle();
    const role = h.one("aws:iam/role:Role");
    expect(role.inputs).to.not.have.property("name");
    expect(role.inputs).to.not.have.property("namePrefix");
    const setting = h.one("aws:apigateway/account:Account");
    expect(setting.ignoreChanges).to.deep.equal(["cloudwatchRoleArn"]);
    expect(setting.inputs).to.not.have.property("resetOnDelete");
    for (const r of h.resources.filter((r) => r.custom))
      expect(r.retainOnDelete, `${r.type} ${r.name}`).to.equal(true);
  });
});
