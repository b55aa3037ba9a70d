// What a Databricks job schedule accepts, checked before Databricks refuses it at `pulumi up`: the
// Jobs API's `quartz_cron_expression` is "a Cron expression using Quartz syntax" and `timezone_id`
// "a Java timezone ID" (Databricks Jobs API, CronSchedule).

/** One field of a Quartz expression: its name, range, month or day names, and extra characters. */
interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** `?`, `L`, `W`, `#` where Quartz allows them. */
  readonly special: string;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/**
 * Quartz CronExpression (javadoc, "Cron expressions are comprised of 6 required fields and one
 * optional field"): seconds 0-59, minutes 0-59, hours 0-23, day-of-month 1-31 (`? L W`), month
 * 1-12 or JAN-DEC, day-of-week 1-7 or SUN-SAT (`? L #`), year 1970-2199 (optional); `, - * /`
 * everywhere.
 */
const CRON_FIELDS: readonly CronField[] = [
  { name: "seconds", min: 0, max: 59, special: "" },
  { name: "minutes", min: 0, max: 59, special: "" },
  { name: "hours", min: 0, max: 23, special: "" },
  { name: "day-of-month", min: 1, max: 31, special: "?LW" },
  { name: "month", min: 1, max: 12, names: MONTHS, special: "" },
  { name: "day-of-week", min: 1, max: 7, names: DAYS, special: "?L#" },
  { name: "year", min: 1970, max: 2199, special: "" },
];

/** A value of a field: a number in range or one of its names. */
function valueOk(text: string, field: CronField): boolean {
  if (/^\d+$/.test(text)) return Number(text) >= field.min && Number(text) <= field.max;
  return field.names?.includes(text.toUpperCase()) ?? false;
}

/** Whether one comma-separated part of a field is valid: `*`, `v`, `a-b`, `x/step`, or a special. */
function partOk(part: string, field: CronField): boolean {
  const [base, step, ...more] = part.split("/");
  if (more.length > 0) return false;
  if (step !== undefined && !(/^\d+$/.test(step) && Number(step) > 0)) return false;
  if (base === "*") return true;
  if (field.special.includes("L")) {
    // Day-of-month: L, L-3, LW, 15W; day-of-week: L, 6L.
    if (field.name === "day-of-month" && /^(L(-\d{1,2})?|LW|\d{1,2}W)$/.test(base)) return step === undefined;
    if (field.name === "day-of-week" && /^(L|[1-7]L)$/.test(base)) return step === undefined;
  }
  if (field.special.includes("#")) {
    const nth = /^(\w+)#([1-5])$/.exec(base);
    if (nth) return step === undefined && valueOk(nth[1], field);
  }
  const range = base.split("-");
  if (range.length > 2) return false;
  return range.every((v) => valueOk(v, field));
}

/**
 * What is wrong with a Quartz cron expression, in words, or undefined when Quartz accepts it:
 * 6 or 7 fields, each within its range, and `?` in exactly one of day-of-month and day-of-week
 * (Quartz: "Support for specifying both a day-of-week and a day-of-month value is not complete").
 */
export function quartzCronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length < 6 || fields.length > 7) {
    return `it has ${fields.length} fields; Quartz takes 6 or 7 (seconds minutes hours day-of-month month day-of-week [year])`;
  }
  for (const [i, text] of fields.entries()) {
    const field = CRON_FIELDS[i];
    if (text === "?") {
      if (field.special.includes("?")) continue;
      return `"?" stands in the ${field.name} field; only day-of-month and day-of-week take it`;
    }
    if (!text.split(",").every((part) => part !== "" && partOk(part, field))) {
      return `its ${field.name} field "${text}" is not within ${field.min}-${field.max}${field.names ? ` or ${field.names[0]}-${field.names[field.names.length - 1]}` : ""}`;
    }
  }
  if ((fields[3] === "?") === (fields[5] === "?")) {
    return 'exactly one of day-of-month and day-of-week must be "?"';
  }
  return undefined;
}

/**
 * Whether `id` is a time zone id of the tz database (the ids Java's TimeZone and ZoneId know, such
 * as `UTC` or `Europe/Dublin`), written with its own capitals: Java refuses `europe/dublin`, and
 * its TimeZone turns an unknown id into GMT without a word.
 */
export function isTimeZoneId(id: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(id)) return false;
  try {
    const resolved = new Intl.DateTimeFormat("en-US", { timeZone: id }).resolvedOptions().timeZone;
    return resolved.toLowerCase() !== id.toLowerCase() || resolved === id;
  } catch {
    return false;
  }
}
