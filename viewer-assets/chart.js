// One metric chart on uPlot: a line per series (metadata combination, or run when comparing), a
// log y toggle, EMA smoothing, annotation markers with their text on hover, drag to zoom (the
// server sends full resolution for the zoomed range) and double-click to zoom out.
import uPlot from "/_viewer/assets/uPlot.esm.js";
import { getChart } from "/_viewer/assets/api.js";
import { el } from "/_viewer/assets/dom.js";

const palette = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563", "#65a30d", "#9333ea"];

/** TensorBoard-style exponential moving average; weight 0 leaves the values as they are. */
export function smooth(values, weight) {
  if (!weight) return values;
  const out = new Array(values.length);
  let last;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    last = last === undefined ? v : last * weight + (1 - weight) * v;
    out[i] = last;
  }
  return out;
}

/** Shared chart settings of a page: log y and smoothing, with their controls. */
export function chartSettings(onChange) {
  const settings = { log: false, smoothing: 0 };
  const log = el("input", { type: "checkbox", id: "log-y", onchange: () => { settings.log = log.checked; onChange(); } });
  const value = el("span", { className: "muted" }, "0");
  const slider = el("input", {
    type: "range", id: "smoothing", min: "0", max: "0.99", step: "0.01", value: "0",
    oninput: () => { settings.smoothing = Number(slider.value); value.textContent = slider.value; onChange(); },
  });
  settings.controls = el("div", { className: "toolbar" },
    el("label", {}, log, " log y-axis"),
    el("label", {}, "smoothing ", slider, " ", value),
    el("span", { className: "muted" }, "drag to zoom, double-click to zoom out"));
  return settings;
}

/**
 * A chart of `metric` over `experiments` in `parent`. `stats()` reports what is drawn, for the
 * page's test hook (`onDrawn` says when it changes). `refresh()` refetches (live updates), keeping a zoom.
 */
export function metricChart(parent, { experiments, metric, settings, onDrawn = () => {} }) {
  const box = el("div", { className: "chart" }, el("h3", {}, metric));
  const note = el("div", { className: "note" });
  const plotBox = el("div");
  box.append(plotBox, note);
  parent.append(box);
  let plot;
  let data;
  let range;
  let markers = [];
  let pending = Promise.resolve();

  const width = () => Math.max(300, plotBox.clientWidth || 560);

  function buildData() {
    const tables = data.series.map((s) => {
      const y = smooth(s.y, settings.smoothing);
      // A log axis cannot show zero or negative values: leave them out rather than break the scale.
      return [s.x, settings.log ? y.map((v) => (v > 0 ? v : null)) : y];
    });
    if (tables.length === 0) return [[]];
    return tables.length === 1 ? [tables[0][0], tables[0][1]] : uPlot.join(tables);
  }

  function placeMarkers(u) {
    for (const m of markers) m.remove();
    markers = [];
    const [min, max] = [u.scales.x.min, u.scales.x.max];
    for (const a of data.annotations) {
      if (a.x < min || a.x > max) continue;
      const marker = el("div", { className: "marker", title: a.text }, el("span", { className: "marker-text" }, a.text));
      marker.style.left = `${u.valToPos(a.x, "x")}px`;
      // uPlot starts a drag-zoom only on its own overlay: hand it a drag that begins on a marker.
      marker.addEventListener("mousedown", (e) => {
        e.stopPropagation();
        u.over.dispatchEvent(new MouseEvent("mousedown", e));
      });
      u.over.append(marker);
      markers.push(marker);
    }
  }

  function draw() {
    plot?.destroy();
    const time = data.axis === "time";
    plot = new uPlot({
      width: width(),
      height: 260,
      scales: { x: { time }, y: { distr: settings.log ? 3 : 1 } },
      axes: [{ label: time ? undefined : "step" }, {}],
      series: [{ label: time ? "time" : "step" }, ...data.series.map((s, i) => ({ label: s.label, stroke: palette[i % palette.length], width: 1.5, spanGaps: true, points: { show: false } }))],
      cursor: { drag: { x: true, y: false, setScale: false } },
      hooks: {
        draw: [placeMarkers],
        setSelect: [(u) => {
          if (u.select.width < 3) return;
          range = { from: u.posToVal(u.select.left, "x"), to: u.posToVal(u.select.left + u.select.width, "x") };
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          refresh();
        }],
      },
    }, buildData(), plotBox);
    plot.over.addEventListener("dblclick", () => {
      if (!range) return;
      range = undefined;
      refresh();
    });
    const shown = data.series.reduce((n, s) => n + s.x.length, 0);
    const total = data.series.reduce((n, s) => n + s.total, 0);
    note.textContent = `${total.toLocaleString()} points${shown < total ? `, ${shown.toLocaleString()} drawn (min/max per pixel)` : ""}${range ? " · zoomed" : ""}`;
  }

  function refresh() {
    pending = pending.then(async () => {
      try {
        data = await getChart(experiments, metric, width(), range);
        draw();
        // A zoom redraws on its own: the page's test hook must hear of it too.
        onDrawn();
      } catch (error) {
        note.textContent = `could not load: ${error.message}`;
        note.className = "note error";
      }
    });
    return pending;
  }

  return {
    refresh,
    redraw: () => (data ? draw() : undefined),
    stats: () => ({
      axis: data?.axis,
      series: data?.series.length ?? 0,
      points: data?.series.map((s) => s.x.length) ?? [],
      totals: data?.series.map((s) => s.total) ?? [],
      labels: data?.series.map((s) => s.label) ?? [],
      spans: data?.series.map((s) => [s.x[0], s.x[s.x.length - 1]]) ?? [],
      markers: markers.length,
      zoomed: range !== undefined,
    }),
    destroy: () => plot?.destroy(),
  };
}
