// `await collector.experiment()` against an unreachable Syvain must reject (and run the user's
// catch), never let the process end with the promise unsettled. Real child processes: the defect
// is the event loop emptying between retries, which fake timers cannot show.
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { runModule, type ModuleOutcome } from "./run-module.ts";

const indexUrl = new URL("../../src/index.ts", import.meta.url).href;
const KEY = "ak_org_unreachable_test_key";

/** Runs `body` with `Collector` imported, without a key in the environment. */
function runChild(body: string): Promise<ModuleOutcome> {
  return runModule(`import { Collector } from ${JSON.stringify(indexUrl)};\n${body}`, { ...process.env, SYVAIN_METRICS_API_KEY: "" });
}

/** The user's code: create an experiment, print the error's code from the catch. */
const createExperiment = (host: string, options = "") => `
  const collector = new Collector({ host: ${JSON.stringify(host)}, apiKey: ${JSON.stringify(KEY)} ${options} });
  try {
    await collector.experiment("x");
    console.log("created");
  } catch (error) {
    console.log("caught", error.code, error.constructor.name);
  }
`;

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Accepts connections and reads requests, but never answers. */
async function silentServer(): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.resume();
  });
  servers.push(server);
  return { port: await listen(server), connections: () => connections };
}

describe("experiment() with Syvain unreachable (child process)", () => {
  it("a refused port rejects with a network SyvainApiError that the user's catch sees (top-level await)", async () => {
    const port = await closedPort();
    const result = await runChild(createExperiment(`http://127.0.0.1:${port}`));
    expect(result.stdout.trim()).toBe("caught network SyvainApiError");
    expect(result.stderr).not.toMatch(/unsettled top-level await/);
    expect(result.code).toBe(0);
  });

  it("a refused port rejects inside a plain async function too (exit 0 only after the catch ran)", async () => {
    const port = await closedPort();
    const result = await runChild(`void (async () => { ${createExperiment(`http://127.0.0.1:${port}`)} })();`);
    expect(result.stdout.trim()).toBe("caught network SyvainApiError");
    expect(result.code).toBe(0);
  });

  it("a host name that does not resolve (.invalid, RFC 6761) rejects with a network SyvainApiError", async () => {
    const result = await runChild(createExperiment("https://syvain-metrics.invalid"));
    expect(result.stdout.trim()).toBe("caught network SyvainApiError");
    expect(result.code).toBe(0);
  });

  it("a server that accepts and never answers rejects with a timeout after every attempt", async () => {
    const server = await silentServer();
    const result = await runChild(createExperiment(`http://127.0.0.1:${server.port}`, ", timeout: 0.3"));
    expect(result.stdout.trim()).toBe("caught timeout SyvainApiError");
    expect(result.stderr).not.toMatch(/unsettled top-level await/);
    expect(result.code).toBe(0);
    // The first attempt plus the 3 default retries, each on a fresh connection (a timed-out one is dropped).
    expect(server.connections()).toBe(4);
  });
});
