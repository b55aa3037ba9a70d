package pipeline.local.s3sink;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Settings of the local S3 sink: the keys, types, defaults and validation of Confluent's S3 sink
 * (kafka-connect-s3's S3SinkConnectorConfig and kafka-connect-storage-common's
 * StorageSinkConnectorConfig, StorageCommonConfig and PartitionerConfig) for every key the stacks
 * set, so the properties the stack renders run here unchanged. What Confluent refuses is refused
 * here the same way: a missing or mistyped value at validation (HTTP 400 from Connect), a missing
 * timezone for rotate.schedule.interval.ms when the connector starts. Values this sink cannot
 * emulate (another partitioner, format or storage) are refused, naming the one it implements.
 */
public final class S3SinkConfig extends AbstractConfig {
  public static final String BUCKET = "s3.bucket.name";
  public static final String REGION = "s3.region";
  public static final String STORE_URL = "store.url";
  public static final String PATH_STYLE = "s3.path.style.access.enabled";
  public static final String ACCESS_KEY_ID = "aws.access.key.id";
  public static final String SECRET_ACCESS_KEY = "aws.secret.access.key";
  public static final String TOPICS_DIR = "topics.dir";
  public static final String STORAGE_CLASS = "storage.class";
  public static final String FORMAT_CLASS = "format.class";
  public static final String PARTITIONER_CLASS = "partitioner.class";
  public static final String OFFSET_PAD_WIDTH = "filename.offset.zero.pad.width";
  public static final String SCHEMA_COMPATIBILITY = "schema.compatibility";
  public static final String FLUSH_SIZE = "flush.size";
  public static final String ROTATE_INTERVAL_MS = "rotate.interval.ms";
  public static final String ROTATE_SCHEDULE_INTERVAL_MS = "rotate.schedule.interval.ms";
  public static final String TIMEZONE = "timezone";
  public static final String TIMESTAMP_EXTRACTOR = "timestamp.extractor";
  public static final String BEHAVIOR_ON_NULL_VALUES = "behavior.on.null.values";

  public static final String S3_STORAGE = "io.confluent.connect.s3.storage.S3Storage";
  public static final String JSON_FORMAT = "io.confluent.connect.s3.format.json.JsonFormat";
  public static final String DEFAULT_PARTITIONER =
      "io.confluent.connect.storage.partitioner.DefaultPartitioner";
  public static final String TIME_BASED_PARTITIONER =
      "io.confluent.connect.storage.partitioner.TimeBasedPartitioner";

  /** Accepts only the one value this sink implements, naming it in the error. */
  private static ConfigDef.Validator only(String implemented) {
    return new ConfigDef.Validator() {
      @Override
      public void ensureValid(String name, Object value) {
        if (value != null && !implemented.equals(String.valueOf(value).trim())) {
          throw new ConfigException(
              name,
              value,
              "the local S3 sink implements only " + implemented
                  + " (the stacks' setting); it cannot emulate another");
        }
      }

      @Override
      public String toString() {
        return implemented;
      }
    };
  }

  /** Confluent's TimezoneValidator: empty, or an id the time-zone database knows. */
  private static final ConfigDef.Validator TIMEZONE_ID =
      new ConfigDef.Validator() {
        @Override
        public void ensureValid(String name, Object value) {
          String id = String.valueOf(value).trim();
          if (id.isEmpty()) {
            return;
          }
          try {
            ZoneId.of(id);
          } catch (DateTimeException e) {
            throw new ConfigException(name, value, "not a time-zone id (e.g. UTC): " + e.getMessage());
          }
        }

        @Override
        public String toString() {
          return "a time-zone id such as UTC, or empty";
        }
      };

