"""What mantad acknowledges survives kill -9: the telemetry it reports as
committed is in the SQLite file afterwards (read here by Python's own sqlite3),
and the host restarts on the same file with the same device numbers."""
import sqlite3

from conftest import Mantad, base_config, needs_data


def config():
    c = base_config()
    # 200 homes publishing every 5 s of host time at 600x: ~2,900 samples/s.
    c["plugins"][0]["config"] = {"homes": 200, "publish_interval_ms": 5000}
    return c


@needs_data
def test_acknowledged_telemetry_survives_kill_9_and_restart():
    h = Mantad(config()).start()
    assert h.wait_for(lambda: h.call("host.info")["store"]["samples_committed"] >= 20000)
    acknowledged = h.call("host.info")["store"]["samples_committed"]
    devices_before = {d["id"]: d["number"] for d in h.call("devices.list", {"limit": 1000})}
    h.kill9()

    db = sqlite3.connect(h.db)
    stored = db.execute("SELECT COUNT(*) FROM telemetry").fetchone()[0]
    assert stored >= acknowledged
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # Every stored sample is whole: device, point, time and quality set.
    assert db.execute("SELECT COUNT(*) FROM telemetry WHERE device IS NULL OR point IS NULL OR quality IS NULL").fetchone()[0] == 0
    db.close()

    with Mantad(h.config, folder=h.folder).start() as again:
        devices_after = {d["id"]: d["number"] for d in again.call("devices.list", {"limit": 1000})}
        assert devices_after == devices_before
        assert again.wait_for(lambda: again.call("host.info")["store"]["samples_committed"] > 0)
        later = sqlite3.connect(again.db).execute("SELECT COUNT(*) FROM telemetry").fetchone()[0]
        assert later > stored


@needs_data
def test_sigterm_stops_cleanly_and_flushes_everything():
    h = Mantad(config()).start()
    assert h.wait_for(lambda: h.call("host.info")["store"]["samples_committed"] >= 5000)
    h.stop()
    assert h.proc.returncode == 0
    log = h.log_path.read_text()
    committed = int(log.split("stopped; ")[1].split(" samples")[0])
    stored = sqlite3.connect(h.db).execute("SELECT COUNT(*) FROM telemetry").fetchone()[0]
    assert stored == committed  # nothing was left behind in memory
    assert sqlite3.connect(h.db).execute("SELECT state FROM plugins WHERE instance = 'homes'").fetchone()[0]
