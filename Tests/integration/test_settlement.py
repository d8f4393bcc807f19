"""Live settlement reconciled from the outside: each interval's metered energy
recomputed here from the stored telemetry (sample and hold, as the meter
does), priced at the RRP of the AEMO file read here, FCAS enablement paid at
the service's price from AEMO's DISPATCHPRICE file; and `manta report`'s CSV
files summing exactly to the host's totals."""
import csv
import datetime
import sqlite3
import subprocess

import pytest

from conftest import AEST, BUILD, SHARED, Mantad, base_config, file_rrp, iso, needs_data, price_file

INTERVAL = 300_000
H = 5 / 60
FCAS_FILE = SHARED / "nem" / "dispatch_fcas" / "nem_dispatch_prices_fcas_2025-12-20_2026-01-04.csv"
TRACE = SHARED / "frequency" / "frequency_data_sa_nsw_2018_08_25.csv"




def metered_wh(h, device, start, end):
    """Energy of (start, end] from the stored ac.w samples, each held until the next."""
    rows = h.call("telemetry.history", {"device": device, "point": "ac.w", "from": start - 60_000, "to": end,
                                         "limit": 10_000})
    rows.sort(key=lambda r: r["t_ms"])
    wh = 0.0
    for a, b in zip(rows, rows[1:] + [None]):
        t0 = max(a["t_ms"], start)
        t1 = min(b["t_ms"] if b else end, end)
        if t1 > t0 and (b is None or b["t_ms"] - a["t_ms"] <= 60_000):
            wh += a["value"] * (t1 - t0) / 3_600_000
    return wh


@pytest.fixture(scope="module")
def vic():
    if not SHARED.exists():
        pytest.skip("needs ../shared/data")
    config = base_config(clock={"mode": "replay", "start": "2022-07-17T16:00:00+10:00", "speed": 300},
                         trading={"throughput_cost_aud_per_mwh": 12.5, "network_aud_per_mwh": 30,
                                  "demand_aud_per_kw_month": 9.5})
    config["vpps"][0]["bidding"] = "plan"
    with Mantad(config).start() as h:
        assert h.wait_for(lambda: len(h.call("settlement.intervals", {"vpp": "vic"})) >= 6, timeout=30)
        yield h


@needs_data
def test_each_settled_interval_is_the_metered_energy_at_the_files_rrp(vic):
    rrp = file_rrp("VIC1", "202207")
    rows = vic.call("settlement.intervals", {"vpp": "vic", "limit": 1000})
    batteries = [d["id"] for d in vic.call("devices.list") if d["kind"] == "battery"]
    assert len(batteries) == 4
    checked = 0
    for r in rows[1:6]:  # the first interval began before any reading
        end = r["interval_end_ms"]
        wh = sum(metered_wh(vic, d, end - INTERVAL, end) for d in batteries)
        assert r["energy_wh"] == pytest.approx(wh, rel=1e-9, abs=1e-6), r
        assert r["rrp"] == rrp[end]
        assert r["energy_aud"] == pytest.approx(rrp[end] * wh / 1e6, rel=1e-9, abs=1e-12)
        assert r["cost_aud"] == pytest.approx(12.5 * r["discharged_wh"] / 1e6, rel=1e-12)
        charged = max(0.0, r["discharged_wh"] - r["energy_wh"])
        assert r["network_aud"] == pytest.approx(30 * charged / 1e6, abs=1e-12)
        assert r["total_aud"] == pytest.approx(r["energy_aud"] + r["fcas_aud"] - r["cost_aud"] - r["network_aud"]
                                               - r["demand_aud"], rel=1e-12)
        assert r["members"] == 4 and r["metered"] == 4 and r["revision"] == 0
        checked += 1
    assert checked == 5
    # The evening's prices are above the strategy's 300 AUD/MWh: the fleet sells, and earns.
    assert any(r["energy_wh"] > 1000 and r["energy_aud"] > 0.3 for r in rows)


