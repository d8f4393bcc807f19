"""VPPs as runtime objects: created, changed and deleted over JSON-RPC,
persisted and audited, with allocations that never add up to more than a
device; aggregated capacity from live telemetry; operator instructions
split over the fleet and followed in a closed loop."""
import sqlite3

from conftest import Mantad, base_config, needs_data, rpc_error as error


def config(homes=4, allocation=0.5, speed=60, **sim):
    c = base_config(clock={"mode": "replay", "start": "2022-07-17T00:00:00+10:00", "speed": speed})
    c["plugins"][0]["config"] = dict({"homes": homes, "publish_interval_ms": 5000}, **sim)
    c["vpps"][0]["allocation"] = allocation
    return c


def batteries(h):
    return [d for d in h.call("devices.list", {"kind": "battery"})]


@needs_data
def test_a_vpp_created_at_runtime_takes_shares_refuses_over_allocation_and_survives_a_restart(tmp_path):
    with Mantad(config(), folder=tmp_path).start() as h:
        b = batteries(h)
        one, two = b[0]["id"], b[1]["id"]
        created = h.call("vpps.create", {"id": "vic-b", "region": "VIC1", "market": "prices", "strategy": "threshold",
                                         "members": [{"device": one, "allocation": 0.5, "priority": 2},
                                                     {"site": b[1]["site"], "allocation": 0.25}]})
        assert created["id"] == "vic-b" and created["status"] == "active" and created["members"] == 2
        assert created["allocated"] == 0.75
        # 0.5 (vic) + 0.5 (vic-b) is all of `one`: another 0.1 is refused, naming both.
        e = error(h, "vpps.add_members", {"vpp": "vic-b", "members": [{"device": one, "allocation": 0.6}]})
        assert e["code"] == -32602
        assert one in e["message"] and "vic 0.5" in e["message"] and "vic-b 0.6" in e["message"], e
        assert e["data"]["conflicts"][0]["device"] == one
        # Nothing of the refused change applied.
        listed = {v["id"]: v for v in h.call("vpps.list")}
        assert listed["vic-b"]["members"] == 2
        e = error(h, "vpps.create", {"id": "vic-c", "region": "VIC1", "market": "prices", "strategy": "threshold",
                                     "members": [{"device": two, "allocation": 0.3}]})
        assert e["code"] == -32602 and two in e["message"] and "vic-b 0.25" in e["message"], e
        # Unknown devices, wrong kinds and duplicate ids are refused, naming the field.
        assert "members[0].device" in error(h, "vpps.create", {"id": "x", "region": "VIC1", "market": "prices",
                                                                "strategy": "threshold",
                                                                "members": [{"device": "homes/nope"}]})["message"]
        assert "strategy: homes is a driver" in error(h, "vpps.create", {"id": "x", "region": "VIC1", "market": "prices",
                                                                         "strategy": "homes"})["message"]
        assert "exists" in error(h, "vpps.create", {"id": "vic", "region": "VIC1", "market": "prices",
                                                    "strategy": "threshold"})["message"]
        assert error(h, "vpps.create", {"id": "y", "region": "VIC1", "market": "prices", "strategy": "threshold",
                                        "members": [{"device": one, "site": "home-001"}]})["code"] == -32602
        assert error(h, "vpps.add_members", {"vpp": "vic-b", "members": [{"device": one, "allocation": 1.5}]})["code"] == -32602
        # Swap the site entry for a device entry; the config's VPP goes.
        h.call("vpps.remove_members", {"vpp": "vic-b", "members": [{"site": b[1]["site"]}]})
        h.call("vpps.update", {"id": "vic-b", "status": "suspended"})
        h.call("vpps.delete", {"vpp": "vic"})
        assert [v["id"] for v in h.call("vpps.list")] == ["vic-b"]
    with Mantad(config(), folder=tmp_path).start() as h:
        listed = {v["id"]: v for v in h.call("vpps.list")}
        assert list(listed) == ["vic-b"], "the deleted config VPP stays deleted; the created one is back"
        v = listed["vic-b"]
        assert v["status"] == "suspended" and v["members"] == 1
        assert v["definition"]["members"] == [{"device": one, "allocation": 0.5, "priority": 2}]
    db = sqlite3.connect(tmp_path / "manta.db")
    audited = [r[0] for r in db.execute("SELECT method FROM audit_log WHERE method LIKE 'vpps.%' ORDER BY id")]
    assert audited.count("vpps.create") >= 3 and "vpps.delete" in audited and "vpps.remove_members" in audited


@needs_data
def test_a_draft_vpp_does_not_dispatch_and_takes_no_instruction(tmp_path):
    with Mantad(config(allocation=0.5), folder=tmp_path).start() as h:
        one = batteries(h)[0]["id"]
        h.call("vpps.create", {"id": "draft", "region": "VIC1", "market": "prices", "strategy": "threshold",
                               "status": "draft", "members": [{"device": one, "allocation": 0.5}]})
        assert h.wait_for(lambda: len(h.call("dispatch.history", {"vpp": "vic"})) >= 3, timeout=40)
        assert h.call("dispatch.history", {"vpp": "draft"}) == []
        e = error(h, "dispatch.submit", {"vpp": "draft", "target_w": 1000, "duration_s": 600})
        assert e["code"] == -32602 and "draft" in e["message"]
        h.call("vpps.update", {"vpp": "draft", "status": "active"})
        assert h.wait_for(lambda: len(h.call("dispatch.history", {"vpp": "draft"})) >= 1, timeout=30)


