"""The Time Machine from the outside: `manta backtest` against HiGHS (highspy)
for the perfect-foresight bound, its JSON and report, and bad input."""
import csv
import json
import os
import sys
import subprocess
import xml.etree.ElementTree as ET

import pytest

from conftest import BUILD, ROOT, SHARED, Mantad, base_config, needs_data, price_file

MANTA = str(BUILD / "manta")


def backtest(*args, check=True):
    r = subprocess.run([MANTA, "backtest", *args], capture_output=True, text=True, cwd=ROOT)
    if check:
        assert r.returncode == 0, r.stdout + r.stderr
    return r


sys.path.insert(0, str(ROOT / "scripts"))
from highs_bound import read_prices, solve as highs_bound  # noqa: E402  (the LP, shared with make bench)


@needs_data
@pytest.mark.parametrize("region, month, spec, kw", [
    ("SA1", "202206", "power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5", {}),
    ("VIC1", "202301", "power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5", {}),
    ("SA1", "202211", "power_mw=5,energy_mwh=7,eta_rt=0.85,soc0=0.2,soc_min=0.1,soc_max=0.95,cost_per_mwh=8",
     dict(P=5, E=7, rt=0.85, soc0=0.2, smin=0.1, smax=0.95, cost=8)),
    ("QLD1", "202207", "charge_mw=0.5,discharge_mw=1,energy_mwh=4,eta_rt=0.8,soc0=1",
     dict(pc=0.5, pd=1, E=4, rt=0.8, soc0=1)),
])
def test_perfect_foresight_agrees_with_highs(region, month, spec, kw):
    f = price_file(region, month)
    out = json.loads(backtest("--prices", f, "--strategy", "optimal", "--battery", spec, "--json").stdout)
    expected, _ = highs_bound(read_prices([f]), **kw)
    assert abs(out["optimal_revenue_aud"] - expected) <= 1e-4 * abs(expected) + 0.01, (out["optimal_revenue_aud"], expected)
    assert out["revenue_aud"] == out["optimal_revenue_aud"] and out["capture_ratio"] == 1


@needs_data
def test_json_has_the_named_fields_and_sane_values():
    out = json.loads(backtest("--prices", str(SHARED / "nem/price_and_demand/VIC1"), "--from", "2023-01-01", "--to", "2024-01-01",
                              "--strategy", "threshold", "--battery", "power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5", "--json").stdout)
    for key in ["intervals", "revenue_aud", "charged_mwh", "discharged_mwh", "cycles", "optimal_revenue_aud",
                "capture_ratio", "elapsed_s"]:
        assert key in out, key
    assert out["intervals"] == 105120
    assert out["from"] == "2023-01-01T00:05:00+10:00" and out["to"] == "2024-01-01T00:00:00+10:00"
    assert 0 < out["capture_ratio"] < 1
    assert abs(out["cycles"] - out["discharged_mwh"] / 2) < 1e-6
    assert abs(sum(m["revenue_aud"] for m in out["monthly"]) - out["revenue_aud"]) < 0.1
    assert len(out["daily"]) == 365
    assert out["worst_day"]["revenue_aud"] == min(d["revenue_aud"] for d in out["daily"])


@needs_data
def test_report_folder(tmp_path):
    report = tmp_path / "report"
    out = json.loads(backtest("--prices", price_file("SA1", "202207"), "--strategy", "threshold",
                              "--config", '{"charge_below": 0, "discharge_above": 250}',
                              "--battery", "power_mw=1,energy_mwh=2", "--report", str(report), "--json").stdout)
    best = out["best_day"]["date"]  # charted when no --day is given
    names = sorted(os.listdir(report))
    assert names == ["daily.csv", f"day-{best}.svg", "monthly-revenue.svg", "monthly.csv", "settlement.csv",
                     "summary.json", "summary.md"]
    rows = list(csv.DictReader(open(report / "settlement.csv")))
    assert len(rows) == out["intervals"] == 31 * 288
    assert rows[0]["interval_end"] == "2022-07-01T00:05:00+10:00"
    assert abs(sum(float(r["revenue_aud"]) for r in rows) - out["revenue_aud"]) < 0.05
    assert all(0 <= float(r["soc"]) <= 1 for r in rows)
    assert all(abs(float(r["power_mw"])) <= 1 + 1e-9 for r in rows)
    for r in rows:  # each interval settles at RRP x energy exported
        assert abs(float(r["revenue_aud"]) - float(r["price_aud_mwh"]) * float(r["power_mw"]) / 12) < 1e-3
    assert json.loads((report / "summary.json").read_text())["revenue_aud"] == out["revenue_aud"]
    ns = "{http://www.w3.org/2000/svg}"
    day = ET.parse(report / f"day-{best}.svg").getroot()
    assert len(day.findall(f"{ns}polyline")) >= 2  # price and state of charge
    # The chart's day runs from midnight: intervals ending 00:05 to 24:00.
    starts = [r for r in rows if r["interval_end"] > f"{best}T00:00:00" and r["interval_end"] <= f"{best}T24:00:00"]
    moving = sum(1 for r in starts if float(r["power_mw"]) != 0)
    bars = [e for e in day.findall(f"{ns}rect") if e.get("fill") in ("#e8590c", "#1c7ed6") and e.get("width") != "12"]
    assert moving > 0 and len(bars) == moving  # one bar per interval with power
    monthly = ET.parse(report / "monthly-revenue.svg").getroot()
    assert len([e for e in monthly.findall(f"{ns}rect") if e.get("fill") in ("#2b8a3e", "#c92a2a")]) == 1
    assert "capture ratio" in (report / "summary.md").read_text()
    # A day outside the run is refused, and the earlier report is left as it was.
    r = backtest("--prices", price_file("SA1", "202207"), "--battery", "power_mw=1,energy_mwh=2", "--report", str(report),
                 "--day", "2022-09-01", check=False)
    assert r.returncode != 0 and "2022-09-01 is not in the backtest" in r.stderr
    assert sorted(os.listdir(report)) == names and not (tmp_path / "report.partial").exists()


