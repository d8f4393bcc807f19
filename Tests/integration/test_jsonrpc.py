"""JSON-RPC 2.0 conformance of mantad's API over a real TCP socket, checked
with a client that is not ours (Python's socket and json modules), malformed
input included. Error codes are the spec's: https://www.jsonrpc.org/specification"""
import json
import os
import socket
import sqlite3
import subprocess
import time

import pytest

from conftest import MANTAD, ROOT, Client, Mantad, base_config, needs_data

PARSE, INVALID, NOT_FOUND, PARAMS = -32700, -32600, -32601, -32602


def test_request_response_and_ids_echoed_exactly(host):
    with host.client() as c:
        for ident in [1, 0, -5, "abc", "", 2**40, 1.5]:
            r = c.request("host.info", id=ident)
            assert r["jsonrpc"] == "2.0"
            assert r["id"] == ident and type(r["id"]) is type(ident)
            assert "result" in r and "error" not in r
        r = c.request("host.info", id=None)  # an explicit null id is a request, not a notification
        c.send({"jsonrpc": "2.0", "method": "host.info", "id": None})
        assert c.recv()["id"] is None


def test_host_info_names(host):
    info = host.call("host.info")
    assert isinstance(info["version"], str) and info["version"]
    assert info["abi"]["major"] == 1 and isinstance(info["abi"]["minor"], int)
    assert info["clock"]["mode"] == "replay"


def test_plugins_list_names(host):
    plugins = {p["instance"]: p for p in host.call("plugins.list")}
    assert set(plugins) == {"homes", "prices", "threshold"}
    assert {p["kind"] for p in plugins.values()} == {"driver", "market", "strategy"}
    for p in plugins.values():
        for key in ("id", "kind", "version", "path", "state"):
            assert key in p, key
        assert p["state"] == "started"
        assert os.path.exists(p["path"])
    assert plugins["homes"]["id"] == "manta.sim"


def test_parse_error(host):
    with host.client() as c:
        for garbage in [b"{bad json\n", b"[1, 2\n", b"\xff\xfe\x00binary\n", b'{"jsonrpc": "2.0", "method": "host.info", "id": 1, "id": 2}\n']:
            c.send_raw(garbage)
            r = c.recv()
            assert r["error"]["code"] == PARSE, garbage
            assert r["id"] is None


@pytest.mark.parametrize("request_obj, echoed_id", [
    ({"method": "host.info", "id": 1}, 1),                           # no jsonrpc member
    ({"jsonrpc": "1.0", "method": "host.info", "id": 2}, 2),         # wrong version
    ({"jsonrpc": "2.0", "method": 5, "id": 3}, 3),                   # method not a string
    ({"jsonrpc": "2.0", "method": "host.info", "params": "x", "id": 4}, 4),  # params not structured
    ({"jsonrpc": "2.0", "method": "host.info", "id": {"a": 1}}, None),      # id of the wrong type
    ({"jsonrpc": "2.0", "method": "host.info", "id": 6, "extra": 1}, 6),    # unknown member
    (42, None),                                                       # not an object
])
def test_invalid_request(host, request_obj, echoed_id):
    with host.client() as c:
        c.send(request_obj)
        r = c.recv()
        assert r["error"]["code"] == INVALID
        assert r["id"] == echoed_id


def test_method_not_found(host):
    with host.client() as c:
        r = c.request("no.such.method")
        assert r["error"]["code"] == NOT_FOUND
        assert "no.such.method" in r["error"]["message"]


def test_invalid_params_name_the_field(host):
    with host.client() as c:
        r = c.request("telemetry.history", {"point": "battery.soc"})
        assert r["error"]["code"] == PARAMS and "device: is required" in r["error"]["message"]
        r = c.request("devices.list", {"kind": "toaster"})
        assert r["error"]["code"] == PARAMS and r["error"]["message"].startswith("Invalid params: kind: must be one of")
        r = c.request("dispatch.history", {"limit": -1})
        assert r["error"]["code"] == PARAMS and "limit: must be >= 1" in r["error"]["message"]
        r = c.request("devices.list", {"colour": "red"})
        assert r["error"]["code"] == PARAMS and "colour: unknown field" in r["error"]["message"]
        assert r["error"]["data"]["violations"]
        r = c.request("market.prices", {"region": "VIC1", "from": "last tuesday"})
        assert r["error"]["code"] == PARAMS and "from: not a time" in r["error"]["message"]


def test_by_position_params(host):
    with host.client() as c:
        r = c.request("devices.list", ["homes", None, "battery"])  # instance, site, kind
        assert r["error"]["code"] == PARAMS  # null is not a string: by-position values are checked too
        r = c.request("devices.list", ["homes"])
        assert len(r["result"]) == 8
        r = c.request("devices.list", [1, 2, 3, 4, 5, 6, 7])
        assert r["error"]["code"] == PARAMS and "at most 6 positional params" in r["error"]["message"]