@needs_data
def test_a_vpp_bidding_its_plan_has_a_record_of_every_interval_it_traded(vic):
    history = {d["interval_end_ms"]: d for d in vic.call("dispatch.history", {"vpp": "vic", "limit": 100})}
    settled = {r["interval_end_ms"]: r for r in vic.call("settlement.intervals", {"vpp": "vic", "limit": 1000})}
    plans = [t for t in vic.call("trades.list", {"vpp": "vic", "status": "settled", "limit": 1000}) if t["source"] == "plan"]
    assert len(plans) >= 4
    for t in plans:
        [iv] = vic.call("bids.get", {"id": t["id"]})["intervals"]
        end = iv["interval_ms"]
        # The evening's prices pass the strategy's 300 AUD/MWh: it sells, offering at the floor.
        assert t["side"] == "generation" and t["market"] == "energy" and t["principal"] == "strategy:threshold"
        assert iv["mw"][0] == pytest.approx(history[end]["target_w"] / 1e6) and iv["cleared_mw"] == iv["mw"][0]
        assert iv["revenue_aud"] == pytest.approx(settled[end]["energy_aud"], rel=1e-12)
        assert iv["status"] == "settled" and iv["submitted_at"] <= iv["cleared_at"] <= iv["settled_at"]


@needs_data
def test_the_summary_is_the_sum_of_its_intervals(vic):
    to = vic.call("settlement.intervals", {"vpp": "vic", "limit": 1000})[-1]["interval_end_ms"]
    rows = vic.call("settlement.intervals", {"vpp": "vic", "to": to, "limit": 1000})
    s = vic.call("settlement.summary", {"vpp": "vic", "to": to})
    assert s["intervals"] == len(rows)
    for key in ("energy_aud", "fcas_aud", "cost_aud", "network_aud", "demand_aud", "total_aud"):
        total = 0.0
        for r in rows:
            total += r[key]
        assert s[key] == total, key  # the same sums in the same order: exact
    assert s["by_vpp"][0]["total_aud"] == s["total_aud"] and s["by_region"][0]["region"] == "VIC1"
    assert sum(d["intervals"] for d in s["by_day"]) == len(rows)
    assert sum(h["intervals"] for h in s["by_hour"]) == len(rows)


@needs_data
def test_each_member_devices_and_sites_part_adds_up_to_the_vpp(vic):
    to = vic.call("settlement.intervals", {"vpp": "vic", "limit": 1000})[-1]["interval_end"]
    summary = vic.call("settlement.summary", {"vpp": "vic", "to": to})
    devices = vic.call("settlement.resources", {"vpp": "vic", "to": to, "by": "device"})
    sites = vic.call("settlement.resources", {"vpp": "vic", "to": to, "by": "site"})
    batteries = sorted(d["id"] for d in vic.call("devices.list") if d["kind"] == "battery")
    assert sorted(d["device"] for d in devices) == batteries and len(sites) == 4
    for rows in (devices, sites):
        assert sum(r["energy_aud"] for r in rows) == pytest.approx(summary["energy_aud"], rel=1e-9)
        assert sum(r["energy_mwh"] for r in rows) == pytest.approx(summary["energy_mwh"], rel=1e-9)
        assert sum(r["cost_aud"] for r in rows) == pytest.approx(summary["cost_aud"], rel=1e-9)
        assert all(r["intervals"] == summary["intervals"] for r in rows)


