"""The UI stays responsive while two training jobs run (a generous bound only)."""

import statistics
import time

import pytest
from gradio_client import Client

from conftest import start_kwargs

CPU_DEMO = ["the-verdict", "", None, "auto", "cpu-demo", 4, 4, 128, 64, 16]


@pytest.mark.slow
def test_trivial_events_stay_fast_while_two_jobs_train(live_app, record_property):
    trainers = [Client(live_app, verbose=False) for _ in range(2)]
    for client in trainers:
        assert "started" in client.predict(
            None, **start_kwargs(*CPU_DEMO, 100_000, 3e-3, 1, "", False), api_name="/start").lower()
    try:
        probe = Client(live_app, verbose=False)
        time.sleep(2)  # both jobs past their first steps
        latencies = []
        for _ in range(30):
            t0 = time.perf_counter()
            probe.predict("hello", "the-verdict", api_name="/tokenize")
            latencies.append(time.perf_counter() - t0)
        p50 = statistics.median(latencies)
        p95 = sorted(latencies)[int(0.95 * len(latencies)) - 1]
        record_property("p50_s", round(p50, 3))
        record_property("p95_s", round(p95, 3))
        print(f"trivial event while two jobs train: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
        assert p95 < 5.0   # the aim is well under a second; 5 s catches a blocked server
    finally:
        for client in trainers:
            client.predict(None, api_name="/stop")
