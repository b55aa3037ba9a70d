// Names and triggers derived from content, for things AWS cannot update in place.
import { createHash } from "crypto";

/** The SHA-256 of some content, in hex (a redeployment trigger: it changes when the content does). */
export function sha256Hex(content: string | Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

/** The first 10 hex digits of the SHA-256 of some content. */
export function contentHash(content: string | Buffer): string {
  return sha256Hex(content).slice(0, 10);
}

/**
 * A name for something that cannot be updated in place (an MSK Connect worker configuration or
 * custom plugin): new content gives a new name, so the replacement is created beside the old one.
 */
export function contentName(base: string, content: string | Buffer): string {
  return `${base}-${contentHash(content)}`;
}
