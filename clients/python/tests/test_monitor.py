"""Monitor with the broker down: the queue bound, the drop counter, what
flush and close report, and events rejected before they are queued."""

import contextlib
import datetime as dt
import threading

import pytest

from driftmon import Monitor


@contextlib.contextmanager
def down(addr, **options):
    """A Monitor on a broker that is down, closed without waiting: what it
    queued can never be delivered."""
    mon = Monitor("m", addr, **options)
    try:
        yield mon
    finally:
        mon.close(timeout=0)


def test_a_full_queue_drops_and_counts(unreachable):
    mon = Monitor("m", unreachable, max_queue=10)
    ids = [mon.log_prediction({"x": i}, 0.5) for i in range(25)]
    # The broker is down, so nothing leaves the queue: the first 10 wait,
    # the other 15 find it full.
    assert all(isinstance(i, str) for i in ids[:10])
    assert ids[10:] == [None] * 15
    m = mon.metrics()
    assert (m.accepted, m.dropped, m.queued, m.delivered, m.failed) == (10, 15, 10, 0, 0)
    assert mon.dropped == 15
    # flush cannot deliver: it says how many are still queued.
    assert mon.flush(0.1) == 10
    # close gives them up and counts them as failed; counts add up.
    assert mon.close(timeout=0.1) == 10
    m = mon.metrics()
    assert (m.accepted, m.dropped, m.delivered, m.failed) == (10, 15, 0, 10)


