// Compare: the same metric of 2–5 experiments overlaid on one chart.
import { getExperiment } from "/_viewer/assets/api.js";
import { chartSettings, metricChart } from "/_viewer/assets/chart.js";
import { el } from "/_viewer/assets/dom.js";

export function comparePage(main, hook, ids, wanted) {
  let chart;
  let metric = wanted;
  const select = el("select", { id: "metric", onchange: () => {
    metric = select.value;
    const q = new URLSearchParams();
    for (const id of ids) q.append("e", id);
    q.set("metric", metric);
    history.replaceState(null, "", `#/compare?${q}`);
    void show();
  } });
  const settings = chartSettings(() => { chart?.redraw(); report(); });
  const title = el("h1");
  const box = el("div");
  main.append(el("div", {}, el("a", { href: "#/" }, "← experiments")), title, el("div", { className: "toolbar" }, el("label", {}, "metric ", select)), settings.controls, box);

  function report() {
    hook({ charts: chart ? { [metric]: chart.stats() } : {} });
  }

  async function show() {
    chart?.destroy();
    box.replaceChildren();
    chart = metricChart(box, { experiments: ids, metric, settings, onDrawn: () => report() });
    await chart.refresh();
    report();
  }

  async function refresh() {
    const details = await Promise.all(ids.map((id) => getExperiment(id)));
    title.textContent = `Compare ${details.map((d) => d.experiment.slug).join(" · ")}`;
    const names = [...new Set(details.flatMap((d) => d.metrics.map((m) => m.name)))];
    if (!metric || !names.includes(metric)) metric = names[0];
    select.replaceChildren(...names.map((n) => el("option", { value: n, selected: n === metric }, n)));
    if (!metric) {
      box.replaceChildren(el("div", { className: "empty" }, "these experiments have no metrics"));
      return report();
    }
    if (chart) {
      await chart.refresh();
      report();
    } else await show();
  }
  return { refresh };
}
