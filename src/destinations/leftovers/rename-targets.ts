/**
 * `syvain-otel sync --rename OLD=NEW`: the new slug of a kept run, and the key of its `create`.
 *
 * The key is made once per kept run and new slug, and written to `<conflicts>/renames.json`
 * (a temporary file, fsync'd, renamed over) before the creation is sent: a rename interrupted after
 * Syvain created the new experiment (a kill, Ctrl-C, an outage) is resumed by the same command with
 * the same key, so the new experiment is ours (Syvain replays our 201, or the 409 names an
 * experiment created after the key was made) and gets the rest of the events, never a second one.
 * A new slug another run already holds is a conflict like the first: the run stays kept.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { runCreationKey } from "../creation-key.ts";

export const RENAMES_FILE = "renames.json";

/** Where a kept run goes: its new slug, and the `create`'s own key (`run-create-<ms>-<uuid>`). */
export interface RenameTarget {
  slug: string;
  key: string;
}

/** Per kept run (its old slug and creation key), the rename given for it. */
type RenameBook = Record<string, RenameTarget>;

/**
 * `renames`: old slug → new slug, as given on the command line. The result answers, per kept run
 * (its slug and creation key), where it goes, or `undefined` for a run not renamed (left as kept).
 */
export function renameTargets(conflictsDir: string, renames: ReadonlyMap<string, string>, now: () => number = Date.now): (slug: string, key: string | undefined) => RenameTarget | undefined {
  const file = path.join(conflictsDir, RENAMES_FILE);
  const book = readBook(file);
  return (slug, key) => {
    const newSlug = renames.get(slug);
    if (newSlug === undefined) return undefined;
    const id = `${slug}\0${key ?? ""}`;
    const known = book[id];
    if (known?.slug === newSlug) return known;
    const target = { slug: newSlug, key: runCreationKey(now(), randomUUID()) };
    book[id] = target;
    writeBook(file, book);
    return target;
  };
}

function readBook(file: string): RenameBook {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return {};
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as RenameBook) : {};
  } catch {
    // A file we did not write whole (it is renamed into place): start again; the kept runs are untouched.
    return {};
  }
}

function writeBook(file: string, book: RenameBook): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, "w", 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(book));
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  const dirFd = fs.openSync(path.dirname(file), "r");
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
  }
}
