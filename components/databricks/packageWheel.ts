// The pinterest_etl wheel the jobs install: built from databricks/pyproject.toml by pip, once per
// content of the package's sources, into .local/dist/<content id>/ (reused while the sources stay
// the same), so that `pulumi preview`/`up` and the tests deploy the same file under the same name.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { contentHash } from "../shared/contentName";

const REPO = path.resolve(__dirname, "..", "..");

/** The Python that builds the wheel: the repository's venv, made by local/setup-python.sh. */
export const DEFAULT_PYTHON = path.join(REPO, ".venv", "bin", "python");

/** Where built wheels are kept, one folder per content id (under .local/, which git ignores). */
export const DEFAULT_DIST_ROOT = path.join(REPO, ".local", "dist");

/**
 * A wheel's file name as pip requires it (PEP 427: `{distribution}-{version}-{python}-{abi}-
 * {platform}.whl`, the distribution with `_` for `-`): pure Python, any platform.
 */
export const WHEEL_NAME = /^pinterest_etl-([0-9][0-9A-Za-z.+!_]*)-py3-none-any\.whl$/;

/** 1980-01-01, the earliest time a zip entry holds: every build stamps its files alike. */
const SOURCE_DATE_EPOCH = "315532800";

/** Module names a Python text imports from the package (absolute or relative, at any depth). */
function importedModules(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/^\s*from\s+(?:pinterest_etl)?\.?(\w+)\s+import\b/gm)) {
    if (m[0].includes("pinterest_etl") || /from\s+\./.test(m[0])) found.push(m[1]);
  }
  for (const m of text.matchAll(/^\s*from\s+(?:pinterest_etl|\.)\s+import\s+([\w\s,()]+)/gm)) {
    found.push(...m[1].split(/[\s,()]+/).filter(Boolean));
  }
  for (const m of text.matchAll(/^\s*import\s+pinterest_etl\.(\w+)/gm)) found.push(m[1]);
  return found;
}

/**
 * The package's modules the jobs run: those the notebooks (`notebooks/*.py`) import, and what
 * they import, transitively, with `__init__.py` (file names, sorted). The local runners, the
 * report and the benchmarks' helpers are not among them, so they do not ship to the workspace.
 */
export function jobModules(sourceDir: string): string[] {
  const pkg = path.join(sourceDir, "pinterest_etl");
  const notebooks = path.join(sourceDir, "notebooks");
  const exists = (name: string) => fs.existsSync(path.join(pkg, `${name}.py`));
  const todo = fs.existsSync(notebooks)
    ? fs
        .readdirSync(notebooks)
        .filter((f) => f.endsWith(".py"))
        .flatMap((f) => importedModules(fs.readFileSync(path.join(notebooks, f), "utf8")))
    : [];
  const seen = new Set<string>(["__init__"]);
  while (todo.length > 0) {
    const name = todo.pop()!;
    if (seen.has(name) || !exists(name)) continue;
    seen.add(name);
    todo.push(...importedModules(fs.readFileSync(path.join(pkg, `${name}.py`), "utf8")));
  }
  return [...seen].filter(exists).map((name) => `${name}.py`).sort();
}

/**
 * What the wheel is built from (paths relative to `sourceDir`, sorted): pyproject.toml and the
 * package's job modules ({@link jobModules}).
 */
export function packageSources(sourceDir: string): string[] {
  const files = jobModules(sourceDir).map((file) => `pinterest_etl/${file}`);
  return ["pyproject.toml", ...files].sort();
}

/** The content id of the sources: their names and bytes hashed (10 hex digits). */
export function packageContentId(sourceDir: string): string {
  const parts = packageSources(sourceDir).flatMap((rel) => [
    Buffer.from(`${rel}\0`),
    fs.readFileSync(path.join(sourceDir, rel)),
    Buffer.from("\0"),
  ]);
  return contentHash(Buffer.concat(parts));
}

/** A built wheel: its content id, its file on this machine, and its (PEP 427) file name. */
export interface PackageWheel {
  readonly id: string;
  readonly file: string;
  readonly fileName: string;
}

/** The wheel already built in `dir`, if there is exactly one. */
function builtWheel(id: string, dir: string): PackageWheel | undefined {
  if (!fs.existsSync(dir)) return undefined;
  const wheels = fs.readdirSync(dir).filter((f) => WHEEL_NAME.test(f));
  return wheels.length === 1
    ? { id, file: path.join(dir, wheels[0]), fileName: wheels[0] }
    : undefined;
}

/**
 * The wheel of the sources in `sourceDir`, built with `python -m pip wheel` (no build isolation:
 * the venv's setuptools, pinned by requirements-dev.txt) from a copy of exactly the hashed files,
 * unless `<distRoot>/<id>/` holds it already. Synchronous: the program needs the file's name and
 * bytes while it declares the resources.
 */
export function buildPackageWheel(
  sourceDir: string,
  opts: { python?: string; distRoot?: string } = {},
): PackageWheel {
  const python = opts.python ?? DEFAULT_PYTHON;
  const distRoot = opts.distRoot ?? DEFAULT_DIST_ROOT;
  const id = packageContentId(sourceDir);
  const target = path.join(distRoot, id);
  const cached = builtWheel(id, target);
  if (cached) return cached;

  if (!fs.existsSync(python)) {
    throw new Error(
      `No Python at ${python} to build the pinterest_etl wheel: run ./local/setup-python.sh (it creates .venv).`,
    );
  }
  fs.mkdirSync(distRoot, { recursive: true });
  // Built beside its final folder, then renamed into place: a half-built wheel is never reused.
  const staging = fs.mkdtempSync(path.join(distRoot, `.build-${id}-`));
  try {
    const src = path.join(staging, "src");
    for (const rel of packageSources(sourceDir)) {
      fs.mkdirSync(path.dirname(path.join(src, rel)), { recursive: true });
      fs.copyFileSync(path.join(sourceDir, rel), path.join(src, rel));
    }
    const out = path.join(staging, "out");
    const pip = spawnSync(
      python,
      // No build isolation: the venv's pinned setuptools (requirements-dev.txt) builds it, so no
      // package index is needed at `pulumi up`.
      [
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--disable-pip-version-check",
        "--quiet",
        src,
        "-w",
        out,
      ],
      { encoding: "utf8", env: { ...process.env, SOURCE_DATE_EPOCH } },
    );
    if (pip.error || pip.status !== 0) {
      const detail = (pip.error?.message ?? pip.stderr ?? "").trim().split("\n").pop();
      throw new Error(
        `pip could not build the pinterest_etl wheel from ${path.join(sourceDir, "pyproject.toml")}: ${detail}`,
      );
    }
    if (!builtWheel(id, out)) {
      const made = fs.existsSync(out) ? fs.readdirSync(out).join(", ") : "nothing";
      throw new Error(
        `pip built ${made} from ${sourceDir}, not one pinterest_etl-<version>-py3-none-any.whl`,
      );
    }
    try {
      fs.renameSync(out, target);
    } catch (e) {
      // Another build of the same sources got there first: its wheel is as good as ours.
      if (!builtWheel(id, target)) throw e;
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return builtWheel(id, target)!;
}
