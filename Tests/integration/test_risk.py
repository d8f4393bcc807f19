"""The risk guard on a real host: a stream of anomalous decisions from a real
model process and anomalous bids, every one intercepted; a loss-making model
stopped by the loss breaker in a backtest (the engine's rule) and in a live
replay (the host's), held until risk.reset."""
import datetime
import json
import subprocess
import textwrap

import pytest

from conftest import AEST, BUILD, Mantad, base_config, iso, needs_data, price_file, rpc_error

INTERVAL = 300_000
START = "2022-07-17T16:00:00+10:00"  # VIC1's evening: 280-380 AUD/MWh
# Buys above 200 AUD/MWh and sells below 50: it loses on every trade.
BAD = {"strategy": "rules", "config": {"description": "buy high, sell low", "default": "hold", "rules": [
    {"name": "buy high", "if": {"price": {">": 200}}, "then": "charge"},
    {"name": "sell low", "if": {"price": {"<": 50}}, "then": "discharge"}]}}

ANOMALOUS = textwrap.dedent("""
    import json, sys
    k = 0
    for line in sys.stdin:
        req = json.loads(line)
        if "id" not in req:
            break
        if req["method"] == "initialize":
            out = {"name": "anomalous"}
        else:
            n = len(req["params"]["assets"])
            # By turns: 200 kW asked of each 5 kW battery, or a units slip of 1 GW each.
            out = {"targets_w": [2e5 if k % 2 == 0 else 1e9] * n, "reason": "anomaly %d" % k}
            k += 1
        print(json.dumps({"jsonrpc": "2.0", "id": req["id"], "result": out}), flush=True)
""")



