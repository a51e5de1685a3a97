import { describe, expect, it } from "vitest";
import type { Attributes } from "@opentelemetry/api";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import { experimentFromResource, resourceAttributesFromExperiment } from "../../src/mapping/experiment.ts";
import type { ExperimentFromResourceOptions } from "../../src/mapping/experiment.ts";
import { SyvainValidationError } from "../../src/api/errors.ts";
import { catchError } from "./catch-error.ts";

describe("experimentFromResource: slug", () => {
  const cases: { title: string; attributes: Attributes; options?: ExperimentFromResourceOptions; slug: string }[] = [
    { title: "from syvain.experiment.slug", attributes: { "syvain.experiment.slug": "run-1", "service.name": "trainer" }, slug: "run-1" },
    { title: "else from service.name", attributes: { "service.name": "trainer" }, slug: "trainer" },
    { title: "a string option overrides the resource", attributes: { "syvain.experiment.slug": "run-1" }, options: { slug: "forced" }, slug: "forced" },
    {
      title: "a resolver gets the attributes",
      attributes: { "k8s.job.name": "job-7" },
      options: { slug: (a) => `k8s-${String(a["k8s.job.name"])}` },
      slug: "k8s-job-7",
    },
    {
      title: "a resolver returning undefined falls back to the attributes",
      attributes: { "syvain.experiment.slug": "run-1" },
      options: { slug: () => undefined },
      slug: "run-1",
    },
  ];
  it.each(cases)("$title", ({ attributes, options, slug }) => {
    expect(experimentFromResource(attributes, options).slug).toBe(slug);
  });

  const missing: [string, Attributes][] = [
    ["no attributes", {}],
    ["the SDK's placeholder service name", { "service.name": "unknown_service:node" }],
    ["the bare placeholder", { "service.name": "unknown_service" }],
  ];
  it.each(missing)("no slug (%s) → SyvainValidationError naming syvain.experiment.slug", (_title, attributes) => {
    const error = catchError(() => experimentFromResource(attributes));
    expect(error).toBeInstanceOf(SyvainValidationError);
    expect(error).toMatchObject({ field: "syvain.experiment.slug" });
    expect((error as Error).message).toMatch(/syvain\.experiment\.slug/);
  });

  const invalid: [string, Attributes, ExperimentFromResourceOptions, string][] = [
    ["empty", { "syvain.experiment.slug": "" }, {}, "syvain.experiment.slug"],
    ["not a string", { "syvain.experiment.slug": 42 }, {}, "syvain.experiment.slug"],
    ["padded", { "service.name": " trainer" }, {}, "service.name"],
    ["control character", { "syvain.experiment.slug": "a\nb" }, {}, "syvain.experiment.slug"],
    ["too long", { "syvain.experiment.slug": "x".repeat(256) }, {}, "syvain.experiment.slug"],
    ["bad option", { "syvain.experiment.slug": "ok" }, { slug: "" }, "slug"],
    ["bad resolver result", {}, { slug: () => "\t" }, "slug (resolver result)"],
  ];
  it.each(invalid)("invalid slug (%s) → error naming %s", (_title, attributes, options, field) => {
    const error = catchError(() => experimentFromResource(attributes, options));
    expect(error).toBeInstanceOf(SyvainValidationError);
    expect(error).toMatchObject({ field });
  });

  it("255 characters is still a valid slug", () => {
    expect(experimentFromResource({ "syvain.experiment.slug": "x".repeat(255) }).slug).toHaveLength(255);
  });
});

