// Overview: the fleet now (power, capacity, energy, health), its power over
// the host's day against the price, revenue by region and VPP, and each
// dispatch decision as it is made.

import { call } from "./api.js";
import { el, fill, table, stat, kw, kwh, aud, price, nemTime, nemDay, badge } from "./dom.js";
import { timeChart, barList } from "./charts.js";

const MAX_DECISIONS = 50;

export default {
  title: "Overview",
  async render(main, { live }) {
    const [info, capacity, vppList] = await Promise.all([call("host.info"), call("vpps.capacity"), call("vpps.list")]);
    const { startMs } = nemDay(info.clock.now_ms);
    const stats = el("div", { class: "stats", id: "fleet-stats" });
    const chart = el("div", { class: "panel", id: "fleet-chart" });
    const revenue = el("div", { class: "panel", id: "revenue" });
    const decisionsBox = el("div", { id: "decisions" });
    fill(main,
      el("h1", {}, "Overview"),
      stats,
      el("h2", {}, "Fleet power today"), chart,
      el("h2", {}, "Revenue by region and VPP"), revenue,
      el("h2", {}, "Dispatch, live"), decisionsBox);

    const regions = capacity.regions ?? {};
    const total = (k) => Object.values(regions).reduce((sum, r) => sum + (r[k] ?? 0), 0);
    fill(stats,
      stat("Fleet power now", el("span", { id: "fleet-power" }, kw(total("power_w"))), "+ discharging, − charging"),
      stat("Capacity", kwh(total("capacity_wh")), `${kwh(total("energy_available_wh"))} available`),
      stat("Available up / down", `${kw(total("available_up_w"))} / ${kw(total("available_down_w"))}`),
      stat("Devices", el("span", { id: "device-count" }, String(info.counts.devices)), `${info.counts.vpps} VPPs, ${Object.keys(regions).join(", ") || "no region"}`),
      stat("Health", badge(info.health.status), info.health.reasons.slice(0, 3).join("; ") || "nothing to report"),
      stat("Host clock", nemTime(info.clock.now_ms, true), `${info.clock.mode}${info.clock.speed > 1 ? ` ×${info.clock.speed}` : ""}`));

    // The day so far: each VPP's decided target, the region's price.
    const history = await Promise.all(vppList.map((v) => call("dispatch.history", { vpp: v.id, from: startMs, limit: 288 })));
    const decided = new Map();
    vppList.forEach((v, i) => decided.set(v.id, history[i].slice().reverse().map((d) => [d.interval_end_ms, d.target_w / 1000])));
    const region = vppList[0]?.region;
    const prices = region ? await call("market.prices", { region, from: startMs, limit: 288 }) : [];
    const drawChart = () => fill(chart, timeChart({
      title: "Fleet target power (kW) and the spot price (AUD/MWh) today",
      series: [...[...decided.entries()].map(([vpp, points]) => ({ name: `${vpp} target kW`, points, kind: "step" })),
        { name: `${region ?? ""} price`, points: prices.map((p) => [p.interval_end_ms, p.rrp]), axis: "right", color: "#d97706" }],
      yLabel: "kW", y2Label: "AUD/MWh", xRange: [startMs, startMs + 24 * 3600 * 1000],
    }));
    drawChart();

    const summary = await call("settlement.summary", {}).catch(() => null);
    if (summary && summary.intervals > 0) {
      fill(revenue,
        el("p", {}, `${summary.intervals} settled intervals: ${aud(summary.total_aud)} in total (energy ${aud(summary.energy_aud)}, FCAS ${aud(summary.fcas_aud)}).`),
        barList("Revenue by region (AUD)", (summary.by_region ?? []).map((r) => [r.region, r.total_aud]), aud),
        barList("Revenue by VPP (AUD)", (summary.by_vpp ?? []).map((r) => [r.vpp, r.total_aud]), aud));
    } else fill(revenue, el("p", { class: "empty" }, "No interval settled yet."));

    const decisions = history.flat().sort((a, b) => b.interval_end_ms - a.interval_end_ms).slice(0, MAX_DECISIONS);
    const drawDecisions = () => fill(decisionsBox, table("Dispatch decisions, newest first", [
      ["Interval end", (d) => nemTime(d.interval_end_ms, true)],
      ["VPP", (d) => d.vpp],
      ["Strategy", (d) => d.strategy],
      ["Price", (d) => price(d.price)],
      ["Target", (d) => kw(d.target_w)],
      ["Charging / discharging / holding", (d) => `${d.charging ?? 0} / ${d.discharging ?? 0} / ${d.holding ?? 0}`],
      ["Status", (d) => badge(d.status)],
    ], decisions, { rowAttrs: (d) => ({ "data-interval": d.interval_end_ms, "data-vpp": d.vpp }) }));
    drawDecisions();

    const offDispatch = live.on("dispatch", (d) => {
      decisions.unshift(d);
      decisions.length = Math.min(decisions.length, MAX_DECISIONS);
      drawDecisions();
      const points = decided.get(d.vpp) ?? [];
      points.push([d.interval_end_ms, d.target_w / 1000]);
      decided.set(d.vpp, points);
      drawChart();
    });
    const offPrices = live.on("prices", (p) => {
      for (const item of p.prices ?? []) if (item.region === region) prices.push(item);
      drawChart();
    });
    const offVpps = live.on("vpps", async () => {
      const now = await call("vpps.capacity").catch(() => null);
      const node = document.getElementById("fleet-power");
      if (now && node) node.textContent = kw(Object.values(now.regions ?? {}).reduce((s, r) => s + (r.power_w ?? 0), 0));
    });
    return () => { offDispatch(); offPrices(); offVpps(); };
  },
};
