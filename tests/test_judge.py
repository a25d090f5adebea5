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


# ----- tokens a header cannot carry, whatever raised ----------------------------------------

ODD_TOKENS = {
    "newline": "sk-LINEONE-4242\nLINETWO-4242",
    "crlf": "sk-CRLFONE-4242\r\nCRLFTWO-4242",
    "nul": "sk-NULONE-4242\x00NULTWO-4242",
    "non-ascii": "sk-ключ-секрет-4242",
    "10 kB": "sk-" + "LONGTOKEN-4242-" * 683,
}


def _pieces(token: str) -> list[str]:
    """The token and every run of it between odd characters (a message quoting half a
    token leaks too)."""
    import re
    return [token] + [p for p in re.split(r"[\x00-\x1f]", token) if len(p) >= 6]


def _leaks(text: str, token: str) -> bool:
    return any(piece in text for piece in _pieces(token))


@pytest.mark.parametrize("name", sorted(ODD_TOKENS))
def test_an_odd_token_is_refused_before_any_header_and_never_repeated(name, server, caplog):
    caplog.set_level(logging.DEBUG)
    _, url = server
    token = ODD_TOKENS[name]
    with pytest.raises(JudgeError) as info:
        score(url, "m", "p", token=token, shared=False)
    assert "token" in str(info.value) and not _leaks(str(info.value), token)
    assert not _leaks(caplog.text, token)
    assert _Handler.seen_auth == []                      # nothing was sent


def test_any_failure_of_the_request_is_a_judge_error_without_its_text(server, monkeypatch):
    """Whatever the connection raises (here a ValueError quoting the header, as
    http.client does), the learner reads the kind of failure, never its text."""
    _, url = server

    def broken_request(self, method, path, body=None, headers=None, **kwargs):
        raise ValueError(f"Invalid header value {headers['Authorization']!r}")
    monkeypatch.setattr(judge.http.client.HTTPConnection, "request", broken_request)
    with pytest.raises(JudgeError, match=r"could not be reached \(ValueError\)") as info:
        score(url, "m", "p", token=TOKEN, shared=False)
    assert TOKEN not in str(info.value) and info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_surrounding_spaces_and_a_trailing_line_break_are_trimmed(server):
    _, url = server
    assert score(url, "m", "p", token=f"  {TOKEN}\r\n", shared=False) == 87
    assert _Handler.seen_auth == [f"Bearer {TOKEN}"]


@pytest.mark.slow
def test_the_launched_app_never_echoes_an_odd_token(server, tmp_path):
    """Through /instruct_evaluate of `python app.py`: no answer, error or log line holds
    the token, for every odd token and for a good one the judge could not use."""
    from gradio_client import Client
    from conftest import launch_app, stop_app
    _, url = server
    log = tmp_path / "app.log"
    proc, app_url = launch_app(log, tmp_path / "cache")
    try:
        client = Client(app_url, verbose=False)
        tokens = dict(ODD_TOKENS, unreachable=TOKEN)
        for name, token in tokens.items():
            judge_url = "http://127.0.0.1:9/v1/chat/completions" if name == "unreachable" else url
            with pytest.raises(Exception) as info:
                client.predict(None, "fresh", "book", None, 1, True, judge_url, "m", token,
                               api_name="/instruct_evaluate")
            text = str(info.value)
            assert "judge" in text.lower(), (name, text[:300])
            assert not _leaks(text, token), name
        assert _Handler.seen_auth == []
        # and a good token still reaches the judge, in its header only
        html, summary = client.predict(None, "fresh", "book", None, 1, True, url, "m", TOKEN,
                                       api_name="/instruct_evaluate")
        assert "87" in summary and TOKEN not in html + summary
        assert _Handler.seen_auth == [f"Bearer {TOKEN}"]
    finally:
        stop_app(proc)
    text = log.read_text(encoding="utf-8", errors="replace")
    assert not any(_leaks(text, token) for token in tokens.values())


# ----- addresses that carry an IPv4 address; redirects; the checked address ----------------

@pytest.mark.parametrize("address", [
    "2002:7f00:1::1",                        # 6to4 of 127.0.0.1
    "2002:c0a8:101::1",                      # 6to4 of 192.168.1.1
    "2002:a00:1::",                          # 6to4 of 10.0.0.1
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
    "64:ff9b::7f00:1",                       # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",                    # NAT64 of 169.254.169.254
    "64:ff9b:1::c0a8:101",                   # local-use NAT64 of 192.168.1.1
])
def test_ipv6_that_carries_a_private_ipv4_counts_as_it(address, monkeypatch):
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: pytest.fail("connected"))
    with pytest.raises(JudgeError, match="public address"):
        check_url(f"http://[{address}]/v1", shared=True)


@pytest.mark.parametrize("address", ["2002:808:808::1", "64:ff9b::808:808",
                                     "2001:4860:4860::8888"])
def test_ipv6_that_carries_a_public_ipv4_is_public(address):
    assert check_url(f"http://[{address}]/v1", shared=True).address == address


def test_a_redirect_is_not_followed(monkeypatch):
    """A judge that answers 302 towards another server: that server is never asked."""
    hits = []

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            hits.append(self.path)
            self.send_response(302)
            self.send_header("Location", target_url)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    servers = [ThreadingHTTPServer(("127.0.0.1", 0), Redirect) for _ in range(2)]
    for httpd in servers:
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
    first, second = (f"http://127.0.0.1:{h.server_address[1]}" for h in servers)
    target_url = second + "/elsewhere"
    try:
        with pytest.raises(JudgeError, match="HTTP status 302.*not followed"):
            score(first + "/v1/chat/completions", "m", "p", token=TOKEN, shared=False)
    finally:
        for httpd in servers:
            httpd.shutdown()
    assert hits == ["/v1/chat/completions"]          # the second server saw nothing


def test_the_connection_goes_to_the_address_that_was_checked(monkeypatch):
    """A resolver that says "public" when asked and "loopback" a moment later (DNS
    rebinding): the request still goes to the public address that was checked."""
    answers = iter(["93.184.216.34", "127.0.0.1", "127.0.0.1"])

    def resolver(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]
    connected = []

    def create_connection(address, *args, **kwargs):
        connected.append(address)
        raise ConnectionRefusedError(111, "Connection refused")
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    with pytest.raises(JudgeError, match="could not be reached"):
        score("http://judge.example.org/v1/chat/completions", "m", "p", shared=True)
    assert connected == [("93.184.216.34", 80)]
