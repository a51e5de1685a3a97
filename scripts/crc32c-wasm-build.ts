/**
 * Compiles src/delivery/spool/crc32c.wat into the TypeScript module that ships its bytes
 * (crc32c-wasm-bytes.ts). Dev-only (wabt is a devDependency): `npm run build:wasm` writes the file,
 * test/delivery/spool/crc32c-wasm.test.ts checks the committed file is what this produces.
 */
import { readFileSync } from "node:fs";
import wabtInit from "wabt";

export const WAT_URL = new URL("../src/delivery/spool/crc32c.wat", import.meta.url);
export const BYTES_MODULE_URL = new URL("../src/delivery/spool/crc32c-wasm-bytes.ts", import.meta.url);

/** The module text of crc32c-wasm-bytes.ts for the current crc32c.wat. */
export async function renderCrc32cWasmModule(): Promise<string> {
  const wabt = await wabtInit();
  const parsed = wabt.parseWat("crc32c.wat", readFileSync(WAT_URL, "utf8"));
  try {
    parsed.validate();
    const { buffer } = parsed.toBinary({});
    const base64 = Buffer.from(buffer).toString("base64");
    return [
      "/** crc32c.wat compiled (`npm run build:wasm`, scripts/crc32c-wasm-build.ts): do not edit by hand. */",
      `export const CRC32C_WASM_BASE64 =\n  ${chunked(base64)};`,
      "",
    ].join("\n");
  } finally {
    parsed.destroy();
  }
}

function chunked(text: string): string {
  const lines: string[] = [];
  for (let at = 0; at < text.length; at += 96) lines.push(JSON.stringify(text.slice(at, at + 96)));
  return lines.join(" +\n  ");
}
