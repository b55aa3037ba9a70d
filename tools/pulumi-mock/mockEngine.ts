/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are whatever a program registered */
// The Pulumi mock engine: every component and stack test, and the cost command (tools/cost/cli.ts),
// runs its program against this in-process engine instead of a cloud. It records each registered
// resource (type, name, inputs, parent, resource options), fills the attributes a provider would
// compute, answers invokes, and sets stack config per run. What it cannot prove: that AWS accepts the inputs (only `tsc` and the
// provider schemas catch type errors; value ranges and cross-field rules are AWS's to check).
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";

// Marked @internal in the SDK's typings, but it is how `pulumi up` itself waits for the program.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as {
  waitForRPCs: () => Promise<void>;
};
import type { MockCallArgs, MockResourceArgs, Mocks } from "@pulumi/pulumi/runtime/mocks";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeState = require("@pulumi/pulumi/runtime/state") as {
  getStore: () => { supportsAliasSpecs: boolean };
};

export const PROJECT = "pinterest-pipeline";
export const ACCOUNT_ID = "123456789012";
export const REGION = "eu-west-1";

/** One resource as the engine saw it. */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** URN of the parent resource; the stack itself for top-level resources. */
  readonly parentUrn: string;
  readonly custom: boolean;
  readonly inputs: Record<string, any>;
  /** The state the mock returned (inputs plus computed attributes). */
  readonly state: Record<string, any>;
  readonly dependsOn: string[];
  /** URNs each input depends on, by input name (what a policy pack's propertyDependencies hold). */
  readonly propertyDependencies: Record<string, string[]>;
  readonly protect: boolean;
  readonly deleteBeforeReplace: boolean;
  readonly retainOnDelete: boolean;
  readonly ignoreChanges: string[];
  readonly replaceOnChanges: string[];
  readonly additionalSecretOutputs: string[];
  /** The `aliases` option as the engine receives it (a URN, or a spec the engine resolves). */
  readonly aliases: RecordedAlias[];
}

/** One alias: either a full URN, or the parts of one (unset parts mean "as the resource's own"). */
export interface RecordedAlias {
  readonly urn?: string;
  readonly name?: string;
  readonly type?: string;
  readonly parentUrn?: string;
  readonly noParent?: boolean;
}

type Computed = (name: string, inputs: Record<string, any>) => Record<string, any>;
type InvokeHandler = (inputs: Record<string, any>) => Record<string, any>;

const arn = (service: string, resource: string) =>
  `arn:aws:${service}:${REGION}:${ACCOUNT_ID}:${resource}`;

/** Attributes the AWS provider computes, per resource type, so that outputs resolve. */
const COMPUTED: Record<string, Computed> = {
  "aws:ec2/vpc:Vpc": (name) => ({
    arn: arn("ec2", `vpc/${name}`),
    defaultSecurityGroupId: `sg-default-${name}`,
    mainRouteTableId: `rtb-main-${name}`,
    defaultNetworkAclId: `acl-${name}`,
  }),
  "aws:ec2/subnet:Subnet": (name) => ({ arn: arn("ec2", `subnet/${name}`) }),
  "aws:ec2/securityGroup:SecurityGroup": (name) => ({ arn: arn("ec2", `security-group/${name}`) }),
  "aws:ec2/flowLog:FlowLog": (name) => ({ arn: arn("ec2", `vpc-flow-log/${name}`) }),
  "aws:ec2/vpcEndpoint:VpcEndpoint": (name) => ({ arn: arn("ec2", `vpc-endpoint/${name}`) }),
  "aws:cloudwatch/logGroup:LogGroup": (name, inputs) => ({
    arn: arn("logs", `log-group:${inputs.name ?? name}`),
  }),
  "aws:iam/role:Role": (name, inputs) => ({
    arn: `arn:aws:iam::${ACCOUNT_ID}:role/${inputs.name ?? name}`,
    name: inputs.name ?? name,
    uniqueId: `AROA${name.toUpperCase()}`,
  }),
  "aws:iam/policy:Policy": (name, inputs) => ({
    arn: `arn:aws:iam::${ACCOUNT_ID}:policy/${inputs.name ?? name}`,
  }),
  "aws:iam/instanceProfile:InstanceProfile": (name, inputs) => ({
    arn: `arn:aws:iam::${ACCOUNT_ID}:instance-profile/${inputs.name ?? name}`,
    name: inputs.name ?? name,
  }),
  "aws:s3/bucket:Bucket": (name, inputs) => {
    const bucket = inputs.bucket ?? `${name}-0000000`;
    return {
      bucket,
      arn: `arn:aws:s3:::${bucket}`,
      bucketRegionalDomainName: `${bucket}.s3.${REGION}.amazonaws.com`,
    };
  },
  "aws:rds/subnetGroup:SubnetGroup": (name, inputs) => ({
    name: inputs.name ?? name,
    arn: arn("rds", `subgrp:${name}`),
  }),
  "aws:rds/parameterGroup:ParameterGroup": (name, inputs) => ({ name: inputs.name ?? name }),
  "aws:rds/instance:Instance": (name, inputs) => ({
    arn: arn("rds", `db:${inputs.identifier ?? name}`),
    address: `${inputs.identifier ?? name}.abcdefghijkl.${REGION}.rds.amazonaws.com`,
    endpoint: `${inputs.identifier ?? name}.abcdefghijkl.${REGION}.rds.amazonaws.com:3306`,
    port: inputs.port ?? 3306,
    // RDS-managed credentials: the provider reports the secret it created, never the password.
    masterUserSecrets: inputs.manageMasterUserPassword
      ? [{ secretArn: arn("secretsmanager", `secret:rds!db-${name}`), secretStatus: "active" }]
      : [],
  }),
  // A random id is new with every creation; the mock derives it from the name, stable per test.
  "random:index/randomId:RandomId": (name, inputs) => ({
    hex: createHash("sha256")
      .update(name)
      .digest("hex")
      .slice(0, 2 * (inputs.byteLength ?? 8)),
  }),
  "aws:kms/key:Key": (name) => ({ arn: arn("kms", `key/${name}`), keyId: `key-${name}` }),
  "aws:sns/topic:Topic": (name, inputs) => ({ arn: arn("sns", inputs.name ?? name) }),
};

