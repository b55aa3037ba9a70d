package pipeline.local.s3sink;

import java.net.URI;
import java.util.Collection;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * The local stand-in for Confluent's S3SinkTask: each assigned topic partition has a
 * {@link PartitionWriter}, which rotates objects as Confluent's TopicPartitionWriter does. On
 * every put (Connect calls it at least once per poll, with or without records) the records are
 * buffered per partition, then every partition's writer runs, so a scheduled rotation happens even
 * when no record arrives. Offsets are committed only up to the last record in the store, so after
 * a crash the same records are read again and written under the same start offset.
 */
public final class S3SinkTask extends SinkTask {
  private static final Logger LOG = LoggerFactory.getLogger(S3SinkTask.class);

  private S3SinkConfig config;
  private S3Client s3;
  private final JsonConverter json = new JsonConverter();
  private final Map<TopicPartition, PartitionWriter> writers = new HashMap<>();

  @Override
  public String version() {
    return S3SinkConnector.VERSION;
  }

  @Override
  public void start(Map<String, String> props) {
    config = new S3SinkConfig(props);
    // The same serialisation as Confluent's JsonFormat: JsonConverter, schemas off.
    json.configure(Map.of("schemas.enable", "false"), false);
    s3 = client(config);
  }

  static S3Client client(S3SinkConfig config) {
    AwsCredentialsProvider credentials =
        config.accessKeyId().isEmpty()
            ? DefaultCredentialsProvider.builder().build()
            : StaticCredentialsProvider.create(
                AwsBasicCredentials.create(config.accessKeyId(), config.secretAccessKey()));
    S3ClientBuilder builder =
        S3Client.builder()
            .region(Region.of(config.region()))
            .credentialsProvider(credentials)
            .httpClient(UrlConnectionHttpClient.builder().build())
            // Checksums only where S3 requires them: S3-compatible stores differ on the newer
            // trailing-checksum uploads, and a plain signed PUT works everywhere.
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .serviceConfiguration(
                S3Configuration.builder()
                    .pathStyleAccessEnabled(config.pathStyle())
                    .chunkedEncodingEnabled(false)
                    .build());
    if (!config.storeUrl().isEmpty()) {
      builder.endpointOverride(URI.create(config.storeUrl()));
    }
    return builder.build();
  }

  @Override
  public void open(Collection<TopicPartition> partitions) {
    long now = System.currentTimeMillis();
    for (TopicPartition tp : partitions) {
      writers.computeIfAbsent(tp, k -> newWriter(k, now));
    }
  }

  private PartitionWriter newWriter(TopicPartition tp, long now) {
    return new PartitionWriter(tp, config, this::store, this::line, now);
  }

  private byte[] line(SinkRecord record) {
    return json.fromConnectData(record.topic(), record.valueSchema(), record.value());
  }

  private void store(String key, byte[] content, int records) {
    try {
      s3.putObject(
          PutObjectRequest.builder()
              .bucket(config.bucket())
              .key(key)
              .contentType("application/json")
              .build(),
          RequestBody.fromBytes(content));
    } catch (RuntimeException e) {
      // Connect pauses, then calls put() again; the open object and the buffer are kept.
      throw new RetriableException(
          "could not write s3://" + config.bucket() + "/" + key + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void put(Collection<SinkRecord> records) {
    long now = System.currentTimeMillis();
    for (SinkRecord record : records) {
      TopicPartition tp = new TopicPartition(record.topic(), record.kafkaPartition());
      PartitionWriter writer = writers.computeIfAbsent(tp, k -> newWriter(k, now));
      if (record.value() == null) {
        if (config.failOnNullValues()) {
          // Confluent's default behavior.on.null.values=fail stops the task the same way.
          throw new ConnectException(
              "record " + tp + "@" + record.kafkaOffset() + " has a null value (a tombstone) and "
                  + S3SinkConfig.BEHAVIOR_ON_NULL_VALUES + " is fail; set it to ignore to skip"
                  + " tombstones");
        }
        continue;
      }
      writer.buffer(record);
    }
    List<TopicPartition> partitions = new ArrayList<>(writers.keySet());
    for (TopicPartition tp : partitions) {
      writers.get(tp).write(now);
    }
  }

  @Override
  public Map<TopicPartition, OffsetAndMetadata> preCommit(
      Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
    Map<TopicPartition, OffsetAndMetadata> safe = new HashMap<>();
    for (TopicPartition tp : currentOffsets.keySet()) {
      PartitionWriter writer = writers.get(tp);
      Long offset = writer == null ? null : writer.committable();
      if (offset != null) {
        safe.put(tp, new OffsetAndMetadata(offset));
      }
    }
    return safe;
  }

  @Override
  public void close(Collection<TopicPartition> partitions) {
    // The next owner re-reads everything after the committed offset, so open objects are dropped.
    for (TopicPartition tp : partitions) {
      writers.remove(tp);
    }
  }

  @Override
  public void stop() {
    writers.clear();
    if (s3 != null) {
      s3.close();
    }
    LOG.info("stopped");
  }
}
