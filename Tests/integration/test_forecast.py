"""`manta forecast`: forecasters scored walk-forward, checked against the same errors computed here
from the file with Python's csv module, and AEMO's pre-dispatch against the price-only forecasters."""
import csv
import json
import subprocess

import pytest

from conftest import BUILD, ROOT, SHARED, needs_data

MANTA = str(BUILD / "manta")
PRICES = SHARED / "nem" / "dispatch_fcas" / "DISPATCHPRICE_202101.CSV"
ARCHIVE = SHARED / "nem" / "predispatch" / "PUBLIC_DVD_PREDISPATCHPRICE_202101010000.zip"


def forecast(*args):
    r = subprocess.run([MANTA, "forecast", "--prices", str(PRICES), "--region", "NSW1", "--json", *args],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    return {h["horizon"]: h for h in json.loads(r.stdout)["horizons"]}


def nsw_prices():
    rows = []
    with open(PRICES, newline="") as f:
        header = None
        for row in csv.reader(f):
            if row[0] == "I":
                header = {n: i for i, n in enumerate(row)}
            elif row[0] == "D" and row[header["REGIONID"]] == "NSW1" and row[header["INTERVENTION"]] == "0":
                rows.append((row[header["SETTLEMENTDATE"]], float(row[header["RRP"]])))
    return [p for _, p in sorted(rows)]


@needs_data
def test_persistence_errors_match_an_independent_count():
    p = nsw_prices()
    assert len(p) == 8928
    # Persistence forecasts each target with the price a day (288 intervals) before it.
    errors = [p[j] - p[j - 288] for j in range(288, len(p))]
    mae = sum(abs(e) for e in errors) / len(errors)
    rmse = (sum(e * e for e in errors) / len(errors)) ** 0.5
    got = forecast("--forecaster", "persistence", "--horizons", "1,12,288")
    for h in (1, 12, 288):
        # Targets j = i + h with i a decision and j >= 288: the same 8,640 pairs at every horizon.
        assert got[h]["count"] == 8640, got[h]
        assert abs(got[h]["mae"] - round(mae, 4)) < 1e-3 and abs(got[h]["rmse"] - round(rmse, 4)) < 1e-3


@needs_data
def test_predispatch_forecasts_better_than_price_only_forecasters_up_to_four_hours():
    pd = forecast("--forecaster", "predispatch", "--predispatch", str(ARCHIVE), "--horizons", "1,12,48")
    for name in ["persistence", "regression"]:
        other = forecast("--forecaster", name, "--horizons", "1,12,48")
        for h in (1, 12, 48):
            assert pd[h]["mae"] < other[h]["mae"], (name, h, pd[h], other[h])


@pytest.mark.parametrize("args, message", [
    (["--horizons", "0"], "--horizons: '0' is not a whole number of intervals in 1...576"),
    (["--horizons", "12,x"], "--horizons: 'x' is not a whole number"),
    (["--forecaster", "crystal-ball"], "--forecaster: crystal-ball is not one of persistence, seasonal, regression, predispatch"),
    (["--forecaster", "predispatch"], "--forecaster predispatch needs --predispatch FILE"),
])
def test_bad_arguments_are_named(args, message):
    r = subprocess.run([MANTA, "forecast", "--prices", str(PRICES), "--region", "NSW1", *args],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode != 0 and message in r.stderr, r.stderr
