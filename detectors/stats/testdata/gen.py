#!/usr/bin/env python3
"""Regenerates the golden files of the statistics' tests (package
detectors/stats; detectors' Evaluate tests read oracle_golden.json too). Run
from anywhere with Debian's scipy 1.10 (python3-scipy):

    /usr/bin/python3 detectors/stats/testdata/gen.py

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

import warnings

import numpy as np
import scipy
from scipy import special, stats
from scipy.stats._hypotests import _cdf_cvm_inf, _pval_cvm_2samp_exact
from scipy.stats._stats_py import _attempt_exact_2kssamp

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
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
    # at most 20 values a side: exact Cramer-von Mises, with heavy ties in
    # weathersit and season (all one value: Anderson-Darling undefined)
    ("bike_day_exact_ties", "bike_sharing_day.csv", (0, 20), (20, 40),
     ["weathersit", "season", "temp", "hum"], ["weathersit", "season", "workingday"]),
    # a dry fortnight as reference: rain has one category there, two in the
    # window (z_test with a category unseen in the reference); 15 vs 20 rows
    ("weather_dry_ref", "weather_noaa.csv", (294, 309), (309, 329),
     ["TEMP", "VISIB", "WDSP"], ["rain"]),
    ("insects_small", "insects_gradual_balanced.csv", (0, 12), (20000, 20019),
     ["Att1", "Att2", "Att3"], ["class"]),
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


# The oracle's missing tokens (reference.py MISSING).
MISSING = {"", "?", "NA", "nan", "NaN", "null"}


def one_value(values):
    """Whether a column's non-missing values are all one number. The oracle
    divides by np.std, which for one value repeated is often rounding noise
    (100 copies of 0.1: 2.8e-17), not 0: wasserstein_norm over a reference
    without spread has no finite value, whatever np.std says."""
    xs = {float(v) for v in values if v not in MISSING}
    return len(xs) == 1


def categorical_extra(ref, cur):
    """z_test and tvd, which the oracle lacks, from the same cleaned values
    and sorted categories as the oracle's (numpy/scipy here, independent of
    the Go code):

    tvd     0.5 * sum_i |p_r[i] - p_c[i]| over raw proportions;
    z_test  the pooled two-proportion z-test on the share of the first
            (sorted) category, z = (p_r - p_c) / sqrt(p (1-p) (1/n_r + 1/n_c))
            with p the pooled share, two-sided p = 2 norm.sf(|z|); null
            unless there are exactly two categories.
    """
    r = [v for v in ref if v not in MISSING]
    c = [v for v in cur if v not in MISSING]
    cats = sorted(set(r) | set(c))
    cr = np.array([r.count(k) for k in cats], dtype=float)
    cc = np.array([c.count(k) for k in cats], dtype=float)
    nr, nc = cr.sum(), cc.sum()
    p_r, p_c = cr / nr, cc / nc
    out = {"tvd": float(0.5 * np.sum(np.abs(p_r - p_c))), "n_categories": len(cats),
           "z_statistic": None, "z_pvalue": None}
    if len(cats) == 2:
        pooled = (cr[0] + cc[0]) / (nr + nc)
        var = pooled * (1 - pooled) * (1 / nr + 1 / nc)
        if var > 0:
            z = (p_r[0] - p_c[0]) / np.sqrt(var)
            out["z_statistic"] = float(z)
            out["z_pvalue"] = float(2 * stats.norm.sf(abs(z)))
    return out


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
                if one_value(data[c][ref[0]:ref[1]]):
                    g["wasserstein_norm"] = None
                g["ks_statistic"] = r["ks"]["statistic"]
                g["ks_pvalue"] = r["ks"]["pvalue"]
                g["ks_method"] = r["ks"]["method_resolved"]
                ad, cvm = r["anderson_ksamp"], r["cramervonmises"]
                g["ad_statistic"] = ad["statistic"]
                g["ad_pvalue"] = ad["pvalue"]
                g["ad_clipped"] = ad.get("pvalue_clipped")
                g["ad_error"] = ad.get("error")
                g["cvm_statistic"] = cvm["statistic"]
                g["cvm_pvalue"] = cvm["pvalue"]
                g["cvm_method"] = cvm.get("method_resolved")
                g["cvm_error"] = cvm.get("error")
            else:
                for k in CATEGORICAL_KEYS:
                    g[k] = r[k]
                g["chi2_statistic"] = r["chi2_contingency"]["statistic"]
                g["chi2_pvalue"] = r["chi2_contingency"]["pvalue"]
                g["chi2_dof"] = r["chi2_contingency"]["dof"]
                g.update(categorical_extra(data[c][ref[0]:ref[1]], data[c][cur[0]:cur[1]]))
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


def with_ties(x, levels):
    # levels > 0: floor(x * levels), integers 0..levels-1 with heavy ties;
    # Go rebuilds these with the same float operations.
    return [math.floor(v * levels) for v in x] if levels else x


def kv_grid():
    """(nu, x, kv(nu, x)): dense in x for nu = 1/4 (the q arguments the
    Cramer-von Mises series passes lie in [1/(16 x_max), 1/(16 * 0.003)]
    and beyond for k > 0), coarser for other orders. scipy's kv (AMOS)
    underflows to 0 from about x = 698 on, where K is still 4e-305, so the grid
    stops below."""
    rows = []
    dense = np.concatenate([np.logspace(-12, np.log10(690), 241),
                            [1e-300, 1e-200, 1e-100, 1e-50, 1e-20, 0.5, 1, 1.5, 2, 6.25, 10, 20.8333]])
    coarse = np.concatenate([np.logspace(-10, np.log10(690), 41), [1e-300, 1e-100]])
    for nu, xs in ((0.25, dense), (0.0, coarse), (1 / 3, coarse), (0.5, coarse),
                   (0.75, coarse), (1.0, coarse)):
        for x in sorted(set(float(v) for v in xs)):
            rows.append([nu, x, float(special.kv(nu, x))])
    return rows


def cvm_inf_grid():
    """(x, _cdf_cvm_inf(x)) from scipy's 0.003 cut-off to far in the tail."""
    xs = np.concatenate([np.linspace(0.003, 0.05, 25), np.linspace(0.05, 1, 40),
                         np.logspace(0, 3, 25)])
    return [[float(x), float(_cdf_cvm_inf(float(x)))] for x in sorted(set(xs.tolist()))]


