/**
 * One set of process listeners shared by every experiment that asked for hooks (installed when the
 * first registers, removed when the last leaves), so N experiments never mean N signal handlers.
 *
 * When the process is about to end — the event loop emptied (`beforeExit`), SIGINT/SIGTERM, or an
 * uncaught exception (an unhandled rejection becomes one under Node's default `throw` mode) — every
 * participant marks its experiment and flushes within its deadline; then the process ends the way
 * it would have without us: same exit code, death by the same signal, the error printed by Node.
 * We step aside when someone else also listens (they own the decision to exit).
 * `process.exit()` cannot be intercepted (its `exit` event is synchronous): flush before calling it.
 *
 * An *exit-only* participant (`register(p, { exitOnly: true })`: the facade's `flushOnExit` safety
 * net) takes part in the `beforeExit` ending only, and alone installs only the `beforeExit`
 * listener: signals and uncaught errors keep Node's default behaviour. It gets one call per
 * ending and is then dropped, so the `beforeExit` that Node emits again after our async work finds
 * nothing to do and the process exits (no loop, even when delivery failed).
 *
 * While exit-only participants wait, an unref'd watchdog (`exit-watchdog.ts`) starts that same
 * ending for them alone when the loop is held by nothing but our own uploads in flight: a hung
 * upload would otherwise hold `beforeExit` back for its whole request timeout.
 */
import { writeSync } from "node:fs";
import { inspect } from "node:util";
import { waitUntil } from "../delivery/deadline.ts";
import { flushesInFlight, requestsInFlight } from "../delivery/requests-in-flight.ts";
import { onlyOurRequestsRemain } from "./exit-watchdog.ts";

export type ProcessEnd =
  | { kind: "exit"; exitCode: number }
  | { kind: "signal"; signal: "SIGINT" | "SIGTERM" }
  | { kind: "error"; error: unknown };

export interface ProcessEndParticipant {
  /** Marks the experiment for this ending and flushes (bounded by its own deadline). Never rejects. */
  onProcessEnd(end: ProcessEnd): Promise<void>;
  /** How long its `onProcessEnd` may take; the registry waits for the longest plus a margin. */
  readonly deadlineMs: number;
  /**
   * What is still not delivered once the flushes are over (or cut short), as one line, or
   * `undefined` when nothing is missing. Asked for signal and error endings only, whose process dies
   * right after: a `process.emitWarning` would print on a later tick that never comes.
   */
  lossReport?(end: ProcessEnd): string | undefined;
  /**
   * Called synchronously just before a signal is re-raised (the process dies at once, with no
   * `exit` event): write what must survive, e.g. the spool's records not yet on disk.
   */
  persistSync?(): void;
}

/** The part of `process` the hooks use (a fake in unit tests). */
export interface HookableProcess {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  listenerCount(event: string): number;
  kill(pid: number, signal: string): unknown;
  readonly pid: number;
  exitCode?: number | string | null | undefined;
}

export interface RegisterOptions {
  /** Take part only when the event loop empties (`beforeExit`), never in signals or errors. @default false */
  exitOnly?: boolean;
}

export interface ProcessHooksOptions {
  target?: HookableProcess;
  /** Added to the longest participant deadline before the registry stops waiting, in ms. @default 1000 */
  marginMs?: number;
  /** How the process ends after an uncaught error once we are done. @default print it as Node does, exit 1 */
  rethrow?: (error: unknown) => void;
  /** True when only our own uploads keep the process alive (see `exit-watchdog.ts`). @default the live process */
  idleProbe?: () => boolean;
  /** How often the watchdog asks `idleProbe` while exit-only participants wait, in ms. @default 250 */
  idleCheckMs?: number;
}

const signals = ["SIGINT", "SIGTERM"] as const;

/**
 * Cheap first: no request in flight means nothing of ours can be holding the loop. A flush in
 * flight (`await experiment.flush()` has no deadline, so no timer of its own) may be awaited by the
 * program: not finished.
 */
