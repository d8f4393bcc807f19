"""A backtest of a site with load (issue 10, part 7): a real Ausgrid household
behind whose meter a home battery sits, on real NSW1 prices, billed with and
without the battery. Every figure is recomputed here from the input files alone
(the household CSV, AEMO's price CSV) and the run's own settlement.csv: the
meter, the energy cost, the network and demand charges, the cap."""
import csv
import datetime as dt
import json
import subprocess
from collections import defaultdict

import pytest

from conftest import BUILD, ROOT, SHARED, Mantad, base_config, needs_data, price_file

MANTA = str(BUILD / "manta")
HOUSEHOLD = SHARED / "load_pv" / "ausgrid_solarhome_customer12_2011-2012.csv"
NEM12 = SHARED / "load_pv" / "charliedotau_vic_household_NEM12_2013-12_2014-12.csv"
POWERWALL = "power_mw=0.005,energy_mwh=0.0135,eta_rt=0.9,soc0=0.5"
H = 5 / 60  # an interval, hours


def run(*args, check=True):
    r = subprocess.run([MANTA, "backtest", *args], capture_output=True, text=True, cwd=ROOT)
    if check:
        assert r.returncode == 0, r.stdout + r.stderr
    return r


def household():
    """(month, day) -> 48 half-hour (load W, PV W): GC and GG are the half hour's mean kW."""
    days = defaultdict(lambda: [(0.0, 0.0)] * 48)
    with open(HOUSEHOLD) as f:
        for row in list(csv.reader(f))[1:]:
            t = dt.datetime.strptime(row[0], "%Y-%m-%d %H:%M:%S")
            day = days[(t.month, t.day)]
            day = list(day)
            day[t.hour * 2 + t.minute // 30] = (float(row[1]) * 1000, float(row[2]) * 1000)
            days[(t.month, t.day)] = day
    return days


def prices(path):
    """Interval end (naive market time) -> RRP."""
    with open(path) as f:
        return {dt.datetime.strptime(r["SETTLEMENTDATE"], "%Y/%m/%d %H:%M:%S"): float(r["RRP"]) for r in csv.DictReader(f)}


def bill(intervals, net_w, cap, window, demand_rate, demand_window, weekdays_only, network):
    """The meter's bill on spot pass-through: energy at RRP both ways, network per MWh imported, a monthly demand
    charge on the peak half hour's mean import starting in the demand window (weekdays), and the cap's counts."""
    energy = net = 0.0
    over = 0
    peak_cap = 0.0
    blocks = defaultdict(float)
    for (end, rrp), w in zip(intervals, net_w):
        start = end - dt.timedelta(minutes=5)
        energy += rrp * w * H / 1e6
        net += network * max(0.0, w) * H / 1e6
        minute = start.hour * 60 + start.minute
        if window[0] <= minute < window[1]:
            peak_cap = max(peak_cap, w)
            over += w > cap + 1
        block = start.replace(minute=start.minute // 30 * 30)
        blocks[block] += w * H
    peaks = defaultdict(float)
    for block, wh in blocks.items():
        minute = block.hour * 60 + block.minute
        if demand_window[0] <= minute < demand_window[1] and (not weekdays_only or block.weekday() < 5):
            peaks[(block.year, block.month)] = max(peaks[(block.year, block.month)], max(0.0, wh / 0.5) / 1000)
    return dict(energy_aud=energy, network_aud=net, demand_aud=sum(peaks.values()) * demand_rate,
                intervals_over_cap=over, peak_import_in_cap_window_w=peak_cap)


ARGS = ["--prices", price_file("NSW1", "202207"), "--battery", POWERWALL, "--site-load", str(HOUSEHOLD),
        "--import-cap", "1500@16:00-20:00", "--demand-tariff", "12.5/kW/month@16:00-20:00@weekdays",
        "--network-aud-per-mwh", "80"]


@needs_data
def test_a_household_with_a_battery_is_billed_as_recomputed_from_the_files(tmp_path):
    report = tmp_path / "report"
    out = json.loads(run(*ARGS, "--strategy", "mpc-persistence", "--json", "--report", str(report)).stdout)
    site = out["site"]
    assert site["name"] == HOUSEHOLD.stem and site["layout"] == "ausgrid"
    rrp = prices(price_file("NSW1", "202207"))
    intervals = sorted(rrp.items())
    assert len(intervals) == 31 * 288 == out["intervals"]
    days = household()

    def flows(end):
        start = end - dt.timedelta(minutes=5)
        return days[(start.month, start.day)][start.hour * 2 + start.minute // 30]

    load = [flows(end) for end, _ in intervals]
    assert abs(site["load_mwh"] - sum(l for l, _ in load) * H / 1e6) < 1e-6
    assert abs(site["pv_mwh"] - sum(p for _, p in load) * H / 1e6) < 1e-6
    terms = dict(cap=1500, window=(960, 1200), demand_rate=12.5, demand_window=(960, 1200), weekdays_only=True, network=80)
    # Without the battery: from the two input files alone.
    bare = bill(intervals, [l - p for l, p in load], **terms)
    for key, value in bare.items():
        assert abs(site["without_battery"][key] - value) < 0.006, (key, site["without_battery"][key], value)
    # With it: the battery's power from the run's settlement, against the same files.
    rows = list(csv.DictReader(open(report / "settlement.csv")))
    battery = [float(r["power_mw"]) * 1e6 for r in rows]
    for r, (l, p), b in zip(rows, load, battery):
        assert abs(float(r["site_load_w"]) - l) < 1e-3 and abs(float(r["site_pv_w"]) - p) < 1e-3
        assert abs(float(r["site_grid_w"]) - (l - p - b)) < 1.01  # power_mw is written to the watt
    held = bill(intervals, [l - p - b for (l, p), b in zip(load, battery)], **terms)
    for key in ["energy_aud", "network_aud", "demand_aud"]:
        assert abs(site["with_battery"][key] - held[key]) < 0.05, (key, site["with_battery"][key], held[key])
    # Spot pass-through both ways: the energy saved is what the battery earned at the RRP.
    assert abs(site["energy_saving_aud"] - out["energy_revenue_aud"]) < 0.02
    assert abs(site["saving_aud"] - (site["without_battery"]["total_aud"] - site["with_battery"]["total_aud"])) < 0.011
    # The seed's scenario: the evening import passes 1.5 kW without the battery; with it, never.
    assert site["without_battery"]["intervals_over_cap"] > 50 and site["without_battery"]["peak_import_in_cap_window_w"] > 2900
    assert site["with_battery"]["intervals_over_cap"] == 0 and held["intervals_over_cap"] == 0
    assert site["with_battery"]["peak_import_in_cap_window_w"] <= 1501
    assert site["import_cap"]["intervals"] == 31 * 48
    # The demand charge falls to the cap's 1.5 kW: 18.75 AUD against the household's own evening peak.
    assert abs(site["with_battery"]["demand_aud"] - 1.5 * 12.5) < 0.02 and site["demand_saving_aud"] > 15
    assert site["demand_peaks"][0]["period"] == "2022-07" and site["demand_peaks"][0]["with_battery"] <= 1.5001
    assert site["saving_aud"] > 50
    summary = (report / "summary.md").read_text()
    assert "## Site " + HOUSEHOLD.stem in summary and "| demand |" in summary


@needs_data
def test_the_api_runs_the_same_site_backtest_as_the_cli():
    params = {"prices": [price_file("NSW1", "202207")], "battery": POWERWALL, "strategy": "threshold",
              "site_load": str(HOUSEHOLD), "import_cap": {"limit_w": 1500, "from": "16:00", "to": "20:00"},
              "demand_tariff": {"rate_aud": 12.5, "unit": "kW", "period": "month", "from": "16:00", "to": "20:00",
                                "days": ["mon", "tue", "wed", "thu", "fri"]},
              "network_aud_per_mwh": 80}
    with Mantad(base_config(plugins=[], vpps=[])).start() as h, h.client() as c:
        bid = c.result("backtest.run", params)["id"]
        # A strategy plugin's backtest runs in a child CLI: the site goes with it.
        plugin = c.result("backtest.run", dict(params, strategy="manta.threshold"))["id"]
        for bad, message in [
            (dict(params, site_load="/etc/passwd"), "site_load"),
            (dict(params, site_load=str(SHARED / "load_pv")), "site_load: " + str(SHARED / "load_pv") + " is not a file"),
            ({k: v for k, v in params.items() if k != "site_load"}, "import_cap and demand_tariff need site_load"),
            (dict(params, import_cap={"limit_w": 1500, "from": "16:00", "to": "16:00"}), "import_cap: from and to are the same"),
            (dict(params, import_cap={"limit_w": -1, "from": "16:00", "to": "18:00"}), "limit_w"),
            (dict(params, import_cap={"limit_w": 1500, "from": "25:00", "to": "18:00"}), "import_cap.from"),
            (dict(params, demand_tariff={"rate_aud": 10, "unit": "kVA"}), "demand_tariff.power_factor: a charge per kVA needs"),
            (dict(params, demand_tariff={"rate_aud": 10, "power_factor": 0.9}), "demand_tariff.power_factor: only for unit kVA"),
            (dict(params, demand_tariff={"rate_aud": 1e9}), "rate_aud"),
            (dict(params, demand_aud_per_kw_month=5), "demand_aud_per_kw_month bills the batteries' own charging"),
        ]:
            e = c.request("backtest.run", bad)["error"]
            assert e["code"] == -32602 and message in e["message"], (bad, e)
        assert h.wait_for(lambda: h.call("backtest.status", {"id": bid})["state"] in ("done", "failed"), timeout=120)
        api = h.call("backtest.result", {"id": bid})
        assert h.wait_for(lambda: h.call("backtest.status", {"id": plugin})["state"] in ("done", "failed"), timeout=120)
        child = h.call("backtest.result", {"id": plugin})
    # The host's replay clock ends the API's run at its now; the CLI runs the same range.
    cli = json.loads(run(*ARGS, "--strategy", "threshold", "--to", api["to"], "--json").stdout)
    assert api["intervals"] == cli["intervals"] > 288 and api["site"]["load_mwh"] > 0.1
    assert api["site"] == cli["site"] == child["site"]


@needs_data
def test_a_nem12_meter_file_is_billed_on_what_crossed_the_meter():
    out = json.loads(run("--prices", price_file("VIC1", "202207"), "--battery", POWERWALL, "--site-load", str(NEM12),
                         "--demand-tariff", "9.8/kVA/month@15:00-21:00", "--power-factor", "0.9",
                         "--strategy", "threshold", "--json").stdout)["site"]
    assert out["layout"] == "nem12" and out["demand_tariff"]["unit"] == "kVA" and out["demand_tariff"]["power_factor"] == 0.9
    # July 2014's E1 readings (kWh per half hour), replayed onto July 2022.
    kwh = {}
    for row in csv.reader(open(NEM12)):
        if row[0] == "300" and row[1][4:6] == "07":
            kwh[int(row[1][6:8])] = [float(x) for x in row[2:50]]
    assert len(kwh) == 31
    assert abs(out["load_mwh"] - sum(map(sum, kwh.values())) / 1000) < 1e-6 and out["pv_mwh"] == 0
    # The demand charge without the battery: the month's highest half hour from 15:00 to 21:00, in kVA.
    peak_kw = max(v * 2 for day in kwh.values() for i, v in enumerate(day) if 30 <= i < 42)
    assert abs(out["without_battery"]["demand_aud"] - peak_kw / 0.9 * 9.8) < 0.01


@pytest.mark.parametrize("args, message", [
    (["--import-cap", "1500@16:00-18:00"], "--import-cap, --demand-tariff and --power-factor need --site-load"),
    (["--site-load", "/nonexistent.csv"], "--site-load: /nonexistent.csv is not a file"),
    (["--site-load", str(HOUSEHOLD), "--import-cap", "1500"], "--import-cap: expected W@HH:MM-HH:MM[@DAYS]"),
    (["--site-load", str(HOUSEHOLD), "--import-cap", "1500@16:00-18:00@someday"], "--import-cap: days 'someday'"),
    (["--site-load", str(HOUSEHOLD), "--import-cap", "1500@16:00-16:00"], "the window's start and end are the same"),
    (["--site-load", str(HOUSEHOLD), "--demand-tariff", "12/kVA/month"], "a charge per kVA needs the site's power factor"),
    (["--site-load", str(HOUSEHOLD), "--demand-tariff", "12/kW/year"], "--demand-tariff: expected RATE/kW|kVA/month|day"),
    (["--site-load", str(HOUSEHOLD), "--demand-tariff", "12/kVA/day", "--power-factor", "1.5"], "power_factor must be above 0"),
    (["--site-load", str(HOUSEHOLD), "--demand-aud-per-kw-month", "4"], "--demand-aud-per-kw-month bills the batteries' own charging"),
])
@needs_data
def test_site_arguments_are_checked(args, message):
    r = run("--prices", price_file("NSW1", "202207"), "--battery", POWERWALL, *args, check=False)
    assert r.returncode != 0 and message in r.stderr, r.stderr


@needs_data
def test_a_file_that_is_no_household_data_is_refused_naming_its_line(tmp_path):
    bad = tmp_path / "meter.csv"
    bad.write_text(",GC,GG\n2011-07-01 00:00:00,0.39,0.0\n2011-07-01 00:30:00,lots,0.0\n")
    r = run("--prices", price_file("NSW1", "202207"), "--battery", POWERWALL, "--site-load", str(bad), check=False)
    assert r.returncode == 1 and f"site load: {bad}:3: expected 'YYYY-MM-DD HH:MM:SS,GC,GG'" in r.stderr, r.stderr
    bad.write_text("100,NEM12,201412161532,X,Y\n200,1111111111,E1,001,E1,N1,1,KWH,30,\n300,20140701,1,2\n900\n")
    r = run("--prices", price_file("NSW1", "202207"), "--battery", POWERWALL, "--site-load", str(bad), check=False)
    assert r.returncode == 1 and f"{bad}:3: a 300 record needs a YYYYMMDD date and 48 readings" in r.stderr, r.stderr
