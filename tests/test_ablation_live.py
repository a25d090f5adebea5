"""The ablation lab end to end, through gradio_client against the launched app: a short
no-positions pair draws two curves and two samples, stops, keeps its second model; bad
input is a clear message and the app keeps serving."""

from __future__ import annotations

import json
import time

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

PAIR = dict(corpus="the-verdict", pairing="positions", steps=400, seed=7)


def poll_until(client, predicate, timeout=600):
    """Poll the lab until `predicate(figure, status, first, second, probe, verdict)`."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        plot, status, first, second, probe, verdict, _ = client.predict(None, api_name="/ablation_poll")
        figure = json.loads(plot["plot"]) if isinstance(plot, dict) and plot.get("plot") else None
        last = (figure, status, first, second, probe, verdict)
        if figure is not None and predicate(*last):
            return last
        time.sleep(1.0)
    raise AssertionError(f"poll condition not met; last status: {last and last[1]}")


def _curves(figure) -> dict[str, list]:
    return {trace["name"]: trace["y"] for trace in figure["data"]}


@pytest.mark.slow
def test_a_short_pair_draws_two_curves_two_samples_stops_and_keeps_a_model(live_app):
    client = Client(live_app, verbose=False)
    message = client.predict(None, **PAIR, api_name="/ablation_start")
    assert "training" in message
    # two samples of the same step, one per model (the first sample step is 50)
    figure, status, first, second, probe, _ = poll_until(
        client, lambda f, s, first, second, *_: "I had always thought" in first
        and "I had always thought" in second)
    assert "full GPT" in first and "no positions" in second
    curves = _curves(figure)
    val = {name: y for name, y in curves.items() if name.endswith("validation")}
    assert set(val) == {"full GPT: validation", "no positions: validation"}
    assert all(len(y) >= 3 and y[-1] < y[0] for y in val.values())     # both learned
    assert len(curves) == 4                                             # + training, dashed
    assert "distance" in probe and "the man saw the woman" in probe
    assert client.predict(None, api_name="/ablation_stop") == "Stopped."
    _, status, *_, verdict = poll_until(client, lambda f, s, *rest: "stopped" in s and rest[-1])
    assert "Verdict at step" in verdict and "full GPT" in verdict
    kept = client.predict(None, "en", "second", api_name="/ablation_keep")
    assert "Kept in your models" in kept and "no positions" in kept


def test_bad_input_is_a_message_and_the_app_keeps_serving(live_app):
    client = Client(live_app, verbose=False)
    with pytest.raises(AppError, match="not a pairing this lab offers"):
        client.predict(None, **{**PAIR, "pairing": "dropout"}, api_name="/ablation_start")
    with pytest.raises(AppError, match="minimum value 1"):      # the number box checks it
        client.predict(None, **{**PAIR, "steps": 0}, api_name="/ablation_start")
    with pytest.raises(AppError, match="trains on the-verdict"):
        client.predict(None, **{**PAIR, "corpus": "my-diary"}, api_name="/ablation_start")
    assert "training" in client.predict(None, **PAIR, api_name="/ablation_start")
    try:
        with pytest.raises(AppError, match="already have a training job"):
            client.predict(None, **PAIR, api_name="/ablation_start")
    finally:
        client.predict(None, api_name="/ablation_stop")
    assert "No pair is training" not in client.predict(None, api_name="/ablation_poll")[1]
    assert client.predict("hi", "the-verdict", api_name="/tokenize")[0]      # still serving


@pytest.mark.browser
@pytest.mark.slow
def test_browser_pair_shows_both_samples_and_the_verdict(live_app):
    """The page itself: Start, both samples, Stop, the verdict (screenshot in test-output/)."""
    from screenshot_ablation import shoot_pair

    path = shoot_pair(live_app, "en", 0, "ablation-tab", steps=400, timeout_s=600)
    assert path.is_file() and path.stat().st_size > 10_000
