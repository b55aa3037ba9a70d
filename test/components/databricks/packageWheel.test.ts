// The pinterest_etl wheel: what it is built from, how it is named, that a build is reused, that a
// missing Python says what to do, and that the wheel pip builds from the real pyproject.toml holds
// the modules the notebooks import. What this cannot prove: that a Databricks cluster installs it
// (only a job run does).
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  buildPackageWheel,
  DEFAULT_PYTHON,
  packageContentId,
  packageSources,
  WHEEL_NAME,
} from "../../../components/databricks/packageWheel";
import { fixtureSources } from "../../harness/databricksSources";

const REAL = path.resolve(__dirname, "..", "..", "..", "databricks");

describe("pinterest_etl wheel", function () {
  // The first build on a machine fetches pyproject's build requirements; later ones are reused.
  this.timeout(180_000);

  // Issue 23: only the modules the jobs use ship to the workspace.
  it("is built from pyproject.toml and the modules the notebooks import, transitively, without caches", () => {
    expect(packageSources(fixtureSources())).to.deep.equal([
      "pinterest_etl/__init__.py",
      "pinterest_etl/cleaning.py",
      "pyproject.toml",
    ]);
    const real = packageSources(REAL);
    expect(real).to.include.members([
      "pyproject.toml",
      "pinterest_etl/__init__.py",
      "pinterest_etl/job.py",
      "pinterest_etl/streaming.py",
      "pinterest_etl/readers.py", // imported by job.py, not by a notebook
    ]);
    // The local runners (the subpackage pinterest_etl/local/), the report, the CLI helpers and
    // the dashboard's table list stay here.
    expect(real.filter((f) => f.startsWith("pinterest_etl/local/"))).to.deep.equal([]);
    for (const local of ["report", "report_html", "cli", "tables"]) {
      expect(real, local).to.not.include(`pinterest_etl/${local}.py`);
    }
    expect(real.some((f) => f.endsWith(".json"))).to.equal(false);
    expect(real.filter((f) => f !== "pyproject.toml").every((f) => /^pinterest_etl\//.test(f)))
      .to.equal(true);
    expect(real.some((f) => f.includes("__pycache__"))).to.equal(false);
  });

  it("has one content id per content: a copy keeps it, a changed byte, a new file or pyproject changes it", () => {
    const id = packageContentId(fixtureSources());
    expect(id).to.match(/^[0-9a-f]{10}$/);
    expect(packageContentId(fixtureSources())).to.equal(id);
    const changed = (
      [
        { "pinterest_etl/cleaning.py": "def clean(): pass \n" },
        { "pinterest_etl/cleaning.py": "from .extra import x\n", "pinterest_etl/extra.py": "" },
        { "pyproject.toml": "[project]\nname = 'pinterest-etl'\nversion = '0.2.0'\n" },
      ] as Record<string, string>[]
    ).map((extra) => packageContentId(fixtureSources(extra)));
    expect(new Set([id, ...changed]).size).to.equal(4);
    // A cache, a notebook's text or a module no job imports is not what ships.
    expect(
      packageContentId(
        fixtureSources({
          "pinterest_etl/__pycache__/x.pyc": "y",
          "notebooks/batch.py": "# x\nfrom pinterest_etl.cleaning import clean\n",
          "pinterest_etl/local/__init__.py": "",
          "pinterest_etl/local/batch.py": "from ..cleaning import clean\n",
        }),
      ),
    ).to.equal(id);
  });

  // Rule: pip installs a wheel only under its PEP 427 name, `{distribution}-{version}-{python}-
  // {abi}-{platform}.whl` (packaging.python.org, "Binary distribution format"), which Databricks
  // passes on ("the wheel file name needs to use the correct convention", Libraries API, `whl`).
  it("keeps pip's file name, with pyproject's version, in a folder named by the content id", () => {
    const dir = fixtureSources();
    const wheel = buildPackageWheel(dir);
    expect(wheel.id).to.equal(packageContentId(dir));
    expect(wheel.fileName).to.equal("pinterest_etl-0.1.0-py3-none-any.whl");
    expect(wheel.fileName).to.match(WHEEL_NAME);
    expect(path.basename(path.dirname(wheel.file))).to.equal(wheel.id);
    expect(fs.statSync(wheel.file).size).to.be.greaterThan(0);
  });

  it("reuses the wheel built for the same content, without Python", () => {
    const first = buildPackageWheel(fixtureSources());
    const mtime = fs.statSync(first.file).mtimeMs;
    const again = buildPackageWheel(fixtureSources(), { python: "/nonexistent/python3" });
    expect(again).to.deep.equal(first);
    expect(fs.statSync(again.file).mtimeMs).to.equal(mtime);
  });

  it("says in one line what to run when Python is missing", () => {
    const distRoot = fs.mkdtempSync(path.join(os.tmpdir(), "dist-"));
    let message = "";
    try {
      buildPackageWheel(fixtureSources(), { python: "/nonexistent/python3", distRoot });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).to.equal(
      "No Python at /nonexistent/python3 to build the pinterest_etl wheel: run ./local/setup-python.sh (it creates .venv).",
    );
    expect(fs.readdirSync(distRoot)).to.deep.equal([]);
  });

  it("built from the real pyproject.toml, holds the modules the notebooks import", () => {
    const wheel = buildPackageWheel(REAL);
    const listing = execFileSync(DEFAULT_PYTHON, ["-m", "zipfile", "-l", wheel.file], {
      encoding: "utf8",
    });
    const entries = listing
      .split("\n")
      .slice(1)
      .map((line) => line.split(/\s+/)[0])
      .filter(Boolean);
    expect(entries).to.include.members([
      "pinterest_etl/__init__.py",
      "pinterest_etl/job.py",
      "pinterest_etl/streaming.py",
      "pinterest_etl/writers.py",
      "pinterest_etl/analysis.py",
    ]);
    expect(entries.some((e) => /^pinterest_etl-[^/]+\.dist-info\/METADATA$/.test(e))).to.equal(
      true,
    );
    expect(entries.filter((e) => e.startsWith("pinterest_etl/local/"))).to.deep.equal([]);
    // What ships is whole: the job modules import from the wheel alone (zipimport, no editable
    // install and no source folder on the path).
    const imported = execFileSync(
      DEFAULT_PYTHON,
      [
        "-c",
        "import sys; sys.path[:] = [sys.argv[1]] + [p for p in sys.path if p and 'databricks' not in p]; " +
          "sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f)]; " +
          "import pinterest_etl.job, pinterest_etl.streaming; print(pinterest_etl.job.__file__)",
        wheel.file,
      ],
      { encoding: "utf8", cwd: os.tmpdir() },
    );
    expect(imported.trim()).to.equal(`${wheel.file}/pinterest_etl/job.py`);
  });

  // The README's by-hand build (`pip wheel --no-deps ./databricks`) takes the whole package
  // folder: pyproject.toml's `packages` keeps the local runners out of that wheel too.
  it("built by hand from the whole package folder, holds no local runner either", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dbx-whole-"));
    try {
      fs.copyFileSync(path.join(REAL, "pyproject.toml"), path.join(dir, "pyproject.toml"));
      fs.cpSync(path.join(REAL, "pinterest_etl"), path.join(dir, "pinterest_etl"), {
        recursive: true,
        filter: (src) => !src.includes("__pycache__"),
      });
      expect(fs.existsSync(path.join(dir, "pinterest_etl", "local", "batch.py"))).to.equal(true);
      execFileSync(
        DEFAULT_PYTHON,
        ["-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", dir, "-w", dir],
        { encoding: "utf8", cwd: dir },
      );
      const wheel = fs.readdirSync(dir).find((f) => WHEEL_NAME.test(f));
      expect(wheel).to.be.a("string");
      const listing = execFileSync(
        DEFAULT_PYTHON,
        ["-m", "zipfile", "-l", path.join(dir, wheel!)],
        { encoding: "utf8" },
      );
      expect(listing).to.include("pinterest_etl/job.py");
      expect(listing).to.not.include("pinterest_etl/local/");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
