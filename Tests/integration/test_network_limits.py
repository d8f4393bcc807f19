"""The network operator's limits beyond one connection's (Smart Feed-in), on
real Ausgrid household PV and load: a feeder group's export limit shared
over its homes at their meters, and dynamic operating envelopes that change
a site's limit window by window; both stored and kept over a restart."""
import json

from conftest import ROOT, Mantad, base_config, needs_data, price_file, rpc_error
from test_meter_export import AUSGRID, series

DAY = 1642197600000  # 2022-01-15 08:00 AEST: a sunny January Saturday in Sydney


def homes(n, spread, **extra):
    c = base_config(clock={"mode": "replay", "start": "2022-01-15T08:00:00+10:00", "speed": 600})
    c["plugins"][0]["config"] = {
        "homes": n, "publish_interval_ms": 10000, "meters": True, "spread": spread, "seed": 3,
        # A small battery that fills by noon, so the sun must go somewhere.
        "battery": {"initial_soc": 0.9, "capacity_wh": 5000, "max_charge_w": 500},
        "pv": {"profile": "ausgrid", "file": AUSGRID, "peak_w": 6600},
        "load": {"profile": "ausgrid", "file": AUSGRID, "mean_w": 900},
    }
    c["plugins"][1]["config"] = {"region": "NSW1", "files": [price_file("NSW1", "202201")]}
    c["plugins"][2]["config"] = {"charge_below": -1000, "discharge_above": 20000}  # holds
    c["vpps"] = [{"id": "nsw", "region": "NSW1", "market": "prices", "strategy": "threshold", "drivers": ["homes"]}]
    c["sites"] = [{"id": "home-*", "region": "NSW1"}]
    c.update(extra)
    return c


def until(h, ms, timeout=90):
    assert h.wait_for(lambda: h.call("host.info")["clock"]["now_ms"] >= ms, timeout=timeout)


@needs_data
def test_a_feeder_limit_holds_the_homes_summed_export_and_shares_it_fairly(tmp_path):
    limit = 1200
    config = homes(4, 0.3, feeders=[{"id": "f12", "sites": ["home-*"], "export_limit_w": limit}])
    with Mantad(config, folder=tmp_path).start() as h:
        until(h, DAY + 5 * 3600_000)  # to 13:00
        meters = [series(h, f"homes/home-00{i}.meter") for i in range(1, 5)]
        pvs = [series(h, f"homes/home-00{i}.pv") for i in range(1, 5)]
        feeder = h.call("feeders.list", {"feeder": "f12"})[0]
        sites = {s["site"]: s for s in h.call("sites.list")}
    times = sorted(set.intersection(*(set(m) for m in meters)))[6:]
    assert len(times) > 1000
    # What the homes export together (a home importing does not offset
    # another's export: the group holds the sum of exports).
    total = [sum(max(0.0, m[t]) for m in meters) for t in times]
    over = [x for x in total if x > limit + 100]
    # Held: within 100 W at >= 98% of readings (each share follows a 5 s step
    # behind the sun), never a fifth over.
    assert len(over) <= 0.02 * len(times), (len(over), max(total))
    assert max(total) < limit * 1.2, max(total)
    # ...and used: from 11:00 the homes' sun is past what the feeder takes
    # (1.5-4 kW of export unlimited), and they export nearly all it allows.
    noon = [i for i, t in enumerate(times) if t >= DAY + 3 * 3600_000]
    mean = sum(total[i] for i in noon) / len(noon)
    assert mean > 0.85 * limit, mean
    # Shared fairly: the home that hardly exports keeps a small share and the
    # three held back by theirs share the rest equally; none is starved (one charges its battery from the sun first).
    shares = sorted(s["share_w"] for s in feeder["shares"])
    assert shares[0] < 300 and shares[3] - shares[1] < 0.01 * shares[3], shares
    for i in (0, 2, 3):
        home = sum(max(0.0, meters[i][times[j]]) for j in noon) / len(noon)
        assert home > 0.2 * limit, (i, home)
    # The PV still runs (curtailed by the excess only, not switched off).
    assert all(p[times[-1]] > 1000 for p in pvs), [p[times[-1]] for p in pvs]
    assert feeder["limit_w"] == limit and feeder["source"] == "config" and feeder["sites"] == 4
    assert sum(s["share_w"] for s in feeder["shares"]) <= limit + 1e-6
    assert all(s["export_limit_source"] == "feeder:f12" for s in sites.values()), sites
    print(f"feeder export max {max(total):.0f} W (limit {limit}), over by 100 W at {len(over)} of {len(times)}; "
          f"mean from 11:00 {mean:.0f} W; shares {[round(x) for x in shares]}")


@needs_data
def test_an_operating_envelope_changes_the_limit_window_by_window(tmp_path):
    def at(minutes):
        return DAY + minutes * 60_000
    # A weak January sun: the home exports up to about 1.1 kW at 11:10.
    windows = [{"start": at(180), "end": at(210), "export_limit_w": 600},
               {"start": "2022-01-15 11:30", "end": "2022-01-15 12:00", "export_limit_w": 150}]
    with Mantad(homes(1, 0), folder=tmp_path).start() as h:
        r = h.call("envelopes.set", {"site": "home-001", "windows": windows})
        assert r["target"] == "site:home-001" and r["windows"] == 2 and r["in_force"] is None
        until(h, at(300))  # to 13:00
        meter = series(h, "homes/home-001.meter")
        events = [e for e in h.call("events.list", {"limit": 500}) if e["kind"] == "site.export_limit"]

    def window(a, b):  # readings from half a minute after the window opens to its end
        return [v for t, v in meter.items() if at(a) + 30_000 <= t < at(b)]
    before, first, second, after = window(160, 180), window(180, 210), window(210, 240), window(240, 300)
    assert max(first) < 600 + 150 and sum(first) / len(first) > 500, (max(first), sum(first) / len(first))
    assert max(second) < 150 + 150 and sum(second) / len(second) > 60, (max(second), sum(second) / len(second))
    # No envelope before or after: the home exports what the sun gives.
    assert max(before) > 700 and max(after) > 650, (max(before), max(after))
    assert any("from envelope" in e["message"] for e in events), events


