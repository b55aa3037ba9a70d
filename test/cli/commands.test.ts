// Every TypeScript CLI under the one convention of cli/args.ts, one row per class of wrong input:
// `--help` prints the usage (exit 0); a usage error prints one line naming the value and the fix,
// then the usage (exit 2); a failure prints one line (exit 1); none prints a stack trace. The
// mains run in this process; no row needs a server: the database is a closed port on loopback,
// so a row that reached it would fail with exit 1 ("Cannot connect"), not with the expected 2.
// What this cannot prove: the three lines of each file's `require.main` wiring (exitWith), which
// test/cli/args.test.ts runs once as a real process.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main as emulate } from "../../emulator/cli";
import { main as emulateBench } from "../../emulator/bench";
import { main as source } from "../../emulator/source/cli";
import { main as sourceBench } from "../../emulator/source/bench";
import { main as cost } from "../../tools/cost/cli";
import { REPO_ROOT } from "../../tools/pulumi-mock/mockRun";
import { runMain as run } from "../harness/cliRun";

type Main = (argv: string[]) => Promise<number>;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-test-"));
const CLOSED = { host: "127.0.0.1", port: 1, databaseName: "pinterest_data", secretArn: "" };
/** A contract-v1 outputs file whose database is a closed port; `change` edits the object. */
function outputsFile(name: string, change: (o: Record<string, unknown>) => void = () => {}) {
  const outputs: Record<string, unknown> = {
    contractVersion: 1,
    prefix: "pin-cli",
    region: "eu-west-1",
    sourceDatabase: CLOSED,
    stream: {
      invokeUrl: "http://127.0.0.1:1/v1",
      apiKeyId: "local",
      streams: { pin: "s-pin", geo: "s-geo", user: "s-user" },
      kinesisEndpoint: "http://127.0.0.1:1",
    },
  };
  change(outputs);
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify({ pipeline: outputs }));
  return file;
}
const streamOnly = outputsFile("stream-only");
const noDb = outputsFile("no-db", (o) => delete o.sourceDatabase);
const v2 = outputsFile("v2", (o) => (o.contractVersion = 2));
const notJson = path.join(dir, "not.json");
fs.writeFileSync(notJson, "this is not JSON");
const emptyFile = path.join(dir, "empty");
fs.writeFileSync(emptyFile, "\n");
const missing = path.join(dir, "missing", "file");
/** Sent to the closed port only if a check were late. */
const db = { MYSQL_PASSWORD: "x" };
const at = ["--outputs", streamOnly];

