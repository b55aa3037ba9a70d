// Reads one section of a stack's config (`kafka`, `streamPath`, ...) with the key's full path in
// every message, so that each field of stacks/config.ts is one line: its key, its default and its
// range, both taken from the component that uses the value. Every section remembers the fields it
// was asked for, so that a key no reader asks for (a typo, a key of another section, a retired
// key) is refused with the nearest known name instead of being ignored.
import { nearestName } from "../cli/args";
import { inRange, WholeRange, WholeSetting } from "../components/shared/validate";

/** A raw config bag: what `pulumi.Config` returns for each key (objects already parsed). */
export type RawConfig = Record<string, unknown>;

export const NAMESPACE = "pinterest-pipeline";

/**
 * A value set with `pulumi config set --secret`: the reader sees only that it is a secret, never
 * the text (the program reads secrets with `requireSecret`, as Outputs).
 */
export class ConfigSecret {
  toJSON(): string {
    return "[secret]";
  }
}

/** What a text value must be: a test and the same rule in words (messages print no regexes). */
export interface TextRule {
  readonly test: (value: string) => boolean;
  /** What fits, in words, e.g. `an IPv4 CIDR from /16 to /20 (e.g. "10.0.0.0/16")`. */
  readonly words: string;
}

/** A rule from a regular expression and its meaning in words. */
export function textRule(pattern: RegExp, words: string): TextRule {
  return { test: (value) => pattern.test(value), words };
}

/**
 * How `pulumi config set --path` must be told the value's type: it stores integers and
 * `true`/`false` typed and every other text as a string, so a fractional number needs `--type
 * float`, and a text that looks like a number (a tag "1234", a version "3.9") needs `--type string`.
 */
export type ValueType = "int" | "bool" | "float" | "string" | "object";

/** The command that sets just this key (a nested key needs `--path`, or it replaces the section). */
export function setCommand(key: string, type: ValueType = "object"): string {
  if (!key.includes(".")) return `pulumi config set ${NAMESPACE}:${key} <value>`;
  const typed = type === "float" || type === "string" ? ` --type ${type}` : "";
  return `pulumi config set --path ${NAMESPACE}:${key} <value>${typed}`;
}

/** The command that removes just this key. */
export function removeCommand(key: string): string {
  return key.includes(".")
    ? `pulumi config rm --path ${NAMESPACE}:${key}`
    : `pulumi config rm ${NAMESPACE}:${key}`;
}

/** A value as a message names it: its JSON, or what kind of value it is where JSON would mislead. */
function shown(value: unknown): string {
  if (value instanceof ConfigSecret) return "a secret";
  if (typeof value === "string") return `the text ${JSON.stringify(value)}`;
  return JSON.stringify(value) ?? "undefined";
}

/** Throws the one message shape of a bad value: the full key, the value, what fits, the fix. */
export function fail(key: string, value: unknown, expected: string, fix = setCommand(key)): never {
  throw new Error(
    `Stack config "${NAMESPACE}:${key}" is ${shown(value)}; expected ${expected}. Fix it with: ${fix}`,
  );
}

/** A section of the config, or the top level (path ""). */
export class ConfigSection {
  /** The fields some reader asked for: every other field of the bag is unknown. */
  private readonly asked = new Set<string>();
  private readonly sections: ConfigSection[] = [];

  constructor(
    private readonly bag: RawConfig,
    private readonly path = "",
  ) {}

  /** The full key of a field of this section, e.g. `kafka.brokerCount`. */
  key(field: string): string {
    return this.path ? `${this.path}.${field}` : field;
  }

  /** Whether the field is set at all. */
  has(field: string): boolean {
    return this.raw(field) !== undefined;
  }

  /** The raw value, for the few fields with a shape of their own. */
  raw(field: string): unknown {
    this.asked.add(field);
    return this.bag[field];
  }

