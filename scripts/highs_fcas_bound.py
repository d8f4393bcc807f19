#!/usr/bin/env python3
"""The energy + FCAS co-optimised bound solved by HiGHS (highspy), as an
independent check of Manta's Clp-based solver: the LP exactly as the FCAS
issue states it, for one price-taker battery with a rectangular trapezium.

    maximise  sum_t dt [ p_t (d - c) - k d + sum_s pi_s,t r_s + sum_s lam_s,t l_s ]
    s.t.      e_t = e_{t-1} + eta_c c dt - d dt / eta_d,  Emin <= e_t <= Emax,  e_T >= e_0
              0 <= c <= Pc,  0 <= d <= Pd,  0 <= r_s <= Pd,  0 <= l_s <= Pc
              each contingency raise s:  d - c + r_s + r_REG <= Pd
              each contingency lower s:  c - d + l_s + l_REG <= Pc
              regulation alone:          d - c + r_REG <= Pd,  c - d + l_REG <= Pc
              sustain:  e_t - sum_s r_s h_s / eta_d >= Emin,  e_t + sum_s l_s h_s eta_c <= Emax

The two "regulation alone" rows are implied by the contingency rows whenever a
contingency service is priced; they keep a regulation-only series bounded.
Missing intervals (no energy price) idle; a service not priced in an interval
is not enabled in it.

Usage: highs_fcas_bound.py FILE --region NSW1 [--power 1 --energy 2 --rt 0.9 --soc0 0.5] [--energy-only]
prints one JSON line {"revenue_aud", "energy_revenue_aud", "fcas_revenue_aud", "solve_s",
"intervals", "services"}. FILE is an AEMO DISPATCHPRICE (MMS C/I/D) file or the
one-header dispatch price CSV. Written against highspy 1.16.0.
"""
import argparse
import csv
import datetime
import json
import sys

from highs_bound import run_highs

SERVICES = ["RAISE1SEC", "RAISE6SEC", "RAISE60SEC", "RAISE5MIN", "RAISEREG",
            "LOWER1SEC", "LOWER6SEC", "LOWER60SEC", "LOWER5MIN", "LOWERREG"]
# Hours each service must be sustained (DESIGN.md, "NEM facts").
SUSTAIN_H = {"RAISE1SEC": 1 / 60, "RAISE6SEC": 1 / 60, "RAISE60SEC": 5 / 60, "RAISE5MIN": 10 / 60, "RAISEREG": 5 / 60,
             "LOWER1SEC": 1 / 60, "LOWER6SEC": 1 / 60, "LOWER60SEC": 5 / 60, "LOWER5MIN": 10 / 60, "LOWERREG": 5 / 60}


def read_prices(path, region):
    """{interval end (naive datetime, market time): {"RRP": p, service: price}} for
    `region`, pricing run only (INTERVENTION 0)."""
    columns = [("RRP", "RRP")] + [(s, s + "RRP") for s in SERVICES]
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    mms = rows[0][0] in ("C", "I")
    header, out = None if mms else {name.strip().upper(): i for i, name in enumerate(rows[0])}, {}
    for row in rows if mms else rows[1:]:
        if mms and row[0] == "I":
            header = {name: i for i, name in enumerate(row)}
            continue
        if mms and row[0] != "D" or header is None or row[header["REGIONID"]] != region:
            continue
        if "INTERVENTION" in header and row[header["INTERVENTION"]] != "0":
            continue
        out[row[header["SETTLEMENTDATE"]].strip('"')[:19]] = {
            key: float(row[header[c]]) for key, c in columns if c in header and row[header[c]] != ""}
    parse = lambda s: datetime.datetime.strptime(s.replace("/", "-"), "%Y-%m-%d %H:%M:%S")
    return {parse(k): v for k, v in out.items()}


def grid(prices):
    """The prices on a regular 5-minute grid from the first interval to the last (None where missing)."""
    ends = sorted(prices)
    step = datetime.timedelta(minutes=5)
    n = int((ends[-1] - ends[0]) / step) + 1
    return [prices.get(ends[0] + i * step) for i in range(n)]


