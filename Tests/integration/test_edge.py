"""Edge and control hosts through a real mosquitto broker: the control host sees and commands the edges' devices
as its own, and broker restarts, an edge cut off for a minute, an edge or the control host killed with -9 lose
and duplicate nothing. Counted sample by sample against each edge's own SQLite store."""
import json
import os
import socket
import sqlite3
import subprocess
import threading
import time

import paho.mqtt.client as paho
import pytest

from conftest import Mantad, needs_data
from edge_support import (Broker, SecureBroker, assert_same_rows, control_config, edge_config, edges, free_port, last_batch,
                          needs_mosquitto, rows_by_key)

pytestmark = [needs_mosquitto, needs_data]


def settle(control, edge_hosts):
    """Stops each edge cleanly (its last commit goes into its outbox and to the broker) and says the last batch
    number each one's store holds: the control host must reach it."""
    last = {}
    for e in edge_hosts:
        e.stop()
        last[e.config["name"]] = last_batch(e)
    return last


def same_rows(edge, control, edge_id):
    """Every sample the edge committed is at the control host exactly once (keys mapped to the control's ids)."""
    return assert_same_rows(edge, rows_by_key(control.db, f"{edge_id}/"), edge_id)


def wait_committed(control, edge_id, seq, timeout=60):
    assert control.wait_for(lambda: edges(control).get(edge_id, {}).get("committed_seq", 0) >= seq, timeout), \
        f"control host at {edges(control).get(edge_id)}, edge numbered {seq}"


@pytest.fixture
def broker():
    with Broker() as b:
        yield b.start()


def test_the_control_host_sees_every_edge_device_and_commands_them_through_the_broker(broker):
    with Mantad(control_config(broker.url)) as control, \
            Mantad(edge_config(broker.url, "e1", homes=4)) as e1, Mantad(edge_config(broker.url, "e2", homes=3)) as e2:
        control.start()
        e1.start()
        e2.start()
        assert control.wait_for(lambda: len(control.call("devices.list")) == 14), control.call("devices.list")
        info = control.call("host.info")
        assert info["role"] == "control"
        by_id = {e["id"]: e for e in info["edges"]}
        assert set(by_id) == {"e1", "e2"} and by_id["e1"]["devices"] == 8 and by_id["e2"]["devices"] == 6
        assert all(e["state"] == "online" and e["last_seen_ms"] > 0 for e in by_id.values())
        assert e1.call("host.info")["role"] == "edge"
        ids = {d["id"] for d in control.call("devices.list")}
        assert "e2/homes/e2-home-003.battery" in ids and "e1/homes/e1-home-001.pv" in ids
        # The VPP takes the edges' batteries by site pattern, as if they were local.
        assert control.wait_for(lambda: control.call("vpps.list")[0]["members"] == 7)
        # Telemetry arrives: the control host's latest values come from the edge's simulator.
        assert control.wait_for(lambda: any(r["device"] == "e2/homes/e2-home-002.battery"
                                            for r in control.call("telemetry.latest", {"device": "e2/homes/e2-home-002.battery"})))
        # A setpoint goes through the broker to the edge's driver, and the edge's answer comes back.
        r = control.call("devices.control", {"device": "e2/homes/e2-home-002.battery", "active_power_w": -1500, "duration_s": 60})
        assert r["outcome"] == "applied" and r["applied_w"] == -1500, r
        assert e2.wait_for(lambda: any(abs(x["value"] + 1500) < 1 for x in e2.call(
            "telemetry.latest", {"device": "homes/e2-home-002.battery", "point": "ac.w"})))
        with sqlite3.connect(f"file:{e2.db}?mode=ro", uri=True) as c:
            rows = c.execute("SELECT source, value_w, outcome FROM control_commands").fetchall()
        assert rows == [(f"control:{r['command_id']}", -1500.0, "applied")], rows


