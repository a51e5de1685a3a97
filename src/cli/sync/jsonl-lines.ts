/**
 * The lines of a JSONL file with their byte offsets, read in large chunks from any offset, so a
 * resumed sync starts where the last one stopped without reading what came before. A last line
 * without its newline is flagged `torn`: every writer of ours ends each line with `\n`, so it is a
 * crash mid-write, or a writer still at work.
 */
import { open } from "node:fs/promises";

export interface JsonlLine {
  /** Byte offset of the line's first byte. */
  start: number;
  /** Byte offset just after the line's newline (or after its last byte, when torn). */
  end: number;
  /** 1-based line number, counted from `from` (exact when `from` is 0 or `firstLineNumber` is given). */
  number: number;
  text: string;
  torn: boolean;
}

const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;

export async function* readJsonlLines(path: string, from = 0, firstLineNumber = 1): AsyncGenerator<JsonlLine> {
  const file = await open(path, "r");
  try {
    let carry: Buffer = Buffer.alloc(0);
    let carryStart = from;
    let position = from;
    let number = firstLineNumber;
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      const { bytesRead } = await file.read(chunk, 0, CHUNK_BYTES, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const data = carry.length === 0 ? chunk.subarray(0, bytesRead) : Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
      let lineStart = 0;
      for (let nl = data.indexOf(NEWLINE); nl !== -1; nl = data.indexOf(NEWLINE, lineStart)) {
        const start = carryStart + lineStart;
        yield { start, end: carryStart + nl + 1, number: number++, text: data.toString("utf8", lineStart, nl), torn: false };
        lineStart = nl + 1;
      }
      // Copied, so a partial line does not keep its whole 1 MiB chunk alive.
      carry = Buffer.from(data.subarray(lineStart));
      carryStart += lineStart;
    }
    if (carry.length > 0) yield { start: carryStart, end: carryStart + carry.length, number, text: carry.toString("utf8"), torn: true };
  } finally {
    await file.close();
  }
}
