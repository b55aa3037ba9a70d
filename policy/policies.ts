// The rules of docs/security.md that a resource's inputs (or the stack's whole graph) show, as
// CrossGuard policies: `pulumi preview --policy-pack policy` checks them on any stack of any
// program, on the inputs the provider would get. Each policy cites its section of docs/security.md.
// What no input shows (a role's scope over this stack's own ARNs, the stack's allowDataLoss, a
// secret in user data) stays with the mocha tests (docs/security.md, "How the rules are enforced").
// Type-only imports: the tests call these functions without loading the policy runtime.
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";

/** A policy of this pack (the tests import the types from here: @pulumi/policy is policy/'s own). */
export type PackPolicy = ResourceValidationPolicy | StackValidationPolicy;
export type { PolicyResource };

/* eslint-disable @typescript-eslint/no-explicit-any -- resource inputs are whatever a program registered */
type Props = Record<string, any>;
type Check = (props: Props, report: (message: string) => void, type: string) => void;

const cite = (section: string) => `docs/security.md, "${section}"`;

/** A mandatory policy over every resource of the given types. */
function onTypes(
  name: string,
  section: string,
  description: string,
  types: string[],
  check: Check,
): ResourceValidationPolicy {
  return {
    name,
    description: `${description} (${cite(section)})`,
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (types.includes(args.type)) check(args.props, report, args.type);
    },
  };
}

/** A mandatory policy over the whole stack. */
function onStack(
  name: string,
  section: string,
  description: string,
  validate: (resources: PolicyResource[], report: ReportViolation) => void,
): StackValidationPolicy {
  return {
    name,
    description: `${description} (${cite(section)})`,
    enforcementLevel: "mandatory",
    validateStack: (args, report) => validate(args.resources, report),
  };
}

const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

// ---------------------------------------------------------------------------------------------
// Storage: each of a bucket's settings is its own resource (aws:s3/bucketVersioning, ...) whose
// `bucket` input depends on the bucket: matched through that property dependency, which the engine
// knows at preview even before the bucket has a name.

const BUCKET = "aws:s3/bucket:Bucket";
const BUCKET_V2 = "aws:s3/bucketV2:BucketV2";

function bucketSetting(
  name: string,
  what: string,
  type: string,
  holds: (props: Props) => boolean,
): StackValidationPolicy {
  return onStack(name, "Storage", `Every bucket ${what}`, (resources, report) => {
    const buckets = resources.filter((r) => r.type === BUCKET || r.type === BUCKET_V2);
    for (const bucket of buckets) {
      const settings = resources.filter(
        (r) =>
          r.type === type &&
          (r.propertyDependencies.bucket ?? []).some((d) => d.urn === bucket.urn),
      );
      if (!settings.some((s) => holds(s.props))) {
        report(`bucket "${bucket.name}" has no ${type} that ${what}`, bucket.urn);
      }
    }
  });
}

/** A JSON policy document as an object (inputs hold them as text). */
function document(policy: unknown): { Statement?: any } {
  return typeof policy === "string" ? JSON.parse(policy) : ((policy as object) ?? {});
}

const statements = (policy: unknown): any[] => asList(document(policy).Statement);

const storage = [
  bucketSetting(
    "s3-bucket-blocks-public-access",
    "blocks public access (all four settings)",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    (p) =>
      p.blockPublicAcls === true &&
      p.blockPublicPolicy === true &&
      p.ignorePublicAcls === true &&
      p.restrictPublicBuckets === true,
  ),
  bucketSetting(
    "s3-bucket-encrypted",
    "sets default encryption at rest",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    (p) => asList(p.rules).some((r: any) => r.applyServerSideEncryptionByDefault?.sseAlgorithm),
  ),
  bucketSetting(
    "s3-bucket-versioned",
    "keeps versions",
    "aws:s3/bucketVersioning:BucketVersioning",
    (p) => p.versioningConfiguration?.status === "Enabled",
  ),
  bucketSetting(
    "s3-bucket-lifecycle",
    "expires old versions and unfinished uploads",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    (p) => {
      const on = asList(p.rules).filter((r: any) => r.status === "Enabled");
      return (
        on.some((r: any) => r.noncurrentVersionExpiration) &&
        on.some((r: any) => r.abortIncompleteMultipartUpload)
      );
    },
  ),
  bucketSetting(
    "s3-bucket-denies-insecure-transport",
    "denies requests without TLS",
    "aws:s3/bucketPolicy:BucketPolicy",
    (p) =>
      statements(p.policy).some(
        (s) =>
          s.Effect === "Deny" &&
          ["false", false].includes(s.Condition?.Bool?.["aws:SecureTransport"]),
      ),
  ),
];

