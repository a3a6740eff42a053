#!/usr/bin/env python3
"""Golden values of the check tests: what the oracle says of whole files.

    /usr/bin/python3 check/testdata/gen.py      # from the repository root

For each case, the rows [a, b) of a shared data set (data rows, 0-based, the
header excluded) are written verbatim, with the header line, to a reference
and a current CSV file, and ../shared/oracle/reference.py pair compares them
with its own column-kind inference, as `driftmon check` infers kinds. The
Go test cuts the same rows out of the same files, runs check on them (as CSV
and converted to Parquet) and compares every column's kind, counts and
statistics with pairs_golden.json.

The oracle has no tvd; it is computed here from the oracle's own proportions
(0.5 * sum |p_r - p_c|). Data sets: $DRIFTMON_DATASETS, else
../shared/datasets beside the repository root.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared"))
DATASETS = os.environ.get("DRIFTMON_DATASETS", os.path.join(SHARED, "datasets"))
ORACLE = os.path.join(SHARED, "oracle", "reference.py")

# (name, file, ref rows, cur rows, columns to ignore, columns forced
# categorical). Every other column is compared, its kind inferred from the
# reference.
CASES = [
    # before and after the imputed constant ends at row 17,424: a constant
    # reference column, and a text column (class)
    ("electricity_vicprice", "electricity.csv", (0, 4531), (17424, 19424), [], []),
    # small samples: exact KS and exact Cramer-von Mises (n <= 20)
    ("electricity_small", "electricity.csv", (100, 115), (30000, 30017), [], []),
    # no covariate drift in sea, labels 0/1 inferred as numbers
    ("sea_concepts", "sea.csv", (0, 5000), (37500, 42500), [], []),
    # decades apart; VISIB drifts
    ("weather_decades", "weather_noaa.csv", (0, 1815), (16000, 18159), [], []),
    # gradual drift after 14,028; class is text with six values
    ("insects_gradual", "insects_gradual_balanced.csv", (0, 2415), (20000, 22000), [], ["class"]),
    # 2011 against 2012; dteday is a text date, all distinct (categories
    # unseen in the reference on one side)
    ("bike_years", "bike_sharing_day.csv", (0, 365), (365, 731), ["instant"], []),
    # weathersit 4 (heavy rain) is unseen in the reference
    ("bike_hour_categories", "bike_sharing_hour.csv", (0, 500), (8800, 9200), ["instant", "dteday"],
     ["season", "weathersit", "weekday", "hr"]),
]

NUMERIC = {"ks": ("ks", "statistic", "pvalue"), "anderson_darling": ("anderson_ksamp", "statistic", "pvalue"),
           "cramer_von_mises": ("cramervonmises", "statistic", "pvalue")}
SCALAR = {"wasserstein": "wasserstein", "wasserstein_norm": "wasserstein_norm", "energy": "energy_distance",
          "psi": "psi", "kl": "kl_cur_ref", "jensen_shannon": "js_distance", "hellinger": "hellinger"}


# The oracle's missing tokens (reference.py MISSING).
MISSING = {"", "?", "NA", "nan", "NaN", "null"}


def one_value(path, col):
    """Whether a numeric column of a CSV file holds one number only. The
    oracle divides by np.std, which for one value repeated is often
    rounding noise (100 copies of 0.1: 2.8e-17), not 0: wasserstein_norm
    over a reference without spread has no finite value, whatever np.std
    says."""
    with open(path, newline="") as f:
        rd = csv.reader(f)
        i = [h.strip() for h in next(rd)].index(col)
        xs = {float(row[i].strip()) for row in rd if row and row[i].strip() not in MISSING}
    return len(xs) == 1


def cut(src, dst, rows, header_lines):
    with open(dst, "w", newline="") as f:
        f.write(header_lines[0])
        for line in header_lines[1 + rows[0]:1 + rows[1]]:
            f.write(line)


def main():
    out = {"note": "made by check/testdata/gen.py from ../shared/oracle/reference.py pair", "cases": []}
    with tempfile.TemporaryDirectory() as tmp:
        for name, file, ref, cur, ignore, categorical in CASES:
            with open(os.path.join(DATASETS, file), newline="") as f:
                lines = f.readlines()
            rp, cp = os.path.join(tmp, "ref.csv"), os.path.join(tmp, "cur.csv")
            cut(file, rp, ref, lines)
            cut(file, cp, cur, lines)
            args = [sys.executable, ORACLE, "pair", "--ref", rp, "--cur", cp]
            if ignore:
                args += ["--ignore", ",".join(ignore)]
            if categorical:
                args += ["--categorical", ",".join(categorical)]
            res = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
            case = {"name": name, "file": file, "ref": list(ref), "cur": list(cur), "ignore": ignore,
                    "categorical": categorical, "columns": []}
            for col, r in res["columns"].items():
                if "error" in r:
                    raise SystemExit(f"{name}/{col}: oracle error {r['error']}")
                g = {"name": col, "kind": r["type"], "n_reference": r["n_ref"], "n_current": r["n_cur"], "results": {}}
                if r["type"] == "numeric":
                    for m, (k, s, p) in NUMERIC.items():
                        g["results"][m] = {"statistic": r[k]["statistic"], "p_value": r[k]["pvalue"]}
                    for m, k in SCALAR.items():
                        g["results"][m] = {"statistic": r[k]}
                    if one_value(rp, col):
                        g["results"]["wasserstein_norm"] = {"statistic": None}
                else:
                    g["results"]["chi2"] = {"statistic": r["chi2_contingency"]["statistic"],
                                            "p_value": r["chi2_contingency"]["pvalue"]}
                    for m in ("psi", "kl", "jensen_shannon", "hellinger"):
                        g["results"][m] = {"statistic": r[SCALAR[m]]}
                    pr, pc = r["ref_proportions"], r["cur_proportions"]
                    g["results"]["tvd"] = {"statistic": 0.5 * sum(abs(a - b) for a, b in zip(pr, pc))}
                case["columns"].append(g)
            out["cases"].append(case)
    with open(os.path.join(HERE, "pairs_golden.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
