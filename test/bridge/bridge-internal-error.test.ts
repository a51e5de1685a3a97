/**
 * An unexpected error inside the bridge (here a slug resolver that throws) is our bug, not the
 * sender's bad data: the answer must be a retryable 503 + Retry-After, never a 400 that makes
 * the sender drop the data for good.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createBridge, type Bridge } from "../../src/bridge/create-bridge.ts";
import { EMULATOR_API_KEY, startEmulator, type Emulator } from "../../src/testing/index.ts";
import { JSON_TYPE, gaugeSteps, post } from "./helpers/http.ts";

let emulator: Emulator;
let bridge: Bridge;

beforeEach(async () => {
  emulator = await startEmulator();
});
afterEach(async () => {
  await bridge.close();
  await emulator.close();
});

describe("bridge answer to an internal error", () => {
  it("is 503 with Retry-After, and nothing is stored", async () => {
    bridge = createBridge({
      port: 0,
      retryAfterSeconds: 2,
      log: () => {},
      syvain: {
        apiKey: EMULATOR_API_KEY,
        host: emulator.url,
        slug: () => {
          throw new TypeError("Cannot read properties of undefined (reading 'slug')");
        },
      },
    });
    const { url } = await bridge.start();
    const answer = await post(`${url}/v1/metrics`, gaugeSteps("run", 0, 3), JSON_TYPE);
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toBe("2");
    expect(answer.text).toMatch(/unexpected internal error/);
    expect(emulator.store.experiments()).toHaveLength(0);
  });
});
