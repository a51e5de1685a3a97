// One experiment: its metadata as a table, one chart per metric name, its annotations.
import { getExperiment } from "/_viewer/assets/api.js";
import { chartSettings, metricChart } from "/_viewer/assets/chart.js";
import { el, show, statusBadge, when } from "/_viewer/assets/dom.js";

export function experimentPage(main, hook, id) {
  const charts = new Map();
  const settings = chartSettings(() => { for (const c of charts.values()) c.redraw(); report(); });
  const head = el("div");
  const meta = el("div");
  const grid = el("div", { className: "charts" });
  const notes = el("div");
  main.append(head, settings.controls, grid, meta, notes);

  function report() {
    hook({ charts: Object.fromEntries([...charts].map(([name, c]) => [name, c.stats()])) });
  }

  async function refresh() {
    const detail = await getExperiment(id);
    const e = detail.experiment;
    head.replaceChildren(
      el("div", {}, el("a", { href: "#/" }, "← experiments")),
      el("h1", { id: "slug" }, e.slug, " ", statusBadge(e.status)),
      el("div", { className: "muted" }, `created ${when(e.created_at)}`, e.folder ? ` · folder ${e.folder}` : "", e.description ? ` · ${e.description}` : ""),
    );
    const entries = Object.entries(e.metadata);
    meta.replaceChildren(el("h2", {}, "Metadata"), entries.length
      ? el("table", { id: "metadata" }, el("tbody", {}, entries.map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", { className: "meta" }, show(v))))))
      : el("div", { className: "muted" }, "none"));
    notes.replaceChildren(el("h2", {}, `Annotations (${detail.annotations.length})`),
      el("ul", { id: "annotations" }, detail.annotations.map((a) => el("li", {}, el("span", { className: "muted" }, `${when(a.timestamp)} `), a.text))));
    if (detail.metrics.length === 0 && charts.size === 0) grid.replaceChildren(el("div", { className: "empty" }, "no metrics yet"));
    for (const m of detail.metrics) {
      if (charts.has(m.name)) continue;
      if (charts.size === 0) grid.replaceChildren();
      charts.set(m.name, metricChart(grid, { experiments: [e.id], metric: m.name, settings, onDrawn: () => report() }));
    }
    await Promise.all([...charts.values()].map((c) => c.refresh()));
    report();
  }
  return { refresh };
}
