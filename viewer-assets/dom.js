// DOM building without innerHTML: every string (slugs, metadata, annotation text: user data) goes
// in as a text node or a property, so it is shown as text and never parsed as markup.

/** el("td", { className: "x", onclick: fn }, "text", child) */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node[key] = value;
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A JSON value as short text: strings as they are, the rest as JSON. */
export function show(value) {
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function statusBadge(status) {
  return el("span", { className: `status status-${/^[a-z]+$/.test(status) ? status : "unknown"}` }, status);
}

export function when(ms) {
  return new Date(ms).toLocaleString();
}
