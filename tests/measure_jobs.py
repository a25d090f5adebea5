"""The jobs machinery, measured against a launched app. Not a test (it asserts nothing);
run it and read what it prints:

    python tests/measure_jobs.py                    # every part, this checkout
    python tests/measure_jobs.py --part latency --app ../other-checkout
    python tests/measure_jobs.py --json

1. latency: p50 / p95 of 8 learners' once-a-second polls (plain HTTP sessions) while a
   fine-tune of a GPT-2 124M-sized model (random weights, loaded from a checkpoint)
   starts: before any click, while the Start call runs (the process starts and the base
   is copied into shared memory), and in the 10 s after; five starts (each stopped
   after 10 s). `--app` runs another checkout's app.py (an older version) with the same
   clients, for a before/after.
2. memory: the server's memory with its children (resident and proportional) after 5
   and after 40 learners who each train a few steps, save once and leave (a 3 s TTL);
   the files left; then what a learner sees when the model memory bound is full.
3. stop: seconds from Stop to "stopped" of a GPT-2 124M run (the-verdict with GPT-2's
   full BPE, preset gpt2-124m: batch 2 × 256 as the book trains it), whether its model
   is kept, and the job process's memory while it trained.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from conftest import ROOT, launch_app, start_kwargs, stop_app  # noqa: E402

from gradio_client import Client, handle_file  # noqa: E402

GPT2_124M = ["the-verdict", "", None, "gpt2", "gpt2-124m", 12, 12, 768, 256, 2]
CPU_DEMO = ["the-verdict", "", None, "auto", "cpu-demo", 4, 4, 128, 64, 16]


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    return {"n": len(values), "p50_ms": round(1000 * statistics.median(ordered), 1),
            "p95_ms": round(1000 * ordered[max(0, int(0.95 * len(ordered)) - 1)], 1),
            "max_ms": round(1000 * ordered[-1], 1)}


def status_of(outputs) -> str:
    """The status line among a poll's outputs (the Markdown that names the state)."""
    texts = [o for o in (outputs if isinstance(outputs, (list, tuple)) else [outputs])
             if isinstance(o, str)]
    return next((o for o in texts if re.search(r"queued|training|stopped|finished|failed|"
                                                r"killed|crashed|No training|no job", o)), "")


