// cli/args.ts on its own: what it parses, the exact words of each class of usage error, the value
// checks, and (once, as a real process) the exit code and output of a CLI's `require.main` wiring.
// test/cli/commands.test.ts runs every CLI through it.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  Failure,
  listOf,
  oneOf,
  readArgs,
  readSecretFile,
  runCommand,
  stackName,
  UsageError,
  wholeNumber,
} from "../../cli/args";
import { runMain } from "../harness/cliRun";

const COMMAND = {
  name: "demo",
  usage: "usage: demo [--rows N] [--on] [--tag T ...]",
  options: {
    rows: { type: "string" },
    on: { type: "boolean" },
    tag: { type: "string", multiple: true },
  },
} as const;
const WITH_COMMANDS = { ...COMMAND, commands: ["load", "summary"] } as const;

const usageError = (argv: string[], command = COMMAND) => {
  try {
    readArgs(command, argv);
  } catch (error) {
    expect(error).to.be.instanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`accepted ${argv.join(" ")}`);
};

describe("cli/args: reading a command line", () => {
  it("parses options, negative numbers as values, lists, and what was given", () => {
    const args = readArgs(COMMAND, ["--rows", "-5", "--on", "--tag", "a", "--tag=b"]);
    expect(args).to.not.equal("help");
    if (args === "help") return;
    expect(args.values).to.deep.equal({ rows: "-5", on: true, tag: ["a", "b"] });
    expect([...args.given]).to.deep.equal(["rows", "on", "tag"]);
    expect(readArgs(WITH_COMMANDS, ["summary"])).to.deep.include({ command: "summary" });
  });

  it("answers help for --help or -h, wherever it stands and whatever else is wrong", () => {
    expect(readArgs(COMMAND, ["--help"])).to.equal("help");
    expect(readArgs(COMMAND, ["--bogus", "-h"])).to.equal("help");
    expect(readArgs(WITH_COMMANDS, ["load", "--help"])).to.equal("help");
  });

  it("names each class of usage error and its fix", () => {
    expect(usageError(["--bogus"])).to.equal("unknown option --bogus: see the options below.");
    expect(usageError(["--rosw", "1"])).to.equal("unknown option --rosw: did you mean --rows?");
    expect(usageError(["-x"])).to.equal("unknown option -x: see the options below.");
    expect(usageError(["--rows"])).to.equal("--rows needs a value.");
    expect(usageError(["--rows", "--on"])).to.equal(
      '--rows needs a value, but is followed by --on (a value that starts with "-" is written ' +
        "--rows=-VALUE).",
    );
    expect(usageError(["--on=yes"])).to.equal('--on takes no value (it was given "yes").');
    expect(usageError(["--rows", "1", "--rows", "2"])).to.equal(
      '--rows is given twice ("1", then "2"): give it once.',
    );
    expect(usageError(["--on", "--on"])).to.equal("--on is given twice: give it once.");
    expect(usageError(["extra"])).to.equal(
      'unexpected argument "extra": every value follows its option (see the usage below).',
    );
    expect(usageError([], WITH_COMMANDS)).to.equal("give a command: load or summary.");
    expect(usageError(["make"], WITH_COMMANDS)).to.equal(
      'unknown command "make": give load or summary.',
    );
    expect(usageError(["load", "summary"], WITH_COMMANDS)).to.equal(
      "one command at a time: load or summary, not both.",
    );
  });
});

