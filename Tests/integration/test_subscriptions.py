"""subscribe / unsubscribe on a real mantad: notifications over a WebSocket and over the
TCP API, checked against what the host records (dispatch.history, the price file itself,
events.list, vpps.capacity), telemetry throttled and filtered, and a subscriber that stops
reading costing the host nothing."""
import json
import time

import websocket

from conftest import Client, Mantad, base_config, file_rrp, needs_data, rss_mb

pytestmark = needs_data


def web_host(homes=4, publish_ms=30000, speed=600):
    config = base_config()
    config["api"] = dict(config["api"], http={"listen": "127.0.0.1:0"})
    config["clock"]["speed"] = speed
    config["plugins"][0]["config"] = {"homes": homes, "publish_interval_ms": publish_ms}
    return Mantad(config)


def ws_connect(h, **kw):
    return websocket.create_connection(f"ws://127.0.0.1:{h.http_port}/ws", timeout=10, **kw)


def call(ws, method, params=None, id=1):
    ws.send(json.dumps({"jsonrpc": "2.0", "id": id, "method": method, **({"params": params} if params else {})}))
    while True:
        m = json.loads(ws.recv())
        if m.get("id") == id:
            return m


def notes(ws, method, n, timeout=20):
    """The next `n` notifications of `method` (others skipped)."""
    got, deadline = [], time.time() + timeout
    while len(got) < n and time.time() < deadline:
        m = json.loads(ws.recv())
        if m.get("method") == method:
            got.append(m["params"])
    assert len(got) == n, f"{len(got)} of {n} {method} notifications"
    return got


def test_dispatch_and_prices_arrive_as_the_host_records_them():
    with web_host() as h:
        h.start()
        ws = ws_connect(h)
        answer = call(ws, "subscribe", {"topics": ["dispatch", "prices"]})
        assert answer["result"]["topics"] == ["dispatch", "prices"]
        decided = notes(ws, "dispatch", 6)
        # Pushed as decided; dispatch.history reads the store, a commit later.
        stored = lambda: {(r["vpp"], r["interval_end_ms"]): r for r in h.call("dispatch.history", {"limit": 200})}
        assert h.wait_for(lambda: all((d["vpp"], d["interval_end_ms"]) in stored() for d in decided), timeout=5)
        history = stored()
        rrp = file_rrp("VIC1", "202207")
        for d in decided:
            row = history[(d["vpp"], d["interval_end_ms"])]
            assert (d["status"], d["strategy"], d["target_w"]) == (row["status"], row["strategy"], row["target_w"])
            assert d["price"] == rrp[d["interval_end_ms"]]
        # Intervals follow each other, five minutes apart.
        ends = [d["interval_end_ms"] for d in decided]
        assert all(b - a == 300_000 for a, b in zip(ends, ends[1:]))
        prices = notes(ws, "prices", 2)
        for p in prices:
            for item in p["prices"]:
                assert item["region"] == "VIC1" and item["rrp"] == rrp[item["interval_end_ms"]]
        # Unsubscribed: no more dispatch notifications (the prices topic stays).
        assert call(ws, "unsubscribe", {"topics": ["dispatch"]}, id=2)["result"]["topics"] == ["prices"]
        seen, until = [], time.time() + 3
        while time.time() < until:
            seen.append(json.loads(ws.recv()).get("method"))
        assert "prices" in seen and "dispatch" not in seen[1:]  # at most one already in flight


def test_telemetry_is_throttled_and_narrowed_to_the_devices_asked_for():
    with web_host(homes=4, publish_ms=100, speed=1) as h:
        h.start()
        ws = ws_connect(h)
        call(ws, "subscribe", {"topics": ["telemetry"], "devices": ["homes/home-002.battery"], "throttle_ms": 500})
        got, stamps = [], []
        deadline = time.time() + 4
        while time.time() < deadline:
            m = json.loads(ws.recv())
            if m.get("method") == "telemetry":
                got.append(m["params"])
                stamps.append(time.time())
        assert len(got) >= 5
        # At most one a throttle period (a little slack for the loop's 100 ms tick).
        assert all(b - a >= 0.4 for a, b in zip(stamps, stamps[1:])), stamps
        devices = {s["device"] for g in got for s in g["samples"]}
        assert devices == {"homes/home-002.battery"}
        # Each point once per notification: the latest, not a backlog.
        for g in got:
            points = [s["point"] for s in g["samples"]]
            assert len(points) == len(set(points)) and "ac.w" in points
        # The latest reading the host holds is what the last notification said, or newer.
        latest = {s["point"]: s for s in got[-1]["samples"]}
        live = {e["point"]: e for e in h.call("telemetry.latest", {"device": "homes/home-002.battery"})}
        assert live["ac.w"]["t_ms"] >= latest["ac.w"]["t_ms"]
        # A site narrows it to the site's devices.
        call(ws, "subscribe", {"topics": ["telemetry"], "sites": ["home-003"], "throttle_ms": 200}, id=2)
        later = notes(ws, "telemetry", 4)
        assert {s["device"] for g in later[1:] for s in g["samples"]} <= {"homes/home-003.battery", "homes/home-003.pv"}