/** Answers to provider functions (invokes), by token. */
const INVOKES: Record<string, InvokeHandler> = {
  "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({
    names: [`${REGION}a`, `${REGION}b`, `${REGION}c`],
    zoneIds: ["euw1-az1", "euw1-az2", "euw1-az3"],
    state: "available",
  }),
  "aws:index/getRegion:getRegion": () => ({ name: REGION, region: REGION, id: REGION }),
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({
    accountId: ACCOUNT_ID,
    arn: `arn:aws:iam::${ACCOUNT_ID}:user/test`,
    userId: "AIDATEST",
  }),
  "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com" }),
};

/** The engine double: mocks plus a record of everything the program registered. */
export class PulumiHarness {
  readonly resources: RecordedResource[] = [];
  readonly invokes: MockCallArgs[] = [];
  private readonly computed: Record<string, Computed> = { ...COMPUTED };
  private readonly invokeHandlers: Record<string, InvokeHandler> = { ...INVOKES };

  /**
   * Installs the mocks and the given config. Call before creating resources (and before importing a
   * module that creates resources at its top level). Keys without a namespace get the project's.
   */
  install(
    options: { stack?: string; config?: Record<string, unknown>; secretKeys?: string[] } = {},
  ) {
    const stack = options.stack ?? "test";
    const qualify = (key: string) => (key.includes(":") ? key : `${PROJECT}:${key}`);
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.config ?? {})) {
      config[qualify(key)] = typeof value === "string" ? value : JSON.stringify(value);
    }
    pulumi.runtime.setAllConfig(config, (options.secretKeys ?? []).map(qualify));
    // Pulumi takes `new Error().stack` for every promise it creates (runtime/debuggable.js, for
    // leak reports), and ts-node's source-map support rewrites each of those stacks: 85% of a
    // stack program's run under mocks. No frames while the program runs makes it 8x faster;
    // test/harness/rootHooks.ts gives stacks back after each test, so failures keep theirs.
    Error.stackTraceLimit = 0;
    const mocks: Mocks = {
      newResource: (args) => this.newResource(args),
      call: (args) => this.call(args),
    };
    // setMocks switches on the engine features; the recording monitor then replaces its monitor.
    pulumi.runtime.setMocks(mocks, PROJECT, stack, false);
    pulumi.runtime.setMockOptions(new RecordingMonitor(mocks, this), PROJECT, stack, false);
    // setMockOptions resets the feature flags setMocks switched on; aliases must travel as specs
    // (parent, name, type), as they do to the real engine, for tests to see what the engine gets.
    runtimeState.getStore().supportsAliasSpecs = true;
    this.resources.length = 0;
    this.invokes.length = 0;
    return this;
  }

  /** Adds or replaces the computed attributes of one resource type. */
  compute(type: string, fn: Computed) {
    this.computed[type] = fn;
    return this;
  }

  /** Adds or replaces the answer to one invoke token. */
  onInvoke(token: string, fn: InvokeHandler) {
    this.invokeHandlers[token] = fn;
    return this;
  }

  /** Waits until every pending registration has reached the engine. */
  async settle(): Promise<void> {
    await waitForRPCs();
  }

  /** Resolves an Output (or a plain value) to its value. */
  value<T>(output: pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
  }

  /**
   * The error an Output failed with (an `apply` that threw); rejects if it resolved instead.
   * `value` cannot report one: a failed Output never calls its `apply` callbacks. This uses the
   * Output's `promise()`, which @pulumi/pulumi marks internal but which rejects with that error.
   */
  async failure(output: pulumi.Output<unknown>): Promise<Error> {
    const settled = (output as unknown as { promise(): Promise<unknown> }).promise();
    const value = await settled.then(
      (v) => ({ v }),
      (err: Error) => err,
    );
    if (value instanceof Error) return value;
    throw new Error(`expected the Output to fail, but it resolved to ${JSON.stringify(value.v)}`);
  }

  /** All recorded resources of a type, in registration order. */
  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** The one resource with this logical name (and type, if given); throws unless exactly one. */
  byName(name: string, type?: string): RecordedResource {
    const found = this.resources.filter((r) => r.name === name && (!type || r.type === type));
    if (found.length !== 1) {
      const names = this.resources.map((r) => r.name).join(", ");
      throw new Error(
        `expected one resource named "${name}", found ${found.length}; have: ${names}`,
      );
    }
    return found[0];
  }

  /** The one resource of this type (throws otherwise). */
  one(type: string): RecordedResource {
    const found = this.ofType(type);
    if (found.length !== 1) {
      throw new Error(`expected one ${type}, found ${found.length}`);
    }
    return found[0];
  }

  /** Sorted "type name" lines of every resource: for exact whole-graph assertions. */
  graph(): string[] {
    return this.resources.map((r) => `${r.type} ${r.name}`).sort();
  }

  /** Count of resources per type. */
  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of this.resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
    return counts;
  }

  /** The resource's parent (undefined for top-level resources). */
  parentOf(resource: RecordedResource): RecordedResource | undefined {
    return this.resources.find((r) => r.urn === resource.parentUrn);
  }

  /** Resources whose parent is the given one. */
  childrenOf(resource: RecordedResource): RecordedResource[] {
    return this.resources.filter((r) => r.parentUrn === resource.urn);
  }

  private newResource(args: MockResourceArgs) {
    const fill = this.computed[args.type];
    const computed = fill ? fill(args.name, args.inputs) : {};
    const id = args.custom === false ? undefined : `${args.name}-id`;
    return { id, state: { arn: arn("mock", args.name), ...args.inputs, ...computed, id } };
  }

  private call(args: MockCallArgs) {
    this.invokes.push(args);
    const handler = this.invokeHandlers[args.token];
    if (!handler) {
      throw new Error(`no mock answer for invoke ${args.token}: add one with harness.onInvoke()`);
    }
    return handler(args.inputs);
  }

  /** @internal called by the recording monitor. */
  record(resource: RecordedResource) {
    this.resources.push(resource);
  }
}

