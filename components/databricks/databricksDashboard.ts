// The AI/BI (Lakeview) dashboard of the nine analyses and of the tables both jobs write, on a
// SQL warehouse: a serverless one this component creates (billed only while it runs, stopped
// after `autoStopMinutes` idle) or an existing one named by the stack.
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { inRange, WholeSetting } from "../shared/validate";
import { dashboardDefinition } from "./databricksDashboardDefinition";

/** Arguments of {@link DatabricksDashboard}. */
export interface DatabricksDashboardArgs {
  /** Prefix the table names and the dashboard's name derive from (the stack's `prefix`). */
  readonly prefix: string;
  /** `catalog.schema` of the tables; empty = the mount route's `hive_metastore.default`. */
  readonly tableSchema: pulumi.Input<string>;
  /** The stack has streams: the counts include the streaming job's tables. @default false */
  readonly streams?: boolean;
  /** An existing SQL warehouse to run on, by name; none = create one. @default undefined */
  readonly warehouseName?: string;
  /** Idle minutes before the created warehouse stops (5–120). @default 10 */
  readonly autoStopMinutes?: number;
  /** Workspace folder of the dashboard (the stack's code folder, never /Shared). */
  readonly parentPath: pulumi.Input<string>;
  /**
   * A workspace group that may use the created warehouse, to open the dashboard (its queries run
   * with the viewer's own rights). @default undefined
   */
  readonly readersGroup?: string;
  /** Tags of the created warehouse (Databricks adds them to its usage records). @default {} */
  readonly tags?: Record<string, string>;
}

/** Idle minutes before the created warehouse stops (the stack config reads the same). */
export const AUTO_STOP_MINUTES = { min: 5, max: 120, default: 10 } as const satisfies WholeSetting;

export function validateDatabricksDashboardArgs(args: DatabricksDashboardArgs): void {
  const minutes = args.autoStopMinutes ?? AUTO_STOP_MINUTES.default;
  if (!inRange(minutes, AUTO_STOP_MINUTES)) {
    const { min, max } = AUTO_STOP_MINUTES;
    throw new Error(
      `DatabricksDashboard autoStopMinutes ${minutes} must be a whole number from ${min} to ${max} ` +
        "(0, never stopping, would bill the warehouse around the clock).",
    );
  }
  if (args.warehouseName !== undefined && args.warehouseName.trim() === "") {
    throw new Error(
      `DatabricksDashboard warehouseName ${JSON.stringify(args.warehouseName)} is empty: ` +
        "name an existing SQL warehouse, or leave it out to create one.",
    );
  }
}

/** `[catalog, schema]` the dashboard's unqualified table names resolve in. */
export function datasetLocation(tableSchema: string): [string, string] {
  if (tableSchema === "") return ["hive_metastore", "default"];
  const parts = tableSchema.split(".");
  if (parts.length !== 2 || parts.some((p) => !/^\w+$/.test(p))) {
    throw new Error(
      `DatabricksDashboard tableSchema "${tableSchema}" is not "catalog.schema" (or empty for the mount route).`,
    );
  }
  return [parts[0], parts[1]];
}

/**
 * A Lakeview dashboard with one widget per analysis table and the rows and last update of the
 * batch and streaming tables, and the SQL warehouse it runs on.
 */
export class DatabricksDashboard extends pulumi.ComponentResource {
  /** Id of the published Lakeview dashboard. Never empty. */
  readonly dashboardId: pulumi.Output<string>;
  /** Workspace path of the dashboard (`<parentPath>/<name>.lvdash.json`). Never empty. */
  readonly dashboardPath: pulumi.Output<string>;
  /**
   * Id of the SQL warehouse the dashboard queries: the one created here, or the existing one named
   * by `warehouseName`. Never empty.
   */
  readonly warehouseId: pulumi.Output<string>;

  constructor(name: string, args: DatabricksDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest-pipeline:components:DatabricksDashboard", name, {}, opts);
    validateDatabricksDashboardArgs(args);
    const parent = { parent: this };

    const warehouse =
      args.warehouseName !== undefined
        ? undefined
        : new databricks.SqlEndpoint(
            `${name}-warehouse`,
            {
              name: `${args.prefix}-dashboard`,
              // The smallest size and one cluster: nine small result tables.
              clusterSize: "2X-Small",
              minNumClusters: 1,
              maxNumClusters: 1,
              autoStopMins: args.autoStopMinutes ?? AUTO_STOP_MINUTES.default,
              // Serverless starts in seconds and bills nothing while stopped; a classic warehouse
              // takes minutes to start each time someone opens the dashboard.
              enableServerlessCompute: true,
              warehouseType: "PRO",
              tags: {
                customTags: Object.entries(args.tags ?? {}).map(([key, value]) => ({ key, value })),
              },
            },
            parent,
          );
    const warehouseId = warehouse
      ? warehouse.id
      : databricks.getSqlWarehouseOutput({ name: args.warehouseName }, parent).apply((w) => w.id!);
    if (warehouse && args.readersGroup) {
      // Viewers query on the warehouse as themselves: the readers group may use it (provider doc
      // of databricks_permissions, SQL warehouses: CAN_USE).
      new databricks.Permissions(
        `${name}-warehouse`,
        {
          sqlEndpointId: warehouse.id,
          accessControls: [{ groupName: args.readersGroup, permissionLevel: "CAN_USE" }],
        },
        parent,
      );
    }

    const location = pulumi.output(args.tableSchema).apply(datasetLocation);
    const dashboard = new databricks.Dashboard(
      `${name}-dashboard`,
      {
        displayName: `${args.prefix} pipeline`,
        parentPath: args.parentPath,
        warehouseId,
        datasetCatalog: location.apply(([catalog]) => catalog),
        datasetSchema: location.apply(([, schema]) => schema),
        serializedDashboard: JSON.stringify(
          dashboardDefinition(args.prefix, args.streams ?? false),
        ),
        // Viewers query with their own rights, never the deployer's (the admin's): a viewer sees
        // only the tables Unity Catalog grants them (provider doc of databricks_dashboard,
        // `embed_credentials`; the readers group's SELECT, databricksIdentity.ts).
        embedCredentials: false,
      },
      parent,
    );

    this.dashboardId = dashboard.dashboardId;
    this.dashboardPath = dashboard.path;
    this.warehouseId = warehouseId;
    this.registerOutputs({
      dashboardId: this.dashboardId,
      dashboardPath: this.dashboardPath,
      warehouseId: this.warehouseId,
    });
  }
}
