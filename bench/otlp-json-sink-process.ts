/**
 * The official OTLP/HTTP JSON exporter's counterpart to the emulator in the side-by-side bench:
 * a loopback server that only parses each body (`JSON.parse`) and counts its data points, then
 * answers 200 `{}`. `GET /count` answers the total. Prints `{"url": ...}`, serves until stdin closes.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

interface OtlpJsonMetrics {
  resourceMetrics?: { scopeMetrics?: { metrics?: Record<string, { dataPoints?: unknown[] } | string>[] }[] }[];
}

function countPoints(body: OtlpJsonMetrics): number {
  let points = 0;
  for (const rm of body.resourceMetrics ?? []) {
    for (const sm of rm.scopeMetrics ?? []) {
      for (const metric of sm.metrics ?? []) {
        for (const value of Object.values(metric)) if (typeof value === "object" && value.dataPoints) points += value.dataPoints.length;
      }
    }
  }
  return points;
}

let total = 0;
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    if (req.url === "/count") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ total }));
      return;
    }
    total += countPoints(JSON.parse(Buffer.concat(chunks).toString("utf8")) as OtlpJsonMetrics);
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
});
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, apiKey: "unused" })}\n`);
});
process.stdin.resume();
process.stdin.on("end", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