def tree_memory(pid: int) -> dict:
    """Resident and proportional memory (MB) of a process and all its descendants."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    todo, seen, rss, pss = [pid], [], 0.0, 0.0
    while todo:
        current = todo.pop()
        seen.append(current)
        todo += children.get(current, [])
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1]) / 1024
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1]) / 1024
        except OSError:
            continue
    return {"processes": len(seen), "rss_mb": round(rss, 1), "pss_mb": round(pss, 1)}


def folder_mb(folder: Path) -> float:
    return round(sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20, 1)


def wait_for_status(poll, pattern: str, timeout: float = 600) -> str:
    deadline = time.monotonic() + timeout
    status = ""
    while time.monotonic() < deadline:
        status = status_of(poll())
        if re.search(pattern, status):
            return status
        time.sleep(0.2)
    raise RuntimeError(f"no status matching {pattern!r}; last: {status!r}")


def gpt2_sized_checkpoint(folder: Path) -> Path:
    """A random GPT-2 124M (the book's config, GPT-2's 50,257-token BPE) as a checkpoint."""
    from core.checkpoint import save_checkpoint
    from core.config import get_preset
    from core.model import GPTModel
    from core.tokenizer import BPETokenizer

    model = GPTModel(get_preset("gpt2-124m"))
    return save_checkpoint(folder / "gpt2-random", model, BPETokenizer(), step=1,
                           extra={"label": "gpt2-random"})


# ----- 1. poll latency while a GPT-2-sized fine-tune starts -----------------------------

class HttpSession:
    """One browser session's calls over plain HTTP (gradio_client's own work would
    inflate the numbers on a 2-core machine): POST the call, read its result stream."""

    def __init__(self, url: str):
        self.url, self.session = url.rstrip("/"), uuid.uuid4().hex[:11]

    def call(self, api: str, data: list) -> str:
        body = json.dumps({"data": data, "session_hash": self.session}).encode()
        request = urllib.request.Request(f"{self.url}/gradio_api/call/{api}", body,
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            event = json.loads(response.read())["event_id"]
        with urllib.request.urlopen(f"{self.url}/gradio_api/call/{api}/{event}",
                                    timeout=120) as response:
            return response.read().decode()


def measure_latency(app: Path, work: Path, repeats: int = 5) -> dict:
    checkpoint = gpt2_sized_checkpoint(work)
    proc, url = launch_app(work / "latency.log", work / "cache", root=app,
                           LLM_PLAYGROUND_RUNS=str(work / "runs-latency"),
                           GRADIO_TEMP_DIR=str(work / "gradio-latency"))
    samples: list[tuple[float, float]] = []
    lock, done = threading.Lock(), threading.Event()

    def poller(session, offset):
        done.wait(offset)
        while not done.is_set():
            began = time.monotonic()
            session.call("poll", [None, False, False])
            with lock:
                samples.append((began, time.monotonic() - began))
            done.wait(max(0.0, 1.0 - (time.monotonic() - began)))
    starts: list[tuple[float, float]] = []
    try:
        trainer = Client(url, verbose=False)
        trainer.predict(None, handle_file(str(checkpoint)), api_name="/load")
        base = next(v for _, v in trainer.predict("en", api_name="/models") if v.startswith("saved:"))
        threads = [threading.Thread(target=poller, args=(HttpSession(url), i / 8), daemon=True)
                   for i in range(8)]
        for thread in threads:
            thread.start()
        time.sleep(15)                                        # polls with nothing starting
        quiet = time.monotonic()
        for _ in range(repeats):
            clicked = time.monotonic()
            message = trainer.predict(None, base, "last-block", 20, 2, 5e-4, 1,
                                      api_name="/spam_start")
            starts.append((clicked, time.monotonic()))
            time.sleep(10)                                    # the job's first seconds
            trainer.predict(None, api_name="/spam_stop")
            time.sleep(3)
        done.set()
        for thread in threads:
            thread.join(150)
    finally:
        done.set()
        stop_app(proc)
    during = [lat for t, lat in samples if any(a <= t < b for a, b in starts)]
    after = [lat for t, lat in samples if any(b <= t < b + 10 for _, b in starts)]
    return {"app": str(app), "start_message": message.splitlines()[0][:80],
            "start_calls_s": [round(b - a, 2) for a, b in starts],
            "polls_before": percentiles([lat for t, lat in samples if t < quiet]),
            "polls_during_start_calls": percentiles(during),
            "polls_10s_after_each_start": percentiles(after)}


# ----- 2. memory over a room of learners, and the byte bound ----------------------------

def brief_learner(url: str) -> None:
    client = Client(url, verbose=False)
    client.predict(None, **start_kwargs(*CPU_DEMO, 8, 3e-3, 1, "", False), api_name="/start")
    wait_for_status(lambda: client.predict(None, False, False, api_name="/poll"), "finished")
    client.predict(None, api_name="/save")


def measure_memory(app: Path, work: Path, learners: int = 40) -> dict:
    runs, gradio_tmp = work / "runs-memory", work / "gradio-memory"
    proc, url = launch_app(work / "memory.log", work / "cache", root=app,
                           LLM_PLAYGROUND_RUNS=str(runs), GRADIO_TEMP_DIR=str(gradio_tmp),
                           LLM_PLAYGROUND_LEARNER_TTL_SECONDS="3")
    out: dict = {}
    try:
        for n in range(1, learners + 1):
            brief_learner(url)
            if n in (5, learners):
                time.sleep(15)                     # past the TTL and a reaper round
                out[f"after_{n}"] = {**tree_memory(proc.pid), "runs_mb": folder_mb(runs),
                                     "gradio_cache_mb": folder_mb(gradio_tmp)}
    finally:
        stop_app(proc)
    first, last = out["after_5"], out[f"after_{learners}"]
    out["pss_ratio"] = round(last["pss_mb"] / first["pss_mb"], 3)
    out["rss_ratio"] = round(last["rss_mb"] / first["rss_mb"], 3)
    out["bound_full"] = measure_bound_full(app, work)
    return out


def measure_bound_full(app: Path, work: Path) -> dict:
    """A model memory bound of 1 MB: a finished CPU-demo model (3 MB) and a loaded one."""
    from core.checkpoint import save_checkpoint
    from core.config import get_preset
    from core.model import GPTModel
    from core.tokenizer import CharTokenizer

    tok = CharTokenizer.from_text("hello world, a small checkpoint to load")
    path = save_checkpoint(work / "small", GPTModel(get_preset("cpu-demo", vocab_size=tok.n_vocab)),
                           tok, step=1)
    proc, url = launch_app(work / "bound.log", work / "cache", root=app,
                           LLM_PLAYGROUND_RUNS=str(work / "runs-bound"),
                           LLM_PLAYGROUND_MODEL_MEMORY_MB="1")
    try:
        client = Client(url, verbose=False)
        client.predict(None, **start_kwargs(*CPU_DEMO, 8, 3e-3, 1, "", False),
                       api_name="/start")
        status = wait_for_status(lambda: client.predict(None, False, False, api_name="/poll"),
                                 "finished")
        try:
            loaded = client.predict(None, handle_file(str(path)), api_name="/load")
        except Exception as err:  # noqa: BLE001 (the message is what we report)
            loaded = str(err)
    finally:
        stop_app(proc)
    return {"finished_status": status, "load_answer": loaded}


# ----- 3. stopping a GPT-2 124M run -------------------------------------------------------

def measure_stop(app: Path, work: Path) -> dict:
    proc, url = launch_app(work / "stop.log", work / "cache", root=app,
                           LLM_PLAYGROUND_RUNS=str(work / "runs-stop"))
    try:
        client = Client(url, verbose=False)
        poll = lambda: client.predict(None, False, False, api_name="/poll")  # noqa: E731
        started = client.predict(None, **start_kwargs(*GPT2_124M, 100, 4e-4, 1, "", False),
                                 api_name="/start")
        status = wait_for_status(poll, r"step [2-9]|failed", timeout=900)
        pid = int(re.search(r"process (\d+)", status).group(1)) if "process" in status else None
        job_memory = tree_memory(pid) if pid else {}
        clicked = time.monotonic()
        client.predict(None, api_name="/stop")
        returned = time.monotonic()
        stopped = wait_for_status(poll, r"stopped|failed|killed", timeout=300)
        seen = time.monotonic()
        models = [label for label, value in client.predict("en", api_name="/models")
                  if value.startswith("saved:")]
    finally:
        stop_app(proc)
    return {"start": started.splitlines()[0][:80], "status_before_stop": status.splitlines()[0],
            "job_process_memory": job_memory,
            "stop_call_s": round(returned - clicked, 1), "stop_to_stopped_s": round(seen - clicked, 1),
            "final_status": stopped, "kept_models": models}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", type=Path, default=ROOT, help="the checkout whose app.py runs")
    parser.add_argument("--part", choices=("latency", "memory", "stop", "all"), default="all")
    parser.add_argument("--learners", type=int, default=40)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="measure-jobs-"))
    results: dict = {}
    try:
        if args.part in ("latency", "all"):
            results["latency"] = measure_latency(args.app.resolve(), work)
        if args.part in ("memory", "all"):
            results["memory"] = measure_memory(args.app.resolve(), work, args.learners)
        if args.part in ("stop", "all"):
            results["stop"] = measure_stop(args.app.resolve(), work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results) if args.json else json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
