import { ProtoReader } from "../../../src/bridge/otlp/proto-reader.ts";

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: Uint8Array;
  text: string;
}

export async function post(url: string, body: Uint8Array | string | ReadableStream<Uint8Array>, headers: Record<string, string>): Promise<HttpAnswer> {
  const response = await fetch(url, { method: "POST", body, headers, ...(body instanceof ReadableStream ? { duplex: "half" } : {}) });
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, body: bytes, text: new TextDecoder().decode(bytes) };
}

export const PROTOBUF = { "content-type": "application/x-protobuf" };
export const JSON_TYPE = { "content-type": "application/json" };

/** Reads a protobuf `google.rpc.Status` { 1: code, 2: message }. */
export function readStatus(body: Uint8Array): { code: number; message: string } {
  const reader = new ProtoReader(body);
  const status = { code: 0, message: "" };
  while (reader.hasMore()) {
    const key = reader.key();
    if (key >>> 3 === 1) status.code = reader.int32();
    else if (key >>> 3 === 2) status.message = reader.string();
    else reader.skip(key & 7);
  }
  return status;
}

/** A JSON metrics request with one gauge point per step in [from, to). */
export function gaugeSteps(slug: string, from: number, to: number): string {
  const dataPoints = Array.from({ length: to - from }, (_, i) => ({
    asDouble: (from + i) / 10,
    timeUnixNano: "1764000000000000000",
    attributes: [{ key: "step", value: { intValue: String(from + i) } }],
  }));
  return JSON.stringify({
    resourceMetrics: [{ resource: { attributes: [{ key: "syvain.experiment.slug", value: { stringValue: slug } }] }, scopeMetrics: [{ metrics: [{ name: "loss", gauge: { dataPoints } }] }] }],
  });
}

