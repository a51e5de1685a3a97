/**
 * Fault injection for the emulator: per route, a script (one-shot actions consumed in order) and/or
 * a random plan (a rate plus a weighted mix, seeded so a failing run can be replayed). A script
 * entry always wins over the random plan; a route's own entry wins over the `*` entry.
 */
import { z } from "zod";
import { seededRandom } from "./seeded-random.ts";

/** The emulator's routes, as named in fault plans and request counters. */
export const emulatorRoutes = [
  "createExperiment",
  "getExperiment",
  "listExperiments",
  "updateExperiment",
  "findFolders",
  "ingestMetrics",
  "ingestAnnotations",
  "querySeries",
  "listAnnotations",
] as const;
export type EmulatorRoute = (typeof emulatorRoutes)[number];
/** A route name, or `*` for every route (admin routes under `/_emulator/` are never faulted). */
export type FaultRoute = EmulatorRoute | "*";

/**
 * Answer with an HTTP error status without touching the store. `429`/`503` usually carry
 * `Retry-After`: give `retryAfterSeconds` (delta-seconds) or `retryAfterDate` (a `Date` is sent as an
 * HTTP-date; a string is sent as is, so a malformed header can be tested too).
 */
export interface StatusFault {
  status: number;
  retryAfterSeconds?: number;
  retryAfterDate?: Date | string;
}
/** Wait `delayMs` milliseconds, then handle the request normally. */
export interface DelayFault {
  delayMs: number;
}
/** Destroy the connection without answering (the client sees a socket reset / "other side closed"). */
export interface ResetFault {
  reset: true;
}
/**
 * Apply the request (events are stored, the experiment is created...), then fail instead of
 * answering: with the given 5xx status, or by resetting the connection. The idempotency record is
 * not kept, as for any failed request, so the client's retry is applied again and its events are
 * counted as duplicates: this is what exercises dedup by `client_event_id`.
 */
export interface StoreThenFailFault {
  storeThenFail: number | "reset";
}
export type FaultAction = StatusFault | DelayFault | ResetFault | StoreThenFailFault;

/** One entry of a random mix: an action and its relative weight (default 1). */
export type FaultMixEntry = FaultAction & { weight?: number };

export interface RandomFaults {
  /** Probability in [0, 1] that a request on the route gets a fault. */
  rate: number;
  /** Seed of the pseudo-random generator; the same seed and the same requests give the same faults. */
  seed?: number;
  /** Which faults, weighted. Default: 429, 500, 502, 503 and 504 statuses, resets and store-then-fail. */
  mix?: FaultMixEntry[];
}

/** A whole fault plan, as accepted by `startEmulator({ faults })` and `PUT /_emulator/faults`. */
export interface FaultPlan {
  scripts?: Partial<Record<FaultRoute, FaultAction[]>>;
  random?: Partial<Record<FaultRoute, RandomFaults>>;
}

export const DEFAULT_FAULT_MIX: readonly FaultMixEntry[] = [
  { status: 429, retryAfterSeconds: 0 },
  { status: 500 },
  { status: 502 },
  { status: 503, retryAfterSeconds: 0 },
  { status: 504 },
  { reset: true },
  { storeThenFail: 500 },
  { storeThenFail: "reset" },
];

const actionSchema = z.union([
  z.strictObject({
    status: z.number().int().min(200).max(599),
    retryAfterSeconds: z.number().int().min(0).optional(),
    retryAfterDate: z.union([z.string().min(1), z.date()]).optional(),
  }),
  z.strictObject({ delayMs: z.number().int().min(0).max(600_000) }),
  z.strictObject({ reset: z.literal(true) }),
  z.strictObject({ storeThenFail: z.union([z.number().int().min(500).max(599), z.literal("reset")]) }),
]);
const mixEntrySchema = z.union([
  z.strictObject({ ...actionSchema.options[0].shape, weight: z.number().positive().optional() }),
  z.strictObject({ ...actionSchema.options[1].shape, weight: z.number().positive().optional() }),
  z.strictObject({ ...actionSchema.options[2].shape, weight: z.number().positive().optional() }),
  z.strictObject({ ...actionSchema.options[3].shape, weight: z.number().positive().optional() }),
]);
const randomSchema = z.strictObject({
  rate: z.number().min(0).max(1),
  seed: z.number().int().optional(),
  mix: z.array(mixEntrySchema).min(1).optional(),
});
const routeSchema = z.enum([...emulatorRoutes, "*"]);
/** Validates a fault plan (used for options and the admin route). */
export const faultPlanSchema = z.strictObject({
  scripts: z.partialRecord(routeSchema, z.array(actionSchema)).optional(),
  random: z.partialRecord(routeSchema, randomSchema).optional(),
});

