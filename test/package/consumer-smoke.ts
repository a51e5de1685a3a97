/**
 * What a user does first with the installed package, as an ES module run in their project (not in
 * this checkout, and with no `syvain-source` condition): both entry points load from `dist/`, a
 * metric reaches the emulator, and the `syvain-otel` bin answers `--help`. Prints `smoke ok`.
 */
export const consumerSmoke = `
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { Collector } from "syvain-metrics-otel";
import { startEmulator } from "syvain-metrics-otel/testing";

const resolved = import.meta.resolve("syvain-metrics-otel");
if (!resolved.includes("/node_modules/syvain-metrics-otel/dist/")) throw new Error("loaded from " + resolved);
const emulator = await startEmulator();
const collector = new Collector(emulator.apiKey, { host: emulator.url });
const experiment = await collector.experiment("installed");
experiment.metric("loss", 0.25, { step: 1 });
await experiment.close();
await collector.close();
const stored = emulator.store.metrics("installed").map((event) => event.value);
await emulator.close();
if (JSON.stringify(stored) !== "[0.25]") throw new Error("stored " + JSON.stringify(stored));
const bin = createRequire(import.meta.url).resolve("syvain-metrics-otel/package.json").replace(/package\\.json$/, "dist/cli/main.js");
const help = execFileSync(process.execPath, [bin, "emulator", "--help"], { encoding: "utf8" });
if (!help.includes("--data-file")) throw new Error("bin help: " + help);
console.log("smoke ok");
`;
