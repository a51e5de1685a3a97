/**
 * The receiver's HTTP contract, with raw requests against a real bridge on 127.0.0.1:0 and the
 * emulator behind it: routes, methods, media types, encodings, limits, auth, probes, answers.
 */
import { once } from "node:events";
import { connect } from "node:net";
import { gzipSync, deflateSync, deflateRawSync, zstdCompressSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ProtobufLogsSerializer, ProtobufMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { createBridge, type Bridge } from "../../src/bridge/create-bridge.ts";
import type { BridgeLogEntry } from "../../src/bridge/bridge-log.ts";
import type { BridgeOptions } from "../../src/bridge/bridge-options.ts";
import { EMULATOR_API_KEY, startEmulator, type Emulator } from "../../src/testing/index.ts";
import { collectSampleMetrics, emitSampleLogs } from "./helpers/sdk-data.ts";
import { JSON_TYPE, PROTOBUF, post, readStatus } from "./helpers/http.ts";
import { requestReachesServer } from "./helpers/server-signals.ts";

const TOKEN = "bridge-token-0123456789";
let emulator: Emulator;
let bridge: Bridge;
let url: string;
let logs: BridgeLogEntry[];

async function open(options: Partial<BridgeOptions> = {}): Promise<void> {
  await bridge?.close();
  logs = [];
  bridge = createBridge({
    port: 0,
    maxRequestBytes: 64 * 1024,
    maxDecompressedBytes: 1024 * 1024,
    syvain: { apiKey: EMULATOR_API_KEY, host: emulator.url, flushDelaySeconds: 0.01 },
    log: (entry) => logs.push(entry),
    ...options,
  });
  ({ url } = await bridge.start());
}

beforeEach(async () => {
  emulator = await startEmulator();
  await open();
});

afterEach(async () => {
  await bridge.close();
  await emulator.close();
});

const metricsBody = async () => ProtobufMetricsSerializer.serializeRequest(await collectSampleMetrics())!;

describe("routing", () => {
  it("404 for unknown paths and traces; the prefix moves the endpoints", async () => {
    expect((await post(`${url}/v1/traces`, new Uint8Array(0), PROTOBUF)).status).toBe(404);
    expect((await post(`${url}/v1/metric`, new Uint8Array(0), PROTOBUF)).status).toBe(404);
    await open({ pathPrefix: "/otlp" });
    expect((await post(`${url}/otlp/v1/metrics`, new Uint8Array(0), PROTOBUF)).status).toBe(200);
    expect((await post(`${url}/v1/metrics`, new Uint8Array(0), PROTOBUF)).status).toBe(404);
  });

  it("405 with Allow: POST for other methods", async () => {
    const response = await fetch(`${url}/v1/logs`);
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
  });

  it("415 for other media types and content encodings; charset parameters are ignored", async () => {
    expect((await post(`${url}/v1/metrics`, "x", { "content-type": "text/plain" })).status).toBe(415);
    expect((await post(`${url}/v1/metrics`, new Uint8Array(0), { ...PROTOBUF, "content-encoding": "br" })).status).toBe(415);
    const answer = await post(`${url}/v1/metrics`, "{}", { "content-type": "application/json; charset=utf-8" });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("application/json");
    expect(answer.text).toBe("{}");
  });

  it("probes: /healthz always, /readyz while delivery keeps up", async () => {
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: "ok" });
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ ready: true, reasons: [], experimentsHeld: 0 });
  });
});

