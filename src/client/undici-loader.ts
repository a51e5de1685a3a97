/**
 * undici, loaded on the first HTTP call rather than at import: it is ~100 modules, the largest
 * single part of the package's import time, and a `JsonlCollector`, a test or a CLI `--help` never
 * sends a request.
 */
import type * as Undici from "undici";

let loading: Promise<typeof Undici> | undefined;

export function loadUndici(): Promise<typeof Undici> {
  loading ??= import("undici");
  return loading;
}
