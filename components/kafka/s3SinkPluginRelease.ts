// The S3 sink plugin files the connector is pinned to: each plugin's release, where it is
// downloaded, its licence, and the check that the file uploaded is the one the deployer checked.
import { sha256Hex } from "../shared/contentName";
import type { S3SinkPlugin } from "./s3SinkConnectorConfig";

/** A released plugin zip: what to download and under which licence. */
export interface S3SinkPluginRelease {
  readonly version: string;
  readonly fileName: string;
  readonly url: string;
  readonly licence: string;
}

/**
 * The pinned releases. Confluent's: the newest of its 12.1 line in Confluent's changelog
 * (docs.confluent.io, kafka-connectors/s3-sink/12.1/changelog), downloaded from Confluent Hub,
 * under the Confluent Community License (kafka-connect-storage-cloud's README), which is not an
 * open-source licence: its terms bind whoever deploys or passes on the zip. Aiven's: a release of
 * Aiven-Open/cloud-storage-connectors-for-apache-kafka (its create_release workflow uploads
 * s3-sink-connector's distZip), Apache-2.0. MSK Connect 3.7.x runs Java 17 (Amazon MSK Developer
 * Guide, "Create custom plugins"); neither file was run on MSK Connect from this repository,
 * which reaches no AWS account.
 */
export const S3_SINK_PLUGIN_RELEASES: Record<S3SinkPlugin, S3SinkPluginRelease> = {
  confluent: {
    version: "12.1.16",
    fileName: "confluentinc-kafka-connect-s3-12.1.16.zip",
    url:
      "https://hub-downloads.confluent.io/api/plugins/confluentinc/kafka-connect-s3/versions/" +
      "12.1.16/confluentinc-kafka-connect-s3-12.1.16.zip",
    licence: "Confluent Community License",
  },
  aiven: {
    version: "3.4.3",
    fileName: "s3-sink-connector-for-apache-kafka-3.4.3.zip",
    url:
      "https://github.com/Aiven-Open/cloud-storage-connectors-for-apache-kafka/releases/download/" +
      "v3.4.3/s3-sink-connector-for-apache-kafka-3.4.3.zip",
    licence: "Apache-2.0",
  },
};

/** A SHA-256 as `sha256sum` prints it: 64 lowercase hex digits. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Why the plugin file is not the one the deployer checked, or undefined when its SHA-256 is
 * `expectedSha256`: one line naming the file, both checksums and where the pinned release is.
 * Neither publisher's checksum could be read from here, so the expected one is the deployer's own,
 * taken once from the file downloaded over HTTPS (docs/deploy.md, "The S3 sink plugin").
 */
export function pluginChecksumProblem(
  file: string,
  content: Buffer,
  expectedSha256: string,
  plugin: S3SinkPlugin,
): string | undefined {
  const actual = sha256Hex(content);
  if (actual === expectedSha256) return undefined;
  const release = S3_SINK_PLUGIN_RELEASES[plugin];
  const where =
    `the pinned ${plugin} sink is ${release.fileName} (${release.licence}) from ${release.url}; ` +
    'docs/deploy.md, "The S3 sink plugin"';
  return expectedSha256 === ""
    ? `S3SinkConnector pluginSha256 is not given: ${file} has SHA-256 ${actual}. Check that the ` +
        `file is the one you downloaded, then give that checksum (${where}).`
    : `S3SinkConnector plugin ${file} has SHA-256 ${actual}, but ${expectedSha256} was expected: ` +
        `it is another file than the one checked. Download it again (${where}), or give the ` +
        "checksum of the file you mean to deploy.";
}