@needs_data
def test_an_injected_stream_of_anomalous_commands_and_bids_is_intercepted_in_full(tmp_path):
    script = tmp_path / "anomalous.py"
    script.write_text(ANOMALOUS)
    config = base_config(clock={"mode": "replay", "start": START, "speed": 300},
                         plugins=base_config()["plugins"][:2] + [
                             {"instance": "model", "plugin": "manta.python", "config": {"script": str(script)}}],
                         vpps=[{"id": "vic", "region": "VIC1", "market": "prices", "strategy": "model", "drivers": ["homes"]}],
                         trading={"gate_closure_s": 60, "risk": {"sell_below": 100}})
    with Mantad(config, folder=tmp_path).start() as h:
        assert h.wait_for(lambda: len([d for d in h.call("dispatch.history", {"vpp": "vic", "limit": 100})
                                       if d["reason"].startswith("risk:")]) >= 8, timeout=30)
        decided = [d for d in h.call("dispatch.history", {"vpp": "vic", "limit": 100}) if "anomaly" in d["reason"]]
        intercepted = [d for d in decided if d["reason"].startswith("risk:")]
        assert len(decided) >= 8 and len(intercepted) == len(decided)  # 100%
        for d in decided:
            assert abs(d["target_w"]) <= 4 * 5000  # never beyond the fleet's rating
        # Bids: under the floor of sell_below (wrong side of the band), over capacity, past, over the cap.
        now = h.call("host.info")["clock"]["now_ms"]
        nxt = (now // INTERVAL + 2) * INTERVAL
        def offer(band_prices, end=nxt, mw=0.01):
            return {"vpp": "vic", "market": "energy", "day": "2022-07-17", "bands": band_prices,
                    "intervals": [{"interval": iso(end), "mw": [mw] + [0] * 9}]}
        ok = [110, 120, 130, 140, 150, 200, 300, 500, 1000, 15000]
        bad_bids = [offer([50] + ok[1:]), offer(ok, mw=5.0), offer(ok, end=(now // INTERVAL) * INTERVAL),
                    offer(ok[:9] + [99999])]
        for b in bad_bids:
            assert rpc_error(h, "bids.submit", b)["code"] == -32602
        assert h.call("trades.list") == []
        status = h.call("risk.status", {"vpp": "vic"})["vpps"][0]
        assert status["interceptions"]["bid"] == len(bad_bids)
        assert status["interceptions"]["over_rating"] >= 4 * len(decided) and status["interceptions"]["jump"] >= 1
        with __import__("sqlite3").connect(f"file:{h.db}?mode=ro", uri=True) as db:
            audited = db.execute("SELECT COUNT(*) FROM audit_log WHERE principal = 'risk-guard'").fetchone()[0]
        assert audited >= sum(status["interceptions"].values()) - status["interceptions"].get("breaker", 0)


def backtest(*extra):
    out = subprocess.run([str(BUILD / "manta"), "backtest", "--json", "--prices", price_file("VIC1", "202207"),
                          "--strategy", "rules", "--config", json.dumps(BAD["config"]),
                          "--battery", "power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5", *extra],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@needs_data
def test_the_loss_breaker_stops_a_loss_making_model_in_a_backtest():
    free = backtest()
    assert free["revenue_aud"] < -5000  # a real July 2022 month, bought high and sold low
    held = backtest("--max-loss-aud", "1000", "--loss-window", "8640")
    b = held["risk"]["breaker"]
    assert b["tripped"] and b["window_aud_at_trip"] < -1000
    # A whole-month window sums the run so far: after the trip nothing traded.
    assert held["revenue_aud"] == pytest.approx(b["window_aud_at_trip"], abs=0.01)
    assert held["revenue_aud"] > free["revenue_aud"]
    assert datetime.datetime.fromisoformat(b["tripped_at"]) < datetime.datetime(2022, 7, 31, tzinfo=AEST)


@needs_data
def test_the_loss_breaker_stops_a_loss_making_model_live_until_reset(tmp_path):
    config = base_config(clock={"mode": "replay", "start": START, "speed": 300},
                         plugins=base_config()["plugins"][:2] + [{"instance": "bad", "plugin": "manta.builtin", "config": BAD}],
                         vpps=[{"id": "vic", "region": "VIC1", "market": "prices", "strategy": "bad", "drivers": ["homes"]}],
                         trading={"risk": {"max_loss_aud": 0.5, "loss_window_intervals": 12}})
    with Mantad(config, folder=tmp_path).start() as h:
        assert h.wait_for(lambda: h.call("risk.status", {"vpp": "vic"})["vpps"][0]["tripped"], timeout=30), \
            h.call("settlement.intervals", {"vpp": "vic"})
        status = h.call("risk.status", {"vpp": "vic"})["vpps"][0]
        assert "more than max_loss_aud 0.5" in status["reason"] and status["window_aud"] < -0.5
        tripped = datetime.datetime.fromisoformat(status["tripped_at"]).timestamp() * 1000
        assert h.wait_for(lambda: any(d["interval_end_ms"] - INTERVAL > tripped
                                      for d in h.call("dispatch.history", {"vpp": "vic", "limit": 5})), timeout=10)
        after = [d for d in h.call("dispatch.history", {"vpp": "vic", "limit": 50}) if d["interval_end_ms"] - INTERVAL > tripped]
        assert after and all(d["target_w"] == 0 and "risk breaker tripped" in d["reason"] for d in after)
        events = h.call("reports.events", {"category": "vpp", "vpp": "vic", "limit": 1000})
        assert any(e["kind"] == "risk.breaker" for e in events)
        now = h.call("host.info")["clock"]["now_ms"]
        e = rpc_error(h, "bids.submit", {"vpp": "vic", "market": "energy", "day": "2022-07-17",
                                         "bands": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
                                         "intervals": [{"interval": iso((now // INTERVAL + 2) * INTERVAL), "mw": [0.01] + [0] * 9}]})
        assert "breaker" in e["message"] and e["message"].startswith("Invalid params: vpp")
        assert h.call("risk.reset", {"vpp": "vic", "reason": "model replaced"})["was_tripped"]
        assert not h.call("risk.status", {"vpp": "vic"})["vpps"][0]["tripped"]
        reset = h.call("host.info")["clock"]["now_ms"]
        assert h.wait_for(lambda: any(d["interval_end_ms"] - INTERVAL > reset and d["target_w"] < 0
                                      for d in h.call("dispatch.history", {"vpp": "vic", "limit": 3})), timeout=10)
