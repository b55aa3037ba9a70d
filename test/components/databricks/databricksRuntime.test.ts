// One runtime: what the stacks pin on Databricks and what the local tier runs (pyspark and
// delta-spark in databricks/requirements-dev.txt) are the same Spark and Delta lines, read from
// the files themselves, so moving one without the other fails here. What this cannot prove: that
// the workspace's region offers the runtime (only a `pulumi up` does).
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import {
  atLeast,
  DATABRICKS_RUNTIMES,
  DEFAULT_SPARK_VERSION,
  majorMinor,
  SERVICE_CREDENTIAL_MIN_RUNTIME,
  WHEEL_LIBRARY_MIN_RUNTIME,
} from "../../../components/databricks/databricksRuntime";
import { parseStackConfig } from "../../../stacks/config";
import { readStackConfig } from "../../../tools/pulumi-mock/mockRun";

const REQUIREMENTS = path.resolve(__dirname, "..", "..", "..", "databricks", "requirements-dev.txt");

/** The `name==version` pins of a requirements file. */
function pins(file: string): Record<string, string> {
  return Object.fromEntries(
    fs
      .readFileSync(file, "utf8")
      .split("\n")
      .map((line) => /^([A-Za-z0-9_.-]+)==(\S+)/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1].toLowerCase(), m[2]]),
  );
}

/** The runtime a committed stack pins (its databricks section, or the default). */
function stackRuntime(stack: string): string {
  const ns = "pinterest-pipeline:";
  const yaml = readStackConfig(stack);
  const raw = Object.fromEntries(
    Object.entries(yaml)
      .filter(([key]) => key.startsWith(ns))
      .map(([key, value]) => [key.slice(ns.length), value]),
  );
  return parseStackConfig(raw).databricks.sparkVersion;
}

describe("Databricks runtime", () => {
  const local = pins(REQUIREMENTS);

  it("reads the local pins (the check below compares something)", () => {
    expect(local).to.have.property("pyspark");
    expect(local).to.have.property("delta-spark");
  });

  // Rule: each runtime row's Spark version is the release notes' (docs.databricks.com/aws/en/
  // release-notes/runtime: "17.3 LTS | 4.0.0"), its Delta line the one built for that Spark line
  // (docs.delta.io releases, "Compatibility with Apache Spark": 4.0.x on 4.0.x).
  for (const stack of ["dev", "prod"]) {
    it(`${stack}: the pinned runtime runs the Spark and Delta lines the local tier pins`, () => {
      const version = stackRuntime(stack);
      const runtime = DATABRICKS_RUNTIMES[version];
      expect(runtime, `no row for ${version} in databricksRuntime.ts`).to.not.equal(undefined);
      expect(
        { spark: majorMinor(runtime.spark), delta: majorMinor(runtime.delta) },
        `${runtime.name} vs databricks/requirements-dev.txt`,
      ).to.deep.equal({
        spark: majorMinor(local["pyspark"]),
        delta: majorMinor(local["delta-spark"]),
      });
    });
  }

  it("defaults to the runtime the local tier pins (a stack that names none runs it)", () => {
    const runtime = DATABRICKS_RUNTIMES[DEFAULT_SPARK_VERSION];
    expect(runtime.name).to.equal("Databricks Runtime 17.3 LTS");
    expect(majorMinor(runtime.spark)).to.equal(majorMinor(local["pyspark"]));
    expect(majorMinor(runtime.delta)).to.equal(majorMinor(local["delta-spark"]));
  });

  // Rule: on the Unity Catalog route the Kinesis source reads with a service credential, which
  // "require[s] Databricks Runtime 16.1 and above" (docs.databricks.com/aws/en/connect/streaming/
  // kinesis): no runtime the config accepts may lack it, whatever the route.
  it("offers only runtimes whose Kinesis source takes a service credential (16.1 and later)", () => {
    for (const version of Object.keys(DATABRICKS_RUNTIMES)) {
      expect(atLeast(version, SERVICE_CREDENTIAL_MIN_RUNTIME), version).to.equal(true);
    }
    expect(atLeast("15.4.x-scala2.12", SERVICE_CREDENTIAL_MIN_RUNTIME)).to.equal(false);
    expect(atLeast("16.1.x-scala2.12", SERVICE_CREDENTIAL_MIN_RUNTIME)).to.equal(true);
  });

  // Rule: the jobs install the package's wheel from a volume on standard access mode (Unity
  // Catalog route; Databricks Runtime 13.3 LTS and above, docs.databricks.com/aws/en/libraries/)
  // and from a workspace file on a no-isolation cluster (mount route; volumes unsupported there,
  // docs.databricks.com/aws/en/compute/compatibility; 14.1 and above, the libraries page's
  // "Python library support"): no runtime the config accepts may be older, whatever the route.
  it("offers only runtimes that install the jobs' wheel from where either route uploads it", () => {
    for (const version of Object.keys(DATABRICKS_RUNTIMES)) {
      for (const min of Object.values(WHEEL_LIBRARY_MIN_RUNTIME)) {
        expect(atLeast(version, min), `${version} vs ${min}`).to.equal(true);
      }
    }
  });

  it("keys each row by its runtime's version and names the pages behind its figures", () => {
    for (const [version, runtime] of Object.entries(DATABRICKS_RUNTIMES)) {
      expect(version).to.match(/^\d+\.\d+\.x-scala2\.1[23]$/);
      expect(runtime.name).to.include(majorMinor(version));
      expect(runtime.sparkSource).to.match(/^https:\/\/docs\.databricks\.com\//);
      expect(runtime.deltaSource).to.match(/^https:\/\/docs\.delta\.io\//);
    }
  });
});
