#!/usr/bin/env python3
"""Independent values for the calibration tests (calibration_test.go), from
the scipy oracle's own binning and Jensen-Shannon distance.

Run from the repository's root, with Debian's numpy and scipy:

    /usr/bin/python3 internal/policyeval/testdata/calibration_oracle.py \
        ../shared/oracle ../shared/datasets electricity > internal/policyeval/testdata/calibration_oracle.json
    /usr/bin/python3 internal/policyeval/testdata/calibration_oracle.py \
        ../shared/oracle ../shared/datasets weather > monitor/testdata/visib_yearly.json

For each case: the Jensen-Shannon distance (base 2, over the reference's
decile bins) of the current rows against the reference; the mean of the
same distance over the reference's consecutive sub-windows of the window's
size, each against the rest of the reference (at most 50, the j*w//use-th
of the w there are, as driftmon spreads them); and the mean and standard
deviation (ddof 1) of the distance over 2,000 bootstrap pairs (multinomial
counts at the reference's bin proportions, n against m), numpy's own
random stream, so nothing here shares driftmon's code or draws.
"""
import json
import sys

import numpy as np

sys.path.insert(0, sys.argv[1])
import reference as oracle  # noqa: E402

DATA = sys.argv[2]
RESAMPLES = 2000


def column(path, name):
    with open(path) as f:
        header = f.readline().strip().split(",")
        i = header.index(name)
        return np.array([float(line.split(",")[i]) for line in f])


def js(count_r, count_c):
    return oracle.histogram_metrics(count_r, count_c)["js_distance"]


def case(ref, cur, m):
    edges = oracle.decile_edges(ref)
    total = oracle.bin_counts(ref, edges)
    out = {"m": m, "js": None if cur is None else js(total, oracle.bin_counts(cur, edges))}
    n = len(ref)
    w = n // m
    if w >= 2:
        use = min(w, 50)
        vals = []
        for j in range(use):
            i = j * w // use
            sub = oracle.bin_counts(ref[i * m:(i + 1) * m], edges)
            vals.append(js(total - sub, sub))
        out["sub_windows"] = use
        out["sub_mean"] = float(np.mean(vals))
    rng = np.random.default_rng(20261208)
    p = total / total.sum()
    boot = [js(rng.multinomial(n, p), rng.multinomial(m, p)) for _ in range(RESAMPLES)]
    out["boot_mean"] = float(np.mean(boot))
    out["boot_sd"] = float(np.std(boot, ddof=1))
    return out


def stride(x):
    # A fixed scramble both sides can make: position k takes row k*1009 mod n.
    n = len(x)
    return x[(np.arange(n) * 1009) % n]


def electricity():
    path = DATA + "/electricity.csv"
    out = []
    for name in ["date", "nswprice", "vicprice", "vicdemand", "transfer", "period"]:
        col = column(path, name)
        for n in [4531, 10000]:
            for order in ["file", "stride"]:
                ref = col[:n] if order == "file" else stride(col[:n])
                for m in [500, 906, 907, 2000]:
                    c = case(ref, col[30000:30000 + m], m)
                    c.update(column=name, reference=n, order=order)
                    out.append(c)
    return out


def weather():
    col = column(DATA + "/weather_noaa.csv", "VISIB")
    ref = col[:1825]
    windows = [js(oracle.bin_counts(ref, oracle.decile_edges(ref)),
                  oracle.bin_counts(col[s:s + 365], oracle.decile_edges(ref)))
               for s in range(1825, len(col) - 364, 365)]
    # Serve calibrates a 365-event window at its size step, 362.
    c = case(ref, None, 362)
    c.update(column="VISIB", reference=1825, windows=windows)
    return c


json.dump(electricity() if sys.argv[3] == "electricity" else weather(), sys.stdout, indent=1)
print()
