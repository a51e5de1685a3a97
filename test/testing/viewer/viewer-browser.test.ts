/**
 * The viewer in a real browser (headless Chromium): the list, charts (series and points after
 * downsampling), annotation markers, live updates, compare, and user strings shown as text.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "syvain-metrics-otel/testing";
import type { Emulator } from "syvain-metrics-otel/testing";
import { browserSkipReason, launchBrowser, openViewer, viewerState, waitReady } from "./browser.ts";
import type { LaunchedBrowser } from "./browser.ts";
import { XSS, at, lossPoint, postMetrics, seedRun } from "./seed.ts";

const skip = browserSkipReason();
if (skip) console.warn(`viewer browser tests skipped: ${skip}`);

describe.skipIf(skip !== undefined)("viewer in Chromium", () => {
  let emulator: Emulator;
  let chromium: LaunchedBrowser;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    emulator = await startEmulator();
    chromium = await launchBrowser();
    ids.big = await seedRun(emulator, { slug: "resnet-big", metadata: { lr: 0.1 }, status: "done", points: 20_000, annotations: [{ text: "lr drop", timestamp: at(10_000) }] });
    ids.small = await seedRun(emulator, { slug: "resnet-small", metadata: { lr: 0.01 }, status: "failed", points: 40 });
    ids.xss = await seedRun(emulator, { slug: XSS, metadata: { [XSS]: XSS }, status: "running", points: 10, annotations: [{ text: XSS, timestamp: at(5) }] });
  }, 60_000);

  afterAll(async () => {
    await chromium?.close();
    await emulator?.close();
  });

  it("lists the experiments, filters by status and text", async () => {
    const page = await openViewer(chromium.browser, `${emulator.url}/`);
    expect((await viewerState(page)).rows).toBe(3);
    await expect(page.locator("#experiments tbody tr").allTextContents()).resolves.toHaveLength(3);
    await page.selectOption("#filter-status", "failed");
    expect((await viewerState(page)).rows).toBe(1);
    await expect(page.locator("#experiments tbody tr a.slug").textContent()).resolves.toBe("resnet-small");
    await page.selectOption("#filter-status", "");
    await page.fill("#filter-text", "resnet");
    expect((await viewerState(page)).rows).toBe(2);
    await page.close();
  });

  it("charts one line per metadata combination, downsampled on the server, with the annotation marker", async () => {
    const page = await openViewer(chromium.browser, `${emulator.url}/#/e/${ids.big}`);
    const loss = (await viewerState(page)).charts?.loss;
    expect(loss?.series).toBe(2);
    expect(loss?.labels).toEqual(["split=train", "split=val"]);
    expect(loss?.totals).toEqual([20_000, 20_000]);
    // At most two points (min and max) per pixel column of the chart, far fewer than stored.
    const width = (await page.locator(".chart").first().boundingBox())!.width;
    for (const points of loss!.points) {
      expect(points).toBeLessThanOrEqual(2 * width);
      expect(points).toBeGreaterThan(width / 2);
    }
    expect(loss?.markers).toBe(1);
    const marker = page.locator(".marker").first();
    await marker.hover();
    await expect(marker.locator(".marker-text").isVisible()).resolves.toBe(true);
    await expect(marker.locator(".marker-text").textContent()).resolves.toBe("lr drop");
    await page.close();
  });

  it("zooms on a drag (starting on the annotation marker) with every point of the range, and zooms out on double-click", async () => {
    const page = await openViewer(chromium.browser, `${emulator.url}/#/e/${ids.big}`);
    const over = (await page.locator(".u-over").first().boundingBox())!;
    await page.mouse.move(over.x + over.width / 2, over.y + over.height / 2);
    await page.mouse.down();
    await page.mouse.move(over.x + over.width / 2 + 15, over.y + over.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => (globalThis as unknown as { __viewer: { charts?: { loss?: { zoomed: boolean } } } }).__viewer.charts?.loss?.zoomed === true);
    const zoomed = (await viewerState(page)).charts!.loss!;
    const [from, to] = zoomed.spans[0]!;
    // Full resolution: one point per step of the range (steps are 0, 1, 2, ... here).
    expect(zoomed.points[0]).toBe(to - from + 1);
    expect(to - from).toBeLessThan(20_000 / 4);
    await page.locator(".u-over").first().dblclick();
    await page.waitForFunction(() => (globalThis as unknown as { __viewer: { charts?: { loss?: { zoomed: boolean } } } }).__viewer.charts?.loss?.zoomed === false);
    expect((await viewerState(page)).charts!.loss!.spans[0]).toEqual([0, 19_999]);
    await page.close();
  });

  it("shows a newly logged point within 1 s, without reload", async () => {
    const page = await openViewer(chromium.browser, `${emulator.url}/#/e/${ids.small}`);
    expect((await viewerState(page)).charts?.loss?.totals).toEqual([40, 40]);
    await page.locator("#live", { hasText: "live" }).waitFor({ timeout: 5_000 });
    await postMetrics(emulator, ids.small!, [lossPoint("train", 40)]);
    // The condition, bounded by the 1 s: the page's own state shows the new point.
    await page.waitForFunction(() => (globalThis as unknown as { __viewer: { charts?: { loss?: { totals: number[] } } } }).__viewer.charts?.loss?.totals[0] === 41, undefined, {
      timeout: 1_000,
    });
    await page.close();
  });

  it("overlays the same metric of two runs", async () => {
    const page = await openViewer(chromium.browser, `${emulator.url}/#/`);
    await page.locator(`tr[data-slug="resnet-big"] input[type=checkbox]`).check();
    await page.locator(`tr[data-slug="resnet-small"] input[type=checkbox]`).check();
    await page.click("#compare");
    await page.waitForFunction(() => (globalThis as unknown as { __viewer: { page: string; ready: boolean } }).__viewer.page === "compare");
    await waitReady(page);
    const loss = (await viewerState(page)).charts?.loss;
    expect(loss?.series).toBe(4);
    expect(loss?.labels).toEqual(["resnet-big: split=train", "resnet-big: split=val", "resnet-small: split=train", "resnet-small: split=val"]);
    await page.close();
  });

  it("renders slugs, metadata and annotation text that contain markup as text", async () => {
    const list = await openViewer(chromium.browser, `${emulator.url}/`);
    await expect(list.locator("a.slug", { hasText: "<script>" }).textContent()).resolves.toBe(XSS);
    await expect(list.locator("td.meta", { hasText: "<img" }).textContent()).resolves.toBe(`${XSS}=${XSS}`);
    const page = await openViewer(chromium.browser, `${emulator.url}/#/e/${ids.xss}`);
    await expect(page.locator("#slug").textContent()).resolves.toContain(XSS);
    await expect(page.locator("#metadata th").textContent()).resolves.toBe(XSS);
    await expect(page.locator("#annotations li").textContent()).resolves.toContain(XSS);
    await expect(page.locator(".marker .marker-text").textContent()).resolves.toBe(XSS);
    for (const p of [list, page]) {
      expect(await p.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss)).toBeUndefined();
      expect(await p.locator("main script, main img").count()).toBe(0);
    }
    await list.close();
    await page.close();
  });
});
