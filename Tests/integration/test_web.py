"""JSON-RPC over HTTP (POST /rpc) and WebSocket (/ws) on a real mantad: the same
answers as the TCP API, bearer tokens, TLS, and what hostile clients get. The clients
are Python's http.client, ssl and websocket-client: nothing of Manta's."""
import http.client
import json
import socket
import ssl
import subprocess
import time

import pytest
import websocket

from conftest import Mantad, base_config, needs_data, self_signed

pytestmark = needs_data

TOKEN = "operator-token-0123456789abcdef"


def web_config(**api):
    config = base_config()
    config["api"] = dict(config["api"], http={"listen": "127.0.0.1:0"}, **api)
    return config


def post(port, body, headers=None, conn=None):
    """One POST /rpc; (status, headers, decoded body or None)."""
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    c.request("POST", "/rpc", body=raw, headers={"Content-Type": "application/json", **(headers or {})})
    r = c.getresponse()
    data = r.read()
    return r.status, r, (json.loads(data) if data else None)


def tcp(h, message):
    """The TCP API's answer to the same message, for comparison."""
    with h.client() as c:
        c.send_raw((message if isinstance(message, bytes) else json.dumps(message).encode()) + b"\n")
        return c.recv()


@pytest.fixture(scope="module")
def web():
    with Mantad(web_config()) as h:
        h.start()
        yield h


def test_http_answers_as_the_tcp_api_does(web):
    same = [
        {"jsonrpc": "2.0", "id": 1, "method": "rpc.discover"},
        {"jsonrpc": "2.0", "id": "x", "method": "no.such.method"},
        {"jsonrpc": "2.0", "id": 2, "method": "market.prices", "params": {"region": "XX1"}},
        {"jsonrpc": "2.0", "id": 3, "method": "host.shutdown", "params": {"junk": [1]}},
        [{"jsonrpc": "2.0", "id": 4, "method": "vpps.list"}, {"jsonrpc": "2.0", "method": "host.info"},
         {"jsonrpc": "2.0", "id": 5, "method": "devices.list", "params": {"limit": 0}}],
        [],
    ]
    for message in same:
        status, _, answer = post(web.http_port, message)
        assert status == 200, message
        assert answer == tcp(web, message), message
    # Bytes that are not JSON, or hold a raw NUL: the same parse errors.
    for raw in [b"{bad", b'{"jsonrpc":"2.0","id":9,"method":"host.info"}\x00']:
        status, _, answer = post(web.http_port, raw)
        assert status == 200 and answer["error"]["code"] == -32700
        assert answer == tcp(web, raw)
    # Notifications only: nothing to answer.
    status, r, answer = post(web.http_port, {"jsonrpc": "2.0", "method": "host.info"})
    assert status == 204 and answer is None


def test_keep_alive_carries_many_requests_on_one_connection(web):
    conn = http.client.HTTPConnection("127.0.0.1", web.http_port, timeout=10)
    for i in range(200):
        status, r, answer = post(web.http_port, {"jsonrpc": "2.0", "id": i, "method": "host.info"}, conn=conn)
        assert status == 200 and answer["id"] == i and answer["result"]["name"] == "manta"
        assert r.getheader("Cache-Control") == "no-store"
    # One socket served them all: the host saw one HTTP connection (plus none left over).
    info = tcp(web, {"jsonrpc": "2.0", "id": 1, "method": "host.info"})["result"]
    assert info["api"]["http"]["connections"] == 1
    conn.close()


