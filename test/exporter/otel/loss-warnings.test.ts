/**
 * The exporters are loud when they give data up: a `SyvainDeliveryWarning` naming the
 * experiment, once per burst, or the user's `onWarning` instead.
 */
import { ExportResultCode } from "@opentelemetry/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SyvainMetricExporter } from "../../../src/exporter/metric-exporter.ts";
import { BURST_SECONDS, LossWarnings } from "../../../src/exporter/otel/loss-warnings.ts";
import { syvainResource } from "../../../src/exporter/otel/syvain-resource.ts";
import { collectGauge, exportOnce, shutDownAndDrain, withEmulator } from "./helpers.ts";

afterEach(() => {
  vi.useRealTimers();
});

/** Warnings on virtual time, and what they said. */
function listening(): { heard: string[]; warnings: LossWarnings } {
  vi.useFakeTimers();
  const heard: string[] = [];
  return { heard, warnings: new LossWarnings((message) => heard.push(message)) };
}

describe("LossWarnings", () => {
  it("warns once per experiment per burst; a delivery or the end of the quiet period starts a new one", () => {
    const { heard, warnings } = listening();
    warnings.lost("a", "a lost 1");
    warnings.lost("a", "a lost 2");
    warnings.lost("b", "b lost 1");
    expect(heard).toEqual(["a lost 1", "b lost 1"]);
    vi.advanceTimersByTime(BURST_SECONDS * 1000 - 1);
    warnings.lost("a", "a lost 3");
    expect(heard).toHaveLength(2);
    vi.advanceTimersByTime(1);
    warnings.lost("a", "a lost 4");
    expect(heard.at(-1)).toBe("a lost 4");
    warnings.delivered("b");
    warnings.lost("b", "b lost 2");
    expect(heard).toEqual(["a lost 1", "b lost 1", "a lost 4", "b lost 2"]);
  });

  it("a 'still pending' note has its own budget: it never silences a loss, nor a loss it", () => {
    const { heard, warnings } = listening();
    warnings.pending("a", "a waits 1");
    warnings.lost("a", "a lost 1");
    warnings.pending("a", "a waits 2");
    warnings.lost("a", "a lost 2");
    expect(heard).toEqual(["a waits 1", "a lost 1"]);
    warnings.delivered("a"); // ends both bursts
    warnings.pending("a", "a waits 3");
    expect(heard.at(-1)).toBe("a waits 3");
  });

  it("a shutdown's final account is always said, within any burst", () => {
    const { heard, warnings } = listening();
    warnings.lost("a", "a lost");
    warnings.pending("a", "a waits");
    warnings.final("a shutdown: 3 pending");
    warnings.final("a shutdown again");
    expect(heard).toEqual(["a lost", "a waits", "a shutdown: 3 pending", "a shutdown again"]);
  });

  it("a throwing handler does not throw into the export", () => {
    const warnings = new LossWarnings(() => {
      throw new Error("broken handler");
    });
    expect(() => warnings.lost("a", "lost")).not.toThrow();
    expect(() => warnings.final("final")).not.toThrow();
  });
});

describe("exporters giving data up", () => {
  const rejectedKey = { apiKey: "ak_not_the_emulator_key" };

  it("emit one SyvainDeliveryWarning naming the experiment by default", async () => {
    const warnings: Error[] = [];
    const listener = (warning: Error): void => void warnings.push(warning);
    process.on("warning", listener);
    try {
      await withEmulator(async (emulator) => {
        const exporter = new SyvainMetricExporter({ ...rejectedKey, host: emulator.url });
        const resource = syvainResource({ slug: "lost-run" });
        for (let i = 0; i < 2; i++) expect((await exportOnce(exporter, await collectGauge(resource, 3))).code).toBe(ExportResultCode.FAILED);
        await shutDownAndDrain(exporter);
      });
      // process.emitWarning reports on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", listener);
    }
    const ours = warnings.filter((w) => w.name === "SyvainDeliveryWarning");
    expect(ours).toHaveLength(1);
    expect(ours[0]?.message).toContain('"lost-run"');
    expect(ours[0]?.message).not.toContain(rejectedKey.apiKey);
  });

  it("call onWarning instead of warning the process", async () => {
    const warnings: Error[] = [];
    const listener = (warning: Error): void => void warnings.push(warning);
    process.on("warning", listener);
    const heard: string[] = [];
    try {
      await withEmulator(async (emulator) => {
        const exporter = new SyvainMetricExporter({ ...rejectedKey, host: emulator.url, onWarning: (message) => heard.push(message) });
        const resource = syvainResource({ slug: "told-run" });
        await exportOnce(exporter, await collectGauge(resource, 3));
        await shutDownAndDrain(exporter);
      });
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", listener);
    }
    expect(heard).toHaveLength(1);
    expect(heard[0]).toContain('"told-run"');
    expect(warnings.filter((w) => w.name === "SyvainDeliveryWarning")).toEqual([]);
  });

  it("reject an onWarning that is not a function, naming the option", () => {
    expect(() => new SyvainMetricExporter({ onWarning: "log" as never })).toThrow(/invalid option `onWarning`/);
  });
});
