"""MPC on AEMO's pre-dispatch forecasts (`manta backtest --strategy mpc-predispatch`) on the real
month the data holds (January 2021, every 30-minute run, the month's real dispatch prices): it
captures more of the bound than the price-only forecasters, and it never uses a run before the run's
LASTCHANGED (rewriting every run published after a date leaves every earlier day unchanged)."""
import csv
import io
import json
import subprocess
import zipfile

import pytest

from conftest import BUILD, ROOT, SHARED, needs_data

MANTA = str(BUILD / "manta")
PRICES = SHARED / "nem" / "dispatch_fcas" / "DISPATCHPRICE_202101.CSV"
ARCHIVE = SHARED / "nem" / "predispatch" / "PUBLIC_DVD_PREDISPATCHPRICE_202101010000.zip"
BATTERY = "power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5"


def backtest(strategy, predispatch=ARCHIVE, region="NSW1"):
    r = subprocess.run([MANTA, "backtest", "--prices", str(PRICES), "--region", region, "--markets", "energy",
                        "--strategy", strategy, "--predispatch", str(predispatch), "--battery", BATTERY, "--json"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@needs_data
def test_predispatch_beats_the_price_only_forecasters():
    pd = backtest("mpc-predispatch")
    for other in ["mpc-persistence", "mpc-regression"]:
        assert pd["capture_ratio"] > backtest(other)["capture_ratio"] + 0.1, other
    assert 0 < pd["capture_ratio"] < 1 and pd["strategy_errors"] == 0


@needs_data
def test_no_run_is_used_before_its_lastchanged(tmp_path):
    with zipfile.ZipFile(ARCHIVE) as z:
        name = z.namelist()[0]
        rows = list(csv.reader(io.TextIOWrapper(z.open(name), newline="")))
    header = next(r for r in rows if r[0] == "I")
    changed, rrp = header.index("LASTCHANGED"), header.index("RRP")
    # Every run published from 16 January on forecasts the cap, everywhere.
    for r in rows:
        if r[0] == "D" and r[changed].strip('"') >= "2021/01/16 00:00:00":
            r[rrp] = "15000"
    rewritten = tmp_path / "PREDISPATCHPRICE_rewritten.CSV"
    with open(rewritten, "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    a, b = backtest("mpc-predispatch"), backtest("mpc-predispatch", predispatch=rewritten)
    before = [d for d in a["daily"] if d["date"] < "2021-01-16"]
    assert len(before) == 15
    assert before == [d for d in b["daily"] if d["date"] < "2021-01-16"]
    assert a["daily"][20:] != b["daily"][20:]


@needs_data
@pytest.mark.parametrize("args, message", [
    (["--strategy", "mpc-predispatch"], "--strategy mpc-predispatch needs --predispatch FILE"),
    (["--strategy", "mpc-predispatch", "--predispatch", str(PRICES)],
     "no PREDISPATCH.REGION_PRICES table (no 'I,PREDISPATCH,REGION_PRICES,...' header)"),
    (["--strategy", "mpc-predispatch", "--predispatch", "/nonexistent.zip"], "--predispatch: /nonexistent.zip"),
])
def test_predispatch_arguments_are_checked(args, message):
    base = ["--prices", str(PRICES), "--region", "NSW1", "--battery", BATTERY]
    r = subprocess.run([MANTA, "backtest", *base, *args], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode != 0 and message in r.stderr, r.stderr


@needs_data
def test_backtest_run_takes_the_predispatch_file_and_agrees_with_the_cli():
    from conftest import Mantad, base_config
    params = {"prices": [str(PRICES)], "region": "NSW1", "markets": "energy", "strategy": "mpc-predispatch",
              "battery": BATTERY, "from": "2021-01-01T00:00:00+10:00", "to": "2021-01-08T00:00:00+10:00"}
    with Mantad(base_config(plugins=[], vpps=[])).start() as h:
        with h.client() as c:
            bid = c.result("backtest.run", dict(params, predispatch=str(ARCHIVE)))["id"]
            for bad, message in [
                (dict(params), "predispatch: strategy mpc-predispatch needs AEMO's PREDISPATCHPRICE file"),
                (dict(params, strategy="threshold", predispatch=str(ARCHIVE)), "predispatch: only for strategy mpc-predispatch"),
                (dict(params, predispatch="/etc/passwd"), "predispatch"),
                (dict(params, predispatch=str(SHARED / "nem")), "is not a file"),
            ]:
                e = c.request("backtest.run", bad)["error"]
                assert e["code"] == -32602 and message in e["message"], e
        assert h.wait_for(lambda: h.call("backtest.status", {"id": bid})["state"] in ("done", "failed"), timeout=120)
        result = h.call("backtest.result", {"id": bid})
    r = subprocess.run([MANTA, "backtest", "--prices", str(PRICES), "--region", "NSW1", "--markets", "energy",
                        "--strategy", "mpc-predispatch", "--predispatch", str(ARCHIVE), "--battery", BATTERY,
                        "--from", "2021-01-01", "--to", "2021-01-08", "--json"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    local = json.loads(r.stdout)
    assert result["revenue_aud"] == local["revenue_aud"] and result["intervals"] == local["intervals"] == 7 * 288
