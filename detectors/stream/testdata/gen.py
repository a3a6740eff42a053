"""Record River's warning and drift indices on fixed sequences.

The Go tests (golden_test.go) feed the same sequences to detectors/stream and
must signal at exactly these indices. Run from this directory with River
installed (a throwaway venv, never committed):

    python3 -m venv /tmp/rivervenv && /tmp/rivervenv/bin/pip install river==0.26.1
    /tmp/rivervenv/bin/python gen.py > river_golden.json

The synthetic streams come from a formula both sides compute bit for bit
(splitmix64 -> uniform double), so only the formula is committed, not the
data. The sea stream is the error of the fixed rule f1 + f2 <= 8 on
../../../../shared/datasets/sea.csv (or $DRIFTMON_DATASETS/sea.csv).
"""

import csv
import json
import os
import sys

import river
from river import drift

M64 = (1 << 64) - 1


def splitmix64(x):
    z = (x + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def uniform(stream_seed, i):
    # 53 random bits scaled to [0, 1): exact in float64 on both sides.
    return (splitmix64(stream_seed * 1_000_003 + i) >> 11) / 9007199254740992.0


def bernoulli(seed, n, change, p0, p1):
    return [1 if uniform(seed, i) < (p0 if i < change else p1) else 0 for i in range(n)]


def numeric(seed, n, change, shift):
    return [uniform(seed, i) + (shift if i >= change else 0.0) for i in range(n)]


def sea_errors():
    base = os.environ.get("DRIFTMON_DATASETS") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "shared", "datasets")
    out = []
    with open(os.path.join(base, "sea.csv")) as f:
        for row in csv.DictReader(f):
            pred = 1 if float(row["f1"]) + float(row["f2"]) <= 8 else 0
            out.append(0 if pred == int(row["label"]) else 1)
    return out


KSWIN_SEED = 42

BINARY = {
    "ddm": drift.binary.DDM,
    "eddm": drift.binary.EDDM,
    "hddm_a": drift.binary.HDDMA,
    "hddm_w": drift.binary.HDDMW,
}
GENERAL = {
    "adwin": drift.ADWIN,
    "page_hinkley": drift.PageHinkley,
    "kswin": lambda: drift.KSWIN(seed=KSWIN_SEED),
}


# Non-default settings, to exercise the branches the defaults leave idle.
# Keys are "<method>:<variant>"; golden_test.go builds the same detectors.
VARIANTS = {
    "hddm_a:two_sided": lambda: drift.binary.HDDMA(two_sided_test=True),
    "hddm_w:two_sided": lambda: drift.binary.HDDMW(two_sided_test=True),
    "page_hinkley:up": lambda: drift.PageHinkley(mode="up"),
    "page_hinkley:down": lambda: drift.PageHinkley(mode="down"),
    "adwin:clock1_delta0.01": lambda: drift.ADWIN(delta=0.01, clock=1),
    "kswin:seed7_alpha0.01": lambda: drift.KSWIN(alpha=0.01, seed=7),
    "ddm:warm100": lambda: drift.binary.DDM(warm_start=100),
    "eddm:alpha0.8_beta0.75": lambda: drift.binary.EDDM(alpha=0.8, beta=0.75),
}


def runs(idx):
    """Indices as inclusive [first, last] runs: warnings come in long runs."""
    out = []
    for i in idx:
        if out and out[-1][1] == i - 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out


def record(make, xs):
    det = make()
    warn, drifts = [], []
    for i, x in enumerate(xs):
        det.update(x)
        if det.drift_detected:
            drifts.append(i)
        elif getattr(det, "warning_detected", False):
            warn.append(i)
    return {"warnings": runs(warn), "drifts": drifts}


def main():
    streams = [
        {"name": "bern_jump", "kind": "bernoulli", "seed": 1, "n": 4000, "change": 2000, "p0": 0.1, "p1": 0.5},
        {"name": "bern_small", "kind": "bernoulli", "seed": 2, "n": 6000, "change": 3000, "p0": 0.2, "p1": 0.3},
        {"name": "bern_down", "kind": "bernoulli", "seed": 3, "n": 4000, "change": 2000, "p0": 0.4, "p1": 0.1},
        {"name": "bern_stable", "kind": "bernoulli", "seed": 4, "n": 10000, "change": 10000, "p0": 0.2, "p1": 0.2},
        {"name": "uniform_shift", "kind": "numeric", "seed": 5, "n": 3000, "change": 1500, "shift": 0.5},
        {"name": "sea_fixed", "kind": "sea"},
    ]
    for s in streams:
        if s["kind"] == "bernoulli":
            xs = bernoulli(s["seed"], s["n"], s["change"], s["p0"], s["p1"])
            dets = {**BINARY, **GENERAL}
        elif s["kind"] == "numeric":
            xs = numeric(s["seed"], s["n"], s["change"], s["shift"])
            dets = GENERAL
        else:
            xs = sea_errors()
            dets = {**BINARY, **GENERAL}
        if s["name"] in ("bern_jump", "bern_down", "uniform_shift"):
            binary_only = ("hddm", "ddm", "eddm")
            dets = {**dets, **{k: v for k, v in VARIANTS.items()
                               if s["kind"] != "numeric" or not k.startswith(binary_only)}}
        s["detectors"] = {name: record(make, xs) for name, make in dets.items()}
    json.dump({"river_version": river.__version__, "kswin_seed": KSWIN_SEED, "streams": streams},
              sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
