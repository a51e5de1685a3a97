import { SyvainValidationError } from "../api/errors.ts";

/** A misspelt option (`metdata`, `steps`) is an error, not silently ignored data. */
export function checkKnownKeys(options: Record<string, unknown>, known: readonly string[], owner: string): void {
  // Called on every `metric()`: `for...in` walks the object's cached keys without allocating an
  // array. It also lists enumerable inherited keys, so an unexpected one is confirmed against the
  // own keys before it is reported.
  for (const key in options) {
    if (!known.includes(key)) {
      checkOwnKeys(options, known, owner);
      return;
    }
  }
}

function checkOwnKeys(options: Record<string, unknown>, known: readonly string[], owner: string): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new SyvainValidationError(key, options[key], `${owner}: unknown option \`${key}\` (expected one of ${known.join(", ")})`);
    }
  }
}