function liveIdleProbe(): boolean {
  const inFlight = requestsInFlight();
  return inFlight > 0 && flushesInFlight() === 0 && onlyOurRequestsRemain(process.getActiveResourcesInfo(), inFlight);
}

export class ProcessHooks {
  readonly #target: HookableProcess;
  readonly #participants = new Set<ProcessEndParticipant>();
  readonly #exitParticipants = new Set<ProcessEndParticipant>();
  #exitListening = false;
  #allListening = false;
  readonly #marginMs: number;
  readonly #rethrow: (error: unknown) => void;
  #ending: ProcessEnd | undefined;
  /** An ending cut short by a signal: when its flush settles, it no longer ends the process. */
  #abandoned: ProcessEnd | undefined;
  readonly #idleProbe: () => boolean;
  readonly #idleCheckMs: number;
  #watchdog: NodeJS.Timeout | undefined;

  constructor(options: ProcessHooksOptions = {}) {
    this.#target = options.target ?? process;
    this.#marginMs = options.marginMs ?? 1000;
    this.#rethrow = options.rethrow ?? exitLikeNode;
    this.#idleProbe = options.idleProbe ?? liveIdleProbe;
    this.#idleCheckMs = options.idleCheckMs ?? 250;
  }

  get size(): number {
    return this.#participants.size + this.#exitParticipants.size;
  }

  /** Returns the function that unregisters (idempotent). */
  register(participant: ProcessEndParticipant, options: RegisterOptions = {}): () => void {
    const set = options.exitOnly === true ? this.#exitParticipants : this.#participants;
    set.add(participant);
    this.#sync();
    return () => {
      if (set.delete(participant)) this.#sync();
    };
  }

