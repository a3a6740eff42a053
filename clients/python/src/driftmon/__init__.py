"""driftmon's Python client: log a model's predictions and labels to the
Kafka topics driftmon consumes, keyed, stamped and checked against the
event contract, without slowing the request path.

    from driftmon import Monitor

    with Monitor(model="fraud", brokers="kafka:9092", model_version="7") as mon:
        rid = mon.log_prediction({"amount": 12.5, "country": "DE"}, 0.87)
        ...
        mon.log_label(rid, 1)
"""

from .contract import DEFAULT_MAX_BYTES, REASONS, Reject, check_label, check_prediction, encode
from .monitor import Metrics, Monitor

__all__ = [
    "DEFAULT_MAX_BYTES",
    "REASONS",
    "Metrics",
    "Monitor",
    "Reject",
    "check_label",
    "check_prediction",
    "encode",
]
__version__ = "0.1.0"
