// Reports: the financial summary by day or month and VPP (settlement-grade:
// the rows sum to settlement.summary), VPP and DER events, and each as CSV
// with the columns `manta report` writes (docs/TRADING.md).

import { call } from "./api.js";
import { SERVICES } from "./nem.js";
import { el, fill, table, field, stat, aud } from "./dom.js";

const MONEY = ["energy_aud", ...SERVICES.map((s) => `${s}_aud`), "fcas_aud", "cost_aud", "network_aud", "demand_aud", "total_aud"];

/** One CSV cell: numbers at full precision, text quoted when it must be. */
function cell(v) {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csv(columns, rows) {
  return [columns.join(","), ...rows.map((r) => columns.map((c) => cell(r[c])).join(","))].join("\n") + "\n";
}

function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export default {
  title: "Reports",
  async render(main) {
    const vpps = await call("vpps.list");
    const period = field("Period", { id: "report-period" }, ["day", "month"]);
    const vpp = field("VPP", { id: "report-vpp" }, [{ value: "", label: "every VPP" }, ...vpps.map((v) => v.id)]);
    const totals = el("div", { class: "stats", id: "report-totals" });
    const rowsBox = el("div", { id: "report-rows" });
    const eventsBox = el("div", { id: "report-events" });
    let rows = [], events = [];

    async function load() {
      const p = period.querySelector("select").value;
      const v = vpp.querySelector("select").value || undefined;
      const [summary, financial, vppEvents, derEvents] = await Promise.all([
        call("settlement.summary", { vpp: v }), call("reports.financial", { vpp: v, period: p }),
        call("reports.events", { category: "vpp", vpp: v, limit: 1000 }), call("reports.events", { category: "der", limit: 1000 })]);
      rows = financial.map((r) => ({ ...r, ...Object.fromEntries(SERVICES.map((s) => [`${s}_aud`, r.fcas?.[s] ?? 0])) }));
      events = [...vppEvents.map((e) => ({ ...e, category: "vpp" })), ...derEvents.map((e) => ({ ...e, category: "der" }))];
      fill(totals,
        stat("Settled intervals", String(summary.intervals), summary.revised ? `${summary.revised} revised` : "none revised"),
        stat("Energy", `${summary.energy_mwh.toFixed(3)} MWh`, `${summary.discharged_mwh.toFixed(3)} MWh discharged`),
        stat("Energy revenue", aud(summary.energy_aud)), stat("FCAS revenue", aud(summary.fcas_aud)),
        stat("Network and demand charges", aud(summary.network_aud + summary.demand_aud)), stat("Total", aud(summary.total_aud)));
      fill(rowsBox, table(`Financial summary by ${p} and VPP`, [
        [p === "day" ? "Day" : "Month", (r) => r[p]], ["VPP", (r) => r.vpp], ["Intervals", (r) => String(r.intervals)],
        ["Energy (MWh)", (r) => r.energy_mwh.toFixed(4)], ["Energy", (r) => aud(r.energy_aud)], ["FCAS", (r) => aud(r.fcas_aud)],
        ["Network", (r) => aud(r.network_aud)], ["Demand", (r) => aud(r.demand_aud)], ["Total", (r) => aud(r.total_aud)],
      ], rows, { empty: "Nothing settled yet." }));
      fill(eventsBox, table("Events (VPP and DER), oldest first", [["Time", (e) => e.t], ["Category", (e) => e.category],
        ["Severity", (e) => e.severity], ["Source", (e) => e.source], ["Kind", (e) => e.kind], ["Message", (e) => e.message]],
      events.slice(-200), { empty: "No events." }));
    }

    const buttons = el("div", { class: "form-grid" },
      el("button", { type: "button", id: "download-financial", onclick: () => {
        const p = period.querySelector("select").value;
        download(`${p === "day" ? "daily" : "monthly"}.csv`, csv([p, "vpp", "intervals", "energy_mwh", ...MONEY], rows));
      } }, "Download CSV"),
      el("button", { type: "button", id: "download-events", onclick: () => {
        for (const c of ["vpp", "der"]) download(`${c}_events.csv`, csv(["t", "severity", "source", "kind", "message"], events.filter((e) => e.category === c)));
      } }, "Download events CSV"));
    for (const f of [period, vpp]) f.querySelector("select").addEventListener("change", load);
    fill(main, el("h1", {}, "Reports"), el("div", { class: "form-grid" }, period, vpp), totals, buttons,
      el("h2", {}, "Financial summary"), rowsBox, el("h2", {}, "Events"), eventsBox);
    await load();
    return () => {};
  },
};
