import { afterEach, describe, expect, it } from "vitest";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { jsonBody } from "../../src/client/json-body.ts";
import { json, startScriptedServer, type ScriptedServer } from "./scripted-server.ts";

/** What every body must be: the UTF-8 encoding of its compact JSON. */
const utf8Json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), "utf8");

const samples: Record<string, unknown> = {
  "ASCII only": { metrics: [{ client_event_id: "otel:abc", name: "train/loss", value: 0.125, step: 3, timestamp: 1_764_000_000_000, metadata: { split: "train" } }] },
  "Latin-1 range (é: one UTF-16 unit, two UTF-8 bytes)": { metadata: { run: "café" } },
  "BMP beyond Latin-1 (U+0141 ends in the byte of 'A')": { metadata: { who: "Łukasz", lang: "日本語" } },
  "astral (a surrogate pair, four UTF-8 bytes)": { annotations: [{ text: "done 😀" }] },
  "a lone surrogate (JSON.stringify escapes it)": { text: "\ud800 after" },
  "control characters (escaped by JSON.stringify)": { text: "tab\tnewline\n\u0000" },
  "a DEL and the first non-ASCII code point": { text: "\u007f\u0080" },
};

describe("jsonBody", () => {
  it.each(Object.entries(samples))("%s: the bytes are the UTF-8 of the compact JSON", (_label, value) => {
    expect(jsonBody(value).equals(utf8Json(value))).toBe(true);
  });

  it("a body that is ASCII except for its very last character is still encoded as UTF-8", () => {
    const value = { text: `${"a".repeat(100_000)}é` };
    const body = jsonBody(value);
    expect(body.equals(utf8Json(value))).toBe(true);
    expect(body.length).toBe(JSON.stringify(value).length + 1);
  });
});

describe("ingest bodies on the wire", () => {
  let server: ScriptedServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("the server receives the UTF-8 JSON with a matching content-length, ASCII or not", async () => {
    server = await startScriptedServer((_request, response) => json(response, 200, { accepted: 1, duplicates: 0 }));
    const client = createSyvainClient({ apiKey: "ak_test_key", host: server.url });
    const ascii = { client_event_id: "e-1", name: "loss", value: 1.5, step: 1, timestamp: 1_764_000_000_000, metadata: { split: "train" } };
    const accented = { ...ascii, client_event_id: "e-2", metadata: { split: "entraînement 😀" } };
    try {
      await client.ingestMetrics("exp-1", [ascii], { idempotencyKey: "k-1" });
      await client.ingestMetrics("exp-1", [accented], { idempotencyKey: "k-2" });
    } finally {
      await client.close();
    }
    const [first, second] = server.requests;
    expect(first?.body).toBe(JSON.stringify({ metrics: [ascii] }));
    expect(second?.body).toBe(JSON.stringify({ metrics: [accented] }));
    expect(Number(first?.headers["content-length"])).toBe(utf8Json({ metrics: [ascii] }).length);
    expect(Number(second?.headers["content-length"])).toBe(utf8Json({ metrics: [accented] }).length);
  });
});
