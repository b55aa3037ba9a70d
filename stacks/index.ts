// The stack program: reads the stack's config once and composes the components. Its only export
// is the versioned `pipeline` contract (stacks/contract.ts) that the emulator reads.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Network } from "../components/network";
import { SourceDatabase } from "../components/sourceDatabase";
import { loadStackConfig } from "./config";
import { CONTRACT_VERSION } from "./contract";

const config = loadStackConfig();

const network = new Network("network", {
  prefix: config.prefix,
  cidrBlock: config.network.cidrBlock,
  natGateways: config.network.natGateways,
  flowLogs: config.network.flowLogs,
  flowLogRetentionDays: config.logRetentionDays,
  tags: config.tags,
});

const db = config.sourceDatabase;
const sourceDatabase = db.enabled
  ? new SourceDatabase("source", {
      prefix: config.prefix,
      vpcId: network.vpcId,
      privateSubnetIds: network.privateSubnetIds,
      publicSubnetIds: network.publicSubnetIds,
      allowedCidrs: db.allowedCidrs,
      instanceClass: db.instanceClass,
      allocatedStorageGb: db.allocatedStorageGb,
      engineVersion: db.engineVersion,
      backupRetentionDays: db.backupRetentionDays,
      multiAz: db.multiAz,
      deletionProtection: db.deletionProtection,
      logRetentionDays: config.logRetentionDays,
      tags: config.tags,
    })
  : undefined;

export const pipeline = pulumi.output({
  contractVersion: CONTRACT_VERSION,
  prefix: config.prefix,
  region: aws.getRegionOutput().region,
  sourceDatabase: sourceDatabase && {
    host: sourceDatabase.host,
    port: sourceDatabase.port,
    databaseName: sourceDatabase.databaseName,
    secretArn: sourceDatabase.secretArn,
  },
});
