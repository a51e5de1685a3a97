/**
 * An experiment's status as this process sees it: `created` → `running` → `done` | `failed`.
 * The first terminal status wins: a later `done()` or `fail()` changes nothing, so a hook that
 * fires after `run()` finished cannot overwrite the real outcome.
 */
import type { ExperimentStatus } from "../api/contract.ts";
import { SyvainValidationError } from "../api/errors.ts";

export type Transition = "start" | "done" | "fail";

export class Lifecycle {
  #status: ExperimentStatus;
  readonly #label: string;

  constructor(label: string, initial: ExperimentStatus = "created") {
    this.#label = label;
    this.#status = initial;
  }

  get status(): ExperimentStatus {
    return this.#status;
  }

  get isFinished(): boolean {
    return this.#status === "done" || this.#status === "failed";
  }

  /**
   * Applies a transition and returns the status to send, or `undefined` when nothing changes.
   * Starting a finished experiment throws a `SyvainValidationError` (field `status`): one
   * experiment per run.
   */
  apply(transition: Transition): ExperimentStatus | undefined {
    if (transition === "start") {
      if (this.isFinished) {
        throw new SyvainValidationError(
          "status",
          this.#status,
          `${this.#label} already finished (${this.#status}); create a new experiment for a new run`,
        );
      }
      if (this.#status === "running") return undefined;
      this.#status = "running";
      return "running";
    }
    if (this.isFinished) return undefined;
    this.#status = transition === "done" ? "done" : "failed";
    return this.#status;
  }
}
