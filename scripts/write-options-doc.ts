/** Writes `docs/options.md` from the option tables (`npm run docs:options`). */
import { writeFileSync } from "node:fs";
import { renderOptionsDoc } from "../src/config/options-doc.ts";

writeFileSync(new URL("../docs/options.md", import.meta.url), renderOptionsDoc());
