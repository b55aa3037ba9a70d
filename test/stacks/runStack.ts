// Runs the real stack program (stacks/index.ts) with a committed Pulumi.<stack>.yaml under the
// mock harness, for tests that judge the whole graph a stack would deploy.
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PipelineOutputs } from "../../stacks/contract";
import { withKafkaMocks } from "../components/kafkaMocks";
import { ACCOUNT_ID, importFresh, PulumiHarness, REGION } from "../harness/pulumiMocks";
import { readStackConfig } from "../harness/stackConfig";

export const STACK_SECRETS = {
  "pinterest-pipeline:databricksHost": "https://dbc-123.cloud.databricks.com",
  "pinterest-pipeline:databricksToken": "stack-secret-token",
};

// The connector zip is a build input the stack uploads; an empty stand-in file is enough here.
export const PLUGIN = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plugin-")), "s3-sink.zip");
fs.writeFileSync(PLUGIN, "");

/** The program's exports (stacks/index.ts). */
type Program = {
  pipeline: pulumi.Output<PipelineOutputs>;
  databricksJobs?: pulumi.Output<Record<string, string>>;
  kafkaBatch?: pulumi.Output<Record<string, string>>;
};

/** Runs the program of `stack` with its YAML, plus `overrides` (whole sections replace). */
export async function runStack(
  h: PulumiHarness,
  stack: string,
  overrides: Record<string, unknown> = {},
): Promise<{
  outputs: PipelineOutputs;
  jobs?: Record<string, string>;
  kafkaBatch?: Record<string, string>;
}> {
  const yaml = readStackConfig(stack);
  const kafka = { ...(yaml["pinterest-pipeline:kafka"] as object), connectorPluginPath: PLUGIN };
  h.install({
    stack,
    config: { ...yaml, "pinterest-pipeline:kafka": kafka, ...STACK_SECRETS, ...overrides },
    secretKeys: Object.keys(STACK_SECRETS),
  });
  withKafkaMocks(h)
    .compute("aws:kinesis/stream:Stream", (_n, inputs) => ({
      arn: `arn:aws:kinesis:${REGION}:${ACCOUNT_ID}:stream/${inputs.name}`,
    }))
    .compute("databricks:index/job:Job", (name) => ({
      url: `https://dbc-123.cloud.databricks.com/jobs/${name}`,
    }))
    .compute("databricks:index/storageCredential:StorageCredential", (_n, inputs) => ({
      awsIamRole: { ...inputs.awsIamRole, externalId: "uc-credential-external-id" },
    }))
    .compute("aws:secretsmanager/secret:Secret", (name, inputs) => ({
      arn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT_ID}:secret:${inputs.name ?? name}`,
    }))
    .onInvoke("databricks:index/getSparkVersion:getSparkVersion", () => ({
      id: "17.3.x-scala2.13",
    }))
    .onInvoke("databricks:index/getNodeType:getNodeType", () => ({ id: "m5d.large" }));
  const program = await importFresh<Program>("../../stacks/index");
  await h.settle();
  return {
    outputs: await h.value(program.pipeline),
    jobs: program.databricksJobs && (await h.value(program.databricksJobs)),
    kafkaBatch: program.kafkaBatch && (await h.value(program.kafkaBatch)),
  };
}
