package pipeline.local.restproxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka REST Proxy API v2 routes that the pipeline uses (produce; consumer instances,
 * subscription, records, offsets), answering with Confluent's documented bodies, status codes and
 * error codes. Usage: RestProxy BOOTSTRAP HOST PORT.
 */
public final class RestProxy {
  static final String V2 = "application/vnd.kafka.v2+json";
  static final String JSON_V2 = "application/vnd.kafka.json.v2+json";
  static final String BINARY_V2 = "application/vnd.kafka.binary.v2+json";
  static final ObjectMapper MAPPER = new ObjectMapper();

  private static final Pattern PRODUCE = Pattern.compile("^/topics/([^/]+)(?:/partitions/(\\d+))?$");
  private static final Pattern TOPIC = Pattern.compile("^/topics/([^/]+)$");
  private static final Pattern GROUP = Pattern.compile("^/consumers/([^/]+)$");
  private static final Pattern INSTANCE =
      Pattern.compile("^/consumers/([^/]+)/instances/([^/]+)(/subscription|/records|/offsets)?$");

  private final Admin admin;
  private final KafkaProducer<byte[], byte[]> producer;
  private final Consumers consumers;
  private final Set<String> knownTopics = ConcurrentHashMap.newKeySet();

  RestProxy(String bootstrap) {
    Properties common = new Properties();
    common.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    admin = Admin.create(common);
    Properties p = new Properties();
    p.putAll(common);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    producer = new KafkaProducer<>(p);
    consumers = new Consumers(bootstrap);
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 3) {
      System.err.println("usage: RestProxy BOOTSTRAP HOST PORT");
      System.exit(2);
    }
    RestProxy proxy = new RestProxy(args[0]);
    HttpServer server = HttpServer.create(new InetSocketAddress(args[1], Integer.parseInt(args[2])), 64);
    server.createContext("/", proxy::handle);
    server.setExecutor(Executors.newFixedThreadPool(8));
    Executors.newSingleThreadScheduledExecutor()
        .scheduleAtFixedRate(proxy.consumers::expireIdle, 30, 30, TimeUnit.SECONDS);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.stop(0);
      proxy.consumers.closeAll();
      proxy.producer.close();
      proxy.admin.close();
    }));
    server.start();
    System.out.println("REST proxy listening on http://" + args[1] + ":" + args[2]
        + ", Kafka at " + args[0]);
  }

  /** An answer: status, body (null = none) and its content type. */
  record Reply(int status, Object body, String type) {
    static Reply json(int status, Object body) {
      return new Reply(status, body, V2);
    }

    static Reply error(int status, int code, String message) {
      ObjectNode e = MAPPER.createObjectNode();
      e.put("error_code", code);
      e.put("message", message);
      return new Reply(status, e, V2);
    }

    static Reply noContent() {
      return new Reply(204, null, null);
    }
  }

  void handle(HttpExchange ex) throws IOException {
    Reply reply;
    try {
      reply = route(ex);
    } catch (BadRequest e) {
      reply = Reply.error(e.status, e.code, e.getMessage());
    } catch (Exception e) {
      reply = Reply.error(500, 50002, "Kafka error: " + e.getMessage());
    }
    byte[] body = reply.body == null ? new byte[0] : MAPPER.writeValueAsBytes(reply.body);
    if (reply.type != null) {
      ex.getResponseHeaders().set("Content-Type", reply.type);
    }
    ex.sendResponseHeaders(reply.status, reply.status == 204 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  static final class BadRequest extends RuntimeException {
    final int status;
    final int code;

    BadRequest(int status, int code, String message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  private Reply route(HttpExchange ex) throws Exception {
    String method = ex.getRequestMethod();
    String path = ex.getRequestURI().getRawPath();
    Matcher m;
    if (path.equals("/") && method.equals("GET")) {
      return Reply.json(200, MAPPER.createObjectNode());
    }
    if (path.equals("/topics") && method.equals("GET")) {
      ArrayNode names = MAPPER.createArrayNode();
      admin.listTopics().names().get(10, TimeUnit.SECONDS).stream().sorted().forEach(names::add);
      return Reply.json(200, names);
    }
    if ((m = TOPIC.matcher(path)).matches() && method.equals("GET")) {
      return describeTopic(decode(m.group(1)));
    }
    if ((m = PRODUCE.matcher(path)).matches() && method.equals("POST")) {
      Integer partition = m.group(2) == null ? null : Integer.valueOf(m.group(2));
      return produce(decode(m.group(1)), partition, ex);
    }
    if ((m = GROUP.matcher(path)).matches() && method.equals("POST")) {
      return consumers.create(decode(m.group(1)), body(ex), baseUri(ex));
    }
    if ((m = INSTANCE.matcher(path)).matches()) {
      String group = decode(m.group(1));
      String instance = decode(m.group(2));
      String sub = m.group(3) == null ? "" : m.group(3);
      switch (sub + " " + method) {
        case " DELETE":
          return consumers.delete(group, instance);
        case "/subscription POST":
          return consumers.subscribe(group, instance, body(ex));
        case "/subscription GET":
          return consumers.subscription(group, instance);
        case "/subscription DELETE":
          return consumers.unsubscribe(group, instance);
        case "/records GET":
          return consumers.records(group, instance, ex.getRequestHeaders().getFirst("Accept"),
              query(ex.getRequestURI()));
        case "/offsets POST":
          return consumers.commit(group, instance, body(ex));
        default:
          break;
      }
    }
    return Reply.error(404, 404, "HTTP 404 Not Found");
  }

  private Reply describeTopic(String topic) throws Exception {
    TopicDescription d;
    try {
      d = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        return Reply.error(404, 40401, "Topic not found.");
      }
      throw e;
    }
    ObjectNode t = MAPPER.createObjectNode();
    t.put("name", topic);
    t.putObject("configs");
    ArrayNode parts = t.putArray("partitions");
    d.partitions().forEach(p -> {
      ObjectNode n = parts.addObject();
      n.put("partition", p.partition());
      n.put("leader", p.leader() == null ? -1 : p.leader().id());
      ArrayNode replicas = n.putArray("replicas");
      p.replicas().forEach(r -> replicas.addObject()
          .put("broker", r.id())
          .put("leader", p.leader() != null && p.leader().id() == r.id())
          .put("in_sync", p.isr().contains(r)));
    });
    return Reply.json(200, t);
  }

  private boolean topicExists(String topic) throws Exception {
    if (knownTopics.contains(topic)) {
      return true;
    }
    try {
      admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        return false;
      }
      throw e;
    }
    knownTopics.add(topic);
    return true;
  }

  private Reply produce(String topic, Integer partition, HttpExchange ex) throws Exception {
    String type = mediaType(ex.getRequestHeaders().getFirst("Content-Type"));
    boolean binary;
    if (JSON_V2.equals(type)) {
      binary = false;
    } else if (BINARY_V2.equals(type)) {
      binary = true;
    } else {
      return Reply.error(415, 415, "HTTP 415 Unsupported Media Type");
    }
    JsonNode request = body(ex);
    JsonNode records = request.get("records");
    if (records == null || !records.isArray() || records.isEmpty()) {
      return Reply.error(422, 422, "records may not be empty");
    }
    if (!topicExists(topic)) {
      return Reply.error(404, 40401, "Topic not found.");
    }
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    for (JsonNode r : records) {
      Integer p = partition != null ? partition
          : r.hasNonNull("partition") ? Integer.valueOf(r.get("partition").asInt()) : null;
      sent.add(producer.send(new ProducerRecord<>(topic, p,
          encode(r.get("key"), binary), encode(r.get("value"), binary))));
    }
    ObjectNode answer = MAPPER.createObjectNode();
    ArrayNode offsets = answer.putArray("offsets");
    for (Future<RecordMetadata> f : sent) {
      ObjectNode o = offsets.addObject();
      try {
        RecordMetadata md = f.get(30, TimeUnit.SECONDS);
        o.put("partition", md.partition());
        o.put("offset", md.offset());
        o.putNull("error_code");
        o.putNull("error");
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        o.putNull("partition");
        o.putNull("offset");
        o.put("error_code", cause instanceof RetriableException ? 50003 : 50002);
        o.put("error", String.valueOf(cause.getMessage()));
      }
    }
    answer.putNull("key_schema_id");
    answer.putNull("value_schema_id");
    return Reply.json(200, answer);
  }

  /** The JSON embedded format stores the JSON text; the binary one the base64-decoded bytes. */
  static byte[] encode(JsonNode node, boolean binary) throws IOException {
    if (node == null || node.isNull()) {
      return null;
    }
    if (binary) {
      try {
        return Base64.getDecoder().decode(node.asText());
      } catch (IllegalArgumentException e) {
        throw new BadRequest(422, 42201, "binary key or value is not base64: " + e.getMessage());
      }
    }
    return MAPPER.writeValueAsBytes(node);
  }

  static String mediaType(String header) {
    if (header == null) {
      return "";
    }
    int semicolon = header.indexOf(';');
    return (semicolon < 0 ? header : header.substring(0, semicolon)).trim().toLowerCase();
  }

  static JsonNode body(HttpExchange ex) throws IOException {
    byte[] bytes;
    try (InputStream in = ex.getRequestBody()) {
      bytes = in.readAllBytes();
    }
    if (bytes.length == 0) {
      return MAPPER.createObjectNode();
    }
    try {
      return MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw new BadRequest(400, 400, "Request body is not valid JSON: " + e.getMessage());
    }
  }

  static String baseUri(HttpExchange ex) {
    String host = ex.getRequestHeaders().getFirst("Host");
    if (host == null) {
      InetSocketAddress local = ex.getLocalAddress();
      host = local.getHostString() + ":" + local.getPort();
    }
    return "http://" + host;
  }

  static Map<String, String> query(URI uri) {
    Map<String, String> q = new HashMap<>();
    String raw = uri.getRawQuery();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          q.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
        }
      }
    }
    return q;
  }

  static String decode(String s) {
    return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
  }
}
