"""API tokens managed while the host runs (tokens.create, tokens.revoke, tokens.list) on a
real mantad: an admin issues tokens with roles, each works at once over TCP and HTTP, the
store keeps only their digests, a revoked token loses a session already logged in with it,
and issued tokens survive a restart."""
import hashlib
import http.client
import json
import sqlite3

from conftest import Client, Mantad, base_config, needs_data, rpc_error

pytestmark = needs_data

ADMIN = "admin-token-0123456789abcdef"


def host(folder, tokens=True):
    config = base_config()
    config["api"] = dict(config["api"], http={"listen": "127.0.0.1:0"})
    if tokens:
        config["api"]["tokens"] = [{"name": "root", "token": ADMIN, "role": "admin"}]
    return Mantad(config, folder=folder)


def login(h, token):
    c = Client(h.port)
    c.result("auth.login", {"token": token})
    return c


def test_an_admin_issues_tokens_that_work_at_once_and_revokes_them(tmp_path):
    h = host(tmp_path)
    with h:
        h.start()
        with login(h, ADMIN) as admin:
            ops = admin.result("tokens.create", {"name": "night-shift", "role": "operator"})
            viewer = admin.result("tokens.create", {"name": "dashboard", "role": "viewer"})
            assert ops["role"] == "operator" and ops["token"].startswith("manta_") and len(ops["token"]) == 70
            listed = {t["name"]: t for t in admin.result("tokens.list")}
            assert listed["root"]["source"] == "config" and listed["night-shift"]["source"] == "api"
            assert listed["night-shift"]["created_by"] == "root" and listed["dashboard"]["role"] == "viewer"
            assert all("token" not in t and "sha256" not in t for t in listed.values())
            # Refusals, each naming what was wrong.
            for params, words in [({"name": "night-shift", "role": "viewer"}, "exists"),
                                  ({"name": "root", "role": "viewer"}, "exists"),
                                  ({"name": "bad name", "role": "viewer"}, "name: letters"),
                                  ({"name": "x", "role": "god"}, "role")]:
                e = admin.request("tokens.create", params)["error"]
                assert e["code"] == -32602 and words in e["message"], (params, e)
            e = admin.request("tokens.revoke", {"name": "root"})["error"]
            assert e["code"] == -32602 and "config" in e["message"]
            assert admin.request("tokens.revoke", {"name": "nobody"})["error"]["code"] == -32002
        # The issued operator token works at once, over TCP and as a Bearer over HTTP...
        with login(h, ops["token"]) as operator:
            assert operator.result("vpps.update", {"id": "vic", "status": "suspended"})["status"] == "suspended"
            e = operator.request("tokens.list")["error"]
            assert e["code"] == -32001 and "admin" in e["message"]
            c = http.client.HTTPConnection("127.0.0.1", h.http_port, timeout=10)
            c.request("POST", "/rpc/vpps.update", json.dumps({"id": "vic", "status": "active"}),
                      {"Content-Type": "application/json", "Authorization": f"Bearer {ops['token']}"})
            assert c.getresponse().status == 200
            # ...and once revoked, the session logged in with it loses its rights at its next call.
            with login(h, ADMIN) as admin:
                assert admin.result("tokens.revoke", {"name": "night-shift"}) == {"name": "night-shift", "revoked": True}
            e = operator.request("vpps.update", {"id": "vic", "status": "suspended"})["error"]
            assert e["code"] == -32001 and "revoked" in e["message"], e
        assert rpc_error(h, "auth.login", {"token": ops["token"]})["code"] == -32001
        with login(h, ADMIN) as admin:  # a revoked name is not issued again while sessions may know it
            e = admin.request("tokens.create", {"name": "night-shift", "role": "admin"})["error"]
            assert e["code"] == -32602 and "revoked" in e["message"], e
        with login(h, viewer["token"]) as v:
            assert v.request("tokens.create", {"name": "mine", "role": "admin"})["error"]["code"] == -32001
    # The store holds digests only, and the revoked token is gone from it.
    rows = dict(sqlite3.connect(h.db).execute("SELECT target, definition FROM api_tokens").fetchall())
    assert set(rows) == {"dashboard"}
    assert viewer["token"] not in rows["dashboard"]
    assert json.loads(rows["dashboard"])["sha256"] == hashlib.sha256(viewer["token"].encode()).hexdigest()
    # Issued tokens survive a restart; the revoked one stays revoked.
    with host(tmp_path) as h2:
        h2.start()
        with login(h2, viewer["token"]) as v:
            assert v.result("vpps.list")[0]["id"] == "vic"
        assert rpc_error(h2, "auth.login", {"token": ops["token"]})["code"] == -32001


def test_a_host_without_tokens_in_its_config_issues_none(tmp_path):
    with host(tmp_path, tokens=False) as h:
        h.start()
        with Client(h.port) as local:  # loopback, no tokens: trusted, and stays so
            e = local.request("tokens.create", {"name": "first-admin", "role": "admin"})["error"]
            assert e["code"] == -32003 and "api.tokens" in e["message"], e
            assert local.result("vpps.update", {"id": "vic", "status": "suspended"})["status"] == "suspended"
            assert local.result("tokens.list") == []
