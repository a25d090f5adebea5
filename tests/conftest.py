"""Shared test fixtures: the team data folder, a tiny config, seeding, a live app."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"


def _data_dir() -> Path | None:
    env = os.environ.get("LLM_PLAYGROUND_DATA")
    candidate = Path(env) if env else ROOT.parent / "shared" / "data"
    return candidate if candidate.is_dir() else None


DATA_DIR = _data_dir()
# Tests read corpora from the team data folder and never download; a private cache
# keeps them from touching the user's.
if DATA_DIR is not None:
    os.environ["LLM_PLAYGROUND_DATA"] = str(DATA_DIR)
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def pytest_configure(config):
    if IN_CI and DATA_DIR is None:
        raise pytest.UsageError(
            "CI=true but the data folder is missing: set LLM_PLAYGROUND_DATA or put "
            "shared/data beside the project")


def require_module(name: str):
    """Import a test-only module (transformers, …): a skip locally, a failure in CI."""
    try:
        return __import__(name)
    except ImportError:
        if IN_CI:
            pytest.fail(f"CI=true but {name} is not installed: install requirements-dev.txt",
                        pytrace=False)
        pytest.skip(f"{name} is not installed", allow_module_level=True)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("LLM_PLAYGROUND_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture
def data_dir() -> Path:
    if DATA_DIR is None:
        pytest.skip("team data folder not found (set LLM_PLAYGROUND_DATA)")
    return DATA_DIR


@pytest.fixture
def tiny_cfg():
    from core.config import get_preset
    return get_preset("tiny")


@pytest.fixture
def seeded():
    torch.manual_seed(123)
    return 123


@pytest.fixture
def make_tab(tmp_path, monkeypatch):
    """make_tab(TabClass) → the tab's controller over a fresh registry; jobs stopped after."""
    from core.jobs import JobRegistry
    from playground.session import AppContext
    monkeypatch.setenv("LLM_PLAYGROUND_RUNS", str(tmp_path / "runs"))
    made = []

    def make(cls):
        made.append(cls(AppContext(JobRegistry(max_running=2))))
        return made[-1]
    yield make
    for tab in made:
        for job in tab.registry.running_jobs():
            job.stop()


def poll_until_finished(tick, status_index: int, timeout: float = 150):
    """Call a tab's timer handler `tick(last_key)` until its status output says finished."""
    deadline, key = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        out = tick(key)
        key = out[-1]
        if "finished" in str(out[status_index]):
            return out
        time.sleep(0.5)
    raise AssertionError("the job did not finish in time")


def start_kwargs(*values, **named) -> dict:
    """/start's parameters by name (as the API shows them), from values given in
    PretrainSetup's field order (then "resume"); `named` ones override."""
    import dataclasses

    from playground.pretrain_tab import PretrainSetup
    names = [f.name for f in dataclasses.fields(PretrainSetup)] + ["resume"]
    return {**dict(zip(names, values)), **named}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch_app(log_path: Path, cache_dir: Path, root: Path = ROOT, wait_s: float = 120,
               **env_vars) -> tuple[subprocess.Popen, str]:
    """`python app.py` in a subprocess, as a user starts it; returns (process, URL).
    `root`: the checkout to run (another one's, to compare two versions). Scripts that
    measure on a busy machine may wait longer than `wait_s` for it."""
    port = free_port()
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), GRADIO_SERVER_NAME="127.0.0.1",
               LLM_PLAYGROUND_CACHE=str(cache_dir), PYTHONUNBUFFERED="1", **env_vars)
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "app.py"], cwd=root, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + wait_s
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited early:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return proc, url
        except OSError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"app did not answer within {wait_s:.0f} s:\n{log_path.read_text()}")
        time.sleep(0.5)


def stop_app(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The launched app's URL, shared by the live tests of a run."""
    proc, url = launch_app(tmp_path_factory.mktemp("app") / "app.log",
                           tmp_path_factory.mktemp("appcache"))
    yield url
    stop_app(proc)