describe("answers", () => {
  it("an empty request is a success with an empty response in the request's encoding", async () => {
    const proto = await post(`${url}/v1/metrics`, new Uint8Array(0), PROTOBUF);
    expect([proto.status, proto.body.length, proto.headers.get("content-type")]).toEqual([200, 0, "application/x-protobuf"]);
    expect((await post(`${url}/v1/logs`, "{}", JSON_TYPE)).text).toBe("{}");
  });

  it("undecodable bodies get 400 with a google.rpc.Status, and the bridge keeps serving", async () => {
    const garbage = await post(`${url}/v1/metrics`, Uint8Array.from([0x0a, 0xff, 0x01, 0x02]), PROTOBUF);
    expect(garbage.status).toBe(400);
    expect(readStatus(garbage.body)).toMatchObject({ code: 3, message: expect.stringMatching(/cannot decode metrics request: .*runs past the end/) });
    const json = await post(`${url}/v1/logs`, '{"resourceLogs": 5}', JSON_TYPE);
    expect(json.status).toBe(400);
    expect(JSON.parse(json.text)).toMatchObject({ code: 3, message: expect.stringContaining("resourceLogs") });
    for (let i = 0; i < 30; i++) {
      const random = Uint8Array.from({ length: 64 }, (_, j) => (i * 31 + j * 17) & 0xff);
      expect([200, 400]).toContain((await post(`${url}/v1/logs`, random, PROTOBUF)).status);
    }
    expect((await post(`${url}/v1/metrics`, await metricsBody(), PROTOBUF)).status).toBe(200);
  });

  it("reports points the decoder or the mapping rejected as partial success, and delivers the rest", async () => {
    const body = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: "syvain.experiment.slug", value: { stringValue: "partial" } }] },
          scopeMetrics: [
            {
              metrics: [
                { name: "loss", gauge: { dataPoints: [{ asDouble: 0.5, timeUnixNano: "1764000000000000000", attributes: [{ key: "step", value: { intValue: "1" } }] }, { asDouble: "NaN", timeUnixNano: "1764000000000000000" }, { flags: 1, timeUnixNano: "1764000000000000000" }] } },
                { name: "latency", summary: { dataPoints: [{ count: "1", sum: 2 }] } },
              ],
            },
          ],
        },
      ],
    };
    const answer = await post(`${url}/v1/metrics`, JSON.stringify(body), JSON_TYPE);
    expect(answer.status).toBe(200);
    const partial = (JSON.parse(answer.text) as { partialSuccess: { rejectedDataPoints: string; errorMessage: string } }).partialSuccess;
    // The summary point (decoder), the NaN point and the NO_RECORDED_VALUE point (mapping).
    expect(partial.rejectedDataPoints).toBe("3");
    expect(partial.errorMessage).toMatch(/1 × summary metrics are not supported.*2 × rejected by the Syvain mapping/);
    await bridge.close();
    expect(emulator.store.metrics("partial").map((m) => [m.name, m.step, m.value])).toEqual([["loss", 1, 0.5]]);
  });

  it("accepts gzip, deflate (zlib and raw) and zstd bodies", async () => {
    const body = ProtobufLogsSerializer.serializeRequest(await emitSampleLogs())!;
    const encodings: [string, Uint8Array][] = [
      ["gzip", gzipSync(body)],
      ["deflate", deflateSync(body)],
      ["deflate", deflateRawSync(body)],
      ["zstd", zstdCompressSync(body)],
      ["identity", body],
    ];
    for (const [encoding, compressed] of encodings) {
      const answer = await post(`${url}/v1/logs`, compressed, { ...PROTOBUF, "content-encoding": encoding });
      expect([encoding, answer.status]).toEqual([encoding, 200]);
    }
    const corrupt = await post(`${url}/v1/logs`, Uint8Array.from([1, 2, 3]), { ...PROTOBUF, "content-encoding": "gzip" });
    expect(corrupt.status).toBe(400);
  });
});

describe("limits", () => {
  it("413 for a declared body over the limit, a chunked body running over it, and bombs", async () => {
    const big = new Uint8Array(100 * 1024);
    const declared = await post(`${url}/v1/metrics`, big, PROTOBUF);
    expect(declared.status).toBe(413);
    expect(readStatus(declared.body).code).toBe(8);

    let pulls = 40; // × 8 KiB, sent chunked (no Content-Length)
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (--pulls < 0) controller.close();
        else controller.enqueue(new Uint8Array(8 * 1024));
      },
    });
    expect((await post(`${url}/v1/metrics`, stream, PROTOBUF)).status).toBe(413);

    // 50 MiB of zeros compress to ~50 KiB (gzip) / ~2 KiB (zstd): under the wire limit, far over the decompressed one.
    const zeros = new Uint8Array(50 * 1024 * 1024);
    for (const [encoding, bomb] of [["gzip", gzipSync(zeros)], ["zstd", zstdCompressSync(zeros)], ["deflate", deflateSync(zeros)]] as const) {
      expect(bomb.length).toBeLessThan(64 * 1024);
      const answer = await post(`${url}/v1/metrics`, bomb, { ...PROTOBUF, "content-encoding": encoding });
      expect([encoding, answer.status]).toEqual([encoding, 413]);
      expect(readStatus(answer.body).message).toMatch(/larger than 1048576 bytes once decompressed \(\w+\): --max-decompressed-bytes$/);
    }
    expect((await post(`${url}/v1/metrics`, await metricsBody(), PROTOBUF)).status).toBe(200);
  });
});

