"""With the network off and no data folder, every tab's default works: the app started as a
user starts it, with only what ships in assets/, driven through its API."""

from __future__ import annotations

import time

import pytest

from conftest import launch_app, start_kwargs, stop_app

pytestmark = pytest.mark.slow
# Every HTTP(S) request of the app's process goes to a closed port: nothing can download.
NO_NETWORK = dict(LLM_PLAYGROUND_DATA="", HF_HUB_OFFLINE="1", HTTP_PROXY="http://127.0.0.1:9",
                  HTTPS_PROXY="http://127.0.0.1:9", http_proxy="http://127.0.0.1:9",
                  https_proxy="http://127.0.0.1:9", NO_PROXY="127.0.0.1,localhost",
                  no_proxy="127.0.0.1,localhost")


@pytest.fixture(scope="module")
def offline_client(tmp_path_factory):
    from gradio_client import Client

    work = tmp_path_factory.mktemp("offline")
    proc, url = launch_app(work / "app.log", work / "empty-cache",
                           LLM_PLAYGROUND_RUNS=str(work / "runs"), **NO_NETWORK)
    try:
        yield Client(url, verbose=False)
    finally:
        stop_app(proc)


def _started(client, api_name: str, learner: str, **kwargs) -> str:
    message = client.predict(learner, **kwargs, api_name=api_name)
    try:
        return message
    finally:
        client.predict(learner, api_name=api_name.replace("start", "stop"))


def test_the_views_work_offline(offline_client):
    client = offline_client
    counts, *_ = client.predict("床前明月光 hello", "tang", api_name="/tokenize")
    assert "characters" in counts
    _, _, summary = client.predict("learner-offline-views", "fresh", "I had always thought", 0.8,
                                   20, 0.9, 1, 10, False, api_name="/next_token")
    assert "Drawn" in summary or "drawn" in summary
    *_, patterns = client.predict("learner-offline-views", "fresh", "I had always thought", 0, 0,
                                  False, api_name="/attention")
    assert "first token" in patterns
    figure, status = client.predict(0.1, 10, 1.0, 25, 0.3, 0, api_name="/gd_run")
    assert "Converged" in status
    html, summary = client.predict("book", None, api_name="/instruct_inspect")
    assert "mask-table" in html
    html, _ = client.predict("tang", None, api_name="/instruct_inspect")
    assert "mask-table" in html


@pytest.mark.parametrize("corpus, preset", [("tang", "tang-char"), ("tiny-shakespeare", "tiny"),
                                            ("the-verdict", "tiny")])
def test_every_corpus_starts_offline(offline_client, corpus, preset):
    args = start_kwargs(corpus, "", None, "auto", preset, 2, 2, 32, 16, 4, 100_000, 3e-3, 1,
                        "", False)
    message = _started(offline_client, "/start", f"learner-offline-{corpus}", **args)
    assert "started" in message.lower()


def test_spam_and_instructions_start_offline(offline_client):
    assert "started" in _started(offline_client, "/spam_start", "learner-offline-spam",
                                 base="scratch", trainable="all", steps=100_000, batch=8,
                                 lr=1e-3, seed=1).lower()
    for dataset in ("book", "tang"):
        assert "started" in _started(offline_client, "/instruct_start",
                                     f"learner-offline-ins-{dataset}", dataset=dataset,
                                     upload=None, base="scratch", mask_instruction=False,
                                     steps=100_000, batch=4, lr=1e-3, seed=1).lower()
        time.sleep(0.5)


def test_gpt2_offline_says_what_to_do(offline_client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as info:
        offline_client.predict("learner-offline-gpt2", "gpt2-124m", "Hello", 0.8, 20, 0.9, 1, 10,
                               False, api_name="/next_token")
    message = str(info.value)
    assert "HF_ENDPOINT" in message and "Error:" not in message and "Traceback" not in message
