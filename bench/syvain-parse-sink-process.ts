/**
 * The Syvain-side twin of `otlp-json-sink-process.ts`: a loopback server that does no more than
 * the OTLP sink does — parse each ingest body (`JSON.parse`) and count its events — so the
 * exporter comparison can be made with the same (minimal) server work on both sides. Experiment
 * creation answers a made-up experiment; no validation, no dedup, no storage (the emulator rows
 * measure those). `GET /count` answers the total. Prints `{"url": ...}`, serves until stdin closes.
 */
import { serveCounting } from "./serve-child.ts";

let experiments = 0;

serveCounting("ak_org_bench", (req, text) => {
  const body = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
  if (req.method === "POST" && req.url === "/api/v1/experiments") {
    experiments += 1;
    return { status: 201, body: { experiment: { id: `exp-${experiments}`, slug: body.slug, description: null, folder_id: null, metadata: {}, status: "created", created_at: Date.now() } } };
  }
  const items = (body.metrics ?? body.annotations) as unknown[] | undefined;
  if (req.method === "POST" && items) return { status: 200, body: { accepted: items.length, duplicates: 0 }, count: items.length };
  return { status: 404, body: { error: { code: "not_found", message: `${req.method} ${req.url}` } } };
});
