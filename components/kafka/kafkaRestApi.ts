import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  ApiStageArgs,
  createApiStage,
  DEFAULT_API_STAGE,
  validateApiStageArgs,
} from "../apigateway/apiStage";
import { REST_PROXY_PORT } from "./kafkaClientUserData";
import { contentHash } from "../shared/contentName";

/** Arguments of {@link KafkaRestApi}; its stage's are those of {@link ApiStageArgs}. */
export interface KafkaRestApiArgs extends ApiStageArgs {
  /** Prefix every AWS name derives from (the stack's `prefix`). */
  readonly prefix: string;
  /** VPC of the REST proxy machines. */
  readonly vpcId: pulumi.Input<string>;
  /** Private subnets of the internal load balancer (two zones). */
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Autoscaling group of the machines running the REST proxy; its target group is attached to it. */
  readonly targetGroupName: pulumi.Input<string>;
  /** Those machines' own security group; the API opens the proxy's port on it to its balancer only. */
  readonly targetSecurityGroupId: pulumi.Input<string>;
  /** Port of the REST proxy. @default 8082 */
  readonly targetPort?: number;
  /** Milliseconds API Gateway waits for the proxy (50–29000). @default 29000 */
  readonly integrationTimeoutMs?: number;
  /** SNS topic the proxy-health alarm notifies. @default undefined (the alarm only changes state) */
  readonly alarmTopicArn?: pulumi.Input<string>;
}

/** Checks arguments API Gateway would reject only at deployment. */
export function validateKafkaRestApiArgs(args: KafkaRestApiArgs): void {
  validateApiStageArgs("KafkaRestApi", args);
  const port = args.targetPort ?? REST_PROXY_PORT;
  if (!Number.isInteger(port) || port < 1024 || port > 65535) {
    throw new Error(`KafkaRestApi targetPort ${port} must be an unprivileged port (1024–65535).`);
  }
  const timeout = args.integrationTimeoutMs ?? 29000;
  if (!Number.isInteger(timeout) || timeout < 50 || timeout > 29000) {
    throw new Error(
      `KafkaRestApi integrationTimeoutMs ${timeout} must be a whole number from 50 to 29000.`,
    );
  }
}

/** JSON with object keys sorted at every level: equal values give equal text, whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

/**
 * The deployment trigger: a hash of every rendered argument of the route's resources. Ids alone
 * are not enough: API Gateway method and integration ids are derived from the API, resource and
 * verb, so an in-place change (API key, timeout, VPC link) keeps them, and without a new
 * deployment the stage keeps serving its old snapshot
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-deploy-api.html).
 */
export function redeploymentTrigger(renderedArgs: Record<string, unknown>): string {
  return contentHash(canonicalJson(renderedArgs));
}

/** The stage every stack's batch API has (the invoke URL's last segment). */
export const KAFKA_API_STAGE = DEFAULT_API_STAGE;

/** The API's name: `<prefix>-kafka-rest`. */
export function kafkaRestApiName(prefix: string): string {
  return `${prefix}-kafka-rest`;
}

/**
 * The course's API in front of the REST proxy: `/{proxy+}` ANY, proxied over HTTP to
 * `http://<proxy>:8082/{proxy}`. The proxy stays private: API Gateway reaches it through a VPC link
 * to an internal network load balancer, whose security group is the only way in to the machine.
 * Every request needs an API key, the usage plan throttles, stages are logged and traced.
 */
export class KafkaRestApi extends pulumi.ComponentResource {
  /**
   * `https://<api-id>.execute-api.<region>.amazonaws.com/<stage>`; requests go to
   * `/topics/<topic>`. Never empty.
   */
  readonly invokeUrl: pulumi.Output<string>;
  /** Id of the REST API (`<prefix>-kafka-rest`). Never empty. */
  readonly restApiId: pulumi.Output<string>;
  /** The stage's name, the invoke URL's last segment. Never empty. */
  readonly stageName: pulumi.Output<string>;
  /** Id (not the value) of the API key clients send as `x-api-key`. Never empty. */
  readonly apiKeyId: pulumi.Output<string>;
  /** DNS name of the internal network load balancer in front of the REST proxy. Never empty. */
  readonly loadBalancerDnsName: pulumi.Output<string>;
  /** The stage's access log group (`/aws/apigateway/<api>/<stage>`). Never empty. */
  readonly accessLogGroupName: pulumi.Output<string>;