// ---------------------------------------------------------------------------------------------
// Streams

const STREAM = "aws:kinesis/stream:Stream";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
/** Milliseconds: the oldest unread record is 12 hours old. */
const ITERATOR_AGE_LIMIT_MS = 12 * 60 * 60 * 1000;
const STREAM_ALARMS: { metric: string; fires: (alarm: Props) => boolean }[] = [
  {
    metric: "GetRecords.IteratorAgeMilliseconds",
    fires: (a) => Number(a.threshold) <= ITERATOR_AGE_LIMIT_MS,
  },
  { metric: "ReadProvisionedThroughputExceeded", fires: () => true },
  { metric: "WriteProvisionedThroughputExceeded", fires: () => true },
];

const streams = [
  onTypes(
    "kinesis-stream-encrypted-with-retention",
    "Streams",
    "Streams are encrypted at rest and have an explicit retention",
    [STREAM],
    (p, report) => {
      if (p.encryptionType !== "KMS") report(`encryptionType is ${p.encryptionType}, not KMS`);
      if (p.retentionPeriod === undefined) report("no retentionPeriod (hours)");
    },
  ),
  onStack(
    "kinesis-stream-alarms",
    "Streams",
    "Every stream has alarms on a 12-hour-old unread record and on throttled reads and writes",
    (resources, report) => {
      const alarms = resources.filter(
        (r) => r.type === ALARM && r.props.namespace === "AWS/Kinesis",
      );
      for (const stream of resources.filter((r) => r.type === STREAM)) {
        const own = alarms.filter((a) => a.props.dimensions?.StreamName === stream.props.name);
        const missing = STREAM_ALARMS.filter(
          (want) => !own.some((a) => a.props.metricName === want.metric && want.fires(a.props)),
        ).map((want) => want.metric);
        if (missing.length > 0) {
          report(`stream "${stream.props.name}" has no alarm on ${missing.join(", ")}`, stream.urn);
        }
      }
    },
  ),
];

// ---------------------------------------------------------------------------------------------
// Kafka

const INSTANCE = "aws:ec2/instance:Instance";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";

/** A machine's boot script: an instance takes it as text, a launch template base64-encoded. */
function userDataScript(userData: unknown, type: string): string {
  if (typeof userData !== "string") return "";
  return type === LAUNCH_TEMPLATE ? Buffer.from(userData, "base64").toString("utf8") : userData;
}
const NETWORK = "pinterest-pipeline:components:Network";
const NAT_INSTANCE = "pinterest-pipeline:components:NatInstance";

/** The inputs by which an Elastic IP (or its association) names the machine it is attached to. */
const EIP_TARGETS: Record<string, string[]> = {
  "aws:ec2/eip:Eip": ["instance"],
  "aws:ec2/eipAssociation:EipAssociation": ["instanceId"],
};

const dependsOnAny = (r: PolicyResource, key: string, targets: PolicyResource[]) =>
  (r.propertyDependencies[key] ?? []).some((d) => targets.some((t) => t.urn === d.urn));

/**
 * Why `instance` is not the one exception to "no public address" (docs/security.md, "Network"):
 * a NAT instance, so source/destination check off, the child of a NatInstance component of a
 * Network component, in a subnet of that same Network whose route table sends 0.0.0.0/0 to an
 * internet gateway. Undefined when it is.
 */