def solve(slots, P=1.0, E=2.0, rt=0.9, soc0=0.5, smin=0.0, smax=1.0, cost=0.0, fcas=True):
    """Returns dict(revenue, energy, fcas, seconds, services) for the grid `slots`;
    with fcas=False the energy-only bound."""
    import highspy
    import numpy as np
    import scipy.sparse as sp
    T, dt, ec, ed = len(slots), 1 / 12, rt ** 0.5, rt ** 0.5
    pc = pd = P
    emin, emax, e0 = smin * E, smax * E, soc0 * E
    services = [s for s in SERVICES if fcas and any(x and s in x for x in slots)]
    S = len(services)
    live = np.array([x is not None and "RRP" in x for x in slots])
    p = np.array([x["RRP"] if x is not None and "RRP" in x else 0.0 for x in slots])
    price = {s: np.array([x[s] if x is not None and s in x else np.nan for x in slots]) for s in services}
    # Columns: c [0,T), d [T,2T), e [2T,3T), then one block of T per service.
    col = lambda block, t: block * T + t
    ncol = (3 + S) * T
    cost_v = np.concatenate([p * dt, -(p - cost) * dt, np.zeros(T)] +
                            [-np.nan_to_num(price[s]) * dt for s in services])
    lower = np.zeros(ncol)
    upper = np.concatenate([np.where(live, pc, 0), np.where(live, pd, 0), np.full(T, emax)] +
                           [np.where(live & ~np.isnan(price[s]), pd if s.startswith("RAISE") else pc, 0) for s in services])
    lower[2 * T:3 * T] = emin
    lower[3 * T - 1] = max(emin, e0)
    t = np.arange(T)
    rows, cols, vals, rlo, rhi = [], [], [], [], []

    def add_rows(entries, lo, hi):
        """entries: [(block, coefficient)] applied at every t, one row per t."""
        base = len(rlo)
        for block, coef in entries:
            rows.append(base + t)
            cols.append(col(block, t))
            vals.append(np.full(T, coef) if np.isscalar(coef) else coef)
        rlo.extend(lo if not np.isscalar(lo) else [lo] * T)
        rhi.extend(hi if not np.isscalar(hi) else [hi] * T)

    # Energy balance: e_t - e_{t-1} - ec dt c_t + dt/ed d_t = 0 (e_{-1} = e0).
    rows += [t, t, t, t[1:]]
    cols += [2 * T + t, t, T + t, 2 * T + t[1:] - 1]
    vals += [np.ones(T), np.full(T, -ec * dt), np.full(T, dt / ed), -np.ones(T - 1)]
    rhs = np.zeros(T)
    rhs[0] = e0
    rlo += list(rhs)
    rhi += list(rhs)
    block = {s: 3 + i for i, s in enumerate(services)}
    inf = highspy.kHighsInf
    for side, reg, limit, sign in [("RAISE", "RAISEREG", pd, 1), ("LOWER", "LOWERREG", pc, -1)]:
        regs = [(block[reg], 1)] if reg in block else []
        for s in services:
            if s.startswith(side) and s != reg:
                add_rows([(1, sign), (0, -sign), (block[s], 1)] + regs, -inf, limit)
        if regs:
            add_rows([(1, sign), (0, -sign)] + regs, -inf, limit)
    raise_terms = [(block[s], -SUSTAIN_H[s] / ed) for s in services if s.startswith("RAISE")]
    lower_terms = [(block[s], SUSTAIN_H[s] * ec) for s in services if s.startswith("LOWER")]
    if raise_terms:
        add_rows([(2, 1)] + raise_terms, emin, inf)
    if lower_terms:
        add_rows([(2, 1)] + lower_terms, -inf, emax)
    A = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(len(rlo), ncol))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = ncol, len(rlo)
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost_v, lower, upper
    lp.row_lower_, lp.row_upper_ = np.array(rlo, dtype=float), np.array(rhi, dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = A.indptr, A.indices, A.data
    h, elapsed = run_highs(lp)
    x = np.array(h.getSolution().col_value)
    energy = float(np.sum(p * dt * (x[T:2 * T] - x[:T]) - cost * dt * x[T:2 * T]))
    by_service = {s: float(np.sum(np.nan_to_num(price[s]) * dt * x[block[s] * T:(block[s] + 1) * T])) for s in services}
    return dict(revenue=-h.getInfo().objective_function_value, energy=energy, fcas=sum(by_service.values()),
                by_service=by_service, seconds=elapsed, services=services)


def main():
    a = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    a.add_argument("file")
    a.add_argument("--region", required=True)
    a.add_argument("--power", type=float, default=1.0)
    a.add_argument("--energy", type=float, default=2.0)
    a.add_argument("--rt", type=float, default=0.9)
    a.add_argument("--soc0", type=float, default=0.5)
    a.add_argument("--energy-only", action="store_true", help="leave FCAS out: the energy-only bound")
    args = a.parse_args()
    slots = grid(read_prices(args.file, args.region))
    r = solve(slots, P=args.power, E=args.energy, rt=args.rt, soc0=args.soc0, fcas=not args.energy_only)
    json.dump({"revenue_aud": r["revenue"], "energy_revenue_aud": r["energy"], "fcas_revenue_aud": r["fcas"],
               "fcas_revenue_by_service": r["by_service"], "solve_s": r["seconds"],
               "intervals": len(slots), "services": r["services"]}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
