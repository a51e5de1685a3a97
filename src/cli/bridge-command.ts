/**
 * `syvain-otel bridge`: receives OTLP/HTTP (from an OpenTelemetry Collector or any OTLP
 * exporter) and delivers it to Syvain Metrics, a running emulator, or a JSONL file. Runs until
 * SIGINT/SIGTERM, then stops accepting, drains within the shutdown deadline and exits 0.
 * Flags win over environment variables; secrets are read from the environment only.
 */
import { z } from "zod";
import { parseOptions } from "../config/parse-options.ts";
import { API_KEY_ENV, HOST_ENV } from "../api/contract.ts";
import { SyvainValidationError } from "../api/errors.ts";
import { createBridge } from "../bridge/create-bridge.ts";
import { checkApiKey } from "../bridge/key-check.ts";
import { flagPairs } from "./argv-flags.ts";
import type { BridgeOptions } from "../bridge/bridge-options.ts";

interface Flag {
  name: string;
  env: string;
  help: string;
}

const FLAGS: Flag[] = [
  { name: "bind", env: "SYVAIN_BRIDGE_BIND", help: "interface to listen on (default 127.0.0.1; 0.0.0.0 in a container)" },
  { name: "port", env: "SYVAIN_BRIDGE_PORT", help: "port to listen on (default 4318, the OTLP/HTTP port; 0 = any free port)" },
  { name: "path-prefix", env: "SYVAIN_BRIDGE_PATH_PREFIX", help: "path before /v1/metrics and /v1/logs, e.g. /otlp (default none)" },
  { name: "host", env: HOST_ENV, help: "Syvain Metrics host, or a running emulator's URL (default https://metrics.syvain.com)" },
  { name: "jsonl", env: "SYVAIN_BRIDGE_JSONL", help: "append everything to this JSONL file instead of calling Syvain" },
  { name: "slug", env: "SYVAIN_BRIDGE_SLUG", help: "experiment slug for all data (default: each resource's syvain.experiment.slug, else service.name)" },
  { name: "folder-path", env: "SYVAIN_BRIDGE_FOLDER_PATH", help: "folder of new experiments whose resource names none, e.g. /team/vision" },
  { name: "step-attribute", env: "SYVAIN_BRIDGE_STEP_ATTRIBUTE", help: "data point attribute holding the training step (default step)" },
  { name: "max-request-bytes", env: "SYVAIN_BRIDGE_MAX_REQUEST_BYTES", help: "largest request body as sent (default 20971520 = 20 MiB)" },
  { name: "max-decompressed-bytes", env: "SYVAIN_BRIDGE_MAX_DECOMPRESSED_BYTES", help: "largest body after decompression (default 67108864 = 64 MiB)" },
  { name: "max-queue-items", env: "SYVAIN_BRIDGE_MAX_QUEUE_ITEMS", help: "events queued per experiment before senders get 503 (default 100000)" },
  { name: "answer-timeout", env: "SYVAIN_BRIDGE_ANSWER_TIMEOUT", help: "seconds a request may wait for a new experiment before a 503 (default 8)" },
  { name: "retry-after", env: "SYVAIN_BRIDGE_RETRY_AFTER", help: "Retry-After seconds on 503/429 when Syvain gave none (default 5)" },
  { name: "shutdown-timeout", env: "SYVAIN_BRIDGE_SHUTDOWN_TIMEOUT", help: "seconds to drain on SIGTERM/SIGINT before exiting (default 10)" },
];
const KNOWN_FLAGS: ReadonlySet<string> = new Set(FLAGS.map((f) => f.name));

const HELP = `usage: syvain-otel bridge [options]

Receives OTLP/HTTP metrics and logs (POST /v1/metrics, /v1/logs; protobuf or JSON; gzip,
deflate or zstd) and delivers them to Syvain Metrics. Logs one JSON line per event on stderr.

options (each also read from the environment variable shown; the flag wins):
${FLAGS.map((f) => `  --${f.name.padEnd(24)} ${f.help}\n  ${"".padEnd(26)} env ${f.env}`).join("\n")}
  --help                     show this help

secrets (environment only, never flags, never logged):
  ${API_KEY_ENV.padEnd(26)} Syvain API key (for a local emulator: ak_org_emulator)
  SYVAIN_BRIDGE_AUTH_TOKEN   when set, senders must send "Authorization: Bearer <token>"
`;

const count = z.coerce.number<string>().int().min(1).max(Number.MAX_SAFE_INTEGER);
const seconds = z.coerce.number<string>().positive().finite();

