"""The TCP JSON-RPC API over TLS (api.tls, or mantad --tls-cert/--tls-key),
checked with Python's ssl module (OpenSSL through CPython, not our C) and
with the `manta` CLI."""
import json
import os
import socket
import ssl
import subprocess
import time

import pytest

from conftest import BUILD, MANTAD, Client, Mantad, base_config, needs_data, self_signed

MANTA = str(BUILD / "manta")


def tls_config(cert, key, **api):
    return base_config(api={"listen": "127.0.0.1:0", "tls": {"cert": str(cert), "key": str(key)}, **api})


@needs_data
def test_tcp_api_over_tls_answers_requests_batches_and_pushes(tmp_path):
    cert, key = self_signed(tmp_path)
    with Mantad(tls_config(cert, key)).start() as h:
        assert "(TLS)" in h.log_path.read_text()
        with h.client() as c:
            assert c.sock.version() == "TLSv1.3"
            info = c.result("host.info")
            assert info["name"] == "manta" and info["api"]["tls"] is True
            # A large reply (the OpenRPC document) arrives whole through many TLS records.
            spec = c.result("rpc.discover")
            assert len(json.dumps(spec)) > 16384 and any(m["name"] == "host.info" for m in spec["methods"])
            # A 200-request batch answers every id.
            c.send([{"jsonrpc": "2.0", "id": i, "method": "host.info"} for i in range(200)])
            answers = c.recv()
            assert sorted(a["id"] for a in answers) == list(range(200))
            # Pushed notifications are encrypted on the same stream.
            c.result("subscribe", {"topics": ["prices"]})
            pushed = c.notification()
            assert pushed["method"] == "prices" and pushed["params"]["prices"]


@needs_data
@pytest.mark.filterwarnings("ignore:ssl.TLSVersion:DeprecationWarning")
def test_tls_refuses_old_versions_wrong_cas_and_plain_clients(tmp_path):
    cert, key = self_signed(tmp_path)
    (tmp_path / "other").mkdir()
    other, _ = self_signed(tmp_path / "other")
    with Mantad(tls_config(cert, key)).start() as h:
        # TLS 1.1 and older are not offered.
        old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        old.load_verify_locations(str(cert))
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
        with pytest.raises(ssl.SSLError):
            with socket.create_connection(("127.0.0.1", h.port), timeout=10) as raw:
                old.wrap_socket(raw, server_hostname="127.0.0.1")
        # A client that trusts another CA refuses the host.
        with pytest.raises(ssl.SSLCertVerificationError):
            Client(h.port, tls_ca=other)
        # Plain JSON on the TLS port: one unencrypted error saying so, then the host closes.
        with socket.create_connection(("127.0.0.1", h.port), timeout=10) as raw:
            raw.sendall(b'{"jsonrpc": "2.0", "id": 1, "method": "host.info"}\n')
            data = b""
            while chunk := raw.recv(4096):
                data += chunk
            answer = json.loads(data)
            assert answer["id"] is None and answer["error"]["code"] == -32600
            assert "this port speaks TLS" in answer["error"]["message"]
        # Bytes that are neither TLS nor JSON end the handshake with nothing written.
        with socket.create_connection(("127.0.0.1", h.port), timeout=10) as raw:
            raw.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            data = b""
            while chunk := raw.recv(4096):
                data += chunk
            assert b"jsonrpc" not in data and b"HTTP" not in data  # at most a TLS alert, then EOF
        # None of that cost the host anything.
        assert h.call("host.info")["name"] == "manta"


@needs_data
def test_a_stalled_handshake_is_cut_by_partial_timeout(tmp_path):
    cert, key = self_signed(tmp_path)
    with Mantad(tls_config(cert, key, partial_timeout_ms=300)).start() as h:
        with socket.create_connection(("127.0.0.1", h.port), timeout=10) as raw:
            raw.sendall(b"\x16\x03\x01\x00")  # the first bytes of a ClientHello record, then nothing
            started = time.time()
            assert raw.recv(4096) == b""  # closed, with nothing written
            assert time.time() - started < 5
        assert h.call("host.info")["name"] == "manta"


@needs_data
def test_manta_cli_verifies_the_host_certificate(tmp_path):
    cert, key = self_signed(tmp_path)
    (tmp_path / "other").mkdir()
    other, _ = self_signed(tmp_path / "other")
    with Mantad(tls_config(cert, key)).start() as h:
        address = f"127.0.0.1:{h.port}"
        r = subprocess.run([MANTA, "rpc", "--rpc", address, "--tls-ca", str(cert), "host.info", "--json"],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["name"] == "manta"
        env = dict(os.environ, MANTA_TLS_CA=str(cert))
        r = subprocess.run([MANTA, "rpc", "--rpc", address, "host.info", "--json"], env=env, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        # Without the CA the CLI cannot verify the host, and says so.
        r = subprocess.run([MANTA, "rpc", "--rpc", address, "host.info"], capture_output=True, text=True, timeout=30,
                           env={k: v for k, v in os.environ.items() if k != "MANTA_TLS_CA"})
        assert r.returncode != 0 and "this port speaks TLS" in r.stdout + r.stderr
        # A CA that did not sign the host's certificate: the handshake fails, and the CLI names it.
        r = subprocess.run([MANTA, "rpc", "--rpc", address, "--tls-ca", str(other), "host.info"],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode != 0 and f"TLS to {address} failed" in r.stderr and "certificate" in r.stderr, r.stderr
        # A CA file that is not there.
        r = subprocess.run([MANTA, "rpc", "--rpc", address, "--tls-ca", str(tmp_path / "none.pem"), "host.info"],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode != 0 and "none.pem" in r.stderr, r.stderr


@needs_data
def test_mantad_tls_flags_override_config_and_are_checked(tmp_path):
    cert, key = self_signed(tmp_path)
    with Mantad(base_config(), args=["--tls-cert", str(cert), "--tls-key", str(key)]).start() as h:
        with Client(h.port, tls_ca=cert) as c:
            assert c.sock.version() == "TLSv1.3" and c.result("host.info")["name"] == "manta"
    config = tmp_path / "manta.json"
    config.write_text(json.dumps(base_config(store={"path": str(tmp_path / "m.db")})))
    r = subprocess.run([str(MANTAD), "--config", str(config), "--tls-cert", str(cert)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "--tls-key is missing" in r.stdout + r.stderr
    r = subprocess.run([str(MANTAD), "--config", str(config), "--tls-cert", str(tmp_path / "absent.pem"), "--tls-key", str(key)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "--tls-cert" in r.stdout + r.stderr and "absent.pem" in r.stdout + r.stderr
