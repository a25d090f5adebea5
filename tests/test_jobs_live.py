"""Jobs in processes, end to end through the launched app's API (gradio_client)."""

import os
import re
import signal
import time

import pytest
from gradio_client import Client

from conftest import start_kwargs

TINY = ["the-verdict", "", None, "auto", "tiny", 2, 2, 32, 16, 8]


def start(client, steps, seed=1):
    return client.predict(None, **start_kwargs(*TINY, steps, 3e-3, seed, "", False),
                          api_name="/start")


def status(client) -> str | None:
    """The status line, or None when the poll skipped it (unchanged since the last poll)."""
    got = client.predict(None, False, False, api_name="/poll")[1]
    return got if isinstance(got, str) else None


def wait_status(client, pattern, timeout=120) -> str:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        last = status(client) or last
        if re.search(pattern, last):
            return last
        time.sleep(0.3)
    raise AssertionError(f"status never matched {pattern!r}; last: {last}")


@pytest.mark.slow
def test_two_learners_one_killed_from_outside_the_other_finishes(live_app):
    alice, bob = Client(live_app, verbose=False), Client(live_app, verbose=False)
    assert "started" in start(alice, 100_000).lower()
    assert "started" in start(bob, 300, seed=2).lower()
    alice_status = wait_status(alice, r"training.*process \d+")
    pid = int(re.search(r"process (\d+)", alice_status).group(1))
    assert pid != os.getpid()
    os.kill(pid, signal.SIGKILL)                        # from outside, as the OS would
    failed = wait_status(alice, "stopped unexpectedly")
    assert "killed" in failed and "memory" in failed     # its own headline, and why
    # the server still answers, and bob's job runs to the end
    assert alice.predict("hi", "the-verdict", api_name="/tokenize")[0]
    wait_status(bob, "finished", timeout=240)
    choices = bob.predict(None, "en", api_name="/models")
    saved = [value for _, value in choices if value.startswith("saved:")]
    assert saved, choices
    plot, notices, summary = bob.predict(None, saved[0], "I had always", 0.0, 0, 1.0, 1, 10, False,
                                         api_name="/next_token")
    assert "Drawn:" in summary


@pytest.mark.slow
def test_the_third_learner_waits_and_starts_when_a_slot_frees(live_app):
    """The app allows 2 running jobs (LLM_PLAYGROUND_MAX_JOBS, default 2)."""
    first, second, third = (Client(live_app, verbose=False) for _ in range(3))
    try:
        assert "started" in start(first, 100_000).lower()
        assert "started" in start(second, 100_000).lower()
        message = start(third, 100_000)
        assert "busy" in message and "1 job(s) ahead" in message
        assert "queued" in status(third)
        first.predict(None, api_name="/stop")
        wait_status(third, r"training", timeout=60)     # it started by itself
    finally:
        for client in (first, second, third):
            client.predict(None, api_name="/stop")
