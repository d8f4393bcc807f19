// Charts drawn as SVG by the console itself: time series on a shared time
// axis (NEM time), lines, steps or bars, an optional second y axis, and
// markers. Each chart is an image with a text description for screen readers.

import { nemTime } from "./dom.js";

const NS = "http://www.w3.org/2000/svg";
const COLORS = ["#2563eb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#4d7c0f"];

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  for (const c of children) if (c) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

/** Round tick values covering [lo, hi], about `count` of them. */
export function ticks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const step = [1, 2, 2.5, 5, 10].map((m) => m * 10 ** Math.floor(Math.log10(raw))).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function extent(values, includeZero) {
  let lo = Math.min(...values), hi = Math.max(...values);
  if (includeZero) { lo = Math.min(lo, 0); hi = Math.max(hi, 0); }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (lo === hi) { lo -= 1; hi += 1; }
  const pad = (hi - lo) * 0.05;
  return [lo - (lo < 0 || !includeZero ? pad : 0), hi + pad];
}

/**
 * A time-series chart. `series`: [{name, points: [[ms, value]], kind: "line" | "step" | "bars",
 * axis: "left" | "right", color}]; `markers`: [{x, y, label, shape: "up" | "down"}] on the left axis.
 */
export function timeChart({ title, series, yLabel = "", y2Label = "", markers = [], height = 260, xRange }) {
  const width = 960, left = 64, right = y2Label ? 64 : 16, top = 30, bottom = 32;
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const [x0, x1] = xRange ?? (xs.length ? [Math.min(...xs), Math.max(...xs) || 1] : [0, 1]);
  const span = x1 > x0 ? x1 - x0 : 1;
  const side = (axis) => series.filter((s) => (s.axis ?? "left") === axis).flatMap((s) => s.points.map((p) => p[1]))
    .filter(Number.isFinite);
  const leftValues = side("left").concat(markers.map((m) => m.y));
  const [l0, l1] = extent(leftValues.length ? leftValues : [0, 1], true);
  const [r0, r1] = extent(side("right").length ? side("right") : [0, 1], true);
  const X = (x) => left + ((x - x0) / span) * (width - left - right);
  const Y = (v, axis = "left") => {
    const [a, b] = axis === "right" ? [r0, r1] : [l0, l1];
    return top + (1 - (v - a) / (b - a)) * (height - top - bottom);
  };
  const summary = series.map((s) => `${s.name}: ${s.points.length} points`).join("; ");
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": `${title}. ${summary}` },
    svg("title", {}, title));

  for (const t of ticks(l0, l1)) {
    root.append(svg("line", { x1: left, x2: width - right, y1: Y(t), y2: Y(t), class: t === 0 ? "axis zero" : "grid" }));
    root.append(svg("text", { x: left - 6, y: Y(t) + 4, class: "tick", "text-anchor": "end" }, t.toLocaleString("en-AU")));
  }
  if (y2Label) for (const t of ticks(r0, r1)) {
    root.append(svg("text", { x: width - right + 6, y: Y(t, "right") + 4, class: "tick" }, t.toLocaleString("en-AU")));
  }
  const hour = 3600 * 1000;
  const every = [1, 2, 3, 4, 6, 12, 24].map((h) => h * hour).find((s) => span / s <= 8) ?? 24 * hour;
  for (let t = Math.ceil((x0 + 10 * hour) / every) * every - 10 * hour; t <= x1; t += every) {
    root.append(svg("text", { x: X(t), y: height - 10, class: "tick", "text-anchor": "middle" }, nemTime(t)));
  }
  root.append(svg("text", { x: 12, y: top + 4, class: "axis-label", transform: `rotate(-90 12 ${top + 4})`, "text-anchor": "end" }, yLabel));
  if (y2Label) root.append(svg("text", { x: width - 4, y: top + 4, class: "axis-label", "text-anchor": "end",
    transform: `rotate(-90 ${width - 4} ${top + 4})` }, y2Label));

  const legend = svg("g", { class: "legend" });
  series.forEach((s, i) => {
    const color = s.color ?? COLORS[i % COLORS.length];
    const axis = s.axis ?? "left";
    const pts = s.points.filter((p) => Number.isFinite(p[1]));
    if (s.kind === "bars") {
      const w = Math.max(1, ((width - left - right) * (s.barMs ?? 300000)) / span - 1);
      for (const [x, v] of pts) {
        const y = Y(v, axis), y0 = Y(0, axis);
        root.append(svg("rect", { x: X(x) - w, y: Math.min(y, y0), width: w, height: Math.abs(y0 - y), fill: color, opacity: 0.55 }));
      }
    } else if (pts.length) {
      let d = "";
      pts.forEach(([x, v], j) => {
        if (j === 0) d += `M${X(x)},${Y(v, axis)}`;
        else if (s.kind === "step") d += `H${X(x)}V${Y(v, axis)}`;
        else d += `L${X(x)},${Y(v, axis)}`;
      });
      root.append(svg("path", { d, fill: "none", stroke: color, "stroke-width": 2, class: `series series-${i}` }));
    }
    legend.append(svg("rect", { x: left + i * 200, y: 6, width: 10, height: 10, fill: color }));
    legend.append(svg("text", { x: left + 14 + i * 200, y: 15, class: "legend-text" }, s.name));
  });
  for (const m of markers) {
    const x = X(m.x), y = Y(m.y);
    const d = m.shape === "down" ? `M${x - 5},${y - 8}H${x + 5}L${x},${y}Z` : `M${x - 5},${y + 8}H${x + 5}L${x},${y}Z`;
    root.append(svg("path", { d, class: `marker ${m.shape ?? "up"}` }, svg("title", {}, m.label)));
  }
  root.append(legend);
  return root;
}

/** Horizontal bars, one per [label, value], for comparisons (revenue by region or VPP). */
export function barList(title, rows, format = (v) => v.toFixed(2)) {
  const height = 28 * rows.length + 16, width = 960, left = 160;
  const max = Math.max(1e-9, ...rows.map(([, v]) => Math.abs(v)));
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img",
    "aria-label": `${title}. ${rows.map(([l, v]) => `${l} ${format(v)}`).join("; ")}` }, svg("title", {}, title));
  rows.forEach(([label, value], i) => {
    const y = 8 + i * 28, w = (Math.abs(value) / max) * (width - left - 120);
    root.append(svg("text", { x: left - 8, y: y + 15, class: "tick", "text-anchor": "end" }, label));
    root.append(svg("rect", { x: left, y, width: Math.max(1, w), height: 20, fill: value < 0 ? "#dc2626" : "#2563eb", opacity: 0.8 }));
    root.append(svg("text", { x: left + w + 6, y: y + 15, class: "tick" }, format(value)));
  });
  return root;
}

export { svg };
