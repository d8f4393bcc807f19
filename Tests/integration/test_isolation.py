"""Out-of-process plugins against a real mantad: fixture plugins that crash
(SIGSEGV in start, in a callback, in decide), abort or hang, each in its own
manta-runner, next to a healthy sim + threshold VPP that must keep
dispatching while they fail and are restarted."""
import json
import subprocess
import time

import pytest

from conftest import ABI_MINOR, MANTAD, ROOT, SHARED, Mantad, base_config, price_file

FIXTURE = ROOT / "Tests" / "Fixtures" / "plugins" / "fixture.c"

# name -> (kind, behaviour in fixture.c)
VARIANTS = {
    "crash-start": ("driver", 3),
    "crash-callback": ("driver", 6),
    "aborts": ("driver", 7),
    "hangs": ("driver", 8),
    "good-driver": ("driver", 0),
    "crash-decide": ("strategy", 9),
}


def build_fixtures(root):
    for name, (kind, behaviour) in VARIANTS.items():
        folder = root / name
        folder.mkdir(parents=True)
        code = "MANTA_KIND_DRIVER" if kind == "driver" else "MANTA_KIND_STRATEGY"
        subprocess.run(["cc", "-shared", "-fPIC", "-fvisibility=hidden", "-std=c11", "-O1", "-Wall",
                        "-I", str(ROOT / "SDK" / "include"), str(FIXTURE), "-o", str(folder / f"lib{name}.so"), "-lm",
                        f"-DFIXTURE_ID=\"test.{name}\"", f"-DFIXTURE_KIND={code}", f"-DFIXTURE_BEHAVIOUR={behaviour}"],
                       check=True)
        (folder / "manifest.json").write_text(json.dumps({
            "manifest_version": 1, "id": f"test.{name}", "version": "1.0.0", "kind": kind,
            "vendor": "Manta tests", "license": "Apache-2.0", "abi": {"major": 1, "minor": ABI_MINOR},
            "library": f"lib{name}.so", "config_schema": {"type": "object"}}))


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    if not SHARED.exists():
        pytest.skip("needs ../shared/data")
    if not (MANTAD.parent / "manta-runner").exists():
        pytest.skip("needs a built manta-runner")
    plugins = tmp_path_factory.mktemp("isolation-plugins")
    build_fixtures(plugins)
    config = base_config(plugin_call_timeout_ms=1500)
    config["plugin_dirs"] = config["plugin_dirs"] + [str(plugins)]
    config["plugins"] = config["plugins"] + [
        {"instance": name, "plugin": f"test.{name}", "max_restarts": 3} for name in VARIANTS] + [
        # First-party plugins asked to run in runners: a whole VPP out of process.
        {"instance": "homes-proc", "plugin": "manta.sim", "isolation": "process",
         "config": {"homes": 2, "publish_interval_ms": 30000}},
        {"instance": "threshold-proc", "plugin": "manta.threshold", "isolation": "process",
         "config": {"charge_below": 40, "discharge_above": 300}},
        {"instance": "prices-proc", "plugin": "manta.nem-file", "isolation": "process",
         "config": {"region": "NSW1", "files": [price_file("NSW1", "202207")]}}]
    config["vpps"] = config["vpps"] + [
        {"id": "crashy", "region": "VIC1", "market": "prices", "strategy": "crash-decide", "drivers": ["good-driver"]},
        {"id": "isolated", "region": "NSW1", "market": "prices-proc", "strategy": "threshold-proc", "drivers": ["homes-proc"]}]
    with Mantad(config).start(timeout=60) as host:
        yield host


def listed(host):
    return {p["instance"]: p for p in host.call("plugins.list")}


def test_first_party_plugins_stay_in_process_and_others_get_runners(fleet):
    plugins = listed(fleet)
    for first_party in ["homes", "prices", "threshold"]:
        assert plugins[first_party]["isolation"] == "in-process"
        assert plugins[first_party]["pid"] is None
        assert plugins[first_party]["state"] == "started"
    good = plugins["good-driver"]
    assert good["isolation"] == "process"
    assert isinstance(good["pid"], int) and good["pid"] > 0 and good["state"] == "started"
    assert good["restarts"] == 0 and good["last_exit"] is None
    # The runner is a real process, a child of the host.
    with open(f"/proc/{good['pid']}/stat") as f:
        assert int(f.read().rsplit(")", 1)[1].split()[1]) == fleet.proc.pid


