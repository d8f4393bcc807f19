"""The Model Arena: `manta arena` on historical prices, checked against
separate `manta backtest` runs of each contender, and the live arena in a
running mantad, where a better challenger takes the fleet from the champion."""
import csv
import json
import os
import sqlite3
import subprocess

import pytest

from conftest import BUILD, ROOT, SHARED, Mantad, base_config, needs_data, price_file

MANTA = str(BUILD / "manta")
SA1 = str(SHARED / "nem" / "price_and_demand" / "SA1")
RANGE = ["--from", "2022-06-01", "--to", "2022-06-08"]
BATTERY = ["--battery", "power_mw=2,energy_mwh=4,eta_rt=0.9"]
MISBEHAVING = str(ROOT / "Tests" / "Fixtures" / "models" / "misbehaving.py")


def manta(*args, check=True):
    r = subprocess.run([MANTA, *args], capture_output=True, text=True, cwd=ROOT, timeout=300)
    if check:
        assert r.returncode == 0, r.stdout + r.stderr
    return r


@needs_data
def test_every_contender_scores_what_its_own_backtest_scores(tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text((ROOT / "examples" / "rules" / "evening-peak.json").read_text())
    out = json.loads(manta("arena", "--prices", SA1, *RANGE, *BATTERY, "--strategies", f"all,peak=rules:{rules}",
                           "--json").stdout)
    board = out["leaderboard"]
    assert sorted(e["strategy"] for e in board) == sorted(["threshold", "rules", "mpc-persistence", "mpc-seasonal",
                                                          "mpc-regression", "peak"])
    assert [e["rank"] for e in board] == list(range(1, 7))
    per_mw = [e["revenue_per_mw"] for e in board]
    assert per_mw == sorted(per_mw, reverse=True)
    bound = json.loads(manta("backtest", "--prices", SA1, *RANGE, *BATTERY, "--strategy", "optimal", "--json").stdout)
    assert out["optimal_revenue_aud"] == bound["revenue_aud"]
    for e in board:
        # The same strategy alone, in its own process, earns the same.
        name = e["strategy"]
        alone = manta("backtest", "--prices", SA1, *RANGE, *BATTERY, "--json",
                      *(["--strategy", "rules", "--config", rules.read_text()] if name == "peak" else ["--strategy", name]))
        alone = json.loads(alone.stdout)
        assert abs(e["revenue_aud"] - alone["revenue_aud"]) < 0.01, name
        assert abs(e["revenue_per_mw"] - alone["revenue_aud"] / 2) < 0.01
        assert abs(e["capture_ratio"] - alone["revenue_aud"] / bound["revenue_aud"]) < 1e-5
        assert e["strategy_errors"] == 0
    # Every forecaster-driven MPC beats the fixed threshold on a winter week in SA.
    by = {e["strategy"]: e for e in board}
    assert min(by[m]["revenue_aud"] for m in ["mpc-persistence", "mpc-seasonal", "mpc-regression"]) > by["threshold"]["revenue_aud"]


@needs_data
def test_report_folder(tmp_path):
    report = tmp_path / "arena"
    out = json.loads(manta("arena", "--prices", SA1, "--from", "2022-05-25", "--to", "2022-06-05", *BATTERY,
                           "--strategies", "threshold,mpc-seasonal", "--report", str(report), "--json").stdout)
    assert sorted(os.listdir(report)) == ["arena.json", "cumulative-revenue.svg", "leaderboard.md",
                                          "monthly-mpc-seasonal.csv", "monthly-threshold.csv"]
    assert json.loads((report / "arena.json").read_text())["leaderboard"] == out["leaderboard"]
    for e in out["leaderboard"]:
        rows = list(csv.DictReader(open(report / f"monthly-{e['strategy']}.csv")))
        assert [r["month"] for r in rows] == ["2022-05", "2022-06"]
        assert abs(sum(float(r["revenue_aud"]) for r in rows) - e["revenue_aud"]) < 0.02
    md = (report / "leaderboard.md").read_text()
    assert "| 1 | " + out["leaderboard"][0]["strategy"] + " | " in md
    svg = (report / "cumulative-revenue.svg").read_text()
    assert svg.startswith("<svg") and "mpc-seasonal" in svg and "threshold" in svg


@needs_data
def test_a_failing_contender_is_listed_and_the_others_carry_on():
    bad = ROOT / "Tests" / "Fixtures" / "models"
    out = json.loads(manta("arena", "--prices", price_file("SA1", "202206"), "--to", "2022-06-02", *BATTERY,
                           "--strategies", f"threshold,crasher=python:{MISBEHAVING},ghost=python:{bad}/missing.py,nope",
                           "--config", 'crasher={"model_config": {"mode": "crash", "after": 50}}', "--json").stdout)
    board = {e["strategy"]: e for e in out["leaderboard"]}
    assert board["threshold"]["rank"] == 1 and board["threshold"]["revenue_aud"] > 0
    # The crashing model ran, was restarted, and its held intervals are counted.
    crasher = board["crasher"]
    assert crasher["strategy_errors"] > 0 and "its last words: segfault in my numpy" in crasher["first_strategy_error"]
    # Those that could not start are listed last, each with why.
    assert board["ghost"]["rank"] > crasher["rank"] and "missing.py is not a file" in board["ghost"]["error"]
    assert "nope: unknown" in board["nope"]["error"]


@needs_data
def test_the_bound_and_the_oracle_are_not_contenders():
    for name in ["optimal", "mpc-oracle"]:
        r = manta("arena", "--prices", price_file("SA1", "202206"), *BATTERY, "--strategies", f"threshold,{name}",
                  check=False)
        assert r.returncode == 1
        assert f"--strategies: {name} sees the future" in r.stderr


@needs_data
def test_bad_config_arguments_are_named():
    r = manta("arena", "--prices", price_file("SA1", "202206"), *BATTERY, "--config", "threshold={oops", check=False)
    assert r.returncode != 0 and "--config threshold: not JSON" in r.stderr
    r = manta("arena", "--prices", price_file("SA1", "202206"), *BATTERY, "--strategies", "threshold",
              "--config", 'threshold={"charge_below": "cheap"}', "--json")
    assert "charge_below" in json.loads(r.stdout)["leaderboard"][0]["error"]


@needs_data
def test_live_arena_hands_the_fleet_to_a_better_challenger():
    config = base_config()
    config["clock"]["start"] = "2022-07-17T16:00:00+10:00"  # into the evening peak
    config["plugins"] = [p for p in config["plugins"] if p["instance"] != "threshold"] + [
        # A champion that never trades, against two that do.
        {"instance": "idle", "plugin": "manta.threshold", "config": {"charge_below": -1000, "discharge_above": 15000}},
        {"instance": "mpc", "plugin": "manta.builtin", "config": {"strategy": "mpc-regression"}},
        {"instance": "rules", "plugin": "manta.builtin", "config": {"strategy": "rules"}},
        # And a Python model that hangs after two answers: it must cost nobody anything.
        {"instance": "hanger", "plugin": "manta.python",
         "config": {"script": MISBEHAVING, "deadline_ms": 100, "hung_after_ms": 400,
                    "model_config": {"mode": "hang", "after": 2}}},
    ]
    config["vpps"] = [{"id": "vic", "region": "VIC1", "market": "prices", "strategy": "idle", "drivers": ["homes"],
                       "arena": {"contenders": ["mpc", "rules", "hanger"], "window_intervals": 12,
                                 "min_tenure_intervals": 6, "hysteresis": 0.1}}]
    with Mantad(config).start() as host:
        assert host.wait_for(lambda: host.call("arena.champion")[0]["switches"], timeout=30)
        champion = host.call("arena.champion", {"vpp": "vic"})[0]
        switch = champion["switches"][0]
        assert switch["from"] == "idle" and switch["to"] in ("mpc", "rules") and champion["champion"] == switch["to"]
        assert switch["from_score"] == 0 and switch["to_score"] > 0
        board = host.call("arena.leaderboard")[0]
        assert board["vpp"] == "vic" and board["window_intervals"] == 12
        names = [c["strategy"] for c in board["contenders"]]
        assert sorted(names) == ["hanger", "idle", "mpc", "rules"]
        scores = [c["trailing_revenue_per_mw"] for c in board["contenders"]]
        assert scores == sorted(scores, reverse=True)
        idle = next(c for c in board["contenders"] if c["strategy"] == "idle")
        assert idle["total_revenue_aud"] == 0 and idle["failures"] == 0 and idle["intervals"] >= 6
        hanger = next(c for c in board["contenders"] if c["strategy"] == "hanger")
        assert hanger["failures"] >= 3 and hanger["intervals"] == idle["intervals"]
        # The switch is an event and an audit entry; the new champion dispatches.
        events = host.call("events.list", {"limit": 50})
        assert any(e["kind"] == "arena.switch" and e["message"].startswith(f"idle (0 AUD/MW) -> {switch['to']}")
                   for e in events)
        assert host.wait_for(lambda: any(r["strategy"] == switch["to"] for r in host.call("dispatch.history", {"limit": 5})))
        # Nothing the hanging model did made the fleet miss an interval.
        assert all(r["status"] == "ok" for r in host.call("dispatch.history", {"limit": 100}))
        with host.client() as c:
            assert "no VPP nowhere" in c.request("arena.leaderboard", {"vpp": "nowhere"})["error"]["message"]
    rows = sqlite3.connect(host.db).execute("SELECT principal, method, params FROM audit_log WHERE method = 'arena.switch'").fetchall()
    assert len(rows) >= 1 and rows[0][0] == "arena"
    assert json.loads(rows[0][2])["to"] == switch["to"]


@needs_data
def test_an_arena_contender_that_is_not_a_strategy_is_a_config_error(tmp_path):
    config = base_config()
    config["vpps"][0]["arena"] = {"contenders": ["threshold", "ghost"]}
    with pytest.raises(RuntimeError) as failed:
        Mantad(config, folder=tmp_path).start()
    assert "vpps[0].arena.contenders[1]: no plugin instance named ghost" in str(failed.value)
