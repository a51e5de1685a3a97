// The viewer's router (#/, #/e/<id>, #/compare?e=..&e=..&metric=..) and live updates over SSE.
// window.__viewer exposes what the page shows (rows, series and point counts, markers) so browser
// tests can check chart contents without reading pixels.
import { comparePage } from "/_viewer/assets/compare-page.js";
import { el } from "/_viewer/assets/dom.js";
import { experimentPage } from "/_viewer/assets/experiment-page.js";
import { listPage } from "/_viewer/assets/list-page.js";

const main = document.getElementById("main");
const state = (window.__viewer = { page: "", ready: false, refreshes: 0, version: -1 });
let current;
let refreshing = Promise.resolve();

function hook(values) {
  Object.assign(state, values);
}

function route() {
  const hash = location.hash.slice(1) || "/";
  const [path, query = ""] = hash.split("?");
  const params = new URLSearchParams(query);
  main.replaceChildren();
  for (const key of ["rows", "charts"]) delete state[key];
  state.ready = false;
  if (path.startsWith("/e/")) {
    state.page = "experiment";
    current = experimentPage(main, hook, decodeURIComponent(path.slice(3)));
  } else if (path === "/compare") {
    state.page = "compare";
    current = comparePage(main, hook, params.getAll("e").slice(0, 5), params.get("metric") ?? undefined);
  } else {
    state.page = "list";
    current = listPage(main, hook);
  }
  return refresh();
}

function refresh() {
  const page = current;
  refreshing = refreshing.then(async () => {
    try {
      await page.refresh();
    } catch (error) {
      main.append(el("p", { className: "error" }, `could not load: ${error.message}`));
    }
    if (page === current) {
      state.refreshes++;
      // Milliseconds since navigation: the bench's "first paint" of a page.
      state.readyAt ??= performance.now();
      state.ready = true;
    }
  });
  return refreshing;
}

const live = document.getElementById("live");
const events = new EventSource("/_viewer/api/events");
events.addEventListener("hello", () => {
  live.textContent = "live";
  live.className = "live on";
});
events.addEventListener("change", (event) => {
  state.version = JSON.parse(event.data).version;
  void refresh();
});
events.addEventListener("error", () => {
  live.textContent = "offline";
  live.className = "live";
});

window.addEventListener("hashchange", () => void route());
void route();