def test_the_edge_keeps_its_own_safety_rules(broker):
    """Setpoints published straight onto an edge's topic by an independent MQTT client (paho): an expired one, one for
    a device the edge does not have and one for a disabled device are refused by the edge itself."""
    cfg = edge_config(broker.url, "e1", homes=2, devices=[{"id": "homes/e1-home-002.battery", "enabled": False}])
    with Mantad(cfg) as e1:
        e1.start()
        answers = []
        got = threading.Event()
        client = paho.Client(paho.CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
        client.on_message = lambda c, u, m: (answers.append(json.loads(m.payload)), got.set())
        client.connect("127.0.0.1", broker.port)
        client.subscribe("manta/it/e1/outcomes", qos=1)
        client.loop_start()
        time.sleep(0.5)
        now = int(time.time() * 1000)
        sp = lambda cid, dev, until: {"command_id": cid, "device": dev, "mode": "active_power", "value": 1000,
                                      "valid_from_ms": now - 1000, "valid_until_ms": until}
        client.publish("manta/it/e1/setpoints", json.dumps({"setpoints": [
            sp(7, "homes/e1-home-001.battery", now - 10),
            sp(8, "homes/nowhere.battery", now + 60000),
            sp(9, "homes/e1-home-002.battery", now + 60000),
            sp(10, "homes/e1-home-001.battery", now + 60000),
        ]}), qos=1)
        assert got.wait(10), "no outcomes from the edge"
        client.loop_stop()
        out = {o["command_id"]: o for o in answers[0]["outcomes"]}
        assert out[7]["outcome"] == "rejected" and "expired" in out[7]["message"], out[7]
        assert out[8]["outcome"] == "rejected" and "no device homes/nowhere.battery" in out[8]["message"], out[8]
        assert out[9]["outcome"] == "rejected" and "disabled" in out[9]["message"], out[9]
        assert out[10]["outcome"] == "applied" and out[10]["applied"] == 1000, out[10]


def test_broker_restarts_mid_stream_lose_and_duplicate_no_telemetry(broker):
    with Mantad(control_config(broker.url)) as control, Mantad(edge_config(broker.url, "e1", homes=20, publish_ms=200)) as e1:
        control.start()
        e1.start()
        wait_committed(control, "e1", 5)
        for _ in range(2):
            broker.restart()
            time.sleep(3)
        assert control.wait_for(lambda: edges(control)["e1"]["state"] == "online")
        last = settle(control, [e1])
        wait_committed(control, "e1", last["e1"])
        n = same_rows(e1, control, "e1")
        assert n > 20 * 2 * 10, n


class Cable:
    """A TCP relay between an edge and the broker that the test can cut (connections dropped, new ones refused)."""

    def __init__(self, target_port):
        self.target = target_port
        self.port = free_port()
        self.cut_off = threading.Event()
        self.conns = []
        self.server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            a, _ = self.server.accept()
            if self.cut_off.is_set():
                a.close()
                continue
            try:
                b = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                a.close()
                continue
            self.conns += [a, b]
            for x, y in ((a, b), (b, a)):
                threading.Thread(target=self.pipe, args=(x, y), daemon=True).start()

    def pipe(self, x, y):
        try:
            while data := x.recv(65536):
                y.sendall(data)
        except OSError:
            pass
        for s in (x, y):
            try:
                s.close()
            except OSError:
                pass

    def cut(self):
        self.cut_off.set()
        for s in self.conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.conns = []

    def mend(self):
        self.cut_off.clear()


def test_an_edge_cut_off_for_a_minute_buffers_and_replays_in_order(broker):
    cable = Cable(broker.port)
    with Mantad(control_config(broker.url)) as control, \
            Mantad(edge_config(f"mqtt://127.0.0.1:{cable.port}", "e1", homes=10, publish_ms=500)) as e1:
        control.start()
        e1.start()
        wait_committed(control, "e1", 3)
        seen = []
        watcher = paho.Client(paho.CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
        watcher.on_message = lambda c, u, m: seen.append(json.loads(m.payload)["seq"])
        watcher.connect("127.0.0.1", broker.port)
        watcher.subscribe("manta/it/e1/telemetry", qos=1)
        watcher.loop_start()
        cable.cut()
        cut_at = edges(control)["e1"]["committed_seq"]
        # The control host marks the edge and its devices offline, with the reason.
        assert control.wait_for(lambda: edges(control)["e1"]["state"] == "offline", 30)
        dev = control.call("devices.list")[0]
        assert control.wait_for(lambda: all(d["status"] == "offline" and "edge e1 offline" in d["status_reason"]
                                            for d in control.call("devices.list")), 20), control.call("devices.list")[:2]
        time.sleep(60 - 10)
        held = e1.call("host.info")["edge"]
        assert held["connected"] is False and held["outbox_batches"] >= 100, held
        cable.mend()
        # Reconnected (libmosquitto backs off to 10 s between tries), the edge replays its outbox.
        assert e1.wait_for(lambda: e1.call("host.info")["edge"]["connected"], 30)
        wait_committed(control, "e1", held["last_seq"], timeout=60)
        last = settle(control, [e1])
        wait_committed(control, "e1", last["e1"])
        watcher.loop_stop()
        firsts = [s for i, s in enumerate(seen) if s not in seen[:i]]
        assert firsts == sorted(firsts), "replayed out of order"
        assert [s for s in firsts if s > cut_at][:3] == [cut_at + 1, cut_at + 2, cut_at + 3], firsts[:10]
        same_rows(e1, control, "e1")
        assert dev["id"].startswith("e1/")


def test_an_edge_killed_with_minus_9_and_restarted_loses_nothing_it_committed(broker):
    cfg = edge_config(broker.url, "e1", homes=10, publish_ms=200)
    with Mantad(control_config(broker.url)) as control, Mantad(cfg) as e1:
        control.start()
        e1.start()
        wait_committed(control, "e1", 5)
        e1.kill9()
        # Gone without a goodbye: the control host notices the silence.
        assert control.wait_for(lambda: edges(control)["e1"]["state"] == "offline", 30)
        reason = edges(control)["e1"]["reason"]
        assert "no message for more than 4 s" in reason or "connection" in reason, reason
        e1.start()
        assert control.wait_for(lambda: edges(control)["e1"]["state"] == "online", 30)
        time.sleep(2)
        last = settle(control, [e1])
        wait_committed(control, "e1", last["e1"])
        same_rows(e1, control, "e1")


def test_a_control_host_killed_with_minus_9_resumes_from_its_session_and_the_outboxes(broker):
    with Mantad(control_config(broker.url)) as control, Mantad(edge_config(broker.url, "e1", homes=10, publish_ms=200)) as e1:
        control.start()
        e1.start()
        wait_committed(control, "e1", 5)
        control.kill9()
        time.sleep(5)
        # Unacknowledged while the control host is away: the edge holds what it cannot hand over.
        assert e1.call("host.info")["edge"]["outbox_batches"] > 0
        control.start()
        time.sleep(2)
        last = settle(control, [e1])
        wait_committed(control, "e1", last["e1"])
        same_rows(e1, control, "e1")


def can_make_namespaces():
    if os.geteuid() != 0:
        return False
    r = subprocess.run(["ip", "netns", "add", "manta-probe"], capture_output=True)
    subprocess.run(["ip", "netns", "del", "manta-probe"], capture_output=True)
    return r.returncode == 0


@pytest.mark.skipif(not can_make_namespaces(), reason="needs root and ip netns (CAP_NET_ADMIN)")
def test_edges_in_their_own_network_namespaces_reach_the_control_host_across_veth_links():
    """Two edges, each in a network namespace of its own joined to this one by a veth pair: their traffic to the
    broker really crosses interfaces (the host side's byte counters say so)."""
    made = []
    try:
        for k in (1, 2):
            ns, host_if, ns_if = f"manta-e{k}", f"mve{k}h", f"mve{k}n"
            subprocess.run(["ip", "netns", "add", ns], check=True)
            made.append((ns, host_if))
            subprocess.run(["ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if], check=True)
            subprocess.run(["ip", "link", "set", ns_if, "netns", ns], check=True)
            subprocess.run(["ip", "addr", "add", f"10.231.{k}.1/30", "dev", host_if], check=True)
            subprocess.run(["ip", "link", "set", host_if, "up"], check=True)
            for cmd in (["ip", "addr", "add", f"10.231.{k}.2/30", "dev", ns_if], ["ip", "link", "set", ns_if, "up"],
                        ["ip", "link", "set", "lo", "up"]):
                subprocess.run(["ip", "netns", "exec", ns, *cmd], check=True)
        b = Broker()
        b.conf.write_text(f"listener {b.port} 0.0.0.0\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\n")
        with b, Mantad(control_config(b.url)) as control:
            b.start()
            control.start()
            hosts = []
            for k in (1, 2):
                e = Mantad(edge_config(f"mqtt://10.231.{k}.1:{b.port}", f"e{k}", homes=3), args=())
                e.netns = f"manta-e{k}"
                hosts.append(e)
            procs = []
            for e in hosts:
                log = open(e.log_path, "ab")
                procs.append(subprocess.Popen(["ip", "netns", "exec", e.netns, str(__import__("conftest").MANTAD), "--config",
                                               str(e.config_path)], stdout=log, stderr=subprocess.STDOUT))
            try:
                assert control.wait_for(lambda: len(control.call("devices.list")) == 12, 30), open(hosts[0].log_path).read()[-2000:]
                assert control.wait_for(lambda: all(e["committed_seq"] >= 3 for e in edges(control).values()), 30)
                for k in (1, 2):
                    rx = int(open(f"/sys/class/net/mve{k}h/statistics/rx_bytes").read())
                    # Three telemetry batches of 3 homes are over 1.5 kB (the MQTT framing and TCP headers aside).
                    assert rx > 1_500, f"edge e{k}'s traffic did not cross its veth ({rx} bytes)"
            finally:
                for p in procs:
                    p.terminate()
                    p.wait(20)
    finally:
        for ns, host_if in made:
            subprocess.run(["ip", "link", "del", host_if], capture_output=True)
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def test_a_broker_with_tls_and_logins_admits_only_hosts_that_trust_it_and_know_their_password(tmp_path, monkeypatch):
    logins = {"control": "control-pw-5f2a", "e1": "e1-pw-81c9", "e2": "e2-pw-0d3e"}
    with SecureBroker(logins) as broker:
        broker.start()
        (tmp_path / "control.pw").write_text("control-pw-5f2a\n")
        monkeypatch.setenv("E1_BROKER_PASSWORD", "e1-pw-81c9")

        def secured(config, user, trust=True, **password):
            config["mqtt"].update(username=user, **password, **({"ca_file": str(broker.ca)} if trust else {}))
            return config
        control = secured(control_config(broker.url), "control", password_file=str(tmp_path / "control.pw"))
        e1 = secured(edge_config(broker.url, "e1", homes=2), "e1", password_env="E1_BROKER_PASSWORD")
        wrong = secured(edge_config(broker.url, "e2", homes=2), "e2", password_env="E1_BROKER_PASSWORD")
        untrusting = edge_config(broker.url, "e3", homes=2)
        monkeypatch.setenv("E2_BROKER_PASSWORD", "e2-pw-0d3e")
        untrusting = secured(untrusting, "e2", trust=False, password_env="E2_BROKER_PASSWORD")
        with Mantad(control) as c, Mantad(e1) as h1, Mantad(wrong) as h2, Mantad(untrusting) as h3:
            for h in (c, h1, h2, h3):
                h.start()
            assert c.wait_for(lambda: len(c.call("devices.list")) == 4), c.call("host.info")
            broker_info = c.call("host.info")["broker"]
            assert broker_info["url"] == broker.url and broker_info["connected"] and broker_info["username"] == "control"
            r = c.call("devices.control", {"device": "e1/homes/e1-home-001.battery", "active_power_w": -800, "duration_s": 60})
            assert r["outcome"] == "applied", r
            # A wrong password is refused by the broker; a broker certificate from a CA the edge does not
            # trust (the system's store, here) is refused by the edge. Both say why and keep trying.
            assert h2.wait_for(lambda: "refused" in (h2.call("host.info")["edge"].get("broker_error") or ""), 20), \
                h2.call("host.info")["edge"]
            assert h3.wait_for(lambda: "cannot connect" in (h3.call("host.info")["edge"].get("broker_error") or ""), 20), \
                h3.call("host.info")["edge"]
            assert not h2.call("host.info")["edge"]["connected"] and not h3.call("host.info")["edge"]["connected"]
            assert set(edges(c)) == {"e1"}