def test_notifications_get_no_response(host):
    with host.client() as c:
        c.send({"jsonrpc": "2.0", "method": "host.info"})
        c.send({"jsonrpc": "2.0", "method": "no.such.method"})  # not even errors are answered
        r = c.request("host.info", id="after")
        assert r["id"] == "after"


def test_batches(host):
    with host.client() as c:
        c.send([
            {"jsonrpc": "2.0", "method": "host.info", "id": "a"},
            {"jsonrpc": "2.0", "method": "host.info"},                    # notification
            {"jsonrpc": "2.0", "method": "no.such", "id": "b"},
            {"foo": "boo"},
            {"jsonrpc": "2.0", "method": "devices.list", "params": {"limit": 0}, "id": "c"},
        ])
        r = c.recv()
        assert isinstance(r, list) and len(r) == 4
        by_id = {x["id"]: x for x in r if x["id"] is not None}
        assert "result" in by_id["a"]
        assert by_id["b"]["error"]["code"] == NOT_FOUND
        assert by_id["c"]["error"]["code"] == PARAMS
        assert [x["error"]["code"] for x in r if x["id"] is None] == [INVALID]
        # An empty batch is one invalid request.
        c.send_raw(b"[]\n")
        r = c.recv()
        assert r["error"]["code"] == INVALID and r["id"] is None
        # A batch of notifications gets nothing back at all.
        c.send([{"jsonrpc": "2.0", "method": "host.info"}, {"jsonrpc": "2.0", "method": "host.info"}])
        assert c.request("host.info", id="next")["id"] == "next"
        # Invalid batch members: each is answered.
        c.send_raw(b"[1, 2]\n")
        r = c.recv()
        assert [x["error"]["code"] for x in r] == [INVALID, INVALID]


def test_rpc_discover_is_openrpc_and_lists_every_method(host):
    doc = host.call("rpc.discover")
    assert doc["openrpc"].startswith("1.")
    names = {m["name"] for m in doc["methods"]}
    for required in ["rpc.discover", "host.info", "plugins.list", "devices.list", "telemetry.latest",
                     "market.prices", "dispatch.history", "host.shutdown"]:
        assert required in names
    for m in doc["methods"]:
        assert m["summary"] and isinstance(m["params"], list) and "schema" in m["result"]
        for p in m["params"]:
            assert set(p) >= {"name", "schema", "required"}
    # Every listed method answers something other than "method not found".
    with host.client() as c:
        for name in sorted(names - {"host.shutdown", "market.bid", "auth.login"}):
            r = c.request(name, {})
            assert r.get("error", {}).get("code") != NOT_FOUND, name


def test_message_size_limit_then_the_connection_carries_on(host):
    with host.client() as c:
        big = b'{"jsonrpc": "2.0", "method": "host.info", "params": {"pad": "' + b"x" * (2 << 20) + b'"}, "id": 1}\n'
        c.send_raw(big)
        r = c.recv()
        assert r["error"]["code"] == INVALID and "1048576-byte limit" in r["error"]["message"]
        assert c.request("host.info", id=2)["id"] == 2


def test_half_messages_garbage_and_abrupt_closes_do_not_hurt(host):
    for payload in [b'{"jsonrpc": "2.0", "meth', os.urandom(10000), b"\x00" * 5000, b"[" * 100000]:
        s = socket.create_connection(("127.0.0.1", host.port))
        s.sendall(payload)
        s.close()
    with host.client() as c:
        assert c.request("host.info", id=1)["id"] == 1
    assert host.alive()


def test_a_slow_client_is_served_and_does_not_stall_others(host):
    slow = socket.create_connection(("127.0.0.1", host.port))
    msg = json.dumps({"jsonrpc": "2.0", "method": "host.info", "id": "slow"}).encode() + b"\n"
    for i, b in enumerate(msg):
        slow.sendall(bytes([b]))
        if i == 10:
            # Mid-message, another client is answered at once.
            with host.client() as fast:
                t = time.time()
                assert fast.request("host.info", id="fast")["id"] == "fast"
                assert time.time() - t < 1.0
        time.sleep(0.001)
    buf = b""
    while not buf.endswith(b"\n"):
        buf += slow.recv(65536)
    assert json.loads(buf)["id"] == "slow"
    slow.close()


def test_a_client_that_never_reads_does_not_stall_the_host(host):
    hog = socket.create_connection(("127.0.0.1", host.port))
    hog.setblocking(False)
    req = (json.dumps({"jsonrpc": "2.0", "method": "rpc.discover", "id": 1}) + "\n").encode()
    sent = 0
    try:
        for _ in range(20000):  # ~ many MB of replies it never reads
            sent += hog.send(req)
    except BlockingIOError:
        pass  # the host stopped reading from it: backpressure
    with host.client() as c:
        t = time.time()
        assert c.request("host.info", id="ok")["id"] == "ok"
        assert time.time() - t < 1.0
    hog.close()
    assert host.alive()


