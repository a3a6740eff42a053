#!/usr/bin/env python3
"""Regenerates the golden files of the detectors tests. Run from anywhere with
Debian's scipy 1.10 (python3-scipy):

    /usr/bin/python3 detectors/testdata/gen.py

oracle_golden.json: for row ranges of the real data sets, the values of
  ../shared/oracle/reference.py (`pair --summary`, run on temporary CSV files
  that hold the selected rows of one column).
ks_golden.json: scipy's own values for the hand-written parts of KS:
  kstwo.sf on a grid of (n, d) reaching every branch of scipy's choice of
  algorithm; the exact two-sample probability (scipy.stats._stats_py.
  _attempt_exact_2kssamp) on a grid of (n1, n2, h); and ks_2samp on
  deterministic synthetic samples (defined by formula, so the Go test
  rebuilds them) in both exact and asymptotic modes.

Data sets are read from $DRIFTMON_DATASETS or ../shared/datasets beside the
repository root. Nothing here is needed at test time.
"""
import csv
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import scipy
from scipy import stats
from scipy.stats._stats_py import _attempt_exact_2kssamp

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared"))
DATASETS = os.environ.get("DRIFTMON_DATASETS", os.path.join(SHARED, "datasets"))
ORACLE = os.path.join(SHARED, "oracle", "reference.py")

# (name, file, ref rows [a, b), cur rows [a, b), numeric columns, categorical columns)
CASES = [
    # tiny samples, a constant column (vicprice), one category on both sides
    ("elec_tiny", "electricity.csv", (0, 5), (5, 12),
     ["period", "nswprice", "nswdemand", "vicprice"], ["day", "class"]),
    # equal sizes (square method), identical tied values in period (D = 0)
    ("elec_equal_48", "electricity.csv", (0, 48), (48, 96),
     ["period", "nswprice", "nswdemand", "transfer", "date"], ["day", "class"]),
    # unequal small sizes with heavy ties; days unseen in the reference
    ("elec_ties_unseen", "electricity.csv", (0, 48), (48, 400),
     ["period", "day", "nswprice", "vicdemand"], ["day", "class"]),
    ("elec_ties_small", "electricity.csv", (0, 200), (1000, 1030),
     ["period", "day", "nswdemand"], ["day"]),
    # the oracle's default split: 10% reference, a 2000-row window
    ("elec_ref_window", "electricity.csv", (0, 4531), (4531, 6531),
     ["date", "period", "nswprice", "nswdemand", "vicprice", "vicdemand", "transfer"],
     ["day", "class"]),
    # a window of 12000 rows: asymptotic KS; constant reference in vicprice
    ("elec_asymp", "electricity.csv", (0, 4531), (20000, 32000),
     ["period", "nswdemand", "vicprice"], ["day"]),
    # no covariate drift in sea: asymptotic KS with moderate p-values
    ("sea_asymp", "sea.csv", (0, 12500), (12500, 25000), ["f1", "f2", "f3"], ["label"]),
    ("sea_asymp_unequal", "sea.csv", (0, 10001), (25000, 36999), ["f1", "f2"], []),
    # a small reference against a large window: n = round(n1 n2/(n1+n2)) small
    ("sea_small_vs_big", "sea.csv", (0, 30), (30000, 42000), ["f1", "f2", "f3"], []),
    ("sea_100_vs_big", "sea.csv", (100, 200), (20000, 35000), ["f1", "f2", "f3"], []),
    ("sea_300_vs_big", "sea.csv", (0, 300), (10000, 21000), ["f1", "f2", "f3"], []),
    ("sea_exact_mid", "sea.csv", (0, 700), (700, 1000), ["f1", "f2", "f3"], ["label"]),
    # bike sharing: a rare weather category (4) unseen in the reference
    ("bike_hour_unseen", "bike_sharing_hour.csv", (0, 500), (8800, 9200),
     ["temp", "hum", "cnt"], ["weathersit", "season", "weekday"]),
    # one category on both sides: chi2 of a 2x1 table
    ("bike_hour_one_season", "bike_sharing_hour.csv", (0, 500), (500, 1000),
     ["windspeed"], ["season", "weathersit"]),
    # 2011 against 2012, both large: the exact unequal-size path at full cost
    ("bike_hour_years", "bike_sharing_hour.csv", (0, 8645), (8645, 17378),
     ["cnt", "temp"], ["weathersit", "hr"]),
    ("bike_day_small", "bike_sharing_day.csv", (0, 20), (365, 400),
     ["temp", "hum", "cnt"], ["weathersit", "weekday"]),
    # decades apart: VISIB drifts; SLP holds a bad value (5503.8) early on
    ("weather_decades", "weather_noaa.csv", (0, 3000), (15000, 18159),
     ["TEMP", "VISIB", "SLP"], ["rain"]),
    ("insects_gradual", "insects_gradual_balanced.csv", (0, 2000), (16000, 18000),
     ["Att1", "Att7"], ["class"]),
]

