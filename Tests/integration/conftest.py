"""Shared fixtures: a real mantad process and a JSON-RPC client written with
nothing but Python's standard library (so it shares no code with Manta)."""
import csv
import datetime
import json
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
# The ABI minor of the SDK's headers: what a fixture built from them states.
ABI_MINOR = int(re.search(r"#define MANTA_ABI_MINOR (\d+)", (ROOT / "SDK" / "include" / "manta" / "abi.h").read_text()).group(1))
BUILD = ROOT / ".build" / "debug"
MANTAD = BUILD / "mantad"


def price_file(region, yyyymm):
    return str(SHARED / "nem" / "price_and_demand" / region / f"PRICE_AND_DEMAND_{yyyymm}_{region}.csv")


needs_data = pytest.mark.skipif(not SHARED.exists(), reason="needs ../shared/data (real AEMO data)")

# NEM market time: UTC+10 all year (AEMO's clock, whatever a file's suffix says).
AEST = datetime.timezone(datetime.timedelta(hours=10))


def iso(ms):
    """ISO 8601 with offset, in market time, of ms since the epoch."""
    return datetime.datetime.fromtimestamp(ms / 1000, AEST).isoformat()


def file_rrp(region, yyyymm):
    """RRP by interval end (ms) read from a PRICE_AND_DEMAND file itself, independently of Manta."""
    out = {}
    with open(price_file(region, yyyymm), newline="") as f:
        for r in csv.DictReader(f):
            end = datetime.datetime.strptime(r["SETTLEMENTDATE"], "%Y/%m/%d %H:%M:%S").replace(tzinfo=AEST)
            out[int(end.timestamp() * 1000)] = float(r["RRP"])
    return out


def base_config(**overrides):
    config = {
        "api": {"listen": "127.0.0.1:0"},
        "log": {"level": "info"},
        "store": {"commit_interval_ms": 50},
        "clock": {"mode": "replay", "start": "2022-07-17T00:00:00+10:00", "speed": 600},
        "catalog": str(ROOT / "registry" / "catalog" / "points.json"),
        "data_roots": [str(SHARED)],
        "plugin_dirs": [str(ROOT / "Plugins")],
        "library_dirs": [str(BUILD)],
        "plugins": [
            {"instance": "homes", "plugin": "manta.sim", "config": {"homes": 4, "publish_interval_ms": 30000}},
            {"instance": "prices", "plugin": "manta.nem-file",
             "config": {"region": "VIC1", "files": [price_file("VIC1", "202207")]}},
            {"instance": "threshold", "plugin": "manta.threshold",
             "config": {"charge_below": 40, "discharge_above": 300}},
        ],
        "vpps": [{"id": "vic", "region": "VIC1", "market": "prices", "strategy": "threshold", "drivers": ["homes"]}],
    }
    config.update(overrides)
    return config


def self_signed(folder):
    """A self-signed certificate for 127.0.0.1 (its own CA) and its key, made by openssl."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def rss_mb(pid):
    """A process's resident memory now, MB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0


def rpc_error(h, method, params):
    """The error object of a call that must fail."""
    with h.client() as c:
        r = c.request(method, params)
    assert "error" in r, r
    return r["error"]


class Stops:
    """`with X(...) as x:` stops x however the block ends."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Mantad(Stops):
    """mantad running on a free port with its own folder."""

    def __init__(self, config, folder=None, args=()):
        self.args = list(args)
        self.folder = Path(folder or tempfile.mkdtemp(prefix="manta-it-"))
        self.config = dict(config)
        self.config.setdefault("store", {})
        self.config["store"] = dict(self.config["store"], path=str(self.folder / "manta.db"))
        self.config_path = self.folder / "manta.json"
        self.config_path.write_text(json.dumps(self.config, indent=2))
        self.log_path = self.folder / "mantad.log"
        self.proc = None
        self.port = None

    @property
    def db(self):
        return self.folder / "manta.db"

    def start(self, timeout=20):
        self.log = open(self.log_path, "ab")
        offset = self.log.tell()  # a restart appends: read only what this run writes
        self.proc = subprocess.Popen([str(MANTAD), "--config", str(self.config_path), *self.args],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            out = self.log_path.read_bytes()[offset:]
            m = re.search(rb"serving JSON-RPC on [0-9.]+:(\d+)", out)
            web = re.search(rb"serving HTTP on https?://[0-9.]+:(\d+)/", out)
            if m and (web or "http" not in self.config.get("api", {})):
                self.port = int(m.group(1))
                self.http_port = int(web.group(1)) if web else None
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"mantad exited {self.proc.returncode}:\n{self.log_path.read_text()}")
            time.sleep(0.05)
        raise RuntimeError("mantad did not start:\n" + self.log_path.read_text())

    def client(self):
        # With api.tls the TCP API is TLS too; a test's self-signed cert is its own CA.
        tls = self.config.get("api", {}).get("tls")
        return Client(self.port, tls_ca=tls["cert"] if tls else None)

    def call(self, method, params=None):
        with self.client() as c:
            return c.result(method, params)

    def wait_for(self, predicate, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if predicate():
                return True
            time.sleep(0.05)
        return predicate()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log.close()

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()

    def alive(self):
        return self.proc.poll() is None


class Example(Stops):
    """mantad on a shipped example config (examples/<name>/manta.json) as it is, but with its store
    in `folder` and a free port, its output in `log`."""

    def __init__(self, name, folder):
        self.config = ROOT / "examples" / name / "manta.json"
        self.log = Path(folder) / f"{name}.log"
        self.db = Path(folder) / f"{name}.db"
        self.proc = None
        self.port = None

    def start(self, timeout=30):
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([str(MANTAD), "--config", str(self.config), "--listen", "127.0.0.1:0",
                                          "--http-listen", "127.0.0.1:0", "--db", str(self.db)],
                                         stdout=out, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline and self.port is None:
            m = re.search(r"serving JSON-RPC on [0-9.]+:(\d+)", self.log.read_text())
            self.port = int(m.group(1)) if m else None
            if self.port is None and self.proc.poll() is not None:
                raise RuntimeError(f"mantad exited {self.proc.returncode}:\n{self.log.read_text()}")
            time.sleep(0.05)
        if self.port is None:
            raise RuntimeError("mantad did not start:\n" + self.log.read_text())
        return self

    def call(self, method, params=None):
        with Client(self.port) as c:
            return c.result(method, params)

    def stop(self):
        """Ends it as an operator would (SIGTERM) and returns its exit status."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)
        return self.proc.returncode if self.proc else None