  public static final ConfigDef DEF =
      new ConfigDef()
          // Required, no default, as in Confluent's sink.
          .define(BUCKET, Type.STRING, Importance.HIGH, "Bucket the objects are written to.")
          .define(REGION, Type.STRING, "us-west-2", Importance.MEDIUM,
              "Region used for signing (Confluent's default: us-west-2).")
          .define(STORE_URL, Type.STRING, null, Importance.HIGH,
              "Endpoint of an S3-compatible store, e.g. http://127.0.0.1:39000; unset = AWS.")
          .define(PATH_STYLE, Type.BOOLEAN, true, Importance.LOW,
              "Address the bucket in the path (http://host/bucket/key); Confluent's default true.")
          .define(ACCESS_KEY_ID, Type.STRING, "", Importance.HIGH,
              "Static access key id; empty = the AWS SDK's default credentials chain.")
          .define(SECRET_ACCESS_KEY, Type.PASSWORD, "", Importance.HIGH,
              "Static secret access key, with aws.access.key.id.")
          .define(TOPICS_DIR, Type.STRING, "topics", Importance.HIGH,
              "Top-level folder of the object keys (Confluent's default: topics).")
          .define(STORAGE_CLASS, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, only(S3_STORAGE),
              Importance.HIGH, "Storage class; required, as in Confluent's sink.")
          .define(FORMAT_CLASS, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, only(JSON_FORMAT),
              Importance.HIGH, "Format class; required, as in Confluent's sink.")
          .define(PARTITIONER_CLASS, Type.STRING, DEFAULT_PARTITIONER, only(DEFAULT_PARTITIONER),
              Importance.HIGH, "Partitioner class (Confluent's default: DefaultPartitioner).")
          .define(OFFSET_PAD_WIDTH, Type.INT, 10, ConfigDef.Range.atLeast(0), Importance.LOW,
              "Digits the start offset in object names is zero-padded to (Confluent's default 10).")
          .define(SCHEMA_COMPATIBILITY, Type.STRING, "NONE",
              ConfigDef.ValidString.in("NONE", "BACKWARD", "FORWARD", "FULL"), Importance.HIGH,
              "Schema compatibility; schemaless JSON values never change schema.")
          // Confluent: Type.INT, required, no range check.
          .define(FLUSH_SIZE, Type.INT, Importance.HIGH,
              "Records per object: an object is committed when it holds this many.")
          .define(ROTATE_INTERVAL_MS, Type.LONG, -1L, Importance.HIGH,
              "Record-time rotation; Confluent's sink honours it only with a TimeBasedPartitioner"
                  + " and ignores it (with a warning) otherwise, as this sink does.")
          .define(ROTATE_SCHEDULE_INTERVAL_MS, Type.LONG, -1L, Importance.MEDIUM,
              "Wall-clock rotation: an open object is committed at the next multiple of this"
                  + " interval since 00:00 in timezone; -1 = never.")
          .define(TIMEZONE, Type.STRING, "", TIMEZONE_ID, Importance.MEDIUM,
              "Time zone of the rotation schedule; required with rotate.schedule.interval.ms.")
          .define(TIMESTAMP_EXTRACTOR, Type.STRING, "Wallclock", Importance.MEDIUM,
              "Used only by time-based partitioners; no effect with the DefaultPartitioner.")
          .define(BEHAVIOR_ON_NULL_VALUES, Type.STRING, "fail",
              ConfigDef.CaseInsensitiveValidString.in("fail", "ignore"), Importance.LOW,
              "Tombstones: fail the task (Confluent's default) or skip them; 'write' is not"
                  + " implemented here.");

  public S3SinkConfig(Map<String, String> props) {
    super(DEF, props);
    // Confluent's S3SinkConnectorConfig checks this in its constructor, not in the ConfigDef:
    // Connect accepts the config, and the connector fails when it starts.
    if (rotateScheduleIntervalMs() > 0 && getString(TIMEZONE).trim().isEmpty()) {
      throw new ConfigException(
          TIMEZONE + " must be set when " + ROTATE_SCHEDULE_INTERVAL_MS + " is set (e.g. UTC),"
              + " as Confluent's S3 sink requires");
    }
  }

  public String bucket() {
    return getString(BUCKET);
  }

  public String region() {
    return getString(REGION);
  }

  /** The store's endpoint, or empty for AWS. */
  public String storeUrl() {
    String url = getString(STORE_URL);
    return url == null ? "" : url.trim();
  }

  public boolean pathStyle() {
    return getBoolean(PATH_STYLE);
  }

  public String accessKeyId() {
    return getString(ACCESS_KEY_ID);
  }

  public String secretAccessKey() {
    Password p = getPassword(SECRET_ACCESS_KEY);
    return p == null ? "" : p.value();
  }

  public String topicsDir() {
    return getString(TOPICS_DIR);
  }

  public int offsetPadWidth() {
    return getInt(OFFSET_PAD_WIDTH);
  }

  public String partitionerClass() {
    return getString(PARTITIONER_CLASS).trim();
  }

  public int flushSize() {
    return getInt(FLUSH_SIZE);
  }

  public long rotateIntervalMs() {
    return getLong(ROTATE_INTERVAL_MS);
  }

  public long rotateScheduleIntervalMs() {
    return getLong(ROTATE_SCHEDULE_INTERVAL_MS);
  }

  /** The schedule's time zone; only meaningful when rotate.schedule.interval.ms is set. */
  public ZoneId timezone() {
    String id = getString(TIMEZONE).trim();
    return id.isEmpty() ? ZoneId.of("UTC") : ZoneId.of(id);
  }

  public boolean failOnNullValues() {
    return "fail".equalsIgnoreCase(getString(BEHAVIOR_ON_NULL_VALUES));
  }
}
