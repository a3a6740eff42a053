#!/usr/bin/env python3
"""Golden values for the reference package's tests, computed by the oracle.

Run from the repository root (needs ../shared; Debian's python3-scipy):
    /usr/bin/python3 reference/testdata/golden.py > reference/testdata/golden.json

- electricity: the reference is the header plus data rows 0..4530 of electricity.csv (the
  oracle's `windows --ref-frac 0.1` reference), compared by `reference.py pair` with the next
  4531 rows; kept: the numeric columns' inner edges, reference bin counts, n, mean and std, and
  the categorical column's reference counts.
- kinds: the oracle's own column_kinds() auto-detection on whole data sets.
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SHARED = os.path.join(REPO, "..", "shared")
DATASETS = os.environ.get("DRIFTMON_DATASETS") or os.path.join(SHARED, "datasets")
ORACLE = os.path.join(SHARED, "oracle", "reference.py")
REF_ROWS = 4531
NUMERIC = ["nswprice", "period", "vicprice"]
CATEGORICAL = ["day"]

sys.path.insert(0, os.path.dirname(ORACLE))
import reference as oracle  # noqa: E402


def electricity():
    with open(os.path.join(DATASETS, "electricity.csv"), newline="") as f:
        lines = f.readlines()
    with tempfile.TemporaryDirectory() as tmp:
        ref, cur = os.path.join(tmp, "ref.csv"), os.path.join(tmp, "cur.csv")
        with open(ref, "w", newline="") as f:
            f.writelines(lines[: 1 + REF_ROWS])
        with open(cur, "w", newline="") as f:
            f.writelines(lines[:1] + lines[1 + REF_ROWS : 1 + 2 * REF_ROWS])
        out = subprocess.run(
            [sys.executable, ORACLE, "pair", "--ref", ref, "--cur", cur,
             "--numeric", ",".join(NUMERIC), "--categorical", ",".join(CATEGORICAL)],
            check=True, capture_output=True, text=True).stdout
    cols = json.loads(out)["columns"]
    res = {"ref_rows": REF_ROWS, "numeric": {}, "categorical": {}}
    for c in NUMERIC:
        r = cols[c]
        res["numeric"][c] = {"inner_edges": r["binning"]["inner_edges"],
                             "ref_counts": r["binning"]["ref_counts"],
                             "n_ref": r["n_ref"], "ref_mean": r["ref_mean"], "ref_std": r["ref_std"]}
    for c in CATEGORICAL:
        r = cols[c]
        # Categories seen only in the current rows have reference count 0: not reference categories.
        res["categorical"][c] = {k: n for k, n in zip(r["categories"], r["ref_counts"]) if n > 0}
    return res


def kinds(name):
    header, cols = oracle.read_csv(os.path.join(DATASETS, name))
    return [[h, k] for h, k in oracle.column_kinds(header, cols, [], [], []).items()]


json.dump({"meta": oracle.meta(),
           "electricity": electricity(),
           "kinds": {n: kinds(n) for n in ("weather_noaa.csv", "electricity.csv")}},
          sys.stdout, indent=1)
sys.stdout.write("\n")