function natInstanceProblem(
  instance: PolicyResource,
  resources: PolicyResource[],
): string | undefined {
  if (instance.props.sourceDestCheck !== false) return "it is no NAT (source/destination check on)";
  const network = instance.parent?.parent;
  if (instance.parent?.type !== NAT_INSTANCE || network?.type !== NETWORK) {
    return "it is not the NAT instance of a Network component";
  }
  const subnets = (instance.propertyDependencies.subnetId ?? []).filter(
    (s) => s.type === "aws:ec2/subnet:Subnet" && s.parent?.urn === network.urn,
  );
  const gateways = resources.filter((r) => r.type === "aws:ec2/internetGateway:InternetGateway");
  const publicTables = resources.filter(
    (r) =>
      r.type === "aws:ec2/routeTable:RouteTable" &&
      asList(r.props.routes).some((route: Props) => route.cidrBlock === "0.0.0.0/0") &&
      dependsOnAny(r, "routes", gateways),
  );
  const inPublicSubnet = resources.some(
    (r) =>
      r.type === "aws:ec2/routeTableAssociation:RouteTableAssociation" &&
      dependsOnAny(r, "subnetId", subnets) &&
      dependsOnAny(r, "routeTableId", publicTables),
  );
  return subnets.length > 0 && inPublicSubnet ? undefined : "not in its Network's public subnet";
}

const kafka = [
  onTypes(
    "msk-iam-tls-logged-private",
    "Kafka",
    "MSK takes only IAM-authenticated clients over TLS, encrypts in the cluster, logs its brokers and has no public access",
    ["aws:msk/cluster:Cluster"],
    (p, report) => {
      const auth = p.clientAuthentication ?? {};
      if (auth.sasl?.iam !== true) report("clientAuthentication.sasl.iam is not true");
      if (auth.unauthenticated === true) report("clientAuthentication.unauthenticated is true");
      if (auth.sasl?.scram === true || auth.tls) report("a client authentication other than IAM");
      const transit = p.encryptionInfo?.encryptionInTransit ?? {};
      // MSK's defaults are TLS and in-cluster encryption (provider: msk/cluster.go).
      if ((transit.clientBroker ?? "TLS") !== "TLS") {
        report(`encryptionInTransit.clientBroker is ${transit.clientBroker}, not TLS`);
      }
      if (transit.inCluster === false) report("encryptionInTransit.inCluster is false");
      const logs = p.loggingInfo?.brokerLogs ?? {};
      if (![logs.cloudwatchLogs, logs.firehose, logs.s3].some((l) => l?.enabled === true)) {
        report("no broker logs (loggingInfo.brokerLogs)");
      }
      const access = p.brokerNodeGroupInfo?.connectivityInfo?.publicAccess?.type;
      if (access !== undefined && access !== "DISABLED") report(`public access is ${access}`);
    },
  ),
  onTypes(
    "msk-connector-iam-tls",
    "Kafka",
    "An MSK Connect connector reaches its cluster with IAM over TLS",
    ["aws:mskconnect/connector:Connector"],
    (p, report) => {
      const auth = p.kafkaClusterClientAuthentication?.authenticationType;
      if (auth !== "IAM") report(`kafkaClusterClientAuthentication is ${auth}, not IAM`);
      const tls = p.kafkaClusterEncryptionInTransit?.encryptionType;
      if (tls !== "TLS") report(`kafkaClusterEncryptionInTransit is ${tls}, not TLS`);
    },
  ),
  onTypes(
    "client-connect-worker-iam-tls",
    "Kafka",
    "A Kafka Connect worker a machine's user data starts reaches the cluster with IAM over TLS, for itself and its connectors",
    [INSTANCE, LAUNCH_TEMPLATE],
    (p, report, type) => {
      const script = userDataScript(p.userData, type);
      const head = "cat > /etc/kafka-connect/worker.properties <<'PROPERTIES'\n";
      const start = script.indexOf(head);
      if (start < 0) return;
      const body = script.slice(start + head.length);
      const lines = body.slice(0, body.indexOf("\nPROPERTIES\n")).split("\n");
      // Kafka Connect passes no security setting of the worker's on to a connector's clients.
      for (const prefix of ["", "consumer.", "producer.", "admin."]) {
        for (const setting of ["security.protocol=SASL_SSL", "sasl.mechanism=AWS_MSK_IAM"]) {
          if (!lines.includes(`${prefix}${setting}`)) {
            report(`the worker properties do not set ${prefix}${setting}`);
          }
        }
      }
    },
  ),
  onTypes(
    "ec2-instance-hardened",
    "Kafka",
    "A machine, and every machine a launch template builds, requires IMDSv2, encrypts its disks and has no key pair",
    [INSTANCE, LAUNCH_TEMPLATE],
    (p, report, type) => {
      if (p.metadataOptions?.httpTokens !== "required") report("IMDSv2 is not required");
      if (type === INSTANCE && p.rootBlockDevice?.encrypted !== true) {
        report("the root volume is not encrypted");
      }
      if (type === LAUNCH_TEMPLATE) {
        // A template that maps no volume leaves the AMI's root volume as the AMI has it.
        const volumes: { deviceName?: string; ebs?: { encrypted?: unknown } }[] =
          p.blockDeviceMappings ?? [];
        if (volumes.length === 0) report("no volume is mapped, so none is encrypted");
        for (const v of volumes) {
          // The provider takes the template's EBS flags as strings (LaunchTemplateBlockDeviceMappingEbs).
          if (String(v.ebs?.encrypted) !== "true")
            report(`volume ${v.deviceName} is not encrypted`);
        }
      }
      if (p.keyName) report(`key pair ${p.keyName} (use Session Manager)`);
    },
  ),
];

