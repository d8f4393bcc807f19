// Smart Feed-in: the export limit in force on each site and where it comes
// from (the config, an operating envelope, a feeder group's share, the
// network, the operator, a VPP's negative-price protection), the feeder
// groups and their use, the operating envelopes in force and to come, the
// negative-price state of each VPP, and setting or clearing a limit.

import { call } from "./api.js";
import { el, fill, table, field, notice, kw, price, nemTime, badge } from "./dom.js";

export default {
  title: "Smart Feed-in",
  async render(main, { live, may }) {
    const sitesBox = el("div", { id: "feedin-sites" });
    const stateBox = el("div", { id: "negative-price" });
    const feedersBox = el("div", { id: "feeders" });
    const envelopesBox = el("div", { id: "envelopes" });
    const result = notice();

    async function load() {
      const [sites, vpps, feeders, envelopes] = await Promise.all([call("sites.list"), call("vpps.list"),
        call("feeders.list"), call("envelopes.list", { limit: 2 })]);
      fill(feedersBox, table("Feeder groups", [
        ["Feeder", (f) => f.id],
        ["Sites", (f) => `${f.sites} (${f.patterns.join(", ")})`],
        ["Limit in force", (f) => (f.limit_w === null ? "none" : kw(f.limit_w))],
        ["From", (f) => f.source ?? "–"],
        ["Export now", (f) => `${kw(f.export_w)} from ${f.reporting} reporting`],
        ["Use", (f) => (f.limit_w ? `${Math.round((100 * f.export_w) / Math.max(1, f.limit_w))} %` : "–")],
      ], feeders, { empty: "no feeder groups in the config", rowAttrs: (f) => ({ "data-feeder": f.id }) }));
      const span = (w) => (w ? `${kw(w.export_limit_w)}, ${nemTime(w.start_ms, true)} to ${nemTime(w.end_ms, true)}` : "none");
      fill(envelopesBox, table("Operating envelopes", [
        ["Site or feeder", (e) => e.target],
        ["In force", (e) => span(e.in_force)],
        ["Next", (e) => span(e.windows.find((w) => w.start_ms !== e.in_force?.start_ms))],
      ], envelopes, { empty: "no operating envelopes (the network operator sets them with envelopes.set)",
                      rowAttrs: (e) => ({ "data-envelope": e.target }) }));
      const regions = [...new Set(vpps.map((v) => v.region))];
      const latest = new Map(await Promise.all(regions.map(async (r) => [r, (await call("market.prices", { region: r, limit: 1 }))[0]])));
      fill(stateBox, table("Negative-price protection by VPP", [
        ["VPP", (v) => v.id],
        ["Region", (v) => v.region],
        ["Price now", (v) => price(latest.get(v.region)?.rrp)],
        ["State", (v) => (latest.get(v.region)?.rrp < 0 ? badge("negative price: protecting", "warn") : badge("price positive", "ok"))],
        ["Mode", (v) => v.definition.negative_price_mode ?? "zero_export"],
        ["Export limit at negative prices", (v) => kw(v.definition.negative_price_export_limit_w ?? 0)],
      ], vpps));
      fill(sitesBox, table("Export limits by site", [
        ["Site", (s) => s.site],
        ["Region", (s) => s.region ?? "–"],
        ["Limit in force", (s) => (s.export_limit_w === null ? "none" : kw(s.export_limit_w))],
        ["From", (s) => s.export_limit_source ?? "–"],
        ["All sources", (s) => Object.entries(s.export_limits ?? {}).map(([src, l]) =>
          `${src} ${kw(l.limit_w)}${l.until_ms ? ` until ${nemTime(l.until_ms, true)}` : ""}`).join("; ") || "–"],
        ["Energy balance", (s) => badge(s.balance, s.balance === "ok" ? "ok" : s.balance === "mismatch" ? "bad" : "muted")],
      ], sites, { rowAttrs: (s) => ({ "data-site": s.site }) }));
      return sites;
    }

    const sites = await load();
    const form = el("form", { id: "export-limit", class: "form-grid" },
      field("Site", { name: "site" }, sites.map((s) => s.site)),
      field("Limit (W, empty clears)", { name: "limit_w", type: "number", min: 0, step: 100 }),
      field("Source", { name: "source" }, ["operator", "network"]),
      field("For (s, empty: until cleared)", { name: "duration_s", type: "number", min: 1, step: 60 }),
      el("button", { type: "submit", disabled: !may("operator") }, "Set export limit"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const d = Object.fromEntries(new FormData(form));
      const params = { site: d.site, source: d.source, limit_w: d.limit_w === "" ? null : Number(d.limit_w) };
      if (d.duration_s !== "") params.duration_s = Number(d.duration_s);
      try {
        const r = await call("sites.export_limit", params);
        result.show(`${r.site}: export limit ${r.export_limit_w === null ? "none" : kw(r.export_limit_w)} (${r.source ?? "no source"}).`);
        await load();
      } catch (e) { result.show(e.message, "bad"); }
    });
    fill(main, el("h1", {}, "Smart Feed-in"),
      el("p", {}, "A site with a grid meter is held at the meter: the home's load is served and the battery charges before PV is curtailed."),
      el("h2", {}, "Negative prices"), stateBox,
      el("h2", {}, "Set a limit"), form, result,
      el("h2", {}, "Operating envelopes"), envelopesBox,
      el("h2", {}, "Feeder groups"), feedersBox,
      el("h2", {}, "Sites"), sitesBox);
    const off = live.on("events", (e) => { if (e.kind === "site.export_limit") load(); });
    return off;
  },
};
