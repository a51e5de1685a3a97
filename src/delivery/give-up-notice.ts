/**
 * What `maxRetries` does to a batch is said when it happens, once per outage (from the first batch
 * given up until a request succeeds again): with a spool the batch waits on disk, without one it is
 * lost. Both were silent (outside review 14, F11), and then the close warning claimed lost batches
 * were kept on disk.
 */
import type { SyvainError } from "../api/errors.ts";
import type { DeliveryRequest } from "./delivery-request.ts";
import type { SpoolKeeping } from "./journal/outbox-journal.ts";
import { keptOnDiskNote } from "./kept-note.ts";

export class GiveUpNotice {
  readonly #label: string;
  readonly #maxRetries: number | null;
  readonly #warn: (message: string) => void;
  #said = false;

  constructor(label: string, maxRetries: number | null, warn: (message: string) => void) {
    this.#label = label;
    this.#maxRetries = maxRetries;
    this.#warn = warn;
  }

  /** The background spent `maxRetries` on `request`; `kept`: the spool that keeps it (`undefined`: lost). */
  gaveUp(request: DeliveryRequest, error: SyvainError, kept: SpoolKeeping | undefined): void {
    if (this.#said) return;
    this.#said = true;
    const what = request.kind === "status" ? `the status update ${JSON.stringify(request.status)}` : `${request.items.length} ${request.kind === "metric" ? "metrics" : "annotations"}`;
    const why = `after maxRetries (${this.#maxRetries}) retries; last error: ${error.message}`;
    this.#warn(
      kept === undefined
        ? `${this.#label}: ${what} lost: given up ${why}; no spool keeps them (spoolDir: false). Batches given up until Syvain answers again are counted failed in stats(), not warned again`
        : `${this.#label}: ${what} retried only once a minute from now on (at once when Syvain answers another request) ${why}; flush() and close() try them too${keptOnDiskNote(kept)}. Batches given up until Syvain answers again wait the same way (counted pending in stats())`,
    );
  }

  /** A request succeeded: the outage is over, the next give-up is said again. */
  recovered(): void {
    this.#said = false;
  }
}
