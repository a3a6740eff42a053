"""Logs what TestPythonClient asks through driftmon's Python client.

Usage: python_client.py BROKERS PREDICTIONS_TOPIC LABELS_TOPIC CALLS_FILE

Each line of CALLS_FILE is one call: {"op": "prediction", "features",
"prediction", "id", "timestamp"} or {"op": "label", "id", "label", "timestamp"}. An RFC
3339 timestamp is handed over as a datetime, so the client's conversion is
what reaches the service. Prints the monitor's metrics as JSON at the end.
"""

import dataclasses
import datetime as dt
import json
import sys

from driftmon import Monitor


def when(ts):
    if ts is None:
        return None
    try:
        return dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return ts  # not a time: the client must reject it


def main(brokers, predictions, labels, calls):
    with Monitor("m", brokers, predictions_topic=predictions, labels_topic=labels, linger=0.01) as mon:
        with open(calls, encoding="utf-8") as f:
            for line in f:
                c = json.loads(line)
                if c["op"] == "prediction":
                    mon.log_prediction(c["features"], c["prediction"], id=c["id"], timestamp=when(c["timestamp"]))
                else:
                    mon.log_label(c.get("id"), c["label"], timestamp=when(c["timestamp"]))
        if mon.flush(60) != 0:
            sys.exit("events still queued after 60 s")
    print(json.dumps(dataclasses.asdict(mon.metrics())))


if __name__ == "__main__":
    main(*sys.argv[1:])