// ---------------------------------------------------------------------------------------------
// APIs

const BODY_METHODS = ["POST", "PUT", "PATCH"];

const apis = [
  onTypes(
    "apigateway-method-needs-api-key",
    "APIs",
    "Every API method needs an API key",
    ["aws:apigateway/method:Method"],
    (p, report) => {
      if (p.httpMethod !== "OPTIONS" && p.apiKeyRequired !== true) {
        report(`${p.httpMethod} method without apiKeyRequired`);
      }
    },
  ),
  onTypes(
    "apigateway-body-validated",
    "APIs",
    "A method that takes a body declares a JSON model and a request validator",
    ["aws:apigateway/method:Method"],
    (p, report) => {
      if (!BODY_METHODS.includes(p.httpMethod)) return;
      if (!p.requestModels?.["application/json"]) report(`${p.httpMethod} without a JSON model`);
      if (!p.requestValidatorId) report(`${p.httpMethod} without a request validator`);
    },
  ),
  onTypes(
    "apigateway-usage-plan-limits",
    "APIs",
    "A usage plan throttles each key and caps its day",
    ["aws:apigateway/usagePlan:UsagePlan"],
    (p, report) => {
      const t = p.throttleSettings;
      if (t?.rateLimit === undefined || t?.burstLimit === undefined) report("no throttle");
      if (p.quotaSettings?.period !== "DAY") report("no daily quota");
    },
  ),
  onTypes(
    "apigateway-stage-logged-traced",
    "APIs",
    "A stage writes access logs and has X-Ray tracing on",
    ["aws:apigateway/stage:Stage"],
    (p, report) => {
      if (!p.accessLogSettings?.destinationArn) report("no access logs");
      if (p.xrayTracingEnabled !== true) report("X-Ray tracing is off");
    },
  ),
  onTypes(
    "apigateway-no-data-trace",
    "APIs",
    "Data trace (full requests in the execution logs) stays off",
    ["aws:apigateway/methodSettings:MethodSettings"],
    (p, report) => {
      if (p.settings?.dataTraceEnabled === true) report("dataTraceEnabled is true");
    },
  ),
];

// ---------------------------------------------------------------------------------------------
// Database

const MIN_BACKUP_DAYS = 7;
/** MySQL's values for ON (RDS parameter groups accept both). */
const ON = ["1", "ON", "on", 1, true];