// [cli, argv, env, exit code, a fragment of what it prints (the usage for --help)]
type Row = [string, Main, string[], Record<string, string>, number, string];
const ROWS: Row[] = [
  // --help, also after a command word and beside other options
  ["emulate", emulate, ["--help"], {}, 0, "usage: npm run emulate"],
  ["emulate", emulate, ["verify", "--help"], {}, 0, "usage: npm run emulate"],
  ["emulate", emulate, ["--rows", "abc", "-h"], {}, 0, "usage: npm run emulate"],
  ["source", source, ["--help"], {}, 0, "usage: npm run source:load"],
  ["source", source, ["load", "--help"], {}, 0, "usage: npm run source:load"],
  ["source:bench", sourceBench, ["--help"], {}, 0, "usage: npm run source:bench"],
  ["emulate:bench", emulateBench, ["--help"], {}, 0, "usage: npm run emulate:bench"],
  ["cost", cost, ["--help"], {}, 0, "usage: npm run cost"],

  // an unknown option (with the nearest known name), an argument too many, a command unknown
  ["emulate", emulate, ["--bogus"], {}, 2, "unknown option --bogus"],
  ["emulate", emulate, ["--row", "5"], {}, 2, "unknown option --row: did you mean --rows?"],
  ["emulate", emulate, ["extra-positional"], {}, 2, 'unexpected argument "extra-positional"'],
  ["emulate", emulate, ["verify", "--rows", "5"], {}, 2, "unknown option --rows"],
  ["source", source, ["load", "--bogus"], {}, 2, "unknown option --bogus"],
  ["source", source, [], {}, 2, "give a command: load or summary"],
  ["source", source, ["generate"], {}, 2, 'unknown command "generate"'],
  ["source", source, ["load", "summary"], {}, 2, "one command at a time: load or summary"],
  ["source:bench", sourceBench, ["1000000"], {}, 2, 'unexpected argument "1000000"'],
  ["cost", cost, ["--stack", "dev", "--bogus"], {}, 2, "unknown option --bogus"],

  // a missing value, a value given to a flag, an option given twice
  ["emulate", emulate, ["--rows"], {}, 2, "--rows needs a value."],
  ["emulate", emulate, ["--outputs", "--via", "api"], {}, 2, "--outputs needs a value, but"],
  ["emulate", emulate, ["--resume=yes"], {}, 2, '--resume takes no value (it was given "yes")'],
  ["emulate", emulate, ["--stack", "a", "--stack", "b"], {}, 2, '--stack is given twice ("a"'],
  ["cost", cost, ["--stack", "dev", "--stack", "prod"], {}, 2, "--stack is given twice"],
  ["source", source, ["load", "--port"], {}, 2, "--port needs a value."],

  // a bad number: words, signs, hex, exponents, out of range, in an environment variable
  ["emulate", emulate, ["--concurrency", "-1"], {}, 2, '--concurrency "-1" must be a whole'],
  ["emulate", emulate, ["--batch-size", "0x10"], {}, 2, '--batch-size "0x10" must be a whole'],
  ["emulate", emulate, ["--rows=-5", ...at], db, 2, '--rows "-5" must be a whole number of'],
  ["emulate", emulate, ["--rate", "abc", ...at], db, 2, '--rate "abc" must be a whole'],
  ["emulate", emulate, ["--duration", "1e3"], {}, 2, '--duration "1e3" must be a whole'],
  ["emulate", emulate, ["--mode", "random", "--seed=4294967296"], {}, 2, '--seed "4294967296"'],
  ["emulate", emulate, [...at], { ...db, MYSQL_PORT: "abc" }, 2, 'MYSQL_PORT "abc" must be'],
  ["source", source, ["load", "--port", "99999"], {}, 2, '--port "99999" must be a whole number'],
  ["source", source, ["load"], { MYSQL_PORT: "abc" }, 2, 'MYSQL_PORT "abc" must be a whole'],
  ["source:bench", sourceBench, ["--rows", "abc"], {}, 2, '--rows "abc" must be a whole'],
  ["emulate:bench", emulateBench, ["--rows", "0"], {}, 2, '--rows "0" must be a whole'],

  // a value not among the choices; a list with an unknown entry, a duplicate or nothing
  ["emulate", emulate, ["--mode", "fast"], {}, 2, '--mode "fast" must be sequential or random'],
  ["emulate", emulate, ["--via", "kafka"], {}, 2, '--via "kafka" must be api or direct'],
  ["emulate", emulate, ["--paths", "batch,kafka"], {}, 2, '--paths entry "kafka"'],
  ["emulate", emulate, ["--paths", "batch,batch"], {}, 2, "names batch twice: give each once"],
  ["emulate", emulate, ["--paths="], {}, 2, '--paths "" names nothing'],
  ["cost", cost, ["--stack", "dev", "--set", "foo"], {}, 2, '--set "foo" is not section.key'],
  ["cost", cost, ["--stack", "dev", "--set", "a.b=1", "--set", "a.b=2"], {}, 2, "twice"],

  // a name that would leave its folder
  ["emulate", emulate, ["--stack", "../../../evil"], {}, 2, '--stack "../../../evil" is not a'],
  ["emulate:bench", emulateBench, ["--stack", "../x"], {}, 2, '--stack "../x" is not a stack'],
  ["cost", cost, ["--stack", "../dev"], {}, 2, '--stack "../dev" is not a stack name'],

  // an option that cannot apply (or contradicts another)
  ["emulate", emulate, ["--mode", "random", "--resume"], {}, 2, "--resume continues a sequen"],
  ["emulate", emulate, ["--seed", "7"], {}, 2, "--seed chooses random mode's rows"],
  ["emulate", emulate, ["--via", "direct", "--api-key-file", "k"], {}, 2, "--api-key-file is"],
  ["emulate", emulate, ["--report", missing], {}, 2, "does not exist"],
  ["source", source, ["summary", "--reset"], {}, 2, "--reset is for load"],
  ["source", source, ["summary", "--rows", "5"], {}, 2, "--rows is for load"],
  ["cost", cost, ["--write-docs", "--stack", "x"], {}, 2, "--write-docs prices dev and prod"],
  ["cost", cost, ["--stack", "dev", "--paused", "--set", "paused=false"], {}, 2, "contradict"],
  ["cost", cost, [], {}, 2, "give --stack NAME (stacks here: dev, prod)"],

  // checked before any connection: a bad --rows or --batch-size with --reset is refused (2), not
  // sent to the (closed) database first (1), so no table is dropped
  ["source", source, ["load", "--reset", "--rows", "0", "--port", "1"], {}, 2, '--rows "0"'],
  ["source", source, ["load", "--reset", "--batch-size", "20000", "--port", "1"], {}, 2, "20000"],
  ["emulate", emulate, ["--mode", "random", "--seed=-1", ...at], db, 2, '--seed "-1"'],

  // failures: one line, exit 1
  ["emulate", emulate, ["--outputs", missing], {}, 1, "Cannot read stack outputs from"],
  ["emulate", emulate, ["--outputs", v2], {}, 1, "must be 1 (this code reads contract v1 only)"],
  ["emulate", emulate, ["--stack", "nosuch"], {}, 1, 'No outputs for stack "nosuch"'],
  // No replica outputs where this run looks for them (a kept replica's are elsewhere).
  [
    "emulate",
    emulate,
    ["--stack", "local"],
    { PIPELINE_STACKS_DIR: dir },
    1,
    "`local/replica.sh up`",
  ],
  ["emulate", emulate, [...at, "--paths", "batch"], {}, 1, "exports no batch endpoint"],
  ["emulate", emulate, [...at, "--password-file", missing], {}, 1, "cannot read --password-f"],
  ["emulate", emulate, [...at, "--password-file", emptyFile], {}, 1, "is empty"],
  ["emulate", emulate, [...at, "--api-key-file", missing], db, 1, "cannot read --api-key-file"],
  ["emulate", emulate, ["verify", "--outputs", noDb], {}, 1, "exports no sourceDatabase"],
  ["emulate", emulate, [...at, "--via", "direct"], db, 1, "Cannot connect to MySQL at"],
  ["source", source, ["load", "--password-file", missing], {}, 1, "cannot read --password-file"],
  ["source", source, ["load", "--outputs", notJson], {}, 1, "Cannot read stack outputs file"],
  ["source", source, ["summary", "--port", "1"], {}, 1, "Cannot connect to MySQL at"],
  ["cost", cost, ["--stack", "nosuch"], {}, 1, 'no stack "nosuch"'],
  ["cost", cost, ["--stack", "dev", "--set", "kafka.brokerCount=abc"], {}, 1, "Stack config"],
];

