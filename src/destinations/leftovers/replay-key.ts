/**
 * The `Idempotency-Key` of a replayed batch: a digest of its events' ids, so replaying the same
 * records again (a second crash during sync, two attempts) is the same request to Syvain.
 */
import { createHash } from "node:crypto";

export function replayKey(kind: string, slug: string, ids: readonly string[]): string {
  const hash = createHash("sha256").update(kind).update("\0").update(slug);
  for (const id of ids) hash.update("\0").update(id);
  return `spool-${hash.digest("hex")}`;
}
