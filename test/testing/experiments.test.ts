import { inspect } from "node:util";
import { Client } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { apiPaths, errorBodySchema, experimentListSchema, experimentResponseSchema, folderListSchema } from "../../src/api/contract.ts";
import { EMULATOR_API_KEY, startEmulator } from "syvain-metrics-otel/testing";
import type { Emulator } from "syvain-metrics-otel/testing";
import { call, createExperiment, errorOf, experimentOf } from "./http.ts";

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator({
    apiKeys: [EMULATOR_API_KEY, "ak_org_two"],
    folders: [{ id: "f-team", path: "/team" }, { path: "/team/run" }, { path: "/dup" }, { path: "/dup" }],
    now: () => 1_800_000_000_000,
  });
});
afterEach(() => emulator.close());

const opts = { key: EMULATOR_API_KEY };

describe("auth and transport rules", () => {
  it("answers 401 unauthorized without a key, with an unknown key or a non-Bearer scheme", async () => {
    const attempts: Record<string, string>[] = [{}, { authorization: "Bearer ak_org_nope" }, { authorization: "Basic ak_org_emulator" }];
    for (const headers of attempts) {
      const r = await call(emulator, "GET", apiPaths.experiments(), { key: null, headers });
      expect(r.status).toBe(401);
      expect(errorBodySchema.parse(r.json).error.code).toBe("unauthorized");
    }
    expect((await call(emulator, "GET", apiPaths.experiments(), { key: "ak_org_two" })).status).toBe(200);
  });

  it("keeps API keys out of util.inspect() of the emulator", () => {
    expect(inspect(emulator, { depth: 5 })).not.toContain("ak_org_two");
    expect(emulator.apiKey).toBe(EMULATOR_API_KEY);
  });

  it("serves many requests over one keep-alive connection", async () => {
    const client = new Client(emulator.url);
    let connects = 0;
    client.on("connect", () => connects++);
    try {
      for (let i = 0; i < 30; i++) {
        const response = await client.request({ method: "GET", path: `${apiPaths.folders()}?path=/`, headers: { authorization: `Bearer ${EMULATOR_API_KEY}` } });
        expect(response.statusCode).toBe(200);
        await response.body.dump();
      }
      expect(connects).toBe(1);
    } finally {
      await client.close();
    }
  });

  it("answers 404 for unknown routes and 405 with Allow for wrong methods", async () => {
    const unknown = await call(emulator, "GET", "/api/v1/nothing", opts);
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown).code).toBe("not_found");
    const wrong = await call(emulator, "DELETE", apiPaths.experiments(), opts);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST, GET");
    expect(errorBodySchema.safeParse(wrong.json).success).toBe(true);
  });

  it("requires JSON content type, valid JSON and an Idempotency-Key of at most 255 chars", async () => {
    const noType = await call(emulator, "POST", apiPaths.experiments(), { ...opts, raw: "{}", headers: { "content-type": "text/plain" } });
    expect(noType.status).toBe(415);
    const badJson = await call(emulator, "POST", apiPaths.experiments(), { ...opts, raw: "{oops" });
    expect(badJson.status).toBe(400);
    expect(errorOf(badJson).code).toBe("invalid_json");
    const noKey = await call(emulator, "POST", apiPaths.experiments(), { ...opts, body: { slug: "a" }, idempotencyKey: null });
    expect(noKey.status).toBe(400);
    expect(errorOf(noKey).code).toBe("validation_failed");
    expect(errorOf(noKey).details![0]!.field).toBe("Idempotency-Key");
    const longKey = await call(emulator, "POST", apiPaths.experiments(), { ...opts, body: { slug: "a" }, idempotencyKey: "k".repeat(256) });
    expect(longKey.status).toBe(400);
    expect(emulator.store.experiments()).toHaveLength(0);
  });
});

