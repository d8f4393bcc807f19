// The host's JSON-RPC API as the console uses it: calls over POST /rpc
// (the browser's session cookie authorises them) and one WebSocket on /ws
// for the subscriptions, reconnected when it drops.

/** An error the host answered with: its JSON-RPC code and message. */
export class RPCError extends Error {
  constructor(code, message, data) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

let nextId = 1;

/** Calls `method` with `params`; resolves with its result or rejects with an RPCError. */
export async function call(method, params = {}) {
  const response = await fetch("/rpc", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    credentials: "same-origin",
    body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }),
  });
  if (response.status === 401) {
    const body = await response.json().catch(() => ({}));
    throw new RPCError(-32001, body.error?.message ?? "Unauthorized");
  }
  const body = await response.json();
  if (body.error) throw new RPCError(body.error.code, body.error.message, body.error.data);
  return body.result;
}

/** Who this browser is: {principal, role, login_required}. */
export async function session() {
  const response = await fetch("/session", { credentials: "same-origin" });
  return response.json();
}

/** Logs in with an API token: the host answers with an HttpOnly cookie; the page keeps no token. */
export async function login(token) {
  const response = await fetch("/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    credentials: "same-origin",
    body: JSON.stringify({ token }),
  });
  const body = await response.json();
  if (!response.ok) throw new RPCError(body.error?.code ?? -32001, body.error?.message ?? "login refused");
  return body;
}

export async function logout() {
  await fetch("/logout", { method: "POST", credentials: "same-origin" });
}

/**
 * The WebSocket: `on(topic, fn)` adds a listener for a topic's notifications
 * and subscribes to it; the returned function removes the listener. When the
 * socket drops, it reconnects (1 s, then up to 30 s apart) and subscribes again.
 */
export class Live {
  constructor() {
    this.listeners = new Map();
    this.socket = null;
    this.retryMs = 1000;
    this.onstate = () => {};
    this.state = "closed";
    this.stopped = false;
  }

  on(topic, fn, { sites } = {}) {
    if (!this.listeners.has(topic)) this.listeners.set(topic, new Set());
    const set = this.listeners.get(topic);
    const fresh = set.size === 0;
    set.add(fn);
    // Telemetry follows the sites a page shows, not the whole fleet.
    if (topic === "telemetry") this.sites = sites ?? [];
    if (fresh || topic === "telemetry") this.subscribe();
    return () => {
      set.delete(fn);
      if (set.size === 0 && this.socket?.readyState === WebSocket.OPEN) {
        this.socket.send(JSON.stringify({ jsonrpc: "2.0", id: nextId++, method: "unsubscribe", params: { topics: [topic] } }));
      }
    };
  }

  topics() {
    return [...this.listeners.entries()].filter(([, s]) => s.size > 0).map(([t]) => t);
  }

  connect() {
    this.stopped = false;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}/ws`);
    this.socket = socket;
    socket.onopen = () => {
      this.retryMs = 1000;
      this.setState("open");
      this.subscribe();
    };
    socket.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch { return; }
      if (!message.method) return;
      for (const fn of this.listeners.get(message.method) ?? []) fn(message.params);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.setState("closed");
      if (this.stopped) return;
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 30000);
    };
  }

  close() {
    this.stopped = true;
    this.socket?.close();
    this.socket = null;
  }

  subscribe() {
    const topics = this.topics();
    if (this.socket?.readyState !== WebSocket.OPEN || topics.length === 0) return;
    this.socket.send(JSON.stringify({ jsonrpc: "2.0", id: nextId++, method: "subscribe",
                                      params: { topics, throttle_ms: 1000, sites: this.sites ?? [] } }));
  }

  setState(state) {
    this.state = state;
    this.onstate(state);
  }
}