@needs_data
def test_manta_report_writes_csv_that_reconciles_with_the_summary(vic, tmp_path):
    to = vic.call("settlement.intervals", {"vpp": "vic", "limit": 1000})[-1]["interval_end"]
    out = tmp_path / "report"
    subprocess.run([str(BUILD / "manta"), "report", "--rpc", f"127.0.0.1:{vic.port}", "--to", to, "--out", str(out)],
                   check=True, capture_output=True, timeout=60)
    summary = vic.call("settlement.summary", {"to": to})
    names = {p.name for p in out.iterdir()}
    assert {"settlement.csv", "daily.csv", "monthly.csv", "by_hour.csv", "by_strategy.csv", "by_region.csv",
            "vpp_events.csv", "der_events.csv", "summary.json", "daily-revenue.svg"} <= names
    for name in ("settlement.csv", "daily.csv", "monthly.csv", "by_hour.csv", "by_strategy.csv", "by_region.csv"):
        with open(out / name, newline="") as f:
            rows = list(csv.DictReader(f))
        for key in ("energy_aud", "fcas_aud", "cost_aud", "network_aud", "demand_aud", "total_aud"):
            total = 0.0
            for r in rows:
                total += float(r[key])
            assert total == pytest.approx(summary[key], rel=1e-12, abs=1e-12), (name, key)
    with open(out / "settlement.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == summary["intervals"]
    assert list(rows[0])[:7] == ["vpp", "interval_end", "region", "strategy", "revision", "rrp", "energy_mwh"]
    assert "RAISE6SEC_aud" in rows[0] and "LOWERREG_aud" in rows[0]
    assert (out / "daily-revenue.svg").read_text().startswith("<svg")
    # Read a page of 2 intervals at a time, the report is the same file.
    paged = tmp_path / "paged"
    subprocess.run([str(BUILD / "manta"), "report", "--rpc", f"127.0.0.1:{vic.port}", "--to", to, "--out", str(paged),
                    "--page-rows", "2"], check=True, capture_output=True, timeout=60)
    assert (paged / "settlement.csv").read_text() == (out / "settlement.csv").read_text()
    for name in ("by_site.csv", "by_device.csv"):
        with open(out / name, newline="") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == 4
        assert sum(float(r["energy_aud"]) for r in rows) == pytest.approx(summary["energy_aud"], rel=1e-9), name


@needs_data
def test_an_fcas_bid_is_enabled_and_paid_the_services_price(tmp_path):
    fcas = {}
    with open(FCAS_FILE, newline="") as f:
        for r in csv.DictReader(f):
            if r["REGIONID"] == "NSW1":
                # The file's "+11:00" was added by the pipeline that made it: the clock is market time (UTC+10).
                end = datetime.datetime.fromisoformat(r["SETTLEMENTDATE"][:19]).replace(tzinfo=AEST)
                fcas[int(end.timestamp() * 1000)] = float(r["RAISE6SECRRP"])
    config = base_config(
        clock={"mode": "replay", "start": "2025-12-22T12:00:00+10:00", "speed": 300},
        plugins=[{"instance": "homes", "plugin": "manta.sim",
                  "config": {"homes": 2, "publish_interval_ms": 1000, "frequency": {"file": str(TRACE), "column": "NSW"}}},
                 {"instance": "nsw", "plugin": "manta.nem-file", "config": {"region": "NSW1", "files": [str(FCAS_FILE)]}},
                 {"instance": "hold", "plugin": "manta.threshold", "config": {"charge_below": -1000, "discharge_above": 20000}}],
        vpps=[{"id": "nsw", "region": "NSW1", "market": "nsw", "strategy": "hold", "drivers": ["homes"]}])
    with Mantad(config, folder=tmp_path).start() as h:
        now = h.call("host.info")["clock"]["now_ms"]
        ends = [(now // INTERVAL + 2 + k) * INTERVAL for k in range(2)]
        mw = [0.004] + [0.0] * 9  # 4 kW of the 2 x 5 kW fleet, at a band price of 0: it always clears
        lodged = h.call("bids.submit", {"vpp": "nsw", "market": "RAISE6SEC", "day": "2025-12-22",
                                        "bands": [0, 1, 2, 3, 4, 5, 10, 100, 1000, 10000],
                                        "intervals": [{"interval": iso(e), "mw": mw} for e in ends]})
        assert h.wait_for(lambda: h.call("bids.get", {"id": lodged["id"]})["status"] == "settled", timeout=30)
        got = h.call("bids.get", {"id": lodged["id"]})
        rows = {r["interval_end_ms"]: r for r in h.call("settlement.intervals", {"vpp": "nsw", "limit": 100})}
        for iv in got["intervals"]:
            end = iv["interval_ms"]
            paid = 0.004 * fcas[end] * H
            assert iv["price"] == fcas[end] and iv["cleared_mw"] == pytest.approx(0.004)
            assert rows[end]["fcas_mw"] == {"RAISE6SEC": pytest.approx(0.004)}
            assert rows[end]["fcas"]["RAISE6SEC"] == pytest.approx(paid, rel=1e-12)
            assert iv["revenue_aud"] == pytest.approx(paid, rel=1e-12)
        # Each member's controller was told its share, by rating: 2 kW of raise response each.
        with sqlite3.connect(f"file:{h.db}?mode=ro", uri=True) as db:
            sent = db.execute("SELECT device, value_w FROM control_commands WHERE source = 'fcas:nsw' AND mode = 'raise_response'"
                              " AND value_w > 0").fetchall()
        assert len({d for d, _ in sent}) == 2 and all(w == pytest.approx(2000) for _, w in sent), sent