describe("experiments", () => {
  it("creates an experiment and reads it back by id and by slug", async () => {
    const created = await call(emulator, "POST", apiPaths.experiments(), {
      ...opts,
      body: { slug: "exp-1", description: "first", folder_id: "f-team", metadata: { lr: 0.1, nested: { a: [1, 2] } } },
    });
    expect(created.status).toBe(201);
    const experiment = experimentResponseSchema.parse(created.json).experiment;
    expect(experiment).toMatchObject({ slug: "exp-1", description: "first", folder_id: "f-team", status: "created", created_at: 1_800_000_000_000 });
    expect(experiment.metadata).toEqual({ lr: 0.1, nested: { a: [1, 2] } });
    for (const ref of [experiment.id, "exp-1"]) {
      const got = await call(emulator, "GET", apiPaths.experiment(ref), opts);
      expect(got.status).toBe(200);
      expect(experimentOf(got)).toEqual(experiment);
    }
    expect(errorOf(await call(emulator, "GET", apiPaths.experiment("missing"), opts)).code).toBe("not_found");
    expect(emulator.store.experiment("exp-1")).toEqual(experiment);
  });

  it("answers 409 experiment_exists with the existing id for a known slug, across keys of the organisation", async () => {
    const id = await createExperiment(emulator, "same", {});
    const again = await call(emulator, "POST", apiPaths.experiments(), { key: "ak_org_two", body: { slug: "same" } });
    expect(again.status).toBe(409);
    expect(errorOf(again)).toMatchObject({ code: "experiment_exists", experiment_id: id });
    expect(emulator.store.experiments()).toHaveLength(1);
  });

  it("rejects an unknown folder_id and invalid fields with 422 details", async () => {
    const folder = await call(emulator, "POST", apiPaths.experiments(), { ...opts, body: { slug: "x", folder_id: "nope" } });
    expect(folder.status).toBe(422);
    expect(errorOf(folder).details).toEqual([expect.objectContaining({ field: "folder_id" })]);
    const slug = await call(emulator, "POST", apiPaths.experiments(), { ...opts, body: { slug: 42 } });
    expect(slug.status).toBe(422);
    expect(errorOf(slug).details![0]!.field).toBe("slug");
  });

  it("PATCHes the status, validating the enum, by id only", async () => {
    const id = await createExperiment(emulator, "s");
    const ok = await call(emulator, "PATCH", apiPaths.experiment(id), { ...opts, body: { status: "running" } });
    expect(ok.status).toBe(200);
    expect(experimentOf(ok).status).toBe("running");
    expect(emulator.store.experiment(id)?.status).toBe("running");
    const bad = await call(emulator, "PATCH", apiPaths.experiment(id), { ...opts, body: { status: "paused" } });
    expect(bad.status).toBe(422);
    expect(errorOf(bad).details![0]!.field).toBe("status");
    expect((await call(emulator, "PATCH", apiPaths.experiment("s"), { ...opts, body: { status: "done" } })).status).toBe(404);
  });

  it("lists with slug and folder_id filters and cursor pagination", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await createExperiment(emulator, `e${i}`, i % 2 === 0 ? { folder_id: "f-team" } : {}));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = experimentListSchema.parse((await call(emulator, "GET", apiPaths.experiments() + query, opts)).json);
      expect(page.experiments.length).toBeLessThanOrEqual(2);
      seen.push(...page.experiments.map((e) => e.id));
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual(ids);
    const inFolder = experimentListSchema.parse((await call(emulator, "GET", `${apiPaths.experiments()}?folder_id=f-team&limit=2`, opts)).json);
    expect(inFolder.experiments.map((e) => e.slug)).toEqual(["e0", "e2"]);
    const rest = experimentListSchema.parse((await call(emulator, "GET", `${apiPaths.experiments()}?folder_id=f-team&limit=2&cursor=${inFolder.next_cursor}`, opts)).json);
    expect(rest.experiments.map((e) => e.slug)).toEqual(["e4"]);
    expect(rest.next_cursor).toBeNull();
    const bySlug = experimentListSchema.parse((await call(emulator, "GET", `${apiPaths.experiments()}?slug=e3`, opts)).json);
    expect(bySlug.experiments.map((e) => e.id)).toEqual([ids[3]]);
    expect((await call(emulator, "GET", `${apiPaths.experiments()}?limit=0`, opts)).status).toBe(422);
    expect(errorOf(await call(emulator, "GET", `${apiPaths.experiments()}?cursor=garbage`, opts)).details![0]!.field).toBe("cursor");
  });

  it("makes time-ordered ids", async () => {
    const ids = [];
    for (let i = 0; i < 20; i++) ids.push(await createExperiment(emulator, `t${i}`));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(20);
  });
});

describe("folders", () => {
  it("finds 0, 1 or several folders by path, root included", async () => {
    const find = async (path: string) =>
      folderListSchema.parse((await call(emulator, "GET", `${apiPaths.folders()}?path=${encodeURIComponent(path)}`, opts)).json).folders;
    expect(await find("/missing")).toEqual([]);
    const [root] = await find("/");
    expect(root?.parent_id).toBeNull();
    const team = await find("/team");
    expect(team).toEqual([{ id: "f-team", path: "/team", parent_id: root!.id }]);
    const run = await find("/team/run");
    expect(run).toHaveLength(1);
    expect(run[0]!.parent_id).toBe("f-team");
    const dup = await find("/dup");
    expect(dup).toHaveLength(2);
    expect(dup[0]!.id).not.toBe(dup[1]!.id);
    expect((await call(emulator, "GET", apiPaths.folders(), opts)).status).toBe(422);
  });
});
