/**
 * Memory scenarios against a real `syvain-otel bridge` process, shared by the test (scaled down)
 * and the bench (full size): concurrent gzip requests that decompress to many MiB of valid OTLP
 * JSON, and uploads that announce a large body and stall before its end. The bridge's peak RSS
 * comes from the kernel (`VmHWM` in `/proc/<pid>/status`), not from the process's own view.
 */
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { gzipSync } from "node:zlib";
import { spawnBridge } from "./bridge-process.ts";

export interface BridgeProcess {
  url: string;
  pid: number;
  /** Peak resident set size so far, in bytes. */
  peakRss(): number;
  /** Current resident set size, in bytes. */
  rss(): number;
  /** The process is still running. */
  alive(): boolean;
  stop(): Promise<void>;
}

/** A `syvain-otel bridge` writing to a JSONL file, with `args` added. */
export async function startBridgeProcess(jsonlPath: string, args: readonly string[]): Promise<BridgeProcess> {
  const bridge = await spawnBridge(["--jsonl", jsonlPath, ...args], {});
  const pid = bridge.pid;
  return {
    url: bridge.url,
    pid,
    peakRss: () => statusKib(pid, "VmHWM") * 1024,
    rss: () => statusKib(pid, "VmRSS") * 1024,
    alive: () => !bridge.exited(),
    stop: async () => {
      await bridge.stop("SIGKILL");
    },
  };
}

function statusKib(pid: number, field: "VmHWM" | "VmRSS"): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (match === null) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

/**
 * A gzip OTLP JSON metrics body of at least `decompressedBytes` once decompressed: gauge points,
 * all alike so it compresses ~1:50 like a hostile or merely repetitive sender's.
 */
export function gzipPointsBody(decompressedBytes: number): Buffer {
  const point = JSON.stringify({ asDouble: 0.5, timeUnixNano: "1764000000000000000", attributes: [{ key: "step", value: { intValue: "1" } }] });
  const count = Math.ceil(decompressedBytes / (point.length + 1));
  const head = '{"resourceMetrics":[{"resource":{"attributes":[{"key":"syvain.experiment.slug","value":{"stringValue":"memory"}}]},"scopeMetrics":[{"metrics":[{"name":"loss","gauge":{"dataPoints":[';
  return gzipSync(`${head}${Array(count).fill(point).join(",")}]}}]}]}]}`);
}

/** Posts `body` `times` at once; resolves with each answer's status (0: connection dropped). */
export async function postAtOnce(url: string, body: Buffer, times: number): Promise<number[]> {
  const headers = { "content-type": "application/json", "content-encoding": "gzip" };
  return Promise.all(
    Array.from({ length: times }, async () => {
      try {
        const response = await fetch(`${url}/v1/metrics`, { method: "POST", headers, body });
        await response.arrayBuffer();
        return response.status;
      } catch {
        return 0;
      }
    }),
  );
}

/**
 * Opens `count` uploads that announce `declared` bytes and send `sent` of them, then stall.
 * Resolves once each has either sent its bytes or been closed by the bridge (`refused()` counts those).
 */
export async function stallUploads(url: string, count: number, declared: number, sent: number): Promise<{ sockets: Socket[]; refused: () => number }> {
  const { port } = new URL(url);
  const sockets: Socket[] = [];
  let refused = 0;
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  await Promise.all(
    Array.from({ length: count }, async () => {
      const socket = connect(Number(port), "127.0.0.1");
      sockets.push(socket);
      socket.on("error", () => {});
      // Refused uploads are answered and closed by the bridge (the answer itself may be lost to
      // the reset of a socket still sending); accepted ones stay open until the body timeout.
      socket.once("close", () => (refused += 1));
      await once(socket, "connect");
      socket.write(`POST /v1/metrics HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${declared}\r\n\r\n`);
      for (let written = 0; written < sent && !socket.destroyed; written += chunk.length) {
        if (!socket.write(chunk.subarray(0, Math.min(chunk.length, sent - written)))) {
          await drainedOrClosed(socket);
        }
      }
    }),
  );
  return { sockets, refused: () => refused };
}

/** Not `events.once`: it rejects on "error", and a refused upload's socket is reset under us. */
function drainedOrClosed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      socket.off("drain", done);
      socket.off("close", done);
      resolve();
    };
    socket.on("drain", done);
    socket.on("close", done);
  });
}
