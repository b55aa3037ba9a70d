import { expect } from "chai";
import {
  DEFAULT_SEED,
  formatDateTime,
  JUNK,
  sourceRow,
  sourceRows,
  SourceRow,
} from "../../../emulator/source/generator";
import { TABLES } from "../../../emulator/source/schema";
import { CATEGORIES } from "../../../emulator/source/vocabulary";

const SAMPLE = 20_000;

describe("source data generator", () => {
  let rows: SourceRow[];
  before(() => {
    rows = [...sourceRows(DEFAULT_SEED, SAMPLE)];
  });
  const share = (predicate: (r: SourceRow) => boolean) =>
    rows.filter(predicate).length / rows.length;

  it("is deterministic per seed and random-access per index", () => {
    expect(sourceRow(DEFAULT_SEED, 1234)).to.deep.equal(rows[1234]);
    expect([...sourceRows(DEFAULT_SEED, 3, 10)]).to.deep.equal(rows.slice(10, 13));
    expect(sourceRow(7, 1234)).to.not.deep.equal(rows[1234]);
  });

  it("produces each table's columns in the course's SELECT * order", () => {
    const [pin, geo, user] = TABLES.map((t) => t.columns.map((c) => c.name));
    expect(Object.keys(rows[0].pin)).to.deep.equal(pin);
    expect(Object.keys(rows[0].geo)).to.deep.equal(geo);
    expect(Object.keys(rows[0].user)).to.deep.equal(user);
  });

  it("aligns the three tables on index/ind", () => {
    rows.forEach((r, i) => expect([r.pin.index, r.geo.ind, r.user.ind]).to.deep.equal([i, i, i]));
  });

  it("writes follower counts as strings in the real mix of Nk, NM, plain and junk", () => {
    const forms = rows.map((r) => r.pin.follower_count);
    expect(
      forms.every((f) => /^([1-9]\d{0,2}k|[1-9]\d?M|0|[1-9]\d*|User Info Error)$/.test(f)),
    ).to.equal(true);
    expect(share((r) => /k$/.test(r.pin.follower_count))).to.be.within(0.72, 0.78);
    expect(share((r) => /M$/.test(r.pin.follower_count))).to.be.within(0.055, 0.085);
    expect(share((r) => /^\d+$/.test(r.pin.follower_count))).to.be.within(0.14, 0.2);
    expect(share((r) => r.pin.follower_count === JUNK.user)).to.be.within(0.01, 0.02);
    expect(forms).to.include("0");
  });

  it("contains fully junk rows with every junk value at once", () => {
    const junkRows = rows.filter((r) => r.pin.downloaded === 0).map((r) => r.pin);
    expect(junkRows.length / SAMPLE).to.be.within(0.003, 0.01);
    for (const pin of junkRows) {
      expect(pin).to.include({
        title: JUNK.title,
        description: JUNK.description,
        poster_name: JUNK.user,
        follower_count: JUNK.user,
        tag_list: JUNK.tagList,
        image_src: JUNK.imageSrc,
        is_image_or_video: "multi-video(story page format)",
      });
    }
  });

  it("has each junk value also on otherwise normal rows, at about 1%", () => {
    const normal = (r: SourceRow) => r.pin.downloaded === 1;
    for (const [column, value] of [
      ["title", JUNK.title],
      ["tag_list", JUNK.tagList],
      ["image_src", JUNK.imageSrc],
      ["poster_name", JUNK.user],
    ] as const) {
      const rate = share((r) => normal(r) && r.pin[column] === value);
      expect(rate, column).to.be.within(0.001, 0.015);
    }
    expect(rows.some((r) => r.pin.description === JUNK.descriptionShort)).to.equal(true);
    expect(JUNK.tagList.split(",").join("")).to.equal("No Tags Available");
  });

  it("truncates descriptions with an ellipsis, sometimes followed by a no-break space", () => {
    expect(share((r) => r.pin.description.endsWith("…"))).to.be.within(0.15, 0.35);
    expect(share((r) => r.pin.description.endsWith("…\u00a0"))).to.be.within(0.05, 0.15);
  });

  it("has non-ASCII titles and HTML entities and pipes in poster names", () => {
    expect(share((r) => /[^\x00-\x7f]/.test(r.pin.title))).to.be.within(0.1, 0.2);
    expect(share((r) => r.pin.poster_name.includes("&amp;"))).to.be.greaterThan(0.05);
    expect(share((r) => r.pin.poster_name.includes("|"))).to.be.greaterThan(0.05);
  });

  it("uses exactly the 13 categories, with save_location naming the category's folder", () => {
    expect(new Set(rows.map((r) => r.pin.category))).to.deep.equal(new Set(CATEGORIES));
    rows.forEach((r) =>
      expect(r.pin.save_location).to.equal(`Local save in /data/${r.pin.category}`),
    );
  });

  it("formats ids and image sources like the real data", () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(rows.every((r) => uuid.test(r.pin.unique_id))).to.equal(true);
    expect(new Set(rows.map((r) => r.pin.unique_id)).size).to.equal(SAMPLE);
    const image = /^https:\/\/i\.pinimg\.com\/originals\/([0-9a-f]{2}\/){3}[0-9a-f]{32}\.jpg$/;
    const video =
      /^https:\/\/i\.pinimg\.com\/videos\/thumbnails\/originals\/([0-9a-f]{2}\/){3}[0-9a-f]{32}\.0000001\.jpg$/;
    for (const { pin } of rows) {
      if (pin.image_src === JUNK.imageSrc) continue;
      expect(pin.image_src).to.match(pin.is_image_or_video === "image" ? image : video);
    }
    expect(new Set(rows.map((r) => r.pin.is_image_or_video))).to.deep.equal(
      new Set(["image", "video", "multi-video(story page format)"]),
    );
  });

  it("keeps ages within 20–59 and joining dates within 2015-10..2017-12", () => {
    const ages = rows.map((r) => r.user.age);
    expect(Math.min(...ages)).to.equal(20);
    expect(Math.max(...ages)).to.equal(59);
    const joined = rows.map((r) => r.user.date_joined).sort();
    expect(joined[0] >= "2015-10-01 00:00:00").to.equal(true);
    expect(joined[joined.length - 1] <= "2017-12-31 23:59:59").to.equal(true);
    expect(joined.every((d) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(d))).to.equal(true);
  });

  it("posts mostly in 2018–2022 and a few in 2017", () => {
    const year = (r: SourceRow) => Number(r.geo.timestamp.slice(0, 4));
    expect(share((r) => year(r) >= 2018 && year(r) <= 2022)).to.be.within(0.98, 0.999);
    expect(share((r) => year(r) === 2017)).to.be.within(0.001, 0.02);
  });

  it("places coordinates in range with six significant digits, many near the south pole", () => {
    for (const { geo } of rows) {
      expect(geo.latitude).to.be.within(-90, 90);
      expect(geo.longitude).to.be.within(-180, 180);
      expect(geo.latitude.toPrecision(6)).to.equal(Number(geo.latitude).toPrecision(6));
      expect(
        String(Math.abs(geo.latitude)).replace(".", "").replace(/^0+/, "").length,
      ).to.be.at.most(6);
    }
    expect(share((r) => r.geo.latitude < -75)).to.be.within(0.25, 0.4);
    expect(rows.some((r) => r.geo.country === "Cocos (Keeling) Islands")).to.equal(true);
  });

  it("formats DATETIME text in UTC", () => {
    expect(formatDateTime(0)).to.equal("1970-01-01 00:00:00");
    expect(formatDateTime(1_514_764_799)).to.equal("2017-12-31 23:59:59");
  });
});