  /** A nested section; absent means empty, anything but an object is refused. */
  section(field: string): ConfigSection {
    const value = this.raw(field) ?? {};
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      fail(this.key(field), value, "an object of keys (set them one by one with --path)");
    }
    const section = new ConfigSection(value as RawConfig, this.key(field));
    this.sections.push(section);
    return section;
  }

  bool(field: string, fallback: boolean): boolean {
    const value = this.raw(field) ?? fallback;
    if (typeof value !== "boolean") fail(this.key(field), value, "true or false");
    return value;
  }

  /**
   * A whole number within the setting's range, or the setting's default; with `multipleOf`, also a
   * multiple of it (`why` says why, e.g. "one broker in each of the 2 zones").
   */
  int(field: string, setting: WholeSetting, multipleOf?: { by: number; why: string }): number {
    const value = this.raw(field) ?? setting.default;
    const multiple = multipleOf ? `, a multiple of ${multipleOf.by} (${multipleOf.why})` : "";
    if (!inRange(value, setting) || (multipleOf && value % multipleOf.by !== 0)) {
      fail(
        this.key(field),
        value,
        `a whole number from ${setting.min} to ${setting.max}${multiple}`,
      );
    }
    return value;
  }

  optionalInt(field: string, range: WholeRange): number | undefined {
    return this.has(field) ? this.int(field, { ...range, default: 0 }) : undefined;
  }

  /** A number above 0 and at most `max` (a rate, which need not be whole). */
  positive(field: string, setting: { readonly max: number; readonly default: number }): number {
    const value = this.raw(field) ?? setting.default;
    if (typeof value !== "number" || !(value > 0 && value <= setting.max)) {
      const key = this.key(field);
      fail(key, value, `a number above 0 and at most ${setting.max}`, setCommand(key, "float"));
    }
    return value;
  }

  /** One of a list of numbers. */
  numberOf(field: string, allowed: readonly number[], fallback: number): number {
    const value = this.raw(field) ?? fallback;
    if (typeof value !== "number" || !allowed.includes(value)) {
      fail(this.key(field), value, `one of ${allowed.join(", ")}`);
    }
    return value;
  }

  /** A text, following `rule` when one is given. */
  str(field: string, fallback: string, rule?: TextRule): string {
    const value = this.raw(field) ?? fallback;
    if (typeof value !== "string" || (rule && !rule.test(value))) {
      const key = this.key(field);
      fail(key, value, rule ? rule.words : "a text", setCommand(key, "string"));
    }
    return value;
  }

  /** One of a list of strings (the message names the list). */
  oneOf<T extends string>(field: string, allowed: readonly T[], fallback: T): T {
    const rule = {
      test: (v: string) => allowed.includes(v as T),
      words: `one of ${allowed.join(", ")}`,
    };
    return this.str(field, fallback, rule) as T;
  }

  optionalStr(field: string, rule?: TextRule): string | undefined {
    return this.has(field) ? this.str(field, "", rule) : undefined;
  }

  /** A list of texts, each following `rule` (a bad entry is named with its position). */
  strings(field: string, rule?: TextRule): string[] {
    const value = this.raw(field) ?? [];
    const key = this.key(field);
    const what = rule ? `a list, each ${rule.words}` : "a list of texts";
    if (!Array.isArray(value)) fail(key, value, what);
    value.forEach((entry, i) => {
      if (typeof entry !== "string" || (rule && !rule.test(entry))) {
        fail(
          `${key}[${i}]`,
          entry,
          rule ? rule.words : "a text",
          setCommand(`${key}[${i}]`, "string"),
        );
      }
    });
    return value as string[];
  }

  /** An object of text values (`tags`): each entry a text, each name a word. */
  textMap(field: string): Record<string, string> {
    const value = this.raw(field) ?? {};
    const key = this.key(field);
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      fail(key, value, "an object of text values (set each with --path, e.g. tags.team)");
    }
    for (const [name, entry] of Object.entries(value)) {
      if (typeof entry !== "string") {
        fail(`${key}.${name}`, entry, "a text", setCommand(`${key}.${name}`, "string"));
      }
    }
    return value as Record<string, string>;
  }

  /**
   * A stack secret read elsewhere (`requireSecret`): refused when set in plain text, which
   * `Pulumi.<stack>.yaml` would then hold for anyone who reads the repository.
   */
  secret(field: string): void {
    const value = this.raw(field);
    if (value !== undefined && !(value instanceof ConfigSecret)) {
      const key = this.key(field);
      throw new Error(
        `Stack config "${NAMESPACE}:${key}" is set in plain text; it is a secret. Fix it with: ` +
          `${removeCommand(key)} && pulumi config set --secret ${NAMESPACE}:${key} <value>`,
      );
    }
  }

  /** Every key some reader asked for, here and in the sections below, with its full path. */
  knownKeys(): string[] {
    return [
      ...[...this.asked].map((field) => this.key(field)),
      ...this.sections.flatMap((section) => section.knownKeys()),
    ];
  }

  /**
   * Refuses the first field, here or in a section below, that no reader asked for: a misspelt key
   * or section, a key of another section, a retired key, or a key whose name holds a dot (set
   * without `--path`). Call it once every field has been read.
   */
  refuseUnknown(): void {
    for (const field of Object.keys(this.bag)) {
      if (!this.asked.has(field) && this.bag[field] !== undefined) this.unknown(field);
    }
    for (const section of this.sections) section.refuseUnknown();
  }

  private unknown(field: string): never {
    const key = this.key(field);
    const [head, ...rest] = field.split(".");
    if (rest.length > 0 && this.asked.has(head)) {
      const value = JSON.stringify(this.bag[field]);
      throw new Error(
        `Stack config "${NAMESPACE}:${key}" is one key whose name holds a dot, not ${rest.join(".")} ` +
          `inside ${this.key(head)} (it was set without --path). Fix it with: pulumi config rm ${NAMESPACE}:${key} ` +
          `&& pulumi config set --path ${NAMESPACE}:${key} ${value}`,
      );
    }
    const near = nearestName(field, [...this.asked]);
    const hint = near
      ? `did you mean "${NAMESPACE}:${this.key(near)}"?`
      : `the keys${this.path ? ` of ${this.path}` : ""} are ${[...this.asked].join(", ")} (docs/configuration.md)`;
    throw new Error(
      `Stack config "${NAMESPACE}:${key}" is not a key this program reads: ${hint} Fix it with: ${removeCommand(key)}`,
    );
  }
}

