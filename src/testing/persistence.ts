/**
 * Saves the emulator's store to one JSON file and loads it back: experiments, folders, every stored
 * event (their ids rebuild the dedup set) and the idempotency records. Writes are atomic and durable
 * (temp file, fsync, rename, fsync of the folder), private to the owner (0600: the file holds
 * whatever experiments and metadata were sent), debounced on an unref'd timer, and serialised so two
 * saves never interleave.
 */
import { randomBytes } from "node:crypto";
import { open, readFile, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import type { AnnotationEvent, Experiment, Folder } from "../api/contract.ts";
import { SyvainValidationError } from "../api/errors.ts";
import type { EmulatorStore, IdempotencyRecord, StoredSeries } from "./emulator-store.ts";

const SNAPSHOT_VERSION = 1;

interface Snapshot {
  version: typeof SNAPSHOT_VERSION;
  folders: Folder[];
  experiments: { experiment: Experiment; series: StoredSeries[]; annotations: AnnotationEvent[] }[];
  idempotency: [string, IdempotencyRecord][];
}

// Shallow check only: the file is ours, but a wrong file given by mistake should fail clearly.
const snapshotShape = z.object({
  version: z.literal(SNAPSHOT_VERSION),
  folders: z.array(z.unknown()),
  experiments: z.array(z.object({ experiment: z.object({ id: z.string(), slug: z.string() }).loose(), series: z.array(z.unknown()), annotations: z.array(z.unknown()) })),
  idempotency: z.array(z.tuple([z.string(), z.unknown()])),
});

function snapshotOf(store: EmulatorStore): Snapshot {
  return {
    version: SNAPSHOT_VERSION,
    folders: store.folders,
    experiments: store.ordered.map((data) => ({ experiment: data.experiment, series: [...data.series.values()], annotations: data.annotations })),
    idempotency: [...store.idempotency],
  };
}

/** Loads `file` into the (empty) store; a missing file is an empty store. */
export async function loadStore(file: string, store: EmulatorStore, now: number): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  const parsed = snapshotShape.safeParse(parseJson(text));
  if (!parsed.success) {
    // Typed, so callers (`syvain-otel view`, `emulator --data-file`) tell a wrong file from a bug by type.
    throw new SyvainValidationError("dataFile", file, `syvain emulator: ${file} is not an emulator data file (${parsed.error.issues[0]?.message ?? "bad shape"})`, "config");
  }
  const snapshot = parsed.data as unknown as Snapshot;
  store.folders.splice(0, store.folders.length, ...snapshot.folders);
  for (const saved of snapshot.experiments) {
    const data = store.addExperiment(saved.experiment);
    for (const series of saved.series) store.restoreSeries(data, series);
    store.restoreAnnotations(data, saved.annotations);
  }
  for (const [key, record] of snapshot.idempotency) if (record.expiresAt > now) store.idempotency.set(key, record);
}

/** Not JSON at all is one more way of not being a data file (`undefined` fails the shape check). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Owner read/write only. A new temp file per save, renamed over the old one, so an older file's
 * wider mode never survives a save. */
const FILE_MODE = 0o600;

async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    // `wx`: never write through a file (or link) someone placed at the temp name.
    const handle = await open(temp, "wx", FILE_MODE);
    try {
      await handle.writeFile(text);
      // Without it a crash soon after the rename can leave the new name on an empty file.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncFolder(dirname(file));
}

/** Makes the rename itself durable. Some platforms (Windows) cannot open or sync a folder: skip there. */
async function syncFolder(folder: string): Promise<void> {
  let handle;
  try {
    handle = await open(folder, "r");
  } catch {
    return;
  }
  try {
    await handle.sync().catch((error: unknown) => {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EINVAL" && code !== "EPERM" && code !== "EISDIR") throw error;
    });
  } finally {
    await handle.close();
  }
}

export class StoreSaver {
  readonly #file: string;
  readonly #store: EmulatorStore;
  readonly #delayMs: number;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<void> = Promise.resolve();
  /** The last background save's failure, reported by the next `save()`. */
  #failure: unknown;

  constructor(file: string, store: EmulatorStore, now: () => number, delayMs = 250) {
    this.#file = file;
    this.#store = store;
    this.#now = now;
    this.#delayMs = delayMs;
  }

  /** Debounced save after a change. */
  schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.save().catch((error: unknown) => {
        this.#failure = error;
      });
    }, this.#delayMs);
    this.#timer.unref();
  }

  /** Saves now (after any save in progress); rejects if this or an earlier background save failed. */
  save(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const run = async (): Promise<void> => {
      this.#store.pruneIdempotency(this.#now());
      await writeAtomically(this.#file, JSON.stringify(snapshotOf(this.#store)));
    };
    this.#chain = this.#chain.then(run, run);
    const earlier = this.#failure;
    this.#failure = undefined;
    return earlier === undefined ? this.#chain : this.#chain.then(() => Promise.reject(earlier as Error));
  }
}
