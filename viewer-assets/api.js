// The viewer's read-only JSON endpoints.

async function getJson(path) {
  const res = await fetch(path, { headers: { accept: "application/json" } });
  const body = await res.json();
  if (!res.ok) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
  return body;
}

export const listExperiments = () => getJson("/_viewer/api/experiments").then((b) => b.experiments);

export const getExperiment = (idOrSlug) => getJson(`/_viewer/api/experiments/${encodeURIComponent(idOrSlug)}`);

/** One metric's chart over 1–5 experiments, downsampled to `width` pixel columns, optionally zoomed. */
export function getChart(experiments, metric, width, range) {
  const q = new URLSearchParams();
  for (const e of experiments) q.append("experiment", e);
  q.set("metric", metric);
  q.set("width", String(Math.max(10, Math.min(10000, Math.round(width)))));
  if (range) {
    q.set("from", String(range.from));
    q.set("to", String(range.to));
  }
  return getJson(`/_viewer/api/chart?${q}`);
}
