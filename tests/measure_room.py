"""A room of learners against one launched app: the numbers the jobs-in-processes work
is judged by. Not a test (it asserts nothing); run it and read what it prints:

    python tests/measure_room.py            # about 6 minutes on 2 cores
    python tests/measure_room.py --json     # one JSON line

1. latency of a trivial call (/tokenize) from 8 sessions, each about once a second,
   while 2 learners train the CPU demo; and 8 sessions calling in a tight loop, idle;
2. the 3rd and 4th learner pressing Start (2 train at a time): what they see, and how
   long until the 3rd's job starts by itself once a slot frees;
3. seconds from Start to the first loss point;
4. the server's resident memory after 5 and after 20 learners have trained briefly and left;
5. training tokens/s of one CPU-demo job, as its status reports it.

With `--room 30,60`, it measures a room instead, started as a Space starts it
(`SPACE_ID` set, the instructor token set): for each size, every learner is one light
session (plain HTTP, its own session hash and learner id) whose Pretrain page polls as
the page's timer does (its first poll's answer turns the timer off for a learner with no
job who is not following; a follower asks at the pace the answer sets), and who clicks
something cheap (/tokenize) every 3 seconds, while 2 learners train the CPU demo; once
with every page on its own (idle), once with every page following the class run (one of
the two jobs, marked by the instructor). It prints the first answer each new session got
(the room arriving at once), then, once all are in, click and poll p50/p95, how many
pages kept polling, and how many polls answered within the second.

    python tests/measure_room.py --room 30,60,100 --seconds 30
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
from conftest import launch_app, start_kwargs, stop_app  # noqa: E402

from gradio_client import Client  # noqa: E402

CPU_DEMO = ["the-verdict", "", None, "auto", "cpu-demo", 4, 4, 128, 64, 16]


def start(client, steps=100_000, seed=1):
    return client.predict(None, **start_kwargs(*CPU_DEMO, steps, 3e-3, seed, "", False),
                          api_name="/start")


def poll(client):
    return client.predict(None, False, False, api_name="/poll")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"n": len(values), "p50_ms": round(1000 * statistics.median(ordered), 1),
            "p95_ms": round(1000 * ordered[max(0, int(0.95 * len(ordered)) - 1)], 1),
            "max_ms": round(1000 * ordered[-1], 1)}


def sessions_calling(url: str, n: int, seconds: float, period: float | None) -> list[float]:
    """n sessions, each calling /tokenize every `period` s (None: as fast as it can)."""
    latencies: list[float] = []
    lock = threading.Lock()
    clients = [Client(url, verbose=False) for _ in range(n)]

    def run(client, offset):
        time.sleep(offset)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            t0 = time.perf_counter()
            client.predict("hello world", "the-verdict", api_name="/tokenize")
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
            if period:
                time.sleep(max(0.0, period - elapsed))
    threads = [threading.Thread(target=run, args=(c, (i / n) * (period or 0))) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def first_loss_seconds(client) -> float:
    t0 = time.monotonic()
    start(client)
    while True:
        plot = poll(client)[0]
        if isinstance(plot, dict) and plot.get("plot") and '"y":[' in plot["plot"]:
            return time.monotonic() - t0
        time.sleep(0.05)


def wait_for_status(client, pattern: str, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = poll(client)[1]
        if re.search(pattern, status):
            return status
        time.sleep(0.2)
    raise RuntimeError(f"no status matching {pattern!r}")


async def _call(http, url: str, api: str, data: list, session: str) -> tuple[float, list]:
    """One event through Gradio's plain HTTP API, to its answer: (seconds, its outputs);
    infinite seconds when it failed (a dropped connection, an error event)."""
    import httpx
    t0 = time.perf_counter()
    try:
        joined = await http.post(f"{url}gradio_api/call/{api}",
                                 json={"data": data, "session_hash": session})
        event = joined.json()["event_id"]
        complete = False
        async with http.stream("GET", f"{url}gradio_api/call/{api}/{event}") as stream:
            async for line in stream.aiter_lines():
                if line.startswith("event: complete"):
                    complete, seconds = True, time.perf_counter() - t0
                elif complete and line.startswith("data:"):
                    return seconds, json.loads(line[5:])
    except (httpx.HTTPError, KeyError, ValueError):
        pass
    return float("inf"), []


def next_poll(outputs: list) -> float:
    """What the page's timer does after this poll: seconds until it asks again (its last
    output sets its pace: 1 s for one's own job, slower for a follower of the class run),
    or 0 when it is turned off (no job of one's own, not following)."""
    timer = outputs[-1] if outputs else None
    if isinstance(timer, dict):
        return 0.0 if timer.get("active") is False else float(timer.get("value") or 1.0)
    return 1.0


async def _learner(http, url: str, index: int, follow: bool, seconds: float, out: dict,
                   ready) -> None:
    import asyncio
    import uuid
    session, learner = uuid.uuid4().hex[:11], f"room-learner-{index:04d}"
    await asyncio.sleep(index * 0.997 % 1.0)            # pages opened at different moments
    # A new session is costly (Gradio builds its state): the first answer is counted apart.
    seconds_taken, outputs = await _call(http, url, "poll", [learner, False, False, follow], session)
    out["first"].append(seconds_taken)
    pace = next_poll(outputs)                           # as the page's timer would
    out["pages_polling"] += pace > 0
    await ready.wait()                                  # the room is in: steady state from here
    end, next_click = time.monotonic() + seconds, time.monotonic() + (index % 3)
    next_ask = time.monotonic() + pace
    while time.monotonic() < end:
        tick = time.monotonic()
        if pace and tick >= next_ask:
            seconds_taken, outputs = await _call(http, url, "poll",
                                                 [learner, False, False, follow], session)
            out["poll"].append(seconds_taken)
            pace = next_poll(outputs)
            next_ask = tick + pace
        if time.monotonic() >= next_click:
            out["click"].append((await _call(http, url, "tokenize",
                                             ["hello room", "the-verdict"], session))[0])
            next_click += 3
        await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))


