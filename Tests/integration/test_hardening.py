"""A host nothing can take down (issue 9, first part): inputs and clients
that crashed, stalled or locked out the host before, each tried against a
real mantad over TCP, with Python's standard library as the client."""
import json
import socket
import sqlite3
import subprocess
import time

import pytest

from conftest import ABI_MINOR, MANTAD, Client, Mantad, base_config, needs_data

INT64_MAX = 9223372036854775807
INVALID_PARAMS, INVALID_REQUEST, PARSE, UNAUTHORIZED = -32602, -32600, -32700, -32001


def alive_and_answering(h):
    assert h.alive()
    assert h.call("host.info")["abi"]["major"] == 1


@needs_data
def test_boundary_times_and_amounts_are_answered_not_fatal():
    with Mantad(base_config()).start() as h, h.client() as c:
        for params in [{"region": "VIC1", "from": INT64_MAX}, {"region": "VIC1", "to": INT64_MAX},
                       {"region": "VIC1", "from": -INT64_MAX - 1, "to": INT64_MAX}, {"region": "VIC1", "limit": 100_000}]:
            r = c.request("market.prices", params)
            assert "result" in r, r
        site = h.call("sites.list")[0]["site"]
        for params, field in [({"site": site, "limit_w": 1e19}, "limit_w"), ({"site": site, "limit_w": 100, "duration_s": 9.3e15}, "duration_s"),
                              ({"site": site, "limit_w": 100, "duration_s": INT64_MAX}, "duration_s")]:
            r = c.request("sites.export_limit", params)
            assert r["error"]["code"] == INVALID_PARAMS and field in r["error"]["message"], r
        r = c.request("devices.control", {"device": "homes/home-001.battery", "active_power_w": -1e300})
        assert r["error"]["code"] == INVALID_PARAMS and "active_power_w" in r["error"]["message"]
        alive_and_answering(h)