  constructor(name: string, args: KafkaRestApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest-pipeline:components:KafkaRestApi", name, {}, opts);
    validateKafkaRestApiArgs(args);
    const parent = { parent: this };
    const tags = { ...args.tags };
    const apiName = kafkaRestApiName(args.prefix);
    const port = args.targetPort ?? REST_PROXY_PORT;

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
        description: "REST proxy traffic and health checks to the proxy machines",
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
    // The group registers each machine it launches and deregisters each it terminates; its ELB
    // health checks are this target group's (https://docs.aws.amazon.com/autoscaling/ec2/userguide/attach-load-balancer-asg.html).
    new aws.autoscaling.TrafficSourceAttachment(
      `${name}-target`,
      {
        autoscalingGroupName: args.targetGroupName,
        trafficSource: { identifier: targetGroup.arn, type: "elbv2" },
      },
      parent,
    );
    this.createProxyHealthAlarm(name, apiName, nlb, targetGroup, args.alarmTopicArn, tags);
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
    const proxyArgs: aws.apigateway.ResourceArgs = {
      restApi: api.id,
      parentId: api.rootResourceId,
      pathPart: "{proxy+}",
    };
    const proxy = new aws.apigateway.Resource(`${name}-proxy`, proxyArgs, parent);
    const validatorArgs: aws.apigateway.RequestValidatorArgs = {
      restApi: api.id,
      name: `${apiName}-parameters`,
      validateRequestParameters: true,
    };
    const validator = new aws.apigateway.RequestValidator(
      `${name}-validator`,
      validatorArgs,
      parent,
    );
    const methodArgs: aws.apigateway.MethodArgs = {
      restApi: api.id,
      resourceId: proxy.id,
      httpMethod: "ANY",
      authorization: "NONE",
      apiKeyRequired: true,
      requestValidatorId: validator.id,
      requestParameters: { "method.request.path.proxy": true },
    };
    const method = new aws.apigateway.Method(`${name}-any`, methodArgs, parent);
    const integrationArgs: aws.apigateway.IntegrationArgs = {
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
      timeoutMilliseconds: args.integrationTimeoutMs ?? 29000,
    };
    const integration = new aws.apigateway.Integration(
      `${name}-integration`,
      integrationArgs,
      parent,
    );

    const deployment = new aws.apigateway.Deployment(
      `${name}-deployment`,
      {
        restApi: api.id,
        description: apiName,
        // Any change to any argument of the route yields a new deployment.
        triggers: {
          redeployment: pulumi
            .all([
              pulumi.output(proxyArgs),
              pulumi.output(validatorArgs),
              pulumi.output(methodArgs),
              pulumi.output(integrationArgs),
            ])
            .apply(([resource, validator, method, integration]) =>
              redeploymentTrigger({ resource, validator, method, integration }),
            ),
        },
      },
      // The new deployment exists before the old one goes (create before delete).
      { parent: this, dependsOn: [method, integration], deleteBeforeReplace: false },
    );
    const { stage, apiKey, accessLogs } = createApiStage(this, name, {
      api,
      apiName,
      deployment,
      keyName: `${args.prefix}-batch-client`,
      planName: `${args.prefix}-batch`,
      args,
    });

    this.invokeUrl = stage.invokeUrl;
    this.restApiId = api.id;
    this.stageName = stage.stageName;
    this.apiKeyId = apiKey.id;
    this.loadBalancerDnsName = nlb.dnsName;
    this.accessLogGroupName = accessLogs.name;
    this.registerOutputs({ invokeUrl: this.invokeUrl, apiKeyId: this.apiKeyId });
  }

  /**
   * An alarm when no REST proxy is a healthy target: a boot script can fail after EC2 reports
   * "running" (pulumi up still succeeds), or the service can die later. The group replaces a
   * machine that stays unhealthy past its grace period; while one of several is replaced the
   * others serve, so only none healthy is an outage. HealthyHostCount
   * is per target group and load balancer (both dimensions, as ARN suffixes); the Maximum over
   * the load balancer's nodes below 1 means no node sees a healthy proxy, including one that never
   * came up; missing data (no samples at all) counts as breaching.
   * Metric and dimensions: https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-cloudwatch-metrics.html
   */
  private createProxyHealthAlarm(
    name: string,
    apiName: string,
    nlb: aws.lb.LoadBalancer,
    targetGroup: aws.lb.TargetGroup,
    alarmTopicArn: pulumi.Input<string> | undefined,
    tags: Record<string, string>,
  ): aws.cloudwatch.MetricAlarm {
    const actions = alarmTopicArn ? [alarmTopicArn] : [];
    return new aws.cloudwatch.MetricAlarm(
      `${name}-proxy-unhealthy`,
      {
        name: `${apiName}-proxy-unhealthy`,
        alarmDescription:
          `No healthy Kafka REST proxy behind ${apiName}: the batch API answers 5xx. ` +
          "See /var/log/kafka-client-setup.log and `systemctl status kafka-rest-proxy` on a client machine, and the group's activity (aws autoscaling describe-scaling-activities).",
        namespace: "AWS/NetworkELB",
        metricName: "HealthyHostCount",
        dimensions: { TargetGroup: targetGroup.arnSuffix, LoadBalancer: nlb.arnSuffix },
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
        treatMissingData: "breaching",
        alarmActions: actions,
        okActions: actions,
        tags,
      },
      { parent: this },
    );
  }
}
