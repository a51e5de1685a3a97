/** The viewer's HTTP side on a real emulator: no key, read-only, loopback only, live events. */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "syvain-metrics-otel/testing";
import type { Emulator } from "syvain-metrics-otel/testing";
import { isLoopbackAddress, isLoopbackHost } from "../../../src/testing/viewer/viewer-routes.ts";
import { call } from "../http.ts";
import { XSS, lossPoint, postMetrics, seedRun } from "./seed.ts";

let emulator: Emulator;
let id: string;

beforeAll(async () => {
  emulator = await startEmulator();
  id = await seedRun(emulator, { slug: "http-run", metadata: { note: XSS }, points: 3000 });
});
afterAll(async () => {
  await emulator.close();
});

/** A raw request, to send a Host header fetch would not let us set. */
function raw(method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    // host/port/path, not a URL: the path goes out as written (`..` included).
    const req = request({ host: "127.0.0.1", port: emulator.port, path, method, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("viewer routes", () => {
  it("serves the page and its scripts without an API key, with a strict CSP", async () => {
    const page = await raw("GET", "/");
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(page.body).toContain("/_viewer/assets/app.js");
    const uplot = await raw("GET", "/_viewer/assets/uPlot.esm.js");
    expect(uplot.status).toBe(200);
    expect(uplot.headers["content-type"]).toMatch(/^text\/javascript/);
    expect((await raw("GET", "/_viewer/assets/../../package.json")).status).toBe(404);
    expect((await raw("GET", "/_viewer/assets/%2e%2e%2fpackage.json")).status).toBe(404);
  });

  it("answers JSON with user strings as data", async () => {
    const list = await raw("GET", "/_viewer/api/experiments");
    expect(list.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(list.body)).toMatchObject({ experiments: [{ slug: "http-run", metadata: { note: XSS }, points: 6000 }] });
  });

  it("downsamples a chart to the width asked, and zooms to full resolution", async () => {
    const chart = JSON.parse((await raw("GET", `/_viewer/api/chart?experiment=${id}&metric=loss&width=100`)).body) as { axis: string; series: { total: number; x: number[] }[] };
    expect(chart.axis).toBe("step");
    expect(chart.series.map((s) => s.total)).toEqual([3000, 3000]);
    for (const s of chart.series) expect(s.x.length).toBeLessThanOrEqual(200);
    const zoomed = JSON.parse((await raw("GET", `/_viewer/api/chart?experiment=${id}&metric=loss&width=100&from=10&to=59`)).body) as typeof chart;
    expect(zoomed.series[0]!.x).toEqual(Array.from({ length: 50 }, (_, i) => 10 + i));
  });

  it("rejects bad queries with the parameter and value named", async () => {
    const bad = await raw("GET", `/_viewer/api/chart?experiment=${id}&metric=loss&width=abc`);
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('width must be a finite number (got \\"abc\\")');
    const many = await raw("GET", `/_viewer/api/chart?metric=loss${"&experiment=x".repeat(6)}`);
    expect(many.status).toBe(400);
    expect(many.body).toContain("1 to 5 times (got 6)");
    expect((await raw("GET", "/_viewer/api/experiments/nope")).status).toBe(404);
  });

  it("is read-only: no method but GET/HEAD, and the store is unchanged", async () => {
    const before = emulator.store.totals();
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      for (const path of ["/", "/_viewer/api/experiments", `/_viewer/api/experiments/${id}`]) {
        const r = await raw(method, path, { "content-type": "application/json", authorization: `Bearer ${emulator.apiKey}` });
        expect(r.status, `${method} ${path}`).toBe(405);
        expect(r.headers.allow).toBe("GET, HEAD");
      }
    }
    expect(emulator.store.totals()).toEqual(before);
  });

  it("refuses a Host that is not loopback (DNS rebinding)", async () => {
    const r = await raw("GET", "/_viewer/api/experiments", { host: "evil.example:80" });
    expect(r.status).toBe(403);
    expect(r.body).not.toContain("http-run");
    expect(isLoopbackHost("localhost:8080")).toBe(true);
    expect(isLoopbackHost("[::1]:1")).toBe(true);
    expect(isLoopbackHost("127.0.0.1.evil.example")).toBe(false);
    expect(isLoopbackAddress("::ffff:127.0.0.1")).toBe(true);
    expect(isLoopbackAddress("10.0.0.2")).toBe(false);
  });

  it("streams a change event after a write", async () => {
    const controller = new AbortController();
    const response = await fetch(`${emulator.url}/_viewer/api/events`, { signal: controller.signal });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const wait = async (needle: string): Promise<void> => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}`);
        text += value;
      }
    };
    await wait("event: hello");
    await postMetrics(emulator, id, [lossPoint("train", 5000)]);
    await wait("event: change");
    controller.abort();
  });

  it("leaves / to the API with ui: false", async () => {
    await using plain = await startEmulator({ ui: false });
    expect((await call(plain, "GET", "/", { key: null })).status).toBe(401);
    expect((await call(plain, "GET", "/_viewer/api/experiments")).status).toBe(404);
  });
});
