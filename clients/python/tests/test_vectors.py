"""The shared event-contract vectors: the client's check gives each record
the verdict the service's decoder gives it (ingest/vectors_test.go reads the
same file)."""

import json
import math
import pathlib

import pytest

from driftmon import REASONS, check_label, check_prediction, encode

VECTORS = pathlib.Path(__file__).resolve().parents[2] / "testdata" / "events.json"


def _load():
    vectors = json.loads(VECTORS.read_text(encoding="utf-8"))["vectors"]
    assert vectors, f"{VECTORS} holds no vectors"
    return vectors


ALL = _load()
CLIENT = [v for v in ALL if not v.get("wire_only")]


def _same(a, b):
    """Equality of JSON values, NaN equal to itself."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def test_the_file_covers_every_reason_a_client_can_meet():
    # unknown_model needs the service's config, key_mismatch a key other
    # than the model (the client always keys by model), internal is no
    # record's fault; not_an_object and invalid_feature_value cannot be
    # written from Python values (a record is a dict; json writes numbers
    # right), so they are covered by wire-only vectors.
    seen = {v["reason"] for v in CLIENT}
    want = set(REASONS) - {"unknown_model", "key_mismatch", "internal", "not_an_object", "invalid_feature_value"}
    assert want <= seen, f"no vector for {sorted(want - seen)}"
    assert {v["reason"] for v in ALL} - {"ok"} <= set(REASONS)


@pytest.mark.parametrize("v", CLIENT, ids=[v["topic"] + "/" + v["name"] for v in CLIENT])
def test_vector(v):
    event = json.loads(v["record"])
    data = encode(event)
    # What the client sends is the record up to formatting: the same JSON
    # values in the same order, so the decoder's verdict on it is the
    # vector's. Where the size is the point, the bytes are the record's.
    assert _same(json.loads(data.decode("utf-8", "surrogatepass")), event)
    if "max_bytes" in v:
        assert data == v["record"].encode("utf-8", "surrogatepass")
    check = {"predictions": check_prediction, "labels": check_label}[v["topic"]]
    r = check(event, data, v.get("max_bytes", 1 << 20))
    got = "ok" if r is None else r.reason
    assert got == v["reason"], f"{v['record'][:200]!r}: {r}; the decoder's reason: {v['why']}"
