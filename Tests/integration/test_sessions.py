"""Browser sessions on a real mantad: POST /login gives an HttpOnly, SameSite=Strict cookie
(Secure under TLS) that authorises HTTP calls and a WebSocket from the host's own origin only,
expires, and ends at POST /logout."""
import http.client
import json
import ssl
import subprocess
import time

import websocket

from conftest import Mantad, base_config, needs_data

pytestmark = needs_data

TOKEN = "operator-token-0123456789"


def host(tmp_path=None, ttl=28800, tls=None):
    config = base_config()
    config["api"] = dict(config["api"], http={"listen": "127.0.0.1:0", "session_ttl_s": ttl},
                         tokens=[{"name": "ops", "token": TOKEN, "role": "operator"}])
    if tls:
        config["api"]["tls"] = tls
    return Mantad(config)


def post(conn, path, body, headers=None):
    conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json", **(headers or {})})
    r = conn.getresponse()
    data = r.read()
    return r, (json.loads(data) if data else None)


CREATE = {"jsonrpc": "2.0", "id": 1, "method": "vpps.create",
          "params": {"id": "from-browser", "region": "VIC1", "market": "prices", "strategy": "threshold", "status": "draft"}}


def test_a_login_cookie_authorises_calls_from_the_hosts_own_pages_until_logout():
    with host() as h:
        h.start()
        c = http.client.HTTPConnection("127.0.0.1", h.http_port, timeout=10)
        r, answer = post(c, "/login", {"token": "wrong-token-000000000000"})
        assert r.status == 401 and r.getheader("Set-Cookie") is None
        r, answer = post(c, "/login", {"token": TOKEN})
        assert r.status == 200 and answer["principal"] == "ops" and answer["role"] == "operator"
        cookie = r.getheader("Set-Cookie")
        attrs = [a.strip() for a in cookie.split(";")]
        assert attrs[0].startswith("manta_session=") and len(attrs[0]) == len("manta_session=") + 64
        assert {"Path=/", "HttpOnly", "SameSite=Strict", "Max-Age=28800"} <= set(attrs) and "Secure" not in attrs
        session = attrs[0]
        origin = f"http://127.0.0.1:{h.http_port}"
        same = {"Cookie": session, "Origin": origin, "Host": f"127.0.0.1:{h.http_port}"}
        # A page of another origin sending the cookie (the CSRF case) is refused.
        r, answer = post(c, "/rpc", CREATE, {**same, "Origin": "http://evil.example"})
        assert r.status == 401 and "another origin" in answer["error"]["message"]
        r, answer = post(c, "/rpc", CREATE, same)
        assert r.status == 200 and answer["result"]["id"] == "from-browser"
        # The WebSocket of the same page is the session's too; another origin's is not.
        ws = websocket.create_connection(f"ws://127.0.0.1:{h.http_port}/ws", timeout=10, cookie=session, origin=origin)
        ws.send(json.dumps({**CREATE, "method": "vpps.delete", "params": {"id": "from-browser"}}))
        assert "result" in json.loads(ws.recv())
        ws.close()
        ws = websocket.create_connection(f"ws://127.0.0.1:{h.http_port}/ws", timeout=10, cookie=session, origin="http://evil.example")
        ws.send(json.dumps(CREATE))
        assert json.loads(ws.recv())["error"]["code"] == -32001
        ws.close()
        r, answer = post(c, "/logout", {}, {"Cookie": session})
        assert r.status == 200 and answer == {"logged_out": True} and "Max-Age=0" in r.getheader("Set-Cookie")
        r, answer = post(c, "/rpc", CREATE, same)
        assert answer["error"]["code"] == -32001
        time.sleep(0.3)
        import sqlite3
        rows = sqlite3.connect(h.db).execute("SELECT principal, method, outcome FROM audit_log").fetchall()
        assert ("ops", "http.login", "ok") in rows and ("ops", "vpps.create", "ok") in rows


def test_a_session_expires():
    with host(ttl=1) as h:
        h.start()
        c = http.client.HTTPConnection("127.0.0.1", h.http_port, timeout=10)
        r, _ = post(c, "/login", {"token": TOKEN})
        session = r.getheader("Set-Cookie").split(";")[0]
        r, answer = post(c, "/rpc", CREATE, {"Cookie": session})
        assert "result" in answer
        time.sleep(1.5)
        r, answer = post(c, "/rpc", {**CREATE, "params": {**CREATE["params"], "id": "too-late"}}, {"Cookie": session})
        assert answer["error"]["code"] == -32001


def test_under_tls_the_cookie_is_secure(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    with host(tls={"cert": str(cert), "key": str(key)}) as h:
        h.start()
        c = http.client.HTTPSConnection("127.0.0.1", h.http_port, timeout=10, context=ssl.create_default_context(cafile=str(cert)))
        r, _ = post(c, "/login", {"token": TOKEN})
        assert "Secure" in [a.strip() for a in r.getheader("Set-Cookie").split(";")]
