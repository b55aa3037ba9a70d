import { expect } from "chai";
import * as mysql from "mysql2/promise";
import { main } from "../../../emulator/source/cli";
import { sourceRow } from "../../../emulator/source/generator";
import { connect, ensureSchema, loadRows, summarise } from "../../../emulator/source/loader";
import { TABLES } from "../../../emulator/source/schema";
import { runMain } from "../../harness/cliRun";
import { scratchDatabase } from "../../harness/mysql";

// Against the project's real MariaDB (local/mysql.sh), one scratch database per run.
describe("source database loader (MariaDB)", function () {
  this.timeout(120_000);
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  let conn: mysql.Connection;

  before(async () => {
    db = await scratchDatabase();
    conn = await connect(db.settings);
  });
  after(async () => {
    await conn?.end();
    await db?.drop();
  });

  it("creates the three tables with the course's columns, order and types", async () => {
    await ensureSchema(conn);
    for (const table of TABLES) {
      const [columns] = await conn.query<mysql.RowDataPacket[]>(
        `SELECT COLUMN_NAME AS name, DATA_TYPE AS type FROM information_schema.COLUMNS
          WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
        [table.name],
      );
      expect(columns.map((c) => [c.name, c.type])).to.deep.equal(
        table.columns.map((c) => [c.name, c.dataType]),
      );
    }
  });

  it("loads 11,000 aligned rows with realistic junk and ranges", async () => {
    const progress: number[] = [];
    const loaded = await loadRows(conn, {
      seed: 42,
      rows: 11_000,
      batchSize: 2500,
      onProgress: (n) => progress.push(n),
    });
    expect(loaded).to.equal(11_000);
    expect(progress).to.deep.equal([2500, 5000, 7500, 10_000, 11_000]);
    const s = await summarise(conn);
    expect(s.rows).to.deep.equal({
      pinterest_data: 11_000,
      geolocation_data: 11_000,
      user_data: 11_000,
    });
    expect(s.misaligned).to.equal(0);
    expect(s.categories).to.equal(13);
    expect(s.ageRange).to.deep.equal([20, 59]);
    expect(s.joinedRange[0] >= "2015-10-01").to.equal(true);
    expect(s.joinedRange[1] < "2018-01-01").to.equal(true);
    expect(s.postedRange[0] >= "2017-01-01").to.equal(true);
    expect(s.postedRange[1] < "2023-01-01").to.equal(true);
    const rate = (n: number) => n / 11_000;
    expect(rate(s.followerCountForms.thousands)).to.be.within(0.72, 0.78);
    expect(rate(s.followerCountForms.millions)).to.be.within(0.055, 0.085);
    expect(rate(s.junk.follower_count)).to.be.within(0.01, 0.02);
    for (const column of [
      "title",
      "description",
      "poster_name",
      "tag_list",
      "image_src",
      "not_downloaded",
    ]) {
      expect(s.junk[column], column).to.be.greaterThan(0);
    }
  });

  it("stores every value exactly, unicode and DATETIMEs included", async () => {
    const withUnicode = [...Array(500).keys()].find((i) =>
      /[^\x00-\x7f]/.test(sourceRow(42, i).pin.title),
    )!;
    const expected = sourceRow(42, withUnicode);
    const [[pin]] = await conn.query<mysql.RowDataPacket[]>(
      "SELECT * FROM pinterest_data WHERE `index` = ?",
      [withUnicode],
    );
    const [[geo]] = await conn.query<mysql.RowDataPacket[]>(
      "SELECT * FROM geolocation_data WHERE ind = ?",
      [withUnicode],
    );
    const [[user]] = await conn.query<mysql.RowDataPacket[]>(
      "SELECT * FROM user_data WHERE ind = ?",
      [withUnicode],
    );
    expect({ ...pin }).to.deep.equal(expected.pin);
    expect({ ...geo }).to.deep.equal(expected.geo);
    expect({ ...user }).to.deep.equal(expected.user);
  });

  it("is idempotent: loading again overwrites instead of duplicating", async () => {
    await ensureSchema(conn);
    await loadRows(conn, { seed: 42, rows: 11_000 });
    const s = await summarise(conn);
    expect(s.rows.pinterest_data).to.equal(11_000);
    expect(s.misaligned).to.equal(0);
  });

  it("starts over with reset", async () => {
    await ensureSchema(conn, { reset: true });
    await loadRows(conn, { seed: 42, rows: 10 });
    expect((await summarise(conn)).rows).to.deep.equal({
      pinterest_data: 10,
      geolocation_data: 10,
      user_data: 10,
    });
  });

  it("refuses an existing table of the wrong shape, naming the column", async () => {
    await conn.query("DROP TABLE user_data");
    await conn.query("CREATE TABLE user_data (ind INT PRIMARY KEY, name VARCHAR(10), age INT)");
    try {
      await ensureSchema(conn);
      expect.fail("ensureSchema accepted a wrong table");
    } catch (error) {
      expect((error as Error).message).to.equal(
        "Table user_data already exists with a different shape: column 2 is `name` (varchar) where " +
          "`first_name` (varchar) is expected; column 3 is `age` (int) where `last_name` (varchar) is expected; " +
          "missing column 4 `age` (int); missing column 5 `date_joined` (datetime). " +
          "Drop it (or load with --reset), or point --database at another database.",
      );
    }
    await ensureSchema(conn, { reset: true });
  });

  it("explains a refused password, a closed port and a server without TLS", async () => {
    for (const [settings, message] of [
      [{ ...db.settings, password: "wrong" }, "the user or password was refused"],
      [
        { ...db.settings, port: 1 },
        "nothing listens there; start the local one with `local/mysql.sh start`",
      ],
      [{ ...db.settings, database: "no_such_db" }, ""],
      // A stack's database requires TLS; this MariaDB offers none, so a client that insists on
      // it (as it does for an RDS host) stops with a reason instead of sending the password.
      [{ ...db.settings, tls: "rds" }, "the server does not offer TLS"],
    ] as const) {
      try {
        const c = await connect(settings);
        await c.end();
        expect.fail(`connected with ${JSON.stringify({ ...settings, password: "…" })}`);
      } catch (error) {
        expect((error as Error).message).to.match(
          /^Cannot connect to MySQL at pipeline@127\.0\.0\.1:\d+\//,
        );
        expect((error as Error).message).to.include(message);
      }
    }
  });

  it("the CLI loads through the MYSQL_* variables and rejects a bad row count", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      MYSQL_HOST: db.settings.host,
      MYSQL_PORT: String(db.settings.port),
      MYSQL_USER: db.settings.user,
      MYSQL_PASSWORD: db.settings.password,
      MYSQL_DATABASE: db.settings.database,
    });
    const log = console.log;
    const printed: string[] = [];
    console.log = (line: string) => printed.push(line);
    try {
      expect(await main(["load", "--rows", "25", "--reset"])).to.equal(0);
      const refused = await runMain(main, ["load", "--rows", "many"]);
      expect(refused.code).to.equal(2);
      expect(refused.err.split("\n")[0]).to.equal(
        'source: --rows "many" must be a whole number of at least 1.',
      );
    } finally {
      console.log = log;
      process.env = saved;
    }
    expect(printed[0]).to.match(
      /^Loaded 25 generated rows \(seed 42\) into each of pinterest_data/,
    );
    expect(printed[1]).to.include("rows: pinterest_data 25, geolocation_data 25, user_data 25");
  });
});
