"""The nemweb live connector against a local HTTP server that releases real
dispatch reports one at a time. The reports are NEMWeb's format (a zip
holding a C/I/D CSV with the DISPATCH.PRICE table), built from the real
rows of AEMO's DISPATCHPRICE for January 2022."""
import csv
import functools
import http.server
import threading
import zipfile

import pytest

from conftest import SHARED, Mantad, base_config, needs_data

SOURCE = SHARED / "nem" / "dispatch_fcas" / "DISPATCHPRICE_202201.CSV"


def real_intervals(count):
    """(settlement date, {region: row}) of the first `count` intervals, with the I header."""
    header, by_time = None, {}
    with open(SOURCE) as f:
        for row in csv.reader(f):
            if row[0] == "I":
                header = row
            elif row[0] == "D" and row[8] == "0":
                by_time.setdefault(row[4], []).append(row)
    times = sorted(by_time)[:count]
    return header, [(t, by_time[t]) for t in times]


def write_report(folder, header, when, rows, broken=False):
    stamp = when.replace("/", "").replace(" ", "").replace(":", "")[:12]
    name = f"PUBLIC_DISPATCHIS_{stamp}_0000000356{stamp[-4:]}"
    lines = [f"C,NEMP.WORLD,DISPATCHIS,AEMO,PUBLIC,{when[:10]},{when[11:]},0000000356,DISPATCHIS,0000000356",
             ",".join(header)] + [",".join(r) for r in rows] + ['C,"END OF REPORT",42']
    path = folder / f"{name}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{name}.CSV", "\n".join(lines) + "\n")
    if broken:
        path.write_bytes(path.read_bytes()[:60])
    return path


@pytest.fixture
def web(tmp_path):
    served = tmp_path / "DispatchIS_Reports"
    served.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield served, f"http://127.0.0.1:{server.server_address[1]}/DispatchIS_Reports/"
    server.shutdown()


def live_host(source, **extra):
    config = base_config(
        clock={"mode": "realtime"},
        plugins=[{"instance": "live", "plugin": "manta.nemweb",
                  "config": dict({"source": source, "poll_interval_ms": 100, "catch_up_files": 0}, **extra)}],
        vpps=[])
    return Mantad(config).start()


def prices(h, region):
    return {p["interval_end"]: p["rrp"] for p in h.call("market.prices", {"region": region, "limit": 1000})}


@needs_data
def test_each_report_is_published_as_it_appears(web):
    served, url = web
    header, intervals = real_intervals(6)
    with live_host(url) as h:
        for when, rows in intervals:
            iso = when.replace("/", "-").replace(" ", "T") + "+10:00"
            assert iso not in prices(h, "SA1")  # not before it is released
            write_report(served, header, when, rows)
            assert h.wait_for(lambda: iso in prices(h, "SA1"), timeout=5), f"{when} never arrived"
            expected = {r[6]: float(r[9]) for r in rows}
            assert prices(h, "SA1")[iso] == expected["SA1"]
            assert prices(h, "NSW1")[iso] == expected["NSW1"]
        assert len(prices(h, "SA1")) == 6
        live = next(p for p in h.call("plugins.list") if p["instance"] == "live")
        assert live["state"] == "started" and live["errors"] == 0


@needs_data
def test_folder_source_region_filter_and_a_broken_report(web, tmp_path):
    served, _ = web
    header, intervals = real_intervals(3)
    with live_host(str(served), regions=["NSW1"]) as h:
        write_report(served, header, *intervals[0])
        write_report(served, header, *intervals[1], broken=True)   # truncated zip
        write_report(served, header, *intervals[2])
        assert h.wait_for(lambda: len(prices(h, "NSW1")) == 2, timeout=5)
        assert prices(h, "SA1") == {}  # filtered out
        assert h.wait_for(lambda: any("giving up after 3 attempts" in e["message"]
                                      for e in h.call("events.list", {"severity": "error"})), timeout=5)
        assert h.alive()
