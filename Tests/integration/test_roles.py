"""Roles on tokens (viewer, operator, admin) on a real mantad, over TCP and over HTTP
with a Bearer header: each method's role as rpc.discover states it, refusals audited."""
import http.client
import json
import sqlite3
import time

import pytest

from conftest import Client, Mantad, base_config, needs_data

pytestmark = needs_data

TOKENS = {"viewer": "viewer-token-0123456789", "operator": "operator-token-0123456789", "admin": "admin-token-0123456789ab"}


def roles_host():
    config = base_config()
    config["api"] = dict(config["api"], http={"listen": "127.0.0.1:0"},
                         tokens=[{"name": f"{r}-1", "token": t, "role": r} for r, t in TOKENS.items()])
    return Mantad(config)


def as_role(h, role):
    c = Client(h.port)
    assert c.result("auth.login", {"token": TOKENS[role]}) == {"principal": f"{role}-1", "role": role}
    return c


def assert_refused(config, field):
    """mantad will not start on `config`, and says which field is wrong."""
    with pytest.raises(RuntimeError) as failed:
        Mantad(config).start()
    assert field in str(failed.value)


CREATE = {"id": "roles-made", "region": "VIC1", "market": "prices", "strategy": "threshold", "status": "draft"}


def test_every_method_states_its_role_and_reads_are_viewers():
    with roles_host() as h:
        h.start()
        methods = h.call("rpc.discover")["methods"]
        assert all(m["x-role"] in ("viewer", "operator", "admin") for m in methods)
        for m in methods:
            assert (m["x-role"] == "viewer") == (not m.get("x-mutating", False)), m["name"]
        by_name = {m["name"]: m["x-role"] for m in methods}
        assert by_name["host.shutdown"] == "admin" and by_name["devices.discover"] == "admin"
        assert by_name["vpps.create"] == by_name["bids.submit"] == by_name["sites.export_limit"] == "operator"
        assert by_name["vpps.list"] == by_name["subscribe"] == "viewer"


def test_each_role_may_do_what_it_is_for_and_no_more():
    with roles_host() as h:
        h.start()
        with as_role(h, "viewer") as viewer:
            assert viewer.result("vpps.list")[0]["id"] == "vic"
            r = viewer.request("vpps.create", CREATE)
            assert r["error"]["code"] == -32001
            assert r["error"]["message"] == "Unauthorized: vpps.create needs the operator role; token viewer-1 is viewer"
            r = viewer.request("dispatch.submit", {"vpp": "vic", "power_w": 1000, "duration_s": 600})
            assert r["error"]["code"] == -32001 and "operator role" in r["error"]["message"]
        with as_role(h, "operator") as operator:
            assert operator.result("vpps.create", CREATE)["id"] == "roles-made"
            r = operator.request("host.shutdown")
            assert r["error"]["code"] == -32001 and "needs the admin role; token operator-1 is operator" in r["error"]["message"]
        # Over HTTP the Bearer token's role is the session's.
        conn = http.client.HTTPConnection("127.0.0.1", h.http_port, timeout=10)
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "vpps.delete", "params": {"id": "roles-made"}})
        conn.request("POST", "/rpc", body=body, headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKENS['viewer']}"})
        assert json.loads(conn.getresponse().read())["error"]["code"] == -32001
        conn.request("POST", "/rpc", body=body, headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKENS['operator']}"})
        assert "result" in json.loads(conn.getresponse().read())
        time.sleep(0.3)
        rows = sqlite3.connect(h.db).execute("SELECT principal, method, outcome FROM audit_log").fetchall()
        assert ("viewer-1", "vpps.create", "denied: vpps.create needs the operator role; token viewer-1 is viewer") in rows
        assert ("operator-1", "host.shutdown", "denied: host.shutdown needs the admin role; token operator-1 is operator") in rows
        assert ("operator-1", "vpps.delete", "ok") in rows
        with as_role(h, "admin") as admin:
            assert admin.result("host.shutdown") == {"stopping": True}
        h.proc.wait(20)
        assert h.proc.returncode == 0


def test_a_token_without_a_role_is_an_admin_as_before_roles_and_a_bad_role_is_named():
    config = base_config()
    config["api"] = dict(config["api"], tokens=[{"name": "old", "token": "an-old-token-0123456789"}])
    with Mantad(config) as h:
        h.start()
        with Client(h.port) as c:
            assert c.result("auth.login", {"token": "an-old-token-0123456789"})["role"] == "admin"
    config["api"]["tokens"][0]["role"] = "root"
    assert_refused(config, "api.tokens[0].role")


def test_without_anonymous_reads_every_read_needs_a_viewer_token_and_refusals_are_audited():
    config = base_config()
    config["api"] = dict(config["api"], http={"listen": "127.0.0.1:0"}, anonymous_reads=False,
                         tokens=[{"name": f"{r}-1", "token": t, "role": r} for r, t in TOKENS.items()])
    with Mantad(config) as h:
        h.start()
        with Client(h.port) as anonymous:
            r = anonymous.request("vpps.list")
            assert r["error"]["code"] == -32001 and "auth.login" in r["error"]["message"]
            assert anonymous.request("subscribe", {"topics": ["dispatch"]})["error"]["code"] == -32001
            # What anyone needs to find the API and log in stays open.
            assert len(anonymous.result("rpc.discover")["methods"]) > 40
            assert anonymous.result("auth.login", {"token": TOKENS["viewer"]})["role"] == "viewer"
            assert anonymous.result("vpps.list")[0]["id"] == "vic"
        conn = http.client.HTTPConnection("127.0.0.1", h.http_port, timeout=10)
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "host.info"})
        conn.request("POST", "/rpc", body=body, headers={"Content-Type": "application/json"})
        assert json.loads(conn.getresponse().read())["error"]["code"] == -32001
        conn.request("POST", "/rpc", body=body, headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKENS['viewer']}"})
        assert json.loads(conn.getresponse().read())["result"]["name"]
        time.sleep(0.3)
        rows = sqlite3.connect(h.db).execute("SELECT principal, method, outcome FROM audit_log").fetchall()
        assert ("anonymous", "vpps.list", "denied: call auth.login with an API token first") in rows \
            or ("local", "vpps.list", "denied: call auth.login with an API token first") in rows
    # It needs tokens: with none nobody could read.
    config["api"].pop("tokens")
    assert_refused(config, "api.anonymous_reads")
