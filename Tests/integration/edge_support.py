"""A real mosquitto broker, and edge and control mantad configs, for the tests of hosts spread over a broker."""
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import ROOT, Mantad, Stops, price_file

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
needs_mosquitto = pytest.mark.skipif(not Path(MOSQUITTO).exists(), reason="needs mosquitto (apt-get install mosquitto)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker(Stops):
    """mosquitto on loopback, on a port of its own; `restart` keeps the port. Without persistence: a restart
    forgets every session and queued message, the harder case for the hosts."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="manta-mqtt-"))
        self.conf = self.folder / "mosquitto.conf"
        self.conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                             "max_queued_messages 10000\nset_tcp_nodelay true\n")
        self.proc = None

    @property
    def url(self):
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self):
        self.log = open(self.folder / "mosquitto.log", "ab")
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("mosquitto exited:\n" + (self.folder / "mosquitto.log").read_text())
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not listen")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
            self.log.close()

    def restart(self):
        self.stop()
        return self.start()


class SecureBroker(Broker):
    """mosquitto with TLS only (a CA of the test's own, a server certificate for 127.0.0.1) and logins only
    (no anonymous clients): `logins` maps user names to passwords. `ca` is the CA a client must trust."""

    def __init__(self, logins):
        super().__init__()
        f = self.folder
        os.chmod(f, 0o755)  # mosquitto drops root for its own user and must still read these
        self.ca = f / "ca.pem"

        def openssl(*argv):
            subprocess.run(["openssl", *argv], check=True, capture_output=True)
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        openssl("req", "-x509", *ec, "-days", "2", "-subj", "/CN=manta test CA", "-keyout", str(f / "ca.key"),
                "-out", str(self.ca), "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        openssl("req", *ec, "-subj", "/CN=127.0.0.1", "-keyout", str(f / "server.key"), "-out", str(f / "server.csr"))
        (f / "san.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
        openssl("x509", "-req", "-in", str(f / "server.csr"), "-CA", str(self.ca), "-CAkey", str(f / "ca.key"),
                "-CAcreateserial", "-days", "2", "-out", str(f / "server.pem"), "-extfile", str(f / "san.cnf"))
        passwd = f / "passwd"
        for k, (user, password) in enumerate(logins.items()):
            subprocess.run(["mosquitto_passwd", *(["-c"] if k == 0 else []), "-b", str(passwd), user, password],
                           check=True, capture_output=True)
        for x in f.iterdir():
            os.chmod(x, 0o644)
        self.conf.write_text(f"listener {self.port} 127.0.0.1\ncafile {self.ca}\ncertfile {f / 'server.pem'}\n"
                             f"keyfile {f / 'server.key'}\nallow_anonymous false\npassword_file {passwd}\n"
                             "persistence false\nset_tcp_nodelay true\n")

    @property
    def url(self):
        return f"mqtts://127.0.0.1:{self.port}"


def host_config(name, role, mqtt):
    """What every host of the tests' fleet `it` shares: a free port, quick commits, the real clock."""
    return {
        "name": name,
        "role": role,
        "mqtt": {"fleet": "it", **mqtt},
        "api": {"listen": "127.0.0.1:0"},
        "store": {"commit_interval_ms": 100},
        "clock": {"mode": "realtime"},
        "catalog": str(ROOT / "registry" / "catalog" / "points.json"),
        "plugin_dirs": [str(ROOT / "Plugins")],
        "library_dirs": [str(ROOT / ".build" / "debug")],
    }


def edge_config(broker_url, edge_id, homes=4, publish_ms=500, **overrides):
    """An edge: the simulator's homes on sites `<edge_id>-home-NNN`, nothing to trade."""
    config = host_config(edge_id, "edge", {"url": broker_url})
    config["plugins"] = [{"instance": "homes", "plugin": "manta.sim",
                          "config": {"homes": homes, "publish_interval_ms": publish_ms, "site_prefix": f"{edge_id}-home-"}}]
    config.update(overrides)
    return config


def control_config(broker_url, **overrides):
    """A control host: a market and a strategy, and a VPP taking every edge's homes by site pattern."""
    config = host_config("control", "control", {"url": broker_url, "edge_offline_after_ms": 4000})
    config.update({
        "plugins": [
            {"instance": "prices", "plugin": "manta.nem-file", "config": {"region": "VIC1", "files": [price_file("VIC1", "202207")]}},
            {"instance": "threshold", "plugin": "manta.threshold", "config": {"charge_below": 40, "discharge_above": 300}},
        ],
        "vpps": [{"id": "vic", "region": "VIC1", "market": "prices", "strategy": "threshold", "drivers": [], "sites": ["*"]}],
    })
    config.update(overrides)
    return config


def edges(control):
    return {e["id"]: e for e in control.call("host.info")["edges"]}


def committed_samples(db, device_prefix=None):
    """Telemetry rows in a store, optionally only of devices whose id starts with `device_prefix`."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
        if device_prefix is None:
            return c.execute("SELECT COUNT(*) FROM telemetry").fetchone()[0]
        return c.execute("SELECT COUNT(*) FROM telemetry t JOIN devices d ON d.id = t.device "
                         "WHERE d.instance || '/' || d.key LIKE ?", (device_prefix + "%",)).fetchone()[0]


def rows_by_key(db, device_prefix=""):
    """(device id, point, t_ms) -> count of rows across runs: a sample stored twice counts 2."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
        rows = c.execute("SELECT d.instance || '/' || d.key, p.name, t.t_ms, COUNT(*) FROM telemetry t "
                         "JOIN devices d ON d.id = t.device JOIN points p ON p.id = t.point "
                         "WHERE d.instance || '/' || d.key LIKE ? GROUP BY 1, 2, 3", (device_prefix + "%",)).fetchall()
    return {(r[0], r[1], r[2]): r[3] for r in rows}


def last_batch(edge):
    """The last batch number an edge's own store holds (0 before its first)."""
    with sqlite3.connect(f"file:{edge.db}?mode=ro", uri=True) as c:
        row = c.execute("SELECT seq FROM edge_sequences WHERE edge = ?", (edge.config["name"],)).fetchone()
    return row[0] if row else 0


def assert_same_rows(edge, at_control, edge_id):
    """Every sample `edge` committed is in `at_control` (rows_by_key of the control host's store, read however
    it is kept) exactly once, and nothing else of that edge is. Returns how many samples that is."""
    at_edge = {(f"{edge_id}/{d}", p, t): n for (d, p, t), n in rows_by_key(edge.db).items()}
    missing = set(at_edge) - set(at_control)
    extra = set(at_control) - set(at_edge)
    twice = {k: n for k, n in at_control.items() if n > 1}
    assert not missing, f"{len(missing)} of {len(at_edge)} samples never reached the control host, e.g. {sorted(missing)[:3]}"
    assert not extra, f"{len(extra)} samples at the control host the edge never committed, e.g. {sorted(extra)[:3]}"
    assert not twice, f"{len(twice)} samples stored twice at the control host, e.g. {sorted(twice)[:3]}"
    return len(at_edge)


__all__ = ["SecureBroker", "last_batch", "assert_same_rows", "Broker", "Mantad", "edge_config", "control_config", "edges", "committed_samples", "rows_by_key", "needs_mosquitto",
           "free_port"]
