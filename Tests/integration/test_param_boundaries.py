"""Every param of every method at and past the bounds its own schema declares, read from the
host's rpc.discover: integers and numbers at their minimum and maximum and one past each, at
int64's and double's extremes and of the wrong type; strings at their length limits and past them;
enums off their list; arrays past their item limits. A value the schema refuses must be refused
with -32602 naming the param (or, for an integer past int64, which
is refused as the request is parsed, the line and column); none, refused or accepted, may bring an internal error, a parse
error or a host that stops answering."""
import json
import math

import pytest

from conftest import Client, Mantad, base_config

# Values that name real things in base_config's host, for required params while another is varied.
KNOWN = {"vpp": "vic", "id": 1, "device": "homes/home-001.battery", "site": "home-001", "region": "VIC1",
         "instance": "homes", "token": "not-a-token", "battery": "power_mw=1,energy_mwh=2"}
# Methods whose in-range calls would end the host or reach out to the network; their out-of-range calls are sent.
NO_VALID_CALLS = {"host.shutdown", "devices.discover"}


def types(schema):
    t = schema.get("type")
    return set(t) if isinstance(t, list) else {t} if t else set()


def valid(name, schema):
    if name in KNOWN and ("enum" not in schema or KNOWN[name] in schema["enum"]):
        return KNOWN[name]
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    t = types(schema) - {"null"}
    if "integer" in t or "number" in t:
        return schema.get("minimum", 0) if "exclusiveMinimum" not in schema else schema["exclusiveMinimum"] + 1
    if "string" in t:
        return "x" * max(1, schema.get("minLength", 1))
    if "boolean" in t:
        return False
    if "array" in t:
        return [valid(name, schema.get("items", {}))] * schema.get("minItems", 0)
    return {}


def cases(schema):
    """(value, whether the schema allows it) at and past every bound the schema states."""
    t = types(schema)
    out = []
    if "enum" in schema:
        out += [(v, True) for v in schema["enum"]] + [("not-one-of-them", False), (7, False)]
        return out
    numeric = t & {"integer", "number"}
    if numeric:
        lo, hi = schema.get("minimum"), schema.get("maximum")
        for bound, step in [(lo, -1), (hi, +1)]:
            if bound is not None:
                out += [(bound, True), (bound + step, False)]
        integer_only = "number" not in t

        def allowed(x):
            if integer_only and (isinstance(x, float) and not x.is_integer() or abs(x) >= 2 ** 63):
                return False
            return (lo is None or x >= lo) and (hi is None or x <= hi) and \
                ("exclusiveMinimum" not in schema or x > schema["exclusiveMinimum"])
        out += [(x, allowed(x)) for x in [2 ** 63 - 1, 2 ** 63, -(2 ** 63) - 1, 1e308, -1e308, 0.5]]
    if "string" in t:
        n = schema.get("maxLength")
        if n is not None:
            out += [("s" * n, True), ("s" * (n + 1), False)]
        if schema.get("minLength", 0) > 0:
            out.append(("", False))
        out += [("a\u0000b", n is None or n >= 3), ("é" * 300, n is None or n >= 300)]
    if "boolean" in t:
        out += [(True, True), ("true", "string" in t)]
    if "array" in t:
        n = schema.get("maxItems")
        if n is not None and n <= 10_000:
            out.append(([valid("", schema.get("items", {}))] * (n + 1), False))
        if schema.get("minItems", 0) > 0:
            out.append(([], False))
    if not t & {"string"} and t:
        out.append(("a string", False))
    if "null" not in t and t:
        out.append((None, False))
    return out


def beyond_int64(x):
    """An integer jansson cannot hold: refused as the request is parsed, before any param is
    known, so the refusal names the line and column rather than the param."""
    return isinstance(x, int) and not isinstance(x, bool) and not -(2 ** 63) <= x < 2 ** 63


@pytest.fixture(scope="module")
def host():
    with Mantad(base_config()).start() as h:
        yield h


def test_every_param_of_every_method_is_held_to_its_schema(host):
    methods = host.call("rpc.discover")["methods"]
    assert len(methods) >= 30
    c = Client(host.port)
    calls, refused, problems = 0, 0, []
    try:
        for m in methods:
            params = {p["name"]: p for p in m["params"]}
            base = {n: valid(n, p["schema"]) for n, p in params.items() if p.get("required")}
            for name, p in params.items():
                for value, ok in cases(p["schema"]):
                    if ok and m["name"] in NO_VALID_CALLS:
                        continue
                    sent = dict(base, **{name: value})
                    r = c.request(m["name"], sent)
                    calls += 1
                    where = f"{m['name']} {name}={json.dumps(value)[:60]}"
                    if "error" in r:
                        code, message = r["error"]["code"], r["error"]["message"]
                        if code in (-32603, -32700) or not message:
                            problems.append(f"{where}: {code} {message}")
                    if not ok:
                        refused += 1
                        if "error" not in r:
                            problems.append(f"{where}: accepted a value its schema refuses: {r['result']!r:.80}")
                        elif r["error"]["code"] != -32602 or (name not in r["error"]["message"] and not beyond_int64(value)):
                            problems.append(f"{where}: {r['error']['code']} {r['error']['message'][:120]} (expected -32602 naming {name})")
    finally:
        c.sock.close()
    assert not problems, "\n".join(problems[:40])
    print(f"{calls} calls, {refused} of them with values the schemas refuse, over {len(methods)} methods")
    assert calls > 300 and refused > 150
    assert host.alive() and host.call("host.info")["health"]["status"] in ("ok", "degraded")