const database = [
  onTypes(
    "rds-encrypted-backed-up-mysql8",
    "Database",
    `A database is encrypted, keeps at least ${MIN_BACKUP_DAYS} days of backups, runs MySQL 8 with its own parameter group, and RDS manages its password`,
    ["aws:rds/instance:Instance"],
    (p, report) => {
      if (p.storageEncrypted !== true) report("storage is not encrypted");
      if (!(Number(p.backupRetentionPeriod) >= MIN_BACKUP_DAYS)) {
        report(`backupRetentionPeriod ${p.backupRetentionPeriod} < ${MIN_BACKUP_DAYS}`);
      }
      if (p.engine !== "mysql" || !String(p.engineVersion ?? "").startsWith("8.")) {
        report(`engine ${p.engine} ${p.engineVersion}, not MySQL 8`);
      }
      // The default group does not require TLS; the group's own policy checks that it does.
      if (!p.parameterGroupName) report("the default parameter group (TLS not required)");
      if (p.password !== undefined)
        report("a password in the program (set manageMasterUserPassword)");
    },
  ),
  onTypes(
    "rds-mysql-requires-tls",
    "Database",
    "A MySQL parameter group requires TLS (require_secure_transport)",
    ["aws:rds/parameterGroup:ParameterGroup"],
    (p, report) => {
      if (!String(p.family).startsWith("mysql")) return;
      const tls = asList(p.parameters).find((x: any) => x.name === "require_secure_transport");
      if (!tls || !ON.includes(tls.value)) report("require_secure_transport is not on");
    },
  ),
];

// ---------------------------------------------------------------------------------------------
// Network: inline rules (ingress/egress of a group) and the separate rule resources.

const OPEN = ["0.0.0.0/0", "::/0"];
const GROUPS = [
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
];
const RULES = [
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  "aws:ec2/securityGroupRule:SecurityGroupRule",
];
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

interface Rule {
  readonly ingress: boolean;
  readonly cidrs: string[];
  readonly protocol: string;
  readonly fromPort?: number;
  readonly toPort?: number;
  readonly description?: string;
}

/** Every rule a group or rule resource opens, in one shape. */
function rulesOf(type: string, p: Props): Rule[] {
  if (GROUPS.includes(type)) {
    const inline = (list: any, ingress: boolean) =>
      asList<any>(list).map((r) => ({
        ingress,
        cidrs: [...asList<string>(r.cidrBlocks), ...asList<string>(r.ipv6CidrBlocks)],
        protocol: String(r.protocol),
        fromPort: r.fromPort,
        toPort: r.toPort,
        description: r.description,
      }));
    return [...inline(p.ingress, true), ...inline(p.egress, false)];
  }
  const ingress = type === INGRESS_RULE || p.type === "ingress";
  return [
    {
      ingress,
      cidrs: [
        ...asList<string>(p.cidrIpv4 ?? p.cidrBlocks),
        ...asList<string>(p.cidrIpv6 ?? p.ipv6CidrBlocks),
      ],
      protocol: String(p.ipProtocol ?? p.protocol),
      fromPort: p.fromPort,
      toPort: p.toPort,
      description: p.description,
    },
  ];
}

const allPorts = (r: Rule) =>
  ["-1", "all"].includes(r.protocol) || (r.fromPort === 0 && r.toPort === 65535);

