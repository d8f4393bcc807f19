"""The pymodbus device simulator as the README tour runs it: one process
per device, picked with --only, never reading stdin, ended by SIGTERM."""

import json
import select
import signal
import socket
import subprocess
import sys

from conftest import SIM, ModbusSim, free_ports


def test_the_simulator_serves_only_the_devices_named_and_stops_on_sigterm(tmp_path):
    """One process per device, as the README tour runs them: --only picks
    devices by name or port, stdin is never read (a background job reading
    a terminal would be stopped), and SIGTERM ends it."""
    ports = free_ports(3)
    spec = tmp_path / "sim.json"
    spec.write_text(json.dumps({"devices": [
        {"name": f"site-{i}", "port": p, "type": "huawei", "values": {"active_power": 1000 * (i + 1)}}
        for i, p in enumerate(ports)]}))

    def listening(port):
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    proc = subprocess.Popen([sys.executable, str(SIM), str(spec), "--only", "site-0", "--only", str(ports[2])],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=SIM.parent)
    try:
        assert [proc.stdout.readline().strip() for _ in range(3)] == [f"READY {ports[0]}", f"READY {ports[2]}", "READY"]
        assert listening(ports[0]) and not listening(ports[1]) and listening(ports[2])
        # A command on stdin goes unread and unanswered: stdin is not the simulator's.
        proc.stdin.write(json.dumps({"port": ports[0], "fault": "timeout"}) + "\n")
        proc.stdin.flush()
        assert select.select([proc.stdout], [], [], 1.0)[0] == []
        assert ModbusSim.registers(ports[0], 32080, 2) == [0, 1000]  # still answering: no fault was set
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0, proc.stderr.read()
        assert not listening(ports[0]) and not listening(ports[2])
    finally:
        proc.kill()

    r = subprocess.run([sys.executable, str(SIM), str(spec), "--only", "nosuch"], capture_output=True, text=True,
                       cwd=SIM.parent, timeout=30)
    assert r.returncode != 0 and "--only nosuch: no such device" in r.stderr and "site-1 (port" in r.stderr, r.stderr
