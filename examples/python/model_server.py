"""A small model server that logs every prediction to driftmon.

    pip install ./clients/python
    python examples/python/model_server.py --brokers 127.0.0.1:9092

POST /predict with a JSON object of features returns {"id", "score"} and
logs the prediction for model "demo" (the model driftmon.example.yaml
monitors); POST /label with {"id", "label"} logs its outcome once known;
GET /client shows the driftmon client's counters. The standard library's
HTTP server only: the client works the same inside FastAPI, Flask or any
other framework, since log_prediction only queues.
"""

import argparse
import dataclasses
import json
import logging
import math
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from driftmon import Monitor


def score(f: dict) -> float:
    """A toy fraud score: large amounts from new accounts far from home."""
    z = -3.0
    z += 0.004 * float(f.get("amount") or 0)
    z += 1.2 if f.get("is_new") else 0.0
    z += 0.01 * float(f.get("distance_km") or 0)
    return 1 / (1 + math.exp(-z))


def handler(mon: Monitor):
    class Handler(BaseHTTPRequestHandler):
        def _json(self, code: int, body: object) -> None:
            b = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            self.wfile.write(b)

        def _body(self):
            n = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(n) or b"null")
            except ValueError:
                return None
            return body if isinstance(body, dict) else None

        def do_POST(self) -> None:
            body = self._body()
            if body is None:
                self._json(400, {"error": "the body must be a JSON object"})
            elif self.path == "/predict":
                try:
                    s = score(body)
                except (TypeError, ValueError) as e:
                    self._json(400, {"error": str(e)})
                    return
                # The request's answer does not wait for Kafka: an event that
                # cannot be queued is counted by the client, not raised.
                rid = mon.log_prediction(body, s)
                self._json(200, {"id": rid, "score": s})
            elif self.path == "/label":
                ok = mon.log_label(body.get("id"), body.get("label"))
                self._json(200 if ok else 400, {"logged": ok})
            else:
                self._json(404, {"error": "no such path"})

        def do_GET(self) -> None:
            if self.path == "/client":
                self._json(200, dataclasses.asdict(mon.metrics()))
            else:
                self._json(404, {"error": "no such path"})

        def log_message(self, *args) -> None:  # one line per request is noise here
            pass

    return Handler


def main() -> None:
    ap = argparse.ArgumentParser(description="A model server that logs its predictions to driftmon.")
    ap.add_argument("--brokers", default="127.0.0.1:9092")
    ap.add_argument("--listen", default="127.0.0.1:8000")
    ap.add_argument("--model", default="demo")
    ap.add_argument("--version", default="1")
    ap.add_argument("--predictions-topic", default="predictions")
    ap.add_argument("--labels-topic", default="labels")
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    host, port = a.listen.rsplit(":", 1)
    with Monitor(a.model, a.brokers, model_version=a.version,
                 predictions_topic=a.predictions_topic, labels_topic=a.labels_topic) as mon:
        srv = ThreadingHTTPServer((host, int(port)), handler(mon))
        # SIGTERM (a container stopping) ends the server like Ctrl-C, so that
        # what is still queued is flushed rather than lost.
        signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=srv.shutdown).start())
        logging.info("serving model %s on http://%s, logging to %s", a.model, a.listen, a.brokers)
        try:
            srv.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            srv.server_close()
    # Leaving the with block flushed what was still queued (10 s at most).
    logging.info("stopped; client counters: %s", dataclasses.asdict(mon.metrics()))


if __name__ == "__main__":
    main()