@needs_data
def test_envelopes_are_checked_stored_and_a_feeder_takes_its_limit_from_one(tmp_path):
    config = homes(2, 0, feeders=[{"id": "f7", "sites": ["home-001", "home-002"]}])
    start = "2022-01-15T08:00:00+10:00"
    with Mantad(config, folder=tmp_path).start() as h:
        now = h.call("host.info")["clock"]["now_ms"]
        def refused(params, words):
            e = rpc_error(h, "envelopes.set", params)
            assert e["code"] in (-32602, -32002) and words in e["message"], e
        w = {"start": now + 3600_000, "end": now + 7200_000, "export_limit_w": 1000}
        refused({"site": "home-009", "windows": [w]}, "no site home-009")
        refused({"feeder": "f99", "windows": [w]}, "no feeder f99")
        refused({"site": "home-001", "feeder": "f7", "windows": [w]}, "site or feeder")
        refused({"site": "home-001", "windows": [dict(w, end=w["start"])]}, "windows[0].end")
        refused({"site": "home-001", "windows": [w, dict(w, export_limit_w=2)]}, "windows[1].start")
        refused({"site": "home-001", "windows": [dict(w, end=9223372036854775807)]}, "windows[0].end")
        refused({"site": "home-001", "windows": [dict(w, export_limit_w=-1)]}, "export_limit_w")
        refused({"site": "home-001", "windows": [w] * 2017}, "windows")
        assert h.call("envelopes.list") == []
        # A feeder with no limit of its own takes one from its envelope while it holds.
        assert h.call("feeders.list")[0]["limit_w"] is None
        r = h.call("envelopes.set", {"feeder": "f7", "windows": [
            {"start": now - 600_000, "end": now - 300_000, "export_limit_w": 100},  # already ended: dropped
            {"start": now - 60_000, "end": now + 3600_000, "export_limit_w": 3000}]})
        assert r["windows"] == 1 and r["dropped_ended"] == 1 and r["in_force"]["export_limit_w"] == 3000
        f = h.call("feeders.list")[0]
        assert f["limit_w"] == 3000 and f["source"] == "envelope" and f["sites"] == 2
        h.call("envelopes.set", {"site": "home-002", "windows": [w]})
    # Kept over a restart (a replay starts at the same clock time again).
    config["clock"]["start"] = start
    with Mantad(config, folder=tmp_path).start() as h:
        listed = {e["target"]: e for e in h.call("envelopes.list")}
        assert set(listed) == {"feeder:f7", "site:home-002"}
        assert listed["site:home-002"]["windows"][0]["export_limit_w"] == 1000
        assert listed["site:home-002"]["windows"][0]["start_ms"] == w["start"]
        h.call("envelopes.set", {"site": "home-002", "windows": []})
        assert [e["target"] for e in h.call("envelopes.list")] == ["feeder:f7"]
    with Mantad(config, folder=tmp_path).start() as h:
        assert [e["target"] for e in h.call("envelopes.list")] == ["feeder:f7"]


@needs_data
def test_a_strategy_sees_its_sites_load_pv_meter_and_limits(tmp_path):
    """ABI 1.5: each asset's site as the host measures it reaches a model process (through a
    manta-runner and the Python bridge): the load, the PV, the meter and the limits in force."""
    config = homes(1, 0)
    config["plugins"][2] = {"instance": "echo", "plugin": "manta.python", "isolation": "process",
                            "config": {"script": str(ROOT / "Tests" / "Fixtures" / "models" / "site_echo.py")}}
    config["vpps"][0]["strategy"] = "echo"
    with Mantad(config, folder=tmp_path).start() as h:
        h.call("sites.export_limit", {"site": "home-001", "limit_w": 700, "source": "network"})
        h.call("cap.set", {"site": "home-001", "limit_w": 2500, "from": "00:00", "to": "23:59", "reserve_wh": 0})
        until(h, DAY + 3 * 3600_000)  # to 11:00

        def shown():
            for d in h.call("dispatch.history", {"vpp": "nsw", "limit": 5}):
                site = json.loads(d["reason"]) if d["reason"].startswith("{") else None
                if site and site["export_limit_w"] == 700 and site["import_cap_w"] == 2500:
                    return d, site
            return None
        assert h.wait_for(shown, timeout=30)
        d, site = shown()
        meter, pv, battery = (series(h, f"homes/home-001.{k}") for k in ("meter", "pv", "battery"))
    # What the model saw is what the site's devices reported as the interval was decided (at 600x
    # the decision comes up to a minute of host time after the interval starts).
    start = d["interval_end_ms"] - 300_000
    seen = [t for t in meter if start - 20_000 <= t <= start + 120_000
            and abs(site["grid_w"] - meter[t]) <= 1 and abs(site["pv_w"] - pv.get(t, -1e9)) <= 1]
    assert site["id"] == "home-001" and seen, (site, {t: (meter[t], pv.get(t)) for t in meter if abs(t - start) <= 120_000})
    t = seen[-1]
    assert abs(site["load_w"] - (pv[t] + battery[t] - meter[t])) <= 3, (site, pv[t], battery[t], meter[t])
    assert site["load_w"] > 100 and site["pv_w"] > 500