describe("experimentFromResource: description, folder, metadata", () => {
  it("reads description and folder path; other attributes → un-flattened metadata (service.name included)", () => {
    const identity = experimentFromResource({
      "syvain.experiment.slug": "run-1",
      "syvain.experiment.description": "baseline",
      "syvain.folder.path": "/team/llm",
      "service.name": "trainer",
      "config.batch_size": 32,
      "config.optimizer.name": "adamw",
      seed: 7,
    });
    expect(identity).toEqual({
      slug: "run-1",
      description: "baseline",
      folderPath: "/team/llm",
      metadata: { service: { name: "trainer" }, config: { batch_size: 32, optimizer: { name: "adamw" } }, seed: 7 },
    });
  });

  it("reads a folder id", () => {
    expect(experimentFromResource({ "syvain.experiment.slug": "r", "syvain.folder.id": "f-1" })).toEqual({ slug: "r", folderId: "f-1", metadata: {} });
  });

  it("default folder options apply only when the resource names no folder", () => {
    expect(experimentFromResource({ "service.name": "a" }, { defaultFolderPath: "/default" }).folderPath).toBe("/default");
    expect(experimentFromResource({ "service.name": "a" }, { defaultFolderId: "f-9" }).folderId).toBe("f-9");
    const fromResource = experimentFromResource({ "service.name": "a", "syvain.folder.id": "f-1" }, { defaultFolderPath: "/default" });
    expect(fromResource).toMatchObject({ folderId: "f-1" });
    expect(fromResource.folderPath).toBeUndefined();
  });

  const bad: [string, Attributes, ExperimentFromResourceOptions, string][] = [
    ["id and path together", { "service.name": "a", "syvain.folder.id": "f", "syvain.folder.path": "/p" }, {}, "syvain.folder.path"],
    ["relative path", { "service.name": "a", "syvain.folder.path": "team/llm" }, {}, "syvain.folder.path"],
    ["empty id", { "service.name": "a", "syvain.folder.id": "" }, {}, "syvain.folder.id"],
    ["non-string description", { "service.name": "a", "syvain.experiment.description": 5 }, {}, "syvain.experiment.description"],
    ["both default options", { "service.name": "a" }, { defaultFolderId: "f", defaultFolderPath: "/p" }, "defaultFolderPath"],
  ];
  it.each(bad)("%s → SyvainValidationError naming %s", (_title, attributes, options, field) => {
    const error = catchError(() => experimentFromResource(attributes, options));
    expect(error).toBeInstanceOf(SyvainValidationError);
    expect(error).toMatchObject({ field });
  });

  it("a merged default resource puts the SDK's attributes into metadata", () => {
    const resource = defaultResource().merge(resourceFromAttributes({ "syvain.experiment.slug": "r" }));
    const identity = experimentFromResource(resource.attributes);
    expect(identity.metadata).toMatchObject({ telemetry: { sdk: { language: "nodejs" } } });
  });
});

describe("resourceAttributesFromExperiment", () => {
  it("writes the identity keys and the flattened meta", () => {
    expect(
      resourceAttributesFromExperiment({ slug: "run-1", description: "d", folderPath: "/a", meta: { config: { lr: 0.1 }, tags: ["x"] } }),
    ).toEqual({
      "syvain.experiment.slug": "run-1",
      "syvain.experiment.description": "d",
      "syvain.folder.path": "/a",
      "config.lr": 0.1,
      tags: ["x"],
    });
  });

  it("round-trips through a real Resource back to the same identity", () => {
    const meta = { model: "mamba", config: { batch_size: 32, "layer.norm": "rms", schedule: null }, seeds: [1, 2] };
    const input = { slug: "run-1", description: "baseline", folderId: "f-1", meta };
    const resource = resourceFromAttributes(resourceAttributesFromExperiment(input));
    expect(experimentFromResource(resource.attributes)).toEqual({ slug: "run-1", description: "baseline", folderId: "f-1", metadata: meta });
  });

  it("rejects meta that would shadow an identity key, an invalid slug, and id + path", () => {
    const shadow = catchError(() => resourceAttributesFromExperiment({ slug: "r", meta: { syvain: { experiment: { slug: "x" } } } }));
    expect(shadow).toMatchObject({ field: "meta.syvain.experiment.slug" });
    expect(catchError(() => resourceAttributesFromExperiment({ slug: " r" }))).toMatchObject({ field: "slug" });
    expect(catchError(() => resourceAttributesFromExperiment({ slug: "r", folderId: "f", folderPath: "/p" }))).toMatchObject({ field: "folderPath" });
  });
});
