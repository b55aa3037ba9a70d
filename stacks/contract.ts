// The stack-outputs contract: the one non-secret object every stack exports as `pipeline`, and
// the only thing clients (the emulator, the local replica's outputs file) rely on. Bump
// CONTRACT_VERSION when a field is renamed or removed; adding an optional field keeps it.

export const CONTRACT_VERSION = 1;

export interface SourceDatabaseEndpoint {
  readonly host: string;
  readonly port: number;
  readonly databaseName: string;
  /** Secrets Manager ARN of `{"username","password"}`; empty when the password is supplied otherwise. */
  readonly secretArn: string;
}

export interface PipelineOutputs {
  readonly contractVersion: number;
  readonly prefix: string;
  readonly region: string;
  /** Absent when the stack does not deploy the source database. */
  readonly sourceDatabase?: SourceDatabaseEndpoint;
}
