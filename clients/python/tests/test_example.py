"""examples/python/model_server.py answers, and logs through the client,
with the broker down: the example keeps working as the client changes."""

import importlib.util
import json
import pathlib
import threading
import urllib.request
from http.server import ThreadingHTTPServer

from driftmon import Monitor

EXAMPLE = pathlib.Path(__file__).resolve().parents[3] / "examples" / "python" / "model_server.py"


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def test_the_example_server(unreachable):
    spec = importlib.util.spec_from_file_location("model_server", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    mon = Monitor("demo", unreachable)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), example.handler(mon))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    try:
        code, body = post(base + "/predict", {"amount": 250, "is_new": True, "country": "DE"})
        # The toy model's score, computed by hand: z = -3 + 0.004*250 + 1.2 = -0.8.
        assert code == 200 and abs(body["score"] - 1 / (1 + 2.718281828459045 ** 0.8)) < 1e-12
        assert post(base + "/label", {"id": body["id"], "label": 1}) == (200, {"logged": True})
        assert post(base + "/label", {"label": 1}) == (400, {"logged": False})
        assert post(base + "/predict", [1, 2])[0] == 400
        with urllib.request.urlopen(base + "/client", timeout=10) as r:
            m = json.load(r)
        assert (m["accepted"], m["rejected"]) == (2, {"missing_id": 1})
    finally:
        srv.shutdown()
        srv.server_close()
        mon.close(timeout=0)