def test_drops_are_counted_exactly_under_concurrent_callers(unreachable):
    mon = Monitor("m", unreachable, max_queue=500)
    per, threads = 400, 8
    queued = [0] * threads

    def log(t):
        for i in range(per):
            if mon.log_prediction({"x": i}, 0.5) is not None:
                queued[t] += 1

    ts = [threading.Thread(target=log, args=(t,)) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    m = mon.metrics()
    assert m.accepted == sum(queued) == 500
    assert m.dropped == per * threads - 500
    mon.close(timeout=0)


def test_the_queue_bound_in_bytes(unreachable):
    # 1 KiB of queue holds a few 300-byte events, then drops.
    mon = Monitor("m", unreachable, max_queue_bytes=1024)
    for _ in range(10):
        mon.log_prediction({"s": "x" * 300}, 0.5)
    m = mon.metrics()
    assert 1 <= m.accepted <= 3 and m.accepted + m.dropped == 10, m
    mon.close(timeout=0)


def test_after_close_events_are_dropped(unreachable):
    with down(unreachable) as mon:
        assert mon.log_prediction({"x": 1}, 0.5) is not None
    assert mon.log_prediction({"x": 1}, 0.5) is None
    assert mon.log_label("r1", 1) is False
    m = mon.metrics()
    assert (m.accepted, m.dropped, m.failed) == (1, 2, 1)
    assert mon.close() == 0  # a second close is harmless


def test_flush_and_close_with_nothing_queued(unreachable):
    # The context manager's close would wait 10 s for a queued event.
    with Monitor("m", unreachable) as mon:
        assert mon.flush(30) == 0
    assert mon.metrics().accepted == 0


class Opaque:
    """A value JSON cannot hold."""


class Exploding(dict):
    """A mapping that fails when read."""

    def items(self):
        raise RuntimeError("boom")

    def __iter__(self):
        raise RuntimeError("boom")


@pytest.mark.parametrize(
    "kwargs, reason",
    [
        ({"prediction": float("inf")}, "invalid_prediction"),
        ({"prediction": float("nan")}, "invalid_prediction"),
        ({"prediction": True}, "invalid_prediction"),
        ({"prediction": {}}, "invalid_prediction"),
        ({"prediction": {"a": "high"}}, "invalid_prediction"),
        ({"prediction": Opaque()}, "invalid_prediction"),
        ({"features": [1, 2]}, "invalid_features"),
        ({"features": Opaque()}, "invalid_features"),
        ({"features": {"\udc80": 1}}, "malformed_json"),
        ({"id": True}, "missing_id"),
        ({"id": Opaque()}, "missing_id"),
        ({"id": float("nan")}, "missing_id"),
        ({"model_version": Opaque()}, "invalid_model"),
        ({"timestamp": dt.datetime(1969, 12, 31, tzinfo=dt.timezone.utc)}, "invalid_timestamp"),
        ({"timestamp": dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc)}, "invalid_timestamp"),
        ({"timestamp": -0.001}, "invalid_timestamp"),  # seconds: 1969-12-31T23:59:59.999Z
        ({"timestamp": 4102444800}, "invalid_timestamp"),  # seconds: 2100-01-01
        ({"timestamp": "2026-13-01T00:00:00Z"}, "invalid_timestamp"),
        ({"timestamp": Opaque()}, "invalid_timestamp"),
        ({"timestamp": float("nan")}, "invalid_timestamp"),
        ({"prediction": 10**5000}, "invalid_prediction"),  # past float, and past str()'s digit limit
        ({"timestamp": dt.datetime(1, 1, 1)}, "invalid_timestamp"),  # naive, local time past the range
        ({"features": Exploding()}, "internal"),  # the caller's object fails when read
        # An id before a timestamp, as the service checks them.
        ({"id": True, "timestamp": "x"}, "missing_id"),
        ({"features": {"big": "x" * 200}}, "oversized"),
    ],
)
def test_a_bad_prediction_is_rejected_and_counted(unreachable, kwargs, reason):
    with down(unreachable, max_message_bytes=200) as mon:
        args = {"features": {"x": 1}, "prediction": 0.5}
        args.update(kwargs)
        assert mon.log_prediction(**args) is None
        m = mon.metrics()
        assert m.rejected == {reason: 1}
        assert (m.accepted, m.dropped) == (0, 0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"features": {"x": float("inf"), "y": float("nan")}},  # counted invalid by the service
        {"features": {"when": dt.date(2026, 1, 1), "tags": {1, 2}, "o": Opaque()}},  # sent as {}: invalid
        {"features": {"nested": {"a": [1, (2, 3)]}, 7: "int key"}},
        {"features": {}},
        {"prediction": "fraud"},
        {"prediction": {"a": 0.25, "b": 0.75}},
        {"prediction": None},
        {"id": 42},
        {"model_version": 3},
        {"timestamp": dt.datetime(2026, 11, 22, 4, 0, 0, 125000, tzinfo=dt.timezone.utc)},
        {"timestamp": dt.datetime(2026, 11, 22, 4, 0, 0)},  # naive: local time
        {"timestamp": 1764000000.125},
        {"timestamp": 1764000000},
        {"timestamp": "2026-11-22T04:00:00+05:30"},
    ],
)
def test_a_good_prediction_is_queued(unreachable, kwargs):
    with down(unreachable) as mon:
        args = {"features": {"x": 1}, "prediction": 0.5}
        args.update(kwargs)
        assert mon.log_prediction(**args) is not None
        m = mon.metrics()
        assert (m.accepted, m.rejected) == (1, {})


@pytest.mark.parametrize(
    "args, reason",
    [
        ((None, 1), "missing_id"),
        (("", 1), "missing_id"),
        (("r1", None), "invalid_label"),
        (("r1", float("nan")), "invalid_label"),
        (("r1", [1]), "invalid_label"),
        (("r1", Opaque()), "invalid_label"),
    ],
)
def test_a_bad_label_is_rejected(unreachable, args, reason):
    with down(unreachable) as mon:
        assert mon.log_label(*args) is False
        assert mon.metrics().rejected == {reason: 1}


def test_ids_are_made_when_none_is_given(unreachable):
    with down(unreachable) as mon:
        a = mon.log_prediction({"x": 1}, 0.5)
        b = mon.log_prediction({"x": 1}, 0.5)
        assert isinstance(a, str) and isinstance(b, str) and a != b
        assert mon.log_prediction({"x": 1}, 0.5, id="req-1") == "req-1"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"model": "fraud model"},
        {"model": ""},
        {"model": "m" * 129},
        {"model": "m", "model_version": True},
        {"model": "m", "brokers": []},
        {"model": "m", "max_queue": 0},
    ],
)
def test_a_bad_monitor_is_refused(unreachable, kwargs):
    kwargs.setdefault("brokers", unreachable)
    with pytest.raises(ValueError):
        Monitor(**kwargs)
