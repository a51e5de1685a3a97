/**
 * `syvain-otel emulator`: runs the local Syvain Metrics emulator until SIGINT/SIGTERM, then saves
 * its data file (if any) and exits 0.
 */
import { z } from "zod";
import { parseOptions } from "../config/parse-options.ts";
import { API_KEY_ENV, HOST_ENV } from "../api/contract.ts";
import { SyvainValidationError } from "../api/errors.ts";
import { EMULATOR_API_KEY, startEmulator } from "../testing/emulator.ts";
import type { FaultPlan, RandomFaults } from "../testing/faults.ts";
import { flagPairs } from "./argv-flags.ts";

/** The accepted key when no `--api-key` is given: a flag's value is visible to every user in `ps`. */
const EMULATOR_KEY_ENV = "SYVAIN_EMULATOR_API_KEY";

const HELP = `usage: syvain-otel emulator [options]

Runs a local implementation of the Syvain Metrics REST API, for tests and demos.

options:
  --host H          interface to listen on (default 127.0.0.1)
  --port N          port (default 0: a free port, printed at start)
  --data-file F     keep the data in this JSON file across restarts
  --api-key K       accepted API key; repeat for several. Default: the key in
                    $${EMULATOR_KEY_ENV} (unlike a flag, not shown by \`ps\`),
                    else ${EMULATOR_API_KEY}
  --fault-rate R    fail this fraction (0..1) of ingest requests at random
                    (429/5xx, resets, store-then-fail), to exercise retries and dedup
  --fault-seed S    seed of those random faults, to replay a run (default: random)
  --no-ui           do not serve the experiment viewer at / (default: served,
                    to browsers on this machine only)
  --help            show this help
`;

const flagsSchema = z.strictObject({
  host: z.string().min(1).default("127.0.0.1"),
  port: z.coerce.number<string>().int().min(0).max(65535).default(0),
  "data-file": z.string().min(1).optional(),
  "api-key": z.array(z.string().min(1)).min(1).optional(),
  "fault-rate": z.coerce.number<string>().min(0).max(1).optional(),
  "fault-seed": z.coerce.number<string>().int().optional(),
});

const repeatable = new Set(["api-key"]);
const known = new Set(["host", "port", "data-file", "api-key", "fault-rate", "fault-seed"]);

/** `--name value` and `--name=value` into an object; `--api-key` may repeat. */
function collectFlags(argv: readonly string[]): Record<string, string | string[]> {
  const flags: Record<string, string | string[]> = {};
  const unknown = (name: string, arg: string): SyvainValidationError =>
    new SyvainValidationError(name, arg, `syvain-otel emulator: unknown option --${name} (see --help)`, "config");
  for (const [name, value] of flagPairs(argv, "syvain-otel emulator", known, unknown)) {
    if (repeatable.has(name)) flags[name] = [...((flags[name] as string[] | undefined) ?? []), value];
    else flags[name] = value;
  }
  return flags;
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(HELP);
    return 0;
  }
  // The one flag without a value: taken out before the name/value pairs are read.
  const ui = !argv.includes("--no-ui");
  let flags: z.infer<typeof flagsSchema>;
  try {
    flags = parseOptions(flagsSchema, collectFlags(argv.filter((arg) => arg !== "--no-ui")), { owner: "syvain-otel emulator", secretFields: ["api-key"] });
  } catch (error) {
    if (!(error instanceof SyvainValidationError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  const rate = flags["fault-rate"];
  const seed = flags["fault-seed"];
  const random: RandomFaults | undefined = rate ? { rate, ...(seed === undefined ? {} : { seed }) } : undefined;
  // Two routes, one seed: each route gets its own generator, so offset the second one.
  const faults: FaultPlan | undefined = random
    ? { random: { ingestMetrics: random, ingestAnnotations: { ...random, ...(seed === undefined ? {} : { seed: seed + 1 }) } } }
    : undefined;
  const envKey = process.env[EMULATOR_KEY_ENV] || undefined;
  const apiKeys = flags["api-key"] ?? (envKey === undefined ? undefined : [envKey]);
  const emulator = await startEmulator({
    host: flags.host,
    port: flags.port,
    ...(apiKeys ? { apiKeys } : {}),
    ...(flags["data-file"] ? { dataFile: flags["data-file"] } : {}),
    ...(faults ? { faults } : {}),
    ui,
  });
  const keyShown = flags["api-key"] ? "<one of your --api-key values>" : envKey ? `<the key in ${EMULATOR_KEY_ENV}>` : EMULATOR_API_KEY;
  process.stdout.write(
    `Syvain Metrics emulator listening on ${emulator.url}${flags["data-file"] ? ` (data file ${flags["data-file"]})` : ""}\n` +
      `${HOST_ENV}=${emulator.url}\n${API_KEY_ENV}=${keyShown}\n` +
      // Listening on every interface: the page is still for this machine, so show its loopback URL.
      (ui ? `viewer: ${emulator.url.replace(/\/\/(0\.0\.0\.0|\[::\]):/, "//127.0.0.1:")}/ (read-only, this machine only)\n` : ""),
  );
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await emulator.close();
  process.stdout.write(`syvain-otel emulator: ${signal}, stopped${flags["data-file"] ? " and saved" : ""}\n`);
  return 0;
}
