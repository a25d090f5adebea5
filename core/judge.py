"""An optional judge: a larger model that scores responses 0–100 (chapter 7.8).

Any server that speaks the OpenAI chat-completions protocol will do (the book uses a
local Ollama). The learner types its URL, a model name and, if it needs one, a token.

Safety, because a URL typed into a shared server is a request that server makes:
- only http and https;
- on a shared server (a Hugging Face Space, where SPACE_ID is set, or when the operator
  sets LLM_PLAYGROUND_SHARED=1) a host that resolves to a loopback, private,
  link-local or otherwise non-public address is refused before any connection is made,
  however it is spelled (127.1, 0x7f000001, [::ffff:127.0.0.1] …), and an IPv6 address
  that carries an IPv4 one (IPv4-mapped, 6to4 `2002::/16`, Teredo `2001::/32`, NAT64
  `64:ff9b::/96`) counts as that IPv4 address; unless the operator sets
  LLM_PLAYGROUND_JUDGE_ALLOW_PRIVATE=1. The connection then goes to the address that was
  checked, so a name cannot resolve differently a moment later; redirects are not followed;
- run locally (`python app.py`), a local Ollama works by default;
- the token is checked before it goes near a header (printable ASCII, no spaces or line
  breaks, at most MAX_TOKEN_CHARS), then sent in the Authorization header of that one
  request and nowhere else: it is not logged, kept, put in a URL or repeated in any
  answer or error. Messages about a failed request are built from the kind of failure
  alone, never from the text of an exception (which may quote a header).
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import re
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

SHARED_ENV = "LLM_PLAYGROUND_SHARED"
ALLOW_PRIVATE_ENV = "LLM_PLAYGROUND_JUDGE_ALLOW_PRIVATE"
DEFAULT_TIMEOUT = 30.0
MAX_RESPONSE_BYTES = 1_000_000
MAX_TOKEN_CHARS = 4096
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class JudgeError(RuntimeError):
    """The judge could not be asked or did not answer usefully; the message says why
    (and never holds the token)."""


def on_shared_server() -> bool:
    return bool(os.environ.get("SPACE_ID")) or os.environ.get(SHARED_ENV, "") in ("1", "true", "yes")


def private_allowed() -> bool:
    return os.environ.get(ALLOW_PRIVATE_ENV, "") in ("1", "true", "yes")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address stands for: IPv4-mapped (::ffff:a.b.c.d),
    6to4 (2002:AABB:CCDD::/48), Teredo (2001:0::/32: its server and its client) and
    NAT64 (64:ff9b::a.b.c.d, and the local-use 64:ff9b:1::/48). Empty for any other."""
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)
    if any(ip in net for net in NAT64):
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    return []


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        carried = embedded_ipv4(ip)
        if carried:
            return all(_is_public(str(v4)) for v4 in carried)
    return ip.is_global and not (ip.is_loopback or ip.is_private or ip.is_link_local or
                                 ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def check_token(token: str | None) -> str | None:
    """The token, stripped of surrounding spaces and line breaks, or None for none.

    A header carries only printable ASCII: a token with a line break, a control
    character, a space or a non-ASCII letter inside, or a very long one, is refused
    with a message that does not repeat it."""
    if token is None:
        return None
    if not isinstance(token, str):
        raise JudgeError("the judge's token must be text")
    token = token.strip()
    if not token:
        return None
    if len(token) > MAX_TOKEN_CHARS:
        raise JudgeError(f"the judge's token is longer than {MAX_TOKEN_CHARS:,} characters: "
                         "check what was pasted")
    if not all("!" <= ch <= "~" for ch in token):
        raise JudgeError("the judge's token holds a character an HTTP header cannot carry "
                         "(a space, a line break, a control character or a non-ASCII letter): "
                         "paste it again")
    return token


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str                 # as typed (for TLS and the Host header)
    port: int
    path: str
    address: str              # the checked address to connect to


def check_url(url: str, shared: bool | None = None, allow_private: bool | None = None) -> Target:
    """Parse and vet a judge URL; raises JudgeError before any connection is made."""
    shared = on_shared_server() if shared is None else shared
    allow_private = private_allowed() if allow_private is None else allow_private
    if not isinstance(url, str) or not url.strip():
        raise JudgeError("give the judge's URL, e.g. http://localhost:11434/v1/chat/completions")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise JudgeError(f"only http and https judge URLs are allowed, not {parts.scheme or 'none'!r}")
    if parts.username or parts.password:
        raise JudgeError("put the token in the token field, not in the URL")
    host = parts.hostname
    if not host:
        raise JudgeError("the judge URL has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise JudgeError("the judge URL has an invalid port") from None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as err:
        raise JudgeError(f"the judge's host {host!r} could not be found ({err})") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if shared and not allow_private:
        blocked = [a for a in addresses if not _is_public(a)]
        if blocked:
            raise JudgeError(
                f"on a shared server the judge must be a public address; {host!r} resolves to "
                f"{blocked[0]} (loopback, private or link-local). The operator can allow it "
                f"with {ALLOW_PRIVATE_ENV}=1")
    path = (parts.path or "/v1/chat/completions") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, path, addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout,
                         context=ssl.create_default_context())
        self._address = target.address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _failure(err: BaseException) -> str:
    """What went wrong, from the kind of failure alone (an exception's text may quote
    a header, and so the token)."""
    reason = type(err).__name__
    if isinstance(err, OSError) and isinstance(err.errno, int) and err.errno > 0:
        reason += f": {os.strerror(err.errno)}"
    return reason


def ask(url: str, model: str, prompt: str, token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT, shared: bool | None = None) -> str:
    """Send one chat-completions request; returns the reply's text."""
    token = check_token(token)
    target = check_url(url, shared)
    if not isinstance(model, str) or not model.strip():
        raise JudgeError("give the judge's model name (e.g. llama3)")
    body = json.dumps({"model": model.strip(), "messages": [{"role": "user", "content": prompt}],
                       "temperature": 0, "stream": False}).encode("utf-8")
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    connection_type = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_type(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read(MAX_RESPONSE_BYTES + 1)
        status = response.status
    except socket.timeout:
        raise JudgeError(f"the judge did not answer within {timeout:g} s") from None
    except Exception as err:  # noqa: BLE001 - every failure, told without its text
        raise JudgeError(f"the judge could not be reached ({_failure(err)})") from None
    finally:
        connection.close()
    if status != 200:
        where = " (a redirect, which is not followed)" if 300 <= status < 400 else ""
        raise JudgeError(f"the judge answered with HTTP status {status}{where}")
    if len(raw) > MAX_RESPONSE_BYTES:
        raise JudgeError("the judge's answer is too large")
    try:
        reply = json.loads(raw.decode("utf-8"))
        return str(reply["choices"][0]["message"]["content"])
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, IndexError, TypeError):
        raise JudgeError("the judge's answer is not a chat-completions reply (bad JSON)") from None


def score(url: str, model: str, prompt: str, token: str | None = None,
          timeout: float = DEFAULT_TIMEOUT, shared: bool | None = None) -> int:
    """The judge's 0–100 score for one response (the first integer in its reply)."""
    reply = ask(url, model, prompt, token, timeout, shared)
    match = re.search(r"\d+", reply)
    if match is None:
        raise JudgeError("the judge's reply holds no score")
    return max(0, min(100, int(match.group())))
