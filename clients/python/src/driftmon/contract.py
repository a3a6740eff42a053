"""The event contract, checked before a record is sent.

These are the rules of driftmon's decoder (the Go package ``ingest``), on
JSON values as Python holds them (dict, list, str, int, float, bool, None),
with its reason strings and in its order: a record that breaks the contract
in several ways gets the reason the service would give it. The test vectors
in ``clients/testdata/events.json`` are checked against both, which is what
keeps them the same.

What the decoder cannot see from one record is not checked here: whether
the model is configured (``unknown_model``), how far ahead of the service's
clock an event may be (the model's ``max_clock_skew``), and the record's key
(the client always keys by model, so ``key_mismatch`` cannot happen).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, NamedTuple, Optional

__all__ = [
    "DEFAULT_MAX_BYTES",
    "REASONS",
    "Reject",
    "check_label",
    "check_prediction",
    "encode",
]

#: The longest record the service accepts unless ``kafka.max_message_bytes``
#: says otherwise.
DEFAULT_MAX_BYTES = 1 << 20

#: The reasons a record can be rejected for: the ``driftmon-reason`` header
#: of a dead letter and the ``reason`` label of
#: ``driftmon_events_rejected_total``.
REASONS = (
    "oversized",
    "malformed_json",
    "not_an_object",
    "missing_model",
    "invalid_model",
    "missing_id",
    "invalid_timestamp",
    "invalid_features",
    "invalid_feature_value",
    "invalid_prediction",
    "invalid_label",
    "unknown_model",
    "key_mismatch",
    "internal",
)

# The decoder's nesting limit: the record is level 1, each value inside a
# container one level deeper.
_MAX_DEPTH = 300

# Epoch milliseconds the decoder reads (the years 0000 to 9999), then the
# event times it accepts: [1970-01-01, 2100-01-01) in nanoseconds.
_MIN_MILLIS = -62167219200000.0
_MAX_MILLIS = 253402300799999.0
_MIN_EVENT_NS = 0
_MAX_EVENT_NS = 4102444800 * 10**9  # date -ud 2100-01-01 +%s

_MODEL = re.compile(r"[A-Za-z0-9_.-]{1,128}")


class Reject(NamedTuple):
    """Why a record breaks the contract: one of REASONS, and a detail for a
    person."""

    reason: str
    detail: str


class Unencodable:
    """Stands for a value JSON cannot hold (a datetime where an id goes):
    the record cannot be sent, and the field it is in says why."""

    __slots__ = ("type_name",)

    def __init__(self, value: Any) -> None:
        self.type_name = type(value).__name__


def encode(event: dict) -> bytes:
    """The record's bytes: compact JSON in UTF-8. A string that is not
    UTF-8 (one holding a lone surrogate) keeps its invalid bytes, so the
    service sees what the validator saw; a non-finite feature is written
    NaN, a literal the service reads as a value of the wrong type."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")