const network = [
  onStack(
    "ec2-instance-no-public-address",
    "Network",
    "No machine has a public address or forwards traffic, except the Network component's NAT instance in its public subnet",
    (resources, report) => {
      for (const instance of resources.filter((r) => r.type === INSTANCE)) {
        const p = instance.props;
        const isPublic = p.associatePublicIpAddress === true;
        const forwards = p.sourceDestCheck === false;
        if (!isPublic && !forwards) continue;
        const why = natInstanceProblem(instance, resources);
        if (why) {
          const what = [isPublic && "a public address", forwards && "source/destination check off"];
          report(`${what.filter(Boolean).join(" and ")}, but ${why}`, instance.urn);
        }
      }
      // A template's machines are never the Network's NAT instance: none may be public.
      for (const template of resources.filter((r) => r.type === LAUNCH_TEMPLATE)) {
        const nics: { associatePublicIpAddress?: unknown }[] =
          template.props.networkInterfaces ?? [];
        if (nics.some((n) => String(n.associatePublicIpAddress) === "true")) {
          report("a launch template giving its machines a public address", template.urn);
        }
      }
      // An Elastic IP attached to a machine gives it a public address as much as the launch does.
      for (const eip of resources.filter((r) => EIP_TARGETS[r.type])) {
        const targets = EIP_TARGETS[eip.type].flatMap((key) => eip.propertyDependencies[key] ?? []);
        for (const instance of targets.filter((t) => t.type === INSTANCE)) {
          const why = natInstanceProblem(instance, resources);
          if (why) report(`an Elastic IP on ${instance.name}, but ${why}`, eip.urn);
        }
      }
    },
  ),
  onTypes(
    "security-group-no-open-ingress",
    "Network",
    "No security group rule lets in traffic from anywhere",
    [...GROUPS, ...RULES],
    (p, report, type) => {
      for (const r of rulesOf(type, p)) {
        if (r.ingress && r.cidrs.some((c) => OPEN.includes(c))) {
          report(`ingress from ${r.cidrs.join(", ")} on ${r.protocol} ${r.fromPort}-${r.toPort}`);
        }
      }
    },
  ),
  onTypes(
    "security-group-no-all-ports",
    "Network",
    "No security group rule opens every port",
    [...GROUPS, ...RULES],
    (p, report, type) => {
      for (const r of rulesOf(type, p).filter(allPorts)) {
        report(`${r.ingress ? "ingress" : "egress"} rule on every port (${r.protocol})`);
      }
    },
  ),
  onTypes(
    "security-group-described",
    "Network",
    "Every security group and rule says what it is for",
    [...GROUPS, ...RULES],
    (p, report, type) => {
      if (type === GROUPS[0] && !p.description) report("a group without a description");
      for (const r of rulesOf(type, p).filter((r) => !r.description)) {
        report(`a ${r.ingress ? "ingress" : "egress"} rule without a description`);
      }
    },
  ),
  onStack(
    "vpc-s3-gateway-endpoint",
    "Network",
    "Every VPC reaches S3 through the free gateway endpoint",
    (resources, report) => {
      for (const vpc of resources.filter((r) => r.type === "aws:ec2/vpc:Vpc")) {
        const endpoint = resources.some(
          (r) =>
            r.type === "aws:ec2/vpcEndpoint:VpcEndpoint" &&
            (r.propertyDependencies.vpcId ?? []).some((d) => d.urn === vpc.urn) &&
            String(r.props.serviceName).endsWith(".s3") &&
            (r.props.vpcEndpointType ?? "Gateway") === "Gateway",
        );
        if (!endpoint) report(`VPC "${vpc.name}" has no S3 gateway endpoint`, vpc.urn);
      }
    },
  ),
];

// ---------------------------------------------------------------------------------------------
// Identity

/** Policy documents in an IAM resource's inputs. */
const POLICY_DOCUMENTS: Record<string, (p: Props) => unknown[]> = {
  "aws:iam/rolePolicy:RolePolicy": (p) => [p.policy],
  "aws:iam/policy:Policy": (p) => [p.policy],
  "aws:iam/userPolicy:UserPolicy": (p) => [p.policy],
  "aws:iam/groupPolicy:GroupPolicy": (p) => [p.policy],
  "aws:iam/role:Role": (p) => asList<any>(p.inlinePolicies).map((i) => i.policy),
};

/**
 * Actions that take no resource, so `"Resource": "*"` is the only form IAM accepts (the service
 * authorization reference lists no resource type for them).
 */
export const UNSCOPED_ACTIONS = [
  "kinesis:ListStreams",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DescribeVpcs",
  "ec2:DescribeSubnets",
  "ec2:DescribeSecurityGroups",
  "cloudwatch:PutMetricData",
  // MWAA's execution role (AWS's "Amazon MWAA execution role" page lists both on "*").
  "logs:DescribeLogGroups",
  "s3:GetAccountPublicAccessBlock",
];

/** Allow statements of every policy document of an IAM resource. */
function allowStatements(type: string, p: Props): any[] {
  const docs = POLICY_DOCUMENTS[type]?.(p) ?? [];
  return docs.flatMap((d) => statements(d)).filter((s) => s.Effect === "Allow");
}

const wildcardAction = (a: string) => a === "*" || a.endsWith(":*");

