package pipeline.local.s3sink;

import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.types.Password;

/**
 * Settings of the local S3 sink. The names are those of Confluent's S3 sink (the connector MSK
 * Connect runs in the course), so the production config maps onto this one key for key.
 */
public final class S3SinkConfig extends AbstractConfig {
  public static final String BUCKET = "s3.bucket.name";
  public static final String REGION = "s3.region";
  public static final String STORE_URL = "store.url";
  public static final String PATH_STYLE = "s3.path.style.access.enabled";
  public static final String ACCESS_KEY_ID = "aws.access.key.id";
  public static final String SECRET_ACCESS_KEY = "aws.secret.access.key";
  public static final String TOPICS_DIR = "topics.dir";
  public static final String FLUSH_SIZE = "flush.size";
  public static final String ROTATE_SCHEDULE_INTERVAL_MS = "rotate.schedule.interval.ms";

  public static final ConfigDef DEF =
      new ConfigDef()
          .define(BUCKET, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
              Importance.HIGH, "Bucket the objects are written to.")
          .define(REGION, Type.STRING, "us-east-1", Importance.MEDIUM, "Region used for signing.")
          .define(STORE_URL, Type.STRING, "", Importance.MEDIUM,
              "Endpoint of an S3-compatible store, e.g. http://127.0.0.1:39000; empty = AWS.")
          .define(PATH_STYLE, Type.BOOLEAN, true, Importance.LOW,
              "Address the bucket in the path (http://host/bucket/key), as local stores need.")
          .define(ACCESS_KEY_ID, Type.STRING, "", Importance.MEDIUM,
              "Static access key id; empty = the AWS SDK's default credentials chain.")
          .define(SECRET_ACCESS_KEY, Type.PASSWORD, "", Importance.MEDIUM,
              "Static secret access key, with aws.access.key.id.")
          .define(TOPICS_DIR, Type.STRING, "topics", Importance.LOW,
              "Top-level folder of the object keys (Confluent's default: topics).")
          .define(FLUSH_SIZE, Type.INT, ConfigDef.NO_DEFAULT_VALUE, ConfigDef.Range.atLeast(1),
              Importance.HIGH, "Records per object: an object is written when it holds this many.")
          .define(ROTATE_SCHEDULE_INTERVAL_MS, Type.LONG, -1L, Importance.MEDIUM,
              "Milliseconds (wall clock) after which an open object is written even if it holds"
                  + " fewer than flush.size records; -1 = never.");

  public S3SinkConfig(Map<String, String> props) {
    super(DEF, props);
  }

  public String bucket() {
    return getString(BUCKET);
  }

  public String region() {
    return getString(REGION);
  }

  public String storeUrl() {
    return getString(STORE_URL);
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

  public int flushSize() {
    return getInt(FLUSH_SIZE);
  }

  public long rotateScheduleIntervalMs() {
    return getLong(ROTATE_SCHEDULE_INTERVAL_MS);
  }
}
