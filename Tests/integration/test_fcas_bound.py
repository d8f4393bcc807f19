"""The energy + FCAS co-optimised bound from the outside: `manta backtest
--strategy optimal` against HiGHS (highspy) solving the same LP, built
independently in scripts/highs_fcas_bound.py, on real AEMO DISPATCHPRICE
months; the revenue split by market and service; `--markets energy`."""
import csv
import json
import os
import subprocess
import sys

import pytest

from conftest import BUILD, ROOT, SHARED, needs_data

MANTA = str(BUILD / "manta")
FCAS = SHARED / "nem" / "dispatch_fcas"
SERVICES = {"RAISE1SEC", "RAISE6SEC", "RAISE60SEC", "RAISE5MIN", "RAISEREG",
            "LOWER1SEC", "LOWER6SEC", "LOWER60SEC", "LOWER5MIN", "LOWERREG"}

sys.path.insert(0, str(ROOT / "scripts"))
from highs_fcas_bound import grid, read_prices, solve as highs  # noqa: E402


def backtest(*args):
    r = subprocess.run([MANTA, "backtest", "--json", *args], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(r.stdout)


def close(a, b):
    # manta rounds AUD to cents; the LP optima agree to 1e-6 relative.
    return abs(a - b) <= 1e-6 * abs(b) + 0.006


@needs_data
@pytest.mark.parametrize("file, region, spec, kw", [
    ("DISPATCHPRICE_202201.CSV", "NSW1", "power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5", {}),
    ("DISPATCHPRICE_201805.CSV", "SA1", "power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5", {}),  # RAISEREG at 13,000
    ("DISPATCHPRICE_202412.CSV", "SA1", "power_mw=5,energy_mwh=7,eta_rt=0.85,soc0=0.2,soc_min=0.1,soc_max=0.95,cost_per_mwh=8",
     dict(P=5, E=7, rt=0.85, soc0=0.2, smin=0.1, smax=0.95, cost=8)),
    ("nem_dispatch_prices_fcas_2025-12-20_2026-01-04.csv", "QLD1", "power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5", {}),  # all ten
    ("DISPATCHPRICE_202101.CSV", "NSW1", "power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5", {}),  # a whole month
])
def test_the_bound_equals_highs_on_real_months(file, region, spec, kw):
    path = str(FCAS / file)
    out = backtest("--prices", path, "--region", region, "--allow-gaps", "--strategy", "optimal", "--battery", spec)
    expected = highs(grid(read_prices(path, region)), **kw)
    assert close(out["revenue_aud"], expected["revenue"]), (out["revenue_aud"], expected["revenue"])
    assert out["optimal_revenue_aud"] == out["revenue_aud"] and out["capture_ratio"] == 1
    # The split adds up, names every service priced in the data and nothing else.
    assert set(out["fcas_revenue_by_service"]) == set(expected["services"]) <= SERVICES
    assert abs(out["energy_revenue_aud"] + out["fcas_revenue_aud"] - out["revenue_aud"]) <= 0.02
    assert abs(sum(out["fcas_revenue_by_service"].values()) - out["fcas_revenue_aud"]) <= 0.1
    assert out["fcas_revenue_aud"] > 0 and out["markets"] == "energy,fcas"
    # Per-day and per-month revenue carry FCAS too.
    assert abs(sum(m["revenue_aud"] for m in out["monthly"]) - out["revenue_aud"]) <= 0.1


@needs_data
def test_the_one_second_services_count_only_where_the_data_has_them():
    old = backtest("--prices", str(FCAS / "DISPATCHPRICE_202201.CSV"), "--region", "SA1", "--allow-gaps", "--strategy", "optimal",
                   "--battery", "power_mw=1,energy_mwh=2")
    assert "RAISE1SEC" not in old["fcas_revenue_by_service"] and "RAISE6SEC" in old["fcas_revenue_by_service"]
    new = backtest("--prices", str(FCAS / "nem_dispatch_prices_fcas_2025-12-20_2026-01-04.csv"), "--region", "SA1",
                   "--strategy", "optimal", "--battery", "power_mw=1,energy_mwh=2")
    assert set(new["fcas_revenue_by_service"]) == SERVICES


@needs_data
def test_markets_energy_is_the_energy_only_bound():
    path = str(FCAS / "DISPATCHPRICE_202201.CSV")
    args = ["--prices", path, "--region", "NSW1", "--allow-gaps", "--battery", "power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5"]
    energy = backtest(*args, "--strategy", "optimal", "--markets", "energy")
    expected = highs(grid(read_prices(path, "NSW1")), fcas=False)
    assert close(energy["revenue_aud"], expected["revenue"])
    assert energy["fcas_revenue_aud"] == 0 and energy["fcas_revenue_by_service"] == {} and energy["markets"] == "energy"
    both = backtest(*args, "--strategy", "optimal")
    assert both["revenue_aud"] > energy["revenue_aud"]
    # A strategy that trades energy only is measured against the bound of the markets asked for.
    t_both = backtest(*args, "--strategy", "threshold")
    t_energy = backtest(*args, "--strategy", "threshold", "--markets", "energy")
    assert t_both["revenue_aud"] == t_energy["revenue_aud"] and t_both["fcas_revenue_aud"] == 0
    assert t_both["optimal_revenue_aud"] == both["revenue_aud"] and t_energy["optimal_revenue_aud"] == energy["revenue_aud"]


@needs_data
@pytest.mark.parametrize("value", ["fcas", "energy,fcas,capacity", "", "power"])
def test_a_bad_markets_list_is_named(value):
    r = subprocess.run([MANTA, "backtest", "--prices", str(FCAS / "DISPATCHPRICE_202201.CSV"), "--strategy", "optimal",
                        "--battery", "power_mw=1,energy_mwh=2", "--markets", value], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode != 0 and f"--markets: expected energy,fcas or energy, got '{value}'" in r.stderr, r.stderr


@needs_data
def test_a_rule_strategy_trades_fcas_within_the_bound():
    """examples/rules/fcas.json (the issue's "enable RAISE6SEC up to 0.5 MW when its price > 5 and SOC > 40%")
    on a complete month: FCAS revenue by service, never above the co-optimised bound, and what the
    battery could not deliver counted with its reason."""
    path = str(FCAS / "DISPATCHPRICE_202101.CSV")
    config = (ROOT / "examples" / "rules" / "fcas.json").read_text()
    args = ["--prices", path, "--region", "NSW1", "--battery", "power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5",
            "--strategy", "rules", "--config", config]
    out = backtest(*args)
    by = out["fcas_revenue_by_service"]
    assert by["RAISE6SEC"] > 0 and by["RAISEREG"] > 0 and by["LOWERREG"] > 0 and by["RAISE60SEC"] == 0
    assert abs(sum(by.values()) - out["fcas_revenue_aud"]) <= 0.1
    assert 0 < out["revenue_aud"] <= out["optimal_revenue_aud"] and 0 < out["capture_ratio"] <= 1
    assert out["fcas_clamps"] > 0 and "MW: joint capacity" in out["first_fcas_clamp"]
    # The same rules with --markets energy trade energy only.
    energy = backtest(*args, "--markets", "energy")
    assert energy["fcas_revenue_aud"] == 0 and energy["fcas_revenue_by_service"] == {}
    assert energy["energy_revenue_aud"] == energy["revenue_aud"]


@needs_data
def test_a_plugin_trades_fcas_through_the_abi_as_the_engine_does():
    """The same FCAS rules run in process and as the manta.builtin plugin (dlopen'd, decide() filling the
    1.2 decision's fcas_mw from the observation's fcas prices): the same revenue, service by service."""
    path = str(FCAS / "DISPATCHPRICE_202101.CSV")
    rules = json.loads((ROOT / "examples" / "rules" / "fcas.json").read_text())
    args = ["--prices", path, "--region", "SA1", "--battery", "power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5"]
    engine = backtest(*args, "--strategy", "rules", "--config", json.dumps(rules))
    plugin = backtest(*args, "--strategy", str(BUILD / "libmanta_builtin.so"),
                      "--config", json.dumps({"strategy": "rules", "config": rules}))
    assert plugin["strategy"].startswith("manta.builtin")
    assert plugin["fcas_revenue_aud"] > 0
    for key in ["revenue_aud", "energy_revenue_aud", "fcas_revenue_aud", "fcas_revenue_by_service", "fcas_clamps"]:
        assert plugin[key] == engine[key], key


@needs_data
def test_the_report_splits_revenue_by_market(tmp_path):
    report = tmp_path / "report"
    out = backtest("--prices", str(FCAS / "DISPATCHPRICE_202201.CSV"), "--region", "NSW1", "--allow-gaps", "--strategy", "optimal",
                   "--battery", "power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5", "--report", str(report))
    assert "revenue-by-market.svg" in os.listdir(report)
    svg = (report / "revenue-by-market.svg").read_text()
    for name in ["energy"] + list(out["fcas_revenue_by_service"]):
        assert f">{name}<" in svg, name
    rows = list(csv.DictReader(open(report / "settlement.csv")))
    assert abs(sum(float(r["fcas_revenue_aud"] or 0) for r in rows) - out["fcas_revenue_aud"]) < 0.05
    for r in rows:  # each interval: RRP x energy exported, plus its FCAS availability
        if r["price_aud_mwh"]:
            energy = float(r["price_aud_mwh"]) * float(r["power_mw"]) / 12
            assert abs(float(r["revenue_aud"]) - energy - float(r["fcas_revenue_aud"])) < 1e-3
    md = (report / "summary.md").read_text()
    assert "| RAISEREG |" in md and "![revenue by market](revenue-by-market.svg)" in md


@needs_data
def test_the_arena_splits_revenue_by_market(tmp_path):
    r = subprocess.run([MANTA, "arena", "--prices", str(FCAS / "DISPATCHPRICE_202101.CSV"), "--region", "NSW1",
                        "--strategies", "rules,fcas=rules:examples/rules/fcas.json", "--battery", "power_mw=1,energy_mwh=2",
                        "--json", "--report", str(tmp_path / "arena")], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    board = {e["strategy"]: e for e in out["leaderboard"]}
    assert board["fcas"]["fcas_revenue_aud"] > 0 and board["rules"]["fcas_revenue_aud"] == 0
    assert board["fcas"]["fcas_revenue_by_service"]["RAISEREG"] > 0
    assert out["optimal_fcas_revenue_aud"] > 0
    assert all(e["revenue_aud"] <= out["optimal_revenue_aud"] for e in out["leaderboard"])
    assert "of which FCAS (AUD)" in (tmp_path / "arena" / "leaderboard.md").read_text()


@needs_data
def test_mpc_co_optimising_fcas_captures_most_of_the_bound():
    """mpc-fcas on five real days (NSW1, January 2022): energy and FCAS planned together on forecasts,
    within the co-optimised bound and well above FCAS rules on the same days."""
    args = ["--prices", str(FCAS / "DISPATCHPRICE_202201.CSV"), "--region", "NSW1", "--allow-gaps",
            "--battery", "power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.5"]
    mpc = backtest(*args, "--strategy", "mpc-fcas")
    rules = backtest(*args, "--strategy", "rules", "--config", (ROOT / "examples" / "rules" / "fcas.json").read_text())
    assert mpc["strategy_errors"] == 0 and mpc["fcas_revenue_aud"] > 0
    assert rules["revenue_aud"] < mpc["revenue_aud"] <= mpc["optimal_revenue_aud"]
    assert mpc["capture_ratio"] > 0.6
