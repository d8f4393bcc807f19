"""Sites in a running mantad: the topology of flows, energy-balance
diagnostics that name the site, the mismatch and the likely device, devices
going stale and offline, and export limits from several sources where the
most restrictive wins. The peer is the sim driver with household loads, grid
meters and injected faults."""
import sqlite3

from conftest import Mantad, base_config, needs_data


def homes(faults=(), homes=3, **extra):
    config = base_config()
    config["clock"]["start"] = "2022-07-17T12:00:00+10:00"  # midday: PV, load, a battery
    config["plugins"][0]["config"] = {"homes": homes, "publish_interval_ms": 30000, "meters": True,
                                      "faults": list(faults)}
    config["telemetry"] = {"stale_after_ms": 120_000, "offline_after_ms": 600_000}
    config.update(extra)
    return config


def events(h, kind):
    return [e for e in h.call("events.list", {"limit": 500}) if e["kind"] == kind]


@needs_data
def test_a_healthy_site_balances_and_its_graph_carries_the_flows():
    with Mantad(homes()).start() as h:
        assert h.wait_for(lambda: h.call("sites.topology", {"site": "home-001"})[0]["balance"]["status"] == "ok")
        t = h.call("sites.topology", {"site": "home-001"})[0]
        types = {n["type"] for n in t["nodes"]}
        assert types == {"ac_bus", "pv", "inverter", "battery", "meter", "load", "grid"}
        flows = {(e["from"], e["to"]): e["w"] for e in t["edges"]}
        pv = flows[("inverter:homes/home-001.pv", "ac_bus")]
        battery = flows[("battery:homes/home-001.battery", "ac_bus")]
        load = flows[("ac_bus", "load:homes/home-001.load")]
        grid = flows[("meter:homes/home-001.meter", "grid")]
        assert pv > 0 and load > 0
        assert abs(pv + battery - load - grid) < 1e-6  # what goes in comes out
        assert t["balance"]["residual_w"] == 0 or abs(t["balance"]["residual_w"]) < 1e-6


@needs_data
def test_a_meter_with_its_sign_inverted_is_found():
    with Mantad(homes(faults=[{"device": "home-002.meter", "fault": "sign_flip"}])).start() as h:
        assert h.wait_for(lambda: events(h, "site.balance"), timeout=20)
        e = events(h, "site.balance")[0]
        assert e["source"] == "home-002" and e["severity"] == "warning"
        assert e["message"].startswith("mismatch of ")
        assert "likely homes/home-002.meter: its ac.w of" in e["message"] and "with its sign inverted" in e["message"]
        b = h.call("sites.topology", {"site": "home-002"})[0]["balance"]
        assert b["status"] == "mismatch" and b["likely_device"] == "homes/home-002.meter" and b["mismatch_w"] > 0
        # The other homes are fine, and only one event was raised for a mismatch that persists.
        assert {e["source"] for e in events(h, "site.balance")} == {"home-002"}
        sites = {s["site"]: s for s in h.call("sites.list")}
        assert sites["home-002"]["balance"] == "mismatch" and sites["home-001"]["balance"] == "ok"


@needs_data
def test_a_silent_device_goes_stale_then_offline_and_its_site_is_not_judged():
    with Mantad(homes(faults=[{"device": "home-003.meter", "fault": "silent"}])).start() as h:
        assert h.wait_for(lambda: events(h, "device.offline"), timeout=20)
        kinds = [(e["kind"], e["source"]) for e in h.call("events.list", {"limit": 500})
                 if e["source"] == "homes/home-003.meter"]
        assert kinds == [("device.stale", "homes/home-003.meter"), ("device.offline", "homes/home-003.meter")]
        d = next(d for d in h.call("devices.list", {"site": "home-003"}) if d["key"] == "home-003.meter")
        assert d["status"] == "offline" and d["status_reason"] == "no telemetry since the host started"
        b = h.call("sites.topology", {"site": "home-003"})[0]["balance"]
        assert b["status"] == "unchecked" and b["explanation"] == "no fresh ac.w from homes/home-003.meter"


def controls(h):
    """The export-limit commands sent, from the store: (device, W, source)."""
    db = sqlite3.connect(h.db)
    try:
        return db.execute("SELECT d.key, c.value_w, c.source, c.outcome FROM control_commands c JOIN devices d "
                          "ON d.id = c.device WHERE c.mode = 'export_limit' ORDER BY c.id").fetchall()
    finally:
        db.close()


@needs_data
def test_the_most_restrictive_export_limit_wins():
    config = homes(homes=2, sites=[{"id": "home-*", "region": "VIC1", "export_limit_w": 5000}])
    config["vpps"][0]["negative_price_export_limit_w"] = 0
    config["store"]["commit_interval_ms"] = 20
    # 17 July 2022, 12:00-12:05 in VIC1 was -$38.46/MWh: negative-price protection applies.
    with Mantad(config).start() as h:
        def limit(site):
            return next(s for s in h.call("sites.list") if s["site"] == site)
        assert h.wait_for(lambda: limit("home-001")["export_limit_source"] == "strategy")
        s = limit("home-001")
        assert s["export_limit_w"] == 0
        assert set(s["export_limits"]) == {"config", "strategy"}
        assert s["export_limits"]["config"]["limit_w"] == 5000
        # The network operator asks for 2 kW on home-002, where the price rule is
        # not in force after the interval ... here it is, so 0 W still wins.
        h.call("sites.export_limit", {"site": "home-002", "limit_w": 2000, "source": "network"})
        assert limit("home-002")["export_limit_w"] == 0
        e = events(h, "site.export_limit")
        assert any(x["source"] == "home-001" and x["message"].startswith("0 W from strategy") for x in e)
        # These sites have grid meters: the limit is held at the meter, not by
        # switching the PV off. The export stays at 0 W while the PV still
        # serves the home and the charging battery.
        def latest(suffix):
            return [s["value"] for s in h.call("telemetry.latest", {"point": "ac.w"}) if s["device"].endswith(suffix)]
        assert h.wait_for(lambda: all(w <= 50 for w in latest(".meter")), timeout=20), latest(".meter")
        assert any(w > 100 for w in latest(".pv")), latest(".pv")
        assert all(r[3] in ("applied", None) for r in controls(h))
        assert all(r[2] == "export-limit" for r in controls(h)), "no inverter is capped at the site's limit itself"
        # Clearing a source is audited and leaves the others.
        h.call("sites.export_limit", {"site": "home-002", "limit_w": None, "source": "network"})
        assert "network" not in limit("home-002")["export_limits"]
        db = sqlite3.connect(h.db)
        audited = db.execute("SELECT method FROM audit_log WHERE method = 'sites.export_limit'").fetchall()
        db.close()
        assert len(audited) == 2


@needs_data
def test_read_only_devices_are_refused_by_the_host():
    with Mantad(homes(homes=1)).start() as h:
        r = h.call("devices.control", {"device": "homes/home-001.meter", "active_power_w": 100})
        assert (r["outcome"], r["message"]) == ("rejected", "read-only device: never written")
        r = h.call("devices.control", {"device": "homes/home-001.battery", "active_power_w": -2000, "duration_s": 60})
        assert (r["outcome"], r["applied_w"]) == ("applied", -2000)
        with h.client() as c:
            err = c.request("devices.control", {"device": "homes/home-001.battery", "active_power_w": 1, "export_limit_w": 1})
            assert "give one of active_power_w and export_limit_w" in err["error"]["message"]
