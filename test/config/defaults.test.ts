/**
 * Defaults live in `src/config/defaults.ts` only: the schemas apply them, `docs/options.md` is
 * generated from them (and must be up to date), and errors name the API the user called.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { resolveBridgeOptions } from "../../src/bridge/bridge-options.ts";
import { createBridge } from "../../src/bridge/create-bridge.ts";
import {
  bridgeDefaults,
  collectorDefaults,
  deliveryDefaults,
  everyCollectorDefaults,
  experimentDefaults,
  exporterDefaults,
  flushOrRaiseDefaults,
  type OptionTable,
} from "../../src/config/defaults.ts";
import { renderOptionsDoc } from "../../src/config/options-doc.ts";
import { resolveDeliveryOptions } from "../../src/delivery/delivery-options.ts";
import { parseExporterOptions } from "../../src/exporter/otel/exporter-options.ts";
import { parseCollectorOptions, parseJsonlCollectorOptions, parseLocalCollectorOptions } from "../../src/facade/collector-options.ts";
import { DEFAULT_RAISE_TIMEOUT_SECONDS } from "../../src/facade/experiment.ts";
import { validateExperimentArgs } from "../../src/facade/experiment-options.ts";

const defaultsOf = (table: OptionTable): Record<string, unknown> =>
  Object.fromEntries(Object.entries(table).flatMap(([name, option]) => ("default" in option && name !== "host" ? [[name, option.default]] : [])));

describe("option defaults", () => {
  it("are what the schemas fill in", () => {
    expect(resolveBridgeOptions({})).toMatchObject({ ...defaultsOf(bridgeDefaults), host: bridgeDefaults.host.default });
    expect(resolveDeliveryOptions({}, "test")).toEqual(defaultsOf(deliveryDefaults));
    // The exporter's host default is the client's (it may come from the environment).
    expect(parseExporterOptions({ sink: () => undefined as never }, "test")).toMatchObject(defaultsOf(exporterDefaults));
  });

  it("are what the facade fills in: collectors, experiments, flushOrRaise", () => {
    const every = { ...defaultsOf(deliveryDefaults), ...defaultsOf(everyCollectorDefaults) };
    // The collector's host default is the client's (it may come from the environment).
    expect(parseCollectorOptions({})).toEqual({ ...every, ...defaultsOf(collectorDefaults) });
    expect(parseLocalCollectorOptions({}, "NoopCollector")).toEqual(every);
    expect(parseJsonlCollectorOptions({ path: "runs.jsonl" })).toEqual({ ...every, path: "runs.jsonl" });
    expect(validateExperimentArgs("run-1", {}, "test").ifExists).toBe(experimentDefaults.ifExists.default);
    expect(DEFAULT_RAISE_TIMEOUT_SECONDS).toBe(flushOrRaiseDefaults.timeoutSeconds.default);
  });

  it("docs/options.md is generated from them and up to date (npm run docs:options)", () => {
    expect(readFileSync(new URL("../../docs/options.md", import.meta.url), "utf8")).toBe(renderOptionsDoc());
  });
});

describe("errors name the API the user called", () => {
  it("a bad exporter option given to createBridge is createBridge's syvain.<option>", () => {
    expect(() => createBridge({ syvain: { maxQueueItems: -1 } })).toThrow(/^createBridge: invalid option `syvain\.maxQueueItems`: .*\(got -1 \(number\)\)$/);
  });

  it("the API key stays hidden when nested", () => {
    expect(() => createBridge({ syvain: { apiKey: 42 as never } })).toThrow(/createBridge: invalid option `syvain\.apiKey`.*<redacted>/);
  });
});