@needs_data
@pytest.mark.parametrize("where", ["sites", "vpps"])
def test_a_huge_limit_in_the_config_is_refused_with_its_field(tmp_path, where):
    config = base_config()
    if where == "sites":
        config["sites"] = [{"id": "home-*", "export_limit_w": 1e308}]
        field = "sites[0].export_limit_w"
    else:
        config["vpps"][0]["negative_price_export_limit_w"] = 1e308
        field = "vpps[0].negative_price_export_limit_w"
    (tmp_path / "manta.json").write_text(json.dumps(config))
    r = subprocess.run([str(MANTAD), "--config", str(tmp_path / "manta.json")], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and field in r.stderr, r.stderr


@needs_data
def test_parameterless_methods_refuse_params():
    with Mantad(base_config()).start() as h, h.client() as c:
        r = c.request("host.shutdown", {"junk": [1]})
        assert r["error"]["code"] == INVALID_PARAMS and "junk" in r["error"]["message"]
        r = c.request("host.info", {"x": 1})
        assert r["error"]["code"] == INVALID_PARAMS
        alive_and_answering(h)


@needs_data
def test_a_raw_nul_is_a_parse_error():
    with Mantad(base_config()).start() as h, h.client() as c:
        c.send_raw(b'{"jsonrpc": "2.0", "method": "host.info", "id": 1}\x00\n')
        r = c.recv()
        assert r["error"]["code"] == PARSE and "NUL" in r["error"]["message"]
        c.send_raw(b'{"jsonrpc": "2.0", "method": "host.info", "id": 7}\n')
        assert c.recv()["id"] == 7


@needs_data
def test_an_over_long_batch_is_one_invalid_request():
    with Mantad(base_config(api={"listen": "127.0.0.1:0", "max_batch": 50})).start() as h, h.client() as c:
        batch = [{"jsonrpc": "2.0", "method": "host.info", "id": i} for i in range(51)]
        c.send(batch)
        r = c.recv()
        assert isinstance(r, dict) and r["error"]["code"] == INVALID_REQUEST and "api.max_batch" in r["error"]["message"]
        c.send(batch[:50])
        assert len(c.recv()) == 50


@needs_data
def test_idle_connections_are_closed_and_slots_come_back():
    config = base_config(api={"listen": "127.0.0.1:0", "idle_timeout_ms": 1000, "max_connections": 20})
    with Mantad(config).start() as h:
        idle = [socket.create_connection(("127.0.0.1", h.port)) for _ in range(20)]
        time.sleep(2.5)
        for s in idle:
            s.settimeout(2)
            assert s.recv(100) == b"", "an idle connection is closed by the host"
            s.close()
        with h.client() as c:
            assert c.request("host.info", id="after")["id"] == "after"


@needs_data
def test_a_message_must_complete_within_the_partial_timeout_of_its_first_byte():
    """A client sending one byte every 200 ms never goes quiet, yet cannot
    hold its message open past partial_timeout_ms."""
    with Mantad(base_config(api={"listen": "127.0.0.1:0", "partial_timeout_ms": 1000})).start() as h:
        s = socket.create_connection(("127.0.0.1", h.port))
        s.settimeout(5)
        msg = json.dumps({"jsonrpc": "2.0", "method": "host.info", "id": 1}).encode()
        t0 = time.time()
        closed_after = None
        for b in msg:
            try:
                s.sendall(bytes([b]))
            except OSError:
                closed_after = time.time() - t0
                break
            time.sleep(0.2)
            s.setblocking(False)
            try:
                data = s.recv(65536)
                if data:
                    assert b"of its first byte" in data
                    closed_after = time.time() - t0
                    break
            except BlockingIOError:
                pass
            finally:
                s.setblocking(True)
        assert closed_after is not None and closed_after < 3, closed_after
        alive_and_answering(h)


@needs_data
def test_one_peer_cannot_hold_every_slot():
    config = base_config(api={"listen": "127.0.0.1:0", "max_connections": 50, "max_connections_per_peer": 10})
    with Mantad(config).start() as h:
        held = [Client(h.port) for _ in range(10)]
        extra = Client(h.port)
        r = extra.recv()
        assert r["error"]["code"] == -32004 and "per peer is 10" in r["error"]["message"]
        for i, c in enumerate(held):
            assert c.request("host.info", id=i)["id"] == i  # the ten it holds are served
            c.sock.close()
        with h.client() as c:  # and once it lets go, it is welcome again
            assert c.request("host.info", id="again")["id"] == "again"


@needs_data
def test_authorisation_comes_first_and_a_failed_login_drops_it(tmp_path):
    token = "t" * 32
    config = base_config(api={"listen": "127.0.0.1:0", "tokens": [{"name": "ops", "token": token}]})
    with Mantad(config, folder=tmp_path).start() as h, h.client() as c:
        # Bad params from an unauthorised caller: refused for authorisation, on record.
        r = c.request("sites.export_limit", {"site": 12, "limit_w": "lots"})
        assert r["error"]["code"] == UNAUTHORIZED
        assert c.request("auth.login", {"token": token})["result"]["principal"] == "ops"
        r = c.request("sites.export_limit", {"site": 12, "limit_w": "lots"})
        assert r["error"]["code"] == INVALID_PARAMS
        # A wrong token afterwards drops the authorisation it had.
        assert c.request("auth.login", {"token": "w" * 32})["error"]["code"] == UNAUTHORIZED
        assert c.request("host.shutdown")["error"]["code"] == UNAUTHORIZED
    db = sqlite3.connect(tmp_path / "manta.db")
    rows = db.execute("SELECT principal, method, outcome FROM audit_log WHERE method = 'sites.export_limit' ORDER BY id").fetchall()
    assert rows[0][0] == "local" and rows[0][2].startswith("denied")
    assert rows[1][0] == "ops" and rows[1][2].startswith("error: Invalid params")


@needs_data
def test_failed_logins_back_off_and_do_not_flood_the_audit_log(tmp_path):
    token = "t" * 32
    config = base_config(api={"listen": "127.0.0.1:0", "tokens": [{"name": "ops", "token": token}]})
    with Mantad(config, folder=tmp_path).start() as h, h.client() as c:
        refused_unchecked = 0
        t0 = time.time()
        for i in range(200):
            r = c.request("auth.login", {"token": f"guess-{i:026d}"})
            assert r["error"]["code"] == UNAUTHORIZED
            if "too many failed logins" in r["error"]["message"]:
                refused_unchecked += 1
        assert refused_unchecked > 150, refused_unchecked
        # Even the right token waits out the back-off.
        r = c.request("auth.login", {"token": token})
        assert "too many failed logins" in r["error"]["message"]
        assert time.time() - t0 < 30
    db = sqlite3.connect(tmp_path / "manta.db")
    denied = db.execute("SELECT COUNT(*) FROM audit_log WHERE method = 'auth.login' AND outcome LIKE 'denied%'").fetchone()[0]
    assert 1 <= denied <= 10, denied


@needs_data
def test_intervals_decided_without_a_price_are_degraded_and_health_says_so(tmp_path):
    config = base_config()
    # A connector whose file holds another month: no price for the replayed day.
    config["plugins"][1]["config"]["files"] = [config["plugins"][1]["config"]["files"][0].replace("202207", "202201")]
    config["dispatch"] = {"price_wait_ms": 0}
    with Mantad(config, folder=tmp_path).start() as h:
        assert h.wait_for(lambda: len(h.call("dispatch.history")) >= 2)
        rows = h.call("dispatch.history")
        assert all(r["status"] == "degraded" and "price is unknown" in r["reason"] for r in rows), rows
        health = h.call("host.info")["health"]
        assert health["status"] == "degraded" and any("price is unknown" in r for r in health["reasons"]), health


@needs_data
def test_strict_refuses_to_run_with_an_instance_down(tmp_path):
    config = base_config()
    config["plugins"][1]["config"]["files"] = [str(tmp_path / "missing.csv")]
    (tmp_path / "manta.json").write_text(json.dumps(dict(config, store={"path": str(tmp_path / "m.db")})))
    r = subprocess.run([str(MANTAD), "--config", str(tmp_path / "manta.json"), "--strict"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 3, r.stderr
    assert "--strict" in r.stderr and "prices" in r.stderr
    # Without --strict the host runs, and says it is failing.
    with Mantad(config, folder=tmp_path).start() as h:
        health = h.call("host.info")["health"]
        assert health["status"] == "failing" and any(x.startswith("prices") for x in health["reasons"]), health


@needs_data
def test_tokens_may_be_given_as_hashes_files_or_environment_variables(tmp_path):
    import hashlib
    import os
    file_token, env_token, hashed_token = "f" * 24, "e" * 24, "h" * 24
    (tmp_path / "token").write_text(file_token + "\n")
    digest = subprocess.run([str(MANTAD.parent / "manta"), "token", "hash"], input=hashed_token + "\n",
                            capture_output=True, text=True).stdout.strip()
    assert digest == hashlib.sha256(hashed_token.encode()).hexdigest()  # cross-checked with Python's hashlib
    config = base_config(api={"listen": "127.0.0.1:0", "tokens": [
        {"name": "from-file", "token_file": str(tmp_path / "token")},
        {"name": "from-env", "token_env": "MANTA_TEST_TOKEN"},
        {"name": "hashed", "sha256": digest}]})
    os.environ["MANTA_TEST_TOKEN"] = env_token
    try:
        with Mantad(config, folder=tmp_path).start() as h, h.client() as c:
            for token, name in [(file_token, "from-file"), (env_token, "from-env"), (hashed_token, "hashed")]:
                assert c.request("auth.login", {"token": token})["result"]["principal"] == name
    finally:
        del os.environ["MANTA_TEST_TOKEN"]
    db = sqlite3.connect(tmp_path / "manta.db")
    text = " ".join(r[0] + r[1] for r in db.execute("SELECT params, outcome FROM audit_log"))
    assert file_token not in text and env_token not in text and hashed_token not in text


@needs_data
def test_a_token_that_cannot_be_had_is_a_config_error_naming_it(tmp_path):
    config = base_config(api={"listen": "127.0.0.1:0", "tokens": [
        {"name": "a", "token_env": "MANTA_NO_SUCH_VARIABLE"}, {"name": "b", "sha256": "xyz" * 20 + "abcd"},
        {"name": "c", "token": "t" * 20, "sha256": "0" * 64}, {"name": "d", "token_file": "/dev/zero"}]})
    (tmp_path / "manta.json").write_text(json.dumps(config))
    r = subprocess.run([str(MANTAD), "--config", str(tmp_path / "manta.json")], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    for line in ["api.tokens[0].token_env: MANTA_NO_SUCH_VARIABLE is not set", "api.tokens[1].sha256: must be 64 hex digits",
                 "api.tokens[2]: give exactly one of", "api.tokens[3].token_file: /dev/zero is not a readable regular file"]:
        assert line in r.stderr, r.stderr


@needs_data
def test_backtest_run_reads_only_under_the_data_roots(tmp_path):
    from conftest import SHARED, price_file
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "prices.csv").write_text("REGION,SETTLEMENTDATE,TOTALDEMAND,RRP,PERIODTYPE\n")
    (SHARED.parent / "link-test").exists()  # nothing is written under shared/
    link = tmp_path / "link.csv"
    link.symlink_to("/etc/passwd")
    with Mantad(base_config(plugins=[], vpps=[]), folder=tmp_path).start() as h, h.client() as c:
        battery = "power_mw=1,energy_mwh=2"
        messages = []
        for path in ["/etc/shadow", "/etc/no-such-file", "/dev/zero", str(outside / "prices.csv"), str(link), "../../../../etc/passwd"]:
            r = c.request("backtest.run", {"prices": [path], "battery": battery})
            assert r["error"]["code"] == INVALID_PARAMS, (path, r)
            messages.append(r["error"]["message"].replace(path, "PATH"))
        # One message whatever the file: nothing is learnt about the machine outside.
        assert len(set(messages)) == 1 and "not a file or folder under data_roots" in messages[0], messages
        r = c.request("backtest.run", {"prices": [price_file("SA1", "202206")], "battery": battery,
                                       "strategy": str(outside / "libevil.so")})
        assert r["error"]["code"] == INVALID_PARAMS and "not a plugin under plugin_dirs" in r["error"]["message"]
        ok = c.request("backtest.run", {"prices": [price_file("SA1", "202206")], "battery": battery})
        assert "result" in ok, ok
        alive_and_answering(h)


@needs_data
@pytest.mark.parametrize("value", ["123456789012345678901234567890", "-9223372036854775809", "1e400", '"\\ud800"'])
def test_valid_but_unrepresentable_json_is_invalid_params_to_its_id(value):
    with Mantad(base_config()).start() as h, h.client() as c:
        c.send_raw(('{"jsonrpc": "2.0", "method": "market.prices", "id": 41, "params": {"region": "VIC1", "limit": '
                    + value + '}}\n').encode())
        r = c.recv()
        assert r["id"] == 41 and r["error"]["code"] == INVALID_PARAMS, r
        c.send_raw(b'{"jsonrpc": "2.0", "id": "k", "method": "host.info", "params": {"\\u0000key": 1}}\n')
        r = c.recv()
        assert r["id"] == "k" and r["error"]["code"] == INVALID_PARAMS, r
        # Broken JSON is still a parse error to null.
        c.send_raw(b'{"jsonrpc": "2.0", "id": 5, "method": \n')
        r = c.recv()
        assert r["id"] is None and r["error"]["code"] == PARSE


@needs_data
def test_every_config_problem_of_every_stage_is_reported_at_once(tmp_path):
    config = base_config()
    config["plugins"][0]["config"]["homes"] = -3                       # a plugin's own schema
    config["plugins"].append({"instance": "ghost", "plugin": "no.such.plugin"})  # no manifest
    config["vpps"][0]["strategy"] = "homes"                              # a driver named as a strategy
    (tmp_path / "manta.json").write_text(json.dumps(config))
    r = subprocess.run([str(MANTAD), "--config", str(tmp_path / "manta.json")], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    for text in ["vpps[0].strategy: homes is a driver, not a strategy", "plugins[0].config.homes",
                 "plugins[3].plugin: no manifest with id no.such.plugin"]:
        assert text in r.stderr, r.stderr


def test_a_config_file_over_a_mebibyte_is_refused_unread(tmp_path):
    big = tmp_path / "manta.json"
    big.write_text('{"name": "' + "x" * (2 << 20) + '"}')
    r = subprocess.run([str(MANTAD), "--config", str(big)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "at most 1048576 are read" in r.stderr, r.stderr


def build_fixture(folder, name, behaviour, kind="strategy"):
    """The C fixture plugin (Tests/Fixtures/plugins/fixture.c) with a behaviour, in its own plugin folder."""
    from conftest import ROOT
    d = folder / name
    d.mkdir(parents=True)
    subprocess.run(["cc", "-shared", "-fPIC", "-fvisibility=hidden", "-std=c11", "-O1", "-I", str(ROOT / "SDK" / "include"),
                    str(ROOT / "Tests" / "Fixtures" / "plugins" / "fixture.c"), "-o", str(d / f"lib{name}.so"), "-lm",
                    f"-DFIXTURE_BEHAVIOUR={behaviour}", f'-DFIXTURE_ID="test.{name}"'], check=True)
    (d / "manifest.json").write_text(json.dumps({
        "manifest_version": 1, "id": f"test.{name}", "version": "1.0.0", "kind": kind, "vendor": "Manta tests",
        "license": "Apache-2.0", "abi": {"major": 1, "minor": ABI_MINOR}, "library": f"lib{name}.so", "config_schema": {"type": "object"}}))
    return d


@needs_data
def test_a_crashing_strategy_in_backtest_run_fails_the_backtest_not_the_host(tmp_path):
    from conftest import price_file
    build_fixture(tmp_path / "plugins", "crasher", 3)
    config = base_config()
    config["plugin_dirs"] = config["plugin_dirs"] + [str(tmp_path / "plugins")]
    with Mantad(config, folder=tmp_path).start() as h, h.client() as c:
        r = c.request("backtest.run", {"prices": [price_file("SA1", "202206")], "strategy": "test.crasher",
                                       "battery": "power_mw=1,energy_mwh=2"})
        task = r["result"]["id"]
        assert h.wait_for(lambda: c.request("backtest.status", {"id": task})["result"]["state"] != "running", timeout=60)
        status = c.request("backtest.status", {"id": task})["result"]
        assert status["state"] == "failed" and "signal 11" in status["error"], status
        # The fleet never noticed: the host answers and keeps deciding intervals.
        before = len(h.call("dispatch.history", {"limit": 1000}))
        assert h.wait_for(lambda: len(h.call("dispatch.history", {"limit": 1000})) > before)
        alive_and_answering(h)


@needs_data
def test_the_store_is_private_and_discovery_is_bounded(tmp_path):
    import os
    import stat
    with Mantad(base_config(), folder=tmp_path).start() as h, h.client() as c:
        for f in ["manta.db", "manta.db-wal"]:
            mode = stat.S_IMODE(os.stat(tmp_path / f).st_mode)
            assert mode == 0o600, (f, oct(mode))
        r = c.request("devices.discover", {"target": "127.0.0.0/16", "ports": "1-4096"})
        assert r["error"]["code"] == INVALID_PARAMS and "at most 4096" in r["error"]["message"], r
    db = sqlite3.connect(tmp_path / "manta.db")
    assert db.execute("SELECT COUNT(*) FROM audit_log WHERE method = 'devices.discover'").fetchone()[0] == 1


@needs_data
def test_max_connections_beyond_the_descriptor_limit_is_refused_at_start(tmp_path):
    config = base_config(api={"listen": "127.0.0.1:0", "max_connections": 4000})
    (tmp_path / "manta.json").write_text(json.dumps(dict(config, store={"path": str(tmp_path / "m.db")})))
    r = subprocess.run(["bash", "-c", f"ulimit -n 1024 && exec {MANTAD} --config {tmp_path / 'manta.json'}"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "RLIMIT_NOFILE" in r.stderr and "api.max_connections" in r.stderr, r.stderr
