/**
 * The FORMAT file of a spool's host part, as read back: what an owner needs to tell which folder is
 * its part before the spool engine loads (it loads at a collector's first `experiment()`; the root
 * import must not). The engine writes it (`formatFileText` in delivery/spool/spool-layout.ts).
 */
import { readFileSync } from "node:fs";
import path from "node:path";

export const FORMAT_FILE = "FORMAT";

/** A FORMAT file's text as read back: its format number and the host it names (none in older versions). */
export function parseFormatText(text: string): { format: number | "unreadable" | undefined; host?: string } {
  // Empty: a process was killed between creating it and writing it (spools of versions that did not
  // link it in whole); no spool was written under it, so it is as good as missing.
  if (text.trim() === "") return { format: undefined };
  try {
    const value = JSON.parse(text) as { format?: unknown; host?: unknown };
    const format = typeof value.format === "number" ? value.format : "unreadable";
    return typeof value.host === "string" && value.host !== "" ? { format, host: value.host } : { format };
  } catch {
    return { format: "unreadable" };
  }
}

/** The host a directory's FORMAT names, synchronously; `undefined` when it names none or cannot be read. */
export function readSpoolHostSync(dir: string): string | undefined {
  try {
    return parseFormatText(readFileSync(path.join(dir, FORMAT_FILE), "utf8")).host;
  } catch {
    return undefined;
  }
}