def check_prediction(event: dict, data: Optional[bytes] = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Optional[Reject]:
    """Checks a prediction event, and its encoding data when given, as the
    service's decoder would: None when it is accepted."""
    if data is not None and len(data) > max_bytes:
        return _oversized(data, max_bytes)
    if not _depth_ok(event, 1):
        return Reject("malformed_json", f"nested deeper than {_MAX_DEPTH} levels")
    r = _model(event.get("model"))
    if r is not None:
        return r
    v = event.get("model_version")
    if v is not None and not _text_or_number(v):
        return Reject("invalid_model", f"model_version is {_describe(v)}, not a UTF-8 string or a finite number")
    v = event.get("id")
    if v is not None and not _text_or_number(v):
        return Reject("missing_id", f"id is {_describe(v)}, not a UTF-8 string or a finite number")
    r = _timestamp(event.get("timestamp"))
    if r is not None:
        return r
    v = event.get("features")
    if v is not None:
        if type(v) is not dict:
            return Reject("invalid_features", f"features is {_describe(v)}, not an object")
        for name in v:
            if not name.isascii() and not _utf8(name):
                return Reject("malformed_json", f"feature name {name!r} is not UTF-8")
        # A feature value of any type is accepted: the service counts one of
        # the wrong type, or a non-finite number, as invalid.
    r = _prediction(event.get("prediction"))
    if r is not None:
        return r
    v = event.get("label")
    if v is not None:
        return _label(v)
    return None


def check_label(event: dict, data: Optional[bytes] = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Optional[Reject]:
    """Checks a label event, and its encoding data when given: None when it
    is accepted. A label needs a non-empty id and a label; its other keys
    are ignored."""
    if data is not None and len(data) > max_bytes:
        return _oversized(data, max_bytes)
    if not _depth_ok(event, 1):
        return Reject("malformed_json", f"nested deeper than {_MAX_DEPTH} levels")
    r = _model(event.get("model"))
    if r is not None:
        return r
    v = event.get("id")
    if v is None:
        return Reject("missing_id", "a label needs an id")
    if not _text_or_number(v):
        return Reject("missing_id", f"id is {_describe(v)}, not a UTF-8 string or a finite number")
    if v == "":
        return Reject("missing_id", "id is empty")
    r = _timestamp(event.get("timestamp"))
    if r is not None:
        return r
    v = event.get("label")
    if v is None:
        return Reject("invalid_label", "a label event needs a label")
    return _label(v)


def _oversized(data: bytes, max_bytes: int) -> Reject:
    return Reject("oversized", f"{len(data)} bytes, more than the limit of {max_bytes}")


def _depth_ok(v: Any, level: int) -> bool:
    if level > _MAX_DEPTH:
        return False
    t = type(v)
    if t is dict:
        for x in v.values():
            tx = type(x)
            if (tx is dict or tx is list or level >= _MAX_DEPTH) and not _depth_ok(x, level + 1):
                return False
    elif t is list:
        for x in v:
            tx = type(x)
            if (tx is dict or tx is list or level >= _MAX_DEPTH) and not _depth_ok(x, level + 1):
                return False
    return True


def _utf8(s: str) -> bool:
    """Whether s can be written as UTF-8: a Python string can hold lone
    surrogates, which UTF-8 cannot."""
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_number(v: Any) -> bool:
    # bool is an int in Python, never a number in JSON.
    return (type(v) is int or isinstance(v, (int, float))) and not isinstance(v, bool)


def _finite(v: Any) -> bool:
    """Whether the number v is finite as the service parses it: an integer
    too large for a float parses to infinity."""
    try:
        return math.isfinite(v)
    except OverflowError:
        return False


def _text_or_number(v: Any) -> bool:
    if isinstance(v, str):
        return v.isascii() or _utf8(v)
    if _is_number(v):
        # An integer is kept as written, whatever its size.
        return isinstance(v, int) or _finite(v)
    return False


def _model(v: Any) -> Optional[Reject]:
    if v is None:
        return Reject("missing_model", "no model")
    if not isinstance(v, str):
        return Reject("invalid_model", f"model is {_describe(v)}, not a string")
    if _MODEL.fullmatch(v) is None:
        return Reject("invalid_model", f"model {v[:64]!r} does not match [A-Za-z0-9_.-]{{1,128}}")
    return None


def _prediction(v: Any) -> Optional[Reject]:
    if v is None:
        return None
    if type(v) is dict:
        if not v:
            return Reject("invalid_prediction", "prediction is an empty object")
        for cls, p in v.items():
            if not cls.isascii() and not _utf8(cls):
                return Reject("invalid_prediction", f"class {cls!r} is not UTF-8")
            if not _is_number(p) or not _finite(p):
                return Reject("invalid_prediction", f"probability of class {cls[:64]!r} is {_describe(p)}, not a finite number")
        return None
    if _is_number(v):
        if not _finite(v):
            return Reject("invalid_prediction", f"prediction is {_describe(v)}, not finite")
        return None
    if isinstance(v, str):
        if v.isascii() or _utf8(v):
            return None
        return Reject("invalid_prediction", "prediction is not UTF-8")
    return Reject("invalid_prediction", f"prediction is {_describe(v)}, not a number, a string or an object of probabilities")


def _label(v: Any) -> Optional[Reject]:
    if isinstance(v, bool):
        return None
    if _is_number(v):
        if _finite(v):
            return None
        return Reject("invalid_label", f"label is {_describe(v)}, not finite")
    if isinstance(v, str):
        if v.isascii() or _utf8(v):
            return None
        return Reject("invalid_label", "label is not UTF-8")
    return Reject("invalid_label", f"label is {_describe(v)}, not a number, a string or a boolean")


def _timestamp(v: Any) -> Optional[Reject]:
    """Checks an event time: RFC 3339 or epoch milliseconds, within
    [1970, 2100). None means the Kafka message's time, which is now."""
    if v is None:
        return None
    if isinstance(v, str):
        ns = _parse_rfc3339(v)
        if ns is None:
            return Reject("invalid_timestamp", f"timestamp {v[:64]!r} is not RFC 3339")
    elif _is_number(v):
        try:
            f = float(v)
        except OverflowError:
            f = math.inf
        # The comparisons are false for NaN, so it is refused too.
        if not (_MIN_MILLIS <= f <= _MAX_MILLIS):
            return Reject("invalid_timestamp", f"timestamp is {_describe(v)}, not epoch milliseconds in the years 0000-9999")
        if f == math.trunc(f):
            ns = int(f) * 1_000_000
        else:
            # The decoder's arithmetic, step by step in float64, so that a
            # time at the edge of the range rounds as it does there.
            sec = float(math.floor(f / 1000))
            x = (f - sec * 1000) * 1e6
            nsec = math.floor(x)
            if x - nsec >= 0.5:
                nsec += 1
            ns = int(sec) * 10**9 + nsec
    else:
        return Reject("invalid_timestamp", f"timestamp is {_describe(v)}, not a string or a number")
    if not (_MIN_EVENT_NS <= ns < _MAX_EVENT_NS):
        return Reject("invalid_timestamp", f"timestamp {v!r} outside [1970-01-01T00:00:00Z, 2100-01-01T00:00:00Z)")
    return None


def _two(s: str, i: int) -> int:
    """The two ASCII digits at s[i:i+2], or -1."""
    a, b = s[i], s[i + 1]
    if "0" <= a <= "9" and "0" <= b <= "9":
        return (ord(a) - 48) * 10 + ord(b) - 48
    return -1


def _days_in(month: int, year: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date, year 0 included
    (which datetime cannot hold)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _parse_rfc3339(s: str) -> Optional[int]:
    """Parses an RFC 3339 date-time (section 5.6) as the decoder does:
    YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), T and Z in either case,
    fraction digits past nanoseconds ignored. Returns nanoseconds since the
    epoch, or None."""
    if not s.isascii() or len(s) < 20:
        return None
    y1, y2 = _two(s, 0), _two(s, 2)
    month, day = _two(s, 5), _two(s, 8)
    hour, minute, sec = _two(s, 11), _two(s, 14), _two(s, 17)
    if min(y1, y2, month, day, hour, minute, sec) < 0:
        return None
    if s[4] != "-" or s[7] != "-" or s[10] not in "Tt" or s[13] != ":" or s[16] != ":":
        return None
    year = y1 * 100 + y2
    if not (1 <= month <= 12) or not (1 <= day <= _days_in(month, year)) or hour > 23 or minute > 59 or sec > 59:
        return None
    rest = s[19:]
    nsec = 0
    if rest[0] == ".":
        i = 1
        while i < len(rest) and "0" <= rest[i] <= "9":
            if i <= 9:
                nsec = nsec * 10 + ord(rest[i]) - 48
            i += 1
        digits = i - 1
        if digits == 0:
            return None
        nsec *= 10 ** max(0, 9 - digits)
        rest = rest[i:]
    offset = 0
    if len(rest) == 1 and rest in "Zz":
        pass
    elif len(rest) == 6 and rest[0] in "+-" and rest[3] == ":":
        oh, om = _two(rest, 1), _two(rest, 4)
        if oh < 0 or om < 0 or oh > 23 or om > 59:
            return None
        offset = (oh * 60 + om) * 60
        if rest[0] == "-":
            offset = -offset
    else:
        return None
    secs = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + sec - offset
    return secs * 10**9 + nsec


def _describe(v: Any) -> str:
    """A value's kind, for a rejection's detail, as the decoder names it."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if _is_number(v):
        try:
            text = str(v)
        except ValueError:  # an integer past Python's limit for str()
            return "a number (an integer too long to show)"
        return f"a number ({text[:64]})"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, dict):
        return "an object"
    if isinstance(v, list):
        return "an array"
    if isinstance(v, Unencodable):
        return f"a {v.type_name}, which JSON cannot hold"
    return f"a {type(v).__name__}"

