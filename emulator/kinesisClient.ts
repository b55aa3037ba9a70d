// One way to build a Kinesis client, for everything here that talks to a Kinesis API: the
// emulator's transport and check, the local gateway, the replica's commands and the tests.
import { KinesisClient, KinesisClientConfig } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";

/** A Kinesis client over HTTP/1.1: emulators (kinesalite) do not speak the SDK's default HTTP/2. */
export function kinesisClient(config: KinesisClientConfig): KinesisClient {
  return new KinesisClient({ ...config, requestHandler: new NodeHttpHandler() });
}

/** The local replica's Kinesis API takes any signature: no AWS credentials needed for it. */
export function localCredentials(region: string) {
  return region === "local"
    ? { credentials: { accessKeyId: "local", secretAccessKey: "local" } }
    : {};
}

/**
 * A client for a stack's Kinesis API: `endpoint` when the outputs give one (the local replica's),
 * else AWS's for the region; fixed local keys for the replica's region "local".
 */
export function stackKinesisClient(region: string, endpoint?: string): KinesisClient {
  return kinesisClient({ region, ...(endpoint ? { endpoint } : {}), ...localCredentials(region) });
}
