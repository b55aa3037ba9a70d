package pipeline.local.s3sink;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
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
 * Buffers records per topic partition and writes one object when flush.size records are buffered
 * or rotate.schedule.interval.ms has passed since the first one. Offsets are committed only up to
 * the last record written, so after a crash the same records are re-read and the same object
 * names (start offset) are written again: an object is replaced, never duplicated.
 */
public final class S3SinkTask extends SinkTask {
  private static final Logger LOG = LoggerFactory.getLogger(S3SinkTask.class);
  private static final byte[] NEWLINE = {'\n'};

  private S3SinkConfig config;
  private S3Client s3;
  private final JsonConverter json = new JsonConverter();
  private final Map<TopicPartition, Buffer> buffers = new HashMap<>();
  /** Per partition, the offset after the last record that is safely in S3 (or skipped). */
  private final Map<TopicPartition, Long> committable = new HashMap<>();

  private static final class Buffer {
    long startOffset = -1;
    long nextOffset = -1;
    long openedAtMs;
    int count;
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  }

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
  public void put(Collection<SinkRecord> records) {
    for (SinkRecord record : records) {
      TopicPartition tp = new TopicPartition(record.topic(), record.kafkaPartition());
      Buffer buffer = buffers.computeIfAbsent(tp, k -> new Buffer());
      long offset = record.kafkaOffset();
      // Redelivery after a failed put (RetriableException) or a rebalance: already buffered.
      if (buffer.nextOffset >= 0 && offset < buffer.nextOffset) {
        continue;
      }
      if (record.value() == null) {
        // A tombstone has no JSON line to write; treat it as written once nothing is pending.
        buffer.nextOffset = offset + 1;
        if (buffer.count == 0) {
          committable.put(tp, offset + 1);
        }
        continue;
      }
      if (buffer.count == 0) {
        buffer.startOffset = offset;
        buffer.openedAtMs = System.currentTimeMillis();
      }
      byte[] line = json.fromConnectData(record.topic(), record.valueSchema(), record.value());
      buffer.bytes.writeBytes(line);
      buffer.bytes.writeBytes(NEWLINE);
      buffer.count++;
      buffer.nextOffset = offset + 1;
      if (buffer.count >= config.flushSize()) {
        write(tp, buffer);
      }
    }
    writeDue();
  }

  private void writeDue() {
    long interval = config.rotateScheduleIntervalMs();
    if (interval < 0) {
      return;
    }
    long now = System.currentTimeMillis();
    for (Map.Entry<TopicPartition, Buffer> e : buffers.entrySet()) {
      Buffer buffer = e.getValue();
      if (buffer.count > 0 && now - buffer.openedAtMs >= interval) {
        write(e.getKey(), buffer);
      }
    }
  }

  private void write(TopicPartition tp, Buffer buffer) {
    String key =
        ObjectNames.key(config.topicsDir(), tp.topic(), tp.partition(), buffer.startOffset);
    try {
      s3.putObject(
          PutObjectRequest.builder()
              .bucket(config.bucket())
              .key(key)
              .contentType("application/json")
              .build(),
          RequestBody.fromBytes(buffer.bytes.toByteArray()));
    } catch (RuntimeException e) {
      // Connect pauses, then hands the same records to put() again; the buffer is kept.
      throw new RetriableException(
          "could not write s3://" + config.bucket() + "/" + key + ": " + e.getMessage(), e);
    }
    LOG.info("wrote s3://{}/{} ({} records)", config.bucket(), key, buffer.count);
    committable.put(tp, buffer.nextOffset);
    buffer.count = 0;
    buffer.bytes.reset();
  }

  @Override
  public Map<TopicPartition, OffsetAndMetadata> preCommit(
      Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
    try {
      writeDue();
    } catch (RetriableException e) {
      LOG.warn("{}; will retry", e.getMessage());
    }
    Map<TopicPartition, OffsetAndMetadata> safe = new HashMap<>();
    for (TopicPartition tp : currentOffsets.keySet()) {
      Long offset = committable.get(tp);
      if (offset != null) {
        safe.put(tp, new OffsetAndMetadata(offset));
      }
    }
    return safe;
  }

  @Override
  public void close(Collection<TopicPartition> partitions) {
    // The next owner re-reads everything after the committed offset, so unwritten records go.
    for (TopicPartition tp : partitions) {
      buffers.remove(tp);
      committable.remove(tp);
    }
  }

  @Override
  public void stop() {
    buffers.clear();
    if (s3 != null) {
      s3.close();
    }
  }
}
