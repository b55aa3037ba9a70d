// Generates the source database's three row-aligned tables (docs/pipeline.md §3). Each row is a pure
// function of (seed, index): any range can be produced, in any order, in constant memory, and the
// same seed always gives the same database.
import {
  ADJECTIVES,
  CATEGORIES,
  Category,
  COUNTRIES,
  FIRST_NAMES,
  LAST_NAMES,
  NON_ASCII,
  POSTER_SHAPES,
  SENTENCES,
  TITLE_SHAPES,
  TOPICS,
} from "./vocabulary";

/** The course database's size (indexes 0..10,999). */
export const DEFAULT_ROW_COUNT = 11_000;
export const DEFAULT_SEED = 42;

/** The junk values of the real data, exactly as they appear there. */
export const JUNK = {
  title: "No Title Data Available",
  description: "No description available Story format",
  descriptionShort: "No description available",
  user: "User Info Error",
  tagList: "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",
  imageSrc: "Image src error.",
  storyFormat: "multi-video(story page format)",
} as const;

/** Per-row probabilities, chosen to match the course data's observed mix. */
export const RATES = {
  fullJunkRow: 0.006,
  userInfoError: 0.009, // on top of full-junk rows: ~1.5% in all
  titleJunk: 0.004,
  descriptionJunk: 0.005,
  tagJunk: 0.006,
  imageSrcJunk: 0.003,
  followersThousands: 0.75 / 0.985, // of rows with a follower count: ~75% of all rows
  followersMillions: 0.07 / 0.985,
  video: 0.3,
  story: 0.02,
  nonAsciiTitle: 0.15,
  truncatedDescription: 0.35,
  nbspAfterEllipsis: 0.3,
  postedIn2017: 0.01,
  nearSouthPole: 0.25,
};

export interface PinRow {
  index: number;
  unique_id: string;
  title: string;
  description: string;
  poster_name: string;
  follower_count: string;
  tag_list: string;
  is_image_or_video: string;
  image_src: string;
  downloaded: number;
  save_location: string;
  category: Category;
}

export interface GeoRow {
  ind: number;
  /** `YYYY-MM-DD HH:MM:SS`, UTC. */
  timestamp: string;
  latitude: number;
  longitude: number;
  country: string;
}

export interface UserRow {
  ind: number;
  first_name: string;
  last_name: string;
  age: number;
  /** `YYYY-MM-DD HH:MM:SS`, UTC. */
  date_joined: string;
}

export interface SourceRow {
  pin: PinRow;
  geo: GeoRow;
  user: UserRow;
}

