"""The alignment tab through its public API (gradio_client against `python app.py`): a
Tang model instruction-tuned through the API, its pairs, an alignment run whose margins
and five-character share are read while it trains, and its stop."""

from __future__ import annotations

import re
import time

import pytest

LEARNER = "learner-align-live-01"


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(1.0)
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s (last: {value!r})")


def _tuned_model(client) -> str:
    """A Tang model instruction-tuned from scratch for two steps: tagged, but untaught."""
    message = client.predict(LEARNER, "tang", None, "scratch", True, 2, 2, 1e-3, 1,
                             api_name="/instruct_start")
    assert "started" in message.lower(), message

    def saved():
        return next((v for _, v in client.predict(LEARNER, "en", api_name="/align_models")
                     if v.startswith("saved:")), None)
    return _wait(saved, 600, "the instruction-tuned model")


@pytest.mark.slow
def test_align_through_the_api(live_app, data_dir):
    from gradio_client import Client

    client = Client(live_app, verbose=False)
    assert client.predict(LEARNER, "en", api_name="/align_models") == []
    base = _tuned_model(client)

    table, summary = client.predict(LEARNER, base, False, api_name="/align_pairs")
    assert table.count("<tr>") == 6 and "training pairs" in summary
    added = client.predict(LEARNER, base, "靜夜思", "床前明月光，疑是地上霜。",
                           "兩個黃鸝鳴翠柳，一行白鷺上青天。", "a", api_name="/align_add_pair")
    assert "1 pair" in added

    started = client.predict(LEARNER, base, 0.1, 2000, 2, 1e-3, 3, api_name="/align_start")
    assert "(1 of your own)" in started, started

    seen = {"status": "", "poems": ""}

    def poll() -> dict:
        """The poll's newest status and poems (an unchanged job's poll skips them)."""
        out = client.predict(LEARNER, False, api_name="/align_poll")
        for key, value in (("poems", out[3]), ("status", out[4])):
            if isinstance(value, str):
                seen[key] = value
        return seen

    def evaluation(after_start: bool):
        status = poll()["status"]
        found = re.findall(r"margin ([+-]\d\.\d+) · preference accuracy (\d+)% · "
                           r"five-character poems (\d+)%", status)
        if found and (float(found[-1][0]) != 0.0) == after_start:
            return float(found[-1][0]), int(found[-1][1]), int(found[-1][2])
        return None
    margin, accuracy, share = _wait(lambda: evaluation(False), 300, "the evaluation at step 0")
    assert (margin, accuracy) == (0.0, 50) and 0 <= share <= 100     # policy = reference: ties
    margin, accuracy, share = _wait(lambda: evaluation(True), 600, "an evaluation after step 0")
    assert 0 <= accuracy <= 100 and 0 <= share <= 100
    _wait(lambda: poll()["poems"].count("<tr>") == 21, 300, "the poems")   # header + 20 titles

    assert client.predict(LEARNER, api_name="/align_stop")
    _wait(lambda: "stopped" in poll()["status"].lower(), 120, "the stop")
    _wait(lambda: sum(v.startswith("saved:") for _, v in
                      client.predict(LEARNER, "en", api_name="/align_models")) == 2, 120,
          "the aligned model in the list")
    html, compare = client.predict(LEARNER, False, api_name="/align_compare")
    assert html.count("<tr>") == 21 and "before" in compare
