"""Regenerates cvm_ties_golden.json: the two-sample Cramer-von Mises test
on samples with few distinct values (at most one distinct value per two
values, pooled), where driftmon departs from scipy on purpose. Run with
Debian's scipy 1.10 (python3-scipy), from anywhere:

    /usr/bin/python3 detectors/stats/testdata/gen_cvm_ties.py

scipy.stats.cramervonmises_2samp puts midranks into Anderson's (1962) rank
formula, which holds only for distinct values; on a Poisson column it
reports T near 118 where the samples' CDFs barely differ. Here T is its
definition, straight from the empirical CDFs:

    T = nx ny / N^2 * sum over the N pooled values z of (F_x(z) - F_y(z))^2

and the p-value is scipy's for that T, by scipy's own rule and functions
(method='auto': exact while max(nx, ny) <= 20, through U = nx ny N (T +
(4 nx ny - 1)/(6N)), formed exactly; else the limiting distribution at
Anderson's standardised statistic, 1 below 0.003). On samples without
ties the same code must give scipy's cramervonmises_2samp, which main()
checks before it writes anything.

The cases are those of the other golden files whose samples have few
distinct values: oracle_golden.json's numeric columns (method 'auto'),
ad_cvm_golden.json's cramervonmises_2samp samples ('auto') and
asymp_golden.json's Cramer-von Mises cases ('asymptotic') and
check/testdata/pairs_golden.json's numeric columns ('auto'), named by their
fields so that the Go tests find them; and a Poisson example.
"""
import json
import os
import sys
from fractions import Fraction

import numpy as np
import scipy
from scipy import stats
from scipy.stats._hypotests import _cdf_cvm_inf, _pval_cvm_2samp_exact

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402  (the data sets, the synthetic samples)
import gen_asymp  # noqa: E402  (the oracle's input cleaning)


def few_distinct(x, y):
    n = len(x) + len(y)
    return 2 * np.unique(np.concatenate([x, y])).size <= n


def cvm_ecdf(x, y, method="auto"):
    x, y = np.sort(np.asarray(x, float)), np.sort(np.asarray(y, float))
    nx, ny = len(x), len(y)
    N, k = nx + ny, nx * ny
    z = np.concatenate([x, y])
    fx = np.searchsorted(x, z, side="right") / nx
    fy = np.searchsorted(y, z, side="right") / ny
    t = nx * ny / N ** 2 * np.sum((fx - fy) ** 2)
    if method == "auto":
        method = "asymptotic" if max(nx, ny) > 20 else "exact"
    if method == "exact":
        # U exactly: nx ny (F_x - F_y) is an integer at every pooled value.
        d = np.searchsorted(x, z, side="right") * ny - np.searchsorted(y, z, side="right") * nx
        u = Fraction(int(np.sum(d.astype(object) ** 2)), N) + Fraction(k * (4 * k - 1), 6)
        return float(t), float(_pval_cvm_2samp_exact(np.float64(float(u)), nx, ny)), method
    et = (1 + 1 / N) / 6
    vt = (N + 1) * (4 * k * N - 3 * (nx ** 2 + ny ** 2) - 2 * k)
    vt = vt / (45 * N ** 2 * 4 * k)
    tn = 1 / 6 + (t - et) / np.sqrt(45 * vt)
    p = 1.0 if tn < 0.003 else max(0, 1. - _cdf_cvm_inf(tn))
    return float(t), float(p), method


def check_untied():
    """The code above is scipy's test wherever the values are distinct."""
    rng = np.random.default_rng(5)
    for nx, ny in ((3, 5), (12, 19), (20, 20), (21, 20), (300, 500)):
        for method in ("auto", "asymptotic"):
            x, y = rng.normal(size=nx), rng.normal(0.3, size=ny)
            t, p, _ = cvm_ecdf(x, y, method)
            r = stats.cramervonmises_2samp(x, y, method=method)
            if abs(t - r.statistic) > 1e-9 * abs(r.statistic) or abs(p - r.pvalue) > 1e-12:
                raise SystemExit(f"{nx}x{ny} {method}: {t}, {p}; scipy {r.statistic}, {r.pvalue}")


def entry(x, y, method, **key):
    t, p, m = cvm_ecdf(x, y, method)
    r = stats.cramervonmises_2samp(x, y, method=method)
    return dict(key, n_ref=len(x), n_cur=len(y), statistic=t, pvalue=p, method=m,
                scipy_statistic=float(r.statistic), scipy_pvalue=float(r.pvalue))


