import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ApiStageArgs, createApiStage, validateApiStageArgs } from "../apigateway/apiStage";
import {
  API_RESOURCES,
  apiFingerprint,
  INTEGRATION_RESPONSES,
  KINESIS_CONTENT_TYPE,
  kinesisApiName,
  KinesisRoute,
  kinesisRoutes,
} from "./kinesisApiTemplates";
import { BAD_REQUEST_BODY_TEMPLATE, MODELS, ModelName } from "./kinesisApiModels";
import { kinesisProxyPolicy } from "./kinesisPolicies";
import { serviceTrustPolicy } from "../shared/iam";

/** Arguments of {@link KinesisProxyApi}; its stage's are those of {@link ApiStageArgs}. */
export interface KinesisProxyApiArgs extends ApiStageArgs {
  /** Prefix of the API's names and of the streams it may create or delete. */
  readonly prefix: string;
  /** ARNs of the streams the API may describe, write and read (at least one). */
  readonly streamArns: pulumi.Input<pulumi.Input<string>[]>;
  /** Customer-managed key the streams are encrypted with. @default undefined (AWS-managed key) */
  readonly kmsKeyArn?: pulumi.Input<string>;
  /** Offer POST/DELETE /streams/{stream-name} for names under the prefix. @default false */
  readonly streamAdminRoutes?: boolean;
}

/**
 * A REST API whose every route is an AWS-service integration to Kinesis (the route table of
 * kinesisApiTemplates.ts), API-key protected, body-validated, throttled, logged and traced.
 */
export class KinesisProxyApi extends pulumi.ComponentResource {
  /**
   * `https://<api-id>.execute-api.<region>.amazonaws.com/<stage>`; routes start at `/streams`.
   * Never empty.
   */
  readonly invokeUrl: pulumi.Output<string>;
  /** Id of the REST API (`<prefix>-stream-api`). Never empty. */
  readonly restApiId: pulumi.Output<string>;
  /** The stage's name, the invoke URL's last segment. Never empty. */
  readonly stageName: pulumi.Output<string>;
  /** Id (not the value) of the API key clients send as `x-api-key`. Never empty. */
  readonly apiKeyId: pulumi.Output<string>;
  /** ARN of the role API Gateway calls Kinesis with. Never empty. */
  readonly roleArn: pulumi.Output<string>;
  /** The stage's access log group (`/aws/apigateway/<api>/<stage>`). Never empty. */
  readonly accessLogGroupName: pulumi.Output<string>;

