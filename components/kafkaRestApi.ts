import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createApiStage } from "./apiStage";
import { REST_PROXY_PORT } from "./kafkaClientUserData";
import { contentHash } from "./s3SinkConnectorConfig";

/** Arguments of {@link KafkaRestApi}. */
export interface KafkaRestApiArgs {
  /** Prefix every AWS name derives from (the stack's `prefix`). */
  readonly prefix: string;
  /** VPC of the REST proxy machine. */
  readonly vpcId: pulumi.Input<string>;
  /** Private subnets of the internal load balancer (two zones). */
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** EC2 instance running the REST proxy. */
  readonly targetInstanceId: pulumi.Input<string>;
  /** That machine's own security group; the API opens the proxy's port on it to its balancer only. */
  readonly targetSecurityGroupId: pulumi.Input<string>;
  /** Port of the REST proxy. @default 8082 */
  readonly targetPort?: number;
  /** Stage name. @default "v1" */
  readonly stageName?: string;
  /** Days to keep access and execution logs. @default 30 */
  readonly logRetentionDays?: number;
  /** Steady requests per second, per API key and per stage. @default 50 */
  readonly throttlingRateLimit?: number;
  /** Burst above the steady rate. @default 100 */
  readonly throttlingBurstLimit?: number;
  /** Requests per API key per day. @default 1000000 */
  readonly quotaPerDay?: number;
  /** Create the region's account-wide API Gateway logging role. @default false */
  readonly manageApiGatewayAccount?: boolean;
  /** Tags added to every resource that takes tags. @default {} */
  readonly tags?: Record<string, string>;
}

/** Checks arguments API Gateway would reject only at deployment. */
export function validateKafkaRestApiArgs(args: KafkaRestApiArgs): void {
  const stage = args.stageName ?? "v1";
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(stage)) {
    throw new Error(
      `KafkaRestApi stageName "${stage}" may hold only letters, digits, '-' and '_'.`,
    );
  }
  const port = args.targetPort ?? REST_PROXY_PORT;
  if (!Number.isInteger(port) || port < 1024 || port > 65535) {
    throw new Error(`KafkaRestApi targetPort ${port} must be an unprivileged port (1024–65535).`);
  }
  const rate = args.throttlingRateLimit ?? 50;
  const burst = args.throttlingBurstLimit ?? 100;
  if (!(rate > 0) || !Number.isInteger(burst) || burst < 1) {
    throw new Error(
      `KafkaRestApi throttling ${rate}/s, burst ${burst} must both be positive (burst whole).`,
    );
  }
}

/**
 * The course's API in front of the REST proxy: `/{proxy+}` ANY, proxied over HTTP to
 * `http://<proxy>:8082/{proxy}`. The proxy stays private: API Gateway reaches it through a VPC link
 * to an internal network load balancer, whose security group is the only way in to the machine.
 * Every request needs an API key, the usage plan throttles, stages are logged and traced.
 */
export class KafkaRestApi extends pulumi.ComponentResource {
  readonly invokeUrl: pulumi.Output<string>;
  readonly restApiId: pulumi.Output<string>;
  readonly stageName: pulumi.Output<string>;
  readonly apiKeyId: pulumi.Output<string>;
  readonly loadBalancerDnsName: pulumi.Output<string>;
  readonly accessLogGroupName: pulumi.Output<string>;

