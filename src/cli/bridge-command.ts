/**
 * `syvain-otel bridge`: receives OTLP/HTTP (from an OpenTelemetry Collector or any OTLP
 * exporter) and delivers it to Syvain Metrics, a running emulator, or a JSONL file. Runs until
 * SIGINT/SIGTERM, then stops accepting, drains within the shutdown deadline and exits 0 — with a
 * spool (the default) what is undelivered stays on disk for the next start; without one (`--spool-dir
 * off`), 3 when accepted events were still undelivered and only in memory (logged at `error`).
 * Flags win over environment variables; secrets are read from the environment only.
 */
import { z } from "zod";
import { API_KEY_ENV, HOST_ENV } from "../api/contract.ts";
import { SyvainValidationError } from "../api/errors.ts";
import { createBridge } from "../bridge/create-bridge.ts";
import { checkApiKey } from "../bridge/key-check.ts";
import type { BridgeOptions } from "../bridge/bridge-options.ts";
import { bridgeDefaults as b, deliveryDefaults, exporterDefaults } from "../config/defaults.ts";
import { defaultBridgeSpoolDir, isSpoolOff } from "../config/spool-defaults.ts";
import { cliSeconds, collectFlags, renderHelp, validateFlags, wholeNumber, type CollectedFlags, type Command } from "./cli-flags.ts";

/** Exit code when the bridge stopped with accepted events undelivered and no spool to keep them. */
export const EXIT_DATA_LOST = 3;

export const bridgeCommand: Command = {
  name: "syvain-otel bridge",
  flags: [
    { name: "bind", placeholder: "ADDR", env: b.host.env, default: b.host.default, example: "0.0.0.0", description: "interface to listen on (0.0.0.0 in a container)" },
    { name: "port", placeholder: "N", env: b.port.env, default: b.port.default, description: "port to listen on (4318 is the OTLP/HTTP port; 0 = any free port)" },
    { name: "path-prefix", placeholder: "PATH", env: b.pathPrefix.env, default: b.pathPrefix.default, example: "/otlp", description: "path before /v1/metrics and /v1/logs, e.g. /otlp" },
    { name: "syvain-host", placeholder: "URL", env: HOST_ENV, default: exporterDefaults.host.default, example: "http://127.0.0.1:8080", description: "Syvain Metrics host, or a running emulator's URL" },
    { name: "host", placeholder: "URL", replacedBy: "syvain-host", description: "deprecated spelling of --syvain-host" },
    { name: "jsonl", placeholder: "FILE", env: "SYVAIN_BRIDGE_JSONL", example: "metrics.jsonl", description: "append everything to this JSONL file instead of calling Syvain" },
    { name: "slug", placeholder: "SLUG", env: "SYVAIN_BRIDGE_SLUG", example: "my-run", description: "experiment slug for all data (default: each resource's syvain.experiment.slug, else service.name)" },
    { name: "folder-path", placeholder: "PATH", env: "SYVAIN_BRIDGE_FOLDER_PATH", example: "/team/vision", description: "folder of new experiments whose resource names none" },
    { name: "step-attribute", placeholder: "NAME", env: "SYVAIN_BRIDGE_STEP_ATTRIBUTE", default: exporterDefaults.stepAttribute.default, description: "data point attribute holding the training step" },
    { name: "max-request-bytes", placeholder: "N", env: b.maxRequestBytes.env, default: b.maxRequestBytes.default, description: "largest request body as sent" },
    { name: "max-decompressed-bytes", placeholder: "N", env: b.maxDecompressedBytes.env, default: b.maxDecompressedBytes.default, description: "largest body after decompression" },
    { name: "max-memory-bytes", placeholder: "N", env: b.maxMemoryBytes.env, default: b.maxMemoryBytes.default, description: "one memory budget for all requests in flight and queued events; beyond it senders get 503" },
    { name: "max-connections", placeholder: "N", env: b.maxConnections.env, default: b.maxConnections.default, description: "open connections at most; more are closed on arrival" },
    { name: "header-timeout", placeholder: "SECONDS", env: b.headerTimeoutSeconds.env, default: b.headerTimeoutSeconds.default, description: "seconds to receive a request's headers, then 408" },
    { name: "body-timeout", placeholder: "SECONDS", env: b.bodyTimeoutSeconds.env, default: b.bodyTimeoutSeconds.default, description: "seconds to receive a request's body after its headers, then 408" },
    { name: "max-queue-items", placeholder: "N", env: "SYVAIN_BRIDGE_MAX_QUEUE_ITEMS", default: deliveryDefaults.maxQueueItems.default, description: "events queued per experiment before senders get 503" },
    { name: "experiment-idle", placeholder: "SECONDS", env: "SYVAIN_BRIDGE_EXPERIMENT_IDLE", default: exporterDefaults.experimentIdleSeconds.default, description: "an experiment with nothing queued for this long releases its memory; its next request gets it again" },
    { name: "answer-timeout", placeholder: "SECONDS", env: b.answerTimeoutSeconds.env, default: b.answerTimeoutSeconds.default, description: "seconds a request may wait for what its 200 needs (a new experiment, the spool's or the JSONL file's write) before a 503" },
    { name: "retry-after", placeholder: "SECONDS", env: b.retryAfterSeconds.env, default: b.retryAfterSeconds.default, description: "Retry-After seconds on 503/429 when Syvain gave none" },
    { name: "shutdown-timeout", placeholder: "SECONDS", env: b.shutdownTimeoutSeconds.env, default: b.shutdownTimeoutSeconds.default, description: "seconds to drain on SIGTERM/SIGINT before exiting; with a spool, the rest stays on disk" },
    { name: "spool-dir", placeholder: "DIR", env: b.spoolDir.env, default: "~/.local/state/syvain-metrics-otel/bridge-spool", example: "/var/lib/syvain-bridge/spool", description: "disk spool: 200 only once a request's events are in it, synced; a restart delivers what is left; off = memory only; the default is under $XDG_STATE_HOME when set" },
    { name: "spool-max-bytes", placeholder: "N", env: b.spoolMaxBytes.env, default: b.spoolMaxBytes.default, description: "bytes the spool may hold; beyond it senders get 503" },
    { name: "spool-sync-ms", placeholder: "MS", env: b.spoolSyncMs.env, default: b.spoolSyncMs.default, description: "0 = fdatasync before every 200 (group commit); N = at most every N ms, answers wait for it" },
    { name: "api-key", placeholder: "KEY", env: API_KEY_ENV, secret: true, envOnly: true, description: "Syvain API key" },
    { name: "auth-token", placeholder: "TOKEN", env: b.authToken.env, secret: true, envOnly: true, description: "token senders must present" },
  ],
};

