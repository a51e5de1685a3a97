/**
 * CRC32C in WebAssembly (crc32c.wat): the same tables and results as crc32c.ts, ~2.5x faster per
 * byte, because V8 checks every typed-array read of the JavaScript loop and none of the wasm one.
 * The flusher checksums every byte it writes on the main thread, which was ~45 % of the CPU the
 * spool adds per bridge point (docs/performance.md). WebAssembly reads only its own memory, so the
 * bytes are copied in (and, for framing, back): a memcpy, ~0.03 ns/byte. Instantiated at first use;
 * `null` where WebAssembly cannot run (`node --jitless`): callers then use crc32c.ts.
 */
import { CRC32C_TABLES } from "./crc32c.ts";
import { CRC32C_WASM_BASE64 } from "./crc32c-wasm-bytes.ts";

/** What this file uses of the WebAssembly API (the project's type libraries have no DOM, which declares it). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: object };
}

interface Exports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  crc(start: number, end: number, crc: number): number;
  frame(start: number, end: number): number;
}

/** Where copied bytes start in the module's memory: after the 8 KiB of tables. */
const SCRATCH = CRC32C_TABLES.length * 4;
const PAGE_BYTES = 65536;

export class WasmCrc32c {
  readonly #exports: Exports;
  #memory!: Buffer;
  /** Where the bytes `load` copied in started in their buffer. */
  #loadedFrom = 0;

  constructor(exports: Exports) {
    this.#exports = exports;
    this.#refresh();
    new Uint32Array(exports.memory.buffer, 0, CRC32C_TABLES.length).set(CRC32C_TABLES);
  }

  /** `crc32c(bytes, start, end, crc)`. */
  crc32c(bytes: Uint8Array, start: number, end: number, crc: number): number {
    this.#copyIn(bytes, start, end);
    return this.#exports.crc(SCRATCH, SCRATCH + end - start, crc) >>> 0;
  }

  /**
   * Copies `bytes[start, end)` in once, for `crc32cOfLoaded` to checksum parts of them: a read of
   * many records is verified with one copy, not one per record (nor a view of it per record).
   * Valid until the next call of any method here.
   */
  load(bytes: Uint8Array, start: number, end: number): void {
    this.#copyIn(bytes, start, end);
    this.#loadedFrom = start;
  }

  /** `crc32c(bytes, start, end, crc)` of the `bytes` `load` copied in (offsets in `bytes`, within what it loaded). */
  crc32cOfLoaded(start: number, end: number, crc: number): number {
    const at = SCRATCH - this.#loadedFrom;
    return this.#exports.crc(at + start, at + end, crc) >>> 0;
  }

  /** Writes the checksum of every record framed in `buf[start, end)`, which must hold whole records (record-format.ts). */
  frameRecords(buf: Buffer, start: number, end: number): void {
    this.#copyIn(buf, start, end);
    const stopped = this.#exports.frame(SCRATCH, SCRATCH + end - start);
    if (stopped !== SCRATCH + end - start) throw new Error(`crc32c frame: bytes [${start}, ${end}) do not hold whole records (stopped at ${stopped - SCRATCH + start})`);
    this.#memory.copy(buf, start, SCRATCH, SCRATCH + end - start);
  }

  #copyIn(bytes: Uint8Array, start: number, end: number): void {
    const needed = SCRATCH + end - start;
    if (needed > this.#memory.length) {
      // Growing detaches the old views; nothing else holds them (the module's memory is ours alone).
      this.#exports.memory.grow(Math.ceil((needed - this.#memory.length) / PAGE_BYTES));
      this.#refresh();
    }
    this.#memory.set(bytes.subarray(start, end), SCRATCH);
  }

  #refresh(): void {
    this.#memory = Buffer.from(this.#exports.memory.buffer);
  }
}

let loaded: WasmCrc32c | null | undefined;

/** The shared instance, or `null` where WebAssembly is unavailable. */
export function wasmCrc32c(): WasmCrc32c | null {
  if (loaded === undefined) loaded = instantiate();
  return loaded;
}

function instantiate(): WasmCrc32c | null {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (api === undefined) return null;
  try {
    const module = new api.Module(Buffer.from(CRC32C_WASM_BASE64, "base64"));
    return new WasmCrc32c(new api.Instance(module).exports as Exports);
  } catch {
    return null; // e.g. `--jitless`: the JavaScript tables do the same work, slower
  }
}
