/**
 * `syvain-otel sync --rename OLD=NEW`: the new slug of a kept run, and the key of its `create`.
 *
 * The key is made once per kept run and new slug, and written to `<conflicts>/renames.json`
 * (a temporary file, fsync'd, renamed over) before the creation is sent: a rename interrupted after
 * Syvain created the new experiment (a kill, Ctrl-C, an outage) is resumed by the same command with
 * the same key, so the new experiment is ours (Syvain replays our 201, or the 409 names the
 * experiment an earlier sync confirmed as this key's, `experimentId`, or one created since this
 * sync's own first attempt) and gets the rest of the events, never a second one. A key made and
 * never confirmed is not taken to own an experiment created in between: that may be another run's.
 * A new slug another run already holds is a conflict like the first: the run stays kept.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { renameCreationKey } from "../creation-key.ts";
import { createdUnderKey } from "../created-under-key.ts";

export const RENAMES_FILE = "renames.json";

/** Where a kept run goes: its new slug, the `create`'s own key, and the experiment it made, once known. */
export interface RenameTarget {
  slug: string;
  key: string;
  experimentId?: string;
}

export interface RenameTargets {
  /** Where a kept run (its old slug and creation key) goes, or `undefined` for a run not renamed (left as kept). */
  targetOf(slug: string, key: string | undefined): RenameTarget | undefined;
  /** `target`'s create made (or was found to have made) `experimentId`: a resumed rename knows it for its own. */
  confirm(target: RenameTarget, experimentId: string): void;
  /** Runs asked for another new slug that finish under the one an earlier rename made (`--rename OLD=ASKED`). */
  readonly continued: ContinuedRename[];
}

/** A kept run asked for `asked` whose earlier rename made `into` already: it finishes there. */
export interface ContinuedRename {
  slug: string;
  asked: string;
  into: string;
}

/** Per kept run (its old slug and creation key), the rename given for it. */
type RenameBook = Record<string, RenameTarget>;

/** `renames`: old slug → new slug, as given on the command line. */
export function renameTargets(conflictsDir: string, renames: ReadonlyMap<string, string>): RenameTargets {
  const file = path.join(conflictsDir, RENAMES_FILE);
  const book = readBook(file);
  const idOf = (slug: string, key: string | undefined): string => `${slug}\0${key ?? ""}`;
  const continued: ContinuedRename[] = [];
  return {
    continued,
    targetOf(slug, key) {
      const newSlug = renames.get(slug);
      if (newSlug === undefined) return undefined;
      const known = book[idOf(slug, key)];
      // A rename that made its experiment already (part of the run may be there) finishes there, even
      // when asked for another slug: a run is never split over two experiments (an outside review
      // found it split after a cut rename was re-run under another name).
      if (known?.slug === newSlug || known?.experimentId !== undefined) {
        if (known.slug !== newSlug) continued.push({ slug, asked: newSlug, into: known.slug });
        // Confirmed by an earlier sync: a 409 naming it is our own creation, however old.
        if (known.experimentId !== undefined) createdUnderKey(known.experimentId, known.key);
        return known;
      }
      const target = { slug: newSlug, key: renameCreationKey(randomUUID()) };
      book[idOf(slug, key)] = target;
      writeBook(file, book);
      return target;
    },
    confirm(target, experimentId) {
      if (target.experimentId === experimentId) return;
      target.experimentId = experimentId;
      writeBook(file, book);
    },
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
