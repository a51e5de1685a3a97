/**
 * `client_event_id`s for facade events: a random token per `Experiment` object plus a sequence
 * number. Unique per call (two identical `metric()` calls are two points), stable across retries
 * (assigned before the event is queued), and short enough to stay far below the 255-char limit.
 */
import { randomBytes } from "node:crypto";

export class EventIdSequence {
  readonly runToken: string;
  /** `<runToken>.`, built once: each id is then one concatenation. */
  readonly #prefix: string;
  #next = 0;

  constructor(runToken: string = randomBytes(12).toString("base64url")) {
    this.runToken = runToken;
    this.#prefix = `${runToken}.`;
  }

  next(): string {
    const id = this.#prefix + this.#next.toString(36);
    this.#next += 1;
    return id;
  }
}
