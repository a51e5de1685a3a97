/**
 * Preloaded into a bridge child (`--import`): once the bridge logs `shutdown.done`, its clock stops:
 * timers set from then on never fire (they keep their ref/unref, so a ref'd one holds the process as
 * a timer that is never due would). A bridge that ends only when a timer fires then stays until
 * whatever holds its event loop lets go; one that exits right after its drain is unaffected. This
 * tells the two apart by what happens, not by how long anything took.
 */
const write = process.stderr.write.bind(process.stderr);
const realSetTimeout = globalThis.setTimeout;
let stopped = false;

process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
  if (String(chunk).includes('"event":"shutdown.done"')) stopped = true;
  return write(chunk, ...rest);
});

// Only timers set through the global function stop (the CLI's own among them); that is the one asked about.
globalThis.setTimeout = ((handler: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) =>
  stopped ? realSetTimeout(() => undefined, 2 ** 31 - 1) : realSetTimeout(handler, ms, ...args)) as typeof globalThis.setTimeout;