def test_many_connections(host):
    clients = [Client(host.port) for _ in range(100)]
    for i, c in enumerate(clients):
        c.send({"jsonrpc": "2.0", "method": "host.info", "id": i})
    for i, c in enumerate(clients):
        assert c.recv()["id"] == i
        c.sock.close()


@needs_data
def test_partial_message_times_out():
    with Mantad(base_config(api={"listen": "127.0.0.1:0", "partial_timeout_ms": 300})).start() as h:
        with h.client() as c:
            c.send_raw(b'{"jsonrpc": "2.0", "method": "host.in')
            r = c.recv()
            assert r["error"]["code"] == INVALID and "no newline within 300 ms" in r["error"]["message"]
            with pytest.raises(ConnectionError):
                c.read_line()
        assert h.call("host.info")["abi"]["major"] == 1


@needs_data
def test_state_changes_are_authorised_and_audited():
    token = "s3cret-token-for-tests-0001"
    with Mantad(base_config(api={"listen": "127.0.0.1:0", "tokens": [{"name": "ops", "token": token}]})).start() as h:
        with h.client() as c:
            r = c.request("host.shutdown")
            assert r["error"]["code"] == -32001
            r = c.request("auth.login", {"token": "wrong-token-wrong-token"})
            assert r["error"]["code"] == -32001
            assert c.request("auth.login", {"token": token})["result"]["principal"] == "ops"
            assert c.request("host.shutdown")["result"] == {"stopping": True}
        h.proc.wait(20)
        assert h.proc.returncode == 0
        rows = sqlite3.connect(h.db).execute("SELECT principal, method, outcome, params FROM audit_log ORDER BY id").fetchall()
        assert rows[0][1:3] == ("host.shutdown", "denied: call auth.login with an API token first")
        assert rows[1][1:3] == ("auth.login", "denied: unknown token")
        assert rows[2][:3] == ("ops", "auth.login", "ok")
        assert rows[3][:3] == ("ops", "host.shutdown", "ok")
        assert token not in "".join(r[3] for r in rows)


def test_listen_override_obeys_the_token_rule(tmp_path):
    # The rule that an API other machines can reach needs api.tokens holds
    # for --listen as for api.listen: refused before anything starts.
    h = Mantad(base_config(), folder=tmp_path)  # writes the config; not started
    r = subprocess.run([str(MANTAD), "--config", str(h.config_path), "--listen", "0.0.0.0:0"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2, r.stdout + r.stderr
    assert ("--listen: 0.0.0.0:0 is reachable from other machines; set api.tokens, or listen on 127.0.0.1"
            in r.stderr), r.stderr
    assert not h.db.exists()
    # A malformed address is named the same way api.listen's would be.
    r = subprocess.run([str(MANTAD), "--config", str(h.config_path), "--listen", "localhost:http"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert '--listen: must be HOST:PORT (e.g. 127.0.0.1:7420 or [::1]:7420), got "localhost:http"' in r.stderr, r.stderr


@needs_data
def test_listen_override_on_a_public_address_with_tokens_serves_and_asks_for_them(tmp_path):
    token = "s3cret-token-for-tests-0001"
    config = base_config(api={"listen": "127.0.0.1:0", "tokens": [{"name": "ops", "token": token}]})
    with Mantad(config, folder=tmp_path, args=["--listen", "0.0.0.0:0"]).start() as h:
        assert "serving JSON-RPC on 0.0.0.0:" in h.log_path.read_text()
        with h.client() as c:
            assert c.request("host.info")["result"]["abi"]["major"] == 1
            assert c.request("host.shutdown")["error"]["code"] == -32001


@needs_data
def test_host_shutdown_answers_before_it_exits():
    # The reply waits on the audit commit; the shutdown must not close the
    # connection or the loop before it is written.
    for _ in range(3):
        with Mantad(base_config()).start() as h:
            with h.client() as c:
                t = time.time()
                assert c.request("host.shutdown")["result"] == {"stopping": True}
                assert time.time() - t < 2
            h.proc.wait(20)
            assert h.proc.returncode == 0
            row = sqlite3.connect(h.db).execute("SELECT principal, method, outcome FROM audit_log").fetchone()
            assert row == ("local", "host.shutdown", "ok")


def test_every_method_is_documented(host):
    api = (ROOT / "docs" / "API.md").read_text()
    for m in host.call("rpc.discover")["methods"]:
        assert f"`{m['name']}`" in api, f"{m['name']} is missing from docs/API.md"
