/**
 * An ingest body is built from the JSON texts kept on its events (src/api/kept-json.ts) when every
 * event has one, and serialised as before otherwise; either way the bytes are those of
 * JSON.stringify({ metrics }) / ({ annotations }) for events whose kept text is their own.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AnnotationEvent, MetricEvent } from "../../src/api/contract.ts";
import { keepJson } from "../../src/api/kept-json.ts";
import { createSyvainClient } from "../../src/client/create-client.ts";
import { json, startScriptedServer, type ScriptedServer } from "./scripted-server.ts";

const metric = (n: number): MetricEvent => ({ client_event_id: `m-${n}`, name: "loss", value: n / 3, step: n, timestamp: 1_700_000_000_000 + n, metadata: { split: "é" } });
const annotation = (n: number): AnnotationEvent => ({ client_event_id: `a-${n}`, text: `note ${n}\n`, timestamp: 1_700_000_000_000 + n, metadata: { nested: { k: [1, 2] } } });

let server: ScriptedServer | undefined;
afterEach(async () => server?.close());

async function bodiesOf(send: (client: ReturnType<typeof createSyvainClient>) => Promise<unknown>): Promise<string[]> {
  server = await startScriptedServer((_req, res) => json(res, 200, { accepted: 1, duplicates: 0 }));
  const client = createSyvainClient({ apiKey: "sk_test_kept", host: server.url });
  await send(client);
  await client.close();
  return server.requests.map((r) => r.body);
}

describe("ingest bodies from kept JSON texts", () => {
  it("sends the kept texts when every event has one (a kept text that differs shows it is used)", async () => {
    const events = [metric(1), metric(2)];
    keepJson(events[0]!, JSON.stringify(events[0]));
    keepJson(events[1]!, '{"kept":2}');
    const [body] = await bodiesOf((c) => c.ingestMetrics("e1", events, { idempotencyKey: "k1" }));
    expect(body).toBe(`{"metrics":[${JSON.stringify(metric(1))},{"kept":2}]}`);
  });

  it("is byte for byte JSON.stringify of the body, for metrics and annotations", async () => {
    const metrics = [metric(1), metric(2)];
    const annotations = [annotation(1)];
    for (const e of [...metrics, ...annotations]) keepJson(e, JSON.stringify(e));
    const bodies = await bodiesOf(async (c) => {
      await c.ingestMetrics("e1", metrics, { idempotencyKey: "k1" });
      await c.ingestAnnotations("e1", annotations, { idempotencyKey: "k2" });
    });
    expect(bodies).toEqual([JSON.stringify({ metrics: [metric(1), metric(2)] }), JSON.stringify({ annotations: [annotation(1)] })]);
  });

  it("serialises the events when one of them has no kept text", async () => {
    const events = [metric(1), metric(2)];
    keepJson(events[0]!, '{"kept":1}');
    const [body] = await bodiesOf((c) => c.ingestMetrics("e1", events, { idempotencyKey: "k1" }));
    expect(body).toBe(JSON.stringify({ metrics: [metric(1), metric(2)] }));
  });
});