  readonly #onBeforeExit = (code: unknown): void => {
    if (this.#ending) return;
    void this.#end({ kind: "exit", exitCode: typeof code === "number" ? code : 0 }, () => {
      // Our listeners are gone once the last participant left; the loop empties and Node exits
      // with the exit code it had.
    });
  };

  /** The user's program is done but our uploads hold the loop: the exit-only participants' ending, now. */
  readonly #onIdleCheck = (): void => {
    if (this.#ending || !this.#idleProbe()) return;
    const code = this.#target.exitCode;
    void this.#end({ kind: "exit", exitCode: typeof code === "number" ? code : 0 }, () => undefined, "exitOnly");
  };

  readonly #onSignal = (signal: "SIGINT" | "SIGTERM"): void => {
    if (this.#ending) {
      // A second Ctrl+C while flushing, or a first one during an exit or error flush: stop waiting.
      this.#abandoned = this.#ending;
      const participants = [...this.#participants];
      reportLosses(participants, { kind: "signal", signal });
      this.#participants.clear();
      this.#exitParticipants.clear();
      this.#sync();
      this.#reraise(signal, participants);
      return;
    }
    void this.#end({ kind: "signal", signal }, (participants) => this.#reraise(signal, participants));
  };

  readonly #onUncaught = (error: unknown): void => {
    if (this.#ending) {
      // The process is already ending: show this error rather than swallow it, and (for a normal
      // exit) make the exit code say so, as Node would have.
      process.stderr.write(`${inspect(error)}\n`);
      this.#target.exitCode = 1;
      return;
    }
    // Someone else handles uncaught errors: the process would not have died; not ours to decide.
    if (this.#target.listenerCount("uncaughtException") > 1) return;
    void this.#end({ kind: "error", error }, () => this.#rethrow(error));
  };

  readonly #listeners = signals.map((signal) => [signal, () => this.#onSignal(signal)] as const);

  /** Listens to exactly what the registered participants need: nothing stays behind. */
  #sync(): void {
    const all = this.#participants.size > 0;
    const exit = all || this.#exitParticipants.size > 0;
    if (exit !== this.#exitListening) {
      if (exit) this.#target.on("beforeExit", this.#onBeforeExit);
      else this.#target.off("beforeExit", this.#onBeforeExit);
      this.#exitListening = exit;
    }
    if (all !== this.#allListening) {
      const toggle = all ? this.#target.on.bind(this.#target) : this.#target.off.bind(this.#target);
      toggle("uncaughtException", this.#onUncaught);
      for (const [signal, listener] of this.#listeners) toggle(signal, listener);
      this.#allListening = all;
    }
    const watch = this.#exitParticipants.size > 0;
    if (watch && this.#watchdog === undefined) this.#watchdog = setInterval(this.#onIdleCheck, this.#idleCheckMs).unref();
    if (!watch && this.#watchdog !== undefined) {
      clearInterval(this.#watchdog);
      this.#watchdog = undefined;
    }
  }

  #reraise(signal: "SIGINT" | "SIGTERM", participants: readonly ProcessEndParticipant[]): void {
    // With our listener gone Node restores the default action, so this kill ends the process with
    // a signal exit status. If the user listens too, the signal is theirs and we do not repeat it.
    if (this.#target.listenerCount(signal) !== 0) return;
    // No `exit` event follows a signal death: what is still only in memory is written now (the
    // spool's last records: points logged while the ending flushed), or it is gone.
    for (const participant of participants) {
      try {
        participant.persistSync?.();
      } catch {
        // dying anyway: the loss report already named what is not delivered
      }
    }
    this.#target.kill(this.#target.pid, signal);
  }

  /**
   * `scope: "exitOnly"` (the watchdog) ends only the exit-only participants: the program may, after
   * all, still be running, and a run's hooks would mark its experiment finished.
   */
  async #end(end: ProcessEnd, then: (participants: readonly ProcessEndParticipant[]) => void, scope: "all" | "exitOnly" = "all"): Promise<void> {
    this.#ending = end;
    const runs = scope === "all" ? [...this.#participants] : [];
    const participants = end.kind === "exit" ? [...runs, ...this.#exitParticipants] : runs;
    // waitUntil's timer is referenced: it keeps the process alive while we flush (the delivery
    // core's own timers are unref'd), and bounds the whole ending if a participant misbehaves.
    const deadline = Date.now() + Math.max(0, ...participants.map((p) => p.deadlineMs)) + this.#marginMs;
    try {
      await waitUntil(Promise.allSettled(participants.map((p) => p.onProcessEnd(end))), deadline);
    } finally {
      if (scope === "all") this.#participants.clear();
      // Exit-only participants had their one call; after a signal or error someone else decided
      // the process lives on (their listener), so they keep waiting for the loop to empty.
      if (end.kind === "exit") this.#exitParticipants.clear();
      this.#sync();
      this.#ending = undefined;
      if (end.kind !== "exit" && this.#abandoned !== end) reportLosses(participants, end);
      if (this.#abandoned === end) this.#abandoned = undefined;
      else then(participants);
    }
  }
}

/**
 * Written synchronously (fd 2), before the signal is re-raised or the error ends the process, so
 * the last thing a killed job says is what it lost (a second signal, which abandons the flush,
 * writes it at once).
 */
function reportLosses(participants: readonly ProcessEndParticipant[], end: ProcessEnd): void {
  const lines = participants.flatMap((participant) => {
    try {
      return participant.lossReport?.(end) ?? [];
    } catch {
      return [];
    }
  });
  if (lines.length === 0) return;
  try {
    writeSync(2, lines.map((line) => `${line.replaceAll("\n", " ")}\n`).join(""));
  } catch {
    // stderr closed: nobody left to tell.
  }
}

/**
 * What Node does with an uncaught error: print it (its inspected form, then the Node version) and
 * exit with code 1. Re-throwing it instead would make Node point at our re-throw as the source line.
 * stderr is synchronous for files, pipes and terminals on POSIX, so the text is out before the exit.
 */
function exitLikeNode(error: unknown): void {
  process.stderr.write(`${inspect(error)}\n\nNode.js ${process.version}\n`);
  process.exit(1);
}

const registryKey = Symbol.for("syvain-metrics-otel.process-hooks");

/** The process-wide registry (shared even by two copies of this package in one process). */
export function processHooks(): ProcessHooks {
  const holder = globalThis as { [registryKey]?: ProcessHooks };
  holder[registryKey] ??= new ProcessHooks();
  return holder[registryKey];
}
