// Checks of numeric arguments, with the one message shape every component uses:
// `<Component> <field> <value> must be …`, naming the value and what it may be.

/** An inclusive range of whole numbers. */
export interface WholeRange {
  readonly min: number;
  readonly max: number;
}

/** A numeric setting: its range and the value used when it is not given. */
export interface WholeSetting extends WholeRange {
  readonly default: number;
}

/** Whether `value` is a whole number within `range`. */
export function inRange(value: unknown, range: WholeRange): value is number {
  return (
    typeof value === "number" && Number.isInteger(value) && value >= range.min && value <= range.max
  );
}

/** Throws unless `value` is undefined (the default applies) or a whole number within `range`. */
export function wholeNumber(
  component: string,
  field: string,
  value: number | undefined,
  range: WholeRange,
): void {
  if (value !== undefined && !inRange(value, range)) {
    throw new Error(
      `${component} ${field} ${value} must be a whole number from ${range.min} to ${range.max}.`,
    );
  }
}

/** Throws unless `value` is undefined or a whole number of at least 1 (of `unit`, if given). */
export function positiveWholeNumber(
  component: string,
  field: string,
  value: number | undefined,
  unit?: string,
): void {
  if (value !== undefined && !inRange(value, { min: 1, max: Number.MAX_SAFE_INTEGER })) {
    const of = unit ? ` of ${unit}` : "";
    throw new Error(`${component} ${field} ${value} must be a positive whole number${of}.`);
  }
}

/**
 * Whether `text` is one e-mail address (`name@domain.tld`, no spaces or display name): what the
 * services mailing it (Databricks job notifications, SNS e-mail subscriptions) take.
 */
export function isEmailAddress(text: string): boolean {
  return /^[^\s@<>(),;:"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/.test(
    text,
  );
}
