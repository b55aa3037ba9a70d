package pipeline.local.restproxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import pipeline.local.restproxy.RestProxy.BadRequest;
import pipeline.local.restproxy.RestProxy.Reply;

/** Consumer instances of the v2 API: one KafkaConsumer each, used by one request at a time. */
final class Consumers {
  /** Confluent's consumer.instance.timeout.ms default: an idle instance is closed after it. */
  private static final long IDLE_TIMEOUT_MS = 300_000;
  /** Confluent's consumer.request.timeout.ms default: how long one records request waits. */
  private static final long REQUEST_TIMEOUT_MS = 1_000;
  /** Confluent's consumer.request.max.bytes default. */
  private static final long MAX_BYTES = 64L * 1024 * 1024;

  private final String bootstrap;
  private final Map<String, Instance> instances = new ConcurrentHashMap<>();

  private static final class Instance {
    final KafkaConsumer<byte[], byte[]> consumer;
    final boolean binary;
    volatile long lastUsedMs = System.currentTimeMillis();

    Instance(KafkaConsumer<byte[], byte[]> consumer, boolean binary) {
      this.consumer = consumer;
      this.binary = binary;
    }
  }

  Consumers(String bootstrap) {
    this.bootstrap = bootstrap;
  }

  private static String id(String group, String instance) {
    return group + "\u0000" + instance;
  }

