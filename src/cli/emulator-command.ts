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

export const emulatorCommand: Command = {
  name: "syvain-otel emulator",
  flags: [
    { name: "bind", placeholder: "ADDR", default: e.bind.default, example: "0.0.0.0", description: "interface to listen on" },
    { name: "host", placeholder: "ADDR", replacedBy: "bind", description: "deprecated spelling of --bind" },
    { name: "port", placeholder: "N", default: e.port.default, example: "8080", description: "port to listen on (0 = any free port, printed at start)" },
    { name: "data-file", placeholder: "FILE", example: "emulator.json", description: "keep the data in this JSON file across restarts" },
    { name: "api-key", placeholder: "KEY", multiple: true, secret: true, default: EMULATOR_API_KEY, description: "accepted API key" },
    { name: "fault-rate", placeholder: "R", example: "0.1", description: "fail this fraction (0..1) of ingest requests at random (429/5xx, resets, store-then-fail)" },
    { name: "fault-seed", placeholder: "S", example: "42", description: "seed of those random faults, to replay a run (default: random)" },
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
  const emulator = await startEmulator({
    host: flags.bind,
    port: flags.port,
    ...(flags["api-key"] ? { apiKeys: flags["api-key"] } : {}),
    ...(flags["data-file"] ? { dataFile: flags["data-file"] } : {}),
    ...(faults ? { faults } : {}),
  });
  const keyShown = flags["api-key"] ? "<one of your --api-key values>" : EMULATOR_API_KEY;
  process.stdout.write(
    `Syvain Metrics emulator listening on ${emulator.url}${flags["data-file"] ? ` (data file ${flags["data-file"]})` : ""}\n` +
      `${HOST_ENV}=${emulator.url}\n${API_KEY_ENV}=${keyShown}\n`,
  );
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await emulator.close();
  process.stdout.write(`syvain-otel emulator: ${signal}, stopped${flags["data-file"] ? " and saved" : ""}\n`);
  return 0;
}
