import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { apiGatewayLogsPolicy } from "./apiGatewayPolicies";
import { serviceTrustPolicy } from "../shared/iam";

/** Arguments of {@link ApiGatewayAccount}. */
export interface ApiGatewayAccountArgs {
  /** Tags added to the role. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * API Gateway's account-wide CloudWatch Logs role for one region: without it, stages with access
 * or execution logging fail to deploy. It is one setting per account and region that any number
 * of stacks may need, so every stack with an API may set it, and none takes it back:
 * - the role has a generated name, so two stacks (or one destroyed and re-created) never collide
 *   on it;
 * - the setting takes the first creator's role and ignores later changes of it, so a second stack
 *   repoints it once, at creation, to an equivalent role, and then never again;
 * - the role, its policy and the setting are kept on delete: since terraform-provider-aws v6
 *   (`@pulumi/aws` 7.x) deleting the setting resets the account's role (PR #42226 removed
 *   `reset_on_delete`; `@pulumi/aws` 7.48 has no `resetOnDelete`), and deleting the role would
 *   leave the setting pointing at nothing; either would stop the logging of every other stack.
 * A destroyed stack so leaves its role behind (docs/operations.md, "API Gateway's logging role").
 */
export class ApiGatewayAccount extends pulumi.ComponentResource {
  /**
   * ARN of the region's API Gateway CloudWatch logging role this account setting points at. Never
   * empty.
   */
  readonly roleArn: pulumi.Output<string>;

  constructor(
    name: string,
    args: ApiGatewayAccountArgs = {},
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("pinterest-pipeline:components:ApiGatewayAccount", name, {}, opts);
    const kept = { parent: this, retainOnDelete: true };
    const region = aws.getRegionOutput({}, { parent: this }).region;
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: "API Gateway writing CloudWatch Logs (account setting of this region)",
        assumeRolePolicy: JSON.stringify(serviceTrustPolicy("apigateway.amazonaws.com")),
        tags: { ...args.tags },
      },
      kept,
    );
    const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const policy = new aws.iam.RolePolicy(
      `${name}-role`,
      {
        role: role.id,
        policy: pulumi
          .all([region, accountId])
          .apply(([r, a]) => JSON.stringify(apiGatewayLogsPolicy(r, a))),
      },
      kept,
    );
    new aws.apigateway.Account(
      `${name}-setting`,
      { cloudwatchRoleArn: role.arn },
      { ...kept, dependsOn: [policy], ignoreChanges: ["cloudwatchRoleArn"] },
    );
    this.roleArn = role.arn;
    this.registerOutputs({ roleArn: this.roleArn });
  }
}
