/**
 * What stands behind the bridge's intake: the exporters (the caller's, or made from `syvain`) and,
 * when `spoolDir` is set and the destination is Syvain, a spool journaling them plus the one
 * client that both the exporters and the replay of leftovers use. A spool needs Syvain as the
 * destination: a JSONL file or a custom sink is its own record, and a replay calls the API.
 */
import { SyvainValidationError } from "../api/errors.ts";
import type { SyvainClient } from "../client/client-types.ts";
import { createSyvainClient } from "../client/create-client.ts";
import { hostPartOf } from "../destinations/host-part-dir.ts";
import type { SpoolStats } from "../delivery/spool/index.ts";
import { exportersFor } from "../exporter/otel/create-exporters.ts";
import type { BridgeLog } from "./bridge-log.ts";
import type { BridgeExporters, ResolvedBridgeOptions } from "./bridge-options.ts";
import { BridgeSpool } from "./bridge-spool.ts";
import { KeyWatch } from "./key-watch.ts";

export interface BridgeDelivery {
  exporters: BridgeExporters;
  /** The bridge made the exporters (and shuts them down). */
  owned: boolean;
  spool: BridgeSpool | undefined;
  /** Whether Syvain rejects the key now; `undefined` for exporters the caller made (not watched). */
  keyWatch: KeyWatch | undefined;
  /** With a JSONL file: whether everything queued now is written (and fsynced) by the deadline. */
  written: ((deadline: number) => Promise<boolean>) | undefined;
  /** Opens the spool (and starts delivering leftovers); rejects when its directory cannot be used. */
  open(): Promise<void>;
  /** Settles once what earlier bridges left on the spool is delivered (or its delivery stopped); at once without a spool. */
  leftoversSettled(): Promise<void>;
  /** Once the exporters are shut down: stops the leftovers, closes the spool, then the client the bridge made. */
  close(): Promise<SpoolStats | undefined>;
}

export function openBridgeDelivery(options: ResolvedBridgeOptions, log: BridgeLog): BridgeDelivery {
  const onWarning = (message: string): void => log({ level: "warn", event: "delivery.warning", message });
  // Never the exporters' own background spool (nor SYVAIN_SPOOL_DIR, meant for training jobs):
  // the bridge's spool below is the one that decides what a 200 promises.
  const base = { shutdownTimeoutSeconds: options.shutdownTimeoutSeconds, onWarning };
  const noOwnSpool = { spoolDir: false as const };
  if (options.exporters !== undefined || options.spoolDir === undefined || options.spoolDir === false) {
    if (typeof options.spoolDir === "string") throw spoolNeedsSyvain("exporters");
    // Memory only, a new experiment's data waits for its creation and gets 503 past the answer
    // deadline (the sender keeps its copy), rather than a 200 for data held in memory before it exists.
    // Nothing keeps a batch past its failure here: a rejected key's batches are given up (counted) as before.
    const keyWatch = options.exporters === undefined ? new KeyWatch(false) : undefined;
    const watching = keyWatch === undefined ? {} : { watchSink: keyWatch.watch.bind(keyWatch) };
    const made = options.exporters === undefined ? exportersFor({ ...base, ...options.syvain, ...noOwnSpool }, "createBridge", "syvain", { waitForCreations: true, ...watching }) : undefined;
    const exporters = options.exporters ?? made!;
    // A JSONL file is the record itself: a 200 waits until the request's lines are in it (intake.ts).
    const written = made !== undefined && options.syvain?.jsonlPath !== undefined ? made.deliveredWithin : undefined;
    return { exporters, owned: made !== undefined, spool: undefined, keyWatch, written, open: () => Promise.resolve(), leftoversSettled: () => Promise.resolve(), close: () => Promise.resolve(undefined) };
  }
  const { apiKey, host, client: given, ...syvain } = options.syvain ?? {};
  if (syvain.jsonlPath !== undefined) throw spoolNeedsSyvain("syvain.jsonlPath");
  if (syvain.sink !== undefined) throw spoolNeedsSyvain("syvain.sink");
  const client: SyvainClient = given ?? createSyvainClient({ ...(apiKey === undefined ? {} : { apiKey }), ...(host === undefined ? {} : { host }) });
  const spool = new BridgeSpool({
    dir: hostPartOf(options.spoolDir, client.host),
    host: client.host,
    maxBytes: options.spoolMaxBytes,
    syncMs: options.spoolSyncMs,
    log,
    // A quarter of the answer deadline (at most 2 s): the rest is left for the append and fdatasync.
    deferCreationAfterMs: Math.min(2000, (options.answerTimeoutSeconds * 1000) / 4),
  });
  // The spool holds what a rejected key refuses (the senders had their 200): waited out, not given up.
  const keyWatch = new KeyWatch(true);
  const exporters = exportersFor({ ...base, ...syvain, ...noOwnSpool, client }, "createBridge", "syvain", { journals: spool, watchSink: keyWatch.watch.bind(keyWatch) });
  return {
    exporters,
    owned: true,
    spool,
    keyWatch,
    written: undefined,
    async open() {
      await spool.open(client);
      const error = spool.spool.lastError;
      if (error !== undefined) {
        await spool.close();
        throw new SyvainValidationError("spoolDir", spool.dir, `createBridge: cannot use the spool directory ${spool.dir}: ${error.message}; fix it, or run memory only (--spool-dir off)`, "config");
      }
    },
    leftoversSettled: () => spool.leftoversSettled(),
    async close() {
      try {
        return await spool.close();
      } finally {
        if (given === undefined) await client.close();
      }
    },
  };
}

function spoolNeedsSyvain(field: string): SyvainValidationError {
  return new SyvainValidationError("spoolDir", undefined, `createBridge: spoolDir needs Syvain as the destination (syvain.apiKey/host or syvain.client), not ${field}: a spool is replayed through the API`, "config");
}