/** A MockMonitor that also records what the mocks API does not pass on: parent and options. */
class RecordingMonitor extends MockMonitor {
  constructor(
    mocks: Mocks,
    private readonly harness: PulumiHarness,
  ) {
    super(mocks);
  }

  override async registerResource(req: any, callback: (err: any, response: any) => void) {
    const inputs = pulumi.runtime.deserializeProperties(req.getObject());
    await super.registerResource(req, (err: any, response: any) => {
      if (!err) {
        const urn: string = response.getUrn();
        this.harness.record({
          type: req.getType(),
          name: req.getName(),
          urn,
          parentUrn: req.getParent(),
          custom: req.getCustom(),
          inputs,
          state: pulumi.runtime.deserializeProperties(response.getObject()),
          dependsOn: req.getDependenciesList(),
          propertyDependencies: propertyDependencies(req),
          protect: req.getProtect() ?? false,
          deleteBeforeReplace: req.getDeletebeforereplace(),
          retainOnDelete: req.getRetainondelete() ?? false,
          ignoreChanges: req.getIgnorechangesList(),
          replaceOnChanges: req.getReplaceonchangesList(),
          additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
          aliases: req.getAliasesList().map(recordAlias),
        });
      }
      callback(err, response);
    });
  }
}

function propertyDependencies(req: any): Record<string, string[]> {
  const byInput: Record<string, string[]> = {};
  req.getPropertydependenciesMap().forEach((deps: any, key: string) => {
    byInput[key] = deps.getUrnsList();
  });
  return byInput;
}

function recordAlias(alias: any): RecordedAlias {
  if (alias.hasUrn()) return { urn: alias.getUrn() };
  const spec = alias.getSpec();
  return {
    ...(spec.getName() ? { name: spec.getName() } : {}),
    ...(spec.getType() ? { type: spec.getType() } : {}),
    ...(spec.getParenturn() ? { parentUrn: spec.getParenturn() } : {}),
    ...(spec.getNoparent() ? { noParent: true } : {}),
  };
}

/** A fresh harness; call `install()` in a `beforeEach`/`before`. */
export function harness(): PulumiHarness {
  return new PulumiHarness();
}

/** Imports a program module anew (its top-level code runs again against the current mocks). */
export async function importFresh<T>(modulePath: string): Promise<T> {
  const resolved = require.resolve(modulePath);
  const dir = resolved.replace(/index\.ts$/, "");
  for (const key of Object.keys(require.cache)) {
    // This engine and the runner stay loaded: callers hold their instances.
    if (key.startsWith(dir) && !key.startsWith(__dirname)) delete require.cache[key];
  }
  return (await import(resolved)) as T;
}
