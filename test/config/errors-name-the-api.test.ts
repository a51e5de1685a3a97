/**
 * A configuration error names the API the user called, not an internal part: a bad `host` given to
 * `new Collector(...)` said "Syvain client: invalid `host`", and `syvainResource({ slug: "" })` said
 * "slug must not be empty" with no owner at all (outside review 7). Each row is a call a user
 * writes; the message must start with that API's name and keep naming the field.
 */
import { describe, expect, it } from "vitest";
import { SyvainValidationError } from "../../src/api/errors.ts";
import { SyvainLogRecordExporter } from "../../src/exporter/log-exporter.ts";
import { SyvainMetricExporter } from "../../src/exporter/metric-exporter.ts";
import { createSyvainExporters } from "../../src/exporter/otel/create-exporters.ts";
import { syvainResource } from "../../src/exporter/otel/syvain-resource.ts";
import { Collector } from "../../src/facade/collector.ts";

const apiKey = "ak_org_test";
const rows: [string, () => unknown, RegExp][] = [
  ["new Collector, bad host", () => new Collector(apiKey, { host: "ftp://x", spoolDir: false }), /^Collector: invalid `host` "ftp:\/\/x": the scheme must be https:\/\//],
  ["new Collector, plain http to a remote host", () => new Collector(apiKey, { host: "http://metrics.example.com", spoolDir: false }), /^Collector: invalid `host` .*https:\/\/ is required/],
  ["createSyvainExporters, bad host", () => createSyvainExporters({ apiKey, host: "ftp://x" }), /^createSyvainExporters: invalid `host` "ftp:\/\/x"/],
  ["new SyvainMetricExporter, bad host", () => new SyvainMetricExporter({ apiKey, host: "ftp://x" }), /^SyvainMetricExporter: invalid `host` "ftp:\/\/x"/],
  ["new SyvainLogRecordExporter, bad host", () => new SyvainLogRecordExporter({ apiKey, host: "ftp://x" }), /^SyvainLogRecordExporter: invalid `host` "ftp:\/\/x"/],
  ["syvainResource, empty slug", () => syvainResource({ slug: "" }), /^syvainResource: slug must not be empty/],
  ["syvainResource, slug with whitespace", () => syvainResource({ slug: " x" }), /^syvainResource: slug must not start or end with whitespace/],
  ["syvainResource, relative folder path", () => syvainResource({ slug: "x", folderPath: "team" }), /^syvainResource: folderPath must be an absolute folder path/],
  ["syvainResource, empty folder id", () => syvainResource({ slug: "x", folderId: "" }), /^syvainResource: folderId must not be empty/],
  ["syvainResource, folder id and path", () => syvainResource({ slug: "x", folderId: "f1", folderPath: "/team" }), /^syvainResource: set a folder id or a folder path, not both/],
];

describe("configuration errors name the API the user called", () => {
  it.each(rows)("%s", (_, call, message) => {
    let thrown: unknown;
    try {
      call();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SyvainValidationError);
    expect((thrown as Error).message).toMatch(message);
  });
});
