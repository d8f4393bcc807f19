"""Cap Service (peak shaving) on a real Ausgrid household's winter evening: the
site's grid import is capped at 0.8 kW from 16:00 to 18:00 and the battery
holds it there; import above the cap without the battery is measured from
the same run's load and PV readings."""
from conftest import Mantad, needs_data, rpc_error as error
from test_meter_export import config

DAY = 1658109600000  # 2022-07-18 12:00 AEST (a Monday)


@needs_data
def test_an_evening_import_cap_is_held_by_the_battery(tmp_path):
    c = config(limit_w=1e6, start="2022-07-18T14:00:00+10:00", prices="202207")
    c["plugins"][0]["config"]["load"]["mean_w"] = 1500
    c["plugins"][0]["config"]["battery"]["initial_soc"] = 0.9
    limit = 800
    with Mantad(c, folder=tmp_path).start() as h:
        cap = h.call("cap.set", {"site": "home-001", "limit_w": limit, "from": "16:00", "to": "18:00",
                                 "days": ["mon", "tue", "wed", "thu", "fri"]})
        assert cap["target"] == "site:home-001" and cap["days"] == ["mon", "tue", "wed", "thu", "fri"]
        assert cap["reserve_source"].startswith("full") and cap["reserve_wh"] > 10000
        assert [x["target"] for x in h.call("cap.list")] == ["site:home-001"]
        for bad in [{"site": "home-001", "limit_w": 500, "from": "18:00", "to": "18:00"},
                    {"site": "home-001", "limit_w": 500, "from": "25:00", "to": "18:00"},
                    {"site": "home-001", "vpp": "nsw", "limit_w": 500, "from": "16:00", "to": "18:00"},
                    {"site": "home-001", "limit_w": -1, "from": "16:00", "to": "18:00"},
                    {"site": "home-001", "limit_w": 500, "from": "16:00", "to": "18:00", "days": ["someday"]}]:
            assert error(h, "cap.set", bad)["code"] == -32602, bad
        assert error(h, "cap.set", {"site": "nowhere", "limit_w": 1, "from": "16:00", "to": "18:00"})["code"] == -32002
        assert h.wait_for(lambda: h.call("host.info")["clock"]["now_ms"] >= DAY + 6 * 3600_000 + 600_000, timeout=90)

        def series(device):
            return {s["t_ms"]: s["value"] for s in h.call("telemetry.history",
                                                          {"device": f"homes/home-001.{device}", "point": "ac.w",
                                                           "limit": 100000})}
        meter, pv, load = series("meter"), series("pv"), series("load")
    window = [t for t in sorted(set(meter) & set(pv) & set(load)) if DAY + 4 * 3600_000 + 60_000 <= t < DAY + 6 * 3600_000]
    assert len(window) > 500
    imports = [-meter[t] for t in window]
    without = [-load[t] - pv[t] for t in window]  # what the meter would read with the battery idle
    assert max(without) > limit + 500, "the cap binds on this evening"
    over = [x for x in imports if x > limit + 50]
    assert len(over) <= 0.02 * len(window), (len(over), max(imports))
    hours = 10 / 3600
    above_without = sum(max(0, x - limit) for x in without) * hours / 1000
    above_with = sum(max(0, x - limit) for x in imports) * hours / 1000
    print(f"peak import {max(without):.0f} W without the battery, {max(imports):.0f} W with; "
          f"energy above the cap {above_without:.2f} kWh -> {above_with:.3f} kWh")
    assert above_with < 0.05 * above_without


@needs_data
def test_a_cap_survives_a_restart_and_clears(tmp_path):
    c = config(limit_w=1e6, start="2022-07-18T14:00:00+10:00", prices="202207")
    with Mantad(c, folder=tmp_path).start() as h:
        h.call("cap.set", {"site": "home-001", "limit_w": 800, "from": "16:00", "to": "18:00", "reserve_wh": 4000})
    with Mantad(c, folder=tmp_path).start() as h:
        caps = h.call("cap.list")
        assert [(x["target"], x["limit_w"], x["from"], x["to"], x["reserve_wh"]) for x in caps] == \
            [("site:home-001", 800, "16:00", "18:00", 4000)]
        assert h.call("cap.set", {"site": "home-001", "limit_w": None}) == {"target": "site:home-001", "cleared": True}
    with Mantad(c, folder=tmp_path).start() as h:
        assert h.call("cap.list") == []
