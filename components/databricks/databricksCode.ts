// Deploys the code of the Databricks side from the repository's databricks/ folder: the
// pinterest_etl package as one wheel (to the Unity Catalog work volume, or beside the notebooks on
// the mount route), which the jobs install on their clusters, and the two notebooks, which import
// it. A builder of DatabricksWorkspace: its resources are that component's children.
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { buildPackageWheel } from "./packageWheel";

const base64 = (file: string) => fs.readFileSync(file).toString("base64");

/** What {@link deployCode} deploys, and where. */
export interface CodeSpec {
  /** The repository's databricks/ folder. */
  readonly sourceDir: string;
  /** Workspace folder of the notebooks (and, on the mount route, of the wheels), made first. */
  readonly workspaceFolder: databricks.Directory;
  /** Unity Catalog route: the wheels go to this volume folder, once the volume exists. */
  readonly volume?: { wheelRoot: pulumi.Output<string>; workVolume: pulumi.Resource };
  /** Deploy the streaming notebook too (the stack has streams). */
  readonly streaming: boolean;
}

/** What {@link deployCode} deployed. */
export interface DeployedCode {
  readonly batchNotebook: databricks.Notebook;
  readonly streamingNotebook?: databricks.Notebook;
  /** The wheel as a job library takes it: a /Volumes path, or a /Workspace path (mount route). */
  readonly wheelPath: pulumi.Output<string>;
}

/**
 * The package's wheel, built from pyproject.toml (packageWheel.ts) and uploaded under its content
 * id, `<root>/wheels/<id>/pinterest_etl-<version>-py3-none-any.whl`: a source change gives a new
 * path (the jobs move to it, then the old file is deleted), the same sources the same path. The
 * file name itself stays the one pip built, which pip needs to install it (PEP 427). Then the
 * notebooks, which need nothing deployed before them: the jobs install the wheel on their clusters.
 */
export function deployCode(parent: pulumi.Resource, name: string, spec: CodeSpec): DeployedCode {
  const { sourceDir, workspaceFolder: folder, volume } = spec;
  const root = folder.path;
  const wheel = buildPackageWheel(sourceDir);
  const rel = `${wheel.id}/${wheel.fileName}`;
  const content = base64(wheel.file);
  const wheelPath = volume
    ? new databricks.File(
        `${name}-wheel`,
        { path: pulumi.interpolate`${volume.wheelRoot}/${rel}`, contentBase64: content },
        { parent, dependsOn: [volume.workVolume] },
      ).path
    : // A job library names a workspace file by its /Workspace path (provider doc of
      // databricks_library, `whl`: "/Workspace/path/to/library.whl").
      pulumi.interpolate`/Workspace${
        new databricks.WorkspaceFile(
          `${name}-wheel`,
          { path: pulumi.interpolate`${root}/wheels/${rel}`, contentBase64: content },
          { parent },
        ).path
      }`;
  const notebook = (kind: "batch" | "streaming") =>
    new databricks.Notebook(
      `${name}-notebook-${kind}`,
      {
        path: pulumi.interpolate`${root}/notebooks/${kind}`,
        language: "PYTHON",
        contentBase64: base64(path.join(sourceDir, "notebooks", `${kind}.py`)),
      },
      { parent },
    );
  return {
    batchNotebook: notebook("batch"),
    streamingNotebook: spec.streaming ? notebook("streaming") : undefined,
    wheelPath,
  };
}
