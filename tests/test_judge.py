"""The judge client: a local chat-completions server (good answer, bad JSON, timeout), the
URL checks of a shared server (before any connection), and the token kept out of sight."""

import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core import judge
from core.judge import JudgeError, check_url, score

TOKEN = "sk-secret-token-4242"


class _Handler(BaseHTTPRequestHandler):
    mode = "good"
    seen_auth: list = []

    def do_POST(self):  # noqa: N802 - the http.server API
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length))
        type(self).seen_auth.append(self.headers.get("Authorization"))
        if self.mode == "slow":
            threading.Event().wait(3)
        if self.mode == "bad-json":
            payload = b"{not json"
        else:
            reply = "Score: 87" if body["messages"][0]["content"] else "0"
            payload = json.dumps({"choices": [{"message": {"role": "assistant",
                                                           "content": reply}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        try:
            self.wfile.write(payload)
        except OSError:
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd, f"http://127.0.0.1:{httpd.server_address[1]}/v1/chat/completions"
    httpd.shutdown()
    _Handler.mode = "good"
    _Handler.seen_auth = []


def test_a_good_answer_is_scored(server):
    _, url = server
    assert score(url, "llama3", "rate this", token=TOKEN, shared=False) == 87
    assert _Handler.seen_auth == [f"Bearer {TOKEN}"]          # sent in the header only


def test_bad_json_is_a_clear_error(server):
    _, url = server
    _Handler.mode = "bad-json"
    with pytest.raises(JudgeError, match="bad JSON"):
        score(url, "llama3", "rate this", shared=False)


def test_a_slow_judge_times_out(server):
    _, url = server
    _Handler.mode = "slow"
    with pytest.raises(JudgeError, match="did not answer within 0.5 s"):
        score(url, "llama3", "rate this", timeout=0.5, shared=False)


def test_an_unreachable_judge_is_a_clear_error_without_the_token(caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(JudgeError) as info:
        score("http://127.0.0.1:9/v1/chat/completions", "m", "p", token=TOKEN, shared=False)
    assert "could not be reached" in str(info.value)
    assert TOKEN not in str(info.value) and TOKEN not in caplog.text


@pytest.mark.parametrize("url", [
    "http://localhost:11434/v1/chat/completions",
    "http://127.0.0.1/v1", "http://127.1/v1", "http://0x7f000001/v1", "http://2130706433/v1",
    "http://[::1]/v1", "http://[::ffff:127.0.0.1]/v1", "http://0.0.0.0/v1",
    "http://10.1.2.3/v1", "http://172.16.0.9/v1", "http://192.168.1.20/v1",
    "http://169.254.169.254/latest/meta-data", "http://[fe80::1]/v1", "http://100.64.0.1/v1",
])
def test_a_shared_server_refuses_private_addresses_before_connecting(url, monkeypatch):
    def no_connection(*args, **kwargs):
        raise AssertionError("a connection was attempted")
    monkeypatch.setattr(socket, "create_connection", no_connection)
    with pytest.raises(JudgeError, match="public address"):
        score(url, "m", "p", token=TOKEN, shared=True)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "gopher://x",
                                 "javascript:alert(1)", "localhost:11434"])
def test_other_schemes_are_refused(url, monkeypatch):
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: pytest.fail("connected"))
    with pytest.raises(JudgeError, match="only http and https"):
        check_url(url, shared=True)


def test_a_token_in_the_url_is_refused():
    with pytest.raises(JudgeError, match="token field"):
        check_url(f"http://user:{TOKEN}@example.org/v1", shared=False)


def test_the_operator_may_allow_private_judges(server, monkeypatch):
    _, url = server
    monkeypatch.setenv("SPACE_ID", "someone/space")
    with pytest.raises(JudgeError, match="public address"):
        score(url, "m", "p")
    monkeypatch.setenv("LLM_PLAYGROUND_JUDGE_ALLOW_PRIVATE", "1")
    assert score(url, "m", "p") == 87


def test_run_locally_a_local_judge_works(server, monkeypatch):
    monkeypatch.delenv("SPACE_ID", raising=False)
    monkeypatch.delenv("LLM_PLAYGROUND_SHARED", raising=False)
    assert not judge.on_shared_server()
    _, url = server
    assert score(url, "m", "p") == 87


def test_the_tab_never_echoes_the_token(server, monkeypatch, caplog, data_dir):
    """Through the instruction tab's evaluation: answers and logs hold no token."""
    from core.jobs import JobRegistry, SavedModel
    from playground.instruct_tab import InstructTab
    from playground.model_picker import resolve_model
    from playground.session import AppContext
    monkeypatch.delenv("SPACE_ID", raising=False)
    caplog.set_level(logging.DEBUG)
    tab = InstructTab(AppContext(JobRegistry()))
    picked = resolve_model(tab.registry, "fresh", "learner-judge")
    tab.registry.add_model("learner-judge", SavedModel("m", picked.model, picked.tokenizer))
    choice = "saved:" + tab.registry.models("learner-judge")[0].id
    _, url = server
    outputs = list(tab.evaluate(None, "learner-judge", "en", choice, "book", None, 1, True, url,
                                "m", TOKEN))
    assert "Judge's mean score **87.0**" in outputs[-1][1]
    assert all(TOKEN not in part for out in outputs for part in out)
    assert TOKEN not in caplog.text
