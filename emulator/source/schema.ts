// The source tables, in the course's `SELECT *` column order (docs/pipeline.md §3). `index` is a
// reserved word in MySQL: every statement quotes identifiers.

export interface ColumnSpec {
  readonly name: string;
  /** MySQL DATA_TYPE as information_schema reports it. */
  readonly dataType: string;
  readonly ddl: string;
}

export interface TableSpec {
  readonly name: "pinterest_data" | "geolocation_data" | "user_data";
  readonly key: string;
  readonly columns: readonly ColumnSpec[];
}

const col = (name: string, ddl: string): ColumnSpec => ({
  name,
  dataType: ddl.split(/[ (]/)[0].toLowerCase(),
  ddl,
});

export const TABLES: readonly TableSpec[] = [
  {
    name: "pinterest_data",
    key: "index",
    columns: [
      col("index", "INT NOT NULL"),
      col("unique_id", "VARCHAR(36) NOT NULL"),
      col("title", "VARCHAR(255)"),
      col("description", "TEXT"),
      col("poster_name", "VARCHAR(255)"),
      col("follower_count", "VARCHAR(20)"),
      col("tag_list", "VARCHAR(1024)"),
      col("is_image_or_video", "VARCHAR(64)"),
      col("image_src", "VARCHAR(512)"),
      col("downloaded", "INT"),
      col("save_location", "VARCHAR(255)"),
      col("category", "VARCHAR(64)"),
    ],
  },
  {
    name: "geolocation_data",
    key: "ind",
    columns: [
      col("ind", "INT NOT NULL"),
      col("timestamp", "DATETIME"),
      col("latitude", "DOUBLE"),
      col("longitude", "DOUBLE"),
      col("country", "VARCHAR(255)"),
    ],
  },
  {
    name: "user_data",
    key: "ind",
    columns: [
      col("ind", "INT NOT NULL"),
      col("first_name", "VARCHAR(255)"),
      col("last_name", "VARCHAR(255)"),
      col("age", "INT"),
      col("date_joined", "DATETIME"),
    ],
  },
];

export const quote = (identifier: string) => `\`${identifier.replace(/`/g, "``")}\``;

/** `CREATE TABLE IF NOT EXISTS` for one table: utf8mb4 so emoji and other scripts survive. */
export function createTableSql(table: TableSpec): string {
  const columns = table.columns.map((c) => `  ${quote(c.name)} ${c.ddl}`);
  return (
    `CREATE TABLE IF NOT EXISTS ${quote(table.name)} (\n${columns.join(",\n")},\n` +
    `  PRIMARY KEY (${quote(table.key)})\n) DEFAULT CHARSET=utf8mb4`
  );
}

/** Differences between an existing table's columns and the spec; empty when it matches. */
export function shapeDifferences(
  table: TableSpec,
  actual: { name: string; dataType: string }[],
): string[] {
  const problems: string[] = [];
  const length = Math.max(table.columns.length, actual.length);
  for (let i = 0; i < length; i++) {
    const want = table.columns[i];
    const have = actual[i];
    if (!want) problems.push(`extra column ${i + 1} \`${have.name}\` (${have.dataType})`);
    else if (!have) problems.push(`missing column ${i + 1} \`${want.name}\` (${want.dataType})`);
    else if (want.name !== have.name || want.dataType !== have.dataType.toLowerCase()) {
      problems.push(
        `column ${i + 1} is \`${have.name}\` (${have.dataType}) where \`${want.name}\` (${want.dataType}) is expected`,
      );
    }
  }
  return problems;
}