def poisson():
    """A Poisson(3) reference of 5,000 values and a healthy window of 500,
    numpy's PCG64 seeded 3."""
    rng = np.random.default_rng(3)
    return rng.poisson(3, 5000).astype(float), rng.poisson(3, 500).astype(float)


def main():
    check_untied()
    out = {"meta": {"numpy": np.__version__, "scipy": scipy.__version__,
                    "command": "/usr/bin/python3 detectors/stats/testdata/gen_cvm_ties.py"},
           "oracle": [], "cvm_2samp": [], "asymp_datasets": [], "asymp_synthetic": []}
    with open(os.path.join(gen.HERE, "oracle_golden.json")) as f:
        for case in json.load(f)["cases"]:
            for col in case["columns"]:
                if col["kind"] != "numeric" or col.get("cvm_statistic") is None:
                    continue
                raw = gen.read_column(os.path.join(gen.DATASETS, case["file"]), col["column"])
                r = gen_asymp.clean(raw[case["ref"][0]:case["ref"][1]])
                c = gen_asymp.clean(raw[case["cur"][0]:case["cur"][1]])
                if few_distinct(r, c):
                    out["oracle"].append(entry(r, c, "auto", name=case["name"], column=col["column"]))
    with open(os.path.join(gen.HERE, "ad_cvm_golden.json")) as f:
        for s in json.load(f)["cramervonmises_2samp"]:
            a = np.array(gen.with_ties(gen.synthetic(s["n1"], s["c1"], 1.0, 0.0), s["levels"]))
            b = np.array(gen.with_ties(gen.synthetic(s["n2"], s["c2"], 1.0, s["shift"]), s["levels"]))
            if few_distinct(a, b):
                out["cvm_2samp"].append(entry(a, b, "auto", n1=s["n1"], n2=s["n2"], c2=s["c2"],
                                              shift=s["shift"], levels=s["levels"]))
    with open(os.path.join(gen.HERE, "asymp_golden.json")) as f:
        g = json.load(f)
    for s in g["cvm_datasets"]:
        raw = gen.read_column(os.path.join(gen.DATASETS, s["file"]), s["column"])
        r, c = gen_asymp.clean(raw[s["ref"][0]:s["ref"][1]]), gen_asymp.clean(raw[s["cur"][0]:s["cur"][1]])
        if few_distinct(r, c):
            out["asymp_datasets"].append(entry(r, c, "asymptotic", name=s["name"], column=s["column"]))
    for s in g["cvm_synthetic"]:
        a = np.array(gen.with_ties(gen.synthetic(s["n1"], s["c1"], 1.0, 0.0), s["levels"]))
        b = np.array(gen.with_ties(gen.synthetic(s["n2"], s["c2"], 1.0, s["shift"]), s["levels"]))
        if few_distinct(a, b):
            out["asymp_synthetic"].append(entry(a, b, "asymptotic", n1=s["n1"], n2=s["n2"],
                                                shift=s["shift"], levels=s["levels"]))
    # check's golden pairs (check/testdata/pairs_golden.json): whole files.
    out["check_pairs"] = []
    with open(os.path.join(gen.ROOT, "check", "testdata", "pairs_golden.json")) as f:
        for case in json.load(f)["cases"]:
            for col in case["columns"]:
                if col["kind"] != "numeric" or "cramer_von_mises" not in col["results"]:
                    continue
                raw = gen.read_column(os.path.join(gen.DATASETS, case["file"]), col["name"])
                r = gen_asymp.clean(raw[case["ref"][0]:case["ref"][1]])
                c = gen_asymp.clean(raw[case["cur"][0]:case["cur"][1]])
                if few_distinct(r, c):
                    out["check_pairs"].append(entry(r, c, "auto", name=case["name"], column=col["name"]))
    r, c = poisson()
    out["poisson"] = entry(r, c, "auto", name="poisson3_5000_500_seed3", column="x")
    out["poisson"]["ref"], out["poisson"]["cur"] = r.tolist(), c.tolist()
    with open(os.path.join(gen.HERE, "cvm_ties_golden.json"), "w") as f:
        json.dump(out, f, indent=1, allow_nan=False)
        f.write("\n")


if __name__ == "__main__":
    main()
