/**
 * `syvain-otel emulator`: runs the local Syvain Metrics emulator until SIGINT/SIGTERM, then saves
 * its data file (if any) and exits 0.
 */
import { z } from "zod";
import { API_KEY_ENV, HOST_ENV } from "../api/contract.ts";
import { SyvainValidationError } from "../api/errors.ts";
import { emulatorCliDefaults as e } from "../config/defaults.ts";
import { EMULATOR_API_KEY, startEmulator } from "../testing/emulator.ts";
import type { FaultPlan, RandomFaults } from "../testing/faults.ts";
import { collectFlags, renderHelp, validateFlags, wholeNumber, type Command } from "./cli-flags.ts";

/** The accepted key when no `--api-key` is given: a flag's value is visible to every user in `ps`. */
const EMULATOR_KEY_ENV = "SYVAIN_EMULATOR_API_KEY";

export const emulatorCommand: Command = {
  name: "syvain-otel emulator",
  flags: [
    { name: "bind", placeholder: "ADDR", default: e.bind.default, example: "0.0.0.0", description: "interface to listen on" },
    { name: "host", placeholder: "ADDR", replacedBy: "bind", description: "deprecated spelling of --bind" },
    { name: "port", placeholder: "N", default: e.port.default, example: "8080", description: "port to listen on (0 = any free port, printed at start)" },
    { name: "data-file", placeholder: "FILE", example: "emulator.json", description: "keep the data in this JSON file across restarts" },
    {
      name: "api-key",
      placeholder: "KEY",
      multiple: true,
      secret: true,
      default: EMULATOR_API_KEY,
      description: `accepted API key. Without it: the key in $${EMULATOR_KEY_ENV} (unlike a flag, not shown by \`ps\`), else the default`,
    },
    { name: "fault-rate", placeholder: "R", example: "0.1", description: "fail this fraction (0..1) of ingest requests at random (429/5xx, resets, store-then-fail)" },
    { name: "fault-seed", placeholder: "S", example: "42", description: "seed of those random faults, to replay a run (default: random)" },
    { name: "no-ui", description: "do not serve the experiment viewer at / (default: served, to browsers on this machine only)" },
  ],
};

const HELP = renderHelp(emulatorCommand, "Runs a local implementation of the Syvain Metrics REST API, for tests and demos.");

const flagsSchema = z.strictObject({
  bind: z.string().min(1, "must not be empty").default(e.bind.default),
  port: wholeNumber(0, 65535).default(e.port.default),
  "data-file": z.string().min(1, "must not be empty").optional(),
  "api-key": z.array(z.string().min(1, "must not be empty")).min(1).optional(),
  "fault-rate": z
    .string()
    .regex(/^(0|1|0?\.\d+|1\.0*)$/, "must be a fraction from 0 to 1, e.g. 0.1")
    .transform(Number)
    .optional(),
  "fault-seed": wholeNumber(0).optional(),
});

export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(HELP);
    return 0;
  }
  const ui = !argv.includes("--no-ui");
  let flags: z.infer<typeof flagsSchema>;
  try {
    const collected = collectFlags(emulatorCommand, argv, {});
    for (const notice of collected.notices) process.stderr.write(`${notice}\n`);
    flags = validateFlags(emulatorCommand, flagsSchema, collected);
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
  // Listening from before the start: a signal that arrives while the store loads still saves and exits 0.
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  const envKey = process.env[EMULATOR_KEY_ENV] || undefined;
  const apiKeys = flags["api-key"] ?? (envKey === undefined ? undefined : [envKey]);
  const emulator = await startEmulator({
    host: flags.bind,
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
  const signal = await stopSignal;
  await emulator.close();
  process.stdout.write(`syvain-otel emulator: ${signal}, stopped${flags["data-file"] ? " and saved" : ""}\n`);
  return 0;
}
