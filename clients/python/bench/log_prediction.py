"""Measures Monitor.log_prediction's latency in the caller's thread.

    python bench/log_prediction.py --brokers 127.0.0.1:9092   # broker up
    python bench/log_prediction.py --down                     # broker unreachable

Each call logs a realistic event (10 numeric and 10 string features, a
score, an id and a time), timed alone with perf_counter_ns and
thread_time_ns; the figures are percentiles over all calls after a
warm-up, beside those of a control of plain Python work of the same CPU
cost, timed between the calls. With the broker down the queue
fills (100,000 events by default) and the calls after that are dropped:
both paths are in the figures, and the counts say how many took which.
"""

import argparse
import json
import os
import random
import socket
import sys
import time
import uuid

from confluent_kafka.admin import AdminClient, NewTopic

from driftmon import Monitor


def unreachable() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--brokers", help="a running broker (default: one nothing listens on, with --down)")
    ap.add_argument("--down", action="store_true", help="log to a loopback port nothing listens on")
    ap.add_argument("-n", type=int, default=200_000, help="calls to time (default 200,000)")
    a = ap.parse_args()
    if not a.down and not a.brokers:
        sys.exit("give --brokers or --down")
    brokers = unreachable() if a.down else a.brokers
    topic = "driftmon-bench-" + uuid.uuid4().hex[:8]
    admin = None
    if not a.down:
        admin = AdminClient({"bootstrap.servers": brokers})
        admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])[topic].result(30)

    r = random.Random(1)
    countries, channels = ["DE", "FR", "US", "GB", "IN"], ["web", "app", "pos"]
    events = []
    for _ in range(1000):
        f = {f"num_{j}": r.gauss(50, 10) for j in range(10)}
        f.update({"country": r.choice(countries), "channel": r.choice(channels), "currency": "EUR", "device": "ios",
                  "card_brand": "visa", "merchant_category": "grocery", "tier": "gold", "payment_method": "card",
                  "browser": "safari", "language": "de-DE"})
        events.append((f, r.random()))

    mon = Monitor("bench", brokers, predictions_topic=topic, model_version="7")
    for i in range(2000):  # warm-up: imports, first metadata request, allocator
        f, p = events[i % len(events)]
        mon.log_prediction(f, p)
        json.dumps(f)
    # Wall time is what a request waits; the thread's CPU time is the
    # client's own work, which a busy machine's scheduler does not inflate.
    # Each call is followed by a control: plain Python work (json.dumps of
    # the features, k times) of about the call's CPU cost, timed the same
    # way, so that both meet the same machine; what the control's tail
    # shows, the machine did, not the client.
    clock, tclock = time.perf_counter_ns, time.thread_time_ns
    c0 = tclock()
    for i in range(2000):
        json.dumps(events[i % len(events)][0])
    per_dumps = (tclock() - c0) / 2000
    c0 = tclock()
    for i in range(2000):
        f, p = events[i % len(events)]
        mon.log_prediction(f, p)
    k = max(1, round((tclock() - c0) / 2000 / per_dumps))
    lat, cpu, blat, bcpu = [0] * a.n, [0] * a.n, [0] * a.n, [0] * a.n
    start = clock()
    for i in range(a.n):
        f, p = events[i % len(events)]
        c0, t0 = tclock(), clock()
        mon.log_prediction(f, p)
        lat[i], cpu[i] = clock() - t0, tclock() - c0
        c0, t0 = tclock(), clock()
        for _ in range(k):
            json.dumps(f)
        blat[i], bcpu[i] = clock() - t0, tclock() - c0
    wall = (clock() - start) / 1e9
    m = mon.metrics()
    left = mon.close(timeout=0 if a.down else 60)
    done = mon.metrics()
    if admin is not None:
        admin.delete_topics([topic])[topic].result(30)
    for xs in (lat, cpu, blat, bcpu):
        xs.sort()

    def pct(xs: list, q: float) -> float:
        return xs[min(len(xs) - 1, int(q * len(xs)))] / 1000

    print(f"broker {'down (' + brokers + ')' if a.down else 'up (' + brokers + ')'}: {a.n} calls and controls in {wall:.2f} s")
    for name, xs in (("log_prediction wall", lat), ("log_prediction cpu", cpu),
                     (f"control ({k} x json.dumps) wall", blat), (f"control ({k} x json.dumps) cpu", bcpu)):
        print(f"{name}: p50 {pct(xs, 0.50):.1f} us  p99 {pct(xs, 0.99):.1f} us  "
              f"p99.9 {pct(xs, 0.999):.1f} us  max {xs[-1] / 1000:.1f} us")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"after the timed calls: accepted {m.accepted}, dropped {m.dropped}, rejected {sum(m.rejected.values())}, queued {m.queued}; "
          f"after close: delivered {done.delivered}, failed {done.failed}, given up {left}")


if __name__ == "__main__":
    main()
