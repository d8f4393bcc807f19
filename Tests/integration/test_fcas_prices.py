"""FCAS prices through the ABI: the nem-file connector publishes the ten
FCAS prices of a real AEMO dispatch-price file (in process and from a
runner process), `market.prices` returns them as `fcas`, and the store
keeps them, each equal to the file's own figure."""
import csv
import datetime
import sqlite3

import pytest

from conftest import SHARED, Mantad, base_config, needs_data

FILE = SHARED / "nem" / "dispatch_fcas" / "nem_dispatch_prices_fcas_2025-12-20_2026-01-04.csv"
SERVICES = ["RAISE1SEC", "RAISE6SEC", "RAISE60SEC", "RAISE5MIN", "RAISEREG",
            "LOWER1SEC", "LOWER6SEC", "LOWER60SEC", "LOWER5MIN", "LOWERREG"]
COLUMNS = ["raise1sec", "raise6sec", "raise60sec", "raise5min", "raisereg",
           "lower1sec", "lower6sec", "lower60sec", "lower5min", "lowerreg"]
MARKET = datetime.timezone(datetime.timedelta(hours=10))


def file_prices(region):
    """{interval end ms: {service: price}} for `region`, read with Python's csv module."""
    out = {}
    with open(FILE, newline="") as f:
        for row in csv.DictReader(f):
            if row["REGIONID"] != region:
                continue
            # The "+11:00" suffix is the producing pipeline's; the clock value is NEM time (UTC+10).
            end = datetime.datetime.strptime(row["SETTLEMENTDATE"][:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=MARKET)
            out[int(end.timestamp() * 1000)] = {s: float(row[s + "RRP"]) for s in SERVICES}
    return out


@pytest.fixture(scope="module")
def host():
    if not SHARED.exists():
        pytest.skip("needs ../shared/data")
    config = base_config(
        clock={"mode": "replay", "start": "2025-12-22T12:00:00+10:00", "speed": 1},
        plugins=[
            {"instance": "homes", "plugin": "manta.sim", "config": {"homes": 2, "publish_interval_ms": 30000}},
            {"instance": "flats", "plugin": "manta.sim", "config": {"homes": 2, "publish_interval_ms": 30000}},
            {"instance": "sa", "plugin": "manta.nem-file", "config": {"region": "SA1", "files": [str(FILE)]}},
            {"instance": "nsw", "plugin": "manta.nem-file", "isolation": "process",
             "config": {"region": "NSW1", "files": [str(FILE)]}},
            {"instance": "threshold", "plugin": "manta.threshold", "config": {"charge_below": 0, "discharge_above": 300}},
        ],
        vpps=[{"id": "sa", "region": "SA1", "market": "sa", "strategy": "threshold", "drivers": ["homes"]},
              {"id": "nsw", "region": "NSW1", "market": "nsw", "strategy": "threshold", "drivers": ["flats"]}])
    with Mantad(config).start() as h:
        yield h


@needs_data
@pytest.mark.parametrize("region", ["SA1", "NSW1"])  # in process, and from a runner process
def test_market_prices_carry_the_files_fcas_prices(host, region):
    expected = file_prices(region)
    host.wait_for(lambda: len(host.call("market.prices", {"region": region, "limit": 1000})) >= 200)
    for fetch in (False, True):
        got = host.call("market.prices", {"region": region, "from": "2025-12-21T00:00:00+10:00",
                                          "to": "2025-12-22T12:00:00+10:00", "limit": 1000, "fetch": fetch})
        assert len(got) >= 200, (fetch, len(got))
        for p in got:
            assert p["fcas"] == expected[p["interval_end_ms"]], (fetch, p)
    # Spot values read off the file by hand: SA1's first interval of 21 December.
    if region == "SA1":
        first = next(p for p in got if p["interval_end"].startswith("2025-12-21T00:05"))
        assert set(first["fcas"]) == set(SERVICES)


@needs_data
def test_the_store_keeps_every_fcas_price(host):
    expected = file_prices("SA1")
    host.wait_for(lambda: len(host.call("market.prices", {"region": "SA1", "limit": 1000})) >= 200)
    host.wait_for(lambda: sqlite3.connect(host.db).execute(
        "SELECT COUNT(*) FROM prices WHERE region = 'SA1' AND raise6sec IS NOT NULL").fetchone()[0] >= 200)
    rows = sqlite3.connect(host.db).execute(
        f"SELECT interval_end_ms, {', '.join(COLUMNS)} FROM prices WHERE region = 'SA1'").fetchall()
    assert len(rows) >= 200
    for end, *values in rows:
        assert dict(zip(SERVICES, values)) == expected[end], end