@needs_data
@pytest.mark.parametrize("mutate, message", [
    (lambda lines: lines[:1000] + [lines[1000][:20]], "expected 5 fields, found 2"),
    (lambda lines: lines[:500] + ["SA1,2022/07/02 17:45:00,1500,oops,TRADE"] + lines[501:], "RRP 'oops' is not a number"),
    (lambda lines: [lines[0].replace("RRP", "PRICE")] + lines[1:], "missing column RRP"),
    (lambda lines: lines[:10] + lines[9:], "duplicate SA1 interval"),
])
def test_bad_files_name_the_file_and_line(tmp_path, mutate, message):
    lines = open(price_file("SA1", "202207")).read().splitlines()
    bad = tmp_path / "PRICE_AND_DEMAND_202207_SA1.csv"
    bad.write_text("\n".join(mutate(lines)) + "\n")
    report = tmp_path / "report"
    r = backtest("--prices", str(bad), "--battery", "power_mw=1,energy_mwh=2", "--report", str(report), check=False)
    assert r.returncode != 0
    assert str(bad) in r.stderr and message in r.stderr, r.stderr
    assert not report.exists() and not (tmp_path / "report.partial").exists()


@needs_data
@pytest.mark.parametrize("args, message", [
    (["--battery", "power_mw=1,energy_mwh=2,soc_min=0.8,soc_max=0.2"], "need 0 <= soc_min <= soc_max <= 1"),
    (["--battery", "power_mw=0,energy_mwh=2"], "power_mw/charge_mw must be > 0"),
    (["--battery", "power_mw=1,energy_mwh=2", "--from", "2021-01-01"], "--from 2021-01-01 00:00 is outside the data"),
    (["--battery", "power_mw=1,energy_mwh=2", "--strategy", "clairvoyant"], "--strategy clairvoyant: unknown"),
    (["--battery", "power_mw=1,energy_mwh=2", "--prices", price_file("VIC1", "202207")], "the files hold several regions"),
])
def test_bad_parameters_are_named(args, message):
    base = ["--prices", price_file("SA1", "202207")]
    r = backtest(*base, *args, check=False)
    assert r.returncode != 0
    assert message in r.stderr + r.stdout, r.stderr


