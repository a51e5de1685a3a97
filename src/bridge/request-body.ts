/**
 * Reads an OTLP/HTTP request body within two limits: the bytes on the wire (counted while
 * reading, so an endless body stops at the cap) and the bytes after decompression (streamed and
 * counted: a gzip/zstd bomb stops at the cap instead of exhausting memory), within a time limit,
 * and inside the bridge-wide memory budget (`memory-budget.ts`).
 * Content-Encoding: identity, gzip (x-gzip), deflate (zlib or raw), zstd.
 */
import type { IncomingMessage } from "node:http";
// A namespace import: a named `zstdDecompress` (Node >= 22.15) would fail to link on an older Node
// before the entry's version check could run and say which Node is needed.
import * as zlib from "node:zlib";
import { BudgetExhausted, type MemoryBudget, type Reservation } from "./memory-budget.ts";

export class BodyError extends Error {
  readonly status: 400 | 408 | 413 | 415;

  constructor(status: 400 | 408 | 413 | 415, message: string) {
    super(message);
    this.name = "BodyError";
    this.status = status;
  }
}

export interface BodyLimits {
  maxRequestBytes: number;
  maxDecompressedBytes: number;
  /** Where `maxDecompressedBytes` comes from, for the 413 (a flag, or the memory budget when that caps it lower). */
  decompressedLimitSource: string;
  /** Milliseconds for the whole body to arrive once the headers did; then 408. */
  bodyTimeoutMs: number;
}

type Decompressor = () => zlib.Gunzip | zlib.Inflate | zlib.InflateRaw | zlib.ZstdDecompress;

const decompressors: Record<string, (input: Buffer) => Decompressor> = {
  gzip: () => () => zlib.createGunzip(),
  "x-gzip": () => () => zlib.createGunzip(),
  // HTTP `deflate` is zlib-wrapped by the RFC, but some senders send raw deflate: the zlib header
  // (method 8, header checksum a multiple of 31) tells which.
  deflate: (input) => (isZlibHeader(input) ? () => zlib.createInflate() : () => zlib.createInflateRaw()),
  zstd: () => () => zlib.createZstdDecompress(),
};

const SUPPORTED_ENCODINGS = ["identity", ...Object.keys(decompressors)];

/** Throws a `BodyError` (415) for an encoding the bridge cannot read, before the body is read. */
export function checkContentEncoding(header: string | undefined): string {
  const encoding = (header ?? "identity").trim().toLowerCase() || "identity";
  if (encoding !== "identity" && !(encoding in decompressors)) {
    throw new BodyError(415, `unsupported Content-Encoding ${JSON.stringify(header)}; use one of ${SUPPORTED_ENCODINGS.join(", ")}`);
  }
  return encoding;
}

/**
 * The body, decompressed. Every byte held is reserved in `reservation` first; when the budget
 * has no room, throws `BudgetExhausted` (the caller answers 503 and closes the connection). On
 * return the reservation holds exactly the returned body's length.
 */
export async function readRequestBody(request: IncomingMessage, encoding: string, limits: BodyLimits, reservation: Reservation, budget: MemoryBudget): Promise<Buffer> {
  const raw = await readCapped(request, limits, reservation, budget);
  const decompressor = decompressors[encoding];
  if (decompressor === undefined) return raw;
  const body = await decompress(raw, decompressor(raw), encoding, limits, reservation, budget);
  // The compressed bytes are dropped from here on.
  reservation.shrink(raw.length);
  return body;
}

/**
 * The raw body, refusing at once a declared `Content-Length` over the cap (413) or over what the
 * budget has left (503), and stopping at the cap otherwise (chunked bodies). On refusal the
 * request stream is left paused; the caller answers and closes the connection.
 */
