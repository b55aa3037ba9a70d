// Reads one section of a stack's config (`kafka`, `streamPath`, ...) with the key's full path in
// every message, so that each field of stacks/config.ts is one line: its key, its default and its
// range, both taken from the component that uses the value.
import { inRange, WholeRange, WholeSetting } from "../components/shared/validate";

/** A raw config bag: what `pulumi.Config` returns for each key (objects already parsed). */
export type RawConfig = Record<string, unknown>;

const NAMESPACE = "pinterest-pipeline";

/** The command that sets just this key (a nested key needs `--path`, or it replaces the section). */
export function setCommand(key: string): string {
  return key.includes(".")
    ? `pulumi config set --path ${NAMESPACE}:${key} <value>`
    : `pulumi config set ${NAMESPACE}:${key} <value>`;
}

/** Throws the one message shape of a bad value: the full key, the value, what fits, the fix. */
export function fail(key: string, value: unknown, expected: string): never {
  throw new Error(
    `Stack config "${NAMESPACE}:${key}" is ${JSON.stringify(value)}; expected ${expected}. ` +
      `Fix it with: ${setCommand(key)}`,
  );
}

/** A section of the config, or the top level (path ""). */
export class ConfigSection {
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
    return this.bag[field] !== undefined;
  }

  /** The raw value, for the few fields with a shape of their own. */
  raw(field: string): unknown {
    return this.bag[field];
  }

  /** A nested section; absent means empty, anything but an object is refused. */
  section(field: string): ConfigSection {
    const value = this.bag[field] ?? {};
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      fail(this.key(field), value, "an object");
    }
    return new ConfigSection(value as RawConfig, this.key(field));
  }

  bool(field: string, fallback: boolean): boolean {
    const value = this.bag[field] ?? fallback;
    if (typeof value !== "boolean") fail(this.key(field), value, "true or false");
    return value;
  }

  /** A whole number within the setting's range, or the setting's default. */
  int(field: string, setting: WholeSetting): number {
    const value = this.bag[field] ?? setting.default;
    if (!inRange(value, setting)) {
      fail(this.key(field), value, `a whole number from ${setting.min} to ${setting.max}`);
    }
    return value;
  }

  optionalInt(field: string, range: WholeRange): number | undefined {
    return this.has(field) ? this.int(field, { ...range, default: 0 }) : undefined;
  }

  /** A number above 0 and at most `max` (a rate, which need not be whole). */
  positive(field: string, setting: { readonly max: number; readonly default: number }): number {
    const value = this.bag[field] ?? setting.default;
    if (typeof value !== "number" || !(value > 0 && value <= setting.max)) {
      fail(this.key(field), value, `a number above 0 and at most ${setting.max}`);
    }
    return value;
  }

  /** One of a list of numbers. */
  numberOf(field: string, allowed: readonly number[], fallback: number): number {
    const value = this.bag[field] ?? fallback;
    if (typeof value !== "number" || !allowed.includes(value)) {
      fail(this.key(field), value, `one of ${allowed.join(", ")}`);
    }
    return value;
  }

  str(field: string, fallback: string, pattern?: RegExp): string {
    const value = this.bag[field] ?? fallback;
    if (typeof value !== "string" || (pattern && !pattern.test(value))) {
      fail(this.key(field), value, pattern ? `a string matching ${pattern}` : "a string");
    }
    return value;
  }

  /** One of a list of strings, as a string matching `^(a|b)$` (the message names the list). */
  oneOf<T extends string>(field: string, allowed: readonly T[], fallback: T): T {
    const escaped = allowed.map((a) => a.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    return this.str(field, fallback, new RegExp(`^(${escaped.join("|")})$`)) as T;
  }

  optionalStr(field: string, pattern?: RegExp): string | undefined {
    return this.has(field) ? this.str(field, "", pattern) : undefined;
  }

  strings(field: string, what = "a list of strings"): string[] {
    const value = this.bag[field] ?? [];
    if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
      fail(this.key(field), value, what);
    }
    return value as string[];
  }
}