/** Namespaces read besides the project's: the AWS provider's, and Pulumi's own settings. */
const OTHER_NAMESPACES = ["aws", "pulumi"];

/**
 * The project's keys from the stack's whole config (`namespace:key` → text, as the engine passes
 * it), structured values parsed from their JSON and secrets replaced by {@link ConfigSecret}. A key
 * of a namespace nothing reads is refused: a misspelt project name (`pinterest:prefix`), or
 * `databricks:` settings, which the program's explicit Databricks provider never reads.
 */
export function projectConfig(
  all: Record<string, string>,
  isSecret: (key: string) => boolean,
): RawConfig {
  const raw: RawConfig = {};
  for (const [key, text] of Object.entries(all)) {
    const colon = key.indexOf(":");
    const namespace = key.slice(0, colon);
    const name = key.slice(colon + 1);
    if (namespace === NAMESPACE) {
      raw[name] = isSecret(key) ? new ConfigSecret() : parsed(text);
    } else if (namespace === "databricks") {
      throw new Error(
        `Stack config "${key}" is read by nothing: the program's Databricks provider takes the ` +
          `workspace and its login from the secrets ${NAMESPACE}:databricksHost, ${NAMESPACE}:databricksClientId ` +
          `and ${NAMESPACE}:databricksClientSecret. Fix it with: pulumi config rm ${key} (and set those three with --secret)`,
      );
    } else if (!OTHER_NAMESPACES.includes(namespace)) {
      const near = nearestName(namespace, [NAMESPACE, ...OTHER_NAMESPACES]);
      throw new Error(
        `Stack config "${key}" is in the namespace "${namespace}", which nothing in this program ` +
          `reads${near ? `: did you mean "${near}:${name}"?` : "."} Fix it with: pulumi config rm ${key}`,
      );
    }
  }
  return raw;
}

/** A value as the engine passes it: structured values (and numbers, booleans) as JSON text. */
function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text; // a plain string such as the prefix
  }
}

/** Whether a value from a stack file is a secret (`key: { secure: v1:... }`, what `--secret` writes). */
export function isSecureValue(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    Object.keys(value).length === 1 &&
    typeof (value as { secure?: unknown }).secure === "string"
  );
}
