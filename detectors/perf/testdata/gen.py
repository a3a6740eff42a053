#!/usr/bin/env python3
"""Writes golden.json, the scikit-learn values the perf tests compare with.

    python3 -m venv /tmp/skvenv && /tmp/skvenv/bin/pip install scikit-learn numpy
    /tmp/skvenv/bin/python detectors/perf/testdata/gen.py

Every case holds its inputs and scikit-learn's outputs, so the Go tests need
neither Python nor the generator's random numbers. Inputs come from
numpy.random.default_rng with fixed seeds, or are written out by hand.

CBPE has no scikit-learn function: its cases calibrate with scikit-learn's
IsotonicRegression and then apply NannyML's published formulas, written out
below in numpy (expected confusion matrix; expected ROC AUC as NannyML's
estimate_roc_auc computes it, without its rounding to 5 decimals), and, where
raw probabilities tie, the pairwise form of the same AUC (ties counted half),
which the script checks against NannyML's form on the untied cases.
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import (
    accuracy_score,
    auc,
    log_loss,
    mean_absolute_error,
    mean_absolute_percentage_error,
    precision_recall_fscore_support,
    roc_auc_score,
    root_mean_squared_error,
)

HERE = os.path.dirname(os.path.abspath(__file__))


def classify_case(name, pred, label):
    labels = sorted(set(pred) | set(label))
    p, r, f, s = precision_recall_fscore_support(
        label, pred, labels=labels, average=None, zero_division=0
    )
    pm, rm, fm, _ = precision_recall_fscore_support(
        label, pred, labels=labels, average="macro", zero_division=0
    )
    return {
        "name": name,
        "pred": list(pred),
        "label": list(label),
        "accuracy": accuracy_score(label, pred),
        "precision_macro": pm,
        "recall_macro": rm,
        "f1_macro": fm,
        "per_class": [
            {"class": c, "precision": p[i], "recall": r[i], "f1": f[i], "support": int(s[i])}
            for i, c in enumerate(labels)
        ],
    }


def classify_cases():
    rng = np.random.default_rng(11)
    cases = [
        classify_case("binary", ["1", "0", "1", "1", "0", "0", "1", "0"],
                      ["1", "0", "0", "1", "1", "0", "1", "1"]),
        # class c is true twice and never predicted: precision 0/0 -> 0
        classify_case("never_predicted", ["a", "b", "a", "b", "a", "b"],
                      ["a", "b", "c", "b", "c", "a"]),
        # class z is predicted and never true: recall 0/0 -> 0, F1 0
        classify_case("never_true", ["x", "y", "z", "z", "x", "y", "x"],
                      ["x", "y", "x", "y", "x", "y", "y"]),
        # every prediction wrong: per-class precision, recall, F1 all 0
        classify_case("all_wrong", ["a", "b", "a", "b"], ["b", "a", "b", "a"]),
        classify_case("all_right", ["cat", "dog", "cat"], ["cat", "dog", "cat"]),
        classify_case("one_event", ["only"], ["only"]),
    ]
    # four classes with a confusion structure, 300 events
    classes = ["alpha", "beta", "delta", "gamma"]
    label = rng.choice(4, size=300, p=[0.4, 0.3, 0.2, 0.1])
    pred = np.where(rng.random(300) < 0.7, label, rng.choice(4, size=300))
    cases.append(classify_case("four_classes_300",
                               [classes[i] for i in pred], [classes[i] for i in label]))
    # fifteen classes, past Classify's linear scan (its map path)
    names = [f"k{i:02d}" for i in range(15)]
    label = rng.integers(0, 15, 600)
    pred = np.where(rng.random(600) < 0.5, label, rng.integers(0, 15, 600))
    cases.append(classify_case("fifteen_classes_600",
                               [names[i] for i in pred], [names[i] for i in label]))
    return cases


def roc_cases():
    rng = np.random.default_rng(12)
    raw = [
        ("distinct", [0.1, 0.4, 0.35, 0.8, 0.2, 0.9, 0.65], [0, 0, 1, 1, 0, 1, 0]),
        ("ties", [0.1, 0.4, 0.4, 0.8, 0.4, 0.1, 0.8, 0.3], [0, 1, 0, 1, 1, 0, 0, 1]),
        ("all_tied", [0.5] * 6, [0, 1, 1, 0, 1, 0]),
        ("perfect", [0.1, 0.2, 0.3, 0.7, 0.8], [0, 0, 0, 1, 1]),
        ("inverted", [0.9, 0.8, 0.3, 0.2], [0, 0, 1, 1]),
        ("logits", [-3.5, 2.0, 0.0, -0.5, 7.25, 0.0, -1e3], [0, 1, 1, 0, 1, 0, 0]),
    ]
    y = rng.random(500) < 0.3
    s = np.round(np.where(y, 0.6, 0.4) + 0.3 * rng.standard_normal(500), 1)  # heavy ties
    raw.append(("rounded_500", s.tolist(), y.astype(int).tolist()))
    out = []
    for name, score, pos in raw:
        out.append({"name": name, "score": list(map(float, score)),
                    "positive": [bool(v) for v in pos],
                    "auc": roc_auc_score(pos, score)})
    return out


def logloss_cases():
    rng = np.random.default_rng(13)
    out = []
    bins = [
        ("simple", [0.9, 0.2, 0.7, 0.4, 0.55], [1, 0, 1, 1, 0]),
        # exact 0 and 1, right and wrong: the clip decides
        ("clipped", [0.0, 1.0, 0.0, 1.0, 0.5], [0, 1, 1, 0, 1]),
        ("near_edges", [1e-20, 1 - 1e-17, 2e-16, 0.9999999999999999], [0, 1, 1, 0]),
    ]
    y = rng.random(400) < 0.4
    p = np.clip(np.where(y, 0.65, 0.35) + 0.25 * rng.standard_normal(400), 0, 1)
    bins.append(("random_400", p.tolist(), y.astype(int).tolist()))
    for name, prob, pos in bins:
        out.append({"name": name, "p": list(map(float, prob)), "positive": [bool(v) for v in pos],
                    "loss": log_loss(pos, prob, labels=[0, 1])})
    multi = []
    k = 4
    raw = rng.random((250, k)) ** 3
    raw[0] = [1.0, 0.0, 0.0, 0.0]  # the true class has probability 0
    raw[1] = [0.0, 0.0, 1.0, 0.0]
    lab = rng.integers(0, k, 250)
    lab[0], lab[1] = 2, 2
    rows = raw / raw.sum(axis=1, keepdims=True)
    rows[5] = [0.33, 0.33, 0.33, 0.0]  # does not sum to 1
    # the golden value is scikit-learn's on the renormalised rows (see
    # LogLossMulti); the rows that sum to 1 go in as they are
    normed = rows / rows.sum(axis=1, keepdims=True)
    normed[:5], normed[6:] = rows[:5], rows[6:]
    multi.append({"name": "four_classes_250", "probs": rows.tolist(), "label": lab.tolist(),
                  "loss": log_loss(lab, normed, labels=list(range(k)))})
    three = [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.25, 0.5, 0.25]]
    multi.append({"name": "three_classes", "probs": three, "label": [0, 1, 0, 2],
                  "loss": log_loss([0, 1, 0, 2], np.array(three) / np.array(three).sum(axis=1, keepdims=True),
                                   labels=[0, 1, 2])})
    return out, multi


def regression_cases():
    rng = np.random.default_rng(14)
    raw = [
        ("zero_truth", [1.0, 2.5, -0.5, 0.0, 3.0], [1.5, 0.0, -1.0, 0.0, 2.0]),
        ("exact", [1.0, 2.0, 3.0], [1.0, 2.0, 3.0]),
    ]
    t = rng.normal(100, 30, 300)
    raw.append(("random_300", (t + rng.normal(0, 10, 300)).tolist(), t.tolist()))
    out = []
    for name, pred, truth in raw:
        out.append({"name": name, "pred": pred, "truth": truth,
                    "mae": mean_absolute_error(truth, pred),
                    "rmse": root_mean_squared_error(truth, pred),
                    "mape": mean_absolute_percentage_error(truth, pred)})
    return out


def isotonic_case(name, x, y, w, at):
    ir = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1, increasing=True)
    ir.fit(np.array(x, dtype=float), np.array(y, dtype=float),
           sample_weight=None if w is None else np.array(w, dtype=float))
    return {"name": name, "x": list(map(float, x)), "y": list(map(float, y)),
            "w": None if w is None else list(map(float, w)),
            "at": list(map(float, at)), "predict": ir.predict(np.array(at, dtype=float)).tolist(),
            "points_x": ir.X_thresholds_.tolist(), "points_y": ir.y_thresholds_.tolist()}


def isotonic_cases():
    rng = np.random.default_rng(15)
    out = []
    # violations and ties in x (3 and 5 repeated), y leaving [0, 1]
    x = [1, 2, 3, 3, 3, 4, 5, 5, 6, 7, 8]
    y = [0.2, 0.1, 0.5, -0.4, 0.9, 0.3, 1.6, 0.8, 0.7, 1.2, 0.95]
    at = [-1, 1, 1.5, 2, 2.25, 3, 3.5, 4, 5, 5.5, 6, 6.9, 7, 8, 9]
    out.append(isotonic_case("ties_violations", x, y, None, at))
    out.append(isotonic_case("weighted", x, y, [1, 2, 0.5, 1, 3, 0, 1, 1, 2, 0.25, 1], at))
    out.append(isotonic_case("already_increasing", [0, 1, 2, 3], [0.1, 0.2, 0.6, 0.9], None,
                             [-0.5, 0, 0.5, 1, 2.9, 3, 4]))
    out.append(isotonic_case("decreasing", [0, 1, 2, 3], [0.9, 0.6, 0.2, 0.1], None, [0, 1.5, 3]))
    out.append(isotonic_case("one_x", [0.4, 0.4, 0.4], [0, 1, 1], None, [0, 0.4, 1]))
    # binary calibration data: probabilities with ties (2 decimals)
    p = np.round(rng.beta(2, 3, 400), 2)
    lab = (rng.random(400) < p ** 0.7).astype(float)
    at = np.concatenate([np.linspace(-0.1, 1.1, 61), p[:20]])
    out.append(isotonic_case("calibration_400", p.tolist(), lab.tolist(), None, at.tolist()))
    return out


def nannyml_auc(cal, raw):
    """NannyML's estimate_roc_auc (metrics.py), without np.round(., 5)."""
    order = np.argsort(raw)[::-1]
    c = cal[order]
    tps = np.cumsum(c)
    fps = 1 + np.arange(len(c)) - tps
    tps = np.r_[0, tps]
    fps = np.r_[0, fps]
    return auc(fps / fps[-1], tps / tps[-1])


