// One way to read a command line, for every TypeScript CLI of the project (the emulator, the source
// loader, the cost command, the benchmarks): Node's own `parseArgs`, the checks it leaves to its
// caller, and one convention for what a wrong input prints.
//   --help, -h        the usage on stdout; exit 0
//   a UsageError      the command line alone is wrong (an unknown option, a missing or bad value,
//                     an option that cannot apply, a duplicate): "<name>: <what and the fix>" and
//                     the usage on stderr; exit 2. Every one is found before anything is read,
//                     connected to or changed.
//   a Failure         something outside the command line (a file, a server, a stack): its one line
//                     on stderr; exit 1
//   anything else     a bug: Node prints it with its stack; exit 1
import * as fs from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";

/** The command line itself is wrong; the CLI prints the message and its usage, exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A failure the user fixes outside the command line; the CLI prints the message alone, exit 1. */
export class Failure extends Error {
  override name = "Failure";
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** What a CLI takes: its options in `parseArgs` form (`--help` is added) and its usage text. */
export interface Command<O extends Options> {
  /** The name each message starts with, e.g. `emulate`. */
  readonly name: string;
  /** The usage text `--help` prints and a usage error ends with. */
  readonly usage: string;
  readonly options: O;
  /** The words it takes as its first argument (`load`, `summary`); none when absent. */
  readonly commands?: readonly string[];
}

type Parsed<O extends Options> = ReturnType<
  typeof parseArgs<{ options: O; strict: true; allowPositionals: true }>
>;

/** A command line that passed every generic check. */
export interface Args<O extends Options> {
  readonly values: Parsed<O>["values"];
  /** The command word, when the command takes one. */
  readonly command?: string;
  /** The options written on the command line (not filled in by a default). */
  readonly given: ReadonlySet<string>;
}

const NEGATIVE_NUMBER = /^-\d/;

/** Edits (insert, delete, change, swap two neighbours) from a to b: "did you mean" on a typo. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const change = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + change);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * The known name a mistyped one most likely meant: within two edits (one for names of up to four
 * letters), or one the name begins; undefined when none is that near.
 */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  return known
    .map((k) => ({ k, d: distance(name, k) }))
    .filter(({ k, d }) => d <= (k.length > 4 ? 2 : 1) || (name.length > 1 && k.startsWith(name)))
    .sort((x, y) => x.d - y.d)[0]?.k;
}

function unknownOption(raw: string, known: string[]): UsageError {
  const near = nearestName(raw.replace(/^-+/, ""), known);
  return new UsageError(
    `unknown option ${raw}${near ? `: did you mean --${near}?` : ": see the options below."}`,
  );
}

/**
 * Reads `argv` for `command`: the parsed values, or "help" when `--help`/`-h` is among them.
 * Throws a UsageError for an unknown option, a missing value, a value given to a flag, an option
 * given twice that is not a list, a word that is not one of the command's commands, or an
 * argument too many. A negative number is taken as a value (`--rows -5` is then refused by the
 * range check, not as a missing value).
 */
