// The dashboard's definition as data: the serialized Lakeview (AI/BI) dashboard JSON, generated
// from the tables the jobs write (databricks/pinterest_etl/table_names.json, printed by
// `python -m pinterest_etl.tables`) and the chart of each analysis
// (databricks/pinterest_etl/charts.json, which the local report draws too).
import chartFile from "../../databricks/pinterest_etl/charts.json";
import tableFile from "../../databricks/pinterest_etl/table_names.json";
import { tableBase } from "./databricksStorage";

/** One analysis' chart (see charts.json's `about`). */
export interface ChartSpec {
  readonly suffix: string;
  readonly kind: "bar" | "groupedBar" | "table";
  readonly title: string;
  readonly x?: string;
  readonly y?: string;
  readonly color?: string;
  readonly countDistinct?: string;
  readonly columns?: string[];
  readonly orderBy: string[];
}

export const CHARTS = chartFile.charts as ChartSpec[];
const AGE_GROUP_ORDER: string[] = chartFile.ageGroupOrder;

/** The Delta tables of one deployment, named as the batch and streaming jobs name them. */
export interface PipelineTables {
  readonly batch: { cleaned: Record<string, string>; malformed: string };
  readonly analyses: { task: string; suffix: string; question: string; table: string }[];
  readonly stream: { cleaned: Record<string, string>; malformed: Record<string, string> };
}

/** The template's names with its placeholder replaced by the prefix's table form. */
export function pipelineTables(prefix: string): PipelineTables {
  const placeholder = tableFile.placeholder;
  const text = JSON.stringify({ ...tableFile, placeholder: undefined });
  return JSON.parse(text.split(`"${placeholder}_`).join(`"${tableBase(prefix)}_`));
}

const quote = (name: string) => `\`${name}\``;

// Age groups sort youngest first (analysis.AGE_GROUPS), not as text ("+50" would come first).
function orderTerm(term: string): string {
  const [column, direction] = term.split(" ");
  const key =
    column === "age_group"
      ? `array_position(array(${AGE_GROUP_ORDER.map((g) => `'${g}'`).join(", ")}), age_group)`
      : column;
  return direction ? `${key} ${direction}` : key;
}

/** The columns a chart's widget reads from its dataset. */
export function chartColumns(chart: ChartSpec): string[] {
  if (chart.kind === "table") return chart.columns ?? [];
  return [chart.x!, chart.y!, ...(chart.color ? [chart.color] : [])];
}

/** The SQL of one chart's dataset over its analysis table. */
export function chartQuery(chart: ChartSpec, table: string): string {
  const order = `ORDER BY ${chart.orderBy.map(orderTerm).join(", ")}`;
  if (chart.countDistinct) {
    return (
      `SELECT ${chart.x}, COUNT(DISTINCT ${chart.countDistinct}) AS ${chart.y} ` +
      `FROM ${quote(table)} GROUP BY ${chart.x} ${order}`
    );
  }
  return `SELECT ${chartColumns(chart).join(", ")} FROM ${quote(table)} ${order}`;
}

/** The counts dataset: rows and newest data file of every cleaned and malformed table. */
export function tableCountsQuery(tables: PipelineTables, streams: boolean): string {
  const rows: [string, string][] = [
    ...Object.values(tables.batch.cleaned).map((t): [string, string] => ["batch", t]),
    ["batch", tables.batch.malformed],
    ...(streams
      ? [...Object.values(tables.stream.cleaned), ...Object.values(tables.stream.malformed)].map(
          (t): [string, string] => ["stream", t],
        )
      : []),
  ];
  // _metadata.file_modification_time: when the table's newest data file was written, i.e. the
  // last write that brought rows (a streaming micro-batch with no new rows writes no file).
  return rows
    .map(
      ([path, t]) =>
        `SELECT '${path}' AS path, '${t}' AS table_name, COUNT(*) AS row_count, ` +
        `MAX(_metadata.file_modification_time) AS last_updated FROM ${quote(t)}`,
    )
    .join("\nUNION ALL\n");
}

const query = (dataset: string, columns: string[]) => [
  {
    name: "main_query",
    query: {
      datasetName: dataset,
      fields: columns.map((c) => ({ name: c, expression: quote(c) })),
      disaggregated: true,
    },
  },
];

const frame = (title: string) => ({ showTitle: true, title });

function chartSpec(chart: ChartSpec): object {
  if (chart.kind === "table") {
    const columns = chartColumns(chart).map((c) => ({ fieldName: c, displayName: c }));
    return { version: 1, widgetType: "table", encodings: { columns }, frame: frame(chart.title) };
  }
  const axis = (field: string, type: string) => ({
    fieldName: field,
    displayName: field,
    scale: { type },
  });
  return {
    version: 3,
    widgetType: "bar",
    encodings: {
      x: axis(chart.x!, "categorical"),
      y: axis(chart.y!, "quantitative"),
      ...(chart.color ? { color: axis(chart.color, "categorical") } : {}),
    },
    frame: frame(chart.title),
    // Stacked is Lakeview's default; grouped puts each colour's bar beside the others.
    ...(chart.kind === "groupedBar" ? { mark: { layout: "group" } } : {}),
  };
}

/** Grid of six columns: title and counts across, then the analyses two per row. */
const WIDTH = 6;
const CHART_HEIGHT = 6;

/** The serialized dashboard's object: one dataset and widget per analysis, plus the counts. */
export function dashboardDefinition(prefix: string, streams: boolean): object {
  const tables = pipelineTables(prefix);
  const bySuffix = new Map(tables.analyses.map((a) => [a.suffix, a]));
  const datasets = [
    {
      name: "table_counts",
      displayName: "Pipeline tables",
      queryLines: tableCountsQuery(tables, streams).split("\n"),
    },
    ...CHARTS.map((chart) => ({
      name: chart.suffix,
      displayName: `Task ${bySuffix.get(chart.suffix)!.task}: ${chart.suffix}`,
      queryLines: [chartQuery(chart, bySuffix.get(chart.suffix)!.table)],
    })),
  ];
  const counts = ["path", "table_name", "row_count", "last_updated"];
  const layout = [
    {
      widget: {
        name: "title",
        multilineTextboxSpec: {
          lines: [
            `# Pinterest pipeline (${prefix})\n`,
            "The nine analyses of the batch job, and the tables both jobs write.",
          ],
        },
      },
      position: { x: 0, y: 0, width: WIDTH, height: 1 },
    },
    {
      widget: {
        name: "table_counts",
        queries: query("table_counts", counts),
        spec: {
          version: 1,
          widgetType: "table",
          encodings: { columns: counts.map((c) => ({ fieldName: c, displayName: c })) },
          frame: frame("Rows and last update of every table the jobs write"),
        },
      },
      position: { x: 0, y: 1, width: WIDTH, height: 5 },
    },
    ...CHARTS.map((chart, i) => ({
      widget: {
        name: chart.suffix,
        queries: query(chart.suffix, chartColumns(chart)),
        spec: chartSpec({
          ...chart,
          title: `Task ${bySuffix.get(chart.suffix)!.task}: ${chart.title}`,
        }),
      },
      position: {
        x: (i % 2) * (WIDTH / 2),
        y: 6 + Math.floor(i / 2) * CHART_HEIGHT,
        width: WIDTH / 2,
        height: CHART_HEIGHT,
      },
    })),
  ];
  return {
    datasets,
    pages: [{ name: "analyses", displayName: "Analyses", layout, pageType: "PAGE_TYPE_CANVAS" }],
  };
}
