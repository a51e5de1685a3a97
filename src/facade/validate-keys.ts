import { SyvainValidationError } from "../errors.ts";

/** A misspelt option (`metdata`, `steps`) is an error, not silently ignored data. */
export function checkKnownKeys(options: Record<string, unknown>, known: readonly string[], owner: string): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new SyvainValidationError(key, options[key], `${owner}: unknown option \`${key}\` (expected one of ${known.join(", ")})`);
    }
  }
}
