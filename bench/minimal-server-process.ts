/**
 * A minimal ingest server for measuring the delivery path alone (outbox + client + HTTP): reads
 * each body, counts its events without parsing, answers `{"accepted": n, "duplicates": 0}`.
 * `GET /count` answers the total. Prints `{"url": ...}`, serves until stdin closes.
 */
import { serveCounting } from "./serve-child.ts";

const MARKER = '"client_event_id":';

serveCounting("ak_org_bench", (_req, body) => {
  let n = 0;
  for (let at = body.indexOf(MARKER); at !== -1; at = body.indexOf(MARKER, at + MARKER.length)) n++;
  return { status: 200, body: { accepted: n, duplicates: 0 }, count: n };
});
