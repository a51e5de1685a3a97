// Experiments list: slug, status (coloured), created, folder, metadata; filter by text and
// status; tick 2–5 runs to compare them.
import { listExperiments } from "/_viewer/assets/api.js";
import { el, show, statusBadge, when } from "/_viewer/assets/dom.js";

const MAX_COMPARED = 5;

function searchable(e) {
  return [e.slug, e.folder ?? "", e.description ?? "", JSON.stringify(e.metadata)].join("\n").toLowerCase();
}

export function listPage(main, hook) {
  const chosen = new Set();
  let experiments = [];
  const text = el("input", { type: "search", id: "filter-text", placeholder: "filter: slug, folder, metadata…", oninput: () => render() });
  const status = el("select", { id: "filter-status", onchange: () => render() },
    ["all", "created", "running", "done", "failed"].map((s) => el("option", { value: s === "all" ? "" : s }, s === "all" ? "any status" : s)));
  const compare = el("button", { id: "compare", disabled: true, onclick: () => {
    const q = new URLSearchParams();
    for (const id of chosen) q.append("e", id);
    location.hash = `#/compare?${q}`;
  } }, "Compare");
  const body = el("tbody");
  const count = el("span", { className: "muted" });
  main.append(
    el("h1", {}, "Experiments"),
    el("div", { className: "toolbar" }, text, status, compare, count),
    el("table", { id: "experiments" },
      el("thead", {}, el("tr", {}, ["", "slug", "status", "created", "folder", "points", "metadata"].map((h) => el("th", {}, h)))),
      body),
  );

  function render() {
    const needle = text.value.trim().toLowerCase();
    const rows = experiments.filter((e) => (!status.value || e.status === status.value) && (!needle || searchable(e).includes(needle)));
    body.replaceChildren(...rows.map((e) => {
      const box = el("input", { type: "checkbox", checked: chosen.has(e.id), title: "compare", onchange: () => {
        if (box.checked) chosen.add(e.id);
        else chosen.delete(e.id);
        update();
      } });
      return el("tr", { dataset: { slug: e.slug } },
        el("td", {}, box),
        el("td", {}, el("a", { href: `#/e/${encodeURIComponent(e.id)}`, className: "slug" }, e.slug)),
        el("td", {}, statusBadge(e.status)),
        el("td", {}, when(e.created_at)),
        el("td", {}, e.folder ?? ""),
        el("td", {}, e.points.toLocaleString()),
        el("td", { className: "meta" }, Object.entries(e.metadata).map(([k, v]) => `${k}=${show(v)}`).join("  ")));
    }));
    if (rows.length === 0) body.append(el("tr", {}, el("td", { colSpan: 7, className: "empty" }, experiments.length ? "no experiment matches" : "no experiments yet")));
    count.textContent = `${rows.length} of ${experiments.length}`;
    hook({ rows: rows.length });
    update();
  }

  function update() {
    compare.disabled = chosen.size < 2 || chosen.size > MAX_COMPARED;
    compare.textContent = chosen.size > MAX_COMPARED ? `Compare (at most ${MAX_COMPARED})` : `Compare${chosen.size ? ` (${chosen.size})` : ""}`;
  }

  async function refresh() {
    experiments = await listExperiments();
    render();
  }
  return { refresh };
}