describe("every CLI: help, usage errors and failures (cli/args.ts)", function () {
  this.timeout(60_000);
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const [cli, main, argv, env, code, fragment] of ROWS) {
    const env_ = Object.entries(env).map(([k, v]) => `${k}=${v} `);
    it(`${cli} ${env_.join("")}${argv.join(" ")} → ${code}`, async () => {
      const result = await run(main, argv, env);
      // The AWS SDK's one-off warning that it will need Node 22 is Node's, not the CLI's.
      result.err = result.err.replace(/\(node:\d+\) [\s\S]*?--trace-warnings[^\n]*\n?/, "");
      const printed = `${result.out}\n${result.err}`;
      expect(result.code, printed).to.equal(code);
      expect(printed).to.include(fragment);
      expect(printed, "a stack trace").not.to.match(/^\s+at /m);
      if (code === 0) expect(result.out).to.match(/^usage: /);
      if (code === 2) {
        const [line, usage] = result.err.split("\n");
        expect(line).to.match(new RegExp(`^${cli.split(":")[0]}`));
        expect(usage).to.match(/^usage: /);
      }
      if (code === 1) expect(result.err.split("\n"), result.err).to.have.length(1);
    });
  }

  it("cost: a stack file that is not YAML is named, in one line (exit 1)", async () => {
    const file = path.join(REPO_ROOT, "Pulumi.cli-test-broken.yaml");
    fs.writeFileSync(file, "config:\n  pinterest-pipeline:kafka: {enabled: true\n");
    try {
      const result = await run(cost, ["--stack", "cli-test-broken"]);
      expect(result.code).to.equal(1);
      expect(result.err).to.match(/^cost: .*Pulumi\.cli-test-broken\.yaml is not valid YAML: /);
      expect(result.err.split("\n")).to.have.length(1);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
