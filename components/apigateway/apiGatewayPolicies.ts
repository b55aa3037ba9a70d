// IAM documents of API Gateway itself, shared by both APIs (as aws-solutions-constructs keeps its
// logging role in apigateway-helper.ts): pure values, so that tests read every statement.
import { PolicyDocument, policyDocument } from "../shared/iam";

/** API Gateway's account-wide CloudWatch role: write its own log groups only. */
export function apiGatewayLogsPolicy(region: string, accountId: string): PolicyDocument {
  return policyDocument({
    Sid: "ApiGatewayLogGroups",
    Effect: "Allow",
    Action: [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:DescribeLogGroups",
      "logs:DescribeLogStreams",
      "logs:GetLogEvents",
      "logs:FilterLogEvents",
      "logs:PutLogEvents",
    ],
    Resource: `arn:aws:logs:${region}:${accountId}:log-group:*`,
  });
}