@needs_data
def test_capacity_adds_up_the_members_shares_from_ratings_and_live_state_of_charge(tmp_path):
    with Mantad(config(homes=5, allocation=0.5), folder=tmp_path).start() as h:
        b = batteries(h)
        assert h.wait_for(lambda: len([e for e in h.call("telemetry.latest", {"point": "battery.soc", "limit": 100})]) == 5)
        cap = h.call("vpps.capacity", {"vpp": "vic"})
        # Computed here from devices.list and telemetry.latest, independently of the host's sums.
        soc = {e["device"]: e["value"] for e in h.call("telemetry.latest", {"point": "battery.soc", "limit": 100})}
        rated = sum(0.5 * d["ratings"]["capacity_wh"] for d in b)
        available = sum(0.5 * d["ratings"]["capacity_wh"] * max(0, soc[d["id"]] - d["ratings"]["soc_min"]) for d in b)
        assert cap["members"] == 5 and cap["online"] == 5
        assert abs(cap["capacity_wh"] - rated) < 1e-6
        assert abs(cap["max_discharge_w"] - sum(0.5 * d["ratings"]["max_discharge_w"] for d in b)) < 1e-6
        assert abs(cap["energy_available_wh"] - available) / available < 0.02  # SOC moves between the two reads
        assert 0.85 < cap["round_trip_efficiency"] <= 1
        assert cap["available_up_w"] <= cap["max_discharge_w"] * 2 and cap["available_down_w"] >= 0
        assert set(cap["next_interval"]) == {"available_up_w", "available_down_w"}
        regions = h.call("vpps.capacity")["regions"]
        assert abs(regions["VIC1"]["capacity_wh"] - rated) < 1e-6


@needs_data
def test_an_instruction_is_split_over_the_fleet_and_the_closed_loop_covers_those_that_do_not_follow(tmp_path):
    homes = 9
    ignoring = [f"home-00{i}.battery" for i in (1, 4, 7)]
    c = config(homes=homes, allocation=1, faults=[{"device": k, "fault": "ignores_setpoints"} for k in ignoring])
    c["dispatch"] = {"closed_loop_after_ms": 30000}
    target = 18000.0
    with Mantad(c, folder=tmp_path).start() as h:
        assert h.wait_for(lambda: h.call("vpps.capacity", {"vpp": "vic"})["online"] == homes)
        i = h.call("dispatch.submit", {"vpp": "vic", "target_w": target, "duration_s": 3600, "reason": "test peak"})
        assert i["state"] == "active" and i["target_w"] == target

        def corrected():
            rows = h.call("dispatch.history", {"vpp": "vic", "commands": True, "limit": 5})
            return any("closed loop" in c["note"] for r in rows for c in r["commands"])
        assert h.wait_for(corrected, timeout=30)
        # The six that follow carry the whole target (3 kW each, within their 5 kW).
        def fleet_w():
            latest = h.call("telemetry.latest", {"point": "ac.w", "limit": 1000})
            return sum(e["value"] for e in latest if e["device"].endswith(".battery"))
        assert h.wait_for(lambda: abs(fleet_w() - target) < 0.02 * target, timeout=20), fleet_w()
        status = h.call("dispatch.status", {"id": i["id"]})
        assert status["state"] == "active" and abs(status["deviation_w"]) < 0.02 * target, status
        assert status["outcomes"].get("applied", 0) >= homes
        rows = h.call("dispatch.history", {"vpp": "vic", "limit": 5})
        assert any(r["strategy"].startswith("instruction:") for r in rows)
        h.call("dispatch.cancel", {"id": i["id"]})
        assert h.call("dispatch.status", {"id": i["id"]})["state"] == "cancelled"
        assert error(h, "dispatch.cancel", {"id": i["id"]})["code"] == -32602
        assert error(h, "dispatch.status", {"id": 999999})["code"] == -32002
    db = sqlite3.connect(tmp_path / "manta.db")
    checked = db.execute("SELECT actual_w, deviation_w, corrected FROM dispatch_intervals WHERE corrected > 0").fetchall()
    # Measured before the correction: the three that ignore fall short by their part.
    assert checked, "the closed loop's finding is stored"
    actual, deviation, corrected = checked[0]
    assert corrected >= 1 and abs(actual - deviation - target) < 1e-6 and deviation < -0.05 * target, checked
    stored = db.execute("SELECT vpp, target_w, state, reason, actual_w FROM dispatch_instructions").fetchall()
    assert len(stored) == 1 and stored[0][:4] == ("vic", target, "cancelled", "test peak") and stored[0][4] is not None, stored


