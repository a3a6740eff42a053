"""Monitor: logs one model's predictions and labels to driftmon's topics."""

from __future__ import annotations

import atexit
import datetime as _dt
import logging
import math
import numbers
import threading
import time
import uuid
import weakref
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Mapping, Optional, Union

from confluent_kafka import KafkaError, KafkaException, Producer

from .contract import DEFAULT_MAX_BYTES, Reject, Unencodable, check_label, check_prediction, encode

__all__ = ["Metrics", "Monitor"]

_log = logging.getLogger("driftmon")

_NAN = float("nan")


@dataclass(frozen=True)
class Metrics:
    """A snapshot of a Monitor's counters. Every event logged is counted
    once: rejected (it breaks the contract, by reason), dropped (the queue
    was full, or the monitor closed), or accepted; an accepted event is
    later delivered or failed, and until then it is queued."""

    accepted: int = 0
    delivered: int = 0
    failed: int = 0
    dropped: int = 0
    rejected: Dict[str, int] = field(default_factory=dict)
    queued: int = 0


class Monitor:
    """Logs a model's predictions and labels to driftmon's Kafka topics.

    ``log_prediction`` and ``log_label`` never block and never raise for a
    bad event or an unreachable broker: an event is checked against the
    event contract and encoded in the caller's thread (a few tens of
    microseconds), then handed to librdkafka's bounded queue, whose own
    threads send it in batches; a background thread of the monitor serves
    the delivery reports. An
    event that breaks the contract is counted under its reason and not
    sent; an event that finds the queue full is counted as dropped. Both
    show in ``metrics()``.

    Records are keyed by the model name, as the service requires, and
    partitioned by murmur2 of the key, as Java's and franz-go's producers
    do, so one model's events stay in one partition whoever writes them.
    The producer is idempotent: a retry after a lost acknowledgement does
    not write an event twice.

    Options:
      model_version: the model_version of events that give none.
      predictions_topic, labels_topic: the service's ``kafka.predictions_topic``
        and ``kafka.labels_topic`` (default ``predictions`` and ``labels``).
      max_queue: events held while the broker is slow or away (100,000).
      max_queue_bytes: bytes held likewise (64 MiB); whichever bound is
        reached first drops.
      linger: seconds an event may wait to fill a batch (0.05).
      delivery_timeout: seconds an event is retried before it counts as
        failed (300).
      max_message_bytes: the service's ``kafka.max_message_bytes``
        (1 MiB): a larger event is rejected as oversized here.
      producer_config: further librdkafka settings (TLS, SASL), which
        override the ones above.
    """

    def __init__(
        self,
        model: str,
        brokers: Union[str, Iterable[str]],
        *,
        model_version: Optional[Union[str, int]] = None,
        predictions_topic: str = "predictions",
        labels_topic: str = "labels",
        max_queue: int = 100_000,
        max_queue_bytes: int = 64 << 20,
        linger: float = 0.05,
        delivery_timeout: float = 300.0,
        max_message_bytes: int = DEFAULT_MAX_BYTES,
        producer_config: Optional[Mapping[str, Any]] = None,
    ) -> None:
        if model_version is not None:
            model_version = _text_or_number(model_version)
        r = check_prediction({"model": model, "model_version": model_version})
        if r is not None:
            raise ValueError(f"driftmon: {r.reason}: {r.detail}")
        if not isinstance(brokers, str):
            brokers = ",".join(brokers)
        if not brokers:
            raise ValueError("driftmon: no brokers")
        if max_queue < 1 or max_queue_bytes < 1024 or max_message_bytes < 1:
            raise ValueError("driftmon: max_queue, max_queue_bytes and max_message_bytes must be positive (max_queue_bytes at least 1024)")
        self.model = model
        self.model_version = model_version
        self._key = model.encode("ascii")
        self._predictions = predictions_topic
        self._labels = labels_topic
        self._max_bytes = max_message_bytes
        conf: Dict[str, Any] = {
            "bootstrap.servers": brokers,
            "client.id": f"driftmon-python-{model}",
            "enable.idempotence": True,
            "acks": "all",
            "compression.type": "lz4",
            "partitioner": "murmur2_random",
            "linger.ms": linger * 1000,
            "queue.buffering.max.messages": max_queue,
            "queue.buffering.max.kbytes": max_queue_bytes // 1024,
            "message.timeout.ms": int(delivery_timeout * 1000),
            # The record, its key and librdkafka's framing: the service's
            # own limit is checked on the record above.
            "message.max.bytes": max(1_000_000, max_message_bytes + 4096),
            # Every event's outcome is reported, served by the background
            # thread: the counters are the monitor's own, exact, where the
            # producer's length would also count librdkafka's pending log
            # and error events.
            "on_delivery": self._delivered,
            "error_cb": self._error,
            "logger": _KafkaLog(),
        }
        conf.update(producer_config or {})
        self._producer = Producer(conf)
        self._lock = threading.Lock()
        self._accepted = self._delivered_n = self._failed = self._dropped = 0
        self._rejected: Dict[str, int] = {}
        self._logged: Dict[str, float] = {}
        self._closed = False
        self._final = False
        self._stop = threading.Event()
        self._poller = threading.Thread(target=self._poll, name=f"driftmon-{model}", daemon=True)
        self._poller.start()
        # A process that ends without close() still sends what it queued,
        # for up to 5 s; the hook holds the monitor weakly, so that it does
        # not keep one alive.
        ref = weakref.ref(self)
        self._at_exit = lambda: _close_at_exit(ref)
        atexit.register(self._at_exit)

    # The request path.

    def log_prediction(
        self,
        features: Mapping[str, Any],
        prediction: Any,
        id: Optional[Union[str, int]] = None,
        timestamp: Union[None, _dt.datetime, float, str] = None,
        model_version: Optional[Union[str, int]] = None,
    ) -> Optional[Union[str, int, float]]:
        """Logs one prediction: its features (name -> number, string,
        boolean or None), its output (a score, a class, or a mapping of
        class -> probability), the request id labels are joined on (a fresh
        one when None), its time (a datetime, seconds since the epoch as
        time.time() gives them, or an RFC 3339 string; now when None) and
        the model version (the monitor's when None).

        Returns the event's id, or None when the event was not queued
        (rejected or dropped: see metrics()). Never raises for a bad event.
        """
        if id is None:
            id = uuid.uuid4().hex
        try:
            event: Dict[str, Any] = {"model": self.model}
            v = self.model_version if model_version is None else model_version
            if v is not None:
                event["model_version"] = _text_or_number(v)
            event["id"] = _text_or_number(id)
            event["timestamp"] = _timestamp(timestamp)
            event["features"] = _features(features)
            event["prediction"] = _prediction(prediction)
            sent = self._send(self._predictions, event, check_prediction)
        except Exception as e:  # a caller's object that fails when read
            self._reject(Reject("internal", f"{type(e).__name__}: {e}"))
            return None
        return event["id"] if sent else None

    def log_label(
        self,
        id: Union[str, int],
        label: Any,
        timestamp: Union[None, _dt.datetime, float, str] = None,
    ) -> bool:
        """Logs the true label (a number, a string or a boolean) of the
        prediction logged with this id. Returns whether it was queued."""
        try:
            event = {
                "model": self.model,
                "id": _text_or_number(id),
                "timestamp": _timestamp(timestamp),
                "label": _label(label),
            }
            return self._send(self._labels, event, check_label)
        except Exception as e:  # a caller's object that fails when read
            self._reject(Reject("internal", f"{type(e).__name__}: {e}"))
            return False

    def _send(self, topic: str, event: Dict[str, Any], check: Any) -> bool:
        try:
            data: Optional[bytes] = encode(event)
        except (TypeError, ValueError, RecursionError):
            # A value JSON cannot hold, or nesting Python cannot walk: the
            # check says which field it is.
            data = None
        r = check(event, data, self._max_bytes)
        if r is None and data is None:
            r = Reject("malformed_json", "the event cannot be written as JSON")
        if r is not None:
            self._reject(r)
            return False
        if self._closed:
            with self._lock:
                self._dropped += 1
            self._warn("closed", "monitor is closed; events are dropped")
            return False
        try:
            self._producer.produce(topic, data, self._key)
        except BufferError:
            with self._lock:
                self._dropped += 1
            self._warn("dropped", "the send queue is full (broker slow or down); events are dropped")
            return False
        except KafkaException as e:
            with self._lock:
                self._failed += 1
                self._accepted += 1
            self._warn("produce", "produce failed: %s", e)
            return False
        with self._lock:
            self._accepted += 1
        return True

    def _reject(self, r: Reject) -> None:
        with self._lock:
            self._rejected[r.reason] = self._rejected.get(r.reason, 0) + 1
        self._warn("reject:" + r.reason, "event not sent: %s: %s", r.reason, r.detail)

    def _warn(self, what: str, msg: str, *args: Any) -> None:
        """Logs a warning, at most once a minute for each kind: a broken
        caller or a dead broker must not flood the log it shares."""
        now = time.monotonic()
        last = self._logged.get(what)
        if last is None or now - last >= 60:
            self._logged[what] = now
            _log.warning(msg, *args)

    # The background.

    def _poll(self) -> None:
        # poll serves delivery reports and errors; it waits without the GIL.
        while not self._stop.is_set():
            self._producer.poll(0.2)

    def _delivered(self, err: Optional[KafkaError], msg: Any) -> None:
        with self._lock:
            if self._final:
                return
            if err is None:
                self._delivered_n += 1
                return
            self._failed += 1
        self._warn("delivery", "event not delivered: %s", err)

    def _error(self, err: KafkaError) -> None:
        self._warn("error:" + str(err.code()), "kafka: %s", err)

    # Control.

    def metrics(self) -> Metrics:
        """The counters now (see Metrics)."""
        with self._lock:
            return Metrics(
                accepted=self._accepted,
                delivered=self._delivered_n,
                failed=self._failed,
                dropped=self._dropped,
                rejected=dict(self._rejected),
                queued=self._accepted - self._delivered_n - self._failed,
            )

    def _queued(self) -> int:
        with self._lock:
            return self._accepted - self._delivered_n - self._failed

    @property
    def dropped(self) -> int:
        """Events dropped because the queue was full or the monitor closed."""
        with self._lock:
            return self._dropped

    def flush(self, timeout: Optional[float] = None) -> int:
        """Waits until every accepted event is delivered or failed, for at
        most timeout seconds (None: without limit). Returns how many are
        still queued: 0 when all are through."""
        # librdkafka's flush serves the delivery reports as they come and
        # returns once none is outstanding, or at the timeout.
        if timeout is None:
            self._producer.flush()
        else:
            self._producer.flush(max(0.0, timeout))
        return self._queued()

    def close(self, timeout: float = 10.0) -> int:
        """Flushes for at most timeout seconds, then stops: events still
        queued are given up and counted as failed. Returns how many were
        given up. Events logged afterwards are dropped. Closing twice is
        harmless."""
        if self._closed:
            return 0
        self._closed = True
        atexit.unregister(self._at_exit)
        left = self.flush(timeout)
        if left:
            self._producer.purge()
            self._producer.flush(0)
        self._stop.set()
        self._poller.join()
        # An event purged in flight may never be reported: what is still
        # unreported is counted as failed now, and reports that come later
        # (a flush after close) are ignored, so the counts add up once.
        with self._lock:
            self._final = True
            self._failed += self._accepted - self._delivered_n - self._failed
        return left

    def __enter__(self) -> "Monitor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _close_at_exit(ref: "weakref.ref[Monitor]") -> None:
    mon = ref()
    if mon is not None:
        mon.close(timeout=5.0)


