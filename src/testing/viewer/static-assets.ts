/**
 * The viewer's page files, served from the package itself (no CDN: it works offline). The page
 * scripts are plain ES modules in `viewer-assets/` at the package root (tsc does not copy .js
 * files, and a bundler is not worth it for four pages); uPlot comes from its npm package.
 * Only the names listed here can be served, so a path can never reach another file.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

// Same depth from src/testing/viewer/ and dist/testing/viewer/: both resolve to <package>/viewer-assets/.
const assetsDir = new URL("../../../viewer-assets/", import.meta.url);
const require = createRequire(import.meta.url);

const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

function own(name: string): string {
  return fileURLToPath(new URL(name, assetsDir));
}

const files: Record<string, () => string> = {
  "index.html": () => own("index.html"),
  "viewer.css": () => own("viewer.css"),
  "app.js": () => own("app.js"),
  "api.js": () => own("api.js"),
  "dom.js": () => own("dom.js"),
  "chart.js": () => own("chart.js"),
  "list-page.js": () => own("list-page.js"),
  "experiment-page.js": () => own("experiment-page.js"),
  "compare-page.js": () => own("compare-page.js"),
  "uPlot.esm.js": () => require.resolve("uplot/dist/uPlot.esm.js"),
  "uPlot.min.css": () => require.resolve("uplot/dist/uPlot.min.css"),
};

export interface Asset {
  body: Buffer;
  type: string;
}

const cache = new Map<string, Promise<Asset>>();

/** The asset called `name`, or undefined for any other name. Read once, then kept in memory. */
export function asset(name: string): Promise<Asset> | undefined {
  const locate = Object.hasOwn(files, name) ? files[name] : undefined;
  if (!locate) return undefined;
  let loaded = cache.get(name);
  if (!loaded) {
    const path = locate();
    loaded = readFile(path).then((body) => ({ body, type: types[path.slice(path.lastIndexOf("."))] ?? "application/octet-stream" }));
    // A failed read is retried next time rather than cached.
    loaded.catch(() => cache.delete(name));
    cache.set(name, loaded);
  }
  return loaded;
}
