// Building the page: elements, tables, forms, and how figures are shown
// (power in kW, energy in kWh, money in AUD, times in NEM time, UTC+10).

/** An element: `attrs` are attributes (`on*` functions become listeners); children are nodes or text. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces what `node` holds. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/**
 * A table in a scrolling wrapper: `columns` are [heading, row => cell] pairs
 * (a cell is text or a node); `caption` names it for screen readers.
 */
export function table(caption, columns, rows, { empty = "nothing yet", rowAttrs } = {}) {
  const head = el("tr", {}, columns.map(([heading]) => el("th", { scope: "col" }, heading)));
  const body = rows.length === 0
    ? [el("tr", {}, el("td", { colspan: columns.length, class: "empty" }, empty))]
    : rows.map((row) => el("tr", rowAttrs ? rowAttrs(row) : {}, columns.map(([, cell]) => el("td", {}, cell(row) ?? "–"))));
  return el("div", { class: "table-wrap", tabindex: 0, role: "region", "aria-label": caption },
    el("table", {}, el("caption", {}, caption), el("thead", {}, head), el("tbody", {}, body)));
}

/** A labelled input (or select when `options` is given). */
export function field(label, attrs = {}, options) {
  const id = attrs.id ?? `f-${label.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-${Math.random().toString(36).slice(2, 7)}`;
  const control = options
    ? el("select", { ...attrs, id }, options.map((o) => el("option", { value: o.value ?? o, selected: o.selected }, o.label ?? o.value ?? o)))
    : el("input", { type: "text", ...attrs, id });
  return el("div", { class: "field" }, el("label", { for: id }, label), control);
}

/** A figure with a heading, for the cards along the top of a page. */
export function stat(label, value, note) {
  return el("div", { class: "stat" }, el("div", { class: "stat-label" }, label), el("div", { class: "stat-value" }, value),
    note ? el("div", { class: "stat-note" }, note) : null);
}

/** A message region for what the host answered (role=status, announced when it changes). */
export function notice() {
  const node = el("p", { class: "notice", role: "status", "aria-live": "polite" });
  node.show = (text, kind = "ok") => {
    node.className = `notice ${kind}`;
    node.textContent = text;
  };
  return node;
}

export const kw = (w) => (w === null || w === undefined || !Number.isFinite(w) ? "–" : `${(w / 1000).toFixed(1)} kW`);
export const kwh = (wh) => (wh === null || wh === undefined || !Number.isFinite(wh) ? "–" : `${(wh / 1000).toFixed(1)} kWh`);
export const aud = (x) => (x === null || x === undefined || !Number.isFinite(x) ? "–"
  : `${x < 0 ? "−" : ""}$${Math.abs(x).toLocaleString("en-AU", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`);
export const price = (p) => (p === null || p === undefined || !Number.isFinite(p) ? "–" : `${p < 0 ? "−" : ""}$${Math.abs(p).toFixed(2)}/MWh`);
export const pct = (f) => (f === null || f === undefined || !Number.isFinite(f) ? "–" : `${(f * 100).toFixed(0)} %`);

/** NEM time (UTC+10, no daylight saving) of a host timestamp in ms. */
export function nemTime(ms, withDate = false) {
  if (ms === null || ms === undefined) return "–";
  const iso = new Date(ms + 10 * 3600 * 1000).toISOString();
  return withDate ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16);
}

/** The NEM day (YYYY-MM-DD) holding `ms`, and its first instant. */
export function nemDay(ms) {
  const day = new Date(ms + 10 * 3600 * 1000).toISOString().slice(0, 10);
  return { day, startMs: Date.parse(`${day}T00:00:00+10:00`) };
}

/** A status word as a coloured badge that also reads as text. */
export function badge(text, kind) {
  const k = kind ?? ({ ok: "ok", online: "ok", active: "ok", started: "ok", degraded: "warn", stale: "warn", draft: "muted",
    suspended: "warn", failing: "bad", offline: "bad", failed: "bad", fallback: "bad", unknown: "muted" })[text] ?? "muted";
  return el("span", { class: `badge ${k}` }, text ?? "–");
}
