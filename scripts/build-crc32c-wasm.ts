/** Writes src/delivery/spool/crc32c-wasm-bytes.ts from crc32c.wat (`npm run build:wasm`). */
import { writeFileSync } from "node:fs";
import { BYTES_MODULE_URL, renderCrc32cWasmModule } from "./crc32c-wasm-build.ts";

writeFileSync(BYTES_MODULE_URL, await renderCrc32cWasmModule());