class Client:
    """Newline-delimited JSON-RPC 2.0 over a socket: plain, or TLS verified against `tls_ca`."""

    def __init__(self, port, timeout=10, tls_ca=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        if tls_ca:
            context = ssl.create_default_context(cafile=str(tls_ca))
            self.sock = context.wrap_socket(self.sock, server_hostname="127.0.0.1")
        self.buf = b""
        self.next_id = 1
        self.notifications = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()

    def send_raw(self, data: bytes):
        self.sock.sendall(data)

    def send(self, obj):
        self.send_raw(json.dumps(obj).encode() + b"\n")

    def read_line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by mantad")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def recv(self):
        """The next response; notifications the host pushes (after `subscribe`) are kept aside."""
        while True:
            m = json.loads(self.read_line())
            if isinstance(m, dict) and "method" in m and "id" not in m:
                self.notifications.append(m)
                continue
            return m

    def notification(self):
        """The next notification the host pushed."""
        while not self.notifications:
            m = json.loads(self.read_line())
            if isinstance(m, dict) and "method" in m and "id" not in m:
                self.notifications.append(m)
        return self.notifications.pop(0)

    def request(self, method, params=None, id=None):
        req = {"jsonrpc": "2.0", "method": method, "id": self.next_id if id is None else id}
        self.next_id += 1
        if params is not None:
            req["params"] = params
        self.send(req)
        return self.recv()

    def result(self, method, params=None):
        r = self.request(method, params)
        if "error" in r:
            raise AssertionError(f"{method} failed: {r['error']}")
        return r["result"]


@pytest.fixture
def host():
    if not SHARED.exists():
        pytest.skip("needs ../shared/data")
    h = Mantad(base_config()).start()
    yield h
    h.stop()


SIM = ROOT / "Tests" / "Sim" / "modbus_sim.py"


def free_ports(n):
    """`n` TCP ports nothing listens on now."""
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


class ModbusSim(Stops):
    """Tests/Sim/modbus_sim.py serving `devices` (pymodbus servers, one per port)."""

    def __init__(self, devices, folder=None):
        self.folder = Path(folder or tempfile.mkdtemp(prefix="manta-sim-"))
        self.spec = self.folder / "sim.json"
        self.spec.write_text(json.dumps({"devices": devices}))
        self.proc = subprocess.Popen([sys.executable, str(SIM), str(self.spec), "--commands"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=open(self.folder / "sim.log", "w"), text=True,
                                     cwd=SIM.parent)
        while (line := self.proc.stdout.readline().strip()) != "READY":
            if not line:
                raise RuntimeError("simulator exited: " + (self.folder / "sim.log").read_text())

    def command(self, **c):
        self.proc.stdin.write(json.dumps(c) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def fault(self, port, fault):
        assert self.command(port=port, fault=fault) == {"ok": True}

    @staticmethod
    def registers(port, address, count, unit=1, input=False):
        """What the device holds now, read with pymodbus's own client."""
        from pymodbus.client import ModbusTcpClient
        c = ModbusTcpClient("127.0.0.1", port=port)
        c.connect()
        try:
            read = c.read_input_registers if input else c.read_holding_registers
            out = []
            for at in range(address, address + count, 125):
                r = read(at, count=min(125, address + count - at), device_id=unit)
                assert not r.isError(), r
                out += r.registers
            return out
        finally:
            c.close()

    def stop(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
