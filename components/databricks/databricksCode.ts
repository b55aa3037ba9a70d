// Deploys the code of the Databricks side from the repository's databricks/ folder: the
// pinterest_etl package (to the Unity Catalog work volume, or beside the notebooks on the mount
// route) and the two notebooks, which import it. A builder of DatabricksWorkspace: its resources
// are that component's children, under the names they always had.
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";

/** The package's Python files (relative paths, sorted): what is deployed next to the notebooks. */
export function packageFiles(sourceDir: string): string[] {
  const root = path.join(sourceDir, "pinterest_etl");
  const walk = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((e) =>
        e.isDirectory()
          ? e.name === "__pycache__"
            ? []
            : walk(path.join(dir, e.name))
          : [path.join(dir, e.name)],
      )
      .filter((f) => f.endsWith(".py"));
  return walk(root)
    .map((f) => path.relative(sourceDir, f))
    .sort();
}

const base64 = (file: string) => fs.readFileSync(file).toString("base64");

/** What {@link deployCode} deploys, and where. */
export interface CodeSpec {
  /** The repository's databricks/ folder. */
  readonly sourceDir: string;
  /** Workspace folder of the notebooks (and, on the mount route, of the package). */
  readonly workspaceRoot: string;
  /** Unity Catalog route: the package goes to this volume folder, once the volume exists. */
  readonly volume?: { packageRoot: pulumi.Output<string>; workVolume: pulumi.Resource };
  /** Deploy the streaming notebook too (the stack has streams). */
  readonly streaming: boolean;
}

/** The package files, then the notebooks (which need the package in place to run). */
export function deployCode(
  parent: pulumi.Resource,
  name: string,
  spec: CodeSpec,
): { batchNotebook: databricks.Notebook; streamingNotebook?: databricks.Notebook } {
  const { sourceDir, workspaceRoot: root, volume } = spec;
  const files = packageFiles(sourceDir).map((rel) => {
    const fileName = `${name}-file-${rel.replace(/[/.]/g, "-")}`;
    const content = base64(path.join(sourceDir, rel));
    return volume
      ? new databricks.File(
          fileName,
          { path: pulumi.interpolate`${volume.packageRoot}/${rel}`, contentBase64: content },
          { parent, dependsOn: [volume.workVolume] },
        )
      : new databricks.WorkspaceFile(
          fileName,
          { path: `${root}/${rel}`, contentBase64: content },
          { parent },
        );
  });
  const notebook = (kind: "batch" | "streaming") =>
    new databricks.Notebook(
      `${name}-notebook-${kind}`,
      {
        path: `${root}/notebooks/${kind}`,
        language: "PYTHON",
        contentBase64: base64(path.join(sourceDir, "notebooks", `${kind}.py`)),
      },
      { parent, dependsOn: files },
    );
  return {
    batchNotebook: notebook("batch"),
    streamingNotebook: spec.streaming ? notebook("streaming") : undefined,
  };
}
