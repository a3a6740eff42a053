#!/usr/bin/env python3
"""Regenerates asymp_golden.json: the asymptotic p-values the two-sample KS
and Cramer-von Mises tests give with scipy's explicit asymptotic methods,
where scipy's method='auto' would compute them exactly. serve takes these
for the tests it only reports (stats.PValueAsymptotic). Run from anywhere
with Debian's scipy 1.10 (python3-scipy):

    /usr/bin/python3 detectors/stats/testdata/gen_asymp.py

ks_2samp:             scipy.stats.ks_2samp(r, c, method='asymp')
cramervonmises_2samp: scipy.stats.cramervonmises_2samp(r, c, method='asymptotic')

on the oracle's cleaned values (../shared/oracle/reference.py: missing
tokens and non-finite numbers dropped) of slices of the shared data sets,
and on gen.py's deterministic synthetic samples, which the Go test
rebuilds. Every case has n_ref * n_cur at or above the rule's bound
(10,000 for KS, 100 for Cramer-von Mises) and, but for one, within the
sizes method='auto' computes exactly. It leaves gen.py's files alone.
"""
import json
import os
import sys

import numpy as np
import scipy
from scipy import stats

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402  (the data sets, the synthetic samples)

sys.path.insert(0, os.path.dirname(gen.ORACLE))
import reference as oracle  # noqa: E402  (the oracle's input cleaning)

# (name, file, ref rows [a, b), cur rows [a, b), numeric columns)
KS_CASES = [
    ("elec_ref_window", "electricity.csv", (0, 4531), (4531, 6531),
     ["date", "period", "nswprice", "nswdemand", "vicprice", "transfer"]),
    ("sea_exact_mid", "sea.csv", (0, 700), (700, 1000), ["f1", "f2", "f3"]),
    ("bike_hour_unseen", "bike_sharing_hour.csv", (0, 500), (8800, 9200), ["temp", "hum", "cnt"]),
    ("weather_decades", "weather_noaa.csv", (0, 3000), (15000, 18159), ["TEMP", "VISIB", "SLP"]),
    ("insects_gradual", "insects_gradual_balanced.csv", (0, 2000), (16000, 18000), ["Att1", "Att7"]),
    ("insects_equal", "insects_gradual_balanced.csv", (0, 100), (100, 200), ["Att1", "Att2"]),
    ("sea_small_ref", "sea.csv", (0, 20), (1000, 1500), ["f1", "f2"]),
    # beyond 10,000 a side 'auto' is asymptotic too: the same value
    ("sea_asymp", "sea.csv", (0, 12500), (12500, 25000), ["f1"]),
]
CVM_CASES = [
    ("bike_day_exact_ties", "bike_sharing_day.csv", (0, 20), (20, 40), ["temp", "hum", "weathersit"]),
    ("weather_dry_ref", "weather_noaa.csv", (294, 309), (309, 329), ["TEMP", "VISIB", "WDSP"]),
    ("insects_small", "insects_gradual_balanced.csv", (0, 12), (20000, 20019), ["Att1", "Att2", "Att3"]),
    ("elec_ten", "electricity.csv", (0, 10), (10, 20), ["nswprice", "nswdemand"]),
]
# (n1, n2, shift, levels): synthetic samples as gen.py builds them
KS_SYNTHETIC = [(100, 100, 0.1, 0), (100, 101, 0.05, 0), (20, 1000, 0.1, 0), (50, 200, 0.0, 0),
                (1000, 1500, 0.02, 0), (1000, 1500, 0.0, 10), (2000, 5000, 0.01, 0),
                (9999, 10000, 0.005, 0), (5000, 2000, 0.3, 3)]
CVM_SYNTHETIC = [(10, 10, 0.0, 0), (10, 10, 0.4, 0), (12, 19, 0.05, 4), (20, 20, 0.2, 0),
                 (5, 20, 0.5, 2), (20, 18, 0.0, 3), (19, 20, 0.1, 0)]


def clean(raw):
    x = oracle._to_float(raw)
    return x[np.isfinite(x)]


def dataset_rows(cases, test):
    rows = []
    for name, file, ref, cur, cols in cases:
        for c in cols:
            raw = gen.read_column(os.path.join(gen.DATASETS, file), c)
            r, x = clean(raw[ref[0]:ref[1]]), clean(raw[cur[0]:cur[1]])
            res = test(r, x)
            rows.append({"name": name, "file": file, "ref": list(ref), "cur": list(cur), "column": c,
                         "n_ref": int(r.size), "n_cur": int(x.size),
                         "statistic": float(res.statistic), "pvalue": float(res.pvalue)})
    return rows


def synthetic_rows(specs, test):
    rows = []
    for n1, n2, shift, levels in specs:
        a = gen.with_ties(gen.synthetic(n1, gen.GOLD, 1.0, 0.0), levels)
        b = gen.with_ties(gen.synthetic(n2, gen.PLASTIC, 1.0, shift), levels)
        res = test(np.array(a), np.array(b))
        rows.append({"n1": n1, "n2": n2, "c1": gen.GOLD, "c2": gen.PLASTIC, "shift": shift,
                     "levels": levels, "statistic": float(res.statistic), "pvalue": float(res.pvalue)})
    return rows


def main():
    def ks(r, c):
        return stats.ks_2samp(r, c, method="asymp")

    def cvm(r, c):
        return stats.cramervonmises_2samp(r, c, method="asymptotic")

    meta = {"numpy": np.__version__, "scipy": scipy.__version__,
            "command": "/usr/bin/python3 detectors/stats/testdata/gen_asymp.py"}
    out = {"meta": meta,
           "ks_datasets": dataset_rows(KS_CASES, ks), "ks_synthetic": synthetic_rows(KS_SYNTHETIC, ks),
           "cvm_datasets": dataset_rows(CVM_CASES, cvm), "cvm_synthetic": synthetic_rows(CVM_SYNTHETIC, cvm)}
    with open(os.path.join(gen.HERE, "asymp_golden.json"), "w") as f:
        json.dump(out, f, indent=1, allow_nan=False)
        f.write("\n")


if __name__ == "__main__":
    main()
