import { expect } from "chai";
import { compare, verifyText } from "../../emulator/verify";

const SOURCE = [0, 1, 2, 3].map((ind) => ({ ind, first_name: `n${ind}`, age: 20 + ind }));
const text = (row: object) => JSON.stringify(row);

describe("verify: comparing landed records with the source", () => {
  it("finds rows missing, duplicated and different, and ignores rows of other sources", () => {
    const landed = [
      text(SOURCE[0]),
      text(SOURCE[1]),
      text(SOURCE[1]),
      text({ ...SOURCE[2], age: 99 }),
      text({ ind: 500, first_name: "other", age: 30 }),
      "not json",
    ];
    const report = compare("streaming-p-user", "user", SOURCE, landed);
    expect(report).to.deep.equal({
      name: "streaming-p-user",
      landed: 4,
      missing: [3],
      duplicated: [1],
      different: [2],
    });
    expect(verifyText([report])).to.match(
      /missing 1 \(index 3\)\s+duplicated 1 \(index 1\)\s+different 1 \(index 2\)$/,
    );
  });

  it("reports a clean delivery as nothing missing, duplicated or different", () => {
    const report = compare(
      "p.pin",
      "pin",
      [{ index: 7, title: "é" }],
      [text({ index: 7, title: "é" })],
    );
    expect(report).to.deep.equal({
      name: "p.pin",
      landed: 1,
      missing: [],
      duplicated: [],
      different: [],
    });
  });
});
