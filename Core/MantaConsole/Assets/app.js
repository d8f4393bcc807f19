// The console's shell: who is logged in, the pages (one module each, picked
// by the URL's #/page), and the one WebSocket every page shares.

import * as api from "./api.js";
import { el, fill } from "./dom.js";
import overview from "./overview.js";
import vpps from "./vpps.js";
import spot from "./spot.js";
import feedin from "./feedin.js";
import cap from "./cap.js";
import fcas from "./fcas.js";
import reports from "./reports.js";
import der from "./der.js";
import arena from "./arena.js";

const pages = { overview, vpps, spot, feedin, cap, fcas, reports, der, arena };
const live = new api.Live();
let current = null;
let who = { principal: null, role: null, login_required: false };

/** What a page is given: the shared WebSocket, and who is logged in. */
const context = {
  live,
  get role() { return who.role; },
  /** Can the session call methods of `role`? (No tokens and a local browser: yes.) */
  may(role) {
    if (!who.login_required) return true;
    const rank = { viewer: 0, operator: 1, admin: 2 };
    return who.role !== null && rank[who.role] >= rank[role];
  },
};

async function show() {
  const name = location.hash.replace(/^#\/?/, "").split("?")[0] || "overview";
  const page = pages[name] ?? pages.overview;
  for (const a of document.querySelectorAll("#nav a")) {
    if (a.getAttribute("href") === `#/${name}`) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  current?.();
  current = null;
  const main = document.getElementById("page");
  delete main.dataset.rendered;
  fill(main, el("p", { class: "empty" }, "Loading…"));
  document.title = `${page.title} · Manta VPP console`;
  try {
    current = await page.render(main, context);
    // The browser test and scripts/console_screenshots.py read this: the page is drawn with its data.
    performance.mark(`manta:rendered:${name}`);
    main.dataset.rendered = name;
  } catch (error) {
    fill(main, el("h1", {}, page.title), el("p", { class: "notice bad", role: "alert" }, `The host answered: ${error.message}`));
  }
}

async function start() {
  who = await api.session();
  const loggedIn = who.principal !== null;
  document.getElementById("login").hidden = loggedIn || !who.login_required;
  document.getElementById("page").hidden = !loggedIn && who.login_required;
  document.getElementById("logout").hidden = !loggedIn;
  document.getElementById("whoami").textContent = loggedIn ? `${who.principal} (${who.role})` : who.login_required ? "" : "local (no tokens)";
  if (!loggedIn && who.login_required) {
    document.getElementById("token").focus();
    return;
  }
  live.onstate = (state) => {
    const badge = document.getElementById("live");
    badge.textContent = state === "open" ? "live" : "offline";
    badge.className = `badge ${state === "open" ? "ok" : "muted"}`;
  };
  live.connect();
  await show();
}

document.getElementById("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("login-error");
  const token = document.getElementById("token");
  try {
    await api.login(token.value);
    token.value = "";
    error.hidden = true;
    await start();
  } catch (e) {
    error.textContent = e.message;
    error.hidden = false;
  }
});

document.getElementById("logout").addEventListener("click", async () => {
  await api.logout();
  live.close();
  current?.();
  current = null;
  await start();
});

window.addEventListener("hashchange", show);
start();
