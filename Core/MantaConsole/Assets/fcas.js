// FCAS: the ten ancillary services' prices today, what each VPP enabled,
// and frequency events with the response the fleet delivered.

import { call } from "./api.js";
import { SERVICES } from "./nem.js";
import { el, fill, table, nemDay, nemTime } from "./dom.js";
import { timeChart } from "./charts.js";

const mw = (x) => (x === null || x === undefined ? "–" : `${x.toFixed(3)} MW`);

export default {
  title: "FCAS",
  async render(main) {
    const [info, vpps] = await Promise.all([call("host.info"), call("vpps.list")]);
    const { startMs } = nemDay(info.clock.now_ms);
    const regions = [...new Set(vpps.map((v) => v.region))];
    const sections = [];
    for (const region of regions) {
      const prices = await call("market.prices", { region, from: startMs, limit: 288 });
      const offered = SERVICES.filter((s) => prices.some((p) => p.fcas?.[s] !== undefined));
      if (offered.length === 0) {
        sections.push(el("p", { class: "empty" }, `${region}: the market connector publishes no FCAS prices (a PRICE_AND_DEMAND file has none; DISPATCHPRICE has all ten).`));
        continue;
      }
      const last = prices.at(-1);
      sections.push(el("h3", {}, region), el("div", { class: "panel" }, timeChart({
        title: `${region} FCAS prices today (AUD/MW/h)`,
        series: offered.map((s) => ({ name: s, points: prices.filter((p) => p.fcas?.[s] !== undefined).map((p) => [p.interval_end_ms, p.fcas[s]]), kind: "step" })),
        yLabel: "AUD/MW/h", xRange: [startMs, startMs + 24 * 3600 * 1000],
      })), table(`${region} FCAS prices, interval ending ${nemTime(last.interval_end_ms)}`,
        [["Service", (s) => s], ["Price (AUD/MW/h)", (s) => (last.fcas?.[s] ?? null)?.toFixed(2) ?? "–"]], offered));
    }
    const enabled = vpps.filter((v) => v.fcas);
    const enablement = table("Enablement per VPP, last interval", [
      ["VPP", (v) => v.vpp], ["Interval end", (v) => v.fcas.interval_end], ["Service", (v) => v.service], ["Enabled", (v) => mw(v.mw)],
      ["Clamps", (v) => `${v.fcas.clamps ?? 0}${v.fcas.first_clamp ? ` (first: ${v.fcas.first_clamp})` : ""}`],
    ], enabled.flatMap((v) => Object.entries(v.fcas.enabled_mw ?? {}).map(([service, x]) => ({ vpp: v.id, fcas: v.fcas, service, mw: x }))),
    { empty: "No VPP has offered FCAS yet (a strategy with FCAS rules, or mpc-fcas, does)." });
    const events = await call("fcas.verification", { limit: 10 });
    const eventRows = events.flatMap((e) => e.vpps.flatMap((v) => v.services.map((s) => ({ e, v, s }))));
    fill(main, el("h1", {}, "FCAS"), el("h2", {}, "Prices"), ...sections, el("h2", {}, "Enablement"), enablement,
      el("h2", {}, "Frequency events and responses"),
      table("Frequency events: enabled against delivered", [
        ["Event start", (r) => r.e.start], ["Side", (r) => r.e.direction],
        ["Extreme", (r) => `${(r.e.lowest_hz ?? r.e.highest_hz)?.toFixed(3) ?? "–"} Hz`], ["VPP", (r) => r.v.vpp],
        ["Service", (r) => r.s.service], ["After", (r) => `${r.s.after_s} s`], ["Enabled", (r) => mw(r.s.enabled_mw)],
        ["Owed", (r) => mw(r.s.expected_mw)], ["Delivered", (r) => mw(r.s.delivered_mw)],
      ], eventRows, { empty: "No frequency event yet (below 49.85 Hz or above 50.15 Hz)." }));
    return () => {};
  },
};