def cvm_u(x, y):
    """scipy's U statistic (cramervonmises_2samp, eq. 10 of Anderson 1962)."""
    xa, ya = np.sort(x), np.sort(y)
    nx, ny = len(xa), len(ya)
    r = stats.rankdata(np.concatenate([xa, ya]), method="average")
    u = nx * np.sum((r[:nx] - np.arange(1, nx + 1)) ** 2)
    u += ny * np.sum((r[nx:] - np.arange(1, ny + 1)) ** 2)
    return float(u)


def cvm_exact_grid():
    """(m, n, u, _pval_cvm_2samp_exact(u, m, n)): u from synthetic samples
    (with and without ties, so also between lattice values) and on an even
    grid up to the largest attainable u (complete separation)."""
    rows = []
    pairs = [(2, 2), (2, 3), (3, 3), (2, 7), (4, 6), (5, 5), (5, 7), (7, 5), (8, 12), (10, 10),
             (6, 20), (13, 17), (15, 20), (20, 3), (20, 20), (19, 20)]
    for m, n in pairs:
        us = set()
        for shift in (0.0, 0.05, 0.2, 0.5, 1.0):
            for levels in (0, 3):
                a = with_ties(synthetic(m, GOLD, 1.0, 0.0), levels)
                b = with_ties(synthetic(n, PLASTIC, 1.0, shift), levels)
                us.add(cvm_u(a, b))
        umax = cvm_u(list(range(m)), list(range(m, m + n)))
        us.update(float(v) for v in np.linspace(0, umax, 9))
        us.add(umax + 1.0)
        for u in sorted(us):
            rows.append([m, n, u, float(_pval_cvm_2samp_exact(np.float64(u), m, n))])
    return rows


GOLD = 0.6180339887498949
PLASTIC = 0.7548776662466927


def cvm_2samp_cases():
    """scipy.stats.cramervonmises_2samp on deterministic samples: exact and
    asymptotic, with and without ties, and the p = 1 short cut (tn < 0.003)."""
    rows = []
    specs = [  # n1, n2, shift, levels
        (2, 2, 0.0, 0), (3, 5, 0.3, 0), (7, 6, 0.1, 0), (20, 20, 0.0, 0), (20, 20, 0.2, 0),
        (12, 19, 0.05, 4), (20, 18, 0.0, 3), (5, 20, 0.5, 2), (21, 20, 0.0, 0), (21, 20, 0.3, 0),
        (50, 80, 0.1, 0), (50, 80, 0.0, 5), (200, 200, 0.0, 0), (300, 300, 0.0, 0),
        (1000, 1500, 0.02, 0), (1000, 1500, 0.0, 10), (5000, 7000, 0.01, 0), (3000, 2000, 0.5, 0),
    ]
    for n1, n2, shift, levels in specs:
        a = with_ties(synthetic(n1, GOLD, 1.0, 0.0), levels)
        c2 = GOLD if n1 == n2 and shift == 0 and levels == 0 else PLASTIC
        b = with_ties(synthetic(n2, c2, 1.0, shift), levels)
        r = stats.cramervonmises_2samp(a, b)
        rows.append({"n1": n1, "n2": n2, "c1": GOLD, "c2": c2, "shift": shift, "levels": levels,
                     "statistic": float(r.statistic), "pvalue": float(r.pvalue)})
    return rows