const HELP = renderHelp(
  bridgeCommand,
  `Receives OTLP/HTTP metrics and logs (POST /v1/metrics, /v1/logs; protobuf or JSON; gzip,
deflate or zstd) and delivers them to Syvain Metrics. Logs one JSON line per event on stderr.
Each option is also read from the environment variable shown; the flag wins.`,
  `
secrets (environment only, never flags, never logged):
  ${API_KEY_ENV.padEnd(26)} Syvain API key (for a local emulator: ak_org_emulator)
  ${b.authToken.env.padEnd(26)} when set, senders must send "Authorization: Bearer <token>"
`,
);

const flagsSchema = z.strictObject({
  bind: z.string().min(1, "must not be empty").optional(),
  port: wholeNumber(0, 65535).optional(),
  "path-prefix": z.string().optional(),
  "syvain-host": z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }).optional(),
  jsonl: z.string().min(1, "must not be empty").optional(),
  slug: z.string().min(1, "must not be empty").optional(),
  "folder-path": z.string().startsWith("/", "must start with /").optional(),
  "step-attribute": z.string().min(1, "must not be empty").optional(),
  "max-request-bytes": wholeNumber(1024).optional(),
  "max-decompressed-bytes": wholeNumber(1024).optional(),
  "max-memory-bytes": wholeNumber(16 * 1024 * 1024).optional(),
  "max-connections": wholeNumber(1, 1_000_000).optional(),
  "header-timeout": cliSeconds.optional(),
  "body-timeout": cliSeconds.optional(),
  "max-queue-items": wholeNumber(1).optional(),
  "experiment-idle": cliSeconds.optional(),
  "answer-timeout": cliSeconds.optional(),
  "retry-after": wholeNumber(1, 3600).optional(),
  "shutdown-timeout": cliSeconds.optional(),
  "spool-dir": z.string().optional(),
  "spool-max-bytes": wholeNumber(8 * 1024 * 1024).optional(),
  "spool-sync-ms": wholeNumber(0, 60_000).optional(),
  "api-key": z.string().min(1).optional(),
  "auth-token": z.string().min(16, "must be at least 16 characters").optional(),
});
type Flags = z.infer<typeof flagsSchema>;

/** The command line and environment, collected (not validated). */
export function readFlags(argv: readonly string[], env: NodeJS.ProcessEnv): CollectedFlags {
  return collectFlags(bridgeCommand, argv, env);
}

