package pipeline.local.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates topics idempotently in one JVM start (Kafka's own kafka-topics tool needs one per topic).
 * Usage: CreateTopics BOOTSTRAP PARTITIONS TOPIC... ; prints "created X" or "exists X" per topic.
 */
public final class CreateTopics {
  private CreateTopics() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: CreateTopics BOOTSTRAP PARTITIONS TOPIC...");
      System.exit(2);
    }
    int partitions = Integer.parseInt(args[1]);
    List<NewTopic> topics = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      topics.add(new NewTopic(args[i], partitions, (short) 1));
    }
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    try (Admin admin = Admin.create(props)) {
      Set<String> existing = admin.listTopics().names().get();
      List<NewTopic> missing = new ArrayList<>();
      for (NewTopic t : topics) {
        if (existing.contains(t.name())) {
          System.out.println("exists " + t.name());
        } else {
          missing.add(t);
        }
      }
      for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> e :
          admin.createTopics(missing).values().entrySet()) {
        try {
          e.getValue().get();
          System.out.println("created " + e.getKey());
        } catch (ExecutionException ex) {
          // Another caller created it between the listing and the creation: still idempotent.
          if (ex.getCause() instanceof TopicExistsException) {
            System.out.println("exists " + e.getKey());
          } else {
            throw ex;
          }
        }
      }
    }
  }
}