@pytest.mark.parametrize("name, reason", [
    ("crash-start", "killed by signal 11 (Segmentation fault)"),
    ("crash-callback", "killed by signal 11 (Segmentation fault)"),
    ("aborts", "killed by signal 6 (Aborted)"),
    ("hangs", "hung: start() not answered within 1500 ms"),
    ("crash-decide", "killed by signal 11 (Segmentation fault)"),
])
def test_a_crash_ends_only_its_runner_and_is_restarted_with_backoff(fleet, name, reason):
    assert fleet.wait_for(lambda: listed(fleet)[name]["restarts"] >= 2, timeout=30), listed(fleet)[name]
    p = listed(fleet)[name]
    assert p["isolation"] == "process"
    assert reason in p["last_exit"]
    assert fleet.alive()
    events = [e for e in fleet.call("events.list", {"limit": 500}) if e["source"] == name and e["kind"] == "plugin.exited"]
    assert len(events) >= 2
    assert reason in events[0]["message"] or reason in events[-1]["message"]
    assert any("restarting in 1000 ms" in e["message"] for e in events)
    assert any("restarting in 2000 ms" in e["message"] for e in events)
    if name in ("crash-callback", "aborts", "crash-decide"):
        # These start fine each time: the restart is an event of its own.
        restarted = [e for e in fleet.call("events.list", {"limit": 500})
                     if e["source"] == name and e["kind"] == "plugin.restarted"]
        assert restarted and "started again in runner" in restarted[0]["message"]


def test_restarts_stop_at_max_restarts_and_the_rest_keeps_dispatching(fleet):
    # max_restarts 3: 1 + 2 + 4 s of backoff, then the instance stays failed.
    assert fleet.wait_for(lambda: listed(fleet)["crash-start"]["restarts"] == 3
                          and listed(fleet)["crash-start"]["state"] == "failed"
                          and listed(fleet)["crash-start"]["pid"] is None, timeout=30)
    time.sleep(1.5)
    p = listed(fleet)["crash-start"]
    assert p["restarts"] == 3 and p["state"] == "failed"
    assert "killed by signal 11" in p["last_error"]
    before = len([r for r in fleet.call("dispatch.history", {"limit": 10000}) if r["vpp"] == "vic"])
    assert fleet.wait_for(lambda: len([r for r in fleet.call("dispatch.history", {"limit": 10000}) if r["vpp"] == "vic"])
                          >= before + 3, timeout=30)
    vic = [r for r in fleet.call("dispatch.history", {"limit": 10000}) if r["vpp"] == "vic"]
    assert all(r["status"] == "ok" for r in vic[:3]), vic[:3]
    assert listed(fleet)["homes"]["state"] == "started" and listed(fleet)["threshold"]["state"] == "started"


def test_a_restart_gets_a_new_pid(fleet):
    # Each exit names the runner that ended: every restart was a new process.
    for name in ["crash-callback", "crash-decide"]:
        events = [e for e in fleet.call("events.list", {"limit": 500}) if e["source"] == name and e["kind"] == "plugin.exited"]
        pids = [int(e["message"].split()[1]) for e in events]
        assert len(pids) >= 2 and len(set(pids)) == len(pids), pids


def test_a_vpp_whose_driver_and_strategy_run_in_runners_dispatches(fleet):
    import sqlite3
    plugins = listed(fleet)
    for name in ["homes-proc", "threshold-proc", "prices-proc"]:
        assert plugins[name]["isolation"] == "process" and plugins[name]["pid"] and plugins[name]["state"] == "started"
    # The sim integrates its batteries on now_ms, answered in the runner:
    # its samples arrive on the host clock, and its SOC is what decides.
    assert fleet.wait_for(lambda: sum(1 for r in fleet.call("dispatch.history", {"limit": 10000})
                                      if r["vpp"] == "isolated" and r["status"] == "ok") >= 3, timeout=30)
    db = sqlite3.connect(f"file:{fleet.db}?mode=ro", uri=True)
    assert fleet.wait_for(lambda: db.execute(
        "SELECT count(*) FROM dispatch_outcomes o JOIN dispatch_commands c ON c.id = o.command_id "
        "JOIN dispatch_intervals i ON i.id = c.interval_id WHERE i.vpp = 'isolated' AND o.outcome IN ('applied', 'clamped')"
    ).fetchone()[0] >= 2, timeout=30)
    devices = [d for d in fleet.call("devices.list") if d["id"].startswith("homes-proc/")]
    assert len(devices) >= 2


def test_a_market_connector_in_a_runner_answers_fetches_and_bids(fleet):
    """market.prices with fetch and market.bid go to NSW1's connector, which
    runs in a runner: its answers are the AEMO file's rows and its bid outcomes."""
    import csv
    with open(price_file("NSW1", "202207")) as f:
        rows = [r for r in csv.DictReader(f)][:6]  # 2022-07-01 00:05 to 00:30 AEST
    got = fleet.call("market.prices", {"region": "NSW1", "from": "2022-07-01T00:00:00+10:00",
                                       "to": "2022-07-01T00:30:00+10:00", "fetch": True})
    assert [p["rrp"] for p in got][-6:] == [float(r["RRP"]) for r in rows]
    assert all(p["region"] == "NSW1" for p in got)
    bid = fleet.call("market.bid", {"region": "NSW1", "interval_end": "2022-07-30T12:00:00+10:00",
                                    "quantity_mw": 1.5, "price": 300})
    assert (bid["status"], bid["message"]) == ("accepted", "lodged for 2022-07-30 12:00"), bid


