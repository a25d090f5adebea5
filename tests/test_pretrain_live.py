"""The Pretrain tab end to end: through gradio_client and in a real browser."""

import re
import time

import pytest
from gradio_client import Client

from conftest import start_kwargs

from browser import open_page, outside_requests, save_screenshot

TINY_ARGS = ["the-verdict", "", None, "auto", "tiny", 2, 2, 32, 16, 8]


def poll_until(client, predicate, timeout=90):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        plot, status, samples, _ = client.predict(None, False, False, api_name="/poll")
        if isinstance(plot, dict) and plot.get("plot"):
            last = (plot, status, samples)
            if predicate(*last):
                return last
        time.sleep(0.5)
    raise AssertionError(f"poll condition not met; last status: {last and last[1]}")


def step_losses(plot) -> list[float]:
    import json
    figure = json.loads(plot["plot"])
    return next((trace["y"] for trace in figure["data"] if trace.get("mode") == "lines"), [])


def test_start_poll_stop_through_the_api(live_app):
    client = Client(live_app, verbose=False)
    message = client.predict(None, **start_kwargs(*TINY_ARGS, 100_000, 3e-3, 1, "", False),
                             api_name="/start")
    assert "started" in message.lower()
    plot, status, _ = poll_until(client, lambda p, s, _: len(step_losses(p)) >= 30)
    losses = step_losses(plot)
    assert min(losses[-10:]) < losses[0]          # the loss fell
    assert "training" in status
    assert client.predict(None, api_name="/stop") == "Stopped."
    _, status, _ = poll_until(client, lambda p, s, _: "stopped" in s)


def test_a_second_learner_sees_only_their_own_job(live_app):
    alice, bob = Client(live_app, verbose=False), Client(live_app, verbose=False)
    alice.predict(None, **start_kwargs(*TINY_ARGS, 100_000, 3e-3, 1, "", False),
                  api_name="/start")
    try:
        _, status, _, _ = bob.predict(None, False, False, api_name="/poll")
        assert "No training yet" in status
    finally:
        alice.predict(None, api_name="/stop")


def test_bad_input_is_a_message_and_the_app_keeps_serving(live_app):
    from gradio_client.exceptions import AppError
    client = Client(live_app, verbose=False)
    with pytest.raises(AppError, match="too short"):
        client.predict(None, **start_kwargs("own-text", "x", None, "auto", "tiny", 2, 2, 32, 16,
                                            8, 10, 3e-3, 1, "", False), api_name="/start")
    with pytest.raises(AppError, match="shorter context"):
        client.predict(None, **start_kwargs(*TINY_ARGS[:8], 1024, 8, 10, 3e-3, 1, "", False),
                       api_name="/start")
    # still serving
    assert client.predict("hi", "the-verdict", api_name="/tokenize")[0]


@pytest.mark.browser
@pytest.mark.slow
def test_browser_start_draws_the_loss_curve(live_app):
    with open_page(live_app, viewport=(1400, 1000)) as (page, requests):
        page.get_by_role("tab", name="Pretrain").click()
        page.get_by_label("Model preset").click()
        page.get_by_role("option", name="tiny (for a quick check)").click()
        page.get_by_role("button", name="Start", exact=True).click()
        # Wait for plotly to draw a line with several points, not a fixed sleep.
        page.wait_for_function(
            """() => [...document.querySelectorAll('.js-plotly-plot .scatterlayer path.js-line')]
                     .some(p => (p.getAttribute('d') || '').split('L').length > 5)""",
            timeout=90_000)
        page.get_by_text("training", exact=False).first.wait_for()
        save_screenshot(page, "pretrain-tab.png")
        page.get_by_role("button", name="Stop", exact=True).click()
        page.get_by_text("Stopped.").wait_for()
        # A refresh keeps the learner (id stored in the browser): the job is still theirs.
        page.reload(wait_until="domcontentloaded")
        page.get_by_role("tab", name="Pretrain").click()
        page.get_by_text(re.compile("stopped at step|finished: ")).first.wait_for(timeout=30_000)
        assert outside_requests(requests) == []


@pytest.mark.browser
@pytest.mark.slow
def test_browser_page_is_quiet_after_the_learner_picks_stories(live_app):
    """With nothing running, a page whose learner picked a few texts sends nothing. Two
    listeners on the text's and the preset's `.change` used to set each other off for ever
    after the first pick of tiny-shakespeare: 3-7 events a second, the renderer at a whole
    core, the training job at a third of its speed in the page."""
    from story_page import choose_story
    with open_page(live_app, viewport=(1400, 1000)) as (page, requests):
        for corpus in ("tiny-shakespeare", "tang-five", "tiny-shakespeare", "the-verdict"):
            choose_story(page, corpus)
        page.wait_for_timeout(3000)               # the picks' own events settle
        before = len(requests)
        page.wait_for_timeout(5000)
        sent = [url for url in requests[before:] if "/queue/join" in url]
        assert sent == []
        choose_story(page, "tang-five")           # the negative control: a pick is seen
        page.wait_for_timeout(2000)
        assert any("/queue/join" in url for url in requests[before:])
