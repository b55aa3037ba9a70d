// The rules of the stack config's text keys, each a test with the same rule in words (messages
// print what fits, never a regular expression), and the checks that need more than one test: a
// cron expression's fields, the region's shard quota. Each test is the component's own where a
// component checks the value too (test/stacks/configRanges.test.ts probes both with the same texts).
import { isTimeZoneId, quartzCronProblem } from "../components/databricks/jobSchedule";
import { MSK_KAFKA_VERSION } from "../components/kafka/mskCluster";
import { SHA256_HEX } from "../components/kafka/s3SinkPluginRelease";
import { defaultShardQuota } from "../components/kinesis/kinesisStreamPath";
import { isVpcCidr } from "../components/network";
import { PREFIX_PATTERN, PREFIX_RULE, TABLE_KINDS } from "../components/shared/naming";
import { isEmailAddress } from "../components/shared/validate";
import { isAllowedCidr, MYSQL_8_VERSION } from "../components/sourceDatabase";
import type { StackConfig, StackContext } from "./config";
import { ConfigSection, fail, setCommand, textRule } from "./configReader";

/** What a text key takes, in words beside the test (messages name no regular expressions). */
export const RULES = {
  prefix: textRule(PREFIX_PATTERN, PREFIX_RULE),
  vpcCidr: { test: isVpcCidr, words: 'an IPv4 CIDR from /16 to /20 (e.g. "10.0.0.0/16")' },
  allowedCidr: {
    test: isAllowedCidr,
    words: 'an IPv4 CIDR no wider than /16 (e.g. "203.0.113.7/32")',
  },
  dbClass: textRule(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'an RDS instance class such as "db.t4g.micro"'),
  mysql: textRule(MYSQL_8_VERSION, 'MySQL 8.x as RDS names it, e.g. "8.4" or "8.0.39"'),
  brokerType: textRule(
    /^kafka\.[a-z0-9]+\.[a-z0-9]+$/,
    'an MSK broker type such as "kafka.t3.small"',
  ),
  kafkaVersion: textRule(MSK_KAFKA_VERSION, 'an MSK Kafka version such as "3.9.x" or "3.6.0"'),
  ec2Type: textRule(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'an EC2 instance type such as "t3.small"'),
  pluginFile: textRule(
    /\.(zip|jar)$/i,
    "the path of the connector's .zip (or .jar), relative to the repository",
  ),
  sha256: textRule(SHA256_HEX, "a SHA-256 as sha256sum prints it (64 lowercase hex digits)"),
  // A service principal's application id is a UUID (Databricks "Service principals").
  applicationId: textRule(
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    'a service principal\'s application id, a UUID such as "01234567-89ab-cdef-0123-456789abcdef"',
  ),
  word: textRule(/^\w+$/, "a name of letters, digits and _"),
  roleName: textRule(
    /^[\w+=,.@-]{1,64}$/,
    "an IAM role name (up to 64 letters, digits and +=,.@_-)",
  ),
  nonBlank: textRule(/\S/, "a name that is not blank"),
  timeZone: {
    test: isTimeZoneId,
    words: 'a time zone id of the tz database, as Java knows it, e.g. "UTC" or "Europe/Dublin"',
  },
  email: { test: isEmailAddress, words: 'an e-mail address such as "data-team@example.com"' },
};

/** A Quartz cron expression (what Databricks schedules take), refused with what is wrong in it. */
export function quartzCron(section: ConfigSection, field: string, fallback: string): string {
  const cron = section.str(field, fallback);
  const problem = quartzCronProblem(cron);
  if (problem) {
    const key = section.key(field);
    fail(
      key,
      cron,
      `a Quartz cron expression such as "0 0 2 * * ?" (${problem})`,
      setCommand(key, "string"),
    );
  }
  return cron;
}

/**
 * The three provisioned streams share the account's shard quota in the region: a count beyond
 * the default quota fails minutes into `pulumi up` (CreateStream's LimitExceededException).
 */
export function checkShardQuota(c: StackConfig, context: StackContext): void {
  const sp = c.streamPath;
  if (!sp.enabled || sp.capacityMode !== "PROVISIONED" || !context.region) return;
  const quota = defaultShardQuota(context.region);
  const streams = TABLE_KINDS.length;
  if (streams * sp.shardCount > quota) {
    fail(
      "streamPath.shardCount",
      sp.shardCount,
      `at most ${Math.floor(quota / streams)} in ${context.region}: ${streams} streams × ` +
        `${sp.shardCount} shards is above the account's default quota of ${quota.toLocaleString("en-US")} ` +
        "shards there (Kinesis quotas; a raised quota shows in the Service Quotas console)",
    );
  }
}
