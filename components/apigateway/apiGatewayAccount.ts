import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { apiGatewayLogsPolicy } from "../kinesis/kinesisPolicies";
import { serviceTrustPolicy } from "../shared/iam";

/** Arguments of {@link ApiGatewayAccount}. */
export interface ApiGatewayAccountArgs {
  /** Tags added to the role. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * The name of the logging role: one per account and region. IAM role names are unique in an
 * account, so a second stack that tries to own the setting in the same account and region fails at
 * CreateRole ("EntityAlreadyExists") before it can repoint the setting at its own role.
 */
export function apiGatewayLogsRoleName(region: string): string {
  return `apigateway-cloudwatch-logs-${region}`;
}

/**
 * API Gateway's account-wide CloudWatch Logs role for one region: without it, stages with access
 * or execution logging fail to deploy. It is one setting per account and region, so exactly one
 * stack per account and region owns it (stack config `manageApiGatewayAccount`, checked across the
 * committed stacks); destroying that stack leaves the setting pointing at a deleted role. The role's
 * fixed name makes AWS itself refuse a second owner in the same account and region.
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
    const region = aws.getRegionOutput({}, parent).region;
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: region.apply(apiGatewayLogsRoleName),
        description: "API Gateway writing CloudWatch Logs (account setting of this region)",
        assumeRolePolicy: JSON.stringify(serviceTrustPolicy("apigateway.amazonaws.com")),
        tags: { ...args.tags },
      },
      parent,
    );
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
