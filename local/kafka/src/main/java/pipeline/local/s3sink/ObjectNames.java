package pipeline.local.s3sink;

/** The object layout of the production sink (Confluent's with its DefaultPartitioner, or Aiven's). */
public final class ObjectNames {
  private ObjectNames() {}

  /** topics/<topic>/partition=<p>/<topic>+<p>+<startOffset zero-padded to 20>.json */
  public static String key(String topicsDir, String topic, int partition, long startOffset) {
    return String.format(
        "%s/%s/partition=%d/%s+%d+%020d.json",
        topicsDir, topic, partition, topic, partition, startOffset);
  }
}
