/**
 * `syvain-otel sync [paths...]`: uploads what dead processes left behind, exactly once: spool
 * directories (a `FORMAT` file at the top) and JSONL files of ours (`JsonlCollector`, exporter
 * `jsonlPath`, bridge `--jsonl`). Resumable: a JSONL file's progress lives in `<file>.sync-state`.
 * Exit 0 when everything is delivered, 1 when something is not (named), 2 on bad usage.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { API_KEY_ENV, HOST_ENV } from "../api/contract.ts";
import { SyvainError, SyvainValidationError } from "../api/errors.ts";
import type { SyvainClient } from "../client/client-types.ts";
import { createSyvainClient } from "../client/create-client.ts";
import { exporterDefaults } from "../config/defaults.ts";
import { resolveSpoolDir, SPOOL_DIR_ENV } from "../config/spool-defaults.ts";
import { checkSlug } from "../mapping/experiment.ts";
import { collectFlags, renderHelp, validateFlags, wholeNumber, type Command } from "./cli-flags.ts";
import { uploadJsonl } from "./sync/jsonl-upload.ts";
import { createProgressReporter, type ProgressOutput } from "./sync/progress.ts";
import { loadDeliverLeftovers, SPOOL_FORMAT_FILE } from "./sync/spool-source.ts";
import type { DeliverLeftovers, SyncProgress, SyncResult } from "./sync/sync-source.ts";

export const syncCommand: Command = {
  name: "syvain-otel sync",
  positionals: [{ name: "paths", placeholder: "[paths...]", variadic: true, description: `spool directories and JSONL files (default: the spool directory, $${SPOOL_DIR_ENV})` }],
  flags: [
    { name: "syvain-host", placeholder: "URL", env: HOST_ENV, default: exporterDefaults.host.default, example: "http://127.0.0.1:8080", description: "Syvain Metrics host, or a running emulator's URL" },
    { name: "dry-run", description: "list what would be sent (per experiment: slug, events per kind, source) and send nothing" },
    {
      name: "from-other-machine",
      description:
        "also deliver spool folders whose LOCK names another machine, taken as ended: only once those processes are gone (a copy off a preempted node); one still running there would keep writing into a folder being delivered",
    },
    { name: "retries", placeholder: "N", default: 5, description: "retries of one request after retryable failures (network, 429, 5xx)" },
    { name: "concurrency", placeholder: "N", default: 4, description: "requests in flight at once, per JSONL file" },
    {
      name: "rename",
      placeholder: "OLD=NEW",
      multiple: true,
      example: "run-17=run-17b",
      description: "deliver the runs kept aside because another run holds their slug OLD (ifExists \"error\") under the new slug NEW, a new experiment (repeatable)",
    },
    { name: "api-key", placeholder: "KEY", env: API_KEY_ENV, secret: true, envOnly: true, description: "Syvain API key" },
  ],
};

const HELP = renderHelp(
  syncCommand,
  `Uploads, exactly once, the spool directories of processes that died before delivering, and
JSONL files written offline (JsonlCollector, the exporters' jsonlPath, bridge --jsonl). An
interrupted sync resumes where it stopped; a second sync of the same data sends nothing.
Exit status: 0 everything delivered, 1 something not delivered (named on stderr), 2 bad usage.`,
  `
secrets (environment only, never flags, never logged):
  ${API_KEY_ENV.padEnd(26)} Syvain API key (for a local emulator: ak_org_emulator)
`,
);

const flagsSchema = z.strictObject({
  "syvain-host": z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }).optional(),
  retries: wholeNumber(0, 100).optional(),
  concurrency: wholeNumber(1, 64).optional(),
  "api-key": z.string().min(1).optional(),
  paths: z.array(z.string().min(1, "must not be empty")).optional(),
  rename: z.array(z.string().regex(/^[^=]+=[^=]/, "must be OLD=NEW: the slug of a run kept aside, '=', its new slug")).optional(),
});

type Flags = z.infer<typeof flagsSchema>;
type Source = { kind: "jsonl" | "spool"; path: string };

export interface SyncIo {
  env: NodeJS.ProcessEnv;
  stdout: ProgressOutput;
  stderr: ProgressOutput;
  /** The spool half (see `sync/spool-source.ts`); tests pass a stub. */
  loadSpool?: () => Promise<DeliverLeftovers>;
  signal?: AbortSignal;
}

class UsageError extends Error {}

/**
 * A spool directory as configured (`spoolDir`, holding one folder per Syvain host) or one host's
 * part of it: either has the spool's `FORMAT` file, at its top or one level down.
 */