  constructor(name: string, args: KinesisProxyApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest-pipeline:components:KinesisProxyApi", name, {}, opts);
    validateApiStageArgs("KinesisProxyApi", args);
    const parent = { parent: this };
    const tags = { ...args.tags };
    const apiName = kinesisApiName(args.prefix);
    const routes = kinesisRoutes({ prefix: args.prefix, streamAdmin: !!args.streamAdminRoutes });

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: `API Gateway ${apiName} calling Kinesis`,
        assumeRolePolicy: JSON.stringify(serviceTrustPolicy("apigateway.amazonaws.com")),
        tags,
      },
      parent,
    );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-role`,
      {
        role: role.id,
        policy: pulumi
          .all([args.streamArns, args.kmsKeyArn])
          .apply(([streamArns, kmsKeyArn]) =>
            JSON.stringify(
              kinesisProxyPolicy({ routes, prefix: args.prefix, streamArns, kmsKeyArn }),
            ),
          ),
      },
      parent,
    );

    const api = new aws.apigateway.RestApi(
      `${name}`,
      {
        name: apiName,
        description: `Kinesis proxy of ${args.prefix}: /streams/{stream-name}/record(s)`,
        endpointConfiguration: { types: "REGIONAL" },
        apiKeySource: "HEADER",
        tags,
      },
      parent,
    );
    const routeResources = this.createRoutes(name, api, routes, role.arn);

    const deployment = new aws.apigateway.Deployment(
      `${name}-deployment`,
      { restApi: api.id, description: apiName, triggers: { redeployment: apiFingerprint(routes) } },
      // A new fingerprint replaces the deployment; the new one exists before the old one goes.
      { parent: this, dependsOn: [rolePolicy, ...routeResources], deleteBeforeReplace: false },
    );
    const { stage, apiKey, accessLogs } = createApiStage(this, name, {
      api,
      apiName,
      deployment,
      keyName: `${args.prefix}-stream-client`,
      planName: `${args.prefix}-stream`,
      args,
    });

    this.invokeUrl = stage.invokeUrl;
    this.restApiId = api.id;
    this.stageName = stage.stageName;
    this.apiKeyId = apiKey.id;
    this.roleArn = role.arn;
    this.accessLogGroupName = accessLogs.name;
    this.registerOutputs({ invokeUrl: this.invokeUrl, apiKeyId: this.apiKeyId });
  }

  /** Resources, validator, models and, per route, method, integration and their responses. */
  private createRoutes(
    name: string,
    api: aws.apigateway.RestApi,
    routes: KinesisRoute[],
    roleArn: pulumi.Output<string>,
  ): pulumi.Resource[] {
    const parent = { parent: this };
    const resourceIds: Record<string, pulumi.Output<string>> = {};
    for (const r of API_RESOURCES) {
      const parentId = r.parent ? resourceIds[r.parent] : api.rootResourceId;
      resourceIds[r.key] = new aws.apigateway.Resource(
        `${name}-${r.key}`,
        { restApi: api.id, parentId, pathPart: r.pathPart },
        parent,
      ).id;
    }
    const validator = new aws.apigateway.RequestValidator(
      `${name}-validator`,
      {
        restApi: api.id,
        name: "body-and-parameters",
        validateRequestBody: true,
        validateRequestParameters: true,
      },
      parent,
    );
    const models = new Map<ModelName, aws.apigateway.Model>();
    for (const model of new Set(routes.flatMap((r) => r.model ?? []))) {
      const schema = JSON.stringify(MODELS[model]);
      models.set(
        model,
        new aws.apigateway.Model(
          `${name}-${model}`,
          { restApi: api.id, name: model, contentType: "application/json", schema },
          parent,
        ),
      );
    }
    const badBody = new aws.apigateway.Response(
      `${name}-bad-request-body`,
      {
        restApiId: api.id,
        responseType: "BAD_REQUEST_BODY",
        statusCode: "400",
        responseParameters: { "gatewayresponse.header.Content-Type": "'text/plain'" },
        responseTemplates: { "application/json": BAD_REQUEST_BODY_TEMPLATE },
      },
      parent,
    );

    const region = aws.getRegionOutput({}, parent).region;
    const created: pulumi.Resource[] = [badBody];
    for (const route of routes) {
      const at = {
        restApi: api.id,
        resourceId: resourceIds[route.resource],
        httpMethod: route.httpMethod,
      };
      const model = route.model && models.get(route.model);
      const method = new aws.apigateway.Method(
        `${name}-${route.key}`,
        {
          ...at,
          authorization: "NONE",
          apiKeyRequired: true,
          requestParameters: route.requestParameters,
          requestValidatorId: validator.id,
          requestModels: model ? { "application/json": model.name } : undefined,
        },
        parent,
      );
      const integration = new aws.apigateway.Integration(
        `${name}-${route.key}`,
        {
          ...at,
          type: "AWS",
          integrationHttpMethod: "POST",
          uri: pulumi.interpolate`arn:aws:apigateway:${region}:kinesis:action/${route.action}`,
          credentials: roleArn,
          requestParameters: {
            "integration.request.header.Content-Type": `'${KINESIS_CONTENT_TYPE}'`,
          },
          requestTemplates: { "application/json": route.requestTemplate },
          // Other content types get 415 instead of reaching Kinesis untemplated.
          passthroughBehavior: "NEVER",
        },
        { parent: this, dependsOn: [method] },
      );
      created.push(method, integration);
      for (const { statusCode, selectionPattern } of INTEGRATION_RESPONSES) {
        const methodResponse = new aws.apigateway.MethodResponse(
          `${name}-${route.key}-${statusCode}`,
          { ...at, statusCode, responseModels: { "application/json": "Empty" } },
          { parent: this, dependsOn: [method] },
        );
        const template = statusCode === "200" ? route.responseTemplate : undefined;
        const integrationResponse = new aws.apigateway.IntegrationResponse(
          `${name}-${route.key}-${statusCode}`,
          {
            ...at,
            statusCode,
            selectionPattern,
            responseTemplates: template ? { "application/json": template } : undefined,
          },
          { parent: this, dependsOn: [integration, methodResponse] },
        );
        created.push(methodResponse, integrationResponse);
      }
    }
    return created;
  }
}
