// The Kafka Connect worker properties the local replica starts with (local/kafka/connect.sh):
// rendered by the code that renders the stack's client machine worker
// (components/kafka/connectWorkerConfig.ts), for the stack's sink plugin and rotation, with only
// the replica's own values: its broker (PLAINTEXT, no IAM), its group and internal topic names, one
// replica and one partition (one broker), its REST port and plugin folder, and three start-up
// shortcuts (LOCAL_WORKER_EXTRA).
// Usage: ts-node local/kafka/workerProperties.ts BOOTSTRAP REST_PORT PLUGIN_PATH [STACK]   (STACK: dev)
import { connectWorkerProperties } from "../../components/kafka/connectWorkerConfig";
import { parseStackConfig } from "../../stacks/config";
import { readStack } from "./sinkProperties";

/** The replica's worker group and internal topics (kafka.sh wipe deletes them with the data). */
export const LOCAL_CONNECT_NAMES = {
  groupId: "pipeline-local-connect",
  configTopic: "_connect-configs",
  offsetTopic: "_connect-offsets",
  statusTopic: "_connect-status",
} as const;

/** Settings only the replica has, each for start-up time or test latency on 2 shared cores. */
export const LOCAL_WORKER_EXTRA = {
  // Plugins are found through their ServiceLoader manifests: no classpath scan, a faster start.
  "plugin.discovery": "service_load",
  // Sink offsets are committed, and the local sink checks its rotation, every second (ms).
  "offset.flush.interval.ms": "1000",
  // A single worker: no reason to wait for a departed one before reassigning its work (ms).
  "scheduled.rebalance.max.delay.ms": "0",
} as const;

/** The replica worker's properties for `stack`'s sink. */
export function replicaWorkerProperties(
  bootstrapServers: string,
  restPort: number,
  pluginPath: string,
  stack = "dev",
): string {
  const { kafka } = parseStackConfig(readStack(stack).raw);
  return connectWorkerProperties({
    bootstrapServers,
    names: LOCAL_CONNECT_NAMES,
    replicationFactor: 1,
    internalPartitions: 1,
    restHost: "127.0.0.1",
    advertisedHost: "127.0.0.1",
    restPort,
    pluginPath,
    plugin: kafka.connectorPlugin,
    rotateIntervalMs: kafka.connectorRotateIntervalMs,
    mskIam: false,
    extra: LOCAL_WORKER_EXTRA,
  });
}

if (require.main === module) {
  const [bootstrap, port, pluginPath, stack = "dev"] = process.argv.slice(2);
  if (!bootstrap || !/^\d+$/.test(port ?? "") || !pluginPath) {
    console.error("usage: workerProperties.ts BOOTSTRAP REST_PORT PLUGIN_PATH [STACK]");
    process.exit(2);
  }
  try {
    process.stdout.write(replicaWorkerProperties(bootstrap, Number(port), pluginPath, stack));
  } catch (error) {
    console.error(`worker properties: ${(error as Error).message}`);
    process.exit(1);
  }
}
