/**
 * `startEmulator()`: a local, strict implementation of the Syvain Metrics REST API
 * (`src/api/contract.ts`) on `node:http`, with a read API, counters, fault injection and optional
 * persistence, for tests (yours and ours) and demos.
 */
import { createHash } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:http";
import type { RequestListener, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { posix } from "node:path";
import { z } from "zod";
import { isFunction } from "../config/option-schemas.ts";
import { parseOptions } from "../config/parse-options.ts";
import type { Folder } from "../api/contract.ts";
import { copyCounters, emptyCounters } from "./counters.ts";
import type { EmulatorCounters } from "./counters.ts";
import { createRequestListener } from "./emulator-server.ts";
import { EmulatorStore } from "./emulator-store.ts";
import { FaultController, faultPlanSchema } from "./faults.ts";
import type { FaultPlan } from "./faults.ts";
import { createIdGenerator, uuidText } from "./ids.ts";
import { loadStore, StoreSaver } from "./persistence.ts";
import { createStoreView, totalsOf } from "./store-view.ts";
import type { EmulatorStoreView, ExperimentTotals } from "./store-view.ts";
import { createViewer, pathOf } from "./viewer/viewer-routes.ts";
import type { Viewer } from "./viewer/viewer-routes.ts";

/** The API key the emulator accepts when no `apiKeys` are given. */
export const EMULATOR_API_KEY = "ak_org_emulator";

/** A folder to create at start. Several seeds may share a path, to test ambiguous paths. */
export interface EmulatorFolderSeed {
  /** Default: derived from the path and position, so it is the same on every start. */
  id?: string;
  /** Absolute path such as `/team/project`. */
  path: string;
  /** Default: the first folder whose path is the parent path, else the root `/`. */
  parentId?: string | null;
}

export interface EmulatorOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0: a free port, see `emulator.url`. */
  port?: number;
  /** Accepted API keys (all belong to one organisation). Default `[EMULATOR_API_KEY]`. */
  apiKeys?: string[];
  /** Folders besides the root `/`. */
  folders?: EmulatorFolderSeed[];
  /** Persist to this JSON file: loaded at start, saved after changes and on `close()`. */
  dataFile?: string;
  /** Initial fault plan; change it later with `emulator.faults` or `PUT /_emulator/faults`. */
  faults?: FaultPlan;
  /** Clock in ms since the epoch, for `created_at`, ids and idempotency expiry. Default `Date.now`. */
  now?: () => number;
  /** Debounce of saves to `dataFile`, in ms. Default 250. */
  saveDelayMs?: number;
  /**
   * Serve the read-only experiment viewer at `/` (loopback browsers only, no API key). Default true;
   * `false` leaves `/` to the API (401 without a key, 404 with one).
   */
  ui?: boolean;
}

/** What `GET /_emulator/stats` answers. */
export interface EmulatorStats {
  counters: EmulatorCounters;
  experiments: ExperimentTotals[];
}

const optionsSchema = z.strictObject({
  host: z.string().min(1).default("127.0.0.1"),
  port: z.number().int().min(0).max(65535).default(0),
  apiKeys: z.array(z.string().min(1)).min(1).default([EMULATOR_API_KEY]),
  folders: z.array(z.strictObject({ id: z.string().min(1).optional(), path: z.string().startsWith("/"), parentId: z.string().nullable().optional() })).default([]),
  dataFile: z.string().min(1).optional(),
  faults: faultPlanSchema.optional(),
  now: z.custom<() => number>(isFunction, "must be a function returning ms since the epoch").default(() => Date.now),
  saveDelayMs: z.number().int().min(0).default(250),
  ui: z.boolean().default(true),
});

function seededFolderId(path: string, index: number): string {
  const bytes = createHash("sha256").update(`${index}:${path}`).digest();
  // UUIDv7-shaped: version nibble 7, variant nibble 8.
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x0f);
  return uuidText(bytes);
}

function seedFolders(store: EmulatorStore, seeds: readonly EmulatorFolderSeed[]): void {
  seeds.forEach((seed, index) => {
    const id = seed.id ?? seededFolderId(seed.path, index);
    if (store.folder(id)) return; // already there (loaded from the data file)
    const parentPath = posix.dirname(seed.path);
    const parent_id = seed.parentId !== undefined ? seed.parentId : (store.folders.find((f) => f.path === parentPath && f.path !== seed.path)?.id ?? store.folders[0]!.id);
    const folder: Folder = { id, path: seed.path, parent_id: seed.path === "/" ? null : parent_id };
    store.addFolder(folder);
  });
}

function statsOf(counters: EmulatorCounters, store: EmulatorStore): EmulatorStats {
  return { counters: copyCounters(counters), experiments: store.ordered.map(totalsOf) };
}

