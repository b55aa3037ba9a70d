import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
  DatabricksDashboard,
  DatabricksDashboardArgs,
  datasetLocation,
  validateDatabricksDashboardArgs,
} from "../../../components/databricks/databricksDashboard";
import {
  dashboardDefinition,
  pipelineTables,
} from "../../../components/databricks/databricksDashboardDefinition";
import { harness, PulumiHarness } from "../../../tools/pulumi-mock/mockEngine";
import { readStackConfig, runStack } from "../../../tools/pulumi-mock/mockRun";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const PYTHON = path.join(ROOT, ".venv", "bin", "python");

/** The tables the Python package says its jobs write for `prefix` (python -m pinterest_etl.tables). */
function pythonTables(prefix: string): string[] {
  if (!fs.existsSync(PYTHON)) {
    throw new Error(`${PYTHON} is missing: run local/setup.sh (it creates the Python environment)`);
  }
  const run = spawnSync(PYTHON, ["-m", "pinterest_etl.tables", "--prefix", prefix], {
    cwd: path.join(ROOT, "databricks"),
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`pinterest_etl.tables failed: ${run.stderr}`);
  const t = JSON.parse(run.stdout);
  return [
    ...Object.values(t.batch.cleaned),
    t.batch.malformed,
    ...t.analyses.map((a: { table: string }) => a.table),
    ...Object.values(t.stream.cleaned),
    ...Object.values(t.stream.malformed),
  ] as string[];
}

type Widget = { name: string; queries?: any[]; spec?: any };
const widgets = (def: any): Widget[] => def.pages[0].layout.map((l: any) => l.widget);
const sql = (def: any, dataset: string): string =>
  def.datasets.find((d: any) => d.name === dataset).queryLines.join("\n");
const tablesRead = (def: any): string[] =>
  def.datasets.flatMap((d: any) =>
    [...d.queryLines.join("\n").matchAll(/FROM `(\w+)`/g)].map((m) => m[1]),
  );

const AGE = "array_position(array('18-24', '25-35', '36-50', '+50'), age_group)";

// Mocks prove the resources, the generated definition and its queries; they cannot prove that
// Lakeview accepts the serialized JSON (it validates it on import), that the warehouse may be
// serverless in this workspace, or that the deployer has SELECT on the tables.
describe("DatabricksDashboard", () => {
  describe("definition (dashboardDefinition)", () => {
    const def: any = dashboardDefinition("pin-test", true);

    it("has a title, the table counts, then one widget per analysis with its chart", () => {
      expect(
        widgets(def).map((w) => [w.name, w.spec?.widgetType, w.spec?.mark?.layout]),
      ).to.deep.equal([
        ["title", undefined, undefined],
        ["table_counts", "table", undefined],
        ["popular_category_by_country", "bar", undefined],
        ["popular_category_by_year", "bar", undefined],
        ["top_poster_by_country", "table", undefined],
        ["country_with_top_poster", "table", undefined],
        ["popular_category_by_age_group", "bar", undefined],
        ["median_followers_by_age_group", "bar", undefined],
        ["users_joined_by_year", "bar", undefined],
        ["median_followers_by_join_year", "bar", undefined],
        ["median_followers_by_age_group_and_join_year", "bar", "group"],
      ]);
    });

    it("queries each analysis table for exactly its chart's columns", () => {
      const t = (s: string) => `\`pin_test_${s}\``;
      expect(def.datasets.slice(1).map((d: any) => [d.name, d.queryLines])).to.deep.equal([
        [
          "popular_category_by_country",
          [
            `SELECT category, COUNT(DISTINCT country) AS countries FROM ${t("popular_category_by_country")} GROUP BY category ORDER BY countries DESC, category`,
          ],
        ],
        [
          "popular_category_by_year",
          [
            `SELECT post_year, category_count, category FROM ${t("popular_category_by_year")} ORDER BY post_year, category`,
          ],
        ],
        [
          "top_poster_by_country",
          [
            `SELECT country, poster_name, follower_count FROM ${t("top_poster_by_country")} ORDER BY follower_count DESC, country`,
          ],
        ],
        [
          "country_with_top_poster",
          [`SELECT country, follower_count FROM ${t("country_with_top_poster")} ORDER BY country`],
        ],
        [
          "popular_category_by_age_group",
          [
            `SELECT age_group, category_count, category FROM ${t("popular_category_by_age_group")} ORDER BY ${AGE}, category`,
          ],
        ],
        [
          "median_followers_by_age_group",
          [
            `SELECT age_group, median_follower_count FROM ${t("median_followers_by_age_group")} ORDER BY ${AGE}`,
          ],
        ],
        [
          "users_joined_by_year",
          [
            `SELECT post_year, number_users_joined FROM ${t("users_joined_by_year")} ORDER BY post_year`,
          ],
        ],
        [
          "median_followers_by_join_year",
          [
            `SELECT post_year, median_follower_count FROM ${t("median_followers_by_join_year")} ORDER BY post_year`,
          ],
        ],
        [
          "median_followers_by_age_group_and_join_year",
          [
            `SELECT post_year, median_follower_count, age_group FROM ${t("median_followers_by_age_group_and_join_year")} ORDER BY post_year, ${AGE}`,
          ],
        ],
      ]);
    });

    it("binds each widget's fields and encodings to columns its dataset selects", () => {
      for (const w of widgets(def).filter((w) => w.queries)) {
        const fields = w.queries![0].query.fields.map((f: any) => f.name);
        expect(w.queries![0].query.datasetName).to.equal(w.name);
        const selected = sql(def, w.name);
        for (const f of fields)
          expect(selected, `${w.name}.${f}`).to.match(new RegExp(`\\b${f}\\b`));
        const enc = w.spec.encodings;
        const used = enc.columns
          ? enc.columns.map((c: any) => c.fieldName)
          : [enc.x, enc.y, enc.color].filter(Boolean).map((e: any) => e.fieldName);
        expect(used, w.name).to.have.members(fields);
      }
    });

    it("counts rows and last update of every batch and streaming table", () => {
      const counts = sql(def, "table_counts").split("\nUNION ALL\n");
      expect(
        counts.map((q) => q.match(/^SELECT '(\w+)' AS path, '(\w+)' AS table_name/)!.slice(1)),
      ).to.deep.equal([
        ["batch", "pin_test_pin"],
        ["batch", "pin_test_geo"],
        ["batch", "pin_test_user"],
        ["batch", "pin_test_malformed"],
        ["stream", "pin_test_pin_stream"],
        ["stream", "pin_test_geo_stream"],
        ["stream", "pin_test_user_stream"],
        ["stream", "pin_test_pin_stream_malformed"],
        ["stream", "pin_test_geo_stream_malformed"],
        ["stream", "pin_test_user_stream_malformed"],
      ]);
      expect(counts[0]).to.equal(
        "SELECT 'batch' AS path, 'pin_test_pin' AS table_name, COUNT(*) AS row_count, " +
          "MAX(_metadata.file_modification_time) AS last_updated FROM `pin_test_pin`",
      );
    });

    it("reads only tables the Python package's jobs write (python -m pinterest_etl.tables)", () => {
      const written = pythonTables("pin-test");
      const read = tablesRead(def);
      expect(read).to.have.length(19);
      for (const t of read) expect(written, t).to.include(t);
      // Every analysis table has its widget.
      for (const a of pipelineTables("pin-test").analyses) expect(read).to.include(a.table);
    });

    it("leaves the streaming tables out when the stack has no streams", () => {
      const noStreams: any = dashboardDefinition("pin-test", false);
      expect(tablesRead(noStreams).filter((t) => t.includes("_stream"))).to.deep.equal([]);
      expect(sql(noStreams, "table_counts").split("UNION ALL")).to.have.length(4);
    });
  });

  describe("resources", () => {
    let h: PulumiHarness;
    beforeEach(() => {
      h = harness().install();
      h.onInvoke("databricks:index/getSqlWarehouse:getSqlWarehouse", (inputs) => ({
        id: `wh-of-${inputs.name}`,
        name: inputs.name,
      }));
    });

    async function build(args: Partial<DatabricksDashboardArgs> = {}) {
      const d = new DatabricksDashboard("dash", {
        prefix: "pin-test",
        tableSchema: "main.pin_test",
        parentPath: "/pinterest-pipeline/pin-test",
        streams: true,
        tags: { environment: "test" },
        ...args,
      });
      await h.settle();
      return d;
    }

    it("creates a serverless 2X-Small warehouse that stops after 10 idle minutes, and the dashboard", async () => {
      const d = await build();
      expect(h.graph()).to.deep.equal([
        "databricks:index/dashboard:Dashboard dash-dashboard",
        "databricks:index/sqlEndpoint:SqlEndpoint dash-warehouse",
        "pinterest-pipeline:components:DatabricksDashboard dash",
      ]);
      expect(h.one("databricks:index/sqlEndpoint:SqlEndpoint").inputs).to.deep.include({
        name: "pin-test-dashboard",
        clusterSize: "2X-Small",
        minNumClusters: 1,
        maxNumClusters: 1,
        autoStopMins: 10,
        enableServerlessCompute: true,
        warehouseType: "PRO",
        tags: { customTags: [{ key: "environment", value: "test" }] },
      });
      const dash = h.one("databricks:index/dashboard:Dashboard");
      expect(dash.parentUrn).to.equal(
        h.one("pinterest-pipeline:components:DatabricksDashboard").urn,
      );
      expect(dash.inputs).to.deep.include({
        displayName: "pin-test pipeline",
        parentPath: "/pinterest-pipeline/pin-test",
        warehouseId: "dash-warehouse-id",
        datasetCatalog: "main",
        datasetSchema: "pin_test",
        embedCredentials: false,
      });
      expect(JSON.parse(dash.inputs.serializedDashboard)).to.deep.equal(
        dashboardDefinition("pin-test", true),
      );
      expect(await h.value(d.warehouseId)).to.equal("dash-warehouse-id");
    });

    it("runs on an existing warehouse named in config, creating none", async () => {
      await build({ warehouseName: "Shared Starter" });
      expect(h.ofType("databricks:index/sqlEndpoint:SqlEndpoint")).to.have.length(0);
      expect(h.one("databricks:index/dashboard:Dashboard").inputs.warehouseId).to.equal(
        "wh-of-Shared Starter",
      );
    });

    it("resolves the mount route's unqualified tables in hive_metastore.default", async () => {
      await build({ tableSchema: "", autoStopMinutes: 30 });
      const dash = h.one("databricks:index/dashboard:Dashboard").inputs;
      expect([dash.datasetCatalog, dash.datasetSchema]).to.deep.equal([
        "hive_metastore",
        "default",
      ]);
      expect(h.one("databricks:index/sqlEndpoint:SqlEndpoint").inputs.autoStopMins).to.equal(30);
    });
  });

  describe("validation", () => {
    const base = { prefix: "pin-test", tableSchema: "main.pin_test", parentPath: "/x" };
    it("refuses an auto-stop that never stops or is out of range", () => {
      for (const minutes of [0, 4, 121, 7.5]) {
        expect(() =>
          validateDatabricksDashboardArgs({ ...base, autoStopMinutes: minutes }),
        ).to.throw(
          `DatabricksDashboard autoStopMinutes ${minutes} must be a whole number from 5 to 120`,
        );
      }
    });
    it("refuses an empty warehouse name", () => {
      expect(() => validateDatabricksDashboardArgs({ ...base, warehouseName: " " })).to.throw(
        'DatabricksDashboard warehouseName " " is empty',
      );
    });
    it("refuses a table schema that is not catalog.schema", () => {
      expect(datasetLocation("main.pin_test")).to.deep.equal(["main", "pin_test"]);
      expect(() => datasetLocation("pin_test")).to.throw(
        'DatabricksDashboard tableSchema "pin_test" is not "catalog.schema"',
      );
    });
  });

  describe("in the stack (stacks/index.ts)", function () {
    this.timeout(60_000);
    const dev = readStackConfig("dev")["pinterest-pipeline:databricks"] as object;
    const withDashboard = (extra: object = {}) => ({
      "pinterest-pipeline:databricks": { ...dev, dashboard: true, ...extra },
    });

    it("is off unless databricks.dashboard is true", async () => {
      const h = harness();
      await runStack(h, "dev");
      expect(h.ofType("pinterest-pipeline:components:DatabricksDashboard")).to.have.length(0);
      expect(h.ofType("databricks:index/sqlEndpoint:SqlEndpoint")).to.have.length(0);
    });

    it("shows dev's Unity Catalog schema, streams included, on its own warehouse", async () => {
      const h = harness();
      await runStack(h, "dev", withDashboard({ dashboardAutoStopMinutes: 15 }));
      const dash = h.one("databricks:index/dashboard:Dashboard");
      expect(h.parentOf(dash)!.type).to.equal("pinterest-pipeline:components:DatabricksDashboard");
      expect([dash.inputs.datasetCatalog, dash.inputs.datasetSchema]).to.deep.equal([
        "main",
        "pin_dev",
      ]);
      expect(JSON.parse(dash.inputs.serializedDashboard)).to.deep.equal(
        dashboardDefinition("pin-dev", true),
      );
      expect(h.one("databricks:index/sqlEndpoint:SqlEndpoint").inputs).to.deep.include({
        name: "pin-dev-dashboard",
        autoStopMins: 15,
      });
    });

    it("uses the warehouse named by databricks.dashboardWarehouseName", async () => {
      const h = harness().onInvoke(
        "databricks:index/getSqlWarehouse:getSqlWarehouse",
        (inputs) => ({
          id: `wh-of-${inputs.name}`,
        }),
      );
      await runStack(h, "dev", withDashboard({ dashboardWarehouseName: "Starter Warehouse" }));
      expect(h.ofType("databricks:index/sqlEndpoint:SqlEndpoint")).to.have.length(0);
      expect(h.one("databricks:index/dashboard:Dashboard").inputs.warehouseId).to.equal(
        "wh-of-Starter Warehouse",
      );
    });
  });
});
