"""Each start of mantad is a run. A replay started again over the same
hours on the same store keeps its history apart instead of interleaving with
(or, as before, failing to store next to) the earlier run's; a batch the
store refuses is an error in the log and in host.info, never silent."""
import sqlite3

from conftest import Mantad, base_config, needs_data


def history(h, **params):
    return h.call("dispatch.history", dict({"limit": 1000}, **params))


@needs_data
def test_a_replay_run_again_on_the_same_store_stores_every_interval_in_its_own_run(tmp_path):
    config = base_config(clock={"mode": "replay", "start": "2022-07-17T00:00:00+10:00", "speed": 1200})
    with Mantad(config, folder=tmp_path).start() as h:
        assert h.wait_for(lambda: len(history(h)) >= 4)
        first_run = h.call("host.info")["run"]
    with Mantad(config, folder=tmp_path).start() as h:
        info = h.call("host.info")
        assert info["run"] == first_run + 1
        assert h.wait_for(lambda: len(history(h)) >= 4)
        ends = [r["interval_end_ms"] for r in history(h)]
        # The current run's intervals only, each once, newest first.
        assert ends == sorted(set(ends), reverse=True)
        assert h.call("host.info")["store"]["failed_batches"] == 0
        # The first run's are still there, under its own id.
        assert len(history(h, run=first_run)) >= 4
        # Telemetry of the same instants is two series, one per run.
        device = h.call("devices.list", {"kind": "battery", "limit": 1})[0]["id"]
        mine = h.call("telemetry.history", {"device": device, "point": "battery.soc", "limit": 1000})
        theirs = h.call("telemetry.history", {"device": device, "point": "battery.soc", "limit": 1000, "run": first_run})
        assert mine and theirs
        assert len({s["t_ms"] for s in mine}) == len(mine), "one sample per instant within a run"
    db = sqlite3.connect(tmp_path / "manta.db")
    runs = db.execute("SELECT id, clock, replay_start_ms FROM runs ORDER BY id").fetchall()
    assert [r[0] for r in runs] == [first_run, first_run + 1]
    assert all(r[1] == "replay" and r[2] == 1657980000000 for r in runs)
    per_run = dict(db.execute("SELECT run, COUNT(*) FROM dispatch_intervals GROUP BY run").fetchall())
    assert per_run[first_run] >= 4 and per_run[first_run + 1] >= 4


@needs_data
def test_a_batch_the_store_refuses_is_an_error_in_the_log_and_in_host_info(tmp_path):
    config = base_config()
    with Mantad(config, folder=tmp_path).start() as h:
        assert h.wait_for(lambda: h.call("host.info")["store"]["samples_committed"] > 0)
    # A trigger that refuses every event row stands in for a failing disk.
    db = sqlite3.connect(tmp_path / "manta.db")
    db.execute("CREATE TRIGGER refuse BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'test: the disk says no'); END")
    db.commit()
    db.close()
    with Mantad(config, folder=tmp_path).start() as h:
        assert h.wait_for(lambda: h.call("host.info")["store"]["failed_batches"] > 0)
        store = h.call("host.info")["store"]
        assert "the disk says no" in store["last_failure"]
    log = (tmp_path / "mantad.log").read_text()
    assert "ERROR [store]" in log and "NOT stored" in log and "the disk says no" in log


@needs_data
def test_every_insert_names_its_columns(tmp_path):
    """A store whose tables have gained a column (a later migration, an
    operator's own) still takes every row: no INSERT relies on position."""
    config = base_config()
    with Mantad(config, folder=tmp_path).start() as h:
        assert h.wait_for(lambda: len(h.call("dispatch.history")) >= 1)
    db = sqlite3.connect(tmp_path / "manta.db")
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    for t in tables:
        db.execute(f"ALTER TABLE {t} ADD COLUMN added_by_test TEXT")
    db.commit()
    db.close()
    with Mantad(config, folder=tmp_path).start() as h:
        assert h.wait_for(lambda: len(h.call("dispatch.history")) >= 2)
        h.call("sites.list")
        with h.client() as c:
            assert c.request("host.shutdown")["result"] == {"stopping": True}
        h.proc.wait(20)
    log = (tmp_path / "mantad.log").read_text()
    assert "NOT stored" not in log, log
    db = sqlite3.connect(tmp_path / "manta.db")
    assert db.execute("SELECT COUNT(*) FROM audit_log WHERE method = 'host.shutdown'").fetchone()[0] == 1
    assert db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 2


@needs_data
def test_every_interval_says_how_fast_it_reached_the_fleet():
    """dispatch_us: decision to the last setpoint handed to a driver; applied_us:
    to the last outcome back. Measured by the host on every interval."""
    with Mantad(base_config()).start() as h:
        assert h.wait_for(lambda: sum(1 for r in h.call("dispatch.history") if r["applied_us"] is not None) >= 3)
        rows = [r for r in h.call("dispatch.history") if r["applied_us"] is not None]
        for r in rows:
            assert r["assets"] == 4 and r["outcomes"] == 4
            assert 0 < r["dispatch_us"] <= r["applied_us"] < 5_000_000, r