def room(sizes: list[int], seconds: float) -> dict:
    """The room measurement (see the module docstring)."""
    import asyncio

    import httpx
    token = "measure-room-token"
    work = Path(tempfile.mkdtemp(prefix="room-"))
    proc, url = launch_app(work / "app.log", work / "cache", wait_s=300,
                           LLM_PLAYGROUND_RUNS=str(work / "runs"), SPACE_ID="measure/room",
                           LLM_PLAYGROUND_INSTRUCTOR_TOKEN=token)
    results: dict = {}
    try:
        trainers = [Client(url, verbose=False) for _ in range(2)]
        for seed, client in enumerate(trainers, 1):
            start(client, seed=seed)
        wait_for_status(trainers[1], r"training", timeout=300)
        teacher = Client(url + "instructor/", auth=("teacher", token), verbose=False)
        label = re.findall(r"<td>(#[0-9a-f]{6})</td>", teacher.predict(None, api_name="/room")[1])[0]
        teacher.predict(label, api_name="/mark_class")

        async def one(n: int, follow: bool) -> dict:
            out: dict = {"first": [], "poll": [], "click": [], "pages_polling": 0}
            ready = asyncio.Event()
            limits = httpx.Limits(max_connections=2 * n + 8)

            async def arrived():
                while len(out["first"]) < n:
                    await asyncio.sleep(0.1)
                ready.set()
            async with httpx.AsyncClient(timeout=120, limits=limits) as http:
                await asyncio.gather(arrived(), *(_learner(http, url, i, follow, seconds, out,
                                                           ready) for i in range(n)))
            pages_polling = out.pop("pages_polling")
            failed = sum(x == float("inf") for key in out for x in out[key])
            out = {key: [x for x in values if x != float("inf")] for key, values in out.items()}
            polls = out["poll"]
            return {"failed": failed, "first_answer": percentiles(out["first"]),
                    "click": percentiles(out["click"]), "pages_polling": pages_polling,
                    "poll": percentiles(polls) if polls else None,
                    "polls_within_1s": (round(sum(p <= 1 for p in polls) / len(polls), 3)
                                        if polls else None)}
        for n in sizes:
            for follow in (False, True):
                name = f"{n}_{'following' if follow else 'idle'}"
                results[name] = asyncio.run(one(n, follow))
                print(name, results[name], flush=True)
    finally:
        stop_app(proc)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--room", help="learner counts, e.g. 30,60: measure a room instead")
    args = parser.parse_args()
    if args.room:
        results = room([int(n) for n in args.room.split(",")], args.seconds)
        print(json.dumps(results))
        return 0
    work = Path(tempfile.mkdtemp(prefix="room-"))
    proc, url = launch_app(work / "app.log", work / "cache", LLM_PLAYGROUND_RUNS=str(work / "runs"))
    results: dict = {}
    try:
        results["idle_tight_loop"] = percentiles(sessions_calling(url, 8, 15, None))
        trainers = [Client(url, verbose=False) for _ in range(2)]
        results["start_to_first_loss_s"] = [round(first_loss_seconds(c), 2) for c in trainers]
        time.sleep(3)
        results["while_2_train"] = percentiles(sessions_calling(url, 8, args.seconds, 1.0))
        status = poll(trainers[0])[1]
        tps = re.search(r"([\d,]+) tokens/s", status)
        results["job_tokens_per_s_while_room_calls"] = int(tps.group(1).replace(",", "")) if tps else None

        third, fourth = Client(url, verbose=False), Client(url, verbose=False)
        results["third_sees"], results["fourth_sees"] = start(third), start(fourth)
        t0 = time.monotonic()
        trainers[0].predict(None, api_name="/stop")
        wait_for_status(third, r"training")
        results["third_starts_after_a_stop_s"] = round(time.monotonic() - t0, 2)
        for client in (trainers[1], third, fourth):
            client.predict(None, api_name="/stop")

        alone = Client(url, verbose=False)
        start(alone)
        time.sleep(20)
        status = poll(alone)[1]
        tps = re.search(r"([\d,]+) tokens/s", status)
        results["job_tokens_per_s_alone"] = int(tps.group(1).replace(",", "")) if tps else None
        alone.predict(None, api_name="/stop")

        memory = {}
        for learner in range(1, 21):
            client = Client(url, verbose=False)
            start(client, steps=40, seed=learner)
            wait_for_status(client, r"finished")
            if learner in (1, 5, 10, 20):
                time.sleep(1)
                memory[learner] = round(rss_mb(proc.pid), 1)
        results["server_rss_mb_after_learners"] = memory
        results["rss_20_vs_5"] = round(memory[20] / memory[5], 3)
    finally:
        stop_app(proc)
    if args.json:
        print(json.dumps(results))
    else:
        for key, value in results.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
