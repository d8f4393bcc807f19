"""mantad with its store on a real PostgreSQL server (a cluster of the tests' own, on loopback): what the API
answers is what psql reads from the server; a second start carries on from what the server holds; a server
restarted or crashed mid-ingest loses and duplicates nothing, counted sample by sample against each edge's
own SQLite store; a server that is not there at start is named in a clear error."""
import pytest

from conftest import Mantad, base_config, needs_data
from edge_support import Broker, assert_same_rows, control_config, edge_config, edges, last_batch, needs_mosquitto
from pg_support import Postgres, available

needs_postgres = pytest.mark.skipif(not available, reason="needs PostgreSQL's server (apt-get install postgresql)")
pytestmark = [needs_data, needs_postgres]


@pytest.fixture(scope="module")
def pg():
    server = Postgres().start()
    yield server
    server.destroy()


def on(pg, config, database):
    config = dict(config)
    config["store"] = dict(config.get("store", {}), backend="postgres", url=pg.fresh_database(database))
    return config


def pg_rows_by_key(pg, database, device_prefix=""):
    """As edge_support.rows_by_key, read with psql from the server: (device id, point, t_ms) -> rows."""
    pg.database = database
    rows = pg.query("SELECT d.instance || '/' || d.key, p.name, t.t_ms, COUNT(*) FROM telemetry t "
                    "JOIN devices d ON d.id = t.device JOIN points p ON p.id = t.point "
                    f"WHERE d.instance || '/' || d.key LIKE '{device_prefix}%' GROUP BY 1, 2, 3")
    return {(r[0], r[1], int(r[2])): int(r[3]) for r in rows}


def test_the_api_answers_what_the_server_holds_and_a_restart_carries_on_from_it(pg):
    config = on(pg, base_config(), "single")
    with Mantad(config) as host:
        host.start()
        assert host.wait_for(lambda: len(host.call("dispatch.history", {"limit": 100})) >= 8, 60)
        info = host.call("host.info")
        assert info["store"]["backend"] == "postgres" and info["store"]["connected"] is True
        assert info["store"]["path"].startswith("postgresql://manta@127.0.0.1:")
        assert info["health"]["status"] == "ok", info["health"]
        history = host.call("telemetry.history", {"device": "homes/home-001.battery", "point": "battery.soc", "limit": 1000})
        decisions = host.call("dispatch.history", {"limit": 1000})
    pg.database = "single"
    stored = {int(t): float(v) for t, v in pg.query(
        "SELECT t.t_ms, t.value FROM telemetry t JOIN devices d ON d.id = t.device JOIN points p ON p.id = t.point "
        "WHERE d.key = 'home-001.battery' AND p.name = 'battery.soc'")}
    assert len(history) >= 8
    for s in history:
        assert abs(stored[s["t_ms"]] - s["value"]) < 1e-12, s
    # Every decision the API listed is a row of the server's, with its price and status.
    rows = {}
    for end, price, status, reason in pg.query("SELECT interval_end_ms, price, status, reason FROM dispatch_intervals WHERE run = 1"):
        rows.setdefault(int(end), []).append((float(price), status, reason))
    for d in decisions:
        assert (d["price"], d["status"], d["reason"]) in rows[d["interval_end_ms"]], d
    # Telemetry is in day partitions of the replayed day (17 July 2022, AEST: 16 and 17 July UTC).
    parts = [r[0] for r in pg.query("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                                    "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'telemetry' ORDER BY 1")]
    assert parts and all(p.startswith("telemetry_202207") for p in parts), parts
    devices = dict((k, int(i)) for k, i in pg.query("SELECT instance || '/' || key, id FROM devices"))

    # Started again: the next run, the same device numbers, the earlier run's history still there.
    with Mantad(config) as again:
        again.start()
        info = again.call("host.info")
        assert info["run"] == 2
        assert again.wait_for(lambda: len(again.call("dispatch.history", {"limit": 5})) >= 2, 60)
        listed = {d["id"]: d["number"] for d in again.call("devices.list")}
        assert all(listed[k] == n for k, n in devices.items() if k in listed), (listed, devices)
    assert pg.scalar("SELECT COUNT(DISTINCT run) FROM dispatch_intervals") == 2


def test_a_server_that_is_not_there_is_named_and_the_host_does_not_start(tmp_path):
    # --store-url puts any config's store on PostgreSQL.
    host = Mantad(base_config(), folder=tmp_path, args=["--store-url", "postgresql://manta:hunter2@127.0.0.1:1/manta"])
    with pytest.raises(RuntimeError) as failed:
        host.start()
    log = host.log_path.read_text()
    assert "cannot connect to postgresql://manta:***@127.0.0.1:1/manta" in log, log
    assert "hunter2" not in log
    assert "mantad exited" in str(failed.value)
    wrong = Mantad(base_config(), args=["--store-url", "host=db password=hunter2"])
    with pytest.raises(RuntimeError):
        wrong.start()
    log = wrong.log_path.read_text()
    assert "--store-url: store.url: not a PostgreSQL URI" in log and "hunter2" not in log, log


@needs_mosquitto
@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_a_server_restarted_mid_ingest_loses_and_duplicates_nothing(pg, mode):
    """The control host's store goes away twice while two edges stream; each time its writer holds the batch,
    stops acknowledging the edges (they keep theirs in their outboxes), and commits once the server is back.
    immediate: the server is killed without a shutdown checkpoint and recovers from its WAL on start."""
    database = f"restart_{mode}"
    with Broker() as broker:
        broker.start()
        control_cfg = on(pg, control_config(broker.url), database)
        with Mantad(control_cfg) as control, Mantad(edge_config(broker.url, "e1", homes=10, publish_ms=200)) as e1, \
                Mantad(edge_config(broker.url, "e2", homes=10, publish_ms=200)) as e2:
            control.start()
            e1.start()
            e2.start()
            assert control.wait_for(lambda: all(edges(control).get(e, {}).get("committed_seq", 0) >= 5 for e in ("e1", "e2")), 60)
            for _ in range(2):
                pg.stop(mode)
                # While it is down the host says so, and keeps running.
                assert control.wait_for(lambda: control.call("host.info")["store"]["connected"] is False, 20)
                health = control.call("host.info")["health"]
                assert health["status"] == "degraded" and any("unreachable" in r for r in health["reasons"]), health
                pg.start()
                assert control.wait_for(lambda: control.call("host.info")["store"]["connected"] is True, 30)
            info = control.call("host.info")
            assert info["store"]["failed_batches"] == 0, info["store"]
            last = {}
            for e in (e1, e2):
                e.stop()
                last[e.config["name"]] = last_batch(e)
            assert control.wait_for(lambda: all(edges(control)[e]["committed_seq"] >= last[e] for e in last), 60), \
                (edges(control), last)
        total = sum(assert_same_rows(e, pg_rows_by_key(pg, database, f"{name}/"), name) for e, name in ((e1, "e1"), (e2, "e2")))
        assert total > 2 * 10 * 2 * 20, total
