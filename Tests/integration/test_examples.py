"""The examples work as documented: the C example plugin builds with plain cc
outside SwiftPM and passes the validator; the quickstart config runs; the
example rule sets trade."""
import csv
import json
import re
import subprocess
import sys
import time

import pytest

from conftest import BUILD, ROOT, SHARED, Client, Example, Mantad, ModbusSim, base_config, needs_data, price_file

EXAMPLE = ROOT / "examples" / "plugins" / "household-meter"
AUSGRID = SHARED / "load_pv" / "ausgrid_solarhome_customer12_2011-2012.csv"


def build_example():
    subprocess.run(["make", "-s", "-C", str(EXAMPLE)], check=True)
    return EXAMPLE / "libhousehold_meter.so"


@needs_data
def test_c_example_builds_outside_swiftpm_and_passes_the_validator():
    lib = build_example()
    r = subprocess.run([str(BUILD / "manta"), "plugin", "check", str(lib)], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS  devices    1 devices: meter x1" in r.stdout
    exported = subprocess.run(["nm", "-D", "--defined-only", str(lib)], capture_output=True, text=True).stdout
    assert [l.split()[-1] for l in exported.splitlines() if " T " in l] == ["manta_module_entry_v1"]


@needs_data
def test_meter_replays_the_real_household():
    build_example()
    config = base_config(
        clock={"mode": "replay", "start": "2022-01-15T12:10:00+10:00", "speed": 1},
        plugin_dirs=[str(ROOT / "Plugins"), str(ROOT / "examples" / "plugins")],
        plugins=[{"instance": "house", "plugin": "example.household-meter", "config": {"file": str(AUSGRID)}}],
        vpps=[])
    with Mantad(config).start() as h:
        assert h.wait_for(lambda: h.call("telemetry.latest", {"device": "house/house.meter", "point": "ac.w"}))
        reading = h.call("telemetry.latest", {"device": "house/house.meter", "point": "ac.w"})[0]
        # Expected, from the CSV directly: the 12:00-12:30 half hour of 15 January (2012 in the data).
        with open(AUSGRID) as f:
            row = next(r for r in csv.reader(f) if r[0] == "2012-01-15 12:00:00")
        expected = (float(row[2]) - float(row[1])) * 1000
        assert abs(reading["value"] - expected) < 1e-3
        assert reading["quality"] == "good"
        device = h.call("devices.list", {"instance": "house"})[0]
        assert device["kind"] == "meter" and device["read_only"] is True


@needs_data
def test_quickstart_config_trades_the_real_day(tmp_path):
    priced = r"\[vic-homes\] 2022-07-17 (\d\d:\d\d) VIC1 \$(-?[\d.]+)/MWh -> (\w+) ([\d.]+) kW"
    with Example("quickstart", tmp_path).start() as q:
        deadline = time.time() + 30
        while time.time() < deadline and len(re.findall(priced, q.log.read_text())) < 4:
            time.sleep(0.2)
        text = q.log.read_text()
        assert "36 dispatchable assets" in text
        lines = re.findall(priced, text)
        assert len(lines) >= 4, text
        for _, price, action, kw in lines:
            if float(price) <= 40:
                assert action == "charge" and float(kw) == 180  # 36 homes x 5 kW
    assert q.stop() == 0


@needs_data
@pytest.mark.parametrize("name", ["seed.json", "evening-peak.json"])
def test_the_example_rule_sets_trade(name):
    rules = (ROOT / "examples" / "rules" / name).read_text()
    r = subprocess.run([str(BUILD / "manta"), "backtest", "--prices", price_file("SA1", "202206"), "--strategy", "rules",
                        "--config", rules, "--battery", "power_mw=1,energy_mwh=2,eta_rt=0.9,soc0=0.9", "--json"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["strategy_errors"] == 0 and out["discharged_mwh"] > 0 and out["revenue_aud"] > 0


def start_device_example(tmp_path, name):
    """mantad on examples/devices/manta.json with its store in `tmp_path` and a free port. The example's
    relative paths are relative to its folder, so it runs from a copy (`name`) beside it."""
    config = json.loads((ROOT / "examples" / "devices" / "manta.json").read_text())
    config_path = ROOT / "examples" / "devices" / name
    config["store"]["path"] = str(tmp_path / "manta.db")
    config["api"]["listen"] = "127.0.0.1:0"
    config["library_dirs"] = [str(BUILD)]
    config_path.write_text(json.dumps(config))
    proc = subprocess.Popen([str(BUILD / "mantad"), "--config", str(config_path)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    return proc, config_path


def api_port(proc):
    """The port mantad says it serves JSON-RPC on, read from its output as it starts."""
    for line in proc.stdout:
        if m := re.search(r"serving JSON-RPC on [0-9.]+:(\d+)", line):
            return int(m.group(1))
    raise AssertionError("mantad ended without serving JSON-RPC")


def test_the_device_example_finds_and_polls_the_simulated_devices(tmp_path):
    sim = ModbusSim(json.loads((ROOT / "examples" / "devices" / "sim.json").read_text())["devices"], folder=tmp_path)
    proc, config_path = start_device_example(tmp_path, "test-run.json")
    try:
        found = json.loads(subprocess.run([str(BUILD / "manta"), "discover", "127.0.0.1", "--ports", "15020-15030", "--json"],
                                          capture_output=True, text=True, cwd=ROOT, check=True).stdout)
        assert sorted((f["port"], f["kind"]) for f in found) == [
            (15020, "hybrid_inverter"), (15020, "meter"), (15021, "hybrid_inverter"), (15022, "hybrid_inverter"),
            (15023, "hybrid_inverter")]
        port = api_port(proc)
        from conftest import Client
        deadline = time.time() + 20
        while time.time() < deadline:
            with Client(port) as c:
                devices = c.result("devices.list")
            if len(devices) == 5 and all(d["status"] == "online" for d in devices):
                break
            time.sleep(0.3)
        assert {d["id"]: d["status"] for d in devices} == {
            "sunspec/home-1.inverter": "online", "sunspec/home-1.meter": "online", "vendors/home-2.inverter": "online",
            "vendors/home-3.inverter": "online", "vendors/home-4.inverter": "online"}
        with Client(port) as c:
            r = c.result("devices.control", {"device": "sunspec/home-1.inverter", "active_power_w": -2000})
        assert (r["outcome"], r["applied_w"]) == ("applied", -2000)
    finally:
        proc.terminate()
        proc.wait(20)
        config_path.unlink()
        sim.stop()


def test_the_device_tour_stops_one_simulator_and_only_its_devices_go_offline(tmp_path):
    """The README tour with one simulator process per site: stopping
    home-1's takes its two devices offline with the reason, and the other
    sites carry on."""
    import signal
    from conftest import SIM, Client
    spec = ROOT / "examples" / "devices" / "sim.json"
    sims = []
    for only in (["home-1"], ["home-2", "home-3", "home-4"]):
        p = subprocess.Popen([sys.executable, str(SIM), str(spec)] + [a for o in only for a in ("--only", o)],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        sims.append(p)
        while (line := p.stdout.readline().strip()) != "READY":
            assert line, p.stderr.read()
    proc, config_path = start_device_example(tmp_path, "test-tour.json")

    def statuses(port, want, within):
        deadline = time.time() + within
        while True:
            with Client(port) as c:
                devices = {d["id"]: d for d in c.result("devices.list")}
            if {k: d["status"] for k, d in devices.items()} == want or time.time() > deadline:
                return devices
            time.sleep(0.3)
    try:
        port = api_port(proc)
        online = {"sunspec/home-1.inverter": "online", "sunspec/home-1.meter": "online", "vendors/home-2.inverter": "online",
                  "vendors/home-3.inverter": "online", "vendors/home-4.inverter": "online"}
        devices = statuses(port, online, 20)
        assert {k: d["status"] for k, d in devices.items()} == online, {k: d["status_reason"] for k, d in devices.items()}
        sims[0].send_signal(signal.SIGTERM)
        assert sims[0].wait(10) == 0
        after = dict(online, **{"sunspec/home-1.inverter": "offline", "sunspec/home-1.meter": "offline"})
        devices = statuses(port, after, 90)
        assert {k: d["status"] for k, d in devices.items()} == after, {k: d["status_reason"] for k, d in devices.items()}
        assert "15020" in devices["sunspec/home-1.inverter"]["status_reason"]
    finally:
        proc.terminate()
        proc.wait(20)
        config_path.unlink(missing_ok=True)
        for p in sims:
            p.kill()


@needs_data
def test_the_tours_evening_offer_is_lodged_on_the_quickstart(tmp_path):
    offer = json.loads((ROOT / "examples" / "trading" / "evening-offer.json").read_text())
    with Example("quickstart", tmp_path).start() as q:
        lodged = q.call("bids.submit", offer)
        assert lodged["status"] == "submitted" and lodged["intervals"] == 12
        [trade] = q.call("trades.list")
        assert trade["bands"][5] == 300 and trade["reason"].startswith("evening peak")
        bad = dict(offer, bands=[1, 2, 3, 4, 5, 6, 7, 8, 9, 9], intervals=offer["intervals"][:1], reason="")
        with Client(q.port) as c:
            e = c.request("bids.submit", bad)["error"]
        assert "bands[9]" in e["message"] and "ascend" in e["message"]
        report = tmp_path / "report"
        assert q.call("settlement.summary", {"vpp": "vic-homes"})["vpp"] == "vic-homes"
        subprocess.run([str(BUILD / "manta"), "report", "--rpc", f"127.0.0.1:{q.port}", "--out", str(report)],
                       check=True, capture_output=True, timeout=60)
        assert (report / "summary.json").exists() and (report / "settlement.csv").exists()
    assert q.stop() == 0