interface RandomState {
  rate: number;
  mix: readonly FaultMixEntry[];
  totalWeight: number;
  next: () => number;
}

/** Live fault configuration of a running emulator. */
export class FaultController {
  readonly #scripts = new Map<FaultRoute, FaultAction[]>();
  readonly #random = new Map<FaultRoute, RandomState>();

  /** Appends one-shot actions to the route's script; each request on the route consumes the next one. */
  script(route: FaultRoute, actions: readonly FaultAction[]): this {
    const parsed = z.array(actionSchema).parse(actions) as FaultAction[];
    const queue = this.#scripts.get(route) ?? [];
    queue.push(...parsed);
    this.#scripts.set(routeSchema.parse(route), queue);
    return this;
  }

  /** Sets (replaces) the route's random plan; a rate of 0 turns it off. */
  random(route: FaultRoute, plan: RandomFaults): this {
    const parsed = randomSchema.parse(plan);
    const mix = parsed.mix ?? DEFAULT_FAULT_MIX;
    this.#random.set(routeSchema.parse(route), {
      rate: parsed.rate,
      mix,
      totalWeight: mix.reduce((sum, entry) => sum + (entry.weight ?? 1), 0),
      next: seededRandom(parsed.seed ?? Math.floor(Math.random() * 2 ** 32)),
    });
    return this;
  }

  /** Removes every script and random plan (of one route, or of all routes). */
  clear(route?: FaultRoute): this {
    if (route === undefined) {
      this.#scripts.clear();
      this.#random.clear();
    } else {
      this.#scripts.delete(route);
      this.#random.delete(route);
    }
    return this;
  }

  /** Replaces the whole plan. */
  replace(plan: FaultPlan): this {
    const parsed = faultPlanSchema.parse(plan);
    this.clear();
    for (const [route, actions] of Object.entries(parsed.scripts ?? {})) this.script(route as FaultRoute, actions);
    for (const [route, random] of Object.entries(parsed.random ?? {})) this.random(route as FaultRoute, random);
    return this;
  }

  /** Scripted actions not consumed yet, per route. */
  pending(): Partial<Record<FaultRoute, number>> {
    return Object.fromEntries([...this.#scripts].map(([route, queue]) => [route, queue.length]));
  }

  /** The fault for this request, if any (consumes a scripted action). */
  next(route: EmulatorRoute): FaultAction | undefined {
    const scripted = this.#scripts.get(route)?.shift() ?? this.#scripts.get("*")?.shift();
    if (scripted) return scripted;
    const random = this.#random.get(route) ?? this.#random.get("*");
    if (!random || random.rate === 0 || random.next() >= random.rate) return undefined;
    let pick = random.next() * random.totalWeight;
    for (const entry of random.mix) {
      pick -= entry.weight ?? 1;
      if (pick < 0) return withoutWeight(entry);
    }
    return withoutWeight(random.mix[random.mix.length - 1]!);
  }
}

function withoutWeight(entry: FaultMixEntry): FaultAction {
  const { weight: _weight, ...action } = entry;
  return action;
}

export function describeFault(action: FaultAction): "status" | "delay" | "reset" | "storeThenFail" {
  if ("status" in action) return "status";
  if ("delayMs" in action) return "delay";
  if ("reset" in action) return "reset";
  return "storeThenFail";
}
