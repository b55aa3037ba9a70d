// The S3 sink plugin's upload to the raw bucket, shared by the two sink runners: MSK Connect's
// custom plugin (S3SinkConnector) and the Kafka client machine's own worker (KafkaClient).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { pluginChecksumProblem, S3_SINK_PLUGIN_RELEASES } from "./s3SinkPluginRelease";
import type { S3SinkPlugin } from "./s3SinkConnectorConfig";

/** What {@link uploadS3SinkPlugin} uploads, and where. */
export interface S3SinkPluginUploadArgs {
  /** Local path of the plugin file. */
  readonly pluginPath: string;
  /** The SHA-256 that file must have (S3SinkConnector's `pluginSha256`). */
  readonly pluginSha256: string;
  readonly plugin: S3SinkPlugin;
  readonly bucketName: pulumi.Input<string>;
  /** Folder of the object, with its trailing `/`. */
  readonly keyPrefix: string;
  readonly tags: Record<string, string>;
}

/**
 * Checks the plugin file (it exists, it has the checksum the deployer gave) and uploads it as a
 * versioned object `<keyPrefix><file name>`; returns the object and the file's bytes. Refused
 * before any resource is declared.
 */
export function uploadS3SinkPlugin(
  name: string,
  args: S3SinkPluginUploadArgs,
  opts: pulumi.CustomResourceOptions,
): { object: aws.s3.BucketObjectv2; bytes: Buffer } {
  if (!fs.existsSync(args.pluginPath)) {
    const release = S3_SINK_PLUGIN_RELEASES[args.plugin];
    throw new Error(
      `S3SinkConnector pluginPath "${args.pluginPath}" does not exist; download the pinned ` +
        `${args.plugin} sink ${release.fileName} from ${release.url} (docs/deploy.md, "The S3 sink plugin").`,
    );
  }
  const bytes = fs.readFileSync(args.pluginPath);
  const problem = pluginChecksumProblem(args.pluginPath, bytes, args.pluginSha256, args.plugin);
  if (problem) throw new Error(problem);
  const object = new aws.s3.BucketObjectv2(
    name,
    {
      bucket: args.bucketName,
      key: `${args.keyPrefix}${path.basename(args.pluginPath)}`,
      source: new pulumi.asset.FileAsset(args.pluginPath),
      tags: args.tags,
    },
    opts,
  );
  return { object, bytes };
}
