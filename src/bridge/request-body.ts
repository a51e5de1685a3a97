/**
 * Reads an OTLP/HTTP request body within two limits: the bytes on the wire (counted while
 * reading, so an endless body stops at the cap) and the bytes after decompression (zlib's
 * `maxOutputLength`: a gzip/zstd bomb stops at the cap instead of exhausting memory).
 * Content-Encoding: identity, gzip (x-gzip), deflate (zlib or raw), zstd.
 */
import type { IncomingMessage } from "node:http";
import { promisify } from "node:util";
// A namespace import: a named `zstdDecompress` (Node >= 22.15) would fail to link on an older Node
// before the entry's version check could run and say which Node is needed.
import * as zlib from "node:zlib";

export class BodyError extends Error {
  readonly status: 400 | 413 | 415;

  constructor(status: 400 | 413 | 415, message: string) {
    super(message);
    this.name = "BodyError";
    this.status = status;
  }
}

export interface BodyLimits {
  maxRequestBytes: number;
  maxDecompressedBytes: number;
}

type Decompress = (input: Buffer, options: { maxOutputLength: number }) => Promise<Buffer>;

const decompressors: Record<string, Decompress> = {
  gzip: promisify(zlib.gunzip),
  "x-gzip": promisify(zlib.gunzip),
  deflate: inflateZlibOrRaw,
  zstd: promisify(zlib.zstdDecompress),
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

export async function readRequestBody(request: IncomingMessage, encoding: string, limits: BodyLimits): Promise<Buffer> {
  const raw = await readCapped(request, limits.maxRequestBytes);
  const decompress = decompressors[encoding];
  if (decompress === undefined) return raw;
  try {
    return await decompress(raw, { maxOutputLength: limits.maxDecompressedBytes });
  } catch (error) {
    if ((error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new BodyError(413, `body is larger than ${limits.maxDecompressedBytes} bytes once decompressed (${encoding})`);
    }
    throw new BodyError(400, `body is not valid ${encoding}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The raw body, refusing at once a declared `Content-Length` over the cap and stopping at the cap
 * otherwise (chunked bodies). On refusal the request stream is left paused; the caller answers
 * and closes the connection.
 */
function readCapped(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(new BodyError(413, `body of ${declared} bytes is over the ${maxBytes}-byte limit`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const cleanup = (): void => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
      request.off("aborted", onAborted);
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > maxBytes) {
        cleanup();
        request.pause();
        reject(new BodyError(413, `body is over the ${maxBytes}-byte limit`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, total));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(new BodyError(400, `the request body could not be read: ${error.message}`));
    };
    const onAborted = (): void => onError(new Error("aborted by the client"));
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onError);
    request.on("aborted", onAborted);
  });
}

const inflateZlib = promisify(zlib.inflate);
const inflateRawAsync = promisify(zlib.inflateRaw);

/** HTTP `deflate` is zlib-wrapped by the RFC, but some senders send raw deflate: accept both. */
async function inflateZlibOrRaw(input: Buffer, options: { maxOutputLength: number }): Promise<Buffer> {
  try {
    return await inflateZlib(input, options);
  } catch (error) {
    if ((error as { code?: unknown }).code !== "Z_DATA_ERROR") throw error;
    return inflateRawAsync(input, options);
  }
}
