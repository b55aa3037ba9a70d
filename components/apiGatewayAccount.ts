import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { apiGatewayLogsPolicy, serviceTrustPolicy } from "./kinesisPolicies";

/** Arguments of {@link ApiGatewayAccount}. */
export interface ApiGatewayAccountArgs {
  /** Tags added to the role. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * API Gateway's account-wide CloudWatch Logs role for one region: without it, stages with access
 * or execution logging fail to deploy. It is one setting per account and region, so exactly one
 * stack per account and region should own it; destroying that stack leaves the setting pointing at
 * a deleted role.
 */
export class ApiGatewayAccount extends pulumi.ComponentResource {
  readonly roleArn: pulumi.Output<string>;

  constructor(
    name: string,
    args: ApiGatewayAccountArgs = {},
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("pinterest-pipeline:components:ApiGatewayAccount", name, {}, opts);
    const parent = { parent: this };
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: "API Gateway writing CloudWatch Logs (account setting of this region)",
        assumeRolePolicy: serviceTrustPolicy("apigateway.amazonaws.com"),
        tags: { ...args.tags },
      },
      parent,
    );
    const region = aws.getRegionOutput({}, parent).region;
    const accountId = aws.getCallerIdentityOutput({}, parent).accountId;
    const policy = new aws.iam.RolePolicy(
      `${name}-role`,
      {
        role: role.id,
        policy: pulumi
          .all([region, accountId])
          .apply(([r, a]) => JSON.stringify(apiGatewayLogsPolicy(r, a))),
      },
      parent,
    );
    new aws.apigateway.Account(
      `${name}-setting`,
      { cloudwatchRoleArn: role.arn },
      { parent: this, dependsOn: [policy] },
    );
    this.roleArn = role.arn;
    this.registerOutputs({ roleArn: this.roleArn });
  }
}
