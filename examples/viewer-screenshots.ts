/**
 * Takes the README's viewer screenshots (docs/images/viewer-*.png) on the demo's data: runs
 * examples/quickstart.ts against a local emulator (twice, to list two runs), then opens the viewer
 * in headless Chromium. `node --conditions=syvain-source examples/viewer-screenshots.ts`
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startEmulator } from "syvain-metrics-otel/testing";
import { launchBrowser, openViewer } from "../test/testing/viewer/browser.ts";

const quickstart = fileURLToPath(new URL("./quickstart.ts", import.meta.url));
const images = fileURLToPath(new URL("../docs/images/", import.meta.url));

function runQuickstart(host: string, apiKey: string, slug: string): Promise<void> {
  const child = spawn(process.execPath, ["--conditions=syvain-source", quickstart], {
    env: { ...process.env, SYVAIN_METRICS_API_KEY: apiKey, SYVAIN_METRICS_HOST: host, QUICKSTART_SLUG: slug },
    stdio: "inherit",
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`quickstart exited ${code}`))));
  });
}

await using emulator = await startEmulator();
await runQuickstart(emulator.url, emulator.apiKey, "mamba-run-001");
await runQuickstart(emulator.url, emulator.apiKey, "mamba-run-002");
const chromium = await launchBrowser();
try {
  const list = await openViewer(chromium.browser, `${emulator.url}/`);
  await list.setViewportSize({ width: 1280, height: 360 });
  await list.screenshot({ path: `${images}viewer-list.png` });
  const run = await openViewer(chromium.browser, `${emulator.url}/#/e/mamba-run-001`);
  await run.locator("#log-y").check();
  await run.screenshot({ path: `${images}viewer-experiment.png`, fullPage: true });
  console.log(`saved ${images}viewer-list.png and viewer-experiment.png`);
} finally {
  await chromium.close();
}
