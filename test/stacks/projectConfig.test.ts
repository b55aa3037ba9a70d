// Pulumi.yaml declares the project's top-level keys (type, default, description) so that `pulumi
// config` shows them and Pulumi refuses a stack without a prefix or with a value of the wrong type.
// The declaration and the program's reader (stacks/config.ts) must agree: the same keys, types and
// defaults; and the committed stacks must pass Pulumi's own type check of them.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { parseStackConfig } from "../../stacks/config";
import { readStackConfig, REPO_ROOT } from "../../tools/pulumi-mock/mockRun";

interface Declared {
  type: "string" | "integer" | "boolean" | "array";
  default?: unknown;
  description?: string;
  secret?: boolean;
}

const project = parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as {
  name: string;
  config: Record<string, Declared>;
};
const defaults = parseStackConfig({ prefix: "pin-doc" }) as unknown as Record<string, unknown>;

/**
 * Pulumi's check of a stack value against a declared type (sdk/go/common/workspace/project.go,
 * ValidateConfigValue): an integer may arrive as a whole number or as text that parses as one, a
 * boolean as true/false or the text "true"/"false"; a string must be text.
 */
function pulumiAccepts(type: Declared["type"], value: unknown): boolean {
  if (type === "string") return typeof value === "string";
  if (type === "integer") {
    return Number.isInteger(value) || (typeof value === "string" && /^[+-]?\d+$/.test(value));
  }
  if (type === "boolean")
    return typeof value === "boolean" || value === "true" || value === "false";
  return Array.isArray(value);
}

const typeOf = (value: unknown): Declared["type"] | "object" =>
  Array.isArray(value)
    ? "array"
    : typeof value === "number"
      ? "integer"
      : (typeof value as Declared["type"] | "object");

describe("Pulumi.yaml's project config", () => {
  const declared = Object.entries(project.config);

  it("declares the project's keys, in its own namespace", () => {
    expect(project.name).to.equal("pinterest-pipeline");
    expect(declared.map(([key]) => key)).to.include("prefix");
    expect(declared.filter(([key]) => key.includes(":"))).to.deep.equal([]);
  });

  it("declares only top-level keys the program reads, with the program's type and default", () => {
    for (const [key, spec] of declared) {
      expect(defaults, `${key} is not a key stacks/config.ts reads`).to.have.property(key);
      expect(spec.description, `${key} has no description`).to.be.a("string");
      expect(spec.type, key).to.equal(typeOf(defaults[key]));
      // Only the prefix has no default: Pulumi then refuses a stack without it.
      if (key === "prefix") expect(spec).not.to.have.property("default");
      else expect(spec.default, key).to.deep.equal(defaults[key]);
    }
  });

  it("declares every top-level key with a plain default, so that `pulumi config` lists it", () => {
    const plain = Object.entries(defaults)
      .filter(([, value]) => ["boolean", "number", "string"].includes(typeof value))
      .map(([key]) => key);
    expect(plain.filter((key) => !(key in project.config))).to.deep.equal([]);
  });

  for (const stack of ["dev", "prod"]) {
    it(`Pulumi.${stack}.yaml passes Pulumi's type check of every declared key`, () => {
      const config = readStackConfig(stack);
      for (const [key, spec] of declared) {
        const value = config[`pinterest-pipeline:${key}`] ?? spec.default;
        expect(value, `${stack} must set ${key}`).not.to.equal(undefined);
        expect(
          pulumiAccepts(spec.type, value),
          `${stack} ${key} ${JSON.stringify(value)}`,
        ).to.equal(true);
      }
    });
  }
});
