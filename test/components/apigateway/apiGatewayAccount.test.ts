import { expect } from "chai";
import { ApiGatewayAccount } from "../../../components/apigateway/apiGatewayAccount";
import { ACCOUNT_ID, harness, PulumiHarness, REGION } from "../../harness/pulumiMocks";

// Mocks prove the role, its trust and its scope, and that the setting waits for the policy; they
// cannot prove that API Gateway accepts the role (AWS checks the trust when the setting is made).
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
    // One name per account and region: IAM refuses a second role of that name in the account
    // (CreateRole: EntityAlreadyExists, https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html),
    // so a second owner stack fails before it repoints the region's setting.
    expect(role.inputs.name).to.equal(`apigateway-cloudwatch-logs-${REGION}`);
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
});