def test_events_and_vpps_follow_changes_made_through_the_api():
    with web_host() as h:
        h.start()
        ws = ws_connect(h)
        call(ws, "subscribe", {"topics": ["events", "vpps"]})
        seen = []

        def until(predicate, timeout=15):
            deadline = time.time() + timeout
            while time.time() < deadline and not predicate():
                seen.append(json.loads(ws.recv()))
            assert predicate(), [m.get("method") for m in seen]

        def pushed(method, vpp=None):
            return [m["params"] for m in seen if m.get("method") == method and (vpp is None or m["params"].get("vpp") == vpp)]

        until(lambda: pushed("vpps", "vic"))
        assert pushed("vpps", "vic")[0]["capacity"]["members"] == h.call("vpps.capacity", {"vpp": "vic"})["members"]
        h.call("vpps.create", {"id": "late", "region": "VIC1", "market": "prices", "strategy": "threshold", "status": "draft"})
        until(lambda: pushed("vpps", "late"))
        assert pushed("vpps", "late")[0]["capacity"]["status"] == "draft"
        h.call("vpps.delete", {"id": "late"})
        until(lambda: pushed("vpps", "late")[-1]["capacity"] is None)
        # Both changes were events too, pushed as events.list keeps them.
        until(lambda: {"vpp.created", "vpp.deleted"} <= {e["kind"] for e in pushed("events")})
        by_id = {e["id"]: e for e in h.call("events.list", {"limit": 1000})}
        keys = ("id", "kind", "message", "source", "severity", "t_ms")
        for e in pushed("events"):
            assert {k: e[k] for k in keys} == {k: by_id[e["id"]][k] for k in keys}


def test_the_tcp_api_takes_subscriptions_too():
    with web_host() as h:
        h.start()
        with Client(h.port) as c:
            assert c.result("subscribe", {"topics": ["dispatch"]})["topics"] == ["dispatch"]
            got = []
            while len(got) < 3:
                m = c.notification()
                if m.get("method") == "dispatch":
                    got.append(m["params"])
            assert [g["vpp"] for g in got] == ["vic"] * 3


def test_a_subscriber_that_stops_reading_costs_the_host_nothing():
    with web_host(homes=1000, publish_ms=100, speed=300) as h:
        h.start()
        keeping_up = ws_connect(h)
        call(keeping_up, "subscribe", {"topics": ["telemetry", "dispatch"], "throttle_ms": 100})
        stalled = ws_connect(h, sockopt=[(1, 8, 4096)])  # SOL_SOCKET, SO_RCVBUF: a small window
        call(stalled, "subscribe", {"topics": ["telemetry", "dispatch"], "throttle_ms": 100})
        before = rss_mb(h.proc.pid)
        read_up, started, slowest = 0, time.time(), 0.0
        while time.time() - started < 8:
            read_up += len(keeping_up.recv())
            if int(time.time() - started) % 2 == 0:
                t0 = time.time()
                h.call("host.info")
                slowest = max(slowest, time.time() - t0)
        grown = rss_mb(h.proc.pid) - before
        # Then it reads again, for a while: a bounded backlog and what came since.
        drained, dispatch, until = 0, [], time.time() + 5
        while time.time() < until:
            raw = stalled.recv()
            drained += len(raw)
            m = json.loads(raw)
            if m.get("method") == "dispatch":
                dispatch.append(m["params"])
        print(f"reader {read_up} B in 8 s; stalled drained {drained} B in 5 s; RSS +{grown:.1f} MB; host.info <= {slowest * 1000:.0f} ms")
        assert read_up > 3e6, f"the reader got {read_up} bytes"
        assert grown < 64, f"RSS grew {grown:.0f} MB"
        assert slowest < 1.0
        # Telemetry backs off first (it coalesces), so no decision was lost meanwhile.
        ends = [d["interval_end_ms"] for d in dispatch]
        assert len(ends) >= 3 and all(b - a == 300_000 for a, b in zip(ends, ends[1:])), ends
        assert dispatch[-1]["dropped"] == 0
        info = h.call("host.info")["api"]
        assert info["subscribers"] == 2 and info["notifications"] > 0
