#!/usr/bin/env python3
"""Scale of edge hosts through one broker to one control host, against the same fleet on one host, in one run.

    python3 scripts/edge_scale.py --edges 4 --homes 12500 --seconds 60      # 100,000 devices (a battery and PV per home)
    python3 scripts/edge_scale.py --store postgres ...                       # the control host's store on PostgreSQL

Starts mosquitto, a control host and N edge mantads (each with its own simulated homes), lets them run, then
measures at the control host: telemetry samples committed per second, the round trip of `devices.control` (the
control host's RPC through the broker to the edge's driver and back) p50/p99 over random devices, and CPU and
memory per process (with --store postgres, of the PostgreSQL server too: a cluster of the script's own on
loopback, as the tests make). Then the same homes on one single host on SQLite, measured the same way, as the
reference.
Prints a Markdown table (docs/SCALING.md quotes it). Needs a built tree (`swift build`, or `-c release` with
--build release) and mosquitto."""
import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Tests" / "integration"))
import conftest  # noqa: E402
from conftest import Mantad  # noqa: E402
from edge_support import Broker, control_config, edge_config  # noqa: E402
from pg_support import Postgres  # noqa: E402


def cpu_s(pid):
    """User + system CPU seconds a process has used."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100


class Processes:
    """A server's processes (the postmaster and its children), measured as one."""

    def __init__(self, parent):
        self.parent = parent

    def pids(self):
        out = [self.parent]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.parent:
                    out.append(int(stat.parent.name))
            except (OSError, ValueError, IndexError):
                pass
        return out


def cpu_of(p):
    return sum(cpu_s(x) for x in p.pids()) if isinstance(p, Processes) else cpu_s(p)


def rss_of(p):
    # Shared buffers are counted once per process that touched them: an upper bound for the server.
    return sum(rss_mb(x) for x in p.pids()) if isinstance(p, Processes) else rss_mb(p)


def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def call(host, method, params=None):
    """One RPC with a long timeout: a 100,000-device host answers large lists slowly in a debug build."""
    with conftest.Client(host.port, timeout=300) as c:
        return c.result(method, params)


def committed(host):
    return call(host, "host.info")["store"]["samples_committed"]


def round_trips(host, ids, n):
    out = []
    for device in random.Random(7).sample(ids, min(n, len(ids))):
        t = time.perf_counter()
        r = call(host, "devices.control", {"device": device, "active_power_w": -500, "duration_s": 60})
        out.append((time.perf_counter() - t) * 1000)
        assert r["outcome"] == "applied", r
    out.sort()
    return out[len(out) // 2], out[min(len(out) - 1, int(len(out) * 0.99))]


def measure(name, control, others, seconds, calls, servers=()):
    batteries = [d["id"] for d in call(control, "devices.list", {"limit": 100_000}) if d["kind"] == "battery"]
    procs = [("control" if others else "single", control.proc.pid)] + [(n, h.proc.pid) for n, h in others] + list(servers)
    c0, t0, cpu0 = committed(control), time.time(), {n: cpu_of(p) for n, p in procs}
    time.sleep(seconds)
    c1, t1 = committed(control), time.time()
    cpu = {n: (cpu_of(p) - cpu0[n]) / (t1 - t0) * 100 for n, p in procs}
    p50, p99 = round_trips(control, batteries, calls)
    rate = (c1 - c0) / (t1 - t0)
    rows = [f"| {name} | {n} | {cpu[n]:.0f}% | {rss_of(p):.0f} MB |" for n, p in procs]
    return rate, p50, p99, rows


def edges_run(a, broker, lib, store, servers, devices):
    """N edges through `broker` to one control host, measured at the control host."""
    with Mantad(control_config(broker.url, **lib, **store)) as control:
        control.start(timeout=120)
        edges = []
        try:
            for k in range(a.edges):
                e = Mantad(edge_config(broker.url, f"e{k + 1}", homes=a.homes, publish_ms=a.publish_ms, **lib))
                edges.append((f"edge e{k + 1}", e.start(timeout=120)))
            assert control.wait_for(lambda: call(control, "host.info")["counts"]["devices"] == devices, 180)
            time.sleep(a.publish_ms / 1000 * 2)
            return (f"edges, control on {a.store}", *measure("edges", control, edges, a.seconds, a.calls, servers))
        finally:
            for _, e in edges:
                e.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--edges", type=int, default=4)
    ap.add_argument("--homes", type=int, default=1000, help="homes per edge (two devices each)")
    ap.add_argument("--publish-ms", type=int, default=5000)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--calls", type=int, default=100)
    ap.add_argument("--build", default="debug")
    ap.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite", help="the control host's store")
    a = ap.parse_args()
    build = conftest.ROOT / ".build" / a.build
    conftest.MANTAD = build / "mantad"
    lib = {"library_dirs": [str(build)]}
    devices = a.edges * a.homes * 2
    print(f"{a.edges} edges x {a.homes} homes = {devices} devices, telemetry every {a.publish_ms} ms, {a.build} build, "
          f"control host on {a.store}", flush=True)
    results = []
    pg = Postgres().start() if a.store == "postgres" else None
    store = {"store": {"commit_interval_ms": 100, "backend": "postgres", "url": pg.url}} if pg else {}
    servers = [("postgresql", Processes(int((pg.data / "postmaster.pid").read_text().split()[0])))] if pg else []
    try:
        with Broker() as b:
            b.start()
            results.append(edges_run(a, b, lib, store, servers, devices))
    finally:
        if pg:
            pg.destroy()
    single = Mantad(control_config("mqtt://127.0.0.1:1", role="single", **lib,
                                   plugins=control_config("x")["plugins"] + [
                                       {"instance": "homes", "plugin": "manta.sim",
                                        "config": {"homes": a.edges * a.homes, "publish_interval_ms": a.publish_ms}}]))
    with single:
        single.start(timeout=180)
        assert single.wait_for(lambda: call(single, "host.info")["counts"]["devices"] == devices, 180)
        time.sleep(a.publish_ms / 1000 * 2)
        results.append(("one host on sqlite", *measure("one host", single, [], a.seconds, a.calls)))
    print("\n| setup | samples committed/s | devices.control round trip p50 | p99 |\n| --- | --- | --- | --- |")
    for name, rate, p50, p99, _ in results:
        print(f"| {name} | {rate:,.0f} | {p50:.1f} ms | {p99:.1f} ms |")
    print("\n| setup | process | CPU (of one core) | RSS |\n| --- | --- | --- | --- |")
    for *_, rows in results:
        print("\n".join(rows))
    ratio = results[0][1] / results[1][1] if results[1][1] else float("nan")
    print(f"\nedges / one host, samples committed per second: {ratio:.2f}")


if __name__ == "__main__":
    main()