/** A small, fast PRNG (mulberry32) seeded per row: reproducible across machines and Node versions. */
class Random {
  private state: number;
  constructor(seed: number, index: number) {
    // Mix seed and index so that neighbouring rows get unrelated streams.
    let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
    this.state = (h ^ (h >>> 15)) >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  hex(length: number): string {
    let out = "";
    while (out.length < length)
      out += Math.floor(this.next() * 0x10000)
        .toString(16)
        .padStart(4, "0");
    return out.slice(0, length);
  }
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const titleCase = (s: string) => s.split(" ").map(capitalise).join(" ");
const fill = (shape: string, values: Record<string, string>) =>
  shape.replace(/\{(\w+)\}/g, (_, key: string) => values[key]);

function uuid4(rng: Random): string {
  const h = rng.hex(32).split("");
  h[12] = "4";
  h[16] = "89ab"[rng.int(0, 3)];
  const s = h.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

function followerCount(rng: Random): string {
  const r = rng.next();
  if (r < RATES.followersThousands) return `${rng.int(1, 999)}k`;
  if (r < RATES.followersThousands + RATES.followersMillions) return `${rng.int(1, 12)}M`;
  // Plain counts are small accounts; 0 occurs in the real data.
  return String(rng.chance(0.05) ? 0 : rng.int(1, 999));
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** Formats epoch seconds as MySQL DATETIME text in UTC. */
export function formatDateTime(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

const epoch = (iso: string) => Date.parse(`${iso}Z`) / 1000;
const POSTED_2017 = [epoch("2017-01-01T00:00:00"), epoch("2017-12-31T23:59:59")];
const POSTED = [epoch("2018-01-01T00:00:00"), epoch("2022-12-31T23:59:59")];
const JOINED = [epoch("2015-10-01T00:00:00"), epoch("2017-12-31T23:59:59")];

function pinRow(rng: Random, index: number): PinRow {
  const category = rng.pick(CATEGORIES);
  const topic = rng.pick(TOPICS[category]);
  const fullJunk = rng.chance(RATES.fullJunkRow);
  const kind = rng.next();
  const isImageOrVideo =
    kind < RATES.story ? JUNK.storyFormat : kind < RATES.story + RATES.video ? "video" : "image";

  let title = fill(rng.pick(TITLE_SHAPES), {
    n: String(rng.int(5, 50)),
    adj: rng.pick(ADJECTIVES),
    topic,
  });
  title = capitalise(title);
  if (rng.chance(RATES.nonAsciiTitle)) title = `${title} ${rng.pick(NON_ASCII)}`;

  let description = `${fill(rng.pick(SENTENCES), { topic })} ${fill(rng.pick(SENTENCES), { topic })}`;
  if (rng.chance(RATES.truncatedDescription)) {
    // Scraped descriptions were cut mid-word with an ellipsis, sometimes then a no-break space.
    description = description.slice(0, rng.int(40, description.length - 5)) + "…";
    if (rng.chance(RATES.nbspAfterEllipsis)) description += "\u00a0";
  }

  const first = rng.pick(FIRST_NAMES);
  const posterName = fill(rng.pick(POSTER_SHAPES), {
    first,
    first2: rng.pick(FIRST_NAMES),
    last: rng.pick(LAST_NAMES),
    topicTitle: titleCase(topic),
  });

  const tags = new Set<string>();
  const tagCount = rng.int(3, 8);
  for (let i = 0; i < tagCount; i++) tags.add(titleCase(rng.pick(TOPICS[category])));

  const hash = rng.hex(32);
  const dirs = `${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash.slice(4, 6)}`;
  const imageSrc =
    isImageOrVideo === "image"
      ? `https://i.pinimg.com/originals/${dirs}/${hash}.jpg`
      : `https://i.pinimg.com/videos/thumbnails/originals/${dirs}/${hash}.0000001.jpg`;

  const userError = fullJunk || rng.chance(RATES.userInfoError);
  const descriptionJunk = rng.chance(RATES.descriptionJunk);
  return {
    index,
    unique_id: uuid4(rng),
    title: fullJunk || rng.chance(RATES.titleJunk) ? JUNK.title : title,
    description:
      fullJunk || (descriptionJunk && rng.chance(0.7))
        ? JUNK.description
        : descriptionJunk
          ? JUNK.descriptionShort
          : description,
    poster_name: userError ? JUNK.user : posterName,
    follower_count: userError ? JUNK.user : followerCount(rng),
    tag_list: fullJunk || rng.chance(RATES.tagJunk) ? JUNK.tagList : [...tags].join(","),
    is_image_or_video: fullJunk ? JUNK.storyFormat : isImageOrVideo,
    image_src: fullJunk || rng.chance(RATES.imageSrcJunk) ? JUNK.imageSrc : imageSrc,
    downloaded: fullJunk ? 0 : 1,
    save_location: `Local save in /data/${category}`,
    category,
  };
}

function geoRow(rng: Random, ind: number): GeoRow {
  const [from, to] = rng.chance(RATES.postedIn2017) ? POSTED_2017 : POSTED;
  // Many of the real coordinates sit near the south pole; six significant digits, as stored.
  const latitude = rng.chance(RATES.nearSouthPole) ? -90 + rng.next() * 15 : -90 + rng.next() * 180;
  return {
    ind,
    timestamp: formatDateTime(rng.int(from, to)),
    latitude: Number(latitude.toPrecision(6)),
    longitude: Number((-180 + rng.next() * 360).toPrecision(6)),
    country: rng.pick(COUNTRIES),
  };
}

function userRow(rng: Random, ind: number): UserRow {
  return {
    ind,
    first_name: rng.pick(FIRST_NAMES),
    last_name: rng.pick(LAST_NAMES),
    // Skewed towards younger users, 20..59 as observed.
    age: 20 + Math.floor(40 * rng.next() ** 1.6),
    date_joined: formatDateTime(rng.int(JOINED[0], JOINED[1])),
  };
}

/** The three aligned rows with this index. */
export function sourceRow(seed: number, index: number): SourceRow {
  // One stream per table keeps a table's rows stable if another table's generator changes.
  return {
    pin: pinRow(new Random(seed, index * 3), index),
    geo: geoRow(new Random(seed, index * 3 + 1), index),
    user: userRow(new Random(seed, index * 3 + 2), index),
  };
}

/** Rows `start..start+count-1`, lazily. */
export function* sourceRows(seed: number, count: number, start = 0): Generator<SourceRow> {
  for (let index = start; index < start + count; index++) yield sourceRow(seed, index);
}