@needs_data
def test_a_shared_device_runs_the_sum_of_its_vpps_parts(tmp_path):
    with Mantad(config(homes=1, allocation=0.5), folder=tmp_path).start() as h:
        one = batteries(h)[0]["id"]
        h.call("vpps.create", {"id": "other", "region": "VIC1", "market": "prices", "strategy": "threshold",
                               "members": [{"device": one, "allocation": 0.5}]})
        h.call("dispatch.submit", {"vpp": "vic", "target_w": 1000, "duration_s": 3600})
        h.call("dispatch.submit", {"vpp": "other", "target_w": 1500, "duration_s": 3600})

        def battery_w():
            e = h.call("telemetry.latest", {"device": one, "point": "ac.w"})
            return e[0]["value"] if e else None
        assert h.wait_for(lambda: battery_w() is not None and abs(battery_w() - 2500) < 1, timeout=20), battery_w()
        # Each VPP's part is within its half: 2.5 kW each at most.
        e = h.call("dispatch.submit", {"vpp": "other", "target_w": 9000, "duration_s": 3600})
        assert h.wait_for(lambda: abs(battery_w() - 3500) < 1, timeout=20), battery_w()
        assert h.call("dispatch.status", {"id": e["id"]})["state"] == "active"


@needs_data
def test_a_fleet_reporting_rarely_still_dispatches_on_estimated_state_of_charge(tmp_path):
    c = config(homes=3, publish_interval_ms=240000)
    c["dispatch"] = {"max_telemetry_age_ms": 30000}
    with Mantad(c, folder=tmp_path).start() as h:
        assert h.wait_for(lambda: h.call("vpps.capacity", {"vpp": "vic"})["soc_estimated"] == 3, timeout=30)
        i = h.call("dispatch.submit", {"vpp": "vic", "target_w": 3000, "duration_s": 1800})

        def dispatched():
            rows = h.call("dispatch.history", {"vpp": "vic", "limit": 3})
            return rows and rows[0]["strategy"] == f"instruction:{i['id']}" and abs(rows[0]["target_w"] - 3000) < 1 and \
                rows[0]["soc_estimated"] == 3 and rows[0]["status"] == "ok"
        assert h.wait_for(dispatched, timeout=20), h.call("dispatch.history", {"vpp": "vic", "limit": 3})
    c["dispatch"]["max_estimate_age_ms"] = 0
    (tmp_path / "no-estimates").mkdir()
    with Mantad(c, folder=tmp_path / "no-estimates").start() as h:
        assert h.wait_for(lambda: len(h.call("dispatch.history", {"vpp": "vic"})) >= 2, timeout=30)
        h.call("dispatch.submit", {"vpp": "vic", "target_w": 3000, "duration_s": 1800})
        assert h.wait_for(lambda: h.call("dispatch.history", {"vpp": "vic", "limit": 1})[0]["strategy"].startswith("instruction:"))
        row = h.call("dispatch.history", {"vpp": "vic", "limit": 1, "commands": True})[0]
        # Readings older than 30 s and no estimates: most members hold.
        assert sum(1 for c in row["commands"] if c["target_w"] == 0) >= 2, row


@needs_data
def test_hostile_member_lists_are_bounded(tmp_path):
    """100,000 device entries are looked up, not tried on every device; more
    than 64 pattern or group entries are refused naming the field; every
    number is range-checked."""
    import time
    with Mantad(config(), folder=tmp_path).start() as h:
        one = batteries(h)[0]["id"]
        members = [{"device": f"homes/nope-{i}"} for i in range(20000)]
        e = error(h, "vpps.create", {"id": "big", "region": "VIC1", "market": "prices", "strategy": "threshold", "members": members})
        assert e["code"] == -32602 and "members[0].device: no device homes/nope-0" in e["message"]
        groups = [{"tag": f"t{i}"} for i in range(65)]
        e = error(h, "vpps.create", {"id": "big", "region": "VIC1", "market": "prices", "strategy": "threshold", "members": groups})
        assert "65 pattern or group entries; at most 64" in e["message"], e
        for bad in [{"device": one, "allocation": -0.1}, {"device": one, "allocation": float("1e308")},
                    {"device": one, "priority": 1001}, {"device": one, "priority": -1}, {"device": one, "wat": 1}, {}]:
            assert error(h, "vpps.add_members", {"vpp": "vic", "members": [bad]})["code"] == -32602, bad
        for bad in [{"vpp": "vic", "target_w": 1e11, "duration_s": 60}, {"vpp": "vic", "target_w": 1, "duration_s": 0},
                    {"vpp": "vic", "target_w": 1, "duration_s": 8 * 86400}, {"vpp": "vic", "target_w": 1, "duration_s": 60,
                                                                                   "start": "2099-01-01 00:00"},
                    {"vpp": "vic", "target_w": 1, "duration_s": 60, "start": "2000-01-01 00:00"}]:
            assert error(h, "dispatch.submit", bad)["code"] == -32602, bad
        # The host kept serving throughout.
        t = time.time()
        assert h.call("host.info")["health"]["status"] in ("ok", "degraded")
        assert time.time() - t < 1
