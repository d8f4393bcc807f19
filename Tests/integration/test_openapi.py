"""The OpenAPI document (GET /openapi.json) and the routes it describes (POST /rpc/<method>)
on a real mantad, the document checked by openapi-spec-validator (PyPI), the routes'
answers against the same calls over TCP."""
import http.client
import json

from openapi_spec_validator import validate

from conftest import Mantad, base_config, needs_data

pytestmark = needs_data


def web_host(**api):
    config = base_config()
    config["api"] = dict(config["api"], http={"listen": "127.0.0.1:0"}, **api)
    return Mantad(config)


def request(port, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request(method, path, body=None if body is None else json.dumps(body),
              headers={"Content-Type": "application/json", **(headers or {})})
    r = c.getresponse()
    data = r.read()
    return r.status, json.loads(data) if data else None


def test_the_document_is_valid_openapi_and_has_every_method():
    with web_host() as h:
        h.start()
        status, doc = request(h.http_port, "GET", "/openapi.json")
        assert status == 200
        validate(doc)  # raises on any violation of the OpenAPI 3.1 schema
        methods = {m["name"]: m for m in h.call("rpc.discover")["methods"]}
        routes = {p[len("/rpc/"):]: op["post"] for p, op in doc["paths"].items() if p.startswith("/rpc/")}
        assert set(routes) == set(methods)
        for name, op in routes.items():
            assert op["x-role"] == methods[name]["x-role"]
            assert ("security" in op) == methods[name].get("x-mutating", False)
        assert "/rpc" in doc["paths"]


def test_routes_answer_as_the_methods_do():
    with web_host() as h:
        h.start()
        # Equal as a whole, unless an interval is dispatched between the two
        # calls (a replay clock dispatches one every half second): then again.
        for _ in range(5):
            status, result = request(h.http_port, "POST", "/rpc/vpps.list")
            if status == 200 and result == h.call("vpps.list"):
                break
        else:
            assert status == 200 and result == h.call("vpps.list")
        status, result = request(h.http_port, "POST", "/rpc/vpps.capacity", {"vpp": "vic"})
        assert status == 200 and result["members"] == h.call("vpps.capacity", {"vpp": "vic"})["members"]
        status, answer = request(h.http_port, "POST", "/rpc/vpps.capacity", {"vpp": "nope"})
        assert status == 404 and answer["error"]["code"] == -32002
        status, answer = request(h.http_port, "POST", "/rpc/dispatch.history", {"limit": 0})
        assert status == 400 and answer["error"]["code"] == -32602 and "limit" in answer["error"]["message"]
        status, answer = request(h.http_port, "POST", "/rpc/no.such.method")
        assert status == 404 and answer["error"]["code"] == -32601
        c = http.client.HTTPConnection("127.0.0.1", h.http_port, timeout=10)
        c.request("POST", "/rpc/vpps.list", body="{nope", headers={"Content-Type": "application/json"})
        r = c.getresponse()
        assert r.status == 400 and json.loads(r.read())["error"]["code"] == -32700


def test_a_route_needs_the_same_role_as_its_method():
    token = "viewer-token-0123456789"
    with web_host(tokens=[{"name": "screen", "token": token, "role": "viewer"}]) as h:
        h.start()
        create = {"id": "x", "region": "VIC1", "market": "prices", "strategy": "threshold", "status": "draft"}
        status, answer = request(h.http_port, "POST", "/rpc/vpps.create", create, {"Authorization": f"Bearer {token}"})
        assert status == 401 and "needs the operator role; token screen is viewer" in answer["error"]["message"]
        status, result = request(h.http_port, "POST", "/rpc/vpps.list", None, {"Authorization": f"Bearer {token}"})
        assert status == 200 and result[0]["id"] == "vic"