class _KafkaLog:
    """Takes librdkafka's log lines, at debug level: while a broker is down
    it logs every reconnection attempt, and what matters of that reaches
    the error callback, which warns at most once a minute."""

    _log = logging.getLogger("driftmon.kafka")

    def log(self, level: int, msg: str, *args: Any, **kwargs: Any) -> None:
        self._log.debug(msg, *args)


# Conversions from the caller's values to JSON values. A value that JSON
# cannot hold becomes Unencodable, which the contract check rejects in the
# field it is in, except in features (below).


def _unwrap(v: Any) -> Any:
    """A numpy scalar's Python value; other values as they are."""
    item = getattr(v, "item", None)
    if item is not None and getattr(v, "shape", None) == ():
        return item()
    return v


def _text_or_number(v: Any) -> Any:
    if v is None or isinstance(v, (str, int, float)):
        return v
    if isinstance(v, uuid.UUID):
        return str(v)
    v = _unwrap(v)
    if isinstance(v, (str, int, float)):
        return v
    return Unencodable(v)


def _timestamp(v: Any) -> Any:
    if v is None:
        return time.time_ns() // 1_000_000
    if isinstance(v, _dt.datetime):
        try:
            if v.tzinfo is None:
                # A naive datetime is local time, as datetime.timestamp() takes it.
                v = v.astimezone()
            return v.astimezone(_dt.timezone.utc).isoformat().replace("+00:00", "Z")
        except (OverflowError, ValueError, OSError):
            # Out of the range the local zone or UTC can convert: not a
            # time the service takes either.
            return Unencodable(v)
    if isinstance(v, str) or isinstance(v, bool):
        return v
    v = _unwrap(v)
    if isinstance(v, numbers.Real) and not isinstance(v, bool):
        # Seconds, as Python keeps time; the contract's numbers are ms.
        return v * 1000 if isinstance(v, int) else float(v) * 1000
    return Unencodable(v)