describe("clients that go away", () => {
  it("a body cut off mid-way is logged as a 400, not a crash, and the bridge keeps serving", async () => {
    const { port } = new URL(url);
    const socket = connect(Number(port), "127.0.0.1");
    await once(socket, "connect");
    const reached = requestReachesServer(Number(port), "/v1/metrics");
    socket.write("POST /v1/metrics HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-protobuf\r\ncontent-length: 1000\r\n\r\n0123456789");
    // Cut the body off only once the bridge is reading it (closing earlier would test an unparsed request instead).
    await reached;
    socket.destroy();
    await vi.waitFor(() => expect(logs).toContainEqual(expect.objectContaining({ event: "request", status: 400 })), { timeout: 5_000, interval: 10 });
    expect(logs.some((e) => e.event === "request.crashed")).toBe(false);
    expect((await post(`${url}/v1/metrics`, await metricsBody(), PROTOBUF)).status).toBe(200);
  });

  it("a request refused before its body is read (401, 404, 405, 415) has its connection closed: the body is never read to its end", async () => {
    await open({ authToken: TOKEN });
    const { port } = new URL(url);
    const heads = [
      "POST /v1/metrics HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-protobuf\r\n",
      "POST /v1/traces HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-protobuf\r\n",
      "PUT /v1/metrics HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-protobuf\r\n",
      `POST /v1/metrics HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\nauthorization: Bearer ${TOKEN}\r\n`,
    ];
    for (const head of heads) {
      const socket = connect(Number(port), "127.0.0.1");
      await once(socket, "connect");
      let answer = "";
      socket.on("data", (chunk: Buffer) => (answer += chunk.toString("latin1")));
      const closed = once(socket, "close");
      // A chunked body that has not ended (a client streaming gigabytes, or one that never stops).
      socket.write(`${head}transfer-encoding: chunked\r\n\r\n4000\r\n${"x".repeat(0x4000)}\r\n`);
      const leftOpen = new Promise((_, reject) => setTimeout(() => reject(new Error(`connection left open reading the body: ${head}`)), 2000).unref());
      await Promise.race([closed, leftOpen]);
      socket.destroy();
      expect(answer, head).toMatch(/^HTTP\/1\.1 4\d\d /);
      expect(answer, head).toMatch(/\r\nconnection: close\r\n/i);
    }
    expect((await post(`${url}/v1/metrics`, await metricsBody(), { ...PROTOBUF, authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });
});

describe("inbound auth", () => {
  it("401 without the bearer token; probes stay open; the token never reaches the log", async () => {
    await open({ authToken: TOKEN });
    const body = await metricsBody();
    const missing = await post(`${url}/v1/metrics`, body, PROTOBUF);
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toBe("Bearer");
    expect((await post(`${url}/v1/metrics`, body, { ...PROTOBUF, authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await post(`${url}/v1/metrics`, body, { ...PROTOBUF, authorization: `bearer ${TOKEN}` })).status).toBe(200);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const logged = JSON.stringify(logs);
    expect(logged).not.toContain(TOKEN);
    expect(logged).not.toContain(EMULATOR_API_KEY);
    expect(logs.filter((e) => e.event === "request").map((e) => e.status)).toEqual([401, 401, 200]);
    expect(logs.find((e) => e.status === 401)).toMatchObject({ level: "warn", reason: "missing or wrong bearer token" });
  });
});

describe("resources without a destination", () => {
  const body = (resources: { attributes: unknown[]; points: number }[]) =>
    JSON.stringify({
      resourceMetrics: resources.map((r, i) => ({
        resource: { attributes: r.attributes },
        scopeMetrics: [{ metrics: [{ name: `m${i}`, gauge: { dataPoints: Array.from({ length: r.points }, (_, s) => ({ asDouble: s, timeUnixNano: "1764000000000000000", attributes: [{ key: "step", value: { intValue: s } }] })) } }] }],
      })),
    });
  const slug = (value: string) => [{ key: "syvain.experiment.slug", value: { stringValue: value } }];

  it("rejects only the points of a resource without a usable slug (partial success), delivering the rest", async () => {
    const answer = await post(`${url}/v1/metrics`, body([{ attributes: slug("routable"), points: 2 }, { attributes: [], points: 3 }]), JSON_TYPE);
    expect(answer.status).toBe(200);
    const partial = (JSON.parse(answer.text) as { partialSuccess: { rejectedDataPoints: string; errorMessage: string } }).partialSuccess;
    expect(partial.rejectedDataPoints).toBe("3");
    expect(partial.errorMessage).toMatch(/^3 × .*slug/);
    await bridge.close();
    expect(emulator.store.metrics("routable")).toHaveLength(2);
  });

  it("answers 400 when no point has a destination", async () => {
    const answer = await post(`${url}/v1/metrics`, body([{ attributes: [], points: 3 }]), JSON_TYPE);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toMatchObject({ code: 3, message: expect.stringContaining("slug") });
  });
});
