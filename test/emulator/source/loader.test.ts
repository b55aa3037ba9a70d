import { expect } from "chai";
import { X509Certificate } from "crypto";
import { connectionOptions, tlsFor } from "../../../emulator/source/loader";

const SETTINGS = { host: "127.0.0.1", port: 3306, user: "u", password: "p", database: "d" };

describe("source database TLS", () => {
  // A stack's database sets require_secure_transport=1 (components/sourceDatabase.ts), so every
  // client of it must speak TLS; RDS endpoints are <id>.<hash>.<region>.rds.amazonaws.com
  // (.com.cn in China), per AWS "Connecting to a DB instance running the MySQL database engine".
  const cases: [string | undefined, "rds" | undefined][] = [
    ["pin-dev-source.c9akciq32.eu-west-1.rds.amazonaws.com", "rds"],
    ["pin-dev-source.c9akciq32.cn-north-1.rds.amazonaws.com.cn", "rds"],
    ["127.0.0.1", undefined],
    ["db.example.com", undefined],
    ["rds.amazonaws.com.evil.example", undefined],
    [undefined, undefined],
  ];
  for (const [host, tls] of cases) {
    it(`uses ${tls ?? "no"} TLS for a stack database host ${host ?? "(none)"}`, () => {
      expect(tlsFor(host)).to.equal(tls);
    });
  }

  it("checks an RDS database's certificate against Amazon RDS's authorities, host name included", () => {
    const options = connectionOptions({ ...SETTINGS, tls: "rds" });
    const ssl = options.ssl as {
      ca: string[];
      rejectUnauthorized: boolean;
      verifyIdentity: boolean;
    };
    expect([ssl.rejectUnauthorized, ssl.verifyIdentity]).to.deep.equal([true, true]);
    const subjects = ssl.ca.map((pem) => new X509Certificate(pem).subject);
    expect(subjects.some((s) => /Amazon RDS .*Root CA/.test(s))).to.equal(true);
  });

  it("speaks plain MySQL to a database that is not a stack's (the local replica)", () => {
    expect(connectionOptions(SETTINGS)).to.not.have.property("ssl");
  });
});
