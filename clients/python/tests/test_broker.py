"""Monitor on a real Kafka broker: what it writes, read back with a consumer
of its own: topic, key, partition and the event's JSON."""

import datetime as dt
import json
import math
import subprocess
import sys
import uuid

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from driftmon import Monitor


def murmur2(data: bytes) -> int:
    """Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), written
    from the Java source, as a signed 32-bit int."""
    m, r = 0x5BD1E995, 24
    length = len(data)
    h = (0x9747B28C ^ length) & 0xFFFFFFFF
    for i in range(0, length - length % 4, 4):
        k = int.from_bytes(data[i : i + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    tail = data[length - length % 4 :]
    if len(tail) >= 3:
        h ^= tail[2] << 16
    if len(tail) >= 2:
        h ^= tail[1] << 8
    if len(tail) >= 1:
        h ^= tail[0]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h - (1 << 32) if h >= 1 << 31 else h


def test_murmur2_matches_kafka():
    # Kafka's own test vectors (UtilsTest.testMurmur2).
    cases = {b"21": -973932308, b"foobar": -790332482, b"a-little-bit-long-string": -985981536,
             b"a-little-bit-longer-string": -1486304829, b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
             b"abc": 479470107}
    assert {k: murmur2(k) for k in cases} == cases


@pytest.fixture
def topics(broker):
    suffix = uuid.uuid4().hex[:10]
    names = [f"predictions-py-{suffix}", f"labels-py-{suffix}"]
    admin = AdminClient({"bootstrap.servers": broker})
    for f in admin.create_topics([NewTopic(n, num_partitions=3, replication_factor=1) for n in names]).values():
        f.result(30)
    yield names
    for f in admin.delete_topics(names).values():
        f.result(30)


def read_all(broker, topic, n):
    c = Consumer({"bootstrap.servers": broker, "group.id": "py-test-" + uuid.uuid4().hex, "enable.auto.commit": False})
    c.assign([TopicPartition(topic, p, 0) for p in range(3)])
    out = []
    for _ in range(600):
        if len(out) >= n:
            break
        msg = c.poll(0.1)
        if msg is None:
            continue
        assert msg.error() is None, msg.error()
        out.append(msg)
    c.close()
    assert len(out) == n
    return out


def test_what_the_broker_holds(broker, topics):
    predictions, labels = topics
    when = dt.datetime(2026, 11, 22, 4, 0, 0, 125000, tzinfo=dt.timezone.utc)
    sent = []
    for model in ("fraud", "churn.v2"):
        with Monitor(model, broker, predictions_topic=predictions, labels_topic=labels, model_version="7") as mon:
            for i in range(50):
                sent.append(mon.log_prediction({"x": i, "c": "ab"[i % 2], "bad": float("inf")}, {"yes": 0.25, "no": 0.75},
                                               id=f"{model}-{i}", timestamp=when))
            assert mon.log_label(f"{model}-3", 1, timestamp=1764000000.5)
            assert mon.flush(30) == 0
            m = mon.metrics()
            assert (m.accepted, m.delivered, m.failed, m.dropped, m.queued) == (51, 51, 0, 0, 0)
    assert None not in sent

    msgs = read_all(broker, predictions, 100)
    for msg in msgs:
        e = json.loads(msg.value())
        # Keyed by the model, in murmur2's partition, as Java's producer
        # and franz-go put a key.
        assert msg.key() == e["model"].encode()
        assert msg.partition() == (murmur2(msg.key()) & 0x7FFFFFFF) % 3
        assert e["model_version"] == "7"
        assert e["timestamp"] == "2026-11-22T04:00:00.125000Z"
        assert e["prediction"] == {"yes": 0.25, "no": 0.75}
        assert math.isnan(e["features"]["bad"])
    got = sorted((json.loads(m.value())["id"], json.loads(m.value())["features"]["x"]) for m in msgs)
    assert got == sorted((f"{model}-{i}", i) for model in ("fraud", "churn.v2") for i in range(50))

    ls = read_all(broker, labels, 2)
    assert sorted(json.loads(m.value())["id"] for m in ls) == ["churn.v2-3", "fraud-3"]
    # Seconds become the contract's milliseconds.
    assert {json.loads(m.value())["timestamp"] for m in ls} == {1764000000500.0}


def test_a_process_that_forgets_close_still_sends(broker, topics):
    predictions, labels = topics
    script = (
        "import sys\n"
        "from driftmon import Monitor\n"
        "mon = Monitor('m', sys.argv[1], predictions_topic=sys.argv[2], labels_topic=sys.argv[3], linger=1)\n"
        "for i in range(20):\n"
        "    mon.log_prediction({'x': i}, 0.5, id=str(i))\n"
        # No flush, no close: the exit hook sends what the 1 s linger holds.
    )
    subprocess.run([sys.executable, "-c", script, broker, predictions, labels], check=True, timeout=60)
    msgs = read_all(broker, predictions, 20)
    assert sorted(int(json.loads(m.value())["id"]) for m in msgs) == list(range(20))
