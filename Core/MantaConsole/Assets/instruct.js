// An operator's instruction to a VPP ("discharge 2 MW from 17:00 for 30
// minutes"), and its execution followed: state, actual power, deviation.

import { call } from "./api.js";
import { el, fill, field, notice, kw } from "./dom.js";

/** The instruction form for `vpp`; `allowed` is false for a session that may not dispatch. */
export function instructionForm(vpp, allowed) {
  const result = notice();
  result.id = "instruction-result";
  const follow = el("div", { id: "instruction-status" });
  let timer;
  const form = el("form", { id: "instruct", class: "form-grid" },
    field("Target (kW, + discharge, − charge)", { name: "target_kw", type: "number", step: 0.1, required: true }),
    field("Start (empty: now)", { name: "start", type: "datetime-local" }),
    field("Duration (minutes)", { name: "minutes", type: "number", min: 1, max: 10080, value: 30, required: true }),
    field("Reason", { name: "reason", maxlength: 500 }),
    el("button", { type: "submit", id: "instruct-submit", disabled: !allowed,
      title: allowed ? null : "Dispatching needs the operator role" }, "Send instruction"),
    allowed ? null : el("p", { class: "notice warn" }, "Your role may look but not dispatch: instructions need the operator role."));

  async function track(id) {
    clearTimeout(timer);
    if (!form.isConnected) return;
    try {
      const s = await call("dispatch.status", { id });
      const outcomes = Object.entries(s.outcomes ?? {}).map(([k, n]) => `${n} ${k}`).join(", ") || "no setpoints yet";
      fill(follow, el("p", {}, `Instruction ${s.id}: ${s.state}; target ${kw(s.target_w)}, actual ${kw(s.actual_w)}, deviation ${kw(s.deviation_w)} (${outcomes}).`));
      if (s.state === "pending" || s.state === "active") timer = setTimeout(() => track(id), 2000);
    } catch (e) { fill(follow, el("p", { class: "notice bad" }, e.message)); }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const d = Object.fromEntries(new FormData(form));
    // datetime-local is read as NEM time (UTC+10), the market's clock.
    const params = { vpp, target_w: Number(d.target_kw) * 1000, duration_s: Math.round(Number(d.minutes) * 60), reason: d.reason };
    if (d.start) params.start = `${d.start}:00+10:00`;
    try {
      const s = await call("dispatch.submit", params);
      result.show(`Instruction ${s.id} sent to ${vpp}.`);
      track(s.id);
    } catch (e) { result.show(e.message, "bad"); }
  });
  return el("div", {}, el("h3", {}, `Instruct ${vpp}`), form, result, follow);
}