function readCapped(request: IncomingMessage, limits: BodyLimits, reservation: Reservation, budget: MemoryBudget): Promise<Buffer> {
  const maxBytes = limits.maxRequestBytes;
  const declared = Number(request.headers["content-length"]);
  const sized = request.headers["content-length"] !== undefined && Number.isSafeInteger(declared);
  if (sized && declared > maxBytes) {
    return Promise.reject(new BodyError(413, `body of ${declared} bytes is over the ${maxBytes}-byte limit`));
  }
  if (sized && declared > budget.maxBytes) {
    return Promise.reject(new BodyError(413, `body of ${declared} bytes is over the whole memory budget (${budget.maxBytes} bytes, --max-memory-bytes)`));
  }
  // A declared length is reserved whole, before a byte is read: a hundred stalled uploads then
  // hold nothing they were not granted, and one buffer of that size receives the body (no copy).
  if (sized && !reservation.grow(declared)) return Promise.reject(new BudgetExhausted(`a ${declared}-byte body`, budget));
  return new Promise((resolve, reject) => {
    const into = sized ? Buffer.allocUnsafe(declared) : undefined;
    const chunks: Buffer[] = [];
    let total = 0;
    const timer = setTimeout(() => fail(new BodyError(408, `the body did not arrive within ${limits.bodyTimeoutMs / 1000} s (--body-timeout)`)), limits.bodyTimeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
      request.off("aborted", onAborted);
    };
    const fail = (error: Error): void => {
      cleanup();
      request.pause();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      if (total + chunk.length > maxBytes) return fail(new BodyError(413, `body is over the ${maxBytes}-byte limit`));
      if (into !== undefined) {
        chunk.copy(into, total);
      } else {
        if (!reservation.grow(chunk.length)) return fail(new BudgetExhausted(`a body of more than ${total + chunk.length} bytes`, budget));
        chunks.push(chunk);
      }
      total += chunk.length;
    };
    const onEnd = (): void => {
      cleanup();
      if (into !== undefined) return resolve(into.subarray(0, total));
      settleWith(resolve, reject, () => concatReserved(chunks, total, reservation, budget));
    };
    const onError = (error: Error): void => fail(new BodyError(400, `the request body could not be read: ${error.message}`));
    const onAborted = (): void => onError(new Error("aborted by the client"));
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onError);
    request.on("aborted", onAborted);
  });
}

/** Streams `input` through the decompressor, reserving each output chunk, stopping at `maxDecompressedBytes` (a zip bomb stops there). */
function decompress(input: Buffer, create: Decompressor, encoding: string, limits: BodyLimits, reservation: Reservation, budget: MemoryBudget): Promise<Buffer> {
  const maxBytes = limits.maxDecompressedBytes;
  return new Promise((resolve, reject) => {
    const stream = create();
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      stream.destroy();
      reservation.shrink(total);
      reject(error);
    };
    stream.on("data", (chunk: Buffer) => {
      if (settled) return;
      if (total + chunk.length > maxBytes) return fail(new BodyError(413, `body is larger than ${maxBytes} bytes once decompressed (${encoding}): ${limits.decompressedLimitSource}`));
      if (!reservation.grow(chunk.length)) return fail(new BudgetExhausted(`decompressing a ${encoding} body past ${total + chunk.length} bytes`, budget));
      chunks.push(chunk);
      total += chunk.length;
    });
    stream.on("error", (error) => fail(new BodyError(400, `body is not valid ${encoding}: ${error.message}`)));
    stream.on("end", () => {
      if (settled) return;
      settled = true;
      settleWith(resolve, reject, () => concatReserved(chunks, total, reservation, budget));
    });
    stream.end(input);
  });
}

/** Joins chunks into one buffer; the copy is reserved while both exist. Throws `BudgetExhausted`. */
function concatReserved(chunks: Buffer[], total: number, reservation: Reservation, budget: MemoryBudget): Buffer {
  if (chunks.length === 1) return chunks[0]!;
  if (!reservation.grow(total)) {
    reservation.shrink(total);
    throw new BudgetExhausted(`joining a ${total}-byte body`, budget);
  }
  const joined = Buffer.concat(chunks, total);
  reservation.shrink(total);
  return joined;
}

/** Resolves with `make()`, or rejects with what it threw (inside an event listener, a throw would crash the process). */
function settleWith<T>(resolve: (value: T) => void, reject: (error: Error) => void, make: () => T): void {
  try {
    resolve(make());
  } catch (error) {
    reject(error instanceof Error ? error : new Error(String(error)));
  }
}

function isZlibHeader(input: Buffer): boolean {
  return input.length >= 2 && (input[0]! & 0x0f) === 8 && ((input[0]! << 8) | input[1]!) % 31 === 0;
}