describe("cli/args: value checks", () => {
  it("takes whole numbers in decimal digits only, within the range", () => {
    expect(wholeNumber("--n", undefined, 1)).to.equal(undefined);
    expect(wholeNumber("--n", "42", 1, 64)).to.equal(42);
    for (const text of ["0", "65", "-1", "1.5", "1e3", "0x10", "abc", ""]) {
      expect(() => wholeNumber("--n", text, 1, 64), text).to.throw(
        UsageError,
        `--n "${text}" must be a whole number from 1 to 64.`,
      );
    }
    expect(() => wholeNumber("--n", "0", 1)).to.throw("must be a whole number of at least 1.");
    expect(() => wholeNumber("PORT", "x", 1, 65_535)).to.throw(
      'PORT "x" must be a whole number from 1 to 65,535.',
    );
  });

  it("takes one of the choices, and lists of distinct choices", () => {
    expect(oneOf("--via", "api", ["api", "direct"])).to.equal("api");
    expect(() => oneOf("--via", "kafka", ["api", "direct"])).to.throw(
      '--via "kafka" must be api or direct.',
    );
    const paths = ["batch", "stream"] as const;
    expect(listOf("--paths", "stream, batch", paths)).to.deep.equal(["stream", "batch"]);
    expect(() => listOf("--paths", "batch,batch", paths)).to.throw(
      '--paths "batch,batch" names batch twice: give each once.',
    );
    expect(() => listOf("--paths", ",", paths)).to.throw(
      '--paths "," names nothing: give batch or stream (or batch,stream).',
    );
    expect(() => listOf("--paths", "batch,kafka", paths)).to.throw(
      '--paths entry "kafka" in "batch,kafka" must be batch or stream (e.g. batch,stream).',
    );
  });

  it("takes stack names that cannot leave their folder", () => {
    expect(stackName("--stack", "pin-dev_2.a")).to.equal("pin-dev_2.a");
    for (const name of ["../x", "a/b", ".hidden", ""]) {
      expect(() => stackName("--stack", name), name).to.throw(UsageError, "is not a stack name");
    }
  });

  it("reads a secret file, or fails in one line naming the option", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "args-"));
    try {
      fs.writeFileSync(path.join(dir, "pw"), "secret\n");
      fs.writeFileSync(path.join(dir, "empty"), " \n");
      expect(readSecretFile("--password-file", path.join(dir, "pw"))).to.equal("secret");
      expect(() => readSecretFile("--password-file", path.join(dir, "none"))).to.throw(
        Failure,
        `cannot read --password-file ${path.join(dir, "none")}: no such file.`,
      );
      expect(() => readSecretFile("--password-file", dir)).to.throw(Failure, "it is a folder");
      expect(() => readSecretFile("--password-file", path.join(dir, "empty"))).to.throw(
        Failure,
        "is empty",
      );
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
});

describe("cli/args: runCommand and exitWith", function () {
  this.timeout(60_000);
  const run = (body: () => number) => (argv: string[]) => runCommand(COMMAND, argv, body);

  it("prints the usage for --help (0), message and usage for a usage error (2), a failure's line (1)", async () => {
    expect(
      await runMain(
        run(() => 0),
        ["--help"],
      ),
    ).to.deep.equal({
      code: 0,
      out: COMMAND.usage,
      err: "",
    });
    expect(
      (
        await runMain(
          run(() => 0),
          ["--bogus"],
        )
      ).err,
    ).to.equal(`demo: unknown option --bogus: see the options below.\n${COMMAND.usage}`);
    const usage = await runMain(
      run(() => {
        throw new UsageError("--rows cannot apply here.");
      }),
      [],
    );
    expect(usage).to.deep.equal({
      code: 2,
      out: "",
      err: `demo: --rows cannot apply here.\n${COMMAND.usage}`,
    });
    const failure = await runMain(
      run(() => {
        throw new Failure("the server is down.");
      }),
      [],
    );
    expect(failure).to.deep.equal({ code: 1, out: "", err: "demo: the server is down." });
  });

  it("throws a bug on, stack and all", async () => {
    const bug = run(() => {
      throw new TypeError("x is undefined");
    });
    const error = await bug([]).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).to.be.instanceOf(TypeError);
  });

  it("a real process exits with the code and prints no stack trace (source:bench --rows abc)", () => {
    const root = path.resolve(__dirname, "..", "..");
    const result = spawnSync(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", "emulator/source/bench.ts", "--rows", "abc"],
      { cwd: root, encoding: "utf8", env: { ...process.env, NODE_NO_WARNINGS: "1" } },
    );
    expect(result.status, result.stderr).to.equal(2);
    expect(result.stdout).to.equal("");
    expect(result.stderr.split("\n")[0]).to.equal(
      'source:bench: --rows "abc" must be a whole number of at least 1.',
    );
    expect(result.stderr).not.to.match(/^\s+at /m);
  });
});