def _features(f: Any) -> Any:
    if not isinstance(f, Mapping):
        # Not an object: the check rejects it as invalid_features.
        if isinstance(f, tuple):
            return list(f)
        return f if isinstance(f, (list, str, int, float)) else Unencodable(f)
    # Most feature maps need nothing done: check first, copy only if not.
    for k, v in f.items():
        t = type(v)
        if type(k) is not str or not (t is str or t is int or t is bool or v is None or (t is float and math.isfinite(v))):
            break
    else:
        return f if type(f) is dict else dict(f)
    return {k if type(k) is str else str(k): _feature_value(v, 3) for k, v in f.items()}


def _feature_value(v: Any, level: int) -> Any:
    """A feature value as JSON can hold it. A non-finite number becomes NaN
    and a value JSON cannot hold (a datetime, a set, an object) becomes {}:
    the service counts both as invalid values, as it counts any value of
    the wrong type, and keeps the rest of the event."""
    t = type(v)
    if t is str or t is int or t is bool or v is None:
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else _NAN
    if isinstance(v, (str, int)):
        return v
    if level > 300:
        # Too deep for the service either way: left for the check.
        return v
    if isinstance(v, Mapping):
        return {k if type(k) is str else str(k): _feature_value(x, level + 1) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_feature_value(x, level + 1) for x in v]
    u = _unwrap(v)
    if u is not v:
        return _feature_value(u, level)
    if isinstance(v, numbers.Real):
        return _feature_value(float(v), level)
    return {}


def _prediction(v: Any) -> Any:
    if v is None or isinstance(v, (str, int, float)):
        return v
    if isinstance(v, Mapping):
        return {k if type(k) is str else str(k): _probability(p) for k, p in v.items()}
    if isinstance(v, (list, tuple)):
        return list(v)
    v = _unwrap(v)
    if isinstance(v, (str, int, float)):
        return v
    if isinstance(v, numbers.Real):
        return float(v)
    return Unencodable(v)


def _probability(p: Any) -> Any:
    if isinstance(p, (int, float)) or p is None:
        return p
    p = _unwrap(p)
    if isinstance(p, numbers.Real) and not isinstance(p, (int, float)):
        return float(p)
    return p if isinstance(p, (str, int, float, bool)) else Unencodable(p)


def _label(v: Any) -> Any:
    if v is None or isinstance(v, (str, int, float)):
        return v
    v = _unwrap(v)
    if isinstance(v, (str, int, float)):
        return v
    if isinstance(v, numbers.Real):
        return float(v)
    return Unencodable(v)