def ad_cases():
    """scipy.stats.anderson_ksamp on deterministic samples, reaching the cap,
    the floor and the interpolation, with and without ties."""
    rows = []
    specs = [  # n1, n2, shift, levels
        (2, 2, 0.3, 0), (3, 4, 0.0, 0), (10, 15, 0.0, 0), (10, 15, 0.3, 0), (10, 15, 0.6, 0),
        (30, 40, 0.15, 0), (30, 40, 0.2, 3), (100, 100, 0.0, 4), (200, 300, 0.05, 0),
        (1000, 1500, 0.02, 0), (1000, 1500, 0.0, 10), (5000, 7000, 0.01, 0), (3000, 2000, 0.5, 0),
    ]
    for n1, n2, shift, levels in specs:
        a = with_ties(synthetic(n1, GOLD, 1.0, 0.0), levels)
        b = with_ties(synthetic(n2, PLASTIC, 1.0, shift), levels)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            r = stats.anderson_ksamp([a, b])
        clip = ("capped" if any("capped" in str(x.message) for x in w) else
                "floored" if any("floored" in str(x.message) for x in w) else None)
        rows.append({"n1": n1, "n2": n2, "c1": GOLD, "c2": PLASTIC, "shift": shift, "levels": levels,
                     "statistic": float(r.statistic), "significance_level": float(r.significance_level),
                     "clipped": clip})
    return rows


def ad_levels():
    """The significance level at chosen statistics, from scipy's own
    anderson_ksamp with its A2akN replaced (unittest.mock) by a chosen value:
    [n1, n2, A2akN, statistic, significance_level, clipped]. The statistics
    fall on the two end critical values exactly, one ulp either side of
    them, and on a grid between, so the interpolation's edges are pinned."""
    import scipy.stats._morestats as ms
    from unittest import mock

    a, b = [0.0, 1.0, 2.0], [0.5, 1.5, 2.5, 3.5]
    n1, n2 = len(a), len(b)

    def run(a2kn):
        with mock.patch.object(ms, "_anderson_ksamp_midrank", return_value=a2kn):
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                r = stats.anderson_ksamp([a, b])
        clip = ("capped" if any("capped" in str(x.message) for x in w) else
                "floored" if any("floored" in str(x.message) for x in w) else None)
        return float(r.statistic), float(r.significance_level), clip, r.critical_values

    _, _, _, critical = run(2.0)
    sigma = 1 / run(2.0)[0]
    rows = []

    def add(a2kn):
        stat, sig, clip = run(a2kn)[:3]
        rows.append([n1, n2, a2kn, stat, sig, clip])
        return stat

    for target in (critical.min(), critical.max()):
        # walk A2akN ulp by ulp until the statistic lands on the critical
        # value, then keep its neighbours too
        x = 1 + target * sigma
        for _ in range(200):
            st = run(x)[0]
            if st == target:
                break
            x = np.nextafter(x, np.inf if st < target else -np.inf)
        for k in range(-3, 4):
            xi = x
            for _ in range(abs(k)):
                xi = np.nextafter(xi, np.inf if k > 0 else -np.inf)
            add(float(xi))
    for target in np.linspace(critical.min() - 1, critical.max() + 1, 41):
        add(float(1 + target * sigma))
    return {"critical": [float(v) for v in critical], "rows": rows}


def main():
    meta = {"numpy": np.__version__, "scipy": scipy.__version__,
            "command": "/usr/bin/python3 detectors/stats/testdata/gen.py"}
    with tempfile.TemporaryDirectory() as tmp:
        cases = [oracle_case(tmp, *c) for c in CASES]
    with open(os.path.join(HERE, "oracle_golden.json"), "w") as f:
        json.dump({"meta": meta, "cases": cases}, f, indent=1, allow_nan=False)
        f.write("\n")
    ks = {"meta": meta, "kstwo": kstwo_grid(), "exact": exact_grid(), "ks_2samp": ks2_cases()}
    with open(os.path.join(HERE, "ks_golden.json"), "w") as f:
        json.dump(ks, f, indent=None, allow_nan=False)
        f.write("\n")
    adcvm = {"meta": meta, "kv": kv_grid(), "cvm_inf": cvm_inf_grid(), "cvm_exact": cvm_exact_grid(),
             "cramervonmises_2samp": cvm_2samp_cases(), "anderson_ksamp": ad_cases(),
             "ad_levels": ad_levels()}
    with open(os.path.join(HERE, "ad_cvm_golden.json"), "w") as f:
        json.dump(adcvm, f, indent=None, allow_nan=False)
        f.write("\n")


if __name__ == "__main__":
    main()