def test_what_is_not_a_json_rpc_post_is_refused_with_a_status(web):
    c = http.client.HTTPConnection("127.0.0.1", web.http_port, timeout=10)
    c.request("GET", "/rpc")
    r = c.getresponse()
    assert r.status == 405 and r.getheader("Allow") == "POST" and "POST /rpc" in json.loads(r.read())["error"]["message"]
    c.request("GET", "/elsewhere")
    r = c.getresponse()
    assert r.status == 404 and "/ws" in json.loads(r.read())["error"]["message"]
    # A form post (what a page on another site could send without asking) is not JSON-RPC.
    status, _, answer = post(web.http_port, b"method=host.shutdown", {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 415 and "application/json" in answer["error"]["message"]
    # A POST with no length would never be complete: 411 at once, not a wait for the deadline.
    raw = socket.create_connection(("127.0.0.1", web.http_port), timeout=5)
    raw.sendall(b"POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\n")
    assert raw.recv(4096).startswith(b"HTTP/1.1 411")
    raw.close()
    # A WebSocket handshake anywhere but /ws is answered 404, not dropped.
    for path in ("/elsewhere", "/rpc", "/ws2"):
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(f"ws://127.0.0.1:{web.http_port}{path}", timeout=5)
        assert refused.value.status_code == 404 and b"/ws" in refused.value.resp_body
    assert tcp(web, {"jsonrpc": "2.0", "id": 1, "method": "host.info"})["result"]["name"] == "manta"


def test_a_body_over_the_limit_is_413_before_it_is_sent_and_the_host_answers_on(web):
    # Its Content-Length says it all: the answer comes before the body, which is never read.
    with socket.create_connection(("127.0.0.1", web.http_port), timeout=10) as s:
        s.sendall(b"POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (2 << 20))
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
    head, body = answer.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 413") and b"api.max_message_bytes" in body
    assert post(web.http_port, {"jsonrpc": "2.0", "id": 1, "method": "host.info"})[0] == 200


def test_subscriptions_need_a_connection_to_push_to(web):
    status, _, answer = post(web.http_port, {"jsonrpc": "2.0", "id": 1, "method": "subscribe", "params": {"topics": ["events"]}})
    assert status == 200 and answer["error"]["code"] == -32600 and "WebSocket" in answer["error"]["message"]


def test_websocket_calls_and_batches(web):
    ws = websocket.create_connection(f"ws://127.0.0.1:{web.http_port}/ws", timeout=10)
    for message in [{"jsonrpc": "2.0", "id": 1, "method": "vpps.list"}, [{"jsonrpc": "2.0", "id": 2, "method": "rpc.discover"}],
                    {"jsonrpc": "2.0", "id": 3, "method": "vpps.get", "params": {"vpp": "nope"}}]:
        ws.send(json.dumps(message))
        assert json.loads(ws.recv()) == tcp(web, message)
    ws.close()
    # Only /ws upgrades (elsewhere the handshake is refused and the socket closed).
    with pytest.raises((websocket.WebSocketBadStatusException, websocket.WebSocketConnectionClosedException)):
        websocket.create_connection(f"ws://127.0.0.1:{web.http_port}/elsewhere", timeout=10)


def test_a_websocket_message_over_the_limit_closes_it_with_1009():
    config = web_config(max_message_bytes=4096)
    with Mantad(config) as h:
        h.start()
        ws = websocket.create_connection(f"ws://127.0.0.1:{h.http_port}/ws", timeout=10)
        ws.send('{"jsonrpc":"2.0","id":1,"method":"host.info","params":"' + "x" * 8192 + '"}')
        frame = ws.recv_frame()
        assert frame.opcode == websocket.ABNF.OPCODE_CLOSE
        assert int.from_bytes(frame.data[:2], "big") == 1009
        assert h.call("host.info")["name"] == "manta"


def test_bearer_tokens_authorise_a_request_and_wrong_ones_are_refused_and_audited():
    config = web_config(tokens=[{"name": "ops", "token": TOKEN}])
    with Mantad(config) as h:
        h.start()
        create = {"jsonrpc": "2.0", "id": 1, "method": "vpps.create",
                  "params": {"id": "web-made", "region": "VIC1", "market": "prices", "strategy": "threshold", "status": "draft"}}
        status, _, answer = post(h.http_port, create)
        assert status == 200 and answer["error"]["code"] == -32001
        status, _, answer = post(h.http_port, create, {"Authorization": "Bearer not-the-token-at-all"})
        assert status == 401 and answer["error"]["code"] == -32001 and "Authorization" in answer["error"]["message"]
        status, _, answer = post(h.http_port, create, {"Authorization": f"Bearer {TOKEN}"})
        assert status == 200 and "result" in answer, answer
        assert any(v["id"] == "web-made" for v in h.call("vpps.list"))
        time.sleep(0.3)  # the audit rows' commit
        import sqlite3
        rows = sqlite3.connect(h.db).execute("SELECT principal, method, outcome FROM audit_log ORDER BY id").fetchall()
        assert ("ops", "vpps.create", "ok") in rows
        assert any(m == "http.bearer" and o.startswith("denied") for _, m, o in rows)
        # Guessing backs off per peer, as auth.login does.
        statuses = [post(h.http_port, create, {"Authorization": f"Bearer wrong-{i:020d}"})[0] for i in range(8)]
        last = post(h.http_port, create, {"Authorization": f"Bearer {TOKEN}"})[2]
        assert statuses == [401] * 8 and "too many failed logins" in last["error"]["message"]


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion:DeprecationWarning")
def test_tls_serves_https_and_wss_at_tls_1_2_or_later(tmp_path):
    cert, key = self_signed(tmp_path)
    with Mantad(web_config(tls={"cert": str(cert), "key": str(key)})) as h:
        h.start()
        assert "serving HTTP on https://" in h.log_path.read_text()
        context = ssl.create_default_context(cafile=str(cert))
        c = http.client.HTTPSConnection("127.0.0.1", h.http_port, timeout=10, context=context)
        status, _, answer = post(h.http_port, {"jsonrpc": "2.0", "id": 1, "method": "host.info"}, conn=c)
        assert status == 200 and answer["result"]["name"] == "manta"
        assert c.sock.version() == "TLSv1.3"
        ws = websocket.create_connection(f"wss://127.0.0.1:{h.http_port}/ws", timeout=10, sslopt={"context": context})
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 7, "method": "vpps.list"}))
        assert json.loads(ws.recv())["id"] == 7
        ws.close()
        # TLS 1.1 and older are not offered.
        old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        old.load_verify_locations(str(cert))
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
        old.set_ciphers("ALL:@SECLEVEL=0")
        with socket.create_connection(("127.0.0.1", h.http_port), timeout=10) as s:
            with pytest.raises(ssl.SSLError):
                old.wrap_socket(s, server_hostname="127.0.0.1")
        # Plain HTTP on the TLS port is not served.
        with pytest.raises((http.client.HTTPException, ConnectionError, OSError)):
            post(h.http_port, {"jsonrpc": "2.0", "id": 1, "method": "host.info"})


