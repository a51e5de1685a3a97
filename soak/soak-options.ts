/**
 * `npm run soak -- [--minutes N | --seconds N] [--seed N] [--facade-jobs N]`, plus the hidden
 * `--self-test-lose-one` (deletes one stored event from the read-back before the check, to prove
 * that the check fails; never use it for a real run).
 */
import { z } from "zod";
import { parseOptions } from "../src/config/parse-options.ts";
import { SyvainValidationError } from "../src/api/errors.ts";

export interface SoakOptions {
  seconds: number;
  seed: number;
  facadeJobs: number;
  selfTestLoseOne: boolean;
}

const schema = z
  .strictObject({
    minutes: z.coerce.number<string>().positive().max(24 * 60).optional(),
    seconds: z.coerce.number<string>().positive().max(24 * 3600).optional(),
    seed: z.coerce.number<string>().int().optional(),
    "facade-jobs": z.coerce.number<string>().int().min(1).max(16).default(3),
    "self-test-lose-one": z.literal(true).optional(),
  })
  .refine((o) => o.minutes === undefined || o.seconds === undefined, { path: ["seconds"], message: "give --minutes or --seconds, not both" });

const booleanFlags = new Set(["self-test-lose-one"]);

export function parseSoakArgs(argv: readonly string[]): SoakOptions {
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) throw new SyvainValidationError("argv", arg, `soak: unexpected argument ${JSON.stringify(arg)}`, "config");
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (booleanFlags.has(name)) {
      flags[name] = true;
      continue;
    }
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new SyvainValidationError(name, undefined, `soak: option --${name} needs a value`, "config");
    flags[name] = value;
  }
  const o = parseOptions(schema, flags, { owner: "soak" });
  return {
    seconds: o.seconds ?? (o.minutes ?? 1) * 60,
    seed: o.seed ?? Math.floor(Math.random() * 2 ** 31),
    facadeJobs: o["facade-jobs"],
    selfTestLoseOne: o["self-test-lose-one"] === true,
  };
}
