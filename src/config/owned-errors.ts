/**
 * Configuration errors name the API the user called. The client's own checks (host, key, headers)
 * say "Syvain client: ...", and the mapping's checks of a slug or folder say only the field: when
 * `new Collector(...)`, an exporter or `syvainResource()` makes those calls on the user's behalf,
 * the error is restated under that API's name, with the same field, value and code.
 */
import { SyvainValidationError } from "../api/errors.ts";

/** The owner `createSyvainClient()` names in its errors when called directly. */
export const CLIENT_OWNER = "Syvain client";

export function ownedBy<T>(owner: string, make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (!(error instanceof SyvainValidationError) || error.message.startsWith(`${owner}: `)) throw error;
    const clientPrefix = `${CLIENT_OWNER}: `;
    const message = error.message.startsWith(clientPrefix) ? error.message.slice(clientPrefix.length) : error.message;
    throw new SyvainValidationError(error.field, error.value, `${owner}: ${message}`, error.code as "invalid_argument" | "config");
  }
}