  Reply create(String group, JsonNode body, String base) {
    String name = body.hasNonNull("name") ? body.get("name").asText()
        : "rest-consumer-" + UUID.randomUUID();
    String format = body.hasNonNull("format") ? body.get("format").asText() : "binary";
    if (!format.equals("json") && !format.equals("binary")) {
      throw new BadRequest(422, 42204, "Invalid consumer configuration: format " + format
          + " is not one of json, binary");
    }
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, name);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, text(body, "auto.offset.reset", "latest"));
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, text(body, "auto.commit.enable", "true"));
    if (body.hasNonNull("fetch.min.bytes")) {
      p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, body.get("fetch.min.bytes").asText());
    }
    String key = id(group, name);
    synchronized (instances) {
      if (instances.containsKey(key)) {
        return Reply.error(409, 40902,
            "Consumer with specified consumer ID already exists in the specified consumer group.");
      }
      KafkaConsumer<byte[], byte[]> consumer;
      try {
        consumer = new KafkaConsumer<>(p);
      } catch (org.apache.kafka.common.KafkaException e) {
        throw new BadRequest(422, 42204, "Invalid consumer configuration: " + e.getMessage());
      }
      instances.put(key, new Instance(consumer, format.equals("binary")));
    }
    ObjectNode answer = RestProxy.MAPPER.createObjectNode();
    answer.put("instance_id", name);
    answer.put("base_uri", base + "/consumers/" + group + "/instances/" + name);
    return Reply.json(200, answer);
  }

  private static String text(JsonNode body, String field, String fallback) {
    return body.hasNonNull(field) ? body.get(field).asText() : fallback;
  }

  private Instance get(String group, String instance) {
    Instance i = instances.get(id(group, instance));
    if (i == null) {
      throw new BadRequest(404, 40403, "Consumer instance not found.");
    }
    i.lastUsedMs = System.currentTimeMillis();
    return i;
  }

  Reply delete(String group, String instance) {
    Instance i = get(group, instance);
    instances.remove(id(group, instance));
    synchronized (i) {
      i.consumer.close();
    }
    return Reply.noContent();
  }

  Reply subscribe(String group, String instance, JsonNode body) {
    Instance i = get(group, instance);
    synchronized (i) {
      if (body.hasNonNull("topic_pattern")) {
        i.consumer.subscribe(Pattern.compile(body.get("topic_pattern").asText()));
      } else if (body.has("topics") && body.get("topics").isArray()) {
        List<String> topics = new ArrayList<>();
        body.get("topics").forEach(t -> topics.add(t.asText()));
        i.consumer.subscribe(topics);
      } else {
        throw new BadRequest(422, 42204, "A subscription needs topics or topic_pattern");
      }
    }
    return Reply.noContent();
  }

  Reply subscription(String group, String instance) {
    Instance i = get(group, instance);
    ObjectNode answer = RestProxy.MAPPER.createObjectNode();
    ArrayNode topics = answer.putArray("topics");
    synchronized (i) {
      i.consumer.subscription().stream().sorted().forEach(topics::add);
    }
    return Reply.json(200, answer);
  }

  Reply unsubscribe(String group, String instance) {
    Instance i = get(group, instance);
    synchronized (i) {
      i.consumer.unsubscribe();
    }
    return Reply.noContent();
  }

  Reply records(String group, String instance, String accept, Map<String, String> query)
      throws IOException {
    Instance i = get(group, instance);
    String wanted = RestProxy.mediaType(accept);
    String own = i.binary ? RestProxy.BINARY_V2 : RestProxy.JSON_V2;
    boolean any = wanted.isEmpty() || wanted.equals("*/*") || wanted.equals("application/*");
    if (!any && !wanted.equals(own)) {
      return Reply.error(406, 40601, "The requested embedded data format does not match the"
          + " deserializer for this consumer instance");
    }
    long timeout = query.containsKey("timeout") ? Long.parseLong(query.get("timeout"))
        : REQUEST_TIMEOUT_MS;
    long maxBytes = query.containsKey("max_bytes") ? Long.parseLong(query.get("max_bytes"))
        : MAX_BYTES;
    ArrayNode out = RestProxy.MAPPER.createArrayNode();
    synchronized (i) {
      long deadline = System.currentTimeMillis() + timeout;
      long bytes = 0;
      Map<TopicPartition, Long> rewind = new HashMap<>();
      do {
        ConsumerRecords<byte[], byte[]> polled = i.consumer.poll(
            Duration.ofMillis(Math.max(0, deadline - System.currentTimeMillis())));
        for (ConsumerRecord<byte[], byte[]> r : polled) {
          long size = (r.key() == null ? 0 : r.key().length)
              + (r.value() == null ? 0 : r.value().length);
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          if (rewind.containsKey(tp) || (bytes + size > maxBytes && !out.isEmpty())) {
            // Over max_bytes: hand these out on the next request instead.
            rewind.putIfAbsent(tp, r.offset());
            continue;
          }
          bytes += size;
          ObjectNode n = out.addObject();
          n.put("topic", r.topic());
          n.set("key", decode(r.key(), i.binary));
          n.set("value", decode(r.value(), i.binary));
          n.put("partition", r.partition());
          n.put("offset", r.offset());
        }
        rewind.forEach(i.consumer::seek);
      } while (out.isEmpty() && System.currentTimeMillis() < deadline);
    }
    return new Reply(200, out, own);
  }

  private static JsonNode decode(byte[] bytes, boolean binary) throws IOException {
    if (bytes == null) {
      return RestProxy.MAPPER.nullNode();
    }
    if (binary) {
      return RestProxy.MAPPER.getNodeFactory().textNode(Base64.getEncoder().encodeToString(bytes));
    }
    return RestProxy.MAPPER.readTree(bytes);
  }

  Reply commit(String group, String instance, JsonNode body) {
    Instance i = get(group, instance);
    synchronized (i) {
      if (body.has("offsets") && body.get("offsets").isArray()) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (JsonNode o : body.get("offsets")) {
          offsets.put(new TopicPartition(o.get("topic").asText(), o.get("partition").asInt()),
              new OffsetAndMetadata(o.get("offset").asLong()));
        }
        i.consumer.commitSync(offsets);
      } else {
        i.consumer.commitSync();
      }
    }
    return Reply.noContent();
  }

  void expireIdle() {
    long now = System.currentTimeMillis();
    instances.entrySet().removeIf(e -> {
      Instance i = e.getValue();
      if (now - i.lastUsedMs < IDLE_TIMEOUT_MS) {
        return false;
      }
      synchronized (i) {
        i.consumer.close();
      }
      return true;
    });
  }

  void closeAll() {
    instances.values().forEach(i -> {
      synchronized (i) {
        i.consumer.close();
      }
    });
    instances.clear();
  }
}