def pairwise_auc(cal, raw):
    """sum over pairs ranked i above j of c_i (1 - c_j), plus half the pairs
    at equal raw probability (i = j included), over sum c * sum (1 - c)."""
    above = raw[:, None] > raw[None, :]
    tie = raw[:, None] == raw[None, :]
    m = cal[:, None] * (1 - cal[None, :])
    return (m[above].sum() + 0.5 * m[tie].sum()) / (cal.sum() * (1 - cal).sum())


def cbpe_cases():
    rng = np.random.default_rng(16)
    out = []
    for name, n_ref, n_cur, ties in [("distinct", 600, 400, False), ("tied_window", 600, 300, True),
                                     ("small", 40, 25, False)]:
        p_true = rng.beta(2, 2, n_ref)
        y = rng.random(n_ref) < p_true
        ref = p_true ** 1.5  # the model's probability: a monotone distortion
        cur_true = rng.beta(3, 1.5, n_cur)
        cur = cur_true ** 1.5
        if ties:
            cur = np.round(cur, 2)
        threshold = 0.5
        ir = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1, increasing=True)
        ir.fit(ref, y.astype(float))
        c = ir.predict(cur)
        pos = cur >= threshold
        tp, fp = c[pos].sum(), (1 - c[pos]).sum()
        fn, tn = c[~pos].sum(), (1 - c[~pos]).sum()
        acc = (tp + tn) / n_cur
        den = tp + 0.5 * (fp + fn)
        f1 = tp / den if den != 0 else 0.0
        pair = pairwise_auc(c, cur)
        if not ties:
            nm = nannyml_auc(c, cur)
            if abs(nm - pair) > 1e-12 * abs(pair):
                sys.exit(f"{name}: NannyML AUC {nm} and pairwise AUC {pair} disagree")
        out.append({"name": name, "ref_prob": ref.tolist(), "ref_positive": y.tolist(),
                    "threshold": threshold, "prob": cur.tolist(),
                    "calibrated": c.tolist(), "accuracy": acc, "f1": f1, "roc_auc": pair})
    return out


def main():
    logloss, logloss_multi = logloss_cases()
    golden = {
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "classify": classify_cases(),
        "roc_auc": roc_cases(),
        "log_loss": logloss,
        "log_loss_multi": logloss_multi,
        "regress": regression_cases(),
        "isotonic": isotonic_cases(),
        "cbpe": cbpe_cases(),
    }
    with open(os.path.join(HERE, "golden.json"), "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
