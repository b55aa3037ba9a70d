// Reads back what a recorded graph deploys as its S3 sink, whichever runner runs it: MSK Connect's
// connector inputs, or the files the Kafka client machines' boot script writes
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

/** The client machines' boot script, decoded from their launch template's base64. */
export function clientUserData(h: PulumiHarness): string {
  const template = h.byName("batch-client-template", "aws:ec2/launchTemplate:LaunchTemplate");
  return Buffer.from(template.inputs.userData as string, "base64").toString("utf8");
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
