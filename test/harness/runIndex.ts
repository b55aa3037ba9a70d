// Source indexes that no earlier run on a kept replica has used: the replica keeps its topics,
// streams and bucket between runs (7 days of Kafka retention), and `verify` judges every landed
// record whose key is in the source, so two runs sharing an index would report each other's rows
// as duplicated or different.

/** Rows one test run may use from its offset upwards. */
export const RUN_INDEX_SLOT = 1000;
const BASE = 100_000_000; // far above the main command's 0..10,999 (and any --rows a user picks)
const LANES = 2; // independent suites running in the same second get distinct lanes
const SLOTS = Math.floor((2 ** 31 - 1 - BASE) / (RUN_INDEX_SLOT * LANES)); // `index` is a signed INT

/**
 * The first index of this run's rows: one slot per wall-clock second (a run takes minutes, so no
 * two runs share a second), cycling every ~12 days, longer than the replica's Kafka retention.
 */
export function runIndexOffset(lane: 0 | 1, now: number = Date.now()): number {
  const slot = Math.floor(now / 1000) % SLOTS;
  return BASE + (slot * LANES + lane) * RUN_INDEX_SLOT;
}
