// VPPs: every VPP with its aggregated parameters (live through the `vpps`
// topic), creating one, and editing one: status, and members added or
// removed by selecting devices and sites or dragging them onto the VPP.

import { call } from "./api.js";
import { el, fill, table, field, notice, kw, kwh, pct, badge } from "./dom.js";
import { instructionForm } from "./instruct.js";
import { REGIONS } from "./nem.js";

const DISPATCHABLE = new Set(["battery", "hybrid_inverter", "ev_charger"]);

/** The selector a member entry names: {device}, {site}, {region}, {retailer} or {tag}. */
const selectorOf = (m) => ["device", "site", "region", "retailer", "tag"].find((k) => m[k] !== undefined);

export default {
  title: "VPPs",
  async render(main, { live, may }) {
    const [plugins, sites, devices] = await Promise.all([
      call("plugins.list"), call("sites.list"), call("devices.list", { limit: 100000 })]);
    const instances = (kind) => plugins.filter((p) => p.kind === kind).map((p) => p.instance);
    const dispatchable = devices.filter((d) => DISPATCHABLE.has(d.kind) && d.controllable);
    const capacities = new Map();
    const listBox = el("div", { id: "vpp-list" });
    const createNotice = notice();
    const editor = el("section", { id: "vpp-editor", "aria-labelledby": "editor-title" });
    let vpps = [];
    let editing = null;
    // The share and priority last used: kept when the editor is drawn again.
    const chosen = { allocation: 1, priority: 0 };

    const drawList = () => fill(listBox, table("VPPs and their aggregated parameters", [
      ["VPP", (v) => el("button", { type: "button", class: "link", "data-vpp": v.id, onclick: () => edit(v.id) }, v.id)],
      ["Region", (v) => v.region],
      ["Status", (v) => badge(v.status)],
      ["Strategy", (v) => v.strategy],
      ["Members", (v) => String(v.members)],
      ["Capacity", (v) => kwh(capacities.get(v.id)?.capacity_wh)],
      ["Power now", (v) => kw(capacities.get(v.id)?.power_w)],
      ["Up / down", (v) => `${kw(capacities.get(v.id)?.available_up_w)} / ${kw(capacities.get(v.id)?.available_down_w)}`],
      ["Response", (v) => { const r = capacities.get(v.id)?.response_time_s; return r === null || r === undefined ? "–" : `${r.toFixed(1)} s`; }],
      ["Round trip", (v) => pct(capacities.get(v.id)?.round_trip_efficiency)],
    ], vpps, { empty: "No VPPs yet: create one below.", rowAttrs: (v) => ({ "data-vpp": v.id }) }));

    async function reload() {
      vpps = await call("vpps.list");
      const caps = await Promise.all(vpps.map((v) => call("vpps.capacity", { vpp: v.id }).catch(() => null)));
      vpps.forEach((v, i) => capacities.set(v.id, caps[i]));
      drawList();
      await drawConflicts();
      if (editing) await edit(editing);
    }

    const conflictsBox = el("div", { id: "conflicts" });
    async function drawConflicts() {
      const c = await call("vpps.conflicts");
      const rows = [
        ...c.near_misses.map((n) => ({ device: n.device, what: `allocated ${n.total.toFixed(2)}`, detail: n.shares.map((s) => `${s.vpp} ${s.allocation}`).join(" + ") })),
        ...c.trimmed.map((t) => ({ device: t.device, what: `trimmed in ${t.vpp}`, detail: `asked ${t.asked}, kept ${t.kept}` })),
        ...c.region_mismatches.map((r) => ({ device: r.device, what: `left out of ${r.vpp}`, detail: r.reason })),
      ];
      fill(conflictsBox, table("Conflicts and near misses", [["Device", (r) => r.device], ["Finding", (r) => r.what], ["Detail", (r) => r.detail]],
        rows, { empty: "No conflicts: no device is allocated 0.9 or more across VPPs." }));
    }

    // Creating a VPP.
    const form = el("form", { id: "create-vpp", class: "form-grid" },
      field("VPP id", { name: "id", required: true, pattern: "[A-Za-z0-9._\\-]+", autocomplete: "off" }),
      field("Region", { name: "region" }, REGIONS.map((r) => ({ value: r, selected: r === "VIC1" }))),
      field("Market connector", { name: "market" }, instances("market")),
      field("Strategy", { name: "strategy" }, instances("strategy")),
      field("Status", { name: "status" }, ["draft", "active", "suspended"]),
      el("button", { type: "submit", disabled: !may("operator") }, "Create VPP"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = Object.fromEntries(new FormData(form));
      try {
        await call("vpps.create", data);
        createNotice.show(`Created ${data.id}.`);
        editing = data.id;
        await reload();
      } catch (e) { createNotice.show(e.message, "bad"); }
    });

    async function edit(id) {
      editing = id;
      const vpp = vpps.find((v) => v.id === id);
      if (!vpp) { fill(editor); return; }
      const inVpp = await call("devices.list", { vpp: id, limit: 100000 });
      const memberIds = new Set(inVpp.map((d) => d.id));
      const entries = vpp.definition.members ?? [];
      const editNotice = notice();
      const allocation = field("Allocation (0 to 1)", { type: "number", min: 0, max: 1, step: 0.05, value: chosen.allocation, name: "allocation" });
      const priority = field("Priority (lower first)", { type: "number", min: 0, max: 1000, step: 1, value: chosen.priority, name: "priority" });
      const pick = (m) => el("li", { draggable: "true", "data-member": JSON.stringify(m), class: "pick" },
        el("label", {}, el("input", { type: "checkbox", value: JSON.stringify(m) }), ` ${m.device ?? `site ${m.site}`}`));
      const candidates = el("ul", { class: "picks", id: "candidates", "aria-label": "Devices and sites to add" },
        sites.map((s) => pick({ site: s.site })),
        dispatchable.filter((d) => !memberIds.has(d.id)).map((d) => pick({ device: d.id })));
      const target = el("div", { class: "dropzone", id: "dropzone", tabindex: 0, "aria-label": `Drop devices or sites here to add them to ${id}` },
        `Drop devices or sites here to add them to ${id}`);

      const add = async (members) => {
        if (members.length === 0) return editNotice.show("Select devices or sites first.", "warn");
        const share = chosen.allocation = Number(allocation.querySelector("input").value);
        const prio = chosen.priority = Number(priority.querySelector("input").value);
        try {
          await call("vpps.add_members", { vpp: id, members: members.map((m) => ({ ...m, allocation: share, priority: prio })) });
          editNotice.show(`Added ${members.length} to ${id}.`);
          await reload();
        } catch (e) { editNotice.show(e.message, "bad"); }
      };
      const selected = (list) => [...list.querySelectorAll("input[type=checkbox]:checked")].map((c) => JSON.parse(c.value));
      candidates.addEventListener("dragstart", (event) => {
        const item = event.target.closest("li");
        const chosen = selected(candidates);
        const mine = JSON.parse(item.dataset.member);
        const moving = chosen.some((m) => JSON.stringify(m) === item.dataset.member) ? chosen : [mine];
        event.dataTransfer.setData("application/json", JSON.stringify(moving));
      });
      target.addEventListener("dragover", (event) => { event.preventDefault(); target.classList.add("over"); });
      target.addEventListener("dragleave", () => target.classList.remove("over"));
      target.addEventListener("drop", (event) => {
        event.preventDefault();
        target.classList.remove("over");
        add(JSON.parse(event.dataTransfer.getData("application/json") || "[]"));
      });

      const entryList = el("ul", { class: "picks", id: "entries", "aria-label": `Member entries of ${id}` },
        entries.map((m) => el("li", {}, el("label", {}, el("input", { type: "checkbox", value: JSON.stringify({ [selectorOf(m)]: m[selectorOf(m)] }) }),
          ` ${selectorOf(m)} ${m[selectorOf(m)]} · allocation ${m.allocation ?? 1} · priority ${m.priority ?? 0}`))));
      const status = field("Status", { name: "status" }, ["draft", "active", "suspended"].map((s) => ({ value: s, selected: s === vpp.status })));
      const readOnly = !may("operator");
      fill(editor,
        el("h2", { id: "editor-title" }, `Edit ${id}`),
        el("p", {}, `${vpp.members} members (${[...(vpp.definition.drivers ?? []).map((d) => `driver ${d}`), ...(vpp.definition.sites ?? []).map((s) => `sites ${s}`)].join(", ") || "no patterns"}${entries.length ? `, ${entries.length} member entries` : ""}), strategy ${vpp.strategy}, market ${vpp.market}.`),
        el("div", { class: "form-grid" }, status,
          el("button", { type: "button", id: "save-status", disabled: readOnly, onclick: async () => {
            try {
              await call("vpps.update", { vpp: id, status: status.querySelector("select").value });
              editNotice.show(`${id} is ${status.querySelector("select").value}.`);
              await reload();
            } catch (e) { editNotice.show(e.message, "bad"); }
          } }, "Save status"),
          el("button", { type: "button", class: "danger", disabled: readOnly, onclick: async () => {
            if (!confirm(`Delete ${id}? Its shares are freed.`)) return;
            try { await call("vpps.delete", { vpp: id }); editing = null; fill(editor); await reload(); } catch (e) { editNotice.show(e.message, "bad"); }
          } }, "Delete VPP")),
        editNotice,
        instructionForm(id, !readOnly),
        el("div", { class: "columns" },
          el("div", {}, el("h3", {}, "Add members"), el("div", { class: "form-grid" }, allocation, priority),
            candidates,
            el("button", { type: "button", id: "add-selected", disabled: readOnly, onclick: () => add(selected(candidates)) }, "Add selected"),
            target),
          el("div", {}, el("h3", {}, "Member entries"), entryList,
            el("button", { type: "button", id: "remove-selected", disabled: readOnly || entries.length === 0, onclick: async () => {
              const members = selected(entryList);
              if (members.length === 0) return editNotice.show("Select member entries first.", "warn");
              try { await call("vpps.remove_members", { vpp: id, members }); editNotice.show(`Removed ${members.length} from ${id}.`); await reload(); }
              catch (e) { editNotice.show(e.message, "bad"); }
            } }, "Remove selected"),
            el("h3", {}, `Devices dispatched (${inVpp.length})`),
            el("ul", { class: "picks compact", id: "member-devices" }, inVpp.map((d) => el("li", {}, d.id))))));
    }

    fill(main, el("h1", {}, "VPPs"), listBox,
      el("h2", {}, "Create a VPP"), form, createNotice, editor,
      el("h2", {}, "Conflicts"), conflictsBox);
    await reload();
    const off = live.on("vpps", (note) => {
      if (!note.capacity) return reload();
      capacities.set(note.vpp, note.capacity);
      drawList();
    });
    return off;
  },
};