function isSpoolDir(path: string): boolean {
  if (existsSync(join(path, SPOOL_FORMAT_FILE))) return true;
  return readdirSync(path, { withFileTypes: true }).some((entry) => entry.isDirectory() && existsSync(join(path, entry.name, SPOOL_FORMAT_FILE)));
}

/** A path argument → what it is: a spool directory, else a JSONL file. */
function classify(path: string): Source {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    throw new UsageError(`${syncCommand.name}: ${JSON.stringify(path)}: no such file or directory`);
  }
  if (!isDirectory) return { kind: "jsonl", path };
  if (isSpoolDir(path)) return { kind: "spool", path };
  throw new UsageError(`${syncCommand.name}: ${JSON.stringify(path)} is a directory but not a spool directory (no ${SPOOL_FORMAT_FILE} file in it or in a host folder under it); give spool directories or JSONL files`);
}

export async function runSync(argv: readonly string[], io: SyncIo): Promise<number> {
  const { stdout, stderr } = io;
  const say = (out: ProgressOutput, text: string): void => void out.write(`${text}\n`);
  if (argv.includes("--help") || argv.includes("-h")) {
    stdout.write(HELP);
    return 0;
  }
  const dryRun = argv.includes("--dry-run");
  const fromOtherMachine = argv.includes("--from-other-machine");
  let flags: Flags;
  let sources: Source[];
  let renames: ReadonlyMap<string, string>;
  try {
    const collected = collectFlags(syncCommand, argv, io.env);
    flags = validateFlags(syncCommand, flagsSchema, collected);
    const paths = flags.paths ?? [];
    if (paths.length === 0) {
      const dir = resolveSpoolDir(undefined, true, io.env);
      if (dir === undefined) {
        say(stderr, `${syncCommand.name}: nothing to sync: ${SPOOL_DIR_ENV} turns the spool off; give spool directories or JSONL files`);
        return 0;
      }
      if (!existsSync(dir)) {
        say(stderr, `${syncCommand.name}: nothing to sync: no spool directory at ${dir}`);
        return 0;
      }
      // The default place, made but never written to (a fresh volume, a mkdir -p): nothing to do.
      if (statSync(dir).isDirectory() && !isSpoolDir(dir)) {
        say(stderr, `${syncCommand.name}: nothing to sync: no spool in ${dir} yet`);
        return 0;
      }
      sources = [classify(dir)];
    } else sources = paths.map(classify);
    renames = renameMap(flags.rename ?? []);
    if (!dryRun && flags["api-key"] === undefined) {
      throw new UsageError(`${syncCommand.name}: no API key: set ${API_KEY_ENV} (for a local emulator: ${API_KEY_ENV}=ak_org_emulator), or use --dry-run`);
    }
  } catch (error) {
    if (!(error instanceof SyvainValidationError || error instanceof UsageError)) throw error;
    say(stderr, error.message);
    return 2;
  }
  // A dry run sends nothing; the spool source still takes a client, which it does not call then.
  let client: SyvainClient;
  try {
    client = createSyvainClient({ apiKey: flags["api-key"] ?? "dry-run-without-a-key", ...defined({ host: flags["syvain-host"] }) });
  } catch (error) {
    // A malformed key is a usage error, as for `bridge` (exit 2); the key itself is never printed.
    if (!(error instanceof SyvainValidationError)) throw error;
    // Only a key error is the key's fault: a bad host says so itself (the client names its field).
    const isKey = error.field === "apiKey" || error.field === API_KEY_ENV;
    say(stderr, isKey ? `${syncCommand.name}: ${API_KEY_ENV} is not a usable API key: ${error.message}` : `${syncCommand.name}: ${error.message}`);
    return 2;
  }
  const progress = createProgressReporter(stderr);
  let complete = true;
  const totals = { delivered: 0, failed: 0 };
  let runningSkipped = 0;
  try {
    for (const source of sources) {
      // What a source had sent when it stopped still counts in the summary (Ctrl-C after 16,000 said 0).
      let sentSoFar = 0;
      const onProgress = (p: SyncProgress): void => {
        sentSoFar = p.sentEvents;
        progress.update(source.path, p);
      };
      let result: SyncResult;
      try {
        result = await syncOne(source, client, { dryRun, fromOtherMachine, onProgress, flags, renames, signal: io.signal, loadSpool: io.loadSpool ?? loadDeliverLeftovers });
      } catch (error) {
        totals.delivered += sentSoFar;
        progress.finish();
        say(stderr, failureMessage(source.path, error, client.host, io.signal));
        complete = false;
        // The next sources would fail the same way (key, host, interrupt): say it once.
        if (stopsEverything(error, io.signal)) break;
        continue;
      }
      progress.finish();
      for (const line of result.details) say(dryRun ? stdout : stderr, line);
      totals.delivered += result.delivered;
      totals.failed += result.failed;
      // Folders of another machine fail the sync (exit 1), unlike running processes here (exit 0): a
      // later sync here takes over a process of this machine once it has died, never one of another's.
      if (result.failed > 0 || result.leftElsewhere === true || (result.otherMachinesSkipped ?? 0) > 0 || (!dryRun && (result.keptRuns ?? 0) > 0)) complete = false;
      runningSkipped += result.runningSkipped ?? 0;
    }
  } finally {
    await client.close();
  }
  const everything = runningSkipped > 0 ? "; everything is delivered except what running processes hold (see above)" : "; everything is delivered";
  if (!dryRun) say(stderr, `${syncCommand.name}: ${totals.delivered} events delivered${complete ? everything : "; NOT everything is delivered (see above)"}`);
  return complete ? 0 : 1;
}

