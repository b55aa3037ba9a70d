package pipeline.local.s3sink;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One topic partition's open object, rotated the way Confluent's TopicPartitionWriter
 * (kafka-connect-s3) rotates with the DefaultPartitioner:
 *
 * <ul>
 *   <li>size: an object is committed as soon as it holds flush.size records;
 *   <li>schedule: with rotate.schedule.interval.ms, the next rotation time is the next multiple
 *       of the interval since 00:00 in timezone (never past the next midnight), set when the
 *       writer is created and after each time-based commit. On each write, an open object is
 *       committed once that time has passed, before the next record or when the buffer is
 *       drained; with nothing open, an expired rotation time just moves on;
 *   <li>rotate.interval.ms: ignored, with a warning, because the DefaultPartitioner has no
 *       timestamp extractor; so without a schedule, records below flush.size stay open forever.
 * </ul>
 */
final class PartitionWriter {
  private static final Logger LOG = LoggerFactory.getLogger(PartitionWriter.class);
  private static final byte[] NEWLINE = {'\n'};

  /** Writes one object; throws to leave the open object as it is. */
  interface Store {
    void put(String key, byte[] content, int records);
  }

  /** Turns a record's value into its JSON line (without the newline). */
  interface Serializer {
    byte[] line(SinkRecord record);
  }

  private final TopicPartition tp;
  private final S3SinkConfig config;
  private final Store store;
  private final Serializer serializer;
  private final Deque<SinkRecord> buffer = new ArrayDeque<>();
  private final ByteArrayOutputStream open = new ByteArrayOutputStream();
  private int recordCount;
  private long startOffset = -1;
  private long lastOffset = -1;
  /** Offset after the last record taken into the buffer: redeliveries below it are dropped. */
  private long nextOffset = -1;
  /** Offset after the last record safely in the store; null until one is. */
  private Long committable;
  private long nextScheduledRotation = Long.MAX_VALUE;
  private int lastReportedCount;

  PartitionWriter(
      TopicPartition tp, S3SinkConfig config, Store store, Serializer serializer, long now) {
    this.tp = tp;
    this.config = config;
    this.store = store;
    this.serializer = serializer;
    if (config.rotateIntervalMs() > 0) {
      LOG.warn(
          "{}: {} is {} ms, but partitioner {} is not an instance of {}; Confluent's S3 sink ignores the"
              + " property in that case, and so does this one: no object is committed on record"
              + " time.",
          tp,
          S3SinkConfig.ROTATE_INTERVAL_MS,
          config.rotateIntervalMs(),
          config.partitionerClass(),
          S3SinkConfig.TIME_BASED_PARTITIONER);
    }
    if (config.rotateScheduleIntervalMs() <= 0) {
      LOG.warn(
          "{}: no {}: an object is committed only at {} records, records below that stay"
              + " uncommitted",
          tp,
          S3SinkConfig.ROTATE_SCHEDULE_INTERVAL_MS,
          config.flushSize());
    }
    setNextScheduledRotation(now);
  }

  /** Takes a record unless it was already taken (a redelivery after a failed write). */
  void buffer(SinkRecord record) {
    if (nextOffset >= 0 && record.kafkaOffset() < nextOffset) {
      return;
    }
    nextOffset = record.kafkaOffset() + 1;
    buffer.add(record);
  }

  /** Appends the buffered records and commits whatever the rotation rules say is due. */
  void write(long now) {
    if (recordCount == 0 && scheduledRotationDue(now)) {
      setNextScheduledRotation(now);
    }
    while (!buffer.isEmpty()) {
      if (recordCount > 0 && scheduledRotationDue(now)) {
        setNextScheduledRotation(now);
        commit("scheduled rotation");
        continue;
      }
      SinkRecord record = buffer.peek();
      if (recordCount == 0) {
        startOffset = record.kafkaOffset();
      }
      open.writeBytes(serializer.line(record));
      open.writeBytes(NEWLINE);
      recordCount++;
      lastOffset = record.kafkaOffset();
      buffer.poll();
      if (recordCount >= config.flushSize()) {
        commit("flush.size");
      }
    }
    if (recordCount > 0 && scheduledRotationDue(now)) {
      setNextScheduledRotation(now);
      commit("scheduled rotation");
    }
    if (recordCount > 0 && recordCount != lastReportedCount) {
      LOG.info(
          "{}: {} records held in the open object from offset {} (flush.size {}, next scheduled"
              + " rotation {})",
          tp,
          recordCount,
          startOffset,
          config.flushSize(),
          nextScheduledRotation == Long.MAX_VALUE
              ? "none"
              : Instant.ofEpochMilli(nextScheduledRotation).toString());
    }
    lastReportedCount = recordCount;
  }

  /** Offset after the last record in the store (for Connect to commit), or null. */
  Long committable() {
    return committable;
  }

  private void commit(String reason) {
    String key =
        ObjectNames.key(
            config.topicsDir(), tp.topic(), tp.partition(), startOffset, config.offsetPadWidth());
    // Throws on failure: the open object stays, and the next write tries again.
    store.put(key, open.toByteArray(), recordCount);
    LOG.info("{}: committed {} ({} records, {})", tp, key, recordCount, reason);
    committable = lastOffset + 1;
    recordCount = 0;
    lastReportedCount = 0;
    open.reset();
  }

  private boolean scheduledRotationDue(long now) {
    return config.rotateScheduleIntervalMs() > 0 && now >= nextScheduledRotation;
  }

  private void setNextScheduledRotation(long now) {
    if (config.rotateScheduleIntervalMs() > 0) {
      nextScheduledRotation =
          nextTimeAdjustedByDay(now, config.rotateScheduleIntervalMs(), config.timezone());
    }
  }

  /**
   * The next multiple of period since the start of now's day in zone, but never later than the
   * next day's start (Confluent's DateTimeUtils.getNextTimeAdjustedByDay, kafka-connect-storage-
   * common).
   */
  static long nextTimeAdjustedByDay(long now, long period, ZoneId zone) {
    LocalDate day = Instant.ofEpochMilli(now).atZone(zone).toLocalDate();
    long startOfDay = day.atStartOfDay(zone).toInstant().toEpochMilli();
    long startOfNextDay = day.plusDays(1).atStartOfDay(zone).toInstant().toEpochMilli();
    long next = ((now - startOfDay) / period + 1) * period;
    return startOfDay + Math.min(next, startOfNextDay - startOfDay);
  }
}
