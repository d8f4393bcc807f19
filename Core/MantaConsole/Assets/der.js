// DER Access: every device with its status and the reason, filtered by site
// or status, and a site's energy flows drawn from sites.topology (PV,
// battery, load, grid), live with the telemetry topic.

import { call } from "./api.js";
import { el, fill, table, field, badge, kw, nemTime } from "./dom.js";
import { svg } from "./charts.js";

const LABEL = { grid: "Grid", meter: "Meter", ac_bus: "AC bus", load: "Load", ev: "EV", pv: "PV", dc_bus: "DC bus",
  inverter: "Inverter", battery: "Battery" };

/** The site's graph, nodes in columns by their distance from the grid; each edge labelled with its flow. */
export function flowDiagram(topology) {
  const depth = new Map([["grid", 0]]);
  const queue = ["grid"];
  while (queue.length) {
    const id = queue.shift();
    for (const e of topology.edges) {
      const other = e.from === id ? e.to : e.to === id ? e.from : null;
      if (other && !depth.has(other)) { depth.set(other, depth.get(id) + 1); queue.push(other); }
    }
  }
  for (const n of topology.nodes) if (!depth.has(n.id)) depth.set(n.id, 1);
  const columns = new Map();
  for (const n of topology.nodes) {
    const d = depth.get(n.id);
    if (!columns.has(d)) columns.set(d, []);
    columns.get(d).push(n);
  }
  const width = 720, colW = width / Math.max(1, columns.size), rowH = 70;
  const height = Math.max(...[...columns.values()].map((c) => c.length)) * rowH + 20;
  const at = new Map();
  for (const [d, nodes] of columns) nodes.forEach((n, i) => at.set(n.id, { x: d * colW + colW / 2, y: 20 + i * rowH + rowH / 2 - 10 }));
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart flow", role: "img",
    "aria-label": `Energy flows of ${topology.site}: ` + topology.edges.map((e) => `${e.from} to ${e.to} ${e.w === null ? "no reading" : kw(e.w)}`).join("; ") },
  svg("title", {}, `Energy flows of ${topology.site}`),
  svg("defs", {}, svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto-start-reverse" },
    svg("path", { d: "M0,0L10,5L0,10Z", class: "arrowhead" }))));
  for (const e of topology.edges) {
    const a = at.get(e.from), b = at.get(e.to);
    if (!a || !b) continue;
    // w is the flow from -> to; a negative one runs the other way.
    const [p, q] = e.w !== null && e.w < 0 ? [b, a] : [a, b];
    root.append(svg("line", { x1: p.x, y1: p.y, x2: q.x, y2: q.y, class: e.w === null ? "edge none" : "edge", "marker-end": e.w === null ? null : "url(#arrow)" },
      svg("title", {}, e.source ?? "")));
    root.append(svg("text", { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 - 6, class: "edge-label", "text-anchor": "middle" },
      e.w === null ? "no reading" : kw(Math.abs(e.w))));
  }
  for (const n of topology.nodes) {
    const { x, y } = at.get(n.id);
    root.append(svg("g", { class: `node node-${n.type}`, "data-node": n.id },
      svg("rect", { x: x - 48, y: y - 16, width: 96, height: 32, rx: 6 }),
      svg("text", { x, y: y + 5, "text-anchor": "middle" }, `${LABEL[n.type] ?? n.type}${n.type === "load" && !n.device ? " (rest)" : ""}`),
      svg("title", {}, n.device ?? n.id)));
  }
  return root;
}

export default {
  title: "DER Access",
  async render(main, { live }) {
    const [devices, sites] = await Promise.all([call("devices.list", { limit: 100000 }), call("sites.list")]);
    const site = field("Site", { id: "der-site" }, [{ value: "", label: "every site" }, ...sites.map((s) => s.site)]);
    const status = field("Status", { id: "der-status" }, [{ value: "", label: "any" }, "online", "stale", "offline", "unknown"]);
    const listBox = el("div", { id: "der-devices" });
    const flow = el("div", { class: "panel", id: "der-flow" });
    const counts = (s) => devices.filter((d) => d.status === s).length;

    const drawList = () => {
      const s = site.querySelector("select").value, st = status.querySelector("select").value;
      const shown = devices.filter((d) => (!s || d.site === s) && (!st || d.status === st));
      fill(listBox, table(`Devices (${shown.length} of ${devices.length})`, [
        ["Device", (d) => d.id], ["Kind", (d) => d.kind], ["Site", (d) => d.site],
        ["Model", (d) => `${d.manufacturer} ${d.model}`], ["Status", (d) => badge(d.status)],
        ["Reason", (d) => d.status_reason || "–"], ["Since", (d) => nemTime(d.status_since_ms, true)],
        ["Rated", (d) => kw(d.ratings.rated_power_w)], ["Control", (d) => (d.read_only ? "read only" : d.controllable ? "controllable" : "–")],
      ], shown.slice(0, 500), { rowAttrs: (d) => ({ "data-device": d.id }) }));
    };
    const drawFlow = async () => {
      const s = site.querySelector("select").value || sites[0]?.site;
      if (!s) return fill(flow, el("p", { class: "empty" }, "No site."));
      const [topology] = await call("sites.topology", { site: s });
      fill(flow, el("h3", {}, `Energy flows of ${s}`), flowDiagram(topology),
        el("p", {}, `Energy balance: ${topology.balance.status}${topology.balance.explanation ? ` (${topology.balance.explanation})` : ""}`));
    };
    let redraw, off = () => {};
    const follow = () => {
      off();
      const s = site.querySelector("select").value || sites[0]?.site;
      off = live.on("telemetry", () => { clearTimeout(redraw); redraw = setTimeout(drawFlow, 500); }, { sites: s ? [s] : [] });
    };
    for (const f of [site, status]) f.querySelector("select").addEventListener("change", () => { drawList(); drawFlow(); follow(); });
    fill(main, el("h1", {}, "DER Access"),
      el("p", {}, `${devices.length} devices: ${counts("online")} online, ${counts("stale")} stale, ${counts("offline")} offline, ${counts("unknown")} unknown.`),
      el("div", { class: "form-grid" }, site, status), flow, listBox);
    drawList();
    await drawFlow();
    follow();
    return () => { off(); clearTimeout(redraw); };
  },
};
