/**
 * Headless Chromium for the viewer's end-to-end tests: Debian's `chromium` driven by
 * playwright-core (its own browser downloads are not reachable here). Tests skip, saying why,
 * only when the binary is missing outside CI; in CI (`CI` set) a missing browser fails them.
 */
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import type { Browser, Page } from "playwright-core";

export const CHROMIUM = process.env.SYVAIN_CHROMIUM ?? "/usr/bin/chromium";

/** Why the browser tests cannot run here, or undefined when they can (or must, in CI). */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM) || process.env.CI) return undefined;
  return `${CHROMIUM} is absent (apt-get install chromium); browser tests run in CI`;
}

export interface LaunchedBrowser {
  browser: Browser;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<LaunchedBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // No --user-data-dir: playwright gives every launch a fresh temporary profile and removes it.
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

/** Opens `url` and waits until the viewer says the page is rendered. */
export async function openViewer(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(url);
  await waitReady(page);
  if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
  return page;
}

export async function waitReady(page: Page): Promise<void> {
  await page.waitForFunction(() => (globalThis as unknown as { __viewer?: { ready: boolean } }).__viewer?.ready === true, undefined, { timeout: 10_000 });
}

/** The page's test hook (`window.__viewer`). */
export function viewerState(page: Page): Promise<ViewerState> {
  return page.evaluate(() => (globalThis as unknown as { __viewer: ViewerState }).__viewer);
}

export interface ChartStats {
  axis: "step" | "time";
  series: number;
  points: number[];
  totals: number[];
  labels: string[];
  /** First and last x of each series. */
  spans: [number, number][];
  markers: number;
  zoomed: boolean;
}

export interface ViewerState {
  page: string;
  ready: boolean;
  refreshes: number;
  version: number;
  rows?: number;
  charts?: Record<string, ChartStats>;
}
