/**
 * What `syvain-otel sync` asks of each kind of source (a spool directory, a JSONL file): deliver
 * what is left, or with `dryRun` only describe it, and say how it went. The spool's own function
 * (`deliverLeftovers`, from the spool engine) has exactly this shape, so it plugs in as is.
 */
import type { SyvainClient } from "../../client/client-types.ts";

/** How far a source is: by events when their total is known up front (a JSONL file), else by bytes read (a spool). */
export type SyncProgress = { sentEvents: number; experiments: number } & ({ totalEvents: number; bytes?: undefined } | { bytes: { read: number; total: number }; totalEvents?: undefined });

export interface SyncResult {
  experiments: number;
  events: number;
  delivered: number;
  /** Events refused for good (named in `details`); any makes the command exit 1. */
  failed: number;
  /** Lines for the user: what was (or, dry, would be) sent, what failed and why. */
  details: string[];
  /** Leftovers this sync must not send (another Syvain host's, named in `details`): the command exits 1. */
  leftElsewhere?: boolean;
  /** Spool folders of processes still running, skipped (named in `details`): not an error, but not "everything" either. */
  runningSkipped?: number;
  /**
   * Spool folders written on another machine, skipped (named in `details`, with the command that
   * sends them): the command exits 1. Unlike a running process here, nothing ever sends them unless
   * the user says their processes have ended (`fromOtherMachine`).
   */
  otherMachinesSkipped?: number;
  /** Runs kept aside, not sent, because another run holds their slug (named in `details`, with the command that sends them): the command exits 1. */
  keptRuns?: number;
}

export interface SpoolSyncOptions {
  spoolDir: string;
  client: SyvainClient;
  dryRun?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: SyncProgress) => void;
  /** `--rename OLD=NEW`: runs kept aside under OLD (another run holds it) are delivered under NEW. */
  renames?: ReadonlyMap<string, string>;
  /** `--from-other-machine`: folders whose LOCK names another machine are taken as ended and delivered. */
  fromOtherMachine?: boolean;
}

export type DeliverLeftovers = (options: SpoolSyncOptions) => Promise<SyncResult>;