def test_each_exit_is_audited(fleet):
    import sqlite3
    db = sqlite3.connect(f"file:{fleet.db}?mode=ro", uri=True)
    rows = db.execute("SELECT params, outcome FROM audit_log WHERE method = 'plugin.exited'").fetchall()
    names = {json.loads(p)["instance"] for p, _ in rows}
    assert {"crash-start", "aborts", "crash-callback"} <= names
    assert {o for _, o in rows} <= {"restarting", "failed"}


FAKE_RUNNER = """#!/usr/bin/env python3
import os, struct, sys, time
# A runner that breaks the protocol: a frame of a type that does not exist.
os.write(3, struct.pack("<IBI", 5, 200, 0))
time.sleep(60)
"""


def test_a_runner_that_breaks_the_protocol_is_ended(tmp_path, monkeypatch):
    if not SHARED.exists():
        pytest.skip("needs ../shared/data")
    plugins = tmp_path / "plugins"
    build_fixtures(plugins)
    fake = tmp_path / "fake-runner"
    fake.write_text(FAKE_RUNNER)
    fake.chmod(0o755)
    monkeypatch.setenv("MANTA_RUNNER", str(fake))
    config = base_config(plugin_call_timeout_ms=3000)
    config["plugin_dirs"] = [str(plugins)]
    config["plugins"] = [{"instance": "liar", "plugin": "test.good-driver", "max_restarts": 0}]
    config["vpps"] = []
    with Mantad(config).start(timeout=30) as host:
        p = listed(host)["liar"]
        assert p["state"] == "failed" and p["pid"] is None and p["restarts"] == 0
        assert p["last_exit"] == "protocol violation: unknown or short frame (type 200) (killed by signal 9 (Killed))"
        assert host.alive()


def runner_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_runner_does_not_outlive_its_host(tmp_path):
    """Even when its plugin hangs in a call (no end of stream is ever read),
    a runner ends once its host is killed with SIGKILL."""
    if not SHARED.exists():
        pytest.skip("needs ../shared/data")
    plugins = tmp_path / "plugins"
    build_fixtures(plugins)
    config = base_config(plugin_call_timeout_ms=60000)
    config["plugin_dirs"] = [str(plugins)]
    config["plugins"] = [{"instance": "stuck", "plugin": "test.hangs"}]
    config["vpps"] = []
    host = Mantad(config)
    host.log = open(host.log_path, "ab")
    host.proc = subprocess.Popen([str(MANTAD), "--config", str(host.config_path)], stdout=host.log, stderr=subprocess.STDOUT)
    try:
        runners = []
        deadline = time.time() + 20
        while time.time() < deadline and not runners:
            out = subprocess.run(["pgrep", "-P", str(host.proc.pid)], capture_output=True, text=True).stdout
            runners = [int(p) for p in out.split()]
            time.sleep(0.05)
        assert len(runners) == 1, "the runner did not start"
        time.sleep(0.5)  # inside start(), which never returns
        assert runner_alive(runners[0])
        host.kill9()
        deadline = time.time() + 5
        while time.time() < deadline and runner_alive(runners[0]):
            time.sleep(0.05)
        assert not runner_alive(runners[0])
    finally:
        if host.proc.poll() is None:
            host.kill9()


def test_an_operator_restarts_a_runner_that_stayed_failed(tmp_path):
    """max_restarts 0: a runner killed with -9 stays failed until plugins.restart starts it again
    in a new runner (it serves its devices again); what cannot be restarted is named."""
    if not SHARED.exists():
        pytest.skip("needs ../shared/data")
    plugins = tmp_path / "plugins"
    build_fixtures(plugins)
    config = base_config(plugin_call_timeout_ms=3000)
    config["plugin_dirs"] = config["plugin_dirs"] + [str(plugins)]
    config["plugins"] = config["plugins"] + [{"instance": "solo", "plugin": "test.good-driver", "max_restarts": 0}]
    with Mantad(config).start(timeout=30) as host:
        assert host.wait_for(lambda: listed(host)["solo"]["pid"] is not None)
        first = listed(host)["solo"]["pid"]
        subprocess.run(["kill", "-9", str(first)], check=True)
        assert host.wait_for(lambda: listed(host)["solo"]["state"] == "failed", timeout=10)
        time.sleep(1)
        assert listed(host)["solo"]["state"] == "failed"  # no restarts of its own
        assert host.call("plugins.restart", {"instance": "solo"}) == {"instance": "solo", "restarting": True}
        assert host.wait_for(lambda: listed(host)["solo"]["state"] == "started", timeout=15)
        again = listed(host)["solo"]
        assert again["pid"] not in (None, first) and runner_alive(again["pid"]) and again["restarts"] == 0
        with host.client() as c:
            for instance, words in [("solo", "is started, not failed"), ("homes", "runs in process")]:
                e = c.request("plugins.restart", {"instance": instance})["error"]
                assert e["code"] == -32003 and words in e["message"], e
            assert c.request("plugins.restart", {"instance": "nobody"})["error"]["code"] == -32002
        assert host.alive()