const flagsSchema = z.strictObject({
  bind: z.string().min(1).optional(),
  port: z.coerce.number<string>().int().min(0).max(65535).optional(),
  "path-prefix": z.string().optional(),
  host: z.url({ protocol: /^https?$/ }).optional(),
  jsonl: z.string().min(1).optional(),
  slug: z.string().min(1).optional(),
  "folder-path": z.string().startsWith("/").optional(),
  "step-attribute": z.string().min(1).optional(),
  "max-request-bytes": count.optional(),
  "max-decompressed-bytes": count.optional(),
  "max-queue-items": count.optional(),
  "answer-timeout": seconds.optional(),
  "retry-after": z.coerce.number<string>().int().min(1).max(3600).optional(),
  "shutdown-timeout": seconds.optional(),
  "api-key": z.string().min(1).optional(),
  "auth-token": z.string().min(16, "must be at least 16 characters").optional(),
});
type Flags = z.infer<typeof flagsSchema>;

/** Environment first, then `--name value` / `--name=value` over it. */
export function collectFlags(argv: readonly string[], env: NodeJS.ProcessEnv): Record<string, string> {
  const collected: Record<string, string> = {};
  for (const flag of FLAGS) {
    const value = env[flag.env];
    if (value !== undefined && value !== "") collected[flag.name] = value;
  }
  if (env[API_KEY_ENV]) collected["api-key"] = env[API_KEY_ENV];
  if (env.SYVAIN_BRIDGE_AUTH_TOKEN) collected["auth-token"] = env.SYVAIN_BRIDGE_AUTH_TOKEN;
  for (const [name, value] of flagPairs(argv, "syvain-otel bridge", KNOWN_FLAGS, unknownFlag)) collected[name] = value;
  return collected;
}

function unknownFlag(name: string): SyvainValidationError {
  const hint = name === "api-key" || name === "auth-token" ? ` (secrets come from the environment: see --help)` : " (see --help)";
  return new SyvainValidationError(name, undefined, `syvain-otel bridge: unknown option --${name}${hint}`, "config");
}

const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** A line in the bridge's own log format (the CLI's events around the bridge's). */
function logLine(level: "info" | "warn", event: string, fields: Record<string, unknown>): void {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`);
}

export function bridgeOptionsFromFlags(flags: Flags): BridgeOptions {
  const destination = flags.jsonl !== undefined ? { jsonlPath: flags.jsonl } : defined({ apiKey: flags["api-key"], host: flags.host });
  return defined({
    host: flags.bind,
    port: flags.port,
    pathPrefix: flags["path-prefix"],
    maxRequestBytes: flags["max-request-bytes"],
    maxDecompressedBytes: flags["max-decompressed-bytes"],
    authToken: flags["auth-token"],
    answerTimeoutSeconds: flags["answer-timeout"],
    retryAfterSeconds: flags["retry-after"],
    shutdownTimeoutSeconds: flags["shutdown-timeout"],
    syvain: {
      ...destination,
      ...defined({
        slug: flags.slug,
        defaultFolderPath: flags["folder-path"],
        stepAttribute: flags["step-attribute"],
        maxQueueItems: flags["max-queue-items"],
      }),
    },
  });
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(HELP);
    return 0;
  }
  let bridge;
  let flags: Flags;
  try {
    flags = parseOptions(flagsSchema, collectFlags(argv, process.env), { owner: "syvain-otel bridge", secretFields: ["api-key", "auth-token"] });
    if (flags.jsonl !== undefined && flags.host !== undefined) {
      throw new SyvainValidationError("jsonl", flags.jsonl, "syvain-otel bridge: give --jsonl or --host, not both", "config");
    }
    bridge = createBridge(bridgeOptionsFromFlags(flags));
  } catch (error) {
    if (!(error instanceof SyvainValidationError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  if (flags.jsonl === undefined) {
    const check = await checkApiKey(defined({ apiKey: flags["api-key"], host: flags.host }), `the environment variable ${API_KEY_ENV}`);
    if (check.outcome === "rejected") {
      process.stderr.write(`syvain-otel bridge: ${check.message}. Set ${API_KEY_ENV} to a valid key and start again.\n`);
      return 1;
    }
    // Unreachable now is no reason not to start: the outboxes retry until Syvain answers.
    if (check.outcome === "unreachable") logLine("warn", "key.unchecked", { reason: check.message });
  }
  const received = await untilSignal(() => bridge.start());
  // A second signal while draining: stop waiting, and end by that signal as its default action would.
  const stopWaiting = (second: NodeJS.Signals): void => {
    listenSignals("off", stopWaiting);
    process.kill(process.pid, second);
  };
  listenSignals("on", stopWaiting);
  logLine("info", "signal", { signal: received });
  await bridge.close();
  listenSignals("off", stopWaiting);
  // Whatever might still hold the event loop (a stuck socket), do not outlive the drain by long.
  setTimeout(() => process.exit(0), 2000).unref();
  return 0;
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
