package pipeline.local.s3sink;

/** The course's object layout, identical to Confluent's S3 sink with its DefaultPartitioner. */
public final class ObjectNames {
  private ObjectNames() {}

  /** topics/<topic>/partition=<p>/<topic>+<p>+<startOffset zero-padded to 10>.json */
  public static String key(String topicsDir, String topic, int partition, long startOffset) {
    return String.format(
        "%s/%s/partition=%d/%s+%d+%010d.json",
        topicsDir, topic, partition, topic, partition, startOffset);
  }
}