NUMERIC_KEYS = ["n_ref", "n_cur", "wasserstein", "wasserstein_norm", "energy_distance",
                "psi", "kl_cur_ref", "js_distance", "hellinger"]
CATEGORICAL_KEYS = ["n_ref", "n_cur", "psi", "kl_cur_ref", "js_distance", "hellinger"]


def read_column(path, col):
    with open(path, newline="") as f:
        rd = csv.reader(f)
        header = [h.strip() for h in next(rd)]
        i = header.index(col)
        return [row[i].strip() for row in rd if row]


def write_csv(path, cols, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in rows:
            w.writerow(r)


def oracle_case(tmp, name, file, ref, cur, numeric, categorical):
    cols = numeric + [c for c in categorical if c not in numeric]
    data = {c: read_column(os.path.join(DATASETS, file), c) for c in cols}
    out = {"name": name, "file": file, "ref": list(ref), "cur": list(cur), "columns": []}
    # a column may be compared both as a number and as a category (day):
    # one oracle run per kind.
    for kind, names in (("numeric", numeric), ("categorical", categorical)):
        if not names:
            continue
        rp, cp = os.path.join(tmp, "ref.csv"), os.path.join(tmp, "cur.csv")
        write_csv(rp, names, zip(*[data[c][ref[0]:ref[1]] for c in names]))
        write_csv(cp, names, zip(*[data[c][cur[0]:cur[1]] for c in names]))
        res = json.loads(subprocess.run(
            [sys.executable, ORACLE, "pair", "--ref", rp, "--cur", cp, "--summary",
             "--" + kind, ",".join(names)],
            check=True, capture_output=True, text=True).stdout)
        for c in names:
            r = res["columns"][c]
            if "error" in r:
                raise SystemExit(f"{name}/{c}: oracle error {r['error']}")
            g = {"column": c, "kind": kind}
            if kind == "numeric":
                for k in NUMERIC_KEYS:
                    g[k] = r[k]
                g["ks_statistic"] = r["ks"]["statistic"]
                g["ks_pvalue"] = r["ks"]["pvalue"]
                g["ks_method"] = r["ks"]["method_resolved"]
            else:
                for k in CATEGORICAL_KEYS:
                    g[k] = r[k]
                g["chi2_statistic"] = r["chi2_contingency"]["statistic"]
                g["chi2_pvalue"] = r["chi2_contingency"]["pvalue"]
                g["chi2_dof"] = r["chi2_contingency"]["dof"]
            out["columns"].append(g)
    return out


def kstwo_grid():
    """(n, d, kstwo.sf(d, n)) reaching each branch of scipy's _kolmogn."""
    rows = []
    ns = [1, 2, 3, 5, 10, 20, 50, 100, 139, 140, 141, 200, 500, 1000, 2500, 5000,
          10000, 30000, 100000, 100001, 250000]
    for n in ns:
        ds = set()
        # t = n d at the Ruben-Gambino ends, the d >= 0.5 branch, and n d^2
        # across the 0.754693 / 4 / 2.2 / 18 / 370 cut-offs.
        for t in (0.4, 0.5, 0.75, 1.0):
            ds.add(t / n)
        ds.update([1 - 1.0 / n, 1 - 0.5 / n, 0.5, 0.6, 0.99])
        for nxx in (0.05, 0.2, 0.5, 0.754, 0.76, 1.0, 1.5, 2.19, 2.21, 3.0, 3.99, 4.01,
                    6.0, 10.0, 17.9, 18.1, 50.0, 300.0, 369.0, 371.0, 500.0):
            ds.add(math.sqrt(nxx / n))
        # n d^1.5 across 1.4 (the Durbin / Pelz-Good switch for n > 140)
        for v in (1.0, 1.39, 1.41, 2.0):
            ds.add((v / n) ** (2.0 / 3.0))
        for d in sorted(ds):
            if 0 < d < 1:
                rows.append([n, d, float(stats.kstwo.sf(d, n))])
    # n a power of two, so d = t/n is exact and n d has fractional part
    # exactly 0 or 0.5: the edge cases of Pomeranz's rounding of n d.
    for n, t in ((16, 2.5), (16, 4.5), (16, 4.0), (32, 5.0), (32, 7.5), (64, 12.5),
                 (64, 12.0), (128, 18.5), (128, 20.0), (256, 20.5), (1024, 40.0)):
        rows.append([n, t / n, float(stats.kstwo.sf(t / n, n))])
    return rows


def exact_grid():
    """(n1, n2, h, p, ok) from scipy's exact two-sample computation."""
    rows = []
    pairs = [(1, 1), (1, 2), (2, 3), (3, 3), (5, 7), (7, 5), (10, 10), (10, 15), (12, 18),
             (20, 30), (25, 25), (40, 60), (48, 352), (100, 100), (100, 101), (100, 250),
             (333, 777), (500, 500), (1000, 999), (2000, 4531), (3000, 3000), (4096, 1024),
             (7919, 104), (10000, 10000), (10000, 9999)]
    for n1, n2 in pairs:
        g = math.gcd(n1, n2)
        lcm = (n1 // g) * n2
        hs = set()
        for frac in (0.0, 0.001, 0.01, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0):
            hs.add(int(round(frac * lcm)))
        hs.update([1, lcm])
        for h in sorted(hs):
            if h < 0 or h > lcm:
                continue
            # unequal sizes cost about 2 h/lcm n1 n2 steps: keep the largest
            # pairs to small statistics so the Go test stays fast
            if n1 * n2 > 5_000_000 and h > 0.05 * lcm and n1 != n2:
                continue
            d = h / lcm
            ok, dd, p = _attempt_exact_2kssamp(n1, n2, g, d, "two-sided")
            rows.append([n1, n2, h, None if not math.isfinite(p) else float(p), bool(ok)])
    return rows


def synthetic(n, c, scale, shift):
    # Go rebuilds these with the same float operations.
    return [math.fmod(i * c, 1.0) * scale + shift for i in range(n)]


def ks2_cases():
    rows = []
    specs = [
        (8, 9, 0.6180339887498949, 0.7548776662466927, 1.0, 0.0),
        (30, 30, 0.6180339887498949, 0.7548776662466927, 1.0, 0.1),
        (50, 80, 0.6180339887498949, 0.5698402909980532, 1.2, -0.1),
        (1000, 1500, 0.6180339887498949, 0.7548776662466927, 1.0, 0.02),
        (10000, 10000, 0.6180339887498949, 0.7548776662466927, 1.0, 0.005),
        (10000, 9999, 0.6180339887498949, 0.7548776662466927, 1.0, 0.0),
        (10001, 50, 0.6180339887498949, 0.7548776662466927, 1.0, 0.0),
        (10001, 50, 0.6180339887498949, 0.7548776662466927, 1.0, 0.3),
        (20, 12000, 0.6180339887498949, 0.7548776662466927, 1.0, 0.05),
        (150, 12000, 0.6180339887498949, 0.7548776662466927, 1.0, 0.02),
        (400, 15000, 0.6180339887498949, 0.7548776662466927, 1.0, 0.0),
        (400, 15000, 0.6180339887498949, 0.7548776662466927, 1.0, 0.5),
        (12000, 13000, 0.6180339887498949, 0.7548776662466927, 1.0, 0.01),
        (12000, 13000, 0.6180339887498949, 0.7548776662466927, 1.0, 0.0),
        (20000, 30000, 0.6180339887498949, 0.7548776662466927, 1.0, 0.002),
    ]
    for n1, n2, c1, c2, scale, shift in specs:
        a = synthetic(n1, c1, 1.0, 0.0)
        b = synthetic(n2, c2, scale, shift)
        r = stats.ks_2samp(a, b)
        rows.append({"n1": n1, "n2": n2, "c1": c1, "c2": c2, "scale": scale, "shift": shift,
                     "statistic": float(r.statistic), "pvalue": float(r.pvalue)})
    return rows


def main():
    meta = {"numpy": np.__version__, "scipy": scipy.__version__,
            "command": "/usr/bin/python3 detectors/testdata/gen.py"}
    with tempfile.TemporaryDirectory() as tmp:
        cases = [oracle_case(tmp, *c) for c in CASES]
    with open(os.path.join(HERE, "oracle_golden.json"), "w") as f:
        json.dump({"meta": meta, "cases": cases}, f, indent=1, allow_nan=False)
        f.write("\n")
    ks = {"meta": meta, "kstwo": kstwo_grid(), "exact": exact_grid(), "ks_2samp": ks2_cases()}
    with open(os.path.join(HERE, "ks_golden.json"), "w") as f:
        json.dump(ks, f, indent=None, allow_nan=False)
        f.write("\n")


if __name__ == "__main__":
    main()