interface SyncOneOptions {
  dryRun: boolean;
  fromOtherMachine: boolean;
  onProgress: (p: SyncProgress) => void;
  flags: Flags;
  renames: ReadonlyMap<string, string>;
  signal: AbortSignal | undefined;
  loadSpool: () => Promise<DeliverLeftovers>;
}

async function syncOne(source: Source, client: SyvainClient, o: SyncOneOptions): Promise<SyncResult> {
  const signal = o.signal === undefined ? {} : { signal: o.signal };
  if (source.kind === "jsonl") {
    const tuning = defined({ retries: o.flags.retries, concurrency: o.flags.concurrency });
    return uploadJsonl({ path: source.path, ...(o.dryRun ? {} : { client }), onProgress: o.onProgress, ...signal, ...tuning });
  }
  const deliverLeftovers = await o.loadSpool();
  return deliverLeftovers({
    spoolDir: source.path,
    client,
    dryRun: o.dryRun,
    onProgress: o.onProgress,
    ...signal,
    ...(o.renames.size > 0 ? { renames: o.renames } : {}),
    ...(o.fromOtherMachine ? { fromOtherMachine: true } : {}),
  });
}

/** `--rename OLD=NEW` values (split at the first `=`) → old slug → new slug; NEW must be a valid slug, other than OLD. */
function renameMap(values: readonly string[]): ReadonlyMap<string, string> {
  const renames = new Map<string, string>();
  for (const value of values) {
    const at = value.indexOf("=");
    const [from, to] = [value.slice(0, at), value.slice(at + 1)];
    checkSlug(to, "--rename");
    if (from === to) throw new UsageError(`${syncCommand.name}: --rename ${value}: the new slug must differ from the old one (another run holds it)`);
    if (renames.has(from) && renames.get(from) !== to) throw new UsageError(`${syncCommand.name}: --rename ${from}=... is given twice with different new slugs`);
    renames.set(from, to);
  }
  return renames;
}

const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

function stopsEverything(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || (error instanceof SyvainError && ["auth", "forbidden", "network", "timeout"].includes(error.code));
}

/** Says what failed and what to do; progress already made is kept. */
function failureMessage(path: string, error: unknown, host: string | undefined, signal: AbortSignal | undefined): string {
  const prefix = `${syncCommand.name}: ${path}`;
  const text = error instanceof Error ? error.message : String(error);
  if (signal?.aborted === true) return `${prefix}: interrupted; what was acknowledged is recorded, run sync again to resume`;
  if (!(error instanceof SyvainError)) return `${prefix}: ${text}`;
  if (error.code === "auth" || error.code === "forbidden") {
    return `${prefix}: Syvain rejected the API key in ${API_KEY_ENV} (${text}); set ${API_KEY_ENV} to a valid key and run sync again`;
  }
  if (error.code === "network" || error.code === "timeout") {
    return `${prefix}: could not reach Syvain at ${host ?? "the host"} (${text}); check ${HOST_ENV} or --syvain-host, then run sync again (it resumes)`;
  }
  return `${prefix}: ${text}; run sync again to resume`;
}

export async function run(argv: string[]): Promise<number> {
  const interrupt = new AbortController();
  const onSignal = (): void => interrupt.abort(new SyvainError("shutdown", "interrupted by a signal"));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    return await runSync(argv, { env: process.env, stdout: process.stdout, stderr: process.stderr, signal: interrupt.signal });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