export function readArgs<O extends Options>(command: Command<O>, argv: string[]): Args<O> | "help" {
  const { tokens } = parseArgs({
    args: argv,
    options: command.options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  if (tokens.some((t) => t.kind === "option" && (t.name === "help" || t.name === "h"))) {
    return "help";
  }
  const known = Object.keys(command.options);
  const normalised: string[] = [];
  const positionals: string[] = [];
  const seen = new Map<string, string>();
  for (const token of tokens) {
    if (token.kind === "positional") {
      positionals.push(token.value);
      continue;
    }
    if (token.kind !== "option") continue;
    const spec = command.options[token.name];
    if (!spec) throw unknownOption(token.rawName, known);
    const flag = `--${token.name}`;
    if (spec.type === "boolean") {
      if (token.value !== undefined) {
        throw new UsageError(`${flag} takes no value (it was given "${token.value}").`);
      }
      normalised.push(flag);
    } else {
      const value = token.value;
      if (value === undefined) throw new UsageError(`${flag} needs a value.`);
      if (!token.inlineValue && value.startsWith("-") && !NEGATIVE_NUMBER.test(value)) {
        throw new UsageError(
          `${flag} needs a value, but is followed by ${value} (a value that starts with "-" ` +
            `is written ${flag}=-VALUE).`,
        );
      }
      normalised.push(`${flag}=${value}`);
    }
    if (!spec.multiple && seen.has(token.name)) {
      const before = seen.get(token.name);
      throw new UsageError(
        spec.type === "boolean"
          ? `${flag} is given twice: give it once.`
          : `${flag} is given twice ("${before}", then "${token.value}"): give it once.`,
      );
    }
    seen.set(token.name, String(token.value));
  }
  let word: string | undefined;
  const commands = command.commands ?? [];
  if (commands.length > 0) {
    word = positionals.shift();
    if (word === undefined) throw new UsageError(`give a command: ${orList(commands)}.`);
    if (!commands.includes(word)) {
      throw new UsageError(`unknown command "${word}": give ${orList(commands)}.`);
    }
  }
  if (word && commands.includes(positionals[0])) {
    throw new UsageError(`one command at a time: ${word} or ${positionals[0]}, not both.`);
  }
  if (positionals.length > 0) {
    throw new UsageError(
      `unexpected argument "${positionals[0]}"${word ? ` after ${word}` : ""}: ` +
        "every value follows its option (see the usage below).",
    );
  }
  const { values } = parseArgs({
    args: normalised,
    options: command.options,
    strict: true,
    allowPositionals: true,
  });
  return { values, command: word, given: new Set(seen.keys()) };
}

/** "a, b or c" */
export function orList(words: readonly string[]): string {
  return words.length <= 1
    ? words.join("")
    : `${words.slice(0, -1).join(", ")} or ${words[words.length - 1]}`;
}

/**
 * Runs a CLI's body under the convention above and returns the exit code: the usage for `--help`
 * (0), the message and the usage for a UsageError (2), the message for a Failure (1). Any other
 * error is a bug and is thrown on, with its stack.
 */
export async function runCommand<O extends Options>(
  command: Command<O>,
  argv: string[],
  body: (args: Args<O>) => Promise<number> | number,
): Promise<number> {
  try {
    const args = readArgs(command, argv);
    if (args === "help") {
      console.log(command.usage);
      return 0;
    }
    return await body(args);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${command.name}: ${error.message}\n${command.usage}`);
      return 2;
    }
    if (error instanceof Failure) {
      console.error(`${command.name}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

/** For `if (require.main === module)`: runs `main` on the process's arguments and exits with its code. */
export function exitWith(main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

// The value checks every CLI shares. Each takes the option as the user wrote it (`--rows`, or an
// environment variable's name) and the text, and throws a UsageError naming both and what fits.

/** A whole number in decimal digits from `min` to `max`; undefined when the text is. */
export function wholeNumber(
  option: string,
  text: string | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (text === undefined) return undefined;
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(value >= min && value <= max)) {
    const range =
      max === Number.MAX_SAFE_INTEGER
        ? `of at least ${min}`
        : `from ${min} to ${max.toLocaleString("en-US")}`;
    throw new UsageError(`${option} "${text}" must be a whole number ${range}.`);
  }
  return value;
}

/** One of `choices`; undefined when the text is. */
export function oneOf<T extends string>(
  option: string,
  text: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (text === undefined) return undefined;
  if (!(choices as readonly string[]).includes(text)) {
    throw new UsageError(`${option} "${text}" must be ${orList(choices)}.`);
  }
  return text as T;
}

/** A comma-separated list of distinct `choices`, at least one; undefined when the text is. */
export function listOf<T extends string>(
  option: string,
  text: string | undefined,
  choices: readonly T[],
): T[] | undefined {
  if (text === undefined) return undefined;
  const entries = text.split(",").map((e) => e.trim());
  const example = choices.join(",");
  if (entries.every((e) => e === "")) {
    throw new UsageError(
      `${option} "${text}" names nothing: give ${orList(choices)} (or ${example}).`,
    );
  }
  const seen = new Set<string>();
  for (const entry of entries) {
    if (!(choices as readonly string[]).includes(entry)) {
      throw new UsageError(
        `${option} entry "${entry}" in "${text}" must be ${orList(choices)} (e.g. ${example}).`,
      );
    }
    if (seen.has(entry)) {
      throw new UsageError(`${option} "${text}" names ${entry} twice: give each once.`);
    }
    seen.add(entry);
  }
  return entries as T[];
}

/** A Pulumi stack name (letters, digits, `-`, `_`, `.`), which also names files under `.local/`. */
export function stackName(option: string, text: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(text)) {
    throw new UsageError(
      `${option} "${text}" is not a stack name: use letters, digits, "-", "_" and "." (e.g. dev).`,
    );
  }
  return text;
}

/** A file's text, trimmed (a password or key file); a Failure naming the option when unreadable or empty. */
export function readSecretFile(option: string, file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8").trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why: Record<string, string> = {
      ENOENT: "no such file",
      EACCES: "permission denied",
      EISDIR: "it is a folder",
    };
    throw new Failure(`cannot read ${option} ${file}: ${(code && why[code]) ?? code ?? error}.`);
  }
  if (text === "") throw new Failure(`${option} ${file} is empty.`);
  return text;
}
