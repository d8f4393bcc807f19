// Arena: each VPP's competing strategies by trailing revenue per MW, who is
// champion, and the history of switches.

import { call } from "./api.js";
import { el, fill, table, aud } from "./dom.js";

export default {
  title: "Arena",
  async render(main) {
    const [boards, champions] = await Promise.all([call("arena.leaderboard"), call("arena.champion")]);
    const parts = boards.length === 0
      ? [el("p", { class: "empty" }, "No VPP runs an arena (vpps[].arena in the config; see docs/ARENA.md).")]
      : boards.flatMap((b) => {
        const c = champions.find((x) => x.vpp === b.vpp);
        return [el("h2", {}, `${b.vpp}: champion ${b.champion}`),
          el("p", {}, `Scored over the last ${b.window_intervals} intervals; a challenger must lead by ${(b.hysteresis * 100).toFixed(0)} % and the champion holds for at least ${b.min_tenure_intervals} intervals.${c?.since ? ` Champion since ${c.since}.` : ""}`),
          table(`Leaderboard of ${b.vpp}`, [
            ["Rank", (r) => String(b.contenders.indexOf(r) + 1)], ["Strategy", (r) => (r.champion ? `${r.strategy} (champion)` : r.strategy)],
            ["Trailing revenue", (r) => aud(r.trailing_revenue_aud)], ["Per MW", (r) => aud(r.trailing_revenue_per_mw)],
            ["Total", (r) => aud(r.total_revenue_aud)], ["Intervals", (r) => String(r.intervals)], ["Failures", (r) => String(r.failures)],
          ], b.contenders),
          table(`Champion history of ${b.vpp}`, [["At", (s) => s.at], ["From", (s) => s.from], ["To", (s) => s.to],
            ["Scores", (s) => `${s.from_score.toFixed(2)} → ${s.to_score.toFixed(2)}`]], (c?.switches ?? []).slice().reverse(),
          { empty: "No switch yet." })];
      });
    fill(main, el("h1", {}, "Arena"), ...parts);
    return () => {};
  },
};
