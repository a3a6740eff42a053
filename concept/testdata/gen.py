"""Golden values of the multi-class concept metrics, from scikit-learn.

Run: /tmp/skvenv/bin/python concept/testdata/gen.py  (a venv with
scikit-learn and numpy: python3 -m venv /tmp/skvenv && /tmp/skvenv/bin/pip
install scikit-learn numpy). Writes multiclass_golden.json beside it.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import log_loss, roc_auc_score

rng = np.random.default_rng(20261201)
classes = ["cat", "dog", "eel", "fox"]
cases = []
for n, ties in [(40, False), (300, True)]:
    logits = rng.normal(size=(n, len(classes)))
    if ties:
        logits = np.round(logits, 1)  # repeated scores: ties in every column
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    p = np.round(p, 6)
    p[:, -1] = 1 - p[:, :-1].sum(axis=1)  # rows sum to 1 exactly as written
    y = [classes[rng.choice(len(classes), p=np.clip(row, 0, None) / np.clip(row, 0, None).sum())] for row in p]
    y[: len(classes)] = classes  # every class among the labels
    cases.append({
        "probs": [json.dumps({c: float(v) for c, v in zip(classes, row)}, sort_keys=True) for row in p],
        "labels": y,
        "roc_auc": roc_auc_score(y, p, multi_class="ovr", average="macro", labels=classes),
        "log_loss": log_loss(y, p, labels=classes),
    })
out = {"sklearn": sklearn.__version__, "cases": cases}
with open(os.path.join(os.path.dirname(__file__), "multiclass_golden.json"), "w") as f:
    json.dump(out, f, indent=1)
