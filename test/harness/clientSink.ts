// Reads back what a recorded graph deploys as its S3 sink, whichever runner runs it: MSK Connect's
// connector inputs, or the files the Kafka client machine's boot script writes
// (components/kafka/kafkaClientConnect.ts).
import type { PulumiHarness } from "../../tools/pulumi-mock/mockEngine";

/** The text of the heredoc `cat > <file> <<'<marker>'` in a script. */
export function heredoc(script: string, file: string, marker: string): string {
  const head = `cat > ${file} <<'${marker}'\n`;
  const start = script.indexOf(head);
  if (start < 0) throw new Error(`the script writes no ${file}`);
  const body = script.slice(start + head.length);
  return body.slice(0, body.indexOf(`\n${marker}\n`) + 1);
}

/** The client machine's boot script. */
export function clientUserData(h: PulumiHarness): string {
  return h.byName("batch-client-instance", "aws:ec2/instance:Instance").inputs.userData as string;
}

/** The connector properties the client machine's worker is given (its JSON file). */
export function clientConnectorProperties(
  h: PulumiHarness,
  prefix: string,
): Record<string, string> {
  const file = `/etc/kafka-connect/${prefix}-s3-sink.json`;
  return JSON.parse(heredoc(clientUserData(h), file, "JSON")) as Record<string, string>;
}

/** The worker properties file the client machine's boot script writes. */
export function clientWorkerProperties(h: PulumiHarness): string {
  return heredoc(clientUserData(h), "/etc/kafka-connect/worker.properties", "PROPERTIES");
}

/** The connector properties the graph deploys: MSK Connect's if it has a connector, else the client's. */
export function deployedSinkProperties(h: PulumiHarness, prefix: string): Record<string, string> {
  const connectors = h.ofType("aws:mskconnect/connector:Connector");
  return connectors.length > 0
    ? (connectors[0].inputs.connectorConfiguration as Record<string, string>)
    : clientConnectorProperties(h, prefix);
}