const identity = [
  onTypes(
    "iam-no-wildcard-action",
    "Identity",
    "No policy allows `*` or a whole service's actions",
    Object.keys(POLICY_DOCUMENTS),
    (p, report, type) => {
      for (const s of allowStatements(type, p)) {
        const wild = asList<string>(s.Action).filter(wildcardAction);
        if (wild.length > 0 || s.NotAction) report(`allows ${wild.join(", ") || "NotAction"}`);
      }
    },
  ),
  onTypes(
    "iam-no-wildcard-resource",
    "Identity",
    "No policy allows an action on `*` where the action can be scoped",
    Object.keys(POLICY_DOCUMENTS),
    (p, report, type) => {
      for (const s of allowStatements(type, p)) {
        if (!asList(s.Resource).includes("*")) continue;
        const scoped = asList<string>(s.Action).filter((a) => !UNSCOPED_ACTIONS.includes(a));
        if (scoped.length > 0) report(`${scoped.join(", ")} on "*"`);
      }
    },
  ),
  onTypes(
    "iam-no-full-access-policy",
    "Identity",
    "No role, user or group gets an AWS `*FullAccess` (or administrator) managed policy",
    [
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
      "aws:iam/policyAttachment:PolicyAttachment",
      "aws:iam/userPolicyAttachment:UserPolicyAttachment",
      "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
      "aws:iam/role:Role",
    ],
    (p, report) => {
      for (const arn of [p.policyArn, ...asList<string>(p.managedPolicyArns)]) {
        if (/(FullAccess|AdministratorAccess)$/.test(String(arn ?? ""))) report(`attaches ${arn}`);
      }
    },
  ),
  onTypes(
    "iam-trust-names-its-principal",
    "Identity",
    "Every trust policy names the services or roles that assume it, never any principal or a whole account",
    ["aws:iam/role:Role"],
    (p, report) => {
      for (const s of statements(p.assumeRolePolicy).filter((x) => x.Effect === "Allow")) {
        const principal = s.Principal;
        const named = principal && typeof principal === "object" ? Object.values(principal) : [];
        const all = named.flatMap((v) => asList<string>(v as string | string[]));
        if (principal === "*" || all.includes("*") || s.NotPrincipal) {
          report("a trust policy any principal may assume");
        }
        // An account (its root or bare id) lets every role of it assume this one, unless a
        // condition on aws:PrincipalArn names the role (IAM's way for a role to trust itself).
        const namesRole = Object.values(s.Condition ?? {}).some(
          (c: any) => c?.["aws:PrincipalArn"],
        );
        const accounts = asList<string>(principal?.AWS).filter((a) => !a.includes(":role/"));
        for (const account of namesRole ? [] : accounts) {
          report(`a trust policy names account ${account}, not a role`);
        }
      }
    },
  ),
  onTypes(
    "iam-passrole-scoped",
    "Identity",
    "`iam:PassRole` only on the roles that must be passed",
    Object.keys(POLICY_DOCUMENTS),
    (p, report, type) => {
      for (const s of allowStatements(type, p)) {
        const passes = asList<string>(s.Action).some((a) => /^iam:(PassRole|\*)$|^\*$/.test(a));
        if (passes && asList<string>(s.Resource).some((r) => r === "*" || r.endsWith(":role/*"))) {
          report(`iam:PassRole on ${asList(s.Resource).join(", ")}`);
        }
      }
    },
  ),
];

// ---------------------------------------------------------------------------------------------
// Databricks

/** Spark settings and environment variables that would hold AWS access keys. */
const ACCESS_KEY_NAME = /access\.key|secret\.key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/i;
const CLUSTER = "databricks:index/cluster:Cluster";
const JOB = "databricks:index/job:Job";

/** Every cluster spec of a cluster or job resource. */
function clusterSpecs(type: string, p: Props): Props[] {
  if (type === CLUSTER) return [p];
  return [
    ...asList<any>(p.jobClusters).map((c) => c.newCluster ?? {}),
    ...asList<any>(p.tasks).flatMap((t) => (t.newCluster ? [t.newCluster] : [])),
  ];
}

