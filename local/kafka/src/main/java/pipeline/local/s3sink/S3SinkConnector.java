package pipeline.local.s3sink;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * Writes each topic partition's records to S3 as newline-delimited JSON objects named and rotated
 * like Confluent's S3 sink with its DefaultPartitioner (see ObjectNames, PartitionWriter), from
 * the same properties (S3SinkConfig). The local replica's stand-in for that connector, which
 * Maven Central does not serve.
 */
public final class S3SinkConnector extends SinkConnector {
  public static final String VERSION = "1.0.0";
  private Map<String, String> props;

  @Override
  public void start(Map<String, String> props) {
    // Fails the connector, with the offending key, as Confluent's start() does (e.g. a schedule
    // without a timezone, which Connect's validation lets through).
    new S3SinkConfig(props);
    this.props = props;
  }

  @Override
  public Class<? extends Task> taskClass() {
    return S3SinkTask.class;
  }

  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    List<Map<String, String>> configs = new ArrayList<>();
    for (int i = 0; i < maxTasks; i++) {
      configs.add(props);
    }
    return configs;
  }

  @Override
  public void stop() {}

  @Override
  public ConfigDef config() {
    return S3SinkConfig.DEF;
  }

  @Override
  public String version() {
    return VERSION;
  }
}
