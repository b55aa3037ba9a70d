// What the S3 sink has landed for one topic: every record line of every object under
// topics/<cluster>/<topic>/ (every Kafka cluster's), with its object key, in listing order.
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { S3_SINK_TOPICS_DIR, s3SinkKeyTopic } from "../../components/kafka/s3SinkConnectorConfig";

export interface LandedLine {
  readonly key: string;
  readonly line: string;
}

export async function landedLines(
  s3: S3Client,
  bucket: string,
  topic: string,
): Promise<LandedLine[]> {
  const out: LandedLine[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: `${S3_SINK_TOPICS_DIR}/`,
        ContinuationToken: token,
      }),
    );
    for (const o of page.Contents ?? []) {
      if (s3SinkKeyTopic(o.Key!) !== topic) continue;
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
      const text = await object.Body!.transformToString("utf8");
      for (const line of text.split("\n").filter(Boolean)) out.push({ key: o.Key!, line });
    }
    token = page.NextContinuationToken;
  } while (token);
  return out;
}