/** A running emulator. Close it (or `await using`) to free the port and save the data file. */
export interface Emulator extends AsyncDisposable {
  /** Base URL, e.g. `http://127.0.0.1:40123`: use it as `SYVAIN_METRICS_HOST`. */
  readonly url: string;
  readonly port: number;
  /** The first accepted API key (a getter: `util.inspect(emulator)` does not show it). */
  readonly apiKey: string;
  /** Read API over the stored data. */
  readonly store: EmulatorStoreView;
  /** A snapshot of the counters, taken when read. */
  readonly counters: EmulatorCounters;
  /** Scripted and random faults, per route. */
  readonly faults: FaultController;
  /** Counters plus stored totals per experiment (what `GET /_emulator/stats` answers). */
  stats(): EmulatorStats;
  /** Saves the data file now (no-op without `dataFile`). */
  save(): Promise<void>;
  /** Stops listening, drops open connections and saves the data file. Safe to call twice. */
  close(): Promise<void>;
}

class RunningEmulator implements Emulator {
  readonly #server: Server;
  readonly #counters: EmulatorCounters;
  readonly #store: EmulatorStore;
  readonly #saver: StoreSaver | undefined;
  readonly #apiKeys: readonly string[];
  readonly #viewer: Viewer | undefined;
  #closing: Promise<void> | undefined;
  /** Base URL, e.g. `http://127.0.0.1:40123`: use it as `SYVAIN_METRICS_HOST`. */
  readonly url: string;
  readonly port: number;
  /** Read API over the stored data. */
  readonly store: EmulatorStoreView;
  /** Scripted and random faults, per route. */
  readonly faults: FaultController;

  constructor(parts: { server: Server; store: EmulatorStore; counters: EmulatorCounters; faults: FaultController; saver: StoreSaver | undefined; apiKeys: readonly string[]; viewer: Viewer | undefined }) {
    this.#server = parts.server;
    this.#store = parts.store;
    this.#counters = parts.counters;
    this.#saver = parts.saver;
    this.#apiKeys = parts.apiKeys;
    this.#viewer = parts.viewer;
    this.faults = parts.faults;
    this.store = createStoreView(parts.store);
    const address = parts.server.address() as AddressInfo;
    this.port = address.port;
    this.url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  }

  /** The first accepted API key (a getter, so `util.inspect(emulator)` does not show it). */
  get apiKey(): string {
    return this.#apiKeys[0]!;
  }

  /** A snapshot of the counters. */
  get counters(): EmulatorCounters {
    return copyCounters(this.#counters);
  }

  /** Counters plus stored totals per experiment (what `GET /_emulator/stats` answers). */
  stats(): EmulatorStats {
    return statsOf(this.#counters, this.#store);
  }

  /** Saves the data file now (no-op without `dataFile`). */
  async save(): Promise<void> {
    await this.#saver?.save();
  }

  /** Stops listening, drops open connections and saves the data file. Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const closed = once(this.#server, "close");
      this.#viewer?.close();
      this.#server.close();
      this.#server.closeAllConnections();
      await closed;
      await this.#saver?.save();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Starts an emulator (by default on `127.0.0.1` and a free port). */
export async function startEmulator(options?: EmulatorOptions): Promise<Emulator> {
  const o = parseOptions(optionsSchema, options, { owner: "startEmulator", secretFields: ["apiKeys"] });
  const now = o.now;
  const store = new EmulatorStore();
  if (o.dataFile !== undefined) await loadStore(o.dataFile, store, now());
  seedFolders(store, o.folders);
  const counters = emptyCounters();
  const faults = new FaultController();
  if (o.faults) faults.replace(o.faults);
  const saver = o.dataFile === undefined ? undefined : new StoreSaver(o.dataFile, store, now, o.saveDelayMs);
  // Fail at start, not at the first change or at close, when the file cannot be written.
  await saver?.save();
  const viewer = o.ui ? createViewer(store) : undefined;
  const api = createRequestListener({
    store,
    faults,
    counters,
    acceptedKeys: new Set(o.apiKeys),
    now,
    newId: createIdGenerator(now),
    onChange: () => {
      saver?.schedule();
      viewer?.changed();
    },
    stats: () => statsOf(counters, store),
  });
  const listener: RequestListener = viewer
    ? (req, res) => (viewer.owns(pathOf(req.url)) ? viewer.handle(req, res) : api(req, res))
    : api;
  const server = createServer({ keepAliveTimeout: 30_000 }, listener);
  server.listen(o.port, o.host);
  await once(server, "listening");
  return new RunningEmulator({ server, store, counters, faults, saver, apiKeys: o.apiKeys, viewer });
}