def test_http2_refusals_end_their_stream_cleanly_and_keep_the_connection(tmp_path):
    """curl (nghttp2) speaks HTTP/2 over TLS: a refused POST (wrong type, no body read) is a
    clean 415 on its stream, with no HTTP/1.1 `connection: close`, and a call on the same
    connection after it is answered."""
    cert, key = self_signed(tmp_path)
    with Mantad(web_config(tls={"cert": str(cert), "key": str(key)})) as h:
        h.start()
        url = f"https://127.0.0.1:{h.http_port}/rpc"
        body = '{"jsonrpc":"2.0","id":1,"method":"host.info"}'
        r = subprocess.run(["curl", "-sS", "--http2", "--cacert", str(cert), "-o", "/dev/null",
                            "-w", "%{http_version} %{http_code} %{num_connects}\\n",
                            "-H", "Content-Type: text/plain", "-d", body, url,
                            "--next", "--http2", "--cacert", str(cert), "-o", "/dev/null",
                            "-w", "%{http_version} %{http_code} %{num_connects}\\n",
                            "-H", "Content-Type: application/json", "-d", body, url],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        assert r.stdout.split("\n")[:2] == ["2 415 1", "2 200 0"]  # the second reused the connection


def test_tls_files_that_cannot_be_read_are_config_errors_naming_the_field(tmp_path):
    config = web_config(tls={"cert": str(tmp_path / "missing.pem"), "key": str(tmp_path / "missing.key")})
    h = Mantad(config)
    with pytest.raises(RuntimeError) as failed:
        h.start()
    assert "api.tls.cert" in str(failed.value) and "api.tls.key" in str(failed.value)


def test_connections_beyond_the_limit_are_closed_and_the_rest_are_served():
    with Mantad(web_config(max_connections=20)) as h:
        h.start()
        held = [socket.create_connection(("127.0.0.1", h.http_port), timeout=10) for _ in range(20)]
        time.sleep(0.3)
        extra = socket.create_connection(("127.0.0.1", h.http_port), timeout=10)
        extra.settimeout(5)
        assert extra.recv(1) == b""  # closed at once
        for s in held:
            s.close()
        time.sleep(0.3)
        assert post(h.http_port, {"jsonrpc": "2.0", "id": 1, "method": "host.info"})[0] == 200


def test_a_client_that_never_finishes_its_headers_is_cut_off():
    with Mantad(web_config(idle_timeout_ms=2000)) as h:
        h.start()
        s = socket.create_connection(("127.0.0.1", h.http_port), timeout=10)
        s.sendall(b"POST /rpc HTTP/1.1\r\nHost: x\r\n")
        started = time.time()
        s.settimeout(10)
        while True:
            try:
                s.sendall(b"X-Slow: 1\r\n")
            except OSError:
                break
            s.settimeout(0.5)
            try:
                if s.recv(1) == b"":
                    break
            except socket.timeout:
                pass
            except OSError:  # reset: closed too
                break
            if time.time() - started > 9:
                break
        assert time.time() - started < 6, "a header sent a line every half second held the connection"
