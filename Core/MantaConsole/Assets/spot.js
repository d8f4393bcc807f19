// Spot: the region's price over the host's day with the fleet's charge and
// discharge, the arbitrage points (where it bought and where it sold, and
// the spread), and an editor for the low-code rules, checked by the host.

import { call } from "./api.js";
import { el, fill, field, notice, stat, price, kw, nemDay, nemTime } from "./dom.js";
import { timeChart } from "./charts.js";

const EXAMPLE = {
  rules: [
    { name: "sell spikes", if: { price: { ">": 300 }, soc: { ">": "20%" } }, then: "discharge" },
    { name: "charge cheap", if: { price: { "<": 40 } }, then: "charge" },
  ],
  default: "hold",
};

export default {
  title: "Spot",
  async render(main, { live }) {
    const [info, vppList] = await Promise.all([call("host.info"), call("vpps.list")]);
    const regions = [...new Set(vppList.map((v) => v.region))];
    const region = field("Region", { id: "spot-region" }, regions.length ? regions : ["VIC1"]);
    const chartBox = el("div", { class: "panel", id: "spot-chart" });
    const statsBox = el("div", { class: "stats", id: "spot-stats" });
    const { startMs } = nemDay(info.clock.now_ms);
    let prices = [], decisions = [];

    async function load() {
      const r = region.querySelector("select").value;
      const inRegion = vppList.filter((v) => v.region === r);
      prices = await call("market.prices", { region: r, from: startMs, limit: 288 });
      // Oldest first, so that a later decision of an interval replaces an earlier one.
      decisions = (await Promise.all(inRegion.map((v) => call("dispatch.history", { vpp: v.id, from: startMs, limit: 288 }))))
        .flat().reverse();
      draw();
    }

    function draw() {
      const latest = new Map(decisions.map((d) => [`${d.vpp}@${d.interval_end_ms}`, d]));
      const byInterval = new Map();
      for (const d of latest.values()) byInterval.set(d.interval_end_ms, (byInterval.get(d.interval_end_ms) ?? 0) + d.target_w);
      const priceAt = new Map(prices.map((p) => [p.interval_end_ms, p.rrp]));
      const points = [...byInterval.entries()].sort((a, b) => a[0] - b[0]);
      const markers = points.filter(([t, w]) => w !== 0 && priceAt.has(t)).map(([t, w]) => ({
        x: t, y: priceAt.get(t), shape: w < 0 ? "up" : "down",
        label: `${nemTime(t)} ${w < 0 ? "charged" : "discharged"} ${kw(Math.abs(w))} at ${price(priceAt.get(t))}`,
      }));
      fill(chartBox, timeChart({
        title: "Spot price (AUD/MWh) and the fleet's target (kW: + discharge, − charge)",
        series: [{ name: "price AUD/MWh", points: prices.map((p) => [p.interval_end_ms, p.rrp]), kind: "step", color: "#d97706" },
          { name: "fleet kW", points: points.map(([t, w]) => [t, w / 1000]), kind: "bars", axis: "right", color: "#2563eb" }],
        markers, yLabel: "AUD/MWh", y2Label: "kW", xRange: [startMs, startMs + 24 * 3600 * 1000],
      }));
      // Arbitrage: the energy-weighted price paid charging and earned discharging.
      let buyW = 0, buyCost = 0, sellW = 0, sellGain = 0;
      for (const [t, w] of points) {
        if (!priceAt.has(t)) continue;
        if (w < 0) { buyW -= w; buyCost -= w * priceAt.get(t); } else if (w > 0) { sellW += w; sellGain += w * priceAt.get(t); }
      }
      const buy = buyW ? buyCost / buyW : null, sell = sellW ? sellGain / sellW : null;
      const last = prices.at(-1);
      fill(statsBox,
        stat("Price now", price(last?.rrp), last ? `interval ending ${nemTime(last.interval_end_ms)}` : "none yet"),
        stat("Charged at", price(buy), `${markers.filter((m) => m.shape === "up").length} intervals`),
        stat("Discharged at", price(sell), `${markers.filter((m) => m.shape === "down").length} intervals`),
        stat("Spread", buy !== null && sell !== null ? price(sell - buy) : "–", "energy-weighted"),
        stat("Today's range", prices.length ? `${price(Math.min(...prices.map((p) => p.rrp)))} to ${price(Math.max(...prices.map((p) => p.rrp)))}` : "–"));
    }

    // The rules editor: the host checks each version (rules.validate).
    const editor = el("textarea", { id: "rules-text", rows: 14, spellcheck: "false", "aria-describedby": "rules-help" },
      JSON.stringify(EXAMPLE, null, 2));
    const verdict = notice();
    verdict.id = "rules-verdict";
    const check = async () => {
      let rules;
      try { rules = JSON.parse(editor.value); } catch (e) { return verdict.show(`Not JSON: ${e.message}`, "bad"); }
      try {
        const r = await call("rules.validate", { rules });
        if (r.valid) verdict.show(`Valid: ${r.rules} rules (${r.names.join(", ")})${r.fcas_rules ? `, ${r.fcas_rules} FCAS rules` : ""}.`);
        else verdict.show(r.message, "bad");
      } catch (e) { verdict.show(e.message, "bad"); }
    };
    let pending;
    editor.addEventListener("input", () => { clearTimeout(pending); pending = setTimeout(check, 400); });

    fill(main, el("h1", {}, "Spot market"), region, statsBox, chartBox,
      el("h2", {}, "Price-threshold rules"),
      el("p", { id: "rules-help" }, "A rule set for the rules strategy (see docs/STRATEGIES.md): each battery takes the first rule whose conditions hold. The host checks it as you type."),
      el("label", { for: "rules-text" }, "Rule set (JSON)"), editor,
      el("button", { type: "button", id: "rules-check", onclick: check }, "Check with the host"), verdict);
    region.querySelector("select").addEventListener("change", load);
    await load();
    check();
    const offDispatch = live.on("dispatch", (d) => {
      if (d.interval_end_ms < startMs + 24 * 3600 * 1000 && vppList.some((v) => v.id === d.vpp && v.region === region.querySelector("select").value)) {
        decisions.push(d);
        draw();
      }
    });
    const offPrices = live.on("prices", (p) => {
      for (const item of p.prices ?? []) if (item.region === region.querySelector("select").value && item.interval_end_ms > (prices.at(-1)?.interval_end_ms ?? 0)) prices.push(item);
      draw();
    });
    return () => { offDispatch(); offPrices(); };
  },
};
