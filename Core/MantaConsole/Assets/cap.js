// Cap Service: the caps in force, setting one, and the cap graph of a
// site's day: its load against its grid import, the battery filling the gap.

import { call } from "./api.js";
import { el, fill, table, field, notice, kw, kwh, nemDay, badge } from "./dom.js";
import { timeChart } from "./charts.js";

/** A device's readings of `point` over the day, in kW, with `sign` applied. */
async function series(device, point, fromMs, sign) {
  if (!device) return [];
  const rows = await call("telemetry.history", { device, point, from: fromMs, limit: 100000 });
  return rows.filter((r) => r.value !== null).map((r) => [r.t_ms, (sign * r.value) / 1000]);
}

export default {
  title: "Cap Service",
  async render(main, { may }) {
    const [info, sites, vpps] = await Promise.all([call("host.info"), call("sites.list"), call("vpps.list")]);
    const { startMs } = nemDay(info.clock.now_ms);
    const capsBox = el("div", { id: "caps" });
    const graph = el("div", { class: "panel", id: "cap-graph" });
    const result = notice();
    const siteField = field("Site", { id: "cap-site" }, sites.map((s) => s.site));

    async function loadCaps() {
      const caps = await call("cap.list");
      fill(capsBox, table("Caps in force", [
        ["Target", (c) => c.target], ["Limit", (c) => kw(c.limit_w)], ["Days", (c) => c.days.join(" ")],
        ["Window", (c) => `${c.from}–${c.to}`], ["Reserve", (c) => kwh(c.reserve_wh)],
        ["Now", (c) => (c.in_window ? badge("in window", "warn") : badge("outside", "muted"))],
      ], caps, { empty: "No cap is set." }));
      return caps;
    }

    async function drawGraph() {
      const site = siteField.querySelector("select").value;
      const devices = await call("devices.list", { site, limit: 1000 });
      const of = (kind) => devices.find((d) => d.kind === kind)?.id;
      // Signs: + is power out of a device toward the grid, so a meter's import and a load's draw are negated.
      const [load, grid, battery] = await Promise.all([
        series(of("load"), "ac.w", startMs, -1), series(of("meter"), "ac.w", startMs, -1), series(of("battery"), "battery.w", startMs, 1)]);
      const caps = (await call("cap.list")).filter((c) => c.target === site || vpps.some((v) => v.id === c.target));
      const capLine = caps[0] ? [[startMs, caps[0].limit_w / 1000], [startMs + 24 * 3600 * 1000, caps[0].limit_w / 1000]] : [];
      fill(graph, timeChart({
        title: `Cap graph of ${site}: load, grid import and battery (kW) today`,
        series: [{ name: "load kW", points: load, color: "#7c3aed" }, { name: "grid import kW", points: grid, color: "#dc2626" },
          { name: "battery kW (+ discharge)", points: battery, color: "#059669" },
          ...(capLine.length ? [{ name: "cap kW", points: capLine, color: "#111827" }] : [])],
        yLabel: "kW", xRange: [startMs, startMs + 24 * 3600 * 1000],
      }), load.length === 0 && grid.length === 0 ? el("p", { class: "empty" }, `${site} has no load or meter readings stored today.`) : null);
    }

    const form = el("form", { id: "cap-form", class: "form-grid" },
      field("Site or VPP", { name: "target" }, [...sites.map((s) => ({ value: `site:${s.site}`, label: s.site })),
        ...vpps.map((v) => ({ value: `vpp:${v.id}`, label: `VPP ${v.id}` }))]),
      field("Import cap (W, empty clears)", { name: "limit_w", type: "number", min: 0, step: 100 }),
      field("From (HH:MM)", { name: "from", value: "16:00", pattern: "[0-2][0-9]:[0-5][0-9]" }),
      field("To (HH:MM)", { name: "to", value: "21:00", pattern: "[0-2][0-9]:[0-5][0-9]" }),
      field("Reserve (Wh, empty: planned)", { name: "reserve_wh", type: "number", min: 0, step: 100 }),
      el("button", { type: "submit", disabled: !may("operator") }, "Set cap"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const d = Object.fromEntries(new FormData(form));
      const [kind, id] = d.target.split(/:(.*)/);
      const params = { [kind]: id, limit_w: d.limit_w === "" ? null : Number(d.limit_w), from: d.from, to: d.to };
      if (d.reserve_wh !== "") params.reserve_wh = Number(d.reserve_wh);
      try {
        const r = await call("cap.set", params);
        result.show(r.cleared ? `Cap on ${r.target} cleared.` : `Cap on ${r.target}: ${kw(r.limit_w)} ${r.from}–${r.to}, reserve ${kwh(r.reserve_wh)} (${r.reserve_source}).`);
        await loadCaps();
        await drawGraph();
      } catch (e) { result.show(e.message, "bad"); }
    });
    siteField.querySelector("select").addEventListener("change", drawGraph);
    fill(main, el("h1", {}, "Cap Service"), el("h2", {}, "Caps"), capsBox, el("h2", {}, "Set a cap"), form, result,
      el("h2", {}, "Cap graph"), siteField, graph);
    await loadCaps();
    await drawGraph();
    return () => {};
  },
};