  constructor(name: string, args: KafkaRestApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest-pipeline:components:KafkaRestApi", name, {}, opts);
    validateKafkaRestApiArgs(args);
    const parent = { parent: this };
    const tags = { ...args.tags };
    const apiName = `${args.prefix}-kafka-rest`;
    const port = args.targetPort ?? REST_PROXY_PORT;
    const stageName = args.stageName ?? "v1";
    const retentionInDays = args.logRetentionDays ?? 30;
    const rate = args.throttlingRateLimit ?? 50;
    const burst = args.throttlingBurstLimit ?? 100;

    const nlbGroup = new aws.ec2.SecurityGroup(
      `${name}-nlb-sg`,
      {
        vpcId: args.vpcId,
        description: `${apiName} load balancer: API Gateway in (VPC link), the REST proxy out`,
        // No inline rules: this group's and the proxy group's rules are standalone resources
        // (see the warning in node_modules/@pulumi/aws/ec2/securityGroup.d.ts).
        tags: { ...tags, Name: `${apiName}-nlb` },
      },
      parent,
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-nlb-to-proxy`,
      {
        securityGroupId: nlbGroup.id,
        description: "REST proxy traffic and health checks to the proxy machine",
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        referencedSecurityGroupId: args.targetSecurityGroupId,
      },
      parent,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-proxy-from-nlb`,
      {
        securityGroupId: args.targetSecurityGroupId,
        description: `REST proxy on ${port} from the ${apiName} load balancer only`,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        referencedSecurityGroupId: nlbGroup.id,
      },
      parent,
    );
    const nlb = new aws.lb.LoadBalancer(
      `${name}-nlb`,
      {
        loadBalancerType: "network",
        internal: true,
        subnets: args.subnetIds,
        securityGroups: [nlbGroup.id],
        // VPC link traffic arrives over PrivateLink; with no inbound rules, nothing else gets in.
        enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: "off",
        enableCrossZoneLoadBalancing: true,
        tags: { ...tags, Name: `${apiName}-nlb` },
      },
      parent,
    );
    const targetGroup = new aws.lb.TargetGroup(
      `${name}-targets`,
      {
        vpcId: args.vpcId,
        port,
        protocol: "TCP",
        targetType: "instance",
        deregistrationDelay: 30,
        healthCheck: { protocol: "HTTP", path: "/", port: "traffic-port", matcher: "200-399" },
        tags,
      },
      parent,
    );
    new aws.lb.TargetGroupAttachment(
      `${name}-target`,
      { targetGroupArn: targetGroup.arn, targetId: args.targetInstanceId, port },
      parent,
    );
    new aws.lb.Listener(
      `${name}-listener`,
      {
        loadBalancerArn: nlb.arn,
        port,
        protocol: "TCP",
        defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
        tags,
      },
      parent,
    );
    const vpcLink = new aws.apigateway.VpcLink(
      `${name}-vpc-link`,
      { name: apiName, description: `${apiName} to its load balancer`, targetArn: nlb.arn, tags },
      parent,
    );

    const api = new aws.apigateway.RestApi(
      `${name}-api`,
      {
        name: apiName,
        description: `Kafka REST proxy of ${args.prefix} (API v2): POST /topics/<topic>`,
        endpointConfiguration: { types: "REGIONAL" },
        apiKeySource: "HEADER",
        tags,
      },
      parent,
    );
    const proxy = new aws.apigateway.Resource(
      `${name}-proxy`,
      { restApi: api.id, parentId: api.rootResourceId, pathPart: "{proxy+}" },
      parent,
    );
    const validator = new aws.apigateway.RequestValidator(
      `${name}-validator`,
      { restApi: api.id, name: `${apiName}-parameters`, validateRequestParameters: true },
      parent,
    );
    const method = new aws.apigateway.Method(
      `${name}-any`,
      {
        restApi: api.id,
        resourceId: proxy.id,
        httpMethod: "ANY",
        authorization: "NONE",
        apiKeyRequired: true,
        requestValidatorId: validator.id,
        requestParameters: { "method.request.path.proxy": true },
      },
      parent,
    );
    const integration = new aws.apigateway.Integration(
      `${name}-integration`,
      {
        restApi: api.id,
        resourceId: proxy.id,
        httpMethod: method.httpMethod,
        type: "HTTP_PROXY",
        integrationHttpMethod: "ANY",
        // Plain HTTP inside the VPC: the proxy has no certificate; the link is private.
        uri: pulumi.interpolate`http://${nlb.dnsName}:${port}/{proxy}`,
        connectionType: "VPC_LINK",
        connectionId: vpcLink.id,
        requestParameters: { "integration.request.path.proxy": "method.request.path.proxy" },
        timeoutMilliseconds: 29000,
      },
      parent,
    );

    const deployment = new aws.apigateway.Deployment(
      `${name}-deployment`,
      {
        restApi: api.id,
        description: apiName,
        // Any change to the route or its target yields a new deployment.
        triggers: {
          redeployment: pulumi
            .all([proxy.id, method.id, integration.id, integration.uri, validator.id])
            .apply((parts) => contentHash(JSON.stringify(parts))),
        },
      },
      // The new deployment exists before the old one goes (create before delete).
      { parent: this, dependsOn: [method, integration], deleteBeforeReplace: false },
    );
    const { stage, apiKey, accessLogs } = createApiStage(this, name, {
      api,
      apiName,
      deployment,
      stageName,
      retentionInDays,
      rate,
      burst,
      quotaPerDay: args.quotaPerDay ?? 1_000_000,
      keyName: `${args.prefix}-batch-client`,
      planName: `${args.prefix}-batch`,
      manageApiGatewayAccount: args.manageApiGatewayAccount,
      tags,
    });

    this.invokeUrl = stage.invokeUrl;
    this.restApiId = api.id;
    this.stageName = stage.stageName;
    this.apiKeyId = apiKey.id;
    this.loadBalancerDnsName = nlb.dnsName;
    this.accessLogGroupName = accessLogs.name;
    this.registerOutputs({ invokeUrl: this.invokeUrl, apiKeyId: this.apiKeyId });
  }
}