@pytest.mark.parametrize("command", ["backtest", "arena"])
def test_an_unknown_flag_is_reported_before_missing_options(command):
    """ArgumentParser checks for unused arguments only after decoding (and
    validate()), so a required --prices used to hide the misspelt flag."""
    r = subprocess.run([MANTA, command, "--bogus-flag"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 64, r.stderr
    assert "Unknown option '--bogus-flag'" in r.stderr, r.stderr
    assert "--prices" not in r.stderr.split("\n")[0], r.stderr
    # Without the misspelt flag, the missing option is named.
    r = subprocess.run([MANTA, command, "--battery", "power_mw=1,energy_mwh=2"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 64 and "--prices: give the AEMO price files" in r.stderr, r.stderr


def test_strategy_and_arguments_are_checked_before_the_prices_load(tmp_path):
    """A file that cannot be parsed would fail the load; the strategy is
    refused first, so its name is the error, not the file."""
    broken = tmp_path / "PRICE_AND_DEMAND_202207_SA1.csv"
    broken.write_text("not,an,aemo,file\n1,2,3,4\n")
    r = backtest("--prices", str(broken), "--battery", "power_mw=1,energy_mwh=2", "--strategy", "nosuch", check=False)
    assert r.returncode == 64, r.stderr
    assert "--strategy nosuch: unknown" in r.stderr and str(broken) not in r.stderr, r.stderr
    r = backtest("--prices", str(broken), "--battery", "power_mw=1,energy_mwh=2", "--strategy", "threshold",
                 "--config", '{"charge_below": "cheap"}', check=False)
    assert r.returncode == 64 and "--strategy threshold config: charge_below" in r.stderr, r.stderr
    r = backtest("--prices", str(broken), "--battery", "power_mw=1,energy_mwh=2", "--from", "yesterday", check=False)
    assert r.returncode == 64 and "--from: 'yesterday' is not a date" in r.stderr, r.stderr
    r = backtest("--prices", str(tmp_path / "missing.csv"), "--battery", "power_mw=1,energy_mwh=2", check=False)
    assert r.returncode == 64 and "missing.csv: no such file or folder" in r.stderr, r.stderr
    # The same broken file with good arguments fails on the file, naming it.
    r = backtest("--prices", str(broken), "--battery", "power_mw=1,energy_mwh=2", check=False)
    assert r.returncode == 1 and str(broken) in r.stderr, r.stderr


@needs_data
def test_highs_bound_prints_only_its_json_line():
    """highspy 1.16 prints a banner from its constructor; make bench reads
    stdout, so the banner goes to stderr and stdout is the one JSON line."""
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "highs_bound.py"), price_file("SA1", "202206")],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 1, r.stdout
    out = json.loads(lines[0])
    assert out["intervals"] == 8640 and out["revenue_aud"] > 0 and out["solve_s"] >= 0


@needs_data
def test_backtest_over_the_api_is_stored_and_survives_a_restart():
    with Mantad(base_config(plugins=[], vpps=[])).start() as h:
        with h.client() as c:
            r = c.request("backtest.run", {"prices": [price_file("SA1", "202206")], "strategy": "manta.threshold",
                                           "config": {"charge_below": 0, "discharge_above": 300},
                                           "battery": "power_mw=1,energy_mwh=2"})
            bid = r["result"]["id"]
            bad = c.request("backtest.run", {"prices": ["nope.csv"], "battery": "power_mw=1,energy_mwh=2"})
            assert bad["error"]["code"] == -32602 and "nope.csv" in bad["error"]["message"]
        assert h.wait_for(lambda: h.call("backtest.status", {"id": bid})["state"] == "done", timeout=60)
        result = h.call("backtest.result", {"id": bid})
        assert result["intervals"] == 8640 and result["strategy"].startswith("manta.threshold")
        local = json.loads(backtest("--prices", price_file("SA1", "202206"), "--strategy", "threshold",
                                    "--config", '{"charge_below": 0, "discharge_above": 300}',
                                    "--battery", "power_mw=1,energy_mwh=2", "--json").stdout)
        assert result["revenue_aud"] == local["revenue_aud"]
    with Mantad(h.config, folder=h.folder).start() as again:
        assert again.call("backtest.result", {"id": bid})["revenue_aud"] == result["revenue_aud"]


@needs_data
def test_network_and_demand_charges_are_the_tariff_on_the_charging(tmp_path):
    args = ["--prices", price_file("SA1", "202207"), "--strategy", "threshold",
            "--config", '{"charge_below": 0, "discharge_above": 250}', "--battery", "power_mw=1,energy_mwh=2"]
    plain = json.loads(backtest(*args, "--report", str(tmp_path / "plain"), "--json").stdout)
    charged = json.loads(backtest(*args, "--network-aud-per-mwh", "40", "--demand-aud-per-kw-month", "12.5", "--json").stdout)
    # Recomputed here from the plain run's own intervals: the strategy decides the same either way.
    rows = list(csv.DictReader(open(tmp_path / "plain" / "settlement.csv")))
    mwh = sum(max(0.0, -float(r["power_mw"])) / 12 for r in rows)
    peak_kw = max(max(0.0, -float(r["power_mw"])) * 1000 for r in rows)  # one month: July 2022
    assert mwh > 10 and peak_kw > 900
    assert charged["network_aud"] == pytest.approx(40 * mwh, abs=0.01)
    assert charged["demand_aud"] == pytest.approx(12.5 * peak_kw, abs=0.01)
    assert charged["revenue_aud"] == pytest.approx(plain["revenue_aud"] - charged["network_aud"] - charged["demand_aud"], abs=0.02)
    assert plain["network_aud"] == 0 and plain["demand_aud"] == 0
    assert backtest(*args, "--demand-aud-per-kw-month", "-1", check=False).returncode != 0
