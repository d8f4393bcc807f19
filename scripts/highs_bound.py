#!/usr/bin/env python3
"""The perfect-foresight bound solved by HiGHS (highspy), as an independent
check of Manta's solver: the LP exactly as the Time Machine issue states it.

    maximise   sum_t p_t (d_t - c_t) dt - k d_t dt
    subject to e_t = e_{t-1} + eta_c c_t dt - d_t dt / eta_d
               0 <= c_t <= Pc, 0 <= d_t <= Pd, Emin <= e_t <= Emax, e_0 = soc0 E, e_T >= soc0 E

Usage: highs_bound.py PRICE_AND_DEMAND.csv... [--power 1 --energy 2 --rt 0.9 --soc0 0.5] prints JSON
{"revenue_aud": ..., "solve_s": ..., "intervals": ...} as the only line on stdout (HiGHS's own
output goes to stderr). Used by the tests and by `make bench`. Written against highspy 1.16.0
(scripts/install-deps --test installs it).
"""
import argparse
import contextlib
import csv
import json
import os
import sys
import time


def read_prices(paths):
    rows = []
    for path in paths:
        with open(path) as f:
            rows += [(row["SETTLEMENTDATE"], float(row["RRP"])) for row in csv.DictReader(f)]
    return [p for _, p in sorted(rows)]


@contextlib.contextmanager
def stdout_to_stderr():
    """Sends what HiGHS writes to file descriptor 1 to stderr instead: its
    constructor prints a banner (highspy 1.16) before output_flag can be
    set, and stdout carries only the JSON answer."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def solve(prices, P=1.0, E=2.0, rt=0.9, soc0=0.5, smin=0.0, smax=1.0, cost=0.0, pc=None, pd=None):
    """Returns (optimum AUD, seconds HiGHS spent solving)."""
    import highspy
    import numpy as np
    import scipy.sparse as sp
    pc, pd, dt, T = pc or P, pd or P, 1 / 12, len(prices)
    p, ec, ed = np.array(prices), rt ** 0.5, rt ** 0.5
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = 3 * T, T  # columns: c, d, e
    lp.col_cost_ = np.concatenate([p * dt, -(p - cost) * dt, np.zeros(T)])  # minimise minus revenue
    lower = np.concatenate([np.zeros(2 * T), np.full(T, smin * E)])
    lower[-1] = max(smin * E, soc0 * E)
    lp.col_lower_ = lower
    lp.col_upper_ = np.concatenate([np.full(T, pc), np.full(T, pd), np.full(T, smax * E)])
    t = np.arange(T)
    rows = np.concatenate([t, t, t, t[1:]])
    cols = np.concatenate([2 * T + t, t, T + t, 2 * T + t[1:] - 1])
    vals = np.concatenate([np.ones(T), np.full(T, -ec * dt), np.full(T, dt / ed), -np.ones(T - 1)])
    A = sp.csc_matrix((vals, (rows, cols)), shape=(T, 3 * T))
    rhs = np.zeros(T)
    rhs[0] = soc0 * E
    lp.row_lower_, lp.row_upper_ = rhs, rhs
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = A.indptr, A.indices, A.data
    h, elapsed = run_highs(lp)
    return -h.getInfo().objective_function_value, elapsed


def run_highs(lp):
    """Solves `lp` quietly: (the solved Highs, seconds spent solving). Raises unless optimal."""
    import highspy
    with stdout_to_stderr():
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)  # the first thing after construction: nothing more is logged
        h.passModel(lp)
        started = time.time()
        h.run()
        elapsed = time.time() - started
    status = h.modelStatusToString(h.getModelStatus())
    if status != "Optimal":
        raise RuntimeError(f"HiGHS: {status}")
    return h, elapsed


def main():
    a = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    a.add_argument("files", nargs="+")
    a.add_argument("--power", type=float, default=1.0)
    a.add_argument("--energy", type=float, default=2.0)
    a.add_argument("--rt", type=float, default=0.9)
    a.add_argument("--soc0", type=float, default=0.5)
    args = a.parse_args()
    prices = read_prices(args.files)
    revenue, elapsed = solve(prices, P=args.power, E=args.energy, rt=args.rt, soc0=args.soc0)
    json.dump({"revenue_aud": revenue, "solve_s": elapsed, "intervals": len(prices)}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