const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** A line in the bridge's own log format (the CLI's events around the bridge's). */
function logLine(level: "info" | "warn", event: string, fields: Record<string, unknown>): void {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`);
}

export function bridgeOptionsFromFlags(flags: Flags): BridgeOptions {
  const destination = flags.jsonl !== undefined ? { jsonlPath: flags.jsonl } : defined({ apiKey: flags["api-key"], host: flags["syvain-host"] });
  return defined({
    host: flags.bind,
    port: flags.port,
    pathPrefix: flags["path-prefix"],
    maxRequestBytes: flags["max-request-bytes"],
    maxDecompressedBytes: flags["max-decompressed-bytes"],
    maxMemoryBytes: flags["max-memory-bytes"],
    maxConnections: flags["max-connections"],
    headerTimeoutSeconds: flags["header-timeout"],
    bodyTimeoutSeconds: flags["body-timeout"],
    authToken: flags["auth-token"],
    answerTimeoutSeconds: flags["answer-timeout"],
    retryAfterSeconds: flags["retry-after"],
    shutdownTimeoutSeconds: flags["shutdown-timeout"],
    spoolDir: spoolDirOf(flags),
    spoolMaxBytes: flags["spool-max-bytes"],
    spoolSyncMs: flags["spool-sync-ms"],
    syvain: {
      ...destination,
      ...defined({
        slug: flags.slug,
        defaultFolderPath: flags["folder-path"],
        stepAttribute: flags["step-attribute"],
        maxQueueItems: flags["max-queue-items"],
        experimentIdleSeconds: flags["experiment-idle"],
      }),
    },
  });
}

/** On by default (a 200 is then a promise kept across crashes); `off` = memory only; never with --jsonl (the file is the record). */
function spoolDirOf(flags: Flags): string | false {
  const given = flags["spool-dir"];
  if (flags.jsonl !== undefined || (given !== undefined && isSpoolOff(given))) return false;
  return given ?? defaultBridgeSpoolDir();
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(HELP);
    return 0;
  }
  let bridge;
  let flags: Flags;
  try {
    const collected = readFlags(argv, process.env);
    for (const notice of collected.notices) process.stderr.write(`${notice}\n`);
    flags = validateFlags(bridgeCommand, flagsSchema, collected);
    // Only a host given on the command line conflicts: SYVAIN_METRICS_HOST in the environment is
    // meant for the other tools (sync, the SDK) and simply does not apply to a JSONL bridge.
    const hostFlag = collected.sources["syvain-host"]?.startsWith("--") === true;
    if (flags.jsonl !== undefined && hostFlag) {
      throw new SyvainValidationError("jsonl", flags.jsonl, `${bridgeCommand.name}: give --jsonl FILE or --syvain-host URL, not both`, "config");
    }
    if (flags.jsonl === undefined && flags["api-key"] === undefined) {
      throw new SyvainValidationError(
        "api-key",
        undefined,
        `${bridgeCommand.name}: no API key: set ${API_KEY_ENV} (for a local emulator: ${API_KEY_ENV}=ak_org_emulator), or give --jsonl FILE to write a file instead`,
        "config",
      );
    }
    bridge = createBridge(bridgeOptionsFromFlags(flags));
  } catch (error) {
    if (!(error instanceof SyvainValidationError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  if (flags.jsonl === undefined) {
    const check = await checkApiKey(defined({ apiKey: flags["api-key"], host: flags["syvain-host"] }), `the environment variable ${API_KEY_ENV}`);
    if (check.outcome === "rejected") {
      process.stderr.write(`syvain-otel bridge: ${check.message}. Set ${API_KEY_ENV} to a valid key and start again.\n`);
      return 1;
    }
    // Unreachable now is no reason not to start: the outboxes retry until Syvain answers.
    if (check.outcome === "unreachable") logLine("warn", "key.unchecked", { reason: check.message });
  }
  let received: NodeJS.Signals;
  try {
    received = await untilSignal(() => bridge.start());
  } catch (error) {
    // A spool directory the bridge cannot use: say which and how to get going, no stack.
    if (!(error instanceof SyvainValidationError)) throw error;
    process.stderr.write(`syvain-otel bridge: ${error.message}\n`);
    return 1;
  }
  // A second signal while draining: stop waiting and end now; the bridge first logs what it leaves.
  // With a spool everything accepted is on disk: exit 0, as a finished drain would. Memory only, end
  // by that signal as its default action would (a cut-short drain, not a made-up exit code).
  const stopWaiting = (second: NodeJS.Signals): void => {
    listenSignals("off", stopWaiting);
    if (bridge.interrupt().durable) process.exit(0);
    else process.kill(process.pid, second);
  };
  listenSignals("on", stopWaiting);
  logLine("info", "signal", { signal: received });
  const report = await bridge.close();
  listenSignals("off", stopWaiting);
  // Accepted data lost with the process is a failure a supervisor must see (the bridge logged it at error).
  const code = report.lost > 0 ? EXIT_DATA_LOST : 0;
  // The drain is over and its outcome logged (stderr writes are synchronous on Linux pipes and
  // files): whatever still holds the event loop (a creation Syvain never answers, a stuck socket)
  // holds nothing we need, so end now rather than past --shutdown-timeout. An immediate, not a
  // timer: it runs once `main` has set the exit code.
  setImmediate(() => process.exit(code)).unref();
  return code;
}

function listenSignals(method: "on" | "off", listener: (signal: NodeJS.Signals) => void): void {
  process[method]("SIGINT", listener);
  process[method]("SIGTERM", listener);
}

/** Starts, then resolves with the first SIGINT/SIGTERM (listening from before the start). */
async function untilSignal(start: () => Promise<unknown>): Promise<NodeJS.Signals> {
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const received = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = resolve;
    listenSignals("on", onSignal);
  });
  try {
    await start();
    return await received;
  } finally {
    listenSignals("off", onSignal);
  }
}
