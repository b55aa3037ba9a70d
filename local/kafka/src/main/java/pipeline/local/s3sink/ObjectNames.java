package pipeline.local.s3sink;

/**
 * The object layout of Confluent's S3 sink with its DefaultPartitioner (directory delimiter "/",
 * file delimiter "+"), which the stacks also configure Aiven's sink to write.
 */
public final class ObjectNames {
  private ObjectNames() {}

  /** <topics.dir>/<topic>/partition=<p>/<topic>+<p>+<startOffset zero-padded to width>.json (the
   * stacks set topics.dir to topics/<Kafka cluster id>) */
  public static String key(
      String topicsDir, String topic, int partition, long startOffset, int padWidth) {
    String offset = padWidth > 0 ? String.format("%0" + padWidth + "d", startOffset) : "" + startOffset;
    return topicsDir + "/" + topic + "/partition=" + partition + "/"
        + topic + "+" + partition + "+" + offset + ".json";
  }
}