/** Every parameter name a job passes (job parameters and task base parameters). */
function jobParameterNames(p: Props): string[] {
  return [
    ...asList<any>(p.parameters).map((x) => String(x.name)),
    ...asList<any>(p.tasks).flatMap((t) => Object.keys(t.notebookTask?.baseParameters ?? {})),
  ];
}

const databricks = [
  onTypes(
    "databricks-no-access-keys",
    "Databricks",
    "No AWS access key: no IAM access key resource, none in a cluster's Spark settings, environment or a job's parameters",
    ["aws:iam/accessKey:AccessKey", CLUSTER, JOB],
    (p, report, type) => {
      if (type === "aws:iam/accessKey:AccessKey") {
        report("an IAM access key (use a storage credential or an instance profile)");
        return;
      }
      const names = clusterSpecs(type, p).flatMap((c) => [
        ...Object.keys(c.sparkConf ?? {}),
        ...Object.keys(c.sparkEnvVars ?? {}),
      ]);
      if (type === JOB) names.push(...jobParameterNames(p));
      for (const name of names.filter((n) => ACCESS_KEY_NAME.test(n))) {
        report(`${name} looks like an AWS access key`);
      }
    },
  ),
  onTypes(
    "databricks-cluster-autoterminates",
    "Databricks",
    "An all-purpose cluster stops when idle",
    [CLUSTER],
    (p, report) => {
      if (!(Number(p.autoterminationMinutes) > 0)) report("autoterminationMinutes is not set");
    },
  ),
];

// ---------------------------------------------------------------------------------------------
// Orchestration

const MWAA = "aws:mwaa/environment:Environment";
const MWAA_LOGS = [
  "dagProcessingLogs",
  "schedulerLogs",
  "taskLogs",
  "webserverLogs",
  "workerLogs",
] as const;

const orchestration: PackPolicy[] = [
  onTypes(
    "mwaa-logs-on",
    "Orchestration",
    "MWAA's scheduler, worker, web server, task and DAG processing logs are on",
    [MWAA],
    (p, report) => {
      const off = MWAA_LOGS.filter((l) => p.loggingConfiguration?.[l]?.enabled !== true);
      if (off.length > 0) report(`logs off: ${off.join(", ")}`);
    },
  ),
  {
    // Advisory: the docs let a stack opt in to a public web server (mwaa.publicWebserver).
    ...onTypes(
      "mwaa-private-webserver",
      "Orchestration",
      "MWAA's web server is private unless a stack opts in",
      [MWAA],
      (p, report) => {
        if (p.webserverAccessMode === "PUBLIC_ONLY") report("the web server is public");
      },
    ),
    enforcementLevel: "advisory",
  },
];

// ---------------------------------------------------------------------------------------------
// Logs and secrets

const logs = [
  onTypes(
    "log-group-retention",
    "Logs and secrets",
    "Every log group has a retention",
    ["aws:cloudwatch/logGroup:LogGroup"],
    (p, report) => {
      if (!(Number(p.retentionInDays) > 0)) report("no retentionInDays (logs kept forever)");
    },
  ),
  onTypes(
    "kms-key-rotates",
    "Logs and secrets",
    "KMS keys rotate and no key policy has a wildcard principal",
    ["aws:kms/key:Key"],
    (p, report) => {
      const symmetric =
        (p.customerMasterKeySpec ?? p.keySpec ?? "SYMMETRIC_DEFAULT") === "SYMMETRIC_DEFAULT";
      if (symmetric && p.enableKeyRotation !== true) report("key rotation is off");
      for (const s of p.policy ? statements(p.policy) : []) {
        const principal = s.Principal;
        if (s.Effect === "Allow" && (principal === "*" || principal?.AWS === "*")) {
          report("a key policy statement allows any principal");
        }
      }
    },
  ),
];

/** Every policy of the pack, in the order of docs/security.md's sections. */
export const policies: PackPolicy[] = [
  ...storage,
  ...streams,
  ...kafka,
  ...apis,
  ...database,
  ...network,
  ...identity,
  ...databricks,
  ...orchestration,
  ...logs,
];
