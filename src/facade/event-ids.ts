/**
 * `client_event_id`s for facade events: a random token per `Experiment` object plus a sequence
 * number. Unique per call (two identical `metric()` calls are two points), stable across retries
 * (assigned before the event is queued), and short enough to stay far below the 255-char limit.
 */
import { randomBytes } from "node:crypto";

/** Sequence numbers per block: the last two base-36 digits, which a table gives as ready strings. */
const BLOCK = 36 * 36;
let lowDigits: readonly string[] | undefined;

/** "00" to "zz": built on the first block past the first (a short run never needs it). */
function lowDigitsTable(): readonly string[] {
  lowDigits ??= Array.from({ length: BLOCK }, (_, i) => i.toString(36).padStart(2, "0"));
  return lowDigits;
}

export class EventIdSequence {
  readonly runToken: string;
  /** `<runToken>.`, built once: each id of the first block is then one concatenation. */
  readonly #prefix: string;
  #next = 0;
  /**
   * Past the first block an id is `#blockPrefix` (the prefix and every digit but the last two, the
   * same for 1,296 ids in a row) plus two digits from the table: one concatenation of two strings
   * that already exist, where `toString(36)` made a third string per event, kept with the queued
   * event (~30 bytes of the ~170 a queued event weighs) and converted by a slower runtime call.
   */
  #blockPrefix = "";
  #block = 0;
  #inBlock = BLOCK;

  constructor(runToken: string = randomBytes(12).toString("base64url")) {
    this.runToken = runToken;
    this.#prefix = `${runToken}.`;
  }

  next(): string {
    const sequence = this.#next;
    this.#next += 1;
    if (sequence < BLOCK) return this.#prefix + sequence.toString(36);
    if (this.#inBlock === BLOCK) {
      this.#block += 1;
      this.#inBlock = 0;
      // Joined rather than concatenated: one flat string that 1,296 ids then share.
      this.#blockPrefix = [this.#prefix, this.#block.toString(36)].join("");
    }
    const id = this.#blockPrefix + lowDigitsTable()[this.#inBlock]!;
    this.#inBlock += 1;
    return id;
  }
}
